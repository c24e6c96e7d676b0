"""TransformerLens emission: an ``la.model`` as a ``HookedTransformer`` builder.

The module imports only the standard library, numpy, torch and
transformer_lens (safetensors only inside ``load``, for a ``.safetensors``
file). It holds the constants and codec every emitted module shares
(``module_text``), ``CONFIG`` (the ``HookedTransformerConfig`` fields),
``build(weights) -> (hooked, encode_tokens, decode_logits)`` and ``load()``.

A HookedTransformer has one head count and one head size for all layers, one
MLP width, and biases; an la model has each layer's own. So:

- ``n_heads`` is the most heads in a layer and ``d_head`` the largest key or
  value size (each at least 1); a layer's missing heads and a head's missing
  key or value columns are zero, and a zero head adds nothing: its values are
  zero whatever it attends to;
- ``d_mlp`` is the widest MLP; the missing hidden units have zero weights, so
  ReLU(0)·0 adds nothing;
- every bias is zero (the la model carries its biases on the ``one``
  direction of the residual);
- the scores are the raw q·k (``use_attn_scale`` off: the compiler folded the
  sharpness into the weights), with no layer norm.

The weights are copied into the parameters as they are, without TransformerLens's
weight processing: folding and centering would change what the model computes
(centering the unembedding moves the 1/2 threshold decoding reads). Every
parameter is set; ``build`` checks that none is left as initialised.

A HookedTransformer's forward has no key mask: a PAD key would be attended to.
``encode_tokens`` therefore refuses PAD; an input shorter than max_seq_len is
simply a shorter sequence.
"""

from __future__ import annotations

from raspir.backend import module_text
from raspir.backend.torch_emit import TORCH_EXTRA, require_torch
from raspir.dialects import la
from raspir.errors import InvalidArgumentError


def require_transformer_lens(purpose: str) -> None:
    """torch and a TransformerLens with ``HookedTransformer`` (before 4) are
    importable, or an InvalidArgumentError saying how to install them."""
    require_torch(purpose)
    lens = module_text.require("transformer_lens", TORCH_EXTRA, purpose)
    if not hasattr(lens, "HookedTransformer"):
        version = getattr(lens, "__version__", "")
        raise InvalidArgumentError(
            f"{purpose} needs TransformerLens's HookedTransformer, which "
            f"transformer_lens {version} lacks (4 removed it): pip install "
            "'transformer-lens>=3.5,<4'"
        )


_BUILD = '''

def _heads(w, heads, size):
    """A (d_model, heads * size) weight as (heads, d_model, size): head h is
    columns h * size to (h + 1) * size, as the la model splits them."""
    return w.reshape(w.shape[0], heads, size).transpose(1, 0, 2)


def _attention(parameters, layer, query, key, value, output, heads, key_size, value_size):
    """The heads of one layer: its la weights split head by head."""
    prefix = f"blocks.{layer}.attn."
    parameters[prefix + "W_Q"] = _heads(query, heads, key_size)
    parameters[prefix + "W_K"] = _heads(key, heads, key_size)
    parameters[prefix + "W_V"] = _heads(value, heads, value_size)
    parameters[prefix + "W_O"] = output.reshape(heads, value_size, output.shape[1])


def _mlp(parameters, layer, fst, snd):
    parameters[f"blocks.{layer}.mlp.W_in"] = fst
    parameters[f"blocks.{layer}.mlp.W_out"] = snd


def _padded(array, shape):
    """``array`` in the corner of zeros of ``shape`` (zero heads, zero columns)."""
    out = np.zeros(shape, array.dtype)
    out[tuple(slice(0, n) for n in array.shape)] = array
    return out


def encode_tokens(tokens):
    """One input ``[BOS, x1, ...]`` as a (1, positions) tensor of token ids."""
    ids = encode(tokens)
    if PAD_ID in ids:
        raise ValueError(
            f"PAD ({PAD!r}) is not accepted here: a HookedTransformer has no key "
            "mask, so PAD keys would be attended to; drop the trailing PAD tokens"
        )
    return torch.tensor([ids], dtype=torch.long)


def decode_logits(logits):
    """``[BOS, y1, ...]`` from the HookedTransformer's logits for one input;
    for a batch of several, one such list per input."""
    scores = _numpy(logits)
    if OUTPUT_ENCODING == "numerical":
        scores = scores[..., 0]
    rows = decode(scores)
    return rows[0] if len(rows) == 1 else rows


def build(weights):
    """(hooked, encode_tokens, decode_logits): a HookedTransformer holding
    ``weights`` (arrays by la symbol), then its input and output codec."""
    config = HookedTransformerConfig(**CONFIG, dtype=TORCH_DTYPE)
    with warnings.catch_warnings():
        # TransformerLens 3 announces its successor on every HookedTransformer.
        warnings.simplefilter("ignore", DeprecationWarning)
        hooked = HookedTransformer(config)
    given = _parameters({name: _numpy(w) for name, w in weights.items()})
    names = dict(hooked.named_parameters())
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ValueError(f"the HookedTransformer has no parameter {unknown[0]}")
    with torch.no_grad():
        for name, parameter in names.items():
            value = given.get(name)
            if value is None:  # a bias, or a layer without heads or MLP
                parameter.zero_()
            else:
                parameter.copy_(torch.from_numpy(_padded(value, tuple(parameter.shape))))
    hooked.eval()
    return hooked, encode_tokens, decode_logits


def load(path=None):
    """``build`` with the weights of ``path`` or of WEIGHTS_FILE beside this
    module (an .npz or a .safetensors)."""
    return build(_read_weights(path))
'''


