"""The torch and TransformerLens exports compute what the JAX model computes.

Covered: every library program at max_seq_len 10 as a TransformerLens
HookedTransformer decodes what ``apply`` decodes and the evaluator returns,
with scores within ``tolerance`` of the JAX model's; TransformerLens's own
cache holds the JAX trace's residuals and attention patterns; its config, its
zero-padded heads and zero biases; float64 and causal models; PAD refused.
``to_torch`` on padded batches of several programs (scores, decoded outputs and
trace); float64; weights saved as .safetensors load back to the same model,
with an empty head and a zero-size weight; the exported modules run alone in
a fresh process; ``import raspir``, compiling and running never import torch;
the errors (missing package, no la IR, unknown format, a symbol with a '.').

Each model is compiled once (``functools.cache``): compiling and JAX's jit
compile are the main cost; TransformerLens's import costs a few seconds once.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import raspir
from raspir import compile_rasp_to_model, rasp
from raspir.backend import jax_emit
from raspir.backend.model import FILES, CompiledModel
from raspir.backend.torch_emit import emit_torch_source
from raspir.dialects import la
from raspir.errors import InvalidArgumentError
from raspir.testing.library import LIB_PROGRAMS
from raspir.universe import parse_module

from .test_compiled_exactness import accepted_inputs, assert_exact

# A torch or TransformerLens score may lie from the JAX model's by the sparse
# module's tolerance (``tolerance``): both multiply the same products as the JAX
# module (TransformerLens also zeros of its padding, which add exactly nothing)
# and add them in another order, which is what sparse execution does. The
# softmax adds no term of its own: keys a head selects get the same logit from
# the same products, and a key it does not select has a weight too small for a
# changed exponent to show.
from .test_sparse_execution import assert_same_outputs, tolerance

N = 10
"""The max_seq_len of the TransformerLens comparison (every library program)."""
SMALL = 5
"""The max_seq_len of the other tests."""
SAMPLES = 4
EVALUATOR_TOLERANCE = 1e-4
"""Numerical outputs against the evaluator: within this times max(1, |value|),
as the exactness tests of the JAX models allow."""
TORCH_PROGRAMS = ["reverse", "frac_prevs", "sort", "shuffle_dyck2", "detect_pattern"]
"""Programs for ``to_torch``: categorical and numerical outputs, up to six
layers, empty attention layers, layers of 1 to 4 heads."""
SUBPROCESS_TIMEOUT = 120


@functools.cache
def compiled(
    name: str, max_seq_len: int = N, causal: bool = False, dtype: str = "float32"
) -> tuple[rasp.SOp, CompiledModel]:
    entry = LIB_PROGRAMS[name]
    program = entry.build(max_seq_len)
    model = compile_rasp_to_model(
        program,
        entry.vocab(max_seq_len),
        max_seq_len,
        causal=causal,
        compiler_bos="BOS",
        dtype=dtype,
    )
    return program, model


@functools.cache
def lens(name: str, max_seq_len: int = N, causal: bool = False, dtype="float32"):
    return compiled(name, max_seq_len, causal, dtype)[1].to_transformer_lens()


def cases(name: str, program: rasp.SOp, max_seq_len: int) -> list[tuple[list, list]]:
    out = accepted_inputs(name, max_seq_len, program, SAMPLES, seed=f"export/{name}")
    assert len(out) == SAMPLES
    return out


def padded(model: CompiledModel, inputs: list[list]) -> np.ndarray:
    """Token ids of the inputs, each padded with PAD to the model's length."""
    return np.array([model._padded(model.encode(tokens)) for tokens in inputs])


def assert_agrees_with_evaluator(actual: list, expected: list, xs) -> None:
    magnitudes = [abs(e) for e in expected if isinstance(e, int | float)]
    assert actual[0] == "BOS"
    assert_exact(
        actual[1:], expected, xs, EVALUATOR_TOLERANCE * max([1.0, *magnitudes])
    )


