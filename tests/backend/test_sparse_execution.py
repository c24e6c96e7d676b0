"""Sparse execution: the sparse module computes what the dense module does.

Covered: every library program at max_seq_len 5 decodes alike dense, sparse and
in the evaluator, with scores within ``sparse_score_tolerance`` and a trace of
the same structure and shapes; the trace's values of one model; each form
multiplies any matrix within the rounding bound of a dot product (bit-exact
with one non-zero per column), and a whole model keeps its outputs in every
form; the rule's choice on matrices at its thresholds; float64; save and load
keep sparse execution, a directory saved before execution was recorded loads
dense, and a description that contradicts its module is refused; the saved
module runs on its own; the errors of ``with_sparse_weights``.

Compiled models are cached per module: JAX's jit compile is the main cost.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import math

import jax
import numpy as np
import pytest

from raspir import compile_rasp_to_model, rasp
from raspir.backend import jax_emit
from raspir.backend.model import FILES, CompiledModel, load
from raspir.dialects.values import value_key
from raspir.errors import InvalidArgumentError
from raspir.testing.library import LIB_PROGRAMS

from .test_compiled_exactness import accepted_inputs, assert_exact

N = 5
SAMPLES = 20
EVALUATOR_TOLERANCE = 1e-4
"""Numerical outputs against the evaluator: within this times max(1, |value|),
as the exactness tests of the dense models allow."""
FORMS = ("gather", "scatter", "bcoo", "dense")
STANDALONE_IMPORTS = {
    "os",
    "jax",
    "jax.numpy",
    "numpy",
    "jax.experimental",
    "safetensors.numpy",
}
"""What the emitted sparse module may import: the standard library's os, jax
(with its sparse package) and numpy."""


@functools.cache
def models(name: str) -> tuple[rasp.SOp, CompiledModel, CompiledModel]:
    """The program, its dense model and the same model running sparse."""
    entry = LIB_PROGRAMS[name]
    program = entry.build(N)
    dense = compile_rasp_to_model(program, entry.vocab(N), N, compiler_bos="BOS")
    return program, dense, dense.with_sparse_weights()


def cases(name: str, program: rasp.SOp) -> list[tuple[list, list]]:
    """SAMPLES random inputs the evaluator accepts, with its outputs."""
    out = accepted_inputs(name, N, program, SAMPLES, seed=f"sparse/{name}")
    assert len(out) == SAMPLES
    return out


def padded_batch(model: CompiledModel, inputs: list[list]) -> np.ndarray:
    """Token ids as ``apply_batch`` runs them: each row padded to the full
    length, the batch filled up to a power of two with BOS-only rows."""
    pad, bos = model.module["PAD_ID"], model.module["BOS_ID"]
    width = model.max_seq_len + 1
    rows = [model.encode(tokens) for tokens in inputs]
    rows += [[bos]] * ((1 << (len(rows) - 1).bit_length()) - len(rows))
    return np.array([row + [pad] * (width - len(row)) for row in rows])


def tolerance(model: CompiledModel, scores: np.ndarray) -> float:
    """``sparse_score_tolerance`` for this model: its longest sum, its
    sub-layers and the scale of its scores."""
    rows = [w.shape[0] for k, w in model.weights.items() if "embeddings" not in k]
    return jax_emit.sparse_score_tolerance(
        model.dtype,
        terms=max(rows),
        sublayers=2 * model.sizes.layers,
        scale=max(1.0, float(np.abs(scores).max())),
    )


def assert_same_outputs(sparse: list, dense: list, allowed: float) -> None:
    """Categorical outputs equal; numerical ones within ``allowed``."""
    assert len(sparse) == len(dense)
    for s, d in zip(sparse, dense, strict=True):
        if isinstance(d, float):
            assert isinstance(s, float) and abs(s - d) <= allowed, (sparse, dense)
        else:
            assert value_key(s) == value_key(d), (sparse, dense)


def assert_agrees_with_evaluator(actual: list, expected: list, xs) -> None:
    magnitudes = [abs(e) for e in expected if isinstance(e, int | float)]
    assert_exact(actual, expected, xs, EVALUATOR_TOLERANCE * max([1.0, *magnitudes]))


def trace_shapes(model: CompiledModel, ids: np.ndarray):
    """The structure, shapes and dtypes of ``forward(..., trace=True)``,
    traced without compiling."""
    forward = functools.partial(model.module["forward"], trace=True)
    shapes = jax.eval_shape(forward, model._device_params, ids)
    return jax.tree_util.tree_map(lambda a: (a.shape, a.dtype), shapes)


# -- every library program -----------------------------------------------------


@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_library_program_runs_sparse_as_dense(name: str) -> None:
    program, dense, sparse = models(name)
    assert (dense.execution, dense.info["execution"]) == ("dense", "dense")
    assert (sparse.execution, sparse.info["execution"]) == ("sparse", "sparse")
    examples = cases(name, program)
    inputs = [["BOS", *xs] for xs, _ in examples]
    ids = padded_batch(dense, inputs)
    scores = np.asarray(dense.forward(ids))
    difference = np.abs(np.asarray(sparse.forward(ids)) - scores).max()
    allowed = tolerance(dense, scores)
    assert difference <= allowed, f"{name}: scores differ by {difference}"
    decoded_dense = dense.apply_batch(inputs)
    decoded_sparse = sparse.apply_batch(inputs)
    for (xs, expected), d, s in zip(
        examples, decoded_dense, decoded_sparse, strict=True
    ):
        assert s[0] == d[0] == "BOS"
        assert_same_outputs(s, d, allowed)
        assert_agrees_with_evaluator(s[1:], expected, xs)
    assert trace_shapes(sparse, ids) == trace_shapes(dense, ids)


def test_trace_values_match_the_dense_trace() -> None:
    program, dense, sparse = models("sort")
    tokens = ["BOS", 3, 1, 2, 5]
    d, s = dense.apply(tokens), sparse.apply(tokens)
    allowed = tolerance(dense, d.unembedded)
    assert s.decoded == d.decoded == ["BOS", *rasp.evaluate(program, tokens[1:])]
    for field in ("residuals", "layer_outputs", "attn_logits"):
        ours, theirs = getattr(s, field), getattr(d, field)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert a.shape == b.shape
            # logits are scaled by the heads' sharpness: compare relative to it
            scale = max(1.0, float(np.abs(b).max(initial=0.0)))
            assert np.abs(a - b).max(initial=0.0) <= allowed * scale, field
    for field in ("transformer_output", "input_embeddings", "unembedded"):
        a, b = getattr(s, field), getattr(d, field)
        assert a.shape == b.shape and np.abs(a - b).max() <= allowed, field


# -- the forms -----------------------------------------------------------------


def structured(kind: str, rng: np.random.Generator) -> np.ndarray:
    """A 30x20 matrix of a structure the forms treat apart."""
    rows, cols = 30, 20
    w = np.zeros((rows, cols), np.float32)
    if kind == "one per column":  # and some columns empty
        for j in range(0, cols, 2):
            w[rng.integers(rows), j] = rng.standard_normal()
    elif kind == "three per column":
        for j in range(cols):
            w[rng.choice(rows, 3, replace=False), j] = rng.standard_normal(3)
    elif kind == "one per row":  # several per column
        for i in range(0, rows, 3):
            w[i, rng.integers(cols)] = rng.standard_normal()
    elif kind == "sparse":
        mask = rng.random((rows, cols)) < 0.1
        w[mask] = rng.standard_normal(int(mask.sum()))
    elif kind == "dense":
        w[:] = rng.standard_normal((rows, cols))
    return w  # "zero": all zero


@pytest.mark.parametrize(
    "kind",
    ["one per column", "three per column", "one per row", "sparse", "dense", "zero"],
)
def test_every_form_multiplies_like_a_dot_product(kind: str) -> None:
    runtime = models("hist")[2].module
    rng = np.random.default_rng(0)
    w = structured(kind, rng)
    x = rng.standard_normal((2, 3, w.shape[0])).astype(np.float32)
    exact = x.astype(np.float64) @ w.astype(np.float64)
    # the rounding bound of a dot product of n terms: n eps sum |x_i w_i|
    bound = w.shape[0] * np.finfo(np.float32).eps * (np.abs(x) @ np.abs(w))
    convert = {f: runtime[f"_{f}"] for f in ("gather", "scatter", "bcoo")}
    convert["dense"] = np.asarray
    products = {}
    for form in FORMS:
        products[form] = np.asarray(runtime["_matmul"](x, convert[form](w)))
        assert products[form].shape == exact.shape
        assert np.all(np.abs(products[form] - exact) <= bound), form
    if kind in ("one per column", "zero"):
        # one product per output: the gather rounds it as the matmul does
        assert np.array_equal(products["gather"], products["dense"])


@pytest.mark.parametrize("form", FORMS)
def test_a_model_keeps_its_outputs_in_every_form(form: str) -> None:
    program, dense, sparse = models("sort")
    namespace: dict = {"__name__": "sparse_sort"}
    exec(compile(sparse.source, "sparse_sort.py", "exec", dont_inherit=True), namespace)
    namespace["FORMS"] = {name: form for name in namespace["FORMS"]}
    params = namespace["sparse_params"](sparse.weights)
    inputs = [["BOS", *xs] for xs, _ in cases("sort", program)]
    ids = padded_batch(dense, inputs)
    scores = np.asarray(dense.forward(ids))
    ours = np.asarray(jax.jit(namespace["forward"])(params, ids))
    assert np.abs(ours - scores).max() <= tolerance(dense, scores)
    assert namespace["decode"](ours, ids) == dense.module["decode"](scores, ids)


def test_the_rule_at_its_thresholds() -> None:
    fill, density = jax_emit.GATHER_MAX_COLUMN_FILL, jax_emit.SPARSE_MAX_DENSITY
    rows = math.ceil(4 / fill)
    most = math.floor(fill * rows)  # the gathers' limit, at least 4
    cols = math.ceil((most + 1) / (density * rows)) + 1

    def column(count: int, extra_in_row_0: bool = False) -> np.ndarray:
        w = np.zeros((rows, cols), np.float32)
        w[:count, 0] = 1.0
        w[0, 1] = 2.0 if extra_in_row_0 else 0.0
        return w

    assert jax_emit.weight_form(np.eye(rows, dtype=np.float32)).form == "gather"
    assert jax_emit.weight_form(np.zeros((rows, cols), np.float32)).form == "gather"
    assert jax_emit.weight_form(column(most)).form == "gather"
    past = jax_emit.weight_form(column(most + 1))
    assert (past.per_column, past.per_row, past.form) == (most + 1, 1, "scatter")
    assert past.density <= density
    assert jax_emit.weight_form(column(most + 1, extra_in_row_0=True)).form == "bcoo"
    full = jax_emit.weight_form(np.ones((rows, rows), np.float32))
    assert (full.density, full.form) == (1.0, "dense")
    for empty in [(0, 3), (3, 0)]:
        assert jax_emit.weight_form(np.zeros(empty, np.float32)).form == "dense"


def test_a_head_that_writes_nothing_runs_sparse() -> None:
    """A mean of an s-op that is 0 everywhere: its head has value size 0, so
    its value and output weights have no entries (found by random programs)."""
    zero = rasp.numerical(rasp.Map(lambda t: 0, rasp.tokens))
    mean = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ), zero, default=0
        )
    )
    dense = compile_rasp_to_model(mean, {0}, 1)
    sparse = dense.with_sparse_weights()
    assert sparse.module["FORMS"]["transformer/layer_0/attn/linear/w"] == "dense"
    inputs = [["compiler_bos"], ["compiler_bos", 0]]
    assert sparse.apply_batch(inputs) == dense.apply_batch(inputs)


# -- float64, files, standalone, errors ---------------------------------------


def test_float64_model_runs_sparse() -> None:
    entry = LIB_PROGRAMS["hist"]
    program = entry.build(N)
    compile64 = functools.partial(
        compile_rasp_to_model,
        program,
        entry.vocab(N),
        N,
        compiler_bos="BOS",
        dtype="float64",
    )
    dense, sparse = compile64(), compile64(sparse=True)
    assert (sparse.dtype, sparse.execution) == ("float64", "sparse")
    floats = [
        leaf
        for leaf in jax.tree_util.tree_leaves(sparse._device_params)
        if np.issubdtype(leaf.dtype, np.floating)
    ]
    assert floats and all(leaf.dtype == np.float64 for leaf in floats)
    examples = cases("hist", program)
    inputs = [["BOS", *xs] for xs, _ in examples]
    ids = padded_batch(dense, inputs)
    scores = np.asarray(dense.forward(ids))
    ours = np.asarray(sparse.forward(ids))
    assert ours.dtype == np.float64
    assert np.abs(ours - scores).max() <= tolerance(dense, scores)
    assert sparse.apply_batch(inputs) == [
        ["BOS", *expected] for _, expected in examples
    ]
    assert not jax.config.jax_enable_x64  # the process's mode is left as it was


def test_compile_with_sparse_emits_the_converted_module() -> None:
    entry = LIB_PROGRAMS["hist"]
    sparse = compile_rasp_to_model(
        entry.build(N), entry.vocab(N), N, compiler_bos="BOS", sparse=True
    )
    assert sparse.source == models("hist")[2].source
    assert sparse.info == models("hist")[2].info
    assert sparse.with_sparse_weights() is sparse


def test_save_and_load_keep_sparse_execution(tmp_path) -> None:
    program, dense, sparse = models("hist")
    saved = sparse.save(tmp_path / "sparse")
    assert json.loads((saved / FILES["info"]).read_text())["execution"] == "sparse"
    loaded = load(saved)
    assert (loaded.execution, loaded.info, loaded.source) == (
        "sparse",
        sparse.info,
        sparse.source,
    )
    inputs = [["BOS", *xs] for xs, _ in cases("hist", program)]
    assert loaded.apply_batch(inputs) == sparse.apply_batch(inputs)


def test_a_directory_saved_without_execution_loads_dense(tmp_path) -> None:
    dense = models("hist")[1]
    saved = dense.save(tmp_path / "old")
    info = json.loads((saved / FILES["info"]).read_text())
    del info["execution"]
    (saved / FILES["info"]).write_text(json.dumps(info))
    loaded = load(saved)
    assert (loaded.execution, loaded.info["execution"]) == ("dense", "dense")


def test_a_description_that_contradicts_its_module_is_refused(tmp_path) -> None:
    saved = models("hist")[2].save(tmp_path / "sparse")
    info = json.loads((saved / FILES["info"]).read_text())
    (saved / FILES["info"]).write_text(json.dumps({**info, "execution": "dense"}))
    with pytest.raises(InvalidArgumentError) as caught:
        load(saved)
    assert str(caught.value) == (
        "the model description says execution 'dense' but its module runs sparse"
    )


def test_the_saved_sparse_module_runs_on_its_own(tmp_path) -> None:
    program, dense, sparse = models("hist")
    saved = sparse.save(tmp_path / "standalone")
    source = (saved / FILES["module"]).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported == STANDALONE_IMPORTS
    spec = importlib.util.spec_from_file_location(
        "standalone_sparse_hist", saved / FILES["module"]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    params = module.load_params()
    assert isinstance(params["unembed/w"], module.Gather)
    examples = cases("hist", program)
    ids = padded_batch(dense, [["BOS", *xs] for xs, _ in examples])
    decoded = module.decode(module.forward(params, ids), ids)
    for (xs, expected), row in zip(examples, decoded, strict=False):
        assert row[: len(xs) + 1] == ["BOS", *expected]


def test_a_model_without_la_ir_cannot_become_sparse() -> None:
    dense = models("hist")[1]
    bare = CompiledModel(source=dense.source, weights=dense.weights, info=dense.info)
    with pytest.raises(InvalidArgumentError) as caught:
        bare.with_sparse_weights()
    assert str(caught.value) == (
        "this model has no la IR to emit its sparse module from (it was loaded "
        "without la.mlir)"
    )
