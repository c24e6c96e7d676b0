"""raspir's dialects, passes and targets, registered once for every xDSL tool.

The ``xdsl.universe`` entry point in ``pyproject.toml`` names ``RASPIR_UNIVERSE``,
so both the stock ``xdsl-opt`` and ``raspir-opt`` see everything listed here.
"""

from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.ir import Dialect
from xdsl.parser import Parser
from xdsl.passes import ModulePass
from xdsl.universe import Universe
from xdsl.utils.target import Target


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


def _la() -> Dialect:
    from raspir.dialects.la import LA

    return LA


def _convert_craft_to_la() -> type[ModulePass]:
    from raspir.passes.convert_craft_to_la import ConvertCraftToLaPass

    return ConvertCraftToLaPass


def _craft_compress_residual() -> type[ModulePass]:
    from raspir.passes.craft_compress_residual import CraftCompressResidualPass

    return CraftCompressResidualPass


def _craft_eliminate_dead_directions() -> type[ModulePass]:
    from raspir.passes.craft_eliminate_dead_directions import (
        CraftEliminateDeadDirectionsPass,
    )

    return CraftEliminateDeadDirectionsPass


def _craft_fold_embedding_mlps() -> type[ModulePass]:
    from raspir.passes.craft_fold_embedding_mlps import CraftFoldEmbeddingMlpsPass

    return CraftFoldEmbeddingMlpsPass


def _craft_merge_hidden_units() -> type[ModulePass]:
    from raspir.passes.craft_merge_hidden_units import CraftMergeHiddenUnitsPass

    return CraftMergeHiddenUnitsPass


def _rasp_choose_encodings() -> type[ModulePass]:
    from raspir.passes.rasp_choose_encodings import RaspChooseEncodingsPass

    return RaspChooseEncodingsPass


def _rasp_fuse_maps() -> type[ModulePass]:
    from raspir.passes.rasp_fuse_maps import RaspFuseMapsPass

    return RaspFuseMapsPass


def _rasp_legalize() -> type[ModulePass]:
    from raspir.passes.rasp_legalize import RaspLegalizePass

    return RaspLegalizePass


def _rasp_prune_value_sets() -> type[ModulePass]:
    from raspir.passes.rasp_prune_value_sets import RaspPruneValueSetsPass

    return RaspPruneValueSetsPass


def _jax() -> type[Target]:
    from raspir.backend.jax_emit import JaxTarget

    return JaxTarget


RASPIR_UNIVERSE = Universe(
    all_dialects={"rasp": _rasp, "sa": _sa, "craft": _craft, "la": _la},
    all_passes={
        "convert-rasp-to-sa": _convert_rasp_to_sa,
        "convert-sa-to-craft": _convert_sa_to_craft,
        "convert-craft-to-la": _convert_craft_to_la,
        "craft-compress-residual": _craft_compress_residual,
        "craft-eliminate-dead-directions": _craft_eliminate_dead_directions,
        "craft-fold-embedding-mlps": _craft_fold_embedding_mlps,
        "craft-merge-hidden-units": _craft_merge_hidden_units,
        "rasp-choose-encodings": _rasp_choose_encodings,
        "rasp-fuse-maps": _rasp_fuse_maps,
        "rasp-legalize": _rasp_legalize,
        "rasp-prune-value-sets": _rasp_prune_value_sets,
        "schedule-layers": _schedule_layers,
    },
    all_targets={"jax": _jax},
)


def context() -> Context:
    """A context that knows the builtin dialect and every raspir dialect."""
    ctx = Context()
    ctx.load_dialect(Builtin)
    for name, factory in RASPIR_UNIVERSE.all_dialects.items():
        ctx.register_dialect(name, factory)
    return ctx


def parse_module(text: str, name: str = "<text>") -> ModuleOp:
    """Parse IR text of any raspir level."""
    return Parser(context(), text, name).parse_module()
