"""The ``rasp`` dialect: one op per RASP expression.

This is the top level of raspir. SSA values are s-ops (``!rasp.sop<categorical>``
or ``!rasp.sop<numerical>``) and selectors (``!rasp.selector``). A
``rasp.program`` holds the compile settings (vocab, max_seq_len, BOS, PAD,
causal, the float dtype the model computes in) and a region of RASP ops ending
in ``rasp.output``.

A rasp module is closed data: every Python function of the source program has
been tabulated over its inferred input value set (``#rasp.table``), selector
predicates are either a symbolic comparison (``lt``, ``eq``, ...) or the
relation of selected (key, query) pairs, and every s-op carries its value set
and its user-visible label. So the IR can be printed, parsed, hashed and
diffed, and the interpreter in ``raspir.interpreters.rasp`` runs it without
the original Python.

Op syntax (s-ops)::

    %x = rasp.<op> "label" <operands> <op-specific> : !rasp.sop<enc> values {...}

Selectors omit the type and value set. Discardable attributes may follow as
``attributes {...}``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import ClassVar

from xdsl.dialects.builtin import (
    BoolAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
)
from xdsl.ir import (
    Attribute,
    Data,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasCanonicalizationPatternsTrait,
    HasParent,
    IsolatedFromAbove,
    IsTerminator,
    Pure,
)
from xdsl.utils.exceptions import VerifyException

from raspir.dialects.values import (
    Value,
    canonical_set,
    format_list,
    format_value,
    format_value_set,
    is_canonical,
    is_finite_number,
    parse_distinct_braced,
    parse_value,
    parse_value_set,
    value_key,
)

CATEGORICAL = "categorical"
NUMERICAL = "numerical"
ENCODINGS = (CATEGORICAL, NUMERICAL)

FLOAT32 = "float32"
FLOAT64 = "float64"
DTYPES = (FLOAT32, FLOAT64)
"""The float types a model can compute in; float32 is the default."""

MAX_SEQ_LEN = 100_000
"""The longest input a program can be compiled for: passes work position by
position, and the model embeds every position (max_seq_len + 1 rows)."""


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


@irdl_attr_definition
class SOpType(ParametrizedAttribute, TypeAttribute):
    """An s-op: one value per position, encoded categorically or numerically."""

    name = "rasp.sop"

    encoding: StringAttr

    def __init__(self, encoding: str | StringAttr):
        super().__init__(
            StringAttr(encoding) if isinstance(encoding, str) else encoding
        )

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            encoding = parser.parse_keyword_in(ENCODINGS, " (the encoding of an s-op)")
        return (StringAttr(encoding),)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{self.encoding.data}>")

    def verify(self) -> None:
        if self.encoding.data not in ENCODINGS:
            raise VerifyException(
                f"s-op encoding must be 'categorical' or 'numerical', "
                f"got '{self.encoding.data}'"
            )

    @property
    def is_numerical(self) -> bool:
        return self.encoding.data == NUMERICAL


@irdl_attr_definition
class SelectorType(ParametrizedAttribute, TypeAttribute):
    """A selector: a boolean query-by-key matrix."""

    name = "rasp.selector"


# ---------------------------------------------------------------------------
# Attributes holding RASP values
# ---------------------------------------------------------------------------


class _TypeExactData(Data):
    """Data whose equality is type-exact on RASP values (``True`` is not ``1``)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def _key(self) -> tuple:
        # Computed once: a large relation or table is compared and hashed
        # whenever it is used as a dict key.
        key = self.__dict__.get("_value_key")
        if key is None:
            key = value_key(self.data)
            object.__setattr__(self, "_value_key", key)
        return key


@irdl_attr_definition
class ValueAttr(_TypeExactData, Data[Value]):
    """One RASP value: ``#rasp.value<"a">``."""

    name = "rasp.value"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> Value:
        with parser.in_angle_brackets():
            return parse_value(parser)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{format_value(self.data)}>")


@irdl_attr_definition
class ValueSetAttr(_TypeExactData, Data[tuple[Value, ...]]):
    """A set of RASP values in canonical order: ``#rasp.values<{1, 2}>``."""

    name = "rasp.values"

    def __init__(self, values: Iterable[Value]):
        super().__init__(canonical_set(values))

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[Value, ...]:
        with parser.in_angle_brackets():
            return parse_value_set(parser)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{format_value_set(self.data)}>")

    def verify(self) -> None:
        if not is_canonical(self.data):
            raise VerifyException(
                "value set is not in canonical order or repeats a value"
            )


@irdl_attr_definition
class ValueListAttr(_TypeExactData, Data[tuple[Value, ...]]):
    """An ordered list of RASP values (a constant s-op): ``#rasp.list<[1, 2]>``."""

    name = "rasp.list"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[Value, ...]:
        with parser.in_angle_brackets():
            return _parse_value_list(parser)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{format_list(self.data)}>")


def _parse_value_list(parser: AttrParser) -> tuple[Value, ...]:
    return tuple(
        parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parse_value(parser), " in a value list"
        )
    )


