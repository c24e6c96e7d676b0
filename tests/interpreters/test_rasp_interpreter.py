"""The reference interpreter of the rasp dialect, on hand-written IR."""

from __future__ import annotations

import re

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.parser import Parser

from raspir import rasp
from raspir.dialects import rasp as ir
from raspir.errors import InvalidInputError, RaspirError
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.interpreters.rasp import (
    EvaluationError,
    check_input,
    find_program,
    run_program,
    run_values,
)

# Helpers.


def _context() -> Context:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(ir.Rasp)
    return ctx


def module_of(body: str, *, vocab='{"a", "b", "c"}', n=4, causal=False) -> ModuleOp:
    """A verified module whose program defines %t (tokens), %i (indices), %n (length)."""
    text = (
        f'rasp.program vocab {vocab} max_seq_len {n} bos "BOS" pad "PAD"'
        f"{' causal' if causal else ''} {{\n"
        f'  %t = rasp.tokens "tokens" : !rasp.sop<categorical> values {vocab}\n'
        f'  %i = rasp.indices "indices" : !rasp.sop<categorical> values '
        f"{{{', '.join(str(k) for k in range(n))}}}\n"
        f'  %n = rasp.length "length" : !rasp.sop<categorical> values '
        f"{{{', '.join(str(k) for k in range(1, n + 1))}}}\n"
        f"{body}"
        "}\n"
    )
    module = Parser(_context(), text).parse_module()
    module.verify()
    return module


def run(body: str, xs, **kwargs):
    return run_program(module_of(body, **kwargs), xs)


def width_of(selector_ops: str, result: str = "%s", n: int = 4) -> str:
    """Selector ops followed by the selector width of `result` as the output."""
    values = ", ".join(str(k) for k in range(n + 1))
    return (
        f"{selector_ops}"
        f'  %w = rasp.selector_width "w" {result} : !rasp.sop<categorical> values {{{values}}}\n'
        "  rasp.output %w : !rasp.sop<categorical>\n"
    )


def selected(body_ops: str, xs, result: str = "%s", causal=False, n=4):
    """The selection matrix of `result` (query by key), read back via run_values."""
    module = module_of(width_of(body_ops, result, n), causal=causal, n=n)
    program = find_program(module)
    values = run_values(program, xs)
    op = next(
        op
        for op in program.body.block.ops
        if op.results and op.results[0].name_hint == result[1:]
    )
    return values[op.results[0]]


OUTPUT_T = "  rasp.output %t : !rasp.sop<categorical>\n"


# Input checking.


def test_token_not_in_vocab_names_token_and_position():
    module = module_of(OUTPUT_T)
    with pytest.raises(
        InvalidInputError,
        match=r"^token 'd' at position 2 is not in the vocab \{\"a\", \"b\", \"c\"\}$",
    ):
        run_program(module, ["a", "b", "d"])


def test_bos_and_pad_are_not_input_tokens():
    module = module_of(OUTPUT_T)
    with pytest.raises(InvalidInputError, match=r"^token 'BOS' at position 0 "):
        run_program(module, ["BOS", "a"])
    with pytest.raises(InvalidInputError, match=r"^token 'PAD' at position 1 "):
        run_program(module, ["a", "PAD"])


def test_too_long_input():
    module = module_of(OUTPUT_T, n=2)
    with pytest.raises(
        InvalidInputError, match=r"^input has 3 tokens, more than max_seq_len 2$"
    ):
        run_program(module, ["a", "a", "a"])
    assert run_program(module, ["a", "b"]) == ["a", "b"]


@pytest.mark.parametrize(
    "xs,kind", [("ab", "str"), (None, "NoneType"), (3, "int"), ({"a"}, "set")]
)
def test_non_list_input(xs, kind):
    module = module_of(OUTPUT_T)
    with pytest.raises(
        InvalidInputError, match=f"^input must be a list of tokens, got {kind}$"
    ):
        run_program(module, xs)


def test_unhashable_token_is_an_invalid_input():
    module = module_of(OUTPUT_T)
    with pytest.raises(
        InvalidInputError, match=r"^token \['a'\] at position 1 is not in the vocab "
    ):
        run_program(module, ["a", ["a"]])


