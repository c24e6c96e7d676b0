"""Random RASP programs for differential testing (hypothesis strategies).

``program_specs()`` draws a typed program: a vocabulary (strings or ints), a
max_seq_len, and a list of RASP expressions each built from earlier ones —
categorical and numerical maps with random tables, sequence maps, linear
sequence maps, selects with every comparison, composite selectors,
aggregates (means, and the max / min extension), selector widths, constants
and ``length``. Value sets are tracked
while drawing, so a table covers every value its input can take and ordering
comparisons only meet values that can be ordered.

A ``ProgramSpec`` is plain data: hypothesis shrinks it to a minimal failing
program, and ``ProgramSpec.source()`` prints it as a Python script that
rebuilds it with ``raspir.rasp`` (what a regression test pastes).

Needs hypothesis (the ``dev`` extra).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from raspir import rasp

Value = Any

COMPARISONS = tuple(c.name for c in rasp.Comparison)
ORDERING = ("LT", "LEQ", "GT", "GEQ")


@dataclass(frozen=True)
class Table:
    """A function given by its table; inputs outside it give ``default``."""

    entries: tuple[tuple[Value, Value], ...]
    default: Value

    def __call__(self, *args: Value) -> Value:
        key = args[0] if len(args) == 1 else tuple(args)
        for k, v in self.entries:
            if type(k) is type(key) and k == key:
                return v
        return self.default

    def __repr__(self) -> str:
        body = ", ".join(f"({k!r}, {v!r})" for k, v in self.entries)
        return (
            f"Table(({body}{',' if len(self.entries) == 1 else ''}), {self.default!r})"
        )


ARITH_FORMS = ("add", "mul", "gt", "lt", "abs", "square")


@dataclass(frozen=True)
class Arith:
    """A numerical function of one number: ``x + c``, ``x * c``, ``x > c``, ..."""

    op: str
    """One of ``ARITH_FORMS``."""
    c: float | int

    def __call__(self, x: Value) -> Value:
        match self.op:
            case "add":
                return x + self.c
            case "mul":
                return x * self.c
            case "gt":
                return 1 if x > self.c else 0
            case "lt":
                return 1 if x < self.c else 0
            case "abs":
                return abs(x)
            case "square":
                return x * x
        raise ValueError(f"unknown Arith form {self.op!r}")

    def __repr__(self) -> str:
        return f"Arith({self.op!r}, {self.c!r})"


@dataclass(frozen=True)
class Node:
    """One expression: its kind, the indices of its inputs, and its parameters."""

    kind: str
    inputs: tuple[int, ...] = ()
    params: tuple = ()
    numerical: bool = False


@dataclass(frozen=True)
class ProgramSpec:
    """A program as data: ``nodes[-1]`` is the output s-op."""

    vocab: tuple[Value, ...]
    max_seq_len: int
    nodes: tuple[Node, ...]
    causal: bool = False

    def build(self) -> rasp.SOp:
        """The RASP program (fresh expressions on every call)."""
        built: list[rasp.RASPExpr] = []
        for node in self.nodes:
            built.append(_build(node, built))
        out = built[-1]
        assert isinstance(out, rasp.SOp)
        return out

    def source(self) -> str:
        """A Python script that builds the same program as ``program``."""
        lines = [
            "from raspir import rasp",
            "from raspir.testing.programs import Arith, Table",
            "",
            f"vocab = {sorted(self.vocab, key=repr)!r}",
            f"max_seq_len = {self.max_seq_len}",
            f"causal = {self.causal}",
        ]
        for i, node in enumerate(self.nodes):
            lines.append(f"n{i} = {_source(node)}")
        lines.append(f"program = n{len(self.nodes) - 1}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "ProgramSpec:\n" + self.source()


GATHERS = {"aggregate": "Aggregate", "max": "AggregateMax", "min": "AggregateMin"}
"""The ``raspir.rasp`` class of each node kind that combines selected values."""


def _encoded(sop: rasp.SOp, numerical: bool) -> rasp.SOp:
    return rasp.numerical(sop) if numerical else rasp.categorical(sop)


def _build(node: Node, built: list[rasp.RASPExpr]) -> rasp.RASPExpr:
    args = [built[i] for i in node.inputs]
    p = node.params
    match node.kind:
        case "tokens":
            return rasp.tokens
        case "indices":
            return rasp.indices
        case "length":
            return rasp.length
        case "full":
            return _encoded(rasp.Full(p[0]), node.numerical)
        case "map":
            return _encoded(rasp.Map(p[0], args[0], simplify=False), node.numerical)
        case "sequence_map":
            return _encoded(rasp.SequenceMap(p[0], args[0], args[1]), node.numerical)
        case "linear":
            sop = rasp.LinearSequenceMap(args[0], args[1], p[0], p[1])
            return rasp.numerical(sop)
        case "select":
            return rasp.Select(args[0], args[1], rasp.Comparison[p[0]])
        case "and":
            return rasp.SelectorAnd(args[0], args[1])
        case "or":
            return rasp.SelectorOr(args[0], args[1])
        case "not":
            return rasp.SelectorNot(args[0])
        case "aggregate" | "max" | "min":
            gather = getattr(rasp, GATHERS[node.kind])
            return _encoded(gather(args[0], args[1], p[0]), node.numerical)
        case "selector_width":
            return rasp.SelectorWidth(args[0])
    raise ValueError(f"unknown node kind {node.kind!r}")


def _source(node: Node) -> str:
    a = [f"n{i}" for i in node.inputs]
    p = node.params
    enc = "rasp.numerical" if node.numerical else "rasp.categorical"
    match node.kind:
        case "tokens" | "indices" | "length":
            return f"rasp.{node.kind}"
        case "full":
            return f"{enc}(rasp.Full({p[0]!r}))"
        case "map":
            return f"{enc}(rasp.Map({p[0]!r}, {a[0]}, simplify=False))"
        case "sequence_map":
            return f"{enc}(rasp.SequenceMap({p[0]!r}, {a[0]}, {a[1]}))"
        case "linear":
            return (
                f"rasp.numerical(rasp.LinearSequenceMap({a[0]}, {a[1]}, "
                f"{p[0]!r}, {p[1]!r}))"
            )
        case "select":
            return f"rasp.Select({a[0]}, {a[1]}, rasp.Comparison.{p[0]})"
        case "and" | "or":
            name = "SelectorAnd" if node.kind == "and" else "SelectorOr"
            return f"rasp.{name}({a[0]}, {a[1]})"
        case "not":
            return f"rasp.SelectorNot({a[0]})"
        case "aggregate" | "max" | "min":
            return f"{enc}(rasp.{GATHERS[node.kind]}({a[0]}, {a[1]}, {p[0]!r}))"
        case "selector_width":
            return f"rasp.SelectorWidth({a[0]})"
    raise ValueError(f"unknown node kind {node.kind!r}")


# -- drawing ------------------------------------------------------------------


@dataclass
class _SOpInfo:
    index: int
    numerical: bool
    values: frozenset | None
    """Every value the s-op can take, or None when unknown (a mean)."""


@dataclass
class _Draft:
    vocab: tuple[Value, ...]
    n: int
    nodes: list[Node] = field(default_factory=list)
    sops: list[_SOpInfo] = field(default_factory=list)
    selectors: list[int] = field(default_factory=list)

    def add_sop(self, node: Node, values: frozenset | None) -> None:
        self.nodes.append(node)
        self.sops.append(_SOpInfo(len(self.nodes) - 1, node.numerical, values))

    def add_selector(self, node: Node) -> None:
        self.nodes.append(node)
        self.selectors.append(len(self.nodes) - 1)


def _kind_of(values: frozenset | None) -> str:
    """``number``, ``str`` or ``mixed``: which values can be ordered together."""
    if values is None:
        return "number"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "number"
    if all(isinstance(v, str) for v in values):
        return "str"
    return "mixed"


def _finite_numbers(values: frozenset | None) -> bool:
    return values is not None and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in values
    )


def _sorted(values) -> list:
    return sorted(values, key=lambda v: (type(v).__name__, repr(v)))


_OUTPUT_ALPHABETS: dict[str, tuple[Value, ...]] = {
    "int": (0, 1, 2, 3, -1),
    "str": ("x", "y", "z"),
    "bool": (False, True),
    "binary": (0, 1),
    "signed": (-2, -1, 0, 1, 2),
    "tuple": ((0, "x"), (1, "y"), (1, "x")),
}


@st.composite
def _outputs(draw, numerical: bool) -> tuple[Value, ...]:
    if numerical:
        name = draw(st.sampled_from(["binary", "binary", "int", "signed", "bool"]))
    else:
        name = draw(st.sampled_from(["int", "str", "bool", "tuple"]))
    return _OUTPUT_ALPHABETS[name]


def _table(draw, keys: Sequence[Value], outputs: tuple[Value, ...]) -> Table:
    choice = st.sampled_from(outputs)
    entries = tuple((k, draw(choice)) for k in keys)
    return Table(entries, draw(choice))


def _draw_map(draw, d: _Draft) -> None:
    source = draw(st.sampled_from(d.sops))
    numerical = draw(st.booleans())
    if source.values is None or (source.numerical and draw(st.booleans())):
        if not _finite_numbers(source.values) and source.values is not None:
            return
        form = draw(st.sampled_from(ARITH_FORMS))
        c = draw(st.sampled_from([0, 1, 2, -1, 0.5]))
        f = Arith(form, c)
        values = None if source.values is None else frozenset(map(f, source.values))
        d.add_sop(Node("map", (source.index,), (f,), numerical=True), values)
        return
    outputs = draw(_outputs(numerical))
    table = _table(draw, _sorted(source.values), outputs)
    values = frozenset(table(v) for v in source.values)
    d.add_sop(Node("map", (source.index,), (table,), numerical=numerical), values)


def _draw_sequence_map(draw, d: _Draft) -> None:
    known = [s for s in d.sops if s.values is not None]
    fst, snd = draw(st.sampled_from(known)), draw(st.sampled_from(known))
    if len(fst.values) * len(snd.values) > 36:
        return
    numerical = draw(st.booleans())
    outputs = draw(_outputs(numerical))
    pairs = [(x, y) for x in _sorted(fst.values) for y in _sorted(snd.values)]
    table = _table(draw, pairs, outputs)
    values = frozenset(table(x, y) for x, y in pairs)
    node = Node("sequence_map", (fst.index, snd.index), (table,), numerical)
    d.add_sop(node, values)


def _draw_linear(draw, d: _Draft) -> None:
    numbers = [s for s in d.sops if s.numerical and _finite_numbers(s.values)]
    if not numbers:
        return
    fst, snd = draw(st.sampled_from(numbers)), draw(st.sampled_from(numbers))
    a = draw(st.sampled_from([1, -1, 2, 0.5]))
    b = draw(st.sampled_from([1, -1, 2, 0]))
    values = frozenset(a * x + b * y for x in fst.values for y in snd.values)
    d.add_sop(Node("linear", (fst.index, snd.index), (a, b), True), values)


def _draw_select(draw, d: _Draft) -> None:
    keys, queries = draw(st.sampled_from(d.sops)), draw(st.sampled_from(d.sops))
    comparisons = COMPARISONS
    kinds = {_kind_of(keys.values), _kind_of(queries.values)}
    if len(kinds) > 1 or "mixed" in kinds:
        comparisons = tuple(c for c in COMPARISONS if c not in ORDERING)
    comparison = draw(st.sampled_from(comparisons))
    d.add_selector(Node("select", (keys.index, queries.index), (comparison,)))


def _draw_composite(draw, d: _Draft) -> None:
    kind = draw(st.sampled_from(["and", "or", "not"]))
    first = draw(st.sampled_from(d.selectors))
    if kind == "not":
        d.add_selector(Node("not", (first,)))
    else:
        d.add_selector(Node(kind, (first, draw(st.sampled_from(d.selectors)))))


def _scalars(values) -> list:
    """The values an aggregate's default may take (no tuples), in order."""
    return [v for v in _sorted(values or ()) if not isinstance(v, tuple)]


