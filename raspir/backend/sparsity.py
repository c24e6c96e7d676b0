"""How sparse a compiled model's weights are, matrix by matrix: what
``raspir stats --sparsity`` reports and draws.

Every weight matrix of a ``CompiledModel`` is listed under its Tracr parameter
name (``token_embed/embeddings``, ``transformer/layer_0/attn/query/w``, ...,
``transformer/layer_0/mlp/linear_2/w``) and the unembedding under its la symbol
(``unembed/w``), with its role, its layer, the residual directions its
residual-sized axis touches and its structure. The totals count what Tracr
counts: the embeddings, every layer's weights and its biases, not the
unembedding. The biases are all zero; they are counted in the totals but are
vectors, not matrices, so they are not listed. A sub-layer that is empty still
has its zero-width matrices (shape ``16x0``): they are listed, with density 0.
Each attention head's slice of its layer's query, key, value and output
matrices is reported too (``SparsityReport.heads``).

Structure of one m×n matrix A (a row or column is *empty* when it holds no
non-zero). The terms, in this fixed order, most specific first; a matrix gets
every term that holds, and ``MatrixStructure.kind`` is the first of them:

- ``empty``: m·n = 0, the matrix has no entries at all (no other term applies);
- ``zero``: it has entries and all are zero (no other term applies).

The remaining terms apply to a matrix with at least one non-zero:

- ``diagonal``: square (m = n) and every non-zero lies on the main diagonal;
- ``permutation``: square and every row and every column holds exactly one
  non-zero (a permutation matrix with arbitrary non-zero values);
- ``selection``: every row and every column holds at most one non-zero (a
  permutation matrix with some rows and columns left empty: it copies some
  coordinates to others, scaled);
- ``one-hot rows``: every non-empty row holds exactly one non-zero;
- ``one-hot columns``: every non-empty column holds exactly one non-zero;
- ``block-diagonal``: the bipartite graph with a vertex per non-empty row and per
  non-empty column and an edge per non-zero has two or more connected
  components (*blocks*): after permuting rows and columns, and setting the
  empty ones aside, A is block diagonal. ``blocks`` counts them (whether or not
  there are two) and ``largest_block`` is the shape (rows, columns) of the block
  spanning the most cells (rows·columns; ties go to more non-zeros, then to
  more rows);
- ``dense``: none of the above holds. It names the absence of structure, not a
  fill: ``density`` says how full a matrix is.

FLOPs are those of one forward pass of batch 1 over the model's full length,
T = max_seq_len + 1 positions (BOS included), counting a multiply and an add as
two. A product of the T×m input with an m×n weight costs 2·T·m·n dense and
2·T·nnz when only the non-zeros are multiplied. Embedding lookups are gathers
and cost nothing. The unembedding is a product and is counted. Attention's own
work is the same dense or sparse and is reported apart: the scores q·kᵀ
(2·T·T·K per head), the mixing of values by the attention weights (2·T·T·V per
head) and the softmax (``SOFTMAX_FLOPS_PER_SCORE`` per score). The residual
additions, the ReLU and the decoding are not counted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from raspir.backend.model import CompiledModel, make_directory, tracr_params
from raspir.dialects import la
from raspir.errors import InvalidArgumentError, RaspirError

Params = dict[str, dict[str, np.ndarray]]
"""Tracr's nested parameters: group name → {"w" or "embeddings", "b"} → array."""

STRUCTURES = (
    "empty",
    "zero",
    "diagonal",
    "permutation",
    "selection",
    "one-hot rows",
    "one-hot columns",
    "block-diagonal",
    "dense",
)
"""The structure vocabulary (defined in the module docstring), in order."""

MAX_LISTED_VALUES = 8
"""A matrix with at most this many distinct non-zero values lists them; more
would not fit one line of the report."""

SOFTMAX_FLOPS_PER_SCORE = 5
"""One softmax score costs a comparison (the running maximum), a subtraction
of the maximum, an exponential, an addition to the sum and a division, each
counted as one operation."""

ROLES = {
    "token_embed": "embedding",
    "pos_embed": "embedding",
    "attn/query": "query",
    "attn/key": "key",
    "attn/value": "value",
    "attn/linear": "output",
    "mlp/linear_1": "mlp in",
    "mlp/linear_2": "mlp out",
}
"""The role of each Tracr parameter group, by the end of its name."""

UNEMBEDDING = "unembedding"

