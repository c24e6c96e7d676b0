"""Minimal programs found by the differential fuzzer, one per bug it found.

Each is the shrunk program ``raspir.testing.fuzz`` printed, checked the same
way: every level and the emitted model against the evaluator.
"""

from __future__ import annotations

from hypothesis import given, seed, settings

from raspir import rasp
from raspir.testing.programs import Table, program_specs
from raspir.verification import verify

EVERY_PIPELINE = ("-O0", "-O2")


def exact_everywhere(program: rasp.SOp, vocab, max_seq_len: int) -> None:
    for pipeline in EVERY_PIPELINE:
        report = verify(
            program, vocab, max_seq_len, samples=60, passes=pipeline, check_model=True
        )
        assert report.exact, f"{pipeline}: {report}"
        assert report.skipped < report.samples


def test_a_categorical_aggregate_of_equal_numbers_copies_the_value():
    """Several selected equal ints used to average to a float (0.0), which a
    type-exact table downstream does not hold; a categorical aggregate copies."""
    zeros = rasp.categorical(rasp.Map(Table(((0, 0), (1, 0)), 0), rasp.indices))
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    copied = rasp.categorical(rasp.Aggregate(same, zeros, None))
    program = rasp.categorical(rasp.Map(Table(((None, 0), (0, 0)), 1), copied))
    assert rasp.evaluate(copied, [0, 0]) == [0, 0]
    assert [type(v) for v in rasp.evaluate(copied, [0, 0])] == [int, int]
    assert rasp.evaluate(program, [0, 0]) == [0, 0]
    exact_everywhere(program, [0, 1, 2], 2)


def test_equal_strings_are_copied_and_different_ones_still_rejected():
    everything = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE)
    copied = rasp.categorical(rasp.Aggregate(everything, rasp.tokens))
    assert rasp.evaluate(copied, ["a", "a"]) == ["a", "a"]
    try:
        rasp.evaluate(copied, ["a", "b"])
    except ValueError as e:
        assert "cannot be averaged" in str(e)
    else:
        raise AssertionError("several different strings must be rejected")
    # Numerical aggregates keep Tracr's mean (a float) even of equal numbers.
    mean = rasp.numerical(rasp.Aggregate(everything, rasp.numerical(rasp.tokens)))
    assert [type(v) for v in rasp.evaluate(mean, [1, 1])] == [float, float]


def test_a_head_selecting_every_pair_leaves_bos_silent():
    """At the BOS query, a `true` head must still read BOS (whose values are
    0), or a later head that selects nothing copies its mean from BOS."""
    is_a = rasp.numerical(rasp.Map(lambda t: 1 if t == "a" else 0, rasp.tokens))
    everything = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE)
    share = rasp.numerical(rasp.Aggregate(everything, is_a, default=0))
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    program = rasp.numerical(rasp.Aggregate(before, share, default=0))
    report = verify(program, {"a", "b"}, 4, check_model=True)
    assert report.exact, report


@seed(8)
@settings(max_examples=300, database=None, deadline=None)
@given(spec=program_specs(max_ops=8, max_seq_len=6))
def test_every_drawn_program_builds(spec):
    """A max or min over tuple values once drew a tuple default, which RASP
    refuses (defaults are scalars): the generator crashed instead of testing.
    This seed drew one within its first 300 programs."""
    spec.build()
