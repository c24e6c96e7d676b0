"""The benchmark harness cannot rot: its quick mode runs end to end, and the
report's ratios, geometric means, exponents and README splicing are checked on
made-up data. Nothing here asserts a timing."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


report = _load("report")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_quick_mode_measures_every_column(quick_run: Path) -> None:
    data = json.loads((quick_run / "latest.json").read_text())
    assert [(r["program"], r["max_seq_len"]) for r in data["rows"]] == [
        ("length", 3),
        ("frac_prevs", 3),
    ]
    columns = [key for key, _ in report.TIME + report.SIZE + report.EXACT]
    for row in data["rows"]:
        assert set(row["results"]) == {"raspir -O0", "raspir"}
        for result in row["results"].values():
            assert result["ok"], result
            for key in columns:
                assert isinstance(result[key], int | float) and result[key] >= 0, key
            assert result["seq_acc"] == result["tok_acc"] == 1.0
            assert result["inputs"] == 5
    assert set(data["startup_s"]) == {"raspir -O0", "raspir"}


def test_quick_mode_writes_the_tables(quick_run: Path) -> None:
    text = (quick_run / "latest.md").read_text()
    for heading in ("time", "size", "exactness"):
        assert f"## Library programs: {heading}" in text
    assert "| length | 3 |" in text
    assert "Configurations without a result" not in text


def _row(group, program, x, raspir, tracr):
    return {
        "group": group,
        "program": program,
        "max_seq_len": x,
        "vocab": ["a"],
        "x": x,
        "results": {"raspir": raspir, "tracr": tracr},
    }


def _data(rows):
    return {
        "date": "2026-01-01 00:00 UTC",
        "machine": {"cpu": "cpu", "cores": 2, "platform": "linux", "python": "3.11"},
        "settings": {"samples": 1, "repeats": 1, "forward_runs": {"b1": 1, "b64": 1}},
        "startup_s": {"raspir": 0.5, "tracr": 2.0},
        "wall_s": 1.0,
        "rows": rows,
    }


def test_ratios_and_geometric_means() -> None:
    rows = [
        _row("lib", "a", 5, {"ok": True, "params": 10}, {"ok": True, "params": 40}),
        _row("lib", "b", 5, {"ok": True, "params": 90}, {"ok": True, "params": 10}),
        _row(
            "lib", "c", 5, {"ok": False, "error": "refused"}, {"ok": True, "params": 5}
        ),
    ]
    text = report.table(rows, [("params", "params")], _data(rows), [("program", "p")])
    assert "| a | 10 / 40 (0.25×) |" in text
    assert "| b | 90 / 10 (9×) |" in text
    assert "| c | – / 5 (–) |" in text
    # geomean of 0.25 and 9 is 1.5; the failed row is left out.
    assert text.splitlines()[-1].endswith("| 1.5× |")
    assert report.failures(rows, _data(rows)) == ["- raspir, c N=5 |V|=1: refused"]


def test_scaling_exponents_are_log_log_slopes() -> None:
    rows = [
        _row(
            "sort / max_seq_len",
            "sort",
            n,
            {"ok": True, "params": 3 * n**2, "compile_warm_s": 0.1 * n},
            {"ok": True, "params": 7 * n**3, "compile_warm_s": 2.0},
        )
        for n in (8, 16, 32, 64)
    ]
    slopes = {
        (backend, metric): slope
        for _, backend, metric, slope in report.exponents(_data(rows))
    }
    assert math.isclose(slopes["raspir", "params"], 2.0)
    assert math.isclose(slopes["tracr", "params"], 3.0)
    assert math.isclose(slopes["raspir", "compile s"], 1.0)
    assert math.isclose(slopes["tracr", "compile s"], 0.0, abs_tol=1e-12)
    assert slopes["raspir", "residual"] is None  # not measured


def test_readme_section_is_spliced_between_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\nintro\n")
    rows = [_row("lib", "a", 5, {"ok": True, "params": 1}, {"ok": True, "params": 4})]
    data = _data(rows)
    report.update_readme(readme, report.readme_section(data, [], readme))
    first = readme.read_text()
    assert first.startswith(
        "# x\n\nintro\n\n<!-- performance:begin -->\n## Performance"
    )
    assert "| params | 0.25× |" in first
    rows[0]["results"]["raspir"]["params"] = 2
    report.update_readme(readme, report.readme_section(data, [], readme))
    second = readme.read_text()
    assert second.count("## Performance") == 1
    assert "| params | 0.5× |" in second
