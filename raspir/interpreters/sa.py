"""Reference semantics of the ``sa`` dialect: what each component ideally computes.

An s-op evaluates to a list with one value per position, as in
``raspir.interpreters.rasp``, whose helpers (input checks, causal masking,
table lookups, selection matrices) this module shares. The values are those
the components compute in exact arithmetic, so comparing this interpreter with
the RASP evaluator (``raspir verify``) checks the lowering, and comparing it
with the weights checks the constructions.

Where a component cannot do what the evaluator does, the interpreter raises
``EvaluationError`` naming the op instead of returning the evaluator's answer:
a categorical head copies one value, so a query that selects different values
has no result; a discretising MLP only knows the numbers in its table.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

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

from raspir.dialects import sa
from raspir.dialects.rasp import UNDEFINED
from raspir.dialects.values import Value, format_value, value_key
from raspir.interpreters.rasp import (
    EvaluationError,
    Matrix,
    aggregate,
    check_input,
    extremum,
    find_program,
    input_tokens,
    interpret,
    linear_values,
    lookup,
    map_values,
    mask,
    select,
    sequence_map_values,
)

__all__ = ["EvaluationError", "SaFunctions", "run_program", "run_values"]


def run_program(module: ModuleOp | sa.ProgramOp, xs: Sequence[Value]) -> list[Value]:
    """Run the module's ``sa.program`` on ``xs`` and return the output's values."""
    program = find_program(module, sa.ProgramOp)
    tokens = check_input(program, xs)
    return run_values(program, tokens)[program.output.sop]


def run_values(program: sa.ProgramOp, xs: Sequence[Value]) -> dict[Any, Any]:
    """Run ``program`` and return the value of every SSA value it defines."""
    return interpret(program, SaFunctions(), xs)


_MISSING = object()


def _where(op: sa.ComponentOp) -> str:
    return f"{op.name} '{op.label.data}'"


def _selection(interpreter: Interpreter, op: sa.HeadOp, args: PythonValues) -> Matrix:
    keys, queries = args[0], args[1]
    return mask(interpreter, select(_where(op), op.predicate, keys, queries))


def _copy(op: sa.AggregateOp, q: int, row: list[bool], values: list[Value]) -> Value:
    """A categorical head's output for one query: the one value it selects,
    or the default if it selects none."""
    chosen = {value_key(v): v for s, v in zip(row, values, strict=False) if s}
    if len(chosen) > 1:
        raise EvaluationError(
            f"{_where(op)}: query at position {q} selects different values "
            f"{{{', '.join(format_value(v) for v in chosen.values())}}}, but the "
            "categorical head can only copy one value"
        )
    return next(iter(chosen.values()), op.default_value)


_POINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Each discretise op's table by number, built once: it is read for every input."""


def _points(op: sa.DiscretiseOp) -> dict[float, Value]:
    points = _POINTS.get(op)
    if points is None:
        try:
            points = _POINTS[op] = dict(op.points())
        except ValueError as e:
            raise EvaluationError(f"{_where(op)}: its numerical {e}") from e
    return points


def _discretise(op: sa.DiscretiseOp, xs: list[Value]) -> list[Value]:
    """Outputs by number: an input equals a table input as a float, not by type."""
    points = _points(op)
    outputs = []
    for x in xs:
        out = None if x is None else points.get(float(x), _MISSING)
        if out is _MISSING:
            raise EvaluationError(
                f"{_where(op)}: input {format_value(x)} is not one of the numbers "
                "in its table"
            )
        if out is UNDEFINED:
            raise EvaluationError(
                f"{_where(op)}: the function raised on input {format_value(x)}"
            )
        outputs.append(out)
    return outputs


@register_impls
class SaFunctions(InterpreterFunctions):
    @impl(sa.TokensOp)
    def run_tokens(self, interpreter: Interpreter, op: sa.TokensOp, args: PythonValues):
        return (list(input_tokens(interpreter)),)

    @impl(sa.IndicesOp)
    def run_indices(
        self, interpreter: Interpreter, op: sa.IndicesOp, args: PythonValues
    ):
        return (list(range(len(input_tokens(interpreter)))),)

    @impl(sa.PositionMapOp)
    def run_position_map(
        self, interpreter: Interpreter, op: sa.PositionMapOp, args: PythonValues
    ):
        table = op.table.as_dict()
        positions = range(len(input_tokens(interpreter)))
        return ([lookup(op, table, i) for i in positions],)

    @impl(sa.FullOp)
    def run_full(self, interpreter: Interpreter, op: sa.FullOp, args: PythonValues):
        return ([op.fill.data] * len(input_tokens(interpreter)),)

    @impl(sa.LookupOp)
    def run_lookup(self, interpreter: Interpreter, op: sa.LookupOp, args: PythonValues):
        return (map_values(op, *args),)

    @impl(sa.PairLookupOp)
    def run_pair_lookup(
        self, interpreter: Interpreter, op: sa.PairLookupOp, args: PythonValues
    ):
        return (sequence_map_values(op, *args),)

    @impl(sa.DiscretiseOp)
    def run_discretise(
        self, interpreter: Interpreter, op: sa.DiscretiseOp, args: PythonValues
    ):
        (xs,) = args
        return (_discretise(op, xs),)

    @impl(sa.LinearOp)
    def run_linear(self, interpreter: Interpreter, op: sa.LinearOp, args: PythonValues):
        return (linear_values(op, *args),)

    @impl(sa.PairOp)
    def run_pair(self, interpreter: Interpreter, op: sa.PairOp, args: PythonValues):
        xs, ys = args
        return (
            [
                None if x is None or y is None else (x, y)
                for x, y in zip(xs, ys, strict=False)
            ],
        )

    @impl(sa.AffineOp)
    def run_affine(self, interpreter: Interpreter, op: sa.AffineOp, args: PythonValues):
        offset = op.offset.data
        return ([v + offset for v in linear_values(op, *args)],)

    @impl(sa.AggregateOp)
    def run_aggregate(
        self, interpreter: Interpreter, op: sa.AggregateOp, args: PythonValues
    ):
        matrix, values = _selection(interpreter, op, args), args[2]
        if op.extremum is not None:
            label, default = op.label.data, op.default_value
            return (
                [extremum(label, op.extremum, row, values, default) for row in matrix],
            )
        if op.encoding == sa.NUMERICAL:
            label = op.label.data
            default = op.default_value
            return ([aggregate(label, row, values, default) for row in matrix],)
        return ([_copy(op, q, row, values) for q, row in enumerate(matrix)],)

    @impl(sa.CountOp)
    def run_count(self, interpreter: Interpreter, op: sa.CountOp, args: PythonValues):
        widths = [sum(row) for row in _selection(interpreter, op, args)]
        if op.table is None:
            return (widths,)
        table = op.table.as_dict()
        return ([lookup(op, table, w) for w in widths],)

    @impl_terminator(sa.OutputOp)
    def run_output(
        self, interpreter: Interpreter, op: sa.OutputOp, args: PythonValues
    ) -> tuple[TerminatorValue, PythonValues]:
        return ReturnedValues(args), ()
