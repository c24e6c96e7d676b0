"""Write ``docs/limits.md``: the longest inputs each lib program compiles for.

For each of the 15 library programs (vocabularies and input samplers as in
``raspir.testing.library``) this finds the largest ``max_seq_len`` N at which
float32 compilation succeeds: N doubles from 8 up to a cap, then bisection
between the last success and the first refusal, each try running the ``-O2``
pipeline only through ``convert-rasp-to-sa`` (where import and the constants
refuse what they cannot make exact). It records why N + 1 is refused and
whether ``dtype="float64"`` compiles there. Then it checks the claims: the
full ``-O2`` model at N in float32, and at N + 1 in float64 where that
compiles, must agree with the evaluator on random inputs, several of them of
length exactly N (or N + 1). Run it from the repository root::

    .venv/bin/python benchmarks/limits.py

It takes about ten minutes on two cores; ``--programs length,hist`` limits it
to some programs (the document then holds only those).
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import resource
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xdsl.context import Context  # noqa: E402
from xdsl.utils.exceptions import PassFailedException  # noqa: E402

from raspir import compile_rasp_to_model, rasp  # noqa: E402
from raspir.dialects import sa  # noqa: E402
from raspir.dialects.rasp import CATEGORICAL  # noqa: E402
from raspir.dialects.values import value_key  # noqa: E402
from raspir.errors import RaspirError  # noqa: E402
from raspir.frontend.rasp_import import (  # noqa: E402
    MAX_TABLE_SIZE,
    MAX_VALUE_SET_SIZE,
    to_rasp_ir,
)
from raspir.passes.convert_rasp_to_sa import FLOAT64_HINT, UNIT_ROUNDOFF  # noqa: E402
from raspir.pipeline import O2, resolve  # noqa: E402
from raspir.testing.library import LIB_PROGRAMS, LibProgram  # noqa: E402
from raspir.verification import NUMERICAL_TOLERANCE  # noqa: E402

START = 8
CAP = 1024
"""The search doubles N from START and stops at CAP (a program that still
compiles there is reported as reaching the cap)."""
UP_TO_CONSTANTS = O2[: O2.index("convert-rasp-to-sa") + 1]
"""The -O2 prefix that decides whether a program compiles: import refuses
what it cannot enumerate, convert-rasp-to-sa what it cannot make exact."""
SAMPLES = {256: 32, CAP: 8}
"""Random inputs per check, by the largest N they are used for (long inputs
make big models, slow to run)."""
FULL_LENGTH = 4
"""Of those, inputs of length exactly N."""
MAX_WIDTH = 8_000
"""Full models are built only below this estimated residual width (one
direction per categorical value of the lowered program): weights grow with
its square, and sort_freq's pair-valued s-ops make it about N²."""
MEMORY_LIMIT = 14 << 30
"""Address space the script may take, so that a model too big for the machine
fails its check (MemoryError) instead of the machine."""
OUT = HERE.parent / "docs" / "limits.md"


@dataclass
class Attempt:
    """One try at compiling: whether it got through, and where and why not."""

    ok: bool
    stage: str = ""
    """``import`` or ``lowering`` when refused."""
    message: str = ""
    width: int = 0
    """Estimated residual width of the lowered program (when lowered)."""

    @property
    def precision(self) -> bool:
        """Refused for float32 precision: float64 would compile it."""
        return self.message.endswith(FLOAT64_HINT)


@dataclass
class Check:
    """A compiled model against the evaluator."""

    n: int
    dtype: str
    compiled: bool
    message: str = ""
    agree: int = 0
    checked: int = 0
    full_length: int = 0
    sizes: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def exact(self) -> bool:
        return self.compiled and self.checked > 0 and self.agree == self.checked


@dataclass
class Row:
    name: str
    limit: int
    refusal: Attempt | None
    """Why N + 1 is refused (None: the cap was reached)."""
    float64: Attempt | None = None
    """float64 at N + 1 (lowering only)."""
    checks: list[Check] = field(default_factory=list)
    tries: int = 0
    seconds: float = 0.0


