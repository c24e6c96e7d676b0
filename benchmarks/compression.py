"""Accuracy of the learned, LOSSY residual compression against its width.

The experiment of the Tracr paper's section 5 on raspir's models: one matrix W
(D × d) is learned with every compiled weight frozen (``raspir.backend.compress``)
for every width d from 1 to D - 1 and several seeds, and the folded width-d
model is checked against the evaluator (the rasp interpreter on the program's
IR) on every input. The case studies are the paper's: ``frac_prevs`` of
``tokens == "x"`` over {a, b, c, x} (Tracr's notebook setting, where Tracr's
model has D = 14 and the paper reports no loss at d = 6) and ``sort_unique``
(its ``raspir.testing.library`` vocabulary), both at max_seq_len 5, each
compiled with raspir's default ``-O2`` (which already shares residual
coordinates losslessly) and with ``-O0`` (one coordinate per direction, like
Tracr's layout). ``sort_unique`` is also scored on the inputs with distinct
keys only, the inputs it is meant for.

Run from the repository root (about ten minutes on two busy cores)::

    .venv/bin/python benchmarks/compression.py

It writes ``results/compression.json`` (every run), ``results/compression.md``
(the tables) and ``results/compression.png`` (accuracy against width).
``--steps``, ``--seeds`` and ``--programs`` shrink or grow it. ``--search``
instead runs the grid the defaults of ``raspir.backend.compress`` were chosen
from (slow on a CPU: about an hour on two cores, minutes on a GPU) and keeps
its summary in the same files.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402

from raspir import compile_rasp_to_model, lib, rasp  # noqa: E402
from raspir.backend import compress as lossy  # noqa: E402
from raspir.backend.model import CompiledModel  # noqa: E402
from raspir.testing.library import LIB_PROGRAMS  # noqa: E402

RESULTS = HERE / "results"
MAX_SEQ_LEN = 5
PIPELINES = ("-O2", "-O0")
STEPS = 1000
"""Fewer than ``compress``'s default (4000), to fit the sweep in about ten
minutes on two cores; the search found 4000 steps better by about 3 points of
mean accuracy."""
SEEDS = 3
PAPER = {"frac_prevs": {"from_width": 14, "fine_at": 6}}
"""What the paper reports for Tracr's model (docs: TRACR_NOTES.md section 11)."""
SEARCH = {
    "steps": (1000, 4000),
    "layer_loss": ("residual", "reads"),
    "init": ("pca", "random"),
    "learning_rate": (0.003, 0.01, 0.03),
    "layer_weight": (0.1, 1.0),
}
SEARCH_SEEDS = 2


def frac_prevs() -> tuple[object, set]:
    return lib.make_frac_prevs((rasp.tokens == "x").named("is_x")), {"a", "b", "c", "x"}


def sort_unique() -> tuple[object, set]:
    entry = LIB_PROGRAMS["sort_unique"]
    return entry.build(MAX_SEQ_LEN), set(entry.vocab(MAX_SEQ_LEN))


PROGRAMS: dict[str, Callable[[], tuple[object, set]]] = {
    "frac_prevs": frac_prevs,
    "sort_unique": sort_unique,
}


