"""The sparsity report of compiled models (``raspir.backend.sparsity``).

Covered: each structure term on matrices built to have it and on near misses
(block counts survive a random permutation of rows and columns; empty shapes);
on lib programs, the totals against ``model.sizes``, every Tracr parameter
listed, structural facts of the compiled weights, the FLOP counts (sparse
below dense, equal once every matrix is full), the JSON form, float64 models,
models loaded from disk, the text table and the heatmap files and their errors.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np
import pytest

from raspir import compile_rasp_to_model
from raspir.backend.model import CompiledModel, load
from raspir.backend.sparsity import (
    MAX_LISTED_VALUES,
    SOFTMAX_FLOPS_PER_SCORE,
    STRUCTURES,
    format_sparsity,
    matrix_structure,
    model_sparsity,
    write_heatmaps,
)
from raspir.dialects import la
from raspir.errors import InvalidArgumentError
from raspir.testing.library import LIB_PROGRAMS
from raspir.universe import parse_module

MAX_SEQ_LEN = 5
PROGRAMS = ("reverse", "sort", "frac_prevs")


@functools.cache
def compiled(name: str, dtype: str = "float32") -> CompiledModel:
    p = LIB_PROGRAMS[name]
    return compile_rasp_to_model(
        p.build(MAX_SEQ_LEN), p.vocab(MAX_SEQ_LEN), MAX_SEQ_LEN, dtype=dtype
    )


def tracr_matrix_names(model: CompiledModel) -> list[str]:
    return [
        f"{group}/{key}"
        for group, arrays in model.params.items()
        for key in arrays
        if key != "b"
    ]


# -- one matrix ------------------------------------------------------------------


def block_diagonal(shapes: list[tuple[int, int]], rng: np.random.Generator):
    """Full blocks of the given shapes on the diagonal, non-zero values."""
    rows, columns = (sum(s[i] for s in shapes) for i in (0, 1))
    a = np.zeros((rows, columns))
    r = c = 0
    for h, w in shapes:
        a[r : r + h, c : c + w] = rng.uniform(1, 2, (h, w)) * rng.choice([-1, 1])
        r, c = r + h, c + w
    return a


def shuffled(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return a[rng.permutation(a.shape[0])][:, rng.permutation(a.shape[1])]


@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (0, 0)])
def test_a_matrix_without_entries_is_empty(shape: tuple[int, int]) -> None:
    s = matrix_structure(np.zeros(shape, np.float32))
    assert s.properties == ("empty",) and s.kind == "empty"
    assert (s.shape, s.nonzeros, s.density, s.distinct_values) == (shape, 0, 0.0, 0)
    assert (s.empty_rows, s.empty_columns) == shape
    assert (s.max_row_nonzeros, s.max_column_nonzeros, s.blocks) == (0, 0, 0)


def test_zero_is_all_zero_and_nothing_else() -> None:
    s = matrix_structure(np.zeros((3, 4)))
    assert s.properties == ("zero",)
    assert (s.empty_rows, s.empty_columns, s.values) == (3, 4, ())
    one = np.zeros((3, 4))
    one[1, 2] = -0.5
    assert "zero" not in matrix_structure(one).properties


def test_diagonal_needs_a_square_and_nothing_off_the_diagonal() -> None:
    s = matrix_structure(np.diag([1.0, 2.0, 0.0]))
    assert s.properties == (
        "diagonal",
        "selection",
        "one-hot rows",
        "one-hot columns",
        "block-diagonal",
    )
    assert (s.blocks, s.largest_block, s.empty_rows) == (2, (1, 1), 1)
    off = np.diag([1.0, 2.0, 3.0])
    off[0, 2] = 1.0
    assert "diagonal" not in matrix_structure(off).properties
    wide = np.eye(3, 4)
    assert "diagonal" not in matrix_structure(wide).properties
    assert "selection" in matrix_structure(wide).properties


def test_permutation_versus_selection_versus_one_hot_rows() -> None:
    rng = np.random.default_rng(0)
    n = 6
    order = np.roll(np.arange(n), 1)  # no fixed point: not diagonal
    perm = np.zeros((n, n))
    perm[np.arange(n), order] = rng.uniform(0.5, 3, n)
    s = matrix_structure(perm)
    assert s.properties == (
        "permutation",
        "selection",
        "one-hot rows",
        "one-hot columns",
        "block-diagonal",
    )
    assert (s.blocks, s.largest_block) == (n, (1, 1))

    partial = perm.copy()
    partial[2] = 0  # a row and a column left empty
    assert matrix_structure(partial).kind == "selection"
    assert matrix_structure(partial).empty_columns == 1

    merged = perm.copy()
    merged[0] = 0
    merged[0, order[1]] = 1.0  # two rows now hit one column
    s = matrix_structure(merged)
    assert "one-hot rows" in s.properties
    assert "one-hot columns" not in s.properties
    assert "selection" not in s.properties and "permutation" not in s.properties
    assert s.max_column_nonzeros == 2
    t = matrix_structure(merged.T)
    assert "one-hot columns" in t.properties and "one-hot rows" not in t.properties


def test_block_diagonal_counts_blocks_after_a_random_permutation() -> None:
    rng = np.random.default_rng(1)
    shapes = [(2, 3), (4, 1), (1, 1), (3, 3)]
    a = block_diagonal(shapes, rng)
    a = np.pad(a, ((0, 2), (0, 1)))  # empty rows and a column are set aside
    for _ in range(5):
        s = matrix_structure(shuffled(a, rng))
        assert s.properties == ("block-diagonal",)
        assert (s.blocks, s.largest_block) == (len(shapes), (3, 3))
        assert (s.empty_rows, s.empty_columns) == (2, 1)
    joined = a.copy()
    joined[0, -2] = 1.0  # links the first block to the last
    s = matrix_structure(shuffled(joined, rng))
    assert (s.blocks, s.largest_block) == (len(shapes) - 1, (5, 6))


def test_largest_block_ties_go_to_the_fuller_block() -> None:
    a = block_diagonal([(2, 2), (1, 4)], np.random.default_rng(2))
    assert matrix_structure(a).largest_block == (2, 2)  # 4 cells, 4 non-zeros each
    a[0, 1] = 0.0  # the 2x2 block keeps 3 non-zeros and stays one block
    assert matrix_structure(a).largest_block == (1, 4)
    assert matrix_structure(a).blocks == 2


def test_dense_when_no_structure_holds() -> None:
    s = matrix_structure(np.arange(1.0, 13.0).reshape(3, 4))
    assert s.properties == ("dense",)
    assert (s.nonzeros, s.density, s.blocks, s.largest_block) == (12, 1.0, 1, (3, 4))
    connected = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    assert matrix_structure(connected).properties == ("dense",)
    assert matrix_structure(connected).density == pytest.approx(4 / 6)


def test_distinct_values_are_listed_only_when_few() -> None:
    few = np.diag(np.arange(1.0, MAX_LISTED_VALUES + 1))
    s = matrix_structure(few.astype(np.float32))
    assert s.values == tuple(float(v) for v in range(1, MAX_LISTED_VALUES + 1))
    assert all(type(v) is float for v in s.values)
    many = np.diag(np.arange(1.0, MAX_LISTED_VALUES + 2))
    s = matrix_structure(many)
    assert (s.distinct_values, s.values) == (MAX_LISTED_VALUES + 1, None)


def test_properties_come_in_the_vocabulary_order() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.choice([0.0, 0.0, 0.0, 1.0, -2.0], size=(4, 4))
        props = matrix_structure(a).properties
        assert list(props) == sorted(props, key=STRUCTURES.index)


def test_a_matrix_must_be_two_dimensional() -> None:
    with pytest.raises(InvalidArgumentError, match="must be 2-D"):
        matrix_structure(np.zeros(3))


# -- compiled models -------------------------------------------------------------


@pytest.mark.parametrize("name", PROGRAMS)
def test_totals_are_tracr_counts_and_every_parameter_is_listed(name: str) -> None:
    model = compiled(name)
    report = model_sparsity(model)
    assert (report.params, report.nonzeros) == (
        model.sizes.params,
        model.sizes.nonzeros,
    )
    assert report.density == model.sizes.nonzeros / model.sizes.params
    names = [m.name for m in report.matrices]
    assert names[:-1] == tracr_matrix_names(model)
    assert names[-1] == "unembed/w"
    assert [m.counted for m in report.matrices] == [True] * (len(names) - 1) + [False]
    assert report.biases == sum("b" in g for g in model.params.values())
    assert report.bias_nonzeros == 0
    for m in report.matrices[:-1]:
        group, _, key = m.name.rpartition("/")
        assert m.structure.shape == model.params[group][key].shape
    unembed = report.matrices[-1]
    assert unembed.role == "unembedding"
    assert unembed.structure.shape == model.weights["unembed/w"].shape


@pytest.mark.parametrize("name", PROGRAMS)
def test_roles_layers_and_residual_directions(name: str) -> None:
    model = compiled(name)
    report = model_sparsity(model)
    roles = {
        "query/w": "query",
        "key/w": "key",
        "value/w": "value",
        "linear/w": "output",
        "linear_1/w": "mlp in",
        "linear_2/w": "mlp out",
    }
    for m in report.matrices[2:-1]:
        assert m.role == roles[m.name.split("/", 3)[-1]]
        assert m.name.startswith(f"transformer/layer_{m.layer}/")
        array = model.params[m.name.rpartition("/")[0]]["w"]
        reads = m.role in ("query", "key", "value", "mlp in")
        assert m.residual_axis == ("rows" if reads else "columns")
        touched = np.flatnonzero((array != 0).any(axis=1 if reads else 0))
        assert m.residual_directions == tuple(model.residual_labels[i] for i in touched)
    assert {m.role for m in report.matrices[:2]} == {"embedding"}


def test_structural_facts_of_compiled_weights() -> None:
    for name in PROGRAMS:
        report = model_sparsity(compiled(name))
        by_name = {m.name: m for m in report.matrices}
        # Every token writes its token direction and the constant `one`: one 1
        # per token, and the `one` column full.
        token = by_name["token_embed/embeddings"]
        rows = token.structure.shape[0]
        assert token.structure.values == (1.0,)
        assert token.structure.max_column_nonzeros == rows
        assert "one" in token.residual_directions
        # Keys read one-hot directions: every key matrix is a selection.
        for m in report.matrices:
            if m.role == "key" and m.structure.size:
                assert "selection" in m.structure.properties, m.name
    # A categorical output is read one direction per value.
    for name in ("reverse", "sort"):
        unembed = model_sparsity(compiled(name)).matrices[-1]
        assert "selection" in unembed.structure.properties
        assert unembed.residual_directions == tuple(
            f"{name}:{v}" for v in LIB_PROGRAMS[name].vocab(MAX_SEQ_LEN)
        )
    numerical = model_sparsity(compiled("frac_prevs")).matrices[-1]
    assert numerical.residual_directions == ("frac_prevs",)


def test_empty_sub_layers_are_listed_with_a_zero_width() -> None:
    report = model_sparsity(compiled("sort"))  # layer 0 has no attention
    empty = [m for m in report.matrices if m.structure.kind == "empty"]
    assert {m.name for m in empty} >= {
        f"transformer/layer_0/attn/{p}/w" for p in ("query", "key", "value", "linear")
    }
    for m in empty:
        assert 0 in m.structure.shape and m.structure.density == 0.0
        assert m.flops_dense == m.flops_sparse == 0
    assert all(h.layer != 0 for h in report.heads)


@pytest.mark.parametrize("name", PROGRAMS)
def test_flops_of_one_forward_pass(name: str) -> None:
    model = compiled(name)
    report = model_sparsity(model)
    f = report.flops
    t = model.max_seq_len + 1
    products = [a for a in model.params.values() if "w" in a]
    products = [a["w"] for a in products] + [model.weights["unembed/w"]]
    assert f.weights_dense == sum(2 * t * a.size for a in products)
    assert f.weights_sparse == sum(2 * t * np.count_nonzero(a) for a in products)
    query_columns = sum(
        a["w"].shape[1] for g, a in model.params.items() if g.endswith("attn/query")
    )
    value_columns = sum(
        a["w"].shape[1] for g, a in model.params.items() if g.endswith("attn/value")
    )
    assert f.attention_scores == 2 * t * t * query_columns
    assert f.attention_mixing == 2 * t * t * value_columns
    assert f.softmax == SOFTMAX_FLOPS_PER_SCORE * t * t * len(report.heads)
    assert f.sparse < f.dense
    assert f.dense - f.sparse == f.weights_dense - f.weights_sparse


def test_sparse_flops_equal_dense_flops_once_every_matrix_is_full() -> None:
    model = compiled("frac_prevs")
    module = parse_module(model.ir["la"])
    for op in module.walk():
        if isinstance(op, la.WeightOp):
            ones = np.ones(op.value.shape)
            op.value = la.WeightAttr.from_array(ones, False, op.value.dtype)
    full = CompiledModel.from_la(la.model_of(module), ir={"la": str(module)})
    report = model_sparsity(full)
    assert report.nonzeros == full.sizes.nonzeros
    assert all(m.structure.nonzeros == m.structure.size for m in report.matrices)
    assert report.flops.sparse == report.flops.dense
    assert model_sparsity(model).flops.dense == report.flops.dense


def test_weights_that_disagree_with_the_ir_are_refused() -> None:
    model = compiled("frac_prevs")
    changed = dict(model.weights)
    changed["token_embed/embeddings"] = 2 * changed["token_embed/embeddings"]
    with pytest.raises(InvalidArgumentError, match="do not match its la IR"):
        model_sparsity(dataclasses.replace(model, weights=changed))


@pytest.mark.parametrize("name", PROGRAMS)
def test_heads_split_the_attention_matrices(name: str) -> None:
    report = model_sparsity(compiled(name))
    for role, field in (
        ("query", "query"),
        ("key", "key"),
        ("value", "value"),
        ("output", "output"),
    ):
        for m in report.matrices:
            if m.role == role:
                heads = [h for h in report.heads if h.layer == m.layer]
                assert sum(getattr(h, field) for h in heads) == m.structure.nonzeros
    attention = ("query", "key", "value", "output")
    assert sum(h.params for h in report.heads) == sum(
        m.structure.size for m in report.matrices if m.role in attention
    )


@pytest.mark.parametrize("name", PROGRAMS)
def test_json_round_trips_in_a_stable_order(name: str) -> None:
    report = model_sparsity(compiled(name))
    data = report.to_json()
    text = json.dumps(data)
    assert json.loads(text) == data
    assert json.dumps(model_sparsity(compiled(name)).to_json()) == text
    assert list(data)[:3] == ["dtype", "max_seq_len", "residual_width"]
    assert (data["params"], data["nonzeros"]) == (report.params, report.nonzeros)
    assert data["uncounted"]["names"] == ["unembed/w"]
    assert len(data["matrices"]) == len(report.matrices)
    assert data["flops"]["dense"] == report.flops.dense
    assert sum(data["structure_counts"].values()) == sum(
        len(m.structure.properties) for m in report.matrices
    )


def test_float64_and_loaded_models_report_the_same(tmp_path: Path) -> None:
    float32 = model_sparsity(compiled("frac_prevs"))
    model = compiled("frac_prevs", "float64")
    wide = model_sparsity(model)
    assert wide.dtype == "float64"
    assert (wide.params, wide.nonzeros) == (model.sizes.params, model.sizes.nonzeros)
    assert [m.structure.properties for m in wide.matrices] == [
        m.structure.properties for m in float32.matrices
    ]
    loaded = load(compiled("reverse").save(tmp_path / "reverse"))
    assert (
        model_sparsity(loaded).to_json()
        == model_sparsity(compiled("reverse")).to_json()
    )


def test_a_model_without_la_ir_is_refused() -> None:
    bare = dataclasses.replace(compiled("frac_prevs"), ir={}, params={})
    with pytest.raises(InvalidArgumentError, match="no la IR"):
        model_sparsity(bare)


def test_the_text_table_has_one_line_per_matrix_then_totals() -> None:
    report = model_sparsity(compiled("reverse"))
    lines = format_sparsity(report).splitlines()
    header, rows = lines[0], lines[1 : 1 + len(report.matrices)]
    assert header.split()[:3] == ["matrix", "shape", "nnz"]
    for line, m in zip(rows, report.matrices, strict=True):
        assert line.startswith(m.name)
        rows_, columns = m.structure.shape
        assert f" {rows_}x{columns} " in line
        assert m.structure.describe() in line
    density_column = header.index("density %") + len("density %")
    assert {len(line[:density_column].rstrip()) for line in rows} == {density_column}
    totals = "\n".join(lines[1 + len(report.matrices) :])
    assert f"parameters {report.params:,}" in totals
    assert f"dense {report.flops.dense:,}" in totals
    assert "unembed/w" in totals


def test_heatmaps_one_png_per_matrix(tmp_path: Path) -> None:
    import matplotlib.image
    import matplotlib.pyplot as plt

    model = compiled("reverse")
    figures = plt.get_fignums()
    paths = write_heatmaps(model, tmp_path / "maps")
    assert plt.get_fignums() == figures
    report = model_sparsity(model)
    assert [p.name for p in paths] == [
        m.name.replace("/", ".") + ".png" for m in report.matrices
    ]
    arrays = {f"{g}/{k}": a for g, d in model.params.items() for k, a in d.items()}
    arrays["unembed/w"] = model.weights["unembed/w"]
    for path, m in zip(paths, report.matrices, strict=True):
        image = matplotlib.image.imread(path)
        assert image.shape[0] > 0 and image.shape[1] > 0
        # Only entries are drawn red (positive) or blue (negative).
        red, green, blue = image[..., 0], image[..., 1], image[..., 2]
        reds = ((red > 0.7) & (green < 0.3) & (blue < 0.3)).any()
        blues = ((blue > 0.6) & (red < 0.3)).any()
        assert reds == (arrays[m.name] > 0).any(), m.name
        assert blues == (arrays[m.name] < 0).any(), m.name


def test_heatmap_errors_are_invalid_arguments(tmp_path: Path) -> None:
    model = compiled("frac_prevs")
    with pytest.raises(InvalidArgumentError, match="unknown heatmap format 'bmpx'"):
        write_heatmaps(model, tmp_path, fmt="bmpx")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InvalidArgumentError, match="not a directory"):
        write_heatmaps(model, blocker)
    with pytest.raises(InvalidArgumentError, match="cannot write heatmaps"):
        write_heatmaps(model, blocker / "below")
    assert len(write_heatmaps(model, tmp_path / "svg", fmt="svg")) == len(
        model_sparsity(model).matrices
    )
