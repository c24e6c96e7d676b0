"""``raspir export``, run in-process through the command's ``main``.

Covered: each format writes its files and says how to use them; what npz and
safetensors write loads as the same model; the torch and TransformerLens
modules written import from their directory and decode what the model
decodes; the errors (a directory that is no model, an output that is a file,
a missing package, a model without la IR, an unknown format) are one line.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
import torch

import raspir
from raspir import compile_rasp_to_model
from raspir.testing.library import LIB_PROGRAMS
from raspir.tools.cli import main

N = 4
INPUTS = [["BOS", "a", "b", "c"], ["BOS", "c"], ["BOS", "b", "a", "b", "e"]]


@functools.cache
def model():
    entry = LIB_PROGRAMS["reverse"]
    return compile_rasp_to_model(entry.build(N), entry.vocab(N), N, compiler_bos="BOS")


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    return model().save(tmp_path_factory.mktemp("export") / "reverse")


def export(capsys, *args: str) -> tuple[int, str, str]:
    """The exit status, stdout and stderr of ``raspir export ARGS``."""
    with pytest.raises(SystemExit) as exited:
        main(["export", *args])
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def import_file(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def written(out: Path, stdout: str, usage: str) -> list[str]:
    """The files in ``out``, after checking that stdout names them and the usage."""
    files = sorted(p.name for p in out.iterdir())
    assert stdout.splitlines() == [
        f"wrote {out}/: {', '.join(files)}",
        f"  use it: {usage}",
    ]
    return files


@pytest.mark.parametrize("format", ["npz", "safetensors"])
def test_weights_formats_write_a_model_directory(
    capsys, saved, tmp_path, format: str
) -> None:
    out = tmp_path / format
    status, stdout, stderr = export(
        capsys, str(saved), "--format", format, "-o", str(out)
    )
    assert (status, stderr) == (0, "")
    weights_file = f"model.{format}"
    files = written(out, stdout, f"raspir run {out} TOKEN ...")
    assert files == sorted(
        [
            "model.py",
            weights_file,
            "model.json",
            *(p.name for p in saved.glob("*.mlir")),
        ]
    )
    assert f"WEIGHTS_FILE = '{weights_file}'" in (out / "model.py").read_text()
    assert raspir.load(out).apply_batch(INPUTS) == model().apply_batch(INPUTS)


def test_torch_writes_a_module_that_runs(capsys, saved, tmp_path) -> None:
    out = tmp_path / "torch"
    status, stdout, stderr = export(
        capsys, str(saved), "--format", "torch", "-o", str(out)
    )
    assert (status, stderr) == (0, "")
    usage = f'cd {out} && python -c "import model_torch; m = model_torch.load()"'
    files = written(out, stdout, usage)
    assert files == ["model.json", "model.safetensors", "model_torch.py"]
    module = import_file(out / "model_torch.py", "exported_reverse_torch")
    transformer = module.load()
    ids = [transformer.encode(tokens) for tokens in INPUTS]
    width = max(map(len, ids))
    batch = [row + [module.PAD_ID] * (width - len(row)) for row in ids]
    with torch.no_grad():
        decoded = transformer.decode(transformer(batch), batch)
    assert [row[: len(i)] for row, i in zip(decoded, ids, strict=True)] == (
        model().apply_batch(INPUTS)
    )


def test_transformer_lens_writes_a_module_that_runs(capsys, saved, tmp_path) -> None:
    out = tmp_path / "lens"
    status, stdout, stderr = export(
        capsys, str(saved), "--format", "transformer_lens", "-o", str(out)
    )
    assert (status, stderr) == (0, "")
    usage = (
        f'cd {out} && python -c "import model_transformer_lens as m; '
        'hooked, encode_tokens, decode_logits = m.load()"'
    )
    files = written(out, stdout, usage)
    assert files == ["model.json", "model.safetensors", "model_transformer_lens.py"]
    module = import_file(out / "model_transformer_lens.py", "exported_reverse_lens")
    hooked, encode_tokens, decode_logits = module.load()
    with torch.no_grad():
        decoded = [decode_logits(hooked(encode_tokens(t))) for t in INPUTS]
    assert decoded == model().apply_batch(INPUTS)


def assert_one_line_error(status: int, stderr: str, message: str) -> None:
    assert status == 1
    assert stderr == f"raspir: error: {message}\n"


def test_errors_are_one_line(capsys, saved, tmp_path, monkeypatch) -> None:
    missing = tmp_path / "nowhere"
    status, _, stderr = export(capsys, str(missing), "--format", "npz", "-o", "x")
    assert_one_line_error(
        status,
        stderr,
        f"'{missing}' is not a saved raspir model: missing model.py, model.npz, "
        "model.json",
    )
    taken = tmp_path / "taken"
    taken.write_text("")
    status, _, stderr = export(
        capsys, str(saved), "--format", "torch", "-o", str(taken)
    )
    assert_one_line_error(
        status,
        stderr,
        f"cannot export the model to '{taken}': it exists and is not a directory",
    )
    bare = tmp_path / "bare"
    shutil.copytree(saved, bare)
    (bare / "la.mlir").unlink()
    status, _, stderr = export(
        capsys, str(bare), "--format", "transformer_lens", "-o", "y"
    )
    assert_one_line_error(
        status,
        stderr,
        "this model has no la IR to export it to transformer_lens (it was loaded "
        "without la.mlir)",
    )
    monkeypatch.setitem(sys.modules, "torch", None)
    out = tmp_path / "no-torch"
    status, _, stderr = export(capsys, str(saved), "--format", "torch", "-o", str(out))
    assert_one_line_error(
        status,
        stderr,
        "exporting the model to torch needs the torch package: "
        "pip install 'raspir[torch]'",
    )
    assert not out.exists()


def test_an_unknown_format_is_a_usage_error(capsys, saved) -> None:
    status, stdout, stderr = export(capsys, str(saved), "--format", "onnx", "-o", "z")
    assert (status, stdout) == (2, "")
    assert "argument --format: invalid choice: 'onnx'" in stderr
    assert not Path("z").exists()
