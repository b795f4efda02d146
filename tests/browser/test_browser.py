"""The apps in a real browser: Chromium + Playwright against a real Voila server.

Controls are found by their accessible role and name, so these tests also check that the labels
a screen reader would announce exist.
"""

from __future__ import annotations

import re
import shutil
import time

import pytest
from playwright.sync_api import Page, expect
from support.voila_server import ROOT, fetch, voila_server

pytestmark = pytest.mark.browser
RENDER_TIMEOUT = 90_000


INSTRUCTOR_KEY = "browser-test-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with voila_server(tmp_path_factory.mktemp("voila"), env={"TRIAGE_INSTRUCTOR_KEY": INSTRUCTOR_KEY},
                      preheat=["03_red_flags.ipynb", "04_triage_explorer.ipynb", "05_case_studies.ipynb",
                               "06_instructor.ipynb"]) as url:
        yield url


@pytest.fixture
def page(browser):
    """A laptop's page; whatever the test did, its pages logged no error (a script that failed to load, a
    front-end extension that does not fit the page, an exception nobody caught)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(RENDER_TIMEOUT)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(f"uncaught: {error.error}"))
    context.on("console", lambda m: errors.append(f"console: {m.text[:300]}") if m.type == "error" else None)
    yield p
    context.close()
    assert errors == [], "\n".join(errors)


def open_app(page: Page, server: str, name: str) -> None:
    """Open a notebook as an app and wait until its widgets (if any) are on screen."""
    page.goto(f"{server}/voila/render/{name}", wait_until="load")
    expect(page.locator("#rendered_cells")).to_be_visible(timeout=RENDER_TIMEOUT)
    if name != "00_start_here.ipynb":  # the only notebook without a widget app
        # the first notice on screen: the presenter hides the notebook's own copy once it projects
        expect(page.locator(".triage-notice:visible").first).to_be_visible(timeout=RENDER_TIMEOUT)
    if page.locator(".triage-app").count():  # a framed app: wait until its page knows who is answering
        # (students: their name or a message in the header; instructor apps: the gate opened or asks for the key)
        ready = ".triage-who, .triage-message, .triage-toolbar, .triage-class-summary, .triage-gate h3"
        expect(page.locator(ready).first).to_be_visible(timeout=RENDER_TIMEOUT)


def test_explorer_red_flag_gives_the_emergency_disposition(page, server):
    open_app(page, server, "04_triage_explorer.ipynb")
    disposition = page.locator(".triage-verdict")
    expect(disposition).to_contain_text("Urgency: ROUTINE")
    page.get_by_role("checkbox", name="New loss of bowel or bladder control").check()
    expect(disposition).to_contain_text("Urgency: EMERGENCY")
    expect(disposition).to_contain_text("Emergency department")


def test_served_lessons_show_no_jupyterlab_instructions(page, server):
    """A served page starts its apps itself: the lesson's "run all cells" paragraph for JupyterLab users is
    not shown above the app (it pushed the app below the fold on a phone), while the rest of the Overview is."""
    for name in ("05_case_studies.ipynb", "03_red_flags.ipynb"):
        open_app(page, server, name)
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        assert page.get_by_text("run all cells after opening").count() == 1  # in the page, for JupyterLab
        expect(page.get_by_text("run all cells after opening")).to_be_hidden()
        expect(page.locator("#rendered_cells")).not_to_contain_text("Run > Run All Cells", use_inner_text=True)


def test_case_player_answer_shows_feedback(page, server):
    open_app(page, server, "05_case_studies.ipynb")
    question = page.locator(".triage-question").first
    question.get_by_role("radio").first.check()
    question.get_by_role("button", name="Check answer").click()
    expect(question.locator(".triage-feedback")).to_contain_text(re.compile("Correct|Not quite"))
    expect(page.locator(".triage-score")).to_contain_text("1 answered")


def test_presenter_reveals_the_next_stage(page, server):
    open_app(page, server, f"06_instructor.ipynb?key={INSTRUCTOR_KEY}")
    page.get_by_role("combobox", name="Case").select_option(label="Priya: the runner who sits all day")
    label = page.locator(".triage-stage-label")
    expect(label).to_contain_text("Stage 1 of 3")
    expect(page.locator(".triage-presenter-body")).not_to_contain_text("The first examination")
    page.locator(".triage-next-stage").click()
    expect(label).to_contain_text("Stage 2 of 3")
    expect(page.locator(".triage-presenter-body")).to_contain_text("The first examination")


def test_closing_the_tab_shuts_its_kernel_down(page, server):
    """Stock Voila's shutdown beacon fails XSRF (voila#1458); the triage template makes it work."""
    open_app(page, server, "04_triage_explorer.ipynb")
    kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    assert fetch(f"{server}/api/kernels/{kernel_id}")[0] == 200
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 90  # a kernel's shutdown takes a while on a loaded machine
    while fetch(f"{server}/api/kernels/{kernel_id}")[0] == 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert fetch(f"{server}/api/kernels/{kernel_id}")[0] == 404, "the closed tab's kernel is still running"


