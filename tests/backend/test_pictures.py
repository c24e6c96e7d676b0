"""Pictures of a compiled model (``raspir.backend.pictures``).

Covered: the residual figure (a panel per stage holding that stage's residual
stream, tick labels, s-op group headers, titles and frames saying what each
stage writes, a colour scale centred at 0), the attention figure (a panel per
head, rows that sum to 1, causal patterns lower-triangular, titles naming what
a head reads and writes and its selector), the program graph as DOT (well
formed, every s-op with its stages, ranked by stage, names that need escaping),
drawing it with a stand-in Graphviz ``dot`` and without one, ``show``, models
without sa IR and lossy models, and the errors.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from raspir import compile_rasp_to_model, rasp
from raspir.backend.anatomy import ERASE, anatomy_of, graph_of
from raspir.backend.graph_drawing import (
    dot_label,
    dot_string,
    parse_dot,
    program_dot,
    render_graph,
)
from raspir.backend.model import FILES, load
from raspir.backend.pictures import (
    attention_weights,
    plot_attention,
    plot_residuals,
    shorten_predicate,
    show,
)
from raspir.errors import InvalidArgumentError, InvalidInputError, RaspirError
from raspir.testing.library import LIB_PROGRAMS

MAX_SEQ_LEN = 5
INPUTS = {
    "sort": ["BOS", 3, 1, 4, 1, 5],
    "shuffle_dyck2": ["BOS", "(", "{", ")", "}"],
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@functools.cache
def compiled(name: str, causal: bool = False):
    p = LIB_PROGRAMS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # causal sort may differ from non-causal
        return compile_rasp_to_model(
            p.build(MAX_SEQ_LEN),
            p.vocab(MAX_SEQ_LEN),
            MAX_SEQ_LEN,
            compiler_bos="BOS",
            causal=causal,
        )


def image_panels(figure):
    """The axes that show a heatmap, in the order they were made."""
    return [ax for ax in figure.axes if ax.images]


def texts(labels) -> list[str]:
    return [t.get_text() for t in labels]


def one_line(title: str) -> str:
    return title.replace("\n", " ")


@pytest.fixture
def no_graphviz(monkeypatch, tmp_path):
    """A PATH without Graphviz's ``dot``, whatever this machine has."""
    empty = tmp_path / "no-dot"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


# -- the residual stream ----------------------------------------------------------


@pytest.mark.parametrize("name", list(INPUTS))
def test_residual_panels_hold_every_stage_with_its_labels(name):
    model, tokens = compiled(name), INPUTS[name]
    output = model.apply(tokens)
    figure = plot_residuals(model, tokens)
    panels = image_panels(figure)
    streams = [output.input_embeddings[0]] + [r[0] for r in output.residuals]
    assert len(panels) == len(streams) == 1 + 2 * model.sizes.layers
    anatomy = anatomy_of(model)
    for ax, stream, stage in zip(panels, streams, anatomy.stages, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), stream)
        assert texts(ax.get_yticklabels()) == [str(t) for t in tokens]
        assert one_line(ax.get_title(loc="left")).startswith(stage.name + " writes")
        norm = ax.images[0].norm
        assert norm.vmin == -norm.vmax  # centred at 0
    assert texts(panels[-1].get_xticklabels()) == model.residual_labels
    assert all(not any(texts(ax.get_xticklabels())) for ax in panels[:-1])
    # One more axes is the colour bar, one the group headers.
    assert len(figure.axes) == len(panels) + 2


@pytest.mark.parametrize("name", list(INPUTS))
def test_residual_titles_and_frames_say_what_each_stage_writes(name):
    from matplotlib.patches import Rectangle

    model, tokens = compiled(name), INPUTS[name]
    anatomy = anatomy_of(model)
    panels = image_panels(plot_residuals(model, tokens))
    for ax, stage in zip(panels, anatomy.stages, strict=True):
        units = [u for u in anatomy.units if u.stage == stage]
        written = [n for u in units if u.label != ERASE for n in anatomy.writes(u)]
        cleared = [n for u in units if u.label == ERASE for n in anatomy.writes(u)]
        title = one_line(ax.get_title(loc="left"))
        assert title.startswith(
            f"{stage.name} writes {', '.join(written) or 'nothing'}"
        )
        assert ("clears " + ", ".join(cleared) in title) == bool(cleared)
        framed = {"-": set(), ":": set()}  # written, cleared
        for patch in ax.patches:
            if isinstance(patch, Rectangle):
                first = int(patch.get_x() + 0.5)
                columns = range(first, first + int(patch.get_width()))
                framed[patch.get_linestyle()].update(columns)
        assert framed["-"] == {
            c for n in written for c in anatomy.directions[n].coordinates
        }, stage.name
        # An erasing block clears the coordinates its rows touch, not every
        # coordinate of the direction it clears.
        assert framed[":"] == {
            c for u in units if u.label == ERASE for c in u.writes
        }, stage.name
    # Every s-op computed in the model is named in the title of its stages.
    for node in graph_of(model):
        for stage in node.stages:
            title = one_line(panels[anatomy.stage(stage).index + 1].get_title("left"))
            assert node.name in title, (node.name, stage)


