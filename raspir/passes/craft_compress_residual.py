"""``craft-compress-residual``: directions whose lives do not overlap share a dimension.

Tracr gives every direction its own residual dimension for the whole depth,
although most are read only for a few sub-layers. Number the sub-layers: the
embedding is slot 0, layer ``i``'s attention slot ``2i+1`` and its MLPs slot
``2i+2``; the unembedding reads after the last slot. A direction is *born* at
the first slot that writes it and *last read* at the last slot that reads it
(the unembedding's directions are read at the end).

The residual stream is additive: a dimension can take a new direction only
once the old one is erased, and only an MLP can erase exactly. After its last
read, at the first MLP slot at or after that read, the pass adds units to an
``erase`` MLP block of that layer: ``ReLU(x)`` written back as ``-x`` for a
categorical direction (its entries are in ``[0, 1]`` up to rounding:
one-hot embeddings, convex mixes of one-hot values, thresholded units), and
``ReLU(x)``, ``ReLU(-x)`` written as ``-x`` for a numerical one that may be
negative (one unit suffices for one that only heads write, as convex mixes
of one-hot or ``one`` directions with non-negative weights). The
dimension is then free for a direction born at or after that slot; an MLP of
the same slot may write the newcomer, since both add to the same residual.
Left over is at most the old value's rounding error, far inside the margins
every reader is built with (docs/constructions.md).

Assignment is the left-edge algorithm over the intervals [birth, erasure):
directions in order of birth take the free dimension that was freed last.
Without a cost limit this uses exactly as many dimensions as the most
intervals that overlap at one slot, which is optimal for erasure at MLP slots.
``tokens:BOS``, ``one``, the output's directions and directions written at
more than one slot are never erased.

Reuse is not free: each erased direction costs one or two MLP units. With
``objective=balanced`` (the default) a dimension is reused only where that
shrinks the product of the residual width and the MLP units of the model as
it stands (``u`` units for one dimension pay when ``u·(D - 1) < H``), so
neither grows much at the other's expense; with ``objective=params`` where the
units cost fewer parameters (``2·D`` each) than the dimension saves (its row
in every embedding, head and MLP matrix); ``objective=width`` reuses wherever
possible.

The pass records what it worked against on the model as attributes:
``residual_live_peak`` (the most directions simultaneously live, needed in the
same residual state: a lower bound for any sharing), ``residual_erasure_peak``
(the same with lives extended to the erasing MLP: the best this construction
can reach), ``residual_width_before`` and ``residual_width`` (the dimensions
the written and read directions take, before and after; la also keeps a
coordinate for ``tokens:BOS`` when nothing reads it) and ``erase_units``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.ir import Block, Region
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from raspir.dialects import craft
from raspir.passes import expect_level, replace_each
from raspir.passes.craft_eliminate_dead_directions import reads, writes

OBJECTIVES = ("balanced", "params", "width")


@dataclass
class _Life:
    direction: craft.Direction
    born: int
    last: int
    signed: bool
    """Numerical and possibly negative: erased with two units, not one."""
    erasable: bool
    """Read for the last time before the end, and written once, before that."""

    @property
    def erased(self) -> int:
        """The MLP slot that would erase it: the first at or after its last read."""
        return self.last + (self.last % 2)


@dataclass
class _Dimension:
    lives: list[_Life] = field(default_factory=list)

    @property
    def free_from(self) -> int | None:
        """The slot from which a newcomer may take it (None: never)."""
        occupant = self.lives[-1]
        return occupant.erased if occupant.erasable else None


def _slot(layer_position: int, block: craft.HeadOp | craft.MLPOp) -> int:
    return 2 * layer_position + (1 if isinstance(block, craft.HeadOp) else 2)


def lives(model: craft.ModelOp) -> list[_Life]:
    """Every direction's birth and last read, in the order directions appear."""
    born: dict[tuple, int] = {}
    write_slots: dict[tuple, set[int]] = {}
    last: dict[tuple, int] = {}
    directions: dict[tuple, craft.Direction] = {}
    numerical: set[tuple] = set()
    signed: set[tuple] = set()
    """Numerical directions some write may make negative."""

    def note(direction: craft.Direction) -> tuple:
        key = craft.direction_key(direction)
        directions.setdefault(key, direction)
        if not direction[1]:
            numerical.add(key)
        return key

    for embed in model.embeddings.values():
        for _, vector in embed.table.data:
            for d, w in vector:
                key = note(d)
                if w < 0:
                    signed.add(key)
                born[key] = 0
                write_slots.setdefault(key, set()).add(0)
    layers = model.layers
    for position, layer in enumerate(layers):
        for block in layer.body.block.ops:
            assert isinstance(block, craft.HeadOp | craft.MLPOp)
            slot = _slot(position, block)
            matrices = (
                (block.qk, block.ov)
                if isinstance(block, craft.HeadOp)
                else (block.fst, block.snd)
            )
            for matrix in matrices:
                for d in matrix.directions():
                    note(d)
            for key in writes(block):
                born.setdefault(key, slot)
                write_slots.setdefault(key, set()).add(slot)
            signed.update(_signed_writes(block))
            for key in reads(block):
                if key[0] != "hidden":
                    last[key] = max(last.get(key, 0), slot)
    end = 2 * len(layers) + 1
    unembed = model.output
    assert isinstance(unembed, craft.UnembedOp)
    for _, vector in unembed.table.data:
        for d, _ in vector:
            last[note(d)] = end
    fixed = {craft.direction_key(("tokens", (model.bos.data,))), ("one", ())}
    out = []
    for key, direction in directions.items():
        if key not in born or key not in last:
            continue  # never written or never read: dead-direction elimination's job
        erasable = (
            key not in fixed
            and len(write_slots[key]) == 1
            and born[key] < last[key] < end
        )
        out.append(
            _Life(
                direction,
                born[key],
                last[key],
                key in numerical and key in signed,
                erasable,
            )
        )
    return out


