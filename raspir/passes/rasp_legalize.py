"""``rasp-legalize``: rewrite what no one transformer component computes.

A head compares one key s-op with one query s-op; a pair-lookup MLP reads two
one-hots; only equality has a construction for numbers on both sides of a
select. The pass rewrites every other form into these, exactly:

- **Composite selectors.** The selector of an ``aggregate`` or a
  ``selector_width`` built from ``select_and``, ``select_or`` and
  ``select_not`` becomes one ``select``. Its leaves' distinct key s-ops are
  paired into one categorical s-op of tuples (a ``sequence_map``; none when
  all leaves share the keys), and so are the queries. ``convert-rasp-to-sa``
  makes a pairing a view, with no MLP, where the heads reading it select a
  conjunction of its parts, and a pair-lookup MLP otherwise. The new
  select's relation lists the (key tuple, query tuple) pairs where the
  formula holds, over the product of the value sets. Where a
  comparison gives the same selection on the new keys' and queries' values,
  the comparison is kept (``not lt`` becomes ``geq``; ``eq`` on both parts of
  a pair is ``eq`` on the tuples).
- **Numbers where a comparison needs categories.** A numerical key or query
  compared by anything but ``eq``, or by ``eq`` but not written by a unit that
  can also write its square (docs/constructions.md, quadratic head), and a
  numerical input of a ``sequence_map`` (or of a ``linear_sequence_map`` that
  is not numbers to a number), is read through an identity ``map`` to a
  categorical copy: a discretising MLP, exact over the finite value set.

A tuple has no representation for ``None``: a paired s-op is ``None`` where a
part is, and a ``None`` key or query is never selected by a head. The pass
checks that the formula never selects there, and fails naming the selector if
it would. A comparison applied to ``None`` is an evaluation error, which the
evaluator rejects the input for, so those pairs are left unselected.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from raspir.dialects import rasp, sa
from raspir.dialects.values import Value, format_value, value_key
from raspir.passes import expect_level
from raspir.passes.convert_rasp_to_sa import SQUARING

COMPOSITE = (rasp.SelectAndOp, rasp.SelectOrOp, rasp.SelectNotOp)

MAX_RELATION_SIZE = 1_000_000
"""The most (key, query) pairs a composite selector's relation may enumerate,
the importer's limit on any table."""


class _Undefined(Exception):
    """A comparison met ``None``: the evaluator rejects such an input."""


def _fail(op: Operation, reason: str) -> PassFailedException:
    label = op.properties.get("label")
    name = f"{op.name} '{label.data}'" if label is not None else op.name  # type: ignore[union-attr]
    return PassFailedException(f"{name}: {reason}")


def _is_numerical(value: SSAValue) -> bool:
    return isinstance(value.type, rasp.SOpType) and value.type.is_numerical


def _label(value: SSAValue) -> str:
    owner = value.owner
    assert isinstance(owner, rasp.SOpOp | rasp.SelectorOp)
    return owner.label.data


def _leaves(selector: SSAValue) -> list[rasp.SelectOp]:
    """The selects a selector is built from, in first-use order."""
    op = selector.owner
    if isinstance(op, rasp.SelectOp):
        return [op]
    assert isinstance(op, COMPOSITE)
    out: list[rasp.SelectOp] = []
    for operand in op.operands:
        out += [leaf for leaf in _leaves(operand) if leaf not in out]
    return out


def _composites(selector: SSAValue) -> list[Operation]:
    """The composite selector ops a selector is built from, itself included."""
    op = selector.owner
    if not isinstance(op, COMPOSITE):
        return []
    return [op, *(c for v in op.operands for c in _composites(v))]


Formula = Callable[[dict, dict], bool]


