"""The reference interpreter of the sa dialect: lib programs and every op."""

from __future__ import annotations

import functools
import random

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.parser import Parser

from raspir import rasp
from raspir.dialects import rasp as rasp_ir
from raspir.dialects import sa
from raspir.dialects.values import value_key
from raspir.errors import InvalidInputError, RaspirError
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.interpreters.rasp import find_program
from raspir.interpreters.sa import EvaluationError, run_program, run_values
from raspir.passes.convert_rasp_to_sa import CausalWarning, ConvertRaspToSaPass
from raspir.passes.schedule_layers import ScheduleLayersPass
from raspir.testing.library import LIB_PROGRAMS


def same_values(xs: list, ys: list) -> bool:
    """Equal lists of RASP values, told apart type-exactly (1, 1.0 and True differ)."""
    return [value_key(x) for x in xs] == [value_key(y) for y in ys]


def lower(module: ModuleOp) -> ModuleOp:
    ConvertRaspToSaPass().apply(Context(), module)
    ScheduleLayersPass().apply(Context(), module)
    module.verify()
    return module


@functools.cache
def lib_module(name: str, max_seq_len: int, causal: bool) -> ModuleOp:
    entry = LIB_PROGRAMS[name]
    module = to_rasp_ir(
        entry.build(max_seq_len), entry.vocab(max_seq_len), max_seq_len, causal=causal
    )
    return lower(module)


# Every lib program agrees with the evaluator.


LIB_SETTINGS = [(5, False), (10, False), (20, False), (5, True)]


@pytest.mark.parametrize(
    "max_seq_len,causal", LIB_SETTINGS, ids=["n5", "n10", "n20", "n5-causal"]
)
@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_lib_program_matches_the_evaluator(name, max_seq_len, causal):
    entry = LIB_PROGRAMS[name]
    program = entry.build(max_seq_len)
    module = lib_module(name, max_seq_len, causal)
    sa_program = find_program(module, sa.ProgramOp)
    components = [
        op for op in sa_program.body.block.ops if isinstance(op, sa.ComponentOp)
    ]
    rng = random.Random(f"{name}-{max_seq_len}-{causal}")
    for _ in range(100):
        xs = entry.random_input(rng, max_seq_len)
        try:
            expected = rasp.evaluate(program, xs, causal=causal)
        except Exception:
            with pytest.raises(EvaluationError):
                run_program(module, xs)
            continue
        assert same_values(run_program(module, xs), expected), xs
        # Every component's value lies in its value set, type and all.
        values = run_values(sa_program, xs)
        for op in components:
            allowed = {value_key(v) for v in op.values.data}
            for v in values[op.result]:
                assert value_key(v) in allowed, (op.label.data, v, xs)


def test_lib_programs_accept_the_empty_input():
    for name in LIB_PROGRAMS:
        assert run_program(lib_module(name, 5, False), []) == [], name


def test_causal_length_is_a_count_of_the_prefix():
    """A causal count head sees the keys up to its query: the prefix length."""
    program = rasp.categorical(rasp.Map(lambda n: 2 * n, rasp.length, simplify=False))
    with pytest.warns(CausalWarning, match="rasp.length 'length'"):
        module = lower(to_rasp_ir(program, ["a", "b"], 4, causal=True))
    (count,) = [
        op
        for op in find_program(module, sa.ProgramOp).body.block.ops
        if isinstance(op, sa.CountOp)
    ]
    assert count.predicate == rasp_ir.ComparisonAttr("true")
    for xs in (["a"], ["b", "a"], ["a", "a", "b", "b"]):
        assert run_program(module, xs) == rasp.evaluate(program, xs, causal=True)
    assert run_program(module, ["a", "b", "a"]) == [2, 4, 6]


# Hand-written programs, one op at a time.


def _context() -> Context:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(rasp_ir.Rasp)
    ctx.load_dialect(sa.SA)
    return ctx


def module_of(body: str, *, vocab='{"a", "b", "c"}', n=4, causal=False) -> ModuleOp:
    """A verified sa module whose program defines %t (tokens) and %i (indices)."""
    indices = ", ".join(str(k) for k in range(n))
    text = (
        f'sa.program vocab {vocab} max_seq_len {n} bos "BOS" pad "PAD"'
        f"{' causal' if causal else ''} {{\n"
        f'  %t = sa.tokens "tokens" : !rasp.sop<categorical> values {vocab} noise 0.0\n'
        f'  %i = sa.indices "indices" : !rasp.sop<categorical> values {{{indices}}} '
        "noise 0.0\n"
        f"{body}"
        "}\n"
    )
    module = Parser(_context(), text).parse_module()
    module.verify()
    return module


