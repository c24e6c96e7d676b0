"""The compiled-model API: what a Tracr user reads, and what raspir adds to it.

Covered: a Tracr script that runs with only its imports changed; the Tracr
names and shapes of ``params``, ``model_config``, ``residual_labels`` and the
encoders; the trace of ``apply`` (re-computed from ``params`` alone, as
Tracr's Haiku model would compute it); ``apply_batch`` against ``apply`` and
the evaluator (causal too); the emitted module run in a fresh process that
cannot import raspir; ``save``/``load`` round trips and the errors of a bad
model directory; byte-identical artifacts across fresh processes; input
validation; and the compile options (pipelines, IR dumps, stage callbacks).

Compiled models are cached per module: JAX's jit compile is the main cost.
"""

from __future__ import annotations

import functools
import io
import json
import math
import os
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import raspir
from raspir import compile_rasp_to_model, lib, rasp
from raspir.backend.model import FILES
from raspir.errors import (
    InvalidArgumentError,
    InvalidInputError,
    UnsupportedProgramError,
)
from raspir.pipeline import O0, O2, stage_names
from raspir.testing.library import LIB_PROGRAMS

VOCAB = {"a", "b", "c"}
MAX_SEQ_LEN = 5
STAGES = ["import", *stage_names(O2)]
"""What the default pipeline (-O2) records, import first."""
TRACR_LAYER_NAMES = (
    "attn/query",
    "attn/key",
    "attn/value",
    "attn/linear",
    "mlp/linear_1",
    "mlp/linear_2",
)
SUBPROCESS_TIMEOUT = 300

# -- shared programs and models ------------------------------------------------


@functools.cache
def program(name: str) -> rasp.SOp:
    """Each program built once, so the evaluator and the models share it."""
    builders = {
        "length": lib.make_length,
        "reverse": lambda: lib.make_reverse(rasp.tokens),
        "frac_prevs": lambda: lib.make_frac_prevs(rasp.tokens == "a"),
        "shuffle_dyck2": lib.make_shuffle_dyck2,
    }
    return builders[name]()


def model(name: str, causal: bool = False):
    """``name`` over VOCAB (shuffle_dyck2: its brackets) with BOS/PAD spelled out."""
    return _model(name, causal)


@functools.cache
def _model(name: str, causal: bool):
    vocab = {"(", ")", "{", "}"} if name == "shuffle_dyck2" else VOCAB
    return compile_rasp_to_model(
        program(name),
        vocab=vocab,
        max_seq_len=MAX_SEQ_LEN,
        causal=causal,
        compiler_bos="BOS",
        compiler_pad="PAD",
    )


@functools.cache
def int_model():
    """length over the integer vocab {1, 2, 3}: tokens must match type-exactly."""
    return compile_rasp_to_model(
        lib.make_length(), {1, 2, 3}, MAX_SEQ_LEN, compiler_bos="BOS"
    )


def saved_length_model(directory: Path) -> Path:
    return model("length").save(directory / "length")


INPUTS = [
    [],
    ["a"],
    ["c", "b"],
    ["a", "b", "c"],
    ["b", "b", "a", "c"],
    ["c", "a", "b", "a", "c"],
    ["a", "a", "a", "a", "a"],
    ["b", "a"],
]
"""Mixed lengths, 0 to MAX_SEQ_LEN (8 inputs: one batch of 8, one jit compile)."""


def same(actual, expected, tolerance: float = 0.0) -> bool:
    """Type-exact equality of decoded values; floats within ``tolerance``."""
    if isinstance(actual, float) and isinstance(expected, int | float):
        return math.isfinite(actual) and abs(actual - expected) <= tolerance
    return type(actual) is type(expected) and actual == expected


def assert_rows_equal(actual: list, expected: list, tolerance: float = 0.0) -> None:
    assert len(actual) == len(expected)
    for a_row, e_row in zip(actual, expected, strict=True):
        assert len(a_row) == len(e_row), (a_row, e_row)
        assert all(same(a, e, tolerance) for a, e in zip(a_row, e_row, strict=True)), (
            a_row,
            e_row,
        )


# -- 1. Tracr compatibility ----------------------------------------------------

TRACR_SCRIPT = """
from tracr.compiler.compiling import compile_rasp_to_model
from tracr.compiler import lib
from tracr.rasp import rasp

program = lib.make_length()
model = compile_rasp_to_model(
    program,
    vocab={"a", "b", "c"},
    max_seq_len=5,
    compiler_bos="BOS",
    compiler_pad="PAD",
    mlp_exactness=100,
)
out = model.apply(["BOS", "a", "b", "c"])

reverse = compile_rasp_to_model(
    lib.make_reverse(rasp.tokens), {"a", "b", "c"}, 5, False, "BOS", "PAD", 100
)
reversed_out = reverse.apply(["BOS", "a", "b", "c"]).decoded
config = model.model_config
shapes = {
    name: {key: array.shape for key, array in group.items()}
    for name, group in model.params.items()
}
"""


