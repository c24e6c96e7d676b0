"""Import: a RASP program built with ``raspir.rasp`` becomes a ``rasp`` dialect module.

Import infers every s-op's value set from the vocabulary and ``max_seq_len``,
and replaces each Python function by a table: a Map's function is called once
per element of its input's value set, a SequenceMap's once per pair, a custom
Select predicate once per (key, query) pair. Comparisons stay symbolic. The
resulting module holds no Python callables.

Value sets are sound: every value the evaluator can produce on an accepted
input is in the set. Categorical aggregates include their default (a query may
select nothing); numerical aggregates include every mean of up to
``max_seq_len`` values of their input set.
"""

from __future__ import annotations

import inspect
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from raspir import rasp
from raspir.dialects import rasp as ir
from raspir.dialects.values import (
    Value,
    canonical_set,
    format_value,
    is_value,
    value_key,
)
from raspir.errors import InvalidArgumentError, UnsupportedProgramError

COMPILER_BOS = "compiler_bos"
COMPILER_PAD = "compiler_pad"

MAX_TABLE_SIZE = 1_000_000
"""Most entries a tabulated function may have before import gives up."""

MAX_VALUE_SET_SIZE = 100_000
"""Most values an inferred value set may have before import gives up."""


def to_rasp_ir(
    program: rasp.SOp,
    vocab: Iterable[Value],
    max_seq_len: int,
    *,
    causal: bool = False,
    compiler_bos: Value = COMPILER_BOS,
    compiler_pad: Value = COMPILER_PAD,
    dtype: str = ir.FLOAT32,
) -> ModuleOp:
    """Import ``program`` as a verified rasp module (one ``rasp.program`` op).

    ``dtype`` is the arithmetic the model will compute in: ``"float32"`` (the
    default) or ``"float64"``, whose smaller rounding lets longer inputs be
    exact (docs/limits.md)."""
    compiler_bos, compiler_pad = _normalise(compiler_bos), _normalise(compiler_pad)
    max_seq_len = _normalise(max_seq_len)
    vocab_set = _check_arguments(
        program, vocab, max_seq_len, compiler_bos, compiler_pad
    )
    if not isinstance(causal, bool | np.bool_):
        raise InvalidArgumentError(f"causal must be True or False, got {causal!r}")
    causal = bool(causal)
    if not isinstance(dtype, str) or dtype not in ir.DTYPES:
        raise InvalidArgumentError(
            f'dtype must be "float32" or "float64", got {dtype!r}'
        )
    importer = _Importer(vocab_set, max_seq_len)
    block = Block()
    for expr in _topological_order(program):
        op = importer.lower(expr)
        block.add_ops(importer.conversions)
        importer.conversions.clear()
        block.add_op(op)
        importer.results[id(expr)] = op.results[0]
    block.add_op(ir.OutputOp(importer.results[id(program)]))
    for message in importer.warnings:
        warnings.warn(message, RaspImportWarning, stacklevel=2)
    prog = ir.ProgramOp(
        vocab_set,
        max_seq_len,
        compiler_bos,
        compiler_pad,
        causal,
        Region(block),
        dtype,
    )
    module = ModuleOp([prog])
    try:
        module.verify()
    except VerifyException as e:
        raise UnsupportedProgramError(f"imported program does not verify: {e}") from e
    return module


class RaspImportWarning(UserWarning):
    """A user function raised on some inputs while being tabulated."""


