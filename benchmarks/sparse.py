"""Sparse against dense execution of compiled models, side by side.

    .venv/bin/python benchmarks/sparse.py            # the full run (about 8 minutes)
    .venv/bin/python benchmarks/sparse.py --quick    # two tiny configurations

Writes ``results/sparse.json`` (every measurement) and ``results/sparse.md``.

Models: every library program at max_seq_len 20, and ``sort``, ``hist`` and
``reverse`` over max_seq_len 8 → 128, each compiled once with the default
pipeline and run dense (``compile_rasp_to_model``) and sparse
(``with_sparse_weights()``, the same weights). Both get the same random inputs
(the library's samplers), are jitted and warmed up, and are timed interleaved:
each repeat times every variant back to back, in alternating order, at batch 1
and at batch 64; a time is the median of the repeats. Also recorded: the bytes
of the arrays each model holds on the device (the embeddings included, which
are the same arrays in both), the parameters and non-zeros (as Tracr counts
them), the form of each weight product, whether both decode every input alike,
and the largest score difference against ``jax_emit.sparse_score_tolerance``.

The form rule's thresholds: each model also runs, in the same interleaved
turns, the sparse module with the forms that other values of the rule's two
thresholds (``GATHER_MAX_COLUMN_FILL``, ``SPARSE_MAX_DENSITY``) would give it
(one run per distinct set of forms), and where the rule gives a scatter, with a
BCOO product in its place. The geometric means of these times over all models
are what the thresholds' values rest on.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import bench  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from raspir import compile_rasp_to_model  # noqa: E402
from raspir.backend import jax_emit  # noqa: E402
from raspir.backend.model import CompiledModel  # noqa: E402
from raspir.testing.library import LIB_PROGRAMS  # noqa: E402

LIB_LENGTH = 20
SWEEP_PROGRAMS = ("sort", "hist", "reverse")
SWEEP_LENGTHS = (8, 16, 32, 64, 128)
BATCHES = (1, 64)
FORMS = ("gather", "scatter", "bcoo", "dense")
FILL_CANDIDATES = (0.0, 0.01, 0.02, 0.05, 0.1)
"""Values of GATHER_MAX_COLUMN_FILL weighed (0: gathers only for matrices with
at most one non-zero per column)."""
DENSITY_CANDIDATES = (0.0, 0.005, 0.02, 0.05)
"""Values of SPARSE_MAX_DENSITY weighed (0: no scatter or BCOO product)."""
SECONDS_PER_CONFIG = 8.0
"""Timing budget of one configuration: the repeats are cut (down to
MIN_REPEATS) where one turn of all its calls would exceed it."""
MIN_REPEATS = 3


@dataclass(frozen=True)
class Config:
    group: str
    """``lib``, or the sweep: ``sort / max_seq_len``, ..."""
    program: str
    max_seq_len: int


def configs(quick: bool) -> list[Config]:
    if quick:
        return [Config("lib", "hist", 4), Config("lib", "sort", 4)]
    out = [Config("lib", name, LIB_LENGTH) for name in LIB_PROGRAMS]
    for name in SWEEP_PROGRAMS:
        out += [Config(f"{name} / max_seq_len", name, n) for n in SWEEP_LENGTHS]
    return out


def batch_ids(config: Config, model: CompiledModel, size: int) -> np.ndarray:
    """``size`` random inputs the program accepts, as padded token ids."""
    entry = LIB_PROGRAMS[config.program]
    rng = random.Random(f"sparse/{config.program}/{config.max_seq_len}")
    pad, width = model.module["PAD_ID"], config.max_seq_len + 1
    rows = []
    for _ in range(size):
        ids = model.encode([model.module["BOS"], *entry.random_input(rng, width - 1)])
        rows.append(ids + [pad] * (width - len(ids)))
    return np.array(rows)


def timed(call) -> float:
    started = time.perf_counter()
    jax.block_until_ready(call())
    return time.perf_counter() - started


def interleaved(calls: dict[str, object], repeats: int) -> tuple[dict, int]:
    """Median seconds of each call and the repeats taken: warmed up, then
    timed in turns, the order reversed every other turn."""
    for call in calls.values():
        timed(call)
    turn = sum(timed(call) for call in calls.values())
    repeats = max(MIN_REPEATS, min(repeats, int(SECONDS_PER_CONFIG / turn)))
    times: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for repeat in range(repeats):
        for name in names if repeat % 2 == 0 else reversed(names):
            times[name].append(timed(calls[name]))
    return {name: statistics.median(v) for name, v in times.items()}, repeats


def device_bytes(params) -> int:
    """Bytes of the arrays a forward reads its weights from."""
    return sum(leaf.nbytes for leaf in jax.tree_util.tree_leaves(params))


def tolerance(model: CompiledModel, scores: np.ndarray) -> float:
    rows = [w.shape[0] for name, w in model.weights.items() if "embeddings" not in name]
    return jax_emit.sparse_score_tolerance(
        model.dtype,
        terms=max(rows, default=1),
        sublayers=2 * model.sizes.layers,
        scale=max(1.0, float(np.abs(scores).max(initial=0.0))),
    )


# -- variants of the rule ------------------------------------------------------


def rule_forms(sparse: CompiledModel, fill: float, density: float) -> dict[str, str]:
    """The forms the rule gives the model's products with these thresholds."""
    out = {}
    for name in sparse.module["FORMS"]:
        w = sparse.weights[name]
        f = jax_emit.weight_form(w)
        out[name] = jax_emit.choose_form(
            w.shape[0], f.per_column, f.per_row, f.density, fill, density
        )
    return out


