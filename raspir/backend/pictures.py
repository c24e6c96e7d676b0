"""Pictures of a compiled model running on one input: its residual stream after
every stage, its attention patterns, and the program graph placed in its layers.

- ``plot_residuals``: one heatmap per stage (the embedding, then every
  sub-layer ``L0.attn``, ``L0.mlp``, ...), positions × residual directions,
  columns labelled as ``residual_labels`` and grouped by the s-ops their
  coordinates hold; each panel is titled with what its stage writes (and the
  dead directions an erasing MLP block clears), and those columns are framed.
- ``plot_attention``: every head's attention pattern (queries × keys), titled
  with what it reads in each role, what it writes and its selector.
- ``program_dot``: the program graph as Graphviz DOT, ranked by stage so that
  it reads top-down through the model; ``render_graph`` draws it with
  Graphviz's ``dot`` or, without it, with networkx and matplotlib.
- ``show``: all of them into one directory (what ``raspir show`` writes).

What each stage writes and each head reads comes from the model's anatomy
(``raspir.backend.anatomy``), the program graph from the scheduled sa IR. A
lossy model (``raspir compress``) has neither: its residual coordinates are
learned mixtures of the compiled directions. Its residual and attention
pictures are still drawn, labelled only by coordinate (``lossy:0``...),
stage and head; its program graph is an ``InvalidArgumentError``, as is the
graph of a model saved without ``sa.mlir``. A model without its la IR is
drawn like a lossy one.

Figures are made with matplotlib's Agg canvas, not pyplot, so none stays open;
matplotlib is the optional extra ``raspir[plot]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from raspir.backend.model import CompiledModel, ModelOutput, make_directory
from raspir.dialects.values import Value
from raspir.errors import InvalidArgumentError, RaspirError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from raspir.backend.anatomy import Anatomy, Unit

FORMATS = ("png", "svg")
"""The picture formats, chosen by a file's suffix."""
LABEL_POINTS = 7
"""The size of tick labels and group headers."""
TITLE_POINTS = 8
"""The size of panel titles."""
CELL_INCHES = 1.5 * LABEL_POINTS / 72
"""One residual column (and one position row): a rotated tick label's height
and half of it again as space, so that every column keeps its label."""
ATTENTION_PANEL_INCHES = 2.5
"""The least width of an attention panel: about 40 title characters of
TITLE_POINTS, so that a head's title wraps onto a few lines, not many."""
PNG_DPI = 150
"""Pixels per inch of a PNG: a label of LABEL_POINTS is 15 pixels high."""
PAD_INCHES = 0.1
"""Space between a panel and its labels or title."""
COLORBAR_INCHES = (0.15, 2.5)
"""The colour bar's width and (at most) height."""
COLORBAR_LABEL_INCHES = 0.6
"""Room right of the colour bar for its tick labels (``-10^1``) and title."""
BRACKET_INSET = 0.1
"""How far (in columns) a group's bracket ends stay inside its columns, so
that the brackets of neighbouring groups do not touch."""
RESIDUAL_CMAP = "RdBu_r"
"""Negative blue, zero white, positive red (as the weight heatmaps of
``raspir stats --heatmaps``)."""
ATTENTION_CMAP = "Blues"
"""Attention weights from 0 (white) to 1."""
MAX_PREDICATE_CHARS = 40
"""A selector's predicate table is cut to this many characters (and the rest
counted) so that its graph node stays about as wide as the s-op nodes."""


# -- the model's parts ---------------------------------------------------------


def _matplotlib():
    try:
        import matplotlib.colors as colors
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise RaspirError(
            "pictures need matplotlib: pip install 'raspir[plot]'"
        ) from None
    return Figure, FigureCanvasAgg, colors


def _anatomy_if_known(model: CompiledModel) -> Anatomy | None:
    """The model's anatomy, or None where it has none (a lossy model, or one
    loaded without its la IR): its pictures are then labelled plainly."""
    if "lossy" in model.info or "la" not in model.ir:
        return None
    from raspir.backend.anatomy import anatomy_of

    return anatomy_of(model)


