"""docs/limits.md agrees with the compiler: for a few cheap programs, the
documented float32 limit N compiles and N + 1 is refused for precision, as
``benchmarks/limits.py`` measured. The bounds its prose quotes are the ones
the lowering applies."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from raspir.passes.convert_rasp_to_sa import UNIT_ROUNDOFF
from raspir.testing.library import LIB_PROGRAMS

ROOT = Path(__file__).resolve().parents[2]


def _load_limits():
    spec = importlib.util.spec_from_file_location(
        "benchmarks_limits", ROOT / "benchmarks" / "limits.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


limits = _load_limits()


def documented() -> dict[str, str]:
    """The float32 N column of the table, by program."""
    rows = {}
    for line in (ROOT / "docs" / "limits.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 2 and cells[0] in LIB_PROGRAMS:
            rows[cells[0]] = cells[1]
    return rows


def test_the_table_has_every_lib_program() -> None:
    table = documented()
    assert set(table) == set(LIB_PROGRAMS)
    for name, cell in table.items():
        assert re.fullmatch(r"\d+|≥ \d+ \(cap\)", cell), (name, cell)


@pytest.mark.parametrize("name", ["length", "hist", "count"])
def test_documented_limit_compiles_and_the_next_length_is_refused(name: str) -> None:
    n = int(documented()[name])
    entry = LIB_PROGRAMS[name]
    assert limits.lower(entry, n, "float32").ok
    refused = limits.lower(entry, n + 1, "float32")
    assert not refused.ok and refused.stage == "lowering"
    assert refused.precision, refused.message
    assert limits.lower(entry, n + 1, "float64").ok


def test_the_count_bound_in_the_prose_is_the_lowering_s() -> None:
    n = limits.count_limit(UNIT_ROUNDOFF["float32"])
    assert n == int(documented()["length"])
    assert limits.count_limit(UNIT_ROUNDOFF["float64"]) > 5_000_000
