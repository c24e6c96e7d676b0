"""Language features as a catalogue: one small program per feature of RASP.

Each entry builds its program from a ``rasp`` module, so the same catalogue
builds Tracr's program (``benchmarks/language_coverage.py``, which measures what Tracr
does with each) and raspir's (``tests/test_language_coverage.py``, which checks
that raspir compiles each exactly). The README's feature table is the result
of both. Only the standard library is imported here: the Tracr side runs in its
own virtualenv.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LENGTHS = (5, 10, 20)
"""The max_seq_len every feature is compiled and checked at."""

DIGITS = (1, 2, 3)


@dataclass(frozen=True)
class Feature:
    name: str
    """The row of the README's table."""
    make: Callable[[Any, int], Any]
    """Builds the program from a ``rasp`` module for a max_seq_len."""
    vocab: tuple = DIGITS
    causal: bool = False
    extension: bool = False
    """Not part of Tracr's language (a raspir extension)."""
    full_length: bool = False
    """Only inputs of length max_seq_len are meaningful (a constant sequence)."""
    issue: str = ""
    """Tracr's issue that asks for it, if any."""

    def build(self, rasp_module: Any, max_seq_len: int) -> Any:
        return self.make(rasp_module, max_seq_len)

    def random_input(self, rng: random.Random, max_seq_len: int) -> list:
        n = max_seq_len if self.full_length else rng.randint(1, max_seq_len)
        return [rng.choice(self.vocab) for _ in range(n)]


def _and(r: Any, n: int) -> Any:
    """How many earlier positions hold the same token."""
    same = r.Select(r.tokens, r.tokens, r.Comparison.EQ)
    earlier = r.Select(r.indices, r.indices, r.Comparison.LT)
    return r.SelectorWidth(r.SelectorAnd(same, earlier))


def _or(r: Any, n: int) -> Any:
    """The mean token over smaller tokens or later positions."""
    smaller = r.Select(r.tokens, r.tokens, r.Comparison.LT)
    later = r.Select(r.indices, r.indices, r.Comparison.GT)
    values = r.numerical(r.Map(lambda t: t / 4, r.tokens))
    return r.numerical(r.Aggregate(r.SelectorOr(smaller, later), values, default=0))


def _not(r: Any, n: int) -> Any:
    """How many positions are not (an earlier-or-same position with the same token)."""
    same = r.Select(r.tokens, r.tokens, r.Comparison.EQ)
    upto = r.Select(r.indices, r.indices, r.Comparison.LEQ)
    return r.SelectorWidth(r.SelectorNot(r.SelectorAnd(same, upto)))


def _length(r: Any, n: int) -> Any:
    """The distance to the end: length - index."""
    return r.categorical(r.SequenceMap(lambda size, i: size - i, r.length, r.indices))


def _full(r: Any, n: int) -> Any:
    return r.categorical(r.SequenceMap(lambda c, t: c + t, r.Full(10), r.tokens))


def _constant(r: Any, n: int) -> Any:
    weights = r.ConstantSOp([i % 3 for i in range(n)])
    return r.categorical(r.SequenceMap(lambda w, t: w * t, weights, r.tokens))


def _numerical_keys(r: Any, n: int) -> Any:
    """How many tokens are smaller, compared as numbers."""
    half = r.numerical(r.Map(lambda t: t / 2, r.tokens))
    return r.SelectorWidth(r.Select(half, half, r.Comparison.LT))


def _numerical_mean(r: Any, n: int) -> Any:
    """The mean of the tokens so far (not only of 0/1 values)."""
    values = r.numerical(r.Map(lambda t: 3 * t - 4, r.tokens))
    prefix = r.Select(r.indices, r.indices, r.Comparison.LEQ)
    return r.numerical(r.Aggregate(prefix, values, default=0))


def _mean_thresholded(r: Any, n: int) -> Any:
    """Whether more than 60 % of the tokens so far are 1: a map of a mean."""
    ones = r.numerical(r.Map(lambda t: 1 if t == 1 else 0, r.tokens))
    prefix = r.Select(r.indices, r.indices, r.Comparison.LEQ)
    frac = r.numerical(r.Aggregate(prefix, ones, default=0))
    return r.categorical(r.Map(lambda x: x > 0.6, frac))


def _negative_map(r: Any, n: int) -> Any:
    return r.numerical(r.Map(lambda t: 2 - 2 * t, r.tokens))


def _numerical_sequence_map(r: Any, n: int) -> Any:
    x = r.numerical(r.Map(lambda t: t + 1, r.tokens))
    y = r.numerical(r.Map(lambda i: i % 3, r.indices))
    return r.numerical(r.SequenceMap(lambda a, b: a * b - 1, x, y))