def test_none_token_is_an_invalid_input():
    module = module_of(OUTPUT_T)
    with pytest.raises(InvalidInputError, match=r"^token None at position 0 "):
        run_program(module, [None])


def test_input_errors_are_raspir_value_errors():
    module = module_of(OUTPUT_T)
    with pytest.raises(RaspirError):
        run_program(module, ["z"])
    with pytest.raises(ValueError):
        run_program(module, ["z"])


def test_input_tokens_must_match_the_vocab_type_exactly():
    module = module_of(OUTPUT_T, vocab="{1, 2}")
    assert run_program(module, [2, 1]) == [2, 1]
    # 1.0 and True equal 1 in Python, but they are other tokens.
    with pytest.raises(
        InvalidInputError,
        match=r"^token 1\.0 at position 1 is not in the vocab \{1, 2\}$",
    ):
        run_program(module, [2, 1.0])
    with pytest.raises(InvalidInputError, match=r"^token True at position 0 "):
        run_program(module, [True])
    mixed = module_of(OUTPUT_T, vocab="{1, 1.0, true}")
    out = run_program(mixed, [True, 1.0, 1])
    assert out == [True, 1.0, 1]
    assert [type(v) for v in out] == [bool, float, int]


def test_numpy_scalar_tokens_are_converted_to_python_values():
    module = module_of(OUTPUT_T, vocab="{1, 2}")
    xs = [np.int64(2), np.int32(1)]
    assert check_input(find_program(module), xs) == [2, 1]
    out = run_program(module, xs)
    assert out == [2, 1] and [type(v) for v in out] == [int, int]
    with pytest.raises(InvalidInputError, match=r"^token 2\.0 at position 0 "):
        run_program(module, [np.float64(2.0)])
    with pytest.raises(InvalidInputError, match=r"^token True at position 0 "):
        run_program(module, [np.bool_(True)])
    strings = module_of(OUTPUT_T)
    out = run_program(strings, [np.str_("b"), "a"])
    assert out == ["b", "a"] and type(out[0]) is str


def test_tuple_input_is_accepted_and_check_input_returns_a_list():
    module = module_of(OUTPUT_T)
    assert run_program(module, ("a", "c")) == ["a", "c"]
    assert check_input(find_program(module), ("a", "b")) == ["a", "b"]


def test_empty_input_gives_empty_output():
    body = (
        '  %s = rasp.select "s" %t, %t eq\n'
        '  %a = rasp.aggregate "a" %s, %t default none : !rasp.sop<categorical> '
        'values {none, "a", "b", "c"}\n'
        "  rasp.output %a : !rasp.sop<categorical>\n"
    )
    assert run(body, []) == []
    assert run(OUTPUT_T, []) == []


def test_find_program_requires_exactly_one():
    with pytest.raises(
        RaspirError, match=r"^expected one rasp.program in the module, found 0$"
    ):
        run_program(ModuleOp([]), [])
    module = module_of(OUTPUT_T)
    program = find_program(module)
    assert find_program(program) is program
    assert run_program(program, ["a"]) == ["a"]


# Primitives, full, constant.


def test_primitives():
    module = module_of(
        '  %p = rasp.sequence_map "p" %i, %n {'
        + ", ".join(f"({i}, {n}) -> ({i}, {n})" for i in range(4) for n in range(1, 5))
        + "} : !rasp.sop<categorical> values {"
        + ", ".join(f"({i}, {n})" for i in range(4) for n in range(1, 5))
        + "}\n  rasp.output %p : !rasp.sop<categorical>\n"
    )
    assert run_program(module, ["c", "a", "b"]) == [(0, 3), (1, 3), (2, 3)]
    values = run_values(find_program(module), ["c", "a"])
    by_name = {v.name_hint: out for v, out in values.items()}
    assert by_name["t"] == ["c", "a"]
    assert by_name["i"] == [0, 1]
    assert by_name["n"] == [2, 2]


def test_full():
    body = (
        '  %f = rasp.full "f" fill (1, "x") : !rasp.sop<categorical> values {(1, "x")}\n'
        "  rasp.output %f : !rasp.sop<categorical>\n"
    )
    assert run(body, ["a", "b", "c"]) == [(1, "x")] * 3
    assert run(body, []) == []


