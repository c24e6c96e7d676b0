"""float64 models: past float32's limit, ``dtype="float64"`` compiles exactly.

Covered: the float32 refusal names the op and suggests float64; the float64
program is exact at every IR level and as a JAX model, including on inputs of
the full length; the model computes in float64 without switching the process
to JAX's 64-bit mode (float32 models beside it stay float32); save/load keeps
float64 weights; the emitted module runs alone in float64; a bad dtype is an
argument error.
"""

from __future__ import annotations

import functools
import json
import random
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

import raspir
from raspir import compile_rasp_to_model, lib, rasp, to_rasp_ir
from raspir.errors import InvalidArgumentError, UnsupportedProgramError
from raspir.passes.convert_rasp_to_sa import FLOAT64_HINT

N = 255
"""The first max_seq_len whose counts float32 cannot certify (docs/limits.md)."""
VOCAB = ("a", "b", "c")


@functools.cache
def hist() -> rasp.SOp:
    return lib.make_hist()


@functools.cache
def hist64():
    return compile_rasp_to_model(hist(), VOCAB, N, compiler_bos="BOS", dtype="float64")


def inputs() -> list[list[str]]:
    """Random inputs, three of them of the full length N."""
    rng = random.Random(0)
    short = [[rng.choice(VOCAB) for _ in range(rng.randint(1, N))] for _ in range(5)]
    full = [[rng.choice(VOCAB) for _ in range(N)] for _ in range(2)]
    return [*short, *full, ["a"] * N]


def test_float32_refusal_names_the_op_and_suggests_float64() -> None:
    with pytest.raises(UnsupportedProgramError) as caught:
        compile_rasp_to_model(hist(), VOCAB, N)
    message = str(caught.value)
    assert message.startswith(
        "rasp.selector_width 'hist': counts up to 255 need the head's relative "
        "error below 6.08e-05, beyond float32 precision"
    ), message
    assert message.endswith(FLOAT64_HINT)
    assert FLOAT64_HINT == (
        '; compile with dtype="float64" (--dtype float64) for this max_seq_len'
    )


def test_a_refusal_float64_cannot_help_has_no_hint() -> None:
    mean = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT),
            rasp.numerical(rasp.Map(lambda x: 1 if x == "a" else 0, rasp.tokens)),
            default=float("inf"),
        )
    )
    with pytest.raises(UnsupportedProgramError) as caught:
        compile_rasp_to_model(mean, VOCAB, 4)
    assert "default inf" in str(caught.value)
    assert "float64" not in str(caught.value)


def test_float64_is_exact_at_every_level() -> None:
    report = raspir.verify(hist(), VOCAB, N, inputs=inputs(), dtype="float64")
    assert report.exact, str(report)
    assert report.samples == len(inputs()) and report.skipped == 0


def test_the_float64_model_agrees_with_the_evaluator_in_float64() -> None:
    before = jax.config.jax_enable_x64
    model = hist64()
    assert model.dtype == "float64" and model.info["dtype"] == "float64"
    cases = inputs()
    outputs = model.apply_batch(["BOS", *xs] for xs in cases)
    for xs, out in zip(cases, outputs, strict=True):
        assert out == ["BOS", *rasp.evaluate(hist(), xs)]
    run = model.apply(["BOS", *cases[-1]])
    assert run.residuals[0].dtype == np.float64
    assert run.unembedded.dtype == np.float64
    for group in model.params.values():
        assert all(array.dtype == np.float64 for array in group.values())
    # The 64-bit mode was entered for the model's own calls only.
    assert jax.config.jax_enable_x64 == before


def test_float32_models_beside_it_stay_float32() -> None:
    hist64().apply_batch([["BOS", "a"]])
    small = compile_rasp_to_model(hist(), VOCAB, 4, compiler_bos="BOS")
    assert small.dtype == "float32"
    assert small.apply(["BOS", "a", "b"]).residuals[-1].dtype == np.float32
    assert small.params["token_embed"]["embeddings"].dtype == np.float32


def test_save_and_load_keep_float64(tmp_path: Path) -> None:
    model = hist64()
    saved = model.save(tmp_path / "first")
    assert json.loads((saved / "model.json").read_text())["dtype"] == "float64"
    assert " dtype float64 {" in (saved / "la.mlir").read_text()
    with np.load(saved / "model.npz") as table:
        assert {table[name].dtype for name in table.files} == {np.dtype("<f8")}
        assert np.array_equal(table["unembed/w"], model.weights["unembed/w"])
    loaded = raspir.load(saved)
    assert loaded.dtype == "float64"
    for key, group in model.params.items():
        for part, array in group.items():
            assert loaded.params[key][part].dtype == np.float64, (key, part)
            assert np.array_equal(loaded.params[key][part], array), (key, part)
    cases = [["BOS", *xs] for xs in inputs()]
    assert loaded.apply_batch(cases) == model.apply_batch(cases)
    ours, theirs = model.apply(cases[-1]), loaded.apply(cases[-1])
    assert np.array_equal(ours.transformer_output, theirs.transformer_output)
    again = loaded.save(tmp_path / "second")
    for file in ("model.py", "model.npz", "model.json", "la.mlir", "rasp.mlir"):
        assert (again / file).read_bytes() == (saved / file).read_bytes(), file


STANDALONE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import jax
import model

assert not jax.config.jax_enable_x64
params = model.load_params()
ids = [model.encode(tokens) for tokens in json.loads(sys.argv[2])]
width = max(map(len, ids))
batch = [row + [model.PAD_ID] * (width - len(row)) for row in ids]
result, trace = model.forward(params, batch, trace=True)
print(json.dumps({
    "dtype": model.DTYPE,
    "params": sorted({str(w.dtype) for w in params.values()}),
    "result": str(result.dtype),
    "residual": str(trace["residuals"][-1].dtype),
    "x64_after": bool(jax.config.jax_enable_x64),
    "decoded": [row[: len(r)] for row, r in zip(model.decode(result, batch), ids)],
}))
"""


def test_the_emitted_module_runs_alone_in_float64(tmp_path: Path) -> None:
    model = hist64()
    directory = model.save(tmp_path / "model")
    cases = [["BOS", *xs] for xs in inputs()[-3:]]
    result = subprocess.run(
        [sys.executable, "-c", STANDALONE, str(directory), json.dumps(cases)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["dtype"] == "float64"
    assert got["params"] == ["float64"]
    assert got["result"] == got["residual"] == "float64"
    assert got["x64_after"] is False
    assert got["decoded"] == model.apply_batch(cases)


@pytest.mark.parametrize("dtype", ["float16", "f8", np.float64, None])
def test_dtype_must_be_float32_or_float64(dtype) -> None:
    message = f'dtype must be "float32" or "float64", got {dtype!r}'
    with pytest.raises(InvalidArgumentError) as caught:
        to_rasp_ir(hist(), VOCAB, 4, dtype=dtype)
    assert str(caught.value) == message
    with pytest.raises(InvalidArgumentError):
        compile_rasp_to_model(hist(), VOCAB, 4, dtype=dtype)
