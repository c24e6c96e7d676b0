"""``rasp-choose-encodings``: numerical encodings where they are smaller and exact.

A categorical s-op with ``n`` values takes ``n`` residual directions. When an
s-op's only job is to be compared for equality (the keys or queries of ``eq``
selects), its number and its square are enough: the head scores
``c·(1 - (q-k)²/g²)``, which is ``c`` where ``k = q`` and at most 0 elsewhere,
``g²`` being the smallest ``(q-k)²`` between unequal values
(docs/constructions.md). So two directions replace ``n``.

The pass makes an s-op numerical when all of these hold:

- it is categorical, is not the program's output (whose encoding the user
  chose and the unembedding decodes), and has more than two values, all finite
  numbers (no ``None``, no booleans);
- every use is as the keys or the queries of an ``eq`` select whose other side
  also holds only finite numbers, or as the input of a numerical map or
  sequence map that is only such a query (``convert-rasp-to-sa`` reads an
  affine one straight from its inputs' numbers: ``length - indices - 1`` in
  ``reverse`` needs neither a unit nor a direction of its own);
- its producer can write the square beside the number: an embedding
  (``tokens``, ``indices``), a ``map`` (lookup or discretising MLP), a
  ``sequence_map`` (pair lookup) or a ``selector_width`` / ``length`` (count
  MLP); these write every output value through the same units, so the square
  costs one more output direction and no unit.

Nothing else changes: the values, the tables and the semantics are the same;
only how the residual stream holds the s-op differs. The lowering derives the
head's sharpness from the gap and the inputs' certified noise as for any head.
A quadratic score weighs noise by the size of the values, so it needs cleaner
inputs than a one-hot score: each switch is kept only if ``convert-rasp-to-sa``
still certifies the whole program after it (when it did before), so choosing
encodings never turns an exact model into a refused one.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.utils.exceptions import PassFailedException

from raspir.dialects import rasp
from raspir.dialects.values import Value, canonical_set, is_finite_number, value_key
from raspir.passes import expect_level
from raspir.passes.convert_rasp_to_sa import SQUARING, ConvertRaspToSaPass


def _numbers(value: SSAValue) -> bool:
    values = rasp.value_set_of(value)
    return values is not None and all(is_finite_number(v) for v in values)


def _compared_only(value: SSAValue) -> bool:
    """Every use is a side of an ``eq`` select whose other side holds numbers
    (or, for the indices, a map of them: the position embedding writes it
    without reading the indices' directions)."""
    uses = list(value.uses)
    if not uses:
        return False
    for use in uses:
        select = use.operation
        if isinstance(select, rasp.MapOp) and isinstance(value.owner, rasp.IndicesOp):
            continue
        if _compared_view(select):
            continue
        if not isinstance(select, rasp.SelectOp):
            return False
        if select.predicate != rasp.ComparisonAttr("eq"):
            return False
        if not (_numbers(select.keys) and _numbers(select.queries)):
            return False
    return True


def _retype(op: rasp.SOpOp, encoding: str) -> None:
    hint = op.result.name_hint
    new = Rewriter.replace_value_with_new_type(op.result, rasp.SOpType(encoding))
    new.name_hint = hint


def _lowers(program: rasp.ProgramOp) -> bool:
    """Whether ``convert-rasp-to-sa`` can certify every component of ``program``
    (in its dtype; only the answer matters, not what another dtype would do)."""
    clone = program.clone()
    ModuleOp([clone])
    try:
        ConvertRaspToSaPass().certify(clone, clone.float_dtype)
    except PassFailedException:
        return False
    return True


def _compared_view(op: Operation) -> bool:
    """A numerical map or sequence map whose every use is the query of an
    ``eq`` select: the lowering may read it as an affine view of its inputs
    (their numbers, not their squares), if it is affine."""
    if not isinstance(op, rasp.MapOp | rasp.SequenceMapOp | rasp.LinearSequenceMapOp):
        return False
    if not (isinstance(op.result.type, rasp.SOpType) and op.result.type.is_numerical):
        return False
    uses = list(op.result.uses)
    return bool(uses) and all(
        isinstance(u.operation, rasp.SelectOp)
        and u.index == 1  # the queries
        and u.operation.keys is not op.result
        and u.operation.predicate == rasp.ComparisonAttr("eq")
        for u in uses
    )


def _key_of_each_query(select: rasp.SelectOp) -> dict[tuple, Value] | None:
    """For a relation that selects at most one key value per query value, the
    key value of each query that has one (None if the relation is not a
    function of the query)."""
    if not isinstance(select.predicate, rasp.RelationAttr):
        return None
    keys: dict[tuple, Value] = {}
    for k, q in select.predicate.data:
        if value_key(q) in keys:
            return None
        keys[value_key(q)] = k
    return keys


def _worth_rewriting(program: rasp.ProgramOp) -> list[rasp.SelectOp]:
    """The functional relations of the indices to rewrite as equalities: each
    adds a key map and its square (2 directions) and only pays if the indices
    can then be numbers (2 directions instead of one per index), so all or
    none, and only if ``2k + 2`` is less than the number of indices."""
    rewritable, others = [], []
    indices = None
    for op in program.body.block.ops:
        if isinstance(op, rasp.IndicesOp):
            indices = op.result
    if indices is None:
        return []
    for use in indices.uses:
        select = use.operation
        if (
            isinstance(select, rasp.SelectOp)
            and select.queries is indices
            and _key_of_each_query(select) is not None
            and _numbers(select.keys)
        ):
            rewritable.append(select)
        else:
            others.append(use)
    numeric_uses = all(
        (isinstance(u.operation, rasp.MapOp))
        or (
            isinstance(u.operation, rasp.SelectOp)
            and u.operation.predicate == rasp.ComparisonAttr("eq")
            and _numbers(u.operation.keys)
            and _numbers(u.operation.queries)
        )
        for u in others
    )
    count = len(set(rewritable))
    size = len(rasp.value_set_of(indices) or ())
    return (
        list(dict.fromkeys(rewritable)) if numeric_uses and 2 * count + 2 < size else []
    )


def _as_equality(program: rasp.ProgramOp, select: rasp.SelectOp) -> bool:
    """Rewrite a relation of the indices that picks at most one key value per
    query into ``select keys (map q ↦ key(q)) eq``, the map numerical (written
    with its square by the position embedding; queries with no key map to a
    number no key holds). Kept only if the program still lowers."""
    keys = _key_of_each_query(select)
    assert keys is not None
    key_values = rasp.value_set_of(select.keys) or ()
    outside = min((v for v in key_values), default=0) - 1
    table = [
        (q, keys.get(value_key(q), outside))
        for q in rasp.value_set_of(select.queries) or ()
    ]
    query = rasp.MapOp(
        f"{select.label.data}.key",
        rasp.NUMERICAL,
        select.queries,
        rasp.TableAttr(table),
        canonical_set(v for _, v in table),
    )
    query.result.name_hint = f"{select.result.name_hint or 'select'}_key"
    equal = rasp.SelectOp(
        select.label.data, select.keys, query.result, rasp.ComparisonAttr("eq")
    )
    equal.result.name_hint = select.result.name_hint
    block = program.body.block
    block.insert_op_before(query, select)
    block.insert_op_before(equal, select)
    select.result.replace_all_uses_with(equal.result)
    if _lowers(program):
        select.detach()
        select.erase()
        return True
    equal.result.replace_all_uses_with(select.result)
    for op in (equal, query):
        op.detach()
        op.erase()
    return False


def choose(program: rasp.ProgramOp) -> None:
    """Switch each candidate unless the switch would stop the lowering from
    certifying the program (a quadratic score needs cleaner inputs than a
    one-hot one, so noisy producers can rule it out)."""
    output = program.output.sop
    lowers = _lowers(program)
    if lowers:
        for select in _worth_rewriting(program):
            _as_equality(program, select)
    candidates = [
        op
        for op in program.body.block.ops
        if isinstance(op, SQUARING)
        and op.result is not output
        and op.encoding == rasp.CATEGORICAL
        and len(op.values.data) > 2
        and _numbers(op.result)
    ]
    # A switch can make another possible (a numerical key weighs a query's
    # noise less than a one-hot one does), so retry until nothing changes.
    changed = True
    while changed:
        changed = False
        for op in list(candidates):
            if not _compared_only(op.result):
                continue  # (yet: a switch of its users may qualify it)
            _retype(op, rasp.NUMERICAL)
            if lowers and not _lowers(program):
                _retype(op, rasp.CATEGORICAL)
                continue
            candidates.remove(op)
            changed = True


@dataclass(frozen=True)
class RaspChooseEncodingsPass(ModulePass):
    """Make s-ops that are only compared for equality numerical."""

    name = "rasp-choose-encodings"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, rasp.ProgramOp, self.name)
        for program in list(op.walk()):
            if isinstance(program, rasp.ProgramOp):
                choose(program)