def _linear_categorical(r: Any, n: int) -> Any:
    return r.categorical(r.LinearSequenceMap(r.tokens, r.indices, 1, 2))


def _previous_token(r: Any, n: int) -> Any:
    """The previous token: None at the first position (Tracr #25)."""
    previous = r.Map(lambda i: i - 1, r.indices)
    return r.categorical(
        r.Aggregate(r.Select(r.indices, previous, r.Comparison.EQ), r.tokens)
    )


def _none_downstream(r: Any, n: int) -> Any:
    """A map and a second aggregate of an aggregate that can be None."""
    previous = r.Map(lambda i: i - 1, r.indices)
    before = r.Select(r.indices, previous, r.Comparison.EQ)
    prev = r.categorical(r.Aggregate(before, r.tokens))
    flag = r.categorical(r.Map(lambda t: t == 2, prev))
    return r.categorical(r.Aggregate(before, flag))


def _categorical_default(r: Any, n: int) -> Any:
    """The previous token, "start" at the first position."""
    previous = r.Map(lambda i: i - 1, r.indices)
    before = r.Select(r.indices, previous, r.Comparison.EQ)
    return r.categorical(r.Aggregate(before, r.tokens, default="start"))


def _numerical_default(r: Any, n: int) -> Any:
    """The mean of the larger tokens, -1 where there are none."""
    larger = r.Select(r.tokens, r.tokens, r.Comparison.GT)
    values = r.numerical(r.Map(lambda t: t, r.tokens))
    return r.numerical(r.Aggregate(larger, values, default=-1))


def _max(r: Any, n: int) -> Any:
    """The running maximum of the tokens."""
    prefix = r.Select(r.indices, r.indices, r.Comparison.LEQ)
    return r.categorical(r.AggregateMax(prefix, r.tokens))


def _min(r: Any, n: int) -> Any:
    """The smallest larger token (numerical), 0 where there is none."""
    larger = r.Select(r.tokens, r.tokens, r.Comparison.GT)
    values = r.numerical(r.Map(lambda t: t, r.tokens))
    return r.numerical(r.AggregateMin(larger, values, default=0))


def _causal_histogram(r: Any, n: int) -> Any:
    """How often each token occurred so far, compiled for causal attention."""
    return r.SelectorWidth(r.Select(r.tokens, r.tokens, r.Comparison.EQ))


def _causal_length(r: Any, n: int) -> Any:
    """The length of the prefix so far, compiled for causal attention."""
    return r.categorical(r.SequenceMap(lambda size, t: size * t, r.length, r.tokens))


def _aggregate_encoding(r: Any, n: int) -> Any:
    """A numerical mean of a categorical s-op of numbers."""
    prefix = r.Select(r.indices, r.indices, r.Comparison.LEQ)
    return r.numerical(r.Aggregate(prefix, r.tokens, default=0))


def _no_tokens(r: Any, n: int) -> Any:
    return r.categorical(r.Map(lambda i: i % 2, r.indices))


def _width_at_length(r: Any, n: int) -> Any:
    """Tracr's make_hist: counts need exact steps between 1/(w+1) levels."""
    return r.SelectorWidth(r.Select(r.tokens, r.tokens, r.Comparison.EQ))


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("composite selector: and", _and, issue="#4"),
        Feature("composite selector: or", _or, issue="#4"),
        Feature("composite selector: not", _not, issue="#4"),
        Feature("rasp.length as a primitive", _length),
        Feature("Full constant", _full),
        Feature("ConstantSOp constant", _constant, full_length=True),
        Feature("numerical keys and queries (lt)", _numerical_keys),
        Feature("numerical mean of arbitrary values", _numerical_mean),
        Feature("map of a numerical mean (complete value set)", _mean_thresholded),
        Feature(
            "categorical→numerical map, negative outputs", _negative_map, issue="#24"
        ),
        Feature("non-linear numerical SequenceMap", _numerical_sequence_map),
        Feature("LinearSequenceMap of categorical inputs", _linear_categorical),
        Feature(
            "aggregate selecting nothing: default None", _previous_token, issue="#25"
        ),
        Feature("None flowing into later ops", _none_downstream, issue="#25"),
        Feature("categorical aggregate, default other than None", _categorical_default),
        Feature("numerical aggregate, default other than 0", _numerical_default),
        Feature("numerical aggregate of a categorical s-op", _aggregate_encoding),
        Feature("max aggregation (extension)", _max, extension=True),
        Feature("min aggregation (extension)", _min, extension=True),
        Feature("causal: selector width", _causal_histogram, causal=True, issue="#19"),
        Feature("causal: length", _causal_length, causal=True, issue="#19"),
        Feature("program without tokens", _no_tokens),
        Feature("selector width at max_seq_len ≥ 10", _width_at_length, issue="#7"),
    )
}
