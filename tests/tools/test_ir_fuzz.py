"""Mutation fuzzing of raspir-opt's input (``raspir.testing.ir_fuzz``).

Every mutant of a valid IR text, of any level, must get a diagnostic: a parse
error, a verifier error or a failing pass, never a Python exception, a hang,
IR that prints differently when read back, or IR a pass breaks. Hypothesis
draws a fixed, modest sample of mutants here; ``python -m
raspir.testing.ir_fuzz --count 20000`` runs a campaign.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raspir.testing import ir_fuzz

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RASPIR_OPT = (
    [str(BIN / "raspir-opt")]
    if (BIN / "raspir-opt").exists()
    else [sys.executable, "-m", "raspir.tools.raspir_opt"]
)


@cache
def checker() -> ir_fuzz.Checker:
    return ir_fuzz.Checker(time_limit=10.0)


@cache
def texts() -> list[str]:
    return [seed.text for seed in ir_fuzz.seed_corpus()]


# Names repeated by weight, so that hypothesis draws them as a campaign does.
OPERATORS = [name for name, weight in ir_fuzz.WEIGHTS.items() for _ in range(weight)]

STEPS = st.lists(
    st.tuples(st.sampled_from(OPERATORS), st.integers(0, 2**32 - 1)),
    min_size=1,
    max_size=4,
)


def _describe(outcome: ir_fuzz.Outcome, mutant: str) -> str:
    return f"{outcome.kind}: {outcome.message}\n{outcome.trace}\nmutant:\n{mutant}"


@settings(
    max_examples=2000,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10**6),
    steps=STEPS,
    pipeline=st.sampled_from(["O2", "O0"]),
)
def test_mutants_get_diagnostics(seed, steps, pipeline):
    corpus = ir_fuzz.seed_corpus()
    mutant = ir_fuzz.mutate(corpus[seed % len(corpus)].text, steps, texts())
    outcome = checker().check(mutant, pipeline)
    assert not outcome.is_bug, _describe(outcome, mutant)


def test_seed_corpus_covers_every_level_and_is_valid():
    corpus = ir_fuzz.seed_corpus()
    assert {seed.level for seed in corpus} == set(ir_fuzz.LEVELS)
    for seed in corpus[::15]:
        outcome = checker().check(seed.text, "O2")
        assert outcome.kind in ("ok", "pass-error"), (seed.name, outcome)
        assert outcome.level == seed.level


def test_mutations_keep_text_when_they_have_nothing_to_work_on():
    for name, mutation in ir_fuzz.MUTATIONS.items():
        assert isinstance(mutation(Random(0), "", ["x"]), str), name
        assert isinstance(mutation(Random(0), "x", []), str), name


def test_checker_reports_each_kind_of_answer():
    good = 'rasp.program vocab {"a"} max_seq_len 2 bos "B" pad "P" {\n' + (
        '  %t = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n}\n"
    )
    assert checker().check(good).kind == "ok"
    assert checker().check(good.replace("values", "valuez")).kind == "parse-error"
    assert checker().check(good.replace('{"a"}\n', '{"b"}\n')).kind == "invalid"
    # Not a diagnostic: the checker flags what the fuzzer hunts.
    crash = checker().check(b"\xff")
    assert crash.kind in ("parse-error", "crash")


def test_shrink_keeps_the_failure_and_drops_the_rest():
    text = "keep me\nnoise one\nnoise two\nalso keep me\n"
    shrunk = ir_fuzz.shrink(text, lambda t: "keep" in t)
    assert "keep" in shrunk and "noise" not in shrunk


def test_runner_prints_a_summary(capsys):
    status = ir_fuzz.main(
        ["--count", "40", "--seed", "3", "--memory-limit-mb", "0", "--no-seed-check"]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "40 mutants" in out and "0 non-diagnostic outcomes" in out
    for level in ir_fuzz.LEVELS:
        assert f"\n{level} " in out


# The real driver on mutants: a diagnostic and exit 1, never a traceback.


def _first_mutants_of_each_kind(
    count: int = 2000,
) -> dict[str, tuple[str, str, str, bool]]:
    """``kind -> (mutant, pipeline, level, emits)`` for the first mutants (in a
    fixed sequence) that raspir-opt rejects at parsing, verification and in a
    pass or in JAX emission (``emits``)."""
    rng = Random(30)  # a sequence that meets all three kinds early
    corpus = ir_fuzz.seed_corpus()
    found: dict[str, tuple[str, str, str, bool]] = {}
    for index in range(count):
        origin = rng.choice(corpus)
        mutant = ir_fuzz.mutate(origin.text, ir_fuzz.random_steps(rng), texts())
        pipeline = "O2" if index % 2 == 0 else "O0"
        outcome = checker().check(mutant, pipeline)
        if outcome.kind in ("parse-error", "invalid", "pass-error"):
            emits = outcome.message.startswith("-t jax")
            found.setdefault(
                outcome.kind, (mutant, pipeline, outcome.level or "", emits)
            )
        if len(found) == 3:
            break
    return found


@pytest.fixture(scope="module")
def driver_runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("mutants")
    commands = {}
    for kind, (mutant, pipeline, level, emits) in _first_mutants_of_each_kind().items():
        path = directory / f"{kind}.mlir"
        path.write_bytes(ir_fuzz.encode(mutant))
        passes = ir_fuzz.tail(ir_fuzz._pipelines()[pipeline], level) if level else ()
        commands[kind] = [
            *RASPIR_OPT,
            str(path),
            *(["-p", ",".join(passes)] if passes else []),
            *(["-t", "jax"] if emits else []),
        ]

    def run(command):
        return subprocess.run(
            command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {kind: pool.submit(run, c) for kind, c in commands.items()}
        return {kind: future.result() for kind, future in futures.items()}


@pytest.mark.parametrize("kind", ["parse-error", "invalid", "pass-error"])
def test_raspir_opt_answers_mutants_with_a_diagnostic(kind, driver_runs):
    result = driver_runs[kind]
    assert result.returncode == 1, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("raspir-opt: error: "), result.stderr
    if kind != "parse-error":  # parse errors add the line and a caret under it
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
