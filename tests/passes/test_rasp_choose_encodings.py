"""rasp-choose-encodings on the lib programs: exact, and never wider than without it.

Every lib program at max_seq_len 5, 10 and 20 is compiled with -O2 and with -O2
minus ``rasp-choose-encodings``: the numerical encodings the pass picks (an
s-op and its square instead of one direction per value) must not widen the
residual stream, and the -O2 model must be exact.
"""

from __future__ import annotations

import functools
import warnings

import pytest

import raspir
from raspir.pipeline import O2
from raspir.testing.library import LIB_PROGRAMS

PASS = "rasp-choose-encodings"
SIZES = (5, 10, 20)
WITHOUT = [p for p in O2 if p != PASS]

assert PASS in O2


@functools.cache
def compiled(name: str, n: int, choose: bool):
    entry = LIB_PROGRAMS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nary_sequencemap's SequenceMap advice
        return raspir.compile_rasp_to_model(
            entry.build(n), entry.vocab(n), n, pipeline=list(O2) if choose else WITHOUT
        )


def labels(name: str, n: int) -> set[str]:
    """The -O2 model's residual directions (a shared coordinate ``a|b`` is
    both ``a`` and ``b``)."""
    return {
        part
        for label in compiled(name, n, True).residual_labels
        for part in label.split("|")
    }


def cases():
    for n in SIZES:
        for name in LIB_PROGRAMS:
            yield pytest.param(name, n, id=f"{name}-{n}")


@pytest.mark.parametrize(("name", "n"), list(cases()))
def test_not_wider(name: str, n: int):
    # detect_pattern at 5 is the case to watch: rewriting its two shifts as
    # equalities would take indices, indices^2 and two keys with their squares
    # (6 directions) for 5 one-hot indices, so the pass leaves them alone.
    width = len(compiled(name, n, True).residual_labels)
    without = len(compiled(name, n, False).residual_labels)
    assert width <= without


@pytest.mark.parametrize(("name", "n"), list(cases()))
def test_exact(name: str, n: int):
    entry = LIB_PROGRAMS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = raspir.verify(entry.build(n), entry.vocab(n), n, samples=30)
    assert report.exact, str(report)
    assert PASS in report.stages


def test_shift_by_compares_numerical_indices():
    """shift_by's relation {(i, i + 2)} of the indices becomes `eq` against a
    numerical position map: the indices are a number and its square, no
    one-hot direction is left."""
    found = labels("shift_by", 10)
    assert {"indices", "indices^2"} <= found
    assert "indices:0" not in found
    assert not any(label.startswith("indices:") for label in found)
    assert {"select_shift_2.key", "select_shift_2.key^2"} <= found


def test_sort_unique_target_pos_is_numerical():
    """sort_unique's target_pos (a selector width compared with the indices by
    `eq`) is a count written as a number with its square."""
    found = labels("sort_unique", 10)
    assert {"target_pos", "target_pos^2"} <= found
    assert not any(label.startswith("target_pos:") for label in found)


def test_choosing_saves_width_somewhere():
    """The pass is not a no-op on the library: at max_seq_len 20 the indices
    alone are 20 one-hot directions, and shift_by drops to a constant width."""
    assert len(compiled("shift_by", 20, True).residual_labels) < len(
        compiled("shift_by", 20, False).residual_labels
    )
