"""The ``raspir-opt`` driver (and the stock ``xdsl-opt``) on rasp IR.

Runs that only feed text to the driver are started together by a fixture and
checked by separate tests, since each process mostly spends its time starting.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _tool(script: str, module: str) -> list[str]:
    path = BIN / script
    return [str(path)] if path.exists() else [sys.executable, "-m", module]


RASPIR_OPT = _tool("raspir-opt", "raspir.tools.raspir_opt")
XDSL_OPT = _tool("xdsl-opt", "xdsl.tools.xdsl_opt")


def run(tool: list[str], *args: str, stdin: str | None = None, timeout: float = 60):
    return subprocess.run(
        [*tool, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=timeout,
    )


def raspir_opt(*args: str, stdin: str | None = None, timeout: float = 60):
    return run(RASPIR_OPT, *args, stdin=stdin, timeout=timeout)


def run_all(commands: dict[str, tuple[list[str], str | None]]):
    """Run (command, stdin) pairs concurrently; results by key."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            key: pool.submit(run, command, stdin=stdin)
            for key, (command, stdin) in commands.items()
        }
        return {key: future.result() for key, future in futures.items()}


def program(body: str, header: str | None = None) -> str:
    header = header or 'rasp.program vocab {"a", "b"} max_seq_len 3 bos "B" pad "P" {\n'
    return (
        header
        + '  %t = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}\n'
        + body
        + "}\n"
    )


GOOD = program(
    '  %i = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}\n'
    '  %s = rasp.select "s" %t, %t eq\n'
    '  %w = rasp.selector_width "w" %s : !rasp.sop<categorical> values {0, 1, 2, 3}\n'
    '  %m = rasp.map "m" %w {0 -> "z", 1 -> "o", 2 -> error, 3 -> error} : '
    '!rasp.sop<categorical> values {"o", "z"}\n'
    "  rasp.output %m : !rasp.sop<categorical>\n"
)

GOOD_PRINTED = (
    "builtin.module {\n"
    '  rasp.program vocab {"a", "b"} max_seq_len 3 bos "B" pad "P" {\n'
    '    %t = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}\n'
    '    %i = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}\n'
    '    %s = rasp.select "s" %t, %t eq\n'
    '    %w = rasp.selector_width "w" %s : !rasp.sop<categorical> values {0, 1, 2, 3}\n'
    '    %m = rasp.map "m" %w {0 -> "z", 1 -> "o", 2 -> error, 3 -> error} : '
    '!rasp.sop<categorical> values {"o", "z"}\n'
    "    rasp.output %m : !rasp.sop<categorical>\n"
    "  }\n"
    "}\n"
    "\n"
)


def assert_diagnostic(result, message: str) -> str:
    assert result.returncode == 1, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("raspir-opt: error: ")
    assert message in result.stderr, result.stderr
    return result.stderr


