"""``convert-rasp-to-sa``: RASP expressions become transformer components.

Each s-op becomes one component (``docs/constructions.md``): maps become lookup
or discretising MLPs, sequence maps pair-lookup or linear MLPs, aggregates and
selector widths heads that carry their selector's keys, queries and predicate.

The numeric constants are derived here, never guessed, in two passes over the
program:

1. backwards, a *budget* per s-op: the largest noise every consumer tolerates
   on it (the program's output tolerates 1/4 on a one-hot, which still decodes
   exactly, and ``numerical_tolerance`` — relative to the largest magnitude — on
   a number);
2. forwards, the actual noise of each component given its inputs' noise; a
   head's sharpness is the smallest that keeps its output within budget, a
   discretising MLP's steps absorb its input's budget.

Rounding is that of the program's dtype (float32 unless the program says
``dtype float64``). If a budget cannot be met in that arithmetic (a head whose
inputs are too noisy, steps whose rounding error exceeds what the consumers
tolerate) the pass fails and names the op and the limit; when float64 would
meet it, the message says so. After the pass no rasp op remains; the pass
checks it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, UnitAttr
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from raspir.analysis import (
    averaging_aggregates,
    causal_sources,
    selects_own_position,
    tuple_parts,
)
from raspir.dialects import rasp, sa
from raspir.dialects.values import Value, format_value, is_finite_number, value_key
from raspir.passes import expect_level, replace_each

UNIT_ROUNDOFF = {rasp.FLOAT32: 2.0**-24, rasp.FLOAT64: 2.0**-53}
"""Unit roundoff of each dtype: the relative error of one rounded operation."""

FLOAT64_HINT = '; compile with dtype="float64" (--dtype float64) for this max_seq_len'
"""Ends a float32 failure that float64 arithmetic would not have."""

INPUT_SHARE = 0.9
"""Share of an op's noise budget its inputs may use; the rest absorbs its own
rounding (and, for a head, its leakage)."""

CATEGORICAL_OUTPUT_NOISE = 0.25
"""Noise a decoded one-hot tolerates: the right entry stays above 1/2, others below."""


def _fail(op: Operation, reason: str) -> PassFailedException:
    label = op.properties.get("label")
    name = f"{op.name} '{label.data}'" if label is not None else op.name  # type: ignore[union-attr]
    return PassFailedException(f"{name}: {reason}")


def _is_numerical(value: SSAValue) -> bool:
    assert isinstance(value.type, rasp.SOpType)
    return value.type.is_numerical


def _magnitude(values: Sequence[Value]) -> float:
    """The largest absolute value of a numerical value set."""
    return max((abs(float(v)) for v in values), default=0.0)


@dataclass(frozen=True)
class _Select:
    keys: SSAValue
    queries: SSAValue
    predicate: rasp.ComparisonAttr | rasp.RelationAttr
    selector: SSAValue | None = None


@dataclass
class _Lowering:
    program: rasp.ProgramOp
    numerical_tolerance: float
    dtype: str = ""
    """The arithmetic to certify for; the program's own when empty."""
    budget: dict[SSAValue, float] = field(default_factory=dict)
    noise: dict[SSAValue, float] = field(default_factory=dict)
    mapped: dict[SSAValue, SSAValue] = field(default_factory=dict)
    block: Block = field(default_factory=Block)
    tokens: SSAValue | None = None
    """The categorical token embedding, once lowered or created."""
    fused: dict[SSAValue, rasp.MapOp] = field(default_factory=dict)
    """Counts whose only use is a map, which their MLP computes."""
    views_allowed: bool = True
    views: dict[SSAValue, _Affine] = field(default_factory=dict)
    """Affine s-ops read only by the queries of matched heads: no component."""
    matched: set[SSAValue] = field(default_factory=set)
    """Selects of the indices whose every query value is some index."""
    pairs: set[SSAValue] = field(default_factory=set)
    """Pairings only read by heads whose relation is a conjunction of parts:
    views (``sa.pair``), no MLP."""
    terms: dict[SSAValue, list[sa.Term]] = field(default_factory=dict)
    """The conjunction of each select reading such a pair."""

    def __post_init__(self) -> None:
        self.dtype = self.dtype or self.program.float_dtype
        self.unit = UNIT_ROUNDOFF[self.dtype]

    @property
    def n(self) -> int:
        return self.program.max_seq_len.data

    # -- budgets (backwards) -------------------------------------------------

    def output_budget(self, value: SSAValue) -> float:
        if not _is_numerical(value):
            return CATEGORICAL_OUTPUT_NOISE
        values = rasp.value_set_of(value) or ()
        return self.numerical_tolerance * max(1.0, _magnitude(values))

    def require(self, value: SSAValue, budget: float) -> None:
        if isinstance(value.type, rasp.SelectorType):
            return
        self.budget[value] = min(self.budget.get(value, math.inf), budget)

    def require_selector(self, selector: SSAValue, share: float = 1.0) -> None:
        """Keys and queries must be clean enough to shift each score by under
        ``share·c/8``."""
        select = self.select_of(selector)
        terms = self.terms.get(selector)
        if terms is not None:  # each term moves by its parts' noise
            keys, queries = self.parts(select.keys), self.parts(select.queries)
            for i, j, _ in terms:
                for value in (keys[i], queries[j]):
                    entries = 1 if _is_clean(value) else len(_values(value))
                    self.require(value, share / (16 * entries * len(terms)))
            return
        if _is_quadratic(select):
            weights = _quadratic_weights(select, selector in self.matched)
            for value, weight in zip(
                (select.keys, select.queries), weights, strict=False
            ):
                self.require(value, share / (16 * weight))
            return
        keys = rasp.value_set_of(select.keys) or ()
        queries = rasp.value_set_of(select.queries) or ()
        for value, size in ((select.keys, len(keys)), (select.queries, len(queries))):
            entries = 1 if _is_clean(value) else max(1, size)
            self.require(value, share / (16 * entries))

    def parts(self, value: SSAValue) -> list[SSAValue]:
        return tuple_parts(value) if value in self.pairs else [value]

    def select_of(self, selector: SSAValue) -> _Select:
        op = selector.owner
        if isinstance(op, rasp.SelectOp):
            for role, operand in (("keys", op.keys), ("queries", op.queries)):
                if not _is_numerical(operand):
                    continue
                if op.predicate != rasp.ComparisonAttr("eq"):
                    raise _fail(
                        op,
                        f"numerical {role} can only be compared with eq; run "
                        "rasp-legalize first, which reads them as categories",
                    )
                if not isinstance(operand.owner, SQUARING):
                    raise _fail(
                        op,
                        f"numerical {role} must come from an embedding, a map, a "
                        "sequence_map or a selector_width (a unit that can also "
                        "write their square); run rasp-legalize first, which reads "
                        "them as categories",
                    )
            select = _Select(op.keys, op.queries, op.predicate, selector)
            if _is_quadratic(select):
                try:
                    sa.quadratic_gap(op.keys, op.queries)
                except ValueError as e:
                    raise _fail(op, str(e)) from e
            return select
        assert isinstance(op, Operation)
        raise _fail(
            op,
            "composite selectors (select_and, select_or, select_not) have no head "
            "of their own; run rasp-legalize first, which makes them one select",
        )

    def collect_budgets(self, ops: list[Operation]) -> None:
        output = self.program.output.sop
        self.require(output, self.output_budget(output))
        for op in reversed(ops):
            if not isinstance(op, rasp.SOpOp):
                continue
            own = self.budget.setdefault(op.result, self.output_budget(op.result))
            self.require_inputs(op, own)

    def require_inputs(self, op: rasp.SOpOp, own: float) -> None:
        view = self.views.get(op.result)
        if view is not None:
            for x, f in zip(view.inputs, view.factors, strict=True):
                if f:
                    self.require(x, INPUT_SHARE * own / (2 * abs(f) * _weight(x)))
            return
        match op:
            case rasp.MapOp() if _is_position_map(op):
                pass  # an embedding: reads nothing from the residual
            case rasp.MapOp() if _is_numerical(op.input):
                points = self.points(op)
                steps = sa.steps(points, _is_numerical(op.result))
                self.require(op.input, _step_margin(steps))
            case rasp.MapOp():
                k, scale = _lookup_shape(op)
                share = INPUT_SHARE * own / (2 * k * max(scale, 1.0))
                self.require(op.input, min(1 / (4 * k), share))
            case rasp.SequenceMapOp() | rasp.LinearSequenceMapOp() if not (
                _is_numerical(op.fst) or _is_numerical(op.snd)
            ):
                scale = _magnitude(op.values.data) if _is_numerical(op.result) else 1.0
                for operand in (op.fst, op.snd):
                    share = INPUT_SHARE * own / (4 * max(scale, 1.0))
                    self.require(operand, min(1 / 8, share))
            case rasp.LinearSequenceMapOp():
                for operand, factor in (
                    (op.fst, op.fst_factor.data),
                    (op.snd, op.snd_factor.data),
                ):
                    self.require(
                        operand, INPUT_SHARE * own / (2 * max(abs(factor), 1.0))
                    )
            case rasp.AggregateOp() if op.extremum is not None:
                # Scores must move by well under one rank step: a selector
                # share 1/(R+1) of the usual, values an eighth of a step.
                steps, shift = _rank_steps(op, 1.0)
                self.require_selector(op.selector, 1 / steps)
                self.require(
                    op.sop, min(INPUT_SHARE * own, 1 / (8 * shift) if shift else own)
                )
            case rasp.AggregateOp():
                self.require_selector(op.selector)
                self.require(op.sop, INPUT_SHARE * own)
            case rasp.SelectorWidthOp():
                self.require_selector(op.selector)

    # -- components (forwards) -----------------------------------------------

    def lower(self) -> sa.ProgramOp:
        ops = list(self.program.body.block.ops)
        if self.views_allowed:
            self.views, self.matched = _affine_views(self.program)
            self.pairs, self.terms = _pair_views(self.program)
        self.collect_budgets(ops)
        self.fused = _maps_of_counts(self.program)
        absorbed = {then for then in self.fused.values()}
        block = self.block
        for op in ops:
            if isinstance(op, rasp.SelectorOp) or op in absorbed:
                continue  # folded into the heads (or counts) that use them
            if isinstance(op, rasp.OutputOp):
                block.add_op(sa.OutputOp(self.mapped[op.sop]))
                continue
            assert isinstance(op, rasp.SOpOp)
            new, noise = self.component(op)
            then = self.fused.get(op.result)
            result = op.result if then is None else then.result
            if noise > self.budget[result]:
                raise _fail(
                    op if then is None else then,
                    f"its value carries noise up to {noise:.3g} in {self.dtype}, more than "
                    f"the {self.budget[result]:.3g} its consumers tolerate",
                )
            new.result.name_hint = result.name_hint
            block.add_op(new)
            self.mapped[result] = new.result
            if isinstance(new, sa.TokensOp) and new.encoding == rasp.CATEGORICAL:
                self.tokens = self.tokens or new.result
            self.noise[result] = noise
        return sa.ProgramOp.like(self.program, Region(block))

    def component(self, op: rasp.SOpOp) -> tuple[sa.ComponentOp, float]:
        label, encoding, values = op.label.data, op.encoding, op.values.data
        view = self.views.get(op.result)
        if view is not None:
            noise = sum(
                abs(f) * _weight(x) * self.noise[x]
                for x, f in zip(view.inputs, view.factors, strict=True)
            )
            new = sa.AffineOp(
                label,
                (self.mapped[view.inputs[0]], self.mapped[view.inputs[1]]),
                view.factors,
                view.offset,
                values,
                noise,
            )
            return new, noise
        match op:
            case rasp.TokensOp():
                return sa.TokensOp(label, encoding, values), 0.0
            case rasp.IndicesOp():
                return sa.IndicesOp(label, encoding, values), 0.0
            case rasp.FullOp():
                return sa.FullOp(label, encoding, op.fill.data, values), 0.0
            case rasp.LengthOp():
                return self.count(op, None)
            case rasp.SelectorWidthOp():
                return self.count(op, self.select_of(op.selector))
            case rasp.MapOp() if _is_position_map(op):
                return sa.PositionMapOp(label, encoding, op.table, values), 0.0
            case rasp.MapOp() if _is_numerical(op.input):
                return self.discretise(op)
            case rasp.MapOp():
                return self.lookup(op)
            case rasp.SequenceMapOp() if op.result in self.pairs:
                noise = max(self.noise[op.fst], self.noise[op.snd])
                new = sa.PairOp.create(
                    operands=[self.mapped[op.fst], self.mapped[op.snd]],
                    result_types=[op.result.type],
                    properties=sa.component_props(label, values, noise),
                )
                return new, noise
            case rasp.SequenceMapOp() | rasp.LinearSequenceMapOp() if not (
                _is_numerical(op.fst) or _is_numerical(op.snd)
            ):
                return self.pair_lookup(op)
            case rasp.LinearSequenceMapOp():
                return self.linear(op)
            case rasp.SequenceMapOp():
                raise _fail(
                    op,
                    "a sequence_map with a numerical input has no construction; run "
                    "rasp-legalize first, which reads the numbers as categories",
                )
            case rasp.AggregateOp():
                return self.aggregate(op)
            case rasp.ConstantOp():
                return self.constant(op), 0.0
        raise _fail(op, "no transformer component computes this op")

    def constant(self, op: rasp.ConstantOp) -> sa.PositionMapOp:
        """A fixed sequence is a function of the position: value ``i`` at index
        ``i``. Beyond its end the evaluator has no value (a checked constant
        rejects the input), so those entries are ``error``."""
        sequence = op.sequence.data[: self.n]
        entries = [*enumerate(sequence)]
        entries += [(i, rasp.UNDEFINED) for i in range(len(sequence), self.n)]
        return sa.PositionMapOp(
            op.label.data, op.encoding, rasp.TableAttr(entries), op.values.data
        )

    def lookup(self, op: rasp.MapOp) -> tuple[sa.ComponentOp, float]:
        k, scale = _lookup_shape(op)
        delta = self.noise[op.input]
        if k * delta >= 0.5:
            raise _fail(op, f"input noise {delta:.3g} too large for a lookup of {k}")
        noise = 2 * k * delta * scale + self.unit * scale * k
        new = sa.LookupOp(
            op.label.data,
            op.encoding,
            [self.mapped[op.input]],
            op.table,
            op.values.data,
            noise,
        )
        return new, noise

    def pair_lookup(
        self, op: rasp.SequenceMapOp | rasp.LinearSequenceMapOp
    ) -> tuple[sa.ComponentOp, float]:
        if isinstance(op, rasp.LinearSequenceMapOp):
            table = op.as_table()
        else:
            table = op.table
        # A unit sums the entries of a class of values; a leaky input's wrong
        # entries add up over the class.
        classes = sa.pair_classes(table, _is_numerical(op.result))
        delta = 0.0
        for value, groups in zip((op.fst, op.snd), classes, strict=True):
            k = 1 if _is_clean(value) else max(map(len, groups), default=1)
            delta += k * self.noise[value]
        if delta >= 0.5:
            raise _fail(op, f"input noise {delta:.3g} too large for a pair lookup")
        scale = _magnitude(op.values.data) if _is_numerical(op.result) else 1.0
        noise = 2 * delta * scale + self.unit * scale
        new = sa.PairLookupOp(
            op.label.data,
            op.encoding,
            [self.mapped[op.fst], self.mapped[op.snd]],
            table,
            op.values.data,
            noise,
        )
        return new, noise

    def linear(self, op: rasp.LinearSequenceMapOp) -> tuple[sa.ComponentOp, float]:
        a, b = op.fst_factor.data, op.snd_factor.data
        if not (_is_numerical(op.fst) and _is_numerical(op.snd)):
            raise _fail(op, "mixes a numerical and a categorical input")
        if not _is_numerical(op.result):
            raise _fail(op, "a linear map of numbers must be numerical")
        x_max = _magnitude(rasp.value_set_of(op.fst) or ())
        y_max = _magnitude(rasp.value_set_of(op.snd) or ())
        big = abs(a) * x_max + abs(b) * y_max
        noise = abs(a) * self.noise[op.fst] + abs(b) * self.noise[op.snd]
        noise += 4 * self.unit * big
        new = sa.LinearOp(
            op.label.data,
            self.mapped[op.fst],
            self.mapped[op.snd],
            a,
            b,
            op.values.data,
            noise,
        )
        return new, noise

    def points(self, op: rasp.MapOp) -> list[tuple[float, Value]]:
        try:
            return sa.numeric_points(op.table, _is_numerical(op.result))
        except ValueError as e:
            raise _fail(op, f"its numerical {e}") from e

    def discretise(self, op: rasp.MapOp) -> tuple[sa.ComponentOp, float]:
        points = self.points(op)
        numerical = _is_numerical(op.result)
        steps = sa.steps(points, numerical)
        margin = self.noise[op.input]  # the steps are flat this far from each value
        if margin > _step_margin(steps):
            raise _fail(
                op,
                f"input noise {margin:.3g} exceeds {_step_margin(steps):.3g}, a "
                "quarter of the smallest gap between inputs with different outputs",
            )
        noise = _step_rounding(points, steps, lambda _: margin, numerical, self.unit)
        new = sa.DiscretiseOp(
            op.label.data,
            op.encoding,
            [self.mapped[op.input]],
            op.table,
            op.values.data,
            noise,
            margin=sa.constant(margin),
        )
        return new, noise

    def aggregate(self, op: rasp.AggregateOp) -> tuple[sa.ComponentOp, float]:
        select = self.select_of(op.selector)
        numerical = _is_numerical(op.result)
        default = op.default.data
        if selects_own_position(op.selector) and None not in _values(select.keys):
            # Every query selects at least itself: the default is never used,
            # so it costs no weights and no silencing head.
            default = sa.implicit_default(op.encoding)
        if numerical and not sa.is_number_value(default):
            raise _fail(
                op,
                f"its default {format_value(default)} is not a finite number, which "
                "a numerical head cannot write",
            )
        # How much of the default the head writes from BOS, and a second head
        # takes off again at the BOS query (docs/constructions.md).
        written = abs(float(default)) if numerical else float(default is not None)
        rho = self.score_noise(select)
        # margin = c * margin_share (docs/constructions.md)
        if op.extremum is None:
            margin_share = 0.5 - 2 * rho
        else:  # the winner leads by one rank step, c/(2(R+1))
            steps, shift = _rank_steps(op, self.noise[op.sop])
            margin_share = (1 - 4 * steps * rho - 2 * shift) / (2 * steps)
        budget, inner = self.budget[op.result], self.noise[op.sop]
        n = self.n
        softmax = 2 * (n + 1) * self.unit
        silence = 2 * (n + 2) * self.unit * written
        if numerical:
            values = rasp.value_set_of(op.sop) or ()
            scale = max(_magnitude(values), written, 1e-30)
            room = budget - inner - softmax * scale - silence
            leak_per_unit = 2 * scale * (n + 1)
        else:
            room = budget - inner - softmax * (1 + inner) - silence
            leak_per_unit = (n + 2) * (1 + inner)
        if room <= 0 or margin_share <= 0:
            raise _fail(
                op,
                f"cannot keep its noise within {budget:.3g}: its inputs already carry "
                f"{inner:.3g} (scores perturbed by {rho:.3g} of the sharpness)",
            )
        room = min(room, leak_per_unit)  # an unbounded budget still gets margin 1
        margin = math.log(2 * leak_per_unit / room)  # leak at most half the room
        sharpness = max(margin, 1.0) / margin_share
        noise = inner + leak_per_unit * math.exp(-sharpness * margin_share)
        noise += softmax * (scale if numerical else 1 + inner) + silence
        implicit = value_key(default) == value_key(sa.implicit_default(op.encoding))
        new = sa.AggregateOp.create(
            operands=[
                self.mapped[select.keys],
                self.mapped[select.queries],
                self.mapped[op.sop],
            ],
            result_types=[op.result.type],
            properties=sa.component_props(op.label.data, op.values.data, noise)
            | {"predicate": select.predicate, "sharpness": sa.constant(sharpness)}
            | ({"matched": UnitAttr()} if op.selector in self.matched else {})
            | ({} if implicit else {"default": rasp.ValueAttr(default)})
            | ({} if op.reduction is None else {"reduction": op.reduction}),
        )
        return new, noise

    def count(
        self, op: rasp.SelectorWidthOp | rasp.LengthOp, select: _Select | None
    ) -> tuple[sa.ComponentOp, float]:
        """A count, or with ``then`` the map that is the count's only use: its
        MLP discretises ``1/(w+1)`` to any function of ``w`` as easily as to
        ``w`` (docs/constructions.md), so the map needs no MLP of its own."""
        n = self.n
        then = self.fused.get(op.result)
        result = op.result if then is None else then.result
        if select is None:
            # rasp.length counts every key, selected by the tokens; under a
            # causal mask that is the keys up to the query: the prefix length.
            keys = queries = self.length_tokens()
            predicate: rasp.ComparisonAttr | rasp.RelationAttr = rasp.ComparisonAttr(
                "true"
            )
            rho = 0.0
        else:
            keys, queries = self.mapped[select.keys], self.mapped[select.queries]
            predicate, rho = select.predicate, self.score_noise(select)
        if then is None:
            points = sorted((1 / (k + 1), k) for k in op.values.data)
        else:
            table = then.table.as_dict()
            points = sorted((1 / (k + 1), table[value_key(k)]) for k in op.values.data)
        # The head measures y = 1/(w+1) with a relative error: unselected keys
        # take at most n*e^(-c*share) of the weight, the softmax's rounding
        # 2(n+1)u. Steps between 1/(w+1) and 1/(w+2) are ~y^2 apart, so the
        # relative error must stay below 1/(8(n+2)); it is made an eighth of
        # that, so the steps can be as shallow as possible (less rounding).
        softmax = 2 * (n + 1) * self.unit
        target = 1 / (64 * (n + 2))
        margin_share = 1 - 2 * rho  # BOS and selected keys both score c
        if target <= 2 * softmax or margin_share <= 0:
            raise _fail(
                op,
                f"counts up to {n} need the head's relative error below "
                f"{target:.3g}, beyond {self.dtype} precision",
            )
        sharpness = max(math.log(n / (target - softmax)), 1.0) / margin_share
        margin = n * math.exp(-sharpness * margin_share) + softmax
        numerical = _is_numerical(result)
        steps = sa.steps(points, numerical)
        noise = _step_rounding(
            points, steps, lambda y: margin * y, numerical, self.unit
        )
        owner = op if then is None else then
        props = sa.component_props(owner.label.data, owner.values.data, noise) | {
            "predicate": predicate,
            "sharpness": sa.constant(sharpness),
            "margin": sa.constant(margin),
        }
        if then is not None:
            props["table"] = rasp.TableAttr(
                (k, table[value_key(k)]) for k in op.values.data
            )
        new = sa.CountOp.create(
            operands=[keys, queries], result_types=[result.type], properties=props
        )
        return new, noise

    def length_tokens(self) -> SSAValue:
        """A categorical token embedding for ``rasp.length`` to count over."""
        if self.tokens is None:
            embed = sa.TokensOp("tokens", rasp.CATEGORICAL, self.program.vocab.data)
            embed.result.name_hint = "tokens"
            self.block.add_op(embed)
            self.tokens = embed.result
        return self.tokens

    def score_noise(self, select: _Select) -> float:
        """How much of the sharpness the keys' and queries' noise may shift a score."""
        if _is_quadratic(select):
            weights = _quadratic_weights(select, select.selector in self.matched)
            rounding = 4 * self.unit * weights[2]
            return (
                sum(
                    w * self.noise[v]
                    for v, w in zip(
                        (select.keys, select.queries), weights, strict=False
                    )
                )
                + rounding
            )
        terms = None if select.selector is None else self.terms.get(select.selector)
        if terms is not None:
            keys, queries = self.parts(select.keys), self.parts(select.queries)
            return sum(self.shift(keys[i], queries[j]) for i, j, _ in terms)
        return self.shift(select.keys, select.queries)

    def shift(self, keys: SSAValue, queries: SSAValue) -> float:
        """How much of ``c`` one-hot keys' and queries' noise moves a score."""
        shifts = []
        for value in (keys, queries):
            size = 1 if _is_clean(value) else len(_values(value))
            shifts.append(size * self.noise[value])
        return shifts[0] + shifts[1] + shifts[0] * shifts[1]


