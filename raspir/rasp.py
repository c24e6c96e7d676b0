"""RASP as an embedded DSL, with a reference evaluator.

A RASP program is a DAG of expressions built from Python objects. There are
two kinds of expression:

* An s-op (``SOp``) maps an input sequence to a sequence of the same length.
  In a compiled transformer it is a subspace of the residual stream.
* A selector (``Selector``) maps an input sequence to a boolean matrix
  ``m[query][key]``. In a compiled transformer it is an attention pattern.

Programs are built from the primitives ``tokens``, ``indices`` and ``length``
with ``Map``, ``SequenceMap``, ``Select``, ``Aggregate`` and ``SelectorWidth``,
or with Python operators on s-ops (``tokens == "a"``, ``length - indices``).
Calling an expression on a sequence evaluates it: ``(tokens == "a")("ab")``
gives ``[True, False]``.

The API and the evaluation semantics follow DeepMind's Tracr, so a Tracr
program runs unchanged after replacing ``from tracr.rasp import rasp`` with
``from raspir import rasp``. Where Tracr's behaviour gets in the way of a
compiler, this module differs on purpose:

* Every expression draws its ``unique_id`` when it is constructed, so labels
  depend only on the order of construction and are reproducible.
* An annotated copy (``named``, ``numerical``, ...) gets a fresh id and so a
  label distinct from its source.
* ``SOp`` and ``Selector`` hash by identity and can be dict keys.
* The evaluator memoises shared sub-expressions within one call, and averages
  any selected numbers in ``Aggregate``.
"""

from __future__ import annotations

import abc
import collections.abc
import copy
import enum
import itertools
import logging
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any, Protocol, TypeAlias, TypeVar

_log = logging.getLogger(__name__)

# Values are arbitrary hashable Python objects: None, bool, int, float, str,
# and tuples of these (categorical s-ops may carry tuples).
Value: TypeAlias = Any
SelectorValue: TypeAlias = list[list[bool]]
NumericValue: TypeAlias = int | float

RASPExprT = TypeVar("RASPExprT", bound="RASPExpr")
SOpT = TypeVar("SOpT", bound="SOp")

_NAME_KEY = "name"
_ENCODING_KEY = "encoding"

# Ids come from one counter at construction time, so a program built the same
# way in a fresh process gets the same labels.
_ids = itertools.count(1)


class Annotator(Protocol):
    """Computes the default value of one annotation for an expression."""

    def __call__(self, expr: RASPExpr) -> Any: ...


# Register a function here to give every expression a lazily computed default
# for that annotation key (see ``default_name``).
DEFAULT_ANNOTATORS: dict[str, Annotator] = {}


class _Annotations(collections.abc.Mapping):
    """Read-only annotations that fill missing keys from DEFAULT_ANNOTATORS.

    Defaults are computed on first access and cached, so an annotator runs at
    most once per expression.
    """

    def __init__(self, expr: RASPExpr, values: Mapping[str, Any] | None = None):
        self._expr = expr
        self._values: dict[str, Any] = dict(values or {})

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            if key not in DEFAULT_ANNOTATORS:
                known = set(self._values) | set(DEFAULT_ANNOTATORS)
                raise KeyError(f"No annotation {key!r}; known keys: {sorted(known)}")
            self._values[key] = DEFAULT_ANNOTATORS[key](self._expr)
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Annotations({self._values!r})"


class RASPExpr(abc.ABC):
    """Base class of every RASP expression."""

    def __init__(self) -> None:
        self._annotations = _Annotations(self)
        self._unique_id = next(_ids)

    @abc.abstractmethod
    def __call__(self, xs: Sequence[Value]) -> Sequence[Value] | SelectorValue:
        """Evaluates this expression on the input sequence `xs`."""

    @property
    def annotations(self) -> Mapping[str, Any]:
        return self._annotations

    @property
    def name(self) -> str:
        return self.annotations[_NAME_KEY]

    @property
    @abc.abstractmethod
    def children(self) -> list[RASPExpr]:
        """The expressions this one reads, in a fixed order."""

    @property
    def unique_id(self) -> int:
        return self._unique_id

    @property
    def label(self) -> str:
        """Name plus id, so distinct expressions never share a label.

        The primitives override this with their fixed names.
        """
        return f"{self.name}_{self.unique_id}"

    def copy(self: RASPExprT) -> RASPExprT:
        """A shallow copy with a fresh id and the same annotations."""
        new = copy.copy(self)
        new._unique_id = next(_ids)
        new._annotations = _Annotations(new, self._annotations._values)
        return new

    def named(self: RASPExprT, name: str) -> RASPExprT:
        return annotate(self, name=name)

    def annotated(self: RASPExprT, **annotations: Any) -> RASPExprT:
        return annotate(self, **annotations)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label})"


