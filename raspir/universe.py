"""raspir's dialects, passes and targets, registered once for every xDSL tool.

The ``xdsl.universe`` entry point in ``pyproject.toml`` names ``RASPIR_UNIVERSE``,
so both the stock ``xdsl-opt`` and ``raspir-opt`` see everything listed here.
"""

from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.universe import Universe


def _rasp() -> Dialect:
    from raspir.dialects.rasp import Rasp

    return Rasp


def _sa() -> Dialect:
    from raspir.dialects.sa import SA

    return SA


def _convert_rasp_to_sa() -> type[ModulePass]:
    from raspir.passes.convert_rasp_to_sa import ConvertRaspToSaPass

    return ConvertRaspToSaPass


def _schedule_layers() -> type[ModulePass]:
    from raspir.passes.schedule_layers import ScheduleLayersPass

    return ScheduleLayersPass


def _craft() -> Dialect:
    from raspir.dialects.craft import Craft

    return Craft


def _convert_sa_to_craft() -> type[ModulePass]:
    from raspir.passes.convert_sa_to_craft import ConvertSaToCraftPass

    return ConvertSaToCraftPass


RASPIR_UNIVERSE = Universe(
    all_dialects={"rasp": _rasp, "sa": _sa, "craft": _craft},
    all_passes={
        "convert-rasp-to-sa": _convert_rasp_to_sa,
        "convert-sa-to-craft": _convert_sa_to_craft,
        "schedule-layers": _schedule_layers,
    },
    all_targets={},
)
