"""Passes over raspir IR, one module per pass (CLI name in kebab-case)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from raspir.dialects.rasp import ProgramBase

Op = TypeVar("Op", bound=Operation)

LEVELS = ("rasp", "sa", "craft", "la")
"""The levels, top down; each conversion takes one to the next."""


class LevelWarning(UserWarning):
    """A pass found no program of its level and did nothing."""


def expect_level(module: ModuleOp, kind: type[Operation], pass_name: str) -> None:
    """Warn when ``module`` holds only programs of a level above ``kind``'s: the
    pass does nothing, and most likely a conversion is missing before it.

    Not an error, as in MLIR a conversion with nothing to convert is a no-op
    (one pipeline can serve inputs at several levels, e.g. split input files);
    a module already lowered past the level is left alone silently.
    """
    levels = [
        LEVELS.index(op.dialect_name())
        for op in module.walk()
        if isinstance(op, ProgramBase) and op.dialect_name() in LEVELS
    ]
    want = LEVELS.index(kind.dialect_name())
    if not levels or max(levels) >= want:
        return
    have = min(levels)
    steps = [f"convert-{LEVELS[i]}-to-{LEVELS[i + 1]}" for i in range(have, want)]
    if "convert-sa-to-craft" in steps:  # which needs a schedule
        steps.insert(steps.index("convert-sa-to-craft"), "schedule-layers")
    warnings.warn(
        f"{pass_name} did nothing: it works on {kind.name}, but the module holds "
        f"{LEVELS[have]} IR; run {', '.join(steps)} first",
        LevelWarning,
        stacklevel=2,
    )


def replace_each(
    module: ModuleOp, kind: type[Op], build: Callable[[Op], Operation]
) -> None:
    """Replace every ``kind`` op of ``module`` (a program or model) by ``build(op)``,
    in place: the passes that rebuild a whole level share this."""
    for old in list(module.walk()):
        if isinstance(old, kind):
            new = build(old)
            old.parent_block().insert_op_before(new, old)  # type: ignore[union-attr]
            old.detach()
            old.erase(safe_erase=False)
