"""Import of RASP programs as rasp dialect IR: value sets, tables, predicates, errors."""

from __future__ import annotations

import io
import itertools
import math
import os
import random
import re
import subprocess
import sys
import textwrap
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.parser import Parser
from xdsl.printer import Printer

import raspir
import raspir.frontend.rasp_import as rasp_import
from raspir import lib, rasp
from raspir.dialects import rasp as ir
from raspir.dialects.values import value_key
from raspir.errors import InvalidArgumentError, UnsupportedProgramError
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.interpreters.rasp import (
    EvaluationError,
    find_program,
    run_program,
    run_values,
)
from raspir.testing.library import LIB_PROGRAMS

REPO_ROOT = Path(__file__).resolve().parents[2]


# Helpers.


def _context() -> Context:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(ir.Rasp)
    return ctx


def print_ir(module: ModuleOp) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    return stream.getvalue()


def parse_ir(text: str) -> ModuleOp:
    return Parser(_context(), text).parse_module()


def same_values(xs: list, ys: list) -> bool:
    """Equal lists of RASP values, told apart type-exactly (1, 1.0 and True differ)."""
    return [value_key(x) for x in xs] == [value_key(y) for y in ys]


def keyed(table: dict) -> dict:
    """A table's expected ``as_dict()``: outputs keyed by their input's value_key."""
    return {value_key(k): v for k, v in table.items()}


def body_ops(module: ModuleOp) -> list:
    return list(find_program(module).body.block.ops)


def sop_ops(module: ModuleOp) -> list[ir.SOpOp]:
    return [op for op in body_ops(module) if isinstance(op, ir.SOpOp)]


def op_labelled(module: ModuleOp, label: str):
    found = [op for op in body_ops(module) if op.properties.get("label") is not None]
    found = [op for op in found if op.label.data == label]
    assert len(found) == 1, f"expected one op labelled {label!r}, found {len(found)}"
    return found[0]


def output_op(module: ModuleOp) -> ir.SOpOp:
    return find_program(module).output.sop.owner


def evaluate_or_error(expr, xs, causal=False):
    try:
        return rasp.evaluate(expr, xs, causal=causal)
    except Exception as e:  # noqa: BLE001 - the evaluator may raise anything
        return e


def assert_round_trip(module: ModuleOp) -> str:
    text = print_ir(module)
    reparsed = parse_ir(text)
    reparsed.verify()
    assert print_ir(reparsed) == text
    return text


# Every lib program: round trip, verification and agreement with the evaluator.


LIB_SETTINGS = [(8, False), (5, False), (5, True)]


@pytest.mark.parametrize(
    "max_seq_len,causal", LIB_SETTINGS, ids=["n8", "n5", "n5-causal"]
)
@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_lib_program_imports_round_trips_and_matches_evaluator(
    name, max_seq_len, causal
):
    entry = LIB_PROGRAMS[name]
    program = entry.build(max_seq_len)
    module = to_rasp_ir(program, entry.vocab(max_seq_len), max_seq_len, causal=causal)
    module.verify()

    text = print_ir(module)
    reparsed = parse_ir(text)
    reparsed.verify()
    assert print_ir(reparsed) == text
    header = text.splitlines()[1]
    assert header.startswith("  rasp.program vocab {")
    assert f" max_seq_len {max_seq_len} " in header
    assert (" causal " in header) == causal

    prog_op = find_program(module)
    rng = random.Random(f"{name}-{max_seq_len}-{causal}")
    for _ in range(100):
        xs = entry.random_input(rng, max_seq_len)
        expected = rasp.evaluate(program, xs, causal=causal)
        assert same_values(run_program(module, xs), expected), xs
        # The reparsed module computes the same thing as the imported one.
        assert same_values(run_program(reparsed, xs), expected), xs
        # Every intermediate value lies in its s-op's inferred value set, type and all.
        values = run_values(prog_op, xs)
        for op in sop_ops(module):
            allowed = {value_key(v) for v in op.values.data}
            for v in values[op.result]:
                assert value_key(v) in allowed, (op.label.data, v, xs)


def test_lib_programs_accept_the_empty_input():
    for name, entry in LIB_PROGRAMS.items():
        module = to_rasp_ir(entry.build(4), entry.vocab(4), 4)
        assert run_program(module, []) == [], name


# Value-set inference.


def test_primitive_value_sets():
    vocab = ["c", "a", "b", "a"]
    pair = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices)
    prog = rasp.SequenceMap(lambda p, n: (p, n), pair, rasp.length)
    module = to_rasp_ir(prog, vocab, 4)
    assert op_labelled(module, "tokens").values.data == ("a", "b", "c")
    assert op_labelled(module, "indices").values.data == (0, 1, 2, 3)
    assert op_labelled(module, "length").values.data == (1, 2, 3, 4)
    assert find_program(module).vocab.data == ("a", "b", "c")
    assert isinstance(op_labelled(module, "tokens"), ir.TokensOp)
    assert isinstance(op_labelled(module, "indices"), ir.IndicesOp)
    assert isinstance(op_labelled(module, "length"), ir.LengthOp)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_selector_width_values_are_zero_to_max_seq_len(n):
    prog = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ))
    module = to_rasp_ir(prog, ["a", "b"], n)
    op = output_op(module)
    assert isinstance(op, ir.SelectorWidthOp)
    assert op.values.data == tuple(range(n + 1))


def test_map_is_tabulated_over_its_input_value_set():
    calls = []

    def f(x):
        calls.append(x)
        return x * x - 1

    module = to_rasp_ir(rasp.Map(f, rasp.indices).named("sq"), ["a"], 4)
    op = output_op(module)
    assert isinstance(op, ir.MapOp)
    assert op.table.data == ((0, -1), (1, 0), (2, 3), (3, 8))
    assert op.values.data == (-1, 0, 3, 8)
    assert sorted(calls) == [0, 1, 2, 3]
    assert '%sq = rasp.map "sq" %indices {0 -> -1, 1 -> 0, 2 -> 3, 3 -> 8}' in print_ir(
        module
    )


def test_sequence_map_is_tabulated_over_pairs():
    prog = rasp.SequenceMap(lambda t, i: f"{t}{i}", rasp.tokens, rasp.indices)
    module = to_rasp_ir(prog, ["b", "a"], 2)
    op = output_op(module)
    assert isinstance(op, ir.SequenceMapOp)
    assert op.table.data == (
        (("a", 0), "a0"),
        (("a", 1), "a1"),
        (("b", 0), "b0"),
        (("b", 1), "b1"),
    )
    assert op.values.data == ("a0", "a1", "b0", "b1")


