"""Learned, LOSSY compression of a compiled model's residual stream.

A compiled model is exact, and every coordinate of its residual stream is one
named direction (``-O2`` already shares coordinates where that loses nothing).
Many directions are never large together, so a narrower stream can carry the
same computation approximately. ``compress`` learns one matrix ``W`` (D × d, D
the model's residual width) by gradient descent with every compiled weight
frozen, and folds it into the weights, which gives an ordinary transformer of
width d that runs through the same emitted JAX code:

- the compressed residual is ``h = x·W``, decompressed as ``h·Wᵀ``;
- what writes the residual (token and position embeddings, attention output,
  MLP second layer) is multiplied by ``W`` on the right, what reads it (query,
  key, value, MLP first layer, unembedding) by ``Wᵀ`` on the left.

So with ``W·Wᵀ = I`` (d = D, W orthonormal) the folded model computes what the
original does. ``W`` starts at the principal directions of the exact model's
residuals (lossless wherever d reaches their rank) and is trained with Adam on
random inputs (tokens uniform over the vocab, lengths uniform over
1..max_seq_len, PAD after them) to minimise the mean squared error of the
output scores against the exact model's (non-BOS, non-PAD positions) plus
``layer_weight`` times a per-layer term (non-PAD positions):

- ``"reads"`` (the default): for every weight that reads the residual inside
  the layers (query, key, value, MLP first layer), the squared error of what
  the compressed model feeds it, ``h·(Wᵀ·w)``, against what the exact model
  feeds it, ``x·w``, relative to the latter's mean square, averaged over those
  weights: the intermediate activations each sub-layer computes from;
- ``"residual"``: the mean squared error of the decompressed residual ``h·Wᵀ``
  against the exact residual, after the embedding and after every sub-layer.

The exact model agrees with the evaluator, so its outputs are the targets and
no program is needed to train. Training keeps the checkpoint with the least
output error on a fixed batch (``CHECKPOINTS``).

The result may be wrong on some inputs, and says so wherever it is read: its
``info["lossy"]`` (method, widths, training settings, loss, measured accuracy),
its residual labels (``lossy:0`` ...: coordinates, not directions), and the
docstring and ``LOSSY`` constant of its module. Accuracy is measured against
the rasp program the model keeps (``ir["rasp"]``, run by the rasp interpreter:
the evaluator's semantics).
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from raspir.backend.jax_emit import emit_source
from raspir.backend.model import CompiledModel, jax_mode, load
from raspir.dialects import la
from raspir.dialects.values import Value, value_key
from raspir.errors import InvalidArgumentError

METHOD = "learned linear projection of the residual stream (frozen compiled weights)"
LABEL = "lossy"
"""The name of the compressed residual's coordinates: ``lossy:0`` ..."""

WRITES = frozenset({"token_table", "position_table", "output", "snd"})
"""Weight roles that write the residual (its width is their column count)."""
READS = frozenset({"query", "key", "value", "fst", "table"})
"""Weight roles that read the residual (its width is their row count)."""

STEPS = 4000
LEARNING_RATE = 0.003
BATCH_SIZE = 128
LAYER_WEIGHT = 0.1
LAYER_LOSS = "reads"
INIT = "pca"
"""The defaults: the best mean accuracy over every width of frac_prevs and
sort_unique, each compiled -O2 and -O0, in the grid that
``benchmarks/compression.py --search`` runs (steps 1000/4000, learning rate
0.003/0.01/0.03, layer weight 0.1/1, both layer terms, both starts; results in
benchmarks/results/compression.md)."""

EVAL_INPUTS = 4096
"""Accuracy is measured on every input when there are at most this many (every
input of a vocab of 5 up to max_seq_len 5: 3,905), else on this many seeded
random ones; the rasp interpreter runs about 3,500 inputs a second."""
LOSS_BATCH = 1024
"""Inputs of the fixed batch on which the loss is reported before and after."""
INITS = ("pca", "random")
"""How W starts: the principal directions of the exact model's residuals (so
it starts lossless wherever the width reaches their rank), or random."""
LAYER_LOSSES = {
    "residual": "the mean squared error of each decompressed residual",
    "reads": "the relative squared error of what each sub-layer reads "
    "(queries, keys, values, MLP inputs)",
}
CHECKPOINTS = 10
"""Training keeps the matrix with the least output error on the fixed batch
among its start and the end of every tenth of the steps: Adam keeps moving
near an optimum, and a lossless start must not be traded for a worse end."""


