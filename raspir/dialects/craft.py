"""The ``craft`` dialect: transformer blocks over named residual directions.

The residual stream is a set of named basis directions: ``tokens:"a"``,
``indices:3``, ``sorted:2`` (categorical s-ops, one direction per value),
``frac_prevs`` (numerical s-ops), ``one`` (1 at every position) and
``tokens:BOS`` (1 at the BOS position). A ``craft.model`` holds the compile
settings, the embeddings, one ``craft.layer`` per transformer layer (its heads,
then its MLPs) and the unembedding. Weights are sparse matrices between named
directions (and, for MLPs, numbered hidden units), printed entry by entry.

Syntax::

    craft.model vocab {...} max_seq_len N bos "BOS" pad "PAD" [causal] {
      craft.embed tokens {"a": {tokens:"a" = 1.0, one = 1.0}, ...}
      craft.embed positions {1: {indices:0 = 1.0}, ...}
      craft.share [tokens:"a", sorted:2]
      craft.layer 0 {
        craft.head "reverse" qk {(indices:0, indices:1): 12.5, ...} ov {...}
        craft.mlp "opp_idx" hidden 12 in {(one, 0): -3.0, ...} out {(0, opp_idx:2): 1.0}
      }
      craft.unembed categorical {"a": {reverse:"a" = 1.0}, ...}
    }
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import IntAttr, StringAttr
from xdsl.ir import Attribute, Block, Data, Dialect, Operation, Region
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    lazy_traits_def,
    prop_def,
    region_def,
    traits_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, NoTerminator
from xdsl.utils.exceptions import VerifyException

from raspir.dialects.rasp import ENCODINGS, FLOAT32, NUMERICAL, ProgramBase
from raspir.dialects.values import (
    Value,
    format_value,
    parse_float,
    parse_value,
    value_key,
)

Direction = tuple[str, tuple[Value, ...]]
"""A direction: its name and, for a categorical s-op, ``(value,)``; else ``()``."""

ONE: Direction = ("one", ())


def format_direction(direction: Direction) -> str:
    name, value = direction
    text = name if _is_bare(name) else format_value(name)
    return f"{text}:{format_value(value[0])}" if value else text


def _is_bare(name: str) -> bool:
    return (
        bool(name)
        and (name[0].isalpha() or name[0] == "_")
        and all(c.isascii() and (c.isalnum() or c in "_.$") for c in name)
    )


def parse_direction(parser: AttrParser) -> Direction:
    name = parser.parse_optional_str_literal()
    if name is None:
        name = parser.parse_identifier(" (a residual direction)")
    if parser.parse_optional_punctuation(":") is not None:
        return name, (parse_value(parser),)
    return name, ()


def direction_key(direction: Direction) -> tuple:
    """Type-exact identity of a direction (its value compared with ``value_key``)."""
    name, value = direction
    return (name, tuple(value_key(v) for v in value))


Index = Direction | int
"""A matrix index: a residual direction, or an MLP hidden unit's number."""


def _format_index(index: Index) -> str:
    return str(index) if isinstance(index, int) else format_direction(index)


def _parse_index(parser: AttrParser) -> Index:
    number = parser.parse_optional_integer(allow_boolean=False, allow_negative=False)
    return number if number is not None else parse_direction(parser)


@irdl_attr_definition
class MatrixAttr(Data[tuple[tuple[Index, Index, float], ...]]):
    """A sparse matrix: ``{(row, column): weight, ...}`` with named indices."""

    name = "craft.matrix"

    def __init__(self, entries: Iterable[tuple[Index, Index, float]]):
        merged: dict[tuple, tuple[Index, Index, float]] = {}
        for row, col, weight in entries:
            key = (_index_key(row), _index_key(col))
            old = merged.get(key)
            merged[key] = (row, col, weight + (old[2] if old else 0.0))
        super().__init__(tuple(e for e in merged.values() if e[2] != 0.0))

    def format(self) -> str:
        return (
            "{"
            + ", ".join(
                f"({_format_index(r)}, {_format_index(c)}): {format_value(float(w))}"
                for r, c, w in self.data
            )
            + "}"
        )

    @classmethod
    def parse_matrix(cls, parser: AttrParser) -> MatrixAttr:
        def entry() -> tuple[Index, Index, float]:
            parser.parse_punctuation("(")
            row = _parse_index(parser)
            parser.parse_punctuation(",")
            col = _parse_index(parser)
            parser.parse_punctuation(")")
            parser.parse_punctuation(":")
            return row, col, parse_float(parser, "a weight")

        return cls(
            parser.parse_comma_separated_list(
                parser.Delimiter.BRACES, entry, " in a sparse matrix"
            )
        )

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple:
        with parser.in_angle_brackets():
            return cls.parse_matrix(parser).data

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{self.format()}>")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MatrixAttr) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return tuple((_index_key(r), _index_key(c), w) for r, c, w in self.data)

    def directions(self) -> list[Direction]:
        return [i for r, c, _ in self.data for i in (r, c) if not isinstance(i, int)]