def annotate(expr: RASPExprT, **annotations: Any) -> RASPExprT:
    """A copy of `expr` with `annotations` merged over its own.

    The source is left untouched, so one expression can be shared by several
    programs that annotate it differently.
    """
    new = expr.copy()
    new._annotations = _Annotations(new, {**expr.annotations, **annotations})
    return new


def _check_sop(value: Any, what: str) -> None:
    if not isinstance(value, SOp):
        raise TypeError(f"{what} must be an SOp, got {type(value).__name__}: {value!r}")


def _check_selector(value: Any, what: str) -> None:
    if not isinstance(value, Selector):
        raise TypeError(
            f"{what} must be a Selector, got {type(value).__name__}: {value!r}"
        )


def _check_function(value: Any, what: str) -> None:
    if not callable(value) or isinstance(value, RASPExpr):
        raise TypeError(f"{what} must be a plain callable, got {value!r}")


### S-ops.


class SOp(RASPExpr):
    """A sequence operation: a sequence in, a sequence of the same length out.

    Comparison and arithmetic operators build new s-ops instead of comparing
    objects, hence ``__eq__`` is not equality and hashing is by identity.
    """

    __hash__ = RASPExpr.__hash__

    def __call__(self, xs: Sequence[Value]) -> Sequence[Value]:
        return evaluate(self, xs)

    def _binary(self, other: Any, f: Callable[[Any, Any], Any]) -> SOp:
        if isinstance(other, SOp):
            return SequenceMap(f, self, other)
        return Map(lambda x: f(x, other), self)

    def _reflected(self, other: Any, f: Callable[[Any, Any], Any]) -> SOp:
        if isinstance(other, SOp):
            return SequenceMap(f, other, self)
        return Map(lambda x: f(other, x), self)

    def __lt__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x < y)

    def __le__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x <= y)

    def __eq__(self, other: Any) -> SOp:  # type: ignore[override]
        return self._binary(other, lambda x, y: x == y)

    def __ne__(self, other: Any) -> SOp:  # type: ignore[override]
        return self._binary(other, lambda x, y: x != y)

    def __gt__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x > y)

    def __ge__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x >= y)

    def __add__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x + y)

    def __radd__(self, other: Any) -> SOp:
        return self._reflected(other, lambda x, y: x + y)

    def __sub__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x - y)

    def __rsub__(self, other: Any) -> SOp:
        return self._reflected(other, lambda x, y: x - y)

    def __mul__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x * y)

    def __rmul__(self, other: Any) -> SOp:
        return self._reflected(other, lambda x, y: x * y)

    def __truediv__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x / y)

    def __rtruediv__(self, other: Any) -> SOp:
        return self._reflected(other, lambda x, y: x / y)

    # `&` and `|` mean Python's `and` / `or` on the values.
    def __and__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x and y)

    def __rand__(self, other: Any) -> SOp:
        return self._reflected(other, lambda x, y: x and y)

    def __or__(self, other: Any) -> SOp:
        return self._binary(other, lambda x, y: x or y)

    def __ror__(self, other: Any) -> SOp:
        return self._reflected(other, lambda x, y: x or y)

    def __invert__(self) -> SOp:
        return Map(lambda x: not x, self)

    def __neg__(self) -> SOp:
        return Map(lambda x: -x, self)


class TokensType(SOp):
    """The input sequence itself."""

    @property
    def children(self) -> list[RASPExpr]:
        return []

    @property
    def label(self) -> str:
        return "tokens"

    def __repr__(self) -> str:
        return "tokens"


