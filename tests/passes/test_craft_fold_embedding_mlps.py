"""craft-fold-embedding-mlps: MLPs of the token alone move into the embedding, exactly.

Lib programs whose first layer holds only lookups of the tokens, a program
with a negative numerical lookup (in float32 and float64) and random programs
are compiled with the pass where it belongs in -O2 (right after
``convert-sa-to-craft``, so that dead-direction elimination cleans up after
it) and checked at every level and in the emitted JAX model.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings

import raspir
from raspir import rasp
from raspir.dialects import craft
from raspir.errors import UnsupportedProgramError
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.passes.craft_eliminate_dead_directions import reads, writes
from raspir.pipeline import O2, inserted, stages
from raspir.testing import fuzz
from raspir.testing.library import LIB_PROGRAMS
from raspir.testing.programs import program_specs

PASS = "craft-fold-embedding-mlps"
N = 4
AFTER = "convert-sa-to-craft"
FOLDING = inserted(PASS, AFTER)
"""-O2 with the pass right after the craft lowering."""


def quietly(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kwargs)


def craft_snapshots(
    program, vocab, n: int, pipeline, names
) -> dict[str, craft.ModelOp]:
    """The craft model after each stage of ``pipeline`` named in ``names``."""
    module = quietly(to_rasp_ir, program, vocab, n)
    out = {}
    for name, snapshot in stages(module, pipeline):
        if name in names:
            model = snapshot.body.block.first_op
            assert isinstance(model, craft.ModelOp)
            out[name] = model
    assert set(out) == set(names), f"no stage {set(names) - set(out)}"
    return out


def craft_after(program, vocab, n: int, stage: str) -> craft.ModelOp:
    return craft_snapshots(program, vocab, n, FOLDING, [stage])[stage]


def token_functions(model: craft.ModelOp) -> list[str]:
    """The MLPs that read only what the token embedding alone writes."""
    only_tokens = {
        craft.direction_key(d)
        for _, row in model.embeddings["tokens"].table.data
        for d, _ in row
    }
    for layer in model.layers:
        for block in layer.body.block.ops:
            only_tokens -= writes(block)  # type: ignore[arg-type]
    return [
        mlp.label.data
        for layer in model.layers
        for mlp in layer.mlps
        if reads(mlp) <= only_tokens
    ]


# frac_prevs and pair_balance start with lookups of the tokens in a layer of
# their own; detect_pattern's first layer is two such lookups.
FOLDED = ["frac_prevs", "pair_balance", "detect_pattern"]


@pytest.mark.parametrize("name", FOLDED)
def test_lib_program_folds_exactly(name: str):
    entry = LIB_PROGRAMS[name]
    program, vocab = entry.build(N), entry.vocab(N)
    before = craft_after(program, vocab, N, AFTER)
    after = craft_after(program, vocab, N, PASS)
    assert token_functions(before), "the program has a lookup of the tokens"
    assert token_functions(after) == []
    # A layer that held only lookups of the tokens goes.
    emptied = sum(
        1
        for layer in before.layers
        if not layer.heads
        and {m.label.data for m in layer.mlps} <= set(token_functions(before))
    )
    assert emptied >= 1
    assert len(after.layers) == len(before.layers) - emptied

    report = quietly(
        raspir.verify, program, vocab, N, samples=30, passes=FOLDING, check_model=True
    )
    assert report.exact, str(report)
    o2 = quietly(raspir.compile_rasp_to_model, program, vocab, N).sizes
    folded = quietly(
        raspir.compile_rasp_to_model, program, vocab, N, pipeline=FOLDING
    ).sizes
    assert folded.layers == o2.layers - emptied
    assert folded.mlp_hidden < o2.mlp_hidden
    assert folded.params < o2.params


def test_model_without_token_functions_is_unchanged():
    # length's only MLP reads the count head's scratch direction.
    entry = LIB_PROGRAMS["length"]
    program, vocab = entry.build(N), entry.vocab(N)
    before = craft_after(program, vocab, N, AFTER)
    assert token_functions(before) == []
    assert str(craft_after(program, vocab, N, PASS)) == str(before)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numerical_lookup_with_negative_values(dtype: str):
    """A lookup writing -1.5 and 2.5 becomes embedding entries; the mean of
    them is then a one-layer program, and compression sees a direction the
    embedding may make negative."""
    values = rasp.numerical(
        rasp.Map(lambda x: 2.5 if x == "a" else -1.5, rasp.tokens, simplify=False)
    )
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    program = rasp.numerical(rasp.Aggregate(prefix, values, default=0))
    vocab = {"a", "b"}
    model = quietly(
        raspir.compile_rasp_to_model, program, vocab, N, pipeline=FOLDING, dtype=dtype
    )
    assert model.sizes.layers == 1
    assert model.sizes.mlp_hidden == 0
    report = quietly(
        raspir.verify, program, vocab, N, passes=FOLDING, check_model=True, dtype=dtype
    )
    assert report.exact, str(report)


def test_refuses_a_model_that_shares_dimensions():
    # hist's token directions die where its count is born: they share.
    entry = LIB_PROGRAMS["hist"]
    late = [*O2[:-2], "craft-compress-residual{objective=width}", PASS, O2[-1]]
    assert O2[-2] == "craft-compress-residual"
    with pytest.raises(UnsupportedProgramError, match=f"{PASS}: .* shares dimensions"):
        quietly(
            raspir.compile_rasp_to_model,
            entry.build(N),
            entry.vocab(N),
            N,
            pipeline=late,
        )


def test_random_programs_stay_exact():
    """Random programs through the folding pipeline agree with the evaluator
    at every level and in the JAX model (``fuzz.check`` raises on any
    disagreement); some of them have an MLP to fold."""
    stats = fuzz.Stats()
    folding: list[bool] = []

    @settings(
        max_examples=8,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(spec=program_specs(max_ops=4, max_seq_len=3))
    def one(spec) -> None:
        exact = stats.exact
        fuzz.check(spec, ",".join(FOLDING), stats)
        if stats.exact > exact:
            model = craft_after(spec.build(), spec.vocab, spec.max_seq_len, AFTER)
            folding.append(bool(token_functions(model)))

    one()
    assert stats.exact >= 1
    assert any(folding), "no random program had an MLP to fold"
