"""The ``sa`` ("select–aggregate") dialect: one op per transformer component.

Below ``rasp``, a program is a DAG of things one transformer sub-layer can do:
embed tokens or positions; a categorical lookup MLP; a discretising MLP over a
numerical input; a pair lookup MLP; a linear MLP; an attention head that
selects and aggregates; a counting head with its MLP. Selectors no longer exist
on their own: each head carries its keys, queries and predicate.

Every op states its encodings (through its result type), its value set, the
numeric constants that make it exact, and ``noise``: the certified bound on how
far its value in the compiled residual stream may be from the exact encoding
(``docs/constructions.md``). After ``schedule-layers`` every component carries
its ``layer``; the sub-layer follows from the kind of component (MLP ops use the
MLP sub-layer, heads the attention sub-layer, a count both of one layer).

Op syntax::

    %x = sa.<op> "label" <operands> <op-specific> : !rasp.sop<enc> values {...}
         noise 1.0e-06 [layer 2]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from xdsl.dialects.builtin import IntAttr, StringAttr, UnitAttr
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    opt_prop_def,
    prop_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsTerminator
from xdsl.utils.exceptions import VerifyException

from raspir.dialects.rasp import (
    CATEGORICAL,
    NUMERICAL,
    REDUCTIONS,
    UNDEFINED,
    ComparisonAttr,
    LinearFactors,
    OutputBase,
    ProgramBase,
    RelationAttr,
    SelectOp,
    SOpOp,
    SOpType,
    TableAttr,
    TabulatedOp,
    ValueAttr,
    ValueSetAttr,
    check_counts,
    check_subset,
    compare,
    relation_keys,
    value_set_of,
)
from raspir.dialects.values import (
    Value,
    format_value,
    format_value_set,
    is_finite_number,
    parse_float,
    parse_value,
    value_key,
)

ATTENTION = "attention"
MLP = "mlp"


def constant(value: float) -> ValueAttr:
    """A constant of the construction, held as a RASP float so that it prints
    (and parses back) in the same syntax as every other number in the IR."""
    return ValueAttr(float(value))


class ComponentOp(SOpOp):
    """An sa op: an s-op computed by one component, with its noise bound and layer."""

    noise = prop_def(ValueAttr)
    layer = opt_prop_def(IntAttr)

    SUBLAYERS: ClassVar[tuple[str, ...]] = (MLP,)
    """The sub-layers the component occupies within its layer."""
    INPUT_ENCODINGS: ClassVar[tuple[str | None, ...]] = ()
    """Required encoding of each s-op operand (None: any)."""

    @property
    def heads(self) -> int:
        """The attention heads this component takes."""
        return int(ATTENTION in self.SUBLAYERS)

    def print_trailer(self, printer: Printer) -> None:
        printer.print_string(f" noise {format_value(self.noise.data)}")
        if self.layer is not None:
            printer.print_string(f" layer {self.layer.data}")

    @classmethod
    def parse_trailer(cls, parser: Parser) -> dict[str, Attribute]:
        parser.parse_keyword("noise")
        props: dict[str, Attribute] = {"noise": constant(parse_float(parser))}
        if parser.parse_optional_keyword("layer") is not None:
            props["layer"] = IntAttr(parser.parse_integer(allow_boolean=False))
        return props

    def verify_semantics(self) -> None:
        noise = self.noise.data
        if not _is_number(noise) or not (noise >= 0 and math.isfinite(noise)):
            raise VerifyException(f"noise bound must be finite and >= 0, got {noise}")
        if self.layer is not None and self.layer.data < 0:
            raise VerifyException(f"layer must be >= 0, got {self.layer.data}")
        operands = [o for o in self.operands if isinstance(o.type, SOpType)]
        for operand, wanted in zip(operands, self.INPUT_ENCODINGS, strict=False):
            assert isinstance(operand.type, SOpType)
            if wanted is not None and operand.type.encoding.data != wanted:
                raise VerifyException(
                    f"{self.name} needs a {wanted} input, got "
                    f"{operand.type.encoding.data}"
                )
        self.verify_component()

    def verify_component(self) -> None:
        """Component-specific checks."""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def component_props(
    label: str, values: Iterable[Value], noise: float
) -> dict[str, Attribute]:
    return {
        "label": StringAttr(label),
        "values": ValueSetAttr(values),
        "noise": constant(noise),
    }


# -- embeddings ------------------------------------------------------------


class EmbeddingOp(ComponentOp):
    SUBLAYERS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, label: str, encoding: str, values: Iterable[Value], **props):
        super().__init__(
            result_types=[SOpType(encoding)],
            properties=component_props(label, values, 0.0) | props,
        )


@irdl_op_definition
class TokensOp(EmbeddingOp):
    """The token embedding of an s-op equal to the input tokens."""

    name = "sa.tokens"


@irdl_op_definition
class IndicesOp(EmbeddingOp):
    """The position embedding (nothing at BOS, ``indices:i`` at position i+1)."""

    name = "sa.indices"


@irdl_op_definition
class PositionMapOp(EmbeddingOp):
    """A function of the position, written by the position embedding: at
    position ``i + 1`` the value ``table[i]`` (nothing where it is ``None`` or
    ``error``). A ``map`` of the indices needs no MLP and no layer."""

    name = "sa.position_map"

    table = prop_def(TableAttr)

    def __init__(
        self, label: str, encoding: str, table: TableAttr, values: Iterable[Value]
    ):
        super().__init__(label, encoding, values, table=table)

    def print_specific(self, printer: Printer) -> None:
        printer.print_string(" " + self.table.format())

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        return TabulatedOp.parse_specific(parser)

    def verify_component(self) -> None:
        for key, _ in self.table.data:
            if isinstance(key, bool) or not isinstance(key, int) or key < 0:
                raise VerifyException(
                    f"a position map is keyed by indices, got {format_value(key)}"
                )
        check_subset(
            self.table.outputs(), self.values.data, "table output", "the value set"
        )


@irdl_op_definition
class FullOp(EmbeddingOp):
    """A constant, written by the token embedding of every non-BOS token."""

    name = "sa.full"

    fill = prop_def(ValueAttr)

    def __init__(
        self,
        label: str,
        encoding: str,
        fill: Value,
        values: Iterable[Value] | None = None,
    ):
        # The value set may be wider than the fill (as the rasp op's may be):
        # readers' tables cover all of it.
        values = [fill] if values is None else values
        super().__init__(label, encoding, values, fill=ValueAttr(fill))

    def print_specific(self, printer: Printer) -> None:
        printer.print_string(f" fill {format_value(self.fill.data)}")

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        parser.parse_keyword("fill")
        return {"fill": ValueAttr(parse_value(parser))}

    def verify_component(self) -> None:
        check_subset([self.fill.data], self.values.data, "fill value", "the value set")


class Margined(IRDLOperation):
    """A component whose steps are flat within ``margin`` of each input value."""

    margin = prop_def(ValueAttr)

    def print_specific(self, printer: Printer) -> None:
        super().print_specific(printer)  # type: ignore[misc]
        printer.print_string(f" margin {format_value(self.margin.data)}")

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        props = super().parse_specific(parser)  # type: ignore[misc]
        parser.parse_keyword("margin")
        return props | {"margin": constant(parse_float(parser))}

    def verify_margin(self) -> None:
        margin = self.margin.data
        if not _is_number(margin) or not (margin >= 0 and math.isfinite(margin)):
            raise VerifyException(f"margin must be a finite number >= 0, got {margin}")


# -- MLPs ------------------------------------------------------------------


class TableMLPOp(ComponentOp, TabulatedOp):
    """An MLP computing a tabulated function."""

    def __init__(
        self,
        label: str,
        encoding: str,
        inputs: list[SSAValue],
        table: TableAttr,
        values: Iterable[Value],
        noise: float,
        **props: Attribute,
    ):
        super().__init__(
            operands=inputs,
            result_types=[SOpType(encoding)],
            properties=component_props(label, values, noise) | {"table": table} | props,
        )

    def verify_semantics(self) -> None:
        TabulatedOp.verify_semantics(self)
        ComponentOp.verify_semantics(self)


@irdl_op_definition
class LookupOp(TableMLPOp):
    """Categorical input → any output: one thresholded hidden unit per output value."""

    name = "sa.lookup"

    input = operand_def(SOpType)

    OPERAND_COUNT: ClassVar[int] = 1
    INPUT_ENCODINGS: ClassVar[tuple[str | None, ...]] = (CATEGORICAL,)


@irdl_op_definition
class PairLookupOp(TableMLPOp):
    """Two categorical inputs → any output: one hidden unit per input pair."""

    name = "sa.pair_lookup"

    fst = operand_def(SOpType)
    snd = operand_def(SOpType)

    OPERAND_COUNT: ClassVar[int] = 2
    INPUT_ENCODINGS: ClassVar[tuple[str | None, ...]] = (CATEGORICAL, CATEGORICAL)


@irdl_op_definition
class DiscretiseOp(Margined, TableMLPOp):
    """Numerical input → any output, by steps between consecutive input values.

    ``margin`` is the input noise the steps are built to absorb: the step
    between values ``s_{k-1}`` and ``s_k`` has slope ``2 / (gap - 2*margin)``.
    """

    name = "sa.discretise"

    input = operand_def(SOpType)
    OPERAND_COUNT: ClassVar[int] = 1
    INPUT_ENCODINGS: ClassVar[tuple[str | None, ...]] = (NUMERICAL,)

    def points(self) -> list[tuple[float, Value]]:
        return numeric_points(self.table, self.encoding == NUMERICAL)

    def slopes(self) -> list[float]:
        """The slope of each step (docs/constructions.md)."""
        return [slope(step.gap, self.margin.data) for step in self.steps()]

    def steps(self) -> list[Step]:
        return steps(self.points(), self.encoding == NUMERICAL)

    def verify_component(self) -> None:
        self.verify_margin()
        try:
            gaps = [step.gap for step in self.steps()]
        except ValueError as e:
            raise VerifyException(str(e)) from e
        if gaps and 2.0 * self.margin.data >= min(gaps):
            raise VerifyException(
                f"margin {self.margin.data} is not below half the smallest gap "
                f"{min(gaps)} between inputs with different outputs"
            )


def numeric_points(
    table: TableAttr, numerical_output: bool = False
) -> list[tuple[float, Value]]:
    """A table over a numerical input as (number, output), sorted by number.

    A numerical encoding holds ``1``, ``1.0`` and ``True`` as the same number,
    so inputs that coincide as numbers must map to the same output (the same
    number, for a numerical output).
    """

    def same(a: Value, b: Value) -> bool:
        if numerical_output:
            return as_number(a) == as_number(b)
        return value_key(a) == value_key(b)

    by_number: dict[float, Value] = {}
    for x, y in table.data:
        number = float(x)
        if number in by_number and not same(by_number[number], y):
            raise ValueError(
                f"input {format_value(x)} is the number {number} like another input, "
                f"but maps to {format_value(y)} instead of "
                f"{format_value(by_number[number])}"
            )
        by_number.setdefault(number, y)
    return sorted(by_number.items())


@dataclass(frozen=True)
class Step:
    """Where a discretising MLP's output changes: between inputs ``lo < hi``."""

    lo: float
    hi: float
    before: Value
    after: Value

    @property
    def gap(self) -> float:
        return self.hi - self.lo


