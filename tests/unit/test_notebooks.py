"""Notebook hygiene: one template, the notice, thin code, stripped outputs, alt text.

Execution itself is tested by nbval (``pytest notebooks --nbval-lax`` in ``make test``): every cell
must run, and cells marked ``# NBVAL_CHECK_OUTPUT`` must reproduce their stored output.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPECTED = ["00_start_here", "01_hip_and_back", "02_who_to_see", "03_red_flags", "04_triage_explorer",
            "05_case_studies", "06_instructor", "07_class_view"]
TEMPLATE = ["Overview", "Prerequisites", "Summary", "What's next"]
# Apps that sit in the shared frame, which shows the educational-use notice once per page
FRAMED_APPS = {"HipBackMap", "PathwayApp", "ProviderComparison", "RuleTable", "RedFlagDrill", "Explorer", "Glossary",
               "CasePlayer", "Presenter", "ClassView"}


def _apps(nb) -> set[str]:
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    imports = re.findall(r"from triage\.ui import ([\w, ]+)", code)
    return {name.strip() for names in imports for name in names.split(",")}


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_says_in_its_own_text_that_it_is_for_education_only(path):
    """Read without running (GitHub, nbviewer, a printout), a notebook still carries the notice: once, at the
    top, in the one wording. Where an app runs, the page's style sheet hides the app's copy of it."""
    from triage.domain.model import DISCLAIMER

    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert markdown.count("Educational use only") == 1
    notice = re.search(r'<p class="triage-notice triage-notebook-notice" role="note">(.*?)</p>', nb.cells[0].source)
    assert notice, "the first cell carries the notice (class triage-notebook-notice)"
    assert re.sub(r"</?strong>", "", notice.group(1)) == DISCLAIMER


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_suggested_time_agrees_with_the_course_map(path):
    from triage.content.course import course

    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    stated = re.findall(r"\*\*Time to learn\*\*: (\d+) minutes", markdown)
    minutes = next(a.minutes for a in course() if a.notebook == path.name)
    assert stated == [str(minutes)], f"{path.name} says {stated}, course.yaml says {minutes} minutes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_overview_says_to_run_all_cells_and_what_model_not_found_means(path):
    """A student opening a notebook in JupyterLab or Notebook 7 sees no app until the cells run, and a saved
    notebook reopened after its kernel stopped shows a widget error; the Overview says both."""
    nb = nbformat.read(path, as_version=4)
    overview = next(c.source for c in nb.cells if c.cell_type == "markdown" and "## Overview" in c.source)
    section = re.split(r"^## ", overview.split("## Overview", 1)[1], flags=re.M)[0]
    words = " ".join(section.split())
    assert "run all cells after opening" in words and "Run > Run All Cells" in words
    assert "Error displaying widget: model not found" in words and "running all cells brings it back" in words


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


def test_the_start_page_needs_no_widget():
    nb = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4)
    assert not _apps(nb), "00 needs no widget (no kernel work beyond its checked cell)"


@pytest.mark.parametrize("path", NOTEBOOKS[:6], ids=lambda p: p.stem)
def test_students_read_no_developer_remarks_ids_or_fixed_addresses(path):
    from triage.content.course import next_app

    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for remark in ("test suite", "restart the kernel", "NBVAL", "checked by", "127.0.0.1", "localhost", ":8866"):
        assert remark not in markdown, remark
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", re.sub(r"\]\([^)]*\)", "]", markdown)), "an id in the text"
    upcoming = next_app(path.name)
    whats_next = markdown.split("## What's next", 1)[1]
    if upcoming is None:  # the last student app; its frame links home
        assert path.stem == "05_case_studies"
    else:
        assert f"]({upcoming.notebook})" in whats_next


def test_the_student_apps_never_send_a_static_site_student_to_a_name_field_it_does_not_have():
    """The static site builds the student apps with their text but has no name field on its home page: a
    sentence that asks for a name on the home page must say it is for a class server."""
    from triage.content.course import student_apps

    for app in student_apps():
        nb = nbformat.read(ROOT / "notebooks" / app.notebook, as_version=4)
        text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
        for sentence in re.split(r"(?<=[.;:])\s+", text):
            if re.search(r"\bname\b", sentence) and "home page" in sentence:
                assert "class server" in sentence, (app.notebook, sentence)