def _stage_names(output: ModelOutput) -> list[str]:
    """``embed`` and every sub-layer's name: every layer of an la model has an
    attention sub-layer and then an MLP one."""
    return ["embed"] + [
        f"L{i // 2}.{'attn' if i % 2 == 0 else 'mlp'}"
        for i in range(len(output.residuals))
    ]


def _format_of(path: Path) -> str:
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise InvalidArgumentError(
            f"cannot tell the picture format of '{path}': its name must end in "
            + " or ".join(f".{f}" for f in FORMATS)
        )
    return fmt


def _save(figure: Figure, path: str | Path) -> None:
    path = Path(path)
    fmt = _format_of(path)
    try:
        figure.savefig(
            path,
            format=fmt,
            bbox_inches="tight",
            pad_inches=PAD_INCHES,
            dpi=PNG_DPI,
            # The same model gives the same bytes: no date in an SVG.
            metadata={"Date": None} if fmt == "svg" else None,
        )
    except OSError as e:
        raise InvalidArgumentError(
            f"cannot write picture '{path}': {e.strerror or e}"
        ) from None


class _Text:
    """Text sizes in inches, measured by the figure's renderer."""

    def __init__(self, figure: Figure):
        self.figure = figure
        self.renderer = figure.canvas.get_renderer()

    def size(self, text: str, points: float) -> tuple[float, float]:
        t = self.figure.text(0, 0, text, fontsize=points)
        box = t.get_window_extent(self.renderer)
        t.remove()
        return box.width / self.figure.dpi, box.height / self.figure.dpi

    def wrap(self, text: str, width: float, points: float) -> str:
        """``text`` broken at spaces into lines at most ``width`` inches wide
        (a word longer than that keeps a line of its own)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}" if line else word
                if line and self.size(candidate, points)[0] > width:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return "\n".join(lines)


def _line_inches(points: float) -> float:
    """The height of one line of text of ``points`` (matplotlib's line spacing)."""
    return 1.2 * points / 72


def _place(figure: Figure, left: float, top: float, width: float, height: float):
    """Axes at ``left``/``top`` inches from the figure's left/top edges."""
    w, h = figure.get_size_inches()
    return figure.add_axes((left / w, 1 - (top + height) / h, width / w, height / h))


# -- the residual stream -------------------------------------------------------


@dataclass
class _Group:
    """Consecutive residual columns holding the same s-ops."""

    names: tuple[str, ...]
    start: int
    width: int = 1

    @property
    def label(self) -> str:
        return " | ".join(self.names)


def _column_groups(model: CompiledModel, anatomy: Anatomy | None) -> list[_Group]:
    """The residual columns grouped by the directions each holds (a shared
    coordinate holds several, in the order they use it)."""
    if anatomy is not None:
        held = [
            tuple(dict.fromkeys(name for name, _ in c)) for c in anatomy.coordinates
        ]
    else:
        held = [
            tuple(dict.fromkeys(part.partition(":")[0] for part in label.split("|")))
            for label in model.residual_labels
        ]
    groups: list[_Group] = []
    for column, names in enumerate(held):
        if groups and groups[-1].names == names:
            groups[-1].width += 1
        else:
            groups.append(_Group(names, column))
    return groups


@dataclass
class _StageWrites:
    written: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    written_columns: set[int] = field(default_factory=set)
    cleared_columns: set[int] = field(default_factory=set)

    def caption(self, stage: str) -> str:
        if not self.written and not self.cleared:
            return f"{stage} writes nothing"
        text = f"{stage} writes " + (", ".join(self.written) or "nothing")
        if self.cleared:
            text += "; clears " + ", ".join(self.cleared)
        return text


def _stage_writes(anatomy: Anatomy) -> list[_StageWrites]:
    """What every stage writes and clears (directions and the coordinates
    its units' output rows touch), in stage order."""
    from raspir.backend.anatomy import ERASE

    out = {stage: _StageWrites() for stage in anatomy.stages}
    for unit in anatomy.units:
        entry = out[unit.stage]
        for name in anatomy.writes(unit):
            # An erasing block clears only the coordinates that a later s-op
            # takes over: the others of the direction keep their values.
            columns = unit.writes.intersection(anatomy.directions[name].coordinates)
            if unit.label == ERASE:
                entry.cleared.append(name)
                entry.cleared_columns.update(columns)
            else:
                entry.written.append(name)
                entry.written_columns.update(columns)
    return [out[stage] for stage in anatomy.stages]


def _runs(columns: set[int]) -> list[tuple[int, int]]:
    """``columns`` as (first, count) runs of consecutive columns."""
    runs: list[tuple[int, int]] = []
    for c in sorted(columns):
        if runs and runs[-1][0] + runs[-1][1] == c:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((c, 1))
    return runs


def _residual_norm(colors, streams: Sequence[np.ndarray]):
    """A colour scale centred at 0 and symmetric. One-hot directions hold 0
    and 1, numerical ones and their helpers (``x^2``) up to max_seq_len²:
    above 1 the scale is logarithmic, so that both stay visible."""
    top = max((float(np.max(np.abs(s))) for s in streams if s.size), default=0.0)
    if top <= 1:
        top = max(top, np.finfo(np.float32).eps)
        return colors.Normalize(vmin=-top, vmax=top)
    return colors.SymLogNorm(linthresh=1.0, linscale=1.0, vmin=-top, vmax=top)


def plot_residuals(
    model: CompiledModel, tokens: Sequence[Value], path: str | Path | None = None
) -> Figure:
    """The residual stream of ``model`` on ``tokens`` (``[BOS, x1, ...]``) after
    every stage, one panel per stage, on one colour scale; with ``path``
    (``.png`` or ``.svg``) also saved there."""
    figure = _residual_figure(model, tokens, model.apply(tokens))
    if path is not None:
        _save(figure, path)
    return figure


def _residual_figure(
    model: CompiledModel, tokens: Sequence[Value], output: ModelOutput
) -> Figure:
    Figure, FigureCanvasAgg, colors = _matplotlib()
    streams = [np.asarray(output.input_embeddings)[0]] + [
        np.asarray(r)[0] for r in output.residuals
    ]
    anatomy = _anatomy_if_known(model)
    names = _stage_names(output)
    writes = _stage_writes(anatomy) if anatomy is not None else None
    groups = _column_groups(model, anatomy)
    labels = list(model.residual_labels)
    rows = [str(t) for t in tokens]
    columns = len(labels)

    figure = Figure()
    FigureCanvasAgg(figure)
    text = _Text(figure)
    width = max(columns, 1) * CELL_INCHES
    height = len(rows) * CELL_INCHES
    left = max(text.size(r, LABEL_POINTS)[0] for r in rows) + 2 * PAD_INCHES
    # Captions wrap above their panel (at least a narrow attention panel's
    # width), clear of the colour bar at their right.
    caption_width = max(width, ATTENTION_PANEL_INCHES)
    colorbar_room = (
        caption_width
        - width
        + 3 * PAD_INCHES
        + COLORBAR_INCHES[0]
        + COLORBAR_LABEL_INCHES
    )
    captions = [
        text.wrap(
            writes[i].caption(name) if writes is not None else name,
            caption_width,
            TITLE_POINTS,
        )
        for i, name in enumerate(names)
    ]
    # The group headers: horizontal where a group is wide enough, else upright.
    headers = []
    for g in groups:
        w, h = text.size(g.label, LABEL_POINTS)
        upright = w > g.width * CELL_INCHES - PAD_INCHES / 2
        headers.append((g, upright, w if upright else h))
    bracket = PAD_INCHES
    header_height = max((extent for *_, extent in headers), default=0) + 2 * bracket
    tick_height = max((text.size(lb, LABEL_POINTS)[0] for lb in labels), default=0)
    title_heights = [
        (c.count("\n") + 1) * _line_inches(TITLE_POINTS) + PAD_INCHES for c in captions
    ]
    total = (
        PAD_INCHES
        + header_height
        + sum(title_heights)
        + len(streams) * (height + PAD_INCHES)
        + tick_height
        + 2 * PAD_INCHES
    )
    figure.set_size_inches(left + width + colorbar_room, total)

    header = _place(figure, left, PAD_INCHES, width, header_height)
    header.set_xlim(-0.5, columns - 0.5)
    header.set_ylim(0, header_height)
    header.axis("off")
    for g, upright, _ in headers:
        x0 = g.start - 0.5 + BRACKET_INSET
        x1 = g.start + g.width - 0.5 - BRACKET_INSET
        header.plot(
            [x0, x0, x1, x1],
            [bracket / 2, bracket, bracket, bracket / 2],
            color="0.3",
            linewidth=0.8,
        )
        header.text(
            (x0 + x1) / 2,
            bracket * 1.5,
            g.label,
            rotation=90 if upright else 0,
            ha="center",
            va="bottom",
            fontsize=LABEL_POINTS,
        )

    cmap = RESIDUAL_CMAP
    norm = _residual_norm(colors, streams)
    top = PAD_INCHES + header_height
    panels = []
    for i, stream in enumerate(streams):
        top += title_heights[i]
        ax = _place(figure, left, top, width, height)
        top += height + PAD_INCHES
        panels.append(ax)
        image = ax.imshow(
            stream, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest"
        )
        ax.set_title(captions[i], loc="left", fontsize=TITLE_POINTS, pad=3)
        ax.set_yticks(range(len(rows)), rows)
        ax.set_xticks(range(columns))
        last = i == len(streams) - 1
        if last:
            ax.set_xticklabels(labels, rotation=90)
        ax.tick_params(labelsize=LABEL_POINTS, labelbottom=last, length=2)
        for g in groups[1:]:
            ax.axvline(g.start - 0.5, color="0.75", linewidth=0.5)
        if writes is not None:
            for first, count in _runs(writes[i].written_columns):
                _frame(ax, first, count, len(rows), "-")
            for first, count in _runs(writes[i].cleared_columns):
                _frame(ax, first, count, len(rows), ":")
    top_of_bar = PAD_INCHES + header_height + title_heights[0]
    cax = _place(
        figure,
        left + caption_width + 3 * PAD_INCHES,
        top_of_bar,
        COLORBAR_INCHES[0],
        min(COLORBAR_INCHES[1], top - top_of_bar - PAD_INCHES),
    )
    bar = figure.colorbar(image, cax=cax)
    bar.set_label("value", fontsize=LABEL_POINTS)
    bar.ax.tick_params(labelsize=LABEL_POINTS)
    return figure


def _frame(ax, first: int, count: int, rows: int, style: str) -> None:
    """A frame around columns ``first`` to ``first + count - 1`` of a panel:
    solid where its stage writes them, dotted where it clears them."""
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle(
            (first - 0.5, -0.5),
            count,
            rows,
            fill=False,
            edgecolor="black",
            linewidth=1.2,
            linestyle=style,
            clip_on=False,
        )
    )