def test_tracr_script_runs_with_only_its_imports_changed() -> None:
    tracr_imports = (
        "from tracr.compiler.compiling import compile_rasp_to_model\n"
        "from tracr.compiler import lib\n"
        "from tracr.rasp import rasp\n"
    )
    assert tracr_imports in TRACR_SCRIPT
    script = TRACR_SCRIPT.replace(
        tracr_imports, "from raspir import compile_rasp_to_model, lib, rasp\n"
    )
    namespace: dict = {}
    exec(script, namespace)
    assert namespace["out"].decoded == ["BOS", 3, 3, 3]
    assert namespace["reversed_out"] == ["BOS", "c", "b", "a"]
    config = namespace["config"]
    assert (config.num_layers, config.num_heads) == (1, 1)
    width = len(namespace["model"].residual_labels)
    assert namespace["shapes"]["transformer/layer_0/attn/query"]["w"] == (
        width,
        config.num_heads * config.key_size,
    )


def test_tracr_defaults_for_bos_and_pad() -> None:
    m = compile_rasp_to_model(program("length"), VOCAB, MAX_SEQ_LEN)
    assert m.input_encoder.bos_token == "compiler_bos"
    assert m.input_encoder.pad_token == "compiler_pad"
    assert m.apply(["compiler_bos", "a", "b"]).decoded == ["compiler_bos", 2, 2]


def test_residual_labels_are_tracr_strings() -> None:
    labels = model("reverse").residual_labels
    assert all(isinstance(label, str) for label in labels)
    assert len(set(labels)) == len(labels)
    assert {"one", "tokens:a", "tokens:b", "tokens:c"} <= set(labels)
    assert {f"reverse:{v}" for v in VOCAB} <= set(labels)
    # -O2 compares length - indices - 1 with the indices by a quadratic head
    # that reads it straight from the numbers length and indices: those are
    # numerical (indices with its square), and opp_idx-1 has no direction.
    assert {"length", "indices", "indices^2"} <= set(labels)
    assert not any(label.startswith(("opp_idx", "indices:")) for label in labels)
    o0 = raspir.compile_rasp_to_model(
        lib.make_reverse(rasp.tokens), VOCAB, MAX_SEQ_LEN, pipeline="-O0"
    ).residual_labels
    assert {"indices:0", "length:0", "opp_idx-1:0"} <= set(o0)


def test_model_config_and_params_have_tracr_names_and_shapes() -> None:
    m = model("length")
    config, params = m.model_config, m.params
    width = len(m.residual_labels)
    assert (config.num_layers, config.num_heads) == (1, 1)
    assert config.key_size > 0 and config.mlp_hidden_size > 0
    assert config.causal is False and config.layer_norm is False
    assert params["transformer/layer_0/attn/query"]["w"].shape == (
        width,
        config.num_heads * config.key_size,
    )
    assert params["transformer/layer_0/attn/key"]["w"].shape == (
        width,
        config.num_heads * config.key_size,
    )
    assert params["transformer/layer_0/mlp/linear_1"]["w"].shape == (
        width,
        config.mlp_hidden_size,
    )
    assert params["transformer/layer_0/mlp/linear_2"]["w"].shape == (
        config.mlp_hidden_size,
        width,
    )
    assert params["token_embed"]["embeddings"].shape == (len(VOCAB) + 2, width)
    assert params["pos_embed"]["embeddings"].shape == (MAX_SEQ_LEN + 1, width)


@pytest.mark.parametrize(
    "name", ["length", "reverse", "frac_prevs", "shuffle_dyck2", "sort", "sort_freq"]
)
def test_every_layer_has_every_tracr_parameter(name: str) -> None:
    if name in ("sort", "sort_freq"):
        entry = LIB_PROGRAMS[name]
        m = compile_rasp_to_model(entry.build(5), entry.vocab(5), 5)
    else:
        m = model(name)
    config, params = m.model_config, m.params
    width = len(m.residual_labels)
    expected = {"token_embed", "pos_embed"} | {
        f"transformer/layer_{i}/{part}"
        for i in range(config.num_layers)
        for part in TRACR_LAYER_NAMES
    }
    assert set(params) == expected
    assert set(params["token_embed"]) == set(params["pos_embed"]) == {"embeddings"}
    hidden = []
    for layer in range(config.num_layers):
        group = {p: params[f"transformer/layer_{layer}/{p}"] for p in TRACR_LAYER_NAMES}
        for part, arrays in group.items():
            assert set(arrays) == {"w", "b"}, part
            assert arrays["w"].dtype == np.float32
            assert arrays["b"].shape == (arrays["w"].shape[1],), part
            assert not np.any(arrays["b"]), f"{part}: Tracr's biases are zero"
        query, key = group["attn/query"]["w"], group["attn/key"]["w"]
        value, linear = group["attn/value"]["w"], group["attn/linear"]["w"]
        fst, snd = group["mlp/linear_1"]["w"], group["mlp/linear_2"]["w"]
        assert query.shape == key.shape and query.shape[0] == width
        assert query.shape[1] <= config.num_heads * config.key_size
        assert value.shape[0] == width and linear.shape == (value.shape[1], width)
        assert fst.shape[0] == width and snd.shape == (fst.shape[1], width)
        assert fst.shape[1] <= config.mlp_hidden_size
        hidden.append(fst.shape[1])
    # model_config holds the largest layer's sizes, as Tracr's does.
    assert max(hidden) == config.mlp_hidden_size
    assert config.num_heads == m.sizes.max_heads