def test_map_output_value_set_is_deduplicated_and_sorted():
    module = to_rasp_ir(rasp.Map(lambda i: i % 2 == 0, rasp.indices), ["a"], 5)
    op = output_op(module)
    assert op.values.data == (False, True)
    assert op.table.as_dict() == keyed({0: True, 1: False, 2: True, 3: False, 4: True})


def test_none_passes_through_map_and_sequence_map_tables():
    def upper(x):
        if x is None:
            raise AssertionError("the map function must never see None")
        return x.upper()

    def join(x, y):
        if x is None or y is None:
            raise AssertionError("the sequence map function must never see None")
        return f"{x}{y}"

    shifted = lib.shift_by(1, rasp.tokens)
    upper_map = rasp.Map(upper, shifted).named("upper")
    joined = rasp.SequenceMap(join, upper_map, rasp.indices).named("joined")
    module = to_rasp_ir(joined, ["a", "b"], 2)

    assert op_labelled(module, "shift_by(1)").values.data == (None, "a", "b")
    up = op_labelled(module, "upper")
    assert up.table.data == ((None, None), ("a", "A"), ("b", "B"))
    assert up.values.data == (None, "A", "B")
    jo = op_labelled(module, "joined")
    assert jo.table.as_dict() == keyed(
        {
            (None, 0): None,
            (None, 1): None,
            ("A", 0): "A0",
            ("A", 1): "A1",
            ("B", 0): "B0",
            ("B", 1): "B1",
        }
    )
    assert jo.values.data == (None, "A0", "A1", "B0", "B1")
    assert '{none -> none, "a" -> "A", "b" -> "B"}' in print_ir(module)
    for xs in (["a"], ["a", "b"], ["b", "b"]):
        assert run_program(module, xs) == joined(xs)


@pytest.mark.parametrize("default", [None, "z", 0])
def test_categorical_aggregate_values_are_inputs_and_default(default):
    select = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 1)
    prog = rasp.Aggregate(select, rasp.tokens, default=default)
    module = to_rasp_ir(prog, ["b", "a"], 3)
    op = output_op(module)
    assert isinstance(op, ir.AggregateOp)
    assert op.encoding == ir.CATEGORICAL
    assert set(op.values.data) == {"a", "b", default}
    assert len(op.values.data) == 3
    assert op.default.data == default


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_numerical_aggregate_of_binary_sop_contains_every_fraction(n):
    prog = lib.make_frac_prevs(rasp.tokens == "a")
    module = to_rasp_ir(prog, ["a", "b"], n)
    op = output_op(module)
    assert op.encoding == ir.NUMERICAL
    values = {value_key(v) for v in op.values.data}
    # One selected value comes out as itself (False or True); two or more are
    # averaged to k/w; nothing selected gives the default 0.
    for w in range(2, n + 1):
        for k in range(w + 1):
            assert value_key(k / w) in values, f"{k}/{w} missing at max_seq_len {n}"
    expected = [False, True, 0] + [k / w for w in range(2, n + 1) for k in range(w + 1)]
    # Nothing else, told apart type-exactly: at n = 1 there is no float at all.
    assert values == {value_key(v) for v in expected}
    assert (value_key(1.0) in values) == (n > 1)


def test_numerical_aggregate_contains_two_thirds_at_three():
    prog = lib.make_frac_prevs(rasp.tokens == "a")
    module = to_rasp_ir(prog, ["a", "b"], 3)
    # The default 0, the single selections False and True, and the means 0.0,
    # 1/3, 0.5, 2/3, 1.0 of two or three of them: all distinct values.
    values = output_op(module).values.data
    assert values == (0, 0.0, False, 1 / 3, 0.5, 2 / 3, 1.0, True)
    assert [type(v) for v in values] == [int, float, bool, *[float] * 4, bool]
    out = run_program(module, ["a", "a", "b"])
    assert out == [True, 1.0, 2 / 3]
    assert [type(v) for v in out] == [bool, float, float]


def _all_means(values, max_seq_len):
    """The value_keys of every aggregate result: one selected value as itself,
    the exact mean of two or more as a float."""
    means = {value_key(v) for v in values}
    for width in range(2, max_seq_len + 1):
        for combo in itertools.combinations_with_replacement(values, width):
            means.add(value_key(float(Fraction(sum(combo), width))))
    return means


def test_numerical_mean_of_non_binary_values():
    table = {"a": 0, "b": 1, "c": 3}
    values = rasp.numerical(rasp.Map(lambda t: table[t], rasp.tokens)).named("vals")
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    prog = rasp.numerical(rasp.Aggregate(prevs, values, default=0)).named("mean")
    module = to_rasp_ir(prog, ["a", "b", "c"], 3)
    op = output_op(module)
    keys = {value_key(v) for v in op.values.data}
    assert keys == _all_means([0, 1, 3], 3)
    assert len(keys) == len(op.values.data)
    assert value_key(4 / 3) in keys and value_key(7 / 3) in keys
    # 3 alone stays the int 3; 3 averaged with itself is the float 3.0.
    assert value_key(3) in keys and value_key(3.0) in keys
    out = run_program(module, ["a", "b", "c"])
    assert out == [0, 0.5, 4 / 3] and type(out[0]) is int
    for xs in itertools.product("abc", repeat=3):
        out = prog(list(xs))
        assert {value_key(v) for v in out} <= keys
        assert same_values(run_program(module, list(xs)), out)


def test_numerical_mean_of_floats_is_in_the_value_set():
    """The evaluator sums floats left to right; the value set must hold its results."""
    table = {"a": 0.1, "b": 0.2, "c": 0.7}
    values = rasp.numerical(rasp.Map(lambda t: table[t], rasp.tokens)).named("vals")
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    mean = rasp.numerical(rasp.Aggregate(prevs, values, default=0)).named("mean")
    module = to_rasp_ir(mean, ["a", "b", "c"], 4)
    allowed = set(output_op(module).values.data)
    missing = set()
    for n in range(1, 5):
        for xs in itertools.product("abc", repeat=n):
            missing |= {v for v in mean(list(xs)) if v not in allowed}
    assert not missing, sorted(missing)