def _signed_writes(block: craft.HeadOp | craft.MLPOp) -> set[tuple]:
    """The numerical directions ``block`` may make negative. A head that copies
    one-hot (or ``one``) directions with non-negative weights writes a convex
    mix of non-negative numbers; anything else may have either sign."""
    if isinstance(block, craft.MLPOp):
        return {craft.direction_key(c) for _, c, _ in block.snd.data}
    out = set()
    for source, target, weight in block.ov.data:
        if weight < 0 or not (source[1] or source == craft.ONE):
            out.add(craft.direction_key(target))
    return out


def peaks(all_lives: list[_Life], end: int) -> tuple[int, int]:
    """The most directions live in one residual state, with lives ending at
    the last read and at the erasure."""
    live = erasable = 0
    for state in range(end):
        live = max(live, sum(1 for x in all_lives if x.born <= state < x.last))
        erasable = max(
            erasable,
            sum(
                1
                for x in all_lives
                if x.born <= state and (not x.erasable or state < x.erased)
            ),
        )
    return live, erasable


def _unit_cost(life: _Life) -> int:
    return 2 if life.signed else 1


def _dimension_cost(model: craft.ModelOp) -> int:
    """Parameters one residual dimension costs: its row in the embeddings and
    every head and MLP matrix of the la model (heads at their own key and
    value sizes)."""
    embed = model.embeddings
    cost = len(embed["tokens"].table.data) + len(embed["positions"].table.data)
    for layer in model.layers:
        for head in layer.heads:
            for matrix in (head.qk, head.ov):
                rows = {craft.direction_key(r) for r, _, _ in matrix.data}
                cols = {craft.direction_key(c) for _, c, _ in matrix.data}
                cost += 2 * min(len(rows), len(cols))
        cost += 2 * sum(m.hidden.data for m in layer.mlps)
    return cost


