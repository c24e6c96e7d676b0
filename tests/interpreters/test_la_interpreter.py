"""The la interpreter runs the dense model in float32 as the craft interpreter does.

Every lib program is lowered to craft and on to la; on random inputs both
interpreters give the same output and the same residual stream after every
sub-layer, once each craft direction is found at its la column. PAD may end an
input (its positions decode as PAD and change nothing elsewhere); every other
malformed input is refused with an InvalidInputError naming the token and its
position.
"""

from __future__ import annotations

import functools
import random

import numpy as np
import pytest

from raspir import rasp
from raspir.dialects import craft, la
from raspir.dialects.values import value_key
from raspir.errors import InvalidInputError
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.interpreters.craft import CraftMachine
from raspir.interpreters.la import LaRun, encode, run_model
from raspir.pipeline import O0, stages
from raspir.testing.library import LIB_PROGRAMS

RELATIVE = 1e-5
"""Two residual states agree within RELATIVE times the magnitudes that went into
them (see ``tolerances``): float32 rounding, nothing more."""

# Helpers.


class Lowered:
    """A lib program compiled to craft and to la by the default pipeline."""

    def __init__(self, name: str, max_seq_len: int, causal: bool = False):
        entry = LIB_PROGRAMS[name]
        self.entry = entry
        self.max_seq_len = max_seq_len
        module = to_rasp_ir(
            entry.build(max_seq_len),
            entry.vocab(max_seq_len),
            max_seq_len,
            causal=causal,
        )
        levels = dict(stages(module, O0))  # craft lowered as it is
        self.craft = levels["convert-sa-to-craft"].body.block.first_op
        self.la = levels["convert-craft-to-la"].body.block.first_op
        assert isinstance(self.craft, craft.ModelOp)
        assert isinstance(self.la, la.ModelOp)
        self.machine = CraftMachine(self.craft)

    @property
    def numerical(self) -> bool:
        return self.la.output.is_numerical

    def inputs(self, seed: str, count: int) -> list[list]:
        rng = random.Random(seed)
        return [self.entry.random_input(rng, self.max_seq_len) for _ in range(count)]


@functools.cache
def lowered(name: str, max_seq_len: int, causal: bool = False) -> Lowered:
    return Lowered(name, max_seq_len, causal)


def assert_same_outputs(model: Lowered, actual: list, expected: list, xs) -> None:
    assert len(actual) == len(expected), xs
    if model.numerical:
        for a, e in zip(actual, expected, strict=True):
            assert abs(a - e) <= RELATIVE * max(1.0, abs(e)), (xs, actual, expected)
    else:
        assert [value_key(a) for a in actual] == [value_key(e) for e in expected], (
            xs,
            actual,
            expected,
        )


def largest(array: np.ndarray) -> float:
    return float(np.abs(array).max(initial=0.0))


def tolerances(model: la.ModelOp, run: LaRun) -> list[float]:
    """The rounding allowed in each residual state of ``run``.

    The two interpreters add the same terms in different orders (craft block
    by block, la a layer's blocks at once, and a head's query·keyᵀ split in
    two), so they may differ by a few float32 steps of the largest term a
    sub-layer sums: a hidden unit times its output weight, a value times its
    output weight. Differences carry over to later states, so allowances add up.
    """
    allowed = [RELATIVE * max(1.0, largest(run.residuals[0]))]
    for op, x in zip(model.sublayers, run.residuals, strict=False):
        refs = {role: model.array(s) for role, s in op.weight_refs().items()}
        term = 0.0
        if isinstance(op, la.MLPOp) and refs:
            hidden = np.maximum(x @ refs["fst"], 0)
            term = largest(hidden) * largest(refs["snd"])
        elif isinstance(op, la.AttentionOp) and refs:
            term = largest(x @ refs["value"]) * largest(refs["output"])
        allowed.append(allowed[-1] + RELATIVE * max(1.0, largest(x), term))
    return allowed


def assert_close(actual: np.ndarray, expected: np.ndarray, allowed: float, what):
    assert actual.shape == expected.shape, what
    error = largest(actual - expected)
    assert error <= allowed, (what, error, allowed)


def la_columns(model: Lowered, directions: list[craft.Direction]) -> list[int]:
    """The la column of each craft direction, in the craft machine's order
    (directions that share a coordinate share its column)."""
    index = {
        craft.direction_key(d): i
        for i, coordinate in enumerate(model.la.residual)
        for d in coordinate
    }
    return [index[craft.direction_key(d)] for d in directions]


def check_agreement(model: Lowered, xs) -> LaRun:
    craft_run = model.machine.run(xs)
    la_run = run_model(model.la, xs)
    assert_same_outputs(model, la_run.output, craft_run.output, xs)
    assert (
        len(la_run.residuals)
        == len(craft_run.residuals)
        == 1 + 2 * len(model.craft.layers)
    )
    columns = la_columns(model, craft_run.directions)
    for stage, la_state, craft_state, allowed in zip(
        craft_run.stages,
        la_run.residuals,
        craft_run.residuals,
        tolerances(model.la, la_run),
        strict=True,
    ):
        assert la_state.dtype == np.float32
        assert la_state.shape == (len(xs) + 1, len(model.la.residual))
        assert_close(la_state[:, columns], craft_state, allowed, (xs, stage))
    return la_run


# == Every lib program: la agrees with craft, output and residual stream ==


@pytest.mark.parametrize("max_seq_len", [5, 8])
@pytest.mark.parametrize("name", list(LIB_PROGRAMS))
def test_la_agrees_with_craft(name, max_seq_len):
    model = lowered(name, max_seq_len)
    for xs in model.inputs(f"la/{name}/{max_seq_len}", 12):
        check_agreement(model, xs)