def _index_key(index: Index) -> tuple:
    return ("hidden", index) if isinstance(index, int) else direction_key(index)


@irdl_attr_definition
class TableAttr(Data[tuple[tuple[Value, tuple[tuple[Direction, float], ...]], ...]]):
    """An embedding table: for each token (or position), a sparse residual vector."""

    name = "craft.embedding"

    def format(self) -> str:
        rows = []
        for key, vector in self.data:
            entries = ", ".join(
                f"{format_direction(d)} = {format_value(float(w))}" for d, w in vector
            )
            rows.append(f"{format_value(key)}: {{{entries}}}")
        return "{" + ", ".join(rows) + "}"

    @classmethod
    def parse_table(cls, parser: AttrParser) -> TableAttr:
        def entry() -> tuple[Direction, float]:
            direction = parse_direction(parser)
            parser.parse_punctuation("=", " between a direction and its weight")
            return direction, parse_float(parser, "a weight")

        def row() -> tuple[Value, tuple[tuple[Direction, float], ...]]:
            key = parse_value(parser)
            parser.parse_punctuation(":")
            vector = parser.parse_comma_separated_list(
                parser.Delimiter.BRACES, entry, " in an embedding vector"
            )
            return key, tuple(vector)

        return cls(
            tuple(
                parser.parse_comma_separated_list(
                    parser.Delimiter.BRACES, row, " in an embedding table"
                )
            )
        )

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple:
        with parser.in_angle_brackets():
            return cls.parse_table(parser).data

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{self.format()}>")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableAttr) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return tuple(
            (value_key(k), tuple((direction_key(d), w) for d, w in v))
            for k, v in self.data
        )


@irdl_attr_definition
class DirectionListAttr(Data[tuple[Direction, ...]]):
    """Directions in order, printed ``[d1, d2, ...]``."""

    name = "craft.directions"

    def format(self) -> str:
        return "[" + ", ".join(format_direction(d) for d in self.data) + "]"

    @classmethod
    def parse_list(cls, parser: AttrParser) -> DirectionListAttr:
        return cls(
            tuple(
                parser.parse_comma_separated_list(
                    parser.Delimiter.SQUARE, lambda: parse_direction(parser)
                )
            )
        )

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> tuple:
        with parser.in_angle_brackets():
            return cls.parse_list(parser).data

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{self.format()}>")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DirectionListAttr) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return tuple(direction_key(d) for d in self.data)


# ---------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------


class _LabelledBlock(IRDLOperation):
    """A head or an MLP: a label (the s-op it computes) and sparse weights."""

    label = prop_def(StringAttr)

    traits = lazy_traits_def(lambda: (HasParent(LayerOp),))

    MATRICES: ClassVar[tuple[str, str]]

    def print(self, printer: Printer) -> None:
        printer.print_string(" " + format_value(self.label.data))
        self.print_extra(printer)
        for keyword in self.MATRICES:
            matrix = self.properties[keyword]
            assert isinstance(matrix, MatrixAttr)
            printer.print_string(f" {keyword} {matrix.format()}")

    def print_extra(self, printer: Printer) -> None:
        pass

    @classmethod
    def parse_extra(cls, parser: Parser) -> dict[str, Attribute]:
        return {}

    @classmethod
    def parse(cls, parser: Parser):
        props: dict[str, Attribute] = {"label": StringAttr(parser.parse_str_literal())}
        props |= cls.parse_extra(parser)
        for keyword in cls.MATRICES:
            parser.parse_keyword(keyword)
            props[keyword] = MatrixAttr.parse_matrix(parser)
        return cls.create(properties=props)


