"""The la dialect: weights (float32 and float64 text round trips, digests,
binding side tables), ops built from Python, the model's accessors and its
verifier (weights in the model's dtype)."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Region
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import ParseError, VerifyException

from raspir.dialects import la
from raspir.universe import context, parse_module

# Helpers.


def print_ir(op) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(op)
    return stream.getvalue()


def parse_weight(text: str) -> la.WeightAttr:
    """A weight from its custom syntax (what follows the symbol of la.weight)."""
    return la.WeightAttr.parse_weight(Parser(context(), text))


def parse_weight_attr(text: str) -> la.WeightAttr:
    """A weight from its generic attribute syntax, ``#la.weight_data<...>``."""
    attr = Parser(context(), text).parse_attribute()
    assert isinstance(attr, la.WeightAttr)
    return attr


def weight(rows) -> la.WeightAttr:
    return la.WeightAttr.from_array(np.array(rows, dtype=np.float32), inline=True)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.astype("<f4").tobytes() == b.astype("<f4").tobytes()


WIDTH = 3
"""The residual of the models below: tokens:"BOS", tokens:"a", one."""


def small_model(
    *,
    heads: tuple[str, ...] = ("h",),
    blocks: tuple[tuple[str, int], ...] = (("m", 2),),
    numerical: bool = False,
    causal: bool = False,
) -> la.ModelOp:
    """A model with one layer, built op by op; every weight is inline."""
    rng = np.random.default_rng(0)

    def w(rows: int, cols: int) -> np.ndarray:
        return rng.integers(-3, 4, size=(rows, cols)).astype(np.float32)

    symbols: dict[str, np.ndarray] = {
        "tok": np.array([[0, 1, 1], [1, 0, 1], [0, 0, 1]], dtype=np.float32),
        "pos": np.zeros((2, WIDTH), dtype=np.float32),
    }
    attention_weights = {}
    if heads:
        h = len(heads)
        symbols |= {"q": w(WIDTH, h), "k": w(WIDTH, h), "v": w(WIDTH, h)}
        symbols["o"] = w(h, WIDTH)
        attention_weights = {"query": "q", "key": "k", "value": "v", "output": "o"}
    mlp_weights = {}
    hidden = sum(width for _, width in blocks)
    if blocks:
        symbols |= {"fst": w(WIDTH, hidden), "snd": w(hidden, WIDTH)}
        mlp_weights = {"fst": "fst", "snd": "snd"}
    symbols["out"] = w(WIDTH, 1)
    ops = [
        la.ResidualOp([("tokens", ("BOS",)), ("tokens", ("a",)), ("one", ())]),
        *(
            la.WeightOp(s, la.WeightAttr.from_array(a, inline=True))
            for s, a in symbols.items()
        ),
        la.EmbedOp(["a", "BOS", "PAD"], "tok", "pos"),
        la.AttentionOp(
            0, heads, 1 if heads else 0, 1 if heads else 0, attention_weights
        ),
        la.MLPOp(0, blocks, mlp_weights),
        la.UnembedOp("numerical", [], "out")
        if numerical
        else la.UnembedOp("categorical", ["a"], "out"),
    ]
    return la.ModelOp(["a"], 1, "BOS", "PAD", causal, Region(Block(ops)))


def op_of(model: la.ModelOp, kind: type):
    return next(op for op in model.body.block.ops if isinstance(op, kind))


# == Weights: float32 values survive print -> parse exactly ==

FLOAT32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
MATRICES = hnp.arrays(
    np.float32,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=5),
    elements=FLOAT32,
)