def assign(
    all_lives: list[_Life],
    width: int,
    hidden: int,
    dimension_cost: int,
    objective: str,
) -> list[_Dimension]:
    """Left-edge assignment; under ``params`` a reuse must pay for its units in
    parameters, under ``balanced`` it must shrink the product of the residual
    width and the MLP units of the model as it stands."""
    dims: list[_Dimension] = []
    for life in sorted(all_lives, key=lambda x: x.born):
        free = [
            d
            for d in dims
            if life.born > 0 and d.free_from is not None and d.free_from <= life.born
        ]
        if objective == "params":
            free = [
                d for d in free if _unit_cost(d.lives[-1]) * 2 * width < dimension_cost
            ]
        elif objective == "balanced":  # (D - 1)(H + u) < D·H
            free = [d for d in free if _unit_cost(d.lives[-1]) * (width - 1) < hidden]
        if free:
            chosen = max(free, key=lambda d: d.free_from)
            width -= 1  # the model as it now stands
            hidden += _unit_cost(chosen.lives[-1])
            chosen.lives.append(life)
        else:
            dims.append(_Dimension([life]))
    return dims


def compress(model: craft.ModelOp, objective: str) -> craft.ModelOp:
    if model.shares:
        raise PassFailedException(
            "craft-compress-residual: the model already shares dimensions"
        )
    all_lives = lives(model)
    end = 2 * len(model.layers) + 1
    live_peak, erasure_peak = peaks(all_lives, end)
    hidden = sum(m.hidden.data for layer in model.layers for m in layer.mlps)
    dims = assign(all_lives, len(all_lives), hidden, _dimension_cost(model), objective)
    erase: dict[int, list[_Life]] = {}
    for dim in dims:
        for old in dim.lives[:-1]:
            erase.setdefault(old.erased, []).append(old)
    ops = []
    layer_position = 0
    for op in model.body.block.ops:
        if isinstance(op, craft.LayerOp):
            blocks = [b.clone() for b in op.body.block.ops]
            erased = erase.get(2 * layer_position + 2, [])
            if erased:
                blocks.append(_eraser(erased))
            ops.append(craft.LayerOp(op.index.data, blocks))
            layer_position += 1
            continue
        if isinstance(op, craft.UnembedOp):
            for dim in dims:
                if len(dim.lives) > 1:
                    ops.append(craft.ShareOp([x.direction for x in dim.lives]))
        ops.append(op.clone())
    new = craft.ModelOp.like(model, Region(Block(ops)))
    units = sum(_unit_cost(x) for group in erase.values() for x in group)
    for name, number in (
        ("residual_live_peak", live_peak),
        ("residual_erasure_peak", erasure_peak),
        ("residual_width_before", len(all_lives)),
        ("residual_width", len(dims)),
        ("erase_units", units),
    ):
        new.attributes[name] = IntegerAttr(number, 64)
    return new


def _eraser(erased: list[_Life]) -> craft.MLPOp:
    """An MLP whose units write ``-x`` for each erased direction ``x``."""
    fst: list[tuple] = []
    snd: list[tuple] = []
    unit = 0
    for life in erased:
        signs = (1.0, -1.0) if life.signed else (1.0,)
        for sign in signs:
            fst.append((life.direction, unit, sign))
            snd.append((unit, life.direction, -sign))
            unit += 1
    return craft.MLPOp("erase", unit, craft.MatrixAttr(fst), craft.MatrixAttr(snd))


@dataclass(frozen=True)
class CraftCompressResidualPass(ModulePass):
    """Let directions with disjoint lives share residual dimensions."""

    name = "craft-compress-residual"

    objective: str = "balanced"

    def __post_init__(self) -> None:
        # Checked when the pipeline is built, before any pass runs.
        if self.objective not in OBJECTIVES:
            raise ValueError(
                f"craft-compress-residual: objective must be one of "
                f"{', '.join(OBJECTIVES)}, got '{self.objective}'"
            )

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, craft.ModelOp, self.name)
        replace_each(op, craft.ModelOp, lambda m: compress(m, self.objective))
