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

With ``narrow=true`` (in ``-O2``) the pass keeps that depth and moves
components later where that lowers the peak residual width: a value is live
from the slot after which it is ready to its last reader, so computing an s-op
later shortens its own life but may lengthen its inputs' (see
``narrow_layers``).

Why ASAP is optimal: in any valid schedule a component's slot is at least its
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
from raspir.passes import expect_level

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
    """Set the ``layer`` of every component of every ``sa.program``: ASAP, or
    with ``narrow=true`` at the same depth with the narrowest residual found."""

    name = "schedule-layers"

    narrow: bool = False

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, sa.ProgramOp, self.name)
        for program in op.walk():
            if not isinstance(program, sa.ProgramOp):
                continue
            layers = narrow_layers(program) if self.narrow else asap_layers(program)
            for component in _components(program):
                if component in layers:
                    component.layer = IntAttr(layers[component])
                else:
                    component.properties.pop("layer", None)
            check_schedule(program)


# -- among minimum-depth schedules, a narrow one ----------------------------------


def _width(op: sa.ComponentOp, squared: set) -> int:
    """Residual directions a component's result takes (0 for a view)."""
    if isinstance(op, sa.ViewOp):
        return 0
    if op.encoding == sa.NUMERICAL:
        return 1 + (op.result in squared)
    return sum(v is not None for v in op.values.data)


def narrow_layers(program: sa.ProgramOp) -> dict[sa.ComponentOp, int]:
    """ASAP's depth, with components moved later where that lowers the peak
    residual width (then the total width over all sub-layers).

    Each value is live from the slot after which it is ready to the slot of
    its last reader (the end, for the output); a view's readers read
    its inputs. Components are visited consumers first and may move anywhere
    from their ASAP layer to the last layer their readers (as now placed)
    allow; each takes the layer that gives the narrowest whole schedule, the
    earliest on a tie. Greedy, so not always optimal; never deeper than ASAP.
    """
    layers = asap_layers(program)
    if not layers:
        return layers
    depth = max(layers.values()) + 1
    end = 2 * depth
    components = _components(program)
    squared = sa.squared_values(program)
    readers: dict[sa.ComponentOp, list[sa.ComponentOp]] = {op: [] for op in components}
    for op in components:
        for index in range(len(op.operands)):
            producer = _producer(op, index)
            sources = [producer]
            if isinstance(producer, sa.ViewOp):
                sources += [_producer(producer, i) for i in range(2)]
            for source in sources:
                readers[source].append(op)
    output = program.output.sop.owner
    widths = {op: _width(op, squared) for op in components}

    def ready(op: sa.ComponentOp) -> int:
        if op.SUBLAYERS:
            return _slots(op, layers[op])[1]
        inputs = [_producer(op, i) for i in range(len(op.operands))]
        return max((ready(p) for p in inputs), default=EMBEDDING_SLOT)

    def start(op: sa.ComponentOp) -> int:
        return _slots(op, layers[op])[0]

    def cost() -> tuple[int, int]:
        live = [0] * (end + 1)
        for op in components:
            if not widths[op]:
                continue
            uses = [start(r) for r in readers[op] if r.SUBLAYERS]
            last = end if op is output else max(uses, default=ready(op) + 1)
            for state in range(ready(op) + 1, last + 1):
                live[state] += widths[op]
        return max(live), sum(live)

    order = list(reversed(list(nx.topological_sort(_graph(program)))))
    for op in order:
        if not op.SUBLAYERS:
            continue
        first = layers[op]
        limit = [start(r) for r in readers[op] if r.SUBLAYERS]
        latest = first
        while True:
            candidate = latest + 1
            if candidate >= depth:
                break
            if any(_slots(op, candidate)[1] >= s for s in limit):
                break
            if op is output and _slots(op, candidate)[1] > 2 * depth - 1:
                break
            latest = candidate
        best, best_cost = first, None
        for layer in range(first, latest + 1):
            layers[op] = layer
            value = cost()
            if best_cost is None or value < best_cost:
                best, best_cost = layer, value
        layers[op] = best
    return layers


def _graph(program: sa.ProgramOp) -> nx.DiGraph:
    graph = nx.DiGraph()
    for op in _components(program):
        graph.add_node(op)
        for index in range(len(op.operands)):
            graph.add_edge(_producer(op, index), op)
    return graph