def variant(sparse: CompiledModel, forms: dict[str, str]):
    """The sparse module run with other forms: its jitted forward and weights."""
    namespace: dict = {"__name__": "raspir_sparse_variant"}
    exec(
        compile(sparse.source, "<sparse variant>", "exec", dont_inherit=True), namespace
    )
    namespace["FORMS"] = forms
    return jax.jit(namespace["forward"]), namespace["sparse_params"](sparse.weights)


def variants(sparse: CompiledModel) -> tuple[dict[str, dict], dict[str, list]]:
    """Each distinct set of forms the candidate thresholds give, by a key
    (``chosen`` for the rule's own), and the candidates giving each; plus the
    rule's forms with BCOO products for its scatters, when it has any."""
    chosen = dict(sparse.module["FORMS"])
    sets: dict[str, dict] = {"chosen": chosen}
    givers: dict[str, list] = {"chosen": []}
    for fill in FILL_CANDIDATES:
        for density in DENSITY_CANDIDATES:
            forms = rule_forms(sparse, fill, density)
            key = next((k for k, v in sets.items() if v == forms), None)
            if key is None:
                key = f"v{len(sets)}"
                sets[key], givers[key] = forms, []
            givers[key].append([fill, density])
    if "scatter" in chosen.values():
        sets["bcoo for scatter"] = {
            k: "bcoo" if f == "scatter" else f for k, f in chosen.items()
        }
        givers["bcoo for scatter"] = []
    return sets, givers


def measure_model(config: Config, repeats: int) -> dict:
    started = time.perf_counter()
    entry = LIB_PROGRAMS[config.program]
    n = config.max_seq_len
    dense = compile_rasp_to_model(entry.build(n), entry.vocab(n), n)
    sparse = dense.with_sparse_weights()
    compile_s = time.perf_counter() - started
    ids = {b: jnp.asarray(batch_ids(config, dense, 64)[:b]) for b in BATCHES}
    sets, givers = variants(sparse)
    runs = {"dense": (dense._forward, dense._device_params)}
    runs["chosen"] = (sparse._forward, sparse._device_params)
    runs |= {
        key: variant(sparse, forms) for key, forms in sets.items() if key != "chosen"
    }
    calls = {
        f"{key} b{b}": (lambda f=f, p=p, b=b: f(p, ids[b]))
        for key, (f, p) in runs.items()
        for b in BATCHES
    }
    seconds, taken = interleaved(calls, repeats)
    big = np.asarray(ids[BATCHES[-1]])
    scores = np.asarray(dense.forward(big))
    ours = np.asarray(sparse.forward(big))
    decode = dense.module["decode"]
    forms = Counter(sparse.module["FORMS"].values())
    return {
        "group": config.group,
        "program": config.program,
        "max_seq_len": config.max_seq_len,
        "layers": dense.sizes.layers,
        "residual_width": dense.sizes.residual_width,
        "params": dense.sizes.params,
        "nonzeros": dense.sizes.nonzeros,
        "forms": {form: forms.get(form, 0) for form in FORMS},
        "bytes_dense": device_bytes(dense._device_params),
        "bytes_sparse": device_bytes(sparse._device_params),
        "same_decoded": decode(scores, big) == decode(ours, big),
        "max_score_difference": float(np.abs(scores - ours).max()),
        "tolerance": tolerance(dense, scores),
        "compile_s": compile_s,
        "repeats": taken,
        "dense_b1_ms": 1e3 * seconds["dense b1"],
        "dense_b64_ms": 1e3 * seconds["dense b64"],
        "sparse_b1_ms": 1e3 * seconds["chosen b1"],
        "sparse_b64_ms": 1e3 * seconds["chosen b64"],
        "variants": {
            key: {
                "candidates": givers[key],
                "forms": dict(Counter(sets[key].values())),
                "bytes": device_bytes(runs[key][1]),
                **{f"b{b}_ms": 1e3 * seconds[f"{key} b{b}"] for b in BATCHES},
            }
            for key in sets
        },
    }