def test_constant_checks_length():
    body = (
        '  %c = rasp.constant "c" [3, 1] : !rasp.sop<categorical> values {1, 3}\n'
        "  rasp.output %c : !rasp.sop<categorical>\n"
    )
    assert run(body, ["a", "b"]) == [3, 1]
    with pytest.raises(
        EvaluationError, match=r"^constant 'c' has 2 values but the input has 3 tokens"
    ):
        run(body, ["a", "b", "c"])


def test_unchecked_constant_skips_the_length_check():
    body = (
        '  %c = rasp.constant "c" [3, 1] unchecked : !rasp.sop<categorical> values {1, 3}\n'
        "  rasp.output %c : !rasp.sop<categorical>\n"
    )
    assert run(body, ["a", "b"]) == [3, 1]
    assert run(body, ["a", "b", "c"]) == [3, 1]


# Maps.


def test_map_looks_up_its_table():
    body = (
        '  %m = rasp.map "m" %t {"a" -> 1, "b" -> (2, "x"), "c" -> none} : '
        '!rasp.sop<categorical> values {none, 1, (2, "x")}\n'
        "  rasp.output %m : !rasp.sop<categorical>\n"
    )
    assert run(body, ["c", "b", "a"]) == [None, (2, "x"), 1]


def test_map_lookup_is_type_exact():
    body = (
        '  %m = rasp.map "m" %t {1 -> "int", 1.0 -> "float", true -> "bool"} : '
        '!rasp.sop<categorical> values {"bool", "float", "int"}\n'
        "  rasp.output %m : !rasp.sop<categorical>\n"
    )
    assert run(body, [True, 1, 1.0, 1], vocab="{1, 1.0, true}") == [
        "bool",
        "int",
        "float",
        "int",
    ]


def test_map_error_entry_fails_only_when_reached():
    body = (
        '  %m = rasp.map "m" %t {"a" -> 1, "b" -> error, "c" -> 2} : '
        "!rasp.sop<categorical> values {1, 2}\n"
        "  rasp.output %m : !rasp.sop<categorical>\n"
    )
    assert run(body, ["a", "c", "a"]) == [1, 2, 1]
    with pytest.raises(
        EvaluationError, match=r"^rasp\.map 'm': the function raised on input \"b\""
    ):
        run(body, ["a", "b"])


def test_none_passes_through_map_and_sequence_map():
    body = (
        '  %s = rasp.select "s" %i, %i {(0, 1), (1, 2), (2, 3)}\n'
        '  %prev = rasp.aggregate "prev" %s, %t default none : !rasp.sop<categorical> '
        'values {none, "a", "b", "c"}\n'
        '  %up = rasp.map "up" %prev {none -> none, "a" -> "A", "b" -> "B", "c" -> "C"} : '
        '!rasp.sop<categorical> values {none, "A", "B", "C"}\n'
        '  %pair = rasp.sequence_map "pair" %up, %t {'
        + ", ".join(
            f'({x}, "{y}") -> {"none" if x == "none" else f"({x}, {chr(34) + y + chr(34)})"}'
            for x in ["none", '"A"', '"B"', '"C"']
            for y in "abc"
        )
        + "} : !rasp.sop<categorical> values {none, "
        + ", ".join(f'({x}, "{y}")' for x in ['"A"', '"B"', '"C"'] for y in "abc")
        + "}\n  rasp.output %pair : !rasp.sop<categorical>\n"
    )
    assert run(body, ["a", "b", "c"]) == [None, ("A", "b"), ("B", "c")]


def test_none_is_passed_through_before_the_table_lookup():
    # Even a table entry for none is not consulted: None stays None.
    body = (
        '  %s = rasp.select "s" %i, %i false\n'
        '  %e = rasp.aggregate "e" %s, %t default none : !rasp.sop<categorical> '
        'values {none, "a", "b", "c"}\n'
        '  %up = rasp.map "up" %e {none -> 5, "a" -> 1, "b" -> 1, "c" -> 1} : '
        "!rasp.sop<categorical> values {1, 5}\n"
        "  rasp.output %up : !rasp.sop<categorical>\n"
    )
    assert run(body, ["a", "b"]) == [None, None]


