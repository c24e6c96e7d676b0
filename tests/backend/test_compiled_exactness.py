"""Every lib program, compiled to JAX, agrees with the evaluator.

At max_seq_len 5, 10, 20 and 32 (where Tracr's defaults already fail at 10
and 20), each compiled model runs 200 random accepted inputs in one padded
batch and must decode exactly what the RASP evaluator returns; numerical
outputs within the certified tolerance.
"""

from __future__ import annotations

import math
import random

import pytest

from raspir import compile_rasp_to_model, rasp
from raspir.dialects.values import value_key
from raspir.testing.library import LIB_PROGRAMS

SAMPLES = 200
TOLERANCE = 1e-4
"""Numerical outputs: within TOLERANCE x max(1, largest expected magnitude)."""


def accepted_inputs(
    name: str, max_seq_len: int, program, count: int, seed: int | str = 0
):
    """``count`` random inputs the evaluator accepts, with their expected outputs."""
    entry, rng = LIB_PROGRAMS[name], random.Random(seed)
    cases = []
    for _ in range(50 * count):
        xs = entry.random_input(rng, max_seq_len)
        try:
            cases.append((xs, list(rasp.evaluate(program, xs))))
        except Exception:  # noqa: BLE001 - the evaluator rejects this input
            continue
        if len(cases) == count:
            break
    return cases


def assert_exact(actual: list, expected: list, xs, allowed: float) -> None:
    assert len(actual) == len(expected), xs
    for a, e in zip(actual, expected, strict=True):
        if value_key(a) == value_key(e):
            continue
        numbers = isinstance(a, float) and isinstance(e, int | float)
        assert numbers and math.isfinite(e) and abs(a - e) <= allowed, (
            xs,
            actual,
            expected,
        )


@pytest.mark.parametrize("max_seq_len", [5, 10, 20, 32])
@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_lib_program_is_exact(name: str, max_seq_len: int) -> None:
    entry = LIB_PROGRAMS[name]
    program = entry.build(max_seq_len)
    model = compile_rasp_to_model(
        program, entry.vocab(max_seq_len), max_seq_len, compiler_bos="BOS"
    )
    cases = accepted_inputs(name, max_seq_len, program, SAMPLES)
    assert len(cases) == SAMPLES
    decoded = model.apply_batch([["BOS", *xs] for xs, _ in cases])
    magnitudes = [abs(e) for _, out in cases for e in out if isinstance(e, int | float)]
    allowed = TOLERANCE * max([1.0, *magnitudes])
    for (xs, expected), out in zip(cases, decoded, strict=True):
        assert out[0] == "BOS"
        assert_exact(out[1:], expected, xs, allowed)
