"""Differential fuzzing in the suite: a fixed sample of random programs agrees
with the evaluator at every level and in the emitted JAX model.

``make fuzz`` runs longer campaigns (``FUZZ_PROGRAMS=5000``); every bug found
gets a minimal regression in ``test_regressions.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from raspir.testing import fuzz
from raspir.testing.programs import Node, ProgramSpec, program_specs

SAMPLE = 200


def test_a_fixed_sample_of_random_programs_agrees_at_every_level():
    stats = fuzz.run(SAMPLE)  # raises Miscompilation, or the crash, on failure
    assert stats.programs == SAMPLE
    # The sample is only worth something if most programs compile and reach
    # every kind of expression.
    assert stats.exact >= 0.95 * SAMPLE, stats
    assert stats.inputs >= 7 * SAMPLE, stats
    kinds = {"map", "sequence_map", "linear", "select", "aggregate", "max", "min"}
    kinds |= {"selector_width", "full", "length", "and", "or", "not"}
    assert kinds <= set(stats.kinds), stats


@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(spec=program_specs())
def test_a_spec_prints_as_a_script_that_rebuilds_it(spec: ProgramSpec):
    namespace: dict = {}
    exec(spec.source(), namespace)
    rebuilt = namespace["program"]
    assert namespace["vocab"] == sorted(spec.vocab, key=repr)
    assert namespace["max_seq_len"] == spec.max_seq_len
    from raspir import rasp

    for xs in fuzz.inputs_for(spec)[:5]:
        try:
            expected = rasp.evaluate(spec.build(), xs, causal=spec.causal)
        except Exception as e:  # noqa: BLE001 - then both must raise alike
            with pytest.raises(type(e)):
                rasp.evaluate(rebuilt, xs, causal=spec.causal)
            continue
        assert rasp.evaluate(rebuilt, xs, causal=spec.causal) == expected


def test_inputs_are_exhaustive_when_few_and_include_the_longest_otherwise():
    few = ProgramSpec(("a", "b"), 3, (Node("tokens"), Node("indices")))
    assert len(fuzz.inputs_for(few)) == 2 + 4 + 8
    many = ProgramSpec(("a", "b", "c", "d"), 5, few.nodes)
    cases = fuzz.inputs_for(many)
    assert len(cases) == fuzz.MAX_INPUTS
    assert sum(len(xs) == 5 for xs in cases) >= fuzz.MAX_INPUTS // 4
    assert cases == fuzz.inputs_for(many)  # the same sample every run
