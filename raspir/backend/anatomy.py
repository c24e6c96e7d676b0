"""Where a compiled program lives in its model: who writes each residual
direction, when it can be read, what each head reads and writes.

A model's residual stream is observed at its *stages*: after the embedding
(``embed``) and after every sub-layer (``L0.attn``, ``L0.mlp``, ...), the points
``ModelOutput.input_embeddings`` and ``ModelOutput.residuals`` give. Every
residual coordinate holds one named direction (``name:value`` of a categorical
s-op, ``name`` of a numerical one, ``one``), or several that take turns on it
(``a | b``, made by ``craft-compress-residual``, in the order they use it). So
an s-op's value can be read back only between the stage that writes it and the
stage that next writes its coordinates (another s-op moving in, or an erasing
MLP unit clearing them): ``Direction.readable``.

Everything here is read off the la model and its weights: each head (its rows
of the output weight) and each MLP block (its hidden units' rows of the second
weight) writes the coordinates where those rows are non-zero, and is labelled
with the s-op it computes (helper directions of an s-op ``x`` are named
``x^2``, ``x.inverse_width``: they belong to ``x``'s writer); blocks labelled
``erase`` clear dead directions. The embedding writes what its tables hold.
Writes to a shared coordinate, in stage order, go to its directions in order.

The scheduled sa IR (kept by the compiler as ``ir["sa"]``) adds the program
graph: every s-op of the program as compiled, its operands, its selector, and
the stages that compute it (``program_graph``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from raspir.dialects import la, sa
from raspir.dialects.values import Value, format_value, value_key
from raspir.errors import InvalidArgumentError

EMBED = "embed"
ERASE = "erase"
"""The label of the MLP blocks that clear dead directions of shared coordinates."""


@dataclass(frozen=True)
class Stage:
    """A point at which the residual stream is observed."""

    index: int
    """-1: after the embedding; i >= 0: after sub-layer i (``residuals[i]``)."""
    kind: str
    """``embed``, ``attn`` or ``mlp``."""
    layer: int | None = None

    @property
    def name(self) -> str:
        return EMBED if self.kind == EMBED else f"L{self.layer}.{self.kind}"


@dataclass(frozen=True)
class Unit:
    """A part of one stage that writes the residual under one label: the
    embedding, one attention head or one MLP block."""

    stage: Stage
    label: str
    writes: frozenset[int]
    """The residual coordinates its output rows touch."""
    reads: dict[str, frozenset[int]]
    """The coordinates it reads, by role (``query``, ``key``, ``value`` for a
    head; ``input`` for an MLP block; none for the embedding)."""
    index: int = 0
    """The head's (or block's) position within its stage."""


@dataclass
class Direction:
    """One named direction of the residual stream and when it holds its value."""

    name: str
    """The s-op's residual name (its label made unique) or a helper's."""
    values: list[Value | None] = field(default_factory=list)
    """The value of each coordinate; ``[None]`` for a numerical direction."""
    coordinates: list[int] = field(default_factory=list)
    written: Stage | None = None
    """The stage whose output holds it first; None if nothing ever writes it."""
    last: Stage | None = None
    """The last stage whose output still holds it."""

    @property
    def numerical(self) -> bool:
        return self.values == [None]

    def readable(self, stage: Stage) -> bool:
        return (
            self.written is not None
            and self.last is not None
            and self.written.index <= stage.index <= self.last.index
        )

    def span(self) -> str:
        """Where it can be read, in words."""
        if self.written is None or self.last is None:
            return "never written"
        if self.written == self.last:
            return f"readable after {self.written.name} only"
        return f"readable from {self.written.name} to {self.last.name}"


def owns_write(unit: Unit, name: str) -> bool:
    """Whether ``unit`` (not an erasing block) writes direction ``name``."""
    return unit.stage.kind == EMBED or owns(unit.label, name)


def owns(label: str, name: str) -> bool:
    """Whether a unit labelled ``label`` writes the direction ``name``: its own
    s-op's, or one of that s-op's helper directions (``x^2``, ``x.inverse_width``)."""
    return name == label or (name.startswith(label) and name[len(label)] in "^.")


@dataclass
class Anatomy:
    """The stages, units and directions of one la model (``of``)."""

    stages: list[Stage]
    units: list[Unit]
    directions: dict[str, Direction]
    coordinates: list[la.Coordinate]
    held: dict[tuple[int, str], tuple[Stage, Stage]] = field(default_factory=dict)
    """(coordinate, direction) → the first and last stage whose output holds it."""

    @classmethod
    def of(cls, model: la.ModelOp) -> Anatomy:
        """The anatomy of ``model`` (its weights must be bound)."""
        weights = la.weight_table(model)
        stages = [Stage(-1, EMBED)]
        units = [_embedding_unit(model, weights, stages[0])]
        for index, op in enumerate(model.sublayers):
            kind = "attn" if isinstance(op, la.AttentionOp) else "mlp"
            stage = Stage(index, kind, op.layer.data)
            stages.append(stage)
            units += _units(op, weights, stage)
        coordinates = [la.as_coordinate(c) for c in model.residual]
        directions: dict[str, Direction] = {}
        for column, coordinate in enumerate(coordinates):
            for name, value in coordinate:
                d = directions.setdefault(name, Direction(name))
                d.values.append(value[0] if value else None)
                d.coordinates.append(column)
        anatomy = cls(stages, units, directions, coordinates)
        anatomy._place()
        return anatomy

    def _place(self) -> None:
        """Give every direction the stages that write it and the last that
        holds it, coordinate by coordinate (module docstring)."""
        final = self.stages[-1]
        for column, coordinate in enumerate(self.coordinates):
            writes = [u for u in self.units if column in u.writes]
            occupant = 0  # the index in ``coordinate`` of the direction held now
            started: dict[int, Stage] = {}
            ended: dict[int, Stage] = {}
            for unit in writes:
                if unit.label == ERASE:
                    # It clears the direction held before its stage (one that
                    # its stage writes anew has already moved on).
                    held = occupant if started.get(occupant) != unit.stage else None
                    if held is None:
                        held = max((i for i in started if i < occupant), default=None)
                    if held is not None and held not in ended:
                        ended[held] = self._before(unit.stage)
                    continue
                if owns_write(unit, coordinate[occupant][0]):
                    target = occupant
                else:
                    later = [
                        i
                        for i in range(occupant + 1, len(coordinate))
                        if owns(unit.label, coordinate[i][0])
                    ]
                    if not later:
                        continue  # a write the labels do not explain: ignored
                    target = later[0]
                for skipped in range(occupant, target):
                    if skipped in started and skipped not in ended:
                        ended[skipped] = self._before(unit.stage)
                occupant = target
                started.setdefault(target, unit.stage)
            for i, (name, _) in enumerate(coordinate):
                if i in started:
                    self.held[column, name] = (started[i], ended.get(i, final))
        for d in self.directions.values():
            spans = [
                self.held[c, d.name] for c in d.coordinates if (c, d.name) in self.held
            ]
            if spans:  # readable where every coordinate it was given holds it
                d.written = max((first for first, _ in spans), key=lambda s: s.index)
                d.last = min((last for _, last in spans), key=lambda s: s.index)
                continue
            # Never written (its value is always 0, or nothing reads it): it
            # reads as zero until another direction moves into a coordinate.
            taken = [
                first.index
                for c in d.coordinates
                for name, _ in self.coordinates[c]
                for first, _ in [self.held.get((c, name), (None, None))]
                if first is not None
            ]
            d.written = self.stages[0]
            d.last = self.stages[min(taken, default=len(self.stages) - 1)]
            if taken and min(taken) == -1:
                d.written = d.last = None

    def _before(self, stage: Stage) -> Stage:
        """The stage whose output ``stage`` reads (a sub-layer's predecessor)."""
        assert stage.kind != EMBED, "the embedding reads no residual"
        return self.stages[stage.index]  # stages[i + 1] is sub-layer i

    # -- lookups ---------------------------------------------------------------

    def stage(self, at: int | str | Stage) -> Stage:
        """A stage by index (-1 the embedding), by name (``embed``, ``L1.mlp``)."""
        if isinstance(at, Stage):
            return at
        for stage in self.stages:
            if at in (stage.index, stage.name) and not isinstance(at, bool):
                return stage
        raise ValueError(
            f"no stage {at!r}: the stages are "
            + ", ".join(s.name for s in self.stages)
            + f" (or their indices -1 to {len(self.stages) - 2})"
        )

    def occupant(self, column: int, stage: Stage) -> str | None:
        """The direction coordinate ``column`` holds after ``stage``."""
        for name, _ in self.coordinates[column]:
            first, last = self.held.get((column, name), (None, None))
            if first is not None and first.index <= stage.index <= last.index:
                return name
        return None

    def reads(self, unit: Unit, role: str) -> list[str]:
        """The directions ``unit`` reads in ``role``, as held when it runs."""
        before = self._before(unit.stage)
        names = []
        for column in sorted(unit.reads.get(role, ())):
            name = self.occupant(column, before)
            if name is not None and name not in names:
                names.append(name)
        return names

    def writes(self, unit: Unit) -> list[str]:
        """The directions ``unit`` writes (for an erasing block: clears)."""
        names = []
        for column in sorted(unit.writes):
            for name, _ in self.coordinates[column]:
                first, last = self.held.get((column, name), (None, None))
                if first is None:
                    continue
                if unit.label == ERASE:
                    hit = last.index == unit.stage.index - 1
                else:
                    hit = first == unit.stage and owns_write(unit, name)
                if hit and name not in names:
                    names.append(name)
        return names

    def heads(self) -> list[Unit]:
        return [u for u in self.units if u.stage.kind == "attn"]

    def readout(self, residual: np.ndarray, name: str) -> list[Value | float | None]:
        """The value of direction ``name`` at every position of ``residual``
        (positions × width): a numerical one's coordinate; a categorical one's
        value whose coordinate is largest, if above 1/2, else None (as outputs
        are decoded)."""
        d = self.directions[name]
        block = np.asarray(residual)[:, d.coordinates]
        if d.numerical:
            return [float(x) for x in block[:, 0]]
        best = np.argmax(block, axis=1)
        return [
            d.values[int(b)] if row[int(b)] > 0.5 else None
            for row, b in zip(block, best, strict=True)
        ]


def _nonzero_rows(w: np.ndarray) -> frozenset[int]:
    return frozenset(np.flatnonzero(np.any(w != 0, axis=1)).tolist())


def _nonzero_columns(w: np.ndarray) -> frozenset[int]:
    return frozenset(np.flatnonzero(np.any(w != 0, axis=0)).tolist())


def _embedding_unit(model: la.ModelOp, weights: dict, stage: Stage) -> Unit:
    refs = model.embed.weight_refs()
    written = _nonzero_columns(weights[refs["token_table"]]) | _nonzero_columns(
        weights[refs["position_table"]]
    )
    return Unit(stage, EMBED, written, {})


def _units(op: la.AttentionOp | la.MLPOp, weights: dict, stage: Stage) -> list[Unit]:
    refs = op.weight_refs()
    if not refs:
        return []
    if isinstance(op, la.AttentionOp):
        k, v = op.key_size.data, op.value_size.data
        units = []
        for h, label in enumerate(op.head_labels):
            reads = {
                "query": _nonzero_rows(weights[refs["query"]][:, h * k : (h + 1) * k]),
                "key": _nonzero_rows(weights[refs["key"]][:, h * k : (h + 1) * k]),
                "value": _nonzero_rows(weights[refs["value"]][:, h * v : (h + 1) * v]),
            }
            out = weights[refs["output"]][h * v : (h + 1) * v]
            units.append(Unit(stage, label, _nonzero_columns(out), reads, h))
        return units
    units, start = [], 0
    for b, (label, width) in enumerate(op.blocks):
        hidden = slice(start, start + width)
        start += width
        reads = {"input": _nonzero_rows(weights[refs["fst"]][:, hidden])}
        out = weights[refs["snd"]][hidden]
        units.append(Unit(stage, label, _nonzero_columns(out), reads, b))
    return units


# -- the program graph --------------------------------------------------------


@dataclass(frozen=True)
class GraphNode:
    """One s-op of the program as compiled (the scheduled sa program)."""

    name: str
    """Its residual name (the label made unique)."""
    label: str
    kind: str
    """The sa op: ``tokens``, ``aggregate``, ``count``, ``lookup``..."""
    encoding: str
    operands: tuple[tuple[str, str], ...]
    """(role, operand name): ``keys``/``queries``/``values`` of a head, else
    ``input``."""
    predicate: str | None
    """A head's selector predicate."""
    stages: tuple[str, ...]
    """The stages that write it (``embed`` for the embedding); empty when the
    model holds it nowhere (a view that heads read through its inputs, or a
    direction a pass removed)."""
    values: tuple[Value, ...] = ()
    """Its value set."""
    noise: float = 0.0
    """The certified bound on how far its coordinates may be from the exact
    encoding (a numerical s-op reads within it of its value)."""
    output: bool = False


def program_graph(program: sa.ProgramOp, anatomy: Anatomy) -> list[GraphNode]:
    """The nodes of the scheduled ``program``, each placed in the model."""
    from raspir.passes.convert_sa_to_craft import residual_names

    names = residual_names(program)
    output = program.output.sop
    writers: dict[str, list[str]] = {}
    for unit in anatomy.units:
        for name in anatomy.writes(unit) if unit.label != ERASE else ():
            stage = unit.stage.name
            if stage not in writers.setdefault(name, []):
                writers[name].append(stage)
    nodes = []
    for op in program.body.block.ops:
        if not isinstance(op, sa.ComponentOp):
            continue
        name = names.get(op.result, op.label.data)
        operands = list(op.operands)
        roles = (
            ("keys", "queries", "values")
            if isinstance(op, sa.HeadOp)
            else ("input",) * len(operands)
        )
        predicate = None
        if isinstance(op, sa.HeadOp):
            predicate = format_predicate(op)
        stages = [
            stage
            for helper, where in writers.items()
            if owns(name, helper)
            for stage in where
        ]
        nodes.append(
            GraphNode(
                name=name,
                label=op.label.data,
                kind=op.name.removeprefix("sa."),
                encoding=op.encoding,
                operands=tuple(
                    (role, names.get(o, _label_of(o)))
                    for role, o in zip(roles, operands, strict=False)
                ),
                predicate=predicate,
                stages=tuple(sorted(set(stages), key=_stage_order(anatomy))),
                values=tuple(op.values.data),
                noise=float(op.noise.data),
                output=op.result is output,
            )
        )
    return nodes


def format_predicate(op: sa.HeadOp) -> str:
    data = op.predicate.data
    if isinstance(data, str):
        return data
    return (
        "{"
        + ", ".join(f"({format_value(k)}, {format_value(q)})" for k, q in data)
        + "}"
    )


def _label_of(value) -> str:
    owner = value.owner
    return owner.label.data if isinstance(owner, sa.ComponentOp) else str(value)


def _stage_order(anatomy: Anatomy):
    order = {s.name: s.index for s in anatomy.stages}
    return lambda name: order.get(name, len(order))


def direction_names(anatomy: Anatomy, names: Sequence[str]) -> list[str]:
    """``names`` in the order of their first coordinate."""
    return sorted(names, key=lambda n: anatomy.directions[n].coordinates[0])


# -- a compiled model's anatomy -------------------------------------------------


def anatomy_of(model) -> Anatomy:
    """The anatomy of a ``CompiledModel`` (built once per model)."""
    cached = getattr(model, "_anatomy", None)
    if cached is not None:
        return cached
    if "lossy" in model.info:
        raise InvalidArgumentError(
            "this model is lossy: its residual directions are learned mixtures of "
            "the compiled ones, so no s-op has coordinates of its own (look at the "
            "model it was compressed from)"
        )
    anatomy = Anatomy.of(model.la_model("find where its s-ops live"))
    model._anatomy = anatomy
    return anatomy


def sa_program_of(model) -> sa.ProgramOp:
    """The scheduled sa program a ``CompiledModel`` was built from."""
    if "sa" not in model.ir:
        raise InvalidArgumentError(
            "this model has no sa IR, which its program graph is read from (it was "
            "saved without sa.mlir: compile it again)"
        )
    from raspir.universe import parse_module

    module = parse_module(model.ir["sa"], "sa.mlir")
    return next(op for op in module.walk() if isinstance(op, sa.ProgramOp))


def graph_of(model) -> list[GraphNode]:
    """The program graph of a ``CompiledModel``, placed in its stages (built
    once per model: naming the s-ops runs the craft construction)."""
    cached = getattr(model, "_graph", None)
    if cached is None:
        anatomy = anatomy_of(model)  # a lossy model says so before a missing sa IR
        cached = program_graph(sa_program_of(model), anatomy)
        model._graph = cached
    return cached


def resolve(model, name) -> str:
    """The residual direction a user means by ``name``: a residual name
    (``opens_2``), a label that only one s-op carries, or a RASP expression
    (by its name, the label its IR carries); otherwise an InvalidArgumentError
    that says why not."""
    anatomy = anatomy_of(model)
    label = getattr(name, "name", name)
    if not isinstance(label, str):
        raise InvalidArgumentError(
            f"name an s-op by its label or pass the RASP expression, not {name!r}"
        )
    if label in anatomy.directions:
        return label
    nodes = graph_of(model) if "sa" in model.ir else []
    carriers = [n for n in nodes if n.label == label]
    held = [n for n in carriers if n.name in anatomy.directions]
    if len(held) == 1:
        return held[0].name
    if len(held) > 1:
        raise InvalidArgumentError(
            f"{len(held)} s-ops are labelled '{label}': name one of "
            + ", ".join(f"{n.name} ({'+'.join(n.stages)})" for n in held)
        )
    if carriers:
        node = carriers[0]
        raise InvalidArgumentError(
            f"s-op '{label}' ({node.kind}) has no directions of its own in the "
            "residual stream: the heads that read it read its inputs' directions"
            if node.kind in ("pair", "affine")
            else f"s-op '{label}' has no directions left in the residual stream "
            "(a pass removed them: nothing read them)"
        )
    known = ", ".join(sorted(n for n in anatomy.directions if n != "one"))
    raise InvalidArgumentError(
        f"no s-op '{label}' in this model: the compiler folded it into the s-ops "
        "that read it, or the program has none (compile with -O0 to keep more "
        f"s-ops); the residual stream holds {known}"
    )


def decode_intermediate(model, tokens, name, at: int | str | None = None) -> list:
    """The value of s-op ``name`` at every position of one input, read from the
    residual stream after stage ``at`` (by default the stage that writes it):
    ``[BOS, v1, ...]`` as ``apply(tokens).decoded``. A categorical s-op reads as
    its largest coordinate's value if above 1/2 (else None), a numerical one as
    its coordinate. A stage at which its coordinates hold something else (not
    yet written, or taken over by a later s-op) is an InvalidArgumentError that
    says where it can be read."""
    anatomy = anatomy_of(model)
    direction = anatomy.directions[resolve(model, name)]
    if direction.written is None:
        raise InvalidArgumentError(
            f"'{direction.name}' is never held in the residual stream: its "
            "coordinates hold other directions from the embedding on"
        )
    try:
        stage = direction.written if at is None else anatomy.stage(at)
    except ValueError as e:
        raise InvalidArgumentError(str(e)) from None
    if not direction.readable(stage):
        raise InvalidArgumentError(
            f"'{direction.name}' is not in the residual stream after {stage.name}: "
            f"it is {direction.span()}"
        )
    _warn_of_missing_values(model, direction)
    output = model.apply(tokens)
    residual = (
        output.input_embeddings if stage.index < 0 else output.residuals[stage.index]
    )
    values = anatomy.readout(np.asarray(residual)[0], direction.name)
    return [output.decoded[0], *values[1:]]


class DecodeWarning(UserWarning):
    """A decoded s-op may read None where it holds a value the model keeps no
    direction for."""


def _warn_of_missing_values(model, direction: Direction) -> None:
    """Warn when passes removed directions of some of the s-op's values (no
    unit reads them): positions holding those values decode as None."""
    if direction.numerical or "sa" not in model.ir:
        return
    node = next((n for n in graph_of(model) if n.name == direction.name), None)
    if node is None:
        return
    kept = {value_key(v) for v in direction.values}
    missing = [v for v in node.values if v is not None and value_key(v) not in kept]
    if missing:
        warnings.warn(
            f"the model keeps no direction for {len(missing)} of the values of "
            f"'{direction.name}' ({', '.join(format_value(v) for v in missing)}): "
            "nothing reads them, so positions holding them decode as None",
            DecodeWarning,
            stacklevel=3,
        )