@irdl_op_definition
class HeadOp(_LabelledBlock):
    """An attention head: score = q^T W_QK k (sharpness folded in); out = W_OV v."""

    name = "craft.head"

    qk = prop_def(MatrixAttr)
    ov = prop_def(MatrixAttr)

    MATRICES: ClassVar[tuple[str, str]] = ("qk", "ov")

    def __init__(self, label: str, qk: MatrixAttr, ov: MatrixAttr):
        super().__init__(properties={"label": StringAttr(label), "qk": qk, "ov": ov})

    def verify_(self) -> None:
        for row, col, _ in self.qk.data + self.ov.data:
            if isinstance(row, int) or isinstance(col, int):
                raise VerifyException(
                    f"craft.head '{self.label.data}': heads read and write residual "
                    "directions, not hidden units"
                )


MAX_HIDDEN = 1_000_000
"""The widest MLP: one unit per entry of the largest table import accepts."""


@irdl_op_definition
class MLPOp(_LabelledBlock):
    """An MLP: ``out = W_out · ReLU(W_in · x)`` with ``hidden`` units; biases come
    from the ``one`` direction."""

    name = "craft.mlp"

    hidden = prop_def(IntAttr)
    fst = prop_def(MatrixAttr)
    snd = prop_def(MatrixAttr)

    MATRICES: ClassVar[tuple[str, str]] = ("fst", "snd")

    def __init__(self, label: str, hidden: int, fst: MatrixAttr, snd: MatrixAttr):
        super().__init__(
            properties={
                "label": StringAttr(label),
                "hidden": IntAttr(hidden),
                "fst": fst,
                "snd": snd,
            }
        )

    def print_extra(self, printer: Printer) -> None:
        printer.print_string(f" hidden {self.hidden.data}")

    @classmethod
    def parse_extra(cls, parser: Parser) -> dict[str, Attribute]:
        parser.parse_keyword("hidden")
        return {"hidden": IntAttr(parser.parse_integer(allow_negative=False))}

    def verify_(self) -> None:
        width = self.hidden.data
        if width < 0:
            raise VerifyException(
                f"craft.mlp '{self.label.data}': hidden width must be >= 0, got {width}"
            )
        if width > MAX_HIDDEN:
            raise VerifyException(
                f"craft.mlp '{self.label.data}': hidden width {width} is over the "
                f"limit of {MAX_HIDDEN}"
            )
        for row, col, _ in self.fst.data:
            if isinstance(row, int) or not isinstance(col, int) or not 0 <= col < width:
                raise VerifyException(
                    f"craft.mlp '{self.label.data}': the first layer maps directions "
                    f"to hidden units 0..{width - 1}"
                )
        for row, col, _ in self.snd.data:
            if not isinstance(row, int) or isinstance(col, int) or not 0 <= row < width:
                raise VerifyException(
                    f"craft.mlp '{self.label.data}': the second layer maps hidden "
                    f"units 0..{width - 1} to directions"
                )


@irdl_op_definition
class LayerOp(IRDLOperation):
    """One transformer layer: its heads read the residual in parallel, then its MLPs."""

    name = "craft.layer"

    index = prop_def(IntAttr)
    body = region_def("single_block")

    traits = lazy_traits_def(lambda: (NoTerminator(), HasParent(ModelOp)))

    def __init__(self, index: int, blocks: Sequence[IRDLOperation]):
        super().__init__(
            properties={"index": IntAttr(index)}, regions=[Region(Block(blocks))]
        )

    @property
    def heads(self) -> list[HeadOp]:
        return [op for op in self.body.block.ops if isinstance(op, HeadOp)]

    @property
    def mlps(self) -> list[MLPOp]:
        return [op for op in self.body.block.ops if isinstance(op, MLPOp)]

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.index.data} ")
        if self.body.block.first_op is None:
            printer.print_string("{\n}")  # an empty layer: both sub-layers unused
            return
        printer.print_region(self.body, print_entry_block_args=False)

    @classmethod
    def parse(cls, parser: Parser) -> LayerOp:
        index = parser.parse_integer(allow_negative=False)
        region = parser.parse_region()
        if not region.blocks:
            region.add_block(Block())
        return cls.create(properties={"index": IntAttr(index)}, regions=[region])

    def verify_(self) -> None:
        seen_mlp = False
        for op in self.body.block.ops:
            if isinstance(op, MLPOp):
                seen_mlp = True
            elif isinstance(op, HeadOp) and seen_mlp:
                raise VerifyException(
                    f"craft.layer {self.index.data}: heads come before MLPs"
                )
            elif not isinstance(op, HeadOp | MLPOp):
                raise VerifyException(
                    f"craft.layer {self.index.data} holds only heads and MLPs"
                )