# -- folding a projection into the weights --------------------------------------


def weight_roles(model: la.ModelOp) -> dict[str, str]:
    """Each weight symbol: ``"write"`` (it writes the residual) or ``"read"``."""
    roles: dict[str, str] = {}
    for op in [model.embed, *model.sublayers, model.output]:
        for role, symbol in op.weight_refs().items():
            kind = "write" if role in WRITES else "read"
            assert role in WRITES | READS, role
            if roles.setdefault(symbol, kind) != kind:
                raise InvalidArgumentError(
                    f"weight @{symbol} both reads and writes the residual; "
                    "it cannot be compressed"
                )
    return roles


def fold_weights(weights, roles: dict[str, str], projection):
    """The weights of the compressed model: writes ``w·W``, reads ``Wᵀ·w``.
    Works on numpy and on JAX arrays alike (training folds inside the loss)."""
    return {
        symbol: w @ projection if roles[symbol] == "write" else projection.T @ w
        for symbol, w in weights.items()
    }


def _check_not_lossy(model: CompiledModel) -> None:
    if "lossy" in model.info:
        lossy = model.info["lossy"]
        raise InvalidArgumentError(
            f"the model is already a lossy compression (width {lossy.get('width')} "
            f"of {lossy.get('from_width')}); compress the exact model it came from"
        )


def fold(
    model: CompiledModel,
    projection: np.ndarray,
    *,
    lossy: dict[str, Any] | None = None,
) -> CompiledModel:
    """The width-d model of ``model`` with ``projection`` (D × d) folded into its
    weights, marked lossy (``lossy`` gives ``info["lossy"]``; by default it
    only names the method and the widths)."""
    _check_not_lossy(model)
    exact = model.la_model("compress it")
    width = len(exact.residual)
    projection = np.asarray(projection, dtype=np.float64)
    if projection.ndim != 2 or projection.shape[0] != width:
        raise InvalidArgumentError(
            f"the projection must have shape ({width}, d), got {projection.shape}"
        )
    d = projection.shape[1]
    if not 1 <= d <= width:
        raise InvalidArgumentError(
            f"the compressed width must be between 1 and {width}, got {d}"
        )
    tables = {
        symbol: op.value.array().astype(np.float64)
        for symbol, op in exact.weights.items()
    }
    folded = fold_weights(tables, weight_roles(exact), projection)
    for symbol, op in exact.weights.items():
        op.value = la.WeightAttr.from_array(
            folded[symbol], op.value.inline, exact.float_dtype
        )
    residual = exact.body.block.first_op
    assert isinstance(residual, la.ResidualOp)
    residual.directions = la.DirectionsAttr(tuple(((LABEL, (i,)),) for i in range(d)))
    module = exact.parent_op()
    module.verify()
    ir = {"rasp": model.ir["rasp"]} if "rasp" in model.ir else {}
    ir["la"] = _text(module)
    built = CompiledModel.from_la(exact, ir=ir, pipeline=model.info.get("pipeline", ()))
    info = dict(built.info)
    info["lossy"] = dict(
        lossy or {"method": "given projection", "width": d, "from_width": width}
    )
    return CompiledModel(
        source=_mark_lossy(built.source, d, width),
        weights=built.weights,
        info=info,
        ir=built.ir,
        params=built.params,
    )


def _text(module) -> str:
    """The IR text of ``module``, as ``raspir-opt`` prints it."""
    from xdsl.context import Context
    from xdsl.targets.mlir import MLIRTarget

    buffer = io.StringIO()
    MLIRTarget().emit(Context(), module, buffer)
    return buffer.getvalue()


def _mark_lossy(source: str, width: int, from_width: int) -> str:
    """The emitted module with a docstring paragraph and constants saying that
    it is a lossy compression."""
    end = source.index('"""', 3)
    note = (
        f"LOSSY: a learned compression of an exact raspir model of residual width\n"
        f"{from_width} to width {width} (a linear map folded into its weights). It "
        "is not exact\nand may be wrong on some inputs; its measured accuracy is "
        'under "lossy" in\nmodel.json. Its residual coordinates (lossy:0, ...) are '
        "not named directions.\n"
    )
    source = source[:end] + "\n" + note + source[end:]
    constants = (
        "LOSSY = True  # a learned compression, not exact: see model.json\n"
        f"FROM_WIDTH = {from_width}  # the residual width of the exact model"
    )
    source, count = re.subn(
        r"^RESIDUAL_LABELS = .*$",
        lambda m: m.group(0) + "\n" + constants,
        source,
        count=1,
        flags=re.MULTILINE,
    )
    assert count == 1, "the emitted module has no RESIDUAL_LABELS line"
    return source


