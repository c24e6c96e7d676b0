"""The learned, lossy residual compression (``raspir.backend.compress``).

Covered: folding a projection into the weights is exact when the projection
loses nothing (the identity and a random orthonormal basis at d = D); training
lowers the output error and the accuracy it reports is what the evaluator
gives when recomputed here; the compressed model is an ordinary model of width
d that says it is lossy and survives save/load; and the errors.

The programs are tiny (max_seq_len 4, few steps): the accuracy at realistic
settings is measured by ``benchmarks/compression.py``.
"""

from __future__ import annotations

import functools
import itertools
import json
import warnings
from fractions import Fraction

import numpy as np
import pytest

from raspir import compile_rasp_to_model, lib, rasp
from raspir.backend.compress import compress, compress_directory, fold
from raspir.backend.model import FILES, load
from raspir.errors import InvalidArgumentError
from raspir.testing.library import LIB_PROGRAMS

MAX_SEQ_LEN = 4
VOCAB = ("a", "b", "c", "x")
STEPS = 40
"""Enough Adam steps for the output error to fall below its start."""
WIDTH = 3
"""Narrower than the rank of frac_prevs's residual activations (so the start,
the principal directions, is lossy and training has something to improve)."""


def frac_prevs_program():
    return lib.make_frac_prevs((rasp.tokens == "x").named("is_x"))


@functools.cache
def frac_prevs():
    return compile_rasp_to_model(frac_prevs_program(), set(VOCAB), MAX_SEQ_LEN)