def test_prints_rasp_ir_canonically():
    result = raspir_opt(stdin=GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout == GOOD_PRINTED
    again = raspir_opt(stdin=result.stdout)
    assert again.stdout == result.stdout


def test_reads_a_file(tmp_path):
    path = tmp_path / "good.mlir"
    path.write_text(GOOD)
    result = raspir_opt(str(path))
    assert result.returncode == 0
    assert result.stdout == GOOD_PRINTED


def test_generic_form_round_trips():
    generic = raspir_opt("--print-op-generic", stdin=GOOD)
    assert generic.returncode == 0
    assert '"rasp.map"(%w) <{' in generic.stdout
    assert '#rasp.table<{0 -> "z", 1 -> "o", 2 -> error, 3 -> error}>' in generic.stdout
    back = raspir_opt(stdin=generic.stdout)
    assert back.stdout == GOOD_PRINTED


# Malformed IR: a diagnostic with location, exit 1, no traceback.


MALFORMED = {
    "unregistered op": (
        '  %x = rasp.bogus "x" %t : !rasp.sop<categorical> values {"a"}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "Operation rasp.bogus is not registered",
        3,
    ),
    "bad value": (
        '  %f = rasp.full "f" fill foo : !rasp.sop<categorical> values {1}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "expected a RASP value (none, true, false, a number, a string or a tuple)",
        3,
    ),
    "use before definition": (
        '  %m = rasp.map "m" %zz {"a" -> 1} : !rasp.sop<categorical> values {1}\n'
        "  rasp.output %m : !rasp.sop<categorical>\n",
        "%zz is used before it is defined",
        3,
    ),
    "duplicate in value set": (
        '  %f = rasp.full "f" fill 1 : !rasp.sop<categorical> values {1, 2, 1}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "value set lists 1 twice",
        3,
    ),
    "duplicate in table": (
        '  %m = rasp.map "m" %t {"a" -> 1, "b" -> 2, "a" -> 3} : '
        "!rasp.sop<categorical> values {1, 2, 3}\n"
        "  rasp.output %m : !rasp.sop<categorical>\n",
        'function table lists "a" twice',
        3,
    ),
    "duplicate in relation": (
        '  %s = rasp.select "s" %t, %t {("a", "b"), ("b", "a"), ("a", "b")}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        'relation lists ("a", "b") twice',
        3,
    ),
    "unknown comparison": (
        '  %s = rasp.select "s" %t, %t lessthan\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "unknown comparison 'lessthan'",
        3,
    ),
    "unclosed value set": (
        '  %f = rasp.full "f" fill 1 : !rasp.sop<categorical> values {1\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "Expected '}' to close a value set",
        4,
    ),
    "redefined value": (
        '  %t = rasp.tokens "again" : !rasp.sop<categorical> values {"a", "b"}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "SSA value %t is already defined",
        3,
    ),
    # Found by mutation fuzzing (raspir.testing.ir_fuzz): xDSL's parser raised
    # Python errors or backtracked for minutes on these.
    "integer literal over Python's digit limit": (
        '  %f = rasp.full "f" fill 1' + "0" * 4400 + " : !rasp.sop<categorical> "
        "values {1}\n"
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "integer literal has more than 4300 digits",
        3,
    ),
    "brackets nested past the stack": (
        '  %f = rasp.full "f" fill ' + "(" * 80 + "1" + ")" * 80 + " : "
        "!rasp.sop<categorical> values {1}\n"
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "brackets nest more than 64 deep",
        3,
    ),
    "symbol name that is not UTF-8": (
        '  %f = rasp.full "f" fill 1 : !rasp.sop<categorical> values {1} '
        'attributes {ref = @"\\C3"}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "string literal is not valid UTF-8",
        3,
    ),
    "block name starting with a digit": (
        "^063:\n  rasp.output %t : !rasp.sop<categorical>\n",
        "block name ^063 must not start with a digit",
        3,
    ),
    "escape xDSL does not read": (
        '  %f = rasp.full "f" fill "a\\rb" : !rasp.sop<categorical> values {"a"}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "invalid escape sequence \\r in a string literal",
        3,
    ),
    "raw vertical tab in a string": (
        '  %f = rasp.full "f" fill "a\x0bb" : !rasp.sop<categorical> values {"a"}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n",
        "raw vertical tab or form feed in a string literal",
        3,
    ),
    "weight beyond the float range": (
        "  rasp.output %t : !rasp.sop<categorical>\n"
        "}\n"
        'craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {\n'
        '  craft.embed tokens {"a": {one = 1' + "0" * 400 + "}}\n",
        "a weight is beyond the float range",
        6,
    ),
}


@pytest.fixture(scope="module")
def malformed_runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("malformed")
    commands = {}
    for case, (body, _, _) in MALFORMED.items():
        path = directory / f"{case.replace(' ', '_')}.mlir"
        path.write_text(program(body))
        commands[case] = ([*RASPIR_OPT, str(path)], None)
    return directory, run_all(commands)


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_ir(case, malformed_runs):
    directory, results = malformed_runs
    _, message, line = MALFORMED[case]
    stderr = assert_diagnostic(results[case], message)
    # The diagnostic names the file and line of the problem, then shows it.
    path = directory / f"{case.replace(' ', '_')}.mlir"
    assert stderr.startswith(f"raspir-opt: error: {path}:{line}:")
    assert "^" in stderr