def test_sequence_map_looks_up_pairs():
    body = (
        '  %p = rasp.sequence_map "p" %t, %i {'
        + ", ".join(f'("{t}", {i}) -> "{t}{i}"' for t in "abc" for i in range(4))
        + "} : !rasp.sop<categorical> values {"
        + ", ".join(f'"{t}{i}"' for t in "abc" for i in range(4))
        + "}\n  rasp.output %p : !rasp.sop<categorical>\n"
    )
    assert run(body, ["c", "a", "b"]) == ["c0", "a1", "b2"]


def test_linear_sequence_map():
    body = (
        '  %l = rasp.linear_sequence_map "l" %i, %n factors 2, -0.5 : '
        "!rasp.sop<categorical> values {"
        + ", ".join(
            sorted(
                {repr(2 * i - 0.5 * n) for i in range(4) for n in range(1, 5)},
                key=float,
            )
        )
        + "}\n  rasp.output %l : !rasp.sop<categorical>\n"
    )
    assert run(body, ["a", "b", "c"]) == [-1.5, 0.5, 2.5]


def test_linear_sequence_map_passes_none_through():
    body = (
        '  %s = rasp.select "s" %i, %i {(0, 1)}\n'
        '  %prev = rasp.aggregate "prev" %s, %i default none : !rasp.sop<categorical> '
        "values {none, 0, 1, 2, 3}\n"
        '  %l = rasp.linear_sequence_map "l" %prev, %i factors 1, 1 : '
        "!rasp.sop<categorical> values {none, 0, 1, 2, 3, 4, 5, 6}\n"
        "  rasp.output %l : !rasp.sop<categorical>\n"
    )
    assert run(body, ["a", "a", "a"]) == [None, 1, None]


# Aggregate and selector width.


AGGREGATE_TOKENS = (
    '  %a = rasp.aggregate "a" %s, %t default "none!" : !rasp.sop<categorical> '
    'values {"a", "b", "c", "none!"}\n'
    "  rasp.output %a : !rasp.sop<categorical>\n"
)


def test_aggregate_default_when_nothing_is_selected():
    body = '  %s = rasp.select "s" %i, %i false\n' + AGGREGATE_TOKENS
    assert run(body, ["a", "b"]) == ["none!", "none!"]


def test_aggregate_single_selection_returns_the_value():
    body = '  %s = rasp.select "s" %i, %i {(1, 0), (0, 1), (2, 2)}\n' + AGGREGATE_TOKENS
    assert run(body, ["a", "b", "c"]) == ["b", "a", "c"]


def test_aggregate_several_non_numbers_is_an_error():
    body = '  %s = rasp.select "s" %i, %i true\n' + AGGREGATE_TOKENS
    assert run(body, ["a"]) == ["a"]
    with pytest.raises(EvaluationError, match=r"'a'.*cannot be averaged"):
        run(body, ["a", "b"])


def test_aggregate_mean_of_numbers():
    body = (
        '  %v = rasp.map "v" %t {"a" -> 0, "b" -> 1, "c" -> 3} : '
        "!rasp.sop<numerical> values {0, 1, 3}\n"
        '  %s = rasp.select "s" %i, %i leq\n'
        '  %a = rasp.aggregate "a" %s, %v default 0 : !rasp.sop<numerical> '
        "values {0, 0.5, 1, 1.3333333333333333, 1.5, 1.75, 2.0, 3}\n"
        "  rasp.output %a : !rasp.sop<numerical>\n"
    )
    out = run(body, ["b", "a", "c", "c"])
    assert out == [1, 0.5, 4 / 3, 7 / 4]
    # Position 0 selects one value, which comes out unchanged (an int).
    assert [type(v) for v in out] == [int, float, float, float]


def test_aggregate_single_selected_number_keeps_its_type():
    body = (
        '  %v = rasp.map "v" %t {"a" -> true, "b" -> 3, "c" -> 2.5} : '
        "!rasp.sop<numerical> values {2.5, 3, true}\n"
        '  %s = rasp.select "s" %i, %i eq\n'
        '  %a = rasp.aggregate "a" %s, %v default 0 : !rasp.sop<numerical> '
        "values {0, 2.5, 3, true}\n"
        "  rasp.output %a : !rasp.sop<numerical>\n"
    )
    out = run(body, ["a", "b", "c"])
    assert out == [True, 3, 2.5]
    assert [type(v) for v in out] == [bool, int, float]