def as_number(value: Value) -> float:
    """A numerical output as the model writes it (nothing for None or error)."""
    return 0.0 if value is None or value is UNDEFINED else float(value)


def steps(points: list[tuple[float, Value]], numerical_output: bool) -> list[Step]:
    """The steps wherever consecutive outputs differ (as numbers, for a
    numerical output). Only there does a discretising MLP need units; equal
    neighbours, even ones a rounding error apart, need none."""
    out = []
    for (lo, before), (hi, after) in zip(points, points[1:], strict=False):
        if numerical_output:
            changes = as_number(before) != as_number(after)
        else:
            changes = value_key(before) != value_key(after)
        if changes:
            out.append(Step(lo, hi, before, after))
    return out


def pair_classes(
    table: TableAttr, numerical_output: bool
) -> tuple[list[list[Value]], list[list[Value]]]:
    """The values of each input of a pair table, grouped into classes of values
    with the same row (first input) or column (second input) of the table.

    A pair lookup needs one unit per pair of classes, not per pair of values
    (docs/constructions.md). ``None`` inputs are left out: they have no
    direction. Entries that write nothing (``None``, ``error``, a numerical 0)
    count as equal.
    """

    def effect(out: Value) -> tuple | None:
        if out is None or out is UNDEFINED:
            return None
        if numerical_output:
            return None if as_number(out) == 0.0 else ("number", as_number(out))
        return value_key(out)

    entries = {value_key(key): out for key, out in table.data}
    xs = {value_key(k[0]): k[0] for k, _ in table.data if k[0] is not None}
    ys = {value_key(k[1]): k[1] for k, _ in table.data if k[1] is not None}

    def group(members: dict, other: dict, row: bool) -> list[list[Value]]:
        classes: dict[tuple, list[Value]] = {}
        for v in members.values():
            signature = tuple(
                effect(entries.get(value_key((v, w) if row else (w, v))))
                for w in other.values()
            )
            classes.setdefault(signature, []).append(v)
        return list(classes.values())

    return group(xs, ys, True), group(ys, xs, False)


