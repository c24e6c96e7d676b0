"""``craft-fold-embedding-mlps``: MLPs of the token alone become embedding entries.

At every position the residual stream is the token's embedding row plus the
position's row plus what the layers add. An MLP whose first layer reads only
directions that the token embedding alone writes (the token one-hots,
``tokens:BOS``, ``one``, a numerical token) computes, at every position, a
function of the token there: a lookup of the tokens, a discretising MLP of a
numerical token, a pair lookup of two maps of the tokens. Evaluated once per
token row (the vocab, BOS and PAD) in the model's dtype, its output can be
written by the token embedding instead; the same holds for an MLP that reads
only directions the position embedding alone writes, and ``one`` (1 at every
position), whose output goes into the position rows. The MLP goes; a layer
left with no head and no MLP goes and the later layers are renumbered.

The model computes the same function: each folded direction holds, at every
position, what the MLP wrote there, from the embedding on. Moving a write
earlier changes only what is read in between, so an MLP is folded only if no
component reads its outputs before it does (a head of its layer, an MLP of
its layer or an earlier one). Folding repeats until nothing changes: a folded
MLP's outputs are token-only (position-only) directions, so the MLPs that
read them may fold in turn. At BOS the evaluation sees the BOS row, exactly
what the MLP saw there, so invariant B (docs/constructions.md) is kept.

What it trades: MLP units and their two weight matrices, and sometimes a
whole layer, for denser embedding rows (each token row gains an entry per
direction the MLP wrote for it) and longer lives in the residual stream: a
folded direction is live from the embedding on, so ``craft-compress-residual``
may find less to share. The MLP's inputs are often read by nothing else
afterwards; ``craft-eliminate-dead-directions``, run after this pass, removes
them. Sharing would make a direction's coordinate hold other directions
before and after, so the pass refuses a model that already shares dimensions:
run it before ``craft-compress-residual``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from raspir.dialects import craft
from raspir.dialects.rasp import FLOAT32
from raspir.dialects.values import Value
from raspir.passes import expect_level, replace_each
from raspir.passes.craft_eliminate_dead_directions import reads, writes

Row = list[tuple[craft.Direction, float]]
"""An embedding row: a sparse residual vector."""

ONE_KEY = craft.direction_key(craft.ONE)
EMBEDDINGS = ("tokens", "positions")


@dataclass
class _Model:
    """A craft model taken apart, to fold MLPs one at a time."""

    rows: dict[str, list[tuple[Value, Row]]]
    """Each embedding's rows, by kind (``tokens``, ``positions``)."""
    layers: list[list[craft.HeadOp | craft.MLPOp]]
    dtype: type

    def writers(self) -> dict[tuple, set]:
        """Who writes each direction: an embedding's kind, or a block."""
        out: dict[tuple, set] = {}
        for kind, rows in self.rows.items():
            for _, row in rows:
                for d, w in row:
                    if w != 0.0:
                        out.setdefault(craft.direction_key(d), set()).add(kind)
        for blocks in self.layers:
            for block in blocks:
                for key in writes(block):
                    out.setdefault(key, set()).add(block)
        return out

    def one_is_constant(self, writers: dict[tuple, set]) -> bool:
        """Whether ``one`` is 1 at every position: every token row writes it as
        1 and nothing else writes it."""
        every_row = all(
            dict((craft.direction_key(d), w) for d, w in row).get(ONE_KEY) == 1.0
            for _, row in self.rows["tokens"]
        )
        return every_row and writers.get(ONE_KEY, set()) == {"tokens"}

    def source(self, mlp: craft.MLPOp, writers: dict[tuple, set]) -> str | None:
        """The embedding whose row alone decides what ``mlp`` computes: all it
        reads is written by that embedding alone (``one`` counts for the
        positions when it is 1 everywhere)."""
        read = reads(mlp)
        if all(writers.get(key, set()) <= {"tokens"} for key in read):
            return "tokens"
        if ONE_KEY in read and not self.one_is_constant(writers):
            return None
        if all(writers.get(key, set()) <= {"positions"} for key in read - {ONE_KEY}):
            return "positions"
        return None

    def read_early(self, layer: int, mlp: craft.MLPOp) -> bool:
        """Whether a component reads ``mlp``'s outputs no later than ``mlp``:
        a head or MLP of its layer, or any block of an earlier one."""
        out = writes(mlp)
        return any(
            block is not mlp and reads(block) & out
            for blocks in self.layers[: layer + 1]
            for block in blocks
        )

    def fold(self, layer: int, mlp: craft.MLPOp, kind: str) -> None:
        """Write ``mlp``'s output on each row of the ``kind`` embedding and
        remove it."""
        constant_one: Row = [(craft.ONE, 1.0)] if kind == "positions" else []
        self.rows[kind] = [
            (key, _added(row, evaluate(mlp, [*row, *constant_one], self.dtype)))
            for key, row in self.rows[kind]
        ]
        self.layers[layer] = [b for b in self.layers[layer] if b is not mlp]

    def fold_all(self) -> None:
        while True:
            writers = self.writers()
            found = next(
                (
                    (index, block, kind)
                    for index, blocks in enumerate(self.layers)
                    for block in blocks
                    if isinstance(block, craft.MLPOp)
                    and (kind := self.source(block, writers)) is not None
                    and not self.read_early(index, block)
                ),
                None,
            )
            if found is None:
                return
            self.fold(*found)


