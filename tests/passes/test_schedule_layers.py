"""schedule-layers: dependences respected, every component as early as possible."""

from __future__ import annotations

import functools

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, IntAttr, ModuleOp
from xdsl.parser import Parser
from xdsl.utils.exceptions import PassFailedException

from raspir.dialects import rasp as rasp_ir
from raspir.dialects import sa
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.interpreters.rasp import find_program
from raspir.passes.convert_rasp_to_sa import ConvertRaspToSaPass
from raspir.passes.schedule_layers import (
    ScheduleLayersPass,
    asap_layers,
    check_schedule,
    layer_count,
    narrow_layers,
)
from raspir.testing.library import LIB_PROGRAMS
from raspir.universe import RASPIR_UNIVERSE

TRACR_LAYERS = {
    "length": 1,
    "reverse": 4,
    "hist": 1,
    "sort_unique": 2,
    "sort": 3,
    "sort_freq": 5,
    "frac_prevs": 2,
    "pair_balance": 2,
    "shuffle_dyck": 6,
    "shuffle_dyck2": 8,
    "shift_by": 1,
    "detect_pattern": 3,
    "count_less_freq": 2,
    "count": 1,
    "nary_sequencemap": 3,
}
"""Layers of Tracr's models of the lib programs at max_seq_len 20."""

RASPIR_LAYERS = {
    "length": 1,
    "reverse": 4,
    "hist": 1,
    "sort_unique": 2,
    "sort": 3,
    "sort_freq": 4,
    "frac_prevs": 2,
    "pair_balance": 2,
    "shuffle_dyck": 5,
    "shuffle_dyck2": 7,
    "shift_by": 1,
    "detect_pattern": 3,
    "count_less_freq": 2,
    "count": 1,
    "nary_sequencemap": 3,
}
"""The fewest layers each program's component DAG allows, counted by hand.

shuffle_dyck's longest chain is MLP (bools_open), head (opens), MLP (balance),
MLP (any_negative), head (has_neg), MLP (not_has_neg), MLP (the output): slots
1, 2, 3, 5, 6, 7, 9, so 5 layers; shuffle_dyck2 adds a pair lookup and a lookup
between the discretised balances and has_neg (slots 1, 2, 3, 5, 7, 9, 10, 11,
13: 7 layers). reverse chains a count, two MLPs and a head (slots 0-1, 3, 5, 6).
sort_freq's map of its histogram is computed by the histogram's count MLP, so
its chain is a count, a pair lookup (keys), a count (target_pos) and a head:
slots 0-1, 3, 4-5, 6, 4 layers (Tracr: 5).
"""


def _slots(op: sa.ComponentOp) -> tuple[int, int]:
    """(first slot, slot after which the result is ready), from the op's layer."""
    if not op.SUBLAYERS:
        return -1, -1
    assert op.layer is not None, op.label.data
    layer = op.layer.data
    first = 2 * layer + (0 if op.SUBLAYERS[0] == sa.ATTENTION else 1)
    last = 2 * layer + (0 if op.SUBLAYERS[-1] == sa.ATTENTION else 1)
    return first, last


def components(program: sa.ProgramOp) -> list[sa.ComponentOp]:
    return [op for op in program.body.block.ops if isinstance(op, sa.ComponentOp)]


def schedule(module: ModuleOp) -> sa.ProgramOp:
    ScheduleLayersPass().apply(Context(), module)
    module.verify()
    return find_program(module, sa.ProgramOp)


@functools.cache
def scheduled_lib(name: str, max_seq_len: int, causal: bool = False) -> sa.ProgramOp:
    entry = LIB_PROGRAMS[name]
    module = to_rasp_ir(
        entry.build(max_seq_len), entry.vocab(max_seq_len), max_seq_len, causal=causal
    )
    ConvertRaspToSaPass().apply(Context(), module)
    return schedule(module)


def assert_dependences_and_asap(program: sa.ProgramOp) -> None:
    """Every input is ready before its consumer starts, and no component could
    start a layer earlier (which, with no limit on a sub-layer's width, makes the
    schedule's depth the smallest possible)."""
    for op in components(program):
        where = (op.name, op.label.data)
        if not op.SUBLAYERS:
            assert op.layer is None, where
            continue
        first, _ = _slots(op)
        producers = [operand.owner for operand in op.operands]
        assert all(isinstance(p, sa.ComponentOp) for p in producers), where
        ready = max(_slots(p)[1] for p in producers)  # type: ignore[arg-type]
        assert ready < first, where
        assert first < 2 or ready >= first - 2, where