def quadratic_gap(keys: SSAValue, queries: SSAValue) -> float:
    """``g²``: the smallest ``(q - k)²`` over unequal key and query values.

    A quadratic head (docs/constructions.md) scores ``c·(1 - (q-k)²/g²)``:
    ``c`` where ``k = q``, at most 0 elsewhere. Its values must be numbers.
    """
    sides = []
    for role, value in (("key", keys), ("query", queries)):
        numbers = []
        for v in value_set_of(value) or ():
            if not is_finite_number(v):
                raise ValueError(
                    f"a quadratic head needs finite numbers, but a {role} value is "
                    f"{format_value(v)}"
                )
            numbers.append(float(v))
        sides.append(sorted(set(numbers)))
    gaps = [(q - k) ** 2 for k in sides[0] for q in sides[1] if q != k]
    return min(gaps, default=1.0)


def falls(step: Step, lowest: float, highest: float) -> bool:
    """Whether a discretising step is built falling: active below its
    threshold and exactly 0 above it (docs/constructions.md).

    A step's units are exactly 0 on one side; on the other their
    rounding grows with the distance to the farthest input, so each step is
    active on the side that reaches less far (``lowest`` and ``highest``: the
    extreme inputs, noise included).
    """
    threshold = (step.lo + step.hi) / 2
    return threshold - lowest < highest - threshold


