"""Reference semantics of the ``rasp`` dialect, on xDSL's interpreter framework.

An s-op evaluates to a list with one value per position; a selector to a
query-by-key matrix of booleans. The semantics are those of the RASP evaluator
(``raspir.rasp.evaluate``), computed from the IR alone: functions come from
their tables, comparisons from their symbolic form. In a causal program every
selector is masked so that query i only sees keys j <= i and ``rasp.length``
is the prefix length i + 1, like ``rasp.CausalEvaluator``.

Sequences can differ in length only through an unchecked ``rasp.constant``;
elementwise ops then stop at the shorter one, as the evaluator's ``zip`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import (
    Interpreter,
    InterpreterFunctions,
    PythonValues,
    ReturnedValues,
    TerminatorValue,
    impl,
    impl_terminator,
    register_impls,
)

from raspir.dialects import rasp as ir
from raspir.dialects.values import Value, format_value, value_key
from raspir.errors import InvalidInputError, RaspirError
from raspir.rasp import aggregate_selected, extremum_selected

Matrix = list[list[bool]]
P = TypeVar("P", bound=ir.ProgramBase)


class EvaluationError(RaspirError):
    """The program fails on this input, as the evaluator would (e.g. a function raised)."""


def find_program(module: ModuleOp | ir.ProgramBase, kind: type[P] = ir.ProgramOp) -> P:
    """The single program of the given level (``rasp.program`` by default) in a module."""
    if isinstance(module, kind):
        return module
    programs = [op for op in module.walk() if isinstance(op, kind)]
    if len(programs) != 1:
        raise RaspirError(
            f"expected one {kind.name} in the module, found {len(programs)}"
        )
    return programs[0]


def check_input(program: ir.ProgramBase, xs: Sequence[Value]) -> list[Value]:
    """Reject inputs the program does not accept, naming the offending token."""
    if isinstance(xs, str) or not isinstance(xs, Sequence):
        raise InvalidInputError(
            f"input must be a list of tokens, got {type(xs).__name__}"
        )
    n = program.max_seq_len.data
    if len(xs) > n:
        raise InvalidInputError(
            f"input has {len(xs)} tokens, more than max_seq_len {n}"
        )
    vocab = {value_key(v) for v in program.vocab.data}
    xs = [v.item() if isinstance(v, np.generic) else v for v in xs]
    for i, token in enumerate(xs):
        try:
            known = value_key(token) in vocab
        except TypeError:  # an unhashable token (a list, a dict) is no token
            known = False
        if not known:
            raise InvalidInputError(
                f"token {token!r} at position {i} is not in the vocab "
                f"{{{', '.join(format_value(v) for v in program.vocab.data)}}}"
            )
    return xs


def run_program(module: ModuleOp | ir.ProgramOp, xs: Sequence[Value]) -> list[Value]:
    """Run the module's program on ``xs`` and return the output s-op's values."""
    program = find_program(module)
    tokens = check_input(program, xs)
    return run_values(program, tokens)[program.output.sop]


def run_values(program: ir.ProgramOp, xs: Sequence[Value]) -> dict[Any, Any]:
    """Run ``program`` and return the value of every SSA value it defines."""
    return interpret(program, RaspFunctions(), xs)


def interpret(
    program: ir.ProgramBase, functions: InterpreterFunctions, xs: Sequence[Value]
) -> dict[Any, Any]:
    """Run a program of any level with ``functions``; every SSA value's value.

    The input and the causal flag are stored for every level's functions alike
    (``input_tokens``, ``mask``), so the levels share those helpers.
    """
    interpreter = Interpreter(ModuleOp([]))
    interpreter.register_implementations(functions)
    interpreter.set_data(InterpreterFunctions, "input", list(xs))
    interpreter.set_data(InterpreterFunctions, "causal", program.is_causal)
    values: dict[Any, Any] = {}

    class Recorder(Interpreter.Listener):
        def did_interpret_op(self, op, results: PythonValues) -> None:
            for result, value in zip(op.results, results, strict=False):
                values[result] = value

    interpreter.listeners = (Recorder(),)
    interpreter.run_ssacfg_region(program.body, (), program.name)
    return values


def input_tokens(interpreter: Interpreter) -> list[Value]:
    """The input the running program was given."""
    return interpreter.get_data(InterpreterFunctions, "input", list)


def mask(interpreter: Interpreter, matrix: Matrix) -> Matrix:
    """In a causal program, query i only sees keys j <= i."""
    if not interpreter.get_data(InterpreterFunctions, "causal", bool):
        return matrix
    return [[s and k <= q for k, s in enumerate(row)] for q, row in enumerate(matrix)]


def _combine(a: Matrix, b: Matrix, both) -> Matrix:
    """Elementwise combination of two selector matrices of the same shape."""
    return [
        [both(x, y) for x, y in zip(r, s, strict=False)]
        for r, s in zip(a, b, strict=False)
    ]


def lookup(op: ir.TabulatedOp, table: dict[tuple, Value], key: Value) -> Value:
    """``key``'s entry in ``op``'s table (``table.as_dict()``); ``error`` raises."""
    if value_key(key) not in table:
        raise EvaluationError(
            f"{op.name} '{op.label.data}': input {format_value(key)} is outside its table"
        )
    out = table[value_key(key)]
    if out is ir.UNDEFINED:
        raise EvaluationError(
            f"{op.name} '{op.label.data}': the function raised on input {format_value(key)}"
        )
    return out


def select(
    where: str,
    predicate: ir.ComparisonAttr | ir.RelationAttr,
    keys: list[Value],
    queries: list[Value],
) -> Matrix:
    """The query-by-key matrix of a predicate; errors are prefixed with ``where``."""
    if isinstance(predicate, ir.ComparisonAttr):
        cmp = predicate.data
        try:
            return [[bool(ir.compare(cmp, k, q)) for k in keys] for q in queries]
        except (TypeError, ValueError) as e:
            raise EvaluationError(f"{where}: {e}") from e
    chosen = ir.relation_keys(predicate)
    key_keys = [value_key(k) for k in keys]
    return [[("tuple", (k, value_key(q))) in chosen for k in key_keys] for q in queries]


def aggregate(
    label: str,
    row: list[bool],
    values: list[Value],
    default: Value,
    categorical: bool = False,
) -> Value:
    """One query of an aggregate, with the evaluator's semantics."""
    selected = [v for s, v in zip(row, values, strict=False) if s]
    try:
        return aggregate_selected(selected, default, f"'{label}'", categorical)
    except ValueError as e:
        raise EvaluationError(str(e)) from e