def test_input_encoder_maps_vocab_bos_and_pad() -> None:
    m = model("reverse")
    encoder = m.input_encoder
    encoding = encoder.encoding_map
    assert set(encoding) == VOCAB | {"BOS", "PAD"}
    assert sorted(encoding.values()) == list(range(len(VOCAB) + 2))
    assert encoder.decoding_map == {i: v for v, i in encoding.items()}
    assert encoder.bos_token == "BOS" and encoder.pad_token == "PAD"
    assert encoder.max_seq_len == MAX_SEQ_LEN + 1
    assert encoder.encode(["BOS", "c", "a"]) == [
        encoding["BOS"],
        encoding["c"],
        encoding["a"],
    ]
    # Each token's embedding row sets its own tokens: direction only.
    embed, labels = m.params["token_embed"]["embeddings"], m.residual_labels
    for token in VOCAB:
        row = embed[encoding[token]]
        for other in VOCAB | {"BOS"}:
            assert row[labels.index(f"tokens:{other}")] == (other == token)
        assert row[labels.index("one")] == 1
    # The position layout: row 0 (BOS) is empty; -O2 makes reverse's indices
    # numerical (row p holds p-1 and its square), -O0 keeps Tracr's one-hot
    # layout (row p sets indices:p-1).
    positions = m.params["pos_embed"]["embeddings"]
    assert not np.any(positions[0])
    p = np.arange(MAX_SEQ_LEN, dtype=np.float32)
    np.testing.assert_array_equal(positions[1:, labels.index("indices")], p)
    np.testing.assert_array_equal(positions[1:, labels.index("indices^2")], p * p)
    o0 = compile_rasp_to_model(
        program("reverse"),
        vocab=VOCAB,
        max_seq_len=MAX_SEQ_LEN,
        compiler_bos="BOS",
        compiler_pad="PAD",
        pipeline="-O0",
    )
    labels = o0.residual_labels
    positions = o0.params["pos_embed"]["embeddings"]
    index_columns = [labels.index(f"indices:{i}") for i in range(MAX_SEQ_LEN)]
    assert not np.any(positions[0])
    np.testing.assert_array_equal(
        positions[1:, index_columns], np.eye(MAX_SEQ_LEN, dtype=np.float32)
    )


def test_output_encoders() -> None:
    categorical = model("length").output_encoder
    lengths = range(1, MAX_SEQ_LEN + 1)  # -O2 prunes the impossible length 0
    assert categorical.decoding_map == dict(enumerate(lengths))
    assert categorical.encoding_map == {v: i for i, v in enumerate(lengths)}
    assert categorical.decode([3, 0]) == [4, 1]
    numerical = model("frac_prevs").output_encoder
    assert type(numerical).__name__ == "NumericalEncoder"
    assert not hasattr(numerical, "decoding_map")
    assert numerical.decode(np.array([0.5, 1.0])) == [0.5, 1.0]


# -- 2. the trace of apply -------------------------------------------------------


def output_columns(m, name: str) -> tuple[list[int], list]:
    """The residual columns that hold output s-op ``name``, and their values."""
    # A coordinate that directions share is labelled "d1|d2".
    labels = [label.split("|") for label in m.residual_labels]

    def column(label: str) -> int:
        return next(i for i, parts in enumerate(labels) if label in parts)

    if type(m.output_encoder).__name__ == "NumericalEncoder":
        return [column(name)], []
    values = list(m.output_encoder.decoding_map.values())
    return [column(f"{name}:{v}") for v in values], values


@pytest.mark.parametrize("name", ["length", "reverse", "frac_prevs", "shuffle_dyck2"])
def test_apply_trace_shapes_and_invariants(name: str) -> None:
    m = model(name)
    tokens = ["BOS", *(["(", "{", "}", ")"] if name == "shuffle_dyck2" else "bca")]
    out = m.apply(tokens)
    n, width = len(tokens), len(m.residual_labels)
    config = m.model_config
    assert len(out.decoded) == n and out.decoded[0] == "BOS"
    assert len(out.residuals) == len(out.layer_outputs) == 2 * config.num_layers
    assert all(r.shape == (1, n, width) for r in out.residuals)
    assert all(r.shape == (1, n, width) for r in out.layer_outputs)
    assert len(out.attn_logits) == config.num_layers
    for logits in out.attn_logits:
        assert logits.shape[0] == 1 and logits.shape[2:] == (n, n)
        assert logits.shape[1] <= config.num_heads
    assert max(a.shape[1] for a in out.attn_logits) == config.num_heads
    assert out.input_embeddings.shape == out.transformer_output.shape == (1, n, width)
    assert np.array_equal(out.residuals[-1], out.transformer_output)
    steps = [out.input_embeddings, *out.residuals]
    for i, layer_output in enumerate(out.layer_outputs):
        np.testing.assert_allclose(
            steps[i + 1] - steps[i], layer_output, rtol=1e-5, atol=1e-5
        )
    # The output s-op's directions in the residual stream are what is decoded.
    columns, values = output_columns(m, program(name).name)
    read = out.transformer_output[0][:, columns]
    if values:
        assert out.unembedded.shape == (1, n, len(values))
        for position in range(1, n):
            assert out.decoded[position] == values[int(np.argmax(read[position]))]
            best = int(np.argmax(out.unembedded[0, position]))
            assert out.decoded[position] == values[best]
    else:
        assert out.unembedded.shape == (1, n)
        np.testing.assert_allclose(read[1:, 0], out.decoded[1:], rtol=0, atol=1e-6)
        np.testing.assert_allclose(out.unembedded[0, 1:], out.decoded[1:], atol=1e-6)