def reach(step: Step, lowest: float, highest: float) -> float:
    """How far a step's active side reaches from its threshold."""
    threshold = (step.lo + step.hi) / 2
    return min(threshold - lowest, highest - threshold)


def slope(gap: float, margin: float) -> float:
    """Steepness of a step that is flat beyond ``margin`` of the values it splits."""
    return 2.0 / (gap - 2.0 * margin)


@irdl_op_definition
class LinearOp(LinearFactors, ComponentOp):
    """``a*x + b*y`` over numerical inputs (four hidden units, exact)."""

    name = "sa.linear"

    fst = operand_def(SOpType)
    snd = operand_def(SOpType)

    OPERAND_COUNT: ClassVar[int] = 2
    INPUT_ENCODINGS: ClassVar[tuple[str | None, ...]] = (NUMERICAL, NUMERICAL)

    def __init__(
        self,
        label: str,
        fst: SSAValue,
        snd: SSAValue,
        fst_factor: float,
        snd_factor: float,
        values: Iterable[Value],
        noise: float,
    ):
        super().__init__(
            operands=[fst, snd],
            result_types=[SOpType(NUMERICAL)],
            properties=component_props(label, values, noise)
            | self.factor_props(fst_factor, snd_factor),
        )

    def verify_component(self) -> None:
        if self.encoding != NUMERICAL:
            raise VerifyException("sa.linear produces a numerical s-op")
        self.verify_factors()


class ViewOp(ComponentOp):
    """A value computed by nobody: the heads that read it combine its inputs'
    directions. It takes no sub-layer and is ready when its inputs are."""

    SUBLAYERS: ClassVar[tuple[str, ...]] = ()