SQUARING = (
    rasp.TokensOp,
    rasp.IndicesOp,
    rasp.FullOp,
    rasp.MapOp,
    rasp.SequenceMapOp,
    rasp.SelectorWidthOp,
    rasp.LengthOp,
)
"""Producers whose units can write a numerical value's square as well."""


def _rank_steps(op: rasp.AggregateOp, noise: float) -> tuple[float, float]:
    """For a ``max`` / ``min`` head (docs/constructions.md): ``R + 1``, the
    rank steps between the worst value's bonus and the selection score's
    half, and how many steps value noise ``noise`` can shift a key's bonus."""
    values = [v for v in rasp.value_set_of(op.sop) or () if v is not None]
    numerical = _is_numerical(op.sop)
    ranks = sa.extremum_ranks(values, op.extremum or "max", numerical)
    top = max(ranks.values(), default=0.0)
    if numerical:  # ranks are distances in units of the smallest gap
        span = _magnitude([max(values) - min(values)]) if top else 0.0
        return top + 1, noise * top / span if top else 0.0
    weight = top if _is_clean(op.sop) else sum(ranks.values())
    return top + 1, noise * max(weight, 1.0)


def _is_quadratic(select: _Select) -> bool:
    return _is_numerical(select.keys) or _is_numerical(select.queries)


