"""Reference semantics of the ``la`` dialect: the dense transformer in numpy, in
the model's dtype (its weights' dtype: float32, or float64).

The input is prefixed with BOS and may end in PAD tokens; PAD positions are
never attended to (and decode as PAD), so a padded input computes at its other
positions exactly what the unpadded input computes. This is what the emitted
JAX model must agree with, step by step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from raspir.dialects import la
from raspir.dialects.values import Value, format_value, value_key
from raspir.errors import InvalidInputError


@dataclass
class LaRun:
    """A run: the residual after the embedding and after every sub-layer."""

    residuals: list[np.ndarray]
    """(positions, width) arrays: embedding, then attention and MLP of each layer."""
    output: list[Value]
    """The decoded output at every position after BOS."""


def encode(model: la.ModelOp, tokens: Sequence[Value]) -> np.ndarray:
    """Token ids of ``[BOS, *tokens]``; PAD may only end the input."""
    n = model.max_seq_len.data
    if len(tokens) > n:
        raise InvalidInputError(
            f"input has {len(tokens)} tokens, more than max_seq_len {n}"
        )
    ids = {value_key(t): i for i, t in enumerate(model.embed.tokens.data)}
    bos, pad = value_key(model.bos.data), value_key(model.pad.data)
    out = [ids[bos]]
    for position, token in enumerate(tokens):
        key = value_key(token)
        if key not in ids or key == bos:
            raise InvalidInputError(
                f"token {format_value(token)} at position {position} is not in the vocab"
            )
        if key != pad and out[-1] == ids[pad]:
            raise InvalidInputError(
                f"token {format_value(token)} at position {position} follows PAD; "
                "PAD may only end an input"
            )
        out.append(ids[key])
    return np.array(out, dtype=np.int32)


def run_model(model: la.ModelOp, tokens: Sequence[Value]) -> LaRun:
    """Run the model on ``tokens`` (without BOS)."""
    ids = encode(model, tokens)
    t = len(ids)
    pad_id = [value_key(v) for v in model.embed.tokens.data].index(
        value_key(model.pad.data)
    )
    x = model.array(model.embed.token_table.root_reference.data)[ids]
    x = x + model.array(model.embed.position_table.root_reference.data)[:t]
    keep = np.broadcast_to(ids != pad_id, (t, t))
    if model.is_causal:
        keep = keep & np.tril(np.ones((t, t), dtype=bool))
    residuals = [x]
    for op in model.sublayers:
        refs = {role: model.array(s) for role, s in op.weight_refs().items()}
        if isinstance(op, la.AttentionOp) and refs:
            x = x + _attention(x, keep, refs, op)
        elif isinstance(op, la.MLPOp) and refs:
            x = x + np.maximum(x @ refs["fst"], 0) @ refs["snd"]
        residuals.append(x)
    return LaRun(residuals, decode(model, x, ids != pad_id))


def _attention(x, keep, refs, op: la.AttentionOp) -> np.ndarray:
    t = x.shape[0]
    heads, ks, vs = len(op.heads.data), op.key_size.data, op.value_size.data
    q = (x @ refs["query"]).reshape(t, heads, ks)
    k = (x @ refs["key"]).reshape(t, heads, ks)
    v = (x @ refs["value"]).reshape(t, heads, vs)
    scores = np.einsum("qhk,shk->hqs", q, k)
    scores = np.where(keep, scores, scores.dtype.type(-np.inf))
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    mixed = np.einsum("hqs,shv->qhv", weights, v).reshape(t, heads * vs)
    return mixed @ refs["output"]


def decode(model: la.ModelOp, x: np.ndarray, real: np.ndarray) -> list[Value]:
    """The output at each position after BOS (PAD positions decode as PAD)."""
    unembed = model.output
    assert isinstance(unembed, la.UnembedOp)
    scores = x @ model.array(unembed.table.root_reference.data)
    values = unembed.values.data
    out: list[Value] = []
    for position in range(1, x.shape[0]):
        row = scores[position]
        if not real[position]:
            out.append(model.pad.data)
        elif unembed.is_numerical:
            out.append(float(row[0]))
        elif not values:
            out.append(None)
        else:
            best = int(np.argmax(row))
            out.append(values[best] if row[best] > 0.5 else None)
    return out
