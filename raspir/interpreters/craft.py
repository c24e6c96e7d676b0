"""Reference semantics of the ``craft`` dialect: the transformer, in numpy floats.

The input is prefixed with BOS. The residual stream has one column per named
direction, or per ``craft.share`` group of directions. Each layer adds the sum of its heads (softmax attention over all
positions, or the earlier ones in a causal model), then the sum of its MLPs.
The output is read at every non-BOS position: a categorical output is the value
of its largest direction if that exceeds 1/2, else ``None``; a numerical output
is its direction. Computing in the model's dtype (float32, or float64 for a
model compiled with ``dtype float64``) is the point: this is the arithmetic of
the real model, so the noise bounds of ``docs/constructions.md`` are what this
interpreter must stay within.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from raspir.dialects import craft
from raspir.dialects.values import Value, value_key
from raspir.errors import InvalidInputError

FLOATS = {"float32": np.float32, "float64": np.float64}
"""The numpy type of each dtype a model can compute in."""


@dataclass
class CraftRun:
    """A run of a model: every residual stream state and the decoded output."""

    directions: list[craft.Direction]
    residuals: list[np.ndarray]
    """After the embedding, then after every sub-layer: (positions, columns)."""
    stages: list[str]
    """What produced each residual state: "embed", "layer 0 attention", ..."""
    output: list[Value]
    columns: dict[tuple, int]
    """The column of each direction (by ``direction_key``); shared directions
    have the same column."""

    def column(self, direction: craft.Direction) -> int:
        return self.columns[craft.direction_key(direction)]


def residual_directions(model: craft.ModelOp) -> list[craft.Direction]:
    """Every direction the model uses, in order of first appearance."""
    seen: dict[tuple, craft.Direction] = {}

    def add(direction: craft.Direction) -> None:
        seen.setdefault(craft.direction_key(direction), direction)

    for op in model.body.block.ops:
        if isinstance(op, craft.EmbedOp | craft.UnembedOp):
            for _, vector in op.table.data:
                for direction, _ in vector:
                    add(direction)
        elif isinstance(op, craft.LayerOp):
            for block in op.body.block.ops:
                for prop in ("qk", "ov", "fst", "snd"):
                    matrix = block.properties.get(prop)
                    if isinstance(matrix, craft.MatrixAttr):
                        for direction in matrix.directions():
                            add(direction)
    return list(seen.values())


class _Columns:
    """A column per direction, except that the directions of a ``craft.share``
    group use one column (the model erases each before the next is written)."""

    def __init__(
        self,
        directions: list[craft.Direction],
        shares: Sequence[Sequence[craft.Direction]] = (),
        dtype: type = np.float32,
    ):
        self.dtype = dtype
        group = {
            craft.direction_key(d): craft.direction_key(g[0]) for g in shares for d in g
        }
        self.index: dict[tuple, int] = {}
        columns: dict[tuple, int] = {}
        for d in directions:
            key = craft.direction_key(d)
            self.index[key] = columns.setdefault(group.get(key, key), len(columns))
        self.width = len(columns)

    def of(self, direction: craft.Direction) -> int:
        return self.index[craft.direction_key(direction)]

    def square(self, matrix: craft.MatrixAttr) -> np.ndarray:
        out = np.zeros((self.width, self.width), dtype=self.dtype)
        for row, col, weight in matrix.data:
            assert not isinstance(row, int) and not isinstance(col, int)
            out[self.of(row), self.of(col)] += weight
        return out

    def mlp(self, op: craft.MLPOp) -> tuple[np.ndarray, np.ndarray]:
        fst = np.zeros((self.width, op.hidden.data), dtype=self.dtype)
        snd = np.zeros((op.hidden.data, self.width), dtype=self.dtype)
        for row, col, weight in op.fst.data:
            assert isinstance(col, int) and not isinstance(row, int)
            fst[self.of(row), col] += weight
        for row, col, weight in op.snd.data:
            assert isinstance(row, int) and not isinstance(col, int)
            snd[row, self.of(col)] += weight
        return fst, snd

    def vector(self, entries) -> np.ndarray:
        out = np.zeros(self.width, dtype=self.dtype)
        for direction, weight in entries:
            out[self.of(direction)] += weight
        return out


def _rows(table: craft.TableAttr) -> dict[tuple, tuple]:
    return {value_key(key): vector for key, vector in table.data}


class CraftMachine:
    """A model's weights as dense arrays in its dtype, built once and run many times."""

    def __init__(self, model: craft.ModelOp):
        self.model = model
        self.dtype = FLOATS[model.float_dtype]
        self.directions = residual_directions(model)
        self.columns = _Columns(self.directions, model.shares, self.dtype)
        embed = model.embeddings
        self.tokens = {
            key: self.columns.vector(vector)
            for key, vector in _rows(embed["tokens"].table).items()
        }
        self.positions = {
            key: self.columns.vector(vector)
            for key, vector in _rows(embed["positions"].table).items()
        }
        self.layers = [
            (
                layer.index.data,
                [
                    (self.columns.square(h.qk), self.columns.square(h.ov))
                    for h in layer.heads
                ],
                [self.columns.mlp(m) for m in layer.mlps],
            )
            for layer in model.layers
        ]

    def run(self, xs: Sequence[Value]) -> CraftRun:
        """Run on ``xs`` (without BOS) and record every residual state."""
        model, n = self.model, len(xs)
        if n > model.max_seq_len.data:
            raise InvalidInputError(
                f"input has {n} tokens, more than max_seq_len {model.max_seq_len.data}"
            )
        residual = np.zeros((n + 1, self.columns.width), dtype=self.dtype)
        for position, token in enumerate([model.bos.data, *xs]):
            row = self.tokens.get(value_key(token))
            if row is None:
                raise InvalidInputError(
                    f"token {token!r} at position {position - 1} is not in the vocab"
                )
            residual[position] += row + self.positions[value_key(position)]
        states, stages = [residual.copy()], ["embed"]
        causal = (
            np.tril(np.ones((n + 1, n + 1), dtype=bool)) if model.is_causal else None
        )
        for index, heads, mlps in self.layers:
            update = np.zeros_like(residual)
            for qk, ov in heads:
                scores = residual @ qk @ residual.T
                if causal is not None:
                    scores = np.where(causal, scores, self.dtype(-np.inf))
                weights = np.exp(scores - scores.max(axis=1, keepdims=True))
                weights /= weights.sum(axis=1, keepdims=True)
                update += weights @ (residual @ ov)
            residual = residual + update
            states.append(residual.copy())
            stages.append(f"layer {index} attention")
            update = np.zeros_like(residual)
            for fst, snd in mlps:
                update += np.maximum(residual @ fst, 0) @ snd
            residual = residual + update
            states.append(residual.copy())
            stages.append(f"layer {index} mlp")
        output = decode(model, self.columns, residual)
        return CraftRun(self.directions, states, stages, output, self.columns.index)


def run_model(model: craft.ModelOp, xs: Sequence[Value]) -> CraftRun:
    """Run ``model`` once on ``xs``; use ``CraftMachine`` to run it many times."""
    return CraftMachine(model).run(xs)


def decode(
    model: craft.ModelOp, columns: _Columns, residual: np.ndarray
) -> list[Value]:
    unembed = model.output
    assert isinstance(unembed, craft.UnembedOp)
    rows = [(value, vector[0][0]) for value, vector in unembed.table.data]
    out: list[Value] = []
    for position in range(1, residual.shape[0]):
        if unembed.encoding.data == "numerical":
            out.append(float(residual[position, columns.of(rows[0][1])]))
            continue
        best, score = None, 0.5
        for value, direction in rows:
            if residual[position, columns.of(direction)] > score:
                best, score = value, residual[position, columns.of(direction)]
        out.append(best)
    return out
