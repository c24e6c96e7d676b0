"""Passes from outside raspir: the installed example plug-in and ``--load-pass``.

``make test`` installs ``examples/custom_pass`` (package ``raspir_blockdiag``),
whose ``xdsl.universe`` entry point adds ``la-block-diagonalize``.
"""

from __future__ import annotations

import json
import random
import textwrap
from dataclasses import dataclass

import pytest
from raspir_blockdiag.block_diagonalize import (
    LaBlockDiagonalizePass,
    diagonal_breaks,
)
from xdsl.passes import ModulePass

import raspir
from raspir.dialects import la
from raspir.errors import InvalidArgumentError
from raspir.pipeline import O2, inserted, resolve
from raspir.plugins import load_pass, register_pass
from raspir.testing.library import LIB_PROGRAMS
from raspir.universe import parse_module

from .test_cli import RASPIR, RASPIR_OPT, run_all

PASS_FILE = """
    from dataclasses import dataclass

    from xdsl.passes import ModulePass

    from raspir.dialects import la
    from raspir_blockdiag.block_diagonalize import permute


    @dataclass(frozen=True)
    class ReverseResidual(ModulePass):
        name = "test-reverse-residual"

        def apply(self, ctx, op):
            for model in [m for m in op.walk() if isinstance(m, la.ModelOp)]:
                permute(model, list(reversed(range(len(model.residual)))))


    NOT_A_PASS = 3
    """


def test_installed_plugin_pass_is_found_by_pipelines():
    passes = resolve("-O2,la-block-diagonalize")
    assert [p.name for p in passes] == [
        *(s.split("{")[0] for s in O2),
        "la-block-diagonalize",
    ]
    assert isinstance(passes[-1], LaBlockDiagonalizePass)


@pytest.mark.parametrize(
    "name", ["shift_by", "sort", "pair_balance", "detect_pattern", "frac_prevs"]
)
def test_block_diagonalize_is_exact(name):
    program = LIB_PROGRAMS[name]
    report = raspir.verify(
        program.build(5),
        program.vocab(5),
        5,
        samples=60,
        passes=[*O2, "la-block-diagonalize"],
        check_model=True,
    )
    assert report.exact, report


@pytest.mark.parametrize(
    ("name", "before", "after"), [("shift_by", 3, 1), ("detect_pattern", 8, 4)]
)
def test_block_diagonalize_moves_weights_towards_the_diagonal(name, before, after):
    """Counted at max_seq_len 10; permuting leaves every non-zero count alone."""
    program = LIB_PROGRAMS[name]
    settings = (program.build(10), program.vocab(10), 10)
    plain = raspir.compile_rasp_to_model(*settings)
    ordered = raspir.compile_rasp_to_model(
        *settings, pipeline="-O2,la-block-diagonalize"
    )
    assert (diagonal_breaks(plain.la_model()), diagonal_breaks(ordered.la_model())) == (
        before,
        after,
    )
    assert sorted(plain.residual_labels) == sorted(ordered.residual_labels)
    assert plain.residual_labels != ordered.residual_labels
    assert ordered.sizes == plain.sizes
    rng = random.Random(0)
    inputs = [["compiler_bos", *program.random_input(rng, 10)] for _ in range(40)]
    assert ordered.apply_batch(inputs) == plain.apply_batch(inputs)


@dataclass(frozen=True)
class NamedPass(ModulePass):
    name = "test-plugins-named"

    def apply(self, ctx, op) -> None:
        pass


def test_register_pass_makes_it_resolvable_and_is_idempotent():
    assert register_pass(NamedPass) is NamedPass
    assert register_pass(NamedPass) is NamedPass
    assert isinstance(resolve("cse,test-plugins-named")[-1], NamedPass)


@dataclass(frozen=True)
class Clash(ModulePass):
    name = "rasp-legalize"

    def apply(self, ctx, op) -> None:
        pass


