"""Notebook hygiene: one template, the notice, thin code, stripped outputs, alt text.

Execution itself is tested by nbval (``pytest notebooks --nbval-lax`` in ``make test``): every cell
must run, and cells marked ``# NBVAL_CHECK_OUTPUT`` must reproduce their stored output.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPECTED = ["00_start_here", "01_hip_and_back", "02_who_to_see", "03_red_flags", "04_triage_explorer",
            "05_case_studies", "06_instructor", "07_class_view"]
TEMPLATE = ["Overview", "Prerequisites", "Summary", "What's next"]


def test_the_suite_has_every_notebook_in_order():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_template(path):
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    headings = re.findall(r"^## (.+)$", markdown, re.M)
    positions = [headings.index(h) for h in TEMPLATE]
    assert positions == sorted(positions), headings
    assert len(headings) > len(TEMPLATE), "content sections between prerequisites and summary"
    assert "Educational use only" in nb.cells[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_code_is_thin_and_outputs_are_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        checked = "NBVAL_CHECK_OUTPUT" in cell.source
        if not checked:
            assert cell.outputs == [], "strip outputs of cells nbval does not check"
            assert cell.execution_count is None
            assert len(cell.source.strip().splitlines()) <= 3, "apps come from triage.ui in a line or two"
        else:
            assert cell.outputs, "a checked cell needs its expected output stored"
            assert cell.execution_count is not None, "nbval ignores outputs of cells it thinks never ran"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_image_has_alt_text(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert not re.search(r"!\[\s*\]\(", cell.source), "markdown image without alt text"
            for tag in re.findall(r"<img\b[^>]*>", cell.source):
                assert re.search(r'alt="[^"]+"', tag), tag
