"""RASP values as IR data: one canonical order, one text syntax, exact equality.

RASP values are Python ``None``, ``bool``, ``int``, ``float``, ``str`` and tuples
of these. Every dialect that carries values (value sets, function tables,
defaults, the compile settings) goes through this module, so all levels agree on
how a value is written and when two values are the same.

Text syntax::

    none | true | false | 3 | -2 | 0.5 | 1.0e-05 | inf | -inf | nan | "a" | (1, "b")

Floats always print with a ``.`` (or as ``inf``/``nan``) so that ``1`` and ``1.0``
stay distinct through a round trip. A tuple of one element prints as ``(x)``.

Values are told apart type-exactly (``value_key``): ``1``, ``1.0`` and ``True``
compare equal in Python, but a RASP function can distinguish them, so value
sets, table keys and relations keep them apart, and attribute equality never
confuses ``True`` with ``1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from xdsl.parser import AttrParser
from xdsl.printer import Printer

Value = Any
"""None, bool, int, float, str, or a tuple of values."""

_SCALARS = (type(None), bool, int, float, str)


def is_value(v: object) -> bool:
    """Whether ``v`` is a RASP value that the IR can represent."""
    if isinstance(v, tuple):
        return all(is_value(x) for x in v)
    return isinstance(v, _SCALARS)


def is_finite_number(v: Value) -> bool:
    """An int or float (not a bool) that is finite: what arithmetic on values
    (quadratic scores, affine views) may assume."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int beyond the float range
        return False


def value_key(v: Value) -> tuple:
    """A hashable, type-exact identity for ``v``: ``True``, ``1``, ``1.0`` differ,
    so do ``0.0`` and ``-0.0``; every NaN is the same value."""
    if v is None:
        return ("none",)
    if isinstance(v, tuple):
        return ("tuple", tuple(value_key(x) for x in v))
    if isinstance(v, float):  # hex keeps -0.0 apart from 0.0; all NaNs are one
        return ("float", "nan" if math.isnan(v) else v.hex())
    return (type(v).__name__, v)


def order_key(v: Value) -> tuple:
    """Canonical order: None < bools and numbers (by value) < strings < tuples."""
    if v is None:
        return (0,)
    if isinstance(v, bool | int | float):
        if isinstance(v, float) and math.isnan(v):
            return (2,)
        # Equal numbers sort ints first, then floats, then bools; -0.0 before 0.0.
        rank = 2 if isinstance(v, bool) else 0 if isinstance(v, int) else 1
        sign = math.copysign(1.0, v) if isinstance(v, float) else 1.0
        return (1, v, rank, sign)
    if isinstance(v, str):
        return (3, v)
    return (4, tuple(order_key(x) for x in v))


def canonical_set(values: Iterable[Value]) -> tuple[Value, ...]:
    """Sorted tuple of the distinct values, distinct meaning type-exact.

    ``1``, ``1.0`` and ``True`` compare equal in Python, but a RASP function can
    tell them apart (``str`` does), so a value set keeps each of them; all NaNs
    are one value.
    """
    distinct: dict[tuple, Value] = {}
    for v in values:
        distinct.setdefault(value_key(v), v)
    return tuple(sorted(distinct.values(), key=order_key))


def is_canonical(values: Sequence[Value]) -> bool:
    """Whether ``values`` is already a canonical set: strictly ascending order keys
    (which also rules out repeats), checked in one pass without sorting."""
    keys = [order_key(v) for v in values]
    return all(a < b for a, b in zip(keys, keys[1:], strict=False))