def _draw_aggregate(draw, d: _Draft) -> None:
    selector = draw(st.sampled_from(d.selectors))
    source = draw(st.sampled_from(d.sops))
    if source.numerical:
        default = draw(st.sampled_from([0, 0, None, -1, 2.5]))
        values = None
    else:
        default = draw(st.sampled_from([None, *_scalars(source.values)[:2]]))
        values = None if source.values is None else source.values | {default}
    node = Node("aggregate", (selector, source.index), (default,), source.numerical)
    d.add_sop(node, values)


def _draw_extremum(draw, d: _Draft) -> None:
    """A max or min aggregate of numbers, or of categories that can be ordered."""
    sources = [s for s in d.sops if s.numerical or _ordered(s.values)]
    if not sources:
        return
    selector = draw(st.sampled_from(d.selectors))
    source = draw(st.sampled_from(sources))
    kind = draw(st.sampled_from(["max", "min"]))
    if source.numerical:
        default = draw(st.sampled_from([0, -1, 2.5]))
        values = None if source.values is None else source.values | {default}
    else:
        default = draw(st.sampled_from([None, *_scalars(source.values)[:1]]))
        values = (source.values or frozenset()) | {default}
    node = Node(kind, (selector, source.index), (default,), source.numerical)
    d.add_sop(node, values)