# -- attention ------------------------------------------------------------------


def attention_weights(logits: np.ndarray, causal: bool) -> np.ndarray:
    """The attention pattern of one head from its raw scores (queries × keys):
    the softmax over the keys it keeps (those not after the query in a causal
    model; ``apply`` cuts its trace to the input, so there is no PAD), 0 at
    the others."""
    scores = np.asarray(logits, dtype=np.float64)
    n = scores.shape[-1]
    keep = np.tril(np.ones((n, n), bool)) if causal else np.ones((n, n), bool)
    scores = np.where(keep, scores, -np.inf)
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


@dataclass
class _Head:
    stage: str
    layer: int
    index: int
    title: str
    weights: np.ndarray


def _heads(model: CompiledModel, output: ModelOutput) -> list[_Head]:
    anatomy = _anatomy_if_known(model)
    nodes = {}
    if anatomy is not None and "sa" in model.ir:
        from raspir.backend.anatomy import graph_of

        nodes = {n.name: n for n in graph_of(model)}
    units = {(u.stage.layer, u.index): u for u in (anatomy.heads() if anatomy else [])}
    heads = []
    for layer, logits in enumerate(output.attn_logits):
        logits = np.asarray(logits)[0]
        stage = f"L{layer}.attn"
        for h in range(logits.shape[0]):
            unit = units.get((layer, h))
            title = f"{stage} head {h}"
            if unit is not None:
                title += ": " + _head_text(anatomy, unit, nodes)
            weights = attention_weights(logits[h], model.info["causal"])
            heads.append(_Head(stage, layer, h, title, weights))
    return heads


