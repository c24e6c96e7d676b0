"""``raspir show``, run as subprocesses (started together) on a model saved
here, and on a copy saved without its sa IR."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

from raspir import compile_rasp_to_model
from raspir.backend.model import FILES
from raspir.testing.library import LIB_PROGRAMS

from .test_cli import RASPIR, run_all

MAX_SEQ_LEN = 4
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PICTURES = ["residuals", "attention"]
GRAPH = ["program.dot", "program"]


@pytest.fixture(scope="module")
def model():
    p = LIB_PROGRAMS["sort"]
    return compile_rasp_to_model(
        p.build(MAX_SEQ_LEN), p.vocab(MAX_SEQ_LEN), MAX_SEQ_LEN, compiler_bos="BOS"
    )


@pytest.fixture(scope="module")
def results(model, tmp_path_factory):
    root = tmp_path_factory.mktemp("show")
    saved = model.save(root / "sort")
    old = root / "sort-without-sa"
    shutil.copytree(saved, old)
    (old / FILES["sa"]).unlink()
    return root, run_all(
        {
            "png": [*RASPIR, "show", str(saved), "--input", "BOS 3 1 2", "-o",
                    str(root / "png")],
            "svg-without-sa": [*RASPIR, "show", str(old), "--input", "2 1", "-o",
                               str(root / "svg"), "--format", "svg"],
            "bad-token": [*RASPIR, "show", str(saved), "--input", "3 9", "-o",
                          str(root / "bad")],
            "not-a-model": [*RASPIR, "show", str(root), "--input", "1", "-o",
                            str(root / "none")],
        }
    )  # fmt: skip


def test_show_writes_the_pictures_and_prints_the_output(model, results):
    root, r = results
    result = r["png"]
    assert result.returncode == 0, result.stderr
    out = root / "png"
    names = [f"{n}.png" for n in PICTURES] + ["program.dot", "program.png"]
    assert result.stdout.splitlines() == [f"wrote {out / n}" for n in names] + [
        "output: " + " ".join(str(v) for v in model.apply(["BOS", 3, 1, 2]).decoded[1:])
    ]
    for name in names:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) if name.endswith(".png") else data
    assert "program.png drawn with" in result.stderr


def test_show_without_sa_ir_skips_the_graph_with_a_note(model, results):
    root, r = results
    result = r["svg-without-sa"]
    assert result.returncode == 0, result.stderr
    out = root / "svg"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.svg" for n in PICTURES)
    for path in out.iterdir():
        assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert result.stdout.splitlines()[-1] == "output: " + " ".join(
        str(v) for v in model.apply(["BOS", 2, 1]).decoded[1:]
    )
    (note,) = result.stderr.splitlines()
    assert note.startswith("raspir: note: no program graph:") and "sa.mlir" in note


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("bad-token", "input word 1 '9' is not a token"),
        ("not-a-model", "is not a saved raspir model"),
    ],
)
def test_show_errors_are_one_line(results, case, message):
    root, r = results
    result = r[case]
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("raspir: error: ") and message in line
    assert not (root / "bad").exists()
