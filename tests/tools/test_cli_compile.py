"""``raspir compile`` and ``raspir run``, run as subprocesses.

The compiles run together (each process mostly starts Python and JAX), then
the runs of the compiled models, and separate tests check what each printed
and wrote.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RASPIR = (
    [str(BIN / "raspir")]
    if (BIN / "raspir").exists()
    else [sys.executable, "-m", "raspir.tools.cli"]
)
LIB = "raspir.testing.library"


def run(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*RASPIR, *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def run_all(commands: dict[str, tuple[str, ...]], cwd: Path):
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {k: pool.submit(run, *c, cwd=cwd) for k, c in commands.items()}
        return {k: f.result() for k, f in futures.items()}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli_compile")


@pytest.fixture(scope="module")
def compiled(workdir: Path):
    sort = ("--vocab", "1,2,3,4", "--max-seq-len", "6")
    (workdir / "taken").write_text("")
    return run_all(
        {
            "unsupported": (
                "compile",
                f"{REPO_ROOT}/filecheck/Inputs/verify_programs.py:unsupported",
                "--vocab",
                "a,b",
                "--max-seq-len",
                "3",
            ),
            "output-is-a-file": ("compile", f"{LIB}:length", *sort, "-o", "taken"),
            "sort": ("compile", f"{LIB}:sort", *sort, "-o", "sort"),
            "frac": (
                "compile",
                f"{LIB}:frac_prevs",
                "--vocab",
                "a,b",
                "--max-seq-len",
                "5",
                "--bos",
                "<s>",
                "--pad",
                "<pad>",
                "--causal",
                "-o",
                "frac",
            ),
            "dumped": (
                "compile",
                f"{LIB}:reverse",
                "--vocab",
                "a,b",
                "--max-seq-len",
                "3",
                "--dump-ir",
                "dumps",
                "--print-ir-after-all",
                "--pipeline",
                "convert-rasp-to-sa,schedule-layers,convert-sa-to-craft,"
                "convert-craft-to-la{uniform=true}",
            ),
            "default-dir": (
                "compile",
                f"{LIB}:length",
                "--vocab",
                "a",
                "--max-seq-len",
                "2",
            ),
            "o0": (
                "compile",
                f"{LIB}:reverse",
                "--vocab",
                "a,b",
                "--max-seq-len",
                "4",
                "-O0",
                "-o",
                "o0",
            ),
            "stops-early": (
                "compile",
                f"{LIB}:sort",
                *sort,
                "--pipeline",
                "convert-rasp-to-sa",
                "-o",
                "early",
            ),
            "stats": (
                "compile",
                f"{LIB}:reverse",
                "--vocab",
                "a,b",
                "--max-seq-len",
                "4",
                "--stats",
                "-o",
                "stats",
            ),
            "float64": (
                "compile",
                f"{LIB}:hist",
                *("--vocab", "a,b", "--max-seq-len", "255"),
                *("--dtype", "float64", "-o", "hist64"),
            ),
            "float32-refused": (
                "compile",
                f"{LIB}:hist",
                *("--vocab", "a,b", "--max-seq-len", "255", "-o", "hist32"),
            ),
            "bad-dtype": ("compile", f"{LIB}:sort", *sort, "--dtype", "float16"),
            "bad-pipeline": ("compile", f"{LIB}:sort", *sort, "--pipeline", "nope{"),
            "bad-program": ("compile", f"{LIB}:nope", *sort),
            "too-long": (
                "compile",
                f"{LIB}:sort",
                "--vocab",
                "1,2",
                "--max-seq-len",
                "0",
            ),
        },
        workdir,
    )


@pytest.fixture(scope="module")
def ran(compiled, workdir: Path):
    assert compiled["sort"].returncode == 0, compiled["sort"].stderr
    assert compiled["frac"].returncode == 0, compiled["frac"].stderr
    assert compiled["float64"].returncode == 0, compiled["float64"].stderr
    shutil.copytree(workdir / "sort", workdir / "broken")
    (workdir / "broken" / "model.npz").write_text("not a zip file")
    return run_all(
        {
            "sort": ("run", "sort", "3", "1", "4", "2"),
            "sort-with-bos": ("run", "sort", "compiler_bos", "2", "1"),
            "frac": ("run", "frac", "a", "b", "a"),
            "hist64": ("run", "hist64", "a", "b", "a"),
            "unknown": ("run", "sort", "3", "9"),
            "too-long": ("run", "sort", *["1"] * 7),
            "pad-inside": ("run", "sort", "1", "compiler_pad", "2"),
            "missing": ("run", "nowhere", "1"),
            "broken": ("run", "broken", "1"),
            "debug": ("--debug", "run", "broken", "1"),
        },
        workdir,
    )


def test_compile_prints_a_summary_and_writes_every_artifact(compiled, workdir):
    result = compiled["sort"]
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        r"sort: 3 layers, \d+ heads \(at most 1 per layer, key size \d+\), "
        r"residual width \d+, MLP hidden \d+ \(widest layer \d+\)",
        lines[0],
    )
    assert re.fullmatch(r"  parameters [\d,]+ \([\d,]+ non-zero, [\d.]+ %\)", lines[1])
    stages = "import", "convert-rasp-to-sa", "convert-craft-to-la", "emit"
    assert all(f"{s} " in lines[2] for s in stages), lines[2]
    assert (
        lines[3]
        == "  wrote sort/: la.mlir, model.json, model.npz, model.py, rasp.mlir, sa.mlir"
    )
    out = workdir / "sort"
    assert (
        (out / "rasp.mlir").read_text().startswith("builtin.module {\n  rasp.program")
    )
    assert "la.model vocab {1, 2, 3, 4} max_seq_len 6" in (out / "la.mlir").read_text()
    assert (
        "def forward(params, token_ids, trace=False):" in (out / "model.py").read_text()
    )
    info = json.loads((out / "model.json").read_text())
    assert (info["vocab"], info["max_seq_len"], info["bos"]) == (
        [1, 2, 3, 4],
        6,
        "compiler_bos",
    )
    assert info["sizes"]["layers"] == 3
    assert len(info["residual_labels"]) == info["sizes"]["residual_width"]


def test_compile_settings_reach_the_model(compiled, workdir):
    assert compiled["frac"].returncode == 0
    info = json.loads((workdir / "frac" / "model.json").read_text())
    assert (info["bos"], info["pad"], info["causal"]) == ("<s>", "<pad>", True)
    assert info["output"]["encoding"] == "numerical"


def test_compile_without_output_writes_under_out(compiled, workdir):
    assert compiled["default-dir"].returncode == 0, compiled["default-dir"].stderr
    assert (workdir / "out" / "length" / "model.py").is_file()


def test_dump_print_and_pipeline_options(compiled, workdir):
    result = compiled["dumped"]
    assert result.returncode == 0, result.stderr
    headers = re.findall(r"// -----// IR after (\S+) //----- //", result.stdout)
    assert headers == [
        "import",
        "convert-rasp-to-sa",
        "schedule-layers",
        "convert-sa-to-craft",
        "convert-craft-to-la",
    ]
    dumps = sorted(p.name for p in (workdir / "dumps").iterdir())
    assert dumps == [f"{i:02d}-{name}.mlir" for i, name in enumerate(headers)]
    la_text = (workdir / "dumps" / "04-convert-craft-to-la.mlir").read_text()
    # uniform: every layer has heads and an MLP, even where reverse has none.
    assert "heads []" not in la_text and "blocks {}" not in la_text


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("stops-early", "the pipeline ends at sa.program, not la.model"),
        ("bad-pipeline", "cannot parse pipeline 'nope{'"),
        ("bad-program", "has no attribute 'nope'"),
        ("too-long", "max_seq_len"),
        (
            "unsupported",
            "rasp.aggregate 'frac': its default inf is not a finite number, which a "
            "numerical head cannot write",
        ),
        (
            "output-is-a-file",
            "error: cannot save the model to 'taken': it exists and is not a directory",
        ),
    ],
)
def test_compile_errors_are_one_line(compiled, case, message):
    assert_one_line_error(compiled[case], message)


def assert_one_line_error(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("raspir: error: ")
    assert message in result.stderr


def test_run_prints_the_decoded_output(ran):
    assert (ran["sort"].returncode, ran["sort"].stdout) == (0, "1 2 3 4\n")
    assert ran["sort-with-bos"].stdout == "1 2\n"
    values = [float(v) for v in ran["frac"].stdout.split()]
    assert values == pytest.approx([1.0, 0.5, 2 / 3], abs=1e-4)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "input word 1 '9' is not a token"),
        ("too-long", "more than max_seq_len 6"),
        ("pad-inside", "follows PAD"),
        ("missing", "'nowhere' is not a saved raspir model"),
        ("broken", "error: 'broken/model.npz' is not an .npz weights file"),
    ],
)
def test_run_errors_are_one_line(ran, case, message):
    assert_one_line_error(ran[case], message)


def test_debug_shows_the_traceback_of_a_run(ran):
    result = ran["debug"]
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last)")
    assert result.stderr.rstrip().endswith(
        "InvalidArgumentError: 'broken/model.npz' is not an .npz weights file"
    )


def test_stats_show_what_each_pass_bought(compiled):
    from raspir.pipeline import O2, stage_names

    result = compiled["stats"]
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("stage "))
    assert lines[start].split() == [
        "stage",
        "layers",
        "heads",
        "residual",
        "mlp",
        "params",
        "nonzeros",
    ]
    rows = [line.split() for line in lines[start + 1 : start + 2 + len(O2)]]
    assert [row[0] for row in rows] == ["import", *stage_names(O2)]
    residual = {row[0]: int(row[3].replace(",", "")) for row in rows}
    # Pruning reverse's position arithmetic removes impossible values; its
    # comparison of indices with length - indices - 1 becomes a quadratic head
    # reading both as numbers, with no MLP between: 2 layers (4 in Tracr).
    assert residual["rasp-prune-value-sets"] < residual["import"]
    assert residual["rasp-choose-encodings"] < residual["rasp-prune-value-sets"]
    final = rows[-1]
    assert final[1] == "2" and all(cell != "-" for cell in final[1:])
    assert any(line.startswith("craft-compress-residual: residual ") for line in lines)


def test_o0_and_o2_choose_the_pipeline(compiled, workdir):
    from raspir.pipeline import O0, O2, stage_names

    assert compiled["o0"].returncode == 0, compiled["o0"].stderr
    o0 = json.loads((workdir / "o0" / "model.json").read_text())
    o2 = json.loads((workdir / "stats" / "model.json").read_text())
    assert (o0["pipeline"], o2["pipeline"]) == (list(O0), stage_names(O2))
    # Pruning reverse's impossible position values makes -O2 narrower.
    assert o2["sizes"]["residual_width"] < o0["sizes"]["residual_width"]


def test_dtype_float64_compiles_where_float32_is_refused(compiled, ran, workdir):
    import numpy as np

    assert compiled["float64"].returncode == 0, compiled["float64"].stderr
    info = json.loads((workdir / "hist64" / "model.json").read_text())
    assert (info["dtype"], info["max_seq_len"]) == ("float64", 255)
    with np.load(workdir / "hist64" / "model.npz") as table:
        assert {table[name].dtype for name in table.files} == {np.dtype("<f8")}
    assert (ran["hist64"].returncode, ran["hist64"].stdout) == (0, "2 1 2\n")
    assert_one_line_error(
        compiled["float32-refused"],
        'beyond float32 precision; compile with dtype="float64" (--dtype float64) '
        "for this max_seq_len",
    )
    assert not (workdir / "hist32").exists()


def test_a_bad_dtype_is_a_usage_error(compiled):
    result = compiled["bad-dtype"]
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "argument --dtype: invalid choice: 'float16'" in result.stderr