@irdl_op_definition
class ShareOp(IRDLOperation):
    """Directions that take turns on one residual dimension, in order.

    Written by ``craft-compress-residual``: each direction's last reader runs
    before the next one is written, and a unit erases it in between, so the
    dimension holds one direction at a time. Without share ops every direction
    has a dimension of its own.
    """

    name = "craft.share"

    directions = prop_def(DirectionListAttr)

    traits = lazy_traits_def(lambda: (HasParent(ModelOp),))

    def __init__(self, directions: Sequence[Direction]):
        super().__init__(
            properties={"directions": DirectionListAttr(tuple(directions))}
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(" " + self.directions.format())

    @classmethod
    def parse(cls, parser: Parser) -> ShareOp:
        return cls(DirectionListAttr.parse_list(parser).data)

    def verify_(self) -> None:
        if len(self.directions.data) < 2:
            raise VerifyException("craft.share needs at least two directions")


@irdl_op_definition
class EmbedOp(IRDLOperation):
    """The token (``tokens``) or position (``positions``) embedding table."""

    name = "craft.embed"

    kind = prop_def(StringAttr)
    table = prop_def(TableAttr)

    traits = lazy_traits_def(lambda: (HasParent(ModelOp),))

    KINDS: ClassVar[tuple[str, str]] = ("tokens", "positions")

    def __init__(self, kind: str, table: TableAttr):
        super().__init__(properties={"kind": StringAttr(kind), "table": table})

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.kind.data} {self.table.format()}")

    @classmethod
    def parse(cls, parser: Parser) -> EmbedOp:
        kind = parser.parse_keyword_in(cls.KINDS)
        return cls(kind, TableAttr.parse_table(parser))

    def verify_(self) -> None:
        _verify_rows(self.table, f"craft.embed {self.kind.data}")


@irdl_op_definition
class UnembedOp(IRDLOperation):
    """How the output is read: a categorical decode table or a numerical direction."""

    name = "craft.unembed"

    encoding = prop_def(StringAttr)
    table = prop_def(TableAttr)

    traits = lazy_traits_def(lambda: (HasParent(ModelOp),))

    def __init__(self, encoding: str, table: TableAttr):
        super().__init__(properties={"encoding": StringAttr(encoding), "table": table})

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.encoding.data} {self.table.format()}")

    @classmethod
    def parse(cls, parser: Parser) -> UnembedOp:
        encoding = parser.parse_keyword_in(ENCODINGS)
        return cls(encoding, TableAttr.parse_table(parser))

    def verify_(self) -> None:
        if self.encoding.data not in ENCODINGS:
            raise VerifyException(
                f"craft.unembed: unknown encoding '{self.encoding.data}'"
            )
        _verify_rows(self.table, "craft.unembed")
        if self.encoding.data == NUMERICAL and len(self.table.data) != 1:
            raise VerifyException(
                "craft.unembed: a numerical output is read from one row, "
                f"got {len(self.table.data)}"
            )


def _verify_rows(table: TableAttr, where: str) -> None:
    """A table's rows have distinct keys, and each row distinct directions."""
    keys: set[tuple] = set()
    for key, vector in table.data:
        if value_key(key) in keys:
            raise VerifyException(f"{where}: row {format_value(key)} is listed twice")
        keys.add(value_key(key))
        directions: set[tuple] = set()
        for direction, _ in vector:
            if direction_key(direction) in directions:
                raise VerifyException(
                    f"{where}: row {format_value(key)} lists "
                    f"{format_direction(direction)} twice"
                )
            directions.add(direction_key(direction))


