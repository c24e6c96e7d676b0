"""Write the section "Passes for sparsity" of ``docs/optimizations.md``.

The opt-in passes that trade MLP width, layers and non-zeros against the
density of what is left are measured on the 15 library programs at
max_seq_len 20: ``-O2`` against ``-O2`` with each pass inserted where it
belongs, and with both. Every model with a pass is checked by ``raspir
verify`` at every level and in the emitted JAX model. Run::

    .venv/bin/python benchmarks/sparsity_passes.py

which replaces the section in place; ``benchmarks/optimizations.py``, which
regenerates the whole page, appends the same section.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from worker import raspir_sizes  # noqa: E402

import raspir  # noqa: E402
from raspir.pipeline import O2, inserted  # noqa: E402
from raspir.testing.library import LIB_PROGRAMS  # noqa: E402

N = 20
SAMPLES = 100
TITLE = "## Passes for sparsity"
DOC = HERE.parent / "docs" / "optimizations.md"

COLUMNS = [
    ("layers", "layers"),
    ("residual", "residual"),
    ("mlp", "MLP total"),
    ("params", "params"),
    ("nonzeros", "non-zeros"),
    ("density", "density"),
]


@dataclass(frozen=True)
class Placement:
    name: str
    after: str
    """The -O2 pass it runs right after."""


FOLD = Placement("craft-fold-embedding-mlps", "convert-sa-to-craft")
MERGE = Placement("craft-merge-hidden-units", "craft-compress-residual")


def with_passes(*placements: Placement) -> list[str]:
    """-O2 with each pass inserted right after the pass it belongs after."""
    out = list(O2)
    for p in placements:
        out = inserted(p.name, p.after, out)
    return out


CONFIGS = {"fold": with_passes(FOLD), "merge": with_passes(MERGE)}
CONFIGS["both"] = with_passes(FOLD, MERGE)


def sizes(model) -> dict[str, float]:
    """The model's sizes under this page's column names (density derived)."""
    s = raspir_sizes(model)
    return {
        **{key: s[key] for key, _ in COLUMNS if key != "density"},
        "density": s["nonzeros"] / s["params"],
    }


def measure() -> dict[str, dict[str, tuple[dict, bool]]]:
    """Per program: the sizes under -O2 and each configuration, and whether
    each configuration's model is exact."""
    out: dict[str, dict[str, tuple[dict, bool]]] = {}
    for name, entry in LIB_PROGRAMS.items():
        args = (entry.build(N), entry.vocab(N), N)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            row = {"-O2": (sizes(raspir.compile_rasp_to_model(*args)), True)}
            for config, pipeline in CONFIGS.items():
                model = raspir.compile_rasp_to_model(*args, pipeline=pipeline)
                report = raspir.verify(
                    *args, samples=SAMPLES, passes=pipeline, check_model=True
                )
                row[config] = (sizes(model), report.exact)
        out[name] = row
        print(f"measured {name}", file=sys.stderr)
    return out


def cell(key: str, value: float) -> str:
    return f"{100 * value:.2f} %" if key == "density" else f"{value:,}"


def table(rows, config: str) -> list[str]:
    lines = [
        "| program | " + " | ".join(label for _, label in COLUMNS) + " | exact |",
        "|" + "---|" * (len(COLUMNS) + 2),
    ]
    for name, row in rows.items():
        base, (new, exact) = row["-O2"][0], row[config]
        cells = [
            cell(k, base[k])
            if base[k] == new[k]
            else f"{cell(k, base[k])} → {cell(k, new[k])}"
            for k, _ in COLUMNS
        ]
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {'yes' if exact else 'NO'} |"
        )
    return lines


def changed(rows, config: str) -> list[str]:
    return [n for n, row in rows.items() if row[config][0] != row["-O2"][0]]


def facts(rows, config: str) -> str:
    """What a configuration did to the programs it changes, in numbers."""
    names = changed(rows, config)
    if not names:
        return "It changes none of the 15 programs."

    def total(key: str, which: str) -> float:
        return sum(rows[n][which][0][key] for n in names)

    def moved(key: str) -> str:
        ups = sum(rows[n][config][0][key] > rows[n]["-O2"][0][key] for n in names)
        downs = sum(rows[n][config][0][key] < rows[n]["-O2"][0][key] for n in names)
        return f"down on {downs}, up on {ups}"

    def percent(key: str) -> str:
        before, after = total(key, "-O2"), total(key, config)
        return f"{100 * (after - before) / before:+.1f} %"

    return (
        f"It changes {len(names)} of the 15 programs ({', '.join(names)}). On "
        f"those, summed: layers {total('layers', '-O2'):,} → "
        f"{total('layers', config):,}, MLP units {total('mlp', '-O2'):,} → "
        f"{total('mlp', config):,}, parameters {percent('params')}, non-zeros "
        f"{percent('nonzeros')}; residual width {moved('residual')}; density "
        f"{moved('density')}."
    )