def assert_close_to_sum(actual, expected, scale) -> None:
    """``actual`` within float32 rounding of ``expected``, a sum of terms whose
    absolute values add up to ``scale`` (elementwise)."""
    allowed = 1e-5 * scale + 1e-6
    assert np.all(np.abs(actual - expected) <= allowed), np.max(
        np.abs(actual - expected) - allowed
    )


@pytest.mark.parametrize(
    "name,causal",
    [
        ("length", False),
        ("reverse", False),
        ("frac_prevs", False),
        ("frac_prevs", True),
        ("shuffle_dyck2", False),
    ],
)
def test_params_alone_reproduce_the_trace(name: str, causal: bool) -> None:
    """Tracr's params are the weights that run: a numpy transformer built from
    ``params`` (Tracr's names, no layer norm, ReLU MLPs) reproduces each
    sub-layer of the trace."""
    m = model(name, causal)
    tokens = ["BOS", *(["{", "(", ")", "}"] if name == "shuffle_dyck2" else "abca")]
    out = m.apply(tokens)
    params = {
        k: {n: a.astype(np.float64) for n, a in g.items()} for k, g in m.params.items()
    }
    n = len(tokens)
    ids = m.input_encoder.encode(tokens)
    embedded = (
        params["token_embed"]["embeddings"][ids] + params["pos_embed"]["embeddings"][:n]
    )
    np.testing.assert_array_equal(embedded, out.input_embeddings[0])
    keep = np.tril(np.ones((n, n), bool)) if causal else np.ones((n, n), bool)
    x = out.input_embeddings[0].astype(np.float64)
    for layer in range(m.model_config.num_layers):
        p = {
            part: params[f"transformer/layer_{layer}/{part}"]
            for part in TRACR_LAYER_NAMES
        }
        heads = out.attn_logits[layer].shape[1]
        attention = out.layer_outputs[2 * layer][0]
        if heads == 0:
            assert not np.any(attention)
        else:
            q = x @ p["attn/query"]["w"] + p["attn/query"]["b"]
            k = x @ p["attn/key"]["w"] + p["attn/key"]["b"]
            v = x @ p["attn/value"]["w"] + p["attn/value"]["b"]
            q, k = q.reshape(n, heads, -1), k.reshape(n, heads, -1)
            v = v.reshape(n, heads, -1)
            logits = np.einsum("qhk,shk->hqs", q, k)
            scale = np.einsum("qhk,shk->hqs", np.abs(q), np.abs(k))
            assert_close_to_sum(out.attn_logits[layer][0], logits, scale)
            # Attend with the model's own logits: only the weights are tested.
            model_logits = np.where(keep, out.attn_logits[layer][0], -np.inf)
            weights = np.exp(model_logits - model_logits.max(-1, keepdims=True))
            weights /= weights.sum(-1, keepdims=True)
            mixed = np.einsum("hqs,shv->qhv", weights, v).reshape(n, -1)
            linear = p["attn/linear"]["w"]
            expected = mixed @ linear + p["attn/linear"]["b"]
            assert_close_to_sum(attention, expected, np.abs(mixed) @ np.abs(linear))
        x = out.residuals[2 * layer][0].astype(np.float64)
        hidden = np.maximum(x @ p["mlp/linear_1"]["w"] + p["mlp/linear_1"]["b"], 0)
        snd = p["mlp/linear_2"]["w"]
        scale = np.abs(hidden) @ np.abs(snd) + np.abs(x) @ np.abs(
            p["mlp/linear_1"]["w"]
        ) @ np.abs(snd)
        assert_close_to_sum(
            out.layer_outputs[2 * layer + 1][0],
            hidden @ snd + p["mlp/linear_2"]["b"],
            scale,
        )
        x = out.residuals[2 * layer + 1][0].astype(np.float64)


# -- 3. apply_batch ------------------------------------------------------------


@pytest.mark.parametrize(
    "name,causal,tolerance",
    [
        ("reverse", False, 0.0),
        ("length", False, 0.0),
        ("frac_prevs", False, 1e-4),
        ("reverse", True, 0.0),
        ("length", True, 0.0),
        ("frac_prevs", True, 1e-4),
    ],
)
def test_apply_batch_matches_apply_and_the_evaluator(
    name: str, causal: bool, tolerance: float
) -> None:
    m = model(name, causal)
    assert m.model_config.causal is causal
    batch = m.apply_batch(["BOS", *xs] for xs in INPUTS)
    one_by_one = [m.apply(["BOS", *xs]).decoded for xs in INPUTS]
    assert_rows_equal(batch, one_by_one, tolerance=1e-6)
    expected = [
        ["BOS", *rasp.evaluate(program(name), xs, causal=causal)] for xs in INPUTS
    ]
    assert_rows_equal(batch, expected, tolerance)


def test_causal_compile_changes_the_result() -> None:
    tokens = ["BOS", "a", "b", "c"]
    assert model("reverse").apply(tokens).decoded == ["BOS", "c", "b", "a"]
    assert model("reverse", True).apply(tokens).decoded == ["BOS", "a", "a", "a"]
    assert model("length", True).apply(tokens).decoded == ["BOS", 1, 2, 3]


