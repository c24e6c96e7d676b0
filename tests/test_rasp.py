"""Behaviour of the RASP eDSL and its reference evaluator."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from raspir import rasp
from raspir.rasp import (
    Aggregate,
    Comparison,
    ConstantSelector,
    ConstantSOp,
    Full,
    LinearSequenceMap,
    Map,
    Select,
    SelectorAnd,
    SelectorNot,
    SelectorOr,
    SelectorWidth,
    SequenceMap,
    indices,
    length,
    tokens,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


# Primitives.


def test_primitives():
    assert tokens("abc") == ["a", "b", "c"]
    assert indices("abc") == [0, 1, 2]
    assert length("abc") == [3, 3, 3]
    assert tokens([]) == []
    assert length([]) == []


def test_primitive_labels_and_reprs():
    assert [tokens.label, indices.label, length.label] == [
        "tokens",
        "indices",
        "length",
    ]
    assert [repr(tokens), repr(indices), repr(length)] == [
        "tokens",
        "indices",
        "length",
    ]
    assert isinstance(tokens, rasp.TokensType)
    assert isinstance(indices, rasp.IndicesType)
    assert isinstance(length, rasp.LengthType)
    assert tokens.children == indices.children == length.children == []


# Map and SequenceMap.


def test_map():
    m = Map(lambda x: x + 1, tokens)
    assert m([1, 2, 3]) == [2, 3, 4]
    assert m.inner is tokens
    assert m.children == [tokens]


def test_map_passes_none_through_without_calling_f():
    def f(x):
        if x is None:
            raise AssertionError("f must not see None")
        return x * 10

    assert Map(f, ConstantSOp([None, 1, None]))("abc") == [None, 10, None]


def test_map_fusion_composes_and_drops_inner():
    inner = Map(lambda x: x + 1, tokens).named("inner")
    outer = Map(lambda x: x * 2, inner)
    assert outer.inner is tokens
    assert outer.name == "map"
    assert outer([1, 2]) == [4, 6]


def test_map_without_simplify_keeps_inner():
    inner = Map(lambda x: x + 1, tokens)
    outer = Map(lambda x: x * 2, inner, simplify=False)
    assert outer.inner is inner
    assert outer([1, 2]) == [4, 6]


def test_fused_map_keeps_none_semantics_of_the_unfused_chain():
    inner = Map(lambda x: None if x == 0 else x, tokens)
    fused = Map(lambda x: x + 1, inner)
    unfused = Map(lambda x: x + 1, inner, simplify=False)
    assert fused.inner is tokens
    assert fused([0, 1]) == unfused([0, 1]) == [None, 2]


def test_map_type_errors():
    with pytest.raises(TypeError, match="callable"):
        Map(tokens, tokens)
    with pytest.raises(TypeError, match="SOp"):
        Map(lambda x: x, 3)
    with pytest.raises(TypeError, match="SOp"):
        Map(lambda x: x, Select(tokens, tokens, Comparison.EQ))


def test_sequence_map():
    s = SequenceMap(lambda x, y: x * y, tokens, indices)
    assert s([2, 3, 4]) == [0, 3, 8]
    assert s.fst is tokens and s.snd is indices
    assert s.children[0] is tokens and s.children[1] is indices


def test_sequence_map_none_if_either_input_is_none():
    s = SequenceMap(
        lambda x, y: x + y, ConstantSOp([None, 2, 3]), ConstantSOp([1, None, 3])
    )
    assert s("abc") == [None, None, 6]


def test_sequence_map_type_errors():
    with pytest.raises(TypeError):
        SequenceMap(lambda x, y: x, tokens, 1)
    with pytest.raises(TypeError):
        SequenceMap(indices, tokens, tokens)


def test_linear_sequence_map():
    lsm = LinearSequenceMap(tokens, indices, 2, -1)
    assert isinstance(lsm, SequenceMap)
    assert (lsm.fst_fac, lsm.snd_fac) == (2, -1)
    assert lsm.fst is tokens and lsm.snd is indices
    assert lsm([5, 5, 5]) == [10, 9, 8]
    assert lsm.name == "linear_sequence_map"


# Operators on s-ops.


def test_arithmetic_with_constants_builds_maps():
    xs = [1, 2, 4]
    cases = {
        tokens + 1: [2, 3, 5],
        1 + tokens: [2, 3, 5],
        tokens - 1: [0, 1, 3],
        10 - tokens: [9, 8, 6],
        tokens * 3: [3, 6, 12],
        3 * tokens: [3, 6, 12],
        tokens / 2: [0.5, 1.0, 2.0],
        8 / tokens: [8.0, 4.0, 2.0],
        -tokens: [-1, -2, -4],
    }
    for sop, expected in cases.items():
        assert isinstance(sop, Map)
        assert sop.inner is tokens
        assert sop(xs) == expected


def test_arithmetic_between_sops_builds_sequence_maps():
    xs = [5, 6, 7]
    cases = {
        tokens + indices: [5, 7, 9],
        tokens - indices: [5, 5, 5],
        indices - tokens: [-5, -5, -5],
        tokens * indices: [0, 6, 14],
        indices / tokens: [0.0, 1 / 6, 2 / 7],
    }
    for sop, expected in cases.items():
        assert isinstance(sop, SequenceMap)
        assert sop(xs) == pytest.approx(expected)
    diff = indices - tokens
    assert diff.fst is indices and diff.snd is tokens


def test_comparisons_with_constants():
    xs = [1, 2, 3]
    assert (tokens < 2)(xs) == [True, False, False]
    assert (tokens <= 2)(xs) == [True, True, False]
    assert (tokens == 2)(xs) == [False, True, False]
    assert (tokens != 2)(xs) == [True, False, True]
    assert (tokens > 2)(xs) == [False, False, True]
    assert (tokens >= 2)(xs) == [False, True, True]
    assert isinstance(tokens == 2, Map)


def test_comparison_between_sops_compares_elementwise():
    cmp = tokens < indices
    assert isinstance(cmp, SequenceMap)
    assert cmp([5, 1, 1]) == [False, False, True]
    assert (tokens == indices)([0, 0, 2]) == [True, False, True]


def test_logical_operators_follow_python_and_or():
    xs = ["", "b"]
    assert (tokens & "d")(xs) == ["", "d"]
    assert ("d" & tokens)(xs) == ["", "b"]
    assert (tokens | "d")(xs) == ["d", "b"]
    assert ("d" | tokens)(xs) == ["d", "d"]
    both = (tokens == "b") & (indices == 1)
    either = (tokens == "b") | (indices == 0)
    assert isinstance(both, SequenceMap) and isinstance(either, SequenceMap)
    assert both(["b", "b", "a"]) == [False, True, False]
    assert either(["b", "a", "a"]) == [True, False, False]
    assert either(["a", "b", "a"]) == [True, True, False]


def test_invert():
    neg = ~(tokens == "a")
    assert isinstance(neg, Map)
    assert neg("ab") == [False, True]
    assert rasp.sop_not(tokens)([0, 1]) == [True, False]


# Full and ConstantSOp.


def test_full():
    f = Full(7)
    assert f.fill == 7
    assert f("abc") == [7, 7, 7]
    assert f.children == []


def test_constant_sop_length_check():
    c = ConstantSOp([1, 2])
    assert c.value == [1, 2] and c.check_length
    assert c("ab") == [1, 2]
    with pytest.raises(ValueError):
        c("abc")
    assert ConstantSOp([1, 2], check_length=False)("abc") == [1, 2]


# Comparisons and Select.


@pytest.mark.parametrize(
    "comparison, symbol, expected",
    [
        (Comparison.EQ, "==", [False, True, False]),
        (Comparison.LT, "<", [True, False, False]),
        (Comparison.LEQ, "<=", [True, True, False]),
        (Comparison.GT, ">", [False, False, True]),
        (Comparison.GEQ, ">=", [False, True, True]),
        (Comparison.NEQ, "!=", [True, False, True]),
        (Comparison.TRUE, "True", [True, True, True]),
        (Comparison.FALSE, "False", [False, False, False]),
    ],
)
def test_comparison(comparison, symbol, expected):
    assert comparison.value == symbol
    # Called as (key, query): key 1, 2, 3 against query 2.
    assert [comparison(key, 2) for key in (1, 2, 3)] == expected


@pytest.mark.parametrize("comparison", list(Comparison))
def test_comparison_rejects_none(comparison):
    with pytest.raises(ValueError):
        comparison(None, 1)
    with pytest.raises(ValueError):
        comparison(1, None)


def test_select_matrix_is_indexed_query_then_key():
    sel = Select(indices, indices, Comparison.LT)
    assert (
        sel.keys is indices
        and sel.queries is indices
        and sel.predicate is Comparison.LT
    )
    # Row q selects the keys k with k < q.
    assert sel("abc") == [
        [False, False, False],
        [True, False, False],
        [True, True, False],
    ]


def test_select_calls_predicate_with_key_then_query():
    calls = []

    def predicate(key, query):
        calls.append((key, query))
        return key == "k0" and query == "q2"

    sel = Select(
        ConstantSOp(["k0", "k1", "k2"]), ConstantSOp(["q0", "q1", "q2"]), predicate
    )
    matrix = sel("abc")
    assert matrix[2][0] is True
    assert sum(map(sum, matrix)) == 1
    assert ("k0", "q2") in calls and ("q2", "k0") not in calls


def test_select_type_errors():
    with pytest.raises(TypeError):
        Select(1, tokens, Comparison.EQ)
    with pytest.raises(TypeError):
        Select(tokens, tokens, "==")


def test_constant_selector():
    value = [[True, False], [True, True]]
    sel = ConstantSelector(value)
    assert sel.value == value
    assert sel("ab") == value
    with pytest.raises(ValueError):
        sel("abc")
    assert SelectorWidth(sel)("ab") == [1, 2]


# Selector combinators and their simplification.


def test_selector_or_with_shared_keys_and_queries_merges_into_select():
    eq = Select(tokens, indices, Comparison.EQ)
    lt = Select(tokens, indices, Comparison.LT)
    merged = eq | lt
    assert type(merged) is Select
    assert merged.keys is tokens and merged.queries is indices
    assert merged([0, 1, 2]) == Select(tokens, indices, Comparison.LEQ)([0, 1, 2])


def test_selector_and_with_shared_keys_and_queries_merges_into_select():
    geq = Select(indices, indices, Comparison.GEQ)
    leq = Select(indices, indices, Comparison.LEQ)
    merged = geq & leq
    assert type(merged) is Select
    assert merged("abc") == Select(indices, indices, Comparison.EQ)("abc")
    assert type(rasp.selector_and(geq, leq)) is Select


def test_selector_not_of_select_negates_predicate():
    lt = Select(indices, indices, Comparison.LT)
    neg = ~lt
    assert type(neg) is Select
    assert neg("abc") == Select(indices, indices, Comparison.GEQ)("abc")


def test_selectors_over_different_sops_stay_composite():
    a = Select(tokens, tokens, Comparison.EQ)
    b = Select(indices, indices, Comparison.LEQ)
    both = a & b
    either, neither = a | b, ~both
    assert type(both) is SelectorAnd and both.fst is a and both.snd is b
    assert type(either) is SelectorOr and either.fst is a and either.snd is b
    assert type(neither) is SelectorNot and neither.inner is both
    T, F = True, False
    xs = "aba"
    assert a(xs) == [[T, F, T], [F, T, F], [T, F, T]]
    assert b(xs) == [[T, F, F], [T, T, F], [T, T, T]]
    assert both(xs) == [[T, F, F], [F, T, F], [T, F, T]]
    assert either(xs) == [[T, F, T], [T, T, F], [T, T, T]]
    assert neither(xs) == [[F, T, T], [T, F, T], [F, T, F]]


def test_simplify_false_keeps_composites():
    a = Select(indices, indices, Comparison.LT)
    b = Select(indices, indices, Comparison.EQ)
    assert type(rasp.selector_and(a, b, simplify=False)) is SelectorAnd
    assert type(rasp.selector_or(a, b, simplify=False)) is SelectorOr
    assert type(rasp.selector_not(a, simplify=False)) is SelectorNot
    assert rasp.selector_or(a, b, simplify=False)("abc") == (a | b)("abc")


def test_full_on_one_side_merges_using_the_other_sides_sop():
    by_fill = Select(Full(1), indices, Comparison.LT)  # selects where 1 < query
    by_token = Select(tokens, indices, Comparison.LEQ)
    merged = by_fill & by_token
    assert type(merged) is Select
    assert merged.keys is tokens and merged.queries is indices
    xs = [0, 3, 1]
    assert merged(xs) == rasp.selector_and(by_fill, by_token, simplify=False)(xs)
    assert merged(xs) == [[False] * 3, [False] * 3, [True, False, True]]


def test_selector_operators_reject_non_selectors():
    with pytest.raises(TypeError):
        Select(tokens, tokens, Comparison.EQ) & tokens


# Aggregate and SelectorWidth.


def test_aggregate_default_when_nothing_selected():
    none_selected = Select(indices, indices, Comparison.FALSE)
    assert Aggregate(none_selected, tokens)("ab") == [None, None]
    assert Aggregate(none_selected, tokens, default=0)("ab") == [0, 0]


def test_aggregate_single_selection_returns_the_element():
    same = Select(indices, indices, Comparison.EQ)
    assert Aggregate(same, tokens)("xyz") == ["x", "y", "z"]
    assert Aggregate(same, tokens)([None, (1, "a")]) == [None, (1, "a")]


def test_aggregate_single_number_keeps_its_type():
    same = Select(indices, indices, Comparison.EQ)
    out = Aggregate(same, tokens)([True, 3, 2.5])
    assert out == [True, 3, 2.5]
    assert [type(v) for v in out] == [bool, int, float]


def test_aggregate_means_of_numbers():
    prefix = Select(indices, indices, Comparison.LEQ)
    assert Aggregate(prefix, tokens, default=0)([1, 2, 3]) == [1, 1.5, 2.0]
    assert Aggregate(prefix, tokens, default=0)([0.5, 1.0, 0.25]) == pytest.approx(
        [0.5, 0.75, 1.75 / 3]
    )
    assert Aggregate(prefix, tokens, default=0)([True, False, True]) == pytest.approx(
        [1, 0.5, 2 / 3]
    )


def test_aggregate_rejects_several_non_numbers():
    agg = Aggregate(Select(indices, indices, Comparison.TRUE), tokens).named("blend")
    with pytest.raises(ValueError, match=agg.label) as info:
        agg("ab")
    assert "'a'" in str(info.value) and "'b'" in str(info.value)
    with pytest.raises(ValueError):
        Aggregate(Select(indices, indices, Comparison.TRUE), ConstantSOp([1, None]))(
            "ab"
        )


def test_aggregate_argument_checks():
    sel = Select(indices, indices, Comparison.EQ)
    agg = Aggregate(sel, tokens, default=0)
    assert agg.selector is sel and agg.sop is tokens and agg.default == 0
    assert (
        len(agg.children) == 2 and agg.children[0] is sel and agg.children[1] is tokens
    )
    with pytest.raises(TypeError):
        Aggregate(sel, tokens, default=[0])
    with pytest.raises(TypeError):
        Aggregate(tokens, tokens)
    with pytest.raises(TypeError):
        Aggregate(sel, sel)


def test_selector_width():
    sel = Select(tokens, tokens, Comparison.EQ)
    width = SelectorWidth(sel)
    assert width.selector is sel
    out = width("abaa")
    assert out == [3, 1, 3, 3]
    assert all(type(v) is int for v in out)
    assert SelectorWidth(Select(indices, indices, Comparison.LT))("abcd") == [
        0,
        1,
        2,
        3,
    ]


# Causal evaluation.


def test_causal_selector_width_counts_prefix():
    all_true = SelectorWidth(Select(tokens, tokens, Comparison.TRUE))
    assert rasp.evaluate(all_true, "abcd") == [4, 4, 4, 4]
    assert rasp.evaluate(all_true, "abcd", causal=True) == [1, 2, 3, 4]
    assert rasp.CausalEvaluator().evaluate(all_true, "abc") == [1, 2, 3]


def test_causal_prefix_mean_matches_non_causal():
    is_x = rasp.numerical(tokens == "x")
    frac = rasp.numerical(
        Aggregate(Select(indices, indices, Comparison.LEQ), is_x, default=0)
    )
    xs = "xaxx"
    assert (
        rasp.evaluate(frac, xs, causal=True)
        == rasp.evaluate(frac, xs)
        == pytest.approx([1, 0.5, 2 / 3, 0.75])
    )


def test_causal_mask_applies_to_every_selector_value():
    sel = Select(indices, indices, Comparison.GT)
    assert rasp.evaluate(sel, "abc", causal=True) == [
        [False] * 3,
        [False] * 3,
        [False] * 3,
    ]
    composite = ~(
        Select(tokens, tokens, Comparison.EQ)
        & Select(indices, indices, Comparison.FALSE)
    )
    assert type(composite) is SelectorNot
    # Every key is selected before masking; afterwards only the prefix is.
    assert rasp.evaluate(composite, "abc", causal=True) == [
        [True, False, False],
        [True, True, False],
        [True, True, True],
    ]
    const = ConstantSelector([[True, True], [True, True]])
    assert rasp.evaluate(const, "ab", causal=True) == [[True, False], [True, True]]


def test_causal_aggregate_sees_only_earlier_positions():
    third = Aggregate(Select(indices, Full(2), Comparison.EQ), tokens)
    assert rasp.evaluate(third, "abc") == ["c", "c", "c"]
    assert rasp.evaluate(third, "abc", causal=True) == [None, None, "c"]


def test_causal_length_is_the_prefix_length():
    assert rasp.evaluate(length, "abcd") == [4, 4, 4, 4]
    assert rasp.evaluate(length, "abcd", causal=True) == [1, 2, 3, 4]
    assert rasp.CausalEvaluator().evaluate(length, "ab") == [1, 2]
    assert rasp.evaluate(length, "", causal=True) == []
    # The last token of each prefix is the token at that position.
    last = Aggregate(Select(indices, length - 1, Comparison.EQ), tokens)
    assert rasp.evaluate(last, "abc") == ["c", "c", "c"]
    assert rasp.evaluate(last, "abc", causal=True) == ["a", "b", "c"]


# Identity hashing, ids and labels.


def test_sops_and_selectors_are_hashable_by_identity():
    a = tokens + 1
    b = tokens + 1
    sel = Select(tokens, tokens, Comparison.EQ)
    table = {a: "a", b: "b", tokens: "t", sel: "s"}
    assert (
        table[a] == "a"
        and table[b] == "b"
        and table[tokens] == "t"
        and table[sel] == "s"
    )
    assert len({a, b, tokens, indices, sel, a}) == 5
    assert hash(a) != hash(b)


def test_unique_ids_are_assigned_at_construction():
    a = tokens + 1
    b = tokens + 2
    # Reading b's label first must not change the order of ids.
    label_b = b.label
    label_a = a.label
    assert a.unique_id < b.unique_id
    assert label_a == f"map_{a.unique_id}" and label_b == f"map_{b.unique_id}"


_LABEL_SCRIPT = textwrap.dedent(
    """
    import sys
    from raspir import lib, rasp

    read_early = sys.argv[1] == "early"
    exprs = []

    def add(expr):
        exprs.append(expr)
        if read_early:
            expr.label
        return expr

    x = add(rasp.tokens == "a")
    y = add(rasp.numerical(x).named("is_a"))
    sel = add(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ))
    add(rasp.numerical(rasp.Aggregate(sel, y, default=0)))
    add(lib.make_reverse(rasp.tokens))
    add(lib.make_shuffle_dyck2())
    add(lib.make_sort_freq(5))
    print(" ".join(e.label for e in exprs))
    """
)


def _labels_in_fresh_process(mode: str) -> str:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    done = subprocess.run(
        [sys.executable, "-c", _LABEL_SCRIPT, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        env=env,
    )
    return done.stdout.strip()


def test_labels_are_deterministic_across_processes():
    first = _labels_in_fresh_process("late")
    second = _labels_in_fresh_process("late")
    early = _labels_in_fresh_process("early")
    assert first == second == early
    labels = first.split()
    assert len(labels) == 7 and len(set(labels)) == 7
    assert labels[1].startswith("is_a_")


def test_annotated_copies_get_new_labels_and_leave_source_alone():
    source = tokens + 1
    source_label = source.label  # read first: the copy must still differ
    num = rasp.numerical(source)
    named = source.named("plus_one")
    extra = source.annotated(colour="red")
    assert len({source_label, num.label, named.label, extra.label}) == 4
    assert source.label == source_label
    assert rasp.is_numerical(num) and rasp.is_categorical(source)
    assert named.name == "plus_one" and source.name == "map"
    assert extra.annotations["colour"] == "red" and extra.name == "map"
    assert "colour" not in dict(source.annotations)
    assert num.f is source.f and num.inner is source.inner


def test_annotate_merges_and_overrides():
    a = rasp.annotate(tokens + 1, name="x", colour="red")
    b = rasp.annotate(a, colour="blue")
    assert (b.name, b.annotations["colour"]) == ("x", "blue")
    assert a.annotations["colour"] == "red"
    assert rasp.is_categorical(rasp.categorical(rasp.numerical(a)))


def test_duplicate_names_are_allowed():
    a = (tokens + 1).named("x")
    b = (tokens + 2).named("x")
    assert a.name == b.name == "x"
    assert a.label != b.label


def test_default_names():
    sel = Select(tokens, tokens, Comparison.EQ)
    other = Select(indices, indices, Comparison.EQ)
    expected = {
        tokens: "tokens",
        indices: "indices",
        length: "length",
        Map(lambda x: x, tokens): "map",
        SequenceMap(lambda x, y: x, tokens, indices): "sequence_map",
        LinearSequenceMap(tokens, indices, 1, 1): "linear_sequence_map",
        Full(1): "full",
        ConstantSOp([1]): "constant_sop",
        SelectorWidth(sel): "selector_width",
        Aggregate(sel, tokens): "aggregate",
        sel: "select",
        SelectorAnd(sel, other): "selector_and",
        SelectorOr(sel, other): "selector_or",
        SelectorNot(sel): "selector_not",
        ConstantSelector([[True]]): "constant_selector",
    }
    for expr, name in expected.items():
        assert expr.name == name


def test_encodings():
    assert rasp.get_encoding(tokens) is rasp.Encoding.CATEGORICAL
    assert rasp.Encoding.NUMERICAL.value == "numerical"
    assert rasp.get_encoding(rasp.numerical(tokens)) is rasp.Encoding.NUMERICAL
    with pytest.raises(TypeError):
        rasp.get_encoding(Select(tokens, tokens, Comparison.EQ))


def test_repr_names_class_and_label():
    m = tokens + 1
    assert repr(m) == f"Map({m.label})"
    sel = Select(tokens, tokens, Comparison.EQ)
    assert repr(sel) == f"Select({sel.label})"


def test_custom_default_annotator(monkeypatch):
    def depth(expr):
        return 1 + max((c.annotations["depth"] for c in expr.children), default=-1)

    monkeypatch.setitem(rasp.DEFAULT_ANNOTATORS, "depth", depth)
    prog = Aggregate(Select(indices, indices, Comparison.EQ), tokens + 1)
    assert prog.annotations["depth"] == 2
    assert prog.annotated(depth=9).annotations["depth"] == 9
    with pytest.raises(KeyError):
        prog.annotations["no_such_annotation"]


def test_annotations_mapping_is_read_only():
    with pytest.raises(TypeError):
        tokens.annotations["name"] = "other"


# Values of any type.


def test_tuple_valued_categorical_sops():
    pair = SequenceMap(lambda x, y: (x, y), tokens, indices)
    assert rasp.is_categorical(pair)
    assert pair("ab") == [("a", 0), ("b", 1)]
    assert Map(lambda t: t[0], pair)("ab") == ["a", "b"]
    assert SelectorWidth(Select(pair, pair, Comparison.EQ))("aa") == [1, 1]
    flipped = Aggregate(Select(indices, length - indices - 1, Comparison.EQ), pair)
    assert flipped("ab") == [("b", 1), ("a", 0)]
    with pytest.raises(ValueError):
        Aggregate(Select(indices, indices, Comparison.TRUE), pair)("ab")


# Evaluation mechanics.


def test_errors_in_user_functions_propagate():
    with pytest.raises(ZeroDivisionError):
        Map(lambda x: x / 0, tokens)([1])
    with pytest.raises(RuntimeError, match="boom"):
        Select(
            tokens, tokens, lambda k, q: (_ for _ in ()).throw(RuntimeError("boom"))
        )("a")


def test_shared_subexpressions_are_evaluated_once():
    calls = []
    leaf = Map(lambda x: calls.append(x) or x, tokens)
    x = leaf
    for _ in range(5):
        x = SequenceMap(lambda a, b: a + b, x, x)
    assert x([1, 2]) == [32, 64]
    assert calls == [1, 2]


def test_deep_dag_evaluates_quickly():
    x = tokens
    for _ in range(40):
        x = x + x
    start = time.perf_counter()
    assert x([1, 3]) == [2**40, 3 * 2**40]
    assert time.perf_counter() - start < 1.0


def test_evaluator_reuse_sees_new_inputs():
    evaluator = rasp.DefaultRASPEvaluator()
    prog = tokens + 1
    xs = [1]
    assert evaluator.evaluate(prog, xs) == [2]
    xs.append(5)
    assert evaluator.evaluate(prog, xs) == [2, 6]
    assert evaluator.evaluate(prog, [10]) == [11]


def test_evaluate_rejects_non_expressions():
    with pytest.raises(TypeError):
        rasp.evaluate(3, [1])