class IndicesType(SOp):
    """The position of each element: 0, 1, ..., n-1."""

    @property
    def children(self) -> list[RASPExpr]:
        return []

    @property
    def label(self) -> str:
        return "indices"

    def __repr__(self) -> str:
        return "indices"


class LengthType(SOp):
    """The sequence length at every position."""

    @property
    def children(self) -> list[RASPExpr]:
        return []

    @property
    def label(self) -> str:
        return "length"

    def __repr__(self) -> str:
        return "length"


tokens = TokensType()
indices = IndicesType()
length = LengthType()


class Map(SOp):
    """Applies `f` to each element of `inner`; None stays None.

    With `simplify`, a Map of a Map is fused into one Map over the inner
    Map's input, so a chain of elementwise functions costs one MLP. The
    fused inner Map (and its name) disappears from the program.
    """

    def __init__(self, f: Callable[[Value], Value], inner: SOp, simplify: bool = True):
        super().__init__()
        _check_function(f, "Map function")
        _check_sop(inner, "Map input")
        self.f = f
        self.inner = inner
        if simplify and isinstance(inner, Map):
            self.f = _compose(f, inner.f)
            self.inner = inner.inner

    @property
    def children(self) -> list[RASPExpr]:
        return [self.inner]


def _compose(
    outer: Callable[[Value], Value], inner: Callable[[Value], Value]
) -> Callable[[Value], Value]:
    # Keep the unfused meaning: a None from `inner` is not passed to `outer`.
    def fused(x: Value) -> Value:
        y = inner(x)
        return None if y is None else outer(y)

    return fused


class SequenceMap(SOp):
    """Applies `f(x, y)` to aligned elements of `fst` and `snd`.

    The result is None wherever either input is None.
    """

    def __init__(self, f: Callable[[Value, Value], Value], fst: SOp, snd: SOp):
        super().__init__()
        _check_function(f, "SequenceMap function")
        _check_sop(fst, "SequenceMap first input")
        _check_sop(snd, "SequenceMap second input")
        if fst is snd:
            _log.warning("SequenceMap with the same s-op twice; a Map is cheaper.")
        self.f = f
        self.fst = fst
        self.snd = snd

    @property
    def children(self) -> list[RASPExpr]:
        return [self.fst, self.snd]


class LinearSequenceMap(SequenceMap):
    """`fst_fac * x + snd_fac * y`, kept apart so it can compile to a linear layer."""

    def __init__(self, fst: SOp, snd: SOp, fst_fac: float, snd_fac: float):
        super().__init__(lambda x, y: fst_fac * x + snd_fac * y, fst, snd)
        self.fst_fac = fst_fac
        self.snd_fac = snd_fac


class Full(SOp):
    """`fill` at every position."""

    def __init__(self, fill: Value):
        super().__init__()
        self.fill = fill

    @property
    def children(self) -> list[RASPExpr]:
        return []


class ConstantSOp(SOp):
    """A fixed sequence, mainly for tests."""

    def __init__(self, value: Sequence[Value], check_length: bool = True):
        super().__init__()
        self.value = value
        self.check_length = check_length

    @property
    def children(self) -> list[RASPExpr]:
        return []


def sop_not(sop: SOp) -> SOp:
    return Map(lambda x: not x, sop)


### Selectors.


class Predicate(Protocol):
    """A selection predicate, always called as `predicate(key, query)`."""

    def __call__(self, key: Value, query: Value) -> bool: ...


class Comparison(enum.Enum):
    """Named predicates; `Comparison.LT(key, query)` is `key < query`."""

    EQ = "=="
    LT = "<"
    LEQ = "<="
    GT = ">"
    GEQ = ">="
    NEQ = "!="
    TRUE = "True"
    FALSE = "False"

    def __call__(self, key: Value, query: Value) -> bool:
        if key is None:
            raise ValueError(f"{self.name} comparison got key None")
        if query is None:
            raise ValueError(f"{self.name} comparison got query None")
        return _COMPARISONS[self](key, query)