class Nameless(ModulePass):
    def apply(self, ctx, op) -> None:
        pass


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        (
            Clash,
            "Clash as 'rasp-legalize': that name is "
            "taken by raspir.passes.rasp_legalize.RaspLegalizePass",
        ),
        (Nameless, "pass class Nameless has no name"),
        (int, "is not a pass: a pass is a subclass of xdsl.passes.ModulePass"),
    ],
)
def test_register_pass_refuses(candidate, message):
    with pytest.raises(InvalidArgumentError) as caught:
        register_pass(candidate)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_colon", "--load-pass must look like 'package.module:Class'"),
        ("nowhere.py:X", "pass file 'nowhere.py' does not exist"),
        ("no_such_module_xyz:X", "cannot import module 'no_such_module_xyz'"),
        ("raspir.pipeline:Nope", "'raspir.pipeline' has no attribute 'Nope'"),
        (
            "raspir.pipeline:O2",
            "--load-pass 'raspir.pipeline:O2' is not a pass class (it is of type tuple)",
        ),
    ],
)
def test_load_pass_refuses(spec, message):
    with pytest.raises(InvalidArgumentError) as caught:
        load_pass(spec)
    assert message in str(caught.value)


def test_load_pass_from_a_file_on_the_command_lines(tmp_path):
    """``--load-pass file.py:Class`` in raspir compile/verify and raspir-opt."""
    pass_file = tmp_path / "reverse_residual.py"
    pass_file.write_text(textwrap.dedent(PASS_FILE))
    load = ["--load-pass", f"{pass_file}:ReverseResidual"]
    program = ["raspir.testing.library:reverse", "--vocab", "a,b", "--max-seq-len", "4"]
    pipeline = "--pipeline=-O2,test-reverse-residual"
    results = run_all(
        {
            "plain": [*RASPIR, "compile", *program, "-o", str(tmp_path / "plain")],
            "loaded": [
                *RASPIR,
                "compile",
                *program,
                *load,
                pipeline,
                "-o",
                str(tmp_path / "m"),
            ],
            "verify": [*RASPIR, "verify", *program, *load, pipeline, "--samples", "40"],
            "unloaded": [*RASPIR, "verify", *program, pipeline],
            "not-a-pass": [
                *RASPIR,
                "verify",
                *program,
                "--load-pass",
                f"{pass_file}:NOT_A_PASS",
            ],
        }
    )
    for key in ("plain", "loaded", "verify"):
        assert results[key].returncode == 0, results[key].stderr
    labels = {
        key: json.loads((tmp_path / key / "model.json").read_text())["residual_labels"]
        for key in ("plain", "m")
    }
    assert labels["m"] == labels["plain"][::-1]
    assert "exact" in results["verify"].stdout
    assert results["unloaded"].returncode == 1
    assert (
        "unknown pass or pipeline 'test-reverse-residual'" in results["unloaded"].stderr
    )
    assert results["not-a-pass"].stderr == (
        f"raspir: error: --load-pass '{pass_file}:NOT_A_PASS' is not a pass class "
        "(it is of type int); a pass is a subclass of xdsl.passes.ModulePass\n"
    )

    opt = run_all(
        {
            "opt": [
                *RASPIR_OPT,
                *load,
                "-p",
                "test-reverse-residual",
                "--weights",
                str(tmp_path / "m" / "model.npz"),
                str(tmp_path / "m" / "la.mlir"),
            ],
            "opt-unknown": [
                *RASPIR_OPT,
                "-p",
                "test-reverse-residual",
                str(tmp_path / "m" / "la.mlir"),
            ],
            "opt-bad": [*RASPIR_OPT, "--load-pass", "nowhere.py:X", "-p", "cse"],
        }
    )
    assert opt["opt"].returncode == 0, opt["opt"].stderr
    reversed_again = la.model_of(parse_module(opt["opt"].stdout)).residual
    assert [la.residual_label(c) for c in reversed_again] == labels["plain"]
    assert opt["opt-unknown"].returncode != 0
    assert "test-reverse-residual" in opt["opt-unknown"].stderr
    assert opt["opt-bad"].stderr == (
        "raspir-opt: error: pass file 'nowhere.py' does not exist\n"
    )


def test_inserted_places_a_pass_after_another():
    placed = inserted("la-block-diagonalize", "schedule-layers")
    at = placed.index("la-block-diagonalize")
    assert placed[at - 1] == "schedule-layers{narrow=true}"
    assert placed[:at] + placed[at + 1 :] == list(O2)
    assert inserted("x", "convert-craft-to-la", ["convert-craft-to-la"]) == [
        "convert-craft-to-la",
        "x",
    ]
    with pytest.raises(InvalidArgumentError) as caught:
        inserted("x", "nowhere", ["cse", "dce"])
    assert str(caught.value) == (
        "cannot insert x after nowhere: the pipeline has no such pass (cse, dce)"
    )
