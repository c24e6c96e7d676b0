"""``raspir-opt``: xdsl-opt with raspir's dialects and passes.

Everything comes from the ``xdsl.universe`` entry point, so the standard flags
(``-p``, ``--print-between-passes``, ``--split-input-file``,
``--verify-diagnostics``, ``--parsing-diagnostics``, ``-t``) work unchanged.
What differs is error reporting: malformed IR, IR that fails verification and
failing passes print a diagnostic and exit 1 instead of a Python traceback
(``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from xdsl.utils.exceptions import DiagnosticException, ParseError, PassFailedException
from xdsl.xdsl_opt_main import xDSLOptMain

from raspir.errors import RaspirError


class RaspirOptMain(xDSLOptMain):
    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(
            "--debug",
            default=False,
            action="store_true",
            help="show Python tracebacks for errors",
        )


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