@settings(max_examples=300, deadline=None)
@given(MATRICES)
@example(np.array([[0.1, -3.0, 12.5, 1.0e-05]], dtype=np.float32))
@example(np.array([[-0.0, 0.0], [1e-45, -1e-45]], dtype=np.float32))
@example(np.array([[3.4028235e38, -3.4028235e38, 1.1754944e-38]], dtype=np.float32))
@example(np.array([[16777216.0, 16777218.0, 0.3, 6.238416]], dtype=np.float32))
@example(np.zeros((0, 3), dtype=np.float32))
@example(np.zeros((3, 0), dtype=np.float32))
def test_inline_weights_round_trip_bit_for_bit(array):
    attr = la.WeightAttr.from_array(array, inline=True)
    text = attr.format()
    for back in (parse_weight(text), parse_weight_attr(f"#la.weight_data<{text}>")):
        assert back == attr
        assert back.inline and back.has_values
        assert same_bits(back.array(), array)  # -0.0 and 0.0 differ in bits
        assert (back.shape, back.digest, back.nonzeros) == (
            attr.shape,
            attr.digest,
            attr.nonzeros,
        )
        assert back.format() == text


@settings(max_examples=100, deadline=None)
@given(MATRICES)
def test_external_weights_keep_shape_digest_and_count(array):
    attr = la.WeightAttr.from_array(array, inline=False)
    text = attr.format()
    assert text == (
        f"[{array.shape[0]}, {array.shape[1]}] external "
        f'"{la.digest_of(array)}" nnz {np.count_nonzero(array)}'
    )
    back = parse_weight(text)
    assert back == attr
    assert not back.inline and not back.has_values
    assert back.format() == text
    assert same_bits(back.with_values(array).array(), array)


@pytest.mark.parametrize(
    "value, printed",
    [
        (0.1, "0.1"),
        (-3.0, "-3.0"),
        (12.5, "12.5"),
        (1.0e-05, "1.0e-05"),
        (1.0, "1.0"),
        (-0.0, "-0.0"),
        (0.30000001192092896, "0.3"),
        (6.23841618196509, "6.238416"),
        (1e20, "1.0e+20"),
    ],
)
def test_each_float32_prints_as_its_shortest_decimal(value, printed):
    assert la.format_float32(value) == printed
    assert weight([[value]]).format() == f"[1, 1] dense [[{printed}]]"


def test_text_is_rounded_to_float32_once():
    # A decimal that is not a float32 reads as the nearest one and prints as it.
    attr = parse_weight("[1, 2] dense [[0.30000000000000004, 16777217.0]]")
    assert attr.array().tolist() == [[np.float32(0.3), 16777216.0]]
    assert attr.format() == "[1, 2] dense [[0.3, 16777216.0]]"


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_non_finite_weights_are_refused(value):
    array = np.array([[1.0, value]], dtype=np.float32)
    with pytest.raises(ValueError, match="weights must be finite float32 values"):
        la.WeightAttr.from_array(array, inline=True)


def test_a_dense_value_beyond_float32_is_refused():
    with pytest.raises(
        ParseError, match="weight value 1e\\+39 is not a finite float32"
    ):
        parse_weight("[1, 1] dense [[1.0e39]]")
    assert (
        parse_weight("[1, 1] dense [[3.4028235e38]]").array()[0, 0]
        == np.finfo(np.float32).max
    )


def test_weights_are_matrices():
    with pytest.raises(ValueError, match=r"weights are matrices, got shape \(3,\)"):
        la.WeightAttr.from_array(np.zeros(3), inline=True)
    with pytest.raises(ValueError, match="got shape"):
        la.WeightAttr.from_array(np.zeros((1, 2, 3)), inline=True)
    with pytest.raises(
        ParseError, match=r"a weight is a matrix, got shape \[2, 2, 2\]"
    ):
        parse_weight('[2, 2, 2] external "0000000000000000" nnz 0')