def test_unterminated_string_is_reported_promptly():
    body = (
        '  %f = rasp.full "f" fill "abc : !rasp.sop<categorical> values {1, 2, 3, 4, 5}\n'
        "  rasp.output %t : !rasp.sop<categorical>\n"
    )
    try:
        result = raspir_opt(stdin=program(body), timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("raspir-opt did not finish within 5 s on an unterminated string")
    stderr = assert_diagnostic(result, "unterminated string literal")
    # Reported at the opening quote, like any other parse error.
    column = body.index('"abc') + 1
    assert stderr.startswith(f"raspir-opt: error: stdin:3:{column}\n"), stderr
    assert stderr.splitlines()[2].strip() == "^", stderr


def test_invalid_escape_is_reported_promptly():
    # xDSL's lexer backtracks exponentially on a literal it cannot match.
    body = (
        '  %f = rasp.full "transformer/layer_2/mlp/linea\\r_1/w" fill 1 : '
        "!rasp.sop<categorical> values {1}\n"
        "  rasp.output %t : !rasp.sop<categorical>\n"
    )
    try:
        result = raspir_opt(stdin=program(body), timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("raspir-opt did not finish within 5 s on an invalid escape")
    assert_diagnostic(result, "invalid escape sequence \\r in a string literal")


# Ill-formed programs: the verifier's message, exit 1, no traceback.


CRAFT = (
    'craft.model vocab {{"a"}} max_seq_len 1 bos "B" pad "P" {{\n'
    '  craft.embed tokens {{"a": {{tokens:"a" = 1.0}}, "B": {{one = 1.0}}, "P": {{}}}}\n'
    "  craft.embed positions {positions}\n"
    "  craft.layer 0 {{\n"
    "    {mlp}\n"
    "  }}\n"
    "  craft.unembed numerical {{none: {{m = 1.0}}}}\n"
    "}}\n"
)
CRAFT_MLP = 'craft.mlp "m" hidden 1 fst {(tokens:"a", 0): 1.0} snd {(0, m): 1.0}'

ILL_FORMED = {
    "fill outside its value set": (
        program(
            '  %f = rasp.full "f" fill 3 : !rasp.sop<categorical> values {1}\n'
            "  rasp.output %t : !rasp.sop<categorical>\n"
        ),
        "raspir-opt: error: rasp.full 'f': fill value 3 is not in the value set\n",
    ),
    "table missing an input": (
        program(
            '  %m = rasp.map "m" %t {"a" -> 1} : !rasp.sop<categorical> values {1}\n'
            "  rasp.output %m : !rasp.sop<categorical>\n"
        ),
        "raspir-opt: error: rasp.map 'm': table does not cover input \"b\" of its "
        "input value set\n",
    ),
    "bos in vocab": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            header='rasp.program vocab {"a", "b"} max_seq_len 3 bos "a" pad "P" {\n',
        ),
        'raspir-opt: error: rasp.program: bos token "a" is also in the vocab\n',
    ),
    # xDSL's own checks do not name the op; raspir-opt adds it, on one line.
    "operand of the wrong type": (
        program(
            '  %w = "rasp.selector_width"(%t) <{label = "w", values = '
            "#rasp.values<{0, 1}>}> : (!rasp.sop<categorical>) -> "
            "!rasp.sop<categorical>\n"
            "  rasp.output %w : !rasp.sop<categorical>\n"
        ),
        "raspir-opt: error: rasp.selector_width: operand 'selector' at position 0 "
        "does not verify: !rasp.sop<categorical> should be of base attribute "
        "rasp.selector\n",
    ),
    "program without a body": (
        'rasp.program vocab {"a"} max_seq_len 2 bos "B" pad "P" {\n}\n',
        "raspir-opt: error: rasp.program: Region 'body' at position 0 expected a "
        "single block, but got 0 blocks\n",
    ),
    "numerical strings": (
        program(
            '  %m = rasp.map "m" %t {"a" -> "x", "b" -> 1} : !rasp.sop<numerical> '
            'values {1, "x"}\n'
            "  rasp.output %m : !rasp.sop<numerical>\n"
        ),
        "raspir-opt: error: rasp.map 'm': numerical s-op has non-numeric value \"x\" in "
        "its value set\n",
    ),
    # Found by mutation fuzzing (raspir.testing.ir_fuzz): each verified, then
    # hung or raised a Python error in a pass.
    "max_seq_len over the limit": (
        program(
            "  rasp.output %t : !rasp.sop<categorical>\n",
            header='rasp.program vocab {"a", "b"} max_seq_len 4294967296 bos "B" '
            'pad "P" {\n',
        ),
        "raspir-opt: error: rasp.program: max_seq_len 4294967296 is over the limit "
        "of 100000\n",
    ),
    "linear map of strings": (
        program(
            '  %k = rasp.linear_sequence_map "k" %t, %t factors 0.5, 1 : '
            "!rasp.sop<categorical> values {1}\n"
            "  rasp.output %k : !rasp.sop<categorical>\n"
        ),
        "raspir-opt: error: rasp.linear_sequence_map 'k': input value \"a\" is not a "
        "number\n",
    ),
    "factor beyond the float range": (
        program(
            '  %k = rasp.linear_sequence_map "k" %t, %t factors 1'
            + "0" * 400
            + ", 1 : "
            "!rasp.sop<numerical> values {1}\n"
            "  rasp.output %t : !rasp.sop<categorical>\n"
        ),
        "raspir-opt: error: rasp.linear_sequence_map 'k': factors must be finite "
        "floats\n",
    ),
    "numerical value beyond the float range": (
        program(
            '  %f = rasp.full "f" fill 1 : !rasp.sop<numerical> values {1, 1'
            + "0" * 400
            + "}\n  rasp.output %t : !rasp.sop<categorical>\n"
        ),
        "raspir-opt: error: rasp.full 'f': numerical s-op has a value beyond the float "
        "range in its value set\n",
    ),
    "op of another level": (
        'sa.program vocab {"a"} max_seq_len 3 bos "B" pad "P" {\n'
        '  %i = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}\n'
        "  sa.output %i : !rasp.sop<categorical>\n"
        "}\n",
        "raspir-opt: error: sa.program holds sa ops, not rasp.indices\n",
    ),
    "craft position that is not one": (
        CRAFT.format(positions="{0: {}, 7: {}}", mlp=CRAFT_MLP),
        "raspir-opt: error: craft.embed positions: row 7 is not a position 0..1\n",
    ),
    "craft weight beyond float32": (
        CRAFT.format(
            positions="{0: {}, 1: {}}", mlp=CRAFT_MLP.replace("1.0}", "1.0e39}")
        ),
        "raspir-opt: error: craft.mlp 'm': weight 1.0e+39 is not a finite float32\n",
    ),
}