class _Undefined:
    """Table entry for an input on which the source function raised."""

    _instance: ClassVar[_Undefined | None] = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "error"


UNDEFINED = _Undefined()


@irdl_attr_definition
class TableAttr(_TypeExactData, Data[tuple[tuple[Value, Value], ...]]):
    """A tabulated function: ``#rasp.table<{"a" -> 1, "b" -> error}>``.

    Keys are input values (for a binary function, ``(x, y)`` pairs), sorted
    canonically. ``error`` marks an input on which the source function raised:
    the evaluator fails there, so such an input is never accepted.
    """

    name = "rasp.table"

    def __init__(self, entries: Iterable[tuple[Value, Value]]):
        mapping: dict[tuple, tuple[Value, Value]] = {}
        for k, v in entries:
            mapping.setdefault(value_key(k), (k, v))
        ordered = canonical_set(k for k, _ in mapping.values())
        super().__init__(tuple(mapping[value_key(k)] for k in ordered))

    def _key(self) -> tuple:
        return tuple(
            (value_key(k), ("error",) if v is UNDEFINED else value_key(v))
            for k, v in self.data
        )

    def as_dict(self) -> dict[tuple, Value]:
        """Outputs keyed by the type-exact ``value_key`` of their input (built once:
        interpreters look tables up for every input they run)."""
        cached = self.__dict__.get("_as_dict")
        if cached is None:
            cached = {value_key(k): v for k, v in self.data}
            object.__setattr__(self, "_as_dict", cached)
        return cached

    def outputs(self) -> tuple[Value, ...]:
        """The defined outputs, as a canonical set."""
        return canonical_set(v for _, v in self.data if v is not UNDEFINED)

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[tuple[Value, Value], ...]:
        with parser.in_angle_brackets():
            return _parse_table_entries(parser)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{self.format()}>")

    def format(self) -> str:
        return (
            "{"
            + ", ".join(
                f"{format_value(k)} -> {'error' if v is UNDEFINED else format_value(v)}"
                for k, v in self.data
            )
            + "}"
        )

    def verify(self) -> None:
        if not is_canonical([k for k, _ in self.data]):
            raise VerifyException("table keys are not in canonical order or repeat")


def _parse_table_entries(parser: AttrParser) -> tuple[tuple[Value, Value], ...]:
    def entry() -> tuple[Value, Value]:
        key = parse_value(parser)
        parser.parse_punctuation("->", " between a table input and its output")
        if parser.parse_optional_keyword("error") is not None:
            return key, UNDEFINED
        return key, parse_value(parser)

    entries = parse_distinct_braced(
        parser, entry, "function table", key=lambda item: item[0]
    )
    return TableAttr(entries).data


COMPARISONS = ("eq", "lt", "leq", "gt", "geq", "neq", "true", "false")
"""Symbolic predicates, applied as ``predicate(key, query)`` like RASP's Comparison."""


@irdl_attr_definition
class ComparisonAttr(Data[str]):
    """A symbolic comparison predicate: ``#rasp.cmp<lt>`` means ``key < query``."""

    name = "rasp.cmp"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> str:
        with parser.in_angle_brackets():
            return parser.parse_keyword_in(COMPARISONS, " (a comparison)")

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{self.data}>")

    def verify(self) -> None:
        if self.data not in COMPARISONS:
            raise VerifyException(f"unknown comparison '{self.data}'")


def compare(comparison: str, key: Value, query: Value) -> bool:
    """Apply a symbolic comparison as RASP does (None is an error)."""
    if key is None or query is None:
        raise ValueError(f"comparison '{comparison}' applied to None")
    match comparison:
        case "eq":
            return key == query
        case "lt":
            return key < query
        case "leq":
            return key <= query
        case "gt":
            return key > query
        case "geq":
            return key >= query
        case "neq":
            return key != query
        case "true":
            return True
        case "false":
            return False
    raise ValueError(f"unknown comparison '{comparison}'")


@irdl_attr_definition
class RelationAttr(_TypeExactData, Data[tuple[tuple[Value, Value], ...]]):
    """A tabulated predicate: the set of selected ``(key, query)`` pairs."""

    name = "rasp.relation"

    def __init__(self, pairs: Iterable[tuple[Value, Value]]):
        super().__init__(canonical_set(pairs))

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple[tuple[Value, Value], ...]:
        with parser.in_angle_brackets():
            return _parse_relation(parser)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{format_value_set(self.data)}>")

    def verify(self) -> None:
        if any(not (isinstance(p, tuple) and len(p) == 2) for p in self.data):
            raise VerifyException("a relation holds (key, query) pairs")


@functools.lru_cache(maxsize=256)
def relation_keys(relation: RelationAttr) -> frozenset[tuple]:
    """The ``value_key`` of each ``(key, query)`` pair of a relation, built once
    per relation (hashing the attribute costs as much as reading it, so call
    this once per use, not once per pair)."""
    return frozenset(value_key(pair) for pair in relation.data)


