"""The sparsity report (``raspir stats --sparsity``) of every library program.

Compiles the 15 library programs at max_seq_len 20 (``-O2``, vocabularies of
``raspir.testing.library``) and writes ``results/sparsity.json`` (each model's
full report) and ``results/sparsity.md`` (one row per program: totals, FLOPs
dense and sparse, how many matrices have each structure, the densest matrix)::

    .venv/bin/python benchmarks/sparsity_report.py
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import raspir  # noqa: E402
from raspir.backend.sparsity import STRUCTURES, model_sparsity  # noqa: E402
from raspir.testing.library import LIB_PROGRAMS  # noqa: E402

N = 20
SHOWN = ("selection", "one-hot rows", "one-hot columns", "block-diagonal", "dense")
"""Structure terms with a column in the table (the others are rare or empty)."""


def main() -> None:
    reports = {}
    for name, program in LIB_PROGRAMS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = raspir.compile_rasp_to_model(program.build(N), program.vocab(N), N)
        reports[name] = model_sparsity(model)
        print(f"{name}: {reports[name].nonzeros:,} non-zeros", file=sys.stderr)
    out = HERE / "results"
    (out / "sparsity.json").write_text(
        json.dumps({n: r.to_json() for n, r in reports.items()}, indent=1) + "\n"
    )
    lines = [
        "# Sparsity of the library programs",
        "",
        f"Written by `benchmarks/sparsity_report.py`: `raspir stats --sparsity` of the 15 "
        f"library programs at max_seq_len {N} (`-O2`), as in `results/sparsity.json`. "
        "Parameters and non-zeros are counted as Tracr counts them (zero biases in, "
        "the unembedding out). FLOPs: one forward pass over all "
        f"{N + 1} positions; sparse multiplies only the non-zero weights (attention "
        "scores, mixing and softmax cost the same in both). The structure columns "
        "count the weight matrices (unembedding included) with each property, a "
        "matrix counting once per property; `dense` means none holds.",
        "",
        "| program | matrices | params | non-zeros | density | FLOPs dense | FLOPs sparse | sparse/dense | "
        + " | ".join(SHOWN)
        + " | densest matrix |",
        "|---|" + "---|" * (7 + len(SHOWN) + 1),
    ]
    for name, r in reports.items():
        counts = r.structure_counts()
        assert set(SHOWN) <= set(STRUCTURES)
        full = [m for m in r.matrices if m.structure.size]
        densest = max(full, key=lambda m: m.structure.density)
        lines.append(
            f"| {name} | {len(r.matrices)} | {r.params:,} | {r.nonzeros:,} | "
            f"{100 * r.density:.2f} % | {r.flops.dense:,} | {r.flops.sparse:,} | "
            f"{r.flops.sparse / r.flops.dense:.3f} | "
            + " | ".join(str(counts[t]) for t in SHOWN)
            + f" | `{densest.name}` {100 * densest.structure.density:.1f} % |"
        )
    (out / "sparsity.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
