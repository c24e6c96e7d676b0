"""``raspir-opt``: xdsl-opt with raspir's dialects and passes.

Everything comes from the ``xdsl.universe`` entry point, so the standard flags
(``-p``, ``--print-between-passes``, ``--split-input-file``,
``--verify-diagnostics``, ``--parsing-diagnostics``, ``-t``) work unchanged.
``-t jax -o model.py`` also writes the weights to ``model.npz`` beside the
module, and ``--weights FILE.npz`` binds the external weights of la IR that is
read back from text.
What differs is error reporting: malformed IR, IR that fails verification and
failing passes print a diagnostic and exit 1 instead of a Python traceback
(``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import warnings
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.arg_spec import parse_spec
from xdsl.utils.exceptions import (
    DiagnosticException,
    ParseError,
    PassFailedException,
    VerifyException,
)
from xdsl.utils.lexer import Input, Span
from xdsl.xdsl_opt_main import xDSLOptMain

from raspir.errors import RaspirError


def unterminated_string_at(text: bytes) -> int | None:
    """Offset of a string literal left open at the end of its line, if any.

    String literals cannot span lines, so this is decided line by line. xDSL's
    lexer takes exponential time on such a literal, so it is caught first.
    """
    in_string = False
    opened = 0
    i = 0
    while i < len(text):
        byte = text[i]
        if in_string:
            if byte == 0x5C:  # backslash: skip the escaped byte
                i += 1
            elif byte == 0x22:
                in_string = False
            elif byte == 0x0A:
                return opened
        elif byte == 0x22:
            in_string, opened = True, i
        elif text.startswith(b"//", i):  # a comment runs to the end of the line
            end = text.find(b"\n", i)
            i = len(text) if end < 0 else end
            continue
        i += 1
    return opened if in_string else None


MAX_INTEGER_DIGITS = 4300
"""Python's limit on reading a decimal integer (``sys.get_int_max_str_digits``)."""

MAX_NESTING = 64
"""Brackets nest this deep at most; IR nests a handful, and xDSL's recursive
parser would exhaust Python's stack on a few hundred."""

_LEXEME = re.compile(
    rb'"(?:[^"\\\n]|\\[\s\S])*"'  # a string literal (see above)
    rb"|//[^\n]*"  # a comment
    rb"|(?<![\w$.%@#!])[0-9]+(?![\w.])"  # a decimal integer literal
    rb"|\^[0-9][\w$.-]*"  # a block name that starts with a digit
    rb"|[\[\](){}]"
)


def literal_problem(text: bytes) -> tuple[int, int, str] | None:
    """``(start, end, message)`` of a literal or nest the parser cannot take.

    xDSL fails on these with Python errors rather than diagnostics, or takes
    exponential time: an integer literal over Python's digit limit, a string
    literal with an escape xDSL does not read or a raw vertical tab (its lexer
    backtracks), or whose escapes are not UTF-8 (in a symbol name), a block
    name it cannot keep (``^0``), brackets nested past the stack. Expects no
    unterminated string literal.
    """
    depth = 0
    for match in _LEXEME.finditer(text):
        lexeme = match.group()
        start, end = match.span()
        if lexeme in b"([{":
            depth += 1
            if depth > MAX_NESTING:
                return start, end, f"brackets nest more than {MAX_NESTING} deep"
        elif lexeme in b")]}":
            depth -= 1
        elif lexeme[:1] == b"^":
            name = lexeme.decode("utf-8", "replace")
            return start, end, f"block name {name} must not start with a digit"
        elif lexeme[:1].isdigit():
            if len(lexeme) > MAX_INTEGER_DIGITS:
                return (
                    start,
                    end,
                    f"integer literal has more than {MAX_INTEGER_DIGITS} digits",
                )
        elif lexeme[:1] == b'"':
            # xDSL's lexer backtracks for minutes on a literal it cannot match.
            escapes = _ESCAPE.finditer(lexeme)
            if (bad := next((m for m in escapes if m.group(1)), None)) is not None:
                at = start + bad.start()
                char = bad.group()[1:].decode("utf-8", "replace")
                shown = f"\\{char}" if char.isprintable() else f"\\ then {char!r}"
                message = (
                    f"invalid escape sequence {shown} in a string literal (use \\n, "
                    '\\t, \\\\, \\" or two hex digits)'
                )
                return at, at + len(bad.group()), message
            if (raw := re.search(rb"[\v\f]", lexeme)) is not None:
                at = start + raw.start()
                message = (
                    "raw vertical tab or form feed in a string literal "
                    "(write \\0B or \\0C)"
                )
                return at, at + 1, message
            try:
                _unescape(lexeme[1:-1]).decode("utf-8")
            except UnicodeDecodeError:
                return start, end, "string literal is not valid UTF-8"
    return None


_ESCAPE = re.compile(rb'\\(?:["nt\\]|[0-9A-Fa-f]{2})|(\\[\s\S]?)')
"""An escape in a string literal; group 1 holds one that xDSL does not read."""


