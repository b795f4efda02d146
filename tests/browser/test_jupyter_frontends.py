"""The apps where students live: JupyterLab in every theme it ships, and Notebook 7.

One real Jupyter server (``jupyter lab``, which serves Notebook 7 too) over a copy of the notebooks, with
a configured name (``TRIAGE_STUDENT``). Driving JupyterLab in Chromium is slow, so the apps' checks share one
JupyterLab page, as a student keeps one open (loaded in the light theme, set in JupyterLab's own settings
file as the Settings menu writes it): each notebook is opened in it from the file browser's command, Run
All, checked in the light theme and then in each other theme through JupyterLab's own theme command, as a
student does from the Settings menu, then closed with its kernel stopped and the class store forgotten, so
each notebook meets a student's first visit. In the first theme every check runs: the layout checks and axe
(tests/support/viewport_checks.py, on the apps only, colour contrast on every screen), who is answering, and
what each app shows after a student acts: the drill's marked answers, the case player's locked answer (its
chosen radio at least 3:1 against its background), the explorer's verdict in its meaning colour, on the
notebook's own background, never covering the reasons beside it. In the other themes the checks a theme can
fail run again (colours: contrast on every screen, axe's colour rules, the marked answer, the verdict's
colours and background); layout, names and roles do not change with the theme.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from support.app_checks import APP, APPS, STUDENT, TIMEOUT, app_problems, report, settle
from support.lab_server import JupyterServer, jupyter_server

pytestmark = pytest.mark.browser

THEMES = ["JupyterLab Light", "JupyterLab Dark", "JupyterLab Dark High Contrast"]
# Run All through JupyterLab's (or Notebook 7's) own command, once the notebook and its kernel are ready.
RUN_ALL = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  await window.jupyterapp.commands.execute('notebook:run-all-cells');
}"""
APP_READY = ("() => !!window.jupyterapp && !!window.jupyterapp.shell.currentWidget"
             " && !!window.jupyterapp.shell.currentWidget.sessionContext")

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with jupyter_server(tmp_path_factory.mktemp("lab"), env={"TRIAGE_STUDENT": STUDENT}) as server:
        yield server


# Open a notebook in the running JupyterLab (what a double click in the file browser runs) and Run All.
OPEN_AND_RUN = """async (path) => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  app.shell.activateById(panel.id);
  await panel.context.ready;
  await panel.sessionContext.ready;
  await app.commands.execute('notebook:run-all-cells');
}"""
# Close every open notebook without the "save your changes?" dialog (the copy on disk does not matter).
CLOSE_NOTEBOOKS = """() => {
  for (const widget of [...window.jupyterapp.shell.widgets('main')]) {
    if (widget.context) widget.context.model.dirty = false;
    widget.dispose();
  }
}"""


@pytest.fixture(scope="module")
def lab_page(browser, lab):
    """One JupyterLab page for the module's app checks (a laptop's window), loaded in the light theme."""
    lab.set_theme(THEMES[0])
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(lab.home_url())
    page.wait_for_function("() => !!window.jupyterapp")
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", THEMES[0])
    # JupyterLab's body is 0 px tall (its shell is placed absolutely), and axe counts everything inside a
    # 0-px box that hides overflow as off screen; a full-height body changes nothing a student sees.
    page.add_style_tag(content="html, body { height: 100%; }")
    yield page
    context.close()


def open_in_lab_page(page: Page, notebook: str) -> None:
    """Open ``notebook`` in the module's JupyterLab page (in the light theme), Run All, wait for its apps."""
    if page.locator("body").get_attribute("data-jp-theme-name") != THEMES[0]:
        change_theme(page, THEMES[0])
    page.evaluate(OPEN_AND_RUN, notebook)
    expect(page.locator(APP).first).to_be_visible(timeout=TIMEOUT)
    settle(page, notebook)