# -- report --------------------------------------------------------------------


def _geomean(values) -> float:
    values = list(values)
    return math.exp(sum(map(math.log, values)) / len(values)) if values else math.nan


def _ratio(row: dict, what: str) -> float:
    if what == "bytes":
        return row["bytes_sparse"] / row["bytes_dense"]
    return row[f"sparse_{what}_ms"] / row[f"dense_{what}_ms"]


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def geomeans(models: list[dict]) -> dict:
    groups = {"all": models, "lib": [m for m in models if m["group"] == "lib"]}
    groups["sweeps"] = [m for m in models if m["group"] != "lib"]
    return {
        name: {w: _geomean(_ratio(m, w) for m in rows) for w in ("b1", "b64", "bytes")}
        for name, rows in groups.items()
        if rows
    }


def candidate_table(models: list[dict]) -> list[dict]:
    """Per pair of candidate thresholds, the geometric means over all models of
    the time with the forms they give, over the dense time."""
    out = []
    for fill in FILL_CANDIDATES:
        for density in DENSITY_CANDIDATES:
            ratios = {b: [] for b in BATCHES}
            sizes = []
            for m in models:
                run = next(
                    v
                    for v in m["variants"].values()
                    if [fill, density] in v["candidates"]
                )
                for b in BATCHES:
                    ratios[b].append(run[f"b{b}_ms"] / m[f"dense_b{b}_ms"])
                sizes.append(run["bytes"] / m["bytes_dense"])
            cell = {"column_fill": fill, "sparse_max_density": density}
            cell |= {f"b{b}": _geomean(ratios[b]) for b in BATCHES}
            cell["bytes"] = _geomean(sizes)
            cell["geomean"] = math.sqrt(cell["b1"] * cell["b64"])
            out.append(cell)
    return out


def scatter_against_bcoo(models: list[dict]) -> list[dict]:
    out = []
    for m in models:
        other = m["variants"].get("bcoo for scatter")
        if other is not None:
            out.append(
                {
                    "program": m["program"],
                    "max_seq_len": m["max_seq_len"],
                    **{
                        f"b{b}": other[f"b{b}_ms"] / m[f"sparse_b{b}_ms"]
                        for b in BATCHES
                    },
                }
            )
    return out


def where_each_wins(models: list[dict]) -> str:
    """The paragraph on where sparse and dense win, from the numbers."""
    parts = []
    for what, label in (("b1", "batch 1"), ("b64", "batch 64")):
        wins = [m for m in models if _ratio(m, what) < 1]
        losses = sorted(
            (m for m in models if _ratio(m, what) >= 1), key=lambda m: -_ratio(m, what)
        )
        best = min(models, key=lambda m: _ratio(m, what))
        text = (
            f"At {label} sparse is faster in {len(wins)} of {len(models)} "
            "configurations (geometric mean "
            f"{_fmt(_geomean(_ratio(m, what) for m in models))}×), most for "
            f"{best['program']} at max_seq_len {best['max_seq_len']} "
            f"({_fmt(_ratio(best, what))}×)"
        )
        if losses:
            named = ", ".join(
                f"{m['program']} {m['max_seq_len']} ({_fmt(_ratio(m, what))}×)"
                for m in losses[:6]
            )
            more = f" and {len(losses) - 6} more" if len(losses) > 6 else ""
            text += f"; dense is as fast or faster for {named}{more}"
        parts.append(text + ".")
    for cut in (100,):
        wide = [m for m in models if m["residual_width"] >= cut]
        narrow = [m for m in models if m["residual_width"] < cut]
        if wide and narrow:
            parts.append(
                f"Below residual width {cut} ({len(narrow)} models) the geometric "
                f"means are {_fmt(_geomean(_ratio(m, 'b1') for m in narrow))}× at "
                f"batch 1 and {_fmt(_geomean(_ratio(m, 'b64') for m in narrow))}× at "
                f"batch 64; from {cut} up ({len(wide)} models) "
                f"{_fmt(_geomean(_ratio(m, 'b1') for m in wide))}× and "
                f"{_fmt(_geomean(_ratio(m, 'b64') for m in wide))}×."
            )
    smallest = min(models, key=lambda m: _ratio(m, "bytes"))
    parts.append(
        "The sparse forms hold fewer bytes in "
        f"{sum(_ratio(m, 'bytes') < 1 for m in models)} of {len(models)} models "
        f"(geometric mean {_fmt(_geomean(_ratio(m, 'bytes') for m in models))}×, "
        f"down to {_fmt(_ratio(smallest, 'bytes'))}× for {smallest['program']} "
        f"{smallest['max_seq_len']})."
    )
    return " ".join(parts)


