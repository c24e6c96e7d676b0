"""The ``la`` dialect: the transformer as dense linear algebra on one residual vector.

This is the level a runtime sees. The residual stream has a fixed width D; each
of its coordinates is one named craft direction (or several that take turns on
it, written ``d1 | d2``), listed once by ``la.residual``.
Weights are matrices in the model's dtype (float32, or float64 for a model
compiled with ``dtype float64``, whose weights say ``float64`` after their
shape) declared once as symbols (``la.weight``) and referenced by the ops that
use them, so a dump shows the model's structure and shapes without drowning in
numbers: a small weight prints its values inline, a large one prints only its
shape, its non-zero count and a digest, and its values live in a side table (an
``.npz`` keyed by symbol).

Every sub-layer op adds its result to the residual stream:

- ``la.attention L heads [...] key_size K value_size V query @q key @k value @v
  output @o``: H = len(heads) heads, ``q``/``k`` of shape (D, H·K), ``v`` of
  shape (D, H·V), ``o`` of shape (H·V, D); scores are the raw products q·k
  (the sharpness is folded into the weights), softmax over the keys that are
  not PAD (and not later, in a causal model);
- ``la.mlp L blocks {"label" = width, ...} fst @a snd @b``: ``ReLU(x·a)·b``,
  ``a`` of shape (D, M), ``b`` of shape (M, D), M the sum of the widths (biases
  are carried by the residual's ``one`` direction).

Layer L has an ``la.attention`` then an ``la.mlp``; either may be empty (no
heads, no hidden units, no weights). ``la.embed`` names the token order (token
id i is the i-th token) and the embedding tables; ``la.unembed`` reads the
output: a categorical output is decoded through its value list (the largest
column if it exceeds 1/2, else ``None``), a numerical one is its single column.

Syntax::

    la.model vocab {"a", "b"} max_seq_len 4 bos "BOS" pad "PAD" {
      la.residual [tokens:"BOS", tokens:"a", tokens:"b", one, indices:0, ...]
      la.weight @"token_embed/embeddings" [4, 9] dense [[1.0, 0.0, ...], ...]
      la.weight @"transformer/layer_0/mlp/linear_1/w" [9, 40] external "5c1e09d2aa3b4f6e" nnz 52
      (in a float64 model: la.weight @"unembed/w" [9, 2] float64 dense [[...]])
      la.embed tokens ["a", "b", "BOS", "PAD"] @"token_embed/embeddings" positions @"pos_embed/embeddings"
      la.attention 0 heads [] key_size 0 value_size 0
      la.mlp 0 blocks {"y" = 40} fst @"transformer/layer_0/mlp/linear_1/w" snd @"transformer/layer_0/mlp/linear_2/w"
      la.unembed categorical ["x", "y"] @"unembed/w"
    }
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import ArrayAttr, IntAttr, StringAttr, SymbolRefAttr
from xdsl.ir import Attribute, Block, Data, Dialect, Region
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    lazy_traits_def,
    opt_prop_def,
    prop_def,
    traits_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, NoTerminator
from xdsl.utils.exceptions import VerifyException

from raspir.dialects.craft import (
    Direction,
    direction_key,
    format_direction,
    parse_direction,
)
from raspir.dialects.rasp import (
    DTYPES,
    ENCODINGS,
    FLOAT32,
    FLOAT64,
    NUMERICAL,
    ProgramBase,
    ValueListAttr,
)
from raspir.dialects.values import (
    Value,
    format_list,
    format_value,
    parse_float,
    parse_value,
    value_key,
)

FLOAT = np.float32

STORAGE = {FLOAT32: np.dtype("<f4"), FLOAT64: np.dtype("<f8")}
"""How each dtype's values are held: little-endian bytes, the same on every host."""

DIGEST_CHARS = 16
"""Hex characters of a weight's SHA-256 digest kept in the IR (64 bits)."""


def digest_of(array: np.ndarray, dtype: str = FLOAT32) -> str:
    """The identity of a weight's values: shape-independent, the bytes of its
    values in ``dtype``."""
    data = np.ascontiguousarray(array, dtype=STORAGE[dtype]).tobytes()
    return hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]