def test_trailing_pad_is_masked() -> None:
    m = model("reverse")
    assert m.apply(["BOS", "a", "b", "PAD", "PAD"]).decoded == [
        "BOS",
        "b",
        "a",
        "PAD",
        "PAD",
    ]
    assert m.apply_batch([["BOS", "c", "a", "PAD"], ["BOS", "b"]]) == [
        ["BOS", "a", "c", "PAD"],
        ["BOS", "b"],
    ]


def test_apply_batch_of_nothing_and_of_a_generator() -> None:
    m = model("length")
    assert m.apply_batch([]) == []
    assert m.apply_batch(["BOS", *xs] for xs in [["a"], ["a", "b"]]) == [
        ["BOS", 1],
        ["BOS", 2, 2],
    ]


# -- 4. the emitted module in a fresh process ----------------------------------

STANDALONE = r"""
import importlib.abc, json, sys


class NoRaspir(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("raspir", "xdsl"):
            raise ImportError(f"the emitted module imported {name}")
        return None


sys.meta_path.insert(0, NoRaspir())
sys.path.insert(0, sys.argv[1])
import model
import numpy as np

assert "raspir" not in sys.modules and "xdsl" not in sys.modules
assert set(sys.modules) >= {"jax", "numpy"}
inputs = json.loads(sys.argv[2])
params = model.load_params()
ids = [model.encode(tokens) for tokens in inputs]
width = max(map(len, ids))
batch = [row + [model.PAD_ID] * (width - len(row)) for row in ids]
result, trace = model.forward(params, batch, trace=True)
assert (np.asarray(model.forward(params, batch)) == np.asarray(result)).all()
decoded = model.decode(result, batch)
print(json.dumps({
    "decoded": [row[: len(r)] for row, r in zip(decoded, ids)],
    "labels": model.RESIDUAL_LABELS,
    "tokens": model.TOKENS,
    "causal": model.CAUSAL,
    "residuals": len(trace["residuals"]),
    "width": trace["transformer_output"].shape[-1],
}))
"""


