"""``raspir.verify`` and ``raspir verify``: every level against the evaluator."""

from __future__ import annotations

import random

import pytest
from xdsl.dialects.builtin import ModuleOp

import raspir
from raspir import lib, rasp
from raspir.dialects import craft
from raspir.frontend.rasp_import import RaspImportWarning
from raspir.interpreters import craft as craft_interp
from raspir.interpreters import sa as sa_interp
from raspir.passes.convert_rasp_to_sa import AveragingWarning, CausalWarning
from raspir.passes.convert_sa_to_craft import ConvertSaToCraftPass
from raspir.pipeline import DEFAULT, O0, stage_names
from raspir.testing.library import LIB_PROGRAMS
from raspir.tools import cli
from raspir.verification import Divergence, Report, verify

LEVELS = " -> ".join(["import", *stage_names(DEFAULT)])

LAYERS = {
    "length": 1,
    "reverse": 2,
    "hist": 1,
    "sort_unique": 2,
    "sort": 3,
    "sort_freq": 4,
    "frac_prevs": 2,
    "pair_balance": 2,
    "shuffle_dyck": 5,
    "shuffle_dyck2": 6,
    "shift_by": 1,
    "detect_pattern": 3,
    "count_less_freq": 2,
    "count": 1,
    "nary_sequencemap": 1,
}


LAYERS_AT = {("reverse", 32): 3}
"""Where the depth depends on max_seq_len: at 32, reverse's count is too noisy
for a head to read length - indices - 1 from it directly (an affine view), so
an MLP computes it first."""


def test_verify_is_exported():
    assert raspir.verify is verify


@pytest.mark.parametrize("max_seq_len", [5, 10, 20, 32])
@pytest.mark.parametrize("name", list(LIB_PROGRAMS))
def test_every_lib_program_is_exact_at_every_level(name, max_seq_len):
    entry = LIB_PROGRAMS[name]
    rng = random.Random(f"verify/{name}/{max_seq_len}")
    inputs = [entry.random_input(rng, max_seq_len) for _ in range(30)]
    report = verify(
        entry.build(max_seq_len), entry.vocab(max_seq_len), max_seq_len, inputs=inputs
    )
    assert report.exact and report.divergence is None
    assert (report.samples, report.skipped) == (30, 0)
    assert report.stages == stage_names(DEFAULT)
    expected = LAYERS_AT.get((name, max_seq_len), LAYERS[name])
    assert report.layers == expected
    layers = f"{expected} layer" + ("s" if expected > 1 else "")
    assert str(report) == f"exact on 30 inputs at every level ({LEVELS}, {layers})"


def test_causal_programs_are_verified_causally():
    # Causally, the length at each position is the length of the prefix.
    length = lib.make_length()
    assert rasp.evaluate(length, list("abc"), causal=True) == [1, 2, 3]
    report = verify(length, ["a", "b", "c"], 6, samples=60, causal=True)
    assert (report.exact, report.samples) == (True, 60)


def _reading_length() -> dict[str, rasp.SOp]:
    """Programs of rasp.length, which causally is the prefix length i + 1."""
    last = rasp.Select(rasp.indices, rasp.length - 1, rasp.Comparison.EQ)
    return {
        "length": rasp.categorical(rasp.Map(lambda n: n, rasp.length, simplify=False)),
        "inverse": rasp.numerical(rasp.Map(lambda n: 1 / n, rasp.length)),
        "from_end": rasp.categorical(
            rasp.SequenceMap(lambda n, i: n - i, rasp.length, rasp.indices)
        ),
        "last": rasp.Aggregate(last, rasp.tokens),
    }


@pytest.mark.parametrize("max_seq_len", [5, 10, 20])
@pytest.mark.parametrize("name", sorted(_reading_length()))
def test_causal_length_compiles_exactly(name, max_seq_len):
    program = _reading_length()[name]
    with pytest.warns(CausalWarning, match="rasp.length 'length'"):
        report = verify(
            program,
            ["a", "b"],
            max_seq_len,
            samples=30,
            causal=True,
            check_model=True,
        )
    assert report.exact and report.divergence is None, report
    assert report.stages[-1] == "jax"


