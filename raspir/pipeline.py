"""Named pipelines: the passes that take a rasp module down to a craft model."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from raspir.errors import RaspirError

DEFAULT: tuple[str, ...] = (
    "convert-rasp-to-sa",
    "schedule-layers",
    "convert-sa-to-craft",
)
"""rasp → sa → scheduled sa → craft."""


def make_pass(name: str) -> ModulePass:
    """The pass registered under ``name`` (default options)."""
    from raspir.universe import RASPIR_UNIVERSE

    factory = RASPIR_UNIVERSE.all_passes.get(name)
    if factory is None:
        known = ", ".join(sorted(RASPIR_UNIVERSE.all_passes))
        raise RaspirError(f"unknown pass '{name}' (raspir passes: {known})")
    return factory()()


def stages(
    module: ModuleOp, passes: Sequence[str] = DEFAULT
) -> Iterator[tuple[str, ModuleOp]]:
    """Apply ``passes`` in turn, yielding ``(pass name, module after it)``.

    Each yielded module is a snapshot of its own; ``module`` is not modified.
    """
    current = module.clone()
    ctx = Context()
    for name in passes:
        make_pass(name).apply(ctx, current)
        current.verify()
        yield name, current.clone()