def _parse_relation(parser: AttrParser) -> tuple[tuple[Value, Value], ...]:
    def pair() -> tuple[Value, Value]:
        at = parser.pos
        value = parse_value(parser)
        if not (isinstance(value, tuple) and len(value) == 2):
            parser.raise_error(
                f"a relation holds (key, query) pairs, got {format_value(value)}",
                at,
                parser.pos,
            )
        return value

    return canonical_set(parse_distinct_braced(parser, pair, "relation"))


PredicateAttr = ComparisonAttr | RelationAttr

# ---------------------------------------------------------------------------
# Helpers shared by the ops' custom syntax and verifiers
# ---------------------------------------------------------------------------

_SELECTOR = SelectorType()


def _print_label(printer: Printer, label: StringAttr) -> None:
    printer.print_string(" " + format_value(label.data))


def _print_operands(printer: Printer, operands: Sequence[SSAValue]) -> None:
    printer.print_string(" ")
    printer.print_list(operands, printer.print_operand)


def _print_extra_attributes(printer: Printer, op: Operation) -> None:
    if op.attributes:
        printer.print_string(" attributes ")
        printer.print_attr_dict(op.attributes)


def _parse_extra_attributes(parser: Parser) -> dict[str, Attribute]:
    if parser.parse_optional_keyword("attributes") is None:
        return {}
    attrs = parser.parse_optional_attr_dict()
    if not attrs:
        parser.raise_error(
            "expected a non-empty attribute dictionary after 'attributes'"
        )
    return dict(attrs)


def _parse_operands(parser: Parser, count: int) -> list[SSAValue]:
    operands = [_parse_defined_operand(parser)]
    for _ in range(count - 1):
        parser.parse_punctuation(",")
        operands.append(_parse_defined_operand(parser))
    return operands


def _parse_defined_operand(parser: Parser) -> SSAValue:
    """An operand defined earlier in the block; its type is the definition's.

    RASP programs are DAGs in definition order, so the operand types need not be
    spelled out in the text.
    """
    operand = parser.parse_unresolved_operand()
    defined = parser.ssa_values.get(operand.operand_name)
    if defined is None or operand.index >= len(defined):
        parser.raise_error(
            f"%{operand.operand_name} is used before it is defined", operand.span
        )
    return parser.resolve_operand(operand, defined[operand.index].type)


def value_set_of(value: SSAValue) -> tuple[Value, ...] | None:
    """The value set carried by the op defining an s-op value, if any."""
    owner = value.owner
    if isinstance(owner, SOpOp):
        return owner.values.data
    return None


def check_subset(
    values: Iterable[Value], allowed: Sequence[Value], what: str, where: str
) -> None:
    allowed_keys = {value_key(a) for a in allowed}
    for v in values:
        if value_key(v) not in allowed_keys:
            raise VerifyException(f"{what} {format_value(v)} is not in {where}")


@contextmanager
def _naming(op: Operation) -> Iterator[None]:
    """Prefix verifier messages with the op and its label, so users can find it."""
    try:
        yield
    except VerifyException as e:
        label = op.properties.get("label")
        where = (
            f"{op.name} '{label.data}'" if isinstance(label, StringAttr) else op.name
        )
        raise VerifyException(f"{where}: {e}") from e


class RaspCanonicalization(HasCanonicalizationPatternsTrait):
    """The rasp patterns ``canonicalize`` applies (raspir.patterns.rasp)."""

    @classmethod
    def get_canonicalization_patterns(cls):
        from raspir.patterns.rasp import PATTERNS

        return PATTERNS


class SOpOp(IRDLOperation):
    """Base of every op producing an s-op: a label, a value set, a typed result."""

    label = prop_def(StringAttr)
    values = prop_def(ValueSetAttr)
    result = result_def(SOpType)

    traits = traits_def(Pure(), RaspCanonicalization())

    OPERAND_COUNT: ClassVar[int] = 0

    @property
    def encoding(self) -> str:
        assert isinstance(self.result.type, SOpType)
        return self.result.type.encoding.data

    def print(self, printer: Printer) -> None:
        _print_label(printer, self.label)
        if self.operands:
            _print_operands(printer, self.operands)
        self.print_specific(printer)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)
        printer.print_string(" values ")
        printer.print_string(format_value_set(self.values.data))
        self.print_trailer(printer)
        _print_extra_attributes(printer, self)

    def print_trailer(self, printer: Printer) -> None:
        """Print what follows the value set (lower levels add constants here)."""

    @classmethod
    def parse_trailer(cls, parser: Parser) -> dict[str, Attribute]:
        return {}

    def print_specific(self, printer: Printer) -> None:
        """Print what follows the operands (tables, defaults, ...)."""

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        return {}

    @classmethod
    def parse(cls, parser: Parser) -> SOpOp:
        label = parser.parse_str_literal(" (the s-op's label)")
        operands = (
            _parse_operands(parser, cls.OPERAND_COUNT) if cls.OPERAND_COUNT else []
        )
        props = cls.parse_specific(parser)
        parser.parse_punctuation(":")
        result_type = parser.parse_type()
        parser.parse_keyword("values")
        values = ValueSetAttr.new(parse_value_set(parser))
        props |= cls.parse_trailer(parser)
        attrs = _parse_extra_attributes(parser)
        props |= {"label": StringAttr(label), "values": values}
        return cls.create(
            operands=operands,
            result_types=[result_type],
            properties=props,
            attributes=attrs,
        )

    def verify_(self) -> None:
        with _naming(self):
            self.verify_value_set()
            self.verify_semantics()

    def verify_value_set(self) -> None:
        if isinstance(self.result.type, SOpType) and self.result.type.is_numerical:
            for v in self.values.data:
                if not isinstance(v, bool | int | float):
                    raise VerifyException(
                        "numerical s-op has non-numeric value "
                        f"{format_value(v)} in its value set"
                    )
                try:
                    float(v)  # the model carries a numerical s-op as a float
                except OverflowError:
                    raise VerifyException(
                        "numerical s-op has a value beyond the float range "
                        "in its value set"
                    ) from None

    def verify_semantics(self) -> None:
        """Op-specific checks (tables against value sets, ...)."""