def test_causal_length_compiles_exactly_without_optimisation():
    program = _reading_length()["last"]
    with pytest.warns(CausalWarning):
        report = verify(
            program, ["a", "b"], 5, samples=30, causal=True, passes=O0, check_model=True
        )
    assert report.exact, report


def test_random_inputs_by_default():
    report = verify(rasp.Map(lambda t: t + 1, rasp.tokens), [1, 2, 3], 4, samples=40)
    assert (report.exact, report.samples, report.skipped, report.layers) == (
        True,
        40,
        0,
        1,
    )
    assert str(report) == f"exact on 40 inputs at every level ({LEVELS}, 1 layer)"


def test_a_shorter_pipeline():
    report = verify(
        LIB_PROGRAMS["reverse"].build(4),
        ["a", "b", "c"],
        4,
        samples=20,
        passes=["convert-rasp-to-sa"],
    )
    assert report.exact
    assert report.layers is None
    assert report.stages == ["convert-rasp-to-sa"]
    assert str(report) == (
        "exact on 20 inputs at every level (import -> convert-rasp-to-sa)"
    )


def test_inputs_the_evaluator_rejects_are_skipped_and_counted():
    tenth = rasp.Map(lambda t: 10 // (t - 1), rasp.tokens).named("tenth")
    inputs = [[2, 3], [1], [3, 1, 2], [2], [3, 3, 3]]
    with pytest.warns(RaspImportWarning, match="raised ZeroDivisionError"):
        report = verify(tenth, [1, 2, 3], 3, inputs=inputs)
    assert report.exact
    assert (report.samples, report.skipped) == (5, 2)
    assert str(report) == (
        "exact on 3 inputs (2 rejected by the evaluator, skipped) at every level "
        f"({LEVELS}, 1 layer)"
    )


def _weaken_heads(module: ModuleOp) -> None:
    """Divide the sharpness folded into every head's scores by 20."""
    for op in module.walk():
        if isinstance(op, craft.HeadOp):
            op.properties["qk"] = craft.MatrixAttr(
                (row, col, weight / 20) for row, col, weight in op.qk.data
            )


def test_a_broken_construction_is_caught_at_its_pass(monkeypatch):
    apply = ConvertSaToCraftPass.apply

    def broken(self, ctx, op):
        apply(self, ctx, op)
        _weaken_heads(op)

    monkeypatch.setattr(ConvertSaToCraftPass, "apply", broken)
    program = LIB_PROGRAMS["reverse"].build(8)
    rng = random.Random(8)
    inputs = [LIB_PROGRAMS["reverse"].random_input(rng, 8) for _ in range(30)]
    report = verify(program, ["a", "b", "c", "d", "e"], 8, inputs=inputs)
    assert not report.exact
    divergence = report.divergence
    assert isinstance(divergence, Divergence)
    assert divergence.stage == "convert-sa-to-craft"
    assert divergence.input in inputs
    assert divergence.expected == list(rasp.evaluate(program, divergence.input))
    assert isinstance(divergence.actual, list)
    assert divergence.actual != divergence.expected
    assert str(report).startswith(
        "NOT EXACT on 30 inputs: diverges after convert-sa-to-craft\n  input:    ["
    )


def test_a_divergence_shows_input_expected_and_actual(monkeypatch):
    decode = craft_interp.decode

    def wrong_first(model, columns, residual):
        return ["zz", *decode(model, columns, residual)[1:]]

    monkeypatch.setattr(craft_interp, "decode", wrong_first)
    program = LIB_PROGRAMS["reverse"].build(5)
    report = verify(program, ["a", "b", "c"], 5, inputs=[["a", "b", "c"], ["a"]])
    assert report.divergence == Divergence(
        "convert-sa-to-craft", ["a", "b", "c"], ["c", "b", "a"], ["zz", "b", "a"]
    )
    assert str(report) == (
        "NOT EXACT on 2 inputs: diverges after convert-sa-to-craft\n"
        '  input:    ["a", "b", "c"]\n'
        '  expected: ["c", "b", "a"]\n'
        '  actual:   ["zz", "b", "a"]'
    )


def mean_of_categories() -> rasp.SOp:
    """A categorical mean: the evaluator averages, one head can only copy."""
    everything = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE)
    return rasp.Aggregate(everything, rasp.tokens).named("mean")