_COMPARISONS: dict[Comparison, Callable[[Any, Any], bool]] = {
    Comparison.EQ: lambda k, q: k == q,
    Comparison.LT: lambda k, q: k < q,
    Comparison.LEQ: lambda k, q: k <= q,
    Comparison.GT: lambda k, q: k > q,
    Comparison.GEQ: lambda k, q: k >= q,
    Comparison.NEQ: lambda k, q: k != q,
    Comparison.TRUE: lambda k, q: True,
    Comparison.FALSE: lambda k, q: False,
}


class Selector(RASPExpr):
    """A boolean matrix `m[query][key]` over the input positions.

    `&`, `|` and `~` combine selectors, merging them into a single Select
    where possible (see `selector_and`).
    """

    __hash__ = RASPExpr.__hash__

    def __call__(self, xs: Sequence[Value]) -> SelectorValue:
        return evaluate(self, xs)

    def __and__(self, other: Selector) -> Selector:
        return selector_and(self, other)

    def __rand__(self, other: Selector) -> Selector:
        return selector_and(other, self)

    def __or__(self, other: Selector) -> Selector:
        return selector_or(self, other)

    def __ror__(self, other: Selector) -> Selector:
        return selector_or(other, self)

    def __invert__(self) -> Selector:
        return selector_not(self)


class Select(Selector):
    """Selects key k for query q iff `predicate(keys[k], queries[q])`."""

    def __init__(self, keys: SOp, queries: SOp, predicate: Predicate):
        super().__init__()
        _check_sop(keys, "Select keys")
        _check_sop(queries, "Select queries")
        if not callable(predicate):
            raise TypeError(f"Select predicate must be callable, got {predicate!r}")
        self.keys = keys
        self.queries = queries
        self.predicate = predicate

    @property
    def children(self) -> list[RASPExpr]:
        return [self.keys, self.queries]


class ConstantSelector(Selector):
    """A fixed selector matrix, mainly for tests."""

    def __init__(self, value: SelectorValue, check_length: bool = True):
        super().__init__()
        self.value = value
        self.check_length = check_length

    @property
    def children(self) -> list[RASPExpr]:
        return []


class SelectorAnd(Selector):
    """Elementwise `and` of two selectors."""

    def __init__(self, fst: Selector, snd: Selector):
        super().__init__()
        _check_selector(fst, "SelectorAnd first input")
        _check_selector(snd, "SelectorAnd second input")
        self.fst = fst
        self.snd = snd

    @property
    def children(self) -> list[RASPExpr]:
        return [self.fst, self.snd]


class SelectorOr(Selector):
    """Elementwise `or` of two selectors."""

    def __init__(self, fst: Selector, snd: Selector):
        super().__init__()
        _check_selector(fst, "SelectorOr first input")
        _check_selector(snd, "SelectorOr second input")
        self.fst = fst
        self.snd = snd

    @property
    def children(self) -> list[RASPExpr]:
        return [self.fst, self.snd]


class SelectorNot(Selector):
    """Elementwise negation of a selector."""

    def __init__(self, inner: Selector):
        super().__init__()
        _check_selector(inner, "SelectorNot input")
        self.inner = inner

    @property
    def children(self) -> list[RASPExpr]:
        return [self.inner]


def selector_not(inner: Selector, simplify: bool = True) -> Selector:
    """`~inner`; a Select stays a Select with the negated predicate."""
    if simplify and isinstance(inner, Select):
        predicate = inner.predicate
        return Select(inner.keys, inner.queries, lambda k, q: not predicate(k, q))
    return SelectorNot(inner)


def selector_and(fst: Selector, snd: Selector, simplify: bool = True) -> Selector:
    """`fst & snd`; merged into one Select when both read the same keys and queries."""
    if simplify and isinstance(fst, Select) and isinstance(snd, Select):
        merged = _merge_selects(fst, snd, lambda a, b: a and b)
        if merged is not None:
            return merged
    return SelectorAnd(fst, snd)


