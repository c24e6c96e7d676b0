"""raspir and Tracr side by side: ``make bench``.

Starts one worker process per compiler setting (``worker.py``): raspir with
``-O0`` and with its default pipeline in raspir's virtualenv, Tracr in its own
(``benchmarks/.venv-tracr``, pinned by ``tracr-requirements.txt``), and sends
them the same configurations, interleaved, with the same random inputs. Writes
``results/latest.json`` and renders it (``report.py``): ``results/latest.md``,
the scaling plots and the README's Performance section.

``--quick`` is the smoke test ``make test`` runs: raspir only, two tiny
configurations, no plots, no README.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import queue
import random
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from raspir.testing.library import LIB_PROGRAMS  # noqa: E402

LIB_LENGTHS = (5, 10, 20)
SWEEP_LENGTHS = (8, 16, 32, 64, 128)
SWEEP_VOCABS = (10, 20, 50, 100)
SWEEP_VOCAB_LENGTH = 10
"""max_seq_len of the vocabulary sweeps."""


@dataclass(frozen=True)
class Config:
    group: str
    """"lib", or the sweep: "sort / max_seq_len", "hist / vocab", ..."""
    program: str
    max_seq_len: int
    vocab: tuple

    @property
    def x(self) -> int:
        """The swept variable's value."""
        return len(self.vocab) if self.group.endswith("vocab") else self.max_seq_len


def sweep_vocab(program: str, size: int) -> tuple:
    """``size`` tokens the program takes: numbers from 1 for sort, else ints."""
    return tuple(range(1, size + 1)) if program == "sort" else tuple(range(size))


def configs(quick: bool, groups: set[str]) -> list[Config]:
    if quick:
        return [
            Config("lib", "length", 3, ("a", "b")),
            Config("lib", "frac_prevs", 3, ("a", "b")),
        ]
    out = []
    if "lib" in groups:
        for name, entry in LIB_PROGRAMS.items():
            for n in LIB_LENGTHS:
                out.append(Config("lib", name, n, tuple(entry.vocab(n))))
    if "sweeps" in groups:
        for name in ("sort", "hist", "reverse"):
            for n in SWEEP_LENGTHS:
                vocab = LIB_PROGRAMS[name].vocab(n)
                out.append(Config(f"{name} / max_seq_len", name, n, tuple(vocab)))
        for name in ("sort", "hist"):
            for size in SWEEP_VOCABS:
                vocab = sweep_vocab(name, size)
                out.append(Config(f"{name} / vocab", name, SWEEP_VOCAB_LENGTH, vocab))
    return out


def inputs_for(config: Config, samples: int, seed: int) -> tuple[list, list]:
    """Random accepted-looking inputs, and one input of full length."""
    entry = LIB_PROGRAMS[config.program]
    rng = random.Random(f"{seed}/{config.group}/{config.program}/{config.max_seq_len}")
    inputs = [
        entry.random_input(rng, config.max_seq_len, config.vocab)
        for _ in range(samples)
    ]
    for _ in range(200):
        full = entry.random_input(rng, config.max_seq_len, config.vocab)
        if len(full) == config.max_seq_len:
            break
    else:
        full = [rng.choice(config.vocab) for _ in range(config.max_seq_len)]
    return inputs, full


class Worker:
    """A worker process and the line protocol to it, with a timeout per request."""

    def __init__(self, label: str, python: str, backend: str, pipeline: str | None):
        self.label, self.python, self.backend = label, python, backend
        self.pipeline = pipeline
        self.process: subprocess.Popen | None = None
        self.startup_s: float | None = None

    def start(self, timeout: float) -> None:
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [self.python, str(HERE / "worker.py"), self.backend],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self._reply(timeout)
        if not ready.get("ready"):
            raise RuntimeError(f"{self.label} worker did not start: {ready}")
        self.startup_s = time.perf_counter() - started

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put("")

    def _reply(self, timeout: float) -> dict:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            return {"ok": False, "error": f"timeout after {timeout:.0f} s"}
        if not line:
            self.stop()
            return {"ok": False, "error": "worker died (out of memory?)"}
        return json.loads(line)

    def measure(self, request: dict, timeout: float) -> dict:
        if self.process is None:
            self.start(timeout)
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(
            json.dumps({**request, "pipeline": self.pipeline}) + "\n"
        )
        self.process.stdin.flush()
        return self._reply(timeout)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny raspir-only run")
    parser.add_argument(
        "--tracr-python",
        default=str(HERE / ".venv-tracr" / "bin" / "python"),
        help="the Python of Tracr's virtualenv",
    )
    parser.add_argument("--no-tracr", action="store_true", help="measure raspir only")
    parser.add_argument(
        "--groups", default="lib,sweeps", help="lib and/or sweeps, comma-separated"
    )
    parser.add_argument("--samples", type=int, default=50, help="inputs per config")
    parser.add_argument("--repeats", type=int, default=3, help="warm compiles")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per config")
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)

    workers = [
        Worker("raspir -O0", sys.executable, "raspir", "-O0"),
        Worker("raspir", sys.executable, "raspir", None),
    ]
    if not (args.quick or args.no_tracr):
        if not Path(args.tracr_python).exists():
            sys.exit(f"bench: no Tracr environment at {args.tracr_python} (make bench)")
        workers.append(Worker("tracr", args.tracr_python, "tracr", None))
    samples = 5 if args.quick else args.samples
    repeats = 1 if args.quick else args.repeats
    runs = (2, 2) if args.quick else (30, 20)
    plan = configs(args.quick, set(args.groups.split(",")))
    rows = []
    began = time.perf_counter()
    for index, config in enumerate(plan):
        inputs, full = inputs_for(config, samples, seed=0)
        request = {
            "program": config.program,
            "max_seq_len": config.max_seq_len,
            "vocab": list(config.vocab),
            "inputs": inputs,
            "full_input": full,
            "repeats": repeats,
            "warm_budget_s": 20.0,
            "forward_runs_b1": runs[0],
            "forward_runs_b64": runs[1],
        }
        results = {w.label: w.measure(request, args.timeout) for w in workers}
        rows.append({**asdict(config), "x": config.x, "results": results})
        status = ", ".join(
            f"{k} {'ok' if v.get('ok') else v.get('error', '?')[:60]}"
            for k, v in results.items()
        )
        print(
            f"[{index + 1}/{len(plan)} {time.perf_counter() - began:6.0f} s] "
            f"{config.group} {config.program} N={config.max_seq_len} "
            f"|V|={len(config.vocab)}: {status}",
            file=sys.stderr,
            flush=True,
        )
    for w in workers:
        w.stop()
    data = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "settings": {
            "samples": samples,
            "repeats": repeats,
            "warm_budget_s": 20.0,
            "forward_runs": {"b1": runs[0], "b64": runs[1]},
            "quick": args.quick,
        },
        "startup_s": {w.label: w.startup_s for w in workers},
        "wall_s": time.perf_counter() - began,
        "rows": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(data, indent=1) + "\n")

    import report

    report.render(
        data,
        out,
        with_plots=not (args.quick or args.no_plots),
        readme=None if (args.quick or args.no_readme) else HERE.parent / "README.md",
    )
    print(f"bench: wrote {out}/latest.json and latest.md", file=sys.stderr)


if __name__ == "__main__":
    main()