RESIDUAL_AXIS = {
    "embedding": "columns",
    "query": "rows",
    "key": "rows",
    "value": "rows",
    "output": "columns",
    "mlp in": "rows",
    "mlp out": "columns",
    UNEMBEDDING: "rows",
}
"""Which axis of a matrix in each role is the residual stream: a sub-layer
reads the residual through its rows and writes it through its columns."""


# -- one matrix ------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixStructure:
    """The sparsity pattern of one 2-D matrix (terms: the module docstring)."""

    shape: tuple[int, int]
    nonzeros: int
    density: float
    """Non-zeros over entries (0 for a matrix without entries)."""
    distinct_values: int
    """How many different non-zero values it holds."""
    values: tuple[float, ...] | None
    """Those values, ascending, when there are at most ``MAX_LISTED_VALUES``."""
    empty_rows: int
    empty_columns: int
    max_row_nonzeros: int
    max_column_nonzeros: int
    blocks: int
    largest_block: tuple[int, int]
    properties: tuple[str, ...]
    """The terms of ``STRUCTURES`` that hold, in that order; never empty."""

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def kind(self) -> str:
        """The most specific term that holds."""
        return self.properties[0]

    def describe(self) -> str:
        """The properties as text; block-diagonal with its block counts."""
        parts = []
        for term in self.properties:
            if term == "block-diagonal":
                rows, columns = self.largest_block
                term += f" ({self.blocks} blocks, largest {rows}x{columns})"
            parts.append(term)
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "shape": list(self.shape),
            "nonzeros": self.nonzeros,
            "density": self.density,
            "distinct_values": self.distinct_values,
            "values": None if self.values is None else list(self.values),
            "empty_rows": self.empty_rows,
            "empty_columns": self.empty_columns,
            "max_row_nonzeros": self.max_row_nonzeros,
            "max_column_nonzeros": self.max_column_nonzeros,
            "blocks": self.blocks,
            "largest_block": list(self.largest_block),
            "properties": list(self.properties),
        }


def matrix_structure(array: np.ndarray) -> MatrixStructure:
    """The structure of a 2-D matrix; anything else is an InvalidArgumentError."""
    a = np.asarray(array)
    if a.ndim != 2:
        raise InvalidArgumentError(
            f"a weight matrix must be 2-D, got an array of shape {list(a.shape)}"
        )
    rows, columns = a.shape
    mask = a != 0
    nonzeros = int(np.count_nonzero(mask))
    per_row = mask.sum(axis=1)
    per_column = mask.sum(axis=0)
    distinct = np.unique(a[mask])
    blocks, largest = _blocks(mask)
    return MatrixStructure(
        shape=(rows, columns),
        nonzeros=nonzeros,
        density=nonzeros / a.size if a.size else 0.0,
        distinct_values=len(distinct),
        values=(
            tuple(float(v) for v in distinct)
            if len(distinct) <= MAX_LISTED_VALUES
            else None
        ),
        empty_rows=int(np.count_nonzero(per_row == 0)),
        empty_columns=int(np.count_nonzero(per_column == 0)),
        max_row_nonzeros=int(per_row.max(initial=0)),
        max_column_nonzeros=int(per_column.max(initial=0)),
        blocks=blocks,
        largest_block=largest,
        properties=_properties(mask, per_row, per_column, blocks),
    )


def _properties(
    mask: np.ndarray, per_row: np.ndarray, per_column: np.ndarray, blocks: int
) -> tuple[str, ...]:
    if mask.size == 0:
        return ("empty",)
    if not mask.any():
        return ("zero",)
    square = mask.shape[0] == mask.shape[1]
    holds = {
        "diagonal": square and not (mask & ~np.eye(len(mask), dtype=bool)).any(),
        "permutation": square and (per_row == 1).all() and (per_column == 1).all(),
        "selection": (per_row <= 1).all() and (per_column <= 1).all(),
        "one-hot rows": (per_row[per_row > 0] == 1).all(),
        "one-hot columns": (per_column[per_column > 0] == 1).all(),
        "block-diagonal": blocks >= 2,
    }
    found = tuple(term for term in STRUCTURES if holds.get(term))
    return found or ("dense",)