@pytest.fixture(scope="module")
def ill_formed_runs():
    return run_all({case: (RASPIR_OPT, text) for case, (text, _) in ILL_FORMED.items()})


@pytest.mark.parametrize("case", list(ILL_FORMED), ids=list(ILL_FORMED))
def test_ill_formed_programs(case, ill_formed_runs):
    _, stderr = ILL_FORMED[case]
    result = ill_formed_runs[case]
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == stderr


def test_disable_verify_prints_ill_formed_programs():
    text, _ = ILL_FORMED["fill outside its value set"]
    result = raspir_opt("--disable-verify", stdin=text)
    assert result.returncode == 0, result.stderr
    assert 'rasp.full "f" fill 3 : !rasp.sop<categorical> values {1}' in result.stdout


def test_missing_input_file(tmp_path):
    missing = tmp_path / "missing.mlir"
    stderr = assert_diagnostic(raspir_opt(str(missing)), "missing.mlir")
    assert len(stderr.splitlines()) == 1


def test_unknown_pass():
    stderr = assert_diagnostic(
        raspir_opt("-p", "no-such-pass", stdin=GOOD), "no-such-pass"
    )
    assert len(stderr.splitlines()) == 1


COMPOSITE = program(
    '  %i = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}\n'
    '  %s1 = rasp.select "s1" %t, %t eq\n'
    '  %s2 = rasp.select "s2" %i, %i lt\n'
    '  %both = rasp.select_and "both" %s1, %s2\n'
    '  %w = rasp.selector_width "w" %both : !rasp.sop<categorical> values '
    "{0, 1, 2, 3}\n"
    "  rasp.output %w : !rasp.sop<categorical>\n"
)

