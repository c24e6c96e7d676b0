"""The raspir column of the README's feature table: every feature of the
catalogue (``raspir.testing.features``) compiles and is exact at max_seq_len
5, 10 and 20, at every level of the pipeline and in the emitted JAX model."""

from __future__ import annotations

import random
import warnings

import pytest

import raspir
from raspir import rasp
from raspir.passes.convert_rasp_to_sa import CausalWarning
from raspir.testing.features import FEATURES, LENGTHS

SAMPLES = 40


def inputs(name: str, max_seq_len: int) -> list[list]:
    feature = FEATURES[name]
    rng = random.Random(max_seq_len)
    cases = [feature.random_input(rng, max_seq_len) for _ in range(SAMPLES)]
    # The longest inputs, where counts and means are closest together.
    cases += [[v] * max_seq_len for v in feature.vocab]
    return cases


@pytest.mark.parametrize("max_seq_len", LENGTHS)
@pytest.mark.parametrize("name", FEATURES)
def test_feature_is_exact_at_every_level(name, max_seq_len):
    feature = FEATURES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CausalWarning)  # asserted below
        report = raspir.verify(
            feature.build(rasp, max_seq_len),
            feature.vocab,
            max_seq_len,
            causal=feature.causal,
            inputs=inputs(name, max_seq_len),
            check_model=True,
        )
    assert report.exact, report
    assert report.skipped == 0, report
    assert report.stages[-1] == "jax"


@pytest.mark.parametrize("name", [n for n, f in FEATURES.items() if f.causal])
def test_causal_features_say_what_changes_meaning(name):
    feature = FEATURES[name]
    with pytest.warns(CausalWarning, match="causal=True: rasp"):
        raspir.compile_rasp_to_model(
            feature.build(rasp, 5), feature.vocab, 5, causal=True
        )


@pytest.mark.parametrize("name", [n for n, f in FEATURES.items() if not f.causal])
def test_other_features_compile_without_warnings(name):
    feature = FEATURES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        raspir.compile_rasp_to_model(feature.build(rasp, 5), feature.vocab, 5)


def test_tracr_issue_programs_compile_exactly():
    """The programs of Tracr's issues #4 (composite selectors), #24 (negative
    numerical maps) and #25 (default None), as their reports wrote them."""
    tokens, indices = rasp.tokens, rasp.indices
    # #4: SelectorAnd of two selects with different keys and queries.
    same = rasp.Select(tokens, tokens, rasp.Comparison.EQ)
    before = rasp.Select(indices, indices, rasp.Comparison.LT)
    issue_4 = rasp.SelectorWidth(rasp.SelectorAnd(same, before))
    # #24: a numerical map with negative outputs, then aggregated.
    negative = rasp.numerical(rasp.Map(lambda x: x - 2, tokens))
    prefix = rasp.Select(indices, indices, rasp.Comparison.LEQ)
    issue_24 = rasp.numerical(rasp.Aggregate(prefix, negative, default=0))
    # #25: a categorical aggregate that can select nothing, read again later.
    shifted = rasp.Select(indices, indices + 1, rasp.Comparison.EQ)
    prev = rasp.categorical(rasp.Aggregate(shifted, tokens))
    issue_25 = rasp.categorical(rasp.Aggregate(shifted, prev))
    for program in (issue_4, issue_24, issue_25):
        for max_seq_len in LENGTHS:
            report = raspir.verify(
                program, {1, 2, 3}, max_seq_len, samples=60, check_model=True
            )
            assert report.exact, report
