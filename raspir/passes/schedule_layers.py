"""``schedule-layers``: the layer of every component, in as few layers as possible.

A layer ``L`` is an attention sub-layer (slot ``2L``) followed by an MLP
sub-layer (slot ``2L+1``). A head (``sa.aggregate``) runs in an attention slot,
an MLP (``sa.lookup``, ``sa.pair_lookup``, ``sa.discretise``, ``sa.linear``) in
an MLP slot, and a count (``sa.count``) in both slots of one layer, its result
ready after the MLP. Embeddings are ready before slot 0 (slot -1) and get no
layer. A component can run in a slot strictly after the slots in which all its
inputs become ready; any number of components share a slot.

The pass schedules as soon as possible: each component, in dependence order,
takes the earliest slot of its kind after its inputs are ready.

Why that is optimal: in any valid schedule a component's slot is at least its
ASAP slot. By induction along the dependences: its inputs are ready no earlier
than in the ASAP schedule, and the ASAP slot is the earliest slot of the right
kind after that. Nothing else constrains a slot (sub-layers hold any number of
components), so the ASAP schedule meets every one of these lower bounds at
once. Its last slot, and with it the number of layers, is therefore the
smallest any schedule can have.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from xdsl.context import Context
from xdsl.dialects.builtin import IntAttr, ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from raspir.dialects import sa

EMBEDDING_SLOT = -1
"""Embeddings are in the residual stream before the first sub-layer."""

_OFFSET = {sa.ATTENTION: 0, sa.MLP: 1}
"""Slot of each sub-layer within its layer."""


def _name(op: sa.ComponentOp) -> str:
    return f"{op.name} '{op.label.data}'"


def _slots(op: sa.ComponentOp, layer: int) -> tuple[int, int]:
    """The slot a component starts in and the slot after which its result is ready."""
    return 2 * layer + _OFFSET[op.SUBLAYERS[0]], 2 * layer + _OFFSET[op.SUBLAYERS[-1]]


def _components(program: sa.ProgramOp) -> list[sa.ComponentOp]:
    return [op for op in program.body.block.ops if isinstance(op, sa.ComponentOp)]


def _producer(op: sa.ComponentOp, index: int) -> sa.ComponentOp:
    owner = op.operands[index].owner
    if not isinstance(owner, sa.ComponentOp):
        what = owner.name if isinstance(owner, Operation) else "a block argument"
        raise PassFailedException(
            f"{_name(op)}: operand {index} comes from {what}, not from an sa "
            "component, so it has no slot"
        )
    return owner


def asap_layers(program: sa.ProgramOp) -> dict[sa.ComponentOp, int]:
    """The earliest layer of every component but the embeddings."""
    graph = nx.DiGraph()
    for op in _components(program):
        graph.add_node(op)
        for index in range(len(op.operands)):
            graph.add_edge(_producer(op, index), op)
    ready: dict[sa.ComponentOp, int] = {}
    layers: dict[sa.ComponentOp, int] = {}
    for op in nx.topological_sort(graph):
        inputs = max((ready[p] for p in graph.predecessors(op)), default=EMBEDDING_SLOT)
        if not op.SUBLAYERS:  # an embedding, or an affine view of its inputs
            ready[op] = inputs
            continue
        # The earliest layer whose slot for this kind comes after ``inputs``.
        layers[op] = (inputs - _OFFSET[op.SUBLAYERS[0]]) // 2 + 1
        ready[op] = _slots(op, layers[op])[1]
    return layers


def _layer(op: sa.ComponentOp) -> int:
    if op.layer is None:
        raise PassFailedException(f"{_name(op)}: has no layer")
    return op.layer.data


def _ready(op: sa.ComponentOp) -> int:
    """The slot after which a scheduled component's result is ready (an op
    without sub-layers: when its inputs are)."""
    if op.SUBLAYERS:
        return _slots(op, _layer(op))[1]
    inputs = [_producer(op, i) for i in range(len(op.operands))]
    return max((_ready(p) for p in inputs), default=EMBEDDING_SLOT)


def check_schedule(program: sa.ProgramOp) -> None:
    """Every component runs after the slots in which its inputs become ready."""
    for op in _components(program):
        if not op.SUBLAYERS:
            continue
        layer = _layer(op)
        start = _slots(op, layer)[0]
        for index in range(len(op.operands)):
            producer = _producer(op, index)
            if _ready(producer) >= start:
                raise PassFailedException(
                    f"{_name(op)}: runs in slot {start} (layer {layer}, "
                    f"{op.SUBLAYERS[0]}), but its input {_name(producer)} is only "
                    f"ready after slot {_ready(producer)}"
                )


def layer_count(program: sa.ProgramOp) -> int:
    """Layers a scheduled program occupies (0 when it has only embeddings)."""
    return max(
        (_layer(op) + 1 for op in _components(program) if op.SUBLAYERS),
        default=0,
    )


@dataclass(frozen=True)
class ScheduleLayersPass(ModulePass):
    """Set the ``layer`` of every component of every ``sa.program``, ASAP."""

    name = "schedule-layers"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for program in op.walk():
            if not isinstance(program, sa.ProgramOp):
                continue
            layers = asap_layers(program)
            for component in _components(program):
                if component in layers:
                    component.layer = IntAttr(layers[component])
                else:
                    component.properties.pop("layer", None)
            check_schedule(program)
