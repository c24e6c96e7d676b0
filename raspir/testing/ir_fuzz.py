"""Mutation fuzzing of IR texts: ``raspir-opt`` must answer every input with a
diagnostic, never a traceback or a hang.

Valid texts of every level (the IR after each stage of the -O0 and -O2
pipelines on a few library programs, and the valid inputs of the filecheck
tests) are mutated, a few edits stacked, and each mutant goes through what
``raspir-opt`` does with it: parse, verify, print, run the rest of a pipeline
from the mutant's level, print the result. Parse errors, verifier errors and
failing passes are the expected answers; anything else is a crash.

``python -m raspir.testing.ir_fuzz --count 20000 --seed 1`` runs a campaign,
prints a summary and a shrunk reproducer of every distinct crash, and exits 1
if there was one.
"""

from __future__ import annotations

import argparse
import re
import resource
import signal
import sys
import threading
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path
from random import Random

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.utils.exceptions import (
    DiagnosticException,
    ParseError,
    PassFailedException,
    VerifyException,
)

from raspir.errors import RaspirError

LEVELS = ("rasp", "sa", "craft", "la")

CONVERSION_INTO = {
    "sa": "convert-rasp-to-sa",
    "craft": "convert-sa-to-craft",
    "la": "convert-craft-to-la",
}
"""The pass that produces each level below rasp."""

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_TIME_LIMIT = 10.0
"""Seconds one input may take before it counts as a hang."""


# ---------------------------------------------------------------------------
# Pipelines: what runs after a module of each level
# ---------------------------------------------------------------------------


def tail(pipeline: Sequence[str], level: str) -> tuple[str, ...]:
    """The passes of ``pipeline`` that run after it has reached ``level``."""
    if level == "rasp":
        return tuple(pipeline)
    conversion = CONVERSION_INTO[level]
    names = [spec.split("{")[0] for spec in pipeline]
    return tuple(pipeline[names.index(conversion) + 1 :])


@cache
def _pipelines() -> dict[str, tuple[str, ...]]:
    from raspir.pipeline import PIPELINES

    return {name.lstrip("-"): tuple(passes) for name, passes in PIPELINES.items()}


# ---------------------------------------------------------------------------
# Seed corpus
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    name: str
    level: str
    text: str


SEED_PROGRAMS = (
    "length",
    "reverse",
    "hist",
    "sort_unique",
    "sort",
    "frac_prevs",
    "pair_balance",
    "shift_by",
    "detect_pattern",
    "count_less_freq",
    "count",
    "sort_freq",
)
"""Library programs whose IR seeds the corpus (small enough to mutate quickly)."""

FLOAT64_PROGRAMS = ("length", "frac_prevs", "sort")
"""Also seeded as compiled for float64."""

MAX_SEED_CHARS = 12_000
"""Longer texts are left out: each mutant costs time in proportion to its size."""


def level_of(module: ModuleOp) -> str | None:
    """The level of a module: the dialect of its first op."""
    first = module.body.block.first_op
    if first is None:
        return None
    dialect = first.name.split(".")[0]
    return dialect if dialect in LEVELS else None


def _printed(module: ModuleOp) -> str:
    from raspir.backend.compiler import _text

    return _text(module)


def _program_seeds(max_seq_len: int) -> Iterator[Seed]:
    from raspir.frontend.rasp_import import to_rasp_ir
    from raspir.pipeline import stages
    from raspir.testing.library import LIB_PROGRAMS

    inline_o0 = [*_pipelines()["O0"][:-1], "convert-craft-to-la{inline_limit=4096}"]
    pipelines = {"O0": _pipelines()["O0"], "O2": _pipelines()["O2"], "O0i": inline_o0}
    for name in SEED_PROGRAMS:
        entry = LIB_PROGRAMS[name]
        vocab = entry.vocab(max_seq_len)[:3]
        module = to_rasp_ir(entry.build(max_seq_len), vocab, max_seq_len)
        yield Seed(f"{name}/{max_seq_len}/import", "rasp", _printed(module))
        for pipeline, passes in pipelines.items():
            for stage, snapshot in stages(module, list(passes)):
                level = level_of(snapshot)
                assert level is not None
                yield Seed(
                    f"{name}/{max_seq_len}/{pipeline}/{stage}",
                    level,
                    _printed(snapshot),
                )
    for name in FLOAT64_PROGRAMS:  # the dtype shows at every level
        entry = LIB_PROGRAMS[name]
        vocab = entry.vocab(max_seq_len)[:3]
        program = entry.build(max_seq_len)
        module = to_rasp_ir(program, vocab, max_seq_len, dtype="float64")
        yield Seed(f"{name}/{max_seq_len}/float64/import", "rasp", _printed(module))
        for stage, snapshot in stages(module, list(inline_o0)):
            level = level_of(snapshot)
            assert level is not None
            yield Seed(
                f"{name}/{max_seq_len}/float64/{stage}", level, _printed(snapshot)
            )