def header_labels(figure) -> list[str]:
    headers = [ax for ax in figure.axes if not ax.images and ax.texts]
    assert len(headers) == 1
    return [t.get_text() for t in headers[0].texts]


def test_group_headers_name_the_s_ops_and_what_shared_coordinates_hold():
    model = compiled("shuffle_dyck2")
    labels = header_labels(plot_residuals(model, INPUTS["shuffle_dyck2"]))
    groups = [tuple(label.split(" | ")) for label in labels]
    named = {name for group in groups for name in group}
    assert named == set(anatomy_of(model).directions)
    shared = [lb for lb in model.residual_labels if "|" in lb]
    assert shared, "shuffle_dyck2 shares residual coordinates"
    for label in shared:
        holds = tuple(dict.fromkeys(p.partition(":")[0] for p in label.split("|")))
        assert holds in groups, label
    # Groups are runs of columns: an s-op alone on its columns is one group.
    assert labels.count("indices") == 1


def test_residual_picture_is_saved_as_png_and_svg(tmp_path):
    model, tokens = compiled("sort"), INPUTS["sort"]
    png, svg = tmp_path / "r.png", tmp_path / "r.svg"
    figure = plot_residuals(model, tokens, png)
    assert image_panels(figure)
    assert png.read_bytes().startswith(PNG_MAGIC)
    plot_residuals(model, tokens, svg)
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    with pytest.raises(InvalidArgumentError, match=r"'.*r\.bmp'.* \.png or \.svg"):
        plot_residuals(model, tokens, tmp_path / "r.bmp")
    with pytest.raises(InvalidArgumentError, match="cannot write picture"):
        plot_residuals(model, tokens, tmp_path / "missing" / "r.png")
    with pytest.raises(InvalidInputError):
        plot_residuals(model, ["BOS", 9])


# -- attention ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(INPUTS))
def test_attention_panels_are_softmax_rows_titled_by_what_heads_read(name):
    model, tokens = compiled(name), INPUTS[name]
    output = model.apply(tokens)
    anatomy = anatomy_of(model)
    nodes = {n.name: n for n in graph_of(model)}
    panels = image_panels(plot_attention(model, tokens))
    heads = [
        (layer, h)
        for layer, logits in enumerate(output.attn_logits)
        for h in range(logits.shape[1])
    ]
    assert len(panels) == len(heads) > 0
    for ax, (layer, h) in zip(panels, heads, strict=True):
        weights = np.asarray(ax.images[0].get_array())
        assert weights.shape == (len(tokens), len(tokens))
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-12)
        assert weights.min() >= 0
        assert texts(ax.get_xticklabels()) == [str(t) for t in tokens]
        assert texts(ax.get_yticklabels()) == [str(t) for t in tokens]
        title = one_line(ax.get_title(loc="left"))
        assert title.startswith(f"L{layer}.attn head {h}: ")
        unit = next(
            u for u in anatomy.heads() if u.stage.layer == layer and u.index == h
        )
        for short, role in (("q", "query"), ("k", "key"), ("v", "value")):
            assert f"{short}: {', '.join(anatomy.reads(unit, role))}" in title
        node = nodes[unit.label]
        keys, queries = dict(node.operands)["keys"], dict(node.operands)["queries"]
        assert f"select({keys}, {queries}, {node.predicate})" in title


def test_the_sort_head_attends_to_the_key_it_moves_to_each_position():
    model, tokens = compiled("sort"), INPUTS["sort"]
    decoded = model.apply(tokens).decoded
    panels = image_panels(plot_attention(model, tokens))
    (sort_head,) = [ax for ax in panels if " sort ← " in ax.get_title(loc="left")]
    weights = np.asarray(sort_head.images[0].get_array())
    for query in range(1, len(tokens)):
        key = int(np.argmax(weights[query]))
        assert weights[query, key] > 0.5  # most of the weight on one key
        assert tokens[key] == decoded[query]