def _formula(selector: SSAValue) -> Formula:
    """Whether the selector selects, as a function of each key and query
    s-op's value (relations read once, not once per pair)."""
    op = selector.owner
    match op:
        case rasp.SelectOp(predicate=rasp.ComparisonAttr() as cmp):
            keys, queries = op.keys, op.queries

            def compared(k: dict, q: dict) -> bool:
                try:
                    return bool(rasp.compare(cmp.data, k[keys], q[queries]))
                except (TypeError, ValueError):
                    raise _Undefined from None

            return compared
        case rasp.SelectOp():
            chosen, keys, queries = (
                rasp.relation_keys(op.predicate),
                op.keys,
                op.queries,
            )
            return lambda k, q: value_key((k[keys], q[queries])) in chosen
        case rasp.SelectAndOp():
            fst, snd = _formula(op.fst), _formula(op.snd)
            return lambda k, q: fst(k, q) and snd(k, q)
        case rasp.SelectOrOp():
            fst, snd = _formula(op.fst), _formula(op.snd)
            return lambda k, q: fst(k, q) or snd(k, q)
        case rasp.SelectNotOp():
            inner = _formula(op.inner)
            return lambda k, q: not inner(k, q)
    raise _fail(op, "is not a selector")  # type: ignore[arg-type]


def _unique(values: list[SSAValue]) -> list[SSAValue]:
    return list(dict.fromkeys(values))