def run_python(script: str, *args: str, cwd: Path, env: dict | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_emitted_module_runs_alone_in_a_fresh_process(tmp_path: Path) -> None:
    cases = []
    for name, causal in [
        ("reverse", False),
        ("frac_prevs", True),
        ("sort", False),
        ("shuffle_dyck2", False),
    ]:
        entry = LIB_PROGRAMS[name]
        m = compile_rasp_to_model(
            entry.build(MAX_SEQ_LEN),
            set(entry.vocab(MAX_SEQ_LEN)),
            MAX_SEQ_LEN,
            causal=causal,
            compiler_bos="BOS",
        )
        rng = random.Random(name)
        inputs = [["BOS", *entry.random_input(rng, MAX_SEQ_LEN)] for _ in range(7)] + [
            ["BOS"]
        ]
        directory = m.save(tmp_path / name)
        cases.append((name, m, inputs, directory))
    with ThreadPoolExecutor(len(cases)) as pool:
        outputs = list(
            pool.map(
                lambda c: run_python(STANDALONE, str(c[3]), json.dumps(c[2]), cwd=c[3]),
                cases,
            )
        )
    for (name, m, inputs, _), stdout in zip(cases, outputs, strict=True):
        got = json.loads(stdout.strip().splitlines()[-1])
        expected = json.loads(json.dumps(m.apply_batch(inputs)))
        assert_rows_equal(got["decoded"], expected, tolerance=1e-5)
        assert got["labels"] == m.residual_labels, name
        assert got["tokens"] == list(m.input_encoder.encoding_map), name
        assert got["causal"] is m.model_config.causal, name
        assert got["residuals"] == 2 * m.model_config.num_layers, name
        assert got["width"] == len(m.residual_labels), name


# -- 5. save and load ------------------------------------------------------------


@pytest.mark.parametrize("name", ["reverse", "frac_prevs"])
def test_save_load_round_trip(name: str, tmp_path: Path) -> None:
    m = model(name)
    saved = m.save(tmp_path / "first")
    assert sorted(p.name for p in saved.iterdir()) == sorted(FILES.values())
    loaded = raspir.load(saved)
    assert loaded.residual_labels == m.residual_labels
    assert loaded.model_config == m.model_config
    assert loaded.info == m.info and loaded.ir == m.ir and loaded.source == m.source
    assert set(loaded.params) == set(m.params)
    for key, group in m.params.items():
        assert set(loaded.params[key]) == set(group), key
        for part, array in group.items():
            assert np.array_equal(loaded.params[key][part], array), (key, part)
            assert loaded.params[key][part].dtype == array.dtype
    assert loaded.input_encoder.encoding_map == m.input_encoder.encoding_map
    assert loaded.apply_batch(["BOS", *xs] for xs in INPUTS) == m.apply_batch(
        ["BOS", *xs] for xs in INPUTS
    )
    tokens = ["BOS", "a", "c", "b", "a"]
    ours, theirs = m.apply(tokens), loaded.apply(tokens)
    assert ours.decoded == theirs.decoded
    for field in ("residuals", "layer_outputs", "attn_logits"):
        for a, b in zip(getattr(ours, field), getattr(theirs, field), strict=True):
            assert np.array_equal(a, b), field
    assert np.array_equal(ours.transformer_output, theirs.transformer_output)
    assert np.array_equal(ours.unembedded, theirs.unembedded)
    # Saving what was loaded writes the same bytes again.
    again = loaded.save(tmp_path / "second")
    for file in FILES.values():
        assert (again / file).read_bytes() == (saved / file).read_bytes(), file


def test_loaded_model_summary_has_no_timings(tmp_path: Path) -> None:
    loaded = raspir.load(saved_length_model(tmp_path))
    assert loaded.timings == {}
    assert "time:" not in loaded.summary()
    assert (
        loaded.summary().splitlines()[:2] == model("length").summary().splitlines()[:2]
    )


@pytest.mark.parametrize("missing", ["model.py", "model.npz", "model.json"])
def test_load_names_a_missing_file(missing: str, tmp_path: Path) -> None:
    saved = saved_length_model(tmp_path)
    (saved / missing).unlink()
    with pytest.raises(
        ValueError, match=f"not a saved raspir model: missing {missing}"
    ):
        raspir.load(saved)


def test_load_of_a_directory_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing model.py, model.npz, model.json"):
        raspir.load(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "file,content",
    [
        ("model.json", '{"format": "some other format"}'),
        ("model.json", "{not json"),
        ("model.json", "[]"),
        ("model.json", '{"format": "raspir-model 1"}'),
        ("model.npz", "not a zip file"),
        ("la.mlir", "garbage"),
    ],
)
def test_load_rejects_a_bad_file_naming_it(
    file: str, content: str, tmp_path: Path
) -> None:
    saved = saved_length_model(tmp_path)
    (saved / file).write_text(content)
    with pytest.raises(InvalidArgumentError) as caught:
        raspir.load(saved)
    assert file in str(caught.value)


def test_load_rejects_a_broken_module_or_weights(tmp_path: Path) -> None:
    saved = saved_length_model(tmp_path)
    (saved / "model.py").write_text("raise RuntimeError('broken')\n")
    message = f"'{saved}' does not hold a working raspir model: RuntimeError: broken"
    with pytest.raises(InvalidArgumentError, match=f"^{re.escape(message)}$"):
        raspir.load(saved)
    # Weights that the module does not find (the la IR, which would say so
    # too, is gone).
    saved = saved_length_model(tmp_path / "other")
    (saved / "la.mlir").unlink()
    np.savez(saved / "model.npz", unrelated=np.zeros(2))
    with pytest.raises(
        InvalidArgumentError,
        match=f"^{re.escape(repr(str(saved / 'model.npz')))} lacks weights that "
        "model.py reads: pos_embed/embeddings, token_embed/embeddings, ",
    ):
        raspir.load(saved)


def test_save_to_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    message = f"cannot save the model to '{tmp_path / 'taken'}': it exists and is not a directory"
    with pytest.raises(InvalidArgumentError, match=f"^{re.escape(message)}$"):
        model("length").save(tmp_path / "taken")


# -- 6. reproducible artifacts -------------------------------------------------

DETERMINISTIC = ("sort", "shuffle_dyck2", "sort_freq", "detect_pattern", "shift_by")

BUILD = r"""
import sys
from raspir import compile_rasp_to_model
from raspir.testing.library import LIB_PROGRAMS

for name in sys.argv[2].split(","):
    entry = LIB_PROGRAMS[name]
    compile_rasp_to_model(
        entry.build(8),
        set(entry.vocab(8)),
        8,
        compiler_bos="BOS",
        dump_ir=f"{sys.argv[1]}/{name}/stages",
    ).save(f"{sys.argv[1]}/{name}")
"""


def test_artifacts_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """Two fresh processes (with different string hashing, so the vocab sets
    iterate in different orders) write the same bytes: the IR after every
    stage, the weights, the generated module and its description."""
    runs = [tmp_path / "one", tmp_path / "two"]

    def build(index: int) -> str:
        env = {**os.environ, "PYTHONHASHSEED": str(index + 1)}
        names = ",".join(DETERMINISTIC)
        return run_python(BUILD, str(runs[index]), names, cwd=tmp_path, env=env)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(build, range(2)))
    for name in DETERMINISTIC:
        first, second = runs[0] / name, runs[1] / name
        files = sorted(p.name for p in first.iterdir() if p.is_file())
        assert files == sorted(FILES.values())
        stages = sorted(p.name for p in (first / "stages").iterdir())
        assert len(stages) == len(O2) + 1  # the import and every pass
        for file in [*files, *(f"stages/{stage}" for stage in stages)]:
            assert (first / file).read_bytes() == (second / file).read_bytes(), (
                name,
                file,
            )
        assert sorted(p.name for p in (second / "stages").iterdir()) == stages


# -- 7. input validation -------------------------------------------------------

TOO_LONG = ["BOS", *["a"] * (MAX_SEQ_LEN + 1)]
LIST_OF_TOKENS = "input must be a list of tokens such as ['BOS', ...], "