def _check_arguments(
    program: object, vocab: object, max_seq_len: object, bos: Value, pad: Value
) -> tuple[Value, ...]:
    if not isinstance(program, rasp.SOp):
        # A function that builds the program is an easy thing to pass by mistake.
        hint = "; call it to build the s-op" if inspect.isroutine(program) else ""
        raise InvalidArgumentError(
            f"the program must be an s-op (rasp.SOp), got {type(program).__name__}"
            + hint
        )
    if isinstance(vocab, str | bytes):
        # A string iterates as characters: say so rather than guess.
        raise InvalidArgumentError(
            f"vocab must be a set or list of tokens, got the {type(vocab).__name__} "
            f"{vocab!r}; write list({vocab!r}) for one token per character"
        )
    if isinstance(vocab, Mapping) or not isinstance(vocab, Iterable):
        raise InvalidArgumentError(
            f"vocab must be a set or list of tokens, got {type(vocab).__name__}"
        )
    tokens = [_normalise(v) for v in vocab]
    for token in tokens:
        if not is_value(token) or token is None:
            raise InvalidArgumentError(f"vocab item {token!r} is not a usable token")
    vocab_set = canonical_set(tokens)
    if not vocab_set:
        raise InvalidArgumentError("vocab is empty")
    if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, int | np.integer):
        raise InvalidArgumentError(
            f"max_seq_len must be an integer, got {type(max_seq_len).__name__}"
        )
    if max_seq_len < 1:
        raise InvalidArgumentError(f"max_seq_len must be at least 1, got {max_seq_len}")
    if max_seq_len > ir.MAX_SEQ_LEN:
        raise InvalidArgumentError(
            f"max_seq_len {max_seq_len} is over the limit of {ir.MAX_SEQ_LEN}"
        )
    for what, token in (("compiler_bos", bos), ("compiler_pad", pad)):
        if not is_value(token) or token is None:
            raise InvalidArgumentError(f"{what} {token!r} is not a usable token")
        if value_key(token) in set(map(value_key, vocab_set)):
            raise InvalidArgumentError(
                f"{what} {format_value(token)} is also in the vocab; pick a token "
                "outside the vocab"
            )
    if value_key(bos) == value_key(pad):
        raise InvalidArgumentError(
            f"compiler_bos and compiler_pad must differ, both are {format_value(bos)}"
        )
    return vocab_set


def _topological_order(program: rasp.SOp) -> list[rasp.RASPExpr]:
    """Every expression the program depends on, children first, in creation order."""
    graph = nx.DiGraph()
    graph.add_node(program)
    stack = [program]
    while stack:
        expr = stack.pop()
        for child in expr.children:
            if child not in graph:
                stack.append(child)
            graph.add_edge(child, expr)
    return list(nx.lexicographical_topological_sort(graph, key=lambda e: e.unique_id))