def evaluate(mlp: craft.MLPOp, row: Row, dtype: type) -> Row:
    """``mlp``'s output on a residual vector holding ``row``, in ``dtype``."""
    x: dict[tuple, np.floating] = {}
    for d, w in row:
        key = craft.direction_key(d)
        x[key] = x.get(key, dtype(0.0)) + dtype(w)
    pre = [dtype(0.0)] * mlp.hidden.data
    for r, unit, w in mlp.fst.data:
        assert isinstance(unit, int) and not isinstance(r, int)
        pre[unit] += dtype(w) * x.get(craft.direction_key(r), dtype(0.0))
    out: dict[tuple, tuple[craft.Direction, np.floating]] = {}
    for unit, d, w in mlp.snd.data:
        assert isinstance(unit, int) and not isinstance(d, int)
        key = craft.direction_key(d)
        total = out.get(key, (d, dtype(0.0)))[1]
        out[key] = (d, total + max(pre[unit], dtype(0.0)) * dtype(w))
    return [(d, float(w)) for d, w in out.values() if w != 0.0]


def _added(row: Row, extra: Iterable[tuple[craft.Direction, float]]) -> Row:
    """``row + extra``, entries of one direction summed, zeros dropped."""
    merged: dict[tuple, tuple[craft.Direction, float]] = {}
    for d, w in [*row, *extra]:
        key = craft.direction_key(d)
        merged[key] = (d, merged.get(key, (d, 0.0))[1] + w)
    return [(d, w) for d, w in merged.values() if w != 0.0]


def fold(model: craft.ModelOp) -> craft.ModelOp:
    if model.shares:
        raise PassFailedException(
            "craft-fold-embedding-mlps: the model already shares dimensions "
            "(craft.share); run this pass before craft-compress-residual"
        )
    embed = model.embeddings
    parts = _Model(
        {
            kind: [(k, list(v)) for k, v in embed[kind].table.data]
            for kind in EMBEDDINGS
        },
        [[b.clone() for b in layer.body.block.ops] for layer in model.layers],  # type: ignore[misc]
        np.float32 if model.float_dtype == FLOAT32 else np.float64,
    )
    parts.fold_all()
    ops = []
    layers = iter(parts.layers)
    index = 0
    for op in model.body.block.ops:
        if isinstance(op, craft.EmbedOp):
            rows = tuple((k, tuple(v)) for k, v in parts.rows[op.kind.data])
            ops.append(craft.EmbedOp(op.kind.data, craft.TableAttr(rows)))
        elif isinstance(op, craft.LayerOp):
            blocks = next(layers)
            if blocks or not op.body.block.ops:  # drop only layers emptied here
                ops.append(craft.LayerOp(index, blocks))
                index += 1
        else:
            ops.append(op.clone())
    return model.with_ops(ops)


@dataclass(frozen=True)
class CraftFoldEmbeddingMlpsPass(ModulePass):
    """Write the output of MLPs of the token (or position) alone into the embeddings."""

    name = "craft-fold-embedding-mlps"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, craft.ModelOp, self.name)
        replace_each(op, craft.ModelOp, fold)
