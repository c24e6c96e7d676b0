"""Where s-ops live in a compiled model, and reading them back.

Covered: every s-op of library programs and of random programs, decoded from
the residual stream at every stage its ``Direction`` says it is readable,
equals the evaluator's value of that s-op (numerical ones within their
certified noise); spans end where another s-op takes the coordinates over; what
heads read and write; the program graph's placement; the refusals (a stage
where the s-op is not held, unknown and folded names, a lossy model, a model
without sa IR) and the warning for values that kept no direction.
"""

from __future__ import annotations

import functools
import random
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed

from raspir import compile_rasp_to_model, rasp
from raspir.backend.anatomy import (
    DecodeWarning,
    anatomy_of,
    decode_intermediate,
    graph_of,
)
from raspir.backend.model import CompiledModel
from raspir.dialects.values import value_key
from raspir.errors import InvalidArgumentError, UnsupportedProgramError
from raspir.testing.library import LIB_PROGRAMS
from raspir.testing.programs import program_specs

N = 5
ROUNDING = 1e-4
"""Float32 rounding on top of an s-op's certified noise (values are at most a
few units: the sums that make them lose a few ulps of 1e-7 each)."""


@functools.cache
def lib_model(name: str, pipeline: str = "-O2") -> tuple[rasp.SOp, CompiledModel]:
    entry = LIB_PROGRAMS[name]
    program = entry.build(N)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = compile_rasp_to_model(
            program, entry.vocab(N), N, compiler_bos="BOS", pipeline=pipeline
        )
    return program, model


def expressions(program: rasp.SOp) -> dict[str, list[rasp.SOp]]:
    """The program's s-ops by name (the label its IR carries)."""
    seen: dict[int, rasp.RASPExpr] = {}
    stack = [program]
    while stack:
        expr = stack.pop()
        if expr.unique_id not in seen:
            seen[expr.unique_id] = expr
            stack += expr.children
    out: dict[str, list[rasp.SOp]] = {}
    for expr in seen.values():
        if isinstance(expr, rasp.SOp):
            out.setdefault(expr.name, []).append(expr)
    return out


def check_every_sop(program: rasp.SOp, model: CompiledModel, inputs: list) -> int:
    """Decode every s-op with one expression of its label at every stage it is
    readable; return how many (s-op, input) pairs were compared."""
    anatomy, compared = anatomy_of(model), 0
    by_label = expressions(program)
    for node in graph_of(model):
        sops = by_label.get(node.label, [])
        if len(sops) != 1 or node.name not in anatomy.directions:
            continue
        direction = anatomy.directions[node.name]
        kept = {value_key(v) for v in direction.values}
        stages = [s for s in anatomy.stages if direction.readable(s)]
        assert stages, node
        for xs in inputs:
            try:
                want = list(rasp.evaluate(sops[0], xs))
            except Exception:  # noqa: BLE001 - the evaluator rejects this input
                continue
            for stage in stages:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DecodeWarning)
                    got = decode_intermediate(
                        model, ["BOS", *xs], node.name, stage.name
                    )
                assert got[0] == "BOS"
                for g, w in zip(got[1:], want, strict=True):
                    if node.encoding == "numerical":
                        assert w is None or abs(g - w) <= node.noise + ROUNDING, (
                            node,
                            stage,
                            xs,
                            got,
                            want,
                        )
                    else:
                        expected = w if value_key(w) in kept else None
                        assert value_key(g) == value_key(expected), (
                            node,
                            stage,
                            xs,
                            got,
                            want,
                        )
            compared += 1
    return compared


@pytest.mark.parametrize(
    "name", ["sort", "shuffle_dyck2", "frac_prevs", "count_less_freq", "sort_freq"]
)
def test_every_sop_of_lib_programs_decodes_to_the_evaluator(name):
    program, model = lib_model(name)
    rng = random.Random(name)
    entry = LIB_PROGRAMS[name]
    inputs = [entry.random_input(rng, N) for _ in range(6)]
    assert check_every_sop(program, model, inputs) >= 6


def test_unoptimised_models_decode_too():
    program, model = lib_model("shuffle_dyck", "-O0")
    rng = random.Random(0)
    inputs = [LIB_PROGRAMS["shuffle_dyck"].random_input(rng, N) for _ in range(4)]
    assert check_every_sop(program, model, inputs) >= 4


@hypothesis_seed(20261126)
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(spec=program_specs(max_ops=6, max_seq_len=4))
def test_every_sop_of_random_programs_decodes_to_the_evaluator(spec):
    program = spec.build()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = compile_rasp_to_model(
                program, spec.vocab, spec.max_seq_len, causal=spec.causal
            )
    except UnsupportedProgramError:
        return
    rng = random.Random(spec.source())
    vocab = sorted(spec.vocab, key=repr)
    inputs = [
        [rng.choice(vocab) for _ in range(rng.randint(1, spec.max_seq_len))]
        for _ in range(4)
    ]
    bos = model.input_encoder.bos_token  # the compiler's, not "BOS"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DecodeWarning)
        compared = check_random(program, model, inputs, bos)
    (output,) = [n for n in graph_of(model) if n.output]
    assert output.name in compared or len(expressions(program)[output.label]) > 1


