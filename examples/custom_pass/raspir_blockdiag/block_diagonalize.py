"""``la-block-diagonalize``: order the residual stream by who reads it first.

raspir lays the residual out for people: grouped by s-op, in the order the
layers compute them. A weight that reads the residual (query, key, value, an
MLP's first layer) then has its non-zero rows wherever its inputs happen to
sit. This pass permutes the residual coordinates so that they appear in the
order the model first reads them: by the first sub-layer that reads a
coordinate, then by the first column of that sub-layer's reading weights that
does. Each sub-layer's fresh inputs then form one contiguous band, in column
order, so the first reader of every coordinate sees a staircase down the
diagonal: a layer of MLPs with separate inputs becomes block-diagonal.
Coordinates no sub-layer reads (the output, dead ones) go last, in the
unembedding's order.

A permutation of the residual basis changes nothing the model computes: the
embeddings and every write are permuted in their columns, every read and the
unembedding in their rows. It changes no count of non-zeros either, only where
they sit; ``diagonal_breaks`` measures that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.utils.exceptions import PassFailedException

from raspir.dialects import la

READS = {la.AttentionOp: ("query", "key", "value"), la.MLPOp: ("fst",)}
"""The weights of a sub-layer whose rows are residual coordinates."""
WRITES = {la.AttentionOp: ("output",), la.MLPOp: ("snd",)}
"""The weights of a sub-layer whose columns are residual coordinates."""


def residual_axes(model: la.ModelOp) -> dict[str, int]:
    """Each weight symbol with its residual axis: 0 rows, 1 columns."""
    axes = {symbol: 1 for symbol in model.embed.weight_refs().values()}
    for op in model.sublayers:
        refs = op.weight_refs()
        axes |= {refs[r]: 0 for r in READS[type(op)] if r in refs}
        axes |= {refs[r]: 1 for r in WRITES[type(op)] if r in refs}
    axes |= {symbol: 0 for symbol in model.output.weight_refs().values()}
    return axes


def first_reads(model: la.ModelOp) -> list[tuple[int, int]]:
    """For each residual coordinate, (sub-layer, column) of its first read;
    the unembedding counts as the sub-layer after the last."""
    width = len(model.residual)
    never = (len(model.sublayers) + 1, 0)
    found = [never] * width
    readers = [
        (index, [op.weight_refs()[r] for r in READS[type(op)] if r in op.weight_refs()])
        for index, op in enumerate(model.sublayers)
    ]
    readers.append((len(model.sublayers), list(model.output.weight_refs().values())))
    for index, symbols in readers:
        if not symbols:
            continue
        reads = np.concatenate([model.array(s) for s in symbols], axis=1) != 0
        for row in range(width):
            if found[row] == never and reads[row].any():
                found[row] = (index, int(np.argmax(reads[row])))
    return found


def diagonal_breaks(model: la.ModelOp) -> int:
    """How far the weights are from a staircase, summed over them.

    Take each weight with the residual as rows (transposing the writes and the
    embeddings) and, for each row it touches, the first column it touches. On
    a staircase, such as a block-diagonal matrix with its blocks in order,
    these columns never decrease going down; every decrease is one break.
    """
    breaks = 0
    for symbol, axis in residual_axes(model).items():
        touched = model.array(symbol) != 0
        rows = touched if axis == 0 else touched.T
        firsts = np.argmax(rows, axis=1)[rows.any(axis=1)]
        breaks += int(np.count_nonzero(np.diff(firsts) < 0))
    return breaks


class OrderResidualByFirstRead(RewritePattern):
    """Permute one ``la.model``; a model already in order is left alone, so
    the walker that applies the pattern stops."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, model: la.ModelOp, rewriter: PatternRewriter) -> None:
        for symbol, weight in model.weights.items():
            if not weight.value.has_values:
                raise PassFailedException(
                    f"la-block-diagonalize: weight @{symbol} is external and has "
                    "no values; read la IR with --weights FILE.npz to bind them"
                )
        reads = first_reads(model)
        order = sorted(range(len(reads)), key=lambda i: (reads[i], i))
        if order != sorted(order):
            permute(model, order)
            rewriter.notify_op_modified(model)


@dataclass(frozen=True)
class LaBlockDiagonalizePass(ModulePass):
    """Permute residual coordinates into first-read order (exact)."""

    name = "la-block-diagonalize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(OrderResidualByFirstRead()).rewrite_module(op)


def permute(model: la.ModelOp, order: list[int]) -> None:
    """Make coordinate ``order[i]`` the i-th, moving every weight with it."""
    residual = model.body.block.first_op
    assert isinstance(residual, la.ResidualOp)
    coordinates = model.residual
    residual.directions = la.DirectionsAttr(tuple(coordinates[i] for i in order))
    axes = residual_axes(model)
    for symbol, weight in model.weights.items():
        array = weight.value.array()
        moved = array[order, :] if axes[symbol] == 0 else array[:, order]
        weight.value = la.WeightAttr.from_array(
            moved, weight.value.inline, weight.value.dtype
        )
