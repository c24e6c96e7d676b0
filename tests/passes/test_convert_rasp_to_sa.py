"""convert-rasp-to-sa: the warning that a causal program can change meaning."""

from __future__ import annotations

import warnings

import pytest
from xdsl.context import Context

import raspir
from raspir import lib, rasp
from raspir.frontend.rasp_import import to_rasp_ir
from raspir.passes.convert_rasp_to_sa import CausalWarning, ConvertRaspToSaPass


def causal_warnings(program: rasp.SOp, causal: bool = True) -> list[str]:
    """The CausalWarning messages of lowering ``program`` (no other pass)."""
    module = to_rasp_ir(program, ["a", "b"], 4, causal=causal)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ConvertRaspToSaPass().apply(Context(), module)
    return [str(w.message) for w in caught if issubclass(w.category, CausalWarning)]


def test_length_and_a_selector_that_looks_ahead_are_named():
    reverse = causal_warnings(lib.make_reverse(rasp.tokens))
    assert [m.split(";")[0] for m in reverse] == [
        "causal=True: rasp.selector_width 'length' can select keys after its query",
        "causal=True: rasp.aggregate 'reverse' can select keys after its query",
    ]
    assert reverse[1].endswith(
        "a causal model sees only earlier positions, so it computes "
        "rasp.evaluate(..., causal=True), which can differ from the non-causal "
        "evaluation"
    )
    (length,) = causal_warnings(rasp.categorical(rasp.Map(lambda n: n, rasp.length)))
    assert length.startswith(
        "causal=True: rasp.length 'length' is the length of the prefix up to each "
        "position (i + 1 at i);"
    )


def test_programs_that_only_look_back_do_not_warn():
    assert causal_warnings(lib.make_frac_prevs(rasp.tokens == "a")) == []
    assert causal_warnings(lib.shift_by(1, rasp.tokens)) == []


def test_a_non_causal_program_does_not_warn():
    assert causal_warnings(lib.make_reverse(rasp.tokens), causal=False) == []


def test_the_warning_reaches_a_compile():
    with pytest.warns(CausalWarning, match="rasp.selector_width 'length'"):
        raspir.compile_rasp_to_model(lib.make_length(), {"a", "b"}, 4, causal=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CausalWarning)
        raspir.compile_rasp_to_model(
            lib.make_frac_prevs(rasp.tokens == "a"), {"a", "b"}, 4, causal=True
        )