def _unescape(body: bytes) -> bytes:
    """A string literal's bytes, for the escapes xDSL reads (others it rejects)."""
    named = {b"n": b"\n", b"t": b"\t", b"\\": b"\\", b'"': b'"'}

    def one(match: re.Match[bytes]) -> bytes:
        escape = match.group(1)
        if escape in named:
            return named[escape]
        try:
            return bytes([int(escape, 16)])
        except ValueError:
            return b""

    return re.sub(rb"\\([nt\\\"]|[0-9A-Fa-f]{2}|.?)", one, body, flags=re.DOTALL)


class RaspirOptMain(xDSLOptMain):
    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(
            "--debug",
            default=False,
            action="store_true",
            help="show Python tracebacks for errors",
        )
        arg_parser.add_argument(
            "--load-pass",
            action="append",
            default=[],
            metavar="MODULE:CLASS",
            help="make a pass class available to -p (module:Class or "
            "file.py:Class; repeatable)",
        )
        arg_parser.add_argument(
            "--weights",
            default=None,
            metavar="FILE.npz",
            help="side table of the external weights of la IR read as input",
        )

    def register_all_passes(self) -> None:
        """Every installed universe's passes (xDSL's discovery, done once by
        ``raspir.plugins``) and those loaded in this process (``--load-pass``)."""
        from raspir.plugins import available_passes

        for name, factory in available_passes().items():
            self.register_pass(name, factory)

    def parse_chunk(
        self, chunk: IO[bytes], file_extension: str, start_offset: int = 0
    ) -> ModuleOp | None:
        content = chunk.read()
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as e:
            line = start_offset + content[: e.start].count(b"\n") + 1
            raise RaspirError(
                f"{self.get_input_name()}:{line}: the input is not UTF-8 text "
                f"(byte 0x{content[e.start]:02x})"
            ) from None
        if (at := unterminated_string_at(content)) is not None:
            source = Input(content, self.get_input_name())
            raise ParseError(Span(at, at + 1, source), "unterminated string literal")
        if (problem := literal_problem(content)) is not None:
            start, end, message = problem
            source = Input(content, self.get_input_name())
            raise ParseError(Span(start, end, source), message)
        module = super().parse_chunk(BytesIO(content), file_extension, start_offset)
        if module is not None and self.args.weights is not None:
            from raspir.backend.jax_emit import read_npz
            from raspir.dialects.la import bind_weights

            try:
                bind_weights(module, read_npz(self.args.weights))
            except ValueError as e:
                raise RaspirError(f"--weights {self.args.weights}: {e}") from None
        return module

    def output_resulting_program(self, prog: ModuleOp) -> str:
        """``-t jax -o model.py`` writes the weights to ``model.npz`` beside it."""
        spec = parse_spec(self.args.target)
        if spec.name == "jax" and "weights" not in spec.parameters:
            if self.args.output_file is not None:
                weights = str(Path(self.args.output_file).with_suffix(".npz"))
                # The target's other options (sparse=true) are kept.
                options = self.args.target.strip().removeprefix("jax").strip()
                options = options.removeprefix("{").removesuffix("}").split()
                options.append(f"weights={json.dumps(weights)}")
                self.args.target = f"jax{{{' '.join(options)}}}"
        return super().output_resulting_program(prog)


def main(argv: Sequence[str] | None = None) -> None:
    # Behave like other Unix tools when the reader goes away (`raspir-opt ... | head`).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        _load_passes(argv)
        with warnings.catch_warnings(record=True) as caught:
            RaspirOptMain(
                description="raspir modular optimizer driver", args=argv
            ).run()
        # One line each, like errors (a pass that found nothing to work on).
        for warning in caught:
            print(f"raspir-opt: warning: {warning.message}", file=sys.stderr)
    except (
        ParseError,
        DiagnosticException,
        PassFailedException,
        RaspirError,
        OSError,  # a missing or unreadable input file
        ValueError,  # xdsl-opt's reports of unknown passes and file extensions
    ) as e:
        if debug:
            raise
        print(f"raspir-opt: error: {_describe(e)}", file=sys.stderr)
        sys.exit(1)


def _load_passes(argv: Sequence[str] | None) -> None:
    """Register the ``--load-pass`` classes before the pipeline is read."""
    from raspir.plugins import load_pass

    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--load-pass", action="append", default=[])
    for spec in early.parse_known_args(argv)[0].load_pass:
        load_pass(spec)


def _describe(error: Exception) -> str:
    """The diagnostic itself; parse errors keep their source location and caret.

    A verification error is one line that starts with the op: raspir's
    verifiers name it, xDSL's generic ones (region shapes, operand types) do
    not, so it is taken from the IR that xDSL attaches to the error, where it
    is underlined.
    """
    text = str(error).strip()
    if not isinstance(error, VerifyException):
        return text
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    if not re.match(r"[a-z_]+\.[\w.]+[ :]", text):
        if (op := _underlined_op(error)) is not None:
            text = f"{op}: {text}"
    return text


def _underlined_op(error: Exception) -> str | None:
    """The name of the op that xDSL's diagnostic note marks with ``^^^``."""
    for note in getattr(error, "__notes__", []):
        lines = note.splitlines()
        for above, line in zip(lines, lines[1:], strict=False):
            marker = re.match(r"(\s*)\^+-*$", line)
            name = marker and re.search(
                r'"([a-z_]\w*\.[\w.]+)"', above[marker.end(1) :]
            )
            if name:
                return name.group(1)
    return None


if __name__ == "__main__":
    main()
