"""The ``raspir`` command line tool, run as a subprocess.

Each process spends most of its time starting Python and importing xDSL, so
the runs of a group are started together and checked by separate tests.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from xdsl.printer import Printer

from raspir.frontend.rasp_import import to_rasp_ir
from raspir.testing import library
from raspir.testing.library import LIB_PROGRAMS

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _tool(script: str, module: str) -> list[str]:
    path = BIN / script
    return [str(path)] if path.exists() else [sys.executable, "-m", module]


RASPIR = _tool("raspir", "raspir.tools.cli")
RASPIR_OPT = _tool("raspir-opt", "raspir.tools.raspir_opt")


def run(command: list[str], stdin: str | None = None):
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120
    )


def run_all(commands: dict[str, list[str]]) -> dict[str, subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(run, command) for key, command in commands.items()}
        return {key: future.result() for key, future in futures.items()}


def print_ir(module) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    return stream.getvalue()


PROGRAM_FILES = {
    "doubled.py": """
        from raspir import rasp

        def doubled():
            return rasp.Map(lambda x: 2 * x, rasp.tokens).named("doubled")
        """,
    "helper.py": """
        NAME = "from_helper"
        """,
    "neighbour.py": """
        from raspir import rasp
        import helper

        def prog():
            return rasp.Map(lambda x: x, rasp.tokens).named(helper.NAME)
        """,
    "risky.py": """
        from raspir import rasp

        def risky():
            return rasp.Map(lambda x: 1 // x, rasp.indices).named("risky")
        """,
    "listy.py": """
        from raspir import rasp

        def listy():
            return rasp.Map(lambda x: [x], rasp.tokens)
        """,
    "nothing.py": """
        def nothing():
            return None
        """,
    "broken.py": """
        raise RuntimeError("this module cannot be imported")

        def program():
            return None
        """,
    "fails.py": """
        def program():
            raise KeyError("oops")
        """,
    "uncalled.py": """
        from raspir import lib

        def program():
            return lib.make_length
        """,
    "multiline.py": """
        def program():
            raise ValueError("first line\\n  second line")
        """,
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("programs")
    for name, source in PROGRAM_FILES.items():
        (directory / name).write_text(textwrap.dedent(source))
    return directory


def _ir(spec: str, vocab: str, n: str, *extra: str) -> list[str]:
    return [*RASPIR, "ir", spec, "--vocab", vocab, "--max-seq-len", n, *extra]


LIB = "raspir.testing.library"

# Successful runs; "{dir}" is the directory of PROGRAM_FILES.
OK_RUNS = {
    "reverse": _ir(f"{LIB}:reverse", "a,b,c", "4"),
    "hist letters": _ir(f"{LIB}:hist", "a,b,c,d,e", "8"),
    "int vocab": _ir(f"{LIB}:sort_unique", "3, 1,2", "3"),
    "mixed vocab": _ir(f"{LIB}:hist", "1,a", "2"),
    "bos pad causal": _ir(
        f"{LIB}:frac_prevs", "a,b", "3", "--bos", "BEGIN", "--pad", "EMPTY", "--causal"
    ),
    "plain": _ir(f"{LIB}:frac_prevs", "a,b", "3"),
    "file": _ir("{dir}/doubled.py:doubled", "1,2", "2"),
    "neighbour": _ir("{dir}/neighbour.py:prog", "a", "1"),
    "warning": _ir("{dir}/risky.py:risky", "a", "2"),
    "module entry": [
        sys.executable,
        "-m",
        "raspir.tools.cli",
        "ir",
        f"{LIB}:count",
        "--vocab",
        "a,b",
        "--max-seq-len",
        "3",
    ],
    "script entry": _ir(f"{LIB}:count", "a,b", "3"),
}

# Failing runs and the exact one-line message after "raspir: error: ", or a
# list of fragments of that line.
ERROR_RUNS = {
    "bad spec": (
        _ir("no_colon_here", "a", "2"),
        "PROGRAM must look like 'package.module:function' or 'file.py:function', "
        "got 'no_colon_here'",
    ),
    "spec without module": (_ir(":f", "a", "2"), ["got ':f'"]),
    "spec without function": (_ir("module:", "a", "2"), ["got 'module:'"]),
    "missing file": (
        _ir("{dir}/nowhere.py:f", "a", "2"),
        "program file '{dir}/nowhere.py' does not exist",
    ),
    "missing module": (
        _ir("no_such_module_xyz:f", "a", "2"),
        "cannot import module 'no_such_module_xyz': No module named 'no_such_module_xyz'",
    ),
    "missing function": (
        _ir(f"{LIB}:nothing", "a", "2"),
        f"'{LIB}' has no attribute 'nothing'",
    ),
    "not a function": (
        _ir(f"{LIB}:LETTERS", "a", "2"),
        f"'{LIB}:LETTERS' is not a function",
    ),
    "function needs arguments": (
        _ir("raspir.lib:make_reverse", "a", "2"),
        ["'raspir.lib:make_reverse' must be callable with no arguments", "sop"],
    ),
    "bos in vocab": (
        _ir(f"{LIB}:hist", "a,compiler_bos", "2"),
        'compiler_bos "compiler_bos" is also in the vocab; pick a token outside the vocab',
    ),
    "pad in vocab": (
        _ir(f"{LIB}:hist", "a,P", "2", "--pad", "P"),
        'compiler_pad "P" is also in the vocab; pick a token outside the vocab',
    ),
    "bos equals pad": (
        _ir(f"{LIB}:hist", "a", "2", "--bos", "X", "--pad", "X"),
        'compiler_bos and compiler_pad must differ, both are "X"',
    ),
    "max-seq-len 0": (
        _ir(f"{LIB}:hist", "a", "0"),
        "max_seq_len must be at least 1, got 0",
    ),
    "max-seq-len negative": (
        _ir(f"{LIB}:hist", "a", "-3"),
        "max_seq_len must be at least 1, got -3",
    ),
    "empty vocab item": (
        _ir(f"{LIB}:hist", "a,,b", "2"),
        "--vocab must be a comma-separated list of tokens, got 'a,,b'",
    ),
    "empty vocab": (
        _ir(f"{LIB}:hist", "", "2"),
        "--vocab must be a comma-separated list of tokens, got ''",
    ),
    "trailing comma": (
        _ir(f"{LIB}:hist", "a,", "2"),
        "--vocab must be a comma-separated list of tokens, got 'a,'",
    ),
    "map returning a list": (
        _ir("{dir}/listy.py:listy", "a", "2"),
        ["Map 'map_", "function returned ['a'] (a list) for input (\"a\")"],
    ),
    "not an s-op": (
        _ir("{dir}/nothing.py:nothing", "a", "2"),
        "the program must be an s-op (rasp.SOp), got NoneType",
    ),
    "file raises on import": (
        _ir("{dir}/broken.py:program", "a", "2"),
        "RuntimeError: this module cannot be imported",
    ),
    "function raises": (
        _ir("{dir}/fails.py:program", "a", "2"),
        "KeyError: 'oops'",
    ),
    "function returns a builder": (
        _ir("{dir}/uncalled.py:program", "a", "2"),
        "the program must be an s-op (rasp.SOp), got function; call it to build "
        "the s-op",
    ),
    # A message of several lines is still one line.
    "multi-line message": (
        _ir("{dir}/multiline.py:program", "a", "2"),
        "ValueError: first line second line",
    ),
}

OTHER_RUNS = {
    "debug": [
        *RASPIR,
        "--debug",
        "ir",
        f"{LIB}:hist",
        "--vocab",
        "a",
        "--max-seq-len",
        "0",
    ],
    "bad int": _ir(f"{LIB}:hist", "a", "x"),
    "no vocab": [*RASPIR, "ir", f"{LIB}:hist", "--max-seq-len", "2"],
}


def _fill(command: list[str], directory: Path) -> list[str]:
    return [part.replace("{dir}", str(directory)) for part in command]


@pytest.fixture(scope="module")
def runs(workdir) -> dict[str, subprocess.CompletedProcess]:
    commands = {key: _fill(cmd, workdir) for key, cmd in OK_RUNS.items()}
    commands |= {key: _fill(cmd, workdir) for key, (cmd, _) in ERROR_RUNS.items()}
    commands |= {key: _fill(cmd, workdir) for key, cmd in OTHER_RUNS.items()}
    return run_all(commands)


def ok(runs, key: str) -> str:
    result = runs[key]
    assert result.returncode == 0, result.stderr
    return result.stdout


# Output.


def test_ir_of_a_lib_program(runs):
    out = ok(runs, "reverse")
    assert runs["reverse"].stderr == ""
    expected = print_ir(to_rasp_ir(library.reverse(), ["a", "b", "c"], 4))
    assert out == expected + "\n\n"
    lines = out.splitlines()
    assert lines[0] == "builtin.module {"
    assert lines[1] == (
        '  rasp.program vocab {"a", "b", "c"} max_seq_len 4 bos "compiler_bos" '
        'pad "compiler_pad" {'
    )
    assert lines[2] == (
        '    %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values '
        '{"a", "b", "c"}'
    )
    assert (
        '    %reverse = rasp.aggregate "reverse" %reverse_selector, %tokens default none '
        ': !rasp.sop<categorical> values {none, "a", "b", "c"}'
    ) in lines
    assert "    rasp.output %reverse : !rasp.sop<categorical>" in lines


def _cli_vocab(name: str) -> str:
    return ",".join(str(t) for t in LIB_PROGRAMS[name].vocab(8))


def test_ir_of_every_lib_program_reprints_identically_through_raspir_opt():
    names = sorted(LIB_PROGRAMS)
    results = run_all(
        {name: _ir(f"{LIB}:{name}", _cli_vocab(name), "8") for name in names}
    )
    for name, result in results.items():
        assert result.returncode == 0, (name, result.stderr)
        assert "rasp.program" in result.stdout, name

    # One raspir-opt run over all of them, split into chunks.
    joined = "// -----\n".join(results[name].stdout for name in names)
    reprinted = run([*RASPIR_OPT, "--split-input-file"], stdin=joined)
    assert reprinted.returncode == 0, reprinted.stderr
    chunks = reprinted.stdout.split("// -----\n")
    assert len(chunks) == len(names)
    for name, chunk in zip(names, chunks, strict=True):
        assert chunk == results[name].stdout, name


def test_ir_with_the_letters_vocab(runs):
    out = ok(runs, "hist letters")
    assert 'vocab {"a", "b", "c", "d", "e"} max_seq_len 8' in out
    reprinted = run(RASPIR_OPT, stdin=out)
    assert reprinted.returncode == 0
    assert reprinted.stdout == out


def test_integer_vocab_becomes_ints(runs):
    out = ok(runs, "int vocab")
    assert "vocab {1, 2, 3} max_seq_len 3" in out
    assert (
        '%tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}'
        in out
    )


def test_mixed_vocab_stays_strings(runs):
    assert 'vocab {"1", "a"}' in ok(runs, "mixed vocab")


def test_bos_pad_and_causal_are_reflected_in_the_ir(runs):
    out = ok(runs, "bos pad causal")
    assert out.splitlines()[1] == (
        '  rasp.program vocab {"a", "b"} max_seq_len 3 bos "BEGIN" pad "EMPTY" causal {'
    )
    plain = ok(runs, "plain").splitlines()[1]
    assert plain == (
        '  rasp.program vocab {"a", "b"} max_seq_len 3 bos "compiler_bos" '
        'pad "compiler_pad" {'
    )


def test_program_from_a_file(runs):
    assert '%doubled = rasp.map "doubled" %tokens {1 -> 2, 2 -> 4}' in ok(runs, "file")


def test_program_file_can_import_its_neighbours(runs):
    assert '"from_helper"' in ok(runs, "neighbour")


def test_import_warning_is_one_line_and_does_not_fail(runs):
    out = ok(runs, "warning")
    assert "{0 -> error, 1 -> 1}" in out
    lines = runs["warning"].stderr.splitlines()
    assert len(lines) == 1, runs["warning"].stderr
    assert lines[0].startswith("raspir: warning: Map 'risky_")
    assert "ZeroDivisionError" in lines[0]


def test_module_entry_point_matches_the_console_script(runs):
    assert ok(runs, "module entry") == ok(runs, "script entry")
    assert "rasp.program" in ok(runs, "module entry")


# Errors: one line on stderr, exit status 1, no traceback.


@pytest.mark.parametrize("case", list(ERROR_RUNS), ids=list(ERROR_RUNS))
def test_errors_are_one_line(case, runs, workdir):
    result = runs[case]
    expected = ERROR_RUNS[case][1]
    assert result.returncode == 1, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("raspir: error: ")
    if isinstance(expected, str):
        assert line == "raspir: error: " + expected.replace("{dir}", str(workdir))
    else:
        for fragment in expected:
            assert fragment in line, line


def test_debug_shows_a_traceback(runs):
    result = runs["debug"]
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert (
        "InvalidArgumentError: max_seq_len must be at least 1, got 0" in result.stderr
    )


def test_argument_errors_are_usage_errors(runs):
    bad_int = runs["bad int"]
    assert bad_int.returncode == 2
    assert "Traceback" not in bad_int.stderr
    assert "argument --max-seq-len: invalid int value: 'x'" in bad_int.stderr
    no_vocab = runs["no vocab"]
    assert no_vocab.returncode == 2
    assert "the following arguments are required: --vocab" in no_vocab.stderr