def test_map_of_float_mean_agrees_with_the_evaluator():
    """A Map reading a float mean sees the evaluator's floats, so its table must too."""
    table = {"a": 0.1, "b": 0.2}
    values = rasp.numerical(rasp.Map(lambda t: table[t], rasp.tokens)).named("vals")
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    mean = rasp.numerical(rasp.Aggregate(prevs, values, default=0)).named("mean")
    prog = rasp.Map(lambda x: x > 0.1, mean).named("above")
    module = to_rasp_ir(prog, ["a", "b"], 3)
    for xs in (["a", "a", "a"], ["a", "b"], ["b", "b", "b"]):
        assert run_program(module, xs) == prog(xs), xs


def test_full_and_constant_sop_values():
    full = rasp.Full("x").named("fill")
    const = rasp.ConstantSOp([3, 1, 3]).named("const")
    prog = rasp.SequenceMap(lambda a, b: (a, b), full, const)
    module = to_rasp_ir(prog, ["a"], 3)
    f = op_labelled(module, "fill")
    assert isinstance(f, ir.FullOp)
    assert f.values.data == ("x",) and f.fill.data == "x"
    c = op_labelled(module, "const")
    assert isinstance(c, ir.ConstantOp)
    assert c.values.data == (1, 3)
    assert c.sequence.data == (3, 1, 3)
    assert bool(c.check_length.value.data) is True
    assert output_op(module).values.data == (("x", 1), ("x", 3))
    assert run_program(module, ["a", "a", "a"]) == [("x", 3), ("x", 1), ("x", 3)]


def test_unchecked_constant_sop_keeps_the_flag():
    prog = rasp.ConstantSOp([1, 2], check_length=False).named("c")
    module = to_rasp_ir(prog, ["a"], 3)
    op = output_op(module)
    assert bool(op.check_length.value.data) is False
    assert '%c = rasp.constant "c" [1, 2] unchecked' in assert_round_trip(module)


def test_linear_sequence_map_values_and_factors():
    prog = rasp.LinearSequenceMap(rasp.indices, rasp.length, 2, -1).named("lin")
    module = to_rasp_ir(prog, ["a"], 3)
    op = output_op(module)
    assert isinstance(op, ir.LinearSequenceMapOp)
    assert op.values.data == tuple(
        sorted({2 * i - n for i in range(3) for n in range(1, 4)})
    )
    assert (op.fst_factor.data, op.snd_factor.data) == (2, -1)
    assert "factors 2, -1" in assert_round_trip(module)
    for xs in (["a"], ["a", "a"], ["a", "a", "a"]):
        assert run_program(module, xs) == prog(xs)


def test_linear_sequence_map_with_float_factors():
    prog = rasp.numerical(
        rasp.LinearSequenceMap(
            rasp.numerical(rasp.Map(lambda t: 1, rasp.tokens)), rasp.indices, 0.5, 1.5
        )
    )
    module = to_rasp_ir(prog, ["a"], 2)
    op = output_op(module)
    assert set(op.values.data) == {0.5, 2.0}
    assert run_program(module, ["a", "a"]) == prog(["a", "a"]) == [0.5, 2.0]


# Soundness of value sets on random programs.


_COMPARISONS = list(rasp.Comparison)


def _table_function(table: dict, default):
    return lambda x: table.get(x, default)


@st.composite
def random_programs(draw):
    """A small random program over int tokens, with every s-op named uniquely.

    Returns (program, vocab, max_seq_len, causal, named s-ops by name).
    """
    vocab = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4, unique=True))
    max_seq_len = draw(st.integers(1, 4))
    causal = draw(st.booleans())
    # (expr, may_be_none) for categorical int-valued s-ops
    ints: list[tuple[rasp.SOp, bool]] = [
        (rasp.tokens, False),
        (rasp.indices, False),
        (rasp.length, False),
    ]
    others: list[rasp.SOp] = []  # strings and numerical means
    selectors: list[rasp.Selector] = []
    named: dict[str, rasp.SOp] = {}
    small = st.integers(-2, 4)

    def add_int(expr, may_be_none):
        expr = expr.named(f"s{len(named)}")
        named[expr.name] = expr
        ints.append((expr, may_be_none))
        return expr

    def add_other(expr):
        expr = expr.named(f"s{len(named)}")
        named[expr.name] = expr
        others.append(expr)
        return expr

    def new_select():
        keys, _ = draw(st.sampled_from(ints))
        queries, _ = draw(st.sampled_from(ints))
        if draw(st.booleans()):
            predicate = draw(st.sampled_from(_COMPARISONS))
        else:
            pairs = draw(st.sets(st.tuples(small, small), max_size=8))
            predicate = lambda k, q, pairs=frozenset(pairs): (k, q) in pairs  # noqa: E731
        sel = rasp.Select(keys, queries, predicate).named(f"sel{len(selectors)}")
        selectors.append(sel)
        return sel

    def selector():
        if not selectors or draw(st.booleans()):
            return new_select()
        return draw(st.sampled_from(selectors))

    for _ in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(
                [
                    "map",
                    "sequence_map",
                    "width",
                    "aggregate",
                    "mean",
                    "combine",
                    "float_map",
                ]
            )
        )
        if kind == "map":
            inner, none = draw(st.sampled_from(ints))
            table = draw(
                st.dictionaries(small, st.one_of(st.none(), small), max_size=5)
            )
            default = draw(st.one_of(st.none(), small))
            f = _table_function(table, default)
            simplify = draw(st.booleans())
            add_int(rasp.Map(f, inner, simplify=simplify), True)
        elif kind == "sequence_map":
            (fst, n1), (snd, n2) = (
                draw(st.sampled_from(ints)),
                draw(st.sampled_from(ints)),
            )
            op = draw(st.sampled_from(["add", "sub", "max", "table"]))
            if op == "add":
                f = lambda x, y: x + y  # noqa: E731
            elif op == "sub":
                f = lambda x, y: x - y  # noqa: E731
            elif op == "max":
                f = max
            else:
                table = draw(
                    st.dictionaries(st.tuples(small, small), small, max_size=6)
                )
                f = lambda x, y, t=table: t.get((x, y), 0)  # noqa: E731
            add_int(rasp.SequenceMap(f, fst, snd), n1 or n2)
        elif kind == "width":
            add_int(rasp.SelectorWidth(selector()), False)
        elif kind == "aggregate":
            # Categorical aggregates of strings: selecting several is an error.
            inner, _ = draw(st.sampled_from(ints))
            strings = add_other(rasp.Map(lambda x: f"v{x}", inner))
            default = draw(st.sampled_from([None, "d"]))
            agg = add_other(rasp.Aggregate(selector(), strings, default=default))
            # Back to ints so later ops can read it.
            add_int(rasp.Map(lambda s: None if s is None else len(s), agg), True)
        elif kind == "mean":
            candidates = [e for e, none in ints if not none]
            inner = draw(st.sampled_from(candidates))
            factor, modulus = draw(st.integers(1, 3)), draw(st.integers(2, 4))
            numbers = rasp.numerical(
                rasp.Map(lambda x, k=factor, m=modulus: (k * x) % m, inner)
            )
            numbers = add_other(numbers)
            mean = rasp.numerical(rasp.Aggregate(selector(), numbers, default=0))
            add_other(mean)
        elif kind == "combine":
            a, b = selector(), selector()
            combo = draw(st.sampled_from(["and", "or", "not"]))
            if combo == "and":
                sel = rasp.SelectorAnd(a, b)
            elif combo == "or":
                sel = rasp.SelectorOr(a, b)
            else:
                sel = rasp.SelectorNot(a)
            selectors.append(sel.named(f"sel{len(selectors)}"))
            add_int(rasp.SelectorWidth(selectors[-1]), False)
        else:  # a categorical map of a numerical mean
            means = [e for e in others if rasp.is_numerical(e)]
            if means:
                mean = draw(st.sampled_from(means))
                add_int(rasp.Map(lambda x: int(x * 6), mean), False)

    program = draw(st.sampled_from(list(named.values()) or [rasp.tokens]))
    return program, vocab, max_seq_len, causal, named


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(random_programs(), st.randoms(use_true_random=False))
def test_value_sets_are_sound_on_random_programs(case, rnd):
    program, vocab, max_seq_len, causal, named = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = to_rasp_ir(program, vocab, max_seq_len, causal=causal)
    assert_round_trip(module)
    prog_op = find_program(module)
    ops = {op.label.data: op for op in sop_ops(module)}

    inputs = [[]] + [
        [rnd.choice(vocab) for _ in range(rnd.randint(1, max_seq_len))]
        for _ in range(6)
    ]
    for xs in inputs:
        # Every value the evaluator produces for an s-op is in that s-op's value set.
        for name, expr in named.items():
            if name not in ops:
                continue  # fused away into a later Map
            out = evaluate_or_error(expr, xs, causal)
            if isinstance(out, Exception):
                continue
            allowed = {value_key(v) for v in ops[name].values.data}
            for v in out:
                assert value_key(v) in allowed, (name, v, xs, ops[name].values.data)

        # The interpreter fails exactly where the evaluator fails, else agrees.
        expected = evaluate_or_error(program, xs, causal)
        if isinstance(expected, Exception):
            with pytest.raises(EvaluationError):
                run_program(module, xs)
            continue
        assert same_values(run_program(module, xs), expected)
        values = run_values(prog_op, xs)
        for name, expr in named.items():
            if name in ops:
                assert same_values(
                    values[ops[name].result], rasp.evaluate(expr, xs, causal=causal)
                )


