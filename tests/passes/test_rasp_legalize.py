"""rasp-legalize: composite selectors become one select, numbers read as
categories get categorical copies, and every level still agrees."""

import itertools

import pytest

import raspir
from raspir import rasp
from raspir.dialects import rasp as ir
from raspir.errors import UnsupportedProgramError
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.passes.rasp_legalize import RaspLegalizePass
from raspir.universe import context

tokens, indices = rasp.tokens, rasp.indices
Cmp = rasp.Comparison


def legalized(program, vocab=(1, 2, 3), max_seq_len=4):
    module = to_rasp_ir(program, vocab, max_seq_len)
    RaspLegalizePass().apply(context(), module)
    module.verify()
    return module


def ops_of(module, kind):
    return [op for op in module.walk() if isinstance(op, kind)]


def selectors():
    """Composite selectors over tokens, indices and a map, nested."""
    shifted = rasp.Map(lambda x: x + 1, tokens)
    leaves = [
        rasp.Select(tokens, tokens, Cmp.EQ),
        rasp.Select(indices, indices, Cmp.LT),
        rasp.Select(shifted, indices, Cmp.GEQ),
        rasp.Select(indices, tokens, Cmp.NEQ),
    ]
    out = []
    for a, b in itertools.combinations(leaves, 2):
        out += [rasp.SelectorAnd(a, b), rasp.SelectorOr(a, b)]
    out.append(rasp.SelectorNot(rasp.SelectorAnd(leaves[0], leaves[1])))
    out.append(
        rasp.SelectorOr(
            rasp.SelectorAnd(leaves[0], rasp.SelectorNot(leaves[1])), leaves[2]
        )
    )
    return out


@pytest.mark.parametrize("index", range(len(selectors())))
@pytest.mark.parametrize("pipeline", ["-O0", "-O2"])
def test_composite_selectors_are_exact_at_every_level(index, pipeline):
    selector = selectors()[index]
    width = rasp.SelectorWidth(selector)
    mean = rasp.numerical(
        rasp.Aggregate(
            selector, rasp.numerical(rasp.Map(lambda x: x / 3, tokens)), default=0
        )
    )
    for program in (width, mean):
        report = raspir.verify(
            program, {1, 2, 3}, 4, passes=pipeline, check_model=True, samples=60
        )
        assert report.exact, report
        assert report.skipped == 0


def test_no_composite_selector_survives():
    for selector in selectors():
        module = legalized(rasp.SelectorWidth(selector))
        composites = ops_of(module, ir.SelectAndOp | ir.SelectOrOp | ir.SelectNotOp)
        assert composites == []
        assert len(ops_of(module, ir.SelectOp)) == 1


def test_shared_sides_are_not_paired():
    same_sops = rasp.SelectorOr(
        rasp.Select(tokens, tokens, Cmp.LT), rasp.Select(tokens, tokens, Cmp.EQ)
    )
    module = legalized(rasp.SelectorWidth(same_sops))
    (select,) = ops_of(module, ir.SelectOp)
    assert select.predicate == ir.ComparisonAttr("leq")  # lt or eq
    assert ops_of(module, ir.SequenceMapOp) == []


def test_keys_and_queries_pair_once_when_equal():
    both = rasp.SelectorAnd(
        rasp.Select(tokens, tokens, Cmp.EQ), rasp.Select(indices, indices, Cmp.GT)
    )
    module = legalized(rasp.SelectorWidth(both))
    (pair,) = ops_of(module, ir.SequenceMapOp)
    (select,) = ops_of(module, ir.SelectOp)
    assert select.keys == select.queries == pair.result


def test_three_key_sops_pair_into_flat_tuples():
    doubled = rasp.Map(lambda x: 2 * x, tokens)
    selector = rasp.SelectorAnd(
        rasp.SelectorAnd(
            rasp.Select(tokens, tokens, Cmp.EQ), rasp.Select(indices, tokens, Cmp.LT)
        ),
        rasp.Select(doubled, tokens, Cmp.GT),
    )
    module = legalized(rasp.SelectorWidth(selector), vocab=(1, 2), max_seq_len=2)
    (select,) = ops_of(module, ir.SelectOp)
    key_values = ir.value_set_of(select.keys)
    assert all(isinstance(v, tuple) and len(v) == 3 for v in key_values)
    report = raspir.verify(rasp.SelectorWidth(selector), {1, 2, 3}, 4, check_model=True)
    assert report.exact, report


def test_numbers_compared_by_order_become_categories():
    number = rasp.numerical(rasp.Map(lambda x: x * 0.5, tokens))
    for cmp in (Cmp.LT, Cmp.LEQ, Cmp.GT, Cmp.GEQ, Cmp.NEQ, Cmp.TRUE, Cmp.FALSE):
        program = rasp.SelectorWidth(rasp.Select(number, number, cmp))
        module = legalized(program)
        (select,) = ops_of(module, ir.SelectOp)
        assert not select.keys.type.is_numerical
        report = raspir.verify(program, {1, 2, 3}, 5, check_model=True)
        assert report.exact, (cmp, report)


