"""raspir's dialects, passes and targets, registered once for every xDSL tool.

The ``xdsl.universe`` entry point in ``pyproject.toml`` names ``RASPIR_UNIVERSE``,
so both the stock ``xdsl-opt`` and ``raspir-opt`` see everything listed here.
"""

from xdsl.ir import Dialect
from xdsl.universe import Universe


def _rasp() -> Dialect:
    from raspir.dialects.rasp import Rasp

    return Rasp


RASPIR_UNIVERSE = Universe(
    all_dialects={"rasp": _rasp},
    all_passes={},
    all_targets={},
)