def format_float32(x: float) -> str:
    """The shortest text that reads back as the same float32, in the value syntax
    (``0.5``, ``1.0e-05``)."""
    return format_value(float(np.format_float_positional(FLOAT(x), unique=True)))


def format_weight_value(x: float, dtype: str) -> str:
    """The shortest text that reads back as the same value in ``dtype``."""
    return format_float32(x) if dtype == FLOAT32 else format_value(float(x))


# ---------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------


@irdl_attr_definition
class WeightAttr(Data[tuple[tuple[int, ...], bytes | None, str, int, bool, str]]):
    """A matrix: ``(shape, values or None, digest, non-zeros, inline, dtype)``.

    Values are little-endian bytes of the dtype (``float32`` or ``float64``;
    immutable, hashable). An external weight parsed from text has no values
    until they are bound from its side table (``with_values``); equality is by
    shape, digest and dtype.
    """

    name = "la.weight_data"

    @staticmethod
    def from_array(array: np.ndarray, inline: bool, dtype: str = FLOAT32) -> WeightAttr:
        if dtype not in STORAGE:
            raise ValueError(f"unknown weight dtype '{dtype}'")
        with np.errstate(over="ignore"):
            array = np.asarray(array, dtype=STORAGE[dtype].type)
        if array.ndim != 2:
            raise ValueError(f"weights are matrices, got shape {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"weights must be finite {dtype} values")
        data = np.ascontiguousarray(array, dtype=STORAGE[dtype]).tobytes()
        return WeightAttr(
            (
                tuple(int(d) for d in array.shape),
                data,
                digest_of(array, dtype),
                int(np.count_nonzero(array)),
                inline,
                dtype,
            )
        )

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data[0]

    @property
    def digest(self) -> str:
        return self.data[2]

    @property
    def nonzeros(self) -> int:
        return self.data[3]

    @property
    def inline(self) -> bool:
        return self.data[4]

    @property
    def dtype(self) -> str:
        return self.data[5]

    @property
    def has_values(self) -> bool:
        return self.data[1] is not None

    def array(self) -> np.ndarray:
        """The values (read-only); fails if an external weight was never bound."""
        if self.data[1] is None:
            raise ValueError(f"weight {self.digest} has no values bound")
        return np.frombuffer(self.data[1], dtype=STORAGE[self.dtype]).reshape(
            self.shape
        )

    def with_values(self, array: np.ndarray) -> WeightAttr:
        """This external weight with its values from a side table, checked."""
        bound = WeightAttr.from_array(array, self.inline, self.dtype)
        if bound.shape != self.shape or bound.digest != self.digest:
            raise ValueError(
                f"side-table values (shape {list(bound.shape)}, digest "
                f"{bound.digest}) do not match shape {list(self.shape)}, "
                f"digest {self.digest}"
            )
        return bound

    def format(self) -> str:
        shape = "[" + ", ".join(map(str, self.shape)) + "]"
        if self.dtype != FLOAT32:
            shape += f" {self.dtype}"
        if not self.inline:
            return f'{shape} external "{self.digest}" nnz {self.nonzeros}'
        rows = (
            "[" + ", ".join(format_weight_value(x, self.dtype) for x in row) + "]"
            for row in self.array()
        )
        return f"{shape} dense [" + ", ".join(rows) + "]"

    @classmethod
    def parse_weight(cls, parser: AttrParser) -> WeightAttr:
        shape = tuple(
            parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE,
                lambda: parser.parse_integer(allow_boolean=False, allow_negative=False),
                " in a weight shape",
            )
        )
        if len(shape) != 2:
            parser.raise_error(f"a weight is a matrix, got shape {list(shape)}")
        dtype = parser.parse_optional_keyword_in(DTYPES) or FLOAT32
        if parser.parse_optional_keyword("external") is not None:
            start = parser.pos
            digest = parser.parse_str_literal(" (the weight's digest)")
            if len(digest) != DIGEST_CHARS or set(digest) - set("0123456789abcdef"):
                parser.raise_error(
                    f"a weight digest is {DIGEST_CHARS} lowercase hex digits",
                    start,
                    parser.pos,
                )
            parser.parse_keyword("nnz")
            nonzeros = parser.parse_integer(allow_boolean=False, allow_negative=False)
            return cls((shape, None, digest, nonzeros, False, dtype))
        parser.parse_keyword("dense", " or 'external' after a weight shape")
        start = parser.pos

        def number() -> float:
            at = parser.pos
            value = parse_float(parser, "a weight")
            with np.errstate(over="ignore"):
                finite = bool(np.isfinite(STORAGE[dtype].type(value)))
            if not finite:
                parser.raise_error(
                    f"weight value {value} is not a finite {dtype}", at, parser.pos
                )
            return value

        def row() -> list[float]:
            return parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, number, " in a weight row"
            )

        rows = parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, row, " in a dense weight"
        )
        if len(rows) != shape[0] or any(len(r) != shape[1] for r in rows):
            parser.raise_error(
                f"dense values do not have shape {list(shape)}", start, parser.pos
            )
        array = np.array(rows, dtype=np.float64).reshape(shape)
        return cls.from_array(array, inline=True, dtype=dtype)

    @classmethod
    def parse_parameter(cls, parser: AttrParser):
        with parser.in_angle_brackets():
            return cls.parse_weight(parser).data

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{self.format()}>")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WeightAttr) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return (self.shape, self.digest, self.inline, self.dtype)


