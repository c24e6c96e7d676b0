"""Max / min aggregation: the evaluator, the IR, and exact compiled heads."""

import pytest

import raspir
from raspir import rasp
from raspir.dialects import rasp as ir
from raspir.dialects import sa
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.universe import parse_module

tokens, indices = rasp.tokens, rasp.indices
Cmp = rasp.Comparison
prefix = rasp.Select(indices, indices, Cmp.LEQ)


def test_evaluator_takes_the_largest_or_smallest_selected_value():
    larger = rasp.Select(tokens, tokens, Cmp.GT)
    assert rasp.AggregateMax(prefix, tokens)([2, 1, 3, 2]) == [2, 2, 3, 3]
    assert rasp.AggregateMin(prefix, tokens)([2, 1, 3, 2]) == [2, 1, 1, 1]
    assert rasp.AggregateMin(larger, tokens, default=0)([2, 1, 3, 2]) == [3, 2, 0, 3]
    assert rasp.AggregateMax(prefix, tokens)(["b", "a", "c"]) == ["b", "b", "c"]


def test_evaluator_rejects_values_without_an_order():
    mixed = rasp.Map(lambda t: "x" if t == 1 else 2, tokens)
    with pytest.raises(ValueError, match="cannot be ordered"):
        rasp.AggregateMax(prefix, mixed)([1, 2])


def test_default_names():
    assert rasp.AggregateMax(prefix, tokens).label.startswith("aggregate_max")
    assert rasp.AggregateMin(prefix, tokens).label.startswith("aggregate_min")


def test_imported_value_set_holds_inputs_and_default_only():
    program = rasp.numerical(
        rasp.AggregateMax(prefix, rasp.numerical(rasp.Map(lambda t: t, tokens)), -1)
    )
    module = to_rasp_ir(program, {1, 2, 3}, 4)
    (op,) = [o for o in module.walk() if isinstance(o, ir.AggregateOp)]
    assert op.extremum == "max"
    assert op.values.data == (-1, 1, 2, 3)  # no means


def test_rasp_and_sa_ops_round_trip():
    text = """
rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %prefix = rasp.select "prefix" %indices, %indices leq
  %top = rasp.aggregate "top" %prefix, %tokens default none max : !rasp.sop<categorical> values {none, 1, 2}
  rasp.output %top : !rasp.sop<categorical>
}
"""
    module = parse_module(text)
    printed = str(module)
    assert "default none max : !rasp.sop<categorical>" in printed
    assert str(parse_module(printed)) == printed


def test_unordered_values_do_not_verify():
    text = """
rasp.program vocab {1, "a"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, "a"}
  %select = rasp.select "s" %tokens, %tokens eq
  %top = rasp.aggregate "top" %select, %tokens default none min : !rasp.sop<categorical> values {none, 1, "a"}
  rasp.output %top : !rasp.sop<categorical>
}
"""
    with pytest.raises(Exception, match="the min of values that cannot be ordered"):
        parse_module(text).verify()


def test_ranks_step_by_one_from_the_worst_value():
    assert sa.extremum_ranks([3, 1, 2], "max", False) == {
        ("int", 1): 0.0,
        ("int", 2): 1.0,
        ("int", 3): 2.0,
    }
    numbers = sa.extremum_ranks([0.5, -1.0, 2.0], "min", True)
    assert numbers[("float", (2.0).hex())] == 0.0
    assert numbers[("float", (-1.0).hex())] == 2.0  # 3.0 / the smallest gap 1.5


PROGRAMS = {
    "running max of tokens": lambda: rasp.AggregateMax(prefix, tokens),
    "running min of strings": lambda: rasp.categorical(
        rasp.AggregateMin(prefix, rasp.Map(lambda t: "abc"[t - 1], tokens))
    ),
    "smallest larger token, default": lambda: rasp.numerical(
        rasp.AggregateMin(
            rasp.Select(tokens, tokens, Cmp.GT),
            rasp.numerical(rasp.Map(lambda t: 1.5 * t - 4, tokens)),
            default=7,
        )
    ),
    "largest earlier index with the same token": lambda: rasp.AggregateMax(
        rasp.SelectorAnd(
            rasp.Select(tokens, tokens, Cmp.EQ), rasp.Select(indices, indices, Cmp.LT)
        ),
        indices,
        default=-1,
    ),
    "max of a head's output": lambda: rasp.AggregateMax(
        rasp.Select(indices, indices, Cmp.GEQ),
        rasp.Aggregate(
            rasp.Select(indices, rasp.Map(lambda i: i - 1, indices), Cmp.EQ),
            tokens,
            default=0,
        ),
    ),
}


@pytest.mark.parametrize("name", PROGRAMS)
@pytest.mark.parametrize("max_seq_len", [5, 10, 20])
def test_compiled_extremum_is_exact(name, max_seq_len):
    report = raspir.verify(
        PROGRAMS[name](), {1, 2, 3}, max_seq_len, check_model=True, samples=60
    )
    assert report.exact, report
    assert report.skipped == 0


@pytest.mark.parametrize("name", ["running max of tokens", "max of a head's output"])
def test_compiled_extremum_is_exact_causal_and_unoptimised(name):
    for kwargs in ({"causal": True}, {"passes": "-O0"}):
        report = raspir.verify(
            PROGRAMS[name](), {1, 2, 3}, 8, check_model=True, samples=60, **kwargs
        )
        assert report.exact, (kwargs, report)


def test_a_running_max_is_one_head():
    model = raspir.compile_rasp_to_model(
        PROGRAMS["running max of tokens"](), {1, 2, 3}, 10, compiler_bos="BOS"
    )
    assert model.model_config.num_layers == 1
    assert model.apply(["BOS", 1, 3, 2, 2]).decoded == ["BOS", 1, 3, 3, 3]