@irdl_op_definition
class PairOp(ViewOp):
    """The tuple ``(x, y)`` of two categorical s-ops, ``None`` where either is.
    Only heads read it, as keys or queries, when their relation is a
    conjunction of relations on single parts (``conjunction_terms``): each
    part scores its own term, so the pair needs no MLP and no direction."""

    name = "sa.pair"

    fst = operand_def(SOpType)
    snd = operand_def(SOpType)

    OPERAND_COUNT: ClassVar[int] = 2

    def verify_component(self) -> None:
        if self.encoding != CATEGORICAL or any(
            v.type != SOpType(CATEGORICAL) for v in self.operands
        ):
            raise VerifyException("a pair is categorical and pairs categorical s-ops")
        for v in self.values.data:
            if not (v is None or (isinstance(v, tuple) and len(v) == 2)):
                raise VerifyException(
                    f"a pair's values are pairs, not {format_value(v)}"
                )
        for use in self.result.uses:
            if not (isinstance(use.operation, HeadOp) and use.index < 2):
                raise VerifyException(
                    "a pair is read only as the keys or queries of heads, not by "
                    + use.operation.name
                )


def pair_parts(value: SSAValue) -> list[SSAValue]:
    """The parts a head reads of its keys or queries: a pair's two s-ops, or
    the s-op itself."""
    owner = value.owner
    return list(owner.operands) if isinstance(owner, PairOp) else [value]


Term = tuple[int, int, frozenset]
"""One summand of a conjunction head: key part, query part, and the value
keys of the (key, query) pairs it selects."""


def conjunction_terms(
    key_parts: list[SSAValue],
    query_parts: list[SSAValue],
    predicate: ComparisonAttr | RelationAttr,
) -> list[Term] | None:
    """The relation over (key parts, query parts) as a conjunction of
    relations each between one key part and one query part, or None.

    Each term is the projection of the selected pairs onto its two parts;
    terms that hold everywhere, and terms the others imply, are dropped. The
    conjunction is checked against the relation on every combination of part
    values, ``None`` parts included (a ``None`` one-hot is 0, so its terms
    fail)."""
    key_sets = [value_set_of(p) or () for p in key_parts]
    query_sets = [value_set_of(p) or () for p in query_parts]

    def pack(parts: tuple) -> Value:
        return parts[0] if len(parts) == 1 else (None if None in parts else parts)

    chosen = relation_keys(predicate) if isinstance(predicate, RelationAttr) else None

    def holds(k: tuple, q: tuple) -> bool:
        key, query = pack(k), pack(q)
        if chosen is not None:
            return value_key((key, query)) in chosen
        try:
            return bool(compare(predicate.data, key, query))
        except (TypeError, ValueError):
            return False

    combos = [
        (k, q)
        for k in itertools.product(*key_sets)
        for q in itertools.product(*query_sets)
    ]
    selected = [(k, q) for k, q in combos if holds(k, q)]
    terms = []
    for i, keys in enumerate(key_sets):
        for j, queries in enumerate(query_sets):
            pairs = frozenset(value_key((k[i], q[j])) for k, q in selected)
            every = {
                value_key((a, b))
                for a in keys
                for b in queries
                if a is not None and b is not None
            }
            if not every <= pairs:
                terms.append((i, j, pairs))

    def reproduces(terms: list[Term]) -> bool:
        return all(
            all(
                k[i] is not None
                and q[j] is not None
                and value_key((k[i], q[j])) in pairs
                for i, j, pairs in terms
            )
            == holds(k, q)
            for k, q in combos
        )

    if not terms or not reproduces(terms):
        return None
    for term in list(terms):  # drop the terms the others imply
        rest = [t for t in terms if t is not term]
        if rest and reproduces(rest):
            terms = rest
    return terms