# -- accuracy against the evaluator ---------------------------------------------


def _tokens(model: CompiledModel) -> list[Value]:
    """The vocabulary in token-id order (BOS and PAD left out)."""
    skip = {model.module["BOS_ID"], model.module["PAD_ID"]}
    return [t for i, t in enumerate(model.module["TOKENS"]) if i not in skip]


def evaluation_inputs(
    model: CompiledModel, count: int = EVAL_INPUTS, seed: int = 0
) -> tuple[list[list[Value]], str]:
    """Every input when there are at most ``count``, else ``count`` random ones
    (seeded, drawn independently of the training inputs), and a phrase saying
    which."""
    from raspir.verification import random_inputs

    vocab, n = _tokens(model), model.max_seq_len
    total = sum(len(vocab) ** length for length in range(1, n + 1))
    if total <= count:
        every = [
            list(xs)
            for length in range(1, n + 1)
            for xs in itertools.product(vocab, repeat=length)
        ]
        return every, f"every input (lengths 1..{n})"
    return (
        random_inputs(vocab, n, count, seed),
        f"{count} random inputs (seed {seed}; of {total} possible)",
    )


@functools.lru_cache(maxsize=8)
def _reference(
    rasp_text: str, inputs: tuple[tuple[Value, ...], ...]
) -> tuple[list[list[Value] | None], tuple[float, ...]]:
    """The rasp program's outputs on ``inputs`` (None where it rejects one) and,
    for a numerical output, its value set (empty for a categorical one)."""
    from raspir.dialects import rasp as rasp_ir
    from raspir.interpreters import rasp as rasp_interp
    from raspir.universe import parse_module

    program = rasp_interp.find_program(parse_module(rasp_text))
    outputs: list[list[Value] | None] = []
    for xs in inputs:
        try:
            outputs.append(rasp_interp.run_program(program, list(xs)))
        except rasp_interp.EvaluationError:
            outputs.append(None)
    owner = program.output.sop.owner
    assert isinstance(owner, rasp_ir.SOpOp)
    values: tuple[float, ...] = ()
    if owner.result.type.is_numerical:
        values = tuple(
            float(v) for v in owner.values.data if isinstance(v, int | float)
        )
    return outputs, values


def _right(actual: Value, expected: Value, values: Sequence[float]) -> bool:
    """A categorical output must equal the expected value; a numerical one must
    be nearer to it than to any other value of the output's value set."""
    if not values or not isinstance(expected, int | float):
        return value_key(actual) == value_key(expected)
    if not isinstance(actual, int | float) or not math.isfinite(actual):
        return False
    distance = abs(actual - expected)
    return all(
        distance < abs(actual - v) for v in values if not math.isclose(v, expected)
    )


def measure_accuracy(
    model: CompiledModel, inputs: int | Sequence[Sequence[Value]] = EVAL_INPUTS
) -> dict[str, Any]:
    """How often ``model`` agrees with the rasp program it keeps (``ir["rasp"]``,
    run by the rasp interpreter) on ``inputs`` (a list, or a count for
    ``evaluation_inputs``); inputs the program rejects are left out."""
    if "rasp" not in model.ir:
        raise InvalidArgumentError(
            "the model has no rasp IR (rasp.mlir): accuracy is measured against "
            "the program it was compiled from"
        )
    if isinstance(inputs, int):
        cases, how = evaluation_inputs(model, inputs)
    else:
        cases, how = [list(xs) for xs in inputs], f"{len(inputs)} given inputs"
    expected, values = _reference(model.ir["rasp"], tuple(map(tuple, cases)))
    accepted = [(xs, e) for xs, e in zip(cases, expected, strict=True) if e is not None]
    bos = model.module["BOS"]
    decoded = model.apply_batch([[bos, *xs] for xs, _ in accepted])
    right_positions = positions = right_sequences = 0
    for (_, e), out in zip(accepted, decoded, strict=True):
        marks = [_right(a, x, values) for a, x in zip(out[1:], e, strict=True)]
        positions += len(marks)
        right_positions += sum(marks)
        right_sequences += all(marks)
    rule = (
        "nearest value of the output's value set equal to the evaluator's"
        if values
        else "decoded value equal to the evaluator's"
    )
    return {
        "positions": right_positions / positions if positions else 1.0,
        "sequences": right_sequences / len(accepted) if accepted else 1.0,
        "inputs": len(accepted),
        "how": f"{how}, against the rasp interpreter on rasp.mlir; right = {rule}"
        + (
            f"; {len(cases) - len(accepted)} inputs the program rejects left out"
            if len(accepted) < len(cases)
            else ""
        ),
    }