def _head_text(anatomy: Anatomy, unit: Unit, nodes: dict) -> str:
    """What a head writes ← what it reads by role, and its selector. Every
    direction read is listed: ``one`` and ``tokens`` (for BOS) among them,
    which make a query that selects nothing attend to BOS."""
    roles = "; ".join(
        f"{short}: {', '.join(anatomy.reads(unit, role)) or '-'}"
        for short, role in (("q", "query"), ("k", "key"), ("v", "value"))
    )
    text = f"{', '.join(anatomy.writes(unit)) or unit.label} ← {roles}"
    node = nodes.get(unit.label)
    if node is not None and node.predicate is not None:
        operands = dict(node.operands)
        text += (
            f"\nselect({operands.get('keys', '?')}, {operands.get('queries', '?')}, "
            f"{shorten_predicate(node.predicate)})"
        )
    return text


def shorten_predicate(predicate: str) -> str:
    """A predicate as shown: its name (``lt``), or its table of (key, query)
    pairs cut to MAX_PREDICATE_CHARS with the pairs left out counted."""
    if len(predicate) <= MAX_PREDICATE_CHARS:
        return predicate
    pairs = predicate.count("), (") + 1
    cut = predicate[:MAX_PREDICATE_CHARS].rsplit("), (", 1)[0]
    shown = cut.count("), (") + 1
    return f"{cut}), … {pairs - shown} more}}"