def _blocks(mask: np.ndarray) -> tuple[int, tuple[int, int]]:
    """The connected components of the rows↔columns graph of the non-zeros:
    how many, and the shape of the one spanning the most cells."""
    import networkx as nx

    rows, columns = np.nonzero(mask)
    graph = nx.Graph()
    graph.add_edges_from(
        (("row", int(r)), ("column", int(c)))
        for r, c in zip(rows, columns, strict=True)
    )
    best: tuple[int, int, int] = (0, 0, 0)  # cells, non-zeros, rows
    shape = (0, 0)
    count = 0
    for component in nx.connected_components(graph):
        count += 1
        height = sum(1 for kind, _ in component if kind == "row")
        width = len(component) - height
        edges = graph.subgraph(component).number_of_edges()
        key = (height * width, edges, height)
        if key > best:
            best, shape = key, (height, width)
    return count, shape


# -- the model -------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixReport:
    """One weight matrix of a model: where it sits and its structure."""

    name: str
    role: str
    layer: int | None
    structure: MatrixStructure
    counted: bool
    """Whether Tracr's parameter count includes it (all but the unembedding)."""
    residual_axis: str
    """``rows`` or ``columns``: the axis that is the residual stream."""
    residual_directions: tuple[str, ...]
    """Labels of the residual directions that axis touches (a non-zero there)."""
    flops_dense: int
    flops_sparse: int

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "layer": self.layer,
            "counted": self.counted,
            **self.structure.to_json(),
            "residual_axis": self.residual_axis,
            "residual_directions": list(self.residual_directions),
            "flops_dense": self.flops_dense,
            "flops_sparse": self.flops_sparse,
        }


@dataclass(frozen=True)
class HeadReport:
    """One attention head: its slice of the layer's query, key, value and
    output matrices and the non-zeros in each."""

    layer: int
    index: int
    label: str
    params: int
    query: int
    key: int
    value: int
    output: int

    @property
    def nonzeros(self) -> int:
        return self.query + self.key + self.value + self.output

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "index": self.index,
            "label": self.label,
            "params": self.params,
            "nonzeros": self.nonzeros,
            "query": self.query,
            "key": self.key,
            "value": self.value,
            "output": self.output,
        }


@dataclass(frozen=True)
class Flops:
    """The FLOPs of one forward pass (definitions: the module docstring)."""

    positions: int
    weights_dense: int
    weights_sparse: int
    attention_scores: int
    attention_mixing: int
    softmax: int

    @property
    def attention(self) -> int:
        """What attention costs either way: scores, mixing and softmax."""
        return self.attention_scores + self.attention_mixing + self.softmax

    @property
    def dense(self) -> int:
        return self.weights_dense + self.attention

    @property
    def sparse(self) -> int:
        return self.weights_sparse + self.attention

    def to_json(self) -> dict[str, Any]:
        return {
            "positions": self.positions,
            "weights_dense": self.weights_dense,
            "weights_sparse": self.weights_sparse,
            "attention_scores": self.attention_scores,
            "attention_mixing": self.attention_mixing,
            "softmax": self.softmax,
            "dense": self.dense,
            "sparse": self.sparse,
        }


@dataclass(frozen=True)
class SparsityReport:
    """Every weight matrix of a model and the model's totals."""

    dtype: str
    max_seq_len: int
    residual_width: int
    layers: int
    matrices: tuple[MatrixReport, ...]
    heads: tuple[HeadReport, ...]
    biases: int
    """How many bias vectors Tracr's parameters hold."""
    bias_params: int
    bias_nonzeros: int
    flops: Flops

    @property
    def params(self) -> int:
        """Tracr's parameter count: counted matrices and biases."""
        counted = sum(m.structure.size for m in self.matrices if m.counted)
        return counted + self.bias_params

    @property
    def nonzeros(self) -> int:
        counted = sum(m.structure.nonzeros for m in self.matrices if m.counted)
        return counted + self.bias_nonzeros

    @property
    def density(self) -> float:
        return self.nonzeros / self.params if self.params else 0.0

    def structure_counts(self) -> dict[str, int]:
        """How many matrices have each structure term (a matrix counts once for
        each term it has), in the order of ``STRUCTURES``."""
        return {
            term: sum(term in m.structure.properties for m in self.matrices)
            for term in STRUCTURES
        }

    def to_json(self) -> dict[str, Any]:
        """A plain dict in a fixed key order, ready for ``json.dumps``."""
        uncounted = [m for m in self.matrices if not m.counted]
        return {
            "dtype": self.dtype,
            "max_seq_len": self.max_seq_len,
            "residual_width": self.residual_width,
            "layers": self.layers,
            "params": self.params,
            "nonzeros": self.nonzeros,
            "density": self.density,
            "biases": {
                "count": self.biases,
                "params": self.bias_params,
                "nonzeros": self.bias_nonzeros,
            },
            "uncounted": {
                "names": [m.name for m in uncounted],
                "params": sum(m.structure.size for m in uncounted),
                "nonzeros": sum(m.structure.nonzeros for m in uncounted),
            },
            "flops": self.flops.to_json(),
            "structure_counts": self.structure_counts(),
            "matrices": [m.to_json() for m in self.matrices],
            "heads": [h.to_json() for h in self.heads],
        }