# Runs of passes: (arguments, stdin, exit status, the whole of stderr).
PASS_RUNS = {
    "unsupported program": (
        ["-p", "convert-rasp-to-sa"],
        COMPOSITE,
        1,
        "raspir-opt: error: rasp.select_and 'both': composite selectors (select_and, "
        "select_or, select_not) have no head of their own; run rasp-legalize first, "
        "which makes them one select\n",
    ),
    "pass out of order": (
        ["-p", "convert-rasp-to-sa,convert-sa-to-craft"],
        GOOD,
        1,
        "raspir-opt: error: sa.count 'm': has no layer; run schedule-layers first\n",
    ),
    # A pass with nothing at its level does nothing (as in MLIR), and says so.
    "pass before its level": (
        ["-p", "convert-sa-to-craft"],
        GOOD,
        0,
        "raspir-opt: warning: convert-sa-to-craft did nothing: it works on "
        "sa.program, but the module holds rasp IR; run convert-rasp-to-sa first\n",
    ),
    "pass past its level": (["-p", "convert-rasp-to-sa,rasp-fuse-maps"], GOOD, 0, ""),
    # Found by mutation fuzzing (raspir.testing.ir_fuzz): these passes made IR
    # that did not verify, or raised a Python error.
    "pruned linear map": (
        ["-p", "rasp-prune-value-sets,convert-rasp-to-sa"],
        program(
            '  %i = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}\n'
            '  %l = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}\n'
            '  %k = rasp.linear_sequence_map "k" %l, %i factors 1, -1 : '
            "!rasp.sop<categorical> values {-1, 0, 1, 2, 3}\n"
            "  rasp.output %k : !rasp.sop<categorical>\n"
        ),
        0,
        "",
    ),
    "fill with a wider value set": (
        ["-p", "convert-rasp-to-sa"],
        program(
            '  %f = rasp.full "f" fill none : !rasp.sop<categorical> values {none, "a"}\n'
            '  %m = rasp.map "m" %f {none -> none, "a" -> 1} : '
            "!rasp.sop<categorical> values {none, 1}\n"
            "  rasp.output %m : !rasp.sop<categorical>\n"
        ),
        0,
        "",
    ),
    "weights beyond float32": (
        ["-p", "convert-sa-to-craft"],
        'sa.program vocab {"a", "b"} max_seq_len 2 bos "B" pad "P" {\n'
        '  %t = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} '
        "noise 0.0\n"
        '  %m = sa.lookup "m" %t {"a" -> 1.0e39, "b" -> 0} : !rasp.sop<numerical> '
        "values {0, 1.0e39} noise 0.0 layer 0\n"
        "  sa.output %m : !rasp.sop<numerical>\n"
        "}\n",
        1,
        "raspir-opt: error: convert-sa-to-craft: craft.mlp 'm': weight 1.0e+39 is not "
        "a finite float32\n",
    ),
}


@pytest.fixture(scope="module")
def pass_runs():
    return run_all(
        {
            case: ([*RASPIR_OPT, *args], text)
            for case, (args, text, _, _) in PASS_RUNS.items()
        }
    )


@pytest.mark.parametrize("case", list(PASS_RUNS), ids=list(PASS_RUNS))
def test_pass_failures_and_warnings_are_one_line(case, pass_runs):
    _, _, status, stderr = PASS_RUNS[case]
    result = pass_runs[case]
    assert (result.returncode, result.stderr) == (status, stderr)
    assert (result.stdout == "") == (status != 0)


def test_input_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.mlir"
    path.write_bytes(b"builtin.module {\n// caf\xe9\n}\n")
    result = raspir_opt(str(path))
    assert result.returncode == 1
    assert result.stderr == (
        f"raspir-opt: error: {path}:2: the input is not UTF-8 text (byte 0xe9)\n"
    )


def test_debug_shows_a_traceback():
    text, _ = ILL_FORMED["bos in vocab"]
    result = raspir_opt("--debug", stdin=text)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert 'bos token "a" is also in the vocab' in result.stderr


# Passes and driver options.


