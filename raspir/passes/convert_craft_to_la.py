"""``convert-craft-to-la``: lay the named directions out on one residual vector.

Each craft direction gets a residual coordinate, except that the directions of
a ``craft.share`` group take turns on one. The order is for people
reading residual plots: grouped by s-op, inputs first (the token directions
with BOS leading, then ``one``, then the indices), then the s-ops in the order
the layers compute them, the program's output last; within an s-op, values in
canonical order.

Weights become dense matrices in the model's dtype (float32, or float64 for a
program compiled with ``dtype float64``), built in that dtype from the craft
values, so the model computes what the craft interpreter computes. A head's bilinear form
W_QK between a query space Q and a key space K is split as W_Q·W_Kᵀ with
key size min(|Q|, |K|): the smaller side is selected as it is and the other
side carries the matrix; W_OV is split the same way into value and output
weights. Heads in a layer are padded to the layer's largest key and value
size, MLPs in a layer are placed side by side, and every layer keeps its own
widths, unless ``uniform`` asks for Tracr's layout (every layer padded to the
model's most heads, largest key and value size, widest MLP).

Weights with at most ``inline_limit`` entries print inline; larger ones print
as shape, non-zero count and digest (their values travel with the module in
memory and are written to an ``.npz`` side table by the JAX target or
``raspir compile``). After the pass no craft op remains; the pass checks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from raspir.dialects import craft, la
from raspir.dialects.values import order_key, value_key
from raspir.passes import expect_level, replace_each


def residual_order(model: craft.ModelOp) -> list[craft.Direction]:
    """Every direction the model uses, grouped by s-op, in reading order."""
    bos = ("tokens", (model.bos.data,))
    found: list[craft.Direction] = [bos, craft.ONE]
    embed = model.embeddings
    for kind in ("tokens", "positions"):
        found += [d for _, vector in embed[kind].table.data for d, _ in vector]
    reads: list[craft.Direction] = []
    for layer in model.layers:
        for block in layer.body.block.ops:
            assert isinstance(block, craft.HeadOp | craft.MLPOp)
            first, second = (
                (block.qk, block.ov)
                if isinstance(block, craft.HeadOp)
                else (block.fst, block.snd)
            )
            found += [c for _, c, _ in second.data if not isinstance(c, int)]
            reads += first.directions() + [
                r for r, _, _ in second.data if not isinstance(r, int)
            ]
    unembed = model.output
    assert isinstance(unembed, craft.UnembedOp)
    outputs = [d for _, vector in unembed.table.data for d, _ in vector]
    groups: dict[str, dict[tuple, craft.Direction]] = {}
    for direction in [*found, *reads, *outputs]:
        groups.setdefault(direction[0], {})[craft.direction_key(direction)] = direction
    # The output goes last, unless it is the tokens themselves: inputs lead.
    output_names = {name for name, _ in outputs} - {bos[0]}
    names = [n for n in groups if n not in output_names] + [
        n for n in groups if n in output_names
    ]
    order: list[craft.Direction] = []
    for name in names:
        members = list(groups[name].values())
        members.sort(
            key=lambda d: (d != bos, [order_key(v) for v in d[1]]),
        )
        order += members
    return order


def residual_coordinates(model: craft.ModelOp) -> list[tuple[craft.Direction, ...]]:
    """The residual coordinates: one per direction in reading order, except
    that a ``craft.share`` group is one coordinate, where its first member
    would be."""
    group_of = {
        craft.direction_key(d): tuple(group) for group in model.shares for d in group
    }
    coordinates: list[tuple[craft.Direction, ...]] = []
    placed: set[tuple] = set()
    for direction in residual_order(model):
        key = craft.direction_key(direction)
        if key in placed:
            continue
        coordinate = group_of.get(key, (direction,))
        placed.update(craft.direction_key(d) for d in coordinate)
        coordinates.append(coordinate)
    return coordinates


@dataclass
class _Layout:
    """Residual coordinates and weight building for one model."""

    model: craft.ModelOp
    inline_limit: int

    def __post_init__(self) -> None:
        self.coordinates = residual_coordinates(self.model)
        self.index = {
            craft.direction_key(d): i
            for i, coordinate in enumerate(self.coordinates)
            for d in coordinate
        }
        self.width = len(self.coordinates)
        self.weights: list[la.WeightOp] = []
        self.dtype = self.model.float_dtype
        self.float = la.STORAGE[self.dtype].type
        """Weights are summed in the model's dtype, as the interpreters do."""

    def at(self, index: craft.Index) -> int:
        assert not isinstance(index, int)
        return self.index[craft.direction_key(index)]

    def declare(self, symbol: str, array: np.ndarray) -> str:
        inline = array.size <= self.inline_limit
        if not np.isfinite(array).all():
            # Each craft weight is finite (verified), but entries that land on
            # one coordinate (shared directions) add up, and may overflow.
            raise PassFailedException(
                f"convert-craft-to-la: weight @{symbol} overflows {self.dtype}"
            )
        self.weights.append(
            la.WeightOp(symbol, la.WeightAttr.from_array(array, inline, self.dtype))
        )
        return symbol

    def table(self, table: craft.TableAttr, rows: int, keys: Sequence) -> np.ndarray:
        out = np.zeros((rows, self.width), dtype=self.float)
        position = {value_key(k): i for i, k in enumerate(keys)}
        for key, vector in table.data:
            for direction, weight in vector:
                out[position[value_key(key)], self.at(direction)] += weight
        return out

    # -- heads ---------------------------------------------------------------

    def spaces(self, matrix: craft.MatrixAttr) -> tuple[list[int], list[int]]:
        """The coordinates a head matrix reads on each side."""
        rows = sorted({self.at(r) for r, _, _ in matrix.data})
        cols = sorted({self.at(c) for _, c, _ in matrix.data})
        return rows, cols

    def inner_size(self, matrix: craft.MatrixAttr) -> int:
        return min(map(len, self.spaces(matrix)))

    def split(self, matrix: craft.MatrixAttr) -> tuple[np.ndarray, np.ndarray]:
        """(A, B) with A·Bᵀ = the matrix, of inner size min(|rows|, |columns|)."""
        rows, cols = self.spaces(matrix)
        left = np.zeros((self.width, min(len(rows), len(cols))), dtype=self.float)
        right = np.zeros_like(left)
        if len(cols) <= len(rows):
            slot = {c: j for j, c in enumerate(cols)}
            for r, c, w in matrix.data:
                left[self.at(r), slot[self.at(c)]] += w
            for c, j in slot.items():
                right[c, j] = 1.0
        else:
            slot = {r: j for j, r in enumerate(rows)}
            for r, c, w in matrix.data:
                right[self.at(c), slot[self.at(r)]] += w
            for r, j in slot.items():
                left[r, j] = 1.0
        return left, right

    def attention(
        self, index: int, heads: list[craft.HeadOp], shape: tuple[int, int, int] | None
    ) -> la.AttentionOp:
        """The layer's heads; ``shape`` = (heads, key size, value size) to pad to."""
        qks = [self.split(h.qk) for h in heads]
        ovs = [self.split(h.ov) for h in heads]
        labels = [h.label.data for h in heads]
        count = len(heads)
        key_size = max((q.shape[1] for q, _ in qks), default=0)
        value_size = max((v.shape[1] for v, _ in ovs), default=0)
        if shape is not None:
            count, key_size, value_size = shape
            labels += [""] * (count - len(heads))
        if count == 0:
            return la.AttentionOp(index, [], 0, 0)
        query = np.zeros((self.width, count * key_size), dtype=self.float)
        key = np.zeros_like(query)
        value = np.zeros((self.width, count * value_size), dtype=self.float)
        output = np.zeros((count * value_size, self.width), dtype=self.float)
        for h, ((q, k), (v, o)) in enumerate(zip(qks, ovs, strict=True)):
            query[:, h * key_size : h * key_size + q.shape[1]] = q
            key[:, h * key_size : h * key_size + k.shape[1]] = k
            value[:, h * value_size : h * value_size + v.shape[1]] = v
            output[h * value_size : h * value_size + o.shape[1], :] = o.T
        prefix = f"transformer/layer_{index}/attn"
        weights = {
            role: self.declare(f"{prefix}/{name}/w", array)
            for role, name, array in (
                ("query", "query", query),
                ("key", "key", key),
                ("value", "value", value),
                ("output", "linear", output),
            )
        }
        return la.AttentionOp(index, labels, key_size, value_size, weights)

    # -- MLPs ----------------------------------------------------------------

    def mlp(self, index: int, mlps: list[craft.MLPOp], hidden: int | None) -> la.MLPOp:
        """The layer's MLPs side by side; ``hidden`` = total width to pad to."""
        blocks = [(m.label.data, m.hidden.data) for m in mlps]
        total = sum(w for _, w in blocks)
        if hidden is not None and hidden > total:
            blocks.append(("", hidden - total))
            total = hidden
        if total == 0:
            return la.MLPOp(index, [])
        fst = np.zeros((self.width, total), dtype=self.float)
        snd = np.zeros((total, self.width), dtype=self.float)
        offset = 0
        for m in mlps:
            for r, c, w in m.fst.data:
                assert isinstance(c, int)
                fst[self.at(r), offset + c] += w
            for r, c, w in m.snd.data:
                assert isinstance(r, int)
                snd[offset + r, self.at(c)] += w
            offset += m.hidden.data
        prefix = f"transformer/layer_{index}/mlp"
        weights = {
            "fst": self.declare(f"{prefix}/linear_1/w", fst),
            "snd": self.declare(f"{prefix}/linear_2/w", snd),
        }
        return la.MLPOp(index, blocks, weights)

    # -- the model -----------------------------------------------------------

    def lower(self, uniform: bool) -> la.ModelOp:
        model = self.model
        embed = model.embeddings
        tokens = [key for key, _ in embed["tokens"].table.data]
        positions = list(range(model.max_seq_len.data + 1))
        token_table = self.declare(
            "token_embed/embeddings",
            self.table(embed["tokens"].table, len(tokens), tokens),
        )
        position_table = self.declare(
            "pos_embed/embeddings",
            self.table(embed["positions"].table, len(positions), positions),
        )
        layers = model.layers
        head_shape = mlp_width = None
        if uniform:
            heads = [h for layer in layers for h in layer.heads]
            head_shape = (
                max((len(layer.heads) for layer in layers), default=0),
                max((self.inner_size(h.qk) for h in heads), default=0),
                max((self.inner_size(h.ov) for h in heads), default=0),
            )
            mlp_width = max(
                (sum(m.hidden.data for m in layer.mlps) for layer in layers), default=0
            )
        body: list[Operation] = []
        for layer in layers:
            index = layer.index.data
            body.append(self.attention(index, layer.heads, head_shape))
            body.append(self.mlp(index, layer.mlps, mlp_width))
        unembed = self.unembed()
        return la.new_model(
            model,
            [
                la.ResidualOp(self.coordinates),
                *self.weights,
                la.EmbedOp(tokens, token_table, position_table),
                *body,
                unembed,
            ],
        )

    def unembed(self) -> la.UnembedOp:
        op = self.model.output
        assert isinstance(op, craft.UnembedOp)
        rows = op.table.data
        table = np.zeros((self.width, len(rows)), dtype=self.float)
        for column, (_, vector) in enumerate(rows):
            for direction, weight in vector:
                table[self.at(direction), column] += weight
        symbol = self.declare("unembed/w", table)
        numerical = op.encoding.data == la.NUMERICAL
        values = [] if numerical else [value for value, _ in rows]
        return la.UnembedOp(op.encoding.data, values, symbol)


@dataclass(frozen=True)
class ConvertCraftToLaPass(ModulePass):
    """Lower every ``craft.model`` to an ``la.model`` with dense weights."""

    name = "convert-craft-to-la"

    uniform: bool = False
    """Pad every layer to the same heads, key/value size and MLP width (Tracr's
    layout, which some exporters need)."""

    inline_limit: int = 16
    """Weights with at most this many entries print their values inline."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, craft.ModelOp, self.name)
        if self.inline_limit < 0:
            raise PassFailedException(
                f"convert-craft-to-la: inline_limit must be >= 0, got {self.inline_limit}"
            )
        replace_each(
            op,
            craft.ModelOp,
            lambda model: _Layout(model, self.inline_limit).lower(self.uniform),
        )
        for remaining in op.walk():
            if remaining.dialect_name() == "craft":
                raise PassFailedException(
                    f"{remaining.name}: is still present after convert-craft-to-la"
                )