@dataclass
class _Legalizer:
    program: rasp.ProgramOp
    converted: dict[SSAValue, SSAValue] = field(default_factory=dict)
    paired: dict[tuple[SSAValue, ...], SSAValue] = field(default_factory=dict)
    lowered: dict[SSAValue, SSAValue] = field(default_factory=dict)
    replaced: set[Operation] = field(default_factory=set)
    reps: dict[SSAValue, dict[tuple, Value]] = field(default_factory=dict)
    """Each numerical s-op's representatives (``_representatives``), read for
    every combination of values, so built once."""

    def run(self) -> None:
        for op in list(self.program.body.block.ops):
            if isinstance(op, rasp.AggregateOp | rasp.SelectorWidthOp):
                if isinstance(op.selector.owner, COMPOSITE):
                    op.operands[0] = self.lower_selector(op.selector)
        for op in list(self.program.body.block.ops):
            self.convert_operands(op)
        self.erase_dead_selectors()

    # -- composite selectors ---------------------------------------------------

    def lower_selector(self, selector: SSAValue) -> SSAValue:
        if selector in self.lowered:
            return self.lowered[selector]
        owner = selector.owner
        assert isinstance(owner, COMPOSITE)
        leaves = _leaves(selector)
        self.replaced.update(leaves)
        self.replaced.update(_composites(selector))
        key_sops = _unique([leaf.keys for leaf in leaves])
        query_sops = _unique([leaf.queries for leaf in leaves])
        key_sets = [self.value_set(v) for v in key_sops]
        query_sets = [self.value_set(v) for v in query_sops]
        size = 1
        for values in key_sets + query_sets:
            size *= len(values)
        if size > MAX_RELATION_SIZE:
            raise _fail(
                owner,
                f"its relation would enumerate {size} (key, query) pairs, more than "
                f"the limit of {MAX_RELATION_SIZE}",
            )
        keys = self.pair(key_sops, _label(selector) + "_keys")
        queries = self.pair(query_sops, _label(selector) + "_queries")
        formula = _formula(selector)
        decided: dict[tuple, tuple[tuple[Value, Value], bool]] = {}
        for ks in itertools.product(*key_sets):
            for qs in itertools.product(*query_sets):
                try:
                    holds = formula(
                        dict(zip(key_sops, ks, strict=True)),
                        dict(zip(query_sops, qs, strict=True)),
                    )
                except _Undefined:
                    continue
                for side, parts, sops in (
                    ("key", ks, key_sops),
                    ("query", qs, query_sops),
                ):
                    if holds and len(parts) > 1 and None in parts:
                        where = _label(sops[parts.index(None)])
                        raise _fail(
                            owner,
                            f"it selects where its {side} s-op '{where}' is None, "
                            "which a tuple of its s-ops cannot hold (None pairs to "
                            "None); map None to a value before selecting",
                        )
                pair = (self.read(key_sops, ks), self.read(query_sops, qs))
                seen = decided.setdefault(value_key(pair), (pair, holds))
                if seen[1] != holds:
                    raise _fail(owner, _same_number_conflict(pair))
        selected = [pair for pair, holds in decided.values() if holds]
        predicate = _as_comparison(
            selected, self.value_set(keys), self.value_set(queries)
        )
        new = rasp.SelectOp(
            owner.label.data,
            keys,
            queries,
            predicate if predicate is not None else rasp.RelationAttr(selected),
        )
        new.result.name_hint = selector.name_hint
        self.insert_before(new, owner)
        self.lowered[selector] = new.result
        return new.result

    def value_set(self, value: SSAValue) -> tuple[Value, ...]:
        values = rasp.value_set_of(value)
        if values is None:
            raise _fail(
                value.owner,  # type: ignore[arg-type]
                "has no value set; run import or infer value sets first",
            )
        return values

    def pair(self, sops: list[SSAValue], label: str) -> SSAValue:
        """One categorical s-op whose value is the tuple of the ``sops``'
        values (the one s-op itself, as categories, when there is one): a
        chain of pair lookups, each appending one s-op's value to the tuple."""
        if len(sops) == 1:
            return self.categorical(sops[0])
        if tuple(sops) in self.paired:
            return self.paired[tuple(sops)]
        parts = [self.categorical(v) for v in sops]
        acc = parts[0]
        for i, part in enumerate(parts[1:], start=1):
            entries = []
            for x in self.value_set(acc):
                for y in self.value_set(part):
                    if x is None or y is None:
                        out: Value = None
                    else:
                        out = (*x, y) if i > 1 else (x, y)
                    entries.append(((x, y), out))
            new = rasp.SequenceMapOp(
                label if i == len(parts) - 1 else f"{label}_{i}",
                rasp.CATEGORICAL,
                acc,
                part,
                rasp.TableAttr(entries),
                [out for _, out in entries],
            )
            new.result.name_hint = new.label.data
            self.insert_after_operands(new)
            acc = new.result
        self.paired[tuple(sops)] = acc
        return acc

    # -- numbers read as categories --------------------------------------------

    def convert_operands(self, op: Operation) -> None:
        match op:
            case rasp.SelectOp():
                if any(
                    _is_numerical(v) and not _quadratic_ready(op, v)
                    for v in op.operands
                ):
                    self.convert_select(op)
            case rasp.LinearSequenceMapOp() if not (
                _is_numerical(op.fst)
                and _is_numerical(op.snd)
                and _is_numerical(op.result)
            ):
                if _is_numerical(op.fst) or _is_numerical(op.snd):
                    self.convert_table(op, op.as_table())
            case rasp.SequenceMapOp():
                if _is_numerical(op.fst) or _is_numerical(op.snd):
                    self.convert_table(op, op.table)

    def convert_select(self, op: rasp.SelectOp) -> None:
        """Read both sides as categories; a relation is re-keyed to them."""
        keys, queries = self.value_set(op.keys), self.value_set(op.queries)
        if isinstance(op.predicate, rasp.RelationAttr):
            chosen = rasp.relation_keys(op.predicate)
            decided: dict[tuple, tuple[tuple[Value, Value], bool]] = {}
            for k in keys:
                for q in queries:
                    holds = value_key((k, q)) in chosen
                    pair = (self.read([op.keys], (k,)), self.read([op.queries], (q,)))
                    seen = decided.setdefault(value_key(pair), (pair, holds))
                    if seen[1] != holds:
                        raise _fail(op, _same_number_conflict(pair))
            op.predicate = rasp.RelationAttr(
                p for p, holds in decided.values() if holds
            )
        op.operands[0] = self.categorical(op.keys)
        op.operands[1] = self.categorical(op.queries)

    def convert_table(
        self, op: rasp.SequenceMapOp | rasp.LinearSequenceMapOp, table: rasp.TableAttr
    ) -> None:
        """Replace ``op`` by a sequence_map of categorical copies of its
        inputs, its table re-keyed to them."""
        numerical = _is_numerical(op.result)
        entries: dict[tuple, tuple[Value, Value]] = {}
        for (x, y), out in table.data:
            key = (self.read([op.fst], (x,)), self.read([op.snd], (y,)))
            seen = entries.setdefault(value_key(key), (key, out))
            if not _same_output(seen[1], out, numerical):
                raise _fail(op, _same_number_conflict(key))
        new = rasp.SequenceMapOp(
            op.label.data,
            op.encoding,
            self.categorical(op.fst),
            self.categorical(op.snd),
            rasp.TableAttr(entries.values()),
            op.values.data,
        )
        new.result.name_hint = op.result.name_hint
        self.program.body.block.insert_op_before(new, op)
        op.result.replace_all_uses_with(new.result)
        op.detach()
        op.erase()

    def categorical(self, value: SSAValue) -> SSAValue:
        """``value`` itself if categorical, else its categorical copy (numbers
        equal as numbers become one value, see ``_representatives``)."""
        if not _is_numerical(value):
            return value
        if value not in self.converted:
            reps = self.representatives(value)
            table = [(v, reps[value_key(v)]) for v in self.value_set(value)]
            new = rasp.MapOp(
                _label(value) + "_categorical",
                rasp.CATEGORICAL,
                value,
                rasp.TableAttr(table),
                [rep for _, rep in table],
            )
            new.result.name_hint = (value.name_hint or "sop") + "_categorical"
            self.insert_after_operands(new)
            self.converted[value] = new.result
        return self.converted[value]

    def read(self, sops: list[SSAValue], values: tuple[Value, ...]) -> Value:
        """The value of the categorical s-op (or tuple of them) that reads
        ``sops`` when they hold ``values``."""
        parts = []
        for sop, v in zip(sops, values, strict=True):
            if _is_numerical(sop) and v is not None:
                v = self.representatives(sop)[value_key(v)]
            parts.append(v)
        return _pack(tuple(parts))

    def representatives(self, value: SSAValue) -> dict[tuple, Value]:
        if value not in self.reps:
            self.reps[value] = _representatives(self.value_set(value))
        return self.reps[value]

    # -- placement -------------------------------------------------------------

    def insert_after_operands(self, new: Operation) -> None:
        """Just after the last op defining an operand of ``new``."""
        block = self.program.body.block
        owners = {v.owner for v in new.operands}
        last = max(
            (op for op in block.ops if op in owners),
            key=lambda op: block.get_operation_index(op),
        )
        block.insert_op_after(new, last)

    def insert_before(self, new: Operation, anchor: Operation) -> None:
        self.program.body.block.insert_op_before(new, anchor)

    def erase_dead_selectors(self) -> None:
        """The composite selectors lowered, and the selects only they read."""
        for op in reversed(list(self.program.body.block.ops)):
            if op in self.replaced and not op.results[0].uses:
                op.detach()
                op.erase()


