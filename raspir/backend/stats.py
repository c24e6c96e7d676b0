"""How big a program is at each level: what ``raspir compile --stats`` prints.

At the rasp and sa levels the residual width is what the s-ops would take
(one direction per non-``None`` value of a categorical s-op, one per numerical
s-op, plus ``one`` and BOS); sa also counts its heads and MLPs and, once
scheduled, its layers. A craft model is measured by lowering a copy to la, so
its numbers are exactly those of the model it would become.
"""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from raspir.dialects import craft, la, rasp, sa

COLUMNS = ("layers", "heads", "residual", "mlp", "params", "nonzeros")


def _directions(ops) -> int:
    width = 2  # `one` and BOS
    for op in ops:
        if isinstance(op, rasp.SOpOp):
            if op.encoding == rasp.NUMERICAL:
                width += 1
            else:
                width += sum(v is not None for v in op.values.data)
    return width


def stage_stats(module: ModuleOp) -> dict[str, int | None]:
    """The sizes this module's program has at its level (None: not defined yet)."""
    from raspir.backend.model import sizes_of, tracr_params
    from raspir.passes.convert_craft_to_la import ConvertCraftToLaPass
    from raspir.passes.schedule_layers import layer_count

    top = module.body.block.first_op
    stats: dict[str, int | None] = dict.fromkeys(COLUMNS)
    if isinstance(top, rasp.ProgramOp):
        stats["residual"] = _directions(top.body.block.ops)
    elif isinstance(top, sa.ProgramOp):
        components = [op for op in top.body.block.ops if isinstance(op, sa.ComponentOp)]
        stats["residual"] = _directions(components)
        stats["heads"] = sum(op.heads for op in components)
        if all(op.layer is not None for op in components if op.SUBLAYERS):
            stats["layers"] = layer_count(top)
    elif isinstance(top, craft.ModelOp):
        lowered = module.clone()
        ConvertCraftToLaPass().apply(Context(), lowered)
        stats = stage_stats(lowered)
        bound = compression_bound(top)
        if bound is not None:
            stats["bound"] = bound  # type: ignore[assignment]
        return stats
    elif isinstance(top, la.ModelOp):
        s = sizes_of(top, tracr_params(top))
        stats.update(
            layers=s.layers,
            heads=s.heads,
            residual=s.residual_width,
            mlp=s.mlp_hidden,
            params=s.params,
            nonzeros=s.nonzeros,
        )
    return stats


BOUND_ATTRIBUTES = ("residual_live_peak", "residual_erasure_peak", "erase_units")


def compression_bound(model: craft.ModelOp) -> tuple[int, ...] | None:
    """What ``craft-compress-residual`` recorded on a model: the most
    directions live at once, the same with lives extended to their erasure,
    and the erase units spent (None if the pass has not run)."""
    attributes = [model.attributes.get(name) for name in BOUND_ATTRIBUTES]
    if any(a is None for a in attributes):
        return None
    return tuple(a.value.data for a in attributes)  # type: ignore[union-attr]


def stats_table(rows: list[tuple[str, dict[str, int | None]]]) -> str:
    """Aligned text: one line per stage."""
    width = max(len(name) for name, _ in rows)
    head = f"{'stage':<{width}}  " + "  ".join(f"{c:>9}" for c in COLUMNS)

    def cell(v: int | None) -> str:
        return f"{'-' if v is None else f'{v:,}':>9}"

    lines = [head]
    for name, stats in rows:
        lines.append(f"{name:<{width}}  " + "  ".join(cell(stats[c]) for c in COLUMNS))
    for name, stats in rows:
        if "bound" in stats:
            live, erasure, units = stats["bound"]  # type: ignore[misc]
            lines.append(
                f"{name}: residual {stats['residual']:,} against a lower bound of "
                f"{live:,} directions live at once ({erasure:,} with each erased "
                f"at an MLP after its last read); {units:,} erase units"
            )
    return "\n".join(lines)