@dataclass(frozen=True)
class _Matrix:
    """A weight matrix with what labels its axes: one ``(label, width)`` group
    per residual direction, token, position, head or MLP block."""

    name: str
    role: str
    layer: int | None
    array: np.ndarray
    counted: bool
    row_groups: tuple[tuple[str, int], ...]
    column_groups: tuple[tuple[str, int], ...]


def _la_model(model: CompiledModel) -> tuple[la.ModelOp, Params]:
    """The model's la IR, with its weights bound, and its Tracr params."""
    ir = model.la_model()
    return ir, model.params or tracr_params(ir)


def _matrices(model: CompiledModel, ir: la.ModelOp, params: Params) -> list[_Matrix]:
    """The weight matrices in Tracr's order, then the unembedding."""
    residual = tuple((label, 1) for label in model.residual_labels)
    embed = ir.embed
    tokens = tuple((str(v), 1) for v in embed.tokens.data)
    positions = tuple((str(i), 1) for i in range(ir.max_seq_len.data + 1))
    sublayers = {(type(op), op.layer.data): op for op in ir.sublayers}
    found = []
    for group, arrays in params.items():
        suffix = next((s for s in ROLES if group.endswith(s)), None)
        layer = re.match(r"transformer/layer_(\d+)/", group)
        if suffix is None or (layer is None) != (
            suffix in ("token_embed", "pos_embed")
        ):
            raise InvalidArgumentError(f"unknown parameter group '{group}'")
        role = ROLES[suffix]
        if layer is None:
            rows = tokens if suffix == "token_embed" else positions
            found.append(
                _Matrix(
                    f"{group}/embeddings",
                    role,
                    None,
                    arrays["embeddings"],
                    True,
                    rows,
                    residual,
                )
            )
            continue
        index = int(layer.group(1))
        op = sublayers[
            la.AttentionOp if suffix.startswith("attn/") else la.MLPOp, index
        ]
        if isinstance(op, la.AttentionOp):
            inner = _head_groups(op, role)
        else:
            inner = tuple(
                (label or f"block {i}", w) for i, (label, w) in enumerate(op.blocks)
            )
        axes = (residual, inner) if RESIDUAL_AXIS[role] == "rows" else (inner, residual)
        found.append(_Matrix(f"{group}/w", role, index, arrays["w"], True, *axes))
    unembed = ir.output
    assert isinstance(unembed, la.UnembedOp)
    symbol = unembed.weight_refs()["table"]
    outputs = (
        (("output", 1),)
        if unembed.is_numerical
        else tuple((str(v), 1) for v in unembed.values.data)
    )
    found.append(
        _Matrix(
            symbol, UNEMBEDDING, None, model.weights[symbol], False, residual, outputs
        )
    )
    return found


def _head_groups(op: la.AttentionOp, role: str) -> tuple[tuple[str, int], ...]:
    """The query and key columns come K per head; value columns and output
    rows V per head."""
    width = op.key_size.data if role in ("query", "key") else op.value_size.data
    return tuple(
        (label or f"head {i}", width) for i, label in enumerate(op.head_labels)
    )


def _touched(matrix: _Matrix, labels: list[str]) -> tuple[str, ...]:
    axis = 1 if RESIDUAL_AXIS[matrix.role] == "rows" else 0
    used = np.flatnonzero((matrix.array != 0).any(axis=axis))
    return tuple(labels[i] for i in used)