def selector_or(fst: Selector, snd: Selector, simplify: bool = True) -> Selector:
    """`fst | snd`; merged into one Select when both read the same keys and queries."""
    if simplify and isinstance(fst, Select) and isinstance(snd, Select):
        merged = _merge_selects(fst, snd, lambda a, b: a or b)
        if merged is not None:
            return merged
    return SelectorOr(fst, snd)


def _merge_selects(
    fst: Select, snd: Select, combine: Callable[[Any, Any], Any]
) -> Select | None:
    """One Select equivalent to `combine(fst, snd)`, or None if there is none.

    Only one attention head can implement a Select, so merging is what makes
    combined selectors compilable. It works when both Selects read the same
    key s-op and the same query s-op (by identity). A `Full` on one side
    matches anything: its constant is baked into that side's predicate and the
    other side's s-op is used.
    """
    fst_pred: Callable[[Any, Any], Any] = fst.predicate
    snd_pred: Callable[[Any, Any], Any] = snd.predicate
    keys: SOp | None = None
    queries: SOp | None = None

    if isinstance(fst.keys, Full):
        keys = snd.keys
        fst_pred = _with_fixed_key(fst_pred, fst.keys.fill)
    if isinstance(snd.keys, Full):
        keys = fst.keys
        snd_pred = _with_fixed_key(snd_pred, snd.keys.fill)
    if isinstance(fst.queries, Full):
        queries = snd.queries
        fst_pred = _with_fixed_query(fst_pred, fst.queries.fill)
    if isinstance(snd.queries, Full):
        queries = fst.queries
        snd_pred = _with_fixed_query(snd_pred, snd.queries.fill)
    if fst.keys is snd.keys:
        keys = fst.keys
    if fst.queries is snd.queries:
        queries = fst.queries

    if keys is None or queries is None:
        return None
    return Select(keys, queries, lambda k, q: combine(fst_pred(k, q), snd_pred(k, q)))


def _with_fixed_key(
    predicate: Callable[[Any, Any], Any], key: Value
) -> Callable[[Any, Any], Any]:
    return lambda _k, q: predicate(key, q)


def _with_fixed_query(
    predicate: Callable[[Any, Any], Any], query: Value
) -> Callable[[Any, Any], Any]:
    return lambda k, _q: predicate(k, query)


class SelectorWidth(SOp):
    """The number of selected keys for each query."""

    def __init__(self, selector: Selector):
        super().__init__()
        _check_selector(selector, "SelectorWidth input")
        self.selector = selector

    @property
    def children(self) -> list[RASPExpr]:
        return [self.selector]


class _Gather(SOp):
    """Combines, for each query, the values of `sop` at the selected keys;
    nothing selected gives `default`."""

    def __init__(self, selector: Selector, sop: SOp, default: Value = None):
        super().__init__()
        kind = type(self).__name__
        _check_selector(selector, f"{kind} selector")
        _check_sop(sop, f"{kind} input")
        if default is not None and not isinstance(default, (str, int, float, bool)):
            raise TypeError(
                f"{kind} default must be None, str, int, float or bool, got {default!r}"
            )
        self.selector = selector
        self.sop = sop
        self.default = default

    @property
    def children(self) -> list[RASPExpr]:
        return [self.selector, self.sop]


class Aggregate(_Gather):
    """For each query, combines the values of `sop` at the selected keys.

    Nothing selected gives `default`; one selected gives that value; several
    numbers give their mean. Several non-numbers are an error.
    """


class AggregateExtremum(_Gather):
    """For each query, the largest (``AggregateMax``) or smallest
    (``AggregateMin``) value of `sop` at the selected keys; nothing selected
    gives `default`.

    A raspir extension, RASP-L's max and min reductions: Tracr has no such
    op. The selected values must be mutually ordered (numbers, or strings).
    """

    reduction = ""


class AggregateMax(AggregateExtremum):
    """The largest selected value (see ``AggregateExtremum``)."""

    reduction = "max"


class AggregateMin(AggregateExtremum):
    """The smallest selected value (see ``AggregateExtremum``)."""

    reduction = "min"


### Encodings.


class Encoding(enum.Enum):
    """How an s-op lives in the residual stream: one-hot per value, or one number."""

    CATEGORICAL = "categorical"
    NUMERICAL = "numerical"