CSE_INPUT = program(
    '  %f1 = rasp.full "f" fill true : !rasp.sop<categorical> values {true}\n'
    '  %f2 = rasp.full "f" fill 1 : !rasp.sop<categorical> values {1}\n'
    '  %f3 = rasp.full "f" fill 1 : !rasp.sop<categorical> values {1}\n'
    '  %dead = rasp.map "dead" %t {"a" -> 1, "b" -> 2} : !rasp.sop<categorical> '
    "values {1, 2}\n"
    '  %s1 = rasp.select "s" %t, %t eq\n'
    '  %s2 = rasp.select "s" %t, %t eq\n'
    '  %w1 = rasp.selector_width "w" %s1 : !rasp.sop<categorical> values {0, 1, 2, 3}\n'
    '  %w2 = rasp.selector_width "w" %s2 : !rasp.sop<categorical> values {0, 1, 2, 3}\n'
    '  %a = rasp.sequence_map "a" %f1, %f2 {(true, 1) -> 2} : !rasp.sop<categorical> '
    "values {2}\n"
    '  %b = rasp.sequence_map "b" %a, %f3 {(2, 1) -> 3} : !rasp.sop<categorical> '
    "values {3}\n"
    '  %c = rasp.sequence_map "c" %w1, %w2 {'
    + ", ".join(f"({x}, {y}) -> {x + y}" for x in range(4) for y in range(4))
    + "} : !rasp.sop<categorical> values {0, 1, 2, 3, 4, 5, 6}\n"
    '  %d = rasp.sequence_map "d" %b, %c {'
    + ", ".join(f"(3, {y}) -> {y}" for y in range(7))
    + "} : !rasp.sop<categorical> values {0, 1, 2, 3, 4, 5, 6}\n"
    "  rasp.output %d : !rasp.sop<categorical>\n"
)


def test_cse_and_dce_on_rasp_ir():
    result = raspir_opt("-p", "cse,dce", stdin=CSE_INPUT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # Identical ops merge, but fill true and fill 1 are different values.
    assert out.count('rasp.full "f"') == 2
    assert 'rasp.full "f" fill true' in out and 'rasp.full "f" fill 1 ' in out
    assert out.count('rasp.select "s"') == 1
    assert out.count('rasp.selector_width "w"') == 1
    assert '%b = rasp.sequence_map "b" %a, %f2 ' in out
    assert '%c = rasp.sequence_map "c" %w1, %w1 ' in out
    # The unused map is gone.
    assert '"dead"' not in out
    # The result reprints identically and still verifies.
    again = raspir_opt(stdin=out)
    assert again.returncode == 0 and again.stdout == out


def test_dce_alone_only_removes_dead_ops():
    result = raspir_opt("-p", "dce", stdin=CSE_INPUT)
    assert result.returncode == 0, result.stderr
    assert '"dead"' not in result.stdout
    assert result.stdout.count('rasp.full "f"') == 3


def test_split_input_file():
    first = program("  rasp.output %t : !rasp.sop<categorical>\n")
    second = program(
        "  rasp.output %t : !rasp.sop<categorical>\n",
        header='rasp.program vocab {"a", "b"} max_seq_len 5 bos "B" pad "P" causal {\n',
    )
    result = raspir_opt("--split-input-file", stdin=first + "// -----\n" + second)
    assert result.returncode == 0, result.stderr
    chunks = result.stdout.split("// -----\n")
    assert len(chunks) == 2
    assert "max_seq_len 3 " in chunks[0] and "causal" not in chunks[0]
    assert "max_seq_len 5 " in chunks[1] and " causal {" in chunks[1]
    for chunk in chunks:
        assert chunk.startswith("builtin.module {\n")


def test_split_input_file_reports_errors_in_any_chunk():
    good = program("  rasp.output %t : !rasp.sop<categorical>\n")
    bad = program(
        "  rasp.output %t : !rasp.sop<categorical>\n",
        header='rasp.program vocab {"a", "b"} max_seq_len 0 bos "B" pad "P" {\n',
    )
    result = raspir_opt("--split-input-file", stdin=good + "// -----\n" + bad)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "max_seq_len must be at least 1, got 0" in result.stderr


def test_stock_xdsl_opt_parses_rasp_ir():
    result = run(XDSL_OPT, stdin=GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout == GOOD_PRINTED
    result = run(XDSL_OPT, "-p", "cse,dce", stdin=CSE_INPUT)
    assert result.returncode == 0, result.stderr
    assert '"dead"' not in result.stdout


def test_module_entry_point():
    result = run([sys.executable, "-m", "raspir.tools.raspir_opt"], stdin=GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout == GOOD_PRINTED
