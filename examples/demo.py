"""End-to-end demo: a RASP program, its IR, and the transformer it compiles to.

Run with ``make demo``. It builds Tracr's ``sort`` from ``raspir.lib``, imports
it as IR of the ``rasp`` dialect, prints the IR, checks that it survives a
print/parse round trip, and runs it with the rasp interpreter next to the
reference evaluator. Then it lowers the program to transformer weights
(rasp -> sa -> craft), runs the float32 model on the example, and checks every
level against the evaluator with ``raspir.verify``.
"""

import io
import random

from xdsl.context import Context
from xdsl.dialects.builtin import Builtin
from xdsl.parser import Parser
from xdsl.printer import Printer

from raspir import lib, rasp, run_program, to_rasp_ir, verify
from raspir.dialects import craft
from raspir.dialects.rasp import Rasp
from raspir.interpreters.craft import residual_directions, run_model
from raspir.pipeline import stages

VOCAB = {1, 2, 3, 4, 5}
MAX_SEQ_LEN = 6


def print_ir(module) -> str:
    out = io.StringIO()
    Printer(stream=out).print_op(module)
    return out.getvalue()


def main() -> None:
    program = lib.make_sort(
        rasp.tokens, rasp.tokens, max_seq_len=MAX_SEQ_LEN, min_key=1
    )
    module = to_rasp_ir(
        program, VOCAB, MAX_SEQ_LEN, compiler_bos="BOS", compiler_pad="PAD"
    )
    text = print_ir(module)
    print("== rasp IR of lib.make_sort (vocab 1..5, max_seq_len 6) ==")
    print(text)

    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(Rasp)
    reparsed = Parser(ctx, text).parse_module()
    assert print_ir(reparsed) == text, "print -> parse -> print is not a fixed point"
    print("round trip: print -> parse -> print is byte-identical")

    example = [3, 1, 4, 1, 5]
    print(f"\ninput:       {example}")
    print(f"evaluator:   {rasp.evaluate(program, example)}")
    print(f"IR (interp): {run_program(reparsed, example)}")

    rng = random.Random(0)
    inputs = [
        [rng.choice(sorted(VOCAB)) for _ in range(rng.randint(1, MAX_SEQ_LEN))]
        for _ in range(200)
    ]
    agree = sum(
        rasp.evaluate(program, xs) == run_program(reparsed, xs) for xs in inputs
    )
    print(
        f"\ninterpreter agrees with the evaluator on {agree}/{len(inputs)} random inputs"
    )
    if agree != len(inputs):
        raise SystemExit(1)

    *_, (_, lowered) = stages(module)
    model = lowered.body.block.first_op
    assert isinstance(model, craft.ModelOp)
    heads = sum(len(layer.heads) for layer in model.layers)
    hidden = sum(mlp.hidden.data for layer in model.layers for mlp in layer.mlps)
    print(
        f"\n== compiled: {len(model.layers)} layers, {heads} heads, "
        f"{len(residual_directions(model))} residual directions, "
        f"{hidden} MLP hidden units =="
    )
    print(f"transformer: {run_model(model, example).output}")
    report = verify(program, VOCAB, MAX_SEQ_LEN, compiler_bos="BOS", compiler_pad="PAD")
    print(report)
    if not report.exact:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