@irdl_op_definition
class AffineOp(LinearFactors, ViewOp):
    """``a*x + b*y + offset``, computed by nobody: the weights of the heads that
    read it combine their inputs' directions (docs/constructions.md). It
    takes no sub-layer and is ready when its inputs are. Only the query of a
    ``matched`` quadratic head may read it."""

    name = "sa.affine"

    fst = operand_def(SOpType)
    snd = operand_def(SOpType)
    offset = prop_def(ValueAttr)

    OPERAND_COUNT: ClassVar[int] = 2

    def __init__(
        self,
        label: str,
        inputs: tuple[SSAValue, SSAValue],
        factors: tuple[float, float],
        offset: float,
        values: Iterable[Value],
        noise: float,
    ):
        super().__init__(
            operands=list(inputs),
            result_types=[SOpType(NUMERICAL)],
            properties=component_props(label, values, noise)
            | self.factor_props(*factors)
            | {"offset": ValueAttr(offset)},
        )

    def print_specific(self, printer: Printer) -> None:
        super().print_specific(printer)
        printer.print_string(f" offset {format_value(self.offset.data)}")

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        props = super().parse_specific(parser)
        parser.parse_keyword("offset")
        return props | {"offset": ValueAttr(parse_value(parser))}

    def verify_component(self) -> None:
        if self.encoding != NUMERICAL:
            raise VerifyException("sa.affine produces a numerical s-op")
        self.verify_factors()
        if not is_finite_number(self.offset.data):
            raise VerifyException(
                f"offset must be a finite number, got {format_value(self.offset.data)}"
            )
        for operand in self.operands:  # its readers weight directions by them
            for v in value_set_of(operand) or ():
                if v is not None and not is_finite_number(v):
                    raise VerifyException(
                        f"input value {format_value(v)} is not a finite number"
                    )
        for use in self.result.uses:
            head = use.operation
            if not (
                isinstance(head, HeadOp) and head.matched is not None and use.index == 1
            ):
                raise VerifyException(
                    "an affine value is only read by the query of a matched head"
                )


# -- attention ---------------------------------------------------------------


class HeadOp(ComponentOp):
    """A head: keys and queries with a predicate, and a sharpness ``c``.

    Selected keys score ``c``; the BOS key scores ``c/2`` (aggregate: BOS wins
    only when nothing is selected) or ``c`` (count: BOS always counts once).
    """

    keys = operand_def(SOpType)
    queries = operand_def(SOpType)
    predicate = prop_def(ComparisonAttr | RelationAttr)
    sharpness = prop_def(ValueAttr)
    matched = opt_prop_def(UnitAttr)
    """Every query's value is some key's value on every input (a quadratic
    head then needs no square of the query)."""

    SUBLAYERS: ClassVar[tuple[str, ...]] = (ATTENTION,)

    def print_specific(self, printer: Printer) -> None:
        if isinstance(self.predicate, ComparisonAttr):
            printer.print_string(f" {self.predicate.data}")
        else:
            printer.print_string(" " + format_value_set(self.predicate.data))
        if self.matched is not None:
            printer.print_string(" matched")
        printer.print_string(f" sharpness {format_value(self.sharpness.data)}")

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        props = SelectOp.parse_specific(parser)
        if parser.parse_optional_keyword("matched") is not None:
            props["matched"] = UnitAttr()
        parser.parse_keyword("sharpness")
        return props | {"sharpness": constant(parse_float(parser))}

    def verify_component(self) -> None:
        c = self.sharpness.data
        if not _is_number(c) or not (c > 0 and math.isfinite(c)):
            raise VerifyException(f"sharpness must be finite and > 0, got {c}")
        if not self.is_quadratic:
            return
        if self.predicate != ComparisonAttr("eq"):
            raise VerifyException(
                "numerical keys or queries need the predicate eq (a quadratic score)"
            )
        try:
            quadratic_gap(self.keys, self.queries)
        except ValueError as e:
            raise VerifyException(str(e)) from e

    @property
    def is_quadratic(self) -> bool:
        """Whether a side is numerical: the head scores ``-(q-k)²``."""
        return any(
            isinstance(v.type, SOpType) and v.type.is_numerical
            for v in (self.keys, self.queries)
        )