def _quadratic_weights(
    select: _Select, matched: bool = False
) -> tuple[float, float, float]:
    """For a quadratic head (docs/constructions.md): how much a unit of noise on
    the keys and on the queries shifts a score against its competitors,
    relative to the sharpness, and the largest score relative to it (for
    rounding).

    Scores are ``(c/g²)(2qk - k²)`` for keys and ``(c/g²)(q² - g²)`` for BOS.
    A numerical side with noise ``ε`` on ``x`` carries ``ε(2·max|x| + 1)`` on
    ``x²``. Numerical queries shift a key against a key ``d ≥ g`` away by
    ``2εd/g²`` (at most ``2ε/g`` of the margin ``d²/g²``) and BOS against the
    selected key by ``ε(4·max|q| + 1)/g²`` (by ``2ε·max|k|/g²`` for a matched
    head, whose BOS score is fixed); numerical keys shift by
    ``ε(2·max|q| + 2·max|k| + 1)/g²``. A categorical side's one-hot entries
    weigh ``2|x|·max|y| + x²`` (and ``g²`` for BOS), each leaky entry adding
    its noise (one entry for a clean side).
    """
    g2 = sa.quadratic_gap(select.keys, select.queries)
    g = math.sqrt(g2)
    k = _magnitude(rasp.value_set_of(select.keys) or ())
    q = _magnitude(rasp.value_set_of(select.queries) or ())

    def categorical(value: SSAValue, own: float, other: float) -> float:
        per_entry = (2 * own * other + own * own + g2) / g2
        return per_entry * (
            1 if _is_clean(value) else len(rasp.value_set_of(value) or ())
        )

    if _is_numerical(select.keys):
        keys = (2 * q + 2 * k + 1) / g2
    else:
        keys = categorical(select.keys, k, q)
    if _is_numerical(select.queries) and matched:  # BOS is fixed; no square
        queries = max(2 / g, 2 * k / g2)
    elif _is_numerical(select.queries):
        queries = max(2 / g, (4 * q + 1) / g2)
    else:
        queries = categorical(select.queries, q, k)
    largest = (2 * q * k + k * k + q * q + g2) / g2
    return keys, queries, largest


