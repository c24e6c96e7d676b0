"""craft-compress-residual on the lib programs: exact, narrower, left-edge optimal.

Every lib program at max_seq_len 5 and 10 is compiled with the pass just
before ``convert-craft-to-la`` under every objective the pass knows (and with
-O2 itself when -O2 runs the pass). The compressed model must be exact at every
level, no wider than the model -O2 makes without the pass and no narrower than
the bound the pass records (``residual_erasure_peak``); with
``objective=width`` the left-edge assignment reaches that bound exactly.
"""

from __future__ import annotations

import functools
import warnings

import pytest
from xdsl.dialects.builtin import IntegerAttr

import raspir
from raspir.dialects import craft
from raspir.errors import RaspirError
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.passes.craft_compress_residual import OBJECTIVES
from raspir.pipeline import O2, stages
from raspir.testing.library import LIB_PROGRAMS

PASS = "craft-compress-residual"
SIZES = (5, 10)
ATTRIBUTES = (
    "residual_live_peak",
    "residual_erasure_peak",
    "residual_width_before",
    "residual_width",
    "erase_units",
)

O2_COMPRESSES = any(p.split("{")[0] == PASS for p in O2)
UNCOMPRESSED = [p for p in O2 if p.split("{")[0] != PASS]


def compressing(objective: str) -> list[str]:
    """-O2 with the pass (under ``objective``) just before the la conversion."""
    assert UNCOMPRESSED[-1] == "convert-craft-to-la"
    return [*UNCOMPRESSED[:-1], f"{PASS}{{objective={objective}}}", UNCOMPRESSED[-1]]


PIPELINES: dict[str, list[str]] = {o: compressing(o) for o in OBJECTIVES}
if O2_COMPRESSES:
    PIPELINES["-O2"] = list(O2)


@functools.cache
def program(name: str, n: int):
    entry = LIB_PROGRAMS[name]
    return entry.build(n), entry.vocab(n)


def compile_quietly(name: str, n: int, pipeline):
    prog, vocab = program(name, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nary_sequencemap's SequenceMap advice
        return raspir.compile_rasp_to_model(prog, vocab, n, pipeline=pipeline)


@functools.cache
def uncompressed_width(name: str, n: int) -> int:
    return len(compile_quietly(name, n, UNCOMPRESSED).residual_labels)


@functools.cache
def recorded(name: str, n: int, pipeline: tuple[str, ...]) -> dict[str, int]:
    """The attributes the pass wrote on the craft model."""
    prog, vocab = program(name, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = to_rasp_ir(prog, vocab, n)
    names = [s.split("{")[0] for s in pipeline]
    wanted = names.index(PASS)
    for index, (_, snapshot) in enumerate(stages(module, list(pipeline))):
        if index == wanted:
            model = snapshot.body.block.first_op
            assert isinstance(model, craft.ModelOp)
            out = {}
            for key in ATTRIBUTES:
                attr = model.attributes[key]
                assert isinstance(attr, IntegerAttr)
                out[key] = attr.value.data
            return out
    raise AssertionError(f"{PASS} is not in the pipeline")


CASES = [
    pytest.param(name, n, kind, id=f"{name}-{n}-{kind}")
    for kind in PIPELINES
    for n in SIZES
    for name in LIB_PROGRAMS
]


@pytest.mark.parametrize(("name", "n", "kind"), CASES)
def test_compressed_lib_program(name: str, n: int, kind: str):
    pipeline = PIPELINES[kind]
    prog, vocab = program(name, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = raspir.verify(prog, vocab, n, samples=40, passes=pipeline)
    assert report.exact, str(report)

    width = len(compile_quietly(name, n, pipeline).residual_labels)
    attrs = recorded(name, n, tuple(pipeline))
    before = uncompressed_width(name, n)
    assert width <= before
    assert attrs["residual_width"] <= attrs["residual_width_before"]
    # The bounds: nothing can beat the live peak; erasing at MLP slots, nothing
    # can beat the erasure peak.
    assert attrs["residual_live_peak"] <= attrs["residual_erasure_peak"]
    assert attrs["residual_erasure_peak"] <= attrs["residual_width"]
    assert attrs["residual_erasure_peak"] <= width
    # The pass counts the directions it assigns (written and read); la keeps a
    # coordinate for each of the others too (such as tokens:BOS where no head
    # reads it), the same before and after.
    assert width - attrs["residual_width"] == before - attrs["residual_width_before"]
    # Every reuse erases the previous occupant: units are spent iff width is saved.
    saved = attrs["residual_width_before"] - attrs["residual_width"]
    assert (attrs["erase_units"] > 0) == (saved > 0)
    if kind == "width":
        # Left edge over [birth, erasure) is optimal: it reaches the bound.
        assert attrs["residual_width"] == attrs["residual_erasure_peak"]


def test_width_objective_shrinks_the_library():
    """Across the lib programs at max_seq_len 10, objective=width saves
    coordinates overall (a guard against the pass silently doing nothing)."""
    saved = 0
    for name in LIB_PROGRAMS:
        attrs = recorded(name, 10, tuple(PIPELINES["width"]))
        saved += attrs["residual_width_before"] - attrs["residual_width"]
    assert saved > 0


@pytest.mark.parametrize(
    "pipeline",
    [
        compressing("bogus"),
        f"{PASS}{{objective=bogus}}",
    ],
    ids=["list", "text"],
)
def test_unknown_objective_is_a_clear_error(pipeline):
    prog, vocab = program("hist", 5)
    with pytest.raises(ValueError, match=r"objective .*'bogus'") as info:
        raspir.compile_rasp_to_model(prog, vocab, 5, pipeline=pipeline)
    assert isinstance(info.value, RaspirError)
    assert PASS in str(info.value)


def test_second_run_is_refused():
    prog, vocab = program("hist", 5)
    twice = [*compressing("width")[:-1], PASS, "convert-craft-to-la"]
    with pytest.raises(RaspirError, match="already shares dimensions"):
        raspir.compile_rasp_to_model(prog, vocab, 5, pipeline=twice)