@irdl_attr_definition
class DirectionsAttr(Data[tuple[tuple[Direction, ...], ...]]):
    """The residual basis: the craft directions of each coordinate, in order.

    A coordinate holds one direction, or several that take turns on it
    (``craft.share``), printed ``d1 | d2``.
    """

    name = "la.directions"

    def format(self) -> str:
        return "[" + ", ".join(format_coordinate(c) for c in self.data) + "]"

    @classmethod
    def parse_directions(cls, parser: AttrParser) -> DirectionsAttr:
        def coordinate() -> Coordinate:
            directions = [parse_direction(parser)]
            while parser.parse_optional_punctuation("|") is not None:
                directions.append(parse_direction(parser))
            return tuple(directions)

        return cls(
            tuple(
                parser.parse_comma_separated_list(
                    parser.Delimiter.SQUARE, coordinate, " in the residual basis"
                )
            )
        )

    @classmethod
    def parse_parameter(cls, parser: AttrParser):
        with parser.in_angle_brackets():
            return cls.parse_directions(parser).data

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{self.format()}>")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DirectionsAttr) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return tuple(tuple(direction_key(d) for d in c) for c in self.data)


Coordinate = tuple[Direction, ...]
"""The directions one residual coordinate holds, in the order they use it."""


def format_coordinate(coordinate: Coordinate) -> str:
    return " | ".join(format_direction(d) for d in coordinate)


def as_coordinate(entry: Direction | Coordinate) -> Coordinate:
    """A coordinate from a direction or a coordinate."""
    return (entry,) if isinstance(entry[0], str) else tuple(entry)  # type: ignore[return-value]


def _parse_symbol(parser: Parser, keyword: str) -> SymbolRefAttr:
    parser.parse_keyword(keyword)
    return SymbolRefAttr(parser.parse_symbol_name())


def _parse_value_list(parser: AttrParser, what: str) -> tuple[Value, ...]:
    return tuple(
        parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parse_value(parser), f" in {what}"
        )
    )


def _print_symbol(printer: Printer, keyword: str, ref: SymbolRefAttr) -> None:
    printer.print_string(f" {keyword} ")
    printer.print_symbol_name(ref.root_reference.data)


# ---------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------


class _ModelPart(IRDLOperation):
    traits = lazy_traits_def(lambda: (HasParent(ModelOp),))

    WEIGHTS: ClassVar[tuple[str, ...]] = ()

    def weight_refs(self) -> dict[str, str]:
        """Each weight this op uses, by role: ``{"query": symbol, ...}``."""
        refs = {}
        for role in self.WEIGHTS:
            ref = self.properties.get(role)
            if isinstance(ref, SymbolRefAttr):
                refs[role] = ref.root_reference.data
        return refs

    def expected_shapes(self, width: int) -> dict[str, tuple[int, int]]:
        """The shape each weight must have, given the residual width."""
        return {}