def format_value(v: Value) -> str:
    """The text form of a value (see the module docstring)."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        text = repr(v)
        if "." not in text:
            mantissa, _, exponent = text.partition("e")
            text = f"{mantissa}.0" + (f"e{exponent}" if exponent else "")
        return text
    if isinstance(v, str):
        return _string_literal(v)
    if isinstance(v, tuple):
        return "(" + ", ".join(format_value(x) for x in v) + ")"
    raise TypeError(f"not a RASP value: {v!r} of type {type(v).__name__}")


def _string_literal(s: str) -> str:
    """A quoted literal; non-ASCII characters stay as they are (the lexer reads UTF-8)."""
    out = ['"']
    for char in s:
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == '"' or code < 0x20 or code == 0x7F:
            out.append(f"\\{code:02X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def print_value(printer: Printer, v: Value) -> None:
    printer.print_string(format_value(v))


def parse_optional_value(parser: AttrParser) -> tuple[bool, Value]:
    """Parse a value if one starts here; returns (found, value)."""
    if parser.parse_optional_keyword("none") is not None:
        return True, None
    if (b := parser.parse_optional_boolean()) is not None:
        return True, b
    if (s := parser.parse_optional_str_literal()) is not None:
        return True, s
    if (raw := parser.parse_optional_bytes_literal()) is not None:
        # xDSL reads a literal whose escapes mix with non-ASCII text as bytes.
        try:
            return True, raw.decode("utf-8")
        except UnicodeDecodeError:
            parser.raise_error("string literal is not valid UTF-8")
    if parser.parse_optional_keyword("inf") is not None:
        return True, math.inf
    if parser.parse_optional_keyword("nan") is not None:
        return True, math.nan
    if parser.parse_optional_punctuation("-") is not None:
        if parser.parse_optional_keyword("inf") is not None:
            return True, -math.inf
        number = parser.parse_optional_number()
        if number is None:
            parser.raise_error("expected a number or 'inf' after '-'")
        return True, -number
    if (n := parser.parse_optional_number()) is not None:
        return True, n
    if parser.parse_optional_punctuation("(") is not None:
        items: list[Value] = []
        if parser.parse_optional_punctuation(")") is None:
            items.append(parse_value(parser))
            while parser.parse_optional_punctuation(",") is not None:
                items.append(parse_value(parser))
            parser.parse_punctuation(")", " to close a tuple value")
        return True, tuple(items)
    return False, None


def parse_value(parser: AttrParser) -> Value:
    found, value = parse_optional_value(parser)
    if not found:
        parser.raise_error(
            "expected a RASP value (none, true, false, a number, a string or a tuple)"
        )
    return value


def parse_distinct_braced(
    parser: AttrParser,
    element: Callable[[], Any],
    what: str,
    key: Callable[[Any], Value] = lambda item: item,
) -> list[Any]:
    """Parse ``{e, ...}`` whose elements' keys must differ (type-exactly).

    A repeated key is an error spanning exactly the braces, so the diagnostic
    marks only the offending text.
    """
    start = parser.pos
    parser.parse_punctuation("{", f" to open a {what}")
    items: list[Any] = []
    if parser.parse_optional_punctuation("}") is not None:
        return items
    items.append(element())
    while parser.parse_optional_punctuation(",") is not None:
        items.append(element())
    end = parser.pos + 1
    parser.parse_punctuation("}", f" to close a {what}")
    seen: set[tuple] = set()
    for item in items:
        k = value_key(key(item))
        if k in seen:
            parser.raise_error(
                f"{what} lists {format_value(key(item))} twice", start, end
            )
        seen.add(k)
    return items


def parse_float(parser: AttrParser, what: str = "number") -> float:
    """A number read as a float (weights, constants): an integer beyond the
    float range is an error here rather than an OverflowError later."""
    start = parser.pos
    number = parser.parse_number()
    try:
        return float(number)
    except OverflowError:
        parser.raise_error(f"{what} is beyond the float range", start, parser.pos)


def parse_value_set(parser: AttrParser) -> tuple[Value, ...]:
    """Parse ``{v, ...}``; rejects repeats so the text stays canonical."""
    return canonical_set(
        parse_distinct_braced(parser, lambda: parse_value(parser), "value set")
    )


def format_value_set(values: Iterable[Value]) -> str:
    return "{" + ", ".join(format_value(v) for v in values) + "}"


def format_list(values: Iterable[Value]) -> str:
    return "[" + ", ".join(format_value(v) for v in values) + "]"


def set_key(values: Iterable[Value]) -> tuple:
    """Type-exact identity of a sequence of values (for attribute equality)."""
    return tuple(value_key(v) for v in values)
