"""The landing page against a real server, over HTTP and in Chromium: the name prompt, links that carry
the name, the course order, the instructor's apps apart, escaping, the same name rules as Python,
completion marks from the class store, and an axe audit of the prompt."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect
from support import viewport_checks as vc
from support.browser_support import axe_source
from support.voila_server import fetch, serve, widget_notebook

from triage.content.course import course
from triage.errors import IdentityError
from triage.serve.progress import typed_learner
from triage.store.identity import check_class_code, check_display_name, name_key

pytestmark = [pytest.mark.server, pytest.mark.browser]
CODE = "BIO-101"
EVIL = '<img src=x onerror="window.__pwned=1">'
STUDENT_APPS = [a for a in course() if a.audience == "student"]
INSTRUCTOR_APPS = [a for a in course() if a.audience == "instructor"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The course's notebooks (one-widget stand-ins: the landing page never runs them), a class code."""
    tmp = tmp_path_factory.mktemp("landing")
    folder = tmp / "apps"
    for app in course():
        widget_notebook(folder, app.notebook)
    widget_notebook(folder, "extra_notes.ipynb")
    with serve(tmp, notebooks=folder, env={"TRIAGE_CLASS_CODE": CODE}, args=["--pool_size=0"]) as running:
        yield running


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(30_000)
    yield p
    context.close()


def open_landing(page: Page, server, query: str = "") -> None:
    page.goto(f"{server.url}/{query}", wait_until="load")
    expect(page.get_by_role("heading", name="Who is answering")).to_be_visible()


def sign_in(page: Page, name: str, code: str = CODE) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Class code").fill(code)
    page.get_by_role("button", name="Save name and show my apps").click()


def link_params(page: Page, notebook: str) -> dict[str, list[str]]:
    href = page.locator(f'li[data-notebook="{notebook}"] a.app-link').get_attribute("href")
    return parse_qs(urlparse(href).query)


# ---- HTTP: what the server sends ------------------------------------------------------------------


def test_the_page_lists_student_apps_in_course_order_with_titles_and_minutes(server):
    status, html = fetch(server.url + "/")
    assert status == 200
    students = html[html.index('id="student-apps"'):html.index("</ol>")]
    found = re.findall(r'data-notebook="([^"]+)"', students)
    assert found == [a.notebook for a in STUDENT_APPS]
    for app in STUDENT_APPS:
        assert re.search(rf'>{re.escape(app.title)}</a>\s*<span class="meta">about {app.minutes} min</span>', students)
    assert "extra_notes.ipynb" in html  # notebooks outside the course are still reachable


def test_instructor_apps_are_only_in_their_own_marked_section(server):
    _, html = fetch(server.url + "/")
    students = html[html.index('id="student-apps"'):html.index("</ol>")]
    instructor = html[html.index('id="instructor-heading"'):]
    assert "For the instructor only" in instructor and "instructor key" in instructor
    for app in INSTRUCTOR_APPS:
        assert app.notebook not in students
        assert f'data-notebook="{app.notebook}"' in instructor


def test_the_prompt_asks_for_a_name_and_the_class_code_and_says_a_name_is_not_a_login(server):
    _, html = fetch(server.url + "/")
    assert 'id="student-name"' in html and 'id="class-code"' in html
    assert "A typed name is not a login" in html and "anyone can type any name" in html
    assert CODE not in html, "the class code itself never appears on the page"


# ---- Chromium: what a student sees and does -----------------------------------------------------------


def test_a_saved_name_goes_into_every_app_link_and_is_remembered(page, server):
    open_landing(page, server)
    sign_in(page, "Ana Lima")
    expect(page.locator("#answering")).to_contain_text("Answering as Ana Lima")
    for app in course():
        assert link_params(page, app.notebook) == {"student": ["Ana Lima"], "class": [CODE]}
    page.reload()
    expect(page.locator("#answering-name")).to_have_text("Ana Lima")
    assert link_params(page, STUDENT_APPS[0].notebook)["student"] == ["Ana Lima"]
    page.get_by_role("button", name="Change name").click()
    sign_in(page, "Bea")
    expect(page.locator("#answering-name")).to_have_text("Bea")
    assert link_params(page, STUDENT_APPS[-1].notebook)["student"] == ["Bea"]


def test_a_name_brought_back_from_an_app_link_is_used(page, server):
    open_landing(page, server, f"?student=Cai&class={CODE}")
    expect(page.locator("#answering-name")).to_have_text("Cai")
    assert link_params(page, STUDENT_APPS[1].notebook) == {"student": ["Cai"], "class": [CODE]}


