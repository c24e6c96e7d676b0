"""``rasp-fuse-maps``: one tabulated op where a chain of them computes one function.

Every ``map`` and ``sequence_map`` costs an MLP sub-layer, and a chain of them
costs one layer per link, although the composition is again a table over the
first op's inputs. The pass composes tables:

- ``map g (map f x)`` → ``map (g∘f) x``;
- ``map g (sequence_map f x y)`` → ``sequence_map (g∘f) x y`` (also over a
  ``linear_sequence_map`` of two categorical s-ops, which is lowered as a table);
- ``sequence_map g (map f x) (map h y)`` → ``sequence_map g(f(x), h(y)) x y``
  (either side or both), when ``map f`` reads a categorical s-op (a
  ``sequence_map`` over a numerical s-op has no construction) other than the
  indices (a map of the indices is written by the position embedding for
  free, and has no more values than the indices).

The surviving op is the outer one: it keeps its label, its name and its value
set. An inner op is fused only when every use of it can absorb it, so it dies
(``dce`` removes it) and nothing is computed twice; an inner ``sequence_map``
must have a single use, since copying a pair table into several users would
cost more MLP units than it saves. The program's output is never absorbed.

Why this never costs more: a lookup MLP has a unit per output value and the
composed map has no more output values than ``g``; a pair lookup has a unit per
pair of input classes (values with the same row of the table), and composing
only merges rows. The chain's intermediate units and residual directions go,
and so does a layer wherever the chain was on the critical path.

Semantics: ``None`` passes through a map (a ``None`` input gives ``None``
without a lookup); a composed entry is ``None`` where an inner entry is
``None``, and ``error`` where an inner entry is ``error``. On every input the
original program evaluates, the fused one computes the same values.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from raspir.dialects import rasp
from raspir.dialects.values import Value, value_key
from raspir.passes import expect_level

Tabulated = rasp.MapOp | rasp.SequenceMapOp | rasp.LinearSequenceMapOp


def _categorical(value: SSAValue) -> bool:
    return isinstance(value.type, rasp.SOpType) and not value.type.is_numerical


def _table(op: Tabulated) -> dict[tuple, Value]:
    """``op``'s function as a dict keyed by ``value_key`` of the input(s)."""
    if isinstance(op, rasp.LinearSequenceMapOp):
        return op.as_table().as_dict()
    return op.table.as_dict()


def _apply(table: dict[tuple, Value], key: Value) -> Value:
    """A table applied as the interpreter applies it: ``None`` passes through."""
    if key is None or key is rasp.UNDEFINED:
        return key
    return table.get(value_key(key), rasp.UNDEFINED)


def _is_table_op(op: Operation | None) -> bool:
    if isinstance(op, rasp.MapOp | rasp.SequenceMapOp):
        return True
    return isinstance(op, rasp.LinearSequenceMapOp) and (
        _categorical(op.fst) and _categorical(op.snd)
    )


def _absorbs(user: Operation, inner: Operation) -> bool:
    """Whether ``user`` can take ``inner`` into its table."""
    if isinstance(user, rasp.MapOp):
        return _is_table_op(inner)
    if isinstance(user, rasp.SequenceMapOp | rasp.LinearSequenceMapOp):
        return (
            isinstance(inner, rasp.MapOp)
            and _categorical(inner.input)
            and not isinstance(inner.input.owner, rasp.IndicesOp)
            and _is_table_op(user)
        )
    return False


def _fusable(inner: Operation) -> bool:
    if not _is_table_op(inner):
        return False
    uses = list(inner.results[0].uses)
    if not uses or (len(uses) > 1 and not isinstance(inner, rasp.MapOp)):
        return False
    return all(_absorbs(use.operation, inner) for use in uses)


def _fused(op: Tabulated) -> Tabulated | None:
    """``op`` with its fusable inner ops composed in, or None if there are none."""
    inners = [v.owner if _fusable(v.owner) else None for v in op.operands]
    if not any(inners):
        return None
    label, encoding = op.label.data, op.encoding
    outer = _table(op)
    if isinstance(op, rasp.MapOp):
        inner = inners[0]
        assert isinstance(inner, Tabulated)
        inner_table = _table(inner)
        if isinstance(inner, rasp.MapOp):
            entries = [
                (k, _apply(outer, _apply(inner_table, k))) for k in _domain(inner)
            ]
            return rasp.MapOp(
                label, encoding, inner.input, rasp.TableAttr(entries), op.values.data
            )
        entries = [
            (
                (x, y),
                None
                if x is None or y is None
                else _apply(outer, inner_table.get(value_key((x, y)), rasp.UNDEFINED)),
            )
            for x, y in _domain(inner)
        ]
        return rasp.SequenceMapOp(
            label,
            encoding,
            inner.operands[0],
            inner.operands[1],
            rasp.TableAttr(entries),
            op.values.data,
        )
    # A sequence_map (or a categorical linear_sequence_map) over maps.
    sides = []
    for value, inner in zip(op.operands, inners, strict=True):
        if isinstance(inner, rasp.MapOp):
            sides.append((inner.input, _table(inner)))
        else:
            sides.append((value, None))
    (x, fx), (y, fy) = sides
    entries = []
    for a in rasp.value_set_of(x) or ():
        for b in rasp.value_set_of(y) or ():
            fa = a if fx is None else _apply(fx, a)
            fb = b if fy is None else _apply(fy, b)
            if a is None or b is None:
                out: Value = None  # never looked up: None passes through
            elif fa is rasp.UNDEFINED or fb is rasp.UNDEFINED:
                out = rasp.UNDEFINED
            elif fa is None or fb is None:
                out = None
            else:
                out = outer.get(value_key((fa, fb)), rasp.UNDEFINED)
            entries.append(((a, b), out))
    return rasp.SequenceMapOp(
        label, encoding, x, y, rasp.TableAttr(entries), op.values.data
    )


def _domain(op: Tabulated) -> list[Value]:
    """The keys of ``op``'s table, as the table attribute lists them."""
    if isinstance(op, rasp.LinearSequenceMapOp):
        xs = rasp.value_set_of(op.fst) or ()
        ys = rasp.value_set_of(op.snd) or ()
        return [(x, y) for x in xs for y in ys]
    return [k for k, _ in op.table.data]


def _with_none(op: Tabulated) -> Tabulated:
    """``op``, its value set gaining ``None`` if a composed entry is ``None``."""
    if any(out is None for _, out in op.table.data) and None not in op.values.data:
        op.values = rasp.ValueSetAttr((None, *op.values.data))
    return op


def fuse(program: rasp.ProgramOp) -> None:
    """Fuse to a fixed point; absorbed inner ops are erased once unused."""
    block = program.body.block
    changed = True
    while changed:
        changed = False
        for op in list(block.ops):
            if not isinstance(op, Tabulated) or not _is_table_op(op):
                continue
            new = _fused(op)
            if new is None:
                continue
            new = _with_none(new)
            new.result.name_hint = op.result.name_hint
            block.insert_op_before(new, op)
            op.result.replace_all_uses_with(new.result)
            inners = {v.owner for v in op.operands}
            op.detach()
            op.erase()
            for inner in inners:
                if isinstance(inner, Operation) and not inner.results[0].uses:
                    inner.detach()
                    inner.erase()
            changed = True


@dataclass(frozen=True)
class RaspFuseMapsPass(ModulePass):
    """Compose chains of maps and sequence maps into single tables."""

    name = "rasp-fuse-maps"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, rasp.ProgramOp, self.name)
        for program in list(op.walk()):
            if isinstance(program, rasp.ProgramOp):
                fuse(program)