class SelectorOp(IRDLOperation):
    """Base of every op producing a selector."""

    label = prop_def(StringAttr)
    result = result_def(SelectorType)

    traits = traits_def(Pure(), RaspCanonicalization())

    OPERAND_COUNT: ClassVar[int] = 2

    def print(self, printer: Printer) -> None:
        _print_label(printer, self.label)
        _print_operands(printer, self.operands)
        self.print_specific(printer)
        _print_extra_attributes(printer, self)

    def print_specific(self, printer: Printer) -> None:
        pass

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        return {}

    @classmethod
    def parse(cls, parser: Parser) -> SelectorOp:
        label = parser.parse_str_literal(" (the selector's label)")
        operands = _parse_operands(parser, cls.OPERAND_COUNT)
        props = cls.parse_specific(parser)
        attrs = _parse_extra_attributes(parser)
        props["label"] = StringAttr(label)
        return cls.create(
            operands=operands,
            result_types=[_SELECTOR],
            properties=props,
            attributes=attrs,
        )


def _sop_props(label: str, values: Iterable[Value]) -> dict[str, Attribute]:
    return {"label": StringAttr(label), "values": ValueSetAttr(values)}


# ---------------------------------------------------------------------------
# S-op ops
# ---------------------------------------------------------------------------


@irdl_op_definition
class TokensOp(SOpOp):
    """The input tokens."""

    name = "rasp.tokens"

    def __init__(self, label: str, encoding: str, values: Iterable[Value]):
        super().__init__(
            result_types=[SOpType(encoding)], properties=_sop_props(label, values)
        )


@irdl_op_definition
class IndicesOp(SOpOp):
    """The position of every token, 0 .. length-1."""

    name = "rasp.indices"

    def __init__(self, label: str, encoding: str, values: Iterable[Value]):
        super().__init__(
            result_types=[SOpType(encoding)], properties=_sop_props(label, values)
        )


@irdl_op_definition
class LengthOp(SOpOp):
    """The length of the input, at every position."""

    name = "rasp.length"

    def __init__(self, label: str, encoding: str, values: Iterable[Value]):
        super().__init__(
            result_types=[SOpType(encoding)], properties=_sop_props(label, values)
        )


@irdl_op_definition
class FullOp(SOpOp):
    """The same value at every position."""

    name = "rasp.full"

    fill = prop_def(ValueAttr)

    def __init__(self, label: str, encoding: str, fill: Value):
        super().__init__(
            result_types=[SOpType(encoding)],
            properties=_sop_props(label, [fill]) | {"fill": ValueAttr(fill)},
        )

    def print_specific(self, printer: Printer) -> None:
        printer.print_string(f" fill {format_value(self.fill.data)}")

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        parser.parse_keyword("fill")
        return {"fill": ValueAttr(parse_value(parser))}

    def verify_semantics(self) -> None:
        check_subset([self.fill.data], self.values.data, "fill value", "the value set")


@irdl_op_definition
class ConstantOp(SOpOp):
    """A fixed sequence of values (for tests); ``unchecked`` skips the length check."""

    name = "rasp.constant"

    sequence = prop_def(ValueListAttr)
    check_length = prop_def(BoolAttr)

    def __init__(
        self,
        label: str,
        encoding: str,
        sequence: Sequence[Value],
        check_length: bool = True,
    ):
        super().__init__(
            result_types=[SOpType(encoding)],
            properties=_sop_props(label, sequence)
            | {
                "sequence": ValueListAttr(tuple(sequence)),
                "check_length": IntegerAttr(int(check_length), 1),
            },
        )

    def print_specific(self, printer: Printer) -> None:
        printer.print_string(f" {format_list(self.sequence.data)}")
        if not self.check_length.value.data:
            printer.print_string(" unchecked")

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        sequence = _parse_value_list(parser)
        checked = parser.parse_optional_keyword("unchecked") is None
        return {
            "sequence": ValueListAttr(sequence),
            "check_length": IntegerAttr(int(checked), IntegerType(1)),
        }

    def verify_semantics(self) -> None:
        check_subset(
            self.sequence.data, self.values.data, "constant value", "the value set"
        )


