"""The tour notebook runs from top to bottom on a real kernel and shows what it
says: the model agrees with the evaluator and TransformerLens with the model,
and the pictures are drawn (as PNG outputs of their cells)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

TOUR = Path(__file__).resolve().parents[2] / "examples" / "tour.ipynb"
TIMEOUT_S = 300
"""Per cell; the whole notebook runs in about 20 s here."""


def test_the_tour_runs_and_shows_what_it_says(tmp_path):
    notebook = nbformat.read(TOUR, as_version=4)
    assert all(
        not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"
    ), "the notebook is committed without outputs"
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # a failing cell raises CellExecutionError with its traceback
    text, images = [], 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text.append(output["text"])
            images += "image/png" in output.get("data", {})
    printed = "".join(text)
    assert "agrees with the evaluator on 155 of 155 inputs" in printed
    assert "TransformerLens agrees with the compiled model on 155 of 155" in printed
    assert "target_pos ['BOS', 2.0, 0.0, 3.0, 1.0, 4.0]" in printed
    assert images >= 2, "the residual and attention figures are shown"
