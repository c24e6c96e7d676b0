"""rasp-fuse-maps: chains of tabulated ops become one table, computing the same values."""

from __future__ import annotations

import functools
import itertools
import random
import warnings

import pytest
from xdsl.dialects.builtin import ModuleOp

import raspir
from raspir import lib, rasp
from raspir.dialects import rasp as ir
from raspir.dialects.values import value_key
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.interpreters.rasp import EvaluationError, find_program, run_program
from raspir.passes.rasp_fuse_maps import RaspFuseMapsPass
from raspir.pipeline import O2, resolve
from raspir.testing.library import LIB_PROGRAMS
from raspir.universe import RASPIR_UNIVERSE, context

PIPELINE = (
    "canonicalize,cse,rasp-legalize,rasp-fuse-maps,rasp-prune-value-sets,"
    "canonicalize,dce"
)
"""The rasp-level part of -O2."""

REJECTED = "rejected"


def apply(module: ModuleOp, pipeline: str) -> ModuleOp:
    """A copy of ``module`` after ``pipeline``, verified after every pass."""
    out = module.clone()
    ctx = context()
    for each in resolve(pipeline):
        each.apply(ctx, out)
        out.verify()
    return out


def run(module: ModuleOp, xs) -> list | str:
    """The output's value keys (type-exact), or 'rejected'."""
    try:
        return [value_key(v) for v in run_program(module, list(xs))]
    except EvaluationError:
        return REJECTED


def ops(module: ModuleOp) -> list:
    return list(find_program(module).body.block.ops)


def names(module: ModuleOp) -> list[str]:
    return [op.name for op in ops(module)]


def labels(module: ModuleOp, kind: type) -> list[str]:
    return [op.label.data for op in ops(module) if isinstance(op, kind)]


def import_ir(program: rasp.SOp, vocab, n: int, causal: bool = False) -> ModuleOp:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # functions that raise on some inputs
        module = to_rasp_ir(program, vocab, n, causal=causal)
    module.verify()
    return module


def assert_agrees(original: ModuleOp, optimised: ModuleOp, inputs) -> int:
    """Same output on every input the original evaluates; how many it evaluated."""
    evaluated = 0
    for xs in inputs:
        expected = run(original, xs)
        if expected == REJECTED:
            continue
        evaluated += 1
        assert run(optimised, xs) == expected, xs
    return evaluated


def test_registered_and_in_O2():
    factory = RASPIR_UNIVERSE.all_passes["rasp-fuse-maps"]
    assert factory() is RaspFuseMapsPass
    assert RaspFuseMapsPass.name == "rasp-fuse-maps"
    assert ",".join(O2[:7]) == PIPELINE


# The lib programs.


@functools.cache
def lib_modules(name: str, n: int) -> tuple[ModuleOp, ModuleOp]:
    entry = LIB_PROGRAMS[name]
    module = import_ir(entry.build(n), entry.vocab(n), n)
    return module, apply(module, PIPELINE)


LIB_CASES = [(name, n) for name in sorted(LIB_PROGRAMS) for n in (5, 8)]


@pytest.mark.parametrize("name,n", LIB_CASES, ids=str)
def test_lib_programs_compute_the_same(name, n):
    module, optimised = lib_modules(name, n)
    rng = random.Random(n)
    inputs = [LIB_PROGRAMS[name].random_input(rng, n) for _ in range(50)]
    assert assert_agrees(module, optimised, inputs) > 0


@pytest.mark.parametrize("name,n", LIB_CASES, ids=str)
def test_lib_programs_fuse_idempotently(name, n):
    _, optimised = lib_modules(name, n)
    assert str(apply(optimised, "rasp-fuse-maps")) == str(optimised)


def test_lib_programs_that_fuse():
    """Which lib programs have a chain of tables once canonicalised."""
    changed = set()
    for name, entry in LIB_PROGRAMS.items():
        module = apply(import_ir(entry.build(5), entry.vocab(5), 5), "canonicalize,cse")
        if str(apply(module, "rasp-fuse-maps")) != str(module):
            changed.add(name)
    assert changed == {
        "detect_pattern",
        "nary_sequencemap",
        "reverse",
        "shuffle_dyck2",
        "sort_freq",
    }