def extremum(
    label: str, reduction: str, row: list[bool], values: list[Value], default: Value
) -> Value:
    """One query of a ``max`` / ``min`` aggregate, with the evaluator's semantics."""
    selected = [v for s, v in zip(row, values, strict=False) if s]
    try:
        return extremum_selected(selected, default, reduction, f"'{label}'")
    except ValueError as e:
        raise EvaluationError(str(e)) from e


def map_values(op, xs: list[Value]) -> list[Value]:
    """A tabulated function of one s-op, None passing through."""
    table = op.table.as_dict()
    return [None if x is None else lookup(op, table, x) for x in xs]


def sequence_map_values(op, xs: list[Value], ys: list[Value]) -> list[Value]:
    """A tabulated function of two s-ops, None if either side is None."""
    table = op.table.as_dict()
    return [
        None if x is None or y is None else lookup(op, table, (x, y))
        for x, y in zip(xs, ys, strict=False)
    ]


def linear_values(op, xs: list[Value], ys: list[Value]) -> list[Value]:
    """``a*x + b*y`` elementwise, None if either side is None."""
    a, b = op.fst_factor.data, op.snd_factor.data
    return [
        None if x is None or y is None else a * x + b * y
        for x, y in zip(xs, ys, strict=False)
    ]


@register_impls
class RaspFunctions(InterpreterFunctions):
    @impl(ir.TokensOp)
    def run_tokens(self, interpreter: Interpreter, op: ir.TokensOp, args: PythonValues):
        return (list(input_tokens(interpreter)),)

    @impl(ir.IndicesOp)
    def run_indices(
        self, interpreter: Interpreter, op: ir.IndicesOp, args: PythonValues
    ):
        return (list(range(len(input_tokens(interpreter)))),)

    @impl(ir.LengthOp)
    def run_length(self, interpreter: Interpreter, op: ir.LengthOp, args: PythonValues):
        n = len(input_tokens(interpreter))
        if interpreter.get_data(InterpreterFunctions, "causal", bool):
            return (list(range(1, n + 1)),)
        return ([n] * n,)

    @impl(ir.FullOp)
    def run_full(self, interpreter: Interpreter, op: ir.FullOp, args: PythonValues):
        return ([op.fill.data] * len(input_tokens(interpreter)),)

    @impl(ir.ConstantOp)
    def run_constant(
        self, interpreter: Interpreter, op: ir.ConstantOp, args: PythonValues
    ):
        n = len(input_tokens(interpreter))
        sequence = list(op.sequence.data)
        if op.check_length.value.data and len(sequence) != n:
            raise EvaluationError(
                f"constant '{op.label.data}' has {len(sequence)} values but the input "
                f"has {n} tokens"
            )
        return (sequence,)

    @impl(ir.MapOp)
    def run_map(self, interpreter: Interpreter, op: ir.MapOp, args: PythonValues):
        return (map_values(op, *args),)

    @impl(ir.SequenceMapOp)
    def run_sequence_map(
        self, interpreter: Interpreter, op: ir.SequenceMapOp, args: PythonValues
    ):
        return (sequence_map_values(op, *args),)

    @impl(ir.LinearSequenceMapOp)
    def run_linear_sequence_map(
        self, interpreter: Interpreter, op: ir.LinearSequenceMapOp, args: PythonValues
    ):
        return (linear_values(op, *args),)

    @impl(ir.AggregateOp)
    def run_aggregate(
        self, interpreter: Interpreter, op: ir.AggregateOp, args: PythonValues
    ):
        matrix, values = args
        label, default = op.label.data, op.default.data
        if op.extremum is not None:
            return (
                [extremum(label, op.extremum, row, values, default) for row in matrix],
            )
        categorical = op.encoding == ir.CATEGORICAL
        return (
            [aggregate(label, row, values, default, categorical) for row in matrix],
        )

    @impl(ir.SelectorWidthOp)
    def run_selector_width(
        self, interpreter: Interpreter, op: ir.SelectorWidthOp, args: PythonValues
    ):
        (matrix,) = args
        return ([sum(row) for row in matrix],)

    @impl(ir.SelectOp)
    def run_select(self, interpreter: Interpreter, op: ir.SelectOp, args: PythonValues):
        keys, queries = args
        matrix = select(f"select '{op.label.data}'", op.predicate, keys, queries)
        return (mask(interpreter, matrix),)

    @impl(ir.SelectAndOp)
    def run_select_and(
        self, interpreter: Interpreter, op: ir.SelectAndOp, args: PythonValues
    ):
        return (mask(interpreter, _combine(*args, lambda x, y: x and y)),)

    @impl(ir.SelectOrOp)
    def run_select_or(
        self, interpreter: Interpreter, op: ir.SelectOrOp, args: PythonValues
    ):
        return (mask(interpreter, _combine(*args, lambda x, y: x or y)),)

    @impl(ir.SelectNotOp)
    def run_select_not(
        self, interpreter: Interpreter, op: ir.SelectNotOp, args: PythonValues
    ):
        (a,) = args
        return (mask(interpreter, [[not x for x in row] for row in a]),)

    @impl_terminator(ir.OutputOp)
    def run_output(
        self, interpreter: Interpreter, op: ir.OutputOp, args: PythonValues
    ) -> tuple[TerminatorValue, PythonValues]:
        return ReturnedValues(args), ()