def _filecheck_seeds() -> Iterator[Seed]:
    """Chunks of the filecheck inputs that parse and verify."""
    from raspir.tools.raspir_opt import unterminated_string_at
    from raspir.universe import parse_module

    roots = [REPO_ROOT / "filecheck" / "dialects", REPO_ROOT / "filecheck" / "passes"]
    for root in roots:
        for path in sorted(root.rglob("*.mlir")):
            if "Output" in path.parts or "invalid" in path.name:
                continue
            for index, chunk in enumerate(path.read_text().split("// -----")):
                lines = [
                    line for line in chunk.splitlines() if not line.startswith("//")
                ]
                text = "\n".join(lines).strip() + "\n"
                if unterminated_string_at(text.encode()) is not None:
                    continue  # xDSL's lexer is slow on these; raspir-opt rejects them
                try:
                    module = parse_module(text)
                    module.verify()
                except Exception:  # noqa: BLE001 - not a valid seed, skip it
                    continue
                level = level_of(module)
                if level is not None:
                    rel = path.relative_to(REPO_ROOT)
                    yield Seed(f"{rel}#{index}", level, text)


@cache
def seed_corpus() -> tuple[Seed, ...]:
    """Distinct valid texts of every level, smallest first within a level."""
    seen: set[str] = set()
    seeds: list[Seed] = []
    with warnings.catch_warnings():  # what compiling the seeds warns of
        warnings.simplefilter("ignore")
        candidates = [*_program_seeds(3), *_program_seeds(4), *_filecheck_seeds()]
    for seed in candidates:
        if seed.text in seen or len(seed.text) > MAX_SEED_CHARS:
            continue
        seen.add(seed.text)
        seeds.append(seed)
    seeds.sort(key=lambda s: (LEVELS.index(s.level), len(s.text)))
    return tuple(seeds)


# ---------------------------------------------------------------------------
# Tokens and mutations
# ---------------------------------------------------------------------------

TOKEN = re.compile(
    r"""
    (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<ssa>%[\w.$-]+)
  | (?P<symbol>@[\w.$-]+)
  | (?P<attribute>\#[\w.]+)
  | (?P<type>![\w.]+)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][\w.$-]*)
  | (?P<space>\s+)
  | (?P<punct>->|.)
    """,
    re.VERBOSE | re.DOTALL,
)


