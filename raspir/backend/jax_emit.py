"""JAX emission: an ``la.model`` as a standalone Python module and its weights.

The module imports only numpy and jax (and the standard library). It holds the
model's constants (token order, BOS/PAD ids, output values, residual labels)
and one ``forward(params, token_ids, trace=False)`` with the layers unrolled,
each commented with the s-ops it computes. The weights go to an ``.npz``
(``write_npz``) or a ``.safetensors`` (``write_safetensors``) keyed by the la
weight symbols (Tracr's parameter names); the module's ``load_params`` reads
either, by its suffix. The constants, ``encode`` and ``decode`` are those every
emitted module shares (``module_text``). The in-process model
(``raspir.backend.model``) executes this same source, so what a user ships is
what raspir tested.

Every matmul asks for full precision: on accelerators JAX's default may use
reduced-precision matmuls, which the exactness bounds do not allow for.

A float64 model's module computes in float64 however it is imported: its
``forward`` and ``load_params`` enter JAX's 64-bit mode (``jax.enable_x64``)
for their own work only, so the caller's mode (and any other model in the
process) is left as it was.

Sparse execution (``emit_source(..., sparse=True)``, ``-t 'jax{sparse=true}'``):
the module reads the same dense weights and ``load_params()`` converts the
weight of each product ``x @ w`` to the form that product runs in, named in
the module's ``FORMS`` and in a comment at each sub-layer; the forward, its
trace and the embedding lookups are the dense module's, and attention's scores
and mixing stay dense. The form of an m×n weight, from the most non-zeros in
one of its columns (k) and its share of non-zeros (``weight_form``):

- ``gather`` when k ≤ max(1, ``GATHER_MAX_COLUMN_FILL`` · m): output column j
  is the sum of k gathered columns of x, each scaled (k = 1: one gather and a
  scale; an empty column scales by 0);
- else, when the share is at most ``SPARSE_MAX_DENSITY``: ``scatter`` if every
  row holds at most one non-zero (the rows of x that matter are gathered,
  scaled and added into their columns), else a ``jax.experimental.sparse``
  BCOO product (``bcoo_dot_general`` with x dense and w sparse);
- else ``dense`` (so is a matrix without entries: 0 rows or 0 columns).

The thresholds are those of ``benchmarks/sparse.py`` (results/sparse.md): on
its 30 models (every library program at max_seq_len 20; sort, hist and
reverse at 8 → 128), run on a CPU with the forms of every pair of candidate
values, 0.01 and 0.005 gave the lowest time over the dense time (geometric mean
over the models of batch 1 and batch 64: 0.903; with fill 0, 0.02 or 0.05 it
was 0.93, 0.918 and 0.934, with density 0, 0.02 or 0.05 0.906, 0.925 and
0.959). Gathers cost tens of dense multiply-adds each on the CPU, so k of
them pay only when k is a small share of the m terms a dense column sums;
scatters and BCOO products gain a little at batch 1 and lose at batch 64, the
more the denser the matrices they are given.

Each form multiplies exactly the products the dense matmul does, at full
precision, and adds them in another order: scores may move by the rounding of
those sums (``sparse_score_tolerance``); one non-zero per column is bit-exact.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from raspir.backend import module_text
from raspir.dialects import la
from raspir.errors import RaspirError

_DENSE_MATMUL = """
_HIGHEST = jax.lax.Precision.HIGHEST


def _matmul(x, w):
    return jnp.matmul(x, w, precision=_HIGHEST)
"""

_LAYERS = '''

def _attention(x, keep, query, key, value, output, heads, key_size, value_size):
    """Softmax attention over the kept keys; returns (update, logits)."""
    b, t, _ = x.shape
    q = _matmul(x, query).reshape(b, t, heads, key_size)
    k = _matmul(x, key).reshape(b, t, heads, key_size)
    v = _matmul(x, value).reshape(b, t, heads, value_size)
    logits = jnp.einsum("bqhk,bshk->bhqs", q, k, precision=_HIGHEST)
    weights = jax.nn.softmax(jnp.where(keep, logits, -jnp.inf), axis=-1)
    mixed = jnp.einsum("bhqs,bshv->bqhv", weights, v, precision=_HIGHEST)
    return _matmul(mixed.reshape(b, t, heads * value_size), output), logits


def _mlp(x, fst, snd):
    return _matmul(jax.nn.relu(_matmul(x, fst)), snd)


def _no_attention(x):
    b, t, _ = x.shape
    return jnp.zeros_like(x), jnp.zeros((b, 0, t, t), x.dtype)
'''

_RUNTIME = _DENSE_MATMUL + _LAYERS

_SPARSE_MATMUL = """
_HIGHEST = jax.lax.Precision.HIGHEST