def test_inputs_a_categorical_aggregate_averages_are_skipped_with_a_warning():
    with pytest.warns(AveragingWarning, match="rasp.aggregate 'mean' is categorical"):
        report = verify(mean_of_categories(), [1, 2], 3, inputs=[[1, 1], [2, 1], [2]])
    assert report.exact
    assert (report.samples, report.skipped, report.averaged) == (3, 1, 1)
    assert str(report).startswith(
        "exact on 2 inputs (1 averaged by a categorical aggregate, skipped)"
    )


def test_an_aggregate_that_provably_copies_one_value_gets_no_warning(recwarn):
    flipped = rasp.Select(
        rasp.indices, lib.make_length() - rasp.indices - 1, rasp.Comparison.EQ
    )
    verify(rasp.Aggregate(flipped, rasp.tokens), [1, 2], 3, samples=5)
    assert not [w for w in recwarn if issubclass(w.category, AveragingWarning)]


def test_an_error_at_a_level_is_the_actual_value(monkeypatch):
    def fails(program, xs):
        raise ValueError(f"cannot run {list(xs)}")

    monkeypatch.setattr(sa_interp, "run_program", fails)
    report = verify(lib.make_length(), ["a"], 3, inputs=[["a", "a"]])
    assert report.divergence == Divergence(
        "convert-rasp-to-sa", ["a", "a"], [2, 2], "error: cannot run ['a', 'a']"
    )
    assert str(report).splitlines() == [
        "NOT EXACT on 1 inputs: diverges after convert-rasp-to-sa",
        '  input:    ["a", "a"]',
        "  expected: [2, 2]",
        "  actual:   error: cannot run ['a', 'a']",
    ]


def test_report_without_a_divergence_is_exact():
    report = Report(["convert-rasp-to-sa"], samples=4, skipped=1)
    assert report.exact
    assert str(report) == (
        "exact on 3 inputs (1 rejected by the evaluator, skipped) at every level "
        "(import -> convert-rasp-to-sa)"
    )


# == The command line ==


def raspir_cli(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_cli_exact(capsys):
    code, out, err = raspir_cli(
        capsys,
        "verify",
        "raspir.testing.library:reverse",
        "--vocab",
        "a,b,c,d,e",
        "--max-seq-len",
        "8",
        "--samples",
        "50",
    )
    assert (code, err) == (0, "")
    assert out == f"exact on 50 inputs at every level ({LEVELS} -> jax, 2 layers)\n"


def test_cli_not_exact(capsys):
    loose = "convert-rasp-to-sa{numerical_tolerance=0.5}," + ",".join(O0[1:])
    code, out, err = raspir_cli(
        capsys,
        "verify",
        "raspir.testing.library:frac_prevs",
        "--vocab",
        "a,b,c",
        "--max-seq-len",
        "6",
        "--samples",
        "20",
        "--pipeline",
        loose,
    )
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == "NOT EXACT on 20 inputs: diverges after convert-sa-to-craft"
    assert lines[1].startswith("  input:    [")
    assert lines[2].startswith("  expected: [")
    assert lines[3].startswith("  actual:   [")
    assert len(lines) == 4


def test_cli_compile_error(capsys, tmp_path):
    path = tmp_path / "unsupported.py"
    path.write_text(
        "from raspir import rasp\n\n\n"
        "def program():\n"
        "    less = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT)\n"
        "    ones = rasp.numerical(rasp.Map(lambda t: 1, rasp.tokens))\n"
        '    mean = rasp.Aggregate(less, ones, default=float("nan"))\n'
        '    return rasp.numerical(mean.named("mean"))\n'
    )
    code, out, err = raspir_cli(
        capsys, "verify", f"{path}:program", "--vocab", "a,b", "--max-seq-len", "2"
    )
    assert (code, out) == (1, "")
    assert err == (
        "raspir: error: rasp.aggregate 'mean': its default nan is not a finite "
        "number, which a numerical head cannot write\n"
    )


def test_cli_rejects_no_samples(capsys):
    code, out, err = raspir_cli(
        capsys,
        "verify",
        "raspir.testing.library:length",
        "--vocab",
        "a",
        "--max-seq-len",
        "2",
        "--samples",
        "0",
    )
    assert (code, out) == (1, "")
    assert err == "raspir: error: --samples must be at least 1, got 0\n"