def _ordered(values: frozenset | None) -> bool:
    """Whether the values can be ordered (and none is None)."""
    if values is None or None in values:
        return False
    try:
        sorted(values)
    except TypeError:
        return False
    return True


def _draw_selector_width(draw, d: _Draft) -> None:
    selector = draw(st.sampled_from(d.selectors))
    d.add_sop(Node("selector_width", (selector,)), frozenset(range(d.n + 1)))


def _draw_constant(draw, d: _Draft) -> None:
    if draw(st.booleans()):
        d.add_sop(Node("length"), frozenset(range(1, d.n + 1)))
        return
    numerical = draw(st.booleans())
    fill = draw(st.sampled_from(draw(_outputs(numerical))))
    d.add_sop(Node("full", (), (fill,), numerical), frozenset([fill]))


_STEPS: dict[str, Callable] = {
    "map": _draw_map,
    "sequence_map": _draw_sequence_map,
    "linear": _draw_linear,
    "select": _draw_select,
    "composite": _draw_composite,
    "aggregate": _draw_aggregate,
    "extremum": _draw_extremum,
    "selector_width": _draw_selector_width,
    "constant": _draw_constant,
}


@st.composite
def vocabularies(draw) -> tuple[Value, ...]:
    """One to four tokens, all strings or all ints."""
    if draw(st.booleans()):
        pool: tuple[Value, ...] = ("a", "b", "c", "d")
    else:
        pool = (0, 1, 2, 3, -1)
    return tuple(
        draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
    )