def test_numerical_sequence_map_inputs_become_categories():
    mean = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(indices, indices, Cmp.LEQ),
            rasp.numerical(rasp.Map(lambda x: x, tokens)),
            default=0,
        )
    )
    product = rasp.numerical(rasp.SequenceMap(lambda x, y: x * y - 1, mean, tokens))
    module = legalized(product, max_seq_len=3)
    (op,) = [
        o for o in ops_of(module, ir.SequenceMapOp) if o.label.data == str(product.name)
    ]
    assert not op.fst.type.is_numerical
    for n in (3, 5):
        report = raspir.verify(product, {1, 2, 3}, n, check_model=True)
        assert report.exact, report


def test_a_selector_read_twice_is_lowered_once():
    both = rasp.SelectorAnd(
        rasp.Select(tokens, tokens, Cmp.EQ), rasp.Select(indices, indices, Cmp.LT)
    )
    width = rasp.SelectorWidth(both)
    first = rasp.Aggregate(both, tokens)
    program = rasp.SequenceMap(lambda w, t: (w, t), width, first)
    module = legalized(program)
    assert len(ops_of(module, ir.SelectOp)) == 1


def test_a_table_telling_equal_numbers_apart_is_refused():
    mean = rasp.numerical(
        rasp.Aggregate(
            rasp.Select(indices, indices, Cmp.LEQ),
            rasp.numerical(rasp.Map(lambda x: x, tokens)),
            default=0,
        )
    )  # takes 1 (one selected) and 1.0 (the mean of two ones)
    kind = rasp.SequenceMap(lambda x, y: type(x).__name__, mean, tokens)
    with pytest.raises(UnsupportedProgramError) as error:
        raspir.compile_rasp_to_model(kind, {1, 2}, 3, compiler_bos="BOS")
    assert "inputs equal as numbers differently" in str(error.value)
    assert "numerical s-op cannot tell apart" in str(error.value)


# Conjunctions: the pairing is a view and the head sums a score per part.


def test_a_conjunction_takes_no_pairing_mlp_and_no_extra_layer():
    same = rasp.Select(tokens, tokens, Cmp.EQ)
    before = rasp.Select(indices, indices, Cmp.LT)
    width = rasp.SelectorWidth(rasp.SelectorAnd(same, before).named("both"))
    for n in (5, 20):
        model = raspir.compile_rasp_to_model(width, {1, 2, 3}, n)
        assert model.sizes.layers == 1  # the count's head and MLP
        assert not [r for r in model.residual_labels if r.startswith("both_keys")]


def sa_kinds(program) -> set[type]:
    """The kinds of sa op a legalized program lowers to."""
    from raspir.passes.convert_rasp_to_sa import ConvertRaspToSaPass

    module = legalized(program)
    ConvertRaspToSaPass().apply(context(), module)
    return {type(op) for op in module.walk()}


def test_sa_level_reads_pairs_as_views():
    from raspir.dialects import sa

    both = rasp.SelectorAnd(
        rasp.Select(tokens, tokens, Cmp.EQ), rasp.Select(indices, indices, Cmp.LEQ)
    )
    kinds = sa_kinds(rasp.numerical(rasp.Aggregate(both, ones(), default=0)))
    assert sa.PairOp in kinds and sa.PairLookupOp not in kinds


def test_a_disjunction_keeps_its_pair_lookup():
    from raspir.dialects import sa

    either = rasp.SelectorOr(
        rasp.Select(tokens, tokens, Cmp.EQ), rasp.Select(indices, indices, Cmp.LT)
    )
    kinds = sa_kinds(rasp.SelectorWidth(either))
    assert sa.PairLookupOp in kinds and sa.PairOp not in kinds


def test_conjunction_terms_drop_implied_ones():
    from raspir.dialects import sa

    both = rasp.SelectorAnd(
        rasp.Select(tokens, tokens, Cmp.EQ), rasp.Select(indices, indices, Cmp.LT)
    )
    module = legalized(rasp.SelectorWidth(both))
    (select,) = ops_of(module, ir.SelectOp)
    pair = select.keys.owner
    terms = sa.conjunction_terms(
        list(pair.operands), list(pair.operands), select.predicate
    )
    assert [(i, j) for i, j, _ in terms] == [(0, 0), (1, 1)]


@pytest.mark.parametrize("max_seq_len", [5, 10, 20])
def test_conjunctions_are_exact(max_seq_len):
    shifted = rasp.Map(lambda t: t % 2, tokens)
    programs = [
        rasp.SelectorWidth(
            rasp.SelectorAnd(
                rasp.Select(shifted, tokens, Cmp.EQ),
                rasp.Select(indices, indices, Cmp.GT),
            )
        ),
        rasp.AggregateMax(
            rasp.SelectorAnd(
                rasp.SelectorAnd(
                    rasp.Select(tokens, tokens, Cmp.NEQ),
                    rasp.Select(indices, indices, Cmp.LEQ),
                ),
                rasp.SelectorNot(rasp.Select(indices, tokens, Cmp.EQ)),
            ),
            tokens,
            default=0,
        ),
    ]
    for program in programs:
        for causal in (False, True):
            report = raspir.verify(
                program,
                {1, 2, 3},
                max_seq_len,
                causal=causal,
                check_model=True,
                samples=50,
            )
            assert report.exact, report


def ones():
    return rasp.numerical(rasp.Map(lambda t: 1, tokens))