def test_reverse_loses_its_map_and_a_layer():
    entry = LIB_PROGRAMS["reverse"]
    module, optimised = lib_modules("reverse", 5)
    assert "rasp.map" in names(module)
    assert "rasp.map" not in names(optimised)
    # opp_idx-1 is now the sequence_map length - indices - 1, under its own label.
    (fused,) = [op for op in ops(optimised) if isinstance(op, ir.SequenceMapOp)]
    assert fused.label.data == "opp_idx-1"
    assert isinstance(fused.fst.owner, ir.SelectorWidthOp)
    assert isinstance(fused.snd.owner, ir.IndicesOp)
    defined = {k: v for k, v in fused.table.data if v is not ir.UNDEFINED}
    assert defined == {(n, i): n - i - 1 for n in range(1, 6) for i in range(n)}
    program, vocab = entry.build(5), entry.vocab(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fused_model = raspir.compile_rasp_to_model(program, vocab, 5)
        unfused_model = raspir.compile_rasp_to_model(
            program, vocab, 5, pipeline=[p for p in O2 if p != "rasp-fuse-maps"]
        )
    # Fused, length - indices - 1 is affine and read by the head's weights
    # (no MLP at all): 2 layers. Unfused, the map after the sequence map keeps
    # a lookup MLP of its own: 3 layers.
    assert fused_model.model_config.num_layers == 2
    assert unfused_model.model_config.num_layers == 3


# Hand-built programs, checked on every input up to length 4.

VOCAB = ("a", "b", "c")
N = 4


def every_input(vocab=VOCAB, n=N):
    for length in range(1, n + 1):
        yield from itertools.product(vocab, repeat=length)


def check(program: rasp.SOp, vocab=VOCAB, n=N, causal=False) -> ModuleOp:
    """Fuse ``program``'s IR; assert it agrees with the unfused IR and with the
    evaluator on every input the evaluator accepts; return the fused IR."""
    module = import_ir(program, vocab, n, causal)
    optimised = apply(module, PIPELINE)
    fused_only = apply(module, "rasp-fuse-maps")
    evaluated = 0
    for xs in every_input(vocab, n):
        try:
            expected = [
                value_key(v) for v in rasp.evaluate(program, list(xs), causal=causal)
            ]
        except Exception:  # noqa: BLE001 - the evaluator rejects this input
            continue
        evaluated += 1
        assert run(module, xs) == expected, xs
        assert run(fused_only, xs) == expected, xs
        assert run(optimised, xs) == expected, xs
    assert evaluated > 0
    return fused_only


def test_chain_of_maps_becomes_one_map():
    code = rasp.categorical(rasp.Map(VOCAB.index, rasp.tokens)).named("code")
    up = rasp.categorical(rasp.Map(lambda x: x + 1, code, simplify=False)).named("up")
    sq = rasp.numerical(rasp.Map(lambda x: x * x, up, simplify=False)).named("sq")
    half = rasp.numerical(rasp.Map(lambda x: x / 2, sq, simplify=False)).named("half")
    fused = check(half)
    assert labels(fused, ir.MapOp) == ["half"]
    (op,) = [op for op in ops(fused) if isinstance(op, ir.MapOp)]
    assert isinstance(op.input.owner, ir.TokensOp)
    assert op.table.data == (("a", 0.5), ("b", 2.0), ("c", 4.5))
    assert op.encoding == ir.NUMERICAL


def test_maps_around_a_sequence_map_become_one_sequence_map():
    vowel = rasp.categorical(rasp.Map(lambda t: t == "a", rasp.tokens)).named("vowel")
    odd = rasp.categorical(rasp.Map(lambda i: i % 2, rasp.indices)).named("odd")
    both = rasp.categorical(
        rasp.SequenceMap(lambda v, o: f"{int(v)}{o}", vowel, odd)
    ).named("both")
    tag = rasp.categorical(rasp.Map(lambda s: s + "!", both)).named("tag")
    fused = check(tag)
    # vowel and both are absorbed; odd, a map of the indices, stays (the
    # position embedding writes it for free).
    assert [op.label.data for op in ops(fused)[2:-1]] == ["odd", "tag"]
    (op,) = [op for op in ops(fused) if isinstance(op, ir.SequenceMapOp)]
    assert isinstance(op.fst.owner, ir.TokensOp)
    assert isinstance(op.snd.owner, ir.MapOp) and op.snd.owner.label.data == "odd"


def test_map_of_a_categorical_linear_sequence_map():
    opp = rasp.categorical(
        rasp.LinearSequenceMap(lib.make_length(), rasp.indices, 1, -1)
    ).named("opp")
    last = rasp.categorical(rasp.Map(lambda x: x - 1, opp)).named("last")
    picked = rasp.Aggregate(
        rasp.Select(rasp.indices, last, rasp.Comparison.EQ), rasp.tokens
    ).named("picked")
    fused = check(picked)
    assert "rasp.linear_sequence_map" not in names(fused)
    assert labels(fused, ir.SequenceMapOp) == ["last"]


def test_none_from_an_aggregate_passes_through_fused_maps():
    prev = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1)
    left = rasp.categorical(rasp.Aggregate(prev, rasp.tokens, default=None))
    upper = rasp.categorical(rasp.Map(str.upper, left.named("left"), simplify=False))
    # Maps "B" to None: a None inside the chain, not only at its input.
    dropped = rasp.categorical(
        rasp.Map(lambda t: None if t == "B" else t + "!", upper, simplify=False)
    )
    pair = rasp.categorical(
        rasp.SequenceMap(lambda t, i: f"{t}{i}", dropped, rasp.indices)
    ).named("pair")
    fused = check(pair)
    assert "rasp.map" not in names(fused)
    (op,) = [op for op in ops(fused) if isinstance(op, ir.SequenceMapOp)]
    assert op.fst.owner.label.data == "left"
    table = dict(op.table.data)
    assert table[(None, 0)] is None
    assert table[("a", 1)] == "A!1"
    assert table[("b", 2)] is None