# -- training -------------------------------------------------------------------


def read_groups(model: la.ModelOp) -> tuple[tuple[str, ...], ...]:
    """Per sub-layer, in order, the symbols of the weights that read its input."""
    return tuple(
        tuple(symbol for role, symbol in op.weight_refs().items() if role in READS)
        for op in model.sublayers
    )


@functools.lru_cache(maxsize=4)
def _trainer(
    source: str,
    roles: tuple[tuple[str, str], ...],
    reads: tuple[tuple[str, ...], ...],
    batch_size: int,
    layer_loss: str,
):
    """Jitted training and measuring for the model whose emitted module is
    ``source``, over many runs at once (``vmap``). Every run holds a D × D
    matrix whose columns past its width are masked to zero, which computes
    exactly what its D × width matrix would; so every width, seed and learning
    rate of one model shares one trace."""
    import jax
    import jax.numpy as jnp
    import optax

    namespace: dict[str, Any] = {"__name__": "raspir_compress"}
    exec(compile(source, "<raspir compressed model>", "exec"), namespace)
    forward = namespace["forward"]
    bos, pad, n = namespace["BOS_ID"], namespace["PAD_ID"], namespace["MAX_SEQ_LEN"]
    token_ids = jnp.asarray(
        [i for i in range(len(namespace["TOKENS"])) if i not in (bos, pad)]
    )
    kinds = dict(roles)
    adam = optax.scale_by_adam()

    def batch(key, size):
        """Random inputs padded as ``apply_batch`` pads them."""
        tokens_key, lengths_key = jax.random.split(key)
        tokens = jax.random.choice(tokens_key, token_ids, (size, n + 1))
        lengths = jax.random.randint(lengths_key, (size, 1), 1, n + 1)
        ids = jnp.where(jnp.arange(n + 1)[None, :] <= lengths, tokens, pad)
        return ids.at[:, 0].set(bos)

    def streams(params, ids):
        out, trace = forward(params, ids, trace=True)
        return out, [trace["input_embeddings"], *trace["residuals"]]

    def masked_mean(values, weights):
        return (values * weights).sum() / weights.sum()

    def terms(w, exact, ids):
        """Output error, layer error and per-residual cosine similarity."""
        out_e, stream_e = streams(exact, ids)
        folded = fold_weights(exact, kinds, w)
        out_c, stream_c = streams(folded, ids)
        real = (ids != pad).astype(out_e.dtype)
        error = (out_c - out_e) ** 2
        output = masked_mean(
            error.mean(-1) if error.ndim == 3 else error, real.at[:, 0].set(0)
        )
        cosines, errors = [], []
        for e, c in zip(stream_e, stream_c, strict=True):
            back = c @ w.T
            norms = jnp.linalg.norm(back, axis=-1) * jnp.linalg.norm(e, axis=-1)
            safe = jnp.where(norms > 0, norms, 1.0)
            cosines.append(
                masked_mean(jnp.where(norms > 0, (back * e).sum(-1) / safe, 1.0), real)
            )
            if layer_loss == "residual":
                errors.append(masked_mean(((back - e) ** 2).mean(-1), real))
        if layer_loss == "reads":
            tiny = jnp.finfo(out_e.dtype).tiny
            for e, c, symbols in zip(stream_e, stream_c, reads, strict=False):
                for symbol in symbols:
                    want, got = e @ exact[symbol], c @ folded[symbol]
                    scale = masked_mean((want**2).sum(-1), real)
                    miss = masked_mean(((got - want) ** 2).sum(-1), real)
                    errors.append(miss / jnp.maximum(scale, tiny))
        layers = jnp.stack(errors).mean() if errors else jnp.zeros((), out_e.dtype)
        return output, layers, jnp.stack(cosines)

    def train(w, state, mask, exact, keys, offset, total, learning_rate, layer_weight):
        """Adam, the learning rate cosine-decayed over ``total`` steps, one step
        per key (steps ``offset`` ... on; those past ``total`` change nothing)."""

        def loss(w, ids):
            output, layers, _ = terms(w * mask, exact, ids)
            return output + layer_weight * layers

        def step(carry, indexed):
            w, state = carry
            t, key = indexed
            grad = jax.grad(loss)(w, batch(key, batch_size))
            updates, state = adam.update(grad, state, w)
            decay = 0.5 * (1 + jnp.cos(jnp.pi * jnp.minimum(t, total) / total))
            rate = jnp.where(t < total, learning_rate * decay, 0.0)
            return (w - rate * updates, state), None

        t = offset + jnp.arange(len(keys))
        (w, state), _ = jax.lax.scan(step, (w, state), (t, keys))
        return w * mask, state

    def start(exact, ids, key, mask, pca):
        """The initial matrix: the exact residuals' principal directions
        (uncentred), or a random orthonormal basis; masked to the width."""
        _, stream = streams(exact, ids)
        real = (ids != pad)[..., None]
        rows = jnp.concatenate([jnp.where(real, r, 0.0) for r in stream], axis=1)
        rows = rows.reshape(-1, rows.shape[-1])
        principal = jnp.linalg.svd(rows, full_matrices=False)[2].T
        width = rows.shape[-1]
        gaussian = jax.random.normal(key, (width, width), rows.dtype)
        return jnp.where(pca, principal, jnp.linalg.qr(gaussian)[0]) * mask

    one = None
    return (
        batch,
        jax.jit(jax.vmap(terms, in_axes=(0, one, 0))),
        jax.jit(jax.vmap(train, in_axes=(0, 0, 0, one, 0, one, one, one, one))),
        jax.jit(jax.vmap(start, in_axes=(one, 0, 0, 0, one))),
        jax.jit(jax.vmap(adam.init)),
    )


