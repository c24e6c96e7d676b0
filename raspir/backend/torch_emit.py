"""PyTorch emission: an ``la.model`` as a standalone ``torch.nn.Module`` source.

The module imports only the standard library, numpy and torch (safetensors
only inside ``load``, for a ``.safetensors`` file). It holds the constants and
the codec every emitted module shares (``module_text``) and
``class Transformer(torch.nn.Module)``: the weights are ``nn.Parameter`` objects in
one ``nn.ParameterDict`` keyed by the la weight symbols, and ``forward`` is the
JAX module's forward written in torch, layer by layer, each commented with
what it computes: the same embedding, PAD keys masked (and later keys, in a
causal model), each layer's own head count and key/value sizes, ReLU MLPs, the
unembedding, the numerical output as column 0, and the same trace.

A torch parameter name cannot hold ``.``: a model whose weight symbols do is
refused here with the symbol named (the compiler's symbols never do).

``CompiledModel.to_torch`` executes this source in-process with the model's
weights; ``CompiledModel.export(..., "torch")`` writes it as ``model_torch.py``
beside ``model.safetensors``.
"""

from __future__ import annotations

from raspir.backend import module_text
from raspir.dialects import la

TORCH_EXTRA = "torch"
"""The extra that installs torch and TransformerLens: ``raspir[torch]``."""


def require_torch(purpose: str) -> None:
    """torch is importable, or an InvalidArgumentError saying how to install it."""
    module_text.require("torch", TORCH_EXTRA, purpose)


_LAYERS = '''

def _attention(x, keep, query, key, value, output, heads, key_size, value_size):
    """Softmax attention over the kept keys; returns (update, logits)."""
    b, t, _ = x.shape
    q = (x @ query).reshape(b, t, heads, key_size)
    k = (x @ key).reshape(b, t, heads, key_size)
    v = (x @ value).reshape(b, t, heads, value_size)
    logits = torch.einsum("bqhk,bshk->bhqs", q, k)
    weights = torch.softmax(torch.where(keep, logits, -torch.inf), dim=-1)
    mixed = torch.einsum("bhqs,bshv->bqhv", weights, v)
    return mixed.reshape(b, t, heads * value_size) @ output, logits


def _mlp(x, fst, snd):
    return torch.relu(x @ fst) @ snd


def _no_attention(x):
    b, t, _ = x.shape
    return torch.zeros_like(x), x.new_zeros((b, 0, t, t))


def load(path=None):
    """The Transformer with the weights of ``path`` or of WEIGHTS_FILE beside
    this module (an .npz or a .safetensors)."""
    return Transformer(_read_weights(path))
'''

_CLASS = '''

class Transformer(torch.nn.Module):
    """The compiled model: ``forward(token_ids)`` gives the output scores;
    ``self.weights[symbol]`` holds each weight (a ``torch.nn.Parameter``)."""

    encode = staticmethod(encode)
    decode = staticmethod(decode)

    def __init__(self, weights):
        """``weights``: an array (numpy or torch) for every name in WEIGHT_NAMES."""
        super().__init__()
        missing = [name for name in WEIGHT_NAMES if name not in weights]
        if missing:
            raise ValueError(f"the weights lack {', '.join(missing)}")
        self.weights = torch.nn.ParameterDict(
            {
                name: torch.nn.Parameter(torch.tensor(_numpy(weights[name]), dtype=TORCH_DTYPE))
                for name in WEIGHT_NAMES
            }
        )

    def forward(self, token_ids, trace=False):
        """Output scores (batch, positions, values); numerical: (batch, positions).

        ``trace``: also the residual stream after every sub-layer, each
        sub-layer's output and the attention logits."""
        w = self.weights
'''


def _check_symbols(model: la.ModelOp) -> list[str]:
    """The weight symbols, each usable as a torch parameter name."""
    symbols = list(model.weights)
    for symbol in symbols:
        if "." in symbol:
            raise ValueError(
                f"weight @{symbol} has a '.' in its symbol, which a torch "
                "parameter name cannot hold"
            )
    return symbols


def emit_torch_source(
    model: la.ModelOp, weights_file: str = "model.safetensors"
) -> str:
    """The torch module of ``model``; ``load()`` reads its weights from
    ``weights_file`` (a name beside the module)."""
    embed, unembed = model.embed, model.output
    assert isinstance(unembed, la.UnembedOp)
    symbols = _check_symbols(model)
    x64 = model.float_dtype == la.FLOAT64
    lines = [
        f'"""A transformer compiled by raspir, in PyTorch: {model.num_layers} '
        f"layer{'' if model.num_layers == 1 else 's'}, residual width "
        f"{len(model.residual)}{', float64' if x64 else ''}.",
        "",
        "    model = load()                            # WEIGHTS_FILE, beside this file",
        '    ids = [encode(["BOS-token", ...])]        # a batch of token-id lists',
        "    decode(model(ids), ids)                   # [[BOS, y1, y2, ...]]",
        "",
        "model(ids, trace=True) also returns the residual stream after every",
        "sub-layer, each sub-layer's output and the attention logits. The scores",
        "are exact with float32 matmuls at full precision (torch's default; do",
        "not enable TF32).",
        '"""',
        "",
        "import os",
        "",
        "import numpy as np",
        "import torch",
        "",
        *module_text.constants(model, weights_file),
        f"TORCH_DTYPE = torch.{'float64' if x64 else 'float32'}",
        "# the weights forward reads, by la symbol",
        "WEIGHT_NAMES = [",
        *(f"    {symbol!r}," for symbol in symbols),
        "]",
        module_text.CODEC.rstrip(),
        _LAYERS.rstrip(),
        _CLASS.rstrip(),
        "        device = w[WEIGHT_NAMES[0]].device",
        "        token_ids = torch.as_tensor(token_ids, dtype=torch.long, device=device)",
        "        t = token_ids.shape[-1]",
        f'        x = w["{embed.token_table.root_reference.data}"][token_ids]',
        f'        x = x + w["{embed.position_table.root_reference.data}"][:t]',
        "        embeddings = x",
        "        keep = (token_ids != PAD_ID)[:, None, None, :]",
    ]
    if model.is_causal:
        lines.append(
            "        keep = keep & torch.ones(t, t, dtype=torch.bool, device=device).tril()"
        )
    lines.append("        residuals, layer_outputs, attn_logits = [], [], []")
    lines += module_text.sublayer_lines(model, "w", "        ", "torch.zeros_like(x)")
    product = f'x @ w["{unembed.table.root_reference.data}"]'
    lines += [
        f"        result = ({product})[..., 0]"
        if unembed.is_numerical
        else f"        result = {product}",
        *module_text.return_lines("        "),
    ]
    return "\n".join(lines)