# Selectors.


@pytest.mark.parametrize("comparison", list(rasp.Comparison), ids=lambda c: c.name)
def test_comparisons_stay_symbolic(comparison):
    prog = rasp.SelectorWidth(
        rasp.Select(rasp.indices, rasp.length, comparison).named("sel")
    )
    module = to_rasp_ir(prog, ["a"], 4)
    select = op_labelled(module, "sel")
    assert isinstance(select, ir.SelectOp)
    assert isinstance(select.predicate, ir.ComparisonAttr)
    assert select.predicate.data == comparison.name.lower()
    text = assert_round_trip(module)
    assert (
        f'%sel = rasp.select "sel" %indices, %length {comparison.name.lower()}\n'
        in text
    )
    for xs in (["a"], ["a"] * 3, ["a"] * 4):
        assert run_program(module, xs) == prog(xs)


def test_lt_comparison_prints_as_lt():
    prog = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT))
    text = print_ir(to_rasp_ir(prog, [1, 2, 3], 3))
    assert "%tokens, %tokens lt\n" in text


def test_lambda_predicate_becomes_relation_of_exactly_the_true_pairs():
    selected = {(0, "a"), (2, "b"), (5, "a")}
    calls = []

    def predicate(key, query):
        calls.append((key, query))
        return (key, query) in selected

    # Keys are indices, queries tokens: swapping the arguments would select nothing.
    prog = rasp.SelectorWidth(
        rasp.Select(rasp.indices, rasp.tokens, predicate).named("rel")
    )
    module = to_rasp_ir(prog, ["b", "a"], 3)
    select = op_labelled(module, "rel")
    assert isinstance(select.predicate, ir.RelationAttr)
    assert select.predicate.data == ((0, "a"), (2, "b"))
    assert sorted(calls, key=str) == sorted(
        [(k, q) for k in range(3) for q in ("a", "b")], key=str
    )
    text = assert_round_trip(module)
    assert '%rel = rasp.select "rel" %indices, %tokens {(0, "a"), (2, "b")}' in text
    for xs in (["a"], ["a", "b", "b"], ["b", "a", "a"], ["a", "a", "b"]):
        assert run_program(module, xs) == prog(xs), xs


def test_predicate_is_called_as_key_then_query():
    prog = rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1), rasp.tokens
    )
    module = to_rasp_ir(prog, ["a", "b", "c"], 3)
    select = [op for op in body_ops(module) if isinstance(op, ir.SelectOp)][0]
    assert select.predicate.data == ((0, 1), (1, 2))
    assert (
        run_program(module, ["a", "b", "c"])
        == [None, "a", "b"]
        == prog(["a", "b", "c"])
    )


def test_predicate_results_are_truth_tested():
    prog = rasp.SelectorWidth(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: k * q)
    )
    module = to_rasp_ir(prog, ["a"], 3)
    select = [op for op in body_ops(module) if isinstance(op, ir.SelectOp)][0]
    assert select.predicate.data == ((1, 1), (1, 2), (2, 1), (2, 2))


def test_negated_select_becomes_a_relation_and_selector_not_stays_an_op():
    base = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    negated = rasp.SelectorWidth(~base)
    module = to_rasp_ir(negated, ["a"], 2)
    select = [op for op in body_ops(module) if isinstance(op, ir.SelectOp)][0]
    assert select.predicate.data == ((0, 0), (1, 0), (1, 1))

    kept = rasp.SelectorWidth(rasp.selector_not(base, simplify=False))
    module = to_rasp_ir(kept, ["a"], 2)
    kinds = [type(op) for op in body_ops(module)]
    assert ir.SelectNotOp in kinds
    # Query 0 keeps keys 0 and 1 (not 0 < 0, not 1 < 0); query 1 keeps key 1.
    assert run_program(module, ["a", "a"]) == kept(["a", "a"]) == [2, 1]


