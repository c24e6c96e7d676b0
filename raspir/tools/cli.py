"""The ``raspir`` command: compile RASP programs and look at them.

``PROGRAM`` is ``package.module:function`` or ``path/to/file.py:function``,
where the function takes no arguments and returns an s-op. Every error is one
line on stderr and exit status 1; ``--debug`` shows the Python traceback.
"""

from __future__ import annotations

import argparse
import inspect
import json
import signal
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xdsl.utils.exceptions import PassFailedException

from raspir.errors import InvalidArgumentError, RaspirError


class CliError(RaspirError):
    """A problem with the command line itself (bad PROGRAM spec, bad flag value)."""


def load_program(spec: str) -> Any:
    """Resolve ``module:function`` or ``file.py:function`` and call the function."""
    from raspir.plugins import import_attribute

    try:
        function = import_attribute(spec)
    except InvalidArgumentError as e:
        raise CliError(str(e)) from e.__cause__
    if not callable(function):
        raise CliError(f"'{spec}' is not a function")
    try:
        inspect.signature(function).bind()
    except TypeError as e:
        raise CliError(f"'{spec}' must be callable with no arguments: {e}") from e
    except ValueError:
        pass  # no signature to inspect (a builtin); just call it
    return function()


def parse_vocab(text: str) -> list[Any]:
    """Comma-separated tokens; if every token parses as an int, they are ints."""
    items = [t.strip() for t in text.split(",")]
    if not text.strip() or any(not t for t in items):
        raise CliError(
            f"--vocab must be a comma-separated list of tokens, got '{text}'"
        )
    try:
        return [int(t) for t in items]
    except ValueError:
        return items


def _add_program_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "program", metavar="PROGRAM", help="module:function or file.py:function"
    )
    parser.add_argument(
        "--vocab", required=True, help="comma-separated tokens, e.g. a,b,c"
    )
    parser.add_argument("--max-seq-len", required=True, type=int, help="longest input")
    parser.add_argument(
        "--causal", action="store_true", help="compile for causal attention"
    )
    parser.add_argument("--bos", default=None, help="beginning-of-sequence token")
    parser.add_argument("--pad", default=None, help="padding token")
    parser.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        default="float32",
        help="the arithmetic the model computes in (float64: exact at longer "
        "inputs, see docs/limits.md)",
    )


def _add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-O",
        dest="level",
        choices=["0", "2"],
        default="2",
        help="-O2 optimises (the default), -O0 does not",
    )
    parser.add_argument(
        "--pipeline",
        metavar="PASSES",
        help="comma-separated passes to run instead (ending at la for compile); "
        "-O0 and -O2 may stand as items: --pipeline=-O2,my-pass",
    )
    parser.add_argument(
        "--load-pass",
        metavar="MODULE:CLASS",
        action="append",
        default=[],
        help="make a pass class available to --pipeline (module:Class or "
        "file.py:Class; repeatable)",
    )


