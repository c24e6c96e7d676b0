"""Run a model module written by ``raspir-opt -t jax -o MODEL.py`` on inputs.

    python run_jax_module.py MODEL.py INPUT...

Each INPUT is one sequence after BOS, its tokens separated by commas (``a,b``;
an empty string is the empty input). A token is the module's ``BOS`` or ``PAD``
when written so, an int when it reads as one, else a string. For each input
this prints the decoded output (``[BOS, y1, ...]``, numbers rounded to 4
places), or the ``ValueError`` that ``encode`` raises. The inputs the module
accepts are then run once more as one batch, PAD-padded to the same length,
which must give the same outputs at the real positions.

The module is imported on its own (jax and numpy only); nothing of raspir is
used here, so this checks what a user would ship.
"""

from __future__ import annotations

import importlib.util
import sys


def load(path: str):
    spec = importlib.util.spec_from_file_location("compiled_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def token(module, text: str):
    if text == "BOS":
        return module.BOS
    if text == "PAD":
        return module.PAD
    try:
        return int(text)
    except ValueError:
        return text


def shown(value):
    return round(value, 4) if isinstance(value, float) else value


def main(path: str, inputs: list[str]) -> None:
    module = load(path)
    params = module.load_params()
    print("params:", ", ".join(f"{k} {list(v.shape)}" for k, v in params.items()))
    accepted = []
    for text in inputs:
        tokens = [token(module, t) for t in text.split(",")] if text else []
        try:
            ids = module.encode([module.BOS, *tokens])
        except ValueError as e:
            print(f"{text!r}: ValueError: {e}")
            continue
        decoded = module.decode(module.forward(params, [ids]), [ids])[0]
        print(f"{text!r}: {[shown(v) for v in decoded]}")
        accepted.append((ids, decoded))
    if not accepted:
        return
    length = max(len(ids) for ids, _ in accepted)
    batch = [ids + [module.PAD_ID] * (length - len(ids)) for ids, _ in accepted]
    result, trace = module.forward(params, batch, trace=True)
    rows = module.decode(result, batch)
    for (ids, alone), row in zip(accepted, rows, strict=True):
        real = row[: len(ids)]
        assert [shown(v) for v in real] == [shown(v) for v in alone], (alone, row)
        assert all(v == module.PAD for v in row[len(ids) :]), row
    print(
        f"batch of {len(batch)} agrees; trace: "
        f"{len(trace['residuals'])} residuals of shape "
        f"{list(trace['residuals'][-1].shape)}, logits "
        f"{[list(g.shape) for g in trace['attn_logits']]}"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
