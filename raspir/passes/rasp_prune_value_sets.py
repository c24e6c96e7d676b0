"""``rasp-prune-value-sets``: exact value sets for s-ops that depend only on positions.

Import infers value sets by Cartesian products: ``length - indices`` gets
``{1..N} - {0..N-1}``, negatives included, although only pairs ``(L, i)`` with
``0 <= i < L <= N`` ever occur. Every impossible value costs residual
directions and MLP units downstream.

An s-op is *positional* when its value at position ``i`` of an input of length
``L`` is a function ``f(L, i)``: ``rasp.indices`` (``i``), ``rasp.length``
(``L``, or the prefix length ``i + 1`` in a causal program),
``rasp.full``, a length-checked ``rasp.constant`` (its ``i``-th value where
``L`` is its length; it raises elsewhere), the ``selector_width`` of a
``select ... true`` (``L``, or ``i + 1`` in a causal program, whose selectors
only see keys ``j <= i``) or ``... false`` (``0``), and ``map``,
``sequence_map`` and ``linear_sequence_map`` of positional s-ops. The pass
evaluates ``f`` at every ``(L, i)`` with ``1 <= L <= max_seq_len`` and
``0 <= i < L``, then, in program order:

- a positional s-op's value set becomes the values ``f`` reaches;
- a table drops the rows whose input value left its input's value set, and a
  ``sequence_map`` of two positional s-ops turns every entry for a pair that no
  ``(L, i)`` produces into ``error``, so its pair lookup gets no unit for it;
- a map or sequence_map keeps the values its remaining table can still produce
  (``None`` where an input can be ``None``), even when nothing upstream changed
  (a value set inferred by products, or a table composed by ``rasp-fuse-maps``,
  can list values no entry produces), a linear_sequence_map the
  combinations of its inputs' remaining values;
- a ``select`` relation drops the pairs holding a removed key or query;
- a categorical aggregate drops the values its input lost, unless the value is
  its default or a float that several selected numbers could average to.
  Numerical aggregates keep their value sets;
- the ``selector_width`` of a select of one s-op against itself with a
  predicate true for every value paired with itself (``eq``, ``leq``, ...)
  loses 0: each query selects at least its own position (also in a causal
  program). Other selector widths keep their value sets.

Soundness: no value an s-op takes on an input it evaluates is ever dropped.
``f`` is the interpreter's semantics, so a positional s-op takes exactly the
values ``f`` reaches; an ``(L, i)`` where an op raises (an ``error`` entry, a
constant of another length) yields no value, and its consumers never run on
such an input. Every other rule keeps the old value set intersected with what
the op can compute from its inputs' new value sets. A removed table row,
relation pair or unreachable pair is never looked up, so the program computes
the same function and rejects the same inputs. A positional s-op reaching a
value its old set lacks means the input IR was unsound; the pass fails. An
unchecked ``rasp.constant`` can make sequences shorter or longer than ``L``;
it and every s-op or selector built on it are not positional. The pass is
idempotent: a second run finds nothing to remove.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from raspir.analysis import selects_own_position
from raspir.dialects import rasp
from raspir.dialects.values import Value, format_value, value_key
from raspir.passes import expect_level

RAISES = rasp.UNDEFINED
"""``f(L, i)`` where the op raises: the input is rejected, no value is produced."""


@dataclass(frozen=True)
class RaspPruneValueSetsPass(ModulePass):
    """Shrink the value sets of positional s-ops to the values they reach."""

    name = "rasp-prune-value-sets"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, rasp.ProgramOp, self.name)
        for program in op.walk():
            if isinstance(program, rasp.ProgramOp):
                _Pruner(program).run()


class _Pruner:
    def __init__(self, program: rasp.ProgramOp):
        self.program = program
        n = program.max_seq_len.data
        self.positions = [
            (length, i) for length in range(1, n + 1) for i in range(length)
        ]
        self.exact: dict[SSAValue, list[Value]] = {}
        """``f`` of each positional s-op, aligned with ``positions``."""
        self.old: dict[SSAValue, tuple[Value, ...]] = {}
        """The value set before pruning, for the s-ops whose set shrank."""
        self.ragged: set[SSAValue] = set()
        """Values whose sequences may not have the input's length."""

    def run(self) -> None:
        for op in self.program.body.block.ops:
            if isinstance(op, rasp.ConstantOp) and not op.check_length.value.data:
                self.ragged.add(op.results[0])
            elif any(v in self.ragged for v in op.operands):
                self.ragged.update(op.results)
            if isinstance(op, rasp.SelectOp):
                self.prune_relation(op)
            elif isinstance(op, rasp.SOpOp):
                self.prune(op)

    def changed(self, op: Operation) -> bool:
        return any(v in self.old for v in op.operands)

    def prune(self, op: rasp.SOpOp) -> None:
        tabulated = isinstance(op, rasp.TabulatedOp)
        if tabulated and (self.changed(op) or self.all_exact(op)):
            op.table = self.pruned_table(op)
        f = self.evaluate(op)
        if f is not None:
            self.exact[op.result] = f
        old = op.values.data
        if tabulated:
            new = _keep(old, _table_values(op.table, len(op.operands)))
        elif f is not None:
            new = self.reached(op, f)
        elif isinstance(op, rasp.LinearSequenceMapOp) and self.changed(op):
            new = _keep(old, _linear_values(op))
        elif isinstance(op, rasp.AggregateOp) and self.changed(op):
            new = self.aggregate_values(op)
        elif isinstance(op, rasp.SelectorWidthOp) and selects_own_position(op.selector):
            new = tuple(v for v in old if v != 0)
        else:
            return
        if len(new) != len(old):
            self.old[op.result] = old
            op.values = rasp.ValueSetAttr(new)

    def all_exact(self, op: Operation) -> bool:
        return all(v in self.exact for v in op.operands)

    def reached(self, op: rasp.SOpOp, f: list[Value]) -> tuple[Value, ...]:
        """The values ``f`` reaches; they must all be in the old value set."""
        reached = {value_key(v): v for v in f if v is not RAISES}
        old = {value_key(v) for v in op.values.data}
        for key, v in reached.items():
            if key not in old:
                raise PassFailedException(
                    f"{op.name} '{op.label.data}': takes the value {format_value(v)}, "
                    "which its value set lacks (the input IR is unsound)"
                )
        return _keep(op.values.data, reached.values())

    def evaluate(self, op: rasp.SOpOp) -> list[Value] | None:
        """``f(L, i)`` at every position if ``op`` is positional, else None."""
        if op.result in self.ragged:
            return None
        causal = self.program.is_causal
        match op:
            case rasp.IndicesOp():
                return [i for _, i in self.positions]
            case rasp.LengthOp():
                return [i + 1 if causal else n for n, i in self.positions]
            case rasp.FullOp():
                return [op.fill.data] * len(self.positions)
            case rasp.ConstantOp():
                seq = op.sequence.data
                return [
                    seq[i] if length == len(seq) else RAISES
                    for length, i in self.positions
                ]
            case rasp.SelectorWidthOp():
                select = op.selector.owner
                if not isinstance(select, rasp.SelectOp) or not isinstance(
                    select.predicate, rasp.ComparisonAttr
                ):
                    return None
                if select.predicate.data == "false":
                    return [0] * len(self.positions)
                if select.predicate.data == "true":
                    return [i + 1 if causal else n for n, i in self.positions]
                return None
        if not self.all_exact(op):
            return None
        inputs = zip(*(self.exact[v] for v in op.operands), strict=True)
        match op:
            case rasp.MapOp() | rasp.SequenceMapOp():
                table = op.table.as_dict()
                return [_lookup(table, xs) for xs in inputs]
            case rasp.LinearSequenceMapOp():
                return [_linear(op, *xs) for xs in inputs]
        return None

    def pruned_table(self, op: rasp.TabulatedOp) -> rasp.TableAttr:
        """Rows over the inputs' new value sets; unreachable pairs become ``error``."""
        allowed = [
            {value_key(v) for v in rasp.value_set_of(x) or ()} for x in op.operands
        ]
        reachable = None
        if isinstance(op, rasp.SequenceMapOp) and self.all_exact(op):
            pairs = zip(*(self.exact[v] for v in op.operands), strict=True)
            reachable = {value_key(p) for p in pairs if not _has(p, RAISES)}
        entries = []
        for key, out in op.table.data:
            parts = key if isinstance(op, rasp.SequenceMapOp) else (key,)
            if any(value_key(p) not in a for p, a in zip(parts, allowed, strict=True)):
                continue
            if (
                reachable is not None
                and not _has(parts, None)
                and value_key(key) not in reachable
            ):
                out = RAISES
            entries.append((key, out))
        return rasp.TableAttr(entries)

    def prune_relation(self, op: rasp.SelectOp) -> None:
        if not isinstance(op.predicate, rasp.RelationAttr) or not self.changed(op):
            return
        keys = {value_key(v) for v in rasp.value_set_of(op.keys) or ()}
        queries = {value_key(v) for v in rasp.value_set_of(op.queries) or ()}
        op.predicate = rasp.RelationAttr(
            (k, q)
            for k, q in op.predicate.data
            if value_key(k) in keys and value_key(q) in queries
        )

    def aggregate_values(self, op: rasp.AggregateOp) -> tuple[Value, ...]:
        """A categorical aggregate drops what its input lost: it outputs its
        default, one selected value, or the mean of several numbers (a float);
        a ``max`` or ``min`` aggregate outputs a selected value or its default."""
        old = op.values.data
        inputs = rasp.value_set_of(op.sop) or ()
        if op.extremum is not None:  # no means: a selected value or the default
            kept = {value_key(v) for v in (*inputs, op.default.data)}
            return tuple(v for v in old if value_key(v) in kept)
        if op.encoding != rasp.CATEGORICAL or op.sop not in self.old:
            return old
        numbers = any(isinstance(v, bool | int | float) for v in inputs)
        kept = {value_key(v) for v in inputs} | {value_key(op.default.data)}
        lost = {value_key(v) for v in self.old[op.sop]} - kept
        return tuple(
            v
            for v in old
            if value_key(v) not in lost or (isinstance(v, float) and numbers)
        )


