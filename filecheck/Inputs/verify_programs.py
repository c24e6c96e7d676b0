"""Programs for `raspir verify`."""

from raspir import rasp


def mean_of_categories():
    """A categorical mean: the evaluator averages, a head can only copy."""
    everything = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE)
    return rasp.Aggregate(everything, rasp.tokens).named("mean")


def tenth():
    """Raises on token 1: the evaluator rejects inputs holding it."""
    return rasp.Map(lambda t: 10 // (t - 1), rasp.tokens).named("tenth")


def composite():
    """A negated selector, which cannot be compiled yet."""
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    return rasp.SelectorWidth(rasp.SelectorNot(same).named("other")).named("n")
