"""``craft-eliminate-dead-directions``: drop what nothing reads.

A direction is read when a head's query/key form or value map, an MLP's first
layer or the unembedding uses it. Everything else written to the residual
stream is dead weight: token values no component looks at, unused indices,
intermediate values and scratch directions nobody consumes. Symmetrically, a
direction that nothing writes (no embedding, head or MLP) is 0 at every
position: a value its s-op can never take, such as an output value no unit
produces. Reading it adds nothing. The pass repeats until nothing changes:

- a head or MLP none of whose outputs is read is removed (its inputs may then
  become dead in turn);
- writes to unread directions are dropped from embeddings, heads and MLPs;
- MLP hidden units that write nothing are removed and the rest renumbered;
- a layer left with no head and no MLP is removed and the layers renumbered;
- reads of never-written directions are dropped: their score, value-map and
  first-layer entries, and their rows of a categorical unembedding (the
  output can never decode to a value whose direction is always 0).

What is read is computed exactly as before, so the model's output does not
change: only weights that could not affect it are removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region
from xdsl.passes import ModulePass

from raspir.dialects import craft
from raspir.passes import expect_level, replace_each

Block_ = craft.HeadOp | craft.MLPOp
"""A layer's component."""


def _key(index: craft.Index) -> tuple:
    return ("hidden", index) if isinstance(index, int) else craft.direction_key(index)


def reads(block: Block_) -> set[tuple]:
    """The residual directions a head or MLP reads."""
    if isinstance(block, craft.HeadOp):
        scored = {_key(i) for r, c, _ in block.qk.data for i in (r, c)}
        return scored | {_key(r) for r, _, _ in block.ov.data}
    return {_key(r) for r, _, _ in block.fst.data}


def writes(block: Block_) -> set[tuple]:
    matrix = block.ov if isinstance(block, craft.HeadOp) else block.snd
    return {_key(c) for _, c, _ in matrix.data}


def _written(model: craft.ModelOp, blocks: list[Block_]) -> set[tuple]:
    embedded = {
        craft.direction_key(d)
        for embed in model.embeddings.values()
        for _, vector in embed.table.data
        for d, _ in vector
    }
    return embedded.union(*(writes(b) for b in blocks))


def _live(model: craft.ModelOp) -> tuple[set[tuple], set[tuple], set[Block_]]:
    """Read directions, written directions and useful blocks, to a fixed point."""
    unembed = model.output
    assert isinstance(unembed, craft.UnembedOp)
    blocks = [b for layer in model.layers for b in layer.body.block.ops]
    useful: set[Block_] = set(blocks)  # type: ignore[arg-type]
    while True:
        written = _written(model, [b for b in blocks if b in useful])
        output = {
            craft.direction_key(d) for _, v in unembed.table.data for d, _ in v
        } & written
        read = set(output).union(*(reads(b) & written for b in useful))
        kept = {b for b in useful if writes(b) & read}
        if kept == useful:
            return read, written, useful
        useful = kept


def _matrix(matrix: craft.MatrixAttr, keep) -> craft.MatrixAttr:
    return craft.MatrixAttr([(r, c, w) for r, c, w in matrix.data if keep(r, c)])


def _pruned_mlp(mlp: craft.MLPOp, read: set[tuple], written: set[tuple]) -> craft.MLPOp:
    snd = [(r, c, w) for r, c, w in mlp.snd.data if _key(c) in read]
    used = sorted({r for r, _, _ in snd if isinstance(r, int)})
    number = {old: new for new, old in enumerate(used)}
    fst = [
        (r, number[c], w)
        for r, c, w in mlp.fst.data
        if c in number and _key(r) in written
    ]
    return craft.MLPOp(
        mlp.label.data,
        len(used),
        craft.MatrixAttr(fst),
        craft.MatrixAttr([(number[r], c, w) for r, c, w in snd]),
    )


def _pruned_head(
    head: craft.HeadOp, read: set[tuple], written: set[tuple]
) -> craft.HeadOp:
    qk = _matrix(head.qk, lambda r, c: _key(r) in written and _key(c) in written)
    ov = _matrix(head.ov, lambda r, c: _key(r) in written and _key(c) in read)
    return craft.HeadOp(head.label.data, qk, ov)


def _pruned_table(table: craft.TableAttr, keep: set[tuple]) -> craft.TableAttr:
    return craft.TableAttr(
        tuple(
            (key, tuple((d, w) for d, w in vector if craft.direction_key(d) in keep))
            for key, vector in table.data
        )
    )


def _pruned_unembed(unembed: craft.UnembedOp, written: set[tuple]) -> craft.UnembedOp:
    """A categorical unembedding without the values nothing writes."""
    rows = unembed.table.data
    if unembed.encoding.data == "categorical":
        kept = tuple(
            (key, vector)
            for key, vector in rows
            if all(craft.direction_key(d) in written for d, _ in vector)
        )
        rows = kept or rows[:1]  # an output that is always None keeps one row
    return craft.UnembedOp(unembed.encoding.data, craft.TableAttr(rows))


def eliminate(model: craft.ModelOp) -> craft.ModelOp:
    read, written, useful = _live(model)
    ops = []
    index = 0
    for op in model.body.block.ops:
        if isinstance(op, craft.EmbedOp):
            ops.append(craft.EmbedOp(op.kind.data, _pruned_table(op.table, read)))
        elif isinstance(op, craft.LayerOp):
            kept = []
            for block in op.body.block.ops:
                if block not in useful:
                    continue
                if isinstance(block, craft.HeadOp):
                    kept.append(_pruned_head(block, read, written))
                else:
                    assert isinstance(block, craft.MLPOp)
                    kept.append(_pruned_mlp(block, read, written))
            if kept:
                ops.append(craft.LayerOp(index, kept))
                index += 1
        elif isinstance(op, craft.UnembedOp):
            ops.append(_pruned_unembed(op, written))
        else:
            ops.append(op.clone())
    return craft.ModelOp.like(model, Region(Block(ops)))


@dataclass(frozen=True)
class CraftEliminateDeadDirectionsPass(ModulePass):
    """Remove unread directions, useless blocks and hidden units, empty layers."""

    name = "craft-eliminate-dead-directions"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, craft.ModelOp, self.name)
        replace_each(op, craft.ModelOp, eliminate)