def test_causal_patterns_are_lower_triangular():
    tokens = ["BOS", 3, 1, 4, 1, 5]
    for causal in (True, False):
        panels = image_panels(plot_attention(compiled("sort", causal), tokens))
        above = [np.triu(np.asarray(ax.images[0].get_array()), k=1) for ax in panels]
        assert all(np.all(a == 0) for a in above) == causal


def test_attention_weights_keep_only_the_keys_a_query_sees():
    logits = np.array([[1e4, 0.0, 5.0], [0.0, 0.0, 1e4], [-1e4, 1.0, 1.0]])
    full = attention_weights(logits, causal=False)
    np.testing.assert_allclose(full.sum(axis=1), 1.0)
    assert full[0, 0] == full[1, 2] == 1.0  # large scores do not overflow
    assert full[2, 1] == full[2, 2] == 0.5
    causal = attention_weights(logits, causal=True)
    assert causal[1, 2] == 0 and causal[1, 0] == causal[1, 1] == 0.5
    assert np.all(np.triu(causal, k=1) == 0)


def test_a_model_without_heads_gets_a_figure_that_says_so():
    program = rasp.Map(lambda x: x + 1, rasp.tokens).named("plus_one")
    model = compile_rasp_to_model(program, {1, 2}, 3, compiler_bos="BOS")
    figure = plot_attention(model, ["BOS", 1, 2])
    assert not image_panels(figure)
    assert "no attention heads" in figure.texts[0].get_text()


# -- the program graph ----------------------------------------------------------------

QUOTED = r'"((?:[^"\\]|\\.)*)"'


def check_dot(text: str) -> tuple[set[str], list[tuple[str, str]]]:
    """A structural check of DOT text written apart from the module's reader:
    strings close, braces and brackets balance outside them, no string ends in
    a backslash (Graphviz would read it as an escaped quote), and every edge
    joins declared nodes. The declared node ids and the edges."""
    depth = {"{": 0, "[": 0}
    closing = {"}": "{", "]": "["}
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in depth:
            depth[c] += 1
        elif c in closing:
            depth[closing[c]] -= 1
            assert depth[closing[c]] >= 0, "a closing brace without its opening"
    assert not in_string and depth == {"{": 0, "[": 0}
    for body in re.findall(QUOTED, text):
        assert not re.search(r"(?<!\\)(\\\\)*\\$", body), body
    declared = set(re.findall(rf"^\s*{QUOTED} \[", text, re.M))
    edges = []
    for line in text.splitlines():
        if "->" in line:
            ends = re.findall(QUOTED, line.split("[")[0])
            edges += list(zip(ends, ends[1:], strict=False))
    assert {end for edge in edges for end in edge} <= declared
    return declared, edges


@pytest.mark.parametrize("name", list(INPUTS))
def test_program_dot_holds_every_s_op_ranked_by_its_stage(name):
    model = compiled(name)
    text = program_dot(model)
    declared, edges = check_dot(text)
    graph = parse_dot(text)
    assert set(graph.nodes) == declared
    labels = {n: dot_label(a, n) for n, a in graph.nodes.items()}
    by_name = {
        label.splitlines()[0].removesuffix(" (output)"): n
        for n, label in labels.items()
    }
    roles = {(a, b): attrs.get("label") for a, b, attrs in graph.edges}
    stage_order = [s.name for s in anatomy_of(model).stages]
    rank_of = {member: i for i, group in enumerate(graph.ranks) for member in group}
    rank_stage = [
        next(labels[m] for m in group if labels[m] in stage_order)
        for group in graph.ranks
    ]
    assert rank_stage == sorted(rank_stage, key=stage_order.index)  # top-down
    nodes = graph_of(model)
    for node in nodes:
        ident = by_name[node.name]
        assert labels[ident].splitlines()[1:] == [
            f"{node.kind}, {node.encoding}",
            "+".join(node.stages),
        ]
        assert rank_stage[rank_of[ident]] == node.stages[0]
        assert ("penwidth" in graph.nodes[ident]) == node.output
        operands = dict(node.operands)
        if node.predicate is not None:
            (selector,) = [
                a for a, b in roles if b == ident and labels[a].startswith("select")
            ]
            assert roles[selector, ident] == "selector"
            assert labels[selector] == (
                f"select({operands['keys']}, {operands['queries']})\n"
                + shorten_predicate(node.predicate)
            )
            for role in ("keys", "queries"):
                assert roles[by_name[operands[role]], selector] in (role, "queries")
            if "values" in operands:
                assert roles[by_name[operands["values"]], ident] == "values"
        else:
            for _, operand in node.operands:
                assert roles[by_name[operand], ident].startswith("input")
    assert sum(n.output for n in nodes) == 1
    assert len(edges) == len(graph.edges)