@irdl_op_definition
class ModelOp(ProgramBase):
    """A compiled model: embeddings, layers, unembedding, with the compile settings."""

    name = "craft.model"

    traits = traits_def(IsolatedFromAbove(), NoTerminator())

    OUTPUT_OP: ClassVar[type[IRDLOperation]] = UnembedOp

    def with_ops(self, ops: Sequence[Operation]) -> ModelOp:
        """A model of ``ops`` with this one's settings and attributes (what
        earlier passes measured, such as residual compression's peaks)."""
        new = ModelOp.like(self, Region(Block(list(ops))))
        new.attributes.update(self.attributes)
        return new

    @property
    def embeddings(self) -> dict[str, EmbedOp]:
        return {
            op.kind.data: op for op in self.body.block.ops if isinstance(op, EmbedOp)
        }

    @property
    def layers(self) -> list[LayerOp]:
        return [op for op in self.body.block.ops if isinstance(op, LayerOp)]

    @property
    def shares(self) -> list[tuple[Direction, ...]]:
        """The groups of directions that share a dimension (``craft.share``)."""
        return [
            op.directions.data for op in self.body.block.ops if isinstance(op, ShareOp)
        ]

    def verify_body(self) -> None:
        for op in self.body.block.ops:
            if not isinstance(op, EmbedOp | ShareOp | LayerOp | UnembedOp):
                raise VerifyException(
                    f"craft.model holds embeddings, shares, layers and one "
                    f"unembedding, not {op.name}"
                )
        if sum(isinstance(op, UnembedOp) for op in self.body.block.ops) != 1:
            raise VerifyException("craft.model: needs exactly one craft.unembed")
        kinds = [op.kind.data for op in self.body.block.ops if isinstance(op, EmbedOp)]
        if sorted(kinds) != sorted(EmbedOp.KINDS):
            raise VerifyException(
                "craft.model: needs exactly one tokens and one positions embedding, "
                f"has {kinds}"
            )
        shared: set[tuple] = set()
        for group in self.shares:
            keys = [direction_key(d) for d in group]
            for direction, key in zip(group, keys, strict=True):
                if keys.count(key) > 1:
                    raise VerifyException(
                        f"craft.share lists {format_direction(direction)} twice"
                    )
                if key in shared:
                    raise VerifyException(
                        f"craft.model: {format_direction(direction)} is in two "
                        "craft.share groups"
                    )
            shared.update(keys)
        indices = [layer.index.data for layer in self.layers]
        if indices != list(range(len(indices))):
            raise VerifyException(
                f"craft.model: layers must be numbered 0, 1, ...; got {indices}"
            )
        self._verify_embeddings()
        self.verify_weights()

    def _verify_embeddings(self) -> None:
        """Every token has a row, as the la model embeds each; positions are
        0..max_seq_len (BOS, then the input)."""
        embed = self.embeddings
        tokens = {value_key(k) for k, _ in embed["tokens"].table.data}
        wanted = {
            value_key(t) for t in (*self.vocab.data, self.bos.data, self.pad.data)
        }
        if tokens != wanted:
            raise VerifyException(
                "craft.embed tokens: the rows must be the vocab, bos and pad"
            )
        n = self.max_seq_len.data
        for key, _ in embed["positions"].table.data:
            if isinstance(key, bool) or not isinstance(key, int) or not 0 <= key <= n:
                raise VerifyException(
                    f"craft.embed positions: row {format_value(key)} is not a "
                    f"position 0..{n}"
                )

    def verify_weights(self) -> None:
        """Every weight is a finite number in the model's dtype (also checked
        by ``convert-sa-to-craft``, whose constants can make them overflow)."""
        dtype = np.float32 if self.float_dtype == FLOAT32 else np.float64
        for op in self.walk():
            if isinstance(op, EmbedOp | UnembedOp):
                where = op.name
                weights = [w for _, vector in op.table.data for _, w in vector]
            elif isinstance(op, _LabelledBlock):
                where = f"{op.name} '{op.label.data}'"
                weights = [
                    w
                    for keyword in op.MATRICES
                    for _, _, w in op.properties[keyword].data  # type: ignore[attr-defined]
                ]
            else:
                continue
            with np.errstate(over="ignore"):
                finite = np.isfinite(np.asarray(weights, dtype=dtype))
            if not finite.all():
                bad = weights[int(np.argmin(finite))]
                raise VerifyException(
                    f"{where}: weight {format_value(float(bad))} is not a finite "
                    f"{self.float_dtype}"
                )


Craft = Dialect(
    "craft",
    [ModelOp, EmbedOp, ShareOp, LayerOp, HeadOp, MLPOp, UnembedOp],
    [MatrixAttr, TableAttr, DirectionListAttr],
)
