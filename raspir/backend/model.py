"""The compiled model: Tracr's model API over the emitted JAX module.

A ``CompiledModel`` is built from an ``la.model`` (``compiler`` runs the
pipeline there): it emits the model's Python module (``jax_emit``) and
executes that very source in-process under ``jax.jit``. It gives what a Tracr user reads (``apply`` and its
``decoded``, ``residual_labels``, ``model_config``, ``params``, the encoders)
plus batches, sizes, the IR it came from and ``save``/``load``.

Inputs are padded with PAD to the model's full length before they run: PAD keys
are masked, so this changes nothing at the real positions and every call of a
model shares one compiled XLA program per batch size.

A float64 model runs (and holds its weights on the device) inside
``jax.enable_x64``, entered around each call only, so the process's JAX mode
and the float32 models beside it are unaffected.

A model executes ``dense`` (every weight product a dense matmul) or ``sparse``
(``info["execution"]``): a sparse model's module converts each dense weight to
the form its product runs in (``jax_emit.weight_form``: gathers, a scatter, a
BCOO product or dense) and gives the same outputs and trace.

Exports (docs/export.md) follow the same rule: ``to_torch`` and
``to_transformer_lens`` execute the torch and TransformerLens modules that
``export`` writes (``torch_emit``, ``transformer_lens_emit``), and ``save`` can
write the weights as ``.safetensors``; torch, TransformerLens and safetensors
are imported only by the methods that need them.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from raspir.backend import module_text
from raspir.backend.jax_emit import (
    emit_source,
    read_weights,
    write_npz,
    write_safetensors,
)
from raspir.dialects import la
from raspir.dialects.values import Value
from raspir.errors import (
    InvalidArgumentError,
    InvalidInputError,
    RaspirError,
)

FILES = {
    "module": "model.py",
    "weights": "model.npz",
    "info": "model.json",
    "rasp": "rasp.mlir",
    "sa": "sa.mlir",
    "la": "la.mlir",
}
"""What ``save`` writes (the IR files when the model knows its IR)."""

WEIGHTS_FORMATS = {"npz": "model.npz", "safetensors": "model.safetensors"}
"""The weights file ``save`` writes for each ``format`` (``FILES["weights"]``
for npz); ``model.py`` names it, and ``load`` reads the one it names."""

EXPORTS = {
    "torch": "model_torch.py",
    "transformer_lens": "model_transformer_lens.py",
}
"""The module ``export`` writes for each format beyond the saved ones (beside
``model.safetensors`` and ``model.json``)."""

EXECUTIONS = {False: "dense", True: "sparse"}
"""``info["execution"]`` by whether the weight products run sparse."""


@dataclass(frozen=True)
class ModelConfig:
    """Tracr's ``TransformerConfig`` fields: the largest layer's sizes."""

    num_heads: int
    num_layers: int
    key_size: int
    mlp_hidden_size: int
    dropout_rate: float = 0.0
    activation_function: str = "relu"
    layer_norm: bool = False
    causal: bool = False


class CategoricalEncoder:
    """Values ↔ ids in a fixed order (Tracr's ``CategoricalEncoder``)."""

    def __init__(
        self,
        values: Sequence[Value],
        *,
        bos_token: Value = None,
        pad_token: Value = None,
        max_seq_len: int | None = None,
        encode: Callable[[Sequence[Value]], list[int]] | None = None,
    ):
        self.values = list(values)
        self.bos_token, self.pad_token, self.max_seq_len = (
            bos_token,
            pad_token,
            max_seq_len,
        )
        self._encode = encode

    @property
    def encoding_map(self) -> dict[Value, int]:
        return {v: i for i, v in enumerate(self.values)}

    @property
    def decoding_map(self) -> dict[int, Value]:
        return dict(enumerate(self.values))

    def encode(self, tokens: Sequence[Value]) -> list[int]:
        if self._encode is not None:
            return self._encode(tokens)
        lookup = self.encoding_map
        return [lookup[t] for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[Value]:
        return [self.values[int(i)] for i in ids]


class NumericalEncoder:
    """A numerical output needs no encoding (Tracr's ``NumericalEncoder``)."""

    def encode(self, values: Sequence[float]) -> list[float]:
        return list(values)

    def decode(self, values: Iterable[float]) -> list[float]:
        return [float(v) for v in values]


@dataclass
class ModelOutput:
    """One ``apply``: Tracr's ``AssembledTransformerModelOutput`` fields (batch 1)."""

    decoded: list[Value]
    unembedded: np.ndarray
    layer_outputs: list[np.ndarray]
    residuals: list[np.ndarray]
    attn_logits: list[np.ndarray]
    transformer_output: np.ndarray
    input_embeddings: np.ndarray


@dataclass
class Sizes:
    """How big the model is, counted as Tracr counts (embeddings and zero biases
    included, the unembedding not)."""

    layers: int
    heads: int
    max_heads: int
    key_size: int
    residual_width: int
    mlp_hidden: int
    max_mlp_hidden: int
    params: int
    nonzeros: int


def sizes_of(model: la.ModelOp, params: dict[str, dict[str, np.ndarray]]) -> Sizes:
    """The sizes of an la model whose Tracr-named ``params`` are given."""
    attention = [op for op in model.sublayers if isinstance(op, la.AttentionOp)]
    mlps = [op for op in model.sublayers if isinstance(op, la.MLPOp)]
    heads = [sum(1 for h in op.head_labels if h) for op in attention]
    hidden = [sum(w for label, w in op.blocks if label) for op in mlps]
    arrays = [a for group in params.values() for a in group.values()]
    return Sizes(
        layers=model.num_layers,
        heads=sum(heads),
        max_heads=max(heads, default=0),
        key_size=max((op.key_size.data for op in attention), default=0),
        residual_width=len(model.residual),
        mlp_hidden=sum(hidden),
        max_mlp_hidden=max(hidden, default=0),
        params=sum(a.size for a in arrays),
        nonzeros=sum(int(np.count_nonzero(a)) for a in arrays),
    )


def tracr_params(model: la.ModelOp) -> dict[str, dict[str, np.ndarray]]:
    """Weights under Tracr's Haiku names, with Tracr's (all-zero) biases; an
    empty sub-layer has zero-width weights, so every layer has every name.
    Every array is in the model's dtype."""
    width = len(model.residual)
    weights = la.weight_table(model)
    dtype = la.STORAGE[model.float_dtype].type
    params: dict[str, dict[str, np.ndarray]] = {
        "token_embed": {
            "embeddings": weights[model.embed.token_table.root_reference.data]
        },
        "pos_embed": {
            "embeddings": weights[model.embed.position_table.root_reference.data]
        },
    }
    for op in model.sublayers:
        refs = op.weight_refs()
        base = f"transformer/layer_{op.layer.data}"
        if isinstance(op, la.AttentionOp):
            heads = len(op.head_labels)
            qk, ov = heads * op.key_size.data, heads * op.value_size.data
            parts = [
                ("attn/query", "query", (width, qk)),
                ("attn/key", "key", (width, qk)),
                ("attn/value", "value", (width, ov)),
                ("attn/linear", "output", (ov, width)),
            ]
        else:
            parts = [
                ("mlp/linear_1", "fst", (width, op.hidden)),
                ("mlp/linear_2", "snd", (op.hidden, width)),
            ]
        for name, role, shape in parts:
            w = weights[refs[role]] if role in refs else np.zeros(shape, dtype)
            params[f"{base}/{name}"] = {"w": w, "b": np.zeros(w.shape[1], dtype)}
    return params


def _info(
    model: la.ModelOp, sizes: Sizes, pipeline: Sequence[str], execution: str
) -> dict[str, Any]:
    from raspir import __version__

    unembed = model.output
    assert isinstance(unembed, la.UnembedOp)

    def plain(v: Value) -> Any:
        return [plain(x) for x in v] if isinstance(v, tuple) else v

    return {
        "format": "raspir-model 1",
        "raspir": __version__,
        "vocab": [plain(v) for v in model.vocab.data],
        "bos": plain(model.bos.data),
        "pad": plain(model.pad.data),
        "max_seq_len": model.max_seq_len.data,
        "causal": model.is_causal,
        "dtype": model.float_dtype,
        "execution": execution,
        "output": {
            "encoding": unembed.encoding.data,
            "values": [plain(v) for v in unembed.values.data],
        },
        "residual_labels": [la.residual_label(d) for d in model.residual],
        "sizes": sizes.__dict__,
        "pipeline": list(pipeline),
    }


def make_directory(path: str | Path, purpose: str) -> Path:
    """``path`` as a directory, created if needed; a file in the way or a
    directory that cannot be made is an ``InvalidArgumentError``."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InvalidArgumentError(
            f"cannot {purpose} '{out}': it exists and is not a directory"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InvalidArgumentError(f"cannot {purpose} '{out}': {e.strerror}") from None
    return out


def _next_power_of_two(n: int) -> int:
    return 1 << max(0, n - 1).bit_length()


def jax_mode(dtype: str) -> contextlib.AbstractContextManager:
    """Where a model of ``dtype`` runs: JAX's 64-bit mode for float64, for the
    duration of the block only; nothing to do for float32."""
    if dtype != la.FLOAT64:
        return contextlib.nullcontext()
    import jax

    return jax.enable_x64(True)


@dataclass
class CompiledModel:
    """A compiled RASP program: the JAX module, its weights and its description."""

    source: str
    """The emitted Python module (what ``save`` writes as ``model.py``)."""
    weights: dict[str, np.ndarray]
    """Weights by la symbol (what ``save`` writes as ``model.npz``)."""
    info: dict[str, Any]
    """Settings, labels and sizes (what ``save`` writes as ``model.json``)."""
    ir: dict[str, str] = field(default_factory=dict)
    """IR text by level when known: ``rasp`` (the program as imported), ``sa``
    (as scheduled: what the craft blocks were built from) and ``la``."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per compile stage (not saved: it differs from run to run)."""
    stage_stats: list[tuple[str, dict]] = field(default_factory=list)
    """Sizes after every compile stage, when asked for (``stats=True``)."""
    params: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import jax
        import jax.numpy as jnp

        namespace: dict[str, Any] = {"__name__": "raspir_compiled_model"}
        exec(compile(self.source, "<raspir compiled model>", "exec"), namespace)
        self.module = namespace
        self.dtype: str = self.info.get("dtype", la.FLOAT32)
        """The arithmetic the model runs in: ``float32`` or ``float64``."""
        if self.dtype not in la.DTYPES:
            raise InvalidArgumentError(
                f"unknown model dtype '{self.dtype}' (expected float32 or float64)"
            )
        self._forward = jax.jit(namespace["forward"], static_argnames=("trace",))
        # A sparse module converts the dense weights to its products' forms.
        convert = namespace.get("sparse_params")
        self.execution: str = EXECUTIONS[convert is not None]
        """How the weight products run: ``dense`` or ``sparse``."""
        recorded = self.info.get("execution", "dense")
        if recorded != self.execution:
            raise InvalidArgumentError(
                f"the model description says execution '{recorded}' but its "
                f"module runs {self.execution}"
            )
        if "execution" not in self.info:  # saved before execution was recorded
            self.info = {**self.info, "execution": self.execution}
        with jax_mode(self.dtype):
            if convert is not None:
                self._device_params = convert(self.weights)
            else:
                self._device_params = {
                    k: jnp.asarray(v) for k, v in self.weights.items()
                }
        sizes = self.info["sizes"]
        self.sizes = Sizes(**sizes)
        self.residual_labels: list[str] = list(self.info["residual_labels"])
        self.input_encoder = CategoricalEncoder(
            namespace["TOKENS"],
            bos_token=namespace["BOS"],
            pad_token=namespace["PAD"],
            max_seq_len=namespace["MAX_SEQ_LEN"] + 1,
            encode=namespace["encode"],
        )
        self.output_encoder: CategoricalEncoder | NumericalEncoder = (
            NumericalEncoder()
            if namespace["OUTPUT_ENCODING"] == "numerical"
            else CategoricalEncoder(namespace["OUTPUT_VALUES"])
        )

    @classmethod
    def from_la(
        cls,
        model: la.ModelOp,
        *,
        ir: dict[str, str] | None = None,
        pipeline: Sequence[str] = (),
        sparse: bool = False,
    ) -> CompiledModel:
        """The model of ``model``; ``sparse``: its weight products run sparse."""
        params = tracr_params(model)
        return cls(
            source=emit_source(model, FILES["weights"], sparse=sparse),
            weights=la.weight_table(model),
            info=_info(model, sizes_of(model, params), pipeline, EXECUTIONS[sparse]),
            ir=dict(ir or {}),
            params=params,
        )

    def la_model(self, purpose: str = "describe its layers") -> la.ModelOp:
        """The model's la IR with its weights bound (a fresh copy each call);
        ``purpose`` says in the error what needed it."""
        if "la" not in self.ir:
            raise InvalidArgumentError(
                f"this model has no la IR to {purpose} (it was loaded without "
                f"{FILES['la']})"
            )
        from raspir.universe import parse_module

        module = parse_module(self.ir["la"], FILES["la"])
        try:
            la.bind_weights(module, self.weights)
        except ValueError as e:
            raise InvalidArgumentError(
                f"the model's weights do not match its la IR: {e}"
            ) from None
        return la.model_of(module)

    def with_sparse_weights(self) -> CompiledModel:
        """This model with its weight products running sparse: the same weights,
        outputs and trace, another module (a sparse model returns itself).
        It is emitted from the model's la IR, which a model loaded from a
        directory without ``la.mlir`` lacks."""
        if self.execution == "sparse":
            return self
        model = self.la_model("emit its sparse module from")
        return CompiledModel(
            source=emit_source(model, FILES["weights"], sparse=True),
            weights=self.weights,
            info={**self.info, "execution": "sparse"},
            ir=dict(self.ir),
            timings=dict(self.timings),
            stage_stats=list(self.stage_stats),
            params=self.params,
        )

    # -- Tracr's API ---------------------------------------------------------

    @property
    def model_config(self) -> ModelConfig:
        s = self.sizes
        return ModelConfig(
            num_heads=s.max_heads,
            num_layers=s.layers,
            key_size=s.key_size,
            mlp_hidden_size=s.max_mlp_hidden,
            causal=self.info["causal"],
        )

    @property
    def max_seq_len(self) -> int:
        return self.module["MAX_SEQ_LEN"]

    def _padded(self, ids: list[int]) -> list[int]:
        return ids + [self.module["PAD_ID"]] * (self.max_seq_len + 1 - len(ids))

    def forward(self, token_ids, trace: bool = False):
        """The jitted forward pass on a batch of token ids (batch, positions):
        output scores, and with ``trace`` the residuals and attention logits."""
        with jax_mode(self.dtype):
            return self._forward(self._device_params, token_ids, trace=trace)

    def encode(self, tokens: Sequence[Value]) -> list[int]:
        """Token ids of ``[BOS, x1, ...]``; a bad input is an InvalidInputError."""
        try:
            return self.module["encode"](tokens)
        except ValueError as e:
            raise InvalidInputError(str(e)) from None

    def apply(self, tokens: Sequence[Value]) -> ModelOutput:
        """Run one input ``[BOS, x1, ...]``; ``.decoded`` is ``[BOS, y1, ...]``."""
        ids = self.encode(tokens)
        n = len(ids)
        padded = [self._padded(ids)]
        result, trace = self.forward(np.array(padded), trace=True)
        decoded = self.module["decode"](result, padded)[0][:n]

        def cut(a) -> np.ndarray:
            return np.asarray(a)[:, :n]

        return ModelOutput(
            decoded=decoded,
            unembedded=cut(result),
            layer_outputs=[cut(a) for a in trace["layer_outputs"]],
            residuals=[cut(a) for a in trace["residuals"]],
            attn_logits=[np.asarray(a)[:, :, :n, :n] for a in trace["attn_logits"]],
            transformer_output=cut(trace["transformer_output"]),
            input_embeddings=cut(trace["input_embeddings"]),
        )

    def apply_batch(self, inputs: Iterable[Sequence[Value]]) -> list[list[Value]]:
        """Decoded outputs of many inputs (each ``[BOS, x1, ...]``), in one run."""
        if isinstance(inputs, str | bytes | dict) or not hasattr(inputs, "__iter__"):
            raise InvalidInputError(
                "apply_batch takes a list of inputs, each a list of tokens such as "
                f"[{self.module['BOS']!r}, ...], got {type(inputs).__name__}"
            )
        encoded = []
        for index, tokens in enumerate(inputs):
            try:
                encoded.append(self.encode(tokens))
            except InvalidInputError as e:
                raise InvalidInputError(f"input {index}: {e}") from None
        if not encoded:
            return []
        rows = [self._padded(ids) for ids in encoded]
        filler = self._padded([self.module["BOS_ID"]])
        rows += [filler] * (_next_power_of_two(len(rows)) - len(rows))
        batch = np.array(rows)
        result = self.forward(batch)
        decoded = self.module["decode"](result, batch)
        return [decoded[i][: len(ids)] for i, ids in enumerate(encoded)]

    # -- files ---------------------------------------------------------------

    def save(self, directory: str | Path, format: str = "npz") -> Path:
        """Write the model's files (``FILES``) into ``directory``; the bytes depend
        only on the model, so the same compile gives the same files. ``format``
        picks the weights file (``WEIGHTS_FORMATS``): ``model.npz``, or
        ``model.safetensors`` (needs ``raspir[safetensors]``); ``model.py``
        names the one written."""
        if format not in WEIGHTS_FORMATS:
            raise InvalidArgumentError(
                f"unknown weights format '{format}' (expected "
                f"{' or '.join(WEIGHTS_FORMATS)})"
            )
        weights_file = WEIGHTS_FORMATS[format]
        source = _source_naming(self.source, weights_file)
        if format == "safetensors":
            module_text.require("safetensors", "safetensors", "saving .safetensors")
        out = make_directory(directory, "save the model to")
        (out / FILES["module"]).write_text(source)
        if format == "safetensors":
            write_safetensors(out / weights_file, self.weights, self.dtype)
        else:
            write_npz(out / weights_file, self.weights, self.dtype)
        (out / FILES["info"]).write_text(json.dumps(self.info, indent=2) + "\n")
        for level, text in self.ir.items():
            (out / FILES[level]).write_text(text)
        return out

    # -- exports -------------------------------------------------------------

    def to_torch(self):
        """This model as a ``torch.nn.Module``: the ``Transformer`` of the
        module ``export(..., "torch")`` writes, run here from its source with
        these weights (needs ``raspir[torch]`` and the la IR)."""
        namespace = _run_module(self._export_source("torch"), "torch")
        return namespace["Transformer"](self.weights)

    def to_transformer_lens(self):
        """``(hooked, encode_tokens, decode_logits)``: a TransformerLens
        ``HookedTransformer`` of this model and its codec, from the module
        ``export(..., "transformer_lens")`` writes, run here from its source
        with these weights (needs ``raspir[torch]`` and the la IR)."""
        namespace = _run_module(
            self._export_source("transformer_lens"), "transformer_lens"
        )
        return namespace["build"](self.weights)

    def export(self, directory: str | Path, format: str) -> Path:
        """Write the model for use elsewhere into ``directory``: ``npz`` and
        ``safetensors`` as ``save`` does; ``torch`` and ``transformer_lens``
        as a standalone module (``EXPORTS``) beside ``model.safetensors`` and
        ``model.json``."""
        if format in WEIGHTS_FORMATS:
            return self.save(directory, format)
        if format not in EXPORTS:
            raise InvalidArgumentError(
                f"unknown export format '{format}' (expected "
                f"{', '.join([*WEIGHTS_FORMATS, *EXPORTS])})"
            )
        source = self._export_source(format)
        module_text.require("safetensors", "safetensors", f"exporting to {format}")
        out = make_directory(directory, "export the model to")
        (out / EXPORTS[format]).write_text(source)
        write_safetensors(
            out / WEIGHTS_FORMATS["safetensors"], self.weights, self.dtype
        )
        (out / FILES["info"]).write_text(json.dumps(self.info, indent=2) + "\n")
        return out

    def _export_source(self, format: str) -> str:
        """The module of export ``format``, emitted from the la IR (which has
        each layer's heads and sizes), once the packages it imports are here."""
        from raspir.backend import torch_emit, transformer_lens_emit

        purpose = f"exporting the model to {format}"
        model = self.la_model(f"export it to {format}")
        if format == "torch":
            torch_emit.require_torch(purpose)
            emit = torch_emit.emit_torch_source
        else:
            transformer_lens_emit.require_transformer_lens(purpose)
            emit = transformer_lens_emit.emit_transformer_lens_source
        try:
            return emit(model, WEIGHTS_FORMATS["safetensors"])
        except ValueError as e:
            raise InvalidArgumentError(f"{purpose}: {e}") from None

    # -- looking inside (docs/interpretability.md) -----------------------------

    @property
    def anatomy(self):
        """Which stage writes each residual direction, when it is readable, what
        each head and MLP block reads and writes (``raspir.backend.anatomy``)."""
        from raspir.backend.anatomy import anatomy_of

        return anatomy_of(self)

    def decode_intermediate(
        self, tokens: Sequence[Value], name, at: int | str | None = None
    ) -> list:
        """The value of s-op ``name`` (a residual name, a label or a RASP
        expression) at every position of ``tokens``, read from the residual
        stream after stage ``at`` (``"L1.mlp"``, an index; by default the stage
        that writes it): ``[BOS, v1, ...]`` like ``apply(tokens).decoded``."""
        from raspir.backend.anatomy import decode_intermediate

        return decode_intermediate(self, tokens, name, at)

    def plot_residuals(self, tokens: Sequence[Value], path: str | Path | None = None):
        """The residual stream after every stage on ``tokens``, grouped by s-op
        (a matplotlib Figure; saved as PNG or SVG when ``path`` is given)."""
        from raspir.backend.pictures import plot_residuals

        return plot_residuals(self, tokens, path)

    def plot_attention(self, tokens: Sequence[Value], path: str | Path | None = None):
        """Every head's attention pattern on ``tokens``, titled with what it reads
        and writes (a matplotlib Figure; saved when ``path`` is given)."""
        from raspir.backend.pictures import plot_attention

        return plot_attention(self, tokens, path)

    def program_dot(self) -> str:
        """The program graph, placed in the model's stages, as Graphviz DOT
        (``raspir.backend.graph_drawing.render_graph`` draws it)."""
        from raspir.backend.graph_drawing import program_dot

        return program_dot(self)

    def summary(self, name: str = "model") -> str:
        """A few lines: the sizes and, after a compile, the time per stage."""
        s = self.sizes
        share = 100.0 * s.nonzeros / s.params if s.params else 0.0
        lines = [
            f"{name}: {_count(s.layers, 'layer')}, {_count(s.heads, 'head')} "
            f"(at most {s.max_heads} per "
            f"layer, key size {s.key_size}), residual width {s.residual_width}, "
            f"MLP hidden {s.mlp_hidden} (widest layer {s.max_mlp_hidden})"
            + (f", {self.dtype}" if self.dtype != la.FLOAT32 else ""),
            f"  parameters {s.params:,} ({s.nonzeros:,} non-zero, {share:.1f} %)"
            + (", sparse execution" if self.execution == "sparse" else ""),
        ]
        if "lossy" in self.info:
            lines.append("  " + lossy_line(self.info["lossy"]))
        if self.timings:
            stages = ", ".join(f"{k} {v:.3f} s" for k, v in self.timings.items())
            lines.append(f"  time: {stages} (total {sum(self.timings.values()):.2f} s)")
        return "\n".join(lines)


def load(directory: str | Path) -> CompiledModel:
    """A model written by ``CompiledModel.save`` (or ``raspir compile -o``).

    The weights are the file ``model.py`` names: ``model.npz`` or
    ``model.safetensors`` (``WEIGHTS_FORMATS``). ``model.py`` is executed: load
    only directories you trust, as with pickles.
    """
    path = Path(directory)
    module_file = path / FILES["module"]
    source = module_file.read_text() if module_file.is_file() else None
    weights_file = _weights_file_named(source)
    missing = [
        name
        for name in (FILES["module"], weights_file, FILES["info"])
        if not (path / name).is_file()
    ]
    if missing:
        raise InvalidArgumentError(
            f"'{path}' is not a saved raspir model: missing {', '.join(missing)}"
        )
    info_file = path / FILES["info"]
    try:
        info = json.loads(info_file.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidArgumentError(f"'{info_file}' is not valid JSON: {e}") from None
    if not isinstance(info, dict) or info.get("format") != "raspir-model 1":
        raise InvalidArgumentError(f"'{info_file}' is not a raspir model description")
    missing_keys = [k for k in ("sizes", "residual_labels", "causal") if k not in info]
    if missing_keys:
        raise InvalidArgumentError(
            f"'{info_file}' lacks {', '.join(missing_keys)}: it is not a complete "
            "raspir model description"
        )
    ir = {
        level: (path / FILES[level]).read_text()
        for level in ("rasp", "sa", "la")
        if (path / FILES[level]).is_file()
    }
    try:
        weights = read_weights(path / weights_file)
    except ValueError as e:
        raise InvalidArgumentError(str(e)) from None
    assert source is not None
    # The emitted forward reads each weight as params["name"].
    lacking = sorted(set(re.findall(r'params\["([^"]+)"\]', source)) - set(weights))
    if lacking:
        raise InvalidArgumentError(
            f"'{path / weights_file}' lacks weights that {FILES['module']} reads: "
            f"{', '.join(lacking)}"
        )
    try:
        return CompiledModel(
            source=source,
            weights=weights,
            info=info,
            ir=ir,
            params=_params_from_file(path, weights),
        )
    except RaspirError:
        raise
    except Exception as e:  # noqa: BLE001 - model.py and model.json can hold anything
        raise InvalidArgumentError(
            f"'{path}' does not hold a working raspir model: {type(e).__name__}: {e}"
        ) from None


def _weights_file_named(source: str | None) -> str:
    """The weights file a saved ``model.py`` names among ``WEIGHTS_FORMATS``;
    ``model.npz`` when it names none of them (or there is no ``model.py``)."""
    named = None if source is None else module_text.weights_file_of(source)
    return named if named in WEIGHTS_FORMATS.values() else FILES["weights"]


def _source_naming(source: str, weights_file: str) -> str:
    """``source`` with ``weights_file`` as its ``WEIGHTS_FILE``. A module that
    names none is read with ``model.npz`` (``load``), so it is saved only so."""
    if module_text.weights_file_of(source) is not None:
        return module_text.with_weights_file(source, weights_file)
    if weights_file == FILES["weights"]:
        return source
    raise InvalidArgumentError(
        f"the model's module names no WEIGHTS_FILE, so it can be saved only with "
        f"{FILES['weights']}"
    )


def _run_module(source: str, name: str) -> dict[str, Any]:
    """The namespace of an emitted module's ``source``, executed here."""
    namespace: dict[str, Any] = {"__name__": f"raspir_compiled_model_{name}"}
    exec(compile(source, f"<raspir compiled model: {name}>", "exec"), namespace)
    return namespace


def _params_from_file(
    path: Path, weights: dict[str, np.ndarray]
) -> dict[str, dict[str, np.ndarray]]:
    """Tracr's nested params rebuilt from the la IR saved beside the weights."""
    from xdsl.utils.exceptions import ParseError, VerifyException

    from raspir.universe import parse_module

    la_file = path / FILES["la"]
    if not la_file.is_file():
        return {}
    try:
        module = parse_module(la_file.read_text(), str(la_file))
        module.verify()
        la.bind_weights(module, weights)
        return tracr_params(la.model_of(module))
    except (ParseError, VerifyException, ValueError) as e:
        first = str(e).strip().splitlines()[-1].strip()
        raise InvalidArgumentError(
            f"'{la_file}' is not a valid la model: {first}"
        ) from None


__all__ = ["CompiledModel", "ModelConfig", "ModelOutput", "load"]


def lossy_line(lossy: dict[str, Any]) -> str:
    """What a lossy model's description says about it, in one line."""
    line = (
        f"LOSSY: residual compressed from width {lossy.get('from_width', '?')} to "
        f"{lossy.get('width', '?')} by a learned projection; outputs may be wrong"
    )
    accuracy = lossy.get("accuracy")
    if accuracy:
        line += (
            f" (right on {100 * accuracy['positions']:.1f} % of positions and "
            f"{100 * accuracy['sequences']:.1f} % of sequences of "
            f"{accuracy['inputs']:,} inputs)"
        )
    return line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