def check_random(program, model, inputs, bos) -> set[str]:
    """Decode every s-op at the stage that writes it; the names compared."""
    anatomy, compared = anatomy_of(model), set()
    by_label = expressions(program)
    for node in graph_of(model):
        if (
            node.name not in anatomy.directions
            or len(by_label.get(node.label, [])) != 1
        ):
            continue
        direction = anatomy.directions[node.name]
        kept = {value_key(v) for v in direction.values}
        for xs in inputs:
            try:
                want = list(rasp.evaluate(by_label[node.label][0], xs))
            except Exception:  # noqa: BLE001 - the evaluator rejects this input
                continue
            got = decode_intermediate(model, [bos, *xs], node.name)[1:]
            for g, w in zip(got, want, strict=True):
                if node.encoding == "numerical":
                    assert w is None or abs(g - w) <= node.noise + ROUNDING
                else:
                    expected = w if value_key(w) in kept else None
                    assert value_key(g) == value_key(expected), (node, xs, got, want)
            compared.add(node.name)
    return compared


def test_shared_coordinates_end_a_span_where_the_next_sop_moves_in():
    _, model = lib_model("shuffle_dyck2")
    anatomy = anatomy_of(model)
    shared = [c for c in anatomy.coordinates if len(c) > 1]
    assert shared, "-O2 shares coordinates in shuffle_dyck2"
    final = anatomy.stages[-1]
    for coordinate in shared:
        spans = [
            anatomy.held[anatomy.coordinates.index(coordinate), n]
            for n, _ in coordinate
        ]
        for (_, last), (first, _) in zip(spans, spans[1:], strict=False):
            assert last.index < first.index <= final.index
    ended = [d for d in anatomy.directions.values() if d.last != final]
    assert ended
    direction = ended[0]
    after = anatomy.stages[direction.last.index + 2]
    with pytest.raises(
        InvalidArgumentError, match=f"after {after.name}: it is readable"
    ):
        decode_intermediate(model, ["BOS", "(", ")"], direction.name, after.name)


def test_heads_read_their_selector_and_values_and_write_their_sop():
    _, model = lib_model("sort")
    anatomy = anatomy_of(model)
    (head,) = [u for u in anatomy.heads() if u.label == "sort"]
    assert "indices" in anatomy.reads(head, "query")
    assert "target_pos" in anatomy.reads(head, "key")
    assert anatomy.reads(head, "value") == ["tokens"]
    assert anatomy.writes(head) == ["sort"]
    nodes = {n.name: n for n in graph_of(model)}
    assert nodes["sort"].operands == (
        ("keys", "target_pos"),
        ("queries", "indices"),
        ("values", "tokens"),
    )
    assert nodes["sort"].predicate == "eq" and nodes["sort"].output
    assert nodes["sort"].stages == (head.stage.name,)
    layer = int(head.stage.name[1])
    assert nodes["target_pos"].stages == (f"L{layer - 1}.attn", f"L{layer - 1}.mlp")
    assert nodes["tokens"].stages == ("embed",)


def test_names_stages_and_refusals():
    _, model = lib_model("shuffle_dyck2")
    assert decode_intermediate(model, ["BOS", "(", ")"], "opens_2")[0] == "BOS"
    with pytest.raises(
        InvalidArgumentError, match="no stage 'L9.mlp': the stages are embed, L0.attn"
    ):
        decode_intermediate(model, ["BOS", "("], "opens", at="L9.mlp")
    with pytest.raises(
        InvalidArgumentError, match="not in the residual stream after embed"
    ):
        decode_intermediate(model, ["BOS", "("], "opens", at=-1)
    with pytest.raises(
        InvalidArgumentError, match="no s-op 'nothing' in this model.*holds"
    ):
        decode_intermediate(model, ["BOS", "("], "nothing")
    with pytest.raises(InvalidArgumentError, match="by its label"):
        decode_intermediate(model, ["BOS", "("], 3)


def test_a_rasp_expression_names_its_sop():
    program, model = lib_model("frac_prevs")
    assert (
        decode_intermediate(model, ["BOS", "b", "a"], program)
        == model.apply(["BOS", "b", "a"]).decoded
    )


def test_values_without_directions_warn():
    _, model = lib_model("length")
    with pytest.warns(
        DecodeWarning, match="keeps no direction for .* of the values of 'tokens'"
    ):
        decode_intermediate(model, ["BOS", "a", "b"], "tokens")


def test_lossy_models_and_models_without_sa_ir_are_refused():
    _, model = lib_model("hist")
    lossy = CompiledModel(
        source=model.source,
        weights=model.weights,
        info={**model.info, "lossy": {"width": 3}},
        ir=dict(model.ir),
    )
    with pytest.raises(InvalidArgumentError, match="lossy"):
        decode_intermediate(lossy, ["BOS", "a"], "hist")
    bare = CompiledModel(
        source=model.source,
        weights=model.weights,
        info=model.info,
        ir={"la": model.ir["la"]},
    )
    assert decode_intermediate(bare, ["BOS", "a", "a"], "hist")[1:] == [2, 2]
    with pytest.raises(InvalidArgumentError, match="no sa IR"):
        graph_of(bare)