# The lib programs.


def test_the_expected_layer_counts_cover_every_lib_program():
    assert set(RASPIR_LAYERS) == set(TRACR_LAYERS) == set(LIB_PROGRAMS)


@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_lib_layer_counts_at_20_never_exceed_tracr(name):
    program = scheduled_lib(name, 20)
    assert layer_count(program) == RASPIR_LAYERS[name]
    assert layer_count(program) <= TRACR_LAYERS[name]


@pytest.mark.parametrize(
    "max_seq_len,causal", [(20, False), (5, False), (5, True)], ids=str
)
@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_lib_schedules_respect_dependences_and_are_asap(name, max_seq_len, causal):
    program = scheduled_lib(name, max_seq_len, causal)
    assert_dependences_and_asap(program)
    check_schedule(program)
    last = max(
        (op.layer.data for op in components(program) if op.layer is not None),
        default=-1,
    )
    assert layer_count(program) == last + 1


# Hand-written programs.


def _context() -> Context:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(rasp_ir.Rasp)
    ctx.load_dialect(sa.SA)
    return ctx


HEADER = (
    'sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {\n'
    '  %t = sa.tokens "tokens" : !rasp.sop<categorical> values {none, "a", "b"} '
    "noise 0.0\n"
    '  %i = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0\n'
)


def parse(body: str, output: str) -> ModuleOp:
    text = HEADER + body + f"  sa.output %{output} : !rasp.sop<categorical>\n}}\n"
    module = Parser(_context(), text).parse_module()
    module.verify()
    return module


def lookup(name: str, source: str) -> str:
    """An MLP mapping a token-valued s-op (or none) to itself."""
    return (
        f'  %{name} = sa.lookup "{name}" %{source} '
        '{none -> none, "a" -> "a", "b" -> "b"} : '
        '!rasp.sop<categorical> values {none, "a", "b"} noise 0.0\n'
    )


def head(name: str, source: str, keys: str = "i") -> str:
    """A head copying a token-valued s-op from where ``keys`` equals the index."""
    return (
        f'  %{name} = sa.aggregate "{name}" %{keys}, %i, %{source} eq sharpness 10.0 : '
        '!rasp.sop<categorical> values {none, "a", "b"} noise 0.0\n'
    )


def count(name: str, source: str) -> str:
    return (
        f'  %{name} = sa.count "{name}" %{source}, %{source} eq sharpness 10.0 '
        "margin 0.01 : !rasp.sop<categorical> values {0, 1, 2} noise 0.0\n"
    )


def layers_of(program: sa.ProgramOp) -> dict[str, int | None]:
    return {
        op.label.data: None if op.layer is None else op.layer.data
        for op in components(program)
    }


@pytest.mark.parametrize("length", [1, 2, 3, 5])
def test_a_chain_of_mlps_takes_one_layer_per_mlp(length):
    body = "".join(lookup(f"m{k}", f"m{k - 1}" if k else "t") for k in range(length))
    program = schedule(parse(body, f"m{length - 1}"))
    assert [layers_of(program)[f"m{k}"] for k in range(length)] == list(range(length))
    assert layer_count(program) == length


def test_heads_and_mlps_alternate_within_a_layer():
    body = head("a0", "t") + lookup("m0", "a0") + head("a1", "m0") + lookup("m1", "a1")
    program = schedule(parse(body, "m1"))
    assert layers_of(program) == {
        "tokens": None,
        "indices": None,
        "a0": 0,
        "m0": 0,
        "a1": 1,
        "m1": 1,
    }
    assert layer_count(program) == 2


def test_a_count_uses_both_sub_layers_of_its_layer():
    # A head reading a count waits a layer; so does a count reading an MLP, and
    # an MLP reading that count follows in the next layer.
    body = (
        count("c0", "t")
        + head("after_count", "t", keys="c0")
        + lookup("m", "t")
        + count("c1", "m")
        + '  %m2 = sa.lookup "m2" %c1 {0 -> 0, 1 -> 1, 2 -> 2} : '
        "!rasp.sop<categorical> values {0, 1, 2} noise 0.0\n"
    )
    program = schedule(parse(body, "after_count"))
    layers = layers_of(program)
    assert (layers["c0"], layers["after_count"]) == (0, 1)
    assert (layers["m"], layers["c1"], layers["m2"]) == (0, 1, 2)
    assert layer_count(program) == 3
    assert_dependences_and_asap(program)


