"""The compile driver: a RASP program through a pipeline to a ``CompiledModel``.

``compile_rasp_to_model`` is Tracr's entry point with raspir's options: the
pipeline to run, the IR after every stage written to a directory or printed,
and a callback as each stage finishes (the CLI's progress and timings).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from io import StringIO
from pathlib import Path
from typing import IO, Any

from xdsl.context import Context
from xdsl.targets.mlir import MLIRTarget
from xdsl.utils.exceptions import PassFailedException

from raspir.backend.model import CompiledModel, make_directory
from raspir.backend.stats import stage_stats as measure
from raspir.dialects import la, sa
from raspir.dialects.values import Value
from raspir.errors import InvalidArgumentError, UnsupportedProgramError
from raspir.frontend.rasp_import import COMPILER_BOS, COMPILER_PAD, to_rasp_ir
from raspir.pipeline import O0, stages


def _print_module(module, stream: IO[str]) -> None:
    """The same text as ``raspir-opt`` prints."""
    MLIRTarget().emit(Context(), module, stream)


def _text(module) -> str:
    buffer = StringIO()
    _print_module(module, buffer)
    return buffer.getvalue()


def compile_rasp_to_model(
    program,
    vocab: Iterable[Value],
    max_seq_len: int,
    causal: bool = False,
    compiler_bos: Value = COMPILER_BOS,
    compiler_pad: Value = COMPILER_PAD,
    mlp_exactness: Any = None,
    *,
    pipeline: str | Sequence[Any] = "-O2",
    dump_ir: str | Path | None = None,
    print_ir: bool | IO[str] = False,
    on_stage: Callable[[str, float], None] | None = None,
    stats: bool = False,
    dtype: str = "float32",
    sparse: bool = False,
) -> CompiledModel:
    """Compile a RASP program to a transformer (Tracr's ``compile_rasp_to_model``).

    ``mlp_exactness`` is accepted for compatibility and ignored: raspir derives
    every constant from the value sets, ``max_seq_len`` and the precision of
    ``dtype``: ``"float32"`` (the default) or ``"float64"``, which the model then
    computes in; float64 compiles programs exactly at lengths float32 cannot
    (docs/limits.md).
    ``pipeline`` is a pipeline name (``-O2``, ``-O0``), a pipeline text or a list of
    passes, and must end at the la level. ``dump_ir`` writes the IR after every
    stage to ``NN-stage.mlir`` files in that directory; ``print_ir`` prints it
    (to stdout, or to the stream given). ``on_stage(name, seconds)`` is called
    as each stage finishes. ``stats`` records the model's sizes after every
    stage in ``CompiledModel.stage_stats`` (what each pass bought). ``sparse``
    runs the model's weight products sparse (``info["execution"]``; the same
    outputs, see ``CompiledModel.with_sparse_weights``).
    """
    del mlp_exactness
    timings: dict[str, float] = {}
    stage_stats: list[tuple[str, dict]] = []
    dump = make_directory(dump_ir, "dump the IR into") if dump_ir is not None else None
    stream = sys.stdout if print_ir is True else (print_ir or None)
    if stream is not None and not callable(getattr(stream, "write", None)):
        raise InvalidArgumentError(
            f"print_ir must be True, False or a text stream, got {print_ir!r}"
        )

    def record(index: int, name: str, module, started: float) -> None:
        timings[name] = time.perf_counter() - started
        if on_stage is not None:
            on_stage(name, timings[name])
        if stats:
            stage_stats.append((name, measure(module)))
        if dump is not None:
            (dump / f"{index:02d}-{name}.mlir").write_text(_text(module))
        if stream is not None:
            stream.write(f"// -----// IR after {name} //----- //\n")
            _print_module(module, stream)

    started = time.perf_counter()
    module = to_rasp_ir(
        program,
        vocab,
        max_seq_len,
        causal=causal,
        compiler_bos=compiler_bos,
        compiler_pad=compiler_pad,
        dtype=dtype,
    )
    record(0, "import", module, started)
    rasp_text = _text(module)
    names: list[str] = []
    final = module
    scheduled = None  # the last sa-level snapshot: what convert-sa-to-craft read
    started = time.perf_counter()
    try:
        for index, (name, snapshot) in enumerate(stages(module, pipeline), start=1):
            names.append(name)
            record(index, name, snapshot, started)
            final = snapshot
            if isinstance(snapshot.body.block.first_op, sa.ProgramOp):
                scheduled = snapshot
            started = time.perf_counter()
    except PassFailedException as e:
        raise UnsupportedProgramError(str(e)) from None
    try:
        model = la.model_of(final)
    except ValueError:
        raise InvalidArgumentError(
            f"the pipeline ends at {final.body.block.first_op.name}, not la.model: "
            "end it with convert-craft-to-la (-O0 lowers every level: "
            f"{', '.join(O0)})"
        ) from None
    started = time.perf_counter()
    ir = {"rasp": rasp_text, "la": _text(final)}
    if scheduled is not None:
        ir["sa"] = _text(scheduled)
    compiled = CompiledModel.from_la(model, ir=ir, pipeline=names, sparse=sparse)
    timings["emit"] = time.perf_counter() - started
    if on_stage is not None:
        on_stage("emit", timings["emit"])
    compiled.timings = timings
    compiled.stage_stats = stage_stats
    return compiled