def numerical(sop: SOpT) -> SOpT:
    return annotate(sop, encoding=Encoding.NUMERICAL)


def categorical(sop: SOpT) -> SOpT:
    return annotate(sop, encoding=Encoding.CATEGORICAL)


def get_encoding(sop: SOp) -> Encoding:
    return sop.annotations[_ENCODING_KEY]


def is_numerical(sop: SOp) -> bool:
    return get_encoding(sop) == Encoding.NUMERICAL


def is_categorical(sop: SOp) -> bool:
    return get_encoding(sop) == Encoding.CATEGORICAL


def default_encoding(expr: RASPExpr) -> Encoding:
    """S-ops are categorical unless annotated otherwise; selectors have no encoding."""
    if not isinstance(expr, SOp):
        raise TypeError(f"{expr!r} is not an SOp and has no encoding")
    return Encoding.CATEGORICAL


_DEFAULT_NAMES: dict[type, str] = {
    TokensType: "tokens",
    IndicesType: "indices",
    LengthType: "length",
    LinearSequenceMap: "linear_sequence_map",
    SequenceMap: "sequence_map",
    Map: "map",
    Full: "full",
    ConstantSOp: "constant_sop",
    SelectorWidth: "selector_width",
    Aggregate: "aggregate",
    AggregateMax: "aggregate_max",
    AggregateMin: "aggregate_min",
    SOp: "sop",
    Select: "select",
    SelectorAnd: "selector_and",
    SelectorOr: "selector_or",
    SelectorNot: "selector_not",
    ConstantSelector: "constant_selector",
    Selector: "selector",
}


def default_name(expr: RASPExpr) -> str:
    """The name of the nearest known class of `expr`."""
    for cls in type(expr).__mro__:
        if cls in _DEFAULT_NAMES:
            return _DEFAULT_NAMES[cls]
    raise NotImplementedError(f"No default name for {type(expr).__name__}")


DEFAULT_ANNOTATORS[_ENCODING_KEY] = default_encoding
DEFAULT_ANNOTATORS[_NAME_KEY] = default_name


### Evaluation.


class RASPEvaluator(abc.ABC):
    """Interface of RASP evaluators."""

    @abc.abstractmethod
    def evaluate(
        self, expr: RASPExpr, xs: Sequence[Value]
    ) -> Sequence[Value] | SelectorValue:
        """Evaluates `expr` on the input sequence `xs`."""


