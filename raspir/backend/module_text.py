"""What every emitted model module shares: its constants and its codec.

The JAX module (``jax_emit``), the torch module (``torch_emit``) and the
TransformerLens module (``transformer_lens_emit``) each start with the same
constants (token order, BOS/PAD and their ids, output values, residual labels,
the weights file, the dtype) and hold the same pure-Python codec: ``encode``
(one input as token ids, with the checks and messages of ``apply``) and
``decode`` (output scores as values), plus ``_read_weights``, which reads the
weights file by its suffix (``.npz`` with numpy, ``.safetensors`` with the
safetensors package, imported only then). They are written once, here, so the
three modules encode, decode and read weights alike.

``require`` is how raspir asks for an optional package (torch,
transformer_lens, safetensors): imported only by the function that needs it,
with the ``pip install`` line in the error when it is missing.
"""

from __future__ import annotations

import ast
import importlib
import math
import re
from types import ModuleType

from raspir.dialects import la
from raspir.dialects.values import Value, format_value, value_key
from raspir.errors import InvalidArgumentError


def require(package: str, extra: str, purpose: str) -> ModuleType:
    """The optional ``package``, imported now; missing, an
    ``InvalidArgumentError`` saying ``purpose`` needs it and how to install it
    (the ``raspir[extra]`` extra)."""
    try:
        return importlib.import_module(package)
    except ImportError:
        raise InvalidArgumentError(
            f"{purpose} needs the {package} package: pip install 'raspir[{extra}]'"
        ) from None


def literal(v: Value) -> str:
    """A Python literal that evaluates to exactly ``v``."""
    if isinstance(v, float) and not math.isfinite(v):
        return f'float("{v}")'
    if isinstance(v, tuple):
        return "(" + "".join(literal(x) + ", " for x in v).rstrip(" ") + ")"
    return repr(v)


def literal_list(values) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def constants(model: la.ModelOp, weights_file: str) -> list[str]:
    """The constants every module starts with, one line each."""
    unembed = model.output
    assert isinstance(unembed, la.UnembedOp)
    tokens = list(model.embed.tokens.data)
    keys = [value_key(t) for t in tokens]
    labels = [la.residual_label(d) for d in model.residual]
    return [
        f"TOKENS = {literal_list(tokens)}",
        "# token id i is TOKENS[i]",
        f"BOS = {literal(model.bos.data)}",
        f"PAD = {literal(model.pad.data)}",
        f"BOS_ID = {keys.index(value_key(model.bos.data))}",
        f"PAD_ID = {keys.index(value_key(model.pad.data))}",
        f"MAX_SEQ_LEN = {model.max_seq_len.data}",
        f"CAUSAL = {model.is_causal}",
        f'OUTPUT_ENCODING = "{unembed.encoding.data}"',
        f"OUTPUT_VALUES = {literal_list(unembed.values.data)}",
        f"RESIDUAL_LABELS = {labels!r}",
        f"NUM_LAYERS = {model.num_layers}",
        f"WEIGHTS_FILE = {weights_file!r}",
        f'DTYPE = "{model.float_dtype}"',
    ]


_WEIGHTS_FILE_LINE = re.compile(r"^WEIGHTS_FILE = (.+)$", re.MULTILINE)


def weights_file_of(source: str) -> str | None:
    """The ``WEIGHTS_FILE`` an emitted module names (None if it names none)."""
    found = _WEIGHTS_FILE_LINE.search(source)
    if found is None:
        return None
    try:
        name = ast.literal_eval(found.group(1))
    except (ValueError, SyntaxError):
        return None
    return name if isinstance(name, str) else None


def with_weights_file(source: str, name: str) -> str:
    """An emitted module's source naming ``name`` as its ``WEIGHTS_FILE``
    (the one line changed); a source without that line is a ValueError."""
    if weights_file_of(source) is None:
        raise ValueError("the model's module names no WEIGHTS_FILE")
    return _WEIGHTS_FILE_LINE.sub(lambda _: f"WEIGHTS_FILE = {name!r}", source, count=1)


def sublayer_comment(op: la.AttentionOp | la.MLPOp) -> str:
    """What a sub-layer computes, as the comment above it in every module:
    its heads (an attention) or its MLPs and their widths."""
    layer = op.layer.data
    if isinstance(op, la.AttentionOp):
        if not op.head_labels:
            return f"    # layer {layer} attention: empty"
        heads = ", ".join(format_value(h) for h in op.head_labels)
        return f"    # layer {layer} attention: heads {heads}"
    if not op.blocks:
        return f"    # layer {layer} mlp: empty"
    blocks = ", ".join(f"{format_value(label)} ({w})" for label, w in op.blocks)
    return f"    # layer {layer} mlp: {blocks}"