def positional_values(
    program: rasp.ProgramOp,
) -> tuple[list[tuple[int, int]], dict[SSAValue, list[Value]]]:
    """The positions ``(L, i)`` and the value ``f(L, i)`` of every positional
    s-op at each (``RAISES`` where it raises), without changing the program."""
    pruner = _Pruner(program)
    for op in program.body.block.ops:
        if isinstance(op, rasp.ConstantOp) and not op.check_length.value.data:
            pruner.ragged.add(op.results[0])
        elif any(v in pruner.ragged for v in op.operands):
            pruner.ragged.update(op.results)
        if isinstance(op, rasp.SOpOp):
            f = pruner.evaluate(op)
            if f is not None:
                pruner.exact[op.result] = f
    return pruner.positions, pruner.exact


def _keep(old: Sequence[Value], possible) -> tuple[Value, ...]:
    """The values of ``old`` (in its canonical order) that are ``possible``."""
    keys = {value_key(v) for v in possible}
    return tuple(v for v in old if value_key(v) in keys)


def _has(parts: tuple, marker: object) -> bool:
    return any(p is marker for p in parts)


def _lookup(table: dict[tuple, Value], parts: tuple) -> Value:
    """A table lookup as the interpreter does it; ``RAISES`` where it fails."""
    if _has(parts, RAISES):
        return RAISES
    if _has(parts, None):
        return None
    key = parts[0] if len(parts) == 1 else parts
    return table.get(value_key(key), RAISES)


def _linear(op: rasp.LinearSequenceMapOp, x: Value, y: Value) -> Value:
    if x is RAISES or y is RAISES:
        return RAISES
    if x is None or y is None:
        return None
    try:
        return op.fst_factor.data * x + op.snd_factor.data * y
    except TypeError:
        return RAISES


def _table_values(table: rasp.TableAttr, arity: int) -> list[Value]:
    """What a table can output: its defined entries, and None where an input is."""
    nones = any(_has(k if arity == 2 else (k,), None) for k, _ in table.data)
    return [*table.outputs(), *([None] if nones else [])]


def _linear_values(op: rasp.LinearSequenceMapOp) -> list[Value]:
    xs, ys = rasp.value_set_of(op.fst) or (), rasp.value_set_of(op.snd) or ()
    outputs = (_linear(op, x, y) for x, y in itertools.product(xs, ys))
    return [v for v in outputs if v is not RAISES]
