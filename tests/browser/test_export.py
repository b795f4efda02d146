"""`make export`: a notebook with its apps as an HTML page that shows them with no network.

The explorer's notebook is run and exported by tools/export_notebook.py (what `make export` runs) into a
temporary folder, then opened from disk in Chromium with every request that is not a local file refused:
the widget manager beside the page draws the app from its saved state, verdict included, and the page asks
no other host for anything. With JavaScript off, the app's own copy (its text/html) shows the verdict.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def load_tool():
    spec = importlib.util.spec_from_file_location("export_notebook", ROOT / "tools" / "export_notebook.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["export_notebook"] = module
    spec.loader.exec_module(module)
    return module


tool = load_tool()


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The explorer exported by someone whose name is set (as ``make lab STUDENT=...`` does)."""
    out = tmp_path_factory.mktemp("export")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRIAGE_STUDENT", "Ada Lovelace")
        assert tool.main(["--out", str(out), str(ROOT / "notebooks" / "04_triage_explorer.ipynb")]) == 0
    return out / "04_triage_explorer.html"


def open_offline(browser, page_path: Path, javascript: bool = True):
    """The page from disk; any request for something other than a local file is refused and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    refused: list[str] = []

    def only_files(route):
        if urlparse(route.request.url).scheme == "file":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(page_path.as_uri(), wait_until="load")
    return page, refused, errors


def test_the_exported_explorer_shows_its_verdict_with_no_network(browser, exported):
    page, refused, errors = open_offline(browser, exported)
    try:
        verdict = page.locator(".widget-subarea .triage-verdict")  # drawn by the widget manager, from the saved state
        expect(verdict).to_contain_text("Urgency: ROUTINE — next step: Primary care doctor", timeout=30_000)
        expect(page.locator(".widget-subarea .triage-changes")).to_contain_text("What would change it")
        expect(page.get_by_role("checkbox", name="Lower back", exact=True)).to_be_checked()
        expect(page.locator(".triage-export-copy")).to_be_hidden()  # the copy gives way to the app
        page.wait_for_load_state("networkidle")
        assert refused == [] and errors == []
    finally:
        page.context.close()


def test_without_javascript_the_apps_own_copy_shows_the_verdict(browser, exported):
    page, refused, _ = open_offline(browser, exported, javascript=False)
    try:
        copy = page.locator(".triage-export-copy")
        expect(copy).to_be_visible()
        expect(copy).to_contain_text("Urgency: ROUTINE")
        expect(copy).to_contain_text("Educational use only.")
        assert refused == []
    finally:
        page.context.close()


def test_the_page_names_no_other_host_and_carries_its_widget_manager(exported):
    html = exported.read_text(encoding="utf-8")
    assert "Ada Lovelace" not in html and "Answering as <strong>a student</strong>" in html  # a page to share
    # the app's "Next" link leads to the next lesson's page exported beside this one, not to a notebook
    assert "05_case_studies.html" in html and not re.search(r'href=\\?"05_case_studies\.ipynb', html)
    assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", html), "a script or stylesheet from another host"
    assert '<script src="static/embed.js"></script>' in html
    assert (exported.parent / "static" / "embed.js").stat().st_size > 1_000_000


def test_a_malformed_pin_is_reported_in_plain_words(tmp_path):
    pin = tmp_path / "export-npm.txt"
    pin.write_text("@jupyter-widgets/html-manager 1.0.15\n", encoding="utf-8")
    with pytest.raises(tool.ExportError, match="expected '<package> <version> sha512-<integrity>'"):
        tool.read_pin(pin)


@pytest.fixture(scope="module")
def exported_presenter(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export-06")
    assert tool.main(["--out", str(out), str(ROOT / "notebooks" / "06_instructor.ipynb")]) == 0
    return out / "06_instructor.html"


def test_an_exported_presenter_loads_every_widget(browser, exported_presenter):
    """Widgets that need a kernel (keys, polls) leave no broken box."""
    html = exported_presenter.read_text(encoding="utf-8")
    assert '"model_module": "anywidget"' not in html
    page, refused, errors = open_offline(browser, exported_presenter)
    try:
        expect(page.locator(".widget-subarea .triage-app").first).to_be_visible(timeout=30_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)  # the widget manager's last views
        expect(page.get_by_text("Click to show javascript error")).to_have_count(0)
        assert refused == [] and errors == []
    finally:
        page.context.close()
