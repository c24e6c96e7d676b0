"""The rasp dialect: value encoding, attributes, op construction, parsing, verifiers."""

from __future__ import annotations

import io
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.ir import Block, Region
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import ParseError, VerifyException

from raspir.dialects import rasp as ir
from raspir.dialects.values import (
    canonical_set,
    format_value,
    is_finite_number,
    is_value,
    value_key,
)

# Helpers.


def _context() -> Context:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(ir.Rasp)
    return ctx


def print_ir(module) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    return stream.getvalue()


def parse_ir(text: str) -> ModuleOp:
    return Parser(_context(), text).parse_module()


def parse_attr(text: str):
    return Parser(_context(), text).parse_attribute()


def same(a, b) -> bool:
    """Exact equality of RASP values: same types all the way down, -0.0 != 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return a == b


def round_trip_value(v):
    """Parse a value back from its text form, as a ValueAttr and as a fill value."""
    attr = parse_attr(f"#rasp.value<{format_value(v)}>")
    assert isinstance(attr, ir.ValueAttr)
    module = parse_ir(
        'rasp.program vocab {"a"} max_seq_len 1 bos "B" pad "P" {\n'
        f'  %f = rasp.full "f" fill {format_value(v)} : !rasp.sop<categorical> '
        f"values {{{format_value(v)}}}\n"
        "  rasp.output %f : !rasp.sop<categorical>\n"
        "}\n"
    )
    module.verify()
    fill = list(module.body.block.first_op.body.block.ops)[0]
    assert same(fill.fill.data, attr.data)
    assert same(fill.values.data[0], attr.data)
    assert print_ir(parse_ir(print_ir(module))) == print_ir(module)
    return attr.data


PROGRAM_HEADER = 'rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {\n'
TOKENS = '  %t = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}\n'


def program(body: str, header: str = PROGRAM_HEADER, tokens: str = TOKENS) -> str:
    return header + tokens + body + "}\n"


def verify_error(text: str) -> str:
    module = parse_ir(text)
    with pytest.raises(VerifyException) as info:
        module.verify()
    return str(info.value)


def parse_error(text: str) -> str:
    with pytest.raises(ParseError) as info:
        parse_ir(text)
    return str(info.value)


# Value text encoding.


@pytest.mark.parametrize(
    "value,text",
    [
        (None, "none"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-2, "-2"),
        (2**100, "1267650600228229401496703205376"),
        (-(2**70), "-1180591620717411303424"),
        (0.5, "0.5"),
        (1.0, "1.0"),
        (-3.0, "-3.0"),
        (1e-05, "1.0e-05"),
        (1e20, "1.0e+20"),
        (1.5e300, "1.5e+300"),
        (5e-324, "5.0e-324"),
        (-0.0, "-0.0"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
        ("", '""'),
        ("a", '"a"'),
        ('q"uote', '"q\\22uote"'),
        ("back\\slash", '"back\\\\slash"'),
        ("\n\t", '"\\0A\\09"'),
        ((), "()"),
        ((1,), "(1)"),
        (((),), "(())"),
        ((1, ("a", (None, True))), '(1, ("a", (none, true)))'),
        ((1.0, -1), "(1.0, -1)"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text
    assert same(round_trip_value(value), value)


@pytest.mark.parametrize(
    "value",
    [
        "é",
        "日本語",
        "emoji 🙂",
        'mixed "é" \\ \t',
        "\x00\x7f\x1f",
        ("ü", ("ß",)),
        "(1, 2)",
        "none",
    ],
)
def test_string_values_round_trip(value):
    assert same(round_trip_value(value), value)


def test_format_value_rejects_non_values():
    with pytest.raises(TypeError, match=r"^not a RASP value: \[1\] of type list$"):
        format_value([1])


def test_floats_and_ints_stay_distinct_through_text():
    assert same(round_trip_value(1), 1)
    assert same(round_trip_value(1.0), 1.0)
    assert same(round_trip_value(True), True)
    assert same(round_trip_value((1, 1.0, True)), (1, 1.0, True))


def test_negative_zero_keeps_its_sign():
    parsed = round_trip_value(-0.0)
    assert math.copysign(1.0, parsed) == -1.0
    parsed = round_trip_value((0.0, -0.0))
    assert [math.copysign(1.0, v) for v in parsed] == [1.0, -1.0]


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=8
)


@settings(max_examples=300, deadline=None)
@given(_values)
@example("\x1f\x80")
@example((-0.0, 0.0, math.nan, -math.inf))
@example((2**80, (True, 1, 1.0), ("é\\", ())))
def test_value_text_round_trip_is_exact(value):
    assert is_value(value)
    attr = parse_attr(f"#rasp.value<{format_value(value)}>")
    assert same(attr.data, value), (value, format_value(value), attr.data)
    assert format_value(attr.data) == format_value(value)


@settings(max_examples=100, deadline=None)
@given(st.lists(_values, max_size=6))
@example([1, True, 1.0, "1", (1,), (True,)])
@example([(math.nan,), (float("nan"),)])
def test_value_set_and_list_attributes_round_trip(values):
    vs = ir.ValueSetAttr(values)
    reparsed = parse_attr(f"#rasp.values<{{{', '.join(map(format_value, vs.data))}}}>")
    assert reparsed == vs
    assert len(reparsed.data) == len(vs.data)
    assert all(same(a, b) for a, b in zip(reparsed.data, vs.data, strict=True))

    lst = ir.ValueListAttr(tuple(values))
    reparsed = parse_attr(f"#rasp.list<[{', '.join(map(format_value, values))}]>")
    assert reparsed == lst
    assert all(same(a, b) for a, b in zip(reparsed.data, values, strict=True))


# canonical_set.


def test_canonical_set_order():
    values = [(1,), "b", "a", 2, None, 1.5, False, math.nan, (), -3]
    out = canonical_set(values)
    assert out[:5] == (None, -3, False, 1.5, 2)
    assert math.isnan(out[5])
    assert out[6:] == ("a", "b", (), (1,))


def test_canonical_set_keeps_int_float_and_bool_apart():
    # 1, 1.0 and True are equal in Python but three values; equal numbers sort
    # ints first, then floats, then bools.
    out = canonical_set([True, 1.0, 1])
    assert out == (1, 1.0, True)
    assert [type(v) for v in out] == [int, float, bool]
    out = canonical_set([1.0, True])
    assert [type(v) for v in out] == [float, bool]
    out = canonical_set([True, True, 1, 1])
    assert out == (1, True) and [type(v) for v in out] == [int, bool]
    out = canonical_set([0.0, False, 0, 2, 0.5])
    assert out == (0, 0.0, False, 0.5, 2)
    assert [type(v) for v in out] == [int, float, bool, float, int]
    out = canonical_set([(True, "a"), (1.0, "a"), (1, "a"), (1, "a")])
    assert [type(v[0]) for v in out] == [int, float, bool]


def test_ints_beyond_the_float_range_sort_and_are_not_finite_numbers():
    huge = 10**400
    assert canonical_set([huge, 1.5, -huge, 0, True]) == (-huge, 0, True, 1.5, huge)
    assert not is_finite_number(huge) and is_finite_number(10**300)


def test_canonical_set_keeps_one_nan():
    out = canonical_set([math.nan, float("nan"), 1])
    assert len(out) == 2 and out[0] == 1 and math.isnan(out[1])


def test_canonical_set_treats_nan_inside_tuples_as_one_value():
    # Two nan objects are different Python objects, but the same RASP value.
    out = canonical_set([(float("nan"),), (float("nan"),), ("x", float("nan"))])
    assert len(out) == 2
    assert len(canonical_set([(1, math.nan), (1, float("nan")), (1.0, math.nan)])) == 2
    text = "{" + ", ".join(format_value(v) for v in out) + "}"
    reparsed = parse_attr(f"#rasp.values<{text}>")
    assert len(reparsed.data) == 2


def test_canonical_set_is_independent_of_input_order():
    values = ["c", 3, None, (2, "x"), 0.5, "a", True, (1,)]
    assert canonical_set(values) == canonical_set(reversed(values))
    assert canonical_set(values) == canonical_set(sorted(values, key=repr))


def test_value_key_is_type_exact():
    assert value_key(True) != value_key(1)
    assert value_key(1) != value_key(1.0)
    assert value_key((1,)) != value_key((True,))
    assert value_key(math.nan) == value_key(float("nan"))


def test_is_value():
    assert all(is_value(v) for v in [None, True, 1, 1.5, "s", (), (1, ("a",))])
    assert not any(is_value(v) for v in [[1], {1}, {"a": 1}, (1, [2]), object()])


# Attribute equality is type-exact.


def test_value_attr_equality_is_type_exact():
    assert ir.ValueAttr(True) != ir.ValueAttr(1)
    assert ir.ValueAttr(1) != ir.ValueAttr(1.0)
    assert ir.ValueAttr((1,)) != ir.ValueAttr((True,))
    assert ir.ValueAttr(1) == ir.ValueAttr(1)
    assert ir.ValueAttr(math.nan) == ir.ValueAttr(math.nan)
    assert len({ir.ValueAttr(True), ir.ValueAttr(1), ir.ValueAttr(1.0)}) == 3


def test_table_attr_equality_is_type_exact():
    assert ir.TableAttr([(1, True)]) != ir.TableAttr([(1, 1)])
    assert ir.TableAttr([(True, 1)]) != ir.TableAttr([(1, 1)])
    assert ir.TableAttr([(1, ir.UNDEFINED)]) != ir.TableAttr([(1, None)])
    assert ir.TableAttr([(2, "b"), (1, "a")]) == ir.TableAttr([(1, "a"), (2, "b")])
    assert len({ir.TableAttr([(1, True)]), ir.TableAttr([(1, 1)])}) == 2


def test_other_value_attrs_equality_is_type_exact():
    assert ir.ValueSetAttr([1]) != ir.ValueSetAttr([True])
    assert ir.ValueSetAttr([2, 1]) == ir.ValueSetAttr([1, 2])
    assert ir.RelationAttr([(1, 1)]) != ir.RelationAttr([(True, 1)])
    assert ir.ValueListAttr((1, 2)) != ir.ValueListAttr((1.0, 2))


def test_table_attr_sorts_keys_and_keeps_the_first_entry():
    table = ir.TableAttr([(2, 1), (1, 3), (1, 5)])
    assert table.data == ((1, 3), (2, 1))
    assert table.as_dict() == {value_key(1): 3, value_key(2): 1}
    assert ir.TableAttr([("a", 1), ("b", ir.UNDEFINED), ("c", 1)]).outputs() == (1,)


def test_table_attr_keys_are_type_exact():
    # 1, 1.0 and True are three inputs; only a truly repeated key is dropped.
    table = ir.TableAttr([(True, "c"), (1.0, "b"), (1, "a"), (1.0, "x")])
    assert table.data == ((1, "a"), (1.0, "b"), (True, "c"))
    assert [type(k) for k, _ in table.data] == [int, float, bool]
    assert table.as_dict() == {
        value_key(1): "a",
        value_key(1.0): "b",
        value_key(True): "c",
    }
    nested = ir.TableAttr([((1, math.nan), "first"), ((1, float("nan")), "second")])
    assert len(nested.data) == 1 and nested.data[0][1] == "first"
    text = '#rasp.table<{1 -> "a", 1.0 -> "b", true -> "c"}>'
    assert parse_attr(text) == table


def test_attribute_text_syntax():
    assert parse_attr('#rasp.value<"a">') == ir.ValueAttr("a")
    assert parse_attr("#rasp.values<{2, 1}>") == ir.ValueSetAttr([1, 2])
    assert parse_attr("#rasp.list<[2, 1, 2]>") == ir.ValueListAttr((2, 1, 2))
    table = parse_attr('#rasp.table<{"b" -> error, "a" -> 1}>')
    assert table == ir.TableAttr([("a", 1), ("b", ir.UNDEFINED)])
    assert parse_attr("#rasp.cmp<geq>") == ir.ComparisonAttr("geq")
    assert parse_attr("#rasp.relation<{(1, 2), (0, 0)}>") == ir.RelationAttr(
        [(0, 0), (1, 2)]
    )
    assert parse_attr("!rasp.sop<numerical>") == ir.SOpType(ir.NUMERICAL)
    assert parse_attr("!rasp.selector") == ir.SelectorType()
    for attr in [
        ir.ValueAttr((1, "x")),
        ir.ValueSetAttr([None, 2, "s"]),
        ir.ValueListAttr((3, 3, None)),
        ir.TableAttr([(1, ir.UNDEFINED), (2, (1, 2))]),
        ir.ComparisonAttr("neq"),
        ir.RelationAttr([("a", 1)]),
    ]:
        stream = io.StringIO()
        Printer(stream=stream).print_attribute(attr)
        assert parse_attr(stream.getvalue()) == attr


def test_compare_applies_comparisons_key_first():
    assert ir.compare("lt", 1, 2) is True
    assert ir.compare("gt", 1, 2) is False
    assert ir.compare("leq", 2, 2) and ir.compare("geq", 2, 2)
    assert ir.compare("eq", "a", "a") and ir.compare("neq", "a", "b")
    assert ir.compare("true", 0, 1) is True and ir.compare("false", 0, 1) is False
    with pytest.raises(ValueError, match=r"^comparison 'true' applied to None$"):
        ir.compare("true", None, 1)
    with pytest.raises(ValueError, match=r"^unknown comparison 'bogus'$"):
        ir.compare("bogus", 1, 2)


# Attribute verifiers (reachable only from Python: the parser canonicalises).


def test_attribute_verifiers():
    with pytest.raises(
        VerifyException,
        match=r"^value set is not in canonical order or repeats a value$",
    ):
        ir.ValueSetAttr.new((2, 1)).verify()
    with pytest.raises(VerifyException, match=r"repeats a value$"):
        ir.ValueSetAttr.new((1, 1)).verify()
    with pytest.raises(VerifyException, match=r"repeats a value$"):
        ir.ValueSetAttr.new((math.nan, (1, math.nan), (1, float("nan")))).verify()
    # Equal numbers of different types are distinct, ordered int, float, bool.
    ir.ValueSetAttr.new((1, 1.0, True)).verify()
    with pytest.raises(VerifyException, match=r"not in canonical order"):
        ir.ValueSetAttr.new((True, 1)).verify()
    with pytest.raises(
        VerifyException, match=r"^table keys are not in canonical order or repeat$"
    ):
        ir.TableAttr.new(((2, 1), (1, 1))).verify()
    with pytest.raises(
        VerifyException, match=r"^table keys are not in canonical order or repeat$"
    ):
        ir.TableAttr.new(((1, "a"), (1, "b"))).verify()
    ir.TableAttr.new(((1, "a"), (True, "b"))).verify()
    with pytest.raises(VerifyException, match=r"^unknown comparison 'lessthan'$"):
        ir.ComparisonAttr.new("lessthan").verify()
    with pytest.raises(
        VerifyException, match=r"^a relation holds \(key, query\) pairs$"
    ):
        ir.RelationAttr.new(((1,),)).verify()
    with pytest.raises(
        VerifyException,
        match=r"^s-op encoding must be 'categorical' or 'numerical', got 'weird'$",
    ):
        ir.SOpType("weird")


# Building ops with their constructors.


def build_every_op(causal: bool = False) -> ModuleOp:
    block = Block()

    def add(op):
        block.add_op(op)
        return op.results[0] if op.results else None

    t = add(ir.TokensOp("tokens", ir.CATEGORICAL, ["b", "a"]))
    i = add(ir.IndicesOp("indices", ir.CATEGORICAL, [0, 1, 2]))
    n = add(ir.LengthOp("length", ir.NUMERICAL, [1, 2, 3]))
    add(ir.FullOp("full", ir.CATEGORICAL, "x"))
    add(ir.ConstantOp("const", ir.CATEGORICAL, [1, None, 1], check_length=False))
    m = add(
        ir.MapOp(
            "upper",
            ir.CATEGORICAL,
            t,
            ir.TableAttr([("a", "A"), ("b", ir.UNDEFINED)]),
            ["A"],
        )
    )
    sm = add(
        ir.SequenceMapOp(
            "pair",
            ir.CATEGORICAL,
            m,
            i,
            ir.TableAttr([(("A", k), ("A", k)) for k in range(3)]),
            [("A", k) for k in range(3)],
        )
    )
    lin = add(
        ir.LinearSequenceMapOp("lin", ir.NUMERICAL, n, n, 0.5, -1, [-1.5, -1.0, -0.5])
    )
    lt = add(ir.SelectOp("lt", i, i, ir.ComparisonAttr("lt")))
    rel = add(ir.SelectOp("rel", t, i, ir.RelationAttr([("a", 0), ("b", 2)])))
    both = add(ir.SelectAndOp("both", lt, rel))
    either = add(ir.SelectOrOp("either", lt, rel))
    neither = add(ir.SelectNotOp("neither", either))
    add(ir.SelectorWidthOp("width", ir.CATEGORICAL, both, [0, 1, 2, 3]))
    add(
        ir.AggregateOp(
            "agg",
            ir.CATEGORICAL,
            neither,
            sm,
            None,
            [None, *[("A", k) for k in range(3)]],
        )
    )
    mean = add(
        ir.AggregateOp("mean", ir.NUMERICAL, lt, lin, 0, [-1.5, -1.25, -1.0, -0.5, 0])
    )
    block.add_op(ir.OutputOp(mean))
    prog = ir.ProgramOp(["a", "b"], 3, "BOS", "PAD", causal, Region(block))
    return ModuleOp([prog])


def test_ops_built_with_constructors_verify_and_round_trip():
    module = build_every_op()
    module.verify()
    text = print_ir(module)
    reparsed = parse_ir(text)
    reparsed.verify()
    assert print_ir(reparsed) == text
    assert text.splitlines()[1] == (
        '  rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {'
    )
    # The ops have no name hints, so check the op kinds after reparsing.
    kinds = [op.name for op in reparsed.body.block.first_op.body.block.ops]
    assert kinds == [
        "rasp.tokens",
        "rasp.indices",
        "rasp.length",
        "rasp.full",
        "rasp.constant",
        "rasp.map",
        "rasp.sequence_map",
        "rasp.linear_sequence_map",
        "rasp.select",
        "rasp.select",
        "rasp.select_and",
        "rasp.select_or",
        "rasp.select_not",
        "rasp.selector_width",
        "rasp.aggregate",
        "rasp.aggregate",
        "rasp.output",
    ]
    for fragment in [
        'rasp.full "full" fill "x" : !rasp.sop<categorical> values {"x"}',
        'rasp.constant "const" [1, none, 1] unchecked : !rasp.sop<categorical> '
        "values {none, 1}",
        '{"a" -> "A", "b" -> error} : !rasp.sop<categorical> values {"A"}',
        "factors 0.5, -1 : !rasp.sop<numerical> values {-1.5, -1.0, -0.5}",
        " lt\n",
        '{("a", 0), ("b", 2)}\n',
        "default none : !rasp.sop<categorical>",
        "default 0 : !rasp.sop<numerical> values {-1.5, -1.25, -1.0, -0.5, 0}",
        "rasp.output ",
    ]:
        assert fragment in text, fragment


def test_op_accessors():
    module = build_every_op(causal=True)
    module.verify()
    prog = module.body.block.first_op
    assert isinstance(prog, ir.ProgramOp)
    assert prog.is_causal
    assert " causal {" in print_ir(module).splitlines()[1]
    ops = {op.label.data: op for op in prog.body.block.ops if "label" in op.properties}
    assert ops["tokens"].encoding == ir.CATEGORICAL
    assert ops["length"].encoding == ir.NUMERICAL
    assert ops["upper"].table.as_dict() == {
        value_key("a"): "A",
        value_key("b"): ir.UNDEFINED,
    }
    assert ops["lin"].fst_factor.data == 0.5 and ops["lin"].snd_factor.data == -1
    assert ops["agg"].default.data is None and ops["mean"].default.data == 0
    assert ops["lt"].predicate == ir.ComparisonAttr("lt")
    assert prog.output.sop is ops["mean"].result
    assert ir.value_set_of(ops["width"].result) == (0, 1, 2, 3)
    assert ir.value_set_of(ops["lt"].result) is None
    assert not build_every_op(causal=False).body.block.first_op.is_causal


def test_extra_attributes_round_trip():
    text = (
        'rasp.program vocab {"a"} max_seq_len 2 bos "B" pad "P" causal attributes '
        '{note = "x"} {\n'
        '  %t = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"} '
        "attributes {hint = 3 : i64}\n"
        '  %s = rasp.select "s" %t, %t true attributes {k}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n"
        "}\n"
    )
    module = parse_ir(text)
    module.verify()
    printed = print_ir(module)
    assert 'causal attributes {note = "x"} {' in printed
    assert 'values {"a"} attributes {hint = 3 : i64}' in printed
    assert "%t, %t true attributes {k}" in printed
    assert print_ir(parse_ir(printed)) == printed


def test_generic_format_round_trips():
    module = build_every_op(causal=True)
    stream = io.StringIO()
    Printer(stream=stream, print_generic_format=True).print_op(module)
    generic = stream.getvalue()
    assert '"rasp.map"' in generic and "#rasp.table<" in generic
    reparsed = parse_ir(generic)
    reparsed.verify()
    assert print_ir(reparsed) == print_ir(module)


# Verifier errors, from IR text.


def _map(table: str, values: str, enc: str = "categorical") -> str:
    return (
        f'  %m = rasp.map "m" %t {table} : !rasp.sop<{enc}> values {values}\n'
        f"  rasp.output %m : !rasp.sop<{enc}>\n"
    )


VERIFIER_CASES = {
    # Found by fuzzing raspir-opt's input (raspir.testing.ir_fuzz): passes
    # raised Python errors, hung or made IR that does not verify on these.
    "linear map of strings": (
        program(
            '  %k = rasp.linear_sequence_map "k" %t, %t factors 0.5, 1 : '
            "!rasp.sop<categorical> values {1}\n"
            "  rasp.output %k : !rasp.sop<categorical>\n"
        ),
        "rasp.linear_sequence_map 'k': input value \"a\" is not a number",
    ),
    "infinite factor": (
        program(
            '  %k = rasp.linear_sequence_map "k" %t, %t factors inf, 1 : '
            "!rasp.sop<numerical> values {1}\n"
            "  rasp.output %t : !rasp.sop<categorical>\n"
        ),
        "rasp.linear_sequence_map 'k': factors must be finite floats",
    ),
    "numerical value beyond the float range": (
        program(
            '  %f = rasp.full "f" fill 1 : !rasp.sop<numerical> values {1, 1'
            + "0" * 400
            + "}\n  rasp.output %t : !rasp.sop<categorical>\n"
        ),
        "rasp.full 'f': numerical s-op has a value beyond the float range in its "
        "value set",
    ),
    "max_seq_len over the limit": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            header=PROGRAM_HEADER.replace("max_seq_len 3", "max_seq_len 100001"),
        ),
        "max_seq_len 100001 is over the limit of 100000",
    ),
    "numerical with string": (
        program(_map('{"a" -> "x", "b" -> 1}', '{1, "x"}', "numerical")),
        "rasp.map 'm': numerical s-op has non-numeric value \"x\" in its value set",
    ),
    "fill outside values": (
        program(
            '  %f = rasp.full "f" fill 3 : !rasp.sop<categorical> values {1}\n'
            "  rasp.output %f : !rasp.sop<categorical>\n"
        ),
        "rasp.full 'f': fill value 3 is not in the value set",
    ),
    "constant outside values": (
        program(
            '  %c = rasp.constant "c" [1, 2] : !rasp.sop<categorical> values {1}\n'
            "  rasp.output %c : !rasp.sop<categorical>\n"
        ),
        "rasp.constant 'c': constant value 2 is not in the value set",
    ),
    "table missing an input": (
        program(_map('{"a" -> 1}', "{1}")),
        "rasp.map 'm': table does not cover input \"b\" of its input value set",
    ),
    "table with extra input": (
        program(_map('{"a" -> 1, "b" -> 1, "c" -> 2}', "{1, 2}")),
        "rasp.map 'm': table input \"c\" is not in the input value set",
    ),
    "table output outside values": (
        program(_map('{"a" -> 1, "b" -> 2}', "{1}")),
        "rasp.map 'm': table output 2 is not in the value set",
    ),
    "sequence map table missing a pair": (
        program(
            '  %m = rasp.sequence_map "sm" %t, %t {("a", "a") -> 1, ("a", "b") -> 1, '
            '("b", "a") -> 1} : !rasp.sop<categorical> values {1}\n'
            "  rasp.output %m : !rasp.sop<categorical>\n"
        ),
        'rasp.sequence_map \'sm\': table does not cover input ("b", "b") of its input '
        "value set",
    ),
    "non-numeric factor": (
        program(
            '  %i = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1, 2}\n'
            '  %m = rasp.linear_sequence_map "l" %i, %i factors true, 1 : '
            "!rasp.sop<numerical> values {0}\n"
            "  rasp.output %m : !rasp.sop<numerical>\n"
        ),
        "rasp.linear_sequence_map 'l': factors must be numbers, got true",
    ),
    "aggregate changes encoding": (
        program(
            '  %s = rasp.select "s" %t, %t eq\n'
            '  %a = rasp.aggregate "a" %s, %t default none : !rasp.sop<numerical> '
            "values {0}\n"
            "  rasp.output %a : !rasp.sop<numerical>\n"
        ),
        "rasp.aggregate 'a': aggregate of a categorical s-op must be categorical, "
        "not numerical",
    ),
    "aggregate default outside values": (
        program(
            '  %s = rasp.select "s" %t, %t eq\n'
            '  %a = rasp.aggregate "a" %s, %t default none : !rasp.sop<categorical> '
            'values {"a", "b"}\n'
            "  rasp.output %a : !rasp.sop<categorical>\n"
        ),
        "rasp.aggregate 'a': default none is not in the value set",
    ),
    "aggregate input outside values": (
        program(
            '  %s = rasp.select "s" %t, %t eq\n'
            '  %a = rasp.aggregate "a" %s, %t default none : !rasp.sop<categorical> '
            'values {none, "a"}\n'
            "  rasp.output %a : !rasp.sop<categorical>\n"
        ),
        "rasp.aggregate 'a': aggregated value \"b\" is not in the value set",
    ),
    "negative width": (
        program(
            '  %s = rasp.select "s" %t, %t eq\n'
            '  %w = rasp.selector_width "w" %s : !rasp.sop<categorical> values {-1, 0}\n'
            "  rasp.output %w : !rasp.sop<categorical>\n"
        ),
        "rasp.selector_width 'w': selector_width can only produce counts, got -1",
    ),
    "boolean width": (
        program(
            '  %s = rasp.select "s" %t, %t eq\n'
            '  %w = rasp.selector_width "w" %s : !rasp.sop<categorical> values {true}\n'
            "  rasp.output %w : !rasp.sop<categorical>\n"
        ),
        "rasp.selector_width 'w': selector_width can only produce counts, got true",
    ),
    "relation key outside keys": (
        program(
            '  %s = rasp.select "s" %t, %t {("c", "a")}\n'
            "  rasp.output %t : !rasp.sop<categorical>\n"
        ),
        "rasp.select 's': selected key \"c\" is not in the keys' value set",
    ),
    "relation query outside queries": (
        program(
            '  %s = rasp.select "s" %t, %t {("a", "z")}\n'
            "  rasp.output %t : !rasp.sop<categorical>\n"
        ),
        "rasp.select 's': selected query \"z\" is not in the queries' value set",
    ),
    "tokens miss a vocab token": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            tokens='  %t = rasp.tokens "tok" : !rasp.sop<categorical> values {"a"}\n',
        ),
        "rasp.tokens value \"b\" is not in the value set of rasp.tokens 'tok'",
    ),
    "indices miss a position": (
        program(
            '  %i = rasp.indices "idx" : !rasp.sop<categorical> values {0, 1}\n'
            "  rasp.output %i : !rasp.sop<categorical>\n"
        ),
        "rasp.indices value 2 is not in the value set of rasp.indices 'idx'",
    ),
    "length misses a length": (
        program(
            '  %n = rasp.length "len" : !rasp.sop<categorical> values {1, 2}\n'
            "  rasp.output %n : !rasp.sop<categorical>\n"
        ),
        "rasp.length value 3 is not in the value set of rasp.length 'len'",
    ),
    "empty vocab": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            header='rasp.program vocab {} max_seq_len 3 bos "B" pad "P" {\n',
            tokens='  %t = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}\n',
        ),
        "program vocab is empty",
    ),
    "max_seq_len 0": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            header='rasp.program vocab {"a", "b"} max_seq_len 0 bos "B" pad "P" {\n',
        ),
        "max_seq_len must be at least 1, got 0",
    ),
    "max_seq_len negative": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            header='rasp.program vocab {"a", "b"} max_seq_len -2 bos "B" pad "P" {\n',
        ),
        "max_seq_len must be at least 1, got -2",
    ),
    "bos equals pad": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            header='rasp.program vocab {"a", "b"} max_seq_len 3 bos "X" pad "X" {\n',
        ),
        'bos and pad must differ, both are "X"',
    ),
    "bos in vocab": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            header='rasp.program vocab {"a", "b"} max_seq_len 3 bos "a" pad "X" {\n',
        ),
        'bos token "a" is also in the vocab',
    ),
    "pad in vocab": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            header='rasp.program vocab {"a", "b"} max_seq_len 3 bos "X" pad "b" {\n',
        ),
        'pad token "b" is also in the vocab',
    ),
    "program without output": (
        program('  %f = rasp.full "f" fill 1 : !rasp.sop<categorical> values {1}\n'),
        "Operation rasp.full terminates block in single-block region but is not a "
        "terminator",
    ),
    "map of a selector": (
        program(
            '  %s = rasp.select "s" %t, %t eq\n'
            '  %m = rasp.map "m" %s {} : !rasp.sop<categorical> values {}\n'
            "  rasp.output %m : !rasp.sop<categorical>\n"
        ),
        "operand 'input' at position 0 does not verify:\n"
        "!rasp.selector should be of base attribute rasp.sop",
    ),
}


@pytest.mark.parametrize("case", list(VERIFIER_CASES), ids=list(VERIFIER_CASES))
def test_verifier_errors(case):
    text, message = VERIFIER_CASES[case]
    assert verify_error(text) == message


def test_output_outside_program_does_not_verify():
    text = (
        'builtin.module {\n  %t = "rasp.tokens"() <{label = "t", values = '
        '#rasp.values<{"a"}>}> : () -> !rasp.sop<categorical>\n'
        "  rasp.output %t : !rasp.sop<categorical>\n}\n"
    )
    assert "rasp.output" in verify_error(text)
    assert "rasp.program" in verify_error(text)


def test_well_formed_edge_cases_verify():
    # Value sets may be larger than needed, and ints/bools/floats mix in one set.
    text = program(
        '  %m = rasp.map "m" %t {"a" -> true, "b" -> 2.5} : !rasp.sop<numerical> '
        "values {-1, true, 2.5}\n"
        '  %s = rasp.select "s" %t, %t {}\n'
        '  %w = rasp.selector_width "w" %s : !rasp.sop<categorical> values {0, 1, 2, 3, 9}\n'
        "  rasp.output %m : !rasp.sop<numerical>\n"
    )
    parse_ir(text).verify()


def test_type_exact_vocab_tables_and_relations_verify():
    # 1, 1.0 and true are three tokens, three table inputs and three relation
    # keys; pad 2.0 is not the vocab's 2.
    text = program(
        '  %m = rasp.map "m" %t {1 -> "a", 1.0 -> "b", true -> "c", 2 -> "d"} : '
        '!rasp.sop<categorical> values {"a", "b", "c", "d"}\n'
        '  %s = rasp.select "s" %t, %t {(1, 1.0), (1.0, true), (true, 1)}\n'
        "  rasp.output %m : !rasp.sop<categorical>\n",
        header="rasp.program vocab {true, 2, 1.0, 1} max_seq_len 3 bos 0 pad 2.0 {\n",
        tokens='  %t = rasp.tokens "tokens" : !rasp.sop<categorical> '
        "values {1, 1.0, true, 2}\n",
    )
    module = parse_ir(text)
    module.verify()
    prog = module.body.block.first_op
    assert prog.vocab.data == (1, 1.0, True, 2)
    assert [type(v) for v in prog.vocab.data] == [int, float, bool, int]
    printed = print_ir(module)
    assert (
        "rasp.program vocab {1, 1.0, true, 2} max_seq_len 3 bos 0 pad 2.0 {" in printed
    )
    assert '{1 -> "a", 1.0 -> "b", true -> "c", 2 -> "d"}' in printed
    assert "{(1, 1.0), (1.0, true), (true, 1)}" in printed
    # Without the entry for 1.0, the entries for 1 and true do not cover it.
    missing = text.replace('1.0 -> "b", ', "")
    assert verify_error(missing) == (
        "rasp.map 'm': table does not cover input 1.0 of its input value set"
    )


# Parse errors for the dialect's custom syntax.


PARSE_CASES = {
    "value set repeats a value": (
        _map('{"a" -> 1, "b" -> 1}', "{1, 1.0, true, 1}"),
        "value set lists 1 twice",
    ),
    "value set repeats a nested nan": (
        _map('{"a" -> 1, "b" -> 1}', "{1, (nan, 1), (nan, 1)}"),
        "value set lists (nan, 1) twice",
    ),
    "table repeats an input": (
        _map('{"a" -> 1, "a" -> 2, "b" -> 1}', "{1, 2}"),
        'function table lists "a" twice',
    ),
    "relation repeats a pair": (
        '  %s = rasp.select "s" %t, %t {("a", "a"), ("a", 1), ("a", 1.0), ("a", 1)}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        'relation lists ("a", 1) twice',
    ),
    "table without arrow": (
        _map('{"a" => 1, "b" -> 1}', "{1}"),
        "Expected '->' between a table input and its output",
    ),
    "unknown comparison": (
        '  %s = rasp.select "s" %t, %t lessthan\n  rasp.output %t : !rasp.sop<categorical>\n',
        "unknown comparison 'lessthan', expected one of eq, lt, leq, gt, geq, neq, true, "
        "false or a relation {(key, query), ...}",
    ),
    "relation of non-pairs": (
        '  %s = rasp.select "s" %t, %t {("a")}\n  rasp.output %t : !rasp.sop<categorical>\n',
        'a relation holds (key, query) pairs, got ("a")',
    ),
    "use before definition": (
        _map('{"a" -> 1}', "{1}").replace("%t", "%zz", 1),
        "%zz is used before it is defined",
    ),
    "unknown encoding": (
        '  %m = rasp.tokens "t2" : !rasp.sop<weird> values {"a", "b"}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "Expected one of 'categorical', 'numerical' (the encoding of an s-op)",
    ),
    "not a value": (
        '  %f = rasp.full "f" fill foo : !rasp.sop<categorical> values {1}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "expected a RASP value (none, true, false, a number, a string or a tuple)",
    ),
    "dangling minus": (
        '  %f = rasp.full "f" fill - : !rasp.sop<categorical> values {1}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "expected a number or 'inf' after '-'",
    ),
    "unclosed tuple": (
        '  %f = rasp.full "f" fill (1, 2 : !rasp.sop<categorical> values {1}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "Expected ')' to close a tuple value",
    ),
    "missing label": (
        "  %f = rasp.full f fill 1 : !rasp.sop<categorical> values {1}\n"
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "string literal expected (the s-op's label)",
    ),
    "unregistered op": (
        '  %x = rasp.bogus "x" %t : !rasp.sop<categorical> values {"a"}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "Operation rasp.bogus is not registered",
    ),
}


@pytest.mark.parametrize("case", list(PARSE_CASES), ids=list(PARSE_CASES))
def test_parse_errors(case):
    body, message = PARSE_CASES[case]
    error = parse_error(program(body))
    assert error.startswith("<unknown>:3:"), error
    assert message in error, error


@pytest.mark.parametrize(
    "body,braces",
    [
        (_map('{"a" -> 1, "b" -> 1}', "{1, 1.0, true, 1}"), "{1, 1.0, true, 1}"),
        (
            _map('{"a" -> 1, "a" -> 2, "b" -> 1}', "{1, 2}"),
            '{"a" -> 1, "a" -> 2, "b" -> 1}',
        ),
        (
            '  %s = rasp.select "s" %t, %t {("a", "a"), ("a", "a")}\n'
            "  rasp.output %t : !rasp.sop<categorical>\n",
            '{("a", "a"), ("a", "a")}',
        ),
    ],
    ids=["value set", "table", "relation"],
)
def test_duplicate_diagnostics_mark_exactly_the_braces(body, braces):
    error = parse_error(program(body))
    source = body.splitlines()[0]
    column = source.index(braces)
    # The location, the source line, the marker and the message; not the next line.
    location, line, marker, message = error.splitlines()
    assert location == f"<unknown>:3:{column + 1}", error
    assert line.strip() == source.strip(), error
    # The marker underlines the braces and nothing else.
    offset = len(line) - len(line.lstrip()) - (len(source) - len(source.lstrip()))
    assert marker[offset:] == " " * column + "^" * len(braces), error
    assert message.strip().endswith(" twice"), error
    assert "rasp.output" not in error, error


# The dtype setting.


def test_dtype_float64_round_trips_and_float32_is_not_printed():
    header = PROGRAM_HEADER.replace(' pad "PAD" {', ' pad "PAD" causal dtype float64 {')
    module = parse_ir(program("  rasp.output %t : !rasp.sop<categorical>\n", header))
    module.verify()
    op = module.body.block.first_op
    assert op.float_dtype == ir.FLOAT64 and op.is_causal
    printed = print_ir(module)
    assert 'pad "PAD" causal dtype float64 {' in printed
    assert print_ir(parse_ir(printed)) == printed
    # like() carries it to the next level's program op.
    assert ir.ProgramOp.like(op, Region(Block())).float_dtype == ir.FLOAT64
    # float32 is the default: absent from the text and the properties.
    default = parse_ir(program("  rasp.output %t : !rasp.sop<categorical>\n"))
    assert default.body.block.first_op.float_dtype == ir.FLOAT32
    assert "dtype" not in default.body.block.first_op.properties
    assert "dtype" not in print_ir(default)
    spelled = PROGRAM_HEADER.replace(' pad "PAD" {', ' pad "PAD" dtype float32 {')
    explicit = parse_ir(program("  rasp.output %t : !rasp.sop<categorical>\n", spelled))
    assert print_ir(explicit) == print_ir(default)


def test_unknown_dtype_is_a_verifier_error_naming_it():
    header = PROGRAM_HEADER.replace(' pad "PAD" {', ' pad "PAD" dtype float16 {')
    error = verify_error(program("  rasp.output %t : !rasp.sop<categorical>\n", header))
    assert "unknown dtype 'float16' (expected float32 or float64)" in error
    header = PROGRAM_HEADER.replace(' pad "PAD" {', ' pad "PAD" dtype {')
    assert "(the dtype: float32 or float64)" in parse_error(
        program("  rasp.output %t : !rasp.sop<categorical>\n", header)
    )