def test_selector_and_or_import_as_ops():
    lt = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    eq = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    both = rasp.SelectorWidth(rasp.SelectorAnd(lt, eq).named("both"))
    either = rasp.SelectorWidth(rasp.SelectorOr(lt, eq).named("either"))
    prog = rasp.SequenceMap(lambda a, b: (a, b), both, either)
    module = to_rasp_ir(prog, ["a", "b"], 3)
    assert isinstance(op_labelled(module, "both"), ir.SelectAndOp)
    assert isinstance(op_labelled(module, "either"), ir.SelectOrOp)
    for xs in (["a", "a", "b"], ["b", "a", "b"], ["a"]):
        assert run_program(module, xs) == prog(xs)


# User functions that raise.


def test_raising_map_gives_error_entries_warning_and_runtime_error():
    def f(x):
        if x == "b":
            raise ZeroDivisionError("boom")
        return 1

    prog = rasp.Map(f, rasp.tokens).named("risky")
    with pytest.warns(UserWarning) as record:
        module = to_rasp_ir(prog, ["a", "b"], 3)
    messages = [str(w.message) for w in record]
    assert len(messages) == 1
    assert messages[0].startswith(
        f"Map '{prog.label}': function raised ZeroDivisionError"
    )
    assert "(boom)" in messages[0] and '("b")' in messages[0]

    op = output_op(module)
    assert op.table.as_dict() == keyed({"a": 1, "b": ir.UNDEFINED})
    assert op.values.data == (1,)
    text = assert_round_trip(module)
    assert '{"a" -> 1, "b" -> error}' in text

    assert run_program(module, ["a", "a"]) == [1, 1]
    assert run_program(module, []) == []
    with pytest.raises(
        EvaluationError, match=r"^rasp\.map 'risky': the function raised on input \"b\""
    ):
        run_program(module, ["a", "b"])
    with pytest.raises(ZeroDivisionError):
        prog(["a", "b"])


def test_evaluation_error_message_is_one_line():
    def f(x):
        if x == "b":
            raise ZeroDivisionError("boom")
        return 1

    with pytest.warns(UserWarning):
        module = to_rasp_ir(rasp.Map(f, rasp.tokens).named("risky"), ["a", "b"], 3)
    with pytest.raises(EvaluationError) as info:
        run_program(module, ["b"])
    assert str(info.value) == "rasp.map 'risky': the function raised on input \"b\""


def test_raising_sequence_map_on_unreachable_pairs_never_fails_at_run_time():
    def f(i, n):
        if i >= n:
            raise IndexError("index past the end")
        return n - i

    prog = rasp.SequenceMap(f, rasp.indices, rasp.length).named("remaining")
    with pytest.warns(
        UserWarning, match=r"SequenceMap '.*': function raised IndexError"
    ):
        module = to_rasp_ir(prog, ["a"], 3)
    table = output_op(module).table.as_dict()
    assert table[value_key((0, 1))] == 1 and table[value_key((2, 3))] == 1
    assert table[value_key((1, 1))] is ir.UNDEFINED
    assert table[value_key((2, 1))] is ir.UNDEFINED
    for n in range(4):
        xs = ["a"] * n
        assert run_program(module, xs) == prog(xs)


def test_import_warning_points_at_the_caller():
    prog = rasp.Map(lambda x: 1 // (x - 1), rasp.indices)
    with pytest.warns(UserWarning) as record:
        to_rasp_ir(prog, ["a"], 3)
    assert [Path(w.filename).resolve() for w in record] == [Path(__file__).resolve()]


def test_raising_predicate_warns_naming_the_select():
    def predicate(k, q):
        if k == 2:
            raise KeyError("nope")
        return k == q

    select = rasp.Select(rasp.indices, rasp.indices, predicate).named("fragile")
    with pytest.warns(
        UserWarning, match=rf"^Select '{select.label}': predicate raised KeyError"
    ):
        module = to_rasp_ir(rasp.SelectorWidth(select), ["a"], 3)
    op = op_labelled(module, "fragile")
    assert op.predicate.data == ((0, 0), (1, 1))


def test_import_without_failures_emits_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_rasp_ir(LIB_PROGRAMS["sort"].build(5), LIB_PROGRAMS["sort"].vocab(5), 5)


# Errors.


@pytest.mark.parametrize(
    "vocab,max_seq_len,kwargs,message",
    [
        ([], 4, {}, "vocab is empty"),
        (set(), 4, {}, "vocab is empty"),
        # A string is not split into tokens: the message says how to ask for that.
        (
            "abc",
            4,
            {},
            "vocab must be a set or list of tokens, got the str 'abc'; write "
            "list('abc') for one token per character",
        ),
        (
            b"ab",
            4,
            {},
            "vocab must be a set or list of tokens, got the bytes b'ab'; write "
            "list(b'ab') for one token per character",
        ),
        (7, 4, {}, "vocab must be a set or list of tokens, got int"),
        (None, 4, {}, "vocab must be a set or list of tokens, got NoneType"),
        ({"a": 1}, 4, {}, "vocab must be a set or list of tokens, got dict"),
        ([(1, [2])], 4, {}, "vocab item (1, [2]) is not a usable token"),
        (["a", None], 4, {}, "vocab item None is not a usable token"),
        (["a", [1]], 4, {}, "vocab item [1] is not a usable token"),
        (
            ["a", "compiler_bos"],
            4,
            {},
            'compiler_bos "compiler_bos" is also in the vocab; pick a token outside '
            "the vocab",
        ),
        (
            ["a", "compiler_pad"],
            4,
            {},
            'compiler_pad "compiler_pad" is also in the vocab; pick a token outside '
            "the vocab",
        ),
        (
            ["a", "B"],
            4,
            {"compiler_bos": "B"},
            'compiler_bos "B" is also in the vocab; pick a token outside the vocab',
        ),
        (
            ["a"],
            4,
            {"compiler_bos": "x", "compiler_pad": "x"},
            'compiler_bos and compiler_pad must differ, both are "x"',
        ),
        (["a"], 4, {"compiler_bos": None}, "compiler_bos None is not a usable token"),
        (["a"], 4, {"compiler_pad": [0]}, "compiler_pad [0] is not a usable token"),
        (["a"], 0, {}, "max_seq_len must be at least 1, got 0"),
        (["a"], -1, {}, "max_seq_len must be at least 1, got -1"),
        (["a"], 2.5, {}, "max_seq_len must be an integer, got float"),
        (["a"], True, {}, "max_seq_len must be an integer, got bool"),
        (["a"], "3", {}, "max_seq_len must be an integer, got str"),
        (["a"], None, {}, "max_seq_len must be an integer, got NoneType"),
        (["a"], 4, {"causal": "yes"}, "causal must be True or False, got 'yes'"),
        (["a"], 4, {"causal": None}, "causal must be True or False, got None"),
        (["a"], 4, {"causal": 1}, "causal must be True or False, got 1"),
    ],
)
def test_invalid_arguments(vocab, max_seq_len, kwargs, message):
    with pytest.raises(InvalidArgumentError, match=f"^{re.escape(message)}$"):
        to_rasp_ir(rasp.tokens, vocab, max_seq_len, **kwargs)


def test_invalid_argument_errors_are_value_errors():
    with pytest.raises(ValueError):
        to_rasp_ir(rasp.tokens, [], 4)


@pytest.mark.parametrize(
    "program,kind",
    [
        (rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ), "Select"),
        (3, "int"),
        (None, "NoneType"),
        # A function that builds the program, passed uncalled.
        (lambda xs: xs, "function; call it to build the s-op"),
        (lib.make_length, "function; call it to build the s-op"),
    ],
)
def test_program_must_be_an_sop(program, kind):
    with pytest.raises(
        InvalidArgumentError,
        match=f"^the program must be an s-op \\(rasp\\.SOp\\), got {re.escape(kind)}$",
    ):
        to_rasp_ir(program, ["a"], 4)


