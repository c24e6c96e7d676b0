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


# Ill-formed programs: the verifier's message, exit 1, no traceback.


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
        'raspir-opt: error: bos token "a" is also in the vocab\n',
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