class TabulatedOp(SOpOp):
    """An s-op computed elementwise by a function given as a table."""

    table = prop_def(TableAttr)

    def print_specific(self, printer: Printer) -> None:
        printer.print_string(" " + self.table.format())

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        return {"table": TableAttr.new(_parse_table_entries(parser))}

    def verify_semantics(self) -> None:
        """The table covers exactly its inputs' value sets and stays in the result's."""
        input_sets = [value_set_of(v) for v in self.operands]
        if all(s is not None for s in input_sets):
            domain = (
                input_sets[0]
                if len(input_sets) == 1
                else itertools.product(*input_sets)  # type: ignore[arg-type]
            )
            expected = {value_key(v): v for v in domain}  # type: ignore[union-attr]
            keys = {value_key(k): k for k, _ in self.table.data}
            for key, v in expected.items():
                if key not in keys:
                    raise VerifyException(
                        f"table does not cover input {format_value(v)} "
                        "of its input value set"
                    )
            for key, k in keys.items():
                if key not in expected:
                    raise VerifyException(
                        f"table input {format_value(k)} is not in the input value set"
                    )
        check_subset(
            self.table.outputs(), self.values.data, "table output", "the value set"
        )


@irdl_op_definition
class MapOp(TabulatedOp):
    """``f(x)`` at every position, ``f`` given as a table over the input's value set."""

    name = "rasp.map"

    input = operand_def(SOpType)

    OPERAND_COUNT: ClassVar[int] = 1

    def __init__(
        self,
        label: str,
        encoding: str,
        input: SSAValue,
        table: TableAttr,
        values: Iterable[Value],
    ):
        super().__init__(
            operands=[input],
            result_types=[SOpType(encoding)],
            properties=_sop_props(label, values) | {"table": table},
        )


@irdl_op_definition
class SequenceMapOp(TabulatedOp):
    """``f(x, y)`` at every position; the table is keyed by ``(x, y)`` pairs."""

    name = "rasp.sequence_map"

    fst = operand_def(SOpType)
    snd = operand_def(SOpType)

    OPERAND_COUNT: ClassVar[int] = 2

    def __init__(
        self,
        label: str,
        encoding: str,
        fst: SSAValue,
        snd: SSAValue,
        table: TableAttr,
        values: Iterable[Value],
    ):
        super().__init__(
            operands=[fst, snd],
            result_types=[SOpType(encoding)],
            properties=_sop_props(label, values) | {"table": table},
        )


class LinearFactors(IRDLOperation):
    """The numeric factors ``a, b`` of ``a*x + b*y``, shared by every level."""

    fst_factor = prop_def(ValueAttr)
    snd_factor = prop_def(ValueAttr)

    @staticmethod
    def factor_props(fst_factor: float, snd_factor: float) -> dict[str, Attribute]:
        return {
            "fst_factor": ValueAttr(fst_factor),
            "snd_factor": ValueAttr(snd_factor),
        }

    def print_specific(self, printer: Printer) -> None:
        printer.print_string(
            f" factors {format_value(self.fst_factor.data)}, "
            f"{format_value(self.snd_factor.data)}"
        )

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        parser.parse_keyword("factors")
        fst = parse_value(parser)
        parser.parse_punctuation(",")
        return cls.factor_props(fst, parse_value(parser))

    def verify_factors(self) -> None:
        for factor in (self.fst_factor.data, self.snd_factor.data):
            if isinstance(factor, bool) or not isinstance(factor, int | float):
                raise VerifyException(
                    f"factors must be numbers, got {format_value(factor)}"
                )
            if not is_finite_number(factor):  # they become weights
                raise VerifyException("factors must be finite floats")


@irdl_op_definition
class LinearSequenceMapOp(LinearFactors, SOpOp):
    """``a*x + b*y`` at every position, with numeric factors a and b."""

    name = "rasp.linear_sequence_map"

    fst = operand_def(SOpType)
    snd = operand_def(SOpType)

    OPERAND_COUNT: ClassVar[int] = 2

    def __init__(
        self,
        label: str,
        encoding: str,
        fst: SSAValue,
        snd: SSAValue,
        fst_factor: float,
        snd_factor: float,
        values: Iterable[Value],
    ):
        super().__init__(
            operands=[fst, snd],
            result_types=[SOpType(encoding)],
            properties=_sop_props(label, values)
            | self.factor_props(fst_factor, snd_factor),
        )

    def as_table(self) -> TableAttr:
        """The op as a ``sequence_map`` table: ``a*x + b*y`` for every pair of
        input values (None where either is None), ``error`` where that is not in
        the value set. The value set holds every value the op takes (after
        ``rasp-prune-value-sets``, only those some position reaches), so no
        input has such a pair."""
        a, b = self.fst_factor.data, self.snd_factor.data
        allowed = {value_key(v) for v in self.values.data}

        def entry(x: Value, y: Value) -> Value:
            out = None if x is None or y is None else a * x + b * y
            return out if value_key(out) in allowed else UNDEFINED

        xs, ys = value_set_of(self.fst) or (), value_set_of(self.snd) or ()
        return TableAttr(((x, y), entry(x, y)) for x in xs for y in ys)

    def verify_semantics(self) -> None:
        self.verify_factors()
        # ``a*x + b*y`` must be computable for every input value, as every
        # level evaluates it: numbers (or None, which gives None).
        terms: list[list[Value]] = []
        for factor, operand in (
            (self.fst_factor.data, self.fst),
            (self.snd_factor.data, self.snd),
        ):
            inputs = [v for v in value_set_of(operand) or () if v is not None]
            for v in inputs:
                if isinstance(v, str | tuple):
                    raise VerifyException(
                        f"input value {format_value(v)} is not a number"
                    )
            try:
                terms.append([factor * v for v in inputs])
            except OverflowError:
                raise VerifyException("a factor times an input overflows") from None
        # int + float converts the int, which fails past the float range.
        for ints, floats in (terms, terms[::-1]):
            if any(isinstance(t, float) for t in floats):
                for t in ints:
                    try:
                        float(t)
                    except OverflowError:
                        raise VerifyException(
                            f"{format_value(t)} is too large to add to a float"
                        ) from None


