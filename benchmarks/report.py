"""Render ``results/latest.json``: tables, ratios, scaling exponents and plots.

``latest.md`` has every measured row; the README's Performance section (between
the ``performance`` markers) is rewritten from the same data, so neither is
typed by hand. Ratios are raspir / Tracr per row, summarised per column by
their geometric mean over the rows where both compilers produced a value.
Scaling exponents are least-squares slopes of log(metric) on log(swept size).
"""

from __future__ import annotations

import math
from pathlib import Path

REFERENCE = "tracr"
MAIN = "raspir"
BEGIN, END = "<!-- performance:begin -->", "<!-- performance:end -->"

TIME = [
    ("compile_warm_s", "compile s (warm)"),
    ("compile_cold_s", "compile s (cold)"),
    ("first_output_s", "first output s"),
    ("fwd_b1_ms", "forward b1 ms"),
    ("fwd_b64_ms", "forward b64 ms"),
]
SIZE = [
    ("layers", "layers"),
    ("heads", "heads"),
    ("residual", "residual"),
    ("mlp_max", "MLP widest"),
    ("mlp", "MLP total"),
    ("params", "params"),
    ("nonzeros", "non-zeros"),
]
EXACT = [("seq_acc", "seq acc"), ("tok_acc", "token acc")]
HIGHER_IS_BETTER = {"seq_acc", "tok_acc"}
SCALING = [
    ("compile_warm_s", "compile s"),
    ("params", "params"),
    ("residual", "residual"),
    ("fwd_b64_ms", "forward b64 ms"),
]


def value(row: dict, backend: str, key: str):
    result = row["results"].get(backend)
    if not result or not result.get("ok"):
        return None
    return result.get(key)


def ratio(a, b) -> float | None:
    if a is None or b is None or a <= 0 or b <= 0:
        return None
    return a / b


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def show(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:.3g}" if abs(v) >= 0.01 else f"{v:.2e}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def show_ratio(r) -> str:
    return "–" if r is None else f"{r:.2g}×"


def backends(data: dict) -> list[str]:
    seen: list[str] = []
    for row in data["rows"]:
        for name in row["results"]:
            if name not in seen:
                seen.append(name)
    return seen


def failure(row: dict, backend: str) -> str | None:
    result = row["results"].get(backend)
    if result is None or result.get("ok"):
        return None
    return result.get("error", "failed")