def output_scores(model: CompiledModel, logits: np.ndarray) -> np.ndarray:
    """The HookedTransformer's logits as the JAX forward's scores."""
    if model.module["OUTPUT_ENCODING"] == "numerical":
        return logits[..., 0]
    return logits[..., : len(model.module["OUTPUT_VALUES"])]


# -- TransformerLens -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_transformer_lens_agrees_with_jax_and_the_evaluator(name: str) -> None:
    program, model = compiled(name)
    hooked, encode, decode = lens(name)
    examples = cases(name, program, N)
    inputs = [["BOS", *xs] for xs, _ in examples]
    jax_scores = np.asarray(model.forward(padded(model, inputs)))
    allowed = tolerance(model, jax_scores)
    # What apply decodes, run as one batch (the jitted program just compiled).
    jax_decoded = model.apply_batch(inputs)
    for row, (tokens, (xs, expected)) in enumerate(zip(inputs, examples, strict=True)):
        with torch.no_grad():
            logits = hooked(encode(tokens))
        n = len(tokens)
        scores = output_scores(model, logits.numpy()[0])
        assert np.abs(scores - jax_scores[row, :n]).max() <= allowed
        decoded = decode(logits)
        assert_same_outputs(decoded, jax_decoded[row], allowed)
        assert_agrees_with_evaluator(decoded, expected, xs)


@pytest.mark.parametrize("name", ["shuffle_dyck2", "frac_prevs"])
def test_the_cache_holds_the_jax_trace(name: str) -> None:
    program, model = compiled(name)
    hooked, encode, _ = lens(name)
    tokens = ["BOS", *cases(name, program, N)[0][0]]
    n = len(tokens)
    out = model.apply(tokens)
    with torch.no_grad():
        _, cache = hooked.run_with_cache(encode(tokens))
    allowed = tolerance(model, np.stack(out.residuals))
    embedded = cache["hook_embed"] + cache["hook_pos_embed"]
    assert np.abs(embedded.numpy() - out.input_embeddings).max() <= allowed
    layers = [op for op in model.la_model().sublayers if isinstance(op, la.AttentionOp)]
    for layer, attention in enumerate(layers):
        for hook, residual in [("mid", 2 * layer), ("post", 2 * layer + 1)]:
            ours = cache[f"blocks.{layer}.hook_resid_{hook}"].numpy()
            assert ours.shape == out.residuals[residual].shape
            assert np.abs(ours - out.residuals[residual]).max() <= allowed
        # The real heads attend as the JAX logits say; the padding heads are
        # extra (their values are zero).
        pattern = cache[f"blocks.{layer}.attn.hook_pattern"].numpy()
        assert pattern.shape == (1, hooked.cfg.n_heads, n, n)
        logits = out.attn_logits[layer]
        heads = len(attention.head_labels)
        assert logits.shape[1] == heads
        if not heads:
            continue
        if model.info["causal"]:
            logits = np.where(np.tril(np.ones((n, n), bool)), logits, -np.inf)
        expected = np.exp(logits - logits.max(axis=-1, keepdims=True))
        expected /= expected.sum(axis=-1, keepdims=True)
        assert np.abs(pattern[:, :heads] - expected).max() <= allowed