REDUCTIONS = ("max", "min")
"""What an aggregate may take of its selected values besides their mean (a
raspir extension, as in RASP-L): the largest or the smallest."""


@irdl_op_definition
class AggregateOp(SOpOp):
    """Per query, the selected value (or the mean of several numbers, or the
    default); with ``max`` or ``min``, the largest or smallest selected value."""

    name = "rasp.aggregate"

    selector = operand_def(SelectorType)
    sop = operand_def(SOpType)
    default = prop_def(ValueAttr)
    reduction = opt_prop_def(StringAttr)

    OPERAND_COUNT: ClassVar[int] = 2

    def __init__(
        self,
        label: str,
        encoding: str,
        selector: SSAValue,
        sop: SSAValue,
        default: Value,
        values: Iterable[Value],
        reduction: str | None = None,
    ):
        extra = {} if reduction is None else {"reduction": StringAttr(reduction)}
        super().__init__(
            operands=[selector, sop],
            result_types=[SOpType(encoding)],
            properties=_sop_props(label, values)
            | {"default": ValueAttr(default)}
            | extra,
        )

    @property
    def extremum(self) -> str | None:
        """``max`` or ``min`` for an aggregate of extremes, else None (a mean)."""
        return None if self.reduction is None else self.reduction.data

    def print_specific(self, printer: Printer) -> None:
        printer.print_string(f" default {format_value(self.default.data)}")
        if self.extremum is not None:
            printer.print_string(f" {self.extremum}")

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        parser.parse_keyword("default")
        props: dict[str, Attribute] = {"default": ValueAttr(parse_value(parser))}
        for reduction in REDUCTIONS:
            if parser.parse_optional_keyword(reduction) is not None:
                props["reduction"] = StringAttr(reduction)
                break
        return props

    def verify_semantics(self) -> None:
        sop_type = self.sop.type
        if isinstance(sop_type, SOpType) and sop_type != self.result.type:
            raise VerifyException(
                f"aggregate of a {sop_type.encoding.data} s-op must be "
                f"{sop_type.encoding.data}, not {self.encoding}"
            )
        check_subset([self.default.data], self.values.data, "default", "the value set")
        inputs = value_set_of(self.sop)
        if self.extremum is not None and self.extremum not in REDUCTIONS:
            raise VerifyException(
                f"unknown reduction '{self.extremum}', expected one of "
                + ", ".join(REDUCTIONS)
            )
        if inputs is None:
            return
        if self.encoding == CATEGORICAL or self.extremum is not None:
            check_subset(inputs, self.values.data, "aggregated value", "the value set")
        if self.extremum is not None:
            try:
                sorted(v for v in inputs if v is not None)
            except TypeError:
                raise VerifyException(
                    f"the {self.extremum} of values that cannot be ordered: "
                    + format_value_set(inputs)
                ) from None


@irdl_op_definition
class SelectorWidthOp(SOpOp):
    """The number of keys each query selects."""

    name = "rasp.selector_width"

    selector = operand_def(SelectorType)

    OPERAND_COUNT: ClassVar[int] = 1

    def __init__(
        self, label: str, encoding: str, selector: SSAValue, values: Iterable[Value]
    ):
        super().__init__(
            operands=[selector],
            result_types=[SOpType(encoding)],
            properties=_sop_props(label, values),
        )

    def verify_semantics(self) -> None:
        check_counts(self.values.data, "selector_width")


def check_counts(values: Iterable[Value], what: str) -> None:
    """A selector width's value set holds only counts (ints >= 0)."""
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise VerifyException(
                f"{what} can only produce counts, got {format_value(v)}"
            )


# ---------------------------------------------------------------------------
# Selector ops
# ---------------------------------------------------------------------------