@pytest.mark.parametrize(
    "text, message",
    [
        ("[2, 2] dense [[1.0, 2.0]]", r"dense values do not have shape \[2, 2\]"),
        ("[1, 2] dense [[1.0, 2.0, 3.0]]", r"dense values do not have shape \[1, 2\]"),
        ("[1, 2] dense [[1.0], [2.0]]", r"dense values do not have shape \[1, 2\]"),
        ("[1, 1] sparse [[1.0]]", "'dense' or 'external' after a weight shape"),
        ('[1, 1] external "0000000000000000"', "nnz"),
        ("[1, -1] dense []", "Expected integer literal"),
    ],
)
def test_malformed_weights(text, message):
    with pytest.raises(ParseError, match=message):
        parse_weight(text)


# == Weights: identity ==


def test_the_digest_is_sha256_of_the_little_endian_float32_bytes():
    array = np.array([[0.5, -2.0], [0.0, 3.25]])
    expected = hashlib.sha256(array.astype("<f4").tobytes()).hexdigest()[:16]
    assert la.digest_of(array) == expected
    assert la.WeightAttr.from_array(array, inline=False).digest == expected
    # Only the values count: the same bytes in another shape, or given as
    # float64 or big-endian, have the same digest.
    assert la.digest_of(array.reshape(1, 4)) == expected
    assert la.digest_of(array.astype(">f4")) == expected
    # -0.0 is not 0.0.
    assert la.digest_of(np.array([[-0.0]])) != la.digest_of(np.array([[0.0]]))


def test_weight_equality_is_shape_digest_and_form():
    array = np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    inline = la.WeightAttr.from_array(array, inline=True)
    assert inline == la.WeightAttr.from_array(array.copy(), inline=True)
    assert hash(inline) == hash(la.WeightAttr.from_array(array, inline=True))
    assert inline != la.WeightAttr.from_array(array, inline=False)
    assert inline != la.WeightAttr.from_array(array.reshape(1, 4), inline=True)
    assert inline != la.WeightAttr.from_array(array * 2, inline=True)
    # An external weight parsed from text equals the weight it was printed from.
    external = la.WeightAttr.from_array(array, inline=False)
    assert parse_weight(external.format()) == external
    assert len({inline, external, parse_weight(external.format())}) == 2


def test_weight_properties():
    attr = weight([[0.0, 1.5, 0.0], [-2.0, 0.0, 0.0]])
    assert attr.shape == (2, 3)
    assert attr.nonzeros == 2
    assert attr.inline and attr.has_values
    values = attr.array()
    assert values.dtype == np.dtype("<f4")
    assert not values.flags.writeable
    unbound = parse_weight(la.WeightAttr.from_array(values, inline=False).format())
    with pytest.raises(ValueError, match=f"weight {attr.digest} has no values bound"):
        unbound.array()


def test_with_values_checks_shape_and_digest():
    array = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    unbound = parse_weight(la.WeightAttr.from_array(array, inline=False).format())
    bound = unbound.with_values(array.astype(np.float64))
    assert bound.has_values and not bound.inline
    assert bound == unbound
    assert same_bits(bound.array(), array)
    with pytest.raises(ValueError, match=r"do not match shape \[2, 2\]"):
        unbound.with_values(array.reshape(1, 4))
    with pytest.raises(ValueError, match=f"digest {unbound.digest}"):
        unbound.with_values(array + 1)


# == Binding a side table ==


def external_module(model: la.ModelOp) -> ModuleOp:
    """``model`` printed with every weight external and parsed back (no values)."""
    for op in model.body.block.ops:
        if isinstance(op, la.WeightOp):
            op.value = la.WeightAttr.from_array(op.value.array(), inline=False)
    module = parse_module(print_ir(ModuleOp([model])))
    module.verify()
    return module


def test_bind_weights_gives_every_external_weight_its_values():
    original = small_model()
    table = {s: a.copy() for s, a in la.weight_table(original).items()}
    module = external_module(small_model())
    model = la.model_of(module)
    assert not any(op.value.has_values for op in model.weights.values())
    la.bind_weights(module, table)
    assert list(model.weights) == list(table)
    for symbol, op in model.weights.items():
        assert op.value.has_values and not op.value.inline
        assert same_bits(op.value.array(), table[symbol])
        assert same_bits(model.array(symbol), table[symbol])
    module.verify()
    # Binding is only for weights without values: a second call with an empty
    # table has nothing to do.
    la.bind_weights(module, {})
    # Extra entries in the table are ignored.
    la.bind_weights(external_module(small_model()), {**table, "unused": np.zeros(1)})


