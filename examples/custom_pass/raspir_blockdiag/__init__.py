"""An example of a raspir pass kept in its own package (docs/writing-passes.md)."""

from raspir_blockdiag.block_diagonalize import (
    LaBlockDiagonalizePass,
    diagonal_breaks,
)

__all__ = ["LaBlockDiagonalizePass", "diagonal_breaks"]