def learn_projections(
    model: CompiledModel,
    runs: Sequence[tuple[int, int]],
    *,
    steps: int = STEPS,
    learning_rate: float = LEARNING_RATE,
    batch_size: int = BATCH_SIZE,
    layer_weight: float = LAYER_WEIGHT,
    layer_loss: str = LAYER_LOSS,
    init: str = INIT,
) -> list[tuple[np.ndarray, dict[str, Any]]]:
    """One learned projection (D × width) per run ``(width, seed)``, the runs
    trained side by side, each with the loss and per-residual cosine
    similarity on a fixed batch of its seed before and after training."""
    import jax
    import jax.numpy as jnp

    exact_la = model.la_model("compress it")
    batch, terms, train, start, adam_init = _trainer(
        emit_source(exact_la),  # dense, whatever the given model runs as
        tuple(sorted(weight_roles(exact_la).items())),
        read_groups(exact_la),
        batch_size,
        layer_loss,
    )
    full = len(model.residual_labels)
    widths = [width for width, _ in runs]
    chunk = -(-steps // CHECKPOINTS)
    with jax_mode(model.dtype):
        dtype = jnp.float64 if model.dtype == la.FLOAT64 else jnp.float32
        exact = {k: jnp.asarray(v, dtype) for k, v in model.weights.items()}
        keys = [jax.random.split(jax.random.PRNGKey(seed), 3) for _, seed in runs]
        fixed = jnp.stack([batch(k[1], LOSS_BATCH) for k in keys])
        step_keys = jnp.stack(
            [jax.random.split(k[2], chunk * CHECKPOINTS) for k in keys]
        )
        mask = (jnp.arange(full)[None, :] < jnp.asarray(widths)[:, None]).astype(dtype)
        w = start(exact, fixed, jnp.stack([k[0] for k in keys]), mask, init == "pca")
        before = terms(w, exact, fixed)
        best, least = w, before[0]
        kept = np.zeros(len(runs), dtype=int)
        state = adam_init(w)
        for c in range(CHECKPOINTS):
            w, state = train(
                w,
                state,
                mask,
                exact,
                step_keys[:, c * chunk : (c + 1) * chunk],
                c * chunk,
                steps,
                learning_rate,
                layer_weight,
            )
            output = terms(w, exact, fixed)[0]
            better = output < least
            best = jnp.where(better[:, None, None], w, best)
            least = jnp.where(better, output, least)
            kept[np.asarray(better)] = min((c + 1) * chunk, steps)
        after = terms(best, exact, fixed)
        learned = np.asarray(best, dtype=np.float64)
        before, after = ([np.asarray(t) for t in m] for m in (before, after))

    def report(measured, run) -> dict[str, float]:
        output, layers = float(measured[0][run]), float(measured[1][run])
        total = output + layer_weight * layers
        return {"total": total, "output": output, "layers": layers}

    how = (
        f"on {LOSS_BATCH} random inputs fixed by the seed: output mean squared "
        f"error + {layer_weight} x {LAYER_LOSSES[layer_loss]}"
    )
    return [
        (
            learned[run][:, :width],
            {
                "loss": {
                    "start": report(before, run),
                    "end": report(after, run),
                    "how": how,
                },
                "kept_step": int(kept[run]),
                "cosine": [float(c) for c in after[2][run]],
            },
        )
        for run, width in enumerate(widths)
    ]


def compress(
    model: CompiledModel,
    width: int,
    *,
    steps: int = STEPS,
    seed: int = 0,
    learning_rate: float = LEARNING_RATE,
    batch_size: int = BATCH_SIZE,
    layer_weight: float = LAYER_WEIGHT,
    layer_loss: str = LAYER_LOSS,
    init: str = INIT,
    eval_inputs: int | Sequence[Sequence[Value]] = EVAL_INPUTS,
) -> CompiledModel:
    """A LOSSY model of residual width ``width`` learned from ``model`` (see the
    module docstring); its ``info["lossy"]`` says how and how accurate it is."""
    _check_not_lossy(model)
    exact = model.la_model("compress it")
    full = len(exact.residual)
    if isinstance(width, bool) or not isinstance(width, int):
        raise InvalidArgumentError(f"width must be an integer, got {width!r}")
    if not 1 <= width < full:
        raise InvalidArgumentError(
            f"width must be between 1 and {full - 1} (the model's residual width "
            f"is {full}), got {width}"
        )
    for name, value in (("steps", steps), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(
                f"{name} must be a positive integer, got {value!r}"
            )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidArgumentError(f"seed must be a non-negative integer, got {seed!r}")
    if not learning_rate > 0 or not layer_weight >= 0:
        raise InvalidArgumentError(
            "learning_rate must be positive and layer_weight non-negative, got "
            f"{learning_rate!r} and {layer_weight!r}"
        )
    for name, value, known in (
        ("init", init, INITS),
        ("layer_loss", layer_loss, tuple(LAYER_LOSSES)),
    ):
        if value not in known:
            raise InvalidArgumentError(
                f"{name} must be one of {', '.join(known)}, got {value!r}"
            )
    if "rasp" not in model.ir:
        raise InvalidArgumentError(
            "the model has no rasp IR (rasp.mlir): compress measures accuracy "
            "against the program it was compiled from"
        )
    [(projection, trained)] = learn_projections(
        model,
        [(width, seed)],
        steps=steps,
        learning_rate=learning_rate,
        batch_size=batch_size,
        layer_weight=layer_weight,
        layer_loss=layer_loss,
        init=init,
    )
    lossy: dict[str, Any] = {
        "method": METHOD,
        "width": width,
        "from_width": full,
        "steps": steps,
        "seed": seed,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "layer_weight": layer_weight,
        "layer_loss": layer_loss,
        "init": init,
        **trained,
    }
    compressed = fold(model, projection, lossy=lossy)
    compressed.info["lossy"]["accuracy"] = measure_accuracy(compressed, eval_inputs)
    return compressed


def compress_directory(
    directory: str | Path,
    width: int,
    output: str | Path | None = None,
    **options: Any,
) -> CompiledModel:
    """Load the model saved in ``directory``, compress it to ``width`` and save
    the result in ``output`` (default: ``DIR-w{width}`` beside it)."""
    source = Path(directory).resolve()
    model = load(source)
    compressed = compress(model, width, **options)
    target = (
        Path(output)
        if output is not None
        else source.with_name(f"{source.name}-w{width}")
    )
    compressed.save(target)
    return compressed


__all__ = [
    "compress",
    "compress_directory",
    "evaluation_inputs",
    "fold",
    "measure_accuracy",
]
