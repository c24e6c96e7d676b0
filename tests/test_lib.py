"""Library programs against hand-worked expected outputs."""

import random

import pytest

from raspir import lib, rasp
from raspir.rasp import indices, tokens
from raspir.testing.library import LIB_PROGRAMS


def test_length():
    prog = lib.make_length()
    assert prog.name == "length"
    assert rasp.is_categorical(prog)
    assert prog("abcd") == [4, 4, 4, 4]
    assert prog("a") == [1]
    assert prog([]) == []
    assert lib.length("xyz") == [3, 3, 3]


def test_reverse():
    prog = lib.make_reverse(tokens)
    assert prog.name == "reverse"
    assert prog("abcd") == ["d", "c", "b", "a"]
    assert prog("a") == ["a"]
    assert prog([1, 2, 3]) == [3, 2, 1]
    assert lib.make_reverse(indices)("xyz") == [2, 1, 0]


def test_reverse_uses_shared_length():
    prog = lib.make_reverse(tokens)
    opp_idx = prog.selector.queries.inner
    assert opp_idx.name == "opp_idx" and opp_idx.fst is lib.length


def test_hist():
    prog = lib.make_hist()
    assert prog.name == "hist"
    assert prog("aabc") == [2, 2, 1, 1]
    assert prog("abac") == [2, 1, 2, 1]
    assert prog("bbbb") == [4, 4, 4, 4]


def test_sort_unique():
    prog = lib.make_sort_unique(tokens, tokens)
    assert prog.name == "sort"
    assert prog([2, 4, 3, 1]) == [1, 2, 3, 4]
    assert prog([5, 1]) == [1, 5]
    # Keys 30, 10, 20 go to positions 2, 0, 1; the output lists source indices.
    assert lib.make_sort_unique(indices, tokens)([30, 10, 20]) == [1, 2, 0]


def test_sort_unique_with_duplicate_keys_leaves_gaps():
    # target_pos is [1, 0, 1]: position 1 gets both 2s (mean 2.0), position 2 nothing.
    assert lib.make_sort_unique(tokens, tokens)([2, 1, 2]) == [1, 2.0, None]


def test_sort_is_stable_with_duplicate_keys():
    prog = lib.make_sort(tokens, tokens, max_seq_len=5, min_key=1)
    assert prog.name == "sort"
    # Keys become 2, 4.2, 1.4, 2.6.
    assert prog([2, 4, 1, 2]) == [1, 2, 2, 4]
    assert prog([3, 1, 2]) == [1, 2, 3]
    positions = lib.make_sort(indices, tokens, max_seq_len=5, min_key=1)
    assert positions([2, 4, 1, 2]) == [2, 0, 3, 1]
    assert positions([3, 3, 3]) == [0, 1, 2]


def test_sort_freq():
    prog = lib.make_sort_freq(5)
    assert prog.name == "sort_freq"
    # hist [2, 1, 2, 1] -> keys -2, -0.8, -1.6, -0.4.
    assert prog([2, 4, 2, 1]) == [2, 2, 4, 1]
    # hist [1, 2, 3, 2, 3, 3]; ties keep input order.
    assert lib.make_sort_freq(6)("abcbcc") == ["c", "c", "c", "b", "b", "a"]
    assert prog("ab") == ["a", "b"]


def test_frac_prevs():
    prog = lib.make_frac_prevs(tokens == "l")
    assert prog.name == "frac_prevs"
    assert rasp.is_numerical(prog)
    out = prog("hello")
    assert out == pytest.approx([0, 0, 1 / 3, 1 / 2, 2 / 5])
    # Position 0 selects one value, which is returned unchanged.
    assert out[0] is False
    assert lib.make_frac_prevs(tokens == "x")("xlxl") == pytest.approx(
        [1, 1 / 2, 2 / 3, 2 / 4]
    )


def test_frac_prevs_is_the_same_under_causal_evaluation():
    prog = lib.make_frac_prevs(tokens == "x")
    assert rasp.evaluate(prog, "axxa", causal=True) == pytest.approx(
        [0, 1 / 2, 2 / 3, 2 / 4]
    )


RANKS_AMONG_ALL_KEYS = {"sort", "sort_unique", "sort_freq", "count_less_freq"}
"""Lib programs whose keys at j depend on positions after j: causally their
keys are ranks among a prefix, so no prefix gives their causal value."""


def _prefix_programs() -> dict[str, rasp.SOp]:
    """Lib programs and one reading rasp.length, whose causal value is i + 1."""
    programs = {
        name: entry.build(6)
        for name, entry in LIB_PROGRAMS.items()
        if name not in RANKS_AMONG_ALL_KEYS
    }
    opp = rasp.length - indices - 1
    programs["reverse_by_length"] = rasp.Aggregate(
        rasp.Select(indices, opp, rasp.Comparison.EQ), tokens
    )
    return programs


@pytest.mark.parametrize("name", sorted(_prefix_programs()))
def test_causal_evaluation_is_evaluation_of_each_prefix(name):
    program = _prefix_programs()[name]
    entry = LIB_PROGRAMS.get(name, LIB_PROGRAMS["reverse"])
    rng = random.Random(f"prefix/{name}")
    for _ in range(30):
        xs = entry.random_input(rng, 6)
        try:
            causal = rasp.evaluate(program, xs, causal=True)
        except Exception:  # noqa: BLE001 - an input the program rejects
            continue
        prefixes = [rasp.evaluate(program, xs[: i + 1])[i] for i in range(len(xs))]
        assert causal == prefixes, xs