def test_bind_weights_errors():
    table = la.weight_table(small_model())
    missing = {s: a for s, a in table.items() if s != "fst"}
    with pytest.raises(ValueError, match="the weights file has no values for @fst"):
        la.bind_weights(external_module(small_model()), missing)
    wrong = {**table, "fst": table["fst"] + 1}
    with pytest.raises(ValueError, match=r"weight @fst: side-table values \(shape"):
        la.bind_weights(external_module(small_model()), wrong)
    reshaped = {**table, "fst": table["fst"].reshape(1, -1)}
    with pytest.raises(
        ValueError, match=r"weight @fst: .* do not match shape \[3, 2\]"
    ):
        la.bind_weights(external_module(small_model()), reshaped)


def test_inline_weights_need_no_side_table():
    module = ModuleOp([small_model()])
    la.bind_weights(module, {})
    assert all(op.value.inline for op in la.model_of(module).weights.values())


# == Ops and the model, from Python ==


def test_a_model_built_in_python_verifies_prints_and_parses_back():
    model = small_model(causal=True)
    model.verify()
    text = print_ir(ModuleOp([model]))
    assert 'la.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" causal {' in text
    assert 'la.residual [tokens:"BOS", tokens:"a", one]' in text
    assert 'la.attention 0 heads ["h"] key_size 1 value_size 1 query @q key @k' in text
    assert 'la.mlp 0 blocks {"m" = 2} fst @fst snd @snd' in text
    assert 'la.unembed categorical ["a"] @out' in text
    back = parse_module(text)
    back.verify()
    assert print_ir(back) == text


def test_model_accessors():
    model = small_model(heads=("h", "g"), blocks=(("m", 2), ("n", 1)))
    model.verify()
    assert model.residual == [
        (("tokens", ("BOS",)),),
        (("tokens", ("a",)),),
        (("one", ()),),
    ]
    assert list(model.weights) == [
        "tok",
        "pos",
        "q",
        "k",
        "v",
        "o",
        "fst",
        "snd",
        "out",
    ]
    assert model.embed.token_table.root_reference.data == "tok"
    assert [op.name for op in model.sublayers] == ["la.attention", "la.mlp"]
    assert model.num_layers == 1
    assert isinstance(model.output, la.UnembedOp)
    assert model.array("fst").shape == (WIDTH, 3)
    attention = op_of(model, la.AttentionOp)
    assert attention.head_labels == ["h", "g"]
    assert attention.weight_refs() == {
        "query": "q",
        "key": "k",
        "value": "v",
        "output": "o",
    }
    assert attention.expected_shapes(WIDTH) == {
        "query": (WIDTH, 2),
        "key": (WIDTH, 2),
        "value": (WIDTH, 2),
        "output": (2, WIDTH),
    }
    mlp = op_of(model, la.MLPOp)
    assert mlp.blocks == [("m", 2), ("n", 1)]
    assert mlp.hidden == 3
    assert mlp.expected_shapes(WIDTH) == {"fst": (WIDTH, 3), "snd": (3, WIDTH)}
    assert op_of(model, la.UnembedOp).expected_shapes(WIDTH) == {"table": (WIDTH, 1)}
    assert list(la.weight_table(model)) == list(model.weights)


def test_empty_sublayers_take_no_weights():
    model = small_model(heads=(), blocks=())
    model.verify()
    assert op_of(model, la.AttentionOp).weight_refs() == {}
    assert op_of(model, la.MLPOp).weight_refs() == {}
    assert op_of(model, la.MLPOp).hidden == 0
    text = print_ir(model)
    assert "la.attention 0 heads [] key_size 0 value_size 0\n" in text
    assert "la.mlp 0 blocks {}\n" in text