def test_keyboard_only_explorer(page, server):
    """Tab reaches the red-flag checkbox and Space ticks it; the result follows."""
    open_app(page, server, "04_triage_explorer.ipynb")
    target = page.get_by_role("checkbox", name="Severe or worsening leg weakness")
    for _ in range(80):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the 'Severe or worsening leg weakness' checkbox")
    page.keyboard.press("Space")
    expect(page.locator(".triage-verdict")).to_contain_text("Urgency: EMERGENCY")


def test_keyboard_only_drill(page, server):
    """Tab reaches an answer button and Enter presses it."""
    open_app(page, server, "03_red_flags.ipynb")
    target = page.get_by_role("button", name="Emergency", exact=True)
    expect(target).to_be_visible()  # the drill has drawn its scenario (the header may come first)
    for _ in range(80):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the 'Emergency' answer button")
    page.keyboard.press("Enter")
    expect(page.locator(".triage-score")).to_contain_text("Score: 1 of 1")


@pytest.fixture(scope="module")
def payload_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("payload")
    cases = tmp / "cases"
    cases.mkdir()
    src = (ROOT / "case_studies" / "golfer-stiff-spine.yaml").read_text()
    evil = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"
    src = src.replace("    text: |\n", f"    text: |\n      {evil}\n", 1)  # the opening story (first stage)
    (cases / "golfer-stiff-spine.yaml").write_text(src)
    shutil.copy(ROOT / "case_studies" / "_template.yaml", cases)
    with voila_server(tmp, env={"TRIAGE_CASES_DIR": str(cases)}, args=["--pool_size=0"]) as url:  # one page
        yield url


def test_html_in_a_case_runs_no_script(page, payload_server):
    open_app(page, payload_server, "05_case_studies.ipynb")
    story = page.locator(".triage-stage-text").first  # the opening story
    expect(story).to_contain_text("<script>window.__pwned = 1</script>")
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert story.locator("img").count() == 0


RACE_CELL = """
import ipywidgets as w
from ipywidgets.widgets.widget import Widget
from triage.store.identity import GUEST
from triage.store.memory import MemoryStore
from triage.ui import app_frame
from triage.ui.context import AppContext

pending = AppContext(GUEST, MemoryStore(), "voila", ready=False)  # a preheated page before its request
frame = app_frame(pending, "03_red_flags.ipynb", w.HTML("body"))
reply = Widget._handle_control_comm_msg.__func__

def request_states(cls, msg):  # the request arrives just after the browser took its snapshot of the widgets
    reply(cls, msg)
    pending.resolve("student=Ada", {"VOILA_PREHEAT": "True"})

Widget._handle_control_comm_msg = classmethod(request_states)
frame
"""


@pytest.fixture(scope="module")
def race_server(tmp_path_factory):
    import nbformat

    tmp = tmp_path_factory.mktemp("race")
    folder = tmp / "apps"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(RACE_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "race.ipynb")
    with voila_server(tmp, notebooks=folder, args=["--pool_size=0"]) as url:
        yield url


def test_a_page_that_learns_its_student_while_the_browser_loads_its_widgets_shows_them(page, race_server):
    """The browser's widget manager drops an update that arrives between its snapshot of the widgets' state and
    the opening of their comms (measured: an update 0-20 ms after the snapshot is lost, 100 ms after is not);
    the frame sends the page's state again after adopting the student, so the header still says who answers."""
    page.goto(f"{race_server}/voila/render/race.ipynb", wait_until="load")
    expect(page.locator(".triage-notice")).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(page.locator(".triage-who")).to_contain_text("Answering as Ada", timeout=15_000)