def _forms(row: dict) -> str:
    short = {"gather": "g", "scatter": "s", "bcoo": "b", "dense": "d"}
    return " ".join(f"{n}{short[f]}" for f, n in row["forms"].items() if n)


def render(results: dict) -> str:
    models, s = results["models"], results["settings"]
    lines = [
        "# Sparse against dense execution",
        "",
        f"Measured {results['date']} on {results['machine']['cpu']} "
        f"({results['machine']['cores']} cores), JAX {results['machine']['jax']} on "
        f"{results['machine']['device']}. Each model is compiled once and run dense "
        "and sparse (`with_sparse_weights()`, the same weights) on the same random "
        "inputs, jitted, after warm-up; a time is the median of up to "
        f"{s['repeats']} interleaved repeats (at least {MIN_REPEATS}; fewer where "
        f"one turn of a configuration's calls passes {SECONDS_PER_CONFIG:.0f} s / "
        f"{s['repeats']}). Ratios are sparse / dense (below 1: sparse is better). "
        f"Whole run: {results['seconds']:.0f} s.",
        "",
        "Forms (of the weight products; the embeddings are lookups in both): g "
        "gather, s scatter, b BCOO product, d dense. Bytes: the arrays each model "
        "holds on the device, embeddings included. Exact: both decode each of the "
        "64 inputs alike; in brackets the largest score difference over the "
        "tolerance (`jax_emit.sparse_score_tolerance`).",
        "",
        "| group | program | N | D | params | non-zeros | forms | b1 dense ms "
        "| b1 sparse ms | b1 ratio | b64 dense ms | b64 sparse ms | b64 ratio "
        "| KiB dense | KiB sparse | bytes ratio | exact (Δ/tol) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in models:
        share = 100 * m["nonzeros"] / m["params"] if m["params"] else 0
        exact = "yes" if m["same_decoded"] else "**no**"
        lines.append(
            f"| {m['group']} | {m['program']} | {m['max_seq_len']} | "
            f"{m['residual_width']} | {m['params']:,} | {m['nonzeros']:,} "
            f"({share:.1f} %) | {_forms(m)} | {_fmt(m['dense_b1_ms'])} | "
            f"{_fmt(m['sparse_b1_ms'])} | {_fmt(_ratio(m, 'b1'))} | "
            f"{_fmt(m['dense_b64_ms'])} | {_fmt(m['sparse_b64_ms'])} | "
            f"{_fmt(_ratio(m, 'b64'))} | {m['bytes_dense'] / 1024:.1f} | "
            f"{m['bytes_sparse'] / 1024:.1f} | {_fmt(_ratio(m, 'bytes'))} | "
            f"{exact} ({m['max_score_difference'] / m['tolerance']:.2g}) |"
        )
    lines += [
        "",
        "## Geometric means (sparse / dense)",
        "",
        "| models | batch 1 | batch 64 | bytes |",
        "|---|---|---|---|",
    ]
    for name, g in results["geomeans"].items():
        lines.append(
            f"| {name} | {_fmt(g['b1'])} | {_fmt(g['b64'])} | {_fmt(g['bytes'])} |"
        )
    lines += ["", "## Where each wins", "", where_each_wins(models), ""]
    lines += render_rule(results)
    return "\n".join(lines)


def render_rule(results: dict) -> list[str]:
    s = results["settings"]
    fill, density = s["gather_max_column_fill"], s["sparse_max_density"]
    table = results["candidates"]
    best = min(table, key=lambda c: c["geomean"])
    ours = next(
        c
        for c in table
        if (c["column_fill"], c["sparse_max_density"]) == (fill, density)
    )
    lines = [
        "## The form rule's thresholds",
        "",
        "Every model also ran, in the same turns, with the forms that other values "
        "of the rule's thresholds give it. A cell: the geometric mean over all "
        f"{len(results['models'])} models of that time over the dense time, at "
        "batch 1 / batch 64, the geometric mean of the two, and in brackets the "
        "geometric mean of the bytes held over the dense bytes. The lowest time is "
        f"at GATHER_MAX_COLUMN_FILL = {best['column_fill']}, SPARSE_MAX_DENSITY = "
        f"{best['sparse_max_density']} ({_fmt(best['geomean'])}); the module uses "
        f"{fill} and {density} ({_fmt(ours['geomean'])}).",
        "",
        "| GATHER_MAX_COLUMN_FILL \\ SPARSE_MAX_DENSITY | "
        + " | ".join(str(d) for d in DENSITY_CANDIDATES)
        + " |",
        "|---|" + "---|" * len(DENSITY_CANDIDATES),
    ]
    for f in FILL_CANDIDATES:
        cells = []
        for d in DENSITY_CANDIDATES:
            c = next(
                c
                for c in table
                if c["column_fill"] == f and c["sparse_max_density"] == d
            )
            mark = "**" if (f, d) == (fill, density) else ""
            cells.append(
                f"{mark}{_fmt(c['b1'])} / {_fmt(c['b64'])} → {_fmt(c['geomean'])} "
                f"({_fmt(c['bytes'])}){mark}"
            )
        lines.append(f"| {f} | " + " | ".join(cells) + " |")
    against = results["scatter_against_bcoo"]
    if against:
        named = ", ".join(
            f"{a['program']} {a['max_seq_len']}: {_fmt(a['b1'])}× / {_fmt(a['b64'])}×"
            for a in against
        )
        lines += [
            "",
            "Scatter or BCOO for the matrices with at most one non-zero per row "
            "that the rule leaves sparse but not to gathers: the model's time with "
            "BCOO products in their place over its time with scatters, at batch 1 "
            f"/ batch 64: {named}.",
        ]
    return [*lines, ""]


def machine() -> dict:
    """The benchmark harness's description of the machine, with JAX's device."""
    device = jax.devices()[0]
    return {
        **bench.machine(),
        "jax": jax.__version__,
        "device": f"{device.platform.upper()} ({device.device_kind})",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two tiny configurations")
    parser.add_argument("--repeats", type=int, default=31, help="most timed repeats")
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder")
    args = parser.parse_args(argv)
    repeats = MIN_REPEATS if args.quick else args.repeats

    started = time.perf_counter()
    models = []
    todo = configs(args.quick)
    for index, config in enumerate(todo, start=1):
        row = measure_model(config, repeats)
        models.append(row)
        print(
            f"[{index}/{len(todo)}] {config.program} {config.max_seq_len}: "
            f"b1 {_fmt(_ratio(row, 'b1'))}×, b64 {_fmt(_ratio(row, 'b64'))}×, "
            f"bytes {_fmt(_ratio(row, 'bytes'))}×, {len(row['variants'])} variants, "
            f"same decoded {row['same_decoded']} ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    results = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "settings": {
            "repeats": repeats,
            "batches": list(BATCHES),
            "gather_max_column_fill": jax_emit.GATHER_MAX_COLUMN_FILL,
            "sparse_max_density": jax_emit.SPARSE_MAX_DENSITY,
            "quick": args.quick,
        },
        "seconds": time.perf_counter() - started,
        "models": models,
        "geomeans": geomeans(models),
        "candidates": candidate_table(models),
        "scatter_against_bcoo": scatter_against_bcoo(models),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sparse.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "sparse.md").write_text(render(results))
    print(f"wrote {out / 'sparse.json'} and {out / 'sparse.md'}", file=sys.stderr)
    if not all(m["same_decoded"] for m in models):
        sys.exit("sparse and dense decoded some input differently")


if __name__ == "__main__":
    main()
