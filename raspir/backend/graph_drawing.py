"""The program graph of a compiled model, drawn: Graphviz DOT and a picture.

``program_dot`` writes the scheduled program (``raspir.backend.anatomy.graph_of``)
as DOT: one node per s-op with its kind, encoding and the stages that compute
it, selectors as nodes of their own feeding the heads that use them, edges
labelled by role, and one rank per stage so that the graph reads top-down
through the model. ``render_graph`` draws DOT with Graphviz's ``dot`` when it
is on PATH and otherwise with its own layered layout in matplotlib (reading
the DOT back with ``parse_dot``), so a picture is always made.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from raspir.backend.model import CompiledModel
from raspir.backend.pictures import (
    PAD_INCHES,
    _format_of,
    _matplotlib,
    _save,
    _Text,
    shorten_predicate,
)
from raspir.errors import InvalidArgumentError, RaspirError

GRAPHVIZ, NETWORKX = "graphviz", "networkx"
"""What ``render_graph`` says drew the graph."""


# -- the program graph -----------------------------------------------------------


def _graph_unavailable(model: CompiledModel) -> str | None:
    """Why ``model`` has no program graph (lossy, or saved without sa.mlir), or None."""
    from raspir.backend.anatomy import graph_of

    try:
        graph_of(model)
    except InvalidArgumentError as e:
        return str(e)
    return None


def dot_string(text: str) -> str:
    """``text`` as a quoted DOT string that Graphviz shows as ``text``: quotes
    and backslashes escaped, line breaks as ``\\n``. A string may not end in a
    backslash in DOT (it would escape the closing quote): a space follows one."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if escaped.endswith("\\"):
        escaped += " "
    return f'"{escaped}"'


def _attributes(**attrs: str | float) -> str:
    return (
        "["
        + ", ".join(
            f"{k}={dot_string(v) if isinstance(v, str) else v}"
            for k, v in attrs.items()
        )
        + "]"
    )


def program_dot(model: CompiledModel) -> str:
    """The program graph of ``model`` as Graphviz DOT: one node per s-op (its
    name, sa kind and encoding, the stages that compute it; the output filled
    and outlined), one per distinct selector (``select(keys, queries)`` and its
    predicate, with edges from its keys and queries and to the heads that use
    it), edges labelled by role. Every stage that computes an s-op is a rank,
    in model order, named at the left: the graph reads top-down through the
    model. Node ids are numbered; names appear only in labels."""
    reason = _graph_unavailable(model)
    if reason is not None:
        raise InvalidArgumentError(reason)
    from raspir.backend.anatomy import anatomy_of, graph_of

    anatomy = anatomy_of(model)
    nodes = graph_of(model)
    order = [s.name for s in anatomy.stages]
    lines = [
        "digraph program {",
        '  graph [rankdir=TB, nodesep=0.25, ranksep=0.35, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="white", '
        'fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8, color="gray30"];',
    ]
    ids = {node.name: f"sop {i}" for i, node in enumerate(nodes)}
    ranks: dict[str, list[str]] = {}
    for node in nodes:
        if node.stages:
            ranks.setdefault(node.stages[0], []).append(ids[node.name])
    stages = [s for s in order if s in ranks]
    lines.append("  // the stages, top to bottom")
    for stage in stages:
        lines.append(
            f"  {dot_string('stage ' + stage)} "
            + _attributes(label=stage, shape="plaintext", style="", fontcolor="gray35")
            + ";"
        )
    if len(stages) > 1:
        chain = " -> ".join(dot_string("stage " + s) for s in stages)
        lines.append(f"  {chain} [style=invis];")
    for stage in stages:
        members = "; ".join(dot_string(i) for i in ["stage " + stage, *ranks[stage]])
        lines.append(f"  {{ rank=same; {members}; }}")
    lines.append("  // the s-ops")
    for node in nodes:
        where = "+".join(node.stages) or "not in the residual stream"
        label = f"{node.name}\n{node.kind}, {node.encoding}\n{where}"
        attrs: dict[str, str | float] = {"label": label}
        if node.output:
            attrs.update(label=f"{node.name} (output)\n{node.kind}, "
                         f"{node.encoding}\n{where}",
                         fillcolor="#fdd49e", penwidth=2)  # fmt: skip
        if not node.stages:
            attrs["style"] = "rounded,dashed"
        lines.append(f"  {dot_string(ids[node.name])} {_attributes(**attrs)};")
    declared = set(ids)
    edges: list[str] = []
    selectors: dict[tuple[str, str, str], str] = {}
    for node in nodes:
        operands = dict(node.operands)
        for operand in (name for _, name in node.operands):
            if operand not in declared:  # not an s-op of the graph: shown plainly
                declared.add(operand)
                ids[operand] = f"operand {len(declared)}"
                lines.append(
                    f"  {dot_string(ids[operand])} "
                    + _attributes(label=operand, style="dashed")
                    + ";"
                )
        target = dot_string(ids[node.name])
        if node.predicate is not None:
            key = (
                operands.get("keys", ""),
                operands.get("queries", ""),
                node.predicate,
            )
            if key not in selectors:
                selectors[key] = f"select {len(selectors)}"
                selector = dot_string(selectors[key])
                lines.append(
                    f"  {selector} "
                    + _attributes(
                        label=f"select({key[0]}, {key[1]})\n"
                        + shorten_predicate(node.predicate),
                        shape="ellipse",
                        fillcolor="gray92",
                    )
                    + ";"
                )
                for role in ("keys", "queries"):
                    if role in operands:
                        source = dot_string(ids[operands[role]])
                        edges.append(f"  {source} -> {selector} [label={role}];")
            edges.append(
                f"  {dot_string(selectors[key])} -> {target} [label=selector];"
            )
            if "values" in operands:
                source = dot_string(ids[operands["values"]])
                edges.append(f"  {source} -> {target} [label=values];")
            continue
        inputs = [name for role, name in node.operands if role == "input"]
        for i, name in enumerate(inputs):
            role = "input" if len(inputs) == 1 else f"input {i + 1}"
            edges.append(
                f"  {dot_string(ids[name])} -> {target} [label={dot_string(role)}];"
            )
    lines.append("  // selectors feed the heads that use them; edges by role")
    lines += edges
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- reading DOT back (for the drawing without Graphviz) ------------------------


