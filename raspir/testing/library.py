"""The 15 library programs as a catalogue: how to build each, its vocab, its inputs.

Tests, the demo and benchmarks all take the lib programs from here, so every
harness runs the same settings. Each entry builds its program for a given
``max_seq_len`` and samples inputs the program accepts (balanced strings for
the Dyck programs half of the time, an injected pattern for
``detect_pattern``, distinct keys for ``sort_unique``).

The zero-argument functions at the bottom (``reverse``, ``hist``, ...) are for
the command line: ``raspir ir raspir.testing.library:reverse --vocab a,b,c ...``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from raspir import lib, rasp

DEFAULT_MAX_SEQ_LEN = 8
LETTERS = ("a", "b", "c", "d", "e")


@dataclass(frozen=True)
class LibProgram:
    name: str
    make: Callable[[Any, Any, int], Any]
    """Builds the program from a ``lib`` and a ``rasp`` module for a max_seq_len
    (so the same catalogue builds Tracr's programs for the benchmarks)."""
    vocab: Callable[[int], tuple]
    """The vocabulary to compile with, for a given max_seq_len."""
    sample: Callable[[random.Random, tuple, int], list] | None = None
    """Draws one accepted input of length 1..max_seq_len; uniform when None."""

    def build(self, max_seq_len: int, lib_module=lib, rasp_module=rasp) -> rasp.SOp:
        """The program for ``max_seq_len``, by default from raspir's library."""
        return self.make(lib_module, rasp_module, max_seq_len)

    def random_input(
        self, rng: random.Random, max_seq_len: int, vocab: tuple | None = None
    ) -> list:
        """An input the program accepts (``vocab`` overrides the usual one)."""
        vocab = self.vocab(max_seq_len) if vocab is None else tuple(vocab)
        if self.sample is not None:
            return self.sample(rng, vocab, max_seq_len)
        return _uniform(rng, vocab, max_seq_len)


def _uniform(rng: random.Random, vocab: tuple, max_seq_len: int) -> list:
    return [rng.choice(vocab) for _ in range(rng.randint(1, max_seq_len))]


def _distinct(rng: random.Random, vocab: tuple, max_seq_len: int) -> list:
    return rng.sample(list(vocab), rng.randint(1, min(max_seq_len, len(vocab))))


def _dyck(pairs: list[str]) -> Callable[[random.Random, tuple, int], list]:
    """Half balanced shuffle-Dyck strings, half uniform strings."""

    def sample(rng: random.Random, vocab: tuple, max_seq_len: int) -> list:
        if rng.random() < 0.5 or max_seq_len < 2:
            return _uniform(rng, vocab, max_seq_len)
        half = rng.randint(1, max_seq_len // 2)
        tokens: list[str] = []
        open_count = {p: 0 for p in pairs}
        remaining = {p: 0 for p in pairs}
        for _ in range(half):
            remaining[rng.choice(pairs)] += 1
        while any(remaining.values()) or any(open_count.values()):
            choices = [("open", p) for p in pairs if remaining[p]]
            choices += [("close", p) for p in pairs if open_count[p]]
            kind, p = rng.choice(choices)
            if kind == "open":
                remaining[p] -= 1
                open_count[p] += 1
                tokens.append(p[0])
            else:
                open_count[p] -= 1
                tokens.append(p[1])
        return tokens

    return sample


def _with_pattern(pattern: list[str]) -> Callable[[random.Random, tuple, int], list]:
    def sample(rng: random.Random, vocab: tuple, max_seq_len: int) -> list:
        tokens = _uniform(rng, vocab, max_seq_len)
        if len(tokens) >= len(pattern) and rng.random() < 0.5:
            at = rng.randint(0, len(tokens) - len(pattern))
            tokens[at : at + len(pattern)] = pattern
        return tokens

    return sample


def _letters(_: int) -> tuple:
    return LETTERS


def _join3(x, y, z) -> str:
    return f"{x}{y}{z}"


LIB_PROGRAMS: dict[str, LibProgram] = {
    p.name: p
    for p in [
        LibProgram("length", lambda lib, rasp, n: lib.make_length(), _letters),
        LibProgram(
            "reverse", lambda lib, rasp, n: lib.make_reverse(rasp.tokens), _letters
        ),
        LibProgram("hist", lambda lib, rasp, n: lib.make_hist(), _letters),
        LibProgram(
            "sort_unique",
            lambda lib, rasp, n: lib.make_sort_unique(rasp.tokens, rasp.tokens),
            lambda n: tuple(range(max(n, 5))),
            _distinct,
        ),
        LibProgram(
            "sort",
            lambda lib, rasp, n: lib.make_sort(
                rasp.tokens, rasp.tokens, max_seq_len=n, min_key=1
            ),
            lambda n: (1, 2, 3, 4, 5),
        ),
        LibProgram("sort_freq", lambda lib, rasp, n: lib.make_sort_freq(n), _letters),
        LibProgram(
            "frac_prevs",
            lambda lib, rasp, n: lib.make_frac_prevs(rasp.tokens == "a"),
            _letters,
        ),
        LibProgram(
            "pair_balance",
            lambda lib, rasp, n: lib.make_pair_balance(rasp.tokens, "(", ")"),
            lambda n: ("(", ")", "a", "b"),
            _dyck(["()"]),
        ),
        LibProgram(
            "shuffle_dyck",
            lambda lib, rasp, n: lib.make_shuffle_dyck(["()"]),
            lambda n: ("(", ")"),
            _dyck(["()"]),
        ),
        LibProgram(
            "shuffle_dyck2",
            lambda lib, rasp, n: lib.make_shuffle_dyck2(),
            lambda n: ("(", ")", "{", "}"),
            _dyck(["()", "{}"]),
        ),
        LibProgram(
            "shift_by", lambda lib, rasp, n: lib.shift_by(2, rasp.tokens), _letters
        ),
        LibProgram(
            "detect_pattern",
            lambda lib, rasp, n: lib.detect_pattern(rasp.tokens, "abc"),
            _letters,
            _with_pattern(["a", "b", "c"]),
        ),
        LibProgram(
            "count_less_freq",
            lambda lib, rasp, n: lib.make_count_less_freq(2),
            _letters,
        ),
        LibProgram(
            "count", lambda lib, rasp, n: lib.make_count(rasp.tokens, "a"), _letters
        ),
        LibProgram(
            "nary_sequencemap",
            lambda lib, rasp, n: lib.make_nary_sequencemap(
                _join3, rasp.tokens, rasp.tokens, rasp.indices
            ),
            _letters,
        ),
    ]
}


def _zero_argument(name: str) -> Callable[[], rasp.SOp]:
    def build() -> rasp.SOp:
        return LIB_PROGRAMS[name].build(DEFAULT_MAX_SEQ_LEN)

    build.__name__ = name
    build.__doc__ = (
        f"The lib program '{name}' as built for max_seq_len {DEFAULT_MAX_SEQ_LEN}."
    )
    return build


length = _zero_argument("length")
reverse = _zero_argument("reverse")
hist = _zero_argument("hist")
sort_unique = _zero_argument("sort_unique")
sort = _zero_argument("sort")
sort_freq = _zero_argument("sort_freq")
frac_prevs = _zero_argument("frac_prevs")
pair_balance = _zero_argument("pair_balance")
shuffle_dyck = _zero_argument("shuffle_dyck")
shuffle_dyck2 = _zero_argument("shuffle_dyck2")
shift_by = _zero_argument("shift_by")
detect_pattern = _zero_argument("detect_pattern")
count_less_freq = _zero_argument("count_less_freq")
count = _zero_argument("count")
nary_sequencemap = _zero_argument("nary_sequencemap")