class DefaultRASPEvaluator(RASPEvaluator):
    """Evaluates RASP with Tracr's semantics (non-causal).

    Within one top-level `evaluate` call every expression is evaluated once,
    however many parents it has, so DAG-shaped programs cost linear time.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[RASPExpr, Any]] | None = None
        self._memo_xs: Sequence[Value] | None = None
        self._handlers: dict[type, Callable[[Any, Sequence[Value]], Any]] = {
            TokensType: self.eval_tokens,
            IndicesType: self.eval_indices,
            LengthType: self.eval_length,
            SequenceMap: self.eval_sequence_map,
            Map: self.eval_map,
            Full: self.eval_full,
            ConstantSOp: self.eval_constant_sop,
            SelectorWidth: self.eval_selector_width,
            Aggregate: self.eval_aggregate,
            AggregateExtremum: self.eval_aggregate_extremum,
            Select: self.eval_select,
            SelectorAnd: self.eval_selector_and,
            SelectorOr: self.eval_selector_or,
            SelectorNot: self.eval_selector_not,
            ConstantSelector: self.eval_constant_selector,
        }

    def evaluate(
        self, expr: RASPExpr, xs: Sequence[Value]
    ) -> Sequence[Value] | SelectorValue:
        if self._memo is not None and xs is self._memo_xs:
            return self._evaluate_once(expr, xs)
        # A new input (or the outermost call) gets its own memo table.
        saved = self._memo, self._memo_xs
        self._memo, self._memo_xs = {}, xs
        try:
            return self._evaluate_once(expr, xs)
        finally:
            self._memo, self._memo_xs = saved

    def _evaluate_once(self, expr: RASPExpr, xs: Sequence[Value]) -> Any:
        assert self._memo is not None
        hit = self._memo.get(id(expr))
        if hit is not None:
            return hit[1]
        out = self._handler(expr)(expr, xs)
        if isinstance(expr, Selector):
            out = self.finish_selector(out)
        # Keep `expr` alive with its result so its id cannot be reused.
        self._memo[id(expr)] = (expr, out)
        return out

    def _handler(self, expr: RASPExpr) -> Callable[[Any, Sequence[Value]], Any]:
        if not isinstance(expr, RASPExpr):
            raise TypeError(f"Cannot evaluate {expr!r}: not a RASP expression")
        for cls in type(expr).__mro__:
            if cls in self._handlers:
                return self._handlers[cls]
        raise NotImplementedError(f"Evaluation of {type(expr).__name__} is not defined")

    def finish_selector(self, matrix: SelectorValue) -> SelectorValue:
        """Hook applied to the value of every selector; identity here."""
        return matrix

    def eval_tokens(self, sop: TokensType, xs: Sequence[Value]) -> list[Value]:
        return list(xs)

    def eval_indices(self, sop: IndicesType, xs: Sequence[Value]) -> list[int]:
        return list(range(len(xs)))

    def eval_length(self, sop: LengthType, xs: Sequence[Value]) -> list[int]:
        return [len(xs)] * len(xs)

    def eval_map(self, sop: Map, xs: Sequence[Value]) -> list[Value]:
        return [None if x is None else sop.f(x) for x in self.evaluate(sop.inner, xs)]

    def eval_sequence_map(self, sop: SequenceMap, xs: Sequence[Value]) -> list[Value]:
        fst = self.evaluate(sop.fst, xs)
        snd = self.evaluate(sop.snd, xs)
        return [
            None if x is None or y is None else sop.f(x, y)
            for x, y in zip(fst, snd, strict=False)
        ]

    def eval_full(self, sop: Full, xs: Sequence[Value]) -> list[Value]:
        return [sop.fill] * len(xs)

    def eval_constant_sop(self, sop: ConstantSOp, xs: Sequence[Value]) -> list[Value]:
        if sop.check_length and len(sop.value) != len(xs):
            raise ValueError(
                f"{sop.label}: constant of length {len(sop.value)} "
                f"for input of length {len(xs)}"
            )
        return list(sop.value)

    def eval_selector_width(self, sop: SelectorWidth, xs: Sequence[Value]) -> list[int]:
        return [
            sum(1 for selected in row if selected)
            for row in self.evaluate(sop.selector, xs)
        ]

    def eval_aggregate(self, sop: Aggregate, xs: Sequence[Value]) -> list[Value]:
        matrix = self.evaluate(sop.selector, xs)
        values = self.evaluate(sop.sop, xs)
        out = []
        for row in matrix:
            selected = [v for s, v in zip(row, values, strict=False) if s]
            out.append(
                aggregate_selected(
                    selected, sop.default, sop.label, categorical=is_categorical(sop)
                )
            )
        return out

    def eval_aggregate_extremum(
        self, sop: AggregateExtremum, xs: Sequence[Value]
    ) -> list[Value]:
        matrix = self.evaluate(sop.selector, xs)
        values = self.evaluate(sop.sop, xs)
        return [
            extremum_selected(
                [v for s, v in zip(row, values, strict=False) if s],
                sop.default,
                sop.reduction,
                sop.label,
            )
            for row in matrix
        ]

    def eval_select(self, sel: Select, xs: Sequence[Value]) -> SelectorValue:
        keys = self.evaluate(sel.keys, xs)
        queries = self.evaluate(sel.queries, xs)
        return [[bool(sel.predicate(k, q)) for k in keys] for q in queries]

    def eval_constant_selector(
        self, sel: ConstantSelector, xs: Sequence[Value]
    ) -> SelectorValue:
        if sel.check_length and len(sel.value) != len(xs):
            raise ValueError(
                f"{sel.label}: constant of length {len(sel.value)} "
                f"for input of length {len(xs)}"
            )
        return [[bool(v) for v in row] for row in sel.value]

    def eval_selector_and(self, sel: SelectorAnd, xs: Sequence[Value]) -> SelectorValue:
        fst = self.evaluate(sel.fst, xs)
        snd = self.evaluate(sel.snd, xs)
        return [
            [a and b for a, b in zip(ra, rb, strict=False)]
            for ra, rb in zip(fst, snd, strict=False)
        ]

    def eval_selector_or(self, sel: SelectorOr, xs: Sequence[Value]) -> SelectorValue:
        fst = self.evaluate(sel.fst, xs)
        snd = self.evaluate(sel.snd, xs)
        return [
            [a or b for a, b in zip(ra, rb, strict=False)]
            for ra, rb in zip(fst, snd, strict=False)
        ]

    def eval_selector_not(self, sel: SelectorNot, xs: Sequence[Value]) -> SelectorValue:
        return [[not v for v in row] for row in self.evaluate(sel.inner, xs)]


def aggregate_selected(
    selected: Sequence[Value], default: Value, label: str, categorical: bool = False
) -> Value:
    """One query of an Aggregate: the default, the one selected value, or the mean.

    A single selected value comes out as itself (Tracr turns a single number
    into a float; the two compare equal), and so do several equal values of a
    categorical aggregate, which copies (Tracr averages equal numbers to a float
    and rejects equal strings). The mean of several numbers is correctly
    rounded (summed exactly, divided once), so it does not depend on the order
    of the selected positions and the compiler can enumerate every mean an
    aggregate can produce.
    """
    if categorical and selected and all(_same(v, selected[0]) for v in selected):
        return selected[0]
    if not selected:
        return default
    if len(selected) == 1:
        return selected[0]
    if all(isinstance(v, numbers.Real) for v in selected):
        if all(isinstance(v, numbers.Integral) for v in selected):
            return sum(selected) / len(selected)
        return float(sum(map(Fraction, selected)) / len(selected))
    raise ValueError(
        f"Aggregate {label} selected several values that are not all numbers "
        f"and cannot be averaged: {selected!r}"
    )


def extremum_selected(
    selected: Sequence[Value], default: Value, reduction: str, label: str
) -> Value:
    """One query of an ``AggregateMax`` / ``AggregateMin``: the default when
    nothing is selected, else the largest / smallest selected value."""
    if not selected:
        return default
    try:
        return max(selected) if reduction == "max" else min(selected)
    except TypeError:
        raise ValueError(
            f"{reduction} aggregate {label} selected "
            f"values that cannot be ordered: {list(selected)!r}"
        ) from None


def _same(a: Value, b: Value) -> bool:
    """Equal and of the same type (``1``, ``1.0`` and ``True`` differ)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


