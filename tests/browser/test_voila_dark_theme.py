"""Every app in Voila's dark theme (``?theme=dark``), the way an instructor may project it: one real Voila
server, each notebook rendered once for a named student (the instructor's apps with the key), and every
check of tests/support/app_checks.py on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from support.app_checks import APP, APPS, STUDENT, STUDENT_APPS, TIMEOUT, app_problems, report, settle
from support.voila_server import serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("voila-dark"), args=["--pool_size=0"]) as server:
        yield server


@pytest.mark.parametrize("notebook", APPS)
def test_every_app_in_voilas_dark_theme(browser, voila, notebook):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(TIMEOUT)
    try:
        who = f"student={STUDENT.replace(' ', '+')}" if notebook in STUDENT_APPS else f"key={voila.instructor_key}"
        page.goto(f"{voila.url}/voila/render/{notebook}?{who}&theme=dark", wait_until="load")
        expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
        expect(page.locator(APP).first).to_be_visible(timeout=TIMEOUT)
        settle(page, notebook)
        problems = app_problems(page, notebook)
        assert problems == {}, report(problems)
    finally:
        page.close()