def test_only_embeddings_take_no_layer():
    program = schedule(parse("", "t"))
    assert all(op.layer is None for op in components(program))
    assert layer_count(program) == 0


def test_stale_layers_are_overwritten_and_dropped_from_embeddings():
    body = lookup("m", "t").replace("noise 0.0\n", "noise 0.0 layer 7\n")
    module = parse(body, "m")
    program = find_program(module, sa.ProgramOp)
    tokens = components(program)[0]
    tokens.layer = IntAttr(3)
    schedule(module)
    assert layers_of(program) == {"tokens": None, "indices": None, "m": 0}


def test_scheduling_twice_changes_nothing():
    program = scheduled_lib("sort_freq", 5)
    before = layers_of(program)
    ScheduleLayersPass().apply(Context(), program.parent_op())  # type: ignore[arg-type]
    assert layers_of(program) == before


# Checks and errors.


def test_check_schedule_names_the_op_that_runs_too_early():
    module = parse(head("a", "t") + lookup("m", "a"), "m")
    program = schedule(module)
    mlp = next(op for op in components(program) if op.label.data == "m")
    attention = next(op for op in components(program) if op.label.data == "a")
    attention.layer = IntAttr(1)
    with pytest.raises(PassFailedException) as info:
        check_schedule(program)
    assert str(info.value) == (
        "sa.lookup 'm': runs in slot 1 (layer 0, mlp), but its input "
        "sa.aggregate 'a' is only ready after slot 2"
    )
    # Back in order (head, then the MLP of the same layer), the schedule holds.
    attention.layer = IntAttr(0)
    mlp.layer = IntAttr(0)
    check_schedule(program)
    # A count is ready only after its layer's MLP: a head of that layer is too early.
    counted = schedule(parse(count("c", "t") + head("h", "t", keys="c"), "h"))
    h = next(op for op in components(counted) if op.label.data == "h")
    h.layer = IntAttr(0)
    with pytest.raises(
        PassFailedException,
        match=r"^sa\.aggregate 'h': runs in slot 0 \(layer 0, attention\), but its "
        r"input sa\.count 'c' is only ready after slot 1$",
    ):
        check_schedule(counted)


def test_an_unscheduled_component_has_no_layer_count():
    program = find_program(parse(lookup("m", "t"), "m"), sa.ProgramOp)
    with pytest.raises(PassFailedException, match=r"^sa\.lookup 'm': has no layer$"):
        layer_count(program)


def test_an_operand_from_outside_sa_is_rejected():
    text = (
        'sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {\n'
        '  %t = rasp.tokens "tokens" : !rasp.sop<categorical> values {none, "a", "b"}\n'
        + lookup("m", "t")
        + "  sa.output %m : !rasp.sop<categorical>\n}\n"
    )
    module = Parser(_context(), text).parse_module()
    with pytest.raises(PassFailedException) as info:
        ScheduleLayersPass().apply(Context(), module)
    assert str(info.value) == (
        "sa.lookup 'm': operand 0 comes from rasp.tokens, not from an sa component, "
        "so it has no slot"
    )


def test_the_pass_is_registered():
    assert RASPIR_UNIVERSE.all_passes["schedule-layers"]() is ScheduleLayersPass
    assert ScheduleLayersPass.name == "schedule-layers"


# narrow=true: the same depth, never earlier than ASAP, a valid schedule.


@pytest.mark.parametrize("max_seq_len", [5, 20])
@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_narrow_keeps_the_depth_and_the_dependences(name, max_seq_len):
    entry = LIB_PROGRAMS[name]
    module = to_rasp_ir(entry.build(max_seq_len), entry.vocab(max_seq_len), max_seq_len)
    ConvertRaspToSaPass().apply(Context(), module)
    program = find_program(module, sa.ProgramOp)
    asap = asap_layers(program)
    narrow = narrow_layers(program)
    assert set(narrow) == set(asap)
    assert max(narrow.values(), default=-1) == max(asap.values(), default=-1)
    assert all(narrow[op] >= asap[op] for op in asap)
    ScheduleLayersPass(narrow=True).apply(Context(), module)
    check_schedule(program)
