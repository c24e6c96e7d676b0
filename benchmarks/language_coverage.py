"""What Tracr and raspir do with each RASP language feature, side by side.

Every feature of the catalogue (``raspir.testing.features``) is built, compiled
and run by each compiler at every max_seq_len of ``LENGTHS``, and each output is
compared with that framework's own evaluator, so the table shows what a user of
either compiler gets: a refusal, a model that agrees with the evaluator on every
checked input, or a model that compiles without complaint and is wrong.

``.venv/bin/python benchmarks/language_coverage.py`` runs raspir in-process and
Tracr in its own virtualenv (``--side tracr``, one process for all Tracr runs,
JSON on stdout), then writes ``results/coverage.json`` (every detail) and
``results/coverage.md`` (the table).

How each (feature, compiler, max_seq_len) is checked:

- inputs: every input when a length has at most 400 (max_seq_len 5 over three
  tokens has 363), else every input of length at most 3 and ``--samples``
  inputs drawn by ``feature.random_input`` from a seed named after the feature
  and length, so both compilers see the same inputs;
- an input is skipped when the evaluator raises or returns a sequence of a
  different length; Tracr's evaluator has no causal mode, so Tracr's causal
  models are held to the non-causal evaluation (Tracr #19);
- every position is compared, those where the evaluator gives None included: a
  model that outputs a value there is wrong (Tracr #25). Numerical outputs agree
  within 1e-3 + 0.5 % of the expected value, categorical ones must be ``==``;
- Tracr's forward pass is jitted (the same function, compiled once per input
  length) so that checking at max_seq_len 20 takes seconds, not minutes; its
  ``model.apply`` still encodes and decodes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import itertools
import json
import math
import numbers
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from raspir.testing.features import FEATURES, LENGTHS, Feature  # noqa: E402

BOS, PAD = "BOS", "PAD"
TRACR_PYTHON = ROOT / "benchmarks" / ".venv-tracr" / "bin" / "python"
RESULTS = ROOT / "benchmarks" / "results"
ISSUES = "https://github.com/google-deepmind/tracr/issues/"
EXHAUSTIVE_UP_TO = 3
"""Inputs this short are all checked."""
ALL_INPUTS_UP_TO = 400
"""When a length has at most this many inputs in all, every one is checked."""


class CompileTimeout(Exception):
    """A build and compile ran past ``--timeout`` seconds."""


def log(message: str) -> None:
    print(f"[coverage] {message}", file=sys.stderr, flush=True)


def first_line(error: BaseException) -> str:
    """The message's first line (two when the first ends in a colon), without
    object addresses, so that reruns give the same text."""
    lines = [line.strip() for line in str(error).strip().splitlines()] or [""]
    text = " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]
    return re.sub(r" (object )?at 0x[0-9a-f]+", "", text)[:300]


def inputs_for(feature: Feature, max_seq_len: int, samples: int) -> list[list]:
    """The same inputs on both sides: all of them when there are few, else the
    short ones and seeded draws."""
    vocab = list(feature.vocab)
    sizes = [max_seq_len] if feature.full_length else range(1, max_seq_len + 1)
    if sum(len(vocab) ** size for size in sizes) <= ALL_INPUTS_UP_TO:
        lengths = sizes
    elif feature.full_length:
        lengths = []
    else:
        lengths = range(1, min(EXHAUSTIVE_UP_TO, max_seq_len) + 1)
    chosen = [
        list(xs) for size in lengths for xs in itertools.product(vocab, repeat=size)
    ]
    rng = random.Random(f"coverage/{feature.name}/{max_seq_len}")
    chosen += [feature.random_input(rng, max_seq_len) for _ in range(samples)]
    unique: dict[tuple, list] = {}
    for xs in chosen:
        unique.setdefault(tuple(xs), xs)
    return list(unique.values())


def plain(value: Any) -> Any:
    """A decoded or evaluated value as a Python scalar (numpy scalars unwrapped)."""
    return value.item() if hasattr(value, "item") else value


def agrees(actual: Any, expected: Any, numerical: bool) -> bool:
    actual, expected = plain(actual), plain(expected)
    if expected is None or actual is None:
        return actual is None and expected is None
    if (
        numerical
        and isinstance(actual, numbers.Real)
        and isinstance(expected, numbers.Real)
    ):
        actual, expected = float(actual), float(expected)
        tolerance = 1e-3 + 0.005 * abs(expected)
        return math.isfinite(actual) and abs(actual - expected) <= tolerance
    try:
        return bool(actual == expected)
    except Exception:  # noqa: BLE001 - values that cannot be compared differ
        return False


def jsonable(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    return repr(value)


class Side:
    """One framework: its ``rasp`` module, compiler, evaluator and decoder."""

    name = ""
    rasp: Any

    def build(self, feature: Feature, n: int) -> Any:
        return feature.build(self.rasp, n)

    def decode(self, model: Any, xs: list) -> list:
        return list(model.apply([BOS, *xs]).decoded[1:])

    @staticmethod
    def settings(feature: Feature, n: int) -> dict:
        """The compile arguments both compilers take alike."""
        return {
            "vocab": set(feature.vocab),
            "max_seq_len": n,
            "compiler_bos": BOS,
            "compiler_pad": PAD,
            "causal": feature.causal,
        }


class RaspirSide(Side):
    """raspir's compiler and evaluator (causal when the feature is)."""

    name = "raspir"

    def __init__(self) -> None:
        import raspir
        from raspir import rasp

        self.raspir, self.rasp = raspir, rasp

    def version(self) -> dict:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return {"version": self.raspir.__version__, "git": commit}

    def compile(self, program: Any, feature: Feature, n: int) -> Any:
        return self.raspir.compile_rasp_to_model(program, **self.settings(feature, n))

    def evaluate(self, program: Any, xs: list, feature: Feature) -> list:
        return list(self.rasp.evaluate(program, xs, causal=feature.causal))