def test_duplicate_vocab_tokens_are_one_token_and_numpy_bools_are_bools():
    """The vocab is a set: repeats are harmless. Tokens are type-exact, so
    1 and True are two tokens."""
    program = to_rasp_ir(rasp.tokens, ["a", "a", "b"], 2, causal=np.bool_(True))
    assert program.body.block.first_op.vocab.data == ("a", "b")
    assert program.body.block.first_op.is_causal is True
    assert to_rasp_ir(rasp.tokens, [1, True], 2).body.block.first_op.vocab.data == (
        1,
        True,
    )


def test_huge_max_seq_len_is_refused_before_building_positions():
    with pytest.raises(
        InvalidArgumentError,
        match=r"^max_seq_len 1000000000 is over the limit of 100000$",
    ):
        to_rasp_ir(rasp.indices, ["a"], 10**9)
    # Also where no op has a value per position: every level works per position.
    with pytest.raises(InvalidArgumentError, match="over the limit of 100000"):
        to_rasp_ir(rasp.tokens, ["a"], 100_001)


def test_map_returning_a_list_names_the_expression():
    prog = rasp.Map(lambda x: [x], rasp.tokens)
    message = (
        f"Map '{prog.label}': function returned ['a'] (a list) for input (\"a\"); "
        "RASP values are None, bool, int, float, str or tuples of these"
    )
    with pytest.raises(UnsupportedProgramError, match=f"^{re.escape(message)}$"):
        to_rasp_ir(prog, ["a"], 4)


def test_sequence_map_returning_a_dict_names_the_expression():
    prog = rasp.SequenceMap(lambda x, y: {x: y}, rasp.tokens, rasp.indices).named("d")
    with pytest.raises(
        UnsupportedProgramError,
        match=f"^{re.escape(f'SequenceMap {prog.label!r}')}: function returned "
        r"\{'a': 0\} \(a dict\) for input \(\"a\", 0\)",
    ):
        to_rasp_ir(prog, ["a"], 2)


def test_numerical_sop_with_string_values():
    prog = rasp.numerical(rasp.Map(lambda x: x + "!", rasp.tokens))
    message = (
        f"Map '{prog.label}' is numerical but can take the non-numeric value \"a!\"; "
        "numerical encoding needs numbers (use rasp.categorical, or make the function "
        "return numbers)"
    )
    with pytest.raises(UnsupportedProgramError, match=f"^{re.escape(message)}$"):
        to_rasp_ir(prog, ["a"], 4)


def test_numerical_aggregate_with_none_default_is_rejected():
    values = rasp.numerical(rasp.Map(lambda x: 1, rasp.tokens))
    prog = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ), values
        )
    )
    with pytest.raises(
        UnsupportedProgramError,
        match=f"^{re.escape(f'Aggregate {prog.label!r}')} is numerical but can take "
        "the non-numeric value none",
    ):
        to_rasp_ir(prog, ["a"], 4)


def test_numerical_aggregate_of_categorical_sop_reads_a_numerical_copy():
    prog = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ),
            rasp.indices,
            default=0,
        ).named("agg")
    )
    module = to_rasp_ir(prog, ["a"], 4)
    (agg,) = [op for op in module.walk() if isinstance(op, ir.AggregateOp)]
    copy = agg.sop.owner
    assert isinstance(copy, ir.MapOp) and copy.label.data == "indices_numerical"
    assert copy.input.owner.label.data == "indices"
    assert copy.result.type == ir.SOpType(ir.NUMERICAL)
    assert raspir.verify(prog, ["a"], 4, check_model=True).exact


def test_categorical_aggregate_of_numerical_sop_reads_a_categorical_copy():
    number = rasp.numerical(rasp.Map(lambda i: i, rasp.indices).named("number"))
    previous = rasp.Map(lambda i: i - 1, rasp.indices)
    prog = rasp.Aggregate(
        rasp.Select(rasp.indices, previous, rasp.Comparison.EQ), number
    ).named("pick")
    module = to_rasp_ir(prog, ["a"], 4)
    (agg,) = [op for op in module.walk() if isinstance(op, ir.AggregateOp)]
    assert agg.sop.owner.label.data == "number_categorical"
    assert agg.sop.type == ir.SOpType(ir.CATEGORICAL)
    assert raspir.verify(prog, ["a"], 4, check_model=True).exact


def test_an_aggregate_of_words_cannot_be_numerical():
    prog = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ), rasp.tokens
        ).named("agg")
    )
    with pytest.raises(UnsupportedProgramError, match='non-numeric value "a"'):
        to_rasp_ir(prog, ["a"], 4)


def test_constant_selector_is_unsupported():
    selector = rasp.ConstantSelector([[True, False], [True, True]])
    prog = rasp.SelectorWidth(selector)
    message = (
        f"ConstantSelector '{selector.label}': ConstantSelector fixes a selection "
        "matrix for one input length and has no representation in raspir IR; build it "
        "from a Select over indices instead"
    )
    with pytest.raises(UnsupportedProgramError, match=f"^{re.escape(message)}$"):
        to_rasp_ir(prog, ["a"], 2)