def tokenize(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs that concatenate back to ``text``."""
    return [(m.lastgroup or "punct", m.group()) for m in TOKEN.finditer(text)]


def _join(tokens: Sequence[tuple[str, str]]) -> str:
    return "".join(text for _, text in tokens)


@cache
def token_dictionary() -> dict[str, tuple[str, ...]]:
    """Every distinct token of the corpus by kind, for replacements."""
    kinds: dict[str, set[str]] = {}
    for seed in seed_corpus():
        for kind, text in tokenize(seed.text):
            if kind != "space":
                kinds.setdefault(kind, set()).add(text)
    return {kind: tuple(sorted(texts)) for kind, texts in kinds.items()}


@cache
def context_dictionary() -> dict[tuple[str, ...], tuple[str, ...]]:
    """The tokens that follow each token, and each pair of tokens, in the
    corpus: a replacement seen in the same place mostly still parses, so it
    reaches the verifiers and passes."""
    following: dict[tuple[str, ...], set[str]] = {}
    for seed in seed_corpus():
        tokens = [t for kind, t in tokenize(seed.text) if kind != "space"]
        for i in range(1, len(tokens)):
            following.setdefault((tokens[i - 1],), set()).add(tokens[i])
            if i > 1:
                following.setdefault((tokens[i - 2], tokens[i - 1]), set()).add(
                    tokens[i]
                )
    return {key: tuple(sorted(after)) for key, after in following.items()}


BOUNDARY_NUMBERS = (
    "0",
    "-1",
    "1",
    "2",
    "-0",
    "-0.0",
    "0.0",
    "1e309",
    "-1e309",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "2147483648",
    "4294967296",
    "9223372036854775808",
    "18446744073709551616",
    str(10**30),
    "-" + str(10**30),
    str(10**400),
    "1" + "0" * 5000,
    "0x10",
    "0.5",
    "1.0e-05",
    "3.4028236e38",
    "true",
    "false",
    "none",
)

ODD_STRINGS = (
    '""',
    '"\\"',
    '"\\\\"',
    '"\\n"',
    '"\\0A"',
    '"\\FF"',
    '"\\x"',
    '"é"',
    '"日本"',
    '"\\C3\\A9"',
    '"\\C3"',
    '"a\\"b"',
    '"' + "x" * 300 + '"',
    '"\udcff"',
    '"\u202e"',
    '"\x00"',
    '"\t"',
    '"|"',
    '"tokens:a"',
    '"one"',
)

ODD_CHARACTERS = (
    "\x00",
    "\t",
    "\r",
    "\\",
    '"',
    "é",
    "\u2028",
    "\ufeff",
    "\U0001f600",
    "\udcff",  # an invalid UTF-8 byte once encoded (see ``encode``)
    "\udcc3",
    "#",
    "^",
    "`",
    "$",
    "//",
    "// -----",
)

BRACKETS = "{}()[]<>"


def encode(text: str) -> bytes:
    """The bytes ``raspir-opt`` reads; lone surrogates stand for invalid bytes."""
    return text.encode("utf-8", "surrogateescape")


def _span(rng: Random, length: int, most: int = 12) -> tuple[int, int]:
    start = rng.randrange(length)
    return start, min(length, start + rng.randint(1, most))


def _token_positions(tokens: Sequence[tuple[str, str]], *kinds: str) -> list[int]:
    return [i for i, (kind, _) in enumerate(tokens) if kind in kinds]


def delete_span(rng: Random, text: str, others: Sequence[str]) -> str:
    tokens = tokenize(text)
    if not tokens:
        return text
    start, end = _span(rng, len(tokens), 8)
    return _join(tokens[:start] + tokens[end:])


def delete_chars(rng: Random, text: str, others: Sequence[str]) -> str:
    if not text:
        return text
    start, end = _span(rng, len(text), 4)
    return text[:start] + text[end:]


def duplicate_span(rng: Random, text: str, others: Sequence[str]) -> str:
    tokens = tokenize(text)
    if not tokens:
        return text
    start, end = _span(rng, len(tokens), 10)
    at = rng.choice([end, rng.randrange(len(tokens) + 1)])
    return _join(tokens[:at] + tokens[start:end] + tokens[at:])


def swap_spans(rng: Random, text: str, others: Sequence[str]) -> str:
    tokens = tokenize(text)
    if len(tokens) < 4:
        return text
    a, b = sorted(rng.sample(range(len(tokens)), 2))
    la, lb = rng.randint(1, 4), rng.randint(1, 4)
    la = min(la, b - a)
    first, second = tokens[a : a + la], tokens[b : b + lb]
    return _join(tokens[:a] + second + tokens[a + la : b] + first + tokens[b + lb :])


def replace_token(rng: Random, text: str, others: Sequence[str]) -> str:
    """A token for another of the same kind (sometimes of any kind)."""
    tokens = tokenize(text)
    positions = [i for i, (kind, _) in enumerate(tokens) if kind != "space"]
    if not positions:
        return text
    at = rng.choice(positions)
    dictionary = token_dictionary()
    kind = tokens[at][0] if rng.random() < 0.8 else rng.choice(sorted(dictionary))
    choices = dictionary.get(kind) or (tokens[at][1],)
    tokens[at] = (kind, rng.choice(choices))
    return _join(tokens)


def replace_in_context(rng: Random, text: str, others: Sequence[str]) -> str:
    """A token for another that follows the same token somewhere in the corpus."""
    tokens = tokenize(text)
    positions = [i for i, (kind, _) in enumerate(tokens) if kind != "space"]
    if len(positions) < 2:
        return text
    # Words, names, numbers, strings: punctuation is what other mutations break.
    index = rng.choice(
        [i for i in range(1, len(positions)) if tokens[positions[i]][0] != "punct"]
        or [1]
    )
    at = positions[index]
    before = tuple(tokens[i][1] for i in positions[max(0, index - 2) : index])
    dictionary = context_dictionary()

    def fits(t: str) -> bool:
        return t != tokens[at][1] and (
            len(t) > 2 or t[:1].isalnum() or t[:1] in '%@!#"-'
        )

    choices = [t for t in dictionary.get(before, ()) if fits(t)]
    if not choices or rng.random() < 0.3:  # the wider context: one token
        choices = [t for t in dictionary.get(before[-1:], ()) if fits(t)]
    tokens[at] = ("word", rng.choice(choices or [tokens[at][1]]))
    return _join(tokens)


def _element_edge(tokens: Sequence[tuple[str, str]], comma: int, step: int) -> int:
    """Where the list element beside ``comma`` ends (``step`` 1: the one after
    it, -1: the one before): the next comma or closing bracket at its depth."""
    opening, closing = ("(", "[", "{", "<"), (")", "]", "}", ">")
    if step < 0:
        opening, closing = closing, opening
    depth, at = 0, comma + step
    while 0 <= at < len(tokens):
        t = tokens[at][1]
        if t in opening:
            depth += 1
        elif t in closing:
            if depth == 0:
                break
            depth -= 1
        elif t == "," and depth == 0:
            break
        at += step
    return at


def delete_element(rng: Random, text: str, others: Sequence[str]) -> str:
    """One element of a comma-separated list (a value, a table entry, an
    operand) removed with its comma."""
    tokens = tokenize(text)
    commas = [i for i, (_, t) in enumerate(tokens) if t == ","]
    if not commas:
        return text
    start = rng.choice(commas)
    if rng.random() < 0.5:  # the element before the comma instead
        begin = _element_edge(tokens, start, -1)
        return _join(tokens[: begin + 1] + tokens[start + 1 :])
    return _join(tokens[:start] + tokens[_element_edge(tokens, start, 1) :])


def rename_value(rng: Random, text: str, others: Sequence[str]) -> str:
    """Every use of one SSA name or symbol for another: a consistent rename
    that breaks def-use order or types rather than the syntax."""
    tokens = tokenize(text)
    names = sorted({t for kind, t in tokens if kind in ("ssa", "symbol")})
    if len(names) < 2:
        return text
    old, new = rng.sample(names, 2)
    uses = [i for i, (_, t) in enumerate(tokens) if t == old]
    chosen = uses if rng.random() < 0.5 else [rng.choice(uses)]
    for i in chosen:
        tokens[i] = (tokens[i][0], new)
    return _join(tokens)


def splice_lines(rng: Random, text: str, others: Sequence[str]) -> str:
    """Lines of another text in place of, or among, this one's."""
    lines = text.splitlines(keepends=True)
    donor = rng.choice(others).splitlines(keepends=True) if others else lines
    if not lines or not donor:
        return text
    start = rng.randrange(len(donor))
    piece = donor[start : start + rng.randint(1, 3)]
    at = rng.randrange(len(lines) + 1)
    drop = rng.choice([0, 0, 1, len(piece)])
    return "".join(lines[:at] + piece + lines[at + drop :])


def line_edit(rng: Random, text: str, others: Sequence[str]) -> str:
    """Delete, duplicate or swap whole lines."""
    lines = text.splitlines(keepends=True)
    if len(lines) < 2:
        return text
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    action = rng.randrange(3)
    if action == 0:
        del lines[i]
    elif action == 1:
        lines.insert(j, lines[i])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def boundary_number(rng: Random, text: str, others: Sequence[str]) -> str:
    tokens = tokenize(text)
    positions = _token_positions(tokens, "number") or _token_positions(tokens, "word")
    if not positions:
        return text
    at = rng.choice(positions)
    replacement = rng.choice(BOUNDARY_NUMBERS)
    # A sign before the number may go with it.
    if at > 0 and tokens[at - 1][1] == "-" and rng.random() < 0.5:
        tokens[at - 1] = ("space", "")
    tokens[at] = ("number", replacement)
    return _join(tokens)


def string_edit(rng: Random, text: str, others: Sequence[str]) -> str:
    """A string literal replaced, opened, or given odd escapes or characters."""
    tokens = tokenize(text)
    positions = _token_positions(tokens, "string")
    if not positions:
        return text
    at = rng.choice(positions)
    literal = tokens[at][1]
    action = rng.randrange(4)
    if action == 0:
        literal = rng.choice(ODD_STRINGS)
    elif action == 1:
        literal = literal[:-1]  # unterminated
    else:
        cut = rng.randint(1, max(1, len(literal) - 1))
        insert = rng.choice(["\\", "\\\\", '\\"', "\\22", "\\FF", *ODD_CHARACTERS])
        literal = literal[:cut] + insert + literal[cut:]
    tokens[at] = ("string", literal)
    return _join(tokens)


def bracket_edit(rng: Random, text: str, others: Sequence[str]) -> str:
    """A bracket removed or inserted, or a deep nest of them."""
    positions = [i for i, c in enumerate(text) if c in BRACKETS]
    action = rng.randrange(4)
    if action == 0 and positions:
        at = rng.choice(positions)
        return text[:at] + text[at + 1 :]
    at = rng.randrange(len(text) + 1)
    if action == 3:
        opener = rng.choice("{([<")
        depth = rng.choice([50, 500, 5000])
        return text[:at] + opener * depth + text[at:]
    return text[:at] + rng.choice(BRACKETS) + text[at:]


def insert_character(rng: Random, text: str, others: Sequence[str]) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(ODD_CHARACTERS) + text[at:]


def truncate(rng: Random, text: str, others: Sequence[str]) -> str:
    return text[: rng.randrange(len(text) + 1)]


MUTATIONS: dict[str, Callable[[Random, str, Sequence[str]], str]] = {
    f.__name__: f
    for f in (
        delete_span,
        delete_chars,
        duplicate_span,
        swap_spans,
        replace_token,
        replace_in_context,
        delete_element,
        rename_value,
        splice_lines,
        line_edit,
        boundary_number,
        string_edit,
        bracket_edit,
        insert_character,
        truncate,
    )
}
"""Mutation operators by name; each takes (rng, text, other texts) to a text."""

WEIGHTS = {
    "delete_span": 2,
    "delete_chars": 1,
    "duplicate_span": 2,
    "swap_spans": 2,
    "replace_token": 3,
    "replace_in_context": 8,
    "delete_element": 3,
    "rename_value": 3,
    "splice_lines": 2,
    "line_edit": 2,
    "boundary_number": 5,
    "string_edit": 2,
    "bracket_edit": 1,
    "insert_character": 1,
    "truncate": 1,
}


def mutate(text: str, steps: Sequence[tuple[str, int]], others: Sequence[str]) -> str:
    """Apply mutation ``name`` seeded by ``seed`` for each ``(name, seed)``."""
    for name, seed in steps:
        text = MUTATIONS[name](Random(seed), text, others)
    return text


SEMANTIC = (
    "replace_in_context",
    "delete_element",
    "rename_value",
    "boundary_number",
    "line_edit",
    "splice_lines",
)
"""Mutations that mostly keep the text parseable, so that it reaches the
verifiers and passes."""


def random_steps(rng: Random) -> list[tuple[str, int]]:
    """One to four mutations: half the time only semantic ones, else any,
    weighted by ``WEIGHTS``."""
    names = list(SEMANTIC) if rng.random() < 0.5 else list(WEIGHTS)
    weights = [WEIGHTS[n] for n in names]
    count = rng.choice([1, 1, 2, 2, 3, 4])
    return [(rng.choices(names, weights)[0], rng.getrandbits(32)) for _ in range(count)]


# ---------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------

DIAGNOSTIC_KINDS = ("parse-error", "invalid", "pass-error", "ok")
BUG_KINDS = ("crash", "hang", "round-trip", "broken-ir")


@dataclass(frozen=True)
class Outcome:
    """What ``raspir-opt`` made of one input.

    ``kind`` is ``ok`` (printed), ``parse-error``, ``invalid`` (the verifier
    rejected it), ``pass-error`` (a pass failed with a diagnostic), or a bug:
    ``crash`` (any other exception), ``hang`` (over the time limit),
    ``round-trip`` (the printed IR does not read back the same),
    ``broken-ir`` (a pass turned verified input into IR that does not verify).
    """

    kind: str
    level: str | None = None
    message: str = ""
    signature: tuple = ()
    """For bugs: what tells one bug from another (exception type and where)."""
    trace: str = ""

    @property
    def is_bug(self) -> bool:
        return self.kind in BUG_KINDS


class Timeout(BaseException):
    """Raised in the main thread by the alarm; a BaseException so that no
    ``except Exception`` in the code under test swallows it."""


DIAGNOSTICS = (ParseError, DiagnosticException, PassFailedException, RaspirError)
"""The exceptions ``raspir-opt`` reports as deliberate diagnostics."""


def _where(error: BaseException) -> tuple:
    """The innermost frame in raspir (else the innermost frame at all)."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [
        f for f in frames if "/raspir/" in f.filename and "/testing/" not in f.filename
    ]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return ()
    path = Path(frame.filename)
    short = "/".join(path.parts[-2:])
    return (short, frame.name, frame.lineno)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[-1].strip() if lines else type(error).__name__


class Checker:
    """Runs inputs through raspir-opt's own driver objects, in process."""

    def __init__(self, time_limit: float = DEFAULT_TIME_LIMIT):
        from raspir.tools.raspir_opt import RaspirOptMain

        self.time_limit = time_limit
        self.main = RaspirOptMain(args=[])
        self.jax = RaspirOptMain(args=["-t", "jax"])
        self.ctx = Context()

    def _pipeline(self, passes: Sequence[str], stage: list[str]) -> PassPipeline:
        def callback(
            previous: ModulePass | None, module: ModuleOp, following: ModulePass | None
        ) -> None:
            stage[0] = f"after {previous.name}" if previous else "verify"
            module.verify()
            stage[0] = f"in {following.name}" if following else "print"

        return PassPipeline.parse_spec(
            self.main.available_passes, ",".join(passes), callback
        )

    def check(self, data: str | bytes, pipeline: str = "O2") -> Outcome:
        """Parse, verify, print, round-trip, run ``pipeline``'s passes that
        follow the input's level and print the result."""
        if isinstance(data, str):
            data = encode(data)
        stage = ["parse"]
        level: str | None = None
        timer = _Alarm(self.time_limit)
        try:
            with timer, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = self.main.parse_chunk(BytesIO(data), "mlir")
                assert module is not None
                level = level_of(module)
                stage[0] = "verify"
                module.verify()
                stage[0] = "print"
                printed = self.main.output_resulting_program(module)
                stage[0] = "round-trip"
                again = self.main.parse_chunk(BytesIO(printed.encode()), "mlir")
                assert again is not None
                again.verify()
                if self.main.output_resulting_program(again) != printed:
                    return Outcome(
                        "round-trip",
                        level,
                        "printed IR reprints differently",
                        ("reprint",),
                    )
                passes = tail(_pipelines()[pipeline], level) if level else ()
                self._pipeline(passes, stage).apply(self.ctx, module)
                self.main.output_resulting_program(module)
                if level_of(module) == "la":
                    stage[0] = "jax"
                    self.jax.output_resulting_program(module)
        except Timeout:
            return Outcome(
                "hang",
                level,
                f"over {self.time_limit} s in {stage[0]}",
                ("hang", stage[0]),
            )
        except DIAGNOSTICS as e:
            if stage[0] == "round-trip":
                return Outcome(
                    "round-trip",
                    level,
                    _first_line(e),
                    ("round-trip", type(e).__name__),
                    traceback.format_exc(),
                )
            if stage[0].startswith("after ") and isinstance(e, VerifyException):
                # The input verified, but a pass made IR that does not: the
                # input's verifier misses something the pass relies on.
                shape = re.sub(r"'[^']*'|\"[^\"]*\"|-?\d[\w.+-]*", "_", _first_line(e))
                return Outcome(
                    "broken-ir",
                    level,
                    f"{stage[0]}: {_first_line(e)}",
                    ("broken-ir", stage[0], shape[:80]),
                    traceback.format_exc(),
                )
            if stage[0] == "parse":
                kind = "parse-error"
            elif stage[0] == "verify":
                kind = "invalid"
            else:
                kind = "pass-error"
            return Outcome(kind, level, _first_line(e))
        except (Exception, RecursionError) as e:  # noqa: BLE001 - that is what we look for
            signature = (type(e).__name__, stage[0].split(" ")[0], *_where(e))
            return Outcome(
                "crash",
                level,
                f"{type(e).__name__}: {_first_line(e)}",
                signature,
                traceback.format_exc(),
            )
        return Outcome("ok", level)


class _Alarm:
    """A time limit on a block, through SIGALRM (main thread only; elsewhere
    there is no limit)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = False

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread() and self.seconds > 0:
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.armed = True

    def __exit__(self, *exc) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)

    @staticmethod
    def _fire(signum, frame) -> None:
        raise Timeout


# ---------------------------------------------------------------------------
# Shrinking
# ---------------------------------------------------------------------------


def shrink(
    text: str,
    still_fails: Callable[[str], bool],
    budget: int = 1500,
) -> str:
    """Greedily delete chunks of lines, then of tokens, while ``still_fails``."""
    tries = 0

    def attempt(candidate: str) -> bool:
        nonlocal tries
        tries += 1
        return still_fails(candidate)

    for split, join in ((_lines, "".join), (tokenize_texts, "".join)):
        parts = split(text)
        size = max(1, len(parts) // 2)
        while size >= 1 and tries < budget:
            i = 0
            changed = False
            while i < len(parts) and tries < budget:
                candidate = parts[:i] + parts[i + size :]
                if candidate and attempt(join(candidate)):
                    parts = candidate
                    changed = True
                else:
                    i += size
            if not changed:
                size //= 2
        text = join(parts)
    return text


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def tokenize_texts(text: str) -> list[str]:
    return [t for _, t in tokenize(text)]


# ---------------------------------------------------------------------------
# Campaign
# ---------------------------------------------------------------------------


@dataclass
class Report:
    counts: dict[str, Counter] = field(default_factory=dict)
    bugs: dict[tuple, tuple[Outcome, str, str]] = field(default_factory=dict)
    """First outcome, seed name and mutant of each distinct bug."""
    mutants: int = 0

    def add(self, seed: Seed, mutant: str, outcome: Outcome) -> None:
        self.mutants += 1
        self.counts.setdefault(seed.level, Counter())[outcome.kind] += 1
        if outcome.is_bug and outcome.signature not in self.bugs:
            self.bugs[outcome.signature] = (outcome, seed.name, mutant)

    @property
    def bug_count(self) -> int:
        return sum(c[k] for c in self.counts.values() for k in BUG_KINDS)


def campaign(
    count: int,
    seed: int,
    checker: Checker,
    progress: Callable[[int, Report], None] | None = None,
) -> Report:
    rng = Random(seed)
    corpus = seed_corpus()
    texts = [s.text for s in corpus]
    report = Report()
    for index in range(count):
        origin = rng.choice(corpus)
        mutant = mutate(origin.text, random_steps(rng), texts)
        pipeline = "O2" if index % 2 == 0 else "O0"
        report.add(origin, mutant, checker.check(mutant, pipeline))
        if progress is not None:
            progress(index + 1, report)
    return report


def _summary(report: Report, seconds: float) -> str:
    kinds = (*DIAGNOSTIC_KINDS, *BUG_KINDS)
    header = f"{'level':<8}{'mutants':>9}{'parsed':>9}{'verified':>9}" + "".join(
        f"{k:>12}" for k in kinds
    )
    rows = [header]
    total: Counter = Counter()
    for level in LEVELS:
        c = report.counts.get(level, Counter())
        total.update(c)
        rows.append(_row(level, c, kinds))
    rows.append(_row("total", total, kinds))
    rows.append(
        f"{report.mutants} mutants in {seconds:.0f} s; "
        f"{report.bug_count} non-diagnostic outcomes, {len(report.bugs)} distinct"
    )
    return "\n".join(rows)


def _row(name: str, c: Counter, kinds: Sequence[str]) -> str:
    n = sum(c.values())
    parsed = n - c["parse-error"]
    verified = parsed - c["invalid"]
    return f"{name:<8}{n:>9}{parsed:>9}{verified:>9}" + "".join(
        f"{c[k]:>12}" for k in kinds
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m raspir.testing.ir_fuzz",
        description="Mutation-fuzz raspir-opt on IR texts of every level.",
    )
    parser.add_argument("--count", type=int, default=1000, help="mutants to try")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        help="seconds per input before it counts as a hang",
    )
    parser.add_argument(
        "--memory-limit-mb",
        type=int,
        default=4096,
        help="address-space limit, so a runaway allocation fails (0: none)",
    )
    parser.add_argument(
        "--no-shrink", action="store_true", help="print crashing mutants unshrunk"
    )
    parser.add_argument(
        "--no-seed-check",
        action="store_true",
        help="skip running the unmutated seeds first",
    )
    args = parser.parse_args(argv)
    if args.memory_limit_mb:
        limit = args.memory_limit_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.perf_counter()
    checker = Checker(args.time_limit)
    corpus = seed_corpus()
    by_level = Counter(s.level for s in corpus)
    print(
        f"seed corpus: {len(corpus)} texts ("
        + ", ".join(f"{by_level[lv]} {lv}" for lv in LEVELS)
        + ")",
        flush=True,
    )
    seeds: Counter = Counter()
    for each in () if args.no_seed_check else corpus:
        for pipeline in ("O2", "O0"):  # the seeds themselves go through cleanly
            outcome = checker.check(each.text, pipeline)
            seeds[outcome.kind] += 1
            if outcome.kind not in ("ok", "pass-error"):
                print(
                    f"seed {each.name} ({pipeline}): {outcome.kind}: {outcome.message}"
                )
    if seeds:
        print(
            "seeds through -O2 and -O0: "
            + ", ".join(f"{n} {k}" for k, n in seeds.items())
        )

    def progress(done: int, report: Report) -> None:
        if done % 1000 == 0:
            elapsed = time.perf_counter() - started
            print(
                f"  {done} mutants, {report.bug_count} bugs, {elapsed:.0f} s",
                flush=True,
            )

    report = campaign(args.count, args.seed, checker, progress)
    print(_summary(report, time.perf_counter() - started))
    for signature, (outcome, origin, mutant) in report.bugs.items():
        print("\n" + "=" * 78)
        print(f"{outcome.kind}: {outcome.message}")
        print(f"  signature: {signature}")
        print(f"  from seed: {origin}")
        if not args.no_shrink:
            # A hang costs the time limit on every try: fewer tries, shorter limit.
            hang = outcome.kind == "hang"
            shrinker = Checker(min(2.0, args.time_limit)) if hang else checker
            mutant = shrink(
                mutant,
                lambda text, s=signature, c=shrinker: _still(c, text, s),
                budget=40 if hang else 1500,
            )
        print("  reproducer:")
        print("    " + "\n    ".join(_abbreviate(line) for line in mutant.splitlines()))
        if outcome.trace:
            print("  " + "\n  ".join(outcome.trace.strip().splitlines()[-6:]))
    seed_bugs = sum(seeds[k] for k in BUG_KINDS)
    return 1 if report.bugs or seed_bugs else 0


def _abbreviate(line: str) -> str:
    """A line as a Python literal, long runs of one character written as such."""
    parts = []
    for match in re.finditer(r"(.)\1{19,}|(?:(.)(?!\2{19}))+?(?=(.)\3{19}|$)", line):
        if match.group(1) is not None:
            parts.append(f"{match.group(1)!r} * {len(match.group())}")
        else:
            parts.append(repr(match.group()))
    return " + ".join(parts) or repr(line)


def _still(checker: Checker, text: str, signature: tuple) -> bool:
    for pipeline in ("O2", "O0"):
        if checker.check(text, pipeline).signature == signature:
            return True
    return False


if __name__ == "__main__":
    sys.exit(main())