@dataclass(frozen=True)
class _Affine:
    """``a*x + b*y + offset``, read by its consumers' weights."""

    inputs: tuple[SSAValue, SSAValue]
    factors: tuple[float, float]
    offset: float


def _affine_fit(op: Operation) -> _Affine | None:
    """The affine function a map or sequence map computes on its value sets
    (entries that raise excepted), if it is one and its inputs are numbers."""
    if isinstance(op, rasp.LinearSequenceMapOp):
        inputs = (op.fst, op.snd)
        table = op.as_table()
    elif isinstance(op, rasp.SequenceMapOp):
        inputs, table = (op.fst, op.snd), op.table
    elif isinstance(op, rasp.MapOp):
        inputs, table = (op.input, op.input), op.table
    else:
        return None
    if not all(
        is_finite_number(v) for x in inputs for v in rasp.value_set_of(x) or (None,)
    ):
        return None
    rows = []
    for key, out in table.data:
        if out is rasp.UNDEFINED:
            continue
        if not is_finite_number(out):
            return None
        x, y = (
            key
            if isinstance(op, rasp.SequenceMapOp | rasp.LinearSequenceMapOp)
            else (key, key)
        )
        rows.append((float(x), float(y), float(out)))
    if not rows:
        return None
    solution = _solve(rows, single=isinstance(op, rasp.MapOp))
    if solution is None:
        return None
    a, b, c = (_simple(v) for v in solution)
    for key, out in table.data:  # exactly, as the interpreters will compute it
        if out is rasp.UNDEFINED:
            continue
        x, y = (key, key) if isinstance(op, rasp.MapOp) else key
        if a * x + b * y + c != out:
            return None
    return _Affine(inputs, (a, b), c)