def run(body: str, xs, **kwargs):
    return run_program(module_of(body, **kwargs), xs)


def output(name: str, encoding: str = "categorical") -> str:
    return f"  sa.output %{name} : !rasp.sop<{encoding}>\n"


# Embeddings.


def test_tokens_indices_and_full():
    body = (
        '  %f = sa.full "f" fill (1, "x") : !rasp.sop<categorical> values {(1, "x")} '
        "noise 0.0\n" + output("f")
    )
    module = module_of(body)
    assert run_program(module, ["c", "a"]) == [(1, "x"), (1, "x")]
    values = run_values(find_program(module, sa.ProgramOp), ["c", "a", "b"])
    by_name = {v.name_hint: out for v, out in values.items()}
    assert by_name["t"] == ["c", "a", "b"]
    assert by_name["i"] == [0, 1, 2]
    assert by_name["f"] == [(1, "x")] * 3


def test_empty_input_gives_empty_output():
    assert run(output("t"), []) == []


# Input checks and program lookup, shared with the rasp interpreter.


def test_inputs_are_checked_against_the_vocab_and_length():
    module = module_of(output("t"), n=2)
    with pytest.raises(
        InvalidInputError, match=r"^token 'd' at position 1 is not in the vocab "
    ):
        run_program(module, ["a", "d"])
    with pytest.raises(
        InvalidInputError, match=r"^input has 3 tokens, more than max_seq_len 2$"
    ):
        run_program(module, ["a", "a", "a"])


def test_find_program_wants_one_sa_program():
    with pytest.raises(
        RaspirError, match=r"^expected one sa\.program in the module, found 0$"
    ):
        run_program(ModuleOp([]), [])
    # A rasp program is not an sa program.
    rasp_module = to_rasp_ir(rasp.tokens, ["a"], 2)
    with pytest.raises(RaspirError, match=r"found 0$"):
        run_program(rasp_module, ["a"])
    program = find_program(module_of(output("t")), sa.ProgramOp)
    assert run_program(program, ["b"]) == ["b"]


# MLPs.


def test_lookup_is_a_type_exact_table():
    body = (
        '  %m = sa.lookup "m" %t {1 -> "int", 1.0 -> "float", true -> none} : '
        '!rasp.sop<categorical> values {none, "float", "int"} noise 0.0\n' + output("m")
    )
    assert run(body, [1, True, 1.0], vocab="{1, 1.0, true}") == ["int", None, "float"]


def test_lookup_passes_none_through_and_raises_on_error_entries():
    body = (
        '  %e = sa.aggregate "e" %i, %i, %t false sharpness 1.0 : '
        '!rasp.sop<categorical> values {none, "a", "b", "c"} noise 0.0\n'
        '  %m = sa.lookup "m" %e {none -> 5, "a" -> 1, "b" -> 2, "c" -> 3} : '
        "!rasp.sop<categorical> values {1, 2, 3, 5} noise 0.0\n"
        '  %r = sa.lookup "risky" %t {"a" -> 1, "b" -> error, "c" -> 2} : '
        "!rasp.sop<categorical> values {1, 2} noise 0.0\n"
        '  %p = sa.pair_lookup "p" %m, %r {'
        + ", ".join(f"({m}, {r}) -> {m * r}" for m in (1, 2, 3, 5) for r in (1, 2))
        + "} : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6, 10} noise 0.0\n"
        + output("p")
    )
    # The empty aggregate gives None; its lookup is None without consulting
    # the table, and so is the pair lookup of None.
    assert run(body, ["a", "c"]) == [None, None]
    with pytest.raises(EvaluationError) as info:
        run(body, ["a", "b"])
    assert str(info.value) == "sa.lookup 'risky': the function raised on input \"b\""


def test_pair_lookup_looks_up_pairs():
    body = (
        '  %p = sa.pair_lookup "p" %t, %i {'
        + ", ".join(f'("{t}", {i}) -> "{t}{i}"' for t in "abc" for i in range(4))
        + "} : !rasp.sop<categorical> values {"
        + ", ".join(f'"{t}{i}"' for t in "abc" for i in range(4))
        + "} noise 0.0\n"
        + output("p")
    )
    assert run(body, ["c", "a", "b"]) == ["c0", "a1", "b2"]


