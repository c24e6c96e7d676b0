"""Passes over raspir IR, one module per pass (CLI name in kebab-case)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

Op = TypeVar("Op", bound=Operation)


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
