"""``raspir stats``, ``raspir compress`` and ``raspir compile --sparse``, run as
subprocesses (started together)."""

from __future__ import annotations

import json

import pytest

from raspir.backend.model import load

from .test_cli import RASPIR, run, run_all

PROGRAM = [
    "raspir.testing.library:frac_prevs",
    "--vocab",
    "a,b,x",
    "--max-seq-len",
    "4",
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out = tmp_path_factory.mktemp("stats") / "frac_prevs"
    result = run([*RASPIR, "compile", *PROGRAM, "-o", str(out)])
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def results(saved, tmp_path_factory):
    pictures = tmp_path_factory.mktemp("heatmaps")
    return pictures, run_all(
        {
            "program": [*RASPIR, "stats", *PROGRAM],
            "program-json": [*RASPIR, "stats", *PROGRAM, "--json"],
            "sparsity": [*RASPIR, "stats", str(saved), "--sparsity"],
            "sparsity-json": [
                *RASPIR, "stats", str(saved), "--sparsity", "--json",
                "--heatmaps", str(pictures),
            ],
            "no-vocab": [*RASPIR, "stats", "raspir.testing.library:frac_prevs"],
            "vocab-for-dir": [*RASPIR, "stats", str(saved), "--vocab", "a"],
            "not-a-model": [*RASPIR, "stats", str(saved.parent)],
            "bad-format": [
                *RASPIR, "stats", str(saved), "--heatmaps", str(pictures / "x"),
                "--heatmap-format", "bmpx",
            ],
            "sparse": [
                *RASPIR, "compile", *PROGRAM, "--sparse", "-o", str(saved.parent / "sp")
            ],
            "compress-wide": [*RASPIR, "compress", str(saved), "--width", "99"],
            "compress": [
                *RASPIR, "compress", str(saved), "--width", "4", "--steps", "50",
                "-o", str(saved.parent / "narrow"),
            ],
        }
    )  # fmt: skip


def test_stats_of_a_program_prints_sizes_after_every_stage(results):
    _, r = results
    assert r["program"].returncode == 0, r["program"].stderr
    lines = r["program"].stdout.splitlines()
    assert lines[0].startswith("frac_prevs: 2 layers")
    assert any(line.startswith("convert-craft-to-la ") for line in lines)
    data = json.loads(r["program-json"].stdout)
    assert data["model"] == "frac_prevs"
    assert data["stages"][0]["stage"] == "import"
    assert data["stages"][-1]["params"] == data["sizes"]["params"]


def test_sparsity_report_of_a_saved_model(results, saved):
    pictures, r = results
    assert r["sparsity"].returncode == 0, r["sparsity"].stderr
    text = r["sparsity"].stdout
    assert "token_embed/embeddings" in text and "FLOPs" in text
    report = json.loads(r["sparsity-json"].stdout)
    sizes = load(saved).sizes
    assert (report["params"], report["nonzeros"]) == (sizes.params, sizes.nonzeros)
    names = {m["name"] for m in report["matrices"]}
    drawn = {p.stem.replace(".", "/") for p in pictures.iterdir()}
    assert names == drawn
    assert r["sparsity-json"].stderr == f"wrote {len(names)} heatmaps to {pictures}/\n"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("no-vocab", "'raspir.testing.library:frac_prevs' is a program: give --vocab"),
        ("vocab-for-dir", "--vocab is for a program;"),
        ("not-a-model", "is a directory but not a saved raspir model"),
        ("bad-format", "unknown heatmap format 'bmpx'"),
        ("compress-wide", "width must be between 1 and"),
    ],
)
def test_errors_are_one_line(results, key, message):
    _, r = results
    assert r[key].returncode == 1
    assert r[key].stderr.startswith("raspir: error: ")
    assert message in r[key].stderr
    assert r[key].stderr.count("\n") == 1


def test_compress_writes_a_model_labelled_lossy(results, saved):
    _, r = results
    assert r["compress"].returncode == 0, r["compress"].stderr
    model = load(saved.parent / "narrow")
    assert model.sizes.residual_width == 4
    assert model.info["lossy"]["width"] == 4
    assert "LOSSY" in r["compress"].stdout
    narrow = str(saved.parent / "narrow")
    ran = run_all(
        {
            "run": [*RASPIR, "run", narrow, "a", "x"],
            "stats": [*RASPIR, "stats", narrow, "--sparsity"],
        }
    )
    assert (
        ran["stats"]
        .stdout.splitlines()[1]
        .startswith("LOSSY: residual compressed from width")
    )
    ran = ran["run"]
    assert ran.returncode == 0
    assert "LOSSY: residual compressed from width" in ran.stderr


def test_compile_sparse_writes_a_sparse_model_that_runs(results, saved):
    _, r = results
    assert r["sparse"].returncode == 0, r["sparse"].stderr
    assert "sparse execution" in r["sparse"].stdout
    sparse = load(saved.parent / "sp")
    assert sparse.execution == "sparse"
    inputs = [["compiler_bos", "a", "x", "x", "b"], ["compiler_bos", "x"]]
    assert sparse.apply_batch(inputs) == load(saved).apply_batch(inputs)