def _config(model: la.ModelOp) -> dict[str, object]:
    """The HookedTransformerConfig fields (but dtype) of ``model``."""
    unembed = model.output
    assert isinstance(unembed, la.UnembedOp)
    attention = [op for op in model.sublayers if isinstance(op, la.AttentionOp)]
    mlps = [op for op in model.sublayers if isinstance(op, la.MLPOp)]
    sizes = [s for op in attention for s in (op.key_size.data, op.value_size.data)]
    return {
        "d_model": len(model.residual),
        "n_layers": model.num_layers,
        "n_ctx": model.max_seq_len.data + 1,
        "d_vocab": len(model.embed.tokens.data),
        # TransformerLens needs at least one of each: the extra ones are zero.
        "d_vocab_out": max(1, len(unembed.values.data)),
        "n_heads": max([1, *(len(op.head_labels) for op in attention)]),
        "d_head": max([1, *sizes]),
        "d_mlp": max([1, *(op.hidden for op in mlps)]),
        "act_fn": "relu",
        "normalization_type": None,
        "positional_embedding_type": "standard",
        "attention_dir": "causal" if model.is_causal else "bidirectional",
        "use_attn_scale": False,
        "device": "cpu",
        "default_prepend_bos": False,
        "init_weights": False,
    }


def emit_transformer_lens_source(
    model: la.ModelOp, weights_file: str = "model.safetensors"
) -> str:
    """The TransformerLens module of ``model``; ``load()`` reads its weights
    from ``weights_file`` (a name beside the module)."""
    embed, unembed = model.embed, model.output
    assert isinstance(unembed, la.UnembedOp)
    x64 = model.float_dtype == la.FLOAT64
    lines = [
        f'"""A transformer compiled by raspir, as a TransformerLens HookedTransformer: '
        f"{model.num_layers} layer{'' if model.num_layers == 1 else 's'}, residual "
        f"width {len(model.residual)}{', float64' if x64 else ''}.",
        "",
        "    hooked, encode_tokens, decode_logits = load()   # WEIGHTS_FILE, beside this file",
        '    ids = encode_tokens(["BOS-token", ...])         # one input, without PAD',
        "    decode_logits(hooked(ids))                      # [BOS, y1, y2, ...]",
        "    logits, cache = hooked.run_with_cache(ids)      # every hook's activation",
        "",
        "Heads, head sizes and MLP widths are zero-padded to the widest layer's;",
        "every bias is zero and the scores are the raw q.k (no attention scale).",
        '"""',
        "",
        "import os",
        "import warnings",
        "",
        "import numpy as np",
        "import torch",
        "from transformer_lens import HookedTransformer, HookedTransformerConfig",
        "",
        *module_text.constants(model, weights_file),
        f"TORCH_DTYPE = torch.{'float64' if x64 else 'float32'}",
        "# the HookedTransformerConfig (with dtype=TORCH_DTYPE)",
        "CONFIG = {",
        *(f"    {k!r}: {v!r}," for k, v in _config(model).items()),
        "}",
        module_text.CODEC.rstrip(),
        _BUILD.rstrip(),
        "",
        "",
        "def _parameters(weights):",
        '    """The HookedTransformer\'s parameters by name from the la weights, each',
        "    at most its parameter's shape (build pads it with zeros); the others",
        '    (the biases, empty sub-layers) are zero."""',
        "    parameters = {",
        f'        "embed.W_E": weights["{embed.token_table.root_reference.data}"],',
        f'        "pos_embed.W_pos": weights["{embed.position_table.root_reference.data}"],',
        f'        "unembed.W_U": weights["{unembed.table.root_reference.data}"],',
        "    }",
    ]
    for op in model.sublayers:
        refs = op.weight_refs()
        lines.append(module_text.sublayer_comment(op))
        if not refs:
            continue
        args = ", ".join(f'weights["{refs[role]}"]' for role in op.WEIGHTS)
        if isinstance(op, la.AttentionOp):
            lines.append(
                f"    _attention(parameters, {op.layer.data}, {args}, "
                f"{len(op.head_labels)}, {op.key_size.data}, {op.value_size.data})"
            )
        else:
            lines.append(f"    _mlp(parameters, {op.layer.data}, {args})")
    lines += ["    return parameters", ""]
    return "\n".join(lines)