def test_selectors_are_shared_by_the_heads_that_use_them():
    model = compiled("shuffle_dyck2")
    graph = parse_dot(program_dot(model))
    heads = [n for n in graph_of(model) if n.predicate is not None]
    distinct = {
        (dict(n.operands)["keys"], dict(n.operands)["queries"], n.predicate)
        for n in heads
    }
    selectors = [
        n for n, a in graph.nodes.items() if dot_label(a, n).startswith("select")
    ]
    assert len(selectors) == len(distinct) < len(heads)
    fed = [b for a, b, _ in graph.edges if a in selectors]
    assert len(set(fed)) == len(fed) == len(heads)


def test_names_and_values_that_need_escaping_make_valid_dot():
    odd = 'say "hi" {x} \\'  # quotes, braces, and a final backslash
    select = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k[0] < q[0])
    ones = rasp.numerical(rasp.Map(lambda t: 1 if t == "a" else 0, rasp.tokens))
    program = rasp.numerical(
        rasp.Aggregate(select, ones.named("balance_{}"), default=0)
    ).named(odd)
    model = compile_rasp_to_model(program, {"a", 'b"', "c\\"}, 3, compiler_bos="BOS")
    text = program_dot(model)
    check_dot(text)
    labels = [dot_label(a, n) for n, a in parse_dot(text).nodes.items()]
    first_lines = [label.splitlines()[0] for label in labels]
    assert f"{odd} (output)" in first_lines and "balance_{}" in first_lines
    (head,) = [n for n in graph_of(model) if n.predicate is not None]
    assert "\\22" in head.predicate  # the value with a quote, as the IR writes it
    selector = f"select(tokens, tokens)\n{shorten_predicate(head.predicate)}"
    assert selector in labels


def graphviz_reads(quoted: str) -> str:
    """The string Graphviz reads from the start of ``quoted`` as its lexer
    does: within quotes only a backslash before a quote escapes (so a string
    whose text ends in a backslash would swallow its closing quote)."""
    assert quoted[0] == '"'
    out, i = [], 1
    while quoted[i] != '"':
        if quoted[i] == "\\" and quoted[i + 1] == '"':
            out.append('"')
            i += 2
        else:
            out.append(quoted[i])
            i += 1
    assert i == len(quoted) - 1, f"the string ends early: {quoted}"
    return "".join(out)


@pytest.mark.parametrize(
    "text",
    ["plain", 'a "b"', "ends in \\", '\\"', "\\N and \\n", "two\nlines", "{x}|<y>"],
)
def test_dot_strings_read_back_as_written(text):
    quoted = dot_string(text)
    read = dot_label({"label": graphviz_reads(quoted)}, "")
    assert read == text


def test_a_model_saved_without_sa_ir_has_pictures_but_no_graph(tmp_path, no_graphviz):
    model = compiled("sort")
    directory = model.save(tmp_path / "model")
    (directory / FILES["sa"]).unlink()
    loaded = load(directory)
    assert image_panels(plot_residuals(loaded, INPUTS["sort"]))
    assert image_panels(plot_attention(loaded, INPUTS["sort"]))
    with pytest.raises(InvalidArgumentError, match="no sa IR.*sa.mlir"):
        program_dot(loaded)
    notes = []
    paths = show(loaded, INPUTS["sort"], tmp_path / "out", note=notes.append)
    assert [p.name for p in paths] == ["residuals.png", "attention.png"]
    assert len(notes) == 1 and "sa.mlir" in notes[0]


def test_a_lossy_model_is_drawn_plainly_and_has_no_graph(tmp_path):
    from raspir.backend.compress import fold

    model = compiled("sort")
    lossy = fold(model, np.eye(model.sizes.residual_width))
    tokens = INPUTS["sort"]
    panels = image_panels(plot_residuals(lossy, tokens))
    assert texts(panels[-1].get_xticklabels()) == lossy.residual_labels
    assert [ax.get_title(loc="left") for ax in panels] == [
        s.name for s in anatomy_of(model).stages
    ]
    heads = image_panels(plot_attention(lossy, tokens))
    assert [ax.get_title(loc="left") for ax in heads] == [
        f"{u.stage.name} head {u.index}" for u in anatomy_of(model).heads()
    ]
    with pytest.raises(InvalidArgumentError, match="lossy"):
        program_dot(lossy)


