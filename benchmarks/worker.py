"""One compiler's side of the benchmark, as a long-lived worker process.

``python worker.py raspir`` runs in raspir's virtualenv, ``python worker.py
tracr`` in Tracr's own. The driver (``bench.py``) sends one JSON request per
line on stdin and reads one JSON result per line on stdout, so the two
compilers are measured interleaved, config by config, on the same inputs. Both
build their programs from the same catalogue (``raspir.testing.library``, which
takes the ``lib`` and ``rasp`` modules to build with and needs only the
standard library).

Every measurement of one request is taken in the same way for both compilers:

- cold compile: the first compile of this configuration in the process (new
  shapes, nothing cached); warm compile: the median of ``repeats`` more (fewer
  once they have taken ``warm_budget_s``);
- first output: the cold compile plus the first ``apply`` of one input;
- forward: a jitted forward pass to the output scores at full length
  (``max_seq_len + 1``), batch 1 and batch 64, median of timed runs after one
  warm-up;
- exactness: every input the evaluator accepts, decoded and compared with the
  evaluator of the same framework; positions where the evaluator gives
  ``None`` are not counted, numbers agree within 1e-3 + 0.5 %.
"""

from __future__ import annotations

import json
import math
import numbers
import statistics
import sys
import time
import traceback
from pathlib import Path

STARTED = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BOS, PAD = "BOS", "PAD"


class RaspirBackend:
    """raspir: ``compile_rasp_to_model`` with a named pipeline."""

    def __init__(self) -> None:
        import jax.numpy as jnp
        import numpy as np

        import raspir
        from raspir import lib, rasp
        from raspir.pipeline import DEFAULT

        self.raspir, self.lib, self.rasp, self.np, self.jnp = raspir, lib, rasp, np, jnp
        self.default = DEFAULT

    def compile(self, program, vocab, max_seq_len, pipeline):
        return self.raspir.compile_rasp_to_model(
            program,
            vocab,
            max_seq_len,
            compiler_bos=BOS,
            compiler_pad=PAD,
            pipeline=pipeline or self.default,
        )

    def decode(self, model, inputs):
        return [out[1:] for out in model.apply_batch([[BOS, *xs] for xs in inputs])]

    def forward(self, model, tokens, batch):
        ids = self.jnp.asarray([model.encode([BOS, *tokens])] * batch)
        return lambda: model.forward(ids).block_until_ready()

    def sizes(self, model):
        return raspir_sizes(model)


def raspir_sizes(model) -> dict:
    """A raspir model's sizes under the benchmark's column names."""
    s = model.sizes
    return {
        "layers": s.layers,
        "heads_max": s.max_heads,
        "heads": s.heads,
        "key_size": s.key_size,
        "residual": s.residual_width,
        "mlp_max": s.max_mlp_hidden,
        "mlp": s.mlp_hidden,
        "params": s.params,
        "nonzeros": s.nonzeros,
    }


class TracrBackend:
    """Tracr: ``compiling.compile_rasp_to_model`` with its defaults."""

    def __init__(self) -> None:
        import jax
        import jax.numpy as jnp
        import numpy as np
        from tracr.compiler import compiling, lib
        from tracr.rasp import rasp

        self.compiling, self.lib, self.rasp = compiling, lib, rasp
        self.jax, self.jnp, self.np = jax, jnp, np

    def compile(self, program, vocab, max_seq_len, pipeline):
        del pipeline
        return self.compiling.compile_rasp_to_model(
            program,
            vocab=set(vocab),
            max_seq_len=max_seq_len,
            compiler_bos=BOS,
            compiler_pad=PAD,
        )

    def decode(self, model, inputs):
        return [model.apply([BOS, *xs]).decoded[1:] for xs in inputs]

    def forward(self, model, tokens, batch):
        ids = self.jnp.asarray([model.input_encoder.encode([BOS, *tokens])] * batch)
        run = self.jax.jit(lambda i: model.forward(model.params, i).unembedded_output)
        return lambda: run(ids).block_until_ready()

    def sizes(self, model):
        np, config, params = self.np, model.model_config, model.params
        width = len(model.residual_labels)
        heads = mlp = 0
        for layer in range(config.num_layers):
            query = np.asarray(params[f"transformer/layer_{layer}/attn/query"]["w"])
            per_head = query.reshape(width, config.num_heads, -1)
            heads += int(np.count_nonzero(np.abs(per_head).sum(axis=(0, 2))))
            hidden = np.asarray(params[f"transformer/layer_{layer}/mlp/linear_1"]["w"])
            mlp += int(np.count_nonzero(np.abs(hidden).sum(axis=0)))
        arrays = [np.asarray(a) for module in params.values() for a in module.values()]
        return {
            "layers": config.num_layers,
            "heads_max": config.num_heads,
            "heads": heads,
            "key_size": config.key_size,
            "residual": width,
            "mlp_max": config.mlp_hidden_size,
            "mlp": mlp,
            "params": sum(a.size for a in arrays),
            "nonzeros": sum(int(np.count_nonzero(a)) for a in arrays),
        }