class CausalEvaluator(DefaultRASPEvaluator):
    """Evaluates RASP as a decoder does: each op reads only a prefix.

    An op's value at position i is what it computes at i from the first i + 1
    values of its inputs: query i only sees keys j <= i, and `length` is
    i + 1, which a causal model can count. So the program's value at i is its
    non-causal value on `xs[:i+1]` whenever the keys and the aggregated values
    at each position j do not depend on positions after j (frac_prevs, length,
    reverse, hist; not sort, whose keys are ranks among all the keys). The
    mask applies to the final value of every selector, so composite selectors
    (including negations) stay masked. A length-checked constant still checks
    the whole input's length.
    """

    def eval_length(self, sop: LengthType, xs: Sequence[Value]) -> list[int]:
        return list(range(1, len(xs) + 1))

    def finish_selector(self, matrix: SelectorValue) -> SelectorValue:
        return [
            [bool(v) and k <= q for k, v in enumerate(row)]
            for q, row in enumerate(matrix)
        ]


def evaluate(
    expr: RASPExpr, xs: Sequence[Value], *, causal: bool = False
) -> Sequence[Value] | SelectorValue:
    """Evaluates `expr` on `xs`.

    With `causal`, every op reads only the prefix up to each position, as a
    decoder does (`CausalEvaluator`): selectors see only keys j <= i and
    `length` is i + 1.
    """
    evaluator = CausalEvaluator() if causal else DefaultRASPEvaluator()
    return evaluator.evaluate(expr, xs)