def test_the_config_has_the_widest_layer_and_raw_scores() -> None:
    _, model = compiled("shuffle_dyck2")
    hooked, _, _ = lens("shuffle_dyck2")
    ops = model.la_model().sublayers
    attention = [op for op in ops if isinstance(op, la.AttentionOp)]
    mlps = [op for op in ops if isinstance(op, la.MLPOp)]
    cfg = hooked.cfg
    assert (cfg.d_model, cfg.n_layers, cfg.n_ctx) == (len(model.residual_labels), 6, 11)
    assert cfg.d_vocab == len(model.input_encoder.values)
    assert cfg.d_vocab_out == len(model.output_encoder.values) == 2
    assert cfg.n_heads == max(len(op.head_labels) for op in attention) == 4
    assert cfg.d_head == max(
        max(op.key_size.data, op.value_size.data) for op in attention
    )
    assert cfg.d_mlp == max(op.hidden for op in mlps)
    assert (cfg.act_fn, cfg.normalization_type, cfg.positional_embedding_type) == (
        "relu",
        None,
        "standard",
    )
    assert (cfg.attention_dir, cfg.use_attn_scale, cfg.default_prepend_bos) == (
        "bidirectional",
        False,
        False,
    )
    assert cfg.dtype == torch.float32 and cfg.device == "cpu"


def test_weights_are_split_by_head_and_zero_padded() -> None:
    _, model = compiled("shuffle_dyck2")
    hooked, _, _ = lens("shuffle_dyck2")
    parameters = dict(hooked.named_parameters())
    for name, p in parameters.items():
        if name.rpartition(".")[2].startswith("b_"):
            assert not p.detach().any(), name
    padded_somewhere = False
    for op in model.la_model().sublayers:
        if not isinstance(op, la.AttentionOp):
            continue
        layer, heads = op.layer.data, len(op.head_labels)
        k, v = op.key_size.data, op.value_size.data
        refs = op.weight_refs()
        w_q = parameters[f"blocks.{layer}.attn.W_Q"].detach().numpy()
        w_o = parameters[f"blocks.{layer}.attn.W_O"].detach().numpy()
        if not heads:
            assert not w_q.any() and not w_o.any()
            continue
        query, output = model.weights[refs["query"]], model.weights[refs["output"]]
        for h in range(heads):
            assert np.array_equal(w_q[h, :, :k], query[:, h * k : (h + 1) * k])
            assert np.array_equal(w_o[h, :v], output[h * v : (h + 1) * v])
        assert not w_q[heads:].any() and not w_q[:, :, k:].any()
        assert not w_o[heads:].any() and not w_o[:, v:].any()
        padded_somewhere |= heads < hooked.cfg.n_heads and k < hooked.cfg.d_head
    assert padded_somewhere


def test_pad_is_refused_and_a_batch_decodes_row_by_row() -> None:
    _, model = compiled("reverse")
    hooked, encode, decode = lens("reverse")
    with pytest.raises(ValueError, match="drop the trailing PAD tokens"):
        encode(["BOS", "a", "compiler_pad"])
    with pytest.raises(ValueError, match="not in the vocab"):
        encode(["BOS", "z"])
    ids = torch.cat([encode(["BOS", "a", "b"]), encode(["BOS", "c", "a"])])
    assert ids.dtype == torch.long and ids.shape == (2, 3)
    with torch.no_grad():
        rows = decode(hooked(ids))
    assert rows == [
        model.apply(["BOS", *xs]).decoded for xs in (["a", "b"], ["c", "a"])
    ]


def test_transformer_lens_causal_and_float64() -> None:
    program, causal = compiled("frac_prevs", SMALL, causal=True)
    hooked, encode, decode = lens("frac_prevs", SMALL, causal=True)
    assert hooked.cfg.attention_dir == "causal"
    for xs, expected in cases("frac_prevs", program, SMALL):
        tokens = ["BOS", *xs]
        with torch.no_grad():
            decoded = decode(hooked(encode(tokens)))
        assert_same_outputs(decoded, causal.apply(tokens).decoded, 1e-6)
        assert_agrees_with_evaluator(decoded, expected, xs)
    program, model = compiled("hist", SMALL, dtype="float64")
    hooked, encode, decode = lens("hist", SMALL, dtype="float64")
    assert hooked.cfg.dtype == torch.float64
    assert all(p.dtype == torch.float64 for p in hooked.parameters())
    for xs, _ in cases("hist", program, SMALL):
        tokens = ["BOS", *xs]
        with torch.no_grad():
            logits = hooked(encode(tokens))
        assert logits.dtype == torch.float64
        jax_scores = np.asarray(model.apply(tokens).unembedded)
        assert np.abs(logits.numpy() - jax_scores).max() <= tolerance(model, jax_scores)
        assert decode(logits) == model.apply(tokens).decoded


