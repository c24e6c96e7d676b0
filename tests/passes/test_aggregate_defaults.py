"""Aggregates with any default: the head writes the default from the BOS key,
and a second head takes it off at the BOS position (docs/constructions.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from raspir import compile_rasp_to_model, rasp
from raspir.dialects import craft, sa
from raspir.errors import UnsupportedProgramError
from raspir.frontend.rasp_import import COMPILER_BOS, to_rasp_ir
from raspir.interpreters.craft import CraftMachine
from raspir.passes.convert_rasp_to_sa import UNIT_ROUNDOFF
from raspir.pipeline import O0, stages
from raspir.testing.ir_fuzz import Checker
from raspir.verification import NUMERICAL_TOLERANCE, verify

VOCAB = {"a", "b", "c"}
SAMPLES = 100

tokens, indices = rasp.tokens, rasp.indices
# Query 0 selects nothing, every other query its predecessor: every input
# meets the default at least once.
previous = rasp.Select(indices, rasp.Map(lambda i: i - 1, indices), rasp.Comparison.EQ)
# Query i selects i + 1: the last query selects nothing.
following = rasp.Select(indices, rasp.Map(lambda i: i + 1, indices), rasp.Comparison.EQ)
earlier = rasp.Select(indices, indices, rasp.Comparison.LT)
is_a = rasp.numerical(rasp.Map(lambda t: 1 if t == "a" else 0, tokens))


def _categorical(default):
    return rasp.Aggregate(previous, tokens, default=default)


def _mean(default):
    return rasp.numerical(rasp.Aggregate(earlier, is_a, default=default))


def _chained():
    """A defaulted s-op read as values by a head with an empty selection,
    as keys of a count, then both by a pair lookup."""
    first = _categorical("z")
    moved = rasp.Aggregate(following, first, default=None)
    width = rasp.SelectorWidth(rasp.Select(first, tokens, rasp.Comparison.EQ))
    return rasp.SequenceMap(lambda x, w: f"{x}{w}", moved, width)


def _moved_mean():
    """A numerical default read as values by a head with an empty selection."""
    return rasp.numerical(rasp.Aggregate(following, _mean(-1), default=0))


def _sign_of_mean():
    """A numerical default read by a discretising MLP."""
    return rasp.Map(
        lambda x: "neg" if x < 0 else ("zero" if x == 0 else "pos"), _mean(-1)
    )


def _shifted_mean():
    """A numerical default read by a linear MLP."""
    return rasp.numerical(rasp.LinearSequenceMap(_mean(-1), is_a, 2, 1))


def _tracr_issue_25():
    """google-deepmind/tracr#25: a categorical aggregate with default None whose
    selection can be empty, read by a second aggregate with the same selector."""
    select = rasp.Select(indices, tokens, rasp.Comparison.EQ)
    return rasp.Aggregate(select, rasp.Aggregate(select, indices))


def _none_tested():
    """The evaluator maps None to None without calling the function."""
    select = rasp.Select(indices, tokens, rasp.Comparison.EQ)
    return rasp.Map(lambda x: x is None, rasp.Aggregate(select, indices))


PROGRAMS = {
    "string in the vocab": (_categorical("a"), VOCAB),
    "string not in the values": (_categorical("z"), VOCAB),
    "int not in the values": (rasp.Aggregate(previous, indices, default=-1), VOCAB),
    "int among the values": (rasp.Aggregate(previous, indices, default=0), VOCAB),
    "positive number": (_mean(1), VOCAB),
    "negative number": (_mean(-2), VOCAB),
    "float": (_mean(0.75), VOCAB),
    "bool": (_mean(True), VOCAB),
    "chained categorical": (_chained(), VOCAB),
    "mapped number": (_sign_of_mean(), VOCAB),
    "linear map of a number": (_shifted_mean(), VOCAB),
    "tracr issue 25": (_tracr_issue_25(), {1, 2, 3, 4}),
    "map of none": (_none_tested(), {1, 2, 3, 4}),
}


def _exact(program, vocab, max_seq_len, **options) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # categorical aggregates of numbers
        report = verify(
            program,
            vocab,
            max_seq_len,
            samples=SAMPLES,
            check_model=True,
            **options,
        )
    assert report.exact, str(report)
    assert report.skipped < report.samples


@pytest.mark.parametrize("max_seq_len", [5, 10, 20])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_exact_at_every_level(name, max_seq_len):
    program, vocab = PROGRAMS[name]
    _exact(program, vocab, max_seq_len)


@pytest.mark.parametrize("causal", [False, True])
def test_exact_numerical_chain(causal):
    """At max_seq_len 5 only: the means of means exceed the importer's limit
    on value sets at 10."""
    _exact(_moved_mean(), VOCAB, 5, causal=causal)


@pytest.mark.parametrize(
    "name", ["string not in the values", "negative number", "chained categorical"]
)
def test_exact_causal_and_unoptimised(name):
    program, vocab = PROGRAMS[name]
    _exact(program, vocab, 10, causal=True)
    _exact(program, vocab, 10, passes=O0)


def _craft(program, vocab=VOCAB, max_seq_len=5, causal=False) -> craft.ModelOp:
    module = to_rasp_ir(program, vocab, max_seq_len, causal=causal)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, snapshot in stages(module, O0):
            if name == "convert-sa-to-craft":
                return snapshot.body.block.first_op
    raise AssertionError("the pipeline has no convert-sa-to-craft")


def _heads(model: craft.ModelOp) -> list[craft.HeadOp]:
    return [head for layer in model.layers for head in layer.heads]


@pytest.mark.parametrize(
    "program", [_categorical(None), _mean(0)], ids=["none", "zero"]
)
def test_implicit_defaults_add_no_weights(program):
    """None and 0 are what the BOS value gives: no `default`, one head, and
    nothing read from or written by the BOS query."""
    module = to_rasp_ir(program, VOCAB, 5)
    lowered = dict(stages(module, O0))["convert-rasp-to-sa"]
    aggregates = [op for op in lowered.walk() if isinstance(op, sa.AggregateOp)]
    assert [op.default for op in aggregates] == [None]
    (head,) = _heads(_craft(program))
    bos = ("tokens", (COMPILER_BOS,))
    assert all(row != bos for row, _, _ in head.qk.data)
    assert all(source != bos for source, _, _ in head.ov.data)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("default", ["z", -2.5])
def test_the_value_stays_zero_at_bos(default, causal):
    """Invariant B: the default written from the BOS key is taken off again
    at the BOS position, within rounding."""
    if isinstance(default, str):
        program = _categorical(default)
    else:
        program = _mean(default)
    max_seq_len = 5
    model = _craft(program, max_seq_len=max_seq_len, causal=causal)
    head, silence = _heads(model)[-2:]
    assert silence.label.data == f"{head.label.data}.silence"
    written = {craft.direction_key(d) for _, d, _ in silence.ov.data}
    run = CraftMachine(model).run(["a", "b", "c", "a"])
    at_bos = [run.residuals[-1][0, run.columns[key]] for key in written]
    scale = 1.0 if isinstance(default, str) else abs(default)
    rounding = 2 * (max_seq_len + 2) * UNIT_ROUNDOFF["float32"] * scale
    assert np.all(np.abs(at_bos) <= rounding)
    assert run.output[0] == pytest.approx(default, abs=NUMERICAL_TOLERANCE * scale)


def test_a_numerical_default_must_be_finite():
    with pytest.raises(UnsupportedProgramError, match="not a finite number"):
        compile_rasp_to_model(_mean(float("inf")), VOCAB, 5)


def test_a_numerical_default_of_none_is_refused_on_import():
    with pytest.raises(UnsupportedProgramError, match="non-numeric value none"):
        to_rasp_ir(_mean(None), VOCAB, 5)


BAD_DEFAULTS = [
    # rasp: a default outside the value set
    """rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %s = rasp.select "s" %tokens, %tokens lt
  %a = rasp.aggregate "a" %s, %tokens default "z" : !rasp.sop<categorical> values {"a", "b"}
  rasp.output %a : !rasp.sop<categorical>
}""",
    # rasp: an infinite numerical default
    """rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %x = rasp.tokens "x" : !rasp.sop<numerical> values {1, 2}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %s = rasp.select "s" %indices, %indices lt
  %a = rasp.aggregate "a" %s, %x default -inf : !rasp.sop<numerical> values {-inf, 1, 2}
  rasp.output %a : !rasp.sop<numerical>
}""",
    # sa: a default outside the value set, a string for a number
    """sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %a = sa.aggregate "a" %tokens, %tokens, %tokens lt sharpness 9.0 default "z" : !rasp.sop<categorical> values {"a", "b"} noise 0.0 layer 0
  sa.output %a : !rasp.sop<categorical>
}""",
    """sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %x = sa.tokens "x" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %a = sa.aggregate "a" %tokens, %tokens, %x lt sharpness 9.0 default "x" : !rasp.sop<numerical> values {1, 2} noise 0.0 layer 0
  sa.output %a : !rasp.sop<numerical>
}""",
]


@pytest.mark.parametrize("text", BAD_DEFAULTS)
def test_bad_defaults_are_diagnostics(text):
    outcome = Checker().check(text)
    assert outcome.kind in ("invalid", "pass-error"), outcome
    assert "default" in outcome.message


def test_a_default_never_used_costs_nothing():
    """Every query selects itself, so the default is never read: no weights,
    no silencing head, and even a default no head could write compiles."""
    itself = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ)
    copy = rasp.categorical(rasp.Aggregate(itself, rasp.tokens, default="z"))
    ones = rasp.numerical(rasp.Map(lambda t: 1, rasp.tokens))
    upto = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    mean = rasp.numerical(rasp.Aggregate(upto, ones, default=float("inf")))
    for program in (copy, mean):
        model = compile_rasp_to_model(program, {"a", "b"}, 5)
        assert model.sizes.heads == 1
        assert verify(program, {"a", "b"}, 5, check_model=True).exact