@st.composite
def program_specs(
    draw, max_ops: int = 6, max_seq_len: int = 5, causal: bool | None = None
) -> ProgramSpec:
    """A random, well-typed RASP program (see the module docstring), to be
    compiled for causal attention if ``causal`` (one in four when None)."""
    if causal is None:
        causal = draw(st.sampled_from([False, False, False, True]))
    vocab = draw(vocabularies())
    n = draw(st.integers(1, max_seq_len))
    d = _Draft(vocab, n)
    d.add_sop(Node("tokens"), frozenset(vocab))
    d.add_sop(Node("indices"), frozenset(range(n)))
    for _ in range(draw(st.integers(1, max_ops))):
        options = ["map", "sequence_map", "linear", "select", "constant"]
        if d.selectors:
            options += [
                "composite",
                "composite",
                "aggregate",
                "aggregate",
                "extremum",
                "selector_width",
            ]
        draw_step = _STEPS[draw(st.sampled_from(options))]
        draw_step(draw, d)
    if d.nodes[-1].kind in ("select", "and", "or", "not"):
        # A program ends in an s-op: aggregate or count the last selector.
        if draw(st.booleans()):
            _draw_selector_width(draw, d)
        else:
            selector = len(d.nodes) - 1
            source = draw(st.sampled_from(d.sops))
            default = 0 if source.numerical else None
            node = Node(
                "aggregate", (selector, source.index), (default,), source.numerical
            )
            d.add_sop(node, None)
    return ProgramSpec(vocab, n, tuple(d.nodes), causal)