@irdl_op_definition
class ResidualOp(_ModelPart):
    """The residual basis: coordinate i of the stream is direction i."""

    name = "la.residual"

    directions = prop_def(DirectionsAttr)

    def __init__(self, coordinates: Sequence[Direction | Coordinate]):
        data = tuple(as_coordinate(c) for c in coordinates)
        super().__init__(properties={"directions": DirectionsAttr(data)})

    def print(self, printer: Printer) -> None:
        printer.print_string(" " + self.directions.format())

    @classmethod
    def parse(cls, parser: Parser) -> ResidualOp:
        return cls(DirectionsAttr.parse_directions(parser).data)

    def verify_(self) -> None:
        seen: set[tuple] = set()
        for coordinate in self.directions.data:
            for direction in coordinate:
                key = direction_key(direction)
                if key in seen:
                    raise VerifyException(
                        f"la.residual lists {format_direction(direction)} twice"
                    )
                seen.add(key)


@irdl_op_definition
class WeightOp(_ModelPart):
    """A weight matrix, declared once under its symbol."""

    name = "la.weight"

    sym_name = prop_def(StringAttr)
    value = prop_def(WeightAttr)

    def __init__(self, symbol: str, value: WeightAttr):
        super().__init__(properties={"sym_name": StringAttr(symbol), "value": value})

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string(" " + self.value.format())

    @classmethod
    def parse(cls, parser: Parser) -> WeightOp:
        symbol = parser.parse_symbol_name().data
        return cls(symbol, WeightAttr.parse_weight(parser))