def lower(entry: LibProgram, n: int, dtype: str, import_only: bool = False) -> Attempt:
    """Import and lower through convert-rasp-to-sa (or only import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            module = to_rasp_ir(entry.build(n), entry.vocab(n), n, dtype=dtype)
        except RaspirError as e:
            return Attempt(False, "import", str(e))
        if import_only:
            return Attempt(True)
        try:
            ctx = Context()
            for each in resolve(UP_TO_CONSTANTS):
                each.apply(ctx, module)
        except PassFailedException as e:
            return Attempt(False, "lowering", str(e))
    return Attempt(True, width=estimated_width(module))


def estimated_width(module) -> int:
    """The residual width of an sa program before -O2's craft passes shrink
    it: one direction per categorical value, two per number (value, square)."""
    program = module.body.block.first_op
    assert isinstance(program, sa.ProgramOp)
    return sum(
        len(op.values.data) if op.encoding == CATEGORICAL else 2
        for op in program.body.block.ops
        if isinstance(op, sa.ComponentOp)
    )


def search(entry: LibProgram, row: Row) -> None:
    """The largest float32 N: doubling, then bisection. Refusals are taken to
    persist at longer inputs (every limit grows with N); the checks then run
    at N and N + 1 themselves."""

    def attempt(n: int, import_only: bool = False) -> Attempt:
        row.tries += 1
        result = lower(entry, n, "float32", import_only)
        print(
            f"  {entry.name} N={n}: {'ok' if result.ok else result.stage}", flush=True
        )
        return result

    good, bad, refusal = 0, None, None
    n = START
    while n <= CAP:
        result = attempt(n)
        if not result.ok:
            bad, refusal = n, result
            break
        good, n = n, 2 * n
    if bad is None or refusal is None:
        row.limit, row.refusal = good, None
        return
    if refusal.stage == "import":
        # Import alone draws this line; bisect it cheaply, then make sure the
        # lowering gets through below it.
        lowered, lo = good, good
        while bad - lo > 1:
            mid = (lo + bad) // 2
            result = attempt(mid, import_only=True)
            if result.ok:
                lo = mid
            else:
                bad, refusal = mid, result
        if lo > lowered:
            result = attempt(lo)
            if result.ok:
                good = lo
            else:
                bad, refusal = lo, result
    while bad - good > 1:
        mid = (good + bad) // 2
        result = attempt(mid)
        if result.ok:
            good = mid
        else:
            bad, refusal = mid, result
    row.limit, row.refusal = good, refusal


def inputs(entry: LibProgram, n: int, seed: str) -> list[list]:
    """The sampler's inputs, ``FULL_LENGTH`` of them of length exactly n
    (drawn until one is that long, else uniform tokens of that length)."""
    rng = random.Random(seed)
    count = next(samples for limit, samples in sorted(SAMPLES.items()) if n <= limit)
    out = [entry.random_input(rng, n) for _ in range(count - FULL_LENGTH)]
    vocab = entry.vocab(n)
    for _ in range(FULL_LENGTH):
        for _ in range(min(20 * n, 4000)):
            xs = entry.random_input(rng, n)
            if len(xs) == n:
                break
        else:
            xs = [rng.choice(vocab) for _ in range(n)]
        out.append(xs)
    return out


def agrees(actual: Sequence, expected: Sequence, tolerance: float) -> bool:
    """Type-exact equality, numbers within ``tolerance`` (as ``raspir.verify``
    compares: a numerical output's ``False`` is the number 0)."""
    if len(actual) != len(expected):
        return False
    for a, e in zip(actual, expected, strict=True):
        if value_key(a) == value_key(e):
            continue
        numbers = all(isinstance(v, int | float) for v in (a, e))
        if not numbers or abs(float(a) - float(e)) > tolerance:
            return False
    return True


def check(entry: LibProgram, n: int, dtype: str) -> Check:
    """Compile with -O2 and compare the JAX model with the evaluator."""
    started = time.perf_counter()
    result = Check(n, dtype, compiled=False)
    lowered = lower(entry, n, dtype)
    if lowered.ok and lowered.width > MAX_WIDTH:
        result.message = (
            f"not built: its residual would be about {lowered.width:,} wide "
            f"(more than {MAX_WIDTH:,}; weights of ~{lowered.width**2:.0e} entries "
            "each), so only its certificate (the lowering) was checked"
        )
        return result
    try:
        return measured(entry, n, dtype, result, started)
    except MemoryError:
        result.compiled = False
        result.message = f"ran out of memory (limit {MEMORY_LIMIT >> 30} GB)"
        return result


def measured(
    entry: LibProgram, n: int, dtype: str, result: Check, started: float
) -> Check:
    program = entry.build(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = compile_rasp_to_model(program, entry.vocab(n), n, dtype=dtype)
        except RaspirError as e:
            result.message = f"did not compile: {e}"
            result.seconds = time.perf_counter() - started
            return result
        result.compiled = True
        s = model.sizes
        result.sizes = {
            "layers": s.layers,
            "residual": s.residual_width,
            "mlp": s.mlp_hidden,
            "params": s.params,
        }
        cases, expected = [], []
        for xs in inputs(entry, n, f"{entry.name}-{n}-{dtype}"):
            try:
                expected.append(list(rasp.evaluate(program, xs)))
            except Exception:  # noqa: BLE001 - the evaluator rejects this input
                continue
            cases.append(xs)
        bos = model.input_encoder.bos_token
        outputs = model.apply_batch([bos, *xs] for xs in cases)
    numbers = [
        abs(float(v)) for row in expected for v in row if isinstance(v, int | float)
    ]
    tolerance = NUMERICAL_TOLERANCE * max([1.0, *numbers])
    result.checked = len(cases)
    result.full_length = sum(len(xs) == n for xs in cases)
    result.agree = sum(
        agrees(out[1:], exp, tolerance)
        for out, exp in zip(outputs, expected, strict=True)
    )
    result.seconds = time.perf_counter() - started
    return result


def measure(entry: LibProgram) -> Row:
    started = time.perf_counter()
    row = Row(entry.name, 0, None)
    search(entry, row)
    n = row.limit
    print(f"{entry.name}: float32 limit {n}", flush=True)
    if n >= 1:
        row.checks.append(check(entry, n, "float32"))
    if row.refusal is not None:
        # A precision refusal was already lowered in float64 to say so.
        precise = row.refusal.precision
        row.float64 = Attempt(True) if precise else lower(entry, n + 1, "float64")
        if row.float64.ok:
            row.checks.append(check(entry, n + 1, "float64"))
    row.seconds = time.perf_counter() - started
    for c in row.checks:
        print(f"  {c.dtype} N={c.n}: {c.agree}/{c.checked} ({c.seconds:.0f} s)")
    return row


# -- the document ----------------------------------------------------------------


def count_limit(unit: float) -> int:
    """The largest N whose counts certify (``convert_rasp_to_sa``): the head's
    relative error target 1/(64(N+2)) must exceed twice the softmax's
    rounding 2(N+1)u, that is (N+1)(N+2) < 1/(256u)."""
    n = int(math.isqrt(int(1 / (256 * unit))))
    while (n + 1) * (n + 2) >= 1 / (256 * unit):
        n -= 1
    return n


def mean_limit(unit: float) -> int:
    """The largest N at which a mean of values in [0, 1] certifies at all: the
    softmax's rounding 2(N+1)u alone must stay below the output tolerance."""
    return math.ceil(NUMERICAL_TOLERANCE / (2 * unit)) - 2


def reason(attempt: Attempt | None) -> str:
    if attempt is None:
        return f"– (compiles at the cap, {CAP})"
    kind = "precision" if attempt.precision else f"{attempt.stage} limit"
    message = attempt.message.removesuffix(FLOAT64_HINT).replace("|", "\\|")
    return f"{kind}: {message}"


def float64_cell(row: Row) -> str:
    if row.refusal is None or row.float64 is None:
        return "–"
    if not row.float64.ok:
        return f"no ({row.float64.stage} limit, as in float32)"
    c = next(c for c in row.checks if c.dtype == "float64")
    if c.exact:
        return "yes, exact"
    if c.compiled:
        return "yes, NOT EXACT"
    if c.message.startswith("not built"):
        return "yes (certified; too big to build here)"
    return f"no: {c.message}"


def check_cell(c: Check) -> str:
    if not c.compiled:
        return f"{c.dtype} N={c.n}: {c.message}"
    verdict = "exact" if c.exact else "NOT EXACT"
    return (
        f"{c.dtype} N={c.n}: {verdict} on {c.agree}/{c.checked} "
        f"({c.full_length} of length {c.n})"
    )


def sizes_cell(c: Check) -> str:
    if not c.compiled:
        return "–"
    s = c.sizes
    return f"{s['layers']} / {s['residual']:,} / {s['mlp']:,} / {s['params']:,}"


def document(rows: list[Row], seconds: float) -> str:
    u32, u64 = UNIT_ROUNDOFF["float32"], UNIT_ROUNDOFF["float64"]
    lines = [
        "# How long an input compiles exactly",
        "",
        "raspir derives every constant of a model (attention sharpness, MLP step "
        "slopes) from the value sets, `max_seq_len` and the rounding of the "
        "arithmetic the model computes in, and certifies each component's noise "
        "against what its consumers tolerate ([constructions.md](constructions.md)). Longer "
        "inputs need sharper constants, so for each program there is a longest "
        "`max_seq_len` at which float32 exactness is guaranteed; beyond it "
        "compilation refuses, naming the op and the bound, and suggests "
        '`dtype="float64"` (`--dtype float64`) when float64 would meet it. A '
        "float64 model is certified for float64 rounding and computes in float64 "
        "(JAX's 64-bit mode, entered for its own calls only).",
        "",
        "## The library programs",
        "",
        "Generated by `benchmarks/limits.py` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.processor() or platform.machine()}, {seconds / 60:.0f} min). "
        "N is the largest `max_seq_len` at which float32 compilation succeeds "
        f"(vocabularies as in `raspir.testing.library`; N doubled from {START} up "
        f"to {CAP}, then bisected between the last success and the first refusal, "
        "compiling through `convert-rasp-to-sa` of `-O2`). *Refused at N + 1* is "
        "the refusal there (*precision*: float64 meets the bound; an *import "
        "limit* is the enumeration of value sets and tables, which no dtype "
        "changes). *Checked*: the full `-O2` model, run in JAX, against "
        "`raspir.rasp.evaluate` on random inputs from the program's sampler, "
        f"{FULL_LENGTH} of them of length exactly N (N + 1), in float32 at N and in "
        "float64 at N + 1 (categorical outputs equal, numerical ones within "
        f"{NUMERICAL_TOLERANCE:g} × the largest magnitude). *Model*: layers / "
        "residual width / MLP hidden units / parameters.",
        "",
        "| program | float32 N | refused at N + 1 | float64 at N + 1 | checked "
        "| model float32 at N | model float64 at N + 1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        f32 = next((c for c in row.checks if c.dtype == "float32"), None)
        f64 = next((c for c in row.checks if c.dtype == "float64"), None)
        checks = "; ".join(check_cell(c) for c in row.checks) or "–"
        limit = f"≥ {row.limit} (cap)" if row.refusal is None else str(row.limit)
        lines.append(
            f"| {row.name} | {limit} | {reason(row.refusal)} | {float64_cell(row)} "
            f"| {checks} | {sizes_cell(f32) if f32 else '–'} "
            f"| {sizes_cell(f64) if f64 else '–'} |"
        )
    lines += [
        "",
        "`tests/benchmarks/test_limits.py` reads this table back and checks, for "
        "a few cheap programs, that N compiles in float32 and N + 1 does not.",
        "",
        "## What limits each construction",
        "",
        f"The unit roundoff u is 2^-24 ≈ {u32:.3g} in float32 and 2^-53 ≈ "
        f"{u64:.3g} in float64. The numbers below are the bounds of "
        "`convert-rasp-to-sa` (`raspir/passes/convert_rasp_to_sa.py`) worked out "
        "for the simplest case; a program's own limit is the tightest bound over "
        "its components, and import's enumeration limits come on top.",
        "",
        "- **Counts** (`selector_width`, `length`, and everything built on them: "
        "`hist`, `sort_freq`, `count`, ...). The head measures 1/(w+1) for "
        "counts w up to N, and its MLP discretises it; neighbouring values "
        "1/(w+1) and 1/(w+2) are about 1/N² apart, so the head's relative error "
        "must stay below 1/(64(N+2)) while the softmax alone contributes 2(N+1)u "
        "of rounding. That needs (N+1)(N+2) < 1/(256u): N ≤ "
        f"{count_limit(u32)} in float32, N ≤ {count_limit(u64):,} in float64. "
        "This is the limit of every program above whose refusal names a "
        "`selector_width`.",
        "- **Numerical means** (a numerical `aggregate`, `frac_prevs`, "
        "`numerical` mean heads). The softmax's rounding 2(N+1)u times the "
        "largest value must fit in the output tolerance "
        f"({NUMERICAL_TOLERANCE:g} relative to the largest magnitude): for values "
        f"in [0, 1], N ≤ {mean_limit(u32)} in float32 and N ≤ "
        f"{mean_limit(u64):,} in float64, before any noise of the input.",
        "- **Categorical aggregates** (copy one selected value). The output "
        "tolerates 1/4 on a one-hot, so rounding hardly matters (2(N+1)u ≪ 1/4 for "
        "any N import accepts); the sharpness grows like log N. What limits them "
        "is their inputs: a selector whose keys or queries carry noise (from "
        "a count, a mean, a discretising MLP) shifts every score, and the head "
        "cannot be made sharp enough once that shift reaches the margin between "
        "matching and non-matching scores.",
        "- **Discretising MLPs** (a map of a number). Each step rounds by about "
        "2u(slope × reach + 1), and the slope is 2/(gap − 2 × margin): "
        "values that are close together (1/N² apart for counts) need steep, "
        "and so more rounded, steps.",
        "- **Quadratic heads** (s-ops compared for equality as numbers, chosen "
        "by `rasp-choose-encodings`). Scores of size (max|q| + max|k|)²/g² "
        "round by 4u times that, so the key and query values (up to N for "
        "positions) must be clean to a fraction of 1/N². When a float32 "
        "certificate fails here, `-O2` keeps the categorical encoding instead "
        "(one-hot heads, bigger but certifiable), which is why a float32 model "
        "near its limit can be larger than the float64 one beside it.",
        f"- **Import** enumerates value sets (at most {MAX_VALUE_SET_SIZE:,} "
        f"values) and function tables (at most {MAX_TABLE_SIZE:,} entries). "
        "A select with a custom predicate over the indices has N² "
        "entries, so N ≤ 1,000 (`shift_by`, `detect_pattern`); the mean "
        "`frac_prevs` takes about 0.3 N² values (every fraction k/m with m ≤ "
        "N); the Dyck programs' balance, a difference of two such means, takes "
        "more still. These limits are the same in float64.",
        "",
        "Within its limit a float32 model is exact on every input of up to N "
        "tokens; at a longer `max_seq_len` compile with "
        '`compile_rasp_to_model(..., dtype="float64")` or `raspir compile '
        "--dtype float64`, whose certificate and model are float64 throughout "
        "(la weights, `.npz`, the emitted module).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--programs", help="comma-separated lib programs (default: all 15)"
    )
    parser.add_argument("-o", "--output", default=str(OUT), help="where to write")
    args = parser.parse_args(argv)
    names = args.programs.split(",") if args.programs else list(LIB_PROGRAMS)
    unknown = [n for n in names if n not in LIB_PROGRAMS]
    if unknown:
        parser.error(f"unknown programs: {', '.join(unknown)}")
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    started = time.perf_counter()
    rows = [measure(LIB_PROGRAMS[name]) for name in names]
    text = document(rows, time.perf_counter() - started)
    Path(args.output).write_text(text)
    print(f"wrote {args.output} ({(time.perf_counter() - started) / 60:.1f} min)")


if __name__ == "__main__":
    main()