def summary(rows) -> list[str]:
    """Each measure summed over the programs a configuration changes, then
    over all 15, as the ratio to -O2's sum (below 1: smaller; density is
    the summed non-zeros over the summed parameters)."""
    lines = [
        "| passes | programs changed | "
        + " | ".join(label for _, label in COLUMNS)
        + " | exact |",
        "|" + "---|" * (len(COLUMNS) + 3),
    ]
    for config in CONFIGS:
        names = changed(rows, config)
        ratios = []
        for key, _ in COLUMNS:
            shown = []
            for subset in (names, list(rows)):
                before = _total(rows, "-O2", subset, key)
                after = _total(rows, config, subset, key)
                shown.append(f"{after / before:.3f}" if subset and before else "–")
            ratios.append(" / ".join(shown))
        lines.append(
            f"| {' + '.join(p for p in CONFIGS[config] if p not in O2)} | "
            f"{len(names)} | "
            + " | ".join(ratios)
            + f" | {sum(row[config][1] for row in rows.values())} of {len(rows)} |"
        )
    return lines


def _total(rows, config: str, names: list[str], key: str) -> float:
    if key == "density":
        nonzeros = _total(rows, config, names, "nonzeros")
        return nonzeros / _total(rows, config, names, "params")
    return sum(rows[n][config][0][key] for n in names)


def section(rows=None) -> list[str]:
    rows = measure() if rows is None else rows
    exact = all(exact for row in rows.values() for _, exact in list(row.values())[1:])
    return [
        TITLE,
        "",
        "Generated by `benchmarks/sparsity_passes.py` (`.venv/bin/python "
        "benchmarks/sparsity_passes.py` rewrites this section; "
        "`benchmarks/optimizations.py` writes it with the rest of the page). Two "
        "opt-in passes that are not in `-O2` trade size against the density of "
        "what is left; add them with `pipeline=raspir.pipeline.inserted(name, "
        "after)` or `raspir-opt -p`. The 15 library programs at "
        f"max_seq_len {N}: each cell is `-O2` alone, or `-O2 → -O2 with the pass` "
        "where they differ. `density`: non-zeros over parameters (as Tracr "
        f"counts them). `exact`: `raspir verify` on {SAMPLES} random inputs at "
        "every level and in the emitted JAX model (`check_model`), with the "
        f"pass; {'every' if exact else 'NOT every'} model is exact.",
        "",
        "### `craft-fold-embedding-mlps`: MLPs of the token alone into the embedding",
        "",
        "Inserted right after `convert-sa-to-craft`, so that "
        "`craft-eliminate-dead-directions` removes the token directions only the "
        "folded MLPs read. An MLP whose first layer reads only what the token "
        "embedding alone writes (a lookup of the tokens, and lookups of those) "
        "is evaluated once per token and its output written by the token "
        "embedding; likewise for a function of the position. " + facts(rows, "fold"),
        "",
        *table(rows, "fold"),
        "",
        "When to use it: a program that starts with maps of the tokens (masks, "
        "per-token values, Dyck brackets as booleans). It removes their MLPs, "
        "their parameters and non-zeros, and the first layer where it held only "
        "such maps; the token directions nothing else reads go as well. What "
        "it costs: density. The embedding table gains an entry per token and "
        "folded direction, while the MLP matrices that go were among the "
        "sparsest of the model (a few non-zeros in each residual-wide column), "
        "so non-zeros over parameters rises. A folded direction is live from "
        "the embedding on, which can leave `craft-compress-residual` less to "
        "share (a wider residual) where the folded output is read late. The "
        "pass refuses a model that already shares dimensions (run it before "
        "compression).",
        "",
        "### `craft-merge-hidden-units`: one unit for equal columns of a layer",
        "",
        "Inserted right after `craft-compress-residual`, so that its erase units "
        "take part. Hidden units of one layer with the same first-layer column "
        "compute the same activation; one of them keeps it and writes the sum "
        "of their second-layer rows. " + facts(rows, "merge"),
        "",
        *table(rows, "merge"),
        "",
        "When to use it: layers holding several discretising MLPs of one number "
        "(each has the BOS-silenced baseline unit, and steps at the same "
        "thresholds coincide), several lookups of one s-op that split its values "
        "alike, or a linear MLP beside the erase unit of the direction it reads. "
        "What it costs: the kept unit's second-layer row writes the outputs of "
        "several s-ops, so that row is denser and an MLP block no longer "
        "computes one s-op alone (residual plots and per-block labels read "
        "less directly). Layers and residual never change; units, first-layer "
        "non-zeros and parameters only fall.",
        "",
        "### Both, against `-O2`",
        "",
        "Each measure summed over the programs the passes change / over all 15, "
        "as a ratio to `-O2`'s sum (below 1: smaller; density is the summed "
        "non-zeros over the summed parameters, below 1: sparser).",
        "",
        *summary(rows),
    ]


def write(lines: list[str], doc: Path = DOC) -> None:
    """Replace the section in ``doc`` (from its title to the next section of
    the same level, or the end), or append it."""
    text = doc.read_text().rstrip("\n").split("\n")
    if TITLE in text:
        start = text.index(TITLE)
        end = next(
            (i for i in range(start + 1, len(text)) if text[i].startswith("## ")),
            len(text),
        )
        text = text[:start] + lines + ([""] + text[end:] if end < len(text) else [])
    else:
        text += ["", *lines]
    doc.write_text("\n".join(text) + "\n")


def main() -> None:
    write(section())
    print(f"wrote {TITLE!r} in {DOC}")


if __name__ == "__main__":
    main()
