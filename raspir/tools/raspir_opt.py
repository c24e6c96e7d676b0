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
import signal
import sys
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.arg_spec import parse_spec
from xdsl.utils.exceptions import DiagnosticException, ParseError, PassFailedException
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
            "--weights",
            default=None,
            metavar="FILE.npz",
            help="side table of the external weights of la IR read as input",
        )

    def parse_chunk(
        self, chunk: IO[bytes], file_extension: str, start_offset: int = 0
    ) -> ModuleOp | None:
        content = chunk.read()
        if (at := unterminated_string_at(content)) is not None:
            source = Input(content, self.get_input_name())
            raise ParseError(Span(at, at + 1, source), "unterminated string literal")
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
                self.args.target = f"jax{{weights={json.dumps(weights)}}}"
        return super().output_resulting_program(prog)


def main(argv: Sequence[str] | None = None) -> None:
    # Behave like other Unix tools when the reader goes away (`raspir-opt ... | head`).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        RaspirOptMain(description="raspir modular optimizer driver", args=argv).run()
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


def _describe(error: Exception) -> str:
    """The diagnostic itself; parse errors keep their source location and caret."""
    return str(error).strip()


if __name__ == "__main__":
    main()