@pytest.mark.parametrize(
    "tokens,needles",
    [
        (["a", "b"], ["must start with the BOS token 'BOS'"]),
        ([], ["input is empty; it must start with the BOS token 'BOS'"]),
        # Positions count the tokens after BOS from 0 (RASP's indices).
        (["BOS", "a", "z"], ["'z'", "position 1", "not in the vocab"]),
        (
            ["BOS", "a", "BOS"],
            ["token 'BOS' at position 1 is not in the vocab (BOS may only start"],
        ),
        (TOO_LONG, [f"{MAX_SEQ_LEN + 1} tokens", f"max_seq_len {MAX_SEQ_LEN}"]),
        (["BOS", "a", "PAD", "b"], ["'b'", "position 2", "follows PAD"]),
        # Not a list of tokens: a string is not split into characters, and a
        # dict or set has no order.
        ("BOSab", [LIST_OF_TOKENS + "got 'BOSab' (type str)"]),
        (None, [LIST_OF_TOKENS + "got None (type NoneType)"]),
        (3, [LIST_OF_TOKENS + "got 3 (type int)"]),
        ({"BOS": 1}, [LIST_OF_TOKENS + "got {'BOS': 1} (type dict)"]),
        ({"BOS"}, [LIST_OF_TOKENS + "got {'BOS'} (type set)"]),
        (np.array([["BOS", "a"]]), [LIST_OF_TOKENS, "(type ndarray)"]),
        # Tokens that are no RASP value at all.
        (["BOS", ["a"]], ["token ['a'] at position 0 is not in the vocab"]),
        (["BOS", "a", {}], ["token {} at position 1 is not in the vocab"]),
    ],
)
def test_bad_input_is_a_value_error_naming_the_problem(
    tokens: list, needles: list[str]
) -> None:
    m = model("length")
    with pytest.raises(ValueError) as caught:
        m.apply(tokens)
    for needle in needles:
        assert needle in str(caught.value)
    with pytest.raises(ValueError) as caught:
        m.apply_batch([["BOS", "a"], ["BOS"], tokens])
    assert str(caught.value).startswith("input 2: ")
    for needle in needles:
        assert needle in str(caught.value)


def test_bad_input_is_a_raspir_error() -> None:
    m = model("length")
    with pytest.raises(raspir.RaspirError):
        m.apply(["BOS", "z"])
    with pytest.raises(raspir.RaspirError):
        m.apply_batch([["BOS", "z"]])


@pytest.mark.parametrize("token", [True, 1.0, np.float64(1.0), "1"])
def test_tokens_are_type_exact(token) -> None:
    m = int_model()
    assert m.apply(["BOS", 1, 2]).decoded == ["BOS", 2, 2]
    # The near miss is named: the vocab holds the int 1.
    message = (
        f"token {token.item() if isinstance(token, np.generic) else token!r} at "
        "position 0 is not in the vocab (the vocab has the int 1; tokens match by "
        "type)"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        m.apply(["BOS", token])


def test_inputs_as_tuples_arrays_and_numpy_tokens_are_accepted() -> None:
    m = model("length")
    expected = m.apply(["BOS", "a", "b"]).decoded
    assert m.apply(("BOS", "a", "b")).decoded == expected
    assert m.apply(np.array(["BOS", "a", "b"])).decoded == expected
    assert m.apply(["BOS", np.str_("a"), "b"]).decoded == expected


@pytest.mark.parametrize(
    "inputs,kind", [(None, "NoneType"), (3, "int"), ("BOS", "str"), ({}, "dict")]
)
def test_apply_batch_needs_a_list_of_inputs(inputs, kind: str) -> None:
    message = (
        "apply_batch takes a list of inputs, each a list of tokens such as "
        f"['BOS', ...], got {kind}"
    )
    with pytest.raises(InvalidInputError, match=f"^{re.escape(message)}$"):
        model("length").apply_batch(inputs)


def test_apply_batch_of_one_input_names_its_first_token() -> None:
    message = f"input 0: {LIST_OF_TOKENS}got 'BOS' (type str)"
    with pytest.raises(InvalidInputError, match=f"^{re.escape(message)}$"):
        model("length").apply_batch(["BOS", "a"])


# -- 8. compile options ----------------------------------------------------------


def compile_frac_prevs(**options):
    return compile_rasp_to_model(program("frac_prevs"), VOCAB, MAX_SEQ_LEN, **options)


def assert_same_model(one, other, what) -> None:
    assert other.source == one.source, what
    assert other.info == one.info, what
    assert other.ir == one.ir, what
    assert set(other.weights) == set(one.weights)
    for key, array in one.weights.items():
        assert np.array_equal(other.weights[key], array), (what, key)


def test_pipeline_spellings_give_the_same_model() -> None:
    reference = compile_frac_prevs(pipeline="-O0")
    for pipeline in [",".join(O0), list(O0), ["-O0"]]:
        assert_same_model(reference, compile_frac_prevs(pipeline=pipeline), pipeline)
    assert reference.info["pipeline"] == list(O0)
    default = compile_frac_prevs()
    assert_same_model(default, compile_frac_prevs(pipeline="-O2"), "-O2")
    assert default.info["pipeline"] == stage_names(O2)


def test_mlp_exactness_is_accepted_and_changes_nothing() -> None:
    reference = compile_frac_prevs()
    for exactness in (1, 100, 10_000):
        other = compile_frac_prevs(mlp_exactness=exactness)
        assert other.source == reference.source
        for key, array in reference.weights.items():
            assert np.array_equal(other.weights[key], array), key


def test_pipeline_that_stops_before_la_says_how_to_end_it() -> None:
    with pytest.raises(ValueError, match="ends at craft.model.*convert-craft-to-la"):
        compile_frac_prevs(
            pipeline="convert-rasp-to-sa,schedule-layers,convert-sa-to-craft"
        )
    with pytest.raises(ValueError, match="end it with convert-craft-to-la"):
        compile_frac_prevs(pipeline=[])


@pytest.mark.parametrize(
    "pipeline", ["no-such-pass", "-O3", ["convert-rasp-to-sa", "nope"]]
)
def test_unknown_pass_is_a_value_error_naming_it(pipeline) -> None:
    bad = pipeline if isinstance(pipeline, str) else pipeline[-1]
    with pytest.raises(ValueError, match=f"unknown pass or pipeline '{bad}'"):
        compile_frac_prevs(pipeline=pipeline)


def test_unparsable_pipeline_and_bad_pass_option() -> None:
    with pytest.raises(ValueError, match="cannot parse pipeline"):
        compile_frac_prevs(pipeline="convert-rasp-to-sa,,schedule-layers")
    with pytest.raises(ValueError, match="convert-rasp-to-sa.*bogus"):
        compile_frac_prevs(pipeline=["convert-rasp-to-sa{bogus=1}", *O0[1:]])


@pytest.mark.parametrize(
    "options,message",
    [
        (
            {"pipeline": None},
            "pipeline must be a name such as '-O2', a comma-separated pipeline or a "
            "list of passes, got NoneType",
        ),
        (
            {"pipeline": ["convert-rasp-to-sa", 5]},
            "pipeline item 5 (type int) is not a pass name or a pass",
        ),
        (
            {"print_ir": 5},
            "print_ir must be True, False or a text stream, got 5",
        ),
        (
            {"causal": "yes"},
            "causal must be True or False, got 'yes'",
        ),
    ],
)
def test_bad_compile_options_are_named(options: dict, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=f"^{re.escape(message)}$"):
        compile_frac_prevs(**options)


def test_program_the_passes_cannot_lower_names_the_op() -> None:
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    ones = rasp.numerical(rasp.Map(lambda t: 1, rasp.tokens))
    mean = rasp.numerical(rasp.Aggregate(before, ones, default=float("nan")))
    message = (
        "rasp.aggregate 'mean': its default nan is not a finite number, which a "
        "numerical head cannot write"
    )
    with pytest.raises(UnsupportedProgramError, match=f"^{re.escape(message)}$"):
        compile_rasp_to_model(mean.named("mean"), VOCAB, MAX_SEQ_LEN)


def test_dump_ir_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    message = (
        f"cannot dump the IR into '{tmp_path / 'taken'}': it exists and is not a "
        "directory"
    )
    with pytest.raises(InvalidArgumentError, match=f"^{re.escape(message)}$"):
        compile_frac_prevs(dump_ir=tmp_path / "taken")


def test_pipeline_that_skips_a_needed_pass_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="schedule-layers"):
        compile_rasp_to_model(
            program("length"),
            VOCAB,
            MAX_SEQ_LEN,
            pipeline="convert-rasp-to-sa,convert-sa-to-craft,convert-craft-to-la",
        )


