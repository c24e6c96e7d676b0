"""Canonicalisation patterns of the ``rasp`` dialect, run by xDSL's ``canonicalize``.

Each pattern replaces an op by something that computes the same values with
fewer or cheaper transformer components, and never makes a program bigger:

- ``sequence_map f x x`` → ``map (v ↦ f(v, v)) x`` (a lookup instead of a pair
  lookup);
- a ``map`` whose table is the identity on its input's value set (same
  encoding, same value set) → its input;
- a ``map`` or ``sequence_map`` that gives one value ``c`` on every input →
  ``full c`` (an embedding: no MLP, no layer); not when an input can be
  ``None`` (the result is ``None`` there), when an entry is ``error``, or
  when an input depends on an unchecked ``constant`` (whose length may differ
  from the input's);
- a ``select`` whose relation holds for every (key, query) pair of the value
  sets → ``true``; one that holds for none → ``false`` (not when a side can be
  ``None``: a relation may hold for it, a comparison raises on it);
- an ``aggregate`` over a ``false`` select → ``full default``; a
  ``selector_width`` of a ``false`` select → ``full 0``;
- ``select_not (select_not s)`` → ``s``; ``select_and s s`` and
  ``select_or s s`` → ``s``.

A replacement keeps the replaced op's label, name and value set, so every
consumer's table still covers its input; ``rasp-prune-value-sets`` shrinks the
sets afterwards. An op read by ``rasp.output`` is replaced only by a new op
(never by an existing value), so the program's output keeps its name.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern

from raspir.dialects import rasp
from raspir.dialects.values import Value, value_key


def _is_output(value: SSAValue) -> bool:
    return any(isinstance(use.operation, rasp.OutputOp) for use in value.uses)


def _full(op: rasp.SOpOp, fill: Value) -> rasp.FullOp:
    full = rasp.FullOp(op.label.data, op.encoding, fill)
    full.values = op.values
    return full


def _replace(rewriter: PatternRewriter, op: Operation, new: Operation) -> None:
    hint = op.results[0].name_hint
    rewriter.replace(op, new)
    new.results[0].name_hint = hint


def _ragged(value: SSAValue) -> bool:
    """Whether ``value`` depends on an unchecked ``rasp.constant``, whose
    sequences need not have the input's length (a ``full`` always has it)."""
    owner = value.owner
    if isinstance(owner, rasp.ConstantOp):
        return not owner.check_length.value.data
    return isinstance(owner, Operation) and any(_ragged(v) for v in owner.operands)


def _false_select(selector: SSAValue) -> bool:
    owner = selector.owner
    return isinstance(owner, rasp.SelectOp) and owner.predicate == rasp.ComparisonAttr(
        "false"
    )


class SequenceMapOfOneSOp(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, rasp.SequenceMapOp) or op.fst != op.snd:
            return
        table = op.table.as_dict()
        entries = [
            (x, None if x is None else table[value_key((x, x))])
            for x in rasp.value_set_of(op.fst) or ()
        ]
        new = rasp.MapOp(
            op.label.data, op.encoding, op.fst, rasp.TableAttr(entries), op.values.data
        )
        _replace(rewriter, op, new)


class IdentityMap(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, rasp.MapOp) or op.input.type != op.result.type:
            return
        if _is_output(op.result):
            return
        inputs = rasp.value_set_of(op.input)
        if inputs is None or {value_key(v) for v in inputs} != {
            value_key(v) for v in op.values.data
        }:
            return
        if all(
            x is None or value_key(x) == value_key(y)
            for x, y in op.table.data
            if y is not rasp.UNDEFINED
        ) and all(y is not rasp.UNDEFINED for _, y in op.table.data):
            rewriter.replace(op, [], [op.input])


class ConstantTable(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, rasp.MapOp | rasp.SequenceMapOp):
            return
        if any(None in (rasp.value_set_of(v) or (None,)) for v in op.operands):
            return
        if any(_ragged(v) for v in op.operands):
            return
        outputs = {value_key(y): y for _, y in op.table.data}
        if len(outputs) != 1:
            return
        (fill,) = outputs.values()
        if fill is None or fill is rasp.UNDEFINED:
            return
        _replace(rewriter, op, _full(op, fill))


class TrivialRelation(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, rasp.SelectOp) or not isinstance(
            op.predicate, rasp.RelationAttr
        ):
            return
        keys = rasp.value_set_of(op.keys)
        queries = rasp.value_set_of(op.queries)
        if keys is None or queries is None or None in keys or None in queries:
            return  # a relation may hold for None; a comparison raises on it
        pairs = rasp.relation_keys(op.predicate)
        every = {value_key((k, q)) for k in keys for q in queries}
        if pairs == every:
            op.predicate = rasp.ComparisonAttr("true")
        elif not pairs & every:
            op.predicate = rasp.ComparisonAttr("false")
        else:
            return
        rewriter.handle_operation_modification(op)


class EmptySelection(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if isinstance(op, rasp.AggregateOp) and _false_select(op.selector):
            _replace(rewriter, op, _full(op, op.default.data))
        elif isinstance(op, rasp.SelectorWidthOp) and _false_select(op.selector):
            _replace(rewriter, op, _full(op, 0))


class RedundantSelector(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if isinstance(op, rasp.SelectNotOp) and isinstance(
            inner := op.operands[0].owner, rasp.SelectNotOp
        ):
            rewriter.replace(op, [], [inner.operands[0]])
        elif (
            isinstance(op, rasp.SelectAndOp | rasp.SelectOrOp)
            and op.operands[0] == op.operands[1]
        ):
            rewriter.replace(op, [], [op.operands[0]])


PATTERNS: tuple[RewritePattern, ...] = (
    SequenceMapOfOneSOp(),
    IdentityMap(),
    ConstantTable(),
    TrivialRelation(),
    EmptySelection(),
    RedundantSelector(),
)