def _simple(v: float) -> float | int:
    """A fitted coefficient as the simple number it approximates (an int, or a
    fraction with a small denominator as a float)."""
    fraction = Fraction(v).limit_denominator(1 << 20)
    if fraction.denominator == 1:
        return int(fraction)
    return float(fraction)


def _solve(rows: list[tuple[float, float, float]], single: bool):
    """The least-squares ``(a, b, c)`` through the rows (``b = 0`` for a map);
    the caller checks that it is exact."""
    columns = [[x, 1.0] if single else [x, y, 1.0] for x, y, _ in rows]
    fit = np.linalg.lstsq(
        np.array(columns), np.array([f for *_, f in rows]), rcond=None
    )
    coefficients = [float(v) for v in fit[0]]
    if single:
        return coefficients[0], 0.0, coefficients[1]
    return tuple(coefficients)


def _affine_views(
    program: rasp.ProgramOp,
) -> tuple[dict[SSAValue, _Affine], set[SSAValue]]:
    """Numerical affine s-ops read only as the queries of ``eq`` selects of the
    indices that aggregate and always find their key: a matched quadratic head
    reads such a query straight from its inputs, so it needs no component.
    Also the selectors that are matched."""
    from raspir.passes.rasp_prune_value_sets import RAISES, positional_values

    positions, exact = positional_values(program)
    views: dict[SSAValue, _Affine] = {}
    matched: set[SSAValue] = set()
    for op in program.body.block.ops:
        if not isinstance(op, rasp.SOpOp) or not _is_numerical(op.result):
            continue
        if op.result is program.output.sop or op.result not in exact:
            continue
        selects = [use.operation for use in op.result.uses]
        if not selects or not all(
            isinstance(s, rasp.SelectOp)
            and s.queries is op.result
            and s.keys is not op.result
            and isinstance(s.keys.owner, rasp.IndicesOp)
            and s.predicate == rasp.ComparisonAttr("eq")
            and all(isinstance(u.operation, rasp.AggregateOp) for u in s.result.uses)
            for s in selects
        ):
            continue
        # A causal query at position i sees the keys 0..i only.
        causal = program.is_causal
        if not all(
            v is RAISES
            or (
                is_finite_number(v)
                and float(v).is_integer()
                and 0 <= v < length
                and (not causal or v <= i)
            )
            for (length, i), v in zip(positions, exact[op.result], strict=True)
        ):
            continue
        view = _affine_fit(op)
        if view is None:
            continue
        views[op.result] = view
        matched.update(s.result for s in selects)
    return views, matched


