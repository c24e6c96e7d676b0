"""Exported models against the compiled ones: TransformerLens and PyTorch.

Compiles the 15 library programs at max_seq_len 10 (``-O2``, vocabularies of
``raspir.testing.library``), exports each with ``to_transformer_lens()`` and
``to_torch()``, and runs ``SAMPLES`` random inputs the evaluator accepts (a
quarter of them of the full length) through the JAX model, the
HookedTransformer and the torch module. It counts the inputs whose decoded
outputs are equal, takes the largest difference of the output scores from the
JAX model's, and times building each export. Writes ``results/export.md`` and
``results/export.json``::

    .venv/bin/python benchmarks/export.py
"""

from __future__ import annotations

import json
import random
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import raspir  # noqa: E402
from raspir import rasp  # noqa: E402
from raspir.testing.library import LIB_PROGRAMS  # noqa: E402

N = 10
SAMPLES = 200


def inputs_for(name: str, program) -> list[list]:
    entry, rng = LIB_PROGRAMS[name], random.Random(f"export/{name}")
    cases: list[list] = []
    while len(cases) < SAMPLES:
        xs = entry.random_input(rng, N)
        if len(cases) < SAMPLES // 4:
            xs = (xs * N)[:N]  # the full length
        try:
            rasp.evaluate(program, xs)
        except Exception:  # noqa: BLE001 - the evaluator rejects this input
            continue
        cases.append(xs)
    return cases


def measure(name: str) -> dict:
    import torch

    entry = LIB_PROGRAMS[name]
    program = entry.build(N)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = raspir.compile_rasp_to_model(
            program, entry.vocab(N), N, compiler_bos="BOS"
        )
    started = time.perf_counter()
    hooked, encode, decode = model.to_transformer_lens()
    tl_seconds = time.perf_counter() - started
    started = time.perf_counter()
    module = model.to_torch()
    torch_seconds = time.perf_counter() - started
    row = {
        "inputs": 0,
        "tl_equal": 0,
        "torch_equal": 0,
        "evaluator_equal": 0,
        "tl_max_diff": 0.0,
        "torch_max_diff": 0.0,
    }
    for xs in inputs_for(name, program):
        tokens = ["BOS", *xs]
        ids = model.encode(tokens)
        jax_scores = np.asarray(model.forward(np.array([ids])))[0]
        compiled = model.apply(tokens).decoded
        with torch.no_grad():
            logits = hooked(encode(tokens))
            scores = module(torch.tensor([ids]))
        tl_scores = logits[0].numpy()
        if model.info["output"]["encoding"] == "numerical":
            tl_scores = tl_scores[..., 0]
        row["inputs"] += 1
        row["tl_equal"] += decode(logits) == compiled
        row["torch_equal"] += module.decode(scores, [ids])[0] == compiled
        row["evaluator_equal"] += _same(compiled[1:], list(rasp.evaluate(program, xs)))
        row["tl_max_diff"] = max(
            row["tl_max_diff"], float(np.max(np.abs(tl_scores - jax_scores), initial=0))
        )
        row["torch_max_diff"] = max(
            row["torch_max_diff"],
            float(np.max(np.abs(scores[0].numpy() - jax_scores), initial=0)),
        )
    row["tl_build_s"] = tl_seconds
    row["torch_build_s"] = torch_seconds
    row["tl_config"] = {
        k: getattr(hooked.cfg, k)
        for k in ("n_layers", "n_heads", "d_head", "d_model", "d_mlp", "d_vocab")
    }
    return row


def _same(actual: list, expected: list) -> bool:
    """Decoded outputs equal the evaluator's (numbers within 1e-4 relative)."""
    return len(actual) == len(expected) and all(
        a == e
        or (
            isinstance(a, float)
            and isinstance(e, int | float)
            and abs(a - e) <= 1e-4 * max(1.0, abs(e))
        )
        for a, e in zip(actual, expected, strict=True)
    )


def main() -> None:
    rows = {}
    for name in LIB_PROGRAMS:
        rows[name] = measure(name)
        print(name, rows[name], file=sys.stderr)
    out = HERE / "results"
    (out / "export.json").write_text(json.dumps(rows, indent=1) + "\n")
    lines = [
        "# Exported models against the compiled ones",
        "",
        "Written by `benchmarks/export.py`: each library program compiled at "
        f"max_seq_len {N} (`-O2`), exported with `to_transformer_lens()` and "
        f"`to_torch()`, and run on {SAMPLES} random inputs the evaluator accepts "
        f"({SAMPLES // 4} of the full length). *Equal*: inputs whose decoded output "
        "equals the compiled model's; *max diff*: the largest absolute difference "
        "of an output score from the JAX model's (float32); build: seconds to "
        "build the HookedTransformer from a compiled model (the first includes "
        "importing TransformerLens).",
        "",
        "| program | TL config (layers × heads × d_head, d_model, d_mlp) | "
        "TL equal | TL max diff | torch equal | torch max diff | compiled = "
        "evaluator | TL build s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        c = r["tl_config"]
        lines.append(
            f"| {name} | {c['n_layers']} × {c['n_heads']} × {c['d_head']}, "
            f"{c['d_model']}, {c['d_mlp']} | {r['tl_equal']}/{r['inputs']} | "
            f"{r['tl_max_diff']:.2g} | {r['torch_equal']}/{r['inputs']} | "
            f"{r['torch_max_diff']:.2g} | {r['evaluator_equal']}/{r['inputs']} | "
            f"{r['tl_build_s']:.2f} |"
        )
    total = sum(r["inputs"] for r in rows.values())
    lines += [
        "",
        f"In all: TransformerLens equal on {sum(r['tl_equal'] for r in rows.values())}"
        f" of {total} inputs, torch on {sum(r['torch_equal'] for r in rows.values())}.",
    ]
    (out / "export.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