@functools.cache
def sort_unique():
    program = LIB_PROGRAMS["sort_unique"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns of inputs with repeated keys
        return compile_rasp_to_model(
            program.build(MAX_SEQ_LEN), program.vocab(MAX_SEQ_LEN), MAX_SEQ_LEN
        )


@functools.cache
def trained():
    return compress(frac_prevs(), WIDTH, steps=STEPS, seed=1)


def every_input(vocab, n=MAX_SEQ_LEN):
    return [
        list(xs) for k in range(1, n + 1) for xs in itertools.product(vocab, repeat=k)
    ]


def decoded(model, inputs):
    bos = model.input_encoder.bos_token
    return [out[1:] for out in model.apply_batch([[bos, *xs] for xs in inputs])]


# -- folding ----------------------------------------------------------------------


def test_identity_projection_reproduces_the_exact_model():
    model = frac_prevs()
    width = model.sizes.residual_width
    folded = fold(model, np.eye(width))
    inputs = every_input(VOCAB)
    assert decoded(folded, inputs) == decoded(model, inputs)
    tokens = [folded.input_encoder.bos_token, "x", "a", "x"]
    np.testing.assert_array_equal(
        folded.apply(tokens).unembedded, model.apply(tokens).unembedded
    )


@pytest.mark.parametrize("build", [frac_prevs, sort_unique], ids=lambda f: f.__name__)
def test_orthonormal_projection_at_full_width_reproduces_the_exact_model(build):
    model = build()
    width = model.sizes.residual_width
    basis = np.linalg.qr(np.random.default_rng(0).normal(size=(width, width)))[0]
    folded = fold(model, basis)
    encoder = model.input_encoder
    special = (encoder.bos_token, encoder.pad_token)
    inputs = every_input([t for t in encoder.values if t not in special], 3)
    expected, actual = decoded(model, inputs), decoded(folded, inputs)
    if model.info["output"]["encoding"] == "numerical":
        # float32 rounding of the rotated weights, far below the exactness budget
        flat = [np.array(sum(rows, [])) for rows in (actual, expected)]
        np.testing.assert_allclose(*flat, atol=1e-5)
    else:
        assert actual == expected
    assert folded.residual_labels == [f"lossy:{i}" for i in range(width)]


def test_a_projection_of_the_wrong_shape_is_refused():
    width = frac_prevs().sizes.residual_width
    with pytest.raises(InvalidArgumentError, match=rf"shape \({width}, d\)"):
        fold(frac_prevs(), np.eye(width + 1))


# -- training and what the compressed model says ------------------------------------


def test_training_lowers_the_output_error():
    lossy = trained().info["lossy"]
    assert lossy["kept_step"] > 0
    assert lossy["loss"]["end"]["output"] < lossy["loss"]["start"]["output"]


def test_the_compressed_model_is_an_ordinary_model_of_width_d():
    model = trained()
    assert model.sizes.residual_width == WIDTH
    assert model.residual_labels == [f"lossy:{i}" for i in range(WIDTH)]
    for group in model.params.values():
        for name, w in group.items():
            assert WIDTH in w.shape or name == "b" or w.size == 0
    assert model.module["LOSSY"] is True
    assert model.module["FROM_WIDTH"] == frac_prevs().sizes.residual_width
    assert "LOSSY" in model.module["__doc__"]


def test_reported_accuracy_matches_a_recomputation_against_the_evaluator():
    model = trained()
    accuracy = model.info["lossy"]["accuracy"]
    inputs = every_input(VOCAB)
    assert accuracy["inputs"] == len(inputs)
    # frac_prevs's values: every fraction k/n with 0 <= k <= n <= MAX_SEQ_LEN
    values = sorted(
        {float(Fraction(k, n)) for n in range(1, MAX_SEQ_LEN + 1) for k in range(n + 1)}
    )
    right = total = sequences = 0
    for xs, got in zip(inputs, decoded(model, inputs), strict=True):
        want = rasp.evaluate(frac_prevs_program(), xs)
        nearest = [min(values, key=lambda v, g=g: abs(v - g)) for g in got]
        marks = [n == w for n, w in zip(nearest, want, strict=True)]
        right, total = right + sum(marks), total + len(marks)
        sequences += all(marks)
    assert accuracy["positions"] == right / total
    assert accuracy["sequences"] == sequences / len(inputs)


def test_lossy_info_survives_save_and_load(tmp_path):
    model = trained()
    model.save(tmp_path / "m")
    again = load(tmp_path / "m")
    assert again.info["lossy"] == json.loads(json.dumps(model.info["lossy"]))
    assert again.residual_labels == model.residual_labels
    assert again.sizes.residual_width == WIDTH
    assert "LOSSY" in (tmp_path / "m" / FILES["module"]).read_text()
    assert (tmp_path / "m" / FILES["rasp"]).read_text() == frac_prevs().ir["rasp"]
    inputs = every_input(VOCAB, 3)
    assert decoded(again, inputs) == decoded(model, inputs)


def test_compress_directory_writes_beside_the_model(tmp_path):
    frac_prevs().save(tmp_path / "fp")
    compressed = compress_directory(tmp_path / "fp", WIDTH, steps=STEPS, seed=1)
    saved = load(tmp_path / f"fp-w{WIDTH}")
    assert saved.info["lossy"]["width"] == WIDTH
    assert saved.info["lossy"]["accuracy"] == compressed.info["lossy"]["accuracy"]


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", [0, -1, "full", "over"])
def test_widths_outside_1_to_d_minus_1_are_refused(width):
    full = frac_prevs().sizes.residual_width
    width = {"full": full, "over": full + 1}.get(width, width)
    with pytest.raises(InvalidArgumentError, match=rf"between 1 and {full - 1}"):
        compress(frac_prevs(), width)


def test_a_lossy_model_is_not_compressed_again():
    with pytest.raises(InvalidArgumentError, match="already a lossy compression"):
        compress(trained(), 2)


def test_a_directory_without_a_model_is_refused(tmp_path):
    with pytest.raises(InvalidArgumentError, match="not a saved raspir model"):
        compress_directory(tmp_path, WIDTH)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"steps": 0}, "steps must be a positive integer"),
        ({"init": "zeros"}, "init must be one of pca, random"),
        ({"layer_loss": "logits"}, "layer_loss must be one of"),
    ],
)
def test_bad_training_options_are_refused(option, message):
    with pytest.raises(InvalidArgumentError, match=message):
        compress(frac_prevs(), WIDTH, **option)