def _weight(value: SSAValue) -> float:
    """How much a unit of noise on ``value`` moves the number it holds: 1 for a
    numerical s-op; for a one-hot, its largest value (clean: only the hot entry
    is off) or the sum of its values (leaky: every entry is)."""
    values = rasp.value_set_of(value) or ()
    if _is_numerical(value):
        return 1.0
    if _is_clean(value):
        return max(_magnitude(values), 1.0)
    return max(sum(abs(float(v)) for v in values), 1.0)


def _maps_of_counts(program: rasp.ProgramOp) -> dict[SSAValue, rasp.MapOp]:
    """Each count (``selector_width``, ``length``) whose only use is a ``map``
    that is not a position map, with that map."""
    out = {}
    for op in program.body.block.ops:
        if not isinstance(op, rasp.SelectorWidthOp | rasp.LengthOp):
            continue
        uses = list(op.result.uses)
        if len(uses) == 1 and isinstance(then := uses[0].operation, rasp.MapOp):
            out[op.result] = then
    return out


def _is_position_map(op: rasp.MapOp) -> bool:
    """A map of the indices: written exactly by the position embedding."""
    return isinstance(op.input.owner, rasp.IndicesOp)


def _values(value: SSAValue) -> tuple[Value, ...]:
    return rasp.value_set_of(value) or ()