def plot_attention(
    model: CompiledModel, tokens: Sequence[Value], path: str | Path | None = None
) -> Figure:
    """Every head's attention pattern on ``tokens`` (``[BOS, x1, ...]``), one
    row of panels per attention layer that has heads, each titled with what
    the head writes, every direction it reads as query, key and value (``one``
    and ``tokens`` included: they let a query that selects no key attend to
    BOS) and its selector; with ``path`` also saved there."""
    figure = _attention_figure(model, tokens, model.apply(tokens))
    if path is not None:
        _save(figure, path)
    return figure


def _attention_figure(
    model: CompiledModel, tokens: Sequence[Value], output: ModelOutput
) -> Figure:
    Figure, FigureCanvasAgg, colors = _matplotlib()
    heads = _heads(model, output)
    figure = Figure()
    FigureCanvasAgg(figure)
    if not heads:
        figure.set_size_inches(4, 1)
        figure.text(
            0.5, 0.5, "no attention heads: every attention sub-layer is empty",
            ha="center", va="center", fontsize=TITLE_POINTS,
        )  # fmt: skip
        return figure
    text = _Text(figure)
    names = [str(t) for t in tokens]
    n = len(names)
    side = max(n * CELL_INCHES, ATTENTION_PANEL_INCHES)
    label = max(text.size(t, LABEL_POINTS)[0] for t in names)
    axis_title = _line_inches(LABEL_POINTS)
    left = label + axis_title + 2 * PAD_INCHES  # y tick labels and "query"
    below = label + axis_title + 2 * PAD_INCHES  # x tick labels and "key"
    layers = sorted({h.layer for h in heads})
    per_layer = {layer: [h for h in heads if h.layer == layer] for layer in layers}
    across = max(len(hs) for hs in per_layer.values())
    titles = {id(h): text.wrap(h.title, side + left, TITLE_POINTS) for h in heads}
    title_heights = {
        layer: max(titles[id(h)].count("\n") + 1 for h in hs)
        * _line_inches(TITLE_POINTS)
        + PAD_INCHES
        for layer, hs in per_layer.items()
    }
    colorbar_room = 3 * PAD_INCHES + COLORBAR_INCHES[0] + COLORBAR_LABEL_INCHES
    figure.set_size_inches(
        across * (left + side + PAD_INCHES) + colorbar_room,
        PAD_INCHES + sum(title_heights.values()) + len(layers) * (side + below),
    )
    top = PAD_INCHES
    image = None
    for layer in layers:
        top += title_heights[layer]
        for column, head in enumerate(per_layer[layer]):
            ax = _place(
                figure, left + column * (left + side + PAD_INCHES), top, side, side
            )
            image = ax.imshow(
                head.weights,
                cmap=ATTENTION_CMAP,
                vmin=0.0,
                vmax=1.0,
                aspect="auto",
                interpolation="nearest",
            )
            ax.set_title(titles[id(head)], loc="left", fontsize=TITLE_POINTS, pad=3)
            ax.set_xticks(range(n), names, rotation=90)
            ax.set_yticks(range(n), names)
            ax.tick_params(labelsize=LABEL_POINTS, length=2)
            ax.set_xlabel("key", fontsize=LABEL_POINTS)
            ax.set_ylabel("query", fontsize=LABEL_POINTS)
        top += side + below
    first_title = title_heights[layers[0]]
    cax = _place(
        figure,
        across * (left + side + PAD_INCHES) + 2 * PAD_INCHES,
        PAD_INCHES + first_title,
        COLORBAR_INCHES[0],
        min(COLORBAR_INCHES[1], side),
    )
    bar = figure.colorbar(image, cax=cax)
    bar.set_label("attention weight", fontsize=LABEL_POINTS)
    bar.ax.tick_params(labelsize=LABEL_POINTS)
    return figure


