"""rasp-prune-value-sets: exact value sets for positional s-ops, no reachable value lost."""

from __future__ import annotations

import functools
import itertools
import random
import warnings

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import PassFailedException

from raspir import lib, rasp
from raspir.dialects import rasp as ir
from raspir.dialects.values import value_key
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.interpreters.rasp import EvaluationError, find_program, run_values
from raspir.passes.rasp_prune_value_sets import RaspPruneValueSetsPass
from raspir.pipeline import O0
from raspir.testing.library import LIB_PROGRAMS
from raspir.universe import RASPIR_UNIVERSE, parse_module
from raspir.verification import verify

PASSES = ["rasp-prune-value-sets", *O0]
CAUSAL = ["length", "reverse", "frac_prevs", "shuffle_dyck", "sort"]
"""Lib programs also checked as causal programs."""


def prune(module: ModuleOp) -> ModuleOp:
    pruned = module.clone()
    RaspPruneValueSetsPass().apply(Context(), pruned)
    pruned.verify()
    return pruned


def sops(module: ModuleOp) -> dict[str, ir.SOpOp]:
    program = find_program(module)
    return {
        op.label.data: op for op in program.body.block.ops if isinstance(op, ir.SOpOp)
    }


@functools.cache
def lib_modules(name: str, n: int, causal: bool = False):
    entry = LIB_PROGRAMS[name]
    program = entry.build(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = to_rasp_ir(program, entry.vocab(n), n, causal=causal)
    return program, module, prune(module)


def run(module: ModuleOp, xs) -> tuple[list, dict]:
    """The output's value keys and every s-op's values, or 'rejected'."""
    program = find_program(module)
    try:
        values = run_values(program, list(xs))
    except EvaluationError:
        return "rejected", {}  # type: ignore[return-value]
    output = [value_key(v) for v in values[program.output.sop]]
    return output, values


def assert_same_and_covered(original: ModuleOp, pruned: ModuleOp, xs) -> None:
    """Both modules compute the same output (or both reject), and every value an
    s-op takes that its original value set held is still in its value set.

    (The import's sets omit, by design, the means a categorical aggregate takes
    when it selects several numbers, e.g. sort_unique on repeated keys.)"""
    expected, _ = run(original, xs)
    actual, values = run(pruned, xs)
    assert actual == expected, xs
    pairs = zip(
        find_program(original).body.block.ops,
        find_program(pruned).body.block.ops,
        strict=True,
    )
    for old, op in pairs:
        if isinstance(op, ir.SOpOp) and op.result in values:
            assert isinstance(old, ir.SOpOp)
            before = {value_key(v) for v in old.values.data}
            after = {value_key(v) for v in op.values.data}
            for v in values[op.result]:
                assert value_key(v) not in before - after, (op.label.data, v, xs)


def test_registered():
    factory = RASPIR_UNIVERSE.all_passes["rasp-prune-value-sets"]
    assert factory() is RaspPruneValueSetsPass
    assert RaspPruneValueSetsPass.name == "rasp-prune-value-sets"


# The lib programs.


def test_reverse_at_20_keeps_only_reachable_positions():
    _, before, after = lib_modules("reverse", 20)
    old, new = sops(before), sops(after)
    assert old["length"].values.data == tuple(range(21))
    assert new["length"].values.data == tuple(range(1, 21))
    assert min(old["opp_idx"].values.data) == -19
    assert new["opp_idx"].values.data == tuple(range(1, 21))
    assert new["opp_idx-1"].values.data == tuple(range(20))
    table = new["opp_idx"].table.data
    assert len(table) == 20 * 20
    defined = [(length, i) for (length, i), out in table if out is not ir.UNDEFINED]
    assert sorted(defined) == [(n, i) for n in range(1, 21) for i in range(n)]


LIB_CASES = [
    *((name, n, False) for name in sorted(LIB_PROGRAMS) for n in (5, 10)),
    *((name, 5, True) for name in CAUSAL),
]


@pytest.mark.parametrize("name,n,causal", LIB_CASES, ids=str)
def test_lib_programs_compute_the_same(name, n, causal):
    program, module, pruned = lib_modules(name, n, causal)
    rng = random.Random(0)
    for _ in range(100):
        xs = LIB_PROGRAMS[name].random_input(rng, n)
        try:
            expected = [value_key(v) for v in rasp.evaluate(program, xs, causal=causal)]
        except Exception:  # noqa: BLE001 - the evaluator rejects this input
            expected = "rejected"
        assert run(pruned, xs)[0] == expected, xs
        assert_same_and_covered(module, pruned, xs)


@pytest.mark.parametrize("causal", [False, True], ids=["noncausal", "causal"])
@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_lib_programs_on_every_short_input(name, causal):
    """Every input up to length 3: same outputs, every value taken is kept."""
    _, module, pruned = lib_modules(name, 3, causal)
    vocab = find_program(module).vocab.data
    for length in range(1, 4):
        for xs in itertools.product(vocab, repeat=length):
            assert_same_and_covered(module, pruned, xs)


@pytest.mark.parametrize("name,n,causal", LIB_CASES, ids=str)
def test_lib_programs_prune_idempotently(name, n, causal):
    _, _, pruned = lib_modules(name, n, causal)
    assert str(prune(pruned)) == str(pruned)


@pytest.mark.parametrize("name,n,causal", LIB_CASES, ids=str)
def test_lib_programs_compile_exactly_after_pruning(name, n, causal):
    entry = LIB_PROGRAMS[name]
    rng = random.Random(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = verify(
            entry.build(n),
            entry.vocab(n),
            n,
            samples=40,
            causal=causal,
            passes=PASSES,
            inputs=[entry.random_input(rng, n) for _ in range(40)],
        )
    assert report.exact, report


def test_lib_programs_that_prune():
    """Which lib programs have positional s-ops with impossible values, or a
    histogram (the width of a select of the tokens against themselves) that
    cannot be 0."""
    changed = set()
    for name in LIB_PROGRAMS:
        _, module, pruned = lib_modules(name, 5)
        if str(module) != str(pruned):
            changed.add(name)
    assert changed == {
        "length",
        "reverse",
        "shuffle_dyck",
        "shuffle_dyck2",
        "hist",
        "sort_freq",
        "count_less_freq",
    }


# Positional s-ops get exactly the values they reach.


def _positional_programs() -> dict[str, rasp.SOp]:
    length = lib.make_length()
    opp = rasp.SequenceMap(lambda n, i: n - i, length, rasp.indices)
    none_at_0 = rasp.Map(lambda i: None if i == 0 else i, rasp.indices)
    return {
        "opp": opp,
        "parity_gap": rasp.SequenceMap(lambda n, i: (n - i) % 3, length, rasp.indices),
        "half": rasp.Map(lambda i: i // 2, rasp.indices),
        "with_none": rasp.SequenceMap(lambda x, n: (x, n), none_at_0, length),
        "linear": rasp.LinearSequenceMap(rasp.length, rasp.indices, 2, -1),
        "full": rasp.SequenceMap(lambda f, i: f * i, rasp.Full(3), rasp.indices),
        "nested": rasp.SequenceMap(
            lambda x, y: x * y, rasp.Map(lambda o: o % 2, opp), opp
        ),
    }


@pytest.mark.parametrize("causal", [False, True], ids=["noncausal", "causal"])
@pytest.mark.parametrize("n", [1, 2, 4, 6])
@pytest.mark.parametrize("name", sorted(_positional_programs()))
def test_positional_value_sets_are_exactly_the_reached_values(name, n, causal):
    program = _positional_programs()[name]
    pruned = prune(to_rasp_ir(program, ["x"], n, causal=causal))
    ops = [op for op in find_program(pruned).body.block.ops if isinstance(op, ir.SOpOp)]
    reached: list[set] = [set() for _ in ops]
    for length in range(1, n + 1):
        _, values = run(pruned, ["x"] * length)
        for op, seen in zip(ops, reached, strict=True):
            seen.update(value_key(v) for v in values[op.result])
    for op, seen in zip(ops, reached, strict=True):
        if not isinstance(op, ir.TokensOp):
            assert {value_key(v) for v in op.values.data} == seen, op.label.data
    expected = list(rasp.evaluate(program, ["x"] * n, causal=causal))
    assert run(pruned, ["x"] * n)[0] == [value_key(v) for v in expected]


def test_causal_width_of_a_true_select_is_the_prefix_length():
    length = lib.make_length()
    gap = rasp.SequenceMap(lambda w, i: w - i, length, rasp.indices).named("gap")
    new = sops(prune(to_rasp_ir(gap, ["a"], 4, causal=True)))
    assert new["length"].values.data == (1, 2, 3, 4)
    assert new["gap"].values.data == (1,)


def test_checked_constant_reaches_its_values_at_its_length():
    const = rasp.ConstantSOp([5, 6, 7])
    pairs = rasp.SequenceMap(lambda c, i: c + i, const, rasp.indices).named("sum")
    new = sops(prune(to_rasp_ir(pairs, ["a"], 4)))
    defined = {k: v for k, v in new["sum"].table.data if v is not ir.UNDEFINED}
    assert defined == {(5, 0): 5, (6, 1): 7, (7, 2): 9}
    assert new["sum"].values.data == (5, 7, 9)


# Hand-written programs.


def parse(body: str, n: int = 3, causal: bool = False) -> ModuleOp:
    flag = " causal" if causal else ""
    text = (
        f'rasp.program vocab {{"a", "b"}} max_seq_len {n} bos "BOS" pad "PAD"{flag} {{\n'
        '  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}\n'
        f"{body}}}\n"
    )
    module = parse_module(text)
    module.verify()
    return module


def test_unchecked_constant_and_what_reads_it_are_not_positional():
    module = parse(
        '  %c = rasp.constant "c" [1, 2, 3, 4] unchecked : !rasp.sop<categorical> '
        "values {1, 2, 3, 4}\n"
        '  %all = rasp.select "all" %c, %c true\n'
        '  %w = rasp.selector_width "w" %all : !rasp.sop<categorical> '
        "values {0, 1, 2, 3, 4}\n"
        '  %m = rasp.map "m" %c {1 -> 0, 2 -> 0, 3 -> 0, 4 -> 1} : '
        "!rasp.sop<categorical> values {0, 1}\n"
        "  rasp.output %w : !rasp.sop<categorical>\n"
    )
    # Nothing is evaluated positionally; only the width of the reflexive
    # `true` select loses 0, which holds for a sequence of any length.
    expected = str(module).replace("values {0, 1, 2, 3, 4}", "values {1, 2, 3, 4}")
    assert str(prune(module)) == expected


def test_aggregates_keep_their_default_and_possible_means():
    """The categorical aggregate drops the int and the string its input lost but
    keeps its default and a float that several selected numbers might average
    to; the numerical aggregate is left alone."""
    module = parse(
        '  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}\n'
        '  %m = rasp.map "m" %indices {0 -> 7, 1 -> 8} : !rasp.sop<categorical> '
        'values {7, 8, 9, 9.5, "x"}\n'
        '  %num = rasp.map "num" %indices {0 -> 7, 1 -> 8} : !rasp.sop<numerical> '
        "values {7, 8, 9}\n"
        '  %same = rasp.select "same" %tokens, %tokens eq\n'
        '  %agg = rasp.aggregate "agg" %same, %m default 9 : !rasp.sop<categorical> '
        'values {7, 8, 9, 9.5, "x"}\n'
        '  %mean = rasp.aggregate "mean" %same, %num default 0 : '
        "!rasp.sop<numerical> values {0, 7, 7.5, 8, 8.5, 9}\n"
        "  rasp.output %agg : !rasp.sop<categorical>\n",
        n=2,
    )
    new = sops(prune(module))
    assert new["m"].values.data == (7, 8)
    assert new["num"].values.data == (7, 8)
    assert new["agg"].values.data == (7, 8, 9, 9.5)
    assert new["mean"].values.data == (0, 7, 7.5, 8, 8.5, 9)


def test_an_unsound_value_set_fails_loudly():
    module = parse(
        '  %all = rasp.select "all" %tokens, %tokens true\n'
        '  %w = rasp.selector_width "w" %all : !rasp.sop<categorical> values {0, 1}\n'
        "  rasp.output %w : !rasp.sop<categorical>\n"
    )
    with pytest.raises(PassFailedException, match="takes the value 2"):
        prune(module)


def test_causal_length_is_the_prefix_length_and_a_false_width_is_zero():
    causal = parse(
        '  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}\n'
        '  %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2}\n'
        '  %gap = rasp.linear_sequence_map "gap" %length, %indices factors 1, -1 : '
        "!rasp.sop<categorical> values {0, 1, 2}\n"
        "  rasp.output %gap : !rasp.sop<categorical>\n",
        n=2,
        causal=True,
    )
    # Causally length is i + 1, so length - indices is always 1.
    assert sops(prune(causal))["gap"].values.data == (1,)
    none = parse(
        '  %no = rasp.select "no" %tokens, %tokens false\n'
        '  %w = rasp.selector_width "w" %no : !rasp.sop<categorical> '
        "values {0, 1, 2, 3}\n"
        "  rasp.output %w : !rasp.sop<categorical>\n"
    )
    assert sops(prune(none))["w"].values.data == (0,)


def test_a_pruned_linear_sequence_map_compiles_exactly():
    # Pruning leaves length - indices only the values it reaches; its pair
    # lookup marks the other pairs as never occurring (found by fuzzing the IR:
    # convert-rasp-to-sa used to tabulate them out of the value set).
    program = rasp.categorical(rasp.LinearSequenceMap(rasp.length, rasp.indices, 1, -1))
    inputs = [["a"] * n for n in range(1, 5)]
    report = verify(program, ["a"], 4, samples=4, passes=PASSES, inputs=inputs)
    assert report.exact, report