def _pipeline(args: argparse.Namespace) -> str:
    """The pipeline asked for, after registering the passes ``--load-pass`` names."""
    from raspir.plugins import load_pass

    for spec in args.load_pass:
        load_pass(spec)
    return args.pipeline if args.pipeline is not None else f"-O{args.level}"


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The compile settings the program arguments give, as keyword arguments."""
    from raspir.frontend.rasp_import import COMPILER_BOS, COMPILER_PAD

    return {
        "causal": args.causal,
        "compiler_bos": COMPILER_BOS if args.bos is None else args.bos,
        "compiler_pad": COMPILER_PAD if args.pad is None else args.pad,
        "dtype": args.dtype,
    }


def _import(args: argparse.Namespace):
    from raspir.frontend.rasp_import import to_rasp_ir

    program = load_program(args.program)
    return to_rasp_ir(
        program, parse_vocab(args.vocab), args.max_seq_len, **_settings(args)
    )


def cmd_ir(args: argparse.Namespace) -> int:
    from xdsl.context import Context
    from xdsl.targets.mlir import MLIRTarget

    module = _import(args)
    # The same target as raspir-opt's default, so the two print identical bytes.
    MLIRTarget().emit(Context(), module, sys.stdout)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from raspir.verification import verify

    if args.samples < 1:
        raise CliError(f"--samples must be at least 1, got {args.samples}")
    from raspir.pipeline import resolve

    passes = resolve(_pipeline(args))
    report = verify(
        load_program(args.program),
        parse_vocab(args.vocab),
        args.max_seq_len,
        samples=args.samples,
        seed=args.seed,
        passes=passes,
        # A pipeline that reaches la (and stays there) also has its emitted
        # JAX model checked.
        check_model=any(p.name == "convert-craft-to-la" for p in passes),
        **_settings(args),
    )
    print(report)
    return 0 if report.exact else 1


def cmd_compile(args: argparse.Namespace) -> int:
    from raspir.backend.compiler import compile_rasp_to_model

    program = load_program(args.program)
    name = args.program.rpartition(":")[2]
    out = Path(args.output) if args.output else Path("out") / name
    progress = sys.stderr.isatty()

    def on_stage(stage: str, seconds: float) -> None:
        if progress:
            print(f"  {stage} done ({seconds:.2f} s)", file=sys.stderr, flush=True)

    model = compile_rasp_to_model(
        program,
        parse_vocab(args.vocab),
        args.max_seq_len,
        **_settings(args),
        pipeline=_pipeline(args),
        dump_ir=args.dump_ir,
        print_ir=args.print_ir_after_all,
        on_stage=on_stage,
        stats=args.stats,
        sparse=args.sparse,
    )
    model.save(out)
    print(model.summary(name))
    if args.stats:
        from raspir.backend.stats import stats_table

        print(stats_table(model.stage_stats))
    print(f"  wrote {out}/: {', '.join(sorted(p.name for p in out.iterdir()))}")
    return 0


def _model_or_program(args: argparse.Namespace):
    """The model ``MODEL`` names: a saved model directory, or a program that is
    compiled here (``--vocab`` and ``--max-seq-len`` then required)."""
    from raspir.backend.model import FILES, load

    path = Path(args.model)
    if path.is_dir() and (path / FILES["info"]).is_file():
        for flag in ("vocab", "max_seq_len"):
            if getattr(args, flag) is not None:
                raise CliError(
                    f"--{flag.replace('_', '-')} is for a program; '{path}' is a "
                    "saved model"
                )
        return load(path), path.name
    if path.is_dir():
        raise CliError(f"'{path}' is a directory but not a saved raspir model")
    if args.vocab is None or args.max_seq_len is None:
        raise CliError(
            f"'{args.model}' is a program: give --vocab and --max-seq-len to "
            "compile it (or a directory written by raspir compile)"
        )
    from raspir.backend.compiler import compile_rasp_to_model

    args.program = args.model
    model = compile_rasp_to_model(
        load_program(args.model),
        parse_vocab(args.vocab),
        args.max_seq_len,
        **_settings(args),
        pipeline=_pipeline(args),
        stats=not args.sparsity,
    )
    return model, args.model.rpartition(":")[2]


def cmd_stats(args: argparse.Namespace) -> int:
    from raspir.backend.stats import stats_table

    model, name = _model_or_program(args)
    if args.heatmaps is not None:
        from raspir.backend.sparsity import write_heatmaps

        written = write_heatmaps(model, args.heatmaps, args.heatmap_format)
        print(f"wrote {len(written)} heatmaps to {args.heatmaps}/", file=sys.stderr)
    if args.sparsity:
        from raspir.backend.sparsity import format_sparsity, model_sparsity

        report = model_sparsity(model)
        if args.json:
            lossy = {"lossy": model.info["lossy"]} if "lossy" in model.info else {}
            print(json.dumps({"model": name, **lossy, **report.to_json()}, indent=2))
        else:
            print(f"{name}:")
            if "lossy" in model.info:
                from raspir.backend.model import lossy_line

                print(lossy_line(model.info["lossy"]))
            print(format_sparsity(report))
        return 0
    if args.json:
        stages = [{"stage": stage, **stats} for stage, stats in model.stage_stats]
        print(
            json.dumps(
                {"model": name, "sizes": model.sizes.__dict__, "stages": stages},
                indent=2,
            )
        )
        return 0
    print(model.summary(name))
    if model.stage_stats:
        print(stats_table(model.stage_stats))
    return 0


def cmd_compress(args: argparse.Namespace) -> int:
    from raspir.backend.compress import compress_directory

    source = Path(args.model)
    out = (
        Path(args.output)
        if args.output
        else source.with_name(f"{source.name}-w{args.width}")
    )
    options = {"seed": args.seed}
    for name in ("steps", "learning_rate"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    model = compress_directory(source, args.width, out, **options)
    print(model.summary(out.name))
    print(f"  wrote {out}/: {', '.join(sorted(p.name for p in out.iterdir()))}")
    return 0


def parse_tokens(texts: Sequence[str], tokens: Sequence[Any]) -> list[Any]:
    """Command-line words as the model's tokens (``1`` is the int 1 when the
    vocab holds ints), by their printed form."""
    by_text: dict[str, list[Any]] = {}
    for token in tokens:
        by_text.setdefault(str(token), []).append(token)
    out = []
    for position, text in enumerate(texts):
        matches = by_text.get(text, [])
        if len(matches) != 1:
            known = ", ".join(sorted(by_text))
            problem = "is not a token" if not matches else "names several tokens"
            raise CliError(
                f"input word {position} '{text}' {problem} (tokens: {known})"
            )
        out.append(matches[0])
    return out


def _model_and_input(directory: str, words: Sequence[str]):
    """The saved model (warning when it is lossy), the input words as its
    tokens with BOS first (a leading BOS word is taken as BOS) and its decoded
    output."""
    from raspir.backend.model import load, lossy_line

    model = load(directory)
    if "lossy" in model.info:
        print(
            f"raspir: warning: '{directory}': {lossy_line(model.info['lossy'])}",
            file=sys.stderr,
        )
    encoder = model.input_encoder
    tokens = parse_tokens(words, encoder.values)
    if tokens[:1] == [encoder.bos_token] and type(tokens[0]) is type(encoder.bos_token):
        tokens = tokens[1:]
    tokens = [encoder.bos_token, *tokens]
    try:
        decoded = model.apply(tokens).decoded
    except ValueError as e:
        raise CliError(str(e)) from None
    return model, tokens, decoded


def cmd_run(args: argparse.Namespace) -> int:
    _, _, decoded = _model_and_input(args.model, args.tokens)
    print(" ".join(str(v) for v in decoded[1:]))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from raspir.backend.pictures import show

    model, tokens, decoded = _model_and_input(args.model, args.input.split())

    def note(message: str) -> None:
        print(f"raspir: note: {message}", file=sys.stderr)

    for path in show(model, tokens, args.output, args.format, note=note):
        print(f"wrote {path}")
    print("output: " + " ".join(str(v) for v in decoded[1:]))
    return 0


EXPORT_USAGE = {
    "npz": "raspir run {out} TOKEN ...",
    "safetensors": "raspir run {out} TOKEN ...",
    "torch": 'cd {out} && python -c "import model_torch; m = model_torch.load()"',
    "transformer_lens": 'cd {out} && python -c "import model_transformer_lens as m; '
    'hooked, encode_tokens, decode_logits = m.load()"',
}
"""How to use what ``raspir export`` wrote, one line per format."""


def cmd_export(args: argparse.Namespace) -> int:
    import shlex

    from raspir.backend.model import load

    out = load(args.model).export(args.output, args.format)
    print(f"wrote {out}/: {', '.join(sorted(p.name for p in out.iterdir()))}")
    print("  use it: " + EXPORT_USAGE[args.format].format(out=shlex.quote(str(out))))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="raspir", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)
    ir = commands.add_parser("ir", help="print a program's rasp IR")
    _add_program_arguments(ir)
    ir.set_defaults(run=cmd_ir)
    check = commands.add_parser(
        "verify",
        help="run the program at every IR level against the evaluator",
    )
    _add_program_arguments(check)
    check.add_argument("--samples", type=int, default=200, help="random inputs to try")
    check.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    _add_pipeline_arguments(check)
    check.set_defaults(run=cmd_verify)
    compile_ = commands.add_parser(
        "compile", help="compile a program to a transformer (JAX module + weights)"
    )
    _add_program_arguments(compile_)
    compile_.add_argument(
        "-o", "--output", metavar="DIR", help="where to write the model (out/FUNCTION)"
    )
    compile_.add_argument(
        "--dump-ir", metavar="DIR", help="write the IR after every stage into DIR"
    )
    compile_.add_argument(
        "--print-ir-after-all",
        action="store_true",
        help="print the IR after every stage",
    )
    compile_.add_argument(
        "--stats",
        action="store_true",
        help="print the model's sizes after every pass",
    )
    compile_.add_argument(
        "--sparse",
        action="store_true",
        help="emit the forward pass with sparse weight products (gathers, "
        "scatters, BCOO), exact against the dense one",
    )
    _add_pipeline_arguments(compile_)
    compile_.set_defaults(run=cmd_compile)
    stats = commands.add_parser(
        "stats",
        help="sizes of a model or program; with --sparsity, every weight matrix's "
        "non-zeros, structure and FLOPs",
    )
    stats.add_argument(
        "model",
        metavar="MODEL",
        help="a directory written by compile, or a program (module:function, "
        "file.py:function) with --vocab and --max-seq-len",
    )
    stats.add_argument("--vocab", help="comma-separated tokens (for a program)")
    stats.add_argument("--max-seq-len", type=int, help="longest input (for a program)")
    stats.add_argument(
        "--causal", action="store_true", help="compile for causal attention"
    )
    stats.add_argument("--bos", default=None, help="beginning-of-sequence token")
    stats.add_argument("--pad", default=None, help="padding token")
    stats.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    _add_pipeline_arguments(stats)
    stats.add_argument(
        "--sparsity",
        action="store_true",
        help="per weight matrix: shape, non-zeros, density, distinct values, "
        "structure; per model: parameters, non-zeros, FLOPs dense and sparse",
    )
    stats.add_argument("--json", action="store_true", help="print JSON for scripts")
    stats.add_argument(
        "--heatmaps",
        metavar="DIR",
        help="draw each weight matrix's non-zero pattern into DIR",
    )
    stats.add_argument(
        "--heatmap-format", default="png", help="png (the default), svg or pdf"
    )
    stats.set_defaults(run=cmd_stats)
    compress = commands.add_parser(
        "compress",
        help="LOSSY: learn a projection of a model's residual stream to a "
        "narrower width (compiled weights frozen) and report its accuracy",
    )
    compress.add_argument("model", metavar="DIR", help="a directory written by compile")
    compress.add_argument(
        "--width", type=int, required=True, help="the compressed residual width"
    )
    compress.add_argument(
        "-o", "--output", metavar="OUT", help="where to write it (DIR-wWIDTH)"
    )
    compress.add_argument("--steps", type=int, help="training steps")
    compress.add_argument("--seed", type=int, default=0, help="training seed")
    compress.add_argument("--learning-rate", type=float, help="optimiser step size")
    compress.set_defaults(run=cmd_compress)
    run = commands.add_parser("run", help="run a compiled model on one input")
    run.add_argument("model", metavar="DIR", help="a directory written by compile")
    run.add_argument("tokens", metavar="TOKEN", nargs="+", help="the input (no BOS)")
    run.set_defaults(run=cmd_run)
    show = commands.add_parser(
        "show",
        help="draw a compiled model on one input: its residual stream after every "
        "stage, its attention patterns and its program graph",
    )
    show.add_argument("model", metavar="DIR", help="a directory written by compile")
    show.add_argument(
        "--input",
        required=True,
        help='the input, tokens separated by spaces (no BOS), e.g. "a b c"',
    )
    show.add_argument(
        "-o", "--output", metavar="OUT", required=True, help="the directory to write"
    )
    show.add_argument(
        "--format",
        choices=["png", "svg"],
        default="png",
        help="png (the default) or svg",
    )
    show.set_defaults(run=cmd_show)
    export = commands.add_parser(
        "export",
        help="write a compiled model for PyTorch, TransformerLens, or with its "
        "weights as .npz or .safetensors",
    )
    export.add_argument("model", metavar="DIR", help="a directory written by compile")
    export.add_argument(
        "--format",
        required=True,
        choices=list(EXPORT_USAGE),
        help="torch: model_torch.py, transformer_lens: model_transformer_lens.py "
        "(each beside model.safetensors); npz, safetensors: a model directory",
    )
    export.add_argument(
        "-o", "--output", metavar="OUT", required=True, help="the directory to write"
    )
    export.set_defaults(run=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    # Behave like other Unix tools when the reader goes away (`raspir ir ... | head`).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            status = args.run(args)
        for warning in caught:
            print(f"raspir: warning: {warning.message}", file=sys.stderr)
    except (RaspirError, InvalidArgumentError, PassFailedException) as e:
        if args.debug:
            raise
        print(f"raspir: error: {one_line(str(e))}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 - user code in PROGRAM can raise anything
        if args.debug:
            raise
        print(f"raspir: error: {type(e).__name__}: {one_line(str(e))}", file=sys.stderr)
        sys.exit(1)
    sys.exit(status)


def one_line(message: str) -> str:
    """A message as one line, so that every error is one line on stderr."""
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


if __name__ == "__main__":
    main()