def test_dump_ir_writes_one_file_per_stage(tmp_path: Path) -> None:
    m = compile_frac_prevs(dump_ir=tmp_path / "dump")
    files = sorted(p.name for p in (tmp_path / "dump").iterdir())
    assert files == [f"{i:02d}-{stage}.mlir" for i, stage in enumerate(STAGES)]
    texts = [(tmp_path / "dump" / f).read_text() for f in files]
    assert "rasp.program" in texts[0] and "sa." not in texts[0]
    assert "sa.program" in texts[STAGES.index("convert-rasp-to-sa")]
    assert "craft.model" in texts[STAGES.index("convert-sa-to-craft")]
    assert "la.model" in texts[-1] and "craft.model" not in texts[-1]
    assert texts[0] == m.ir["rasp"] and texts[-1] == m.ir["la"]


def test_print_ir_prints_every_stage(capsys) -> None:
    stream = io.StringIO()
    m = compile_frac_prevs(print_ir=stream)
    text = stream.getvalue()
    headers = [line for line in text.splitlines() if line.startswith("// -----//")]
    assert headers == [f"// -----// IR after {s} //----- //" for s in STAGES]
    assert m.ir["la"] in text
    assert capsys.readouterr().out == ""
    compile_frac_prevs(print_ir=True)
    assert capsys.readouterr().out == text


def test_on_stage_reports_every_stage_with_its_time() -> None:
    calls: list[tuple[str, float]] = []
    m = compile_frac_prevs(on_stage=lambda name, seconds: calls.append((name, seconds)))
    assert [name for name, _ in calls] == [*STAGES, "emit"]
    assert all(isinstance(s, float) and s >= 0 for _, s in calls)
    assert dict(calls) == m.timings
    assert list(m.timings) == [*STAGES, "emit"]


def test_summary_mentions_layers_parameters_and_stages() -> None:
    m = model("reverse")
    s = m.sizes
    summary = m.summary("reverse")
    assert summary.startswith(f"reverse: {m.model_config.num_layers} layers")
    assert f"parameters {s.params:,}" in summary
    assert s.params == sum(a.size for g in m.params.values() for a in g.values())
    assert f"residual width {len(m.residual_labels)}" in summary
    time_line = summary.splitlines()[-1]
    assert all(f"{stage} " in time_line for stage in [*STAGES, "emit"])


def test_numpy_scalars_count_as_their_python_value() -> None:
    m = int_model()
    assert m.apply(["BOS", np.int64(1), 2]).decoded == m.apply(["BOS", 1, 2]).decoded
    with pytest.raises(ValueError, match="not in the vocab"):
        m.apply(["BOS", np.float32(1.0)])