# -- torch ---------------------------------------------------------------------


@pytest.mark.parametrize("name", TORCH_PROGRAMS)
def test_to_torch_agrees_with_jax_on_padded_batches(name: str) -> None:
    program, model = compiled(name, SMALL)
    module = model.to_torch()
    assert isinstance(module, torch.nn.Module)
    examples = cases(name, program, SMALL)
    ids = padded(model, [["BOS", *xs] for xs, _ in examples])
    jax_scores = np.asarray(model.forward(ids))
    with torch.no_grad():
        scores = module(ids)
    assert scores.dtype == torch.float32 and scores.shape == jax_scores.shape
    allowed = tolerance(model, jax_scores)
    assert np.abs(scores.numpy() - jax_scores).max() <= allowed
    decoded = module.decode(scores, ids)
    jax_decoded = model.module["decode"](jax_scores, ids)
    for row, expected in zip(decoded, jax_decoded, strict=True):
        assert_same_outputs(row, expected, allowed)
    for (xs, expected), row in zip(examples, decoded, strict=True):
        assert_agrees_with_evaluator(row[: len(xs) + 1], expected, xs)


def test_to_torch_trace_has_the_jax_structure_and_values() -> None:
    _, model = compiled("shuffle_dyck2", SMALL)
    module = model.to_torch()
    assert set(module.weights) == set(model.weights)
    ids = padded(model, [["BOS", "(", "{", "}", ")"], ["BOS", ")"]])
    jax_scores, jax_trace = model.forward(ids, trace=True)
    with torch.no_grad():
        scores, trace = module(ids, trace=True)
    allowed = tolerance(model, np.asarray(jax_trace["transformer_output"]))
    assert (
        set(trace)
        == set(jax_trace)
        == {
            "input_embeddings",
            "residuals",
            "layer_outputs",
            "attn_logits",
            "transformer_output",
        }
    )
    for key, value in trace.items():
        ours = value if isinstance(value, list) else [value]
        theirs = jax_trace[key] if isinstance(value, list) else [jax_trace[key]]
        assert len(ours) == len(theirs), key
        for a, b in zip(ours, theirs, strict=True):
            assert tuple(a.shape) == b.shape, key
            if key != "attn_logits":  # logits grow with the sharpness
                assert np.abs(a.numpy() - np.asarray(b)).max() <= allowed, key


def test_to_torch_float64() -> None:
    _, model = compiled("hist", SMALL, dtype="float64")
    module = model.to_torch()
    assert all(p.dtype == torch.float64 for p in module.parameters())
    ids = padded(model, [["BOS", "a", "b", "a"], ["BOS", "c"]])
    with torch.no_grad():
        scores = module(ids)
    jax_scores = np.asarray(model.forward(ids))
    assert scores.dtype == torch.float64 and jax_scores.dtype == np.float64
    assert np.abs(scores.numpy() - jax_scores).max() <= tolerance(model, jax_scores)
    assert module.decode(scores, ids) == model.module["decode"](jax_scores, ids)


# -- weights files ---------------------------------------------------------------