def test_a_name_with_html_in_it_is_shown_as_text(page, server):
    open_landing(page, server)
    sign_in(page, EVIL)
    expect(page.locator("#answering-name")).to_have_text(EVIL)
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main img").count() == 0
    assert link_params(page, STUDENT_APPS[0].notebook)["student"] == [EVIL]
    page.reload()  # from localStorage too
    expect(page.locator("#answering-name")).to_have_text(EVIL)
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_bad_names_and_codes_are_explained_next_to_the_field(page, server):
    open_landing(page, server)
    sign_in(page, "x" * 41)
    expect(page.locator("#student-name-error")).to_contain_text("at most 40 characters; this one has 41")
    expect(page.get_by_label("Your name")).to_have_attribute("aria-invalid", "true")
    sign_in(page, "Dee", "not a code!")
    expect(page.locator("#class-code-error")).to_contain_text("letters, digits or hyphens")
    assert link_params(page, STUDENT_APPS[0].notebook) == {}, "links carry no name until one is accepted"
    sign_in(page, "Dee", "WRONG-CODE")  # well formed but not this class's: the server says so, at the field
    expect(page.locator("#class-code-error")).to_have_text(
        "The class code is missing or wrong: type it again as your instructor gave it.")
    expect(page.get_by_label("Class code")).to_be_focused()
    sign_in(page, "Dee", CODE.lower())  # the right one, in small letters (case does not count): the message goes
    expect(page.locator("#record-summary")).to_have_text("Your record: nothing yet.")
    expect(page.locator("#class-code-error")).to_be_hidden()
    # a wrong code's answer that arrives late (a busy server), after the student typed the right one, is
    # dropped: the page holds that answer until the right code's record shows, then lets it in
    page.evaluate("""() => {
      window.__held = []; const fetch = window.fetch;
      window.fetch = (url, options) => fetch(url, options).then(r => {
        if (!String(url).includes("WRONG")) return r;
        const json = r.json.bind(r);
        r.json = () => json().then(body => { window.__staleRead = true; return body; });
        return new Promise(resolve => window.__held.push(() => resolve(r)));
      });
    }""")
    page.get_by_role("button", name="Change name").click()
    sign_in(page, "Dee", "WRONG-CODE")
    page.get_by_role("button", name="Change name").click()  # while the wrong code's answer is on its way
    sign_in(page, "Dee")
    expect(page.locator("#record-summary")).to_have_text("Your record: nothing yet.")
    page.evaluate("() => window.__held.forEach(release => release())")
    page.wait_for_function("window.__staleRead === true")
    page.evaluate("() => new Promise(r => setTimeout(r, 0))")  # the page has handled the late answer
    expect(page.locator("#class-code-error")).to_be_hidden()
    expect(page.locator("#record-summary")).to_have_text("Your record: nothing yet.")
    expect(page.locator("#answering")).to_be_visible()


NAMES = ["Sam", "  Sam  Lee ", "Zoe\u0308", "x" * 40, "x" * 41, "", "   ", "tab\there", "bell\x07",
         "zero\u200bwidth", "nbsp\u00a0space", "line\u2028sep", "\ufeffbom", "emoji \U0001f600", "<b>bold</b>",
         "e\u0301" * 40, "\U0001f600" * 40, "\U0001f600" * 41, "ideo\u3000space", "\x1cfs"]
CODES = ["BIO-101", " BIO-101\t", "bio_101", "", "x" * 32, "x" * 33, "Ü-1", "A B"]


def test_the_browser_checks_names_and_codes_by_the_same_rules_as_python(page, server):
    open_landing(page, server)
    for raw in NAMES:
        js = page.evaluate("raw => window.triageCheckName(raw)", raw)
        try:
            assert js == {"name": check_display_name(raw)}, raw
        except IdentityError as exc:
            assert js == {"error": exc.problems[0].message}, raw
    for raw in CODES:
        js = page.evaluate("raw => window.triageCheckCode(raw)", raw)
        try:
            assert js == {"code": check_class_code(raw)}, raw
        except IdentityError as exc:
            assert js == {"error": exc.problems[0].message}, raw


@pytest.mark.parametrize("width", [390, 1280])
def test_the_name_prompt_has_no_serious_accessibility_problems(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    try:
        open_landing(page, server)
        sign_in(page, "", "")  # with its error messages showing
        expect(page.locator("#student-name-error")).to_be_visible()
        page.add_script_tag(content=axe_source())
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
        )
        bad = [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], "\n".join(bad)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    finally:
        context.close()


def test_completion_marks_come_from_the_learners_own_record(page, server):
    from triage.store import open_store

    store = open_store(str(server.log.parent / "class.db"))
    try:
        eve = typed_learner(f"student=Eve&class={CODE}", CODE)
        assert eve.key == name_key("Eve")
        store.record_answer(eve, "hip-oa-grandfather", "q1", ["gp"], True)
        store.record_answer(eve, "hip-oa-grandfather", "q2", ["ed"], False)
        store.record_drill(eve, "s1", "emergency", True)
        store.mark_done(eve, "03_red_flags.ipynb")
        poll = store.open_poll("hip-oa-grandfather", "q3", ["gp", "ed"])  # a live poll in the same class
        store.answer_poll(poll.id, eve, ["gp"])
        other = typed_learner(f"student=Fay&class={CODE}", CODE)
        store.mark_done(other, "04_triage_explorer.ipynb")
    finally:
        store.close()
    open_landing(page, server)
    sign_in(page, "Eve")
    expect(page.locator("#record-summary")).to_have_text(
        "Your record: 1 app done, 2 case answers (1 right), 1 drill answer (1 right), "
        "1 live poll answered in class.")
    done = page.locator('li[data-notebook="03_red_flags.ipynb"] .done')
    expect(done).to_be_visible()
    expect(done).to_contain_text("Done")
    assert vc.raw_ids(page) == []  # titles, summaries and the record in words, never knowledge-base ids
    for app in course():
        if app.notebook != "03_red_flags.ipynb":
            expect(page.locator(f'li[data-notebook="{app.notebook}"] .done')).to_be_hidden()