def model_sparsity(model: CompiledModel) -> SparsityReport:
    """Every weight matrix of ``model`` with its structure, and the totals
    (which equal ``model.sizes.params`` and ``.nonzeros``)."""
    ir, params = _la_model(model)
    positions = model.max_seq_len + 1
    matrices = []
    for m in _matrices(model, ir, params):
        structure = matrix_structure(m.array)
        gather = m.role == "embedding"
        matrices.append(
            MatrixReport(
                name=m.name,
                role=m.role,
                layer=m.layer,
                structure=structure,
                counted=m.counted,
                residual_axis=RESIDUAL_AXIS[m.role],
                residual_directions=_touched(m, model.residual_labels),
                flops_dense=0 if gather else 2 * positions * structure.size,
                flops_sparse=0 if gather else 2 * positions * structure.nonzeros,
            )
        )
    biases = [g["b"] for g in params.values() if "b" in g]
    attention = [op for op in ir.sublayers if isinstance(op, la.AttentionOp)]
    scores = positions * positions
    flops = Flops(
        positions=positions,
        weights_dense=sum(m.flops_dense for m in matrices),
        weights_sparse=sum(m.flops_sparse for m in matrices),
        attention_scores=sum(
            2 * scores * len(op.head_labels) * op.key_size.data for op in attention
        ),
        attention_mixing=sum(
            2 * scores * len(op.head_labels) * op.value_size.data for op in attention
        ),
        softmax=sum(
            SOFTMAX_FLOPS_PER_SCORE * scores * len(op.head_labels) for op in attention
        ),
    )
    return SparsityReport(
        dtype=model.dtype,
        max_seq_len=model.max_seq_len,
        residual_width=len(model.residual_labels),
        layers=ir.num_layers,
        matrices=tuple(matrices),
        heads=tuple(_heads(params, len(model.residual_labels), attention)),
        biases=len(biases),
        bias_params=sum(b.size for b in biases),
        bias_nonzeros=sum(int(np.count_nonzero(b)) for b in biases),
        flops=flops,
    )


def _heads(
    params: Params, width: int, attention: Sequence[la.AttentionOp]
) -> list[HeadReport]:
    heads = []
    for op in attention:
        layer = op.layer.data
        group = f"transformer/layer_{layer}/attn"
        q, k, v, o = (
            params[f"{group}/{part}"]["w"]
            for part in ("query", "key", "value", "linear")
        )
        ks, vs = op.key_size.data, op.value_size.data
        for h, label in enumerate(op.head_labels):
            qk, ov = slice(h * ks, (h + 1) * ks), slice(h * vs, (h + 1) * vs)
            heads.append(
                HeadReport(
                    layer=layer,
                    index=h,
                    label=label,
                    params=width * (2 * ks + 2 * vs),
                    query=int(np.count_nonzero(q[:, qk])),
                    key=int(np.count_nonzero(k[:, qk])),
                    value=int(np.count_nonzero(v[:, ov])),
                    output=int(np.count_nonzero(o[ov, :])),
                )
            )
    return heads


# -- text ------------------------------------------------------------------------


def format_sparsity(report: SparsityReport) -> str:
    """An aligned table, one line per matrix, then the model's totals."""
    head = ("matrix", "shape", "nnz", "density %", "distinct", "structure")
    rows = [
        (
            m.name + ("" if m.counted else " *"),
            f"{m.structure.shape[0]}x{m.structure.shape[1]}",
            f"{m.structure.nonzeros:,}",
            f"{100 * m.structure.density:.2f}",
            str(m.structure.distinct_values),
            m.structure.describe(),
        )
        for m in report.matrices
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]

    def line(cells: tuple[str, ...]) -> str:
        name, *numbers, structure = cells
        return "  ".join(
            [
                f"{name:<{widths[0]}}",
                *(f"{c:>{w}}" for c, w in zip(numbers, widths[1:], strict=True)),
                structure,
            ]
        ).rstrip()

    f = report.flops
    uncounted = [m.name for m in report.matrices if not m.counted]
    lines = [line(head), *(line(r) for r in rows), ""]
    lines += [
        f"parameters {report.params:,}, non-zero {report.nonzeros:,} "
        f"({100 * report.density:.2f} %); as Tracr counts: with the "
        f"{report.biases} bias vectors ({report.bias_params:,} parameters, "
        f"{report.bias_nonzeros:,} non-zero), which are not listed, and without "
        + (", ".join(uncounted) + " (marked *)" if uncounted else "the unembedding"),
        f"FLOPs of one forward pass over {f.positions} positions: dense "
        f"{f.dense:,}, sparse {f.sparse:,} "
        f"(weights {f.weights_dense:,} dense, {f.weights_sparse:,} sparse; "
        f"attention scores {f.attention_scores:,}, mixing {f.attention_mixing:,}, "
        f"softmax {f.softmax:,} either way; embedding lookups are gathers, 0)",
    ]
    return "\n".join(lines)


# -- pictures --------------------------------------------------------------------