def test_aggregate_mean_matches_the_evaluator():
    table = {"a": 0, "b": 1, "c": 3}
    values = rasp.numerical(rasp.Map(lambda t: table[t], rasp.tokens))
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    prog = rasp.numerical(rasp.Aggregate(prevs, values, default=0))
    module = to_rasp_ir(prog, ["a", "b", "c"], 4)
    for xs in (["b"], ["b", "a", "c", "c"], ["c", "c", "c"], ["a", "b"]):
        expected = prog(xs)
        got = run_program(module, xs)
        assert got == expected
        assert [type(v) for v in got] == [type(v) for v in expected]


def test_selector_width_counts_selected_keys():
    body = width_of('  %s = rasp.select "s" %t, %t eq\n')
    assert run(body, ["a", "b", "a", "a"]) == [3, 1, 3, 3]
    assert run(body, ["c"]) == [1]


# Select with every comparison; relations.


@pytest.mark.parametrize(
    "comparison,expected",
    [
        ("eq", [[True, False, False], [False, True, False], [False, False, True]]),
        ("lt", [[False, False, False], [True, False, False], [True, True, False]]),
        ("leq", [[True, False, False], [True, True, False], [True, True, True]]),
        ("gt", [[False, True, True], [False, False, True], [False, False, False]]),
        ("geq", [[True, True, True], [False, True, True], [False, False, True]]),
        ("neq", [[False, True, True], [True, False, True], [True, True, False]]),
        ("true", [[True] * 3] * 3),
        ("false", [[False] * 3] * 3),
    ],
)
def test_select_comparisons_are_key_op_query(comparison, expected):
    # matrix[query][key] holds comparison(key, query), on indices.
    ops = f'  %s = rasp.select "s" %i, %i {comparison}\n'
    assert selected(ops, ["a", "b", "c"]) == expected
    ref = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison[comparison.upper()])
    assert ref(["a", "b", "c"]) == expected


def test_select_keys_and_queries_from_different_sops():
    # Keys are tokens, queries indices: key "b" is selected by query 1 only.
    ops = '  %s = rasp.select "s" %t, %i {("b", 1), ("a", 0)}\n'
    assert selected(ops, ["b", "a", "b"]) == [
        [False, True, False],
        [True, False, True],
        [False, False, False],
    ]


def test_select_relation_is_type_exact_about_values():
    # The pair (1, true) selects key 1 for query true only: not 1.0, not true.
    ops = '  %s = rasp.select "s" %t, %t {(1, true)}\n'
    module = module_of(width_of(ops), vocab="{1, 1.0, true}")
    assert run_program(module, [1, 1.0, True]) == [0, 0, 1]
    assert run_program(module, [True, 1.0]) == [0, 0]
    assert run_program(module, [True, 1, 1]) == [2, 0, 0]


def test_select_relation_is_type_exact_about_tuples_of_values():
    ops = '  %s = rasp.select "s" %i, %i {(0, 0), (2, 1)}\n'
    assert selected(ops, ["a", "a", "a"]) == [
        [True, False, False],
        [False, False, True],
        [False, False, False],
    ]


def test_comparison_on_none_is_an_evaluation_error():
    body = (
        '  %z = rasp.select "z" %i, %i false\n'
        '  %e = rasp.aggregate "e" %z, %i default none : !rasp.sop<categorical> '
        "values {none, 0, 1, 2, 3}\n"
        '  %s = rasp.select "s" %e, %i lt\n'
    )
    with pytest.raises(
        EvaluationError, match=r"^select 's': comparison 'lt' applied to None"
    ):
        run(width_of(body), ["a", "b"])
    # With no positions, nothing is compared.
    assert run(width_of(body), []) == []


def test_comparison_of_incomparable_values_is_an_evaluation_error():
    body = (
        '  %m = rasp.map "m" %t {"a" -> 1, "b" -> "x", "c" -> 2} : '
        '!rasp.sop<categorical> values {1, 2, "x"}\n'
        '  %s = rasp.select "s" %m, %m lt\n'
    )
    assert run(width_of(body), ["a", "c"]) == [0, 1]
    with pytest.raises(EvaluationError, match=r"^select 's': "):
        run(width_of(body), ["a", "b"])


