"""Translation validation: run a program at every IR level on the same inputs.

``verify`` imports a program, runs the evaluator and then the IR after every
pass of the pipeline (each level with its own interpreter) on the same random
inputs, and reports the first pass whose output disagrees with the evaluator,
with the input, the expected and the actual values. Inputs the evaluator
rejects (a function raising, several strings averaged) are not accepted inputs
and are skipped. So are the inputs on which a categorical aggregate selects
several different numbers: the evaluator averages them, a head can only copy,
and the compiler warns of every aggregate where that can happen.

Categorical outputs must match exactly (type-exact). A numerical output of the
craft and la models, computed in the program's dtype (float32 unless
``dtype="float64"``), must be within ``numerical_tolerance`` times
``max(1, largest magnitude in the output's value set)`` of the evaluator — the
budget ``convert-rasp-to-sa`` certifies; every other level is exact.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from xdsl.dialects.builtin import ModuleOp

from raspir import rasp
from raspir.dialects import craft, la
from raspir.dialects import rasp as rasp_ir
from raspir.dialects import sa as sa_ir
from raspir.dialects.values import Value, format_value, value_key
from raspir.frontend.rasp_import import COMPILER_BOS, COMPILER_PAD, to_rasp_ir
from raspir.pipeline import DEFAULT, PassSpec, stages

NUMERICAL_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Divergence:
    """The first disagreement: where, on what input, and what each side gave."""

    stage: str
    input: list[Value]
    expected: list[Value]
    actual: list[Value] | str

    def __str__(self) -> str:
        actual = self.actual if isinstance(self.actual, str) else _show(self.actual)
        return (
            f"diverges after {self.stage}\n"
            f"  input:    {_show(self.input)}\n"
            f"  expected: {_show(self.expected)}\n"
            f"  actual:   {actual}"
        )


@dataclass
class Report:
    """What ``verify`` found: exact on every sample, or the first divergence."""

    stages: list[str]
    samples: int
    skipped: int
    divergence: Divergence | None = None
    averaged: int = 0
    """Of the skipped inputs, those on which a categorical aggregate averages."""
    layers: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.divergence is None

    def __str__(self) -> str:
        checked = f"{self.samples - self.skipped} inputs"
        rejected = self.skipped - self.averaged
        reasons = [f"{rejected} rejected by the evaluator"] if rejected else []
        if self.averaged:
            reasons.append(f"{self.averaged} averaged by a categorical aggregate")
        if reasons:
            checked += f" ({', '.join(reasons)}, skipped)"
        if self.divergence is not None:
            return f"NOT EXACT on {checked}: {self.divergence}"
        levels = " -> ".join(["import", *self.stages])
        depth = "" if self.layers is None else f", {self.layers} layer"
        depth += "s" if self.layers not in (None, 1) else ""
        return f"exact on {checked} at every level ({levels}{depth})"


class _Averages(Exception):
    """A categorical aggregate selected several different numbers."""


def _averaging_evaluator(causal: bool) -> rasp.DefaultRASPEvaluator:
    """The evaluator, raising ``_Averages`` where a categorical aggregate
    averages several different numbers."""
    base = rasp.CausalEvaluator if causal else rasp.DefaultRASPEvaluator

    class Evaluator(base):
        def eval_aggregate(self, sop: rasp.Aggregate, xs: Sequence[Value]):
            if rasp.is_categorical(sop):
                matrix = self.evaluate(sop.selector, xs)
                values = self.evaluate(sop.sop, xs)
                for row in matrix:
                    selected = [v for s, v in zip(row, values, strict=False) if s]
                    if _distinct_numbers(selected) > 1:
                        raise _Averages(sop.label)
            return super().eval_aggregate(sop, xs)

    return Evaluator()


def _distinct_numbers(values: Sequence[Value]) -> int:
    """How many different numbers (type-exact) a head would have to average."""
    if not all(isinstance(v, int | float) for v in values):
        return 0  # the evaluator copies equal values and rejects other mixes
    return len({value_key(v) for v in values})


def _show(values: Iterable[Value]) -> str:
    return "[" + ", ".join(format_value(v) for v in values) + "]"


def _runner(module: ModuleOp) -> Callable[[Sequence[Value]], list[Value]]:
    """The interpreter of the level this module is at."""
    from raspir.interpreters import la as la_interp
    from raspir.interpreters import rasp as rasp_interp
    from raspir.interpreters import sa as sa_interp
    from raspir.interpreters.craft import CraftMachine

    top = next(iter(module.body.block.ops))
    if isinstance(top, rasp_ir.ProgramOp):
        return lambda xs: rasp_interp.run_program(top, xs)
    if isinstance(top, sa_ir.ProgramOp):
        return lambda xs: sa_interp.run_program(top, xs)
    if isinstance(top, craft.ModelOp):
        machine = CraftMachine(top)
        return lambda xs: machine.run(xs).output
    if isinstance(top, la.ModelOp):
        return lambda xs: la_interp.run_model(top, xs).output
    raise TypeError(f"no interpreter for {top.name}")


def _model_runner(
    model: la.ModelOp, cases: list[list[Value]]
) -> Callable[[Sequence[Value]], list[Value]]:
    """The emitted JAX model, run once on every case as one batch."""
    from raspir.backend.model import CompiledModel

    compiled = CompiledModel.from_la(model)
    bos = model.bos.data
    outputs = compiled.apply_batch([[bos, *xs] for xs in cases])
    by_input = {_case_key(xs): out[1:] for xs, out in zip(cases, outputs, strict=True)}
    return lambda xs: by_input[_case_key(xs)]


def _case_key(xs: Sequence[Value]) -> tuple:
    return tuple(value_key(x) for x in xs)


def _agrees(actual: list[Value], expected: list[Value], tolerance: float) -> bool:
    if len(actual) != len(expected):
        return False
    for a, e in zip(actual, expected, strict=True):
        if value_key(a) == value_key(e):
            continue
        numbers = isinstance(a, int | float) and isinstance(e, int | float)
        if not (numbers and math.isfinite(float(e))):
            return False
        if abs(float(a) - float(e)) > tolerance:
            return False
    return True


def random_inputs(
    vocab: Sequence[Value], max_seq_len: int, samples: int, seed: int
) -> list[list[Value]]:
    """Uniform random inputs, lengths spread over 1..max_seq_len."""
    rng = random.Random(seed)
    tokens = sorted(vocab, key=lambda v: (type(v).__name__, v))
    return [
        [rng.choice(tokens) for _ in range(rng.randint(1, max_seq_len))]
        for _ in range(samples)
    ]


def verify(
    program: rasp.SOp,
    vocab: Iterable[Value],
    max_seq_len: int,
    *,
    samples: int = 200,
    seed: int = 0,
    causal: bool = False,
    compiler_bos: Value = COMPILER_BOS,
    compiler_pad: Value = COMPILER_PAD,
    inputs: Iterable[Sequence[Value]] | None = None,
    passes: str | Sequence[PassSpec] = DEFAULT,
    numerical_tolerance: float = NUMERICAL_TOLERANCE,
    check_model: bool = False,
    dtype: str = "float32",
) -> Report:
    """Check ``program`` at every level of the pipeline against the evaluator.

    With ``check_model``, the JAX model emitted from the final la IR runs too,
    as a last stage named ``jax``. ``dtype`` (``"float32"`` or ``"float64"``)
    is the arithmetic the program is compiled for and its models run in.
    """
    module = to_rasp_ir(
        program,
        vocab,
        max_seq_len,
        causal=causal,
        compiler_bos=compiler_bos,
        compiler_pad=compiler_pad,
        dtype=dtype,
    )
    program_op = next(iter(module.body.block.ops))
    assert isinstance(program_op, rasp_ir.ProgramOp)
    if inputs is None:
        cases = random_inputs(program_op.vocab.data, max_seq_len, samples, seed)
    else:
        cases = [list(xs) for xs in inputs]
    output = program_op.output.sop.owner
    assert isinstance(output, rasp_ir.SOpOp)
    magnitudes = [
        abs(float(v)) for v in output.values.data if isinstance(v, int | float)
    ]
    allowed = numerical_tolerance * max([1.0, *magnitudes])
    levels = [("import", module), *stages(module, passes)]
    runners = [(name, _runner(level)) for name, level in levels]
    floating = {
        name
        for name, level in levels
        if isinstance(level.body.block.first_op, craft.ModelOp | la.ModelOp)
    }
    final = levels[-1][1].body.block.first_op
    if check_model:
        if not isinstance(final, la.ModelOp):
            raise ValueError(
                f"check_model needs a pipeline ending at la.model, not {final.name}"
            )
        runners.append(("jax", _model_runner(final, cases)))
        floating.add("jax")
    report = Report([name for name, _ in runners[1:]], len(cases), 0)
    if isinstance(final, craft.ModelOp):
        report.layers = len(final.layers)
    elif isinstance(final, la.ModelOp):
        report.layers = final.num_layers
    evaluator = _averaging_evaluator(causal)
    for xs in cases:
        try:
            expected = list(evaluator.evaluate(program, xs))
        except _Averages:
            report.skipped += 1
            report.averaged += 1
            continue
        except Exception:  # noqa: BLE001 - the evaluator rejects this input
            report.skipped += 1
            continue
        if len(expected) != len(xs):  # a constant of another length: no value
            report.skipped += 1  # per position, so not an accepted input
            continue
        for name, run in runners:
            tolerance = allowed if name in floating else 0.0
            try:
                actual: list[Value] | str = run(xs)
            except Exception as e:  # noqa: BLE001 - reported as the divergence
                actual = f"error: {e}"
            if isinstance(actual, str) or not _agrees(actual, expected, tolerance):
                report.divergence = Divergence(name, list(xs), expected, actual)
                return report
    return report
