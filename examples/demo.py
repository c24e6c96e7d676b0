"""End-to-end demo: RASP programs compiled to transformers that run in JAX.

Run with ``make demo``. For three of Tracr's library programs (sort, reverse,
shuffle_dyck2) it compiles the program at max_seq_len 10 through every level
(rasp -> sa -> craft -> la -> JAX), prints the model's size and the time per
stage, runs the transformer on an example beside the RASP evaluator, checks it
on 200 random inputs in one batch, and writes the artifacts (rasp and la IR,
the JAX module, its weights, model.json) to ``out/<program>/``. Then it loads
one saved model back, runs it again and reads an intermediate s-op (where sort
moves each token) out of its residual stream.
"""

import random
import sys
from pathlib import Path

import raspir
from raspir import rasp
from raspir.testing.library import LIB_PROGRAMS

MAX_SEQ_LEN = 10
OUT = Path("out")
EXAMPLES = {
    "sort": [3, 1, 4, 1, 5, 2],
    "reverse": ["a", "b", "c", "d", "e"],
    "shuffle_dyck2": ["(", "{", ")", "}", "(", ")"],
}


def check(model, program, name: str, samples: int = 200) -> int:
    """How many random inputs the model decodes exactly as the evaluator."""
    rng = random.Random(0)
    inputs = [LIB_PROGRAMS[name].random_input(rng, MAX_SEQ_LEN) for _ in range(samples)]
    decoded = model.apply_batch([["BOS", *xs] for xs in inputs])
    return sum(
        out[1:] == list(rasp.evaluate(program, xs))
        for xs, out in zip(inputs, decoded, strict=True)
    )


def main() -> None:
    exact = True
    for name, example in EXAMPLES.items():
        entry = LIB_PROGRAMS[name]
        program = entry.build(MAX_SEQ_LEN)
        vocab = entry.vocab(MAX_SEQ_LEN)
        model = raspir.compile_rasp_to_model(
            program, vocab, MAX_SEQ_LEN, compiler_bos="BOS", compiler_pad="PAD"
        )
        print(f"== {name}: vocab {list(vocab)}, max_seq_len {MAX_SEQ_LEN} ==")
        print(model.summary(name))
        print(f"  input:       {example}")
        print(f"  evaluator:   {list(rasp.evaluate(program, example))}")
        print(f"  transformer: {model.apply(['BOS', *example]).decoded[1:]}")
        agree = check(model, program, name)
        print(f"  agrees with the evaluator on {agree}/200 random inputs")
        exact &= agree == 200
        out = model.save(OUT / name)
        print(f"  wrote {out}/: {', '.join(sorted(p.name for p in out.iterdir()))}\n")

    loaded = raspir.load(OUT / "sort")
    print("== out/sort loaded back with raspir.load ==")
    print(f"  transformer: {loaded.apply(['BOS', *EXAMPLES['sort']]).decoded[1:]}")
    print(f"  residual: {', '.join(loaded.residual_labels[:8])}, ...")
    # A numerical s-op reads within its certified noise of its value.
    _, *where = loaded.decode_intermediate(["BOS", 3, 1, 2], "target_pos")
    print(
        f"  target_pos of [3, 1, 2] read from the residual: {[round(v, 4) for v in where]}"
    )
    print("  try: .venv/bin/raspir run out/sort 5 4 3 2 1")
    print('       .venv/bin/raspir show out/sort --input "5 4 3 2 1" -o out/pictures')
    print("       (the residual stream, attention and program graph as PNG)")
    if not exact:
        sys.exit(1)


if __name__ == "__main__":
    main()
