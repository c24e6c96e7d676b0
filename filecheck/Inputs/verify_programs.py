"""Programs for `raspir verify`."""

from raspir import rasp


def mean_of_categories():
    """A categorical mean: the evaluator averages, a head can only copy."""
    everything = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE)
    return rasp.Aggregate(everything, rasp.tokens).named("mean")


def tenth():
    """Raises on token 1: the evaluator rejects inputs holding it."""
    return rasp.Map(lambda t: 10 // (t - 1), rasp.tokens).named("tenth")


def unsupported():
    """A mean whose default is infinite, which no head can write."""
    is_a = rasp.numerical(rasp.Map(lambda t: 1 if t == "a" else 0, rasp.tokens))
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    return rasp.numerical(
        rasp.Aggregate(before, is_a, default=float("inf")).named("frac")
    )