NUMBERS = (
    '  %x = sa.lookup "x" %t {"a" -> 0, "b" -> 1, "c" -> 3} : '
    "!rasp.sop<numerical> values {0, 1, 3} noise 0.0\n"
    # Declared as ints, computed as floats: 0.5*x + 0.5*x.
    '  %h = sa.linear "h" %x, %x factors 0.5, 0.5 : !rasp.sop<numerical> '
    "values {0, 1, 3} noise 0.0\n"
)


def test_discretise_looks_up_numbers_not_values():
    body = (
        NUMBERS + '  %d = sa.discretise "d" %h {0 -> "zero", 1 -> "one", 3 -> "three"} '
        'margin 0.1 : !rasp.sop<categorical> values {"one", "three", "zero"} '
        "noise 0.0\n" + output("d")
    )
    program = find_program(module_of(body), sa.ProgramOp)
    values = {v.name_hint: out for v, out in run_values(program, ["c", "a"]).items()}
    assert same_values(values["h"], [3.0, 0.0])
    assert values["d"] == ["three", "zero"]


def test_discretise_of_a_number_outside_its_table_is_an_error():
    body = (
        NUMBERS + '  %off = sa.linear "off" %x, %x factors 0.5, 0.25 : '
        "!rasp.sop<numerical> values {0, 1, 3} noise 0.0\n"
        '  %d = sa.discretise "d" %off {0 -> "zero", 1 -> "one", 3 -> "three"} '
        'margin 0.1 : !rasp.sop<categorical> values {"one", "three", "zero"} '
        "noise 0.0\n" + output("d")
    )
    module = module_of(body)
    assert run_program(module, ["a", "a"]) == ["zero", "zero"]
    with pytest.raises(EvaluationError) as info:
        run_program(module, ["a", "b"])
    assert str(info.value) == (
        "sa.discretise 'd': input 0.75 is not one of the numbers in its table"
    )


def test_discretise_raises_on_error_entries_and_keeps_output_types():
    body = (
        NUMBERS + '  %d = sa.discretise "d" %h {0 -> 0.5, 1 -> true, 3 -> error} '
        "margin 0.1 : !rasp.sop<numerical> values {0.5, true} noise 0.0\n"
        + output("d", "numerical")
    )
    module = module_of(body)
    assert same_values(run_program(module, ["a", "b"]), [0.5, True])
    with pytest.raises(
        EvaluationError, match=r"^sa\.discretise 'd': the function raised on input 3\.0"
    ):
        run_program(module, ["c"])


def test_linear_combines_numbers():
    body = (
        '  %x = sa.lookup "x" %t {"a" -> 1, "b" -> true, "c" -> 1.0, "d" -> -0.0, '
        '"e" -> 2.5} : !rasp.sop<numerical> values {-0.0, 1, 1.0, 2.5, true} '
        "noise 0.0\n"
        '  %n = sa.lookup "n" %i {0 -> 0, 1 -> 1, 2 -> 2, 3 -> 3} : '
        "!rasp.sop<numerical> values {0, 1, 2, 3} noise 0.0\n"
        '  %l = sa.linear "l" %x, %n factors 2, -0.5 : !rasp.sop<numerical> '
        "values {-1.5, -1.0, 0.5, 1.5, 2.0, 4.0, 5.0} noise 0.0\n"
        + output("l", "numerical")
    )
    module = module_of(body, vocab='{"a", "b", "c", "d", "e"}')
    assert run_program(module, ["a", "e", "d", "b"]) == [2, 4.5, -1.0, 0.5]


# Heads.


def aggregate_of(values: str, predicate: str, encoding="categorical") -> str:
    return (
        f'  %a = sa.aggregate "a" %i, %i, {values} {predicate} sharpness 10.0 : '
        f"!rasp.sop<{encoding}> values "
        + (
            '{none, "a", "b", "c"}'
            if encoding == "categorical"
            else "{0, 0.5, 1, 1.5, 2, 2.5, 3}"
        )
        + " noise 0.0\n"
        + output("a", encoding)
    )