class Gather:
    \"\"\"A weight of ``shape`` with at most k non-zeros per column as k scaled
    gathers: output column j is the sum over s < k of
    x[..., index[s, j]] * scale[s, j] (a slot a column does not use has scale 0).\"\"\"

    def __init__(self, index, scale, shape):
        self.index, self.scale, self.shape = index, scale, shape


class Scatter:
    \"\"\"A weight of ``shape`` as its non-zeros (rows[i], columns[i], scale[i]):
    the scaled rows of x are gathered, then added into the columns they feed.\"\"\"

    def __init__(self, rows, columns, scale, shape):
        self.rows, self.columns, self.scale, self.shape = rows, columns, scale, shape


# Both pass through jax.jit as their arrays; the shape stays static.
jax.tree_util.register_pytree_node(
    Gather,
    lambda w: ((w.index, w.scale), w.shape),
    lambda shape, arrays: Gather(*arrays, shape),
)
jax.tree_util.register_pytree_node(
    Scatter,
    lambda w: ((w.rows, w.columns, w.scale), w.shape),
    lambda shape, arrays: Scatter(*arrays, shape),
)


def _matmul(x, w):
    \"\"\"x @ w with w in its form (FORMS); every product at full precision.\"\"\"
    # The indices are in bounds: mode="clip" spares checking them on each call.
    if isinstance(w, Gather):
        out = jnp.take(x, w.index[0], axis=-1, mode="clip") * w.scale[0]
        for slot in range(1, w.index.shape[0]):
            out = out + jnp.take(x, w.index[slot], axis=-1, mode="clip") * w.scale[slot]
        return out
    if isinstance(w, Scatter):
        out = jnp.zeros((*x.shape[:-1], w.shape[1]), x.dtype)
        rows = jnp.take(x, w.rows, axis=-1, mode="clip") * w.scale
        return out.at[..., w.columns].add(rows, mode="promise_in_bounds")
    if isinstance(w, sparse.BCOO):
        with jax.default_matmul_precision("highest"):
            return sparse.bcoo_dot_general(
                x, w, dimension_numbers=(((x.ndim - 1,), (0,)), ((), ()))
            )
    return jnp.matmul(x, w, precision=_HIGHEST)
"""

_SPARSE_CONVERSION = """

def _gather(w):
    columns, rows = np.nonzero(w.T)  # by column, then by row
    slot = np.arange(len(columns)) - np.searchsorted(columns, columns)
    k = int(slot.max(initial=0)) + 1
    index = np.zeros((k, w.shape[1]), np.int32)
    scale = np.zeros((k, w.shape[1]), w.dtype)
    index[slot, columns] = rows
    scale[slot, columns] = w[rows, columns]
    return Gather(jnp.asarray(index), jnp.asarray(scale), w.shape)


def _scatter(w):
    rows, columns = np.nonzero(w)
    return Scatter(
        jnp.asarray(rows.astype(np.int32)),
        jnp.asarray(columns.astype(np.int32)),
        jnp.asarray(w[rows, columns]),
        w.shape,
    )


def _bcoo(w):
    rows, columns = np.nonzero(w)
    indices = np.stack([rows, columns], axis=1).astype(np.int32)
    return sparse.BCOO(
        (jnp.asarray(w[rows, columns]), jnp.asarray(indices)),
        shape=w.shape,
        indices_sorted=True,
        unique_indices=True,
    )


_CONVERT = {"gather": _gather, "scatter": _scatter, "bcoo": _bcoo, "dense": jnp.asarray}


def sparse_params(table):
    \"\"\"The forward's weights from the dense arrays of the weights file: each
    product's weight in the form FORMS names; the embeddings (read by lookup) as
    arrays.\"\"\"
    return {
        name: _CONVERT[FORMS.get(name, "dense")](np.asarray(w))
        for name, w in table.items()
    }
