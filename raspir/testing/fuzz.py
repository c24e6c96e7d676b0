"""Differential fuzzing: random programs, every IR level, the emitted model.

Each random program (``raspir.testing.programs``) is compiled through a
pipeline and run on the same inputs by the evaluator, the interpreter of the
IR after every pass and the emitted JAX model (``raspir.verify`` with
``check_model``). They must agree. A program the compiler refuses must be
refused with a diagnostic (``UnsupportedProgramError``, a failing pass);
anything else raised is a crash, and a disagreement is a miscompilation: both
fail the run, and hypothesis shrinks the program to a minimal one, printed as a
script that rebuilds it.

``python -m raspir.testing.fuzz --programs 5000`` runs a campaign (``make
fuzz``); ``make test`` runs a fixed sample of 200.
"""

from __future__ import annotations

import argparse
import logging
import random
import re
import sys
import time
import warnings
import zlib
from collections import Counter
from dataclasses import dataclass, field
from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from xdsl.utils.exceptions import PassFailedException

from raspir.errors import UnsupportedProgramError
from raspir.pipeline import O0, O2, resolve
from raspir.testing.programs import ProgramSpec, program_specs
from raspir.verification import verify

PIPELINES: dict[str, tuple[str, ...]] = {
    "-O0": O0,
    "-O2": O2,
    "-O2 (width)": tuple(
        "craft-compress-residual{objective=width}"
        if p == "craft-compress-residual"
        else p
        for p in O2
    ),
}
"""The pipelines a program is drawn with."""

MAX_INPUTS = 40
"""Inputs per program: all of them when there are at most this many."""


class Miscompilation(AssertionError):
    """A level or the emitted model disagrees with the evaluator."""


@dataclass
class Stats:
    """What a run saw: programs compiled exactly, refused (by reason), inputs."""

    exact: int = 0
    refused: Counter = field(default_factory=Counter)
    inputs: int = 0
    kinds: Counter = field(default_factory=Counter)
    """Expression kinds in the exactly compiled programs."""
    examples: dict[str, str] = field(default_factory=dict)
    """The smallest program refused for each reason, as a script."""

    @property
    def programs(self) -> int:
        return self.exact + sum(self.refused.values())

    def __str__(self) -> str:
        lines = [
            f"{self.programs} programs: {self.exact} compiled and exact at every "
            f"level on {self.inputs} inputs, {sum(self.refused.values())} refused "
            "with a diagnostic, 0 disagreements, 0 crashes",
            "kinds in exact programs: "
            + ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items())),
        ]
        if self.refused:
            lines.append("refusals:")
            lines += [f"  {n:5d}  {why}" for why, n in self.refused.most_common()]
        return "\n".join(lines)


def inputs_for(spec: ProgramSpec) -> list[list]:
    """Every input up to max_seq_len, or a sample that includes the longest."""
    vocab = sorted(spec.vocab, key=repr)
    total = sum(len(vocab) ** n for n in range(1, spec.max_seq_len + 1))
    if total <= MAX_INPUTS:
        return [
            list(xs)
            for n in range(1, spec.max_seq_len + 1)
            for xs in product(vocab, repeat=n)
        ]
    rng = random.Random(zlib.crc32(spec.source().encode()))
    lengths = [spec.max_seq_len] * (MAX_INPUTS // 4)
    lengths += [
        rng.randint(1, spec.max_seq_len) for _ in range(MAX_INPUTS - len(lengths))
    ]
    return [[rng.choice(vocab) for _ in range(n)] for n in lengths]


def _reason(error: Exception) -> str:
    """A refusal's reason with the expression's name left out, for counting."""
    text = str(error).strip().splitlines()[0]
    text = re.sub(r"^[\w.]+ '[^']*'(: | )?", "", text)  # the kind and label
    return f"{type(error).__name__}: {text}"[:120]


def check(spec: ProgramSpec, pipeline: str = "-O2", stats: Stats | None = None) -> None:
    """Compile ``spec`` through ``pipeline`` (a name of ``PIPELINES`` or a
    pipeline text); raise ``Miscompilation`` if any level
    or the JAX model disagrees with the evaluator. Refusals are counted."""
    stats = stats if stats is not None else Stats()
    cases = inputs_for(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            report = verify(
                spec.build(),
                spec.vocab,
                spec.max_seq_len,
                inputs=cases,
                passes=PIPELINES.get(pipeline) or resolve(pipeline),
                check_model=True,
                causal=spec.causal,
            )
        except (UnsupportedProgramError, PassFailedException) as e:
            reason = _reason(e)
            stats.refused[reason] += 1
            source = f"# {pipeline}: {e}\n{spec.source()}"
            if len(source) < len(stats.examples.get(reason, source + " ")):
                stats.examples[reason] = source
            return
    if not report.exact:
        raise Miscompilation(f"{pipeline}: {report}\n{spec.source()}")
    stats.exact += 1
    stats.inputs += report.samples - report.skipped
    stats.kinds.update(node.kind for node in spec.nodes)


def run(
    programs: int,
    seed: int | None = None,
    max_seq_len: int = 5,
    max_ops: int = 6,
    causal: bool | None = None,
    pipeline: str | None = None,
) -> Stats:
    """Check ``programs`` random programs; deterministic when ``seed`` is None.
    Each goes through ``pipeline``, or through -O0 or -O2 drawn at random."""
    stats = Stats()
    # Random programs often build a SequenceMap of one s-op twice; the eDSL's
    # advice about it is noise here.
    logging.getLogger("raspir.rasp").setLevel(logging.ERROR)

    @settings(
        max_examples=programs,
        database=None,
        deadline=None,
        derandomize=seed is None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        spec=program_specs(max_ops, max_seq_len, causal),
        pipeline=st.sampled_from(sorted(PIPELINES) if pipeline is None else [pipeline]),
    )
    def one(spec: ProgramSpec, pipeline: str) -> None:
        check(spec, pipeline, stats)

    if seed is not None:
        one = hypothesis_seed(seed)(one)
    one()
    return stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m raspir.testing.fuzz", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument(
        "--seed",
        default=None,
        help="an int, or 'random' for a new campaign (default: the fixed sample)",
    )
    parser.add_argument("--max-seq-len", type=int, default=5)
    parser.add_argument("--max-ops", type=int, default=6, help="expressions drawn")
    parser.add_argument(
        "--causal",
        choices=["mixed", "yes", "no"],
        default="mixed",
        help="compile for causal attention (mixed: one program in four)",
    )
    parser.add_argument(
        "--pipeline",
        help="the passes to check (default: -O0 or -O2 at random), e.g. "
        "-O2,la-block-diagonalize",
    )
    parser.add_argument(
        "--examples", action="store_true", help="print a program for each refusal"
    )
    args = parser.parse_args(argv)
    seed = args.seed
    if seed == "random":
        seed = random.SystemRandom().randrange(2**32)
    elif seed is not None:
        seed = int(seed)
    print(f"seed {seed}" if seed is not None else "fixed sample", flush=True)
    started = time.perf_counter()
    try:
        stats = run(
            args.programs,
            seed,
            args.max_seq_len,
            args.max_ops,
            {"mixed": None, "yes": True, "no": False}[args.causal],
            args.pipeline,
        )
    except Miscompilation as e:
        print(f"MISCOMPILATION\n{e}", file=sys.stderr)
        sys.exit(1)
    print(stats)
    if args.examples:
        for source in stats.examples.values():
            print(f"\n{source}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