@irdl_op_definition
class AggregateOp(HeadOp):
    """Attention that selects and aggregates: copies (categorical) or averages."""

    name = "sa.aggregate"

    # Restated so that the operands keep the order keys, queries, values.
    keys = operand_def(SOpType)
    queries = operand_def(SOpType)
    sop = operand_def(SOpType)

    default = opt_prop_def(ValueAttr)
    """``default d``: the value of a query that selects no key, when it is not
    the one invariant B gives for free (``none``, or ``0`` if numerical)."""
    reduction = opt_prop_def(StringAttr)
    """``max`` / ``min``: the head takes the largest / smallest selected value
    (keys score a bonus by the rank of their value), not the mean."""

    OPERAND_COUNT: ClassVar[int] = 3

    def print_specific(self, printer: Printer) -> None:
        super().print_specific(printer)
        if self.default is not None:
            printer.print_string(f" default {format_value(self.default.data)}")
        if self.reduction is not None:
            printer.print_string(f" {self.reduction.data}")

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        props = super().parse_specific(parser)
        if parser.parse_optional_keyword("default") is not None:
            props["default"] = ValueAttr(parse_value(parser))
        for reduction in REDUCTIONS:
            if parser.parse_optional_keyword(reduction) is not None:
                props["reduction"] = StringAttr(reduction)
                break
        return props

    @property
    def extremum(self) -> str | None:
        return None if self.reduction is None else self.reduction.data

    def ranks(self) -> dict[tuple, float]:
        """Each value's bonus in units of the rank step (see ``extremum_ranks``)."""
        assert self.extremum is not None
        return extremum_ranks(
            value_set_of(self.sop) or (), self.extremum, self.encoding == NUMERICAL
        )

    @property
    def heads(self) -> int:
        """A second head silences a default written from BOS at the BOS query."""
        default = self.default_value
        if default is None or (self.encoding == NUMERICAL and not float(default)):
            return 1
        return 2

    @property
    def default_value(self) -> Value:
        """What a query that selects nothing gets."""
        if self.default is not None:
            return self.default.data
        return implicit_default(self.encoding)

    def verify_component(self) -> None:
        super().verify_component()
        assert isinstance(self.sop.type, SOpType)
        if self.sop.type != self.result.type:
            raise VerifyException(
                "an aggregate keeps the encoding of its values: "
                f"{self.sop.type.encoding.data} in, {self.encoding} out"
            )
        if self.extremum is not None:
            if self.extremum not in REDUCTIONS:
                raise VerifyException(
                    f"unknown reduction '{self.extremum}', expected one of "
                    + ", ".join(REDUCTIONS)
                )
            try:
                self.ranks()
            except (TypeError, ValueError) as e:
                raise VerifyException(f"the {self.extremum} of {e}") from None
        if self.default is None:
            return
        default = self.default.data
        if self.encoding == NUMERICAL and not is_number_value(default):
            raise VerifyException(
                "the default of a numerical aggregate must be a finite number, "
                f"got {format_value(default)}"
            )
        check_subset([default], self.values.data, "default", "the value set")


def extremum_ranks(
    values: Iterable[Value], reduction: str, numerical: bool
) -> dict[tuple, float]:
    """The score bonus of each value's key in a ``max`` / ``min`` head, in
    units of the smallest bonus step: ``0`` for the value selected last, one
    step more per better value (categorical: ranks; numerical: the distance
    from the worst value over the smallest gap), so the best selected key
    wins by at least one step. ``None`` (the zero vector) gets no bonus."""
    present = [v for v in values if v is not None]
    if not numerical:
        order = sorted(present, reverse=reduction == "min")
        return {value_key(v): float(i) for i, v in enumerate(order)}
    numbers = sorted({float(v) for v in present})
    if any(not math.isfinite(x) for x in numbers):
        raise ValueError("values that are not all finite numbers")
    gap = min((b - a for a, b in itertools.pairwise(numbers)), default=1.0)
    worst = numbers[0] if reduction == "max" else numbers[-1]
    return {value_key(v): abs(float(v) - worst) / gap for v in present}


def implicit_default(encoding: str) -> Value:
    """The default an aggregate head gives with no extra weights: the BOS
    value, which is the zero vector (``none``) or the number 0."""
    return 0 if encoding == NUMERICAL else None


def is_number_value(value: Value) -> bool:
    """A value a numerical direction can hold exactly as written: a finite
    number, or a bool (0 or 1)."""
    return isinstance(value, bool) or is_finite_number(value)