class TracrSide(Side):
    """Tracr's compiler and its evaluator, which has no causal mode."""

    name = "tracr"

    def __init__(self) -> None:
        import jax
        from tracr.compiler import compiling
        from tracr.rasp import rasp

        self.jax, self.compiling, self.rasp = jax, compiling, rasp

    def version(self) -> dict:
        import tracr

        try:
            version = importlib.metadata.version("tracr-pypi")
            package = "tracr-pypi"
        except importlib.metadata.PackageNotFoundError:
            version, package = importlib.metadata.version("tracr"), "tracr"
        return {"package": package, "version": version, "path": tracr.__file__}

    def compile(self, program: Any, feature: Feature, n: int) -> Any:
        model = self.compiling.compile_rasp_to_model(
            program, **self.settings(feature, n)
        )
        model.forward = self.jax.jit(model.forward)
        return model

    def evaluate(self, program: Any, xs: list, feature: Feature) -> list:
        return list(self.rasp.evaluate(program, xs))


@contextlib.contextmanager
def deadline(seconds: float):
    """Raise CompileTimeout in the main thread after ``seconds``."""

    def expire(signum: int, frame: Any) -> None:
        raise CompileTimeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check(side: Side, feature: Feature, n: int, samples: int, timeout: float) -> dict:
    """One feature at one max_seq_len with one compiler."""
    result: dict[str, Any] = {"feature": feature.name, "side": side.name, "n": n}
    caught: list[warnings.WarningMessage] = []
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught, deadline(timeout):
            warnings.simplefilter("always")
            try:
                program = side.build(feature, n)
            except AttributeError as e:
                if feature.extension and side.name == "tracr":
                    return {**result, "status": "n/a", "error": first_line(e)}
                raise
            model = side.compile(program, feature, n)
    except CompileTimeout as e:
        return {**result, "status": "timeout", "error": str(e)}
    except Exception as e:  # noqa: BLE001 - a refusal is a result
        return {
            **result,
            "status": "rejected",
            "error_type": type(e).__name__,
            "error": first_line(e),
            "trace": traceback.format_exc(limit=4)[-1500:],
            "warnings": warning_lines(caught),
        }
    result["compile_s"] = round(time.perf_counter() - started, 3)
    result["warnings"] = warning_lines(caught)
    result["raspir_warnings"] = [
        w for w in result["warnings"] if w.startswith("raspir.")
    ]

    numerical = bool(side.rasp.is_numerical(program))
    started = time.perf_counter()
    checked = skipped = 0
    wrong: list[dict] = []
    for xs in inputs_for(feature, n, samples):
        try:
            expected = side.evaluate(program, xs, feature)
        except Exception:  # noqa: BLE001 - the evaluator rejects this input
            skipped += 1
            continue
        if len(expected) != len(xs):
            skipped += 1
            continue
        checked += 1
        try:
            actual = side.decode(model, xs)
        except Exception as e:  # noqa: BLE001 - a crash on an input is wrong
            actual = f"<{type(e).__name__}: {first_line(e)}>"
            wrong.append({"input": xs, "expected": expected, "actual": actual})
            continue
        if len(actual) != len(expected) or not all(
            agrees(a, e, numerical) for a, e in zip(actual, expected, strict=True)
        ):
            wrong.append({"input": xs, "expected": expected, "actual": actual})
    result["check_s"] = round(time.perf_counter() - started, 3)
    result.update(
        numerical=numerical,
        inputs_checked=checked,
        inputs_skipped=skipped,
        inputs_wrong=len(wrong),
        fraction_wrong=len(wrong) / checked if checked else None,
    )
    if not checked:
        result["status"] = "unchecked"
    elif wrong:
        shortest = min(wrong, key=lambda w: len(w["input"]))
        result["status"] = "wrong"
        result["example"] = {k: jsonable(v) for k, v in shortest.items()}
    else:
        result["status"] = "exact"
    return result