@dataclass
class DotGraph:
    """What a DOT graph declares: its nodes with their attributes (in order),
    its edges, and its ``rank=same`` groups (in order)."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    ranks: list[list[str]] = field(default_factory=list)


_TOKEN = re.compile(
    r"""(?P<skip>\s+|//[^\n]*|\#[^\n]*|/\*.*?\*/)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<punct>->|--|[{}\[\];,=])
      | (?P<word>[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*|-?(?:\.\d+|\d+(?:\.\d*)?))
    """,
    re.S | re.X,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while at < len(text):
        m = _TOKEN.match(text, at)
        if m is None:
            raise InvalidArgumentError(
                f"not DOT text: cannot read {text[at : at + 20]!r} "
                f"(line {text.count(chr(10), 0, at) + 1})"
            )
        at = m.end()
        if m.lastgroup == "string":
            tokens.append(("id", m.group()[1:-1].replace('\\"', '"')))
        elif m.lastgroup == "word":
            tokens.append(("id", m.group()))
        elif m.lastgroup == "punct":
            tokens.append(("punct", m.group()))
    return tokens


def parse_dot(text: str) -> DotGraph:
    """The graph of DOT ``text``: nodes, edges (chains ``a -> b -> c``
    included), attribute defaults, subgraphs and ``rank=same``. Ports and
    subgraphs as edge ends are not read (an ``InvalidArgumentError``)."""
    tokens = _tokens(text)
    graph = DotGraph()
    at = 0

    def peek(offset: int = 0) -> tuple[str, str]:
        return tokens[at + offset] if at + offset < len(tokens) else ("end", "")

    def expect(value: str) -> None:
        nonlocal at
        kind, got = peek()
        if (kind, got) != ("punct", value):
            raise InvalidArgumentError(
                f"not DOT text: expected '{value}', found '{got or 'the end'}'"
            )
        at += 1

    def ident() -> str:
        nonlocal at
        kind, got = peek()
        if kind != "id":
            raise InvalidArgumentError(
                f"not DOT text: expected a name, found '{got or 'the end'}'"
            )
        at += 1
        return got

    def attr_list() -> dict[str, str]:
        nonlocal at
        attrs: dict[str, str] = {}
        while peek() == ("punct", "["):
            at += 1
            while peek() != ("punct", "]"):
                key = ident()
                expect("=")
                attrs[key] = ident()
                if peek() in (("punct", ","), ("punct", ";")):
                    at += 1
            expect("]")
        return attrs

    def node(name: str, defaults: dict[str, str], members: list[str]) -> None:
        if name not in graph.nodes:
            graph.nodes[name] = dict(defaults)
        if name not in members:
            members.append(name)

    def statements(defaults: dict[str, str], edge_defaults, members) -> dict:
        nonlocal at
        settings: dict[str, str] = {}
        while peek() not in (("punct", "}"), ("end", "")):
            kind, value = peek()
            if kind == "punct" and value == ";":
                at += 1
                continue
            if (kind == "id" and value == "subgraph") or (kind, value) == (
                "punct",
                "{",
            ):
                if value == "subgraph":
                    at += 1
                    if peek()[0] == "id":
                        at += 1
                expect("{")
                inner: list[str] = []
                sub = statements(dict(defaults), dict(edge_defaults), inner)
                expect("}")
                for name in inner:
                    if name not in members:
                        members.append(name)
                if sub.get("rank") == "same" and inner:
                    graph.ranks.append(inner)
                continue
            if (
                kind == "id"
                and value in ("graph", "node", "edge")
                and peek(1)
                == (
                    "punct",
                    "[",
                )
            ):
                at += 1
                attrs = attr_list()
                if value == "node":
                    defaults.update(attrs)
                elif value == "edge":
                    edge_defaults.update(attrs)
                else:
                    settings.update(attrs)
                continue
            name = ident()
            if peek() == ("punct", "="):
                at += 1
                settings[name] = ident()
                continue
            chain = [name]
            while peek() in (("punct", "->"), ("punct", "--")):
                at += 1
                chain.append(ident())
            attrs = attr_list()
            if len(chain) == 1:
                node(name, defaults, members)
                graph.nodes[name].update(attrs)
                continue
            for end in chain:
                node(end, defaults, members)
            for a, b in zip(chain, chain[1:], strict=False):
                graph.edges.append((a, b, {**edge_defaults, **attrs}))
        return settings

    if peek() == ("id", "strict"):
        at += 1
    if peek()[1] not in ("graph", "digraph"):
        raise InvalidArgumentError("not DOT text: it must start with digraph or graph")
    at += 1
    if peek()[0] == "id":
        at += 1
    expect("{")
    statements({}, {}, [])
    expect("}")
    if at != len(tokens):
        raise InvalidArgumentError("not DOT text: something follows the graph's '}'")
    return graph


def dot_label(attrs: dict[str, str], name: str) -> str:
    """A node's or edge's label as Graphviz shows it: ``\\n``, ``\\l`` and
    ``\\r`` break lines, ``\\\\`` is a backslash (a node's default label is
    its name)."""
    raw = attrs.get("label", name)
    out, i = [], 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append("\n" if nxt in "nlr" else nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out).rstrip(" ") if raw.endswith("\\ ") else "".join(out)


# -- drawing the graph ----------------------------------------------------------


def render_graph(dot_text: str, path: str | Path) -> str:
    """Draw DOT ``dot_text`` into ``path`` (``.png`` or ``.svg``) and say what
    drew it: ``graphviz`` (Graphviz's ``dot`` on PATH) or ``networkx`` (the
    same nodes, edges, labels and ranks, laid out in layers with networkx and
    drawn with matplotlib)."""
    path = Path(path)
    fmt = _format_of(path)
    dot = shutil.which("dot")
    if dot is None:
        _draw_layers(parse_dot(dot_text), path)
        return NETWORKX
    try:
        result = subprocess.run(
            [dot, f"-T{fmt}", "-o", str(path)],
            input=dot_text,
            capture_output=True,
            text=True,
        )
    except OSError as e:
        raise RaspirError(f"cannot run Graphviz's dot ({dot}): {e}") from None
    if result.returncode != 0:
        message = " ".join(result.stderr.split()) or "no message"
        raise RaspirError(
            f"Graphviz's dot failed (exit status {result.returncode}) drawing "
            f"'{path}': {message}"
        )
    return GRAPHVIZ


def _layers(graph: DotGraph):
    """The graph as a networkx DiGraph whose nodes carry their ``layer``: the
    i-th ``rank=same`` group is layer 2i; any other node goes just above its
    highest successor (a selector above the first head that uses it) or, with
    none, just below its lowest predecessor (at the top with neither)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(graph.nodes)
    for a, b, attrs in graph.edges:
        g.add_edge(a, b, **attrs)
    layer = {name: 2 * i for i, group in enumerate(graph.ranks) for name in group}
    order = list(nx.topological_sort(g)) if nx.is_directed_acyclic_graph(g) else []
    for name in reversed(order):
        below = [layer[s] for s in g.successors(name) if s in layer]
        if name not in layer and below:
            layer[name] = min(below) - 1
    for name in order or g:
        above = [layer[p] for p in g.predecessors(name) if p in layer]
        layer.setdefault(name, max(above) + 1 if above else 0)
    nx.set_node_attributes(g, layer, "layer")
    return g


BOX_PAD = 0.4
"""The padding of a node's box in the drawing without Graphviz, in font sizes."""
GRAPH_POINTS = 9
"""The size of node labels in the drawing without Graphviz (edge labels: 2
points smaller)."""
PLAIN_SHAPES = ("plaintext", "plain", "none")


def _slots(graph: DotGraph, layers: dict[int, list[str]], sources) -> dict:
    """Each node's column (a whole number), layer by layer from the top: nodes
    in the order of their visible predecessors' mean column, each at the
    column nearest that mean that is right of the previous node's. Plain-text
    nodes (stage names) keep column 0 to themselves."""
    plain = {n for n, a in graph.nodes.items() if a.get("shape") in PLAIN_SHAPES}
    first = 1 if plain else 0
    column: dict[str, int] = {}
    for layer in sorted(layers):
        names = layers[layer]

        def wanted(name: str) -> float | None:
            xs = [column[s] for s in sources.get(name, []) if s in column]
            return sum(xs) / len(xs) if xs else None

        taken = first
        for name in (n for n in names if n in plain):
            column[name] = 0
        rest = [n for n in names if n not in plain]
        # Nodes with no placed predecessor first, in the order declared.
        rest.sort(key=lambda n: (wanted(n) is not None, wanted(n) or 0.0))
        for name in rest:
            x = wanted(name)
            column[name] = max(taken, round(x) if x is not None else taken)
            taken = column[name] + 1
    return column


def _clip(start, end, half) -> tuple[float, float]:
    """Where the segment from box centre ``end`` towards ``start`` leaves the box
    of half-sizes ``half`` around ``end``."""
    dx, dy = start[0] - end[0], start[1] - end[1]
    scale = min(
        half[0] / abs(dx) if dx else math.inf, half[1] / abs(dy) if dy else math.inf
    )
    scale = min(scale, 1.0)
    return end[0] + dx * scale, end[1] + dy * scale


BENDS = (0.0, 0.25, -0.25, 0.5, -0.5, 0.8, -0.8, 1.2, -1.2)
"""The curvatures an edge may take (matplotlib's ``arc3`` ``rad``), straight
first: the first that passes through the fewest other boxes is drawn (over
the boxes it still crosses, so that it cannot be read as leaving one)."""
CURVE_SAMPLES = 64
"""Points along an edge tested against the boxes it might pass through."""


def _curve(start, end, bend: float, t: float) -> tuple[float, float]:
    """The point at ``t`` (0 to 1) of matplotlib's ``arc3`` curve from
    ``start`` to ``end``: a quadratic Bezier whose control point lies ``bend``
    times the chord's length off its middle, to the chord's right."""
    (x1, y1), (x2, y2) = start, end
    cx = (x1 + x2) / 2 + bend * (y2 - y1)
    cy = (y1 + y2) / 2 - bend * (x2 - x1)
    u = 1 - t
    return (
        u * u * x1 + 2 * u * t * cx + t * t * x2,
        u * u * y1 + 2 * u * t * cy + t * t * y2,
    )


def _bend(start, end, boxes) -> tuple[float, int]:
    """The curvature for an edge that passes through the fewest of ``boxes``
    (centre, half-sizes), and how many it passes through."""

    def hits(bend: float) -> int:
        points = [
            _curve(start, end, bend, i / CURVE_SAMPLES) for i in range(1, CURVE_SAMPLES)
        ]
        return sum(
            any(abs(x - cx) < hx and abs(y - cy) < hy for x, y in points)
            for (cx, cy), (hx, hy) in boxes
        )

    counts = {bend: hits(bend) for bend in BENDS}
    best = min(BENDS, key=counts.__getitem__)
    return best, counts[best]


LABEL_PLACES = (0.5, 0.35, 0.65, 0.2, 0.8)
"""Where along its edge (0 at the source, 1 at the target) an edge's label may
go, tried in this order: the first clear of boxes and other labels."""


def _label_place(start, end, bend, half, taken) -> tuple[float, float]:
    """A point on the edge for a label of half-sizes ``half`` that overlaps
    none of ``taken`` (centre, half-sizes), else the edge's middle."""
    for t in LABEL_PLACES:
        x, y = _curve(start, end, bend, t)
        if all(
            abs(x - cx) >= hx + half[0] or abs(y - cy) >= hy + half[1]
            for (cx, cy), (hx, hy) in taken
        ):
            return x, y
    return _curve(start, end, bend, LABEL_PLACES[0])


def _draw_layers(graph: DotGraph, path: Path) -> None:
    """Draw ``graph`` top-down by layer (``_layers``, ``_slots``): boxes as the
    DOT attributes ask (shape, style, fill, pen width, font colour), arrows
    from box edge to box edge, parallel edges' labels joined."""
    Figure, FigureCanvasAgg, colors = _matplotlib()
    g = _layers(graph)
    visible: dict[tuple[str, str], list[str]] = {}
    for a, b, attrs in graph.edges:
        if attrs.get("style") != "invis":
            labels = visible.setdefault((a, b), [])
            if "label" in attrs:
                labels.append(dot_label(attrs, ""))
    sources: dict[str, list[str]] = {}
    for a, b in visible:
        sources.setdefault(b, []).append(a)
    layers: dict[int, list[str]] = {}
    for name in graph.nodes:
        layers.setdefault(g.nodes[name]["layer"], []).append(name)
    depth = {layer: i for i, layer in enumerate(sorted(layers))}
    column = _slots(graph, layers, sources)
    figure = Figure()
    FigureCanvasAgg(figure)
    text = _Text(figure)
    labels = {name: dot_label(attrs, name) for name, attrs in graph.nodes.items()}
    sizes = {name: text.size(label, GRAPH_POINTS) for name, label in labels.items()}
    pad = BOX_PAD * GRAPH_POINTS / 72
    slot = max((w for w, _ in sizes.values()), default=1) + 2 * pad + 2 * PAD_INCHES
    row = max((h for _, h in sizes.values()), default=1) + 2 * pad + 4 * PAD_INCHES
    position = {
        name: (
            column[name] * slot + slot / 2,
            -depth[g.nodes[name]["layer"]] * row - row / 2,
        )
        for name in graph.nodes
    }
    across = max(column.values(), default=0) + 1
    figure.set_size_inches(across * slot, len(layers) * row)
    ax = figure.add_axes((0, 0, 1, 1))  # data units are inches
    ax.set_xlim(0, across * slot)
    ax.set_ylim(-len(layers) * row, 0)
    ax.axis("off")
    half = {}
    for name, attrs in graph.nodes.items():
        shape = attrs.get("shape", "box")
        style = attrs.get("style", "")
        fill = attrs.get("fillcolor", "white") if "filled" in style else "white"
        box = None
        w, h = sizes[name]
        half[name] = (w / 2, h / 2)
        if shape not in PLAIN_SHAPES:
            rounded = "rounded" in style or shape in ("ellipse", "oval", "circle")
            box = {
                "boxstyle": f"{'round' if rounded else 'square'},pad={BOX_PAD}",
                "facecolor": fill if colors.is_color_like(fill) else "white",
                "edgecolor": "black",
                "linewidth": float(attrs.get("penwidth", 1)),
                "linestyle": "--" if "dashed" in style else "-",
            }
            half[name] = (w / 2 + pad, h / 2 + pad)
        colour = attrs.get("fontcolor", "black")
        ax.text(
            *position[name],
            labels[name],
            ha="center",
            va="center",
            fontsize=GRAPH_POINTS,
            color=colour if colors.is_color_like(colour) else "black",
            bbox=box,
            zorder=3,
        )
    taken = [(position[n], half[n]) for n in graph.nodes]  # no label on these
    for (a, b), names in visible.items():
        start = _clip(position[b], position[a], half[a])
        end = _clip(position[a], position[b], half[b])
        others = [(position[n], half[n]) for n in graph.nodes if n not in (a, b)]
        bend, crossed = _bend(start, end, others)
        ax.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops={
                "arrowstyle": "-|>",
                "color": "0.3",
                "linewidth": 0.8,
                "shrinkA": 0,
                "shrinkB": 0,
                "connectionstyle": f"arc3,rad={bend}",
            },
            zorder=4 if crossed else 1,
        )
        if names:
            label = ", ".join(names)
            size = text.size(label, GRAPH_POINTS - 2)
            at = _label_place(start, end, bend, (size[0] / 2, size[1] / 2), taken)
            taken.append((at, (size[0] / 2, size[1] / 2)))
            ax.text(
                *at,
                label,
                ha="center",
                va="center",
                fontsize=GRAPH_POINTS - 2,
                color="0.25",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
                zorder=5 if crossed else 2,
            )
    _save(figure, path)