def bos_sharpness(max_seq_len: int, unit: float) -> float:
    """``K = ln(N/u)``: a head that writes an aggregate's default puts on the
    BOS key a weight within ``u`` of 1 at the BOS query and of 0 elsewhere
    when BOS wins (or loses) against every other key by ``K``
    (docs/constructions.md)."""
    return math.log(max_seq_len / unit)


@irdl_op_definition
class CountOp(Margined, HeadOp):
    """Selector width: a head measuring ``y = 1/(w+1)`` and a discretising MLP.

    ``margin`` is the head's relative error on ``y``: the step between the
    levels ``lo < hi`` is flat beyond ``margin * hi`` of each.
    """

    name = "sa.count"

    table = opt_prop_def(TableAttr)
    """``then {w -> f(w), ...}``: the MLP writes ``f(w)`` instead of ``w`` (a
    map of the width, computed by the count's own MLP)."""

    OPERAND_COUNT: ClassVar[int] = 2
    SUBLAYERS: ClassVar[tuple[str, ...]] = (ATTENTION, MLP)

    def print_specific(self, printer: Printer) -> None:
        super().print_specific(printer)
        if self.table is not None:
            printer.print_string(" then " + self.table.format())

    @classmethod
    def parse_specific(cls, parser: Parser) -> dict[str, Attribute]:
        props = super().parse_specific(parser)
        if parser.parse_optional_keyword("then") is not None:
            props |= TabulatedOp.parse_specific(parser)
        return props

    def points(self) -> list[tuple[float, Value]]:
        """The MLP's inputs ``1/(w+1)`` with what it writes for each, sorted."""
        if self.table is None:
            return sorted((1 / (k + 1), k) for k in self.values.data)
        return sorted((1 / (k + 1), out) for k, out in self.table.data)

    def verify_component(self) -> None:
        super().verify_component()
        self.verify_margin()
        if self.table is None:
            check_counts(self.values.data, "a count")
            self.verify_steps()
            return
        check_counts([k for k, _ in self.table.data], "a count's table")
        check_subset(
            self.table.outputs(), self.values.data, "table output", "the value set"
        )
        self.verify_steps()

    def verify_steps(self) -> None:
        """Each step of the MLP is flat within the margin, which is relative to
        the level ``1/(w+1)`` (so the step's slope is finite)."""
        margin = self.margin.data
        for step in steps(self.points(), self.encoding == NUMERICAL):
            if 2.0 * margin * step.hi >= step.gap:
                raise VerifyException(
                    f"margin {margin} (relative to the level) is not below half "
                    f"the gap {step.gap} between levels {step.lo} and {step.hi}"
                )


# -- program -----------------------------------------------------------------


@irdl_op_definition
class OutputOp(OutputBase):
    """Terminates ``sa.program``: the s-op the model outputs."""

    name = "sa.output"

    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(ProgramOp)))


@irdl_op_definition
class ProgramOp(ProgramBase):
    """A program as transformer components, with the compile settings."""

    name = "sa.program"

    OUTPUT_OP: ClassVar[type[IRDLOperation]] = OutputOp

    def verify_body(self) -> None:
        self.check_dialect()
        n = self.max_seq_len.data
        self.check_primitives({TokensOp: self.vocab.data, IndicesOp: range(n)})


def squared_values(program: ProgramOp) -> set[SSAValue]:
    """The numerical s-ops a quadratic head reads with their square (its keys,
    and its queries unless the head is matched): their writers also write
    the square, in a direction of its own (docs/constructions.md)."""
    out: set[SSAValue] = set()
    for op in program.body.block.ops:
        if isinstance(op, HeadOp) and op.is_quadratic:
            sides = [op.keys] if op.matched is not None else [op.keys, op.queries]
            out.update(
                s for s in sides if isinstance(s.type, SOpType) and s.type.is_numerical
            )
    return out


COMPONENT_OPS: tuple[type[ComponentOp], ...] = (
    TokensOp,
    IndicesOp,
    PositionMapOp,
    FullOp,
    LookupOp,
    PairLookupOp,
    DiscretiseOp,
    LinearOp,
    AffineOp,
    PairOp,
    AggregateOp,
    CountOp,
)

SA = Dialect("sa", [ProgramOp, OutputOp, *COMPONENT_OPS], [])