def warning_lines(caught: list[warnings.WarningMessage]) -> list[str]:
    lines: list[str] = []
    for w in caught:
        category = f"{w.category.__module__}.{w.category.__name__}"
        line = f"{category}: {str(w.message).strip().splitlines()[0][:400]}"
        if line not in lines:
            lines.append(line)
    return lines


def run_side(name: str, args: argparse.Namespace) -> dict:
    """Every selected feature at every length with one compiler."""
    started = time.perf_counter()
    side = {"raspir": RaspirSide, "tracr": TracrSide}[name]()
    rows = []
    for feature in selected(args):
        for n in args.lengths:
            row = check(side, feature, n, args.samples, args.timeout)
            rows.append(row)
            detail = row.get("error_type", "")
            if row["status"] == "wrong":
                detail = f"{row['inputs_wrong']}/{row['inputs_checked']} inputs"
            log(f"{name} N={n} {feature.name}: {row['status']} {detail}".rstrip())
    return {
        "side": name,
        **side.version(),
        "seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
    }


def selected(args: argparse.Namespace) -> list[Feature]:
    if not args.features:
        return list(FEATURES.values())
    return [f for f in FEATURES.values() if any(s in f.name for s in args.features)]


def run_tracr(args: argparse.Namespace) -> dict:
    """Tracr's side in its own virtualenv; its progress is shown as it comes."""
    if not Path(args.tracr_python).exists():
        raise SystemExit(
            f"{args.tracr_python} not found: `make bench` creates Tracr's virtualenv"
        )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tracr.json"
        command = [
            str(args.tracr_python),
            str(Path(__file__).resolve()),
            "--side",
            "tracr",
            "--out",
            str(out),
            "--samples",
            str(args.samples),
            "--timeout",
            str(args.timeout),
            "--lengths",
            *map(str, args.lengths),
        ]
        if args.features:
            command += ["--features", *args.features]
        tail: deque[str] = deque(maxlen=40)
        process = subprocess.Popen(
            command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("[coverage]"):
                print(line, end="", file=sys.stderr, flush=True)
            else:
                tail.append(line)
        if process.wait() != 0 or not out.exists():
            sys.stderr.write("".join(tail))
            raise SystemExit(f"Tracr's side failed (exit {process.returncode})")
        return json.loads(out.read_text())


def percent(fraction: float) -> str:
    if 0 < fraction < 0.01:
        return f"{100 * fraction:.1f}%"
    return f"{100 * fraction:.0f}%"


def cell(rows: list[dict], side: str) -> str:
    """One compiler's results at every length, in a few words."""
    statuses = {r["status"] for r in rows}
    lengths = [r["n"] for r in rows]
    warns = side == "raspir" and any(r.get("raspir_warnings") for r in rows)
    suffix = " (warns)" if warns else ""
    if statuses == {"n/a"}:
        return "not in the language"
    if statuses == {"rejected"}:
        types = list(dict.fromkeys(r["error_type"] for r in rows))
        return f"rejected ({', '.join(types)})" + suffix
    if statuses == {"exact"}:
        return f"exact at {', '.join(map(str, lengths))}" + suffix
    if statuses == {"wrong"}:
        each = ", ".join(f"N={r['n']}: {percent(r['fraction_wrong'])}" for r in rows)
        silently = "wrong" if warns else "silently wrong"
        return f"{silently} ({each} of inputs)" + suffix
    parts = []
    for status in dict.fromkeys(r["status"] for r in rows):
        group = [r for r in rows if r["status"] == status]
        at = ", ".join(str(r["n"]) for r in group)
        if status == "wrong":
            each = ", ".join(
                f"{r['n']} ({percent(r['fraction_wrong'])})" for r in group
            )
            parts.append(f"wrong at {each}")
        elif status == "rejected":
            types = ", ".join(dict.fromkeys(r["error_type"] for r in group))
            parts.append(f"rejected at {at} ({types})")
        elif status == "timeout":
            parts.append(f"timeout at {at}")
        else:
            parts.append(f"{status} at {at}")
    return "; ".join(parts) + suffix


def feature_label(feature: Feature) -> str:
    if not feature.issue:
        return feature.name
    number = feature.issue.lstrip("#")
    return f"{feature.name} ([{feature.issue}]({ISSUES}{number}))"


def details(feature: Feature, side: str, rows: list[dict]) -> str | None:
    """The first refusal or wrong output of a cell that is not exact."""
    for r in rows:
        if r["status"] == "rejected":
            return f"{side}, N={r['n']}: `{r['error_type']}: {r['error']}`"
        if r["status"] == "wrong":
            e = r["example"]
            return (
                f"{side}, N={r['n']}: on `{e['input']}` the evaluator gives "
                f"`{e['expected']}`, the model `{e['actual']}`"
            )
        if r["status"] in ("timeout", "unchecked"):
            return f"{side}, N={r['n']}: {r['status']} {r.get('error', '')}".rstrip()
    return None


def markdown(report: dict) -> str:
    tracr, raspir = report["tracr"], report["raspir"]
    by_key = {(r["side"], r["feature"]): [] for r in tracr["rows"] + raspir["rows"]}
    for r in tracr["rows"] + raspir["rows"]:
        by_key[(r["side"], r["feature"])].append(r)
    lines = [
        f"Measured {report['date']} with Tracr ({tracr['package']} "
        f"{tracr['version']}) and raspir {raspir['version']} "
        f"(git {raspir['git']}), each checked against its own evaluator on "
        f"every input when there are at most {ALL_INPUTS_UP_TO}, else on every "
        f"input of length ≤ {EXHAUSTIVE_UP_TO} and {report['samples']} random "
        "ones; reproduce with "
        f"`{report['command']}`.",
        "",
        "| feature | Tracr | raspir |",
        "| --- | --- | --- |",
    ]
    notes = []
    for feature in FEATURES.values():
        if ("tracr", feature.name) not in by_key:
            continue
        t = by_key[("tracr", feature.name)]
        r = by_key[("raspir", feature.name)]
        lines.append(
            f"| {feature_label(feature)} | {cell(t, 'tracr')} | {cell(r, 'raspir')} |"
        )
        for side, rows in (("Tracr", t), ("raspir", r)):
            note = details(feature, side, rows)
            if note:
                notes.append(f"- {feature.name} — {note}")
        warned = list(
            dict.fromkeys(w for row in r for w in row.get("raspir_warnings", []))
        )
        notes.extend(f"- {feature.name} — raspir warns: {w}" for w in warned)
    lines += ["", "First refusal, wrong output or warning of each cell:", "", *notes]
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=("raspir", "tracr"), help="run one side")
    parser.add_argument("--out", help="where one side writes its JSON (stdout)")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=120.0, help="per compile")
    parser.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS))
    parser.add_argument("--features", nargs="+", help="name substrings to run")
    parser.add_argument("--tracr-python", default=str(TRACR_PYTHON))
    parser.add_argument("--results", default=str(RESULTS), help="output folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.side:
        # Libraries may print; only the JSON goes to the real stdout.
        real_stdout = sys.stdout
        with contextlib.redirect_stdout(sys.stderr):
            report = run_side(args.side, args)
        text = json.dumps(report, indent=1, default=repr)
        if args.out:
            Path(args.out).write_text(text)
        else:
            real_stdout.write(text + "\n")
        return
    started = time.perf_counter()
    tracr = run_tracr(args)
    with contextlib.redirect_stdout(sys.stderr):
        raspir = run_side("raspir", args)
    command = ".venv/bin/python benchmarks/language_coverage.py"
    if argv is None and len(sys.argv) > 1:
        command += " " + shlex.join(sys.argv[1:])
    report = {
        "date": datetime.date.today().isoformat(),
        "command": command,
        "samples": args.samples,
        "lengths": args.lengths,
        "seconds": round(time.perf_counter() - started, 1),
        "tracr": tracr,
        "raspir": raspir,
    }
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    (results / "coverage.json").write_text(
        json.dumps(report, indent=1, default=repr) + "\n"
    )
    table = markdown(report)
    (results / "coverage.md").write_text(table)
    print(table)
    log(f"done in {report['seconds']} s; wrote {results}/coverage.{{json,md}}")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