@irdl_op_definition
class SelectOp(SelectorOp):
    """Selects key k for query q where ``predicate(k, q)`` holds."""

    name = "rasp.select"

    keys = operand_def(SOpType)
    queries = operand_def(SOpType)
    predicate = prop_def(PredicateAttr)

    def __init__(
        self,
        label: str,
        keys: SSAValue,
        queries: SSAValue,
        predicate: ComparisonAttr | RelationAttr,
    ):
        super().__init__(
            operands=[keys, queries],
            result_types=[_SELECTOR],
            properties={"label": StringAttr(label), "predicate": predicate},
        )

    def print_specific(self, printer: Printer) -> None:
        if isinstance(self.predicate, ComparisonAttr):
            printer.print_string(f" {self.predicate.data}")
        else:
            printer.print_string(" " + format_value_set(self.predicate.data))

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        at = parser.pos
        if (word := parser.parse_optional_identifier()) is not None:
            if word not in COMPARISONS:
                parser.raise_error(
                    f"unknown comparison '{word}', expected one of "
                    f"{', '.join(COMPARISONS)} or a relation {{(key, query), ...}}",
                    at,
                    at + len(word),
                )
            return {"predicate": ComparisonAttr(word)}
        return {"predicate": RelationAttr.new(_parse_relation(parser))}

    def verify_(self) -> None:
        if not isinstance(self.predicate, RelationAttr):
            return
        key_set, query_set = value_set_of(self.keys), value_set_of(self.queries)
        with _naming(self):
            if key_set is not None:
                keys = [k for k, _ in self.predicate.data]
                check_subset(keys, key_set, "selected key", "the keys' value set")
            if query_set is not None:
                queries = [q for _, q in self.predicate.data]
                check_subset(
                    queries, query_set, "selected query", "the queries' value set"
                )


@irdl_op_definition
class SelectAndOp(SelectorOp):
    """Selected where both selectors select."""

    name = "rasp.select_and"

    fst = operand_def(SelectorType)
    snd = operand_def(SelectorType)

    def __init__(self, label: str, fst: SSAValue, snd: SSAValue):
        super().__init__(
            operands=[fst, snd],
            result_types=[_SELECTOR],
            properties={"label": StringAttr(label)},
        )


@irdl_op_definition
class SelectOrOp(SelectorOp):
    """Selected where either selector selects."""

    name = "rasp.select_or"

    fst = operand_def(SelectorType)
    snd = operand_def(SelectorType)

    def __init__(self, label: str, fst: SSAValue, snd: SSAValue):
        super().__init__(
            operands=[fst, snd],
            result_types=[_SELECTOR],
            properties={"label": StringAttr(label)},
        )


@irdl_op_definition
class SelectNotOp(SelectorOp):
    """Selected where the inner selector does not select."""

    name = "rasp.select_not"

    inner = operand_def(SelectorType)

    OPERAND_COUNT: ClassVar[int] = 1

    def __init__(self, label: str, inner: SSAValue):
        super().__init__(
            operands=[inner],
            result_types=[_SELECTOR],
            properties={"label": StringAttr(label)},
        )


# ---------------------------------------------------------------------------
# Program structure
# ---------------------------------------------------------------------------


class OutputBase(IRDLOperation):
    """The s-op a program computes; each level's program has its own terminator."""

    sop = operand_def(SOpType)

    assembly_format = "$sop attr-dict `:` type($sop)"

    def __init__(self, sop: SSAValue):
        super().__init__(operands=[sop])


@irdl_op_definition
class OutputOp(OutputBase):
    """Terminates ``rasp.program``."""

    name = "rasp.output"

    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(ProgramOp)))


