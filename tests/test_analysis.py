"""raspir.analysis: which selectors never look ahead, which ops change causally."""

from __future__ import annotations

import pytest

from raspir import lib, rasp
from raspir.analysis import causal_sources, position_injective, selects_only_earlier
from raspir.dialects import rasp as ir
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.interpreters.rasp import find_program

C = rasp.Comparison


def program_of(sop: rasp.SOp, causal: bool = True) -> ir.ProgramOp:
    return find_program(to_rasp_ir(sop, ["a", "b"], 4, causal=causal))


def selector_of(selector: rasp.Selector):
    """The IR value of ``selector``, read by a selector width."""
    program = program_of(rasp.SelectorWidth(selector))
    width = program.output.sop.owner
    assert isinstance(width, ir.SelectorWidthOp)
    return width.selector


def earlier_minus(offset: int) -> rasp.Selector:
    return rasp.Select(rasp.indices, rasp.indices - offset, C.EQ)


IDX, TOK = rasp.indices, rasp.tokens
SELECTORS = {
    "indices lt": (rasp.Select(IDX, IDX, C.LT), True),
    "indices leq": (rasp.Select(IDX, IDX, C.LEQ), True),
    "indices eq": (rasp.Select(IDX, IDX, C.EQ), True),
    "indices false": (rasp.Select(IDX, IDX, C.FALSE), True),
    "tokens false": (rasp.Select(TOK, TOK, C.FALSE), True),
    "indices gt": (rasp.Select(IDX, IDX, C.GT), False),
    "indices geq": (rasp.Select(IDX, IDX, C.GEQ), False),
    "indices neq": (rasp.Select(IDX, IDX, C.NEQ), False),
    "indices true": (rasp.Select(IDX, IDX, C.TRUE), False),
    "tokens leq": (rasp.Select(TOK, TOK, C.LEQ), False),
    "relation before": (rasp.Select(IDX, IDX, lambda k, q: q == k + 1), True),
    "relation after": (rasp.Select(IDX, IDX, lambda k, q: k == q + 1), False),
    "query map at most i": (earlier_minus(1), True),
    "query map above i": (earlier_minus(-1), False),
    "and, one side safe": (
        rasp.Select(TOK, TOK, C.EQ) & rasp.Select(IDX, IDX, C.LEQ),
        True,
    ),
    "and, neither safe": (
        rasp.Select(TOK, TOK, C.EQ) & rasp.Select(IDX, IDX, C.GT),
        False,
    ),
    "or, both safe": (rasp.Select(IDX, IDX, C.LT) | rasp.Select(IDX, IDX, C.EQ), True),
    "or, one unsafe": (
        rasp.Select(IDX, IDX, C.LT) | rasp.Select(TOK, TOK, C.EQ),
        False,
    ),
    "not gt, which is leq": (~rasp.Select(IDX, IDX, C.GT), True),
    "not of and": (~(rasp.Select(IDX, IDX, C.LT) & rasp.Select(TOK, TOK, C.EQ)), False),
}


@pytest.mark.parametrize("name", list(SELECTORS))
def test_selects_only_earlier(name):
    selector, expected = SELECTORS[name]
    assert selects_only_earlier(selector_of(selector)) is expected


def _sources(sop: rasp.SOp) -> list[str]:
    return [f"{op.name} {op.label.data}" for op in causal_sources(program_of(sop))]


def test_causal_sources_are_the_ops_that_look_ahead():
    assert _sources(lib.make_frac_prevs(TOK == "a")) == []
    assert _sources(lib.shift_by(1, TOK)) == []
    assert _sources(lib.make_length()) == ["rasp.selector_width length"]
    assert _sources(lib.make_reverse(TOK)) == [
        "rasp.selector_width length",
        "rasp.aggregate reverse",
    ]
    last = rasp.Aggregate(rasp.Select(IDX, rasp.length - 1, C.EQ), TOK).named("last")
    assert _sources(last) == ["rasp.length length", "rasp.aggregate last"]


def test_causal_length_differs_at_every_position():
    length = program_of(rasp.length).output.sop
    assert position_injective(length, causal=True)
    assert not position_injective(length, causal=False)


def test_a_legalized_conjunction_with_an_earlier_select_stays_earlier():
    """rasp-legalize pairs (tokens, indices): the select over the tuples still
    selects only keys at or before the query, so causal compilation of the
    conjunction does not warn; a disjunction does."""
    from raspir.passes.rasp_legalize import RaspLegalizePass
    from raspir.universe import context

    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    upto = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    for combine, earlier in ((rasp.SelectorAnd, True), (rasp.SelectorOr, False)):
        module = to_rasp_ir(
            rasp.SelectorWidth(combine(same, upto)), ["a", "b"], 4, causal=True
        )
        RaspLegalizePass().apply(context(), module)
        program = find_program(module)
        (select,) = [op for op in program.walk() if isinstance(op, ir.SelectOp)]
        assert selects_only_earlier(select.result) is earlier
        assert [op.name for op in causal_sources(program)] == (
            [] if earlier else ["rasp.selector_width"]
        )