@irdl_op_definition
class EmbedOp(_ModelPart):
    """Token and position embeddings; token id i is ``tokens[i]``."""

    name = "la.embed"

    tokens = prop_def(ValueListAttr)
    token_table = prop_def(SymbolRefAttr)
    position_table = prop_def(SymbolRefAttr)

    WEIGHTS: ClassVar[tuple[str, ...]] = ("token_table", "position_table")

    def __init__(self, tokens: Sequence[Value], token_table: str, position_table: str):
        super().__init__(
            properties={
                "tokens": ValueListAttr(tuple(tokens)),
                "token_table": SymbolRefAttr(token_table),
                "position_table": SymbolRefAttr(position_table),
            }
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(f" tokens {format_list(self.tokens.data)} ")
        printer.print_symbol_name(self.token_table.root_reference.data)
        _print_symbol(printer, "positions", self.position_table)

    @classmethod
    def parse(cls, parser: Parser) -> EmbedOp:
        parser.parse_keyword("tokens")
        tokens = _parse_value_list(parser, "the token list")
        table = parser.parse_symbol_name().data
        positions = _parse_symbol(parser, "positions").root_reference.data
        return cls(tokens, table, positions)

    def verify_(self) -> None:
        keys = [value_key(t) for t in self.tokens.data]
        if len(set(keys)) != len(keys):
            raise VerifyException("la.embed: the token list repeats a token")


class _SubLayer(_ModelPart):
    layer = prop_def(IntAttr)


@irdl_op_definition
class AttentionOp(_SubLayer):
    """A layer's attention sub-layer: its heads side by side."""

    name = "la.attention"

    heads = prop_def(ArrayAttr[StringAttr])
    key_size = prop_def(IntAttr)
    value_size = prop_def(IntAttr)
    query = opt_prop_def(SymbolRefAttr)
    key = opt_prop_def(SymbolRefAttr)
    value = opt_prop_def(SymbolRefAttr)
    output = opt_prop_def(SymbolRefAttr)

    WEIGHTS: ClassVar[tuple[str, ...]] = ("query", "key", "value", "output")

    def __init__(
        self,
        layer: int,
        heads: Sequence[str],
        key_size: int,
        value_size: int,
        weights: dict[str, str] | None = None,
    ):
        props: dict[str, Attribute] = {
            "layer": IntAttr(layer),
            "heads": ArrayAttr(StringAttr(h) for h in heads),
            "key_size": IntAttr(key_size),
            "value_size": IntAttr(value_size),
        }
        for role, symbol in (weights or {}).items():
            props[role] = SymbolRefAttr(symbol)
        super().__init__(properties=props)

    @property
    def head_labels(self) -> list[str]:
        return [h.data for h in self.heads.data]

    def print(self, printer: Printer) -> None:
        printer.print_string(
            f" {self.layer.data} heads {format_list(self.head_labels)}"
            f" key_size {self.key_size.data} value_size {self.value_size.data}"
        )
        for role, symbol in self.weight_refs().items():
            _print_symbol(printer, role, SymbolRefAttr(symbol))

    @classmethod
    def parse(cls, parser: Parser) -> AttentionOp:
        layer = parser.parse_integer(allow_boolean=False, allow_negative=False)
        parser.parse_keyword("heads")
        heads = _parse_value_list(parser, "the head labels")
        if not all(isinstance(h, str) for h in heads):
            parser.raise_error("head labels are strings")
        parser.parse_keyword("key_size")
        key_size = parser.parse_integer(allow_boolean=False, allow_negative=False)
        parser.parse_keyword("value_size")
        value_size = parser.parse_integer(allow_boolean=False, allow_negative=False)
        weights = {}
        if heads:
            for role in cls.WEIGHTS:
                weights[role] = _parse_symbol(parser, role).root_reference.data
        return cls(layer, heads, key_size, value_size, weights)

    def verify_(self) -> None:
        present = set(self.weight_refs())
        wanted = set(self.WEIGHTS) if self.heads.data else set()
        if present != wanted:
            raise VerifyException(
                f"la.attention {self.layer.data}: "
                + (
                    "needs query, key, value and output weights"
                    if wanted
                    else "has no heads, so it takes no weights"
                )
            )

    def expected_shapes(self, width: int) -> dict[str, tuple[int, int]]:
        h = len(self.heads.data)
        qk, ov = h * self.key_size.data, h * self.value_size.data
        return {
            "query": (width, qk),
            "key": (width, qk),
            "value": (width, ov),
            "output": (ov, width),
        }


@irdl_op_definition
class MLPOp(_SubLayer):
    """A layer's MLP sub-layer: its MLPs' hidden units side by side."""

    name = "la.mlp"

    labels = prop_def(ArrayAttr[StringAttr])
    widths = prop_def(ArrayAttr[IntAttr])
    fst = opt_prop_def(SymbolRefAttr)
    snd = opt_prop_def(SymbolRefAttr)

    WEIGHTS: ClassVar[tuple[str, ...]] = ("fst", "snd")

    def __init__(
        self,
        layer: int,
        blocks: Sequence[tuple[str, int]],
        weights: dict[str, str] | None = None,
    ):
        props: dict[str, Attribute] = {
            "layer": IntAttr(layer),
            "labels": ArrayAttr(StringAttr(label) for label, _ in blocks),
            "widths": ArrayAttr(IntAttr(width) for _, width in blocks),
        }
        for role, symbol in (weights or {}).items():
            props[role] = SymbolRefAttr(symbol)
        super().__init__(properties=props)

    @property
    def blocks(self) -> list[tuple[str, int]]:
        return [
            (label.data, width.data)
            for label, width in zip(self.labels.data, self.widths.data, strict=True)
        ]

    @property
    def hidden(self) -> int:
        return sum(width for _, width in self.blocks)

    def print(self, printer: Printer) -> None:
        blocks = ", ".join(f"{format_value(lab)} = {w}" for lab, w in self.blocks)
        printer.print_string(f" {self.layer.data} blocks {{{blocks}}}")
        for role, symbol in self.weight_refs().items():
            _print_symbol(printer, role, SymbolRefAttr(symbol))

    @classmethod
    def parse(cls, parser: Parser) -> MLPOp:
        layer = parser.parse_integer(allow_boolean=False, allow_negative=False)
        parser.parse_keyword("blocks")

        def block() -> tuple[str, int]:
            label = parser.parse_str_literal(" (an MLP's label)")
            parser.parse_punctuation("=")
            return label, parser.parse_integer(
                allow_boolean=False, allow_negative=False
            )

        blocks = parser.parse_comma_separated_list(
            parser.Delimiter.BRACES, block, " in an MLP's blocks"
        )
        weights = {}
        if blocks:
            for role in cls.WEIGHTS:
                weights[role] = _parse_symbol(parser, role).root_reference.data
        return cls(layer, blocks, weights)

    def verify_(self) -> None:
        if len(self.labels.data) != len(self.widths.data):
            raise VerifyException(f"la.mlp {self.layer.data}: one width per label")
        present = set(self.weight_refs())
        wanted = set(self.WEIGHTS) if self.labels.data else set()
        if present != wanted:
            raise VerifyException(
                f"la.mlp {self.layer.data}: "
                + (
                    "needs fst and snd weights"
                    if wanted
                    else "has no blocks, so it takes no weights"
                )
            )

    def expected_shapes(self, width: int) -> dict[str, tuple[int, int]]:
        return {"fst": (width, self.hidden), "snd": (self.hidden, width)}


@irdl_op_definition
class UnembedOp(_ModelPart):
    """Reads the output: categorical (one column per value) or numerical (one)."""

    name = "la.unembed"

    encoding = prop_def(StringAttr)
    values = prop_def(ValueListAttr)
    table = prop_def(SymbolRefAttr)

    WEIGHTS: ClassVar[tuple[str, ...]] = ("table",)

    def __init__(self, encoding: str, values: Sequence[Value], table: str):
        super().__init__(
            properties={
                "encoding": StringAttr(encoding),
                "values": ValueListAttr(tuple(values)),
                "table": SymbolRefAttr(table),
            }
        )

    @property
    def is_numerical(self) -> bool:
        return self.encoding.data == NUMERICAL

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.encoding.data}")
        if not self.is_numerical:
            printer.print_string(f" {format_list(self.values.data)}")
        printer.print_string(" ")
        printer.print_symbol_name(self.table.root_reference.data)

    @classmethod
    def parse(cls, parser: Parser) -> UnembedOp:
        encoding = parser.parse_keyword_in(ENCODINGS)
        values: tuple[Value, ...] = ()
        if encoding != NUMERICAL:
            values = _parse_value_list(parser, "the output values")
        return cls(encoding, values, parser.parse_symbol_name().data)

    def verify_(self) -> None:
        if self.encoding.data not in ENCODINGS:
            raise VerifyException(
                f"la.unembed: unknown encoding '{self.encoding.data}'"
            )
        if self.is_numerical and self.values.data:
            raise VerifyException("la.unembed: a numerical output has no value list")

    def expected_shapes(self, width: int) -> dict[str, tuple[int, int]]:
        columns = 1 if self.is_numerical else len(self.values.data)
        return {"table": (width, columns)}