def close_in_lab_page(page: Page, lab: JupyterServer) -> None:
    """Close the page's notebooks, stop their kernels and forget their answers (the next is a first visit)."""
    page.evaluate(CLOSE_NOTEBOOKS)
    expect(page.locator(APP)).to_have_count(0)
    lab.stop_kernels()
    lab.forget_answers()


def run_all_cells(page: Page) -> None:
    page.wait_for_function(APP_READY, timeout=TIMEOUT)
    page.evaluate(RUN_ALL)
    expect(page.locator(APP).first).to_be_visible(timeout=TIMEOUT)


def change_theme(page: Page, theme: str) -> None:
    """Switch the open page to ``theme`` with JupyterLab's own command (what Settings > Theme runs)."""
    page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme)
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme)
    page.wait_for_function("""(theme) => {
      const probe = getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim();
      return probe && document.body.dataset.jpThemeLight === String(!theme.includes('Dark'));
    }""", arg=theme)
    page.wait_for_timeout(500)  # the theme's stylesheet applied and painted


def close(page: Page, lab: JupyterServer) -> None:
    """Close the page, stop its kernel and forget its answers: every page is a student's first visit."""
    page.context.close()
    lab.stop_kernels()
    lab.forget_answers()


@pytest.mark.parametrize("notebook", APPS)
def test_every_app_in_every_jupyterlab_theme(lab_page, lab, notebook):
    page = lab_page
    open_in_lab_page(page, notebook)
    try:
        problems = {}
        for i, theme in enumerate(THEMES):
            if i:
                change_theme(page, theme)
            found = app_problems(page, notebook, act=i == 0, colours_only=i > 0)
            problems.update({f"{theme}: {name}": p for name, p in found.items()})
        assert problems == {}, report(problems)
    finally:
        close_in_lab_page(page, lab)


def test_notebook_7_from_its_file_list(browser, lab):
    """A student who starts in Notebook 7: /tree, open the explorer, Run All; the app shows and passes."""
    lab.set_theme("JupyterLab Light")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(lab.tree_url())
        with context.expect_page() as opened:
            page.get_by_text("04_triage_explorer.ipynb").dblclick()
        notebook = opened.value
        notebook.set_default_timeout(TIMEOUT)
        notebook.wait_for_url(re.compile(r"/notebooks/04_triage_explorer\.ipynb"))
        run_all_cells(notebook)
        settle(notebook, "04_triage_explorer.ipynb")
        notebook.add_style_tag(content="html, body { height: 100%; }")
        problems = app_problems(notebook, "04_triage_explorer.ipynb")
        assert problems == {}, report(problems)
    finally:
        close(page, lab)  # the notebook's tab is in the same browser context


def test_keys_pressed_after_a_click_on_the_presenter_go_to_the_presenter_not_to_the_notebook(browser, lab):
    """An instructor presenting from JupyterLab clicks the projected case (its text, not a button) and uses
    the keys: A, B and N are the presenter's (answers, previous and next stage), never JupyterLab's command-mode
    shortcuts (A and B would insert cells into the notebook)."""
    lab.set_theme("JupyterLab Light")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(lab.lab_url("06_instructor.ipynb"))
        run_all_cells(page)
        label = page.locator(".triage-stage-label")
        expect(label).to_contain_text("Stage 1 of")
        cells = page.locator(".jp-Notebook .jp-Cell")
        before = cells.count()
        page.locator(".triage-presenter-body p").first.click()
        page.keyboard.press("a")
        expect(page.locator(".triage-answers")).to_contain_text("correct")
        page.keyboard.press("b")  # the first stage already: nothing to go back to
        page.keyboard.press("n")
        expect(label).to_contain_text("Stage 2 of")
        page.keyboard.press("b")
        expect(label).to_contain_text("Stage 1 of")
        page.wait_for_timeout(500)
        assert cells.count() == before, "a key inserted cells into the notebook"
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert page.evaluate("() => !!document.activeElement.closest('.triage-presenter')")
        assert outline == "none", "an outline round the whole presenter after the click"
    finally:
        close(page, lab)