@pytest.mark.parametrize("name", ["reverse", "hist", "sort", "frac_prevs"])
def test_causal_la_agrees_with_causal_craft(name):
    model = lowered(name, 5, causal=True)
    assert model.la.is_causal and model.craft.is_causal
    for xs in model.inputs(f"causal/{name}", 12):
        check_agreement(model, xs)


@pytest.mark.parametrize("name", list(LIB_PROGRAMS))
def test_residual_basis_is_the_craft_directions(name):
    # Every direction the craft model uses has exactly one la column, and the
    # la model has no other column.
    model = lowered(name, 5)
    la_keys = [craft.direction_key(d) for c in model.la.residual for d in c]
    craft_keys = [craft.direction_key(d) for d in model.machine.directions]
    assert len(set(la_keys)) == len(la_keys)
    assert sorted(map(repr, la_keys)) == sorted(map(repr, craft_keys))
    bos = craft.direction_key(("tokens", (model.la.bos.data,)))
    assert model.la.residual[0] == (("tokens", (model.la.bos.data,)),)
    assert la_keys[0] == bos


def test_agreement_on_the_empty_input():
    model = lowered("sort", 5)
    run = check_agreement(model, [])
    assert run.output == []
    assert all(state.shape == (1, len(model.la.residual)) for state in run.residuals)


def test_a_known_output():
    model = lowered("sort", 5)
    assert run_model(model.la, [3, 1, 2]).output == [1, 2, 3]
    assert run_model(model.la, [3, 1, 2]).output == rasp.evaluate(
        model.entry.build(5), [3, 1, 2]
    )


# == PAD ==


@pytest.mark.parametrize("name", ["reverse", "hist", "sort", "frac_prevs", "count"])
def test_trailing_pad_changes_nothing_at_the_real_positions(name):
    model = lowered(name, 6)
    pad = model.la.pad.data
    for xs in model.inputs(f"pad/{name}", 12):
        if len(xs) == model.max_seq_len:
            xs = xs[:-1]
        plain = run_model(model.la, xs)
        for extra in range(1, model.max_seq_len - len(xs) + 1):
            padded = run_model(model.la, [*xs, *[pad] * extra])
            assert padded.output[len(xs) :] == [pad] * extra
            assert_same_outputs(model, padded.output[: len(xs)], plain.output, xs)
            for state, reference, allowed in zip(
                padded.residuals,
                plain.residuals,
                tolerances(model.la, plain),
                strict=True,
            ):
                assert_close(state[: len(xs) + 1], reference, allowed, (xs, extra))


@pytest.mark.parametrize("name", ["hist", "frac_prevs"])
def test_trailing_pad_in_a_causal_model(name):
    model = lowered(name, 5, causal=True)
    pad = model.la.pad.data
    xs = model.entry.random_input(random.Random(name), 3)
    plain = run_model(model.la, xs)
    padded = run_model(model.la, [*xs, pad, pad])
    assert padded.output[len(xs) :] == [pad, pad]
    assert_same_outputs(model, padded.output[: len(xs)], plain.output, xs)


def test_only_pad():
    model = lowered("hist", 5)
    pad = model.la.pad.data
    assert run_model(model.la, [pad, pad]).output == [pad, pad]


def test_encode_gives_token_ids_after_bos():
    model = lowered("hist", 5)
    tokens = list(model.la.embed.tokens.data)
    bos, pad = model.la.bos.data, model.la.pad.data
    ids = encode(model.la, ["a", "b", pad])
    assert ids.dtype == np.int32
    assert ids.tolist() == [
        tokens.index(bos),
        tokens.index("a"),
        tokens.index("b"),
        tokens.index(pad),
    ]


# == Refused inputs ==


def test_a_real_token_after_pad_is_refused():
    model = lowered("hist", 5)
    pad = model.la.pad.data
    with pytest.raises(InvalidInputError, match='token "a" at position 2 follows PAD'):
        run_model(model.la, ["b", pad, "a"])
    with pytest.raises(InvalidInputError, match='token "c" at position 3 follows PAD'):
        run_model(model.la, ["b", pad, pad, "c"])


def test_an_unknown_token_is_refused():
    model = lowered("hist", 5)
    with pytest.raises(InvalidInputError, match='token "z" at position 1 is not in'):
        run_model(model.la, ["a", "z"])
    # Type-exact: the vocab of sort holds ints, so 1.0 and True are unknown.
    numbers = lowered("sort", 5)
    with pytest.raises(InvalidInputError, match="token 1.0 at position 0 is not in"):
        run_model(numbers.la, [1.0])
    with pytest.raises(InvalidInputError, match="token true at position 2 is not in"):
        run_model(numbers.la, [1, 2, True])


def test_bos_inside_the_input_is_refused():
    model = lowered("hist", 5)
    bos = model.la.bos.data
    with pytest.raises(InvalidInputError, match=f'token "{bos}" at position 0 is not'):
        run_model(model.la, [bos, "a"])
    with pytest.raises(InvalidInputError, match=f'token "{bos}" at position 1 is not'):
        run_model(model.la, ["a", bos])


def test_a_too_long_input_is_refused():
    model = lowered("hist", 5)
    with pytest.raises(
        InvalidInputError, match="input has 6 tokens, more than max_seq_len 5"
    ):
        run_model(model.la, ["a"] * 6)
    # PAD counts towards the length.
    with pytest.raises(InvalidInputError, match="input has 6 tokens"):
        run_model(model.la, ["a"] * 5 + [model.la.pad.data])


def test_input_errors_are_value_errors():
    model = lowered("hist", 5)
    with pytest.raises(ValueError):
        run_model(model.la, ["z"])