@irdl_op_definition
class ModelOp(ProgramBase):
    """A transformer: residual basis, weights, embedding, layers, unembedding."""

    name = "la.model"

    traits = traits_def(IsolatedFromAbove(), NoTerminator())

    OUTPUT_OP: ClassVar[type[IRDLOperation]] = UnembedOp

    @property
    def residual(self) -> list[Coordinate]:
        first = self.body.block.first_op
        assert isinstance(first, ResidualOp)
        return list(first.directions.data)

    @property
    def weights(self) -> dict[str, WeightOp]:
        return {
            op.sym_name.data: op
            for op in self.body.block.ops
            if isinstance(op, WeightOp)
        }

    @property
    def embed(self) -> EmbedOp:
        return next(op for op in self.body.block.ops if isinstance(op, EmbedOp))

    @property
    def sublayers(self) -> list[AttentionOp | MLPOp]:
        return [op for op in self.body.block.ops if isinstance(op, AttentionOp | MLPOp)]

    @property
    def num_layers(self) -> int:
        return len(self.sublayers) // 2

    def array(self, symbol: str) -> np.ndarray:
        return self.weights[symbol].value.array()

    def verify_body(self) -> None:
        ops = list(self.body.block.ops)
        kinds = [type(op) for op in ops]
        if not ops or kinds[0] is not ResidualOp:
            raise VerifyException("la.model: the body starts with la.residual")
        rest = [k for k in kinds[1:] if k is not WeightOp]
        weights_end = 1 + kinds[1:].index(EmbedOp) if EmbedOp in kinds else len(kinds)
        if any(k is WeightOp for k in kinds[weights_end:]):
            raise VerifyException("la.model: weights are declared before la.embed")
        if not rest or rest[0] is not EmbedOp:
            raise VerifyException("la.model: needs one la.embed after the weights")
        middle = rest[1:-1]
        expected = [AttentionOp, MLPOp] * (len(middle) // 2)
        if middle != expected:
            raise VerifyException(
                "la.model: between la.embed and la.unembed come la.attention and "
                "la.mlp, alternating, one pair per layer"
            )
        for index, op in enumerate(self.sublayers):
            if op.layer.data != index // 2:
                raise VerifyException(
                    f"la.model: {op.name} {op.layer.data} is in the place of layer "
                    f"{index // 2}"
                )
        self._verify_weights()

    def _verify_weights(self) -> None:
        weights = self.weights
        if len(weights) != sum(isinstance(op, WeightOp) for op in self.body.block.ops):
            raise VerifyException("la.model: a weight symbol is declared twice")
        for symbol, weight in weights.items():
            if weight.value.dtype != self.float_dtype:
                raise VerifyException(
                    f"la.model: weight @{symbol} is {weight.value.dtype}, but the "
                    f"model computes in {self.float_dtype}"
                )
        width = len(self.residual)
        expected = {
            "token_table": (len(self.embed.tokens.data), width),
            "position_table": (self.max_seq_len.data + 1, width),
        }
        used: set[str] = set()
        for op in self.body.block.ops:
            if not isinstance(op, _ModelPart):
                continue
            shapes = expected if isinstance(op, EmbedOp) else op.expected_shapes(width)
            for role, symbol in op.weight_refs().items():
                weight = weights.get(symbol)
                if weight is None:
                    raise VerifyException(
                        f"{op.name}: {role} weight @{symbol} is not declared"
                    )
                if weight.value.shape != shapes[role]:
                    raise VerifyException(
                        f"{op.name}: {role} weight @{symbol} has shape "
                        f"{list(weight.value.shape)}, expected {list(shapes[role])}"
                    )
                used.add(symbol)
        unused = sorted(set(weights) - used)
        if unused:
            raise VerifyException(f"la.model: weight @{unused[0]} is never used")
        embed = self.embed
        tokens = {value_key(t) for t in embed.tokens.data}
        wanted = {
            value_key(t) for t in (*self.vocab.data, self.bos.data, self.pad.data)
        }
        if tokens != wanted:
            raise VerifyException(
                "la.embed: the token list must be the vocab, bos and pad"
            )


def bind_weights(module_or_model, table: dict[str, np.ndarray]) -> None:
    """Give every external weight its values from a side table, checking each."""
    for op in module_or_model.walk():
        if isinstance(op, WeightOp) and not op.value.has_values:
            symbol = op.sym_name.data
            if symbol not in table:
                raise ValueError(f"the weights file has no values for @{symbol}")
            try:
                op.value = op.value.with_values(table[symbol])
            except ValueError as e:
                raise ValueError(f"weight @{symbol}: {e}") from None


def weight_table(model: ModelOp) -> dict[str, np.ndarray]:
    """Every weight's values by symbol, in declaration order."""
    table = {}
    for symbol, op in model.weights.items():
        if not op.value.has_values:
            raise ValueError(f"weight @{symbol} is external and has no values bound")
        table[symbol] = op.value.array()
    return table


def model_of(module) -> ModelOp:
    """The one ``la.model`` of a module, or a clear error."""
    models = [op for op in module.walk() if isinstance(op, ModelOp)]
    if len(models) != 1:
        raise ValueError(
            f"expected one la.model, found {len(models)} (lower the program with "
            "convert-craft-to-la first)"
        )
    return models[0]


def residual_label(coordinate: Direction | Coordinate) -> str:
    """A coordinate as Tracr labels a direction: ``tokens:a``, ``indices:3``,
    ``one``; a shared coordinate joins its directions' labels with ``|``."""
    return "|".join(
        f"{name}:{values[0]}" if values else name
        for name, values in as_coordinate(coordinate)
    )


def new_model(like: ProgramBase, ops: Iterable[IRDLOperation]) -> ModelOp:
    """An la model with the settings of ``like`` and the body ``ops``."""
    return ModelOp.like(like, Region(Block(list(ops))))


LA = Dialect(
    "la",
    [ModelOp, ResidualOp, WeightOp, EmbedOp, AttentionOp, MLPOp, UnembedOp],
    [WeightAttr, DirectionsAttr],
)