MAX_AXIS_PIXELS = 2400
"""The longest an image axis is drawn before its cells shrink (to one pixel at
least)."""
MAX_CELL_PIXELS = 16
"""The largest a cell is drawn: a small matrix stays a small picture."""
DPI = 100
"""Pixels per inch of the pictures (matplotlib's default)."""
LABEL_POINTS = 7
"""Tick label size: at ``DPI`` a label takes LABEL_POINTS/72 inches of the axis,
so a label is shown every k-th cell, k the cells that label needs."""
COLOURS = ("#1f77b4", "#ffffff", "#d62728")
"""Negative (blue), zero (white) and positive (red) entries; no other part of a
picture is drawn in red or blue."""


def write_heatmaps(
    model: CompiledModel, directory: str | Path, fmt: str = "png"
) -> list[Path]:
    """One picture per weight matrix of ``model`` in ``directory``: each entry's
    sign (negative blue, zero white, positive red), the residual axis labelled
    by direction. Files are named after the matrix, ``/`` made ``.``.
    Figures are drawn by the Agg canvas without pyplot, so none stays open."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure
    except ImportError:
        raise RaspirError(
            "heatmaps need matplotlib: pip install 'raspir[plot]'"
        ) from None
    formats = FigureCanvasAgg(Figure()).get_supported_filetypes()
    if fmt not in formats:
        raise InvalidArgumentError(
            f"unknown heatmap format '{fmt}' (expected one of "
            f"{', '.join(sorted(formats))})"
        )
    out = make_directory(directory, "write heatmaps to")
    ir, params = _la_model(model)
    cmap = ListedColormap(COLOURS)
    written = []
    for m in _matrices(model, ir, params):
        s = matrix_structure(m.array)
        rows, columns = s.shape
        cell_h, cell_w = (_cell_pixels(n) for n in s.shape)
        figure = Figure(
            figsize=(max(columns, 1) * cell_w / DPI, max(rows, 1) * cell_h / DPI),
            dpi=DPI,
        )
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0, 0, 1, 1))
        if s.size:
            ax.imshow(
                np.sign(m.array),
                cmap=cmap,
                vmin=-1,
                vmax=1,
                interpolation="nearest",
                aspect="auto",
            )
            _label_axis(ax, "y", m.row_groups, cell_h)
            _label_axis(ax, "x", m.column_groups, cell_w)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.text(0.5, 0.5, "no entries", ha="center", va="center")
        # A text above the axes, not a title: placing a title measures every
        # tick label again.
        ax.annotate(
            f"{m.name}\n{rows}x{columns}, {s.nonzeros:,} non-zero, "
            f"density {100 * s.density:.2f} % (red > 0, blue < 0)",
            (0, 1),
            xycoords="axes fraction",
            xytext=(0, LABEL_POINTS),
            textcoords="offset points",
            va="bottom",
            fontsize=LABEL_POINTS + 2,
        )
        path = (
            out / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', m.name.replace('/', '.'))}.{fmt}"
        )
        try:
            figure.savefig(path, format=fmt, bbox_inches="tight", pad_inches=0.1)
        except OSError as e:
            raise InvalidArgumentError(
                f"cannot write heatmap '{path}': {e.strerror or e}"
            ) from None
        written.append(path)
    return written


def _cell_pixels(n: int) -> int:
    return max(1, min(MAX_CELL_PIXELS, MAX_AXIS_PIXELS // max(n, 1)))


def _label_axis(ax, which: str, groups, cell: int) -> None:
    """Ticks with the axis's labels: one per cell (every k-th when they would
    overlap), or, on an axis of heads or MLP blocks, one at each group's first
    cell (skipping those too close to the last) with a line between groups."""
    room = math.ceil(LABEL_POINTS / 72 * DPI / cell)  # cells one label needs
    ticks: list[int] = []
    labels: list[str] = []
    start = 0
    for label, width in groups:
        if not ticks or start - ticks[-1] >= room:
            ticks.append(start)
            labels.append(label)
        start += width
    if which == "x":
        ax.set_xticks(ticks, labels, rotation=90)
    else:
        ax.set_yticks(ticks, labels)
    ax.tick_params(labelsize=LABEL_POINTS)
    if any(width > 1 for _, width in groups):
        line = ax.axvline if which == "x" else ax.axhline
        start = 0
        for _, width in groups[:-1]:
            start += width
            line(start - 0.5, color="0.6", linewidth=0.5)
