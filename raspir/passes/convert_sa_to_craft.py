"""``convert-sa-to-craft``: build every component's weights between named directions.

Needs a scheduled ``sa.program`` (``schedule-layers``). Each s-op gets its
residual directions (``docs/constructions.md``): one per non-``None`` value if
categorical, one if numerical, under its label (made unique). The constructions
and constants are the ones ``convert-rasp-to-sa`` chose and certified:

- heads: selected (key, query) pairs score the sharpness ``c``; the BOS key
  scores ``c/2`` from the query's ``one`` direction (``c`` for a count); an
  aggregate's default other than ``none`` or 0 is copied from BOS, and a
  second head takes it off at the BOS position;
- lookup MLPs: one thresholded unit per output (per input pair);
- discretising MLPs: a baseline unit and two units per step, slopes from the
  step's gap and the op's margin, every unit silenced at BOS.

After the pass no sa op remains; the pass checks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException, VerifyException

from raspir.dialects import craft, rasp, sa
from raspir.dialects.values import Value, value_key
from raspir.passes import expect_level, replace_each
from raspir.passes.convert_rasp_to_sa import UNIT_ROUNDOFF

Entry = tuple[craft.Index, craft.Index, float]


def _fail(op: sa.ComponentOp | sa.ProgramOp, reason: str) -> PassFailedException:
    label = op.properties.get("label")
    name = f"{op.name} '{label.data}'" if label is not None else op.name  # type: ignore[union-attr]
    return PassFailedException(f"{name}: {reason}")


@dataclass
class _Builder:
    program: sa.ProgramOp
    names: dict[SSAValue, str] = field(default_factory=dict)
    spaces: dict[SSAValue, dict[tuple, craft.Direction]] = field(default_factory=dict)
    used: set[str] = field(default_factory=lambda: {"one"})
    squared: set[SSAValue] = field(default_factory=set)
    """Numerical s-ops a quadratic head reads: their writers also write the square."""

    def __post_init__(self) -> None:
        self.squared = sa.squared_values(self.program)

    @property
    def bos(self) -> craft.Direction:
        return ("tokens", (self.program.bos.data,))

    def fresh(self, base: str, *, tokens: bool = False) -> str:
        """A residual name not used yet: ``base``, else ``base_2``, ``base_3``...

        "tokens" also names the BOS direction, so only a token embedding may
        take it.
        """
        name, k = base, 1
        while name in self.used or (name == "tokens" and not tokens):
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name

    def name(self, value: SSAValue) -> str:
        if value not in self.names:
            owner = value.owner
            assert isinstance(owner, sa.ComponentOp)
            tokens = isinstance(owner, sa.TokensOp)
            self.names[value] = self.fresh(owner.label.data, tokens=tokens)
        return self.names[value]

    def directions(self, value: SSAValue) -> dict[tuple, craft.Direction]:
        """The directions of an s-op, keyed by its value's ``value_key`` (built
        once per s-op: every reader and writer of it asks)."""
        if value not in self.spaces:
            owner = value.owner
            assert isinstance(owner, sa.ComponentOp)
            name = self.name(value)
            if owner.encoding == rasp.NUMERICAL:
                self.spaces[value] = {("number",): (name, ())}
            else:
                self.spaces[value] = {
                    value_key(v): (name, (v,))
                    for v in owner.values.data
                    if v is not None
                }
        return self.spaces[value]

    def numerical(self, value: SSAValue) -> craft.Direction:
        return self.directions(value)[("number",)]

    def write(self, value: SSAValue, out: Value) -> list[tuple[craft.Direction, float]]:
        """The residual vector that encodes ``out`` in ``value``'s directions."""
        if out is None or out is rasp.UNDEFINED:
            return []
        dirs = self.directions(value)
        if ("number",) in dirs:
            x = float(out)
            entries = [(dirs[("number",)], x), (self.square(value), x * x)]
            return [
                (d, w) for d, w in entries[: 2 if value in self.squared else 1] if w
            ]
        return [(dirs[value_key(out)], 1.0)]

    def square(self, value: SSAValue) -> craft.Direction:
        """The direction holding the square of a numerical s-op."""
        return (f"{self.name(value)}^2", ())

    # -- embeddings ----------------------------------------------------------

    def embeddings(self, ops: list[sa.ComponentOp]) -> list[craft.EmbedOp]:
        rows: list[tuple[Value, tuple]] = []
        for token in self.program.vocab.data:
            vector: list[tuple[craft.Direction, float]] = [(craft.ONE, 1.0)]
            for op in ops:
                if isinstance(op, sa.TokensOp):
                    vector += self.write(op.result, token)
                elif isinstance(op, sa.FullOp):
                    vector += self.write(op.result, op.fill.data)
            rows.append((token, tuple(vector)))
        # BOS carries its own direction; PAD writes nothing but `one`.
        rows.append((self.program.bos.data, ((craft.ONE, 1.0), (self.bos, 1.0))))
        rows.append((self.program.pad.data, ((craft.ONE, 1.0),)))
        positions: list[tuple[Value, tuple]] = [(0, ())]
        tables = {
            op: op.table.as_dict() for op in ops if isinstance(op, sa.PositionMapOp)
        }
        for index in range(self.program.max_seq_len.data):
            vector = []
            for op in ops:
                if isinstance(op, sa.IndicesOp):
                    vector += self.write(op.result, index)
                elif isinstance(op, sa.PositionMapOp):
                    out = tables[op].get(value_key(index))
                    vector += self.write(op.result, out)
            positions.append((index + 1, tuple(vector)))
        return [
            craft.EmbedOp("tokens", craft.TableAttr(tuple(rows))),
            craft.EmbedOp("positions", craft.TableAttr(tuple(positions))),
        ]

    # -- heads -----------------------------------------------------------------

    def selected(self, op: sa.HeadOp) -> list[tuple[Value, Value]]:
        keys = [k for k in rasp.value_set_of(op.keys) or () if k is not None]
        queries = [q for q in rasp.value_set_of(op.queries) or () if q is not None]
        predicate = op.predicate
        if isinstance(predicate, rasp.RelationAttr):
            chosen = rasp.relation_keys(predicate)
            return [
                (k, q) for k in keys for q in queries if value_key((k, q)) in chosen
            ]
        pairs = []
        for k in keys:
            for q in queries:
                try:
                    if rasp.compare(predicate.data, k, q):
                        pairs.append((k, q))
                except (TypeError, ValueError):
                    continue  # incomparable values are never selected
        return pairs

    def scores(self, op: sa.HeadOp, bos_score: float) -> craft.MatrixAttr:
        """Selected pairs score ``c``, the BOS key ``bos_score·c``.

        A selector that selects every pair (``true``, or a relation holding
        for all values) scores every key from ``one`` alone, so it reads
        neither its keys nor its queries; ``tokens:BOS × tokens:BOS`` then
        lifts BOS ``c`` above every other key at the BOS query, which must
        read BOS's 0 (invariant B) as in the general construction.
        """
        c = op.sharpness.data
        if isinstance(op.keys.owner, sa.PairOp) or isinstance(
            op.queries.owner, sa.PairOp
        ):
            return self.conjunction_scores(op, bos_score)
        selected = self.selected(op)
        key_values = rasp.value_set_of(op.keys) or ()
        query_values = rasp.value_set_of(op.queries) or ()
        if None not in key_values and None not in query_values:
            if len(selected) == len(key_values) * len(query_values):
                return craft.MatrixAttr(
                    [
                        (craft.ONE, craft.ONE, c),
                        (craft.ONE, self.bos, (bos_score - 1) * c),
                        (self.bos, self.bos, c),
                    ]
                )
        if op.is_quadratic:
            return self.quadratic_scores(op, bos_score)
        key_dirs, query_dirs = self.directions(op.keys), self.directions(op.queries)
        entries: list[Entry] = [
            (query_dirs[value_key(q)], key_dirs[value_key(k)], c) for k, q in selected
        ]
        entries.append((craft.ONE, self.bos, bos_score * c))
        return craft.MatrixAttr(entries)

    def conjunction_scores(self, op: sa.HeadOp, bos_score: float) -> craft.MatrixAttr:
        """A head over pairs whose relation is a conjunction of ``m`` terms,
        each between one key part and one query part: every term scores ``c``
        where it holds, so a selected key scores ``m·c``, a key failing some
        term at most ``(m - 1)·c``, and BOS ``(m - 1 + bos_score)·c``: the
        margins of a one-term head (docs/constructions.md)."""
        c = op.sharpness.data
        key_parts, query_parts = sa.pair_parts(op.keys), sa.pair_parts(op.queries)
        terms = sa.conjunction_terms(key_parts, query_parts, op.predicate)
        if terms is None:
            raise _fail(op, "reads a pair, but its relation is no conjunction of parts")
        entries: list[Entry] = []
        for i, j, pairs in terms:
            key_dirs = self.directions(key_parts[i])
            query_dirs = self.directions(query_parts[j])
            for k in rasp.value_set_of(key_parts[i]) or ():
                for q in rasp.value_set_of(query_parts[j]) or ():
                    if k is not None and q is not None:
                        if value_key((k, q)) in pairs:
                            entries.append(
                                (query_dirs[value_key(q)], key_dirs[value_key(k)], c)
                            )
        entries.append((craft.ONE, self.bos, (len(terms) - 1 + bos_score) * c))
        return craft.MatrixAttr(entries)

    def features(
        self, value: SSAValue, power: int
    ) -> list[tuple[craft.Direction, float]]:
        """``x`` (power 1) or ``x²`` (power 2) of a side of a quadratic head, as
        a combination of directions: its one-hot directions weighted by the
        value, or its number (or square) direction."""
        if isinstance(value.owner, sa.AffineOp):
            assert power == 1, "a matched head needs no square of its query"
            owner = value.owner
            factors = (owner.fst_factor.data, owner.snd_factor.data)
            terms = [(craft.ONE, float(owner.offset.data))]
            for operand, factor in zip(owner.operands, factors, strict=True):
                terms += [(d, factor * w) for d, w in self.features(operand, 1)]
            return [(d, w) for d, w in terms if w != 0.0]
        if isinstance(value.type, rasp.SOpType) and value.type.is_numerical:
            return [(self.numerical(value) if power == 1 else self.square(value), 1.0)]
        dirs = self.directions(value)
        return [
            (dirs[value_key(v)], float(v) ** power)
            for v in rasp.value_set_of(value) or ()
            if v is not None and float(v) != 0.0
        ]

    def quadratic_scores(self, op: sa.HeadOp, bos_score: float) -> craft.MatrixAttr:
        """``c·(1 - (q-k)²/g²)`` up to terms of the query alone, BOS at
        ``bos_score·c`` (docs/constructions.md): ``(c/g²)(2qk - k²)`` for a
        key, ``(c/g²)(q² - g²) + bos_score·c`` for BOS, and BOS first at the
        BOS query."""
        c = op.sharpness.data
        scale = c / sa.quadratic_gap(op.keys, op.queries)
        entries: list[Entry] = []
        for q_dir, q in self.features(op.queries, 1):
            for k_dir, k in self.features(op.keys, 1):
                entries.append((q_dir, k_dir, 2 * scale * q * k))
        for k_dir, k2 in self.features(op.keys, 2):
            entries.append((craft.ONE, k_dir, -scale * k2))
        if op.matched is None:
            for q_dir, q2 in self.features(op.queries, 2):
                entries.append((q_dir, self.bos, scale * q2))
            entries.append((craft.ONE, self.bos, (bos_score - 1) * c))
            entries.append((self.bos, self.bos, c))
            return craft.MatrixAttr(entries)
        # Matched: a selected key scores (c/g²)q² ≥ (c/g²)·min q², so BOS sits
        # c/2 below that, and at the BOS query (whose query is the offset
        # alone) above every key.
        lowest = min(float(v) ** 2 for v in rasp.value_set_of(op.queries) or (0,))
        offset = sum(w for d, w in self.features(op.queries, 1) if d == craft.ONE)
        k = max((abs(float(v)) for v in rasp.value_set_of(op.keys) or ()), default=0.0)
        bos = scale * lowest - c / 2
        entries.append((craft.ONE, self.bos, bos))
        entries.append((self.bos, self.bos, c - bos + 2 * scale * abs(offset) * k))
        return craft.MatrixAttr(entries)

    def heads(self, op: sa.AggregateOp) -> list[craft.HeadOp]:
        """The aggregate's head, copying values. A default other than ``none``
        or 0 is written from the BOS key, and a second head takes it off again
        at the BOS query, where the value must stay 0 (invariant B); at the
        BOS query both heads weigh BOS within rounding of 1, elsewhere the
        second within rounding of 0 (docs/constructions.md)."""
        sources, targets = self.directions(op.sop), self.directions(op.result)
        ov = [(sources[key], targets[key], 1.0) for key in sources if key in targets]
        name, qk = self.name(op.result), self.scores(op, 0.5)
        if op.extremum is not None:
            qk = craft.MatrixAttr([*qk.data, *self.rank_bonus(op)])
        default = self.write(op.result, op.default_value)
        if not default:
            return [craft.HeadOp(name, qk, craft.MatrixAttr(ov))]
        unit = UNIT_ROUNDOFF[self.program.float_dtype]
        lift = sa.bos_sharpness(self.program.max_seq_len.data, unit)
        c = op.sharpness.data
        head = craft.HeadOp(
            name,
            craft.MatrixAttr([*qk.data, (self.bos, self.bos, lift + c)]),
            craft.MatrixAttr([*ov, *((self.bos, d, w) for d, w in default)]),
        )
        silence = craft.HeadOp(
            f"{name}.silence",
            craft.MatrixAttr(
                [(craft.ONE, self.bos, -lift), (self.bos, self.bos, 2 * lift)]
            ),
            craft.MatrixAttr([(self.bos, d, -w) for d, w in default]),
        )
        return [head, silence]

    def rank_bonus(self, op: sa.AggregateOp) -> list[Entry]:
        """A ``max`` / ``min`` head's keys score ``β·rank`` of their value from
        the query's ``one``, ``β = c/(2(R+1))``: the best selected value leads
        every other key by ``β`` (docs/constructions.md). BOS gets none."""
        ranks = op.ranks()
        beta = op.sharpness.data / (2 * (max(ranks.values(), default=0.0) + 1))
        values = [v for v in rasp.value_set_of(op.sop) or () if v is not None]
        if op.encoding == rasp.CATEGORICAL:
            dirs = self.directions(op.sop)
            return [
                (craft.ONE, dirs[value_key(v)], beta * ranks[value_key(v)])
                for v in values
                if ranks[value_key(v)]
            ]
        worst = next((v for v in values if not ranks[value_key(v)]), None)
        best = max(values, key=lambda v: ranks[value_key(v)], default=None)
        if worst is None or best is None or not ranks[value_key(best)]:
            return []  # one value: nothing to prefer
        # β·rank(x) = slope·(x - worst), an affine function of the number.
        slope = beta * ranks[value_key(best)] / (float(best) - float(worst))
        offset = -slope * float(worst)
        return [
            (craft.ONE, self.numerical(op.sop), slope),
            (craft.ONE, craft.ONE, offset),
            (craft.ONE, self.bos, -offset),
        ]

    def count_head(self, op: sa.CountOp) -> tuple[craft.HeadOp, craft.Direction]:
        scratch: craft.Direction = (
            self.fresh(f"{self.name(op.result)}.inverse_width"),
            (),
        )
        ov = craft.MatrixAttr([(self.bos, scratch, 1.0)])
        return craft.HeadOp(self.name(op.result), self.scores(op, 1.0), ov), scratch

    # -- MLPs ------------------------------------------------------------------

    def mlp(
        self, op: sa.ComponentOp, fst: list[Entry], snd: list[Entry]
    ) -> craft.MLPOp:
        hidden = 1 + max((c for _, c, _ in fst if isinstance(c, int)), default=-1)
        return craft.MLPOp(
            self.name(op.result), hidden, craft.MatrixAttr(fst), craft.MatrixAttr(snd)
        )

    def lookup(self, op: sa.LookupOp | sa.PairLookupOp) -> craft.MLPOp:
        """One unit per output value (a lookup) or per pair of input classes
        (a pair lookup), firing when its inputs are in its groups."""
        inputs = [self.directions(v) for v in op.operands]
        units: list[tuple[Value, list[list[Value]]]] = []
        if isinstance(op, sa.LookupOp):
            groups: dict[tuple, tuple[Value, list[Value]]] = {}
            for key, out in op.table.data:
                if key is not None and self.write(op.result, out):
                    groups.setdefault(value_key(out), (out, []))[1].append(key)
            units = [(out, [members]) for out, members in groups.values()]
        else:
            table = op.table.as_dict()
            xs, ys = sa.pair_classes(op.table, op.encoding == rasp.NUMERICAL)
            for a in xs:
                for b in ys:
                    out = table[value_key((a[0], b[0]))]
                    if self.write(op.result, out):
                        units.append((out, [a, b]))
        fst: list[Entry] = []
        snd: list[Entry] = []
        for unit, (out, sides) in enumerate(units):
            for dirs, members in zip(inputs, sides, strict=True):
                fst += [(dirs[value_key(m)], unit, 2.0) for m in members]
            fst.append((craft.ONE, unit, 1.0 - 2.0 * len(sides)))
            snd += [(unit, d, w) for d, w in self.write(op.result, out)]
        return self.mlp(op, fst, snd)

    def linear(self, op: sa.LinearOp) -> craft.MLPOp:
        x, y = self.numerical(op.fst), self.numerical(op.snd)
        out = self.numerical(op.result)
        a, b = float(op.fst_factor.data), float(op.snd_factor.data)
        fst = [(x, 0, 1.0), (x, 1, -1.0), (y, 2, 1.0), (y, 3, -1.0)]
        snd = [(0, out, a), (1, out, -a), (2, out, b), (3, out, -b)]
        return self.mlp(op, fst, snd)

    def steps(
        self,
        op: sa.ComponentOp,
        source: craft.Direction,
        points: list[tuple[float, Value]],
        margin: Callable[[float], float],
    ) -> craft.MLPOp:
        """A discretising MLP over ``points`` (docs/constructions.md).

        ``margin(x)``: the input noise at input value ``x``; each step is flat
        that far from the two inputs it splits. A rising step adds its change
        above its threshold; a falling one (``sa.falls``) takes its change off
        the base unit below it.
        """
        lowest = points[0][0] - margin(points[0][0])
        highest = points[-1][0] + margin(points[-1][0])
        base: list[Entry] = []
        units: list[tuple[list[Entry], list[Entry]]] = []
        start = points[0][1]
        for step in sa.steps(points, op.encoding == rasp.NUMERICAL):
            slope = sa.slope(step.gap, max(margin(step.lo), margin(step.hi)))
            threshold = (step.lo + step.hi) / 2
            silence = (
                slope * (abs(threshold) + 1) + 1
            )  # beats any pre-activation at BOS
            change = [(d, w) for d, w in self.write(op.result, step.after)]
            change += [(d, -w) for d, w in self.write(op.result, step.before)]
            falls = sa.falls(step, lowest, highest)
            direction = -1.0 if falls else 1.0
            if falls:
                base += change
            for offset, sign in ((0.5, 1.0), (-0.5, -1.0)):
                fst = [
                    (source, 0, direction * slope),
                    (craft.ONE, 0, offset - direction * slope * threshold),
                    (self.bos, 0, -silence),
                ]
                out = [(0, d, sign * direction * w) for d, w in change]
                units.append((fst, out))
        fst: list[Entry] = [(craft.ONE, 0, 1.0), (self.bos, 0, -1.0)]
        first: dict[tuple, tuple[craft.Direction, float]] = {}
        for d, w in [*self.write(op.result, start), *base]:
            key = craft.direction_key(d)
            first[key] = (d, first.get(key, (d, 0.0))[1] + w)
        snd: list[Entry] = [(0, d, w) for d, w in first.values() if w != 0.0]
        for unit, (unit_fst, unit_snd) in enumerate(units, start=1):
            fst += [(r, unit, w) for r, _, w in unit_fst]
            snd += [(unit, d, w) for _, d, w in unit_snd]
        return self.mlp(op, fst, snd)

    def discretise(self, op: sa.DiscretiseOp) -> craft.MLPOp:
        margin = op.margin.data
        return self.steps(op, self.numerical(op.input), op.points(), lambda _: margin)

    def count_mlp(self, op: sa.CountOp, scratch: craft.Direction) -> craft.MLPOp:
        margin = op.margin.data  # relative to the level
        return self.steps(op, scratch, op.points(), lambda y: margin * y)

    # -- the model ---------------------------------------------------------------

    def build(self) -> craft.ModelOp:
        ops = [
            op for op in self.program.body.block.ops if isinstance(op, sa.ComponentOp)
        ]
        layers: dict[int, tuple[list, list]] = {}
        for op in ops:
            if not op.SUBLAYERS:
                continue
            if op.layer is None:
                raise _fail(op, "has no layer; run schedule-layers first")
            heads, mlps = layers.setdefault(op.layer.data, ([], []))
            match op:
                case sa.AggregateOp():
                    heads += self.heads(op)
                case sa.CountOp():
                    head, scratch = self.count_head(op)
                    heads.append(head)
                    mlps.append(self.count_mlp(op, scratch))
                case sa.LookupOp() | sa.PairLookupOp():
                    mlps.append(self.lookup(op))
                case sa.LinearOp():
                    mlps.append(self.linear(op))
                case sa.DiscretiseOp():
                    mlps.append(self.discretise(op))
                case _:
                    raise _fail(op, "has no craft construction")
        depth = 1 + max(layers, default=-1)
        block = Block(self.embeddings(ops))
        for index in range(depth):
            heads, mlps = layers.get(index, ([], []))
            block.add_op(craft.LayerOp(index, [*heads, *mlps]))
        block.add_op(self.unembed())
        model = craft.ModelOp.like(self.program, Region(block))
        try:
            model.verify_weights()
        except VerifyException as e:  # constants or values too large for the dtype
            raise PassFailedException(f"convert-sa-to-craft: {e}") from None
        return model

    def unembed(self) -> craft.UnembedOp:
        output = self.program.output.sop
        owner = output.owner
        assert isinstance(owner, sa.ComponentOp)
        if owner.encoding == rasp.NUMERICAL:
            rows = ((None, ((self.numerical(output), 1.0),)),)
        else:
            dirs = self.directions(output)
            rows = tuple(
                (v, ((dirs[value_key(v)], 1.0),))
                for v in owner.values.data
                if v is not None
            )
        return craft.UnembedOp(owner.encoding, craft.TableAttr(rows))


def residual_names(program: sa.ProgramOp) -> dict[SSAValue, str]:
    """The residual name the pass gives each s-op of ``program`` that has
    directions: its label, made unique (``x``, ``x_2``...) in the order the
    construction asks for them. Tools that relate a model's residual stream to
    the program (``raspir.backend.anatomy``) read names from here."""
    builder = _Builder(program)
    builder.build()
    return dict(builder.names)


@dataclass(frozen=True)
class ConvertSaToCraftPass(ModulePass):
    """Build the weights of every scheduled ``sa.program`` as a ``craft.model``."""

    name = "convert-sa-to-craft"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        expect_level(op, sa.ProgramOp, self.name)
        replace_each(op, sa.ProgramOp, lambda program: _Builder(program).build())
        for remaining in op.walk():
            if remaining.dialect_name() == "sa":
                raise PassFailedException(
                    f"{remaining.name} is still present after convert-sa-to-craft"
                )