def table(rows: list[dict], columns, data: dict, first: list[tuple[str, str]]) -> str:
    """One row per config; per column ``raspir / Tracr (ratio)``; geomean last."""
    has_ref = REFERENCE in backends(data)
    head = [label for _, label in first] + [label for _, label in columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ratios: dict[str, list] = {key: [] for key, _ in columns}
    for row in rows:
        cells = [show(row[key]) for key, _ in first]
        for key, _ in columns:
            mine = value(row, MAIN, key)
            if not has_ref:
                cells.append(show(mine))
                continue
            ref = value(row, REFERENCE, key)
            r = ratio(mine, ref)
            ratios[key].append(r)
            cells.append(f"{show(mine)} / {show(ref)} ({show_ratio(r)})")
        lines.append("| " + " | ".join(cells) + " |")
    if has_ref:
        means = [show_ratio(geomean(ratios[key])) for key, _ in columns]
        lines.append(
            "| "
            + " | ".join(["**geomean raspir/Tracr**"] + [""] * (len(first) - 1))
            + " | "
            + " | ".join(means)
            + " |"
        )
    return "\n".join(lines)


def failures(rows: list[dict], data: dict) -> list[str]:
    out = []
    for row in rows:
        for backend in backends(data):
            reason = failure(row, backend)
            if reason:
                out.append(
                    f"- {backend}, {row['program']} N={row['max_seq_len']} "
                    f"|V|={len(row['vocab'])}: {reason}"
                )
    return out


def exponents(data: dict) -> list[tuple[str, str, str, float | None]]:
    """(sweep, backend, metric, slope of log metric on log size)."""
    out = []
    groups = sorted({r["group"] for r in data["rows"] if r["group"] != "lib"})
    for group in groups:
        rows = [r for r in data["rows"] if r["group"] == group]
        for backend in (MAIN, REFERENCE):
            for key, label in SCALING:
                points = [
                    (math.log(r["x"]), math.log(v))
                    for r in rows
                    if (v := value(r, backend, key)) is not None and v > 0
                ]
                slope = None
                if len(points) >= 3:
                    mx = sum(x for x, _ in points) / len(points)
                    my = sum(y for _, y in points) / len(points)
                    var = sum((x - mx) ** 2 for x, _ in points)
                    slope = sum((x - mx) * (y - my) for x, y in points) / var
                out.append((group, backend, label, slope))
    return out


def exponent_table(data: dict) -> str:
    rows = exponents(data)
    if not rows:
        return ""
    metrics = [label for _, label in SCALING]
    lines = [
        "| sweep | compiler | " + " | ".join(metrics) + " |",
        "|" + "---|" * (2 + len(metrics)),
    ]
    keyed = {(g, b, m): s for g, b, m, s in rows}
    for group in sorted({g for g, _, _, _ in rows}):
        for backend in (MAIN, REFERENCE):
            slopes = [keyed.get((group, backend, m)) for m in metrics]
            if all(s is None for s in slopes):
                continue
            cells = ["–" if s is None else f"{s:.2f}" for s in slopes]
            lines.append(f"| {group} | {backend} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def exact_counts(data: dict) -> dict[str, tuple[int, int]]:
    rows = [r for r in data["rows"] if r["group"] == "lib"]
    out = {}
    for backend in backends(data):
        done = [r for r in rows if value(r, backend, "seq_acc") is not None]
        exact = sum(value(r, backend, "seq_acc") == 1.0 for r in done)
        out[backend] = (exact, len(rows))
    return out


def markdown(data: dict) -> str:
    lib = [r for r in data["rows"] if r["group"] == "lib"]
    sweeps = [r for r in data["rows"] if r["group"] != "lib"]
    m = data["machine"]
    first = [("program", "program"), ("max_seq_len", "N")]
    parts = [
        "# Benchmarks: raspir beside Tracr",
        "",
        f"Measured {data['date']} on {m['cpu']} ({m['cores']} cores), "
        f"{m['platform']}, Python {m['python']}; JAX on CPU. Each cell is "
        "`raspir / Tracr (ratio)`; raspir is its default pipeline. "
        f"{data['settings']['samples']} random inputs per config, "
        f"{data['settings']['repeats']} warm compiles, forward medians of "
        f"{data['settings']['forward_runs']['b1']} (batch 1) and "
        f"{data['settings']['forward_runs']['b64']} (batch 64) runs. "
        f"Whole run: {data['wall_s']:.0f} s.",
        "",
        "Worker start-up (process start and imports): "
        + ", ".join(f"{k} {show(v)} s" for k, v in data["startup_s"].items())
        + ".",
        "",
        "## Library programs: time",
        "",
        table(lib, TIME, data, first),
        "",
        "## Library programs: size",
        "",
        table(lib, SIZE, data, first),
        "",
        "## Library programs: exactness",
        "",
        table(lib, EXACT, data, first),
    ]
    if any("raspir -O0" in r["results"] for r in lib):
        parts += ["", "## raspir -O0 beside the default pipeline", ""]
        parts.append(o0_table(lib))
    for group in sorted({r["group"] for r in sweeps}):
        rows = [r for r in sweeps if r["group"] == group]
        parts += [
            "",
            f"## Sweep: {group}",
            "",
            table(
                rows,
                TIME[:1] + SIZE[2:3] + SIZE[4:6] + TIME[4:] + EXACT[:1],
                data,
                [("x", group.split(" / ")[1]), ("program", "program")],
            ),
        ]
    if sweeps:
        parts += ["", "## Scaling exponents", "", exponent_table(data)]
    problems = failures(data["rows"], data)
    if problems:
        parts += ["", "## Configurations without a result", "", *problems]
    return "\n".join(parts) + "\n"


def o0_table(rows: list[dict]) -> str:
    keys = [("params", "params"), ("residual", "residual"), ("fwd_b64_ms", "b64 ms")]
    lines = [
        "| program | N | "
        + " | ".join(f"{label} -O0 / default" for _, label in keys)
        + " |",
        "|" + "---|" * (2 + len(keys)),
    ]
    for row in rows:
        cells = [
            f"{show(value(row, 'raspir -O0', k))} / {show(value(row, MAIN, k))}"
            for k, _ in keys
        ]
        lines.append(
            f"| {row['program']} | {row['max_seq_len']} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def plots(data: dict, out: Path) -> list[Path]:
    """One PNG per sweep: four log–log panels, raspir against Tracr."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for group in sorted({r["group"] for r in data["rows"] if r["group"] != "lib"}):
        rows = sorted(
            (r for r in data["rows"] if r["group"] == group), key=lambda r: r["x"]
        )
        figure, axes = plt.subplots(1, len(SCALING), figsize=(4 * len(SCALING), 3.4))
        for axis, (key, label) in zip(axes, SCALING, strict=True):
            for backend, style in ((MAIN, "o-"), (REFERENCE, "s--")):
                points = [(r["x"], v) for r in rows if (v := value(r, backend, key))]
                if points:
                    axis.plot(*zip(*points, strict=True), style, label=backend)
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_xlabel(group.split(" / ")[1])
            axis.set_title(label)
            axis.grid(True, which="both", alpha=0.3)
        axes[0].legend()
        figure.suptitle(group)
        figure.tight_layout()
        path = out / (group.replace(" / ", "-by-").replace(" ", "_") + ".png")
        figure.savefig(path, dpi=90, metadata={"Software": None})
        plt.close(figure)
        written.append(path)
    return written


def readme_section(data: dict, images: list[Path], readme: Path) -> str:
    lib = [r for r in data["rows"] if r["group"] == "lib"]
    m = data["machine"]
    columns = TIME + SIZE + EXACT
    lines = [
        BEGIN,
        "## Performance",
        "",
        "Generated by `make bench` from `benchmarks/results/latest.json` "
        f"({data['date']}, {m['cpu']}, {m['cores']} cores, JAX on CPU); every "
        "row is in [`benchmarks/results/latest.md`](benchmarks/results/latest.md). "
        "Both compilers ran in the same invocation, interleaved, on the same "
        "programs and inputs. Ratios are raspir / Tracr, geometric means over "
        f"the {len(lib)} library configurations (15 programs at N = 5, 10, 20); "
        "below 1 means raspir is smaller or faster, above 1 that it is behind.",
        "",
        "| column | geomean raspir/Tracr |",
        "|---|---|",
    ]
    behind = []
    for key, label in columns:
        r = geomean([ratio(value(x, MAIN, key), value(x, REFERENCE, key)) for x in lib])
        lines.append(f"| {label} | {show_ratio(r)} |")
        slower = [
            x
            for x in lib
            if (q := ratio(value(x, MAIN, key), value(x, REFERENCE, key))) is not None
            and (q < 1 if key in HIGHER_IS_BETTER else q > 1)
        ]
        if slower:
            behind.append(f"{label} on {len(slower)} of {len(lib)}")
    lines += [
        "",
        "Rows where raspir is behind Tracr, per column: "
        + ("; ".join(behind) if behind else "none")
        + " (see `latest.md` for which).",
    ]
    counts = exact_counts(data)
    lines += [
        "",
        "Configurations exact on every sampled input: "
        + ", ".join(f"{b} {e}/{n}" for b, (e, n) in counts.items())
        + ".",
    ]
    exps = exponent_table(data)
    if exps:
        lines += [
            "",
            "Scaling exponents (slope of log cost on log size; 1 = linear, "
            "2 = quadratic):",
            "",
            exps,
        ]
    for image in images:
        lines += ["", f"![{image.stem}]({image.relative_to(readme.parent).as_posix()})"]
    problems = failures(data["rows"], data)
    if problems:
        lines += ["", "Configurations without a result:", "", *problems]
    lines.append(END)
    return "\n".join(lines)


def update_readme(readme: Path, section: str) -> None:
    text = readme.read_text()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    readme.write_text(text)


def render(
    data: dict, out: Path, with_plots: bool = True, readme: Path | None = None
) -> None:
    (out / "latest.md").write_text(markdown(data))
    images = plots(data, out) if with_plots else []
    if readme is not None:
        update_readme(readme, readme_section(data, images, readme))