def test_relation_never_fails_on_none():
    body = (
        '  %z = rasp.select "z" %i, %i false\n'
        '  %e = rasp.aggregate "e" %z, %i default none : !rasp.sop<categorical> '
        "values {none, 0, 1, 2, 3}\n"
        '  %s = rasp.select "s" %e, %i {(none, 1)}\n'
    )
    assert run(width_of(body), ["a", "b", "c"]) == [0, 3, 0]


# Selector combinators and causal masking.


COMBINATORS = (
    '  %lt = rasp.select "lt" %i, %i lt\n'
    '  %eq = rasp.select "eq" %t, %t eq\n'
    '  %and = rasp.select_and "and" %lt, %eq\n'
    '  %or = rasp.select_or "or" %lt, %eq\n'
    '  %not = rasp.select_not "not" %lt\n'
)


def test_select_and_or_not():
    xs = ["a", "b", "a"]
    lt = [[False, False, False], [True, False, False], [True, True, False]]
    eq = [[True, False, True], [False, True, False], [True, False, True]]
    assert selected(COMBINATORS, xs, "%lt") == lt
    assert selected(COMBINATORS, xs, "%eq") == eq
    assert selected(COMBINATORS, xs, "%and") == [
        [a and b for a, b in zip(r, s, strict=True)]
        for r, s in zip(lt, eq, strict=True)
    ]
    assert selected(COMBINATORS, xs, "%or") == [
        [a or b for a, b in zip(r, s, strict=True)] for r, s in zip(lt, eq, strict=True)
    ]
    assert selected(COMBINATORS, xs, "%not") == [[not a for a in r] for r in lt]


def _lower(matrix):
    return [[v and k <= q for k, v in enumerate(row)] for q, row in enumerate(matrix)]


@pytest.mark.parametrize("name", ["%lt", "%eq", "%and", "%or", "%not"])
def test_causal_masks_every_selector(name):
    xs = ["a", "b", "a", "b"]
    plain = selected(COMBINATORS, xs, name)
    causal = selected(COMBINATORS, xs, name, causal=True)
    for q, row in enumerate(causal):
        for k, v in enumerate(row):
            assert not (v and k > q), (name, q, k)
    if name != "%not":
        assert causal == _lower(plain)


def test_causal_negation_is_masked_after_negating():
    # not(true) selects nothing; not(masked true) would select the upper triangle
    # if the mask were applied only before negating.
    ops = '  %all = rasp.select "all" %i, %i true\n  %s = rasp.select_not "s" %all\n'
    assert selected(ops, ["a"] * 3, causal=True) == [[False] * 3] * 3
    ops = (
        '  %none = rasp.select "none" %i, %i false\n  %s = rasp.select_not "s" %none\n'
    )
    assert selected(ops, ["a"] * 3, causal=True) == _lower([[True] * 3] * 3)
    assert selected(ops, ["a"] * 3) == [[True] * 3] * 3


def test_causal_composites_match_the_causal_evaluator():
    lt = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    eq = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    programs = [
        rasp.SelectorWidth(rasp.SelectorNot(lt)),
        rasp.SelectorWidth(rasp.SelectorOr(rasp.SelectorNot(lt), eq)),
        rasp.SelectorWidth(
            rasp.SelectorAnd(rasp.SelectorNot(eq), rasp.SelectorNot(lt))
        ),
    ]
    for prog in programs:
        module = to_rasp_ir(prog, ["a", "b"], 4, causal=True)
        for xs in (["a", "b", "a", "b"], ["b", "b", "a"], ["a"]):
            assert run_program(module, xs) == rasp.evaluate(prog, xs, causal=True)


def test_causal_selector_width_counts_prefixes():
    body = width_of('  %s = rasp.select "s" %t, %t true\n')
    assert run(body, ["a", "b", "c"], causal=True) == [1, 2, 3]
    assert run(body, ["a", "b", "c"]) == [3, 3, 3]


AGGREGATE_OF_KEYS_0_AND_2 = (
    '  %v = rasp.map "v" %t {"a" -> 1, "b" -> 2, "c" -> 3} : '
    "!rasp.sop<numerical> values {1, 2, 3}\n"
    '  %a = rasp.aggregate "a" %s, %v default 0 : !rasp.sop<numerical> '
    "values {0, 1, 1.5, 2, 2.5, 3}\n"
    "  rasp.output %a : !rasp.sop<numerical>\n"
)


