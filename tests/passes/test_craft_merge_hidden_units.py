"""craft-merge-hidden-units: a layer's units with equal columns become one, exactly.

The pass runs where it belongs in -O2, after ``craft-compress-residual`` (so
that erase units take part). The Dyck programs hold discretising MLPs of one
number in one layer, whose step units coincide; they are checked at every
level and in the emitted JAX model, as are random programs.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

import raspir
from raspir.dialects import craft
from raspir.passes.craft_merge_hidden_units import merge
from raspir.pipeline import inserted
from raspir.testing import fuzz
from raspir.testing.library import LIB_PROGRAMS
from raspir.testing.programs import program_specs

from .test_craft_fold_embedding_mlps import craft_snapshots, quietly

PASS = "craft-merge-hidden-units"
N = 4
AFTER = "craft-compress-residual"
MERGING = inserted(PASS, AFTER)
"""-O2 with the pass right after residual compression."""


def craft_stages(program, vocab, n: int) -> dict[str, craft.ModelOp]:
    return craft_snapshots(program, vocab, n, MERGING, [AFTER, PASS])


def columns(layer: craft.LayerOp) -> list[frozenset]:
    """Every unit's first-layer column in the layer, as (direction, weight) pairs."""
    out = []
    for mlp in layer.mlps:
        units: list[set] = [set() for _ in range(mlp.hidden.data)]
        for direction, unit, weight in mlp.fst.data:
            units[unit].add((craft.direction_key(direction), weight))  # type: ignore[index,arg-type]
        out += [frozenset(u) for u in units]
    return out


@pytest.mark.parametrize("name", ["shuffle_dyck", "shuffle_dyck2"])
def test_dyck_units_merge_exactly(name: str):
    entry = LIB_PROGRAMS[name]
    program, vocab = entry.build(N), entry.vocab(N)
    models = craft_stages(program, vocab, N)
    before, after = models[AFTER], models[PASS]
    assert len(after.layers) == len(before.layers)
    duplicates = 0
    for old, new in zip(before.layers, after.layers, strict=True):
        old_columns, new_columns = columns(old), columns(new)
        duplicates += len(old_columns) - len(set(old_columns))
        # One unit per distinct column is left (none of these rows cancel).
        assert sorted(map(sorted, new_columns)) == sorted(map(sorted, set(old_columns)))
        assert [str(h) for h in new.heads] == [str(h) for h in old.heads]
    assert duplicates > 0
    assert str(merge(after)) == str(after), "merging twice changes nothing"

    report = quietly(
        raspir.verify, program, vocab, N, samples=30, passes=MERGING, check_model=True
    )
    assert report.exact, str(report)
    o2 = quietly(raspir.compile_rasp_to_model, program, vocab, N).sizes
    merged = quietly(
        raspir.compile_rasp_to_model, program, vocab, N, pipeline=MERGING
    ).sizes
    assert merged.mlp_hidden == o2.mlp_hidden - duplicates
    assert (merged.layers, merged.residual_width) == (o2.layers, o2.residual_width)
    assert merged.params < o2.params
    assert merged.nonzeros < o2.nonzeros


def test_model_without_equal_columns_is_unchanged():
    entry = LIB_PROGRAMS["sort"]
    models = craft_stages(entry.build(N), entry.vocab(N), N)
    before = models[AFTER]
    assert all(
        len(set(columns(layer))) == len(columns(layer)) for layer in before.layers
    )
    assert str(models[PASS]) == str(before)


def test_random_programs_stay_exact():
    """Random programs through the merging pipeline agree with the evaluator
    at every level and in the JAX model (``fuzz.check`` raises on any
    disagreement)."""
    stats = fuzz.Stats()

    @settings(
        max_examples=8,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(spec=program_specs(max_ops=4, max_seq_len=3))
    def one(spec) -> None:
        fuzz.check(spec, ",".join(MERGING), stats)

    one()
    assert stats.exact >= 1