# -- drawing the graph --------------------------------------------------------------


def fake_dot(directory: Path, status: int = 0, stderr: str = "") -> Path:
    """A stand-in for Graphviz's ``dot``: it records its arguments, and
    copies its input to the file after ``-o`` (or fails as asked)."""
    directory.mkdir()
    record = directory / "arguments.json"
    script = directory / "dot"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"json.dump(sys.argv[1:], open({str(record)!r}, 'w'))\n"
        f"sys.stderr.write({stderr!r})\n"
        f"if {status}: sys.exit({status})\n"
        "out = sys.argv[sys.argv.index('-o') + 1]\n"
        "open(out, 'w').write(sys.stdin.read())\n"
    )
    script.chmod(0o755)
    return record


def test_render_graph_runs_graphviz_when_it_is_on_path(tmp_path, monkeypatch):
    record = fake_dot(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    text = program_dot(compiled("sort"))
    for suffix in ("svg", "png"):
        out = tmp_path / f"graph.{suffix}"
        assert render_graph(text, out) == "graphviz"
        assert json.loads(record.read_text()) == [f"-T{suffix}", "-o", str(out)]
        assert out.read_text() == text


def test_render_graph_reports_graphviz_failures(tmp_path, monkeypatch):
    fake_dot(tmp_path / "bin", status=2, stderr="Error: syntax error in line 3\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(RaspirError, match=r"dot failed \(exit status 2\).*line 3"):
        render_graph("digraph {", tmp_path / "graph.png")


def test_render_graph_draws_without_graphviz(tmp_path, no_graphviz):
    text = program_dot(compiled("shuffle_dyck2"))
    png, svg = tmp_path / "graph.png", tmp_path / "graph.svg"
    assert render_graph(text, png) == "networkx"
    assert png.read_bytes().startswith(PNG_MAGIC)
    assert render_graph(text, svg) == "networkx"
    root = ET.parse(svg).getroot()
    # The output node is filled as its DOT attributes say.
    styles = " ".join(e.get("style", "") for e in root.iter())
    assert "fill: #fdd49e" in styles
    with pytest.raises(InvalidArgumentError, match="not DOT text"):
        render_graph("digraph { a -> ", png)
    with pytest.raises(InvalidArgumentError, match=r"\.png or \.svg"):
        render_graph(text, tmp_path / "graph.gif")


def test_parse_dot_reads_chains_defaults_and_ranks():
    graph = parse_dot(
        'digraph g { node [shape=box]; edge [color=red]; a -> "b c" -> d [label="x\\ny"];'
        " { rank=same; a; e [shape=plaintext]; } // comment\n}"
    )
    assert list(graph.nodes) == ["a", "b c", "d", "e"]
    assert graph.nodes["e"] == {"shape": "plaintext"}
    assert graph.nodes["a"] == {"shape": "box"}
    assert [(a, b) for a, b, _ in graph.edges] == [("a", "b c"), ("b c", "d")]
    assert dot_label(graph.edges[0][2], "") == "x\ny"
    assert graph.edges[0][2]["color"] == "red"
    assert graph.ranks == [["a", "e"]]


# -- everything ----------------------------------------------------------------------


def test_show_writes_every_picture(tmp_path, no_graphviz):
    model, tokens = compiled("sort"), INPUTS["sort"]
    notes = []
    paths = show(model, tokens, tmp_path / "png", note=notes.append)
    assert [p.name for p in paths] == [
        "residuals.png",
        "attention.png",
        "program.dot",
        "program.png",
    ]
    for path in paths:
        if path.suffix == ".png":
            assert path.read_bytes().startswith(PNG_MAGIC)
    assert paths[2].read_text() == program_dot(model)
    assert notes == ["program.png drawn with networkx (Graphviz's dot is not on PATH)"]
    svgs = show(model, tokens, tmp_path / "svg", format="svg", note=notes.append)
    for path in svgs:
        if path.suffix == ".svg":
            ET.parse(path)
    with pytest.raises(InvalidArgumentError, match="unknown picture format 'gif'"):
        show(model, tokens, tmp_path / "gif", format="gif")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InvalidArgumentError, match="not a directory"):
        show(model, tokens, blocker)


def test_pictures_without_matplotlib_say_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(RaspirError, match=r"raspir\[plot\]"):
        plot_residuals(compiled("sort"), INPUTS["sort"])
