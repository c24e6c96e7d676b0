"""What this package adds to xDSL's tools, found through its entry point.

Factories import lazily, so listing the passes costs nothing until one runs.
"""

from xdsl.passes import ModulePass
from xdsl.universe import Universe


def _block_diagonalize() -> type[ModulePass]:
    from raspir_blockdiag.block_diagonalize import LaBlockDiagonalizePass

    return LaBlockDiagonalizePass


UNIVERSE = Universe(all_passes={"la-block-diagonalize": _block_diagonalize})