"""


def _load_params(dtype: str, sparse: bool) -> str:
    """``load_params``: the weights file read by its suffix; a float64 model's
    weights become float64 JAX arrays, the sparse module's take their forms."""
    x64 = dtype == la.FLOAT64
    if sparse:
        arrays = "sparse_params(table)"
    else:
        arrays = "{name: jnp.asarray(w) for name, w in table.items()}"
    convert = (
        f"with jax.enable_x64(True):\n        return {arrays}"
        if x64
        else f"return {arrays}"
    )
    return f'''

def load_params(path=None):
    """The weights{" (float64)" if x64 else ""}, from ``path`` or WEIGHTS_FILE beside this module
    (an .npz or a .safetensors){", each in the form its product runs in (FORMS)" if sparse else ""}."""
    table = _read_weights(path)
    {convert}
'''


_FORWARD_64 = '''

def forward(params, token_ids, trace=False):
    """Output scores (batch, positions, values); numerical: (batch, positions).

    The model computes in float64, so this runs in JAX's 64-bit mode whatever
    the caller's mode is (to jit it, call the jitted function inside
    ``with jax.enable_x64(True):``).
    """
    with jax.enable_x64(True):
        return _forward(params, token_ids, trace)
'''


GATHER_MAX_COLUMN_FILL = 0.01
"""The gather form takes a matrix whose fullest column holds at most this share
of its entries (or one non-zero): k gathers then do at most this share of a
dense product's multiplies (the module docstring gives the measurements)."""

SPARSE_MAX_DENSITY = 0.005
"""The largest share of non-zeros a weight may have to run as a scatter or a
BCOO product rather than dense (the module docstring gives the measurements)."""


@dataclass(frozen=True)
class WeightForm:
    """How the sparse module multiplies by one weight matrix, and the counts
    that chose it (``weight_form``)."""

    form: str
    """``gather``, ``scatter``, ``bcoo`` or ``dense`` (see the module docstring)."""
    nonzeros: int
    per_column: int
    """The most non-zeros in one column (the gathers the gather form does)."""
    per_row: int
    density: float

    def describe(self) -> str:
        """The form and its reason, as the emitted module's comments give it."""
        if self.form == "gather":
            return f"gather ({self.per_column} per column)"
        share = f"{100 * self.density:.2g} % non-zero"
        if self.form == "scatter":
            return f"scatter ({share}, one per row)"
        return f"{self.form} ({share}, up to {self.per_column} per column)"


def choose_form(
    rows: int,
    per_column: int,
    per_row: int,
    density: float,
    column_fill: float = GATHER_MAX_COLUMN_FILL,
    density_max: float = SPARSE_MAX_DENSITY,
) -> str:
    """The rule of the module docstring, on the counts of a matrix of ``rows``
    rows (the thresholds are parameters so that the benchmark can weigh other
    values)."""
    if per_column <= max(1, column_fill * rows):
        return "gather"
    if density > density_max:
        return "dense"
    return "scatter" if per_row <= 1 else "bcoo"


def weight_form(w: np.ndarray) -> WeightForm:
    """The form of ``x @ w`` in the sparse module (``choose_form``)."""
    nonzero = np.asarray(w) != 0
    per_column = int(nonzero.sum(axis=0).max(initial=0))
    per_row = int(nonzero.sum(axis=1).max(initial=0))
    density = float(nonzero.mean()) if nonzero.size else 0.0
    # A matrix without entries (a head whose values are nothing) has nothing
    # to gather from: its product is an empty matmul.
    if nonzero.size == 0:
        form = "dense"
    else:
        form = choose_form(w.shape[0], per_column, per_row, density)
    return WeightForm(form, int(nonzero.sum()), per_column, per_row, density)


SCORE_ULPS = 4
"""Ulps of the score scale that one term of one sub-layer's sums may move the
sparse module's scores by (``sparse_score_tolerance``)."""


def sparse_score_tolerance(
    dtype: str, terms: int, sublayers: int, scale: float = 1.0
) -> float:
    """How far the sparse module's scores may lie from the dense module's.

    The forms multiply exactly the products the dense matmul does, but add them
    in another order: a sum of n terms then moves by at most about n ulps of its
    magnitude, and each sub-layer adds such a change to those it was passed.
    So the bound is ``SCORE_ULPS`` · eps(dtype) · ``terms`` (the longest sum,
    the most rows of a weight) · (``sublayers`` + 1, the unembedding) ·
    ``scale`` (the scores' magnitude, at least 1)."""
    eps = float(np.finfo(la.STORAGE[dtype]).eps)
    return SCORE_ULPS * eps * terms * (sublayers + 1) * scale