NUMERIC = (
    '  %v = sa.lookup "v" %t {"a" -> 0, "b" -> 1, "c" -> 3} : '
    "!rasp.sop<numerical> values {0, 1, 3} noise 0.0\n"
)


def test_numerical_aggregate_averages_or_gives_zero():
    assert run(NUMERIC + aggregate_of("%v", "leq", "numerical"), ["b", "a", "c"]) == [
        1,
        0.5,
        4 / 3,
    ]
    assert run(NUMERIC + aggregate_of("%v", "false", "numerical"), ["b", "c"]) == [0, 0]
    # One selected number comes out as itself, as in the evaluator.
    out = run(NUMERIC + aggregate_of("%v", "eq", "numerical"), ["c", "b"])
    assert out == [3, 1] and [type(v) for v in out] == [int, int]


def test_categorical_aggregate_copies_the_selected_value_or_gives_none():
    shifted = aggregate_of("%t", "{(0, 1), (1, 2), (2, 3)}")
    assert run(shifted, ["a", "b", "c"]) == [None, "a", "b"]
    assert run(aggregate_of("%t", "false"), ["a", "b"]) == [None, None]


def test_categorical_aggregate_copies_one_value_selected_several_times():
    body = aggregate_of("%t", "true")
    assert run(body, ["b", "b", "b"]) == ["b", "b", "b"]


def test_categorical_aggregate_selecting_different_values_is_an_error():
    body = aggregate_of("%t", "leq")
    assert run(body, ["a", "a"]) == ["a", "a"]
    with pytest.raises(EvaluationError) as info:
        run(body, ["a", "a", "c"])
    assert str(info.value) == (
        "sa.aggregate 'a': query at position 2 selects different values "
        '{"a", "c"}, but the categorical head can only copy one value'
    )
    # Values are told apart type-exactly: 1 and 1.0 are two directions.
    with pytest.raises(EvaluationError, match=r"selects different values \{1, 1\.0\}"):
        run(
            aggregate_of("%t", "true").replace('"a", "b", "c"', "1, 1.0"),
            [1, 1.0],
            vocab="{1, 1.0}",
        )


def test_causal_heads_see_only_earlier_positions():
    body = aggregate_of("%t", "geq")
    # Query q selects keys k >= q: everything after it, which a causal head cannot see.
    with pytest.raises(EvaluationError):
        run(body, ["a", "b"])
    assert run(body, ["a", "b", "c"], causal=True) == ["a", "b", "c"]
    width = (
        '  %w = sa.count "w" %t, %t true sharpness 10.0 margin 0.01 : '
        "!rasp.sop<categorical> values {0, 1, 2, 3, 4} noise 0.0\n" + output("w")
    )
    assert run(width, ["a", "b", "c"]) == [3, 3, 3]
    assert run(width, ["a", "b", "c"], causal=True) == [1, 2, 3]


def test_count_is_the_selector_width():
    body = (
        '  %w = sa.count "w" %t, %t eq sharpness 10.0 margin 0.01 : '
        "!rasp.sop<numerical> values {0, 1, 2, 3, 4} noise 0.0\n"
        '  %r = sa.count "r" %t, %i {("a", 0), ("b", 0), ("c", 3)} sharpness 10.0 '
        "margin 0.01 : !rasp.sop<categorical> values {0, 1, 2, 3, 4} noise 0.0\n"
        + output("w", "numerical")
    )
    module = module_of(body)
    assert run_program(module, ["a", "b", "a", "a"]) == [3, 1, 3, 3]
    values = run_values(find_program(module, sa.ProgramOp), ["a", "c", "b", "c"])
    by_name = {v.name_hint: out for v, out in values.items()}
    # Relation keys are tokens, queries indices: query 0 selects "a" and "b".
    assert by_name["r"] == [2, 0, 0, 2]


def test_comparison_on_none_names_the_head():
    body = (
        '  %e = sa.aggregate "e" %i, %i, %i false sharpness 1.0 : '
        "!rasp.sop<categorical> values {none, 0, 1, 2, 3} noise 0.0\n"
        '  %w = sa.count "w" %e, %i lt sharpness 10.0 margin 0.01 : '
        "!rasp.sop<categorical> values {0, 1, 2, 3, 4} noise 0.0\n" + output("w")
    )
    with pytest.raises(
        EvaluationError, match=r"^sa\.count 'w': comparison 'lt' applied to None"
    ):
        run(body, ["a", "b"])
    assert run(body, []) == []