def test_error_entries_stay_errors():
    """``f`` raises on "c": every input with a "c" is rejected, before and after."""
    code = rasp.categorical(rasp.Map(lambda t: {"a": 1, "b": 2}[t], rasp.tokens)).named(
        "code"
    )
    double = rasp.categorical(rasp.Map(lambda x: 2 * x, code, simplify=False))
    tag = rasp.categorical(
        rasp.SequenceMap(lambda x, i: x + i, double.named("double"), rasp.indices)
    ).named("tag")
    fused = check(tag)
    assert "rasp.map" not in names(fused)
    (op,) = [op for op in ops(fused) if isinstance(op, ir.SequenceMapOp)]
    assert all((out is ir.UNDEFINED) == (t == "c") for (t, _), out in op.table.data), (
        op.table.data
    )
    for xs in every_input():
        if "c" in xs:
            assert run(fused, xs) == REJECTED, xs


def test_numerical_map_is_not_absorbed_by_a_sequence_map():
    frac = lib.make_frac_prevs(rasp.tokens == "a")
    most = rasp.categorical(rasp.Map(lambda f: f > 0.5, frac)).named("most")
    tag = rasp.categorical(
        rasp.SequenceMap(lambda m, t: t.upper() if m else t, most, rasp.tokens)
    ).named("tag")
    fused = check(tag)
    (op,) = [op for op in ops(fused) if isinstance(op, ir.SequenceMapOp)]
    assert op.label.data == "tag"
    assert isinstance(op.fst.owner, ir.MapOp) and op.fst.owner.label.data == "most"
    assert isinstance(op.fst.owner.input.owner, ir.AggregateOp)


def test_shared_inner_map():
    """Absorbed by both users when both are tables, kept when a select reads it."""
    code = rasp.categorical(rasp.Map(VOCAB.index, rasp.tokens)).named("code")
    up = rasp.categorical(rasp.Map(lambda x: (x + 1) % 3, code, simplify=False))
    up = up.named("up")
    down = rasp.categorical(rasp.Map(lambda x: (x + 2) % 3, code, simplify=False))
    near = rasp.Select(up, down.named("down"), rasp.Comparison.EQ)
    width = rasp.SelectorWidth(near).named("width")
    fused = check(width)
    assert labels(fused, ir.MapOp) == ["up", "down"]
    maps = [op for op in ops(fused) if isinstance(op, ir.MapOp)]
    assert all(isinstance(op.input.owner, ir.TokensOp) for op in maps)

    at_code = rasp.Select(rasp.indices, code, rasp.Comparison.EQ)
    kept = rasp.categorical(rasp.Aggregate(at_code, up)).named("kept")
    fused = check(kept)
    assert labels(fused, ir.MapOp) == ["code", "up"]


def test_fused_tables_on_a_causal_program():
    code = rasp.categorical(rasp.Map(VOCAB.index, rasp.tokens)).named("code")
    prefix = rasp.categorical(
        rasp.SequenceMap(lambda c, i: c + i, code, rasp.indices)
    ).named("prefix")
    parity = rasp.numerical(rasp.Map(lambda x: x % 2, prefix)).named("parity")
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    out = rasp.numerical(rasp.Aggregate(prevs, parity, default=0)).named("out")
    fused = check(out, causal=True)
    assert labels(fused, ir.SequenceMapOp) == ["parity"]
    assert "rasp.map" not in names(fused)
