"""``craft-merge-hidden-units``: hidden units that compute the same thing become one.

Every MLP of a layer reads the same residual state. Two hidden units of the
layer with the same first-layer column (the same weights on the same
directions, bias from ``one`` included) have the same pre-activation, hence
the same activation ``h``, at every position, and together they add
``h·a + h·b`` to the residual, ``a`` and ``b`` being their second-layer rows.
One unit with the row ``a + b`` adds the same. The pass keeps the first of
each group of equal columns (in layer order), gives it the sum of the group's
rows, and removes the others; a unit whose row is then empty writes nothing
and goes too, and so does an MLP left with no unit. Nothing else changes: the
kept unit's pre-activation is computed as before, and only rows are added,
so the model computes what it computed.

Equal columns come from components that test the same thing: discretising
MLPs of one numerical s-op share their BOS-silenced baseline unit
``ReLU(one - tokens:BOS)`` and every step whose threshold and slope agree
(two maps of one count or one number), lookups of one s-op share the units
of the groups of values they both tell apart, and an ``erase`` unit of
``craft-compress-residual`` (``ReLU(x)``) is the positive unit of a linear
MLP reading ``x`` in the same layer. Run the pass after
``craft-compress-residual`` to catch those.

What it trades: MLP width, first-layer non-zeros and the parameters of the
removed units (a column and a row of the residual's width each) against
denser second-layer rows and mixed components: a kept unit now writes the
outputs of several s-ops, so an MLP block no longer computes one s-op alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from raspir.dialects import craft
from raspir.passes import expect_level, replace_each

Entry = tuple[craft.Index, craft.Index, float]


def _by_unit(mlp: craft.MLPOp, layer: str) -> list[list[tuple[craft.Direction, float]]]:
    """Each unit's column of the first layer (``fst``: the directions it
    reads) or row of the second (``snd``: the directions it writes)."""
    out: list[list[tuple[craft.Direction, float]]] = [
        [] for _ in range(mlp.hidden.data)
    ]
    for row, col, weight in (mlp.fst if layer == "fst" else mlp.snd).data:
        unit, direction = (col, row) if layer == "fst" else (row, col)
        assert isinstance(unit, int) and not isinstance(direction, int)
        out[unit].append((direction, weight))
    return out


def _signature(column: list[tuple[craft.Direction, float]]) -> frozenset:
    """What decides a unit's pre-activation: its weights by direction."""
    return frozenset((craft.direction_key(d), w) for d, w in column)


def merge_layer(mlps: list[craft.MLPOp]) -> list[craft.MLPOp]:
    """The layer's MLPs with each group of equal columns merged into its first unit."""
    first: dict[frozenset, tuple[int, int]] = {}
    columns = [_by_unit(m, "fst") for m in mlps]
    rows = [_by_unit(m, "snd") for m in mlps]
    kept: list[list[int]] = [[] for _ in mlps]
    for index, mlp_columns in enumerate(columns):
        for unit, column in enumerate(mlp_columns):
            signature = _signature(column)
            if signature in first:
                owner, owner_unit = first[signature]
                rows[owner][owner_unit] += rows[index][unit]
            else:
                first[signature] = (index, unit)
                kept[index].append(unit)
    out = []
    for mlp, units, mlp_columns, mlp_rows in zip(
        mlps, kept, columns, rows, strict=True
    ):
        fst: list[Entry] = []
        snd: list[Entry] = []
        number = 0
        for unit in units:
            row = craft.MatrixAttr((0, d, w) for d, w in mlp_rows[unit]).data
            if not row:
                continue  # writes nothing (its writes cancelled, or never had any)
            fst += [(d, number, w) for d, w in mlp_columns[unit]]
            snd += [(number, d, w) for _, d, w in row]
            number += 1
        if number or not mlp.hidden.data:
            out.append(
                craft.MLPOp(
                    mlp.label.data, number, craft.MatrixAttr(fst), craft.MatrixAttr(snd)
                )
            )
    return out


def merge(model: craft.ModelOp) -> craft.ModelOp:
    ops = []
    for op in model.body.block.ops:
        if isinstance(op, craft.LayerOp):
            heads = [h.clone() for h in op.heads]
            ops.append(craft.LayerOp(op.index.data, [*heads, *merge_layer(op.mlps)]))
        else:
            ops.append(op.clone())
    return model.with_ops(ops)


@dataclass(frozen=True)
class CraftMergeHiddenUnitsPass(ModulePass):
    """Merge the hidden units of a layer that have equal first-layer columns."""

    name = "craft-merge-hidden-units"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, craft.ModelOp, self.name)
        replace_each(op, craft.ModelOp, merge)