def _normalise(value: Any) -> Any:
    """Turn numpy scalars (and tuples of them) into plain Python values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_normalise(v) for v in value)
    return value


def describe(expr: rasp.RASPExpr) -> str:
    """How diagnostics name an expression: its class and unique label."""
    return f"{type(expr).__name__} '{expr.label}'"


class _Importer:
    def __init__(self, vocab: tuple[Value, ...], max_seq_len: int):
        self.vocab = vocab
        self.max_seq_len = max_seq_len
        self.results: dict[int, SSAValue] = {}
        self.value_sets: dict[int, tuple[Value, ...]] = {}
        self.warnings: list[str] = []
        self.conversions: list[ir.MapOp] = []
        """Encoding conversions the last lowered op reads, to add before it."""

    def operand(self, expr: rasp.RASPExpr) -> SSAValue:
        return self.results[id(expr)]

    def values_of(self, expr: rasp.RASPExpr) -> tuple[Value, ...]:
        return self.value_sets[id(expr)]

    def lower(self, expr: rasp.RASPExpr):
        if isinstance(expr, rasp.Selector):
            op = self.lower_selector(expr)
        elif isinstance(expr, rasp.SOp):
            op = self.lower_sop(expr)
        else:
            raise UnsupportedProgramError(
                f"{describe(expr)} is not an s-op or a selector"
            )
        op.results[0].name_hint = _name_hint(expr.name)
        return op

    # -- s-ops -----------------------------------------------------------

    def lower_sop(self, expr: rasp.SOp) -> ir.SOpOp:
        encoding = ir.NUMERICAL if rasp.is_numerical(expr) else ir.CATEGORICAL
        label = str(expr.name)
        n = self.max_seq_len
        positional = rasp.IndicesType | rasp.LengthType | rasp.SelectorWidth
        if isinstance(expr, positional) and n > MAX_VALUE_SET_SIZE:
            # Checked before the values are built: a huge range would take minutes.
            raise UnsupportedProgramError(
                f"{describe(expr)}: max_seq_len {n} gives it {n} or more values, "
                f"more than the limit of {MAX_VALUE_SET_SIZE}"
            )
        match expr:
            case rasp.TokensType():
                values = self.vocab
                op = ir.TokensOp(label, encoding, values)
            case rasp.IndicesType():
                values = tuple(range(n))
                op = ir.IndicesOp(label, encoding, values)
            case rasp.LengthType():
                values = tuple(range(1, n + 1))
                op = ir.LengthOp(label, encoding, values)
            case rasp.Full():
                fill = self.check_value(expr, _normalise(expr.fill), "fill value")
                values = (fill,)
                op = ir.FullOp(label, encoding, fill)
            case rasp.ConstantSOp():
                sequence = [
                    self.check_value(expr, _normalise(v), "value") for v in expr.value
                ]
                values = canonical_set(sequence)
                op = ir.ConstantOp(label, encoding, sequence, bool(expr.check_length))
            case rasp.LinearSequenceMap():
                fst_fac = self.check_factor(expr, expr.fst_fac)
                snd_fac = self.check_factor(expr, expr.snd_fac)
                xs, ys = self.pair_domain(expr, "value set")
                values = [
                    None if x is None or y is None else fst_fac * x + snd_fac * y
                    for x in xs
                    for y in ys
                ]
                op = ir.LinearSequenceMapOp(
                    label,
                    encoding,
                    self.operand(expr.fst),
                    self.operand(expr.snd),
                    fst_fac,
                    snd_fac,
                    values,
                )
            case rasp.SequenceMap():
                values, table = self.tabulate_pairs(expr)
                op = ir.SequenceMapOp(
                    label,
                    encoding,
                    self.operand(expr.fst),
                    self.operand(expr.snd),
                    table,
                    values,
                )
            case rasp.Map():
                values, table = self.tabulate_map(expr)
                op = ir.MapOp(label, encoding, self.operand(expr.inner), table, values)
            case rasp.Aggregate() | rasp.AggregateExtremum():
                default = self.check_value(expr, _normalise(expr.default), "default")
                values = self.aggregate_values(expr, encoding, default)
                op = ir.AggregateOp(
                    label,
                    encoding,
                    self.operand(expr.selector),
                    self.aggregated(expr, encoding),
                    default,
                    values,
                    reduction=getattr(expr, "reduction", None),
                )
            case rasp.SelectorWidth():
                values = tuple(range(n + 1))
                op = ir.SelectorWidthOp(
                    label, encoding, self.operand(expr.selector), values
                )
            case _:
                raise UnsupportedProgramError(
                    f"{describe(expr)}: s-op kind {type(expr).__name__} is not part of RASP"
                )
        values = canonical_set(values)
        if len(values) > MAX_VALUE_SET_SIZE:
            raise UnsupportedProgramError(
                f"{describe(expr)}: value set has {len(values)} values, more than the "
                f"limit of {MAX_VALUE_SET_SIZE}"
            )
        if encoding == ir.NUMERICAL:
            bad = [v for v in values if not isinstance(v, bool | int | float)]
            if bad:
                raise UnsupportedProgramError(
                    f"{describe(expr)} is numerical but can take the non-numeric value "
                    f"{format_value(bad[0])}; numerical encoding needs numbers "
                    "(use rasp.categorical, or make the function return numbers)"
                )
        self.value_sets[id(expr)] = values
        return op

    def aggregated(self, expr: rasp.Aggregate | rasp.AggregateExtremum, encoding: str):
        """The values an aggregate reads, in its own encoding: an aggregate
        annotated otherwise than its input reads it through an identity map
        (a numerical mean of categorical numbers, a categorical copy of
        numbers)."""
        sop = self.operand(expr.sop)
        if sop.type == ir.SOpType(encoding):
            return sop
        values = self.values_of(expr.sop)
        if encoding == ir.NUMERICAL:
            bad = [v for v in values if not isinstance(v, bool | int | float | None)]
            if bad:
                raise UnsupportedProgramError(
                    f"{describe(expr)} is numerical but its input "
                    f"{describe(expr.sop)} can take the non-numeric value "
                    f"{format_value(bad[0])}"
                )
        label = f"{expr.sop.name}_{encoding}"
        conversion = ir.MapOp(
            label, encoding, sop, ir.TableAttr((v, v) for v in values), values
        )
        conversion.results[0].name_hint = _name_hint(label)
        self.conversions.append(conversion)
        return conversion.results[0]

    def check_value(self, expr: rasp.RASPExpr, value: Any, what: str) -> Value:
        if not is_value(value):
            raise UnsupportedProgramError(
                f"{describe(expr)}: {what} {value!r} of type {type(value).__name__} is "
                "not a RASP value (None, bool, int, float, str or a tuple of these)"
            )
        return value

    def check_factor(self, expr: rasp.RASPExpr, factor: Any) -> float:
        factor = _normalise(factor)
        if isinstance(factor, bool) or not isinstance(factor, int | float):
            raise UnsupportedProgramError(
                f"{describe(expr)}: factor {factor!r} is not a number"
            )
        return factor

    def call(
        self, expr: rasp.RASPExpr, fn, args: Sequence[Value], failures: list
    ) -> Value:
        """Call a user function on one input; failures become ``error`` entries."""
        try:
            out = fn(*args)
        except Exception as e:  # noqa: BLE001 - any user failure is recorded, not fatal
            failures.append((args, e))
            return ir.UNDEFINED
        out = _normalise(out)
        if not is_value(out):
            shown = ", ".join(format_value(a) for a in args)
            raise UnsupportedProgramError(
                f"{describe(expr)}: function returned {out!r} (a {type(out).__name__}) "
                f"for input ({shown}); RASP values are None, bool, int, float, str or "
                "tuples of these"
            )
        return out

    def warn_failures(self, expr: rasp.RASPExpr, failures: list) -> None:
        if not failures:
            return
        args, error = failures[0]
        shown = ", ".join(format_value(a) for a in args)
        self.warnings.append(
            f"{describe(expr)}: function raised {type(error).__name__} ({error}) on "
            f"{len(failures)} input(s), first ({shown}); those inputs are marked "
            "'error' and the evaluator rejects any sequence that reaches them"
        )

    def tabulate_map(self, expr: rasp.Map) -> tuple[tuple[Value, ...], ir.TableAttr]:
        failures: list = []
        entries = []
        for x in self.values_of(expr.inner):
            out = None if x is None else self.call(expr, expr.f, (x,), failures)
            entries.append((x, out))
        self.warn_failures(expr, failures)
        return _defined_outputs(entries), ir.TableAttr(entries)

    def pair_domain(
        self, expr: rasp.SequenceMap, what: str
    ) -> tuple[tuple[Value, ...], tuple[Value, ...]]:
        """The two input value sets, if their product is small enough to enumerate."""
        xs, ys = self.values_of(expr.fst), self.values_of(expr.snd)
        if len(xs) * len(ys) > MAX_TABLE_SIZE:
            raise UnsupportedProgramError(
                f"{describe(expr)}: its {what} would enumerate {len(xs)} x {len(ys)} = "
                f"{len(xs) * len(ys)} input pairs, more than the limit of {MAX_TABLE_SIZE}"
            )
        return xs, ys

    def tabulate_pairs(
        self, expr: rasp.SequenceMap
    ) -> tuple[tuple[Value, ...], ir.TableAttr]:
        xs, ys = self.pair_domain(expr, "table")
        failures: list = []
        entries = []
        for x in xs:
            for y in ys:
                if x is None or y is None:
                    out = None
                else:
                    out = self.call(expr, expr.f, (x, y), failures)
                entries.append(((x, y), out))
        self.warn_failures(expr, failures)
        return _defined_outputs(entries), ir.TableAttr(entries)

    def aggregate_values(
        self,
        expr: rasp.Aggregate | rasp.AggregateExtremum,
        encoding: str,
        default: Value,
    ) -> tuple[Value, ...]:
        inputs = self.values_of(expr.sop)
        if isinstance(expr, rasp.AggregateExtremum):  # a selected value, no mean
            return canonical_set([*inputs, default])
        if encoding == ir.CATEGORICAL:
            # Several selected numbers are averaged by the evaluator; those means
            # are not in this set, and lowering must reject programs needing them.
            return canonical_set([*inputs, default])
        numbers = [v for v in inputs if isinstance(v, bool | int | float)]
        means = _mean_values(numbers, self.max_seq_len, expr)
        return canonical_set([*means, default])

    # -- selectors -------------------------------------------------------

    def lower_selector(self, expr: rasp.Selector) -> ir.SelectorOp:
        label = str(expr.name)
        match expr:
            case rasp.Select():
                predicate = self.predicate(expr)
                return ir.SelectOp(
                    label,
                    self.operand(expr.keys),
                    self.operand(expr.queries),
                    predicate,
                )
            case rasp.SelectorAnd():
                return ir.SelectAndOp(
                    label, self.operand(expr.fst), self.operand(expr.snd)
                )
            case rasp.SelectorOr():
                return ir.SelectOrOp(
                    label, self.operand(expr.fst), self.operand(expr.snd)
                )
            case rasp.SelectorNot():
                return ir.SelectNotOp(label, self.operand(expr.inner))
            case rasp.ConstantSelector():
                raise UnsupportedProgramError(
                    f"{describe(expr)}: ConstantSelector fixes a selection matrix for one "
                    "input length and has no representation in raspir IR; build it "
                    "from a Select over indices instead"
                )
        raise UnsupportedProgramError(
            f"{describe(expr)}: selector kind {type(expr).__name__} is not part of RASP"
        )

    def predicate(self, expr: rasp.Select) -> ir.ComparisonAttr | ir.RelationAttr:
        if isinstance(expr.predicate, rasp.Comparison):
            return ir.ComparisonAttr(expr.predicate.name.lower())
        keys, queries = self.values_of(expr.keys), self.values_of(expr.queries)
        if len(keys) * len(queries) > MAX_TABLE_SIZE:
            raise UnsupportedProgramError(
                f"{describe(expr)}: its predicate table would have "
                f"{len(keys) * len(queries)} entries, more than {MAX_TABLE_SIZE}"
            )
        if not callable(expr.predicate):
            raise UnsupportedProgramError(
                f"{describe(expr)}: predicate {expr.predicate!r} is not callable"
            )
        failures: list = []
        selected = []
        for k in keys:
            for q in queries:
                out = self.call(expr, expr.predicate, (k, q), failures)
                if out is not ir.UNDEFINED and bool(out):
                    selected.append((k, q))
        if failures:
            args, error = failures[0]
            self.warnings.append(
                f"{describe(expr)}: predicate raised {type(error).__name__} ({error}) "
                f"on {len(failures)} (key, query) pair(s), first "
                f"({', '.join(format_value(a) for a in args)}); those pairs are "
                "treated as not selected"
            )
        return ir.RelationAttr(selected)


def _defined_outputs(entries: Iterable[tuple[Value, Value]]) -> tuple[Value, ...]:
    return canonical_set(v for _, v in entries if v is not ir.UNDEFINED)


def _mean_values(
    numbers: Sequence[bool | int | float], max_seq_len: int, expr: rasp.RASPExpr
) -> list[Value]:
    """Every mean of a multiset of 1..max_seq_len values drawn from ``numbers``."""
    if not numbers:
        return []
    if any(isinstance(v, float) and not math.isfinite(v) for v in numbers):
        raise UnsupportedProgramError(
            f"{describe(expr)}: cannot average non-finite values"
        )
    singles: list[Value] = list(numbers)  # one selected value comes out as itself
    if set(numbers) == {0, 1}:
        return singles + [
            k / w for w in range(2, max_seq_len + 1) for k in range(w + 1)
        ]
    exact = {Fraction(v) for v in numbers}
    sums = set(exact)
    means: set[float] = set()
    for width in range(2, max_seq_len + 1):
        sums = {s + v for s in sums for v in exact}
        if len(sums) > MAX_VALUE_SET_SIZE:
            raise UnsupportedProgramError(
                f"{describe(expr)}: the means of its inputs take more than "
                f"{MAX_VALUE_SET_SIZE} values; reduce the input value set or max_seq_len"
            )
        means.update(float(s / width) for s in sums)
    return singles + sorted(means)


def _name_hint(name: str) -> str:
    """An SSA name for the printed IR, derived from the user's label."""
    cleaned = "".join(
        c if (c.isascii() and c.isalnum()) or c in "_$.-" else "_" for c in str(name)
    )
    cleaned = cleaned.strip("_") or "sop"
    # xDSL treats a trailing "_<digits>" as its own uniquing suffix and drops it.
    cleaned = re.sub(r"_(\d+)$", r"-\1", cleaned)
    if cleaned[0].isdigit():
        cleaned = f"v{cleaned}"
    return cleaned