def _form_comments(op, refs: dict[str, str], forms: dict[str, WeightForm]) -> list[str]:
    """One comment line per weight of a sub-layer: the form its product runs in."""
    return [
        f"    #   {role}: {forms[refs[role]].describe()}"
        for role in op.WEIGHTS
        if role in refs
    ]


def emit_source(
    model: la.ModelOp, weights_file: str = "model.npz", sparse: bool = False
) -> str:
    """The Python module of ``model``; its weights are read from ``weights_file``
    (a name beside the module) by ``load_params()``. ``sparse``: each weight
    product runs in the form ``weight_form`` picks from the weights' values
    (which must be bound: a ValueError says which is not)."""
    embed, unembed = model.embed, model.output
    assert isinstance(unembed, la.UnembedOp)
    x64 = model.float_dtype == la.FLOAT64
    forms: dict[str, WeightForm] = {}
    if sparse:
        table = la.weight_table(model)
        products = [s for op in model.sublayers for s in op.weight_refs().values()]
        products.append(unembed.table.root_reference.data)
        forms = {symbol: weight_form(table[symbol]) for symbol in products}
    lines = [
        f'"""A transformer compiled by raspir: {model.num_layers} '
        f"layer{'' if model.num_layers == 1 else 's'}, residual width "
        f"{len(model.residual)}.",
        "",
        *(["It computes in float64 (in JAX's 64-bit mode).", ""] if x64 else []),
        *(
            [
                "Its weight products run sparse: load_params() converts each weight of",
                "the weights file to the form FORMS names (gathers, a scatter, a BCOO",
                "product or a dense one).",
                "",
            ]
            if sparse
            else []
        ),
        "    params = load_params()                    # WEIGHTS_FILE, beside this file",
        '    ids = [encode(["BOS-token", ...])]        # a batch of token-id lists',
        "    decode(forward(params, ids), ids)         # [[BOS, y1, y2, ...]]",
        "",
        "forward(params, ids, trace=True) also returns the residual stream after",
        "every sub-layer, each sub-layer's output and the attention logits.",
        '"""',
        "",
        "import os",
        "",
        "import jax",
        "import jax.numpy as jnp",
        "import numpy as np",
        *(["from jax.experimental import sparse"] if sparse else []),
        "",
        *module_text.constants(model, weights_file),
        *(
            [
                "# the form of each weight product (the embeddings are lookups)",
                "FORMS = {",
                *(f'    "{symbol}": "{f.form}",' for symbol, f in forms.items()),
                "}",
            ]
            if sparse
            else []
        ),
    ]
    if sparse:
        lines += [
            (_SPARSE_MATMUL + _LAYERS).rstrip(),
            module_text.CODEC.rstrip(),
            _SPARSE_CONVERSION.rstrip(),
        ]
    else:
        lines += [_RUNTIME.rstrip(), module_text.CODEC.rstrip()]
    lines += [
        _load_params(model.float_dtype, sparse).rstrip(),
        *([_FORWARD_64.rstrip()] if x64 else []),
        "",
        "",
        f"def {'_forward' if x64 else 'forward'}(params, token_ids, trace=False):",
        '    """Output scores (batch, positions, values); numerical: (batch, positions)."""',
        "    token_ids = jnp.asarray(token_ids)",
        "    t = token_ids.shape[-1]",
        f'    x = params["{embed.token_table.root_reference.data}"][token_ids]',
        f'    x = x + params["{embed.position_table.root_reference.data}"][:t]',
        "    embeddings = x",
        "    keep = (token_ids != PAD_ID)[:, None, None, :]",
    ]
    if model.is_causal:
        lines.append("    keep = keep & jnp.tril(jnp.ones((t, t), bool))")
    lines.append("    residuals, layer_outputs, attn_logits = [], [], []")
    lines += module_text.sublayer_lines(
        model,
        "params",
        "    ",
        "jnp.zeros_like(x)",
        (lambda op, refs: _form_comments(op, refs, forms) if refs else [])
        if sparse
        else (lambda op, refs: []),
    )
    read = "[..., 0]" if unembed.is_numerical else ""
    table_symbol = unembed.table.root_reference.data
    if sparse:
        lines.append(f"    # unembed: {forms[table_symbol].describe()}")
    lines += [
        f'    result = _matmul(x, params["{table_symbol}"]){read}',
        *module_text.return_lines("    "),
    ]
    return "\n".join(lines)