def median_time(run, count: int) -> float:
    run()  # warm-up: compiles
    times = []
    for _ in range(count):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def agrees(actual, expected) -> bool | None:
    """One position: None when the evaluator gives None (not counted)."""
    if hasattr(actual, "item"):  # a numpy scalar from a decoder
        actual = actual.item()
    if expected is None:
        return None
    if not (isinstance(actual, float) and isinstance(expected, numbers.Real)):
        return actual == expected and type(actual) is type(expected)
    # A numerical output: the evaluator may give a bool, an int or a Fraction.
    actual, expected = float(actual), float(expected)
    return math.isfinite(actual) and abs(actual - expected) <= 1e-3 + 0.005 * abs(
        expected
    )


def exactness(backend, model, program, inputs) -> dict:
    cases = []
    for xs in inputs:
        try:
            cases.append((xs, list(backend.rasp.evaluate(program, xs))))
        except Exception:  # noqa: BLE001 - the evaluator rejects this input
            continue
    decoded = backend.decode(model, [xs for xs, _ in cases])
    sequences = tokens = right_tokens = right_sequences = 0
    for (_, expected), actual in zip(cases, decoded, strict=True):
        marks = [agrees(a, e) for a, e in zip(actual, expected, strict=True)]
        counted = [m for m in marks if m is not None]
        sequences += 1
        right_sequences += all(counted)
        tokens += len(counted)
        right_tokens += sum(counted)
    return {
        "inputs": sequences,
        "seq_acc": right_sequences / sequences if sequences else None,
        "tok_acc": right_tokens / tokens if tokens else None,
    }


def measure(backend, request: dict) -> dict:
    from raspir.testing.library import LIB_PROGRAMS

    entry = LIB_PROGRAMS[request["program"]]
    n, vocab = request["max_seq_len"], request["vocab"]
    inputs = request["inputs"]

    def build():
        return entry.build(n, backend.lib, backend.rasp)

    program = build()
    started = time.perf_counter()
    model = backend.compile(program, vocab, n, request.get("pipeline"))
    cold = time.perf_counter() - started
    started = time.perf_counter()
    backend.decode(model, inputs[:1])
    first = time.perf_counter() - started
    warm: list[float] = []
    for _ in range(request["repeats"]):
        if warm and sum(warm) > request.get("warm_budget_s", 20.0):
            break  # a slow compile: fewer repeats rather than a timeout
        fresh = build()
        started = time.perf_counter()
        backend.compile(fresh, vocab, n, request.get("pipeline"))
        warm.append(time.perf_counter() - started)
    result = {
        "compile_cold_s": cold,
        "compile_warm_s": statistics.median(warm) if warm else None,
        "first_output_s": cold + first,
        **backend.sizes(model),
        **exactness(backend, model, program, inputs),
    }
    full = request["full_input"]
    for batch, runs in (
        (1, request["forward_runs_b1"]),
        (64, request["forward_runs_b64"]),
    ):
        result[f"fwd_b{batch}_ms"] = (
            1000 * median_time(backend.forward(model, full, batch), runs)
            if runs
            else None
        )
    return result


def main() -> None:
    name = sys.argv[1]
    backend = {"raspir": RaspirBackend, "tracr": TracrBackend}[name]()
    print(json.dumps({"ready": True, "startup_s": time.perf_counter() - STARTED}))
    sys.stdout.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = {"ok": True, **measure(backend, request)}
        except Exception as e:  # noqa: BLE001 - a refusal or crash is a result
            message = str(e).strip().splitlines()[0] if str(e).strip() else ""
            reply = {
                "ok": False,
                "error": f"{type(e).__name__}: {message}"[:300],
                "trace": traceback.format_exc(limit=3)[-1500:],
            }
        print(json.dumps(reply))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