def sublayer_lines(
    model: la.ModelOp,
    weights: str,
    indent: str,
    zeros: str,
    comments=lambda op, refs: [],
) -> list[str]:
    """The unrolled sub-layers of a forward pass, as every module writes them:
    each commented (``sublayer_comment``, then ``comments(op, refs)``), run
    through ``_attention`` / ``_mlp`` on the weights read from the mapping named
    ``weights``, its output added to ``x`` and recorded in ``residuals``,
    ``layer_outputs`` and ``attn_logits``; an empty one adds ``zeros``."""
    lines = []
    for op in model.sublayers:
        refs = op.weight_refs()
        args = ", ".join(
            f'{weights}["{refs[role]}"]' for role in op.WEIGHTS if role in refs
        )
        body = []
        if isinstance(op, la.AttentionOp):
            body.append(
                f"out, logits = _attention(x, keep, {args}, {len(op.head_labels)}, "
                f"{op.key_size.data}, {op.value_size.data})"
                if refs
                else "out, logits = _no_attention(x)"
            )
            body.append("attn_logits.append(logits)")
        else:
            body.append(f"out = _mlp(x, {args})" if refs else f"out = {zeros}")
        body += ["x = x + out", "residuals.append(x)", "layer_outputs.append(out)"]
        lines.append(indent + sublayer_comment(op).lstrip())
        lines += [indent + line.lstrip() for line in comments(op, refs)]
        lines += [indent + line for line in body]
    return lines


def return_lines(indent: str) -> list[str]:
    """The end of every forward pass: the scores, and with ``trace`` the
    residual stream and attention it recorded."""
    lines = [
        "if not trace:",
        "    return result",
        "return result, {",
        '    "input_embeddings": embeddings,',
        '    "residuals": residuals,',
        '    "layer_outputs": layer_outputs,',
        '    "attn_logits": attn_logits,',
        '    "transformer_output": x,',
        "}",
    ]
    return [indent + line for line in lines] + [""]


CODEC = '''

def _numpy(a):
    """``a`` as a numpy array; a torch tensor is detached and moved to the CPU."""
    if hasattr(a, "detach"):
        a = a.detach().cpu()
    return np.asarray(a)


def _read_weights(path=None):
    """The weight arrays by name, from ``path`` or WEIGHTS_FILE beside this
    module: an .npz, or a .safetensors (read with the safetensors package)."""
    if path is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), WEIGHTS_FILE)
    if os.fspath(path).endswith(".safetensors"):
        from safetensors.numpy import load_file

        return load_file(path)
    with np.load(path) as table:
        return {name: table[name] for name in table.files}


def encode(tokens):
    """Token ids of one input that starts with BOS (PAD may only end it)."""
    if isinstance(tokens, np.ndarray) and tokens.ndim == 1:
        tokens = tokens.tolist()
    # A string or a mapping iterates, but not as a sequence of tokens.
    if isinstance(tokens, (str, bytes, dict, set, frozenset, np.ndarray)) or not (
        hasattr(tokens, "__iter__")
    ):
        shown = repr(tokens) if len(repr(tokens)) <= 40 else repr(tokens)[:37] + "..."
        raise ValueError(
            f"input must be a list of tokens such as [{BOS!r}, ...], "
            f"got {shown} (type {type(tokens).__name__})"
        )
    # numpy scalars count as their Python value
    tokens = [t.item() if isinstance(t, np.generic) else t for t in tokens]
    if not tokens:
        raise ValueError(f"input is empty; it must start with the BOS token {BOS!r}")
    if not _same(tokens[0], BOS):
        raise ValueError(f"input must start with the BOS token {BOS!r}")
    if len(tokens) > MAX_SEQ_LEN + 1:
        raise ValueError(
            f"input has {len(tokens) - 1} tokens after BOS, "
            f"more than max_seq_len {MAX_SEQ_LEN}"
        )
    ids = [BOS_ID]
    for position, token in enumerate(tokens[1:]):
        index = next((i for i, t in enumerate(TOKENS) if _same(t, token)), None)
        if index is None or index == BOS_ID:
            raise ValueError(
                f"token {token!r} at position {position} is not in the vocab"
                + _why_not(token, index)
            )
        if index != PAD_ID and ids[-1] == PAD_ID:
            raise ValueError(
                f"token {token!r} at position {position} follows PAD; "
                "PAD may only end an input"
            )
        ids.append(index)
    return ids


def _why_not(token, index):
    """The near miss behind an unknown token: BOS inside the input, or a vocab
    token of another type with the same spelling or value (1, 1.0, "1")."""
    if index == BOS_ID:
        return " (BOS may only start an input)"
    for i, t in enumerate(TOKENS):
        numbers = all(isinstance(v, (int, float)) for v in (t, token))
        if i not in (BOS_ID, PAD_ID) and (str(t) == str(token) or (numbers and t == token)):
            return f" (the vocab has the {type(t).__name__} {t!r}; tokens match by type)"
    return ""


def _same(a, b):
    """Type-exact equality of vocabulary values (1, 1.0 and True differ)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # every NaN is one value
    return type(a) is type(b) and a == b and (
        not isinstance(a, float) or str(a) == str(b)
    )


def decode(result, token_ids=None):
    """Decoded outputs, one list per input: BOS first, PAD positions as PAD
    (``token_ids`` None: no position is PAD). ``result`` is the forward's
    output: (batch, positions, values), numerical (batch, positions)."""
    result = _numpy(result)
    if token_ids is None:
        pads = np.zeros(result.shape[:2], bool)
    else:
        pads = _numpy(token_ids) == PAD_ID
    decoded = []
    for scores, pad in zip(result, pads):
        row = [BOS]
        for position in range(1, len(pad)):
            if pad[position]:
                row.append(PAD)
            elif OUTPUT_ENCODING == "numerical":
                row.append(float(scores[position]))
            elif not OUTPUT_VALUES:
                row.append(None)
            else:
                best = int(np.argmax(scores[position]))
                row.append(OUTPUT_VALUES[best] if scores[position, best] > 0.5 else None)
        decoded.append(row)
    return decoded
'''
"""The codec and weights reader: the module must import os and numpy as np."""