def write_npz(
    target: str | Path | IO[bytes],
    table: Mapping[str, np.ndarray],
    dtype: str = la.FLOAT32,
) -> None:
    """An ``.npz`` of the arrays in ``dtype``, whose bytes depend only on the
    arrays (no timestamps), so the same model always gives the same file."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in table.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(
                buffer,
                np.ascontiguousarray(array, dtype=la.STORAGE[dtype]),
                allow_pickle=False,
            )
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` weights file, or a ValueError saying why not."""
    if not Path(path).is_file():
        raise ValueError(f"weights file '{path}' does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"'{path}' is not an .npz weights file")
    try:
        with np.load(path, allow_pickle=False) as table:
            return {name: table[name] for name in table.files}
    except (ValueError, OSError, zipfile.BadZipFile) as e:
        raise ValueError(f"cannot read weights from '{path}': {e}") from None


def _safetensors_numpy():
    """safetensors' numpy functions; a missing package says how to install it."""
    module_text.require("safetensors", "safetensors", "weights as .safetensors")
    import safetensors.numpy

    return safetensors.numpy


def write_safetensors(
    path: str | Path, table: Mapping[str, np.ndarray], dtype: str = la.FLOAT32
) -> None:
    """A ``.safetensors`` of the arrays in ``dtype`` keyed by symbol, without
    metadata: the format orders the arrays itself, so its bytes depend only on
    the arrays. An array with no entries (a head of key size 0) keeps its
    shape: early safetensors releases (0.3) refused such arrays, the ones
    ``raspir[safetensors]`` installs (0.4 on) keep them, as the tests check."""
    numpy_io = _safetensors_numpy()
    arrays = {
        name: np.ascontiguousarray(array, dtype=la.STORAGE[dtype])
        for name, array in table.items()
    }
    Path(path).write_bytes(numpy_io.save(arrays))


def read_weights(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a weights file, by its suffix: ``.npz`` or
    ``.safetensors``; anything else, or a file that cannot be read, is a
    ValueError saying why."""
    path = Path(path)
    if path.suffix == ".npz":
        return read_npz(path)
    if path.suffix != ".safetensors":
        raise ValueError(
            f"'{path}' is not a weights file: expected a name ending in .npz or "
            ".safetensors"
        )
    numpy_io = _safetensors_numpy()
    if not path.is_file():
        raise ValueError(f"weights file '{path}' does not exist")
    try:
        return numpy_io.load_file(path)
    except Exception as e:  # noqa: BLE001 - the file's bytes can be anything
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(
            f"'{path}' is not a .safetensors weights file: {first}"
        ) from None


@dataclass(frozen=True)
class JaxTarget(Target):
    """``-t jax``: print the model's Python module; write its weights to ``weights``
    (``raspir-opt -o model.py`` sets it to ``model.npz`` beside the module)."""

    name = "jax"

    weights: str = ""
    sparse: bool = False
    """Emit the sparse module (``-t 'jax{sparse=true}'``): the weights' values
    must be bound, since they choose each product's form."""

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        try:
            model = la.model_of(module)
        except ValueError as e:
            raise RaspirError(f"-t jax: {e}") from None
        name = Path(self.weights).name if self.weights else "model.npz"
        if self.weights:
            try:
                table = la.weight_table(model)
            except ValueError as e:
                raise RaspirError(
                    f"-t jax: {e}; read la IR with --weights FILE.npz to bind them"
                ) from None
            write_npz(self.weights, table, model.float_dtype)
        try:
            source = emit_source(model, name, sparse=self.sparse)
        except ValueError as e:
            raise RaspirError(
                f"-t jax{{sparse=true}}: {e}; the sparse forms are chosen from the "
                "values: read la IR with --weights FILE.npz to bind them"
            ) from None
        output.write(source)