def _pair_views(
    program: rasp.ProgramOp,
) -> tuple[set[SSAValue], dict[SSAValue, list[sa.Term]]]:
    """Pairings of two categorical s-ops (as ``rasp-legalize`` builds them)
    that only selects read, where every such select's relation is a
    conjunction of relations between single parts: a head then sums one
    score per part (docs/constructions.md) and the pair needs no MLP. A
    pairing some select cannot split stays a pair lookup, and the selects
    reading it are checked again without it."""
    pairs = {
        op.result
        for op in program.body.block.ops
        if isinstance(op, rasp.SequenceMapOp)
        and len(tuple_parts(op.result)) == 2
        and tuple_parts(op.fst) == [op.fst]
        and not (_is_numerical(op.fst) or _is_numerical(op.snd))
        and op.result.uses
        and all(isinstance(u.operation, rasp.SelectOp) for u in op.result.uses)
    }
    while True:
        terms: dict[SSAValue, list[sa.Term]] = {}
        dropped: set[SSAValue] = set()
        for op in program.body.block.ops:
            if not isinstance(op, rasp.SelectOp):
                continue
            sides = [op.keys, op.queries]
            if not any(side in pairs for side in sides):
                continue
            found = sa.conjunction_terms(
                *[tuple_parts(v) if v in pairs else [v] for v in sides],
                op.predicate,
            )
            if found is None:
                dropped.update(side for side in sides if side in pairs)
            else:
                terms[op.result] = found
        if not dropped:
            return pairs, terms
        pairs -= dropped


def _is_clean(value: SSAValue) -> bool:
    """Whether a categorical value's wrong entries are exactly 0 in the model.

    Embeddings and the thresholded lookup MLPs produce exact zeros off the hot
    entry (their noise only shrinks the hot entry); heads and discretising
    MLPs leak a little into every entry.
    """
    owner = value.owner
    if isinstance(owner, rasp.MapOp):
        return not _is_numerical(owner.input) or _is_position_map(owner)
    if isinstance(owner, rasp.SequenceMapOp | rasp.LinearSequenceMapOp):
        return not (_is_numerical(owner.fst) or _is_numerical(owner.snd))
    return isinstance(owner, rasp.TokensOp | rasp.IndicesOp | rasp.FullOp)


def _lookup_shape(op: rasp.MapOp) -> tuple[int, float]:
    """How many noisy input entries can add up in one hidden unit of a lookup
    (1 for a clean input), and the largest output it writes (1 if categorical)."""
    k = 1 if _is_clean(op.input) else _largest_preimage(op.table)
    scale = _magnitude(op.table.outputs()) if _is_numerical(op.result) else 1.0
    return k, scale