def test_causal_aggregate_sees_only_earlier_positions():
    body = (
        '  %s = rasp.select "s" %i, %i {(0, 0), (0, 1), (0, 2), (2, 0), (2, 1), '
        "(2, 2)}\n" + AGGREGATE_OF_KEYS_0_AND_2
    )
    # Every query selects keys 0 and 2; causally key 2 needs q >= 2.
    assert run(body, ["a", "b", "c"]) == [2, 2, 2]
    assert run(body, ["a", "b", "c"], causal=True) == [1, 1, 2]


def test_causal_length_is_the_prefix_length():
    output = "  rasp.output %n : !rasp.sop<categorical>\n"
    assert run(output, ["a", "b", "c"]) == [3, 3, 3]
    assert run(output, ["a", "b", "c"], causal=True) == [1, 2, 3]
    # A query with length 3 selects keys 0 and 2: causally only the last one.
    body = (
        '  %s = rasp.select "s" %i, %n {(0, 3), (2, 3)}\n' + AGGREGATE_OF_KEYS_0_AND_2
    )
    assert run(body, ["a", "b", "c"]) == [2, 2, 2]
    assert run(body, ["a", "b", "c"], causal=True) == [0, 0, 2]


def test_run_values_returns_every_ssa_value():
    module = module_of(
        COMBINATORS + width_of("", "%and"),
    )
    program = find_program(module)
    values = run_values(program, ["a", "b"])
    names = {v.name_hint for v in values}
    assert {"t", "i", "n", "lt", "eq", "and", "or", "not", "w"} <= names
    assert all(isinstance(out, list) for out in values.values())


def test_evaluation_error_names_op_and_input():
    body = (
        '  %m = rasp.map "risky" %t {"a" -> 1, "b" -> error, "c" -> 1} : '
        "!rasp.sop<categorical> values {1}\n"
        "  rasp.output %m : !rasp.sop<categorical>\n"
    )
    with pytest.raises(EvaluationError) as info:
        run(body, ["b"])
    assert str(info.value) == "rasp.map 'risky': the function raised on input \"b\""
    assert isinstance(info.value, RaspirError)
    assert re.search("risky", str(info.value))


def test_sequences_of_different_lengths_are_zipped_to_the_shorter():
    table = ", ".join(f"({c}, {i}) -> {10 * c + i}" for c in (1, 3) for i in range(3))
    body = (
        '  %c = rasp.constant "c" [3, 1] unchecked : !rasp.sop<categorical> values {1, 3}\n'
        f'  %sm = rasp.sequence_map "sm" %c, %i {{{table}}} : !rasp.sop<categorical> '
        "values {10, 11, 12, 30, 31, 32}\n"
        "  rasp.output %sm : !rasp.sop<categorical>\n"
    )
    assert run(body, ["a", "b", "c"], n=3) == [30, 11]
    assert run(body, ["a"], n=3) == [30]
    assert run(body, [], n=3) == []


@pytest.mark.parametrize("length", [1, 3])
def test_unchecked_constant_of_another_length_behaves_as_in_the_evaluator(length):
    const = rasp.ConstantSOp([1, 2], check_length=False)
    programs = [
        rasp.SequenceMap(lambda a, b: (a, b), const, rasp.indices),
        rasp.Aggregate(
            rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ), const
        ),
        rasp.numerical(
            rasp.LinearSequenceMap(
                rasp.numerical(const), rasp.numerical(rasp.indices), 1, 10
            )
        ),
        rasp.SelectorWidth(
            rasp.SelectorAnd(
                rasp.Select(const, rasp.indices, rasp.Comparison.TRUE),
                rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE),
            )
        ),
        rasp.Aggregate(
            rasp.SelectorOr(
                rasp.Select(const, rasp.indices, rasp.Comparison.EQ),
                rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.FALSE),
            ),
            rasp.tokens,
        ),
    ]
    xs = ["a"] * length
    for prog in programs:
        module = to_rasp_ir(prog, ["a"], 3)
        assert run_program(module, xs) == prog(xs)