def _pack(parts: tuple[Value, ...]) -> Value:
    return parts[0] if len(parts) == 1 else parts


def _quadratic_ready(select: rasp.SelectOp, operand: SSAValue) -> bool:
    """Whether a quadratic head can read this numerical side as it is."""
    if select.predicate != rasp.ComparisonAttr("eq"):
        return False
    if not isinstance(operand.owner, SQUARING):
        return False
    try:
        sa.quadratic_gap(select.keys, select.queries)
    except ValueError:
        return False
    return True


def _as_comparison(
    selected: list[tuple[Value, Value]],
    keys: tuple[Value, ...],
    queries: tuple[Value, ...],
) -> rasp.ComparisonAttr | None:
    """A comparison selecting exactly ``selected`` over these key and query
    values, if there is one (it keeps the select symbolic and readable)."""
    chosen = {value_key(p) for p in selected}
    for name in rasp.COMPARISONS:
        try:
            same = all(
                rasp.compare(name, k, q) == (value_key((k, q)) in chosen)
                for k in keys
                for q in queries
            )
        except (TypeError, ValueError):
            continue
        if same:
            return rasp.ComparisonAttr(name)
    return None


def _representatives(values: tuple[Value, ...]) -> dict[tuple, Value]:
    """Each value's representative in a categorical copy of a numerical s-op:
    numbers equal as numbers (``1``, ``1.0``, ``True``) are one number in the
    residual stream, so they become the first of them."""
    first: dict[float, Value] = {}
    reps = {}
    for v in values:
        if isinstance(v, bool | int | float):
            reps[value_key(v)] = first.setdefault(float(v), v)
        else:
            reps[value_key(v)] = v
    return reps


def _same_output(a: Value, b: Value, numerical: bool) -> bool:
    if numerical and isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return value_key(a) == value_key(b)


def _same_number_conflict(inputs: Value) -> str:
    return (
        f"it treats inputs equal as numbers differently (at {format_value(inputs)}), "
        "which a numerical s-op cannot tell apart"
    )


@dataclass(frozen=True)
class RaspLegalizePass(ModulePass):
    """Rewrite composite selectors and numbers read as categories into forms
    one head or one MLP computes."""

    name = "rasp-legalize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, rasp.ProgramOp, self.name)
        for program in list(op.walk()):
            if isinstance(program, rasp.ProgramOp):
                _Legalizer(program).run()