def test_full_of_a_non_value_is_unsupported():
    prog = rasp.Full([1])
    with pytest.raises(
        UnsupportedProgramError,
        match=f"^{re.escape(f'Full {prog.label!r}')}: fill value \\[1\\] of type list is "
        r"not a RASP value \(None, bool, int, float, str or a tuple of these\)$",
    ):
        to_rasp_ir(prog, ["a"], 2)


def test_linear_sequence_map_with_non_numeric_factor_is_unsupported():
    prog = rasp.LinearSequenceMap(rasp.indices, rasp.length, True, 1)
    with pytest.raises(
        UnsupportedProgramError,
        match=f"^{re.escape(f'LinearSequenceMap {prog.label!r}')}: factor True is not "
        "a number$",
    ):
        to_rasp_ir(prog, ["a"], 2)


def test_mean_of_non_finite_values_is_unsupported():
    values = rasp.numerical(rasp.Map(lambda x: math.inf, rasp.tokens))
    prog = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ), values, default=0
        )
    )
    with pytest.raises(
        UnsupportedProgramError,
        match=f"^{re.escape(f'Aggregate {prog.label!r}')}: cannot average non-finite "
        "values$",
    ):
        to_rasp_ir(prog, ["a"], 2)


def test_sequence_map_table_too_large(monkeypatch):
    monkeypatch.setattr(rasp_import, "MAX_TABLE_SIZE", 10)
    prog = rasp.SequenceMap(lambda x, y: x, rasp.tokens, rasp.indices)
    with pytest.raises(UnsupportedProgramError) as info:
        to_rasp_ir(prog, ["a", "b", "c"], 4)
    message = str(info.value)
    assert message.startswith(f"SequenceMap '{prog.label}': its table would ")
    assert "3 x 4 = 12" in message
    assert message.endswith("more than the limit of 10")
    # At the limit it is fine.
    monkeypatch.setattr(rasp_import, "MAX_TABLE_SIZE", 12)
    to_rasp_ir(prog, ["a", "b", "c"], 4)


def test_predicate_table_too_large(monkeypatch):
    monkeypatch.setattr(rasp_import, "MAX_TABLE_SIZE", 10)
    select = rasp.Select(rasp.tokens, rasp.indices, lambda k, q: True)
    with pytest.raises(UnsupportedProgramError) as info:
        to_rasp_ir(rasp.SelectorWidth(select), ["a", "b", "c"], 4)
    message = str(info.value)
    assert message.startswith(f"Select '{select.label}': its predicate table would ")
    assert "12" in message and message.endswith("10")


def test_comparison_select_has_no_table_limit(monkeypatch):
    monkeypatch.setattr(rasp_import, "MAX_TABLE_SIZE", 1)
    select = rasp.Select(rasp.tokens, rasp.indices, rasp.Comparison.TRUE)
    to_rasp_ir(rasp.SelectorWidth(select), ["a", "b", "c"], 4)


def test_value_set_too_large(monkeypatch):
    monkeypatch.setattr(rasp_import, "MAX_VALUE_SET_SIZE", 5)
    prog = rasp.SequenceMap(lambda i, j: 10 * i + j, rasp.indices, rasp.indices)
    with pytest.raises(
        UnsupportedProgramError,
        match=f"^{re.escape(f'SequenceMap {prog.label!r}')}: value set has 25 values, "
        "more than the limit of 5$",
    ):
        to_rasp_ir(prog, ["a"], 5)
    to_rasp_ir(rasp.Map(lambda i: -i, rasp.indices), ["a"], 5)


# Determinism and naming.


_BUILD_ALL = textwrap.dedent(
    """
    import io
    from xdsl.printer import Printer
    from raspir.frontend.rasp_import import to_rasp_ir
    from raspir.testing.library import LIB_PROGRAMS

    for name in sorted(LIB_PROGRAMS):
        entry = LIB_PROGRAMS[name]
        module = to_rasp_ir(entry.build(5), entry.vocab(5), 5)
        stream = io.StringIO()
        Printer(stream=stream).print_op(module)
        print(stream.getvalue())
    """
)