ZERO_WIDTH = """
la.model vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" causal {
  la.residual [tokens:"BOS", one, x, w, y]
  la.weight @tok [4, 5] dense [[0.0, 1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 2.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0]]
  la.weight @pos [3, 5] dense [[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
  la.weight @nothing [5, 0] dense [[], [], [], [], []]
  la.weight @value [5, 1] dense [[0.0], [0.0], [1.0], [0.0], [0.0]]
  la.weight @output [1, 5] dense [[0.0, 0.0, 0.0, 1.0, 0.0]]
  la.weight @fst [5, 2] dense [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, -1.0], [0.0, 0.0]]
  la.weight @snd [2, 5] dense [[0.0, 0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0, -2.0]]
  la.weight @read [5, 1] dense [[0.0], [0.0], [0.0], [0.0], [1.0]]
  la.embed tokens [1, 2, "BOS", "PAD"] @tok positions @pos
  la.attention 0 heads ["w"] key_size 0 value_size 1 query @nothing key @nothing value @value output @output
  la.mlp 0 blocks {"y" = 2} fst @fst snd @snd
  la.attention 1 heads [] key_size 0 value_size 0
  la.mlp 1 blocks {}
  la.unembed numerical @read
}
"""
"""A causal model whose head has key size 0 (a zero-size weight: it attends
uniformly to the positions up to its own and averages x) and whose second
layer is empty: the output at position i is 2 (x_1 + ... + x_i) / (i + 1)."""


def zero_width_model() -> CompiledModel:
    module = parse_module(ZERO_WIDTH, "zero_width.mlir")
    module.verify()
    return CompiledModel.from_la(la.model_of(module), ir={"la": ZERO_WIDTH})


def test_a_zero_size_weight_and_an_empty_layer_export(tmp_path: Path) -> None:
    model = zero_width_model()
    assert model.weights["nothing"].shape == (5, 0)
    tokens = ["BOS", 2, 2]
    assert model.apply(tokens).decoded == ["BOS", 2.0, pytest.approx(8 / 3)]
    saved = model.save(tmp_path / "saved", format="safetensors")
    loaded = raspir.load(saved)
    assert loaded.weights["nothing"].shape == (5, 0)
    assert loaded.apply(tokens).decoded == model.apply(tokens).decoded
    # The saved JAX module reads model.safetensors on its own.
    spec = importlib.util.spec_from_file_location("zero_width", saved / "model.py")
    assert spec is not None and spec.loader is not None
    jax_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(jax_module)
    params = jax_module.load_params()
    assert params["nothing"].shape == (5, 0) and set(params) == set(model.weights)
    ids = [model.encode(tokens)]
    assert jax_module.decode(jax_module.forward(params, ids))[0] == (
        model.apply(tokens).decoded
    )
    module = model.to_torch()
    with torch.no_grad():
        decoded = module.decode(module([model.encode(tokens)]))[0]
    hooked, encode, decode = model.to_transformer_lens()
    with torch.no_grad():
        lens_decoded = decode(hooked(encode(tokens)))
    for row in (decoded, lens_decoded):
        assert_same_outputs(row, model.apply(tokens).decoded, 1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_safetensors_are_deterministic_and_read_back(tmp_path: Path, dtype) -> None:
    table = {"b/w": np.arange(6.0).reshape(2, 3), "a": np.zeros((4, 0))}
    jax_emit.write_safetensors(tmp_path / "one.safetensors", table, dtype)
    jax_emit.write_safetensors(
        tmp_path / "two.safetensors", dict(reversed(table.items())), dtype
    )
    one = (tmp_path / "one.safetensors").read_bytes()
    assert one == (tmp_path / "two.safetensors").read_bytes()
    back = jax_emit.read_weights(tmp_path / "one.safetensors")
    assert set(back) == set(table)
    for name, array in table.items():
        assert back[name].dtype == la.STORAGE[dtype] and back[name].shape == array.shape
        assert np.array_equal(back[name], array)


def test_read_weights_names_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "bad.safetensors").write_bytes(b"not safetensors")
    for name, message in [
        ("weights.bin", "expected a name ending in .npz or .safetensors"),
        ("bad.safetensors", "is not a .safetensors weights file"),
        ("missing.safetensors", "does not exist"),
    ]:
        with pytest.raises(ValueError, match=message):
            jax_emit.read_weights(tmp_path / name)