def test_causal_sort_ranks_each_key_among_its_own_prefix():
    # Causally the key 4 at position 1 has one smaller key before it, so it
    # goes to position 1; on the prefix [1, 4, 3] it has two and goes to 2.
    program = lib.make_sort_unique(tokens, tokens)
    xs = [1, 4, 3, 5, 2]
    assert rasp.evaluate(program, xs, causal=True) == [1, 4, None, 5, None]
    assert [rasp.evaluate(program, xs[: i + 1])[i] for i in range(5)] == [
        1,
        4,
        4,
        5,
        5,
    ]


def test_pair_balance():
    prog = lib.make_pair_balance(tokens, "(", ")")
    assert prog.name == "pair_balance"
    assert rasp.is_numerical(prog)
    assert isinstance(prog, rasp.LinearSequenceMap)
    assert prog("(()") == pytest.approx([1, 1, 1 / 3])
    assert prog("())(") == pytest.approx([1, 0, -1 / 3, 0])
    assert prog("a()b(c))") == pytest.approx([0, 1 / 2, 0, 0, 1 / 5, 1 / 6, 0, -1 / 8])


def test_shuffle_dyck_one_pair():
    prog = lib.make_shuffle_dyck(["()"])
    assert prog.name == "shuffle_dyck"
    assert prog("()") == [True, True]
    assert prog("(())()") == [True] * 6
    # Unbalanced: ends with an open bracket.
    assert prog("(()") == [False] * 3
    # Ends balanced but a prefix closes before it opens.
    assert prog("())(") == [False] * 4
    assert prog(")(") == [False, False]


def test_shuffle_dyck_values_are_bools_equal_to_one_and_zero():
    prog = lib.make_shuffle_dyck(["()"])
    balanced, unbalanced = prog("()"), prog(")(")
    assert all(v is True for v in balanced) and balanced == [1, 1]
    assert all(v is False for v in unbalanced) and unbalanced == [0, 0]


def test_shuffle_dyck2():
    prog = lib.make_shuffle_dyck2()
    assert prog.name == "shuffle_dyck2"
    assert prog("({)}") == [True] * 4
    assert prog("{}()") == [True] * 4
    assert prog("(){)}") == [False] * 5
    assert prog("(}") == [False, False]
    assert prog("({}") == [False] * 3
    assert prog("}{") == [False, False]


def test_shuffle_dyck_rejects_bad_pairs():
    with pytest.raises(ValueError):
        lib.make_shuffle_dyck([])
    with pytest.raises(ValueError):
        lib.make_shuffle_dyck(["(]]"])


def test_shift_by():
    prog = lib.shift_by(1, tokens)
    assert prog.name == "shift_by(1)"
    assert prog("abc") == [None, "a", "b"]
    assert lib.shift_by(2, tokens)("abcd") == [None, None, "a", "b"]
    assert lib.shift_by(0, tokens)("ab") == ["a", "b"]
    assert lib.shift_by(3, tokens)("ab") == [None, None]
    assert lib.shift_by(2, tokens).name == "shift_by(2)"


def test_detect_pattern():
    prog = lib.detect_pattern(tokens, "abc")
    assert prog.name == "detect_pattern"
    assert prog("abcabc") == [None, None, True, False, False, True]
    assert prog("ab") == [None, None]
    assert lib.detect_pattern(tokens, "aa")("aaab") == [None, True, True, False]
    assert lib.detect_pattern(tokens, "a")("aba") == [True, False, True]
    assert lib.detect_pattern(tokens, [1, 2])([2, 1, 2, 2]) == [
        None,
        False,
        True,
        False,
    ]


def test_detect_pattern_rejects_empty_pattern():
    with pytest.raises(ValueError):
        lib.detect_pattern(tokens, "")


def test_count_less_freq():
    prog = lib.make_count_less_freq(2)
    assert prog.name == "count_less_freq"
    # hist [3, 3, 3, 2, 2, 1]: three positions hold tokens seen at most twice.
    assert prog("aaabbc") == [3] * 6
    assert prog("aacbbc") == [6] * 6
    assert lib.make_count_less_freq(1)("aab") == [1, 1, 1]


def test_count():
    prog = lib.make_count(tokens, "a")
    assert prog.name == "count_a"
    assert prog("aaabbc") == [3] * 6
    assert prog("cabc") == [1] * 4
    assert prog("bcd") == [0, 0, 0]
    assert lib.make_count(tokens, 1).name == "count_1"


def test_nary_sequencemap():
    prog = lib.make_nary_sequencemap(lambda x, y, z: x + y - z, tokens, tokens, indices)
    assert prog([1, 2, 3]) == [2, 3, 4]
    assert lib.make_nary_sequencemap(lambda a, b: f"{a}{b}", tokens, indices)("xy") == [
        "x0",
        "y1",
    ]
    assert lib.make_nary_sequencemap(lambda x: 2 * x, tokens)([1, 2]) == [2, 4]


def test_nary_sequencemap_structure():
    prog = lib.make_nary_sequencemap(lambda x, y, z: (x, y, z), tokens, indices, tokens)
    assert isinstance(prog, rasp.Map)
    args = prog.inner
    assert isinstance(args, rasp.SequenceMap) and args.snd is tokens
    assert (
        isinstance(args.fst, rasp.SequenceMap)
        and args.fst.fst is tokens
        and args.fst.snd is indices
    )
    assert prog("ab") == [("a", 0, "a"), ("b", 1, "b")]


def test_nary_sequencemap_passes_tuple_values_intact():
    pair = rasp.SequenceMap(lambda x, y: (x, y), tokens, indices)
    prog = lib.make_nary_sequencemap(lambda p, t: (p, t), pair, tokens)
    assert prog("ab") == [(("a", 0), "a"), (("b", 1), "b")]