def compiled(name: str, pipeline: str) -> CompiledModel:
    program, vocab = PROGRAMS[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sort_unique warns of repeated keys
        return compile_rasp_to_model(program, vocab, MAX_SEQ_LEN, pipeline=pipeline)


def distinct_inputs(model: CompiledModel) -> list[list]:
    """Every input whose tokens are all different (sort_unique's domain)."""
    every, _ = lossy.evaluation_inputs(model)
    return [xs for xs in every if len(set(xs)) == len(xs)]


def activation_rank(model: CompiledModel) -> int:
    """The rank of the exact model's residual vectors (after the embedding and
    every sub-layer, every real position of every input): the narrowest width
    a linear map can keep all of them at, so compression below it must lose."""
    inputs, _ = lossy.evaluation_inputs(model)
    bos, pad = model.module["BOS_ID"], model.module["PAD_ID"]
    ids = np.full((len(inputs), model.max_seq_len + 1), pad)
    for row, xs in zip(ids, inputs, strict=True):
        encoded = model.encode([model.module["BOS"], *xs])
        row[: len(encoded)] = encoded
    assert (ids[:, 0] == bos).all()
    _, trace = model.forward(ids, trace=True)
    real = ids != pad
    rows = np.concatenate(
        [np.asarray(r)[real] for r in [trace["input_embeddings"], *trace["residuals"]]]
    )
    return int(np.linalg.matrix_rank(rows))


def sweep(name: str, pipeline: str, steps: int, seeds: int) -> dict:
    """Every width 1..D-1 with every seed, plus the exact model at D."""
    model = compiled(name, pipeline)
    full = model.sizes.residual_width
    runs = [(width, seed) for width in range(1, full) for seed in range(seeds)]
    started = time.perf_counter()
    learned = lossy.learn_projections(model, runs, steps=steps)
    trained = time.perf_counter() - started
    distinct = distinct_inputs(model) if name == "sort_unique" else None
    rows = []

    def score(candidate: CompiledModel, width: int, seed: int | None, info: dict):
        accuracy = lossy.measure_accuracy(candidate)
        row = {
            "width": width,
            "seed": seed,
            "positions": accuracy["positions"],
            "sequences": accuracy["sequences"],
            "inputs": accuracy["inputs"],
            **info,
        }
        if distinct is not None:
            unique = lossy.measure_accuracy(candidate, distinct)
            row["distinct_positions"] = unique["positions"]
            row["distinct_sequences"] = unique["sequences"]
        rows.append(row)
        return accuracy["how"]

    how = score(model, full, None, {})
    for (width, seed), (projection, info) in zip(runs, learned, strict=True):
        score(lossy.fold(model, projection), width, seed, info)
    print(
        f"{name} {pipeline}: D={full}, {len(runs)} runs trained in {trained:.0f} s, "
        f"all in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return {
        "program": name,
        "pipeline": pipeline,
        "from_width": full,
        "rank": activation_rank(model),
        "labels": model.residual_labels,
        "steps": steps,
        "train_seconds": trained,
        "accuracy_how": how,
        "rows": rows,
    }


def search(name: str, pipeline: str) -> list[dict]:
    """Mean accuracy over widths 1..D-1 and SEARCH_SEEDS seeds per setting."""
    model = compiled(name, pipeline)
    full = model.sizes.residual_width
    runs = [(w, s) for w in range(1, full) for s in range(SEARCH_SEEDS)]
    out = []
    for values in itertools.product(*SEARCH.values()):
        setting = dict(zip(SEARCH, values, strict=True))
        learned = lossy.learn_projections(model, runs, **setting)
        scores = [
            lossy.measure_accuracy(lossy.fold(model, w))["positions"]
            for w, _ in learned
        ]
        out.append({**setting, "mean_positions": float(np.mean(scores))})
        print(
            f"{name} {pipeline} {setting}: {out[-1]['mean_positions']:.3f}", flush=True
        )
    return out


# -- report -----------------------------------------------------------------------


def summary(result: dict) -> list[dict]:
    """Per width: mean, min and max over the seeds."""
    by_width: dict[int, list[dict]] = {}
    for row in result["rows"]:
        by_width.setdefault(row["width"], []).append(row)
    table = []
    for width, rows in sorted(by_width.items()):
        line = {"width": width, "seeds": sum(r["seed"] is not None for r in rows)}
        for key in ("positions", "sequences", "distinct_sequences"):
            if key in rows[0]:
                values = [r[key] for r in rows]
                line[key] = (float(np.mean(values)), min(values), max(values))
        cosines = [min(r["cosine"]) for r in rows if "cosine" in r]
        line["min_cosine"] = float(np.mean(cosines)) if cosines else 1.0
        table.append(line)
    return table


def lossless_width(result: dict, every_seed: bool = False) -> int | None:
    """The narrowest width at which the best seed (or every seed) is right at
    every position of every input."""
    for line in summary(result):
        if line["positions"][1 if every_seed else 2] == 1.0:
            return line["width"]
    return None


def share(x: float) -> str:
    """A fraction to three decimals, cut rather than rounded, so that 1.000
    means right everywhere."""
    return f"{math.floor(x * 1000) / 1000:.3f}"


def markdown(data: dict) -> str:
    lines = [
        "# Learned lossy residual compression",
        "",
        "Written by `benchmarks/compression.py`; the method is in "
        "`raspir/backend/compress.py`. Every compressed model is LOSSY: these are "
        "measurements, not guarantees.",
        "",
        f"Machine: {data['machine']}; {data['steps']} Adam steps per run, "
        f"{data['seeds']} seeds per width, every other setting `compress`'s default "
        f"({data['defaults']}). Accuracy: {data['accuracy_how']}. Cells are the mean "
        "over seeds, with the best seed in brackets (cut, not rounded, to three "
        "decimals); the row at D is the exact model.",
        "",
    ]
    for result in data["results"]:
        lines += [
            f"## {result['program']} {result['pipeline']} (D = {result['from_width']})",
            "",
            f"Rank of the exact residual activations: {result['rank']} (a linear map "
            "of that width loses nothing).",
            "",
            "Residual: " + ", ".join(f"`{label}`" for label in result["labels"]),
            "",
        ]
        distinct = "distinct_sequences" in result["rows"][0]
        header = "| d | positions | sequences |"
        rule = "|--:|--:|--:|"
        if distinct:
            header += " sequences (distinct keys) |"
            rule += "--:|"
        lines += [header + " least cosine |", rule + "--:|"]
        for line in summary(result):
            cells = [
                f"{share(line[key][0])} ({share(line[key][2])})"
                for key in ("positions", "sequences", "distinct_sequences")
                if key in line
            ]
            lines.append(
                f"| {line['width']} | "
                + " | ".join(cells)
                + f" | {line['min_cosine']:.2f} |"
            )
        lines.append("")
    lines += ["## Narrowest width with every position right", ""]
    lines += [
        "| program | pipeline | D | activation rank | width (best seed) | "
        "width (every seed) |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for result in data["results"]:
        best, every = lossless_width(result), lossless_width(result, every_seed=True)
        lines.append(
            f"| {result['program']} | {result['pipeline']} | {result['from_width']} "
            f"| {result['rank']} | {best if best is not None else '-'} "
            f"| {every if every is not None else '-'} |"
        )
    lines += [
        "",
        "The paper (Tracr's model of frac_prevs, D = 14 with `tokens:compiler_pad`) "
        "reports no loss at d = 6. 'Least cosine' is the smallest, over the residual "
        "after the embedding and after each sub-layer, of the mean cosine similarity "
        "between the decompressed and the exact residual (the paper's per-layer "
        "measure), averaged over seeds.",
        "",
    ]
    if data.get("search"):
        lines += search_markdown(data["search"])
    return "\n".join(lines)


def search_markdown(found: dict) -> list[str]:
    settings: dict[tuple, dict[str, float]] = {}
    for case, rows in found["cases"].items():
        for row in rows:
            key = tuple(row[k] for k in SEARCH)
            settings.setdefault(key, {})[case] = row["mean_positions"]
    cases = list(found["cases"])
    ranked = sorted(settings.items(), key=lambda kv: -np.mean(list(kv[1].values())))
    lines = [
        "## How the defaults were chosen",
        "",
        f"{found['machine']}: every setting of the grid below, every width 1..D-1, "
        f"{SEARCH_SEEDS} seeds; mean position accuracy over widths and seeds "
        "(the ten best settings by their mean over the cases).",
        "",
        "| " + " | ".join(SEARCH) + " | " + " | ".join(cases) + " | mean |",
        "|" + "---|" * (len(SEARCH) + len(cases) + 1),
    ]
    for key, scores in ranked[:10]:
        lines.append(
            "| "
            + " | ".join(str(v) for v in key)
            + " | "
            + " | ".join(f"{scores.get(c, float('nan')):.3f}" for c in cases)
            + f" | {np.mean(list(scores.values())):.3f} |"
        )
    return [*lines, ""]


def plot(data: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["program"] for r in data["results"]))
    figure, axes = plt.subplots(
        1, len(names), figsize=(6 * len(names), 4.2), squeeze=False
    )
    colours = {"-O2": "tab:blue", "-O0": "tab:orange"}
    for axis, name in zip(axes[0], names, strict=True):
        for result in (r for r in data["results"] if r["program"] == name):
            table = summary(result)
            widths = [line["width"] for line in table]
            colour = colours.get(result["pipeline"], None)
            for key, style in (("positions", "-"), ("sequences", "--")):
                mean = [line[key][0] for line in table]
                low = [line[key][1] for line in table]
                high = [line[key][2] for line in table]
                axis.plot(
                    widths,
                    mean,
                    style,
                    color=colour,
                    marker="o" if key == "positions" else None,
                    markersize=3,
                    label=f"{result['pipeline']} {key}",
                )
                axis.fill_between(widths, low, high, color=colour, alpha=0.12)
            axis.axvline(result["from_width"], color=colour, linestyle=":", linewidth=1)
            axis.annotate(
                f"D={result['from_width']} ({result['pipeline']})",
                (result["from_width"], 0.3),
                rotation=90,
                fontsize=7,
                color=colour,
                ha="right",
            )
        paper = PAPER.get(name)
        if paper:
            axis.axvline(paper["fine_at"], color="grey", linestyle="-.", linewidth=1)
            axis.annotate(
                f"paper: fine at d={paper['fine_at']} (Tracr D={paper['from_width']})",
                (paper["fine_at"], 0.02),
                rotation=90,
                fontsize=7,
                color="grey",
                ha="right",
            )
        axis.set_title(f"{name} (max_seq_len {MAX_SEQ_LEN})")
        axis.set_xlabel("compressed residual width d")
        axis.set_ylabel("accuracy against the evaluator")
        axis.set_ylim(0, 1.02)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7, loc="upper left")
    figure.suptitle(
        "Learned LOSSY compression: accuracy vs width "
        f"(mean over {data['seeds']} seeds, band = min..max)",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(out, dpi=120)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--programs", default=",".join(PROGRAMS))
    parser.add_argument("--search", action="store_true")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="only rewrite the .md and .png from the existing .json",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = [n for n in args.programs.split(",") if n]
    unknown = sorted(set(names) - set(PROGRAMS))
    if unknown:
        parser.error(f"unknown programs {unknown}; known: {', '.join(PROGRAMS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "compression.json"
    previous = json.loads(target.read_text()) if target.is_file() else {}
    machine = (
        f"{platform.machine()} CPU, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}"
    )
    if args.report_only:
        data = previous
    elif args.search:
        data = previous
        data["search"] = {
            "machine": machine,
            "cases": {
                f"{n} {p}": search(n, p) for n, p in itertools.product(names, PIPELINES)
            },
        }
    else:
        results = [
            sweep(n, p, args.steps, args.seeds)
            for n, p in itertools.product(names, PIPELINES)
        ]
        data = {
            "machine": machine,
            "steps": args.steps,
            "seeds": args.seeds,
            "defaults": ", ".join(
                f"{k} {v}"
                for k, v in (
                    ("learning rate", lossy.LEARNING_RATE),
                    ("batch", lossy.BATCH_SIZE),
                    ("layer weight", lossy.LAYER_WEIGHT),
                    ("layer term", lossy.LAYER_LOSS),
                    ("start", lossy.INIT),
                )
            ),
            "accuracy_how": results[0]["accuracy_how"],
            "results": results,
            "search": previous.get("search"),
        }
    target.write_text(json.dumps(data, indent=1) + "\n")
    if "results" in data:
        (args.out / "compression.md").write_text(markdown(data))
        plot(data, args.out / "compression.png")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