def test_save_as_safetensors_loads_back_the_same_model(tmp_path: Path) -> None:
    _, model = compiled("sort", SMALL)
    saved = model.save(tmp_path / "model", format="safetensors")
    written = {FILES["module"], FILES["info"], *(FILES[level] for level in model.ir)}
    assert sorted(p.name for p in saved.iterdir()) == sorted(
        {*written, "model.safetensors"}
    )
    assert "WEIGHTS_FILE = 'model.safetensors'\n" in (saved / "model.py").read_text()
    loaded = raspir.load(saved)
    for name, array in model.weights.items():
        assert (
            np.array_equal(loaded.weights[name], array)
            and loaded.weights[name].dtype == array.dtype
        )
    inputs = [["BOS", 3, 1, 2], ["BOS", 5], ["BOS", 2, 2, 4, 1, 1]]
    assert loaded.apply_batch(inputs) == model.apply_batch(inputs)
    assert loaded.params.keys() == model.params.keys()
    # Saved again as .npz, model.py names model.npz: with both files there,
    # load reads the one it names.
    model.save(saved)
    assert "WEIGHTS_FILE = 'model.npz'\n" in (saved / "model.py").read_text()
    (saved / "model.safetensors").write_bytes(b"stale")
    assert raspir.load(saved).apply_batch(inputs) == model.apply_batch(inputs)
    model.save(saved, format="safetensors")
    (saved / "model.npz").write_bytes(b"stale")
    assert raspir.load(saved).apply_batch(inputs) == model.apply_batch(inputs)


def test_unknown_formats_are_named() -> None:
    _, model = compiled("reverse", SMALL)
    with pytest.raises(InvalidArgumentError) as caught:
        model.save("unused", format="pickle")
    assert str(caught.value) == (
        "unknown weights format 'pickle' (expected npz or safetensors)"
    )
    with pytest.raises(InvalidArgumentError) as caught:
        model.export("unused", format="onnx")
    assert str(caught.value) == (
        "unknown export format 'onnx' (expected npz, safetensors, torch, "
        "transformer_lens)"
    )
    assert not Path("unused").exists()


# -- errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    "package,call,message",
    [
        ("torch", "to_torch", "pip install 'raspir[torch]'"),
        ("transformer_lens", "to_transformer_lens", "pip install 'raspir[torch]'"),
    ],
)
def test_a_missing_package_says_how_to_install_it(
    monkeypatch, package: str, call: str, message: str
) -> None:
    _, model = compiled("reverse", SMALL)
    monkeypatch.setitem(sys.modules, package, None)
    with pytest.raises(InvalidArgumentError) as caught:
        getattr(model, call)()
    assert str(caught.value) == (
        f"exporting the model to {call[3:]} needs the {package} package: {message}"
    )


def test_missing_safetensors_says_how_to_install_it(monkeypatch, tmp_path) -> None:
    _, model = compiled("reverse", SMALL)
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(
        InvalidArgumentError, match=r"pip install 'raspir\[safetensors\]'"
    ):
        model.save(tmp_path / "out", format="safetensors")
    assert not (tmp_path / "out").exists()


def test_a_model_without_la_ir_cannot_be_exported() -> None:
    _, model = compiled("reverse", SMALL)
    bare = CompiledModel(source=model.source, weights=model.weights, info=model.info)
    with pytest.raises(InvalidArgumentError) as caught:
        bare.to_torch()
    assert str(caught.value) == (
        "this model has no la IR to export it to torch (it was loaded without la.mlir)"
    )


def test_a_symbol_with_a_dot_is_refused() -> None:
    text = ZERO_WIDTH.replace("@fst", '@"mlp.fst"')
    module = parse_module(text, "dotted.mlir")
    with pytest.raises(ValueError, match="weight @mlp.fst has a '.' in its symbol"):
        emit_torch_source(la.model_of(module))
    model = CompiledModel.from_la(la.model_of(module), ir={"la": text})
    with pytest.raises(InvalidArgumentError, match="exporting the model to torch"):
        model.to_torch()


