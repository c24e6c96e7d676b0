"""A library of RASP programs with Tracr's names and signatures.

These are the standard example programs (most from the RASP paper) used as
compiler test cases and benchmarks. Each function builds a fresh program; the
output s-op carries the name given in its docstring.

Programs that read the whole sequence (length, reverse, sorting, histograms)
only mean what their docstring says under non-causal evaluation; frac_prevs,
pair_balance, detect_pattern and shift_by (offset >= 0) give the same result
either way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from raspir import rasp


def make_length() -> rasp.SOp:
    """The sequence length at every position, as a categorical s-op "length".

    Built from a selector width because the `rasp.length` primitive has no
    transformer implementation.

    Example: "abcd" -> [4, 4, 4, 4]
    """
    all_true = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named(
        "all_true_selector"
    )
    return rasp.SelectorWidth(all_true).named("length")


# Shared by make_reverse and make_shuffle_dyck so programs built from both
# compute the length once, as in Tracr.
length = make_length()


def make_reverse(sop: rasp.SOp) -> rasp.SOp:
    """`sop` reversed, named "reverse".

    Example: make_reverse(tokens) on "abcd" -> ['d', 'c', 'b', 'a']
    """
    opp_idx = (length - rasp.indices).named("opp_idx")
    opp_idx = (opp_idx - 1).named("opp_idx-1")
    reverse_selector = rasp.Select(rasp.indices, opp_idx, rasp.Comparison.EQ).named(
        "reverse_selector"
    )
    return rasp.Aggregate(reverse_selector, sop).named("reverse")


def make_pair_balance(sop: rasp.SOp, open_token: Any, close_token: Any) -> rasp.SOp:
    """Prefix fraction of opens minus that of closes, numerical, "pair_balance".

    The brackets are balanced iff this never goes negative and ends at 0.

    Example: make_pair_balance(tokens, "(", ")") on "(()" -> [1, 1, 1/3]
    """
    bools_open = rasp.numerical(sop == open_token).named("bools_open")
    opens = rasp.numerical(make_frac_prevs(bools_open)).named("opens")
    bools_close = rasp.numerical(sop == close_token).named("bools_close")
    closes = rasp.numerical(make_frac_prevs(bools_close)).named("closes")
    balance = rasp.numerical(rasp.LinearSequenceMap(opens, closes, 1, -1))
    return balance.named("pair_balance")


def make_shuffle_dyck(pairs: list[str]) -> rasp.SOp:
    """Whether every bracket type in `pairs` is balanced (shuffle-Dyck), "shuffle_dyck".

    `pairs` holds two-character strings such as "()". Each type is checked
    on its own, so interleavings like "({)}" count as balanced. The value is
    the same at every position: True (== 1) if balanced, else False (== 0).
    Tracr documents 1/0 and its construction yields these bools too.

    Example: make_shuffle_dyck(["()", "{}"]) on "({)}" -> [True] * 4,
    on "(){)}" -> [False] * 5
    """
    if not pairs:
        raise ValueError("make_shuffle_dyck needs at least one bracket pair")
    balances = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"bracket pair must have two characters, got {pair!r}")
        open_token, close_token = pair
        balance = make_pair_balance(rasp.tokens, open_token, close_token).named(
            f"balance_{pair}"
        )
        balances.append(balance)

    # Some prefix has more closes than opens for some bracket type.
    any_negative = balances[0] < 0
    for balance in balances[1:]:
        any_negative = any_negative | (balance < 0)
    any_negative = rasp.numerical(
        rasp.Map(lambda x: 1 if x else 0, any_negative)
    ).named("any_negative")

    # The mean over all positions is nonzero iff some prefix went negative.
    select_all = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named(
        "select_all"
    )
    has_neg = rasp.numerical(rasp.Aggregate(select_all, any_negative, default=0)).named(
        "has_neg"
    )

    # Every bracket type is balanced over the whole sequence.
    all_zero = balances[0] == 0
    for balance in balances[1:]:
        all_zero = all_zero & (balance == 0)

    select_last = rasp.Select(rasp.indices, length - 1, rasp.Comparison.EQ).named(
        "select_last"
    )
    last_zero = rasp.Aggregate(select_last, all_zero).named("last_zero")

    not_has_neg = (~has_neg).named("not_has_neg")
    return (last_zero & not_has_neg).named("shuffle_dyck")


def make_shuffle_dyck2() -> rasp.SOp:
    """Shuffle-Dyck over "()" and "{}", named "shuffle_dyck2".

    Example: "({)}" -> [True] * 4, "(}" -> [False, False]
    """
    return make_shuffle_dyck(pairs=["()", "{}"]).named("shuffle_dyck2")


def make_hist() -> rasp.SOp:
    """How often the token at each position occurs in the whole input, "hist".

    Example: "aabc" -> [2, 2, 1, 1]
    """
    same_tok = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named(
        "same_tok"
    )
    return rasp.SelectorWidth(same_tok).named("hist")


def make_sort_unique(vals: rasp.SOp, keys: rasp.SOp) -> rasp.SOp:
    """`vals` reordered by increasing `keys`, named "sort"; keys must be unique.

    Each element moves to the position given by how many keys are smaller.
    With duplicate keys some positions receive nothing and become None.

    Example: make_sort_unique(tokens, tokens) on [2, 4, 3, 1] -> [1, 2, 3, 4]
    """
    smaller = rasp.Select(keys, keys, rasp.Comparison.LT).named("smaller")
    target_pos = rasp.SelectorWidth(smaller).named("target_pos")
    sel_new = rasp.Select(target_pos, rasp.indices, rasp.Comparison.EQ).named("sel_new")
    return rasp.Aggregate(sel_new, vals).named("sort")


def make_sort(
    vals: rasp.SOp, keys: rasp.SOp, *, max_seq_len: int, min_key: float
) -> rasp.SOp:
    """`vals` stably sorted by numeric `keys`, which may repeat, named "sort".

    Ties are broken by adding `min_key * i / max_seq_len` to the key at
    position i, which keeps the order of distinct keys as long as keys
    differ by at least `min_key` and the input is at most `max_seq_len` long.

    Example: make_sort(tokens, tokens, max_seq_len=5, min_key=1) on
    [2, 4, 1, 2] -> [1, 2, 2, 4]
    """
    unique_keys = rasp.SequenceMap(
        lambda x, i: x + min_key * i / max_seq_len, keys, rasp.indices
    )
    return make_sort_unique(vals, unique_keys.named("keys"))


def make_sort_freq(max_seq_len: int) -> rasp.SOp:
    """Tokens ordered by decreasing frequency, ties in input order, "sort_freq".

    Example: make_sort_freq(5) on [2, 4, 2, 1] -> [2, 2, 4, 1]
    """
    hist = make_hist()
    neg_hist = (-1 * hist).named("neg_hist")
    return make_sort(rasp.tokens, neg_hist, max_seq_len=max_seq_len, min_key=1).named(
        "sort_freq"
    )


def make_frac_prevs(bools: rasp.SOp) -> rasp.SOp:
    """Fraction of positions up to and including i where `bools` holds, "frac_prevs".

    Numerical. At position 0 the single selected value is returned as is, so
    a boolean input gives a bool there.

    Example: make_frac_prevs(tokens == "l") on "hello" -> [0, 0, 1/3, 1/2, 2/5]
    """
    bools = rasp.numerical(bools)
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prevs")
    return rasp.numerical(rasp.Aggregate(prevs, bools, default=0)).named("frac_prevs")


def shift_by(offset: int, /, sop: rasp.SOp) -> rasp.SOp:
    """`sop` moved `offset` positions right, None-padded, named "shift_by(<offset>)".

    Example: shift_by(1, tokens) on "abc" -> [None, 'a', 'b']
    """
    select_off_by_offset = rasp.Select(
        rasp.indices, rasp.indices, lambda k, q: q == k + offset
    )
    shifted = rasp.Aggregate(
        select_off_by_offset.named(f"select_shift_{offset}"), sop, default=None
    )
    return shifted.named(f"shift_by({offset})")


def detect_pattern(sop: rasp.SOp, pattern: Sequence[Any]) -> rasp.SOp:
    """True where an occurrence of `pattern` ends, named "detect_pattern".

    The first len(pattern) - 1 positions cannot end a match and are None.

    Example: detect_pattern(tokens, "abc") on "abcabc" ->
    [None, None, True, False, False, True]
    """
    if len(pattern) < 1:
        raise ValueError(f"pattern must have at least one element, got {pattern!r}")

    # detectors[j] is True at i iff sop[i - j] == pattern[-1 - j].
    detectors = []
    for j, element in enumerate(reversed(pattern)):
        detector = (sop == element).named(f"is_pattern_{len(pattern) - 1 - j}")
        if j != 0:
            detector = shift_by(j, detector)
        detectors.append(detector)

    # AND from the first pattern element to the last, as Tracr does.
    detected = detectors.pop()
    while detectors:
        detected = (detected & detectors.pop()).named("pattern_prefix_detected")
    return detected.named("detect_pattern")


def make_count_less_freq(n: int) -> rasp.SOp:
    """Number of positions whose token occurs at most `n` times, "count_less_freq".

    Tracr's docstring says "fewer than n", but its predicate, kept here, is
    `<= n`. The count is the same at every position.

    Example: make_count_less_freq(2) on "aaabbc" -> [3] * 6
    """
    hist = make_hist()
    select_less = rasp.Select(hist, hist, lambda k, q: k <= n).named("select_less")
    return rasp.SelectorWidth(select_less).named("count_less_freq")


def make_count(sop: rasp.SOp, token: Any) -> rasp.SOp:
    """Number of occurrences of `token` in `sop` at every position, "count_<token>".

    Example: make_count(tokens, "a") on "aaabbc" -> [3] * 6
    """
    select_token = rasp.Select(sop, sop, lambda k, q: k == token).named(
        f"count_{token}_selector"
    )
    return rasp.SelectorWidth(select_token).named(f"count_{token}")


def make_nary_sequencemap(f: Callable[..., Any], *sops: rasp.SOp) -> rasp.SOp:
    """Elementwise `f(x1, ..., xn)` over n s-ops.

    The inputs are zipped into tuples by nested SequenceMaps and `f` is then
    applied by one Map. The tuple s-ops are categorical over the product of
    the input value sets, so compiled models can get very large. The output
    keeps the default Map name, as in Tracr.

    Example: make_nary_sequencemap(lambda x, y, z: x + y - z, tokens, tokens, indices)
    on [1, 2, 3] -> [2, 3, 4]
    """
    if not sops:
        raise ValueError("make_nary_sequencemap needs at least one s-op")
    if len(sops) == 1:
        return rasp.Map(f, sops[0])
    # Extend the tuple by position rather than by testing for tuples, so
    # s-ops whose values are themselves tuples are passed through intact.
    args = rasp.SequenceMap(lambda x, y: (x, y), sops[0], sops[1]).named("nary_args")
    for sop in sops[2:]:
        args = rasp.SequenceMap(lambda xs, y: (*xs, y), args, sop).named("nary_args")
    return rasp.Map(lambda xs: f(*xs), args)
