from raspir import lib, rasp


def frac():
    return lib.make_frac_prevs(rasp.tokens == "x")


def rev():
    return lib.make_reverse(rasp.tokens)


def features():
    """length, Full, ConstantSOp, LinearSequenceMap, a numerical aggregate and
    SelectorAnd/Or/Not over selects with different keys and queries."""
    is_a = rasp.numerical(
        rasp.Map(lambda t: 1 if t == "a" else 0, rasp.tokens).named("is_a")
    )
    two = rasp.Full(2).named("two")
    weights = rasp.ConstantSOp([3, 1, 2], check_length=False).named("weights")
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT).named("before")
    long_a = rasp.Select(
        rasp.tokens, rasp.length, lambda k, q: k == "a" and q > 2
    ).named("long_a")
    both = rasp.SelectorAnd(before, long_a).named("both")
    at_two = rasp.Select(two, rasp.indices, rasp.Comparison.EQ).named("at_two")
    either = rasp.SelectorOr(both, at_two).named("either")
    neither = rasp.SelectorNot(either).named("neither")
    frac = rasp.numerical(rasp.Aggregate(neither, is_a, default=0).named("frac"))
    width = rasp.SelectorWidth(neither).named("width")
    scaled = rasp.numerical(
        rasp.SequenceMap(lambda w, c: w * c, width, weights).named("scaled")
    )
    return rasp.numerical(rasp.LinearSequenceMap(frac, scaled, 2, -1).named("mix"))


def raising():
    """A Map that raises on one token: that entry becomes `error`."""
    return rasp.Map(lambda t: 10 // (t - 1), rasp.tokens).named("tenth")


def as_list():
    return rasp.Map(lambda t: [t], rasp.tokens).named("as_list")


def numerical_strings():
    return rasp.numerical(rasp.Map(lambda t: t + "!", rasp.tokens).named("shout"))


def constant_selector():
    fixed = rasp.ConstantSelector([[True, False], [False, True]]).named("fixed")
    return rasp.Aggregate(fixed, rasp.tokens).named("pick")


def not_sop():
    return rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("sel")


def needs_args(sop):
    return sop


not_a_function = 3


def extremes():
    """The running maximum and the smallest larger token (-1 if none), as a pair."""
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ)
    larger = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT)
    top = rasp.AggregateMax(prefix, rasp.tokens).named("top")
    low = rasp.AggregateMin(larger, rasp.tokens, default=-1).named("low")
    return rasp.SequenceMap(lambda a, b: (a, b), top, low).named("both")