# -- in a fresh process ----------------------------------------------------------

STANDALONE = r"""
import importlib.abc, json, sys


class Refuse(importlib.abc.MetaPathFinder):
    blocked = {"raspir", "xdsl", "jax", "transformer_lens"}
    # While model_torch imports and runs, none of these may even be looked up.

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.blocked:
            raise ImportError(f"the exported module imported {name}")
        return None


sys.meta_path.insert(0, Refuse())
torch_dir, lens_dir, inputs = sys.argv[1:]
inputs = json.loads(inputs)
sys.path[:0] = [torch_dir, lens_dir]
import torch
import model_torch

model = model_torch.load()
ids = [model.encode(t) for t in inputs]
width = max(map(len, ids))
batch = [row + [model_torch.PAD_ID] * (width - len(row)) for row in ids]
with torch.no_grad():
    decoded = model.decode(model(batch), batch)
torch_rows = [row[: len(r)] for row, r in zip(decoded, ids)]
torch_modules = sorted({m.split(".")[0] for m in sys.modules})

# TransformerLens's dependencies look up (without importing) which frameworks
# are installed, jax among them: from here on, sys.modules is checked instead.
Refuse.blocked = {"raspir", "xdsl"}
import model_transformer_lens

hooked, encode_tokens, decode_logits = model_transformer_lens.load()
with torch.no_grad():
    lens_rows = [decode_logits(hooked(encode_tokens(t))) for t in inputs]
print(json.dumps({
    "torch": torch_rows,
    "lens": lens_rows,
    "torch_imports": torch_modules,
    "lens_imports": sorted({m.split(".")[0] for m in sys.modules}),
}))
"""


def test_exported_modules_run_alone_in_a_fresh_process(tmp_path: Path) -> None:
    program, model = compiled("frac_prevs", SMALL)
    torch_dir = model.export(tmp_path / "torch", "torch")
    lens_dir = model.export(tmp_path / "lens", "transformer_lens")
    assert sorted(p.name for p in torch_dir.iterdir()) == [
        "model.json",
        "model.safetensors",
        "model_torch.py",
    ]
    assert sorted(p.name for p in lens_dir.iterdir()) == [
        "model.json",
        "model.safetensors",
        "model_transformer_lens.py",
    ]
    inputs = [["BOS", *xs] for xs, _ in cases("frac_prevs", program, SMALL)]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            STANDALONE,
            str(torch_dir),
            str(lens_dir),
            json.dumps(inputs),
        ],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(result.stdout.strip().splitlines()[-1])
    expected = model.apply_batch(inputs)
    for key in ("torch", "lens"):
        for row, want in zip(got[key], expected, strict=True):
            assert_same_outputs(row, want, 1e-6)
    # model_torch.load imports safetensors to read model.safetensors.
    assert {"torch", "numpy", "safetensors"} <= set(got["torch_imports"])
    assert {"transformer_lens"} <= set(got["lens_imports"])
    for imported in (got["torch_imports"], got["lens_imports"]):
        assert not {"jax", "raspir", "xdsl"} & set(imported)


NO_TORCH = r"""
import sys
import raspir
from raspir import compile_rasp_to_model, lib

model = compile_rasp_to_model(lib.make_length(), {"a", "b"}, 3, compiler_bos="BOS")
assert model.apply(["BOS", "a", "b"]).decoded == ["BOS", 2, 2]
model.save(sys.argv[1])
raspir.load(sys.argv[1])
loaded = sorted({"torch", "transformer_lens", "safetensors"} & set(sys.modules))
print(loaded)
"""


def test_compiling_and_running_never_imports_torch(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", NO_TORCH, str(tmp_path / "model")],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"