class ProgramBase(IRDLOperation):
    """A program with its compile settings; each level has its own program op.

    Subclasses name their terminator (``OUTPUT_OP``) and may check their body
    further in ``verify_body``.
    """

    vocab = prop_def(ValueSetAttr)
    max_seq_len = prop_def(IntAttr)
    bos = prop_def(ValueAttr)
    pad = prop_def(ValueAttr)
    causal = prop_def(BoolAttr)
    dtype = opt_prop_def(StringAttr)
    """The float type of the model's arithmetic; absent means float32, so
    float32 programs print and compare as they always have."""
    body = region_def("single_block")

    traits = traits_def(IsolatedFromAbove())

    OUTPUT_OP: ClassVar[type[IRDLOperation]]

    def __init__(
        self,
        vocab: Iterable[Value],
        max_seq_len: int,
        bos: Value,
        pad: Value,
        causal: bool,
        body: Region,
        dtype: str = FLOAT32,
    ):
        properties: dict[str, Attribute] = {
            "vocab": ValueSetAttr(vocab),
            "max_seq_len": IntAttr(max_seq_len),
            "bos": ValueAttr(bos),
            "pad": ValueAttr(pad),
            "causal": IntegerAttr(int(causal), 1),
        }
        if dtype != FLOAT32:
            properties["dtype"] = StringAttr(dtype)
        super().__init__(properties=properties, regions=[body])

    @classmethod
    def like(cls, other: ProgramBase, body: Region):
        """A program of this level with the settings of ``other``."""
        return cls(
            other.vocab.data,
            other.max_seq_len.data,
            other.bos.data,
            other.pad.data,
            other.is_causal,
            body,
            other.float_dtype,
        )

    @property
    def is_causal(self) -> bool:
        return bool(self.causal.value.data)

    @property
    def float_dtype(self) -> str:
        """``float32`` or ``float64``: the arithmetic the model is built for."""
        return FLOAT32 if self.dtype is None else self.dtype.data

    @property
    def output(self):
        last = self.body.block.last_op
        assert isinstance(last, self.OUTPUT_OP)
        return last

    def print(self, printer: Printer) -> None:
        printer.print_string(
            f" vocab {format_value_set(self.vocab.data)}"
            f" max_seq_len {self.max_seq_len.data}"
            f" bos {format_value(self.bos.data)}"
            f" pad {format_value(self.pad.data)}"
        )
        if self.is_causal:
            printer.print_string(" causal")
        if self.float_dtype != FLOAT32:
            printer.print_string(f" dtype {self.float_dtype}")
        _print_extra_attributes(printer, self)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False)

    @classmethod
    def parse(cls, parser: Parser):
        parser.parse_keyword("vocab")
        vocab = parse_value_set(parser)
        parser.parse_keyword("max_seq_len")
        max_seq_len = parser.parse_integer(allow_boolean=False, allow_negative=True)
        parser.parse_keyword("bos")
        bos = parse_value(parser)
        parser.parse_keyword("pad")
        pad = parse_value(parser)
        causal = parser.parse_optional_keyword("causal") is not None
        dtype = FLOAT32
        if parser.parse_optional_keyword("dtype") is not None:
            dtype = parser.parse_identifier(" (the dtype: float32 or float64)")
        attrs = _parse_extra_attributes(parser)
        body = parser.parse_region()
        op = cls(vocab, max_seq_len, bos, pad, causal, body, dtype)
        op.attributes.update(attrs)
        return op

    def verify_(self) -> None:
        vocab = self.vocab.data
        n = self.max_seq_len.data
        if not vocab:
            raise VerifyException("program vocab is empty")
        if n < 1:
            raise VerifyException(f"max_seq_len must be at least 1, got {n}")
        if n > MAX_SEQ_LEN:
            raise VerifyException(f"max_seq_len {n} is over the limit of {MAX_SEQ_LEN}")
        if self.float_dtype not in DTYPES:
            raise VerifyException(
                f"unknown dtype '{self.float_dtype}' (expected float32 or float64)"
            )
        bos, pad = self.bos.data, self.pad.data
        if value_key(bos) == value_key(pad):
            raise VerifyException(
                f"bos and pad must differ, both are {format_value(bos)}"
            )
        for what, token in (("bos", bos), ("pad", pad)):
            if value_key(token) in set(map(value_key, vocab)):
                raise VerifyException(
                    f"{what} token {format_value(token)} is also in the vocab"
                )
        if not isinstance(self.body.block.last_op, self.OUTPUT_OP):
            raise VerifyException(f"program body must end with {self.OUTPUT_OP.name}")
        self.verify_body()

    def verify_body(self) -> None:
        """Level-specific checks of the program body."""

    def check_dialect(self) -> None:
        """The body holds ops of the program's own level only (passes of one
        level know nothing of another's ops)."""
        level = self.dialect_name()
        for op in self.body.block.ops:
            if op.dialect_name() != level:
                raise VerifyException(f"{self.name} holds {level} ops, not {op.name}")

    def check_primitives(self, expected: dict[type, Iterable[Value]]) -> None:
        """Each primitive op of a given class covers the values it can take."""
        for op in self.body.block.ops:
            if type(op) in expected:
                assert isinstance(op, SOpOp)
                values = expected[type(op)]
                # A range is in canonical order already, and may be too long to
                # sort: checked lazily, it stops at the first value missing.
                check_subset(
                    values if isinstance(values, range) else canonical_set(values),
                    op.values.data,
                    f"{op.name} value",
                    f"the value set of {op.name} '{op.label.data}'",
                )


@irdl_op_definition
class ProgramOp(ProgramBase):
    """A RASP program with its compile settings."""

    name = "rasp.program"

    OUTPUT_OP: ClassVar[type[IRDLOperation]] = OutputOp

    def verify_body(self) -> None:
        self.check_dialect()
        n = self.max_seq_len.data
        self.check_primitives(
            {
                TokensOp: self.vocab.data,
                IndicesOp: range(n),
                LengthOp: range(1, n + 1),
            }
        )


SOP_OPS: tuple[type[SOpOp], ...] = (
    TokensOp,
    IndicesOp,
    LengthOp,
    FullOp,
    ConstantOp,
    MapOp,
    SequenceMapOp,
    LinearSequenceMapOp,
    AggregateOp,
    SelectorWidthOp,
)
SELECTOR_OPS: tuple[type[SelectorOp], ...] = (
    SelectOp,
    SelectAndOp,
    SelectOrOp,
    SelectNotOp,
)

Rasp = Dialect(
    "rasp",
    [ProgramOp, OutputOp, *SOP_OPS, *SELECTOR_OPS],
    [
        SOpType,
        SelectorType,
        ValueAttr,
        ValueSetAttr,
        ValueListAttr,
        TableAttr,
        ComparisonAttr,
        RelationAttr,
    ],
)