def test_numerical_unembedding():
    model = small_model(numerical=True)
    model.verify()
    unembed = op_of(model, la.UnembedOp)
    assert unembed.is_numerical
    assert unembed.values.data == ()
    assert "la.unembed numerical @out" in print_ir(model)


def test_residual_labels_are_tracr_style():
    assert la.residual_label(("one", ())) == "one"
    assert la.residual_label(("tokens", ("a",))) == "tokens:a"
    assert la.residual_label(("indices", (3,))) == "indices:3"
    assert la.residual_label(("m", (None,))) == "m:None"


def test_model_of_wants_exactly_one_model():
    with pytest.raises(ValueError, match="expected one la.model, found 0"):
        la.model_of(ModuleOp([]))
    with pytest.raises(ValueError, match="expected one la.model, found 2"):
        la.model_of(ModuleOp([small_model(), small_model()]))
    model = small_model()
    assert la.model_of(ModuleOp([model])) is model


# == The verifier, on models built in Python ==


def replace_op(model: la.ModelOp, kind: type, new) -> la.ModelOp:
    old = op_of(model, kind)
    model.body.block.insert_op_before(new, old)
    model.body.block.erase_op(old)
    return model


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda m: replace_op(m, la.ResidualOp, la.ResidualOp([("one", ())] * 3)),
            "la.residual lists one twice",
        ),
        (
            lambda m: replace_op(
                m, la.EmbedOp, la.EmbedOp(["a", "BOS", "UNK"], "tok", "pos")
            ),
            "la.embed: the token list must be the vocab, bos and pad",
        ),
        (
            lambda m: replace_op(
                m, la.EmbedOp, la.EmbedOp(["a", "BOS", "a"], "tok", "pos")
            ),
            "la.embed: the token list repeats a token",
        ),
        (
            lambda m: replace_op(
                m, la.AttentionOp, la.AttentionOp(0, ["h"], 1, 1, {"query": "q"})
            ),
            "la.attention 0: needs query, key, value and output weights",
        ),
        (
            lambda m: replace_op(m, la.MLPOp, la.MLPOp(0, [("m", 2)], {"fst": "fst"})),
            "la.mlp 0: needs fst and snd weights",
        ),
        (
            lambda m: replace_op(m, la.MLPOp, la.MLPOp(0, [], {"fst": "fst"})),
            "la.mlp 0: has no blocks, so it takes no weights",
        ),
        (
            lambda m: replace_op(
                m, la.UnembedOp, la.UnembedOp("numerical", ["a"], "out")
            ),
            "la.unembed: a numerical output has no value list",
        ),
        (
            lambda m: replace_op(m, la.UnembedOp, la.UnembedOp("binary", ["a"], "out")),
            "la.unembed: unknown encoding 'binary'",
        ),
        (
            lambda m: replace_op(
                m, la.MLPOp, la.MLPOp(0, [("m", 3)], {"fst": "fst", "snd": "snd"})
            ),
            r"la.mlp: fst weight @fst has shape \[3, 2\], expected \[3, 3\]",
        ),
        (
            lambda m: replace_op(
                m, la.UnembedOp, la.UnembedOp("categorical", ["a"], "nowhere")
            ),
            "la.unembed: table weight @nowhere is not declared",
        ),
        (
            lambda m: replace_op(m, la.AttentionOp, la.AttentionOp(1, [], 0, 0)),
            "la.model: la.attention 1 is in the place of layer 0",
        ),
    ],
)
def test_verifier_messages(change, message):
    model = change(small_model())
    with pytest.raises(VerifyException, match=message):
        model.verify()


def test_the_token_list_may_be_in_any_order_but_must_not_repeat():
    model = replace_op(
        small_model(), la.EmbedOp, la.EmbedOp(["PAD", "a", "BOS"], "tok", "pos")
    )
    model.verify()
    model = replace_op(
        small_model(), la.EmbedOp, la.EmbedOp(["a", "BOS", "PAD", "a"], "tok", "pos")
    )
    with pytest.raises(VerifyException, match="la.embed: the token list repeats"):
        model.verify()