def _ir_in_fresh_process(hash_seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    result = subprocess.run(
        [sys.executable, "-c", _BUILD_ALL],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_ir_is_identical_across_fresh_processes():
    first = _ir_in_fresh_process("1")
    second = _ir_in_fresh_process("2")
    assert first == second
    assert first.count("rasp.program") == len(LIB_PROGRAMS)
    # Building the programs again in this process gives the same text.
    here = []
    for name in sorted(LIB_PROGRAMS):
        entry = LIB_PROGRAMS[name]
        here.append(print_ir(to_rasp_ir(entry.build(5), entry.vocab(5), 5)) + "\n")
    assert "".join(here) == first


def test_importing_twice_gives_the_same_text():
    entry = LIB_PROGRAMS["shuffle_dyck2"]
    program = entry.build(4)
    first = print_ir(to_rasp_ir(program, entry.vocab(4), 4))
    second = print_ir(to_rasp_ir(program, entry.vocab(4), 4))
    assert first == second


def test_annotated_copies_get_their_own_op():
    is_a = rasp.tokens == "a"
    as_number = rasp.numerical(is_a)
    prog = rasp.SequenceMap(lambda x, y: (x, y), is_a, as_number)
    module = to_rasp_ir(prog, ["a", "b"], 2)
    maps = [op for op in body_ops(module) if isinstance(op, ir.MapOp)]
    assert len(maps) == 2
    assert sorted(op.encoding for op in maps) == [ir.CATEGORICAL, ir.NUMERICAL]
    assert maps[0].input is maps[1].input
    assert run_program(module, ["a", "b"]) == prog(["a", "b"])


def test_shared_subexpression_is_imported_once():
    shared = rasp.Map(lambda x: x + 1, rasp.indices).named("shared")
    prog = rasp.SequenceMap(lambda a, b: a * b, shared, shared)
    module = to_rasp_ir(prog, ["a"], 3)
    assert [op.label.data for op in sop_ops(module)].count("shared") == 1


def test_duplicate_names_are_allowed_and_ssa_names_deduplicated():
    first = rasp.Map(lambda x: x + 1, rasp.indices, simplify=False).named("x")
    second = rasp.Map(lambda x: x * 2, first, simplify=False).named("x")
    module = to_rasp_ir(second, ["a"], 3)
    text = assert_round_trip(module)
    assert '%x = rasp.map "x" %indices' in text
    assert '%x_1 = rasp.map "x" %x ' in text
    assert "rasp.output %x_1 :" in text


ODD_NAMES = [
    "shift_by(2)",
    "opp_idx-1",
    "a b",
    "x_1",
    "x_1_1",
    "x",
    "2",
    "",
    "%",
    'quote"d',
    "back\\slash",
    "dots.and$dollars",
    "-leading",
    "_",
]


def test_odd_names_print_as_valid_ssa_names_and_round_trip():
    expr = rasp.tokens
    for name in ODD_NAMES:
        expr = rasp.Map(lambda v: v, expr, simplify=False).named(name)
        expr = rasp.Map(lambda v: v, expr, simplify=False).named(name)  # twice
    module = to_rasp_ir(expr, ["a"], 2)
    text = assert_round_trip(module)
    labels = [op.label.data for op in sop_ops(parse_ir(text))]
    assert labels == ["tokens"] + [n for n in ODD_NAMES for _ in range(2)]
    ssa_names = re.findall(r"^\s*(%\S+) = ", text, flags=re.MULTILINE)
    assert len(ssa_names) == len(set(ssa_names)) == 1 + 2 * len(ODD_NAMES)
    for name in ssa_names:
        assert re.fullmatch(r"%[A-Za-z_$.-][A-Za-z0-9_$.-]*", name), name
    assert run_program(parse_ir(text), ["a", "a"]) == ["a", "a"]


@pytest.mark.parametrize("name", ["café", "数", "x²", "Ⅻ", "naïve_1"])
def test_non_ascii_names_import_and_round_trip(name):
    prog = rasp.Map(lambda v: v, rasp.tokens).named(name)
    module = to_rasp_ir(prog, ["a"], 2)
    text = assert_round_trip(module)
    assert output_op(parse_ir(text)).label.data == name
    ssa_names = re.findall(r"^\s*(%\S+) = ", text, flags=re.MULTILINE)
    for ssa in ssa_names:
        assert re.fullmatch(r"%[A-Za-z_$.-][A-Za-z0-9_$.-]*", ssa), ssa


def test_non_ascii_vocab_round_trips():
    prog = rasp.Map(lambda t: t + "ß", rasp.tokens)
    module = to_rasp_ir(prog, ["é", "日本", "a"], 2)
    text = assert_round_trip(module)
    assert find_program(parse_ir(text)).vocab.data == ("a", "é", "日本")
    assert run_program(parse_ir(text), ["日本", "é"]) == ["日本ß", "éß"]


def test_nan_values_round_trip():
    for f in (
        lambda i: float("nan"),
        lambda i: (float("nan"),),
        lambda i: (i, float("nan")),
    ):
        module = to_rasp_ir(rasp.Map(f, rasp.indices), ["a"], 2)
        assert_round_trip(module)


def test_labels_are_the_expression_names():
    prog = lib.make_reverse(rasp.tokens)
    module = to_rasp_ir(prog, ["a", "b"], 3)
    labels = [op.label.data for op in body_ops(module)[:-1]]
    assert isinstance(body_ops(module)[-1], ir.OutputOp)
    assert labels == [
        "tokens",
        "indices",
        "all_true_selector",
        "length",
        "opp_idx",
        "opp_idx-1",
        "reverse_selector",
        "reverse",
    ]


# numpy values.


def test_numpy_scalars_from_user_functions_are_normalised():
    prog = rasp.Map(
        lambda i: (np.int64(i), np.bool_(i > 1), np.float64(i / 2)), rasp.indices
    )
    module = to_rasp_ir(prog, ["a"], 3)
    op = output_op(module)
    for key, out in op.table.data:
        assert type(key) is int
        assert [type(v) for v in out] == [int, bool, float]
    assert op.values.data == ((0, False, 0.0), (1, False, 0.5), (2, True, 1.0))
    result = run_program(module, ["a", "a", "a"])
    assert result == [(0, False, 0.0), (1, False, 0.5), (2, True, 1.0)]
    assert [type(v) for v in result[2]] == [int, bool, float]


def test_numpy_scalars_in_sequence_maps_predicates_and_constants_are_normalised():
    seq = rasp.SequenceMap(lambda x, y: np.int64(x + y), rasp.indices, rasp.indices)
    seq = seq.named("seq")
    select = rasp.Select(rasp.indices, rasp.indices, lambda k, q: np.bool_(k < q))
    width = rasp.SelectorWidth(select).named("width")
    full = rasp.Full(np.float64(0.5)).named("full")
    const = rasp.ConstantSOp([np.int64(1), np.bool_(False), np.str_("s")]).named(
        "const"
    )
    pair = rasp.SequenceMap(lambda a, b: (a, b), seq, width)
    pair = rasp.SequenceMap(lambda a, b: (a, b), pair, full)
    prog = rasp.SequenceMap(lambda a, b: (a, b), pair, const)
    module = to_rasp_ir(prog, ["a"], 3)

    assert all(type(v) is int for v in op_labelled(module, "seq").values.data)
    assert all(type(k) is tuple for k, _ in op_labelled(module, "seq").table.data)
    assert op_labelled(module, "full").fill.data == 0.5
    assert type(op_labelled(module, "full").fill.data) is float
    assert [type(v) for v in op_labelled(module, "const").sequence.data] == [
        int,
        bool,
        str,
    ]
    sel = [op for op in body_ops(module) if isinstance(op, ir.SelectOp)][0]
    assert sel.predicate.data == ((0, 1), (0, 2), (1, 2))
    assert_round_trip(module)


def test_numpy_vocab_and_factors_are_normalised():
    prog = rasp.LinearSequenceMap(
        rasp.tokens, rasp.indices, np.int64(2), np.float64(0.5)
    )
    module = to_rasp_ir(prog, [np.int64(1), np.int64(3)], np.int64(2))
    program = find_program(module)
    assert [type(v) for v in program.vocab.data] == [int, int]
    op = output_op(module)
    assert type(op.fst_factor.data) is int and type(op.snd_factor.data) is float
    assert run_program(module, [3, 1]) == prog([3, 1]) == [6.0, 2.5]


def test_numpy_compile_arguments_are_normalised():
    module = to_rasp_ir(
        rasp.tokens,
        [np.int64(1), np.int64(2)],
        np.int64(3),
        compiler_bos=np.int64(7),
        compiler_pad=np.int64(8),
    )
    program = find_program(module)
    assert type(program.max_seq_len.data) is int
    assert (program.bos.data, program.pad.data) == (7, 8)
    assert type(program.bos.data) is int and type(program.pad.data) is int