# -- everything -----------------------------------------------------------------


def _print_note(message: str) -> None:
    print(message, file=sys.stderr)


def show(
    model: CompiledModel,
    tokens: Sequence[Value],
    out_dir: str | Path,
    format: str = "png",
    *,
    note: Callable[[str], Any] = _print_note,
) -> list[Path]:
    """Write ``residuals``, ``attention``, ``program.dot`` and ``program`` (the
    pictures in ``format``) for ``model`` on ``tokens`` into ``out_dir`` and
    return their paths. A model without a program graph (lossy, or saved
    without sa.mlir) gets the first two, with a ``note`` saying why; which
    renderer drew the graph is noted too (by default on stderr)."""
    if format not in FORMATS:
        raise InvalidArgumentError(
            f"unknown picture format '{format}' (expected {' or '.join(FORMATS)})"
        )
    out = make_directory(out_dir, "write pictures to")
    output = model.apply(tokens)
    written = []
    for name, draw in (
        ("residuals", _residual_figure),
        ("attention", _attention_figure),
    ):
        path = out / f"{name}.{format}"
        _save(draw(model, tokens, output), path)
        written.append(path)
    from raspir.backend.graph_drawing import (
        NETWORKX,
        _graph_unavailable,
        program_dot,
        render_graph,
    )

    reason = _graph_unavailable(model)
    if reason is not None:
        note(f"no program graph: {reason}")
        return written
    dot_text = program_dot(model)
    dot_path = out / "program.dot"
    try:
        dot_path.write_text(dot_text)
    except OSError as e:
        raise InvalidArgumentError(
            f"cannot write '{dot_path}': {e.strerror or e}"
        ) from None
    picture = out / f"program.{format}"
    renderer = render_graph(dot_text, picture)
    if renderer == NETWORKX:
        note(f"{picture.name} drawn with networkx (Graphviz's dot is not on PATH)")
    else:
        note(f"{picture.name} drawn with Graphviz's dot")
    written += [dot_path, picture]
    return written


__all__ = ["attention_weights", "plot_attention", "plot_residuals", "show"]