def _largest_preimage(table: rasp.TableAttr) -> int:
    sizes: dict[tuple, int] = {}
    for _, out in table.data:
        if out is not rasp.UNDEFINED and out is not None:
            key = value_key(out)
            sizes[key] = sizes.get(key, 0) + 1
    return max(sizes.values(), default=1)


def _step_margin(steps: list[sa.Step]) -> float:
    """The input noise a discretising MLP absorbs: a quarter of its smallest step."""
    return min((step.gap for step in steps), default=math.inf) / 4


def _step_rounding(
    points: list[tuple[float, Value]],
    steps: list[sa.Step],
    margin: Callable[[float], float],
    numerical: bool,
    unit: float,
) -> float:
    """Rounding error of a discretising MLP's output (docs/constructions.md),
    in the arithmetic whose unit roundoff is ``unit``.

    A saturated step ``ReLU(a + 1/2) - ReLU(a - 1/2)`` is off by up to
    ``2u(|a| + 1)`` on its active side and exactly 0 on the other, with ``|a|``
    at most the slope times the distance from the step to the farthest input
    on its active side (``sa.reach``).
    """
    lowest = points[0][0] - margin(points[0][0]) if points else 0.0
    highest = points[-1][0] + margin(points[-1][0]) if points else 0.0
    errors: dict[object, float] = {}
    for step in steps:
        reach = sa.reach(step, lowest, highest)
        flat = max(margin(step.lo), margin(step.hi))
        err = 2 * unit * (sa.slope(step.gap, flat) * reach + 1)
        if numerical:
            change = abs(sa.as_number(step.after) - sa.as_number(step.before))
            errors["value"] = errors.get("value", 0.0) + change * err
        else:
            for v in (step.before, step.after):
                if v is not None and v is not rasp.UNDEFINED:
                    errors[value_key(v)] = errors.get(value_key(v), 0.0) + err
    return max(errors.values(), default=0.0)


def _warn_of_averaging(program: rasp.ProgramOp) -> None:
    """A categorical aggregate copies one selected value; say where the
    evaluator may average several instead (``raspir.analysis``)."""
    for op in averaging_aggregates(program):
        warnings.warn(
            f"rasp.aggregate '{op.label.data}' is categorical: on an input where "
            "it selects several different numbers the evaluator averages them and "
            "the model cannot, so the model is exact only on the other inputs "
            "(a numerical aggregate computes the mean)",
            AveragingWarning,
            stacklevel=2,
        )


class AveragingWarning(UserWarning):
    """A compiled categorical aggregate may meet inputs it cannot copy from."""


def _warn_of_causal(program: rasp.ProgramOp) -> None:
    """A causal model computes the causal evaluation; name the ops where that
    may differ from the non-causal one (``raspir.analysis``)."""
    if not program.is_causal:
        return
    for op in causal_sources(program):
        label = f"{op.name} '{op.label.data}'"
        if isinstance(op, rasp.LengthOp):
            what = "is the length of the prefix up to each position (i + 1 at i)"
        else:
            what = "can select keys after its query"
        warnings.warn(
            f"causal=True: {label} {what}; a causal model sees only earlier "
            "positions, so it computes rasp.evaluate(..., causal=True), which "
            "can differ from the non-causal evaluation",
            CausalWarning,
            stacklevel=2,
        )


class CausalWarning(UserWarning):
    """A causally compiled program's result differs from its non-causal evaluation."""


@dataclass(frozen=True)
class ConvertRaspToSaPass(ModulePass):
    """Lower every ``rasp.program`` to an ``sa.program`` of exact components."""

    name = "convert-rasp-to-sa"

    numerical_tolerance: float = 1e-4
    """Noise allowed on a numerical output, relative to its largest magnitude."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, rasp.ProgramOp, self.name)
        for program in op.walk():
            if isinstance(program, rasp.ProgramOp):
                _warn_of_averaging(program)
                _warn_of_causal(program)
        replace_each(op, rasp.ProgramOp, self.lower)
        for remaining in op.walk():
            if remaining.dialect_name() == "rasp":
                raise _fail(remaining, "is still present after convert-rasp-to-sa")

    def lower(self, program: rasp.ProgramOp) -> sa.ProgramOp:
        """The program's components, certified for its dtype. A float32
        failure that float64 arithmetic would not have says so."""
        try:
            return self.certify(program, program.float_dtype)
        except PassFailedException as e:
            if program.float_dtype != rasp.FLOAT32:
                raise
            try:
                self.certify(program, rasp.FLOAT64)
            except PassFailedException:
                raise e from None
            raise PassFailedException(f"{e}{FLOAT64_HINT}") from None

    def certify(self, program: rasp.ProgramOp, dtype: str) -> sa.ProgramOp:
        """The components with constants for ``dtype``; affine views need
        cleaner inputs than components do, so if they cannot be certified,
        without them."""
        try:
            return _Lowering(program, self.numerical_tolerance, dtype).lower()
        except PassFailedException:
            lowering = _Lowering(
                program, self.numerical_tolerance, dtype, views_allowed=False
            )
            return lowering.lower()
