"""Static facts about rasp programs: which s-ops differ at every position,
which selectors select at most one position per query, and which ops may mean
something else under causal evaluation.

A categorical aggregate is one attention head that copies the selected value;
when a query selects several different numbers, the evaluator averages them
and the head cannot. ``averaging_aggregates`` finds the categorical
aggregates for which that cannot be ruled out, so the compiler can say that
the model is exact only on the inputs where it does not happen.

A causal model computes the causal evaluation (``rasp.CausalEvaluator``).
``causal_sources`` finds the ops where that may differ from the non-causal
one, so the compiler can say where a causal program changes meaning.

The facts are sound, not complete: ``False`` means "not proved".
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator

from xdsl.ir import SSAValue

from raspir.dialects import rasp
from raspir.dialects.rasp import UNDEFINED, value_set_of
from raspir.dialects.values import value_key

_ORDERS = ("lt", "leq", "gt", "geq")


def _distinct_outputs(entries) -> bool:
    outputs = [value_key(v) for _, v in entries if v is not UNDEFINED]
    return len(outputs) == len(set(outputs))


def _separates(op: rasp.SequenceMapOp, by: int) -> bool:
    """Whether outputs for different values of operand ``by`` never coincide."""
    owner: dict[tuple, tuple] = {}
    for pair, v in op.table.data:
        if v is UNDEFINED:
            continue
        side = value_key(pair[by])
        if owner.setdefault(value_key(v), side) != side:
            return False
    return True


def position_injective(
    value: SSAValue, causal: bool = False, _seen: dict | None = None
) -> bool:
    """Whether the s-op's values at any two positions of an input differ
    (``causal``: when every query only sees the positions up to its own)."""
    seen = {} if _seen is None else _seen
    if value in seen:
        return seen[value]
    seen[value] = False  # no cycles in SSA, but keep the recursion bounded
    op = value.owner
    result = False
    match op:
        case rasp.IndicesOp():
            result = True
        case rasp.LengthOp():
            result = causal  # the prefix length, i + 1 at position i
        case rasp.MapOp():
            result = position_injective(op.input, causal, seen) and _distinct_outputs(
                op.table.data
            )
        case rasp.SequenceMapOp():
            result = any(
                position_injective(operand, causal, seen) and _separates(op, i)
                for i, operand in enumerate((op.fst, op.snd))
            )
        case rasp.SelectorWidthOp():
            # Ranks under a strict or reflexive order of distinct keys differ
            # (not ranks among a prefix).
            select = op.selector.owner
            result = (
                not causal
                and isinstance(select, rasp.SelectOp)
                and select.keys is select.queries
                and isinstance(select.predicate, rasp.ComparisonAttr)
                and select.predicate.data in _ORDERS
                and position_injective(select.keys, causal, seen)
            )
    seen[value] = result
    return result


def selects_at_most_one(selector: SSAValue, causal: bool = False) -> bool:
    """Whether every query of the selector selects at most one position."""
    op = selector.owner
    match op:
        case rasp.SelectOp():
            predicate = op.predicate
            if isinstance(predicate, rasp.ComparisonAttr):
                if predicate.data == "false":
                    return True
                functional = predicate.data == "eq"
            else:
                queries = [value_key(q) for _, q in predicate.data]
                functional = len(queries) == len(set(queries))
            return functional and position_injective(op.keys, causal)
        case rasp.SelectAndOp():
            return selects_at_most_one(op.fst, causal) or selects_at_most_one(
                op.snd, causal
            )
    return False


def _several_numbers(values) -> bool:
    """Whether two different numbers (type-exact) could be selected together."""
    return len({value_key(v) for v in values if isinstance(v, numbers.Real)}) > 1


def averaging_aggregates(program: rasp.ProgramOp) -> Iterator[rasp.AggregateOp]:
    """Categorical aggregates that may select several different numbers."""
    for op in program.body.block.ops:
        if not isinstance(op, rasp.AggregateOp) or op.extremum is not None:
            continue
        if op.result.type.is_numerical:
            continue
        values = value_set_of(op.sop)
        if values is not None and not _several_numbers(values):
            continue
        if not selects_at_most_one(op.selector, program.is_causal):
            yield op


_NOT_LATER = ("lt", "leq", "eq", "false")
"""Comparisons of the indices with queries at most their own position that
never select a key after the query."""


def _at_most_own_index(value: SSAValue) -> bool:
    """Whether the s-op at each position i is a number at most i: the indices,
    or a map of them that never maps an index above itself (as
    ``rasp-choose-encodings`` writes ``shift_by``'s selector)."""
    op = value.owner
    if isinstance(op, rasp.IndicesOp):
        return True
    if not (isinstance(op, rasp.MapOp) and isinstance(op.input.owner, rasp.IndicesOp)):
        return False
    return all(
        out is UNDEFINED or (isinstance(out, numbers.Real) and out <= i)
        for i, out in op.table.data
    )


def selects_only_earlier(selector: SSAValue) -> bool:
    """Whether no query of the selector ever selects a key after its own
    position, so a causal mask leaves it unchanged."""
    op = selector.owner
    match op:
        case rasp.SelectOp():
            predicate = op.predicate
            if predicate == rasp.ComparisonAttr("false"):
                return True
            if not (
                isinstance(op.keys.owner, rasp.IndicesOp)
                and _at_most_own_index(op.queries)
            ):
                return _paired_indices_not_later(op)
            if isinstance(predicate, rasp.ComparisonAttr):
                return predicate.data in _NOT_LATER
            return all(k <= q for k, q in predicate.data)
        case rasp.SelectAndOp():
            return selects_only_earlier(op.fst) or selects_only_earlier(op.snd)
        case rasp.SelectOrOp():
            return selects_only_earlier(op.fst) and selects_only_earlier(op.snd)
    return False


def tuple_parts(value: SSAValue) -> list[SSAValue]:
    """The s-ops a tuple-valued s-op pairs (as ``rasp-legalize`` builds one:
    a ``sequence_map`` of ``(x, y)``, or of ``(*x, y)`` over a pair), else
    the s-op itself."""
    op = value.owner
    if not isinstance(op, rasp.SequenceMapOp):
        return [value]
    nested = tuple_parts(op.fst)
    for (x, y), out in op.table.data:
        if x is None or y is None:
            continue
        joined = (*x, y) if len(nested) > 1 and isinstance(x, tuple) else (x, y)
        if out != joined or not isinstance(out, tuple):
            return [value]
    return [*nested, op.snd]


def _paired_indices_not_later(op: rasp.SelectOp) -> bool:
    """A select over tuples, one part of which is the indices on the key side
    and at most the position on the query side, that only selects pairs
    whose key index is at most the query's (a conjunction with an earlier-or-
    same select, as ``rasp-legalize`` pairs it)."""
    keys, queries = tuple_parts(op.keys), tuple_parts(op.queries)
    if len(keys) != len(queries) or len(keys) < 2:
        return False
    for part, (k, q) in enumerate(zip(keys, queries, strict=True)):
        if not (isinstance(k.owner, rasp.IndicesOp) and _at_most_own_index(q)):
            continue
        if op.predicate == rasp.ComparisonAttr("eq"):
            return True
        if isinstance(op.predicate, rasp.RelationAttr) and all(
            kv[part] <= qv[part] for kv, qv in op.predicate.data
        ):
            return True
    return False


def causal_sources(program: rasp.ProgramOp) -> Iterator[rasp.SOpOp]:
    """The ops whose causal value may differ from their non-causal value on
    the same inputs: each ``length`` (the prefix length), and each aggregate
    and selector width whose selector may select a key after its query. Every
    other difference flows from these."""
    for op in program.body.block.ops:
        if isinstance(op, rasp.LengthOp):
            yield op
        elif isinstance(op, rasp.AggregateOp | rasp.SelectorWidthOp):
            if not selects_only_earlier(op.selector):
                yield op


def selects_own_position(selector: SSAValue) -> bool:
    """Whether every query selects its own position: a select of one s-op
    against itself whose predicate holds for each value paired with itself.
    (A query value on which the predicate raises rejects the input.)"""
    select = selector.owner
    if not isinstance(select, rasp.SelectOp) or select.keys != select.queries:
        return False
    values = [v for v in rasp.value_set_of(select.keys) or () if v is not None]
    predicate = select.predicate
    if isinstance(predicate, rasp.RelationAttr):
        pairs = rasp.relation_keys(predicate)
        return all(value_key((v, v)) in pairs for v in values)
    try:
        return all(rasp.compare(predicate.data, v, v) for v in values)
    except (TypeError, ValueError):
        return False