# == float64 weights and models ==

FLOAT64 = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=4),
        elements=FLOAT64,
    )
)
@example(np.array([[0.1, 1.0 / 3.0, 16777217.0, 1e300, -5e-324]]))
def test_float64_weights_round_trip_bit_for_bit(array):
    attr = la.WeightAttr.from_array(array, inline=True, dtype="float64")
    assert attr.dtype == "float64" and attr.array().dtype == np.dtype("<f8")
    assert attr.array().tobytes() == array.astype("<f8").tobytes()
    text = attr.format()
    assert text.startswith(f"[{array.shape[0]}, {array.shape[1]}] float64 dense ")
    back = parse_weight(text)
    assert back == attr and back.array().tobytes() == attr.array().tobytes()
    external = la.WeightAttr.from_array(array, inline=False, dtype="float64")
    unbound = parse_weight(external.format())
    assert unbound.dtype == "float64" and unbound == external
    assert unbound.with_values(array).array().tobytes() == attr.array().tobytes()


def test_float64_digest_and_equality_tell_the_dtypes_apart():
    array = np.array([[0.5, -2.0]])
    wide = la.WeightAttr.from_array(array, inline=True, dtype="float64")
    narrow = la.WeightAttr.from_array(array, inline=True)
    assert wide.digest == hashlib.sha256(array.astype("<f8").tobytes()).hexdigest()[:16]
    assert wide.digest == la.digest_of(array, "float64") != narrow.digest
    assert wide != narrow
    assert narrow.format() == "[1, 2] dense [[0.5, -2.0]]"
    assert wide.format() == "[1, 2] float64 dense [[0.5, -2.0]]"
    # float64 text keeps what float32 rounds away, and accepts its range.
    assert parse_weight("[1, 1] float64 dense [[0.1]]").array()[0, 0] == 0.1
    assert parse_weight("[1, 1] float64 dense [[1.0e39]]").array()[0, 0] == 1e39
    with pytest.raises(ValueError, match="weights must be finite float64 values"):
        la.WeightAttr.from_array(np.array([[np.inf]]), inline=True, dtype="float64")


def float64_model() -> la.ModelOp:
    """``small_model`` in float64: the program and every weight."""
    model = small_model()
    for op in model.body.block.ops:
        if isinstance(op, la.WeightOp):
            op.value = la.WeightAttr.from_array(
                op.value.array(), inline=True, dtype="float64"
            )
    return la.ModelOp(["a"], 1, "BOS", "PAD", False, model.body.clone(), "float64")


def test_a_float64_model_verifies_prints_and_parses_back():
    model = float64_model()
    model.verify()
    text = print_ir(ModuleOp([model]))
    assert 'pad "PAD" dtype float64 {' in text
    assert text.count("float64 dense") == len(model.weights)
    module = parse_module(text)
    module.verify()
    assert print_ir(module) == text
    again = la.model_of(module)
    assert again.float_dtype == "float64"
    for symbol, array in la.weight_table(again).items():
        assert array.dtype == np.dtype("<f8"), symbol


def test_weights_must_have_the_model_dtype():
    model = float64_model()
    weight_op = op_of(model, la.WeightOp)
    weight_op.value = la.WeightAttr.from_array(weight_op.value.array(), inline=True)
    with pytest.raises(
        VerifyException,
        match="la.model: weight @tok is float32, but the model computes in float64",
    ):
        model.verify()
    float32_model = small_model()
    first = op_of(float32_model, la.WeightOp)
    first.value = la.WeightAttr.from_array(
        first.value.array(), inline=True, dtype="float64"
    )
    with pytest.raises(VerifyException, match="is float64, but the model computes in"):
        float32_model.verify()
