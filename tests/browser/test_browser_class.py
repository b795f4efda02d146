"""A class on one server, in real browsers: students' own records, a live poll, the class view, the
projector presenter and the phone case player. Chromium + Playwright against a real standalone Voila
server started from the repository with a SQLite class store (``TRIAGE_CLASS_DB``) and an instructor
key (``TRIAGE_INSTRUCTOR_KEY``), as ``make app`` runs it.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect
from support.browser_support import axe_source
from support.voila_server import voila_server

from triage.store.identity import Learner, name_key
from triage.store.sqlite import SqliteStore

pytestmark = pytest.mark.browser
RENDER_TIMEOUT = 90_000
KEY = "browser-class-key"
CASES = "05_case_studies.ipynb"
PRESENTER = "06_instructor.ipynb"
CLASS_VIEW = "07_class_view.ipynb"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    with voila_server(tmp, env={"TRIAGE_CLASS_DB": str(tmp / "class.db"), "TRIAGE_INSTRUCTOR_KEY": KEY},
                      preheat=[CASES, PRESENTER, CLASS_VIEW]) as url:
        yield url


def new_page(browser: Browser, width: int = 1280, height: int = 900) -> Page:
    """A page in its own browser context (its own cookies: another person at another device)."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(RENDER_TIMEOUT)
    return page


def open_app(page: Page, server: str, notebook: str, query: str = "") -> None:
    page.goto(f"{server}/voila/render/{notebook}{'?' + query if query else ''}", wait_until="load")
    expect(page.locator(".triage-app").first).to_be_visible(timeout=RENDER_TIMEOUT)


def open_student(page: Page, server: str, name: str) -> None:
    open_app(page, server, CASES, "student=" + quote(name))
    expect(page.locator(".triage-who")).to_contain_text(f"Answering as {name}")
    expect(page.locator(".triage-question").first).to_be_visible()


def axe_serious(page: Page, include: str) -> list[str]:
    page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "async (sel) => await axe.run({include: [sel]}, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', "
        "'wcag21aa']}})", include)
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_two_students_keep_their_own_answers_after_a_reload(browser, server):
    ana, ben = new_page(browser), new_page(browser)
    open_student(ana, server, "Ana Reload")
    open_student(ben, server, "Ben Reload")
    for page, pick in ((ana, 0), (ben, 1)):
        question = page.locator(".triage-question").first
        question.get_by_role("radio").nth(pick).check()
        question.get_by_role("button", name="Check answer").click()
        expect(question.locator(".triage-feedback")).to_contain_text(re.compile("Correct|Not quite"))
    for page, mine, theirs in ((ana, 0, 1), (ben, 1, 0)):
        page.reload(wait_until="load")
        expect(page.locator(".triage-who")).to_contain_text("Answering as")
        radios = page.locator(".triage-question").first.get_by_role("radio")
        expect(radios.nth(mine)).to_be_checked()
        expect(radios.nth(theirs)).not_to_be_checked()
        expect(page.locator(".triage-score")).to_contain_text("(1 answered)")
    ana.context.close()
    ben.context.close()


def test_a_live_poll_reaches_both_students_and_the_chart_counts_them(browser, server, tmp_path):
    ana, ben = new_page(browser), new_page(browser, 390, 844)  # Ben on a phone
    teacher = new_page(browser, 1024, 768)
    open_student(ana, server, "Ana Poll")
    open_student(ben, server, "Ben Poll")
    open_app(teacher, server, PRESENTER, f"key={KEY}")
    expect(teacher.locator(".triage-next-stage")).to_be_visible()
    teacher.locator("body").press("p")
    chart = teacher.locator(".triage-poll-live")
    expect(chart).to_contain_text("0 answered, poll open")
    for page, pick in ((ana, 0), (ben, 1)):
        panel = page.locator(".triage-poll-panel")
        expect(panel.get_by_role("radio").first).to_be_visible(timeout=15_000)
        panel.get_by_role("radio").nth(pick).check()
        panel.get_by_role("button", name="Send my answer").click()
        expect(panel.locator(".triage-poll-status")).to_contain_text("Sent:")
    rows = chart.locator(".triage-bar-row")
    expect(rows.nth(0)).to_contain_text("1 (50%)", timeout=2_000)
    expect(rows.nth(1)).to_contain_text("1 (50%)", timeout=2_000)
    expect(chart).to_contain_text("2 answered")
    expect(chart).not_to_contain_text("correct")
    # a repeated answer replaces the first one
    ben.locator(".triage-poll-panel").get_by_role("radio").nth(0).check()
    ben.locator(".triage-poll-panel").get_by_role("button", name="Send my answer").click()
    expect(rows.nth(0)).to_contain_text("2 (100%)", timeout=2_000)
    # the poll panel, open on a student's page, passes axe
    assert axe_serious(ana, ".triage-poll-panel") == []
    teacher.locator("body").press("a")  # show the answers: closes and reveals the poll
    correct = chart.locator(".triage-bar-correct")
    expect(correct).to_have_count(1)
    expect(correct).to_contain_text("correct")
    expect(ana.locator(".triage-poll-panel")).to_contain_text("The answer:", timeout=10_000)
    # on Ben's phone: why the right answer is right, in the projector's words, on the screen's width
    why = ben.locator(".triage-poll-panel .triage-poll-why")
    expect(why).to_contain_text("Why A:", timeout=10_000)
    box = why.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    ben.screenshot(path=str(tmp_path / "phone-after-reveal.png"), full_page=True)
    assert axe_serious(ben, ".triage-poll-panel") == []
    for page in (ana, ben, teacher):
        page.context.close()


def test_a_name_with_html_in_it_is_shown_as_text(browser, server):
    page = new_page(browser)
    open_student(page, server, "<b>x</b>")
    who = page.locator(".triage-who")
    expect(who).to_contain_text("Answering as <b>x</b>")
    assert who.locator("b").count() == 0
    page.context.close()


def test_the_class_view_csv_has_both_students(browser, server):
    ana, ben = new_page(browser), new_page(browser)
    for page, name in ((ana, "Ana Grade"), (ben, "Ben Grade")):
        open_student(page, server, name)
        question = page.locator(".triage-question").first
        question.get_by_role("radio").first.check()
        question.get_by_role("button", name="Check answer").click()
        expect(page.locator(".triage-score")).to_contain_text("(1 answered)")
    teacher = new_page(browser)
    open_app(teacher, server, CLASS_VIEW, f"key={KEY}")
    summary = teacher.locator(".triage-class-summary")
    expect(summary).to_contain_text("Ana Grade")
    expect(summary).to_contain_text("Ben Grade")
    assert axe_serious(teacher, ".triage-class-view") == []
    with teacher.expect_download() as info:
        teacher.locator(".triage-csv-link").first.click()  # all answers (then the summary and the items)
    text = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    students = {r["student"] for r in rows}
    assert {"Ana Grade", "Ben Grade"} <= students
    mine = [r for r in rows if r["student"] in ("Ana Grade", "Ben Grade")]
    assert all(r["activity"] == "case" and r["chosen"].startswith("A. ") for r in mine)  # the option each chose
    assert {"name:ana grade", "name:ben grade"} <= {r["learner"] for r in rows}
    for page in (ana, ben, teacher):
        page.context.close()


def test_instructor_apps_show_nothing_of_the_class_without_the_key(browser, server):
    page = new_page(browser)
    for notebook in (PRESENTER, CLASS_VIEW):
        open_app(page, server, notebook)
        expect(page.locator(".triage-gate")).to_contain_text("instructor key")
        assert page.locator(".triage-class-summary, .triage-toolbar").filter(visible=True).count() == 0
        page.get_by_label("Instructor key").fill("wrong")
        page.get_by_role("button", name="Open the instructor view").click()
        expect(page.locator(".triage-gate-feedback")).to_contain_text("not right")
    page.get_by_label("Instructor key").fill(KEY)
    page.get_by_role("button", name="Open the instructor view").click()
    expect(page.locator(".triage-class-summary")).to_be_visible()
    page.context.close()


CLIPPED = """(root) => [...document.querySelectorAll(`${root} button, ${root} label, ${root} select`)]
    .filter(e => e.offsetParent !== null)
    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
    .map(e => e.textContent.trim())"""


def test_presenter_keyboard_only_at_a_projector(browser, server):
    page = new_page(browser, 1024, 768)
    open_app(page, server, PRESENTER, f"key={KEY}")
    label = page.locator(".triage-stage-label")
    expect(label).to_contain_text("Stage 1 of")
    page.locator("body").press("o")
    answers = page.locator(".triage-answers")
    expect(answers).to_contain_text("A.")
    expect(answers).not_to_contain_text("correct")
    page.locator("body").press("a")
    expect(answers).to_contain_text("correct")
    page.locator("body").press("a")
    expect(answers).not_to_contain_text("correct")  # hidden again
    page.locator("body").press("n")
    expect(label).to_contain_text("Stage 2 of")
    page.locator("body").press("r")
    expect(page.locator(".triage-reasoning")).to_contain_text("Urgency")
    # scroll the page down: the controls stay in view
    page.evaluate("""() => { const s = document.querySelector('.triage-reasoning');
                             s.scrollIntoView({block: 'end'}); }""")
    for width in (1024, 1280):
        page.set_viewport_size({"width": width, "height": 768 if width == 1024 else 800})
        page.wait_for_timeout(300)
        box = page.locator(".triage-toolbar").bounding_box()
        assert box is not None and box["y"] >= -1 and box["y"] + box["height"] <= (768 if width == 1024 else 800)
        clipped = page.evaluate(CLIPPED, ".triage-presenter")
        assert clipped == [], clipped
    page.context.close()


def test_case_player_on_a_phone(browser, server):
    page = new_page(browser, 390, 844)
    open_student(page, server, "Phone Student")
    widths = page.evaluate("""() => [...document.querySelectorAll('html, body, .jp-LabShell, .lm-BoxPanel-child')]
        .map(e => e.scrollWidth - e.clientWidth)""")
    assert max(widths) <= 0, widths
    labels = page.locator(".triage-question").first.locator(".widget-radio-box label")
    boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
    assert len(boxes) >= 2
    for upper, lower in itertools.pairwise(boxes):
        assert upper["y"] + upper["height"] <= lower["y"] + 0.5, (upper, lower)  # drawn one under the other
    for radio in page.locator(".triage-question").first.get_by_role("radio").all():
        r = radio.bounding_box()
        assert r is not None and r["width"] >= 12 and r["height"] >= 12 and 0 <= r["x"] and r["x"] + r["width"] <= 390
    page.context.close()


# What the room sees on the projector, all on the screen without scrolling: the notice, the controls, the case's
# title and story, the question, and (POLL_OPEN) the poll's chart with each option and the count of who has not
# answered; (OPTIONS, before the lesson starts) the options under the one-line start screen; (REVEALED, after
# "Show answers") the answers with their feedback and the chart with the right option marked.
ROOM = ['.triage-presenter .triage-notice', '.triage-toolbar', '.triage-presenter-body h2', '.triage-presenter-body p',
        '.triage-presenter-question']
POLL_OPEN = [*ROOM, '.triage-poll-caption', '.triage-presenter-chart li', '.triage-poll-note']
OPTIONS = [*ROOM, '.triage-join-panel', '.triage-presenter-options li']
CHART_REVEALED = [*ROOM, '.triage-poll-caption', '.triage-presenter-chart li', '.triage-correct-mark']
REVEALED = [*CHART_REVEALED, '.triage-answers li', '.triage-presenter-points summary']
# (WIDE_REVEALED) answers too long to fit beside the story: the title, the question and the answers with their
# feedback across the screen, each answer with its own bar and count; the stage's text and the chart fold away
WIDE_REVEALED = ['.triage-presenter .triage-notice', '.triage-toolbar', '.triage-presenter-body h2',
                 '.triage-presenter-question', '.triage-poll-caption', '.triage-answers li', '.triage-answer-tally']
ON_SCREEN = """(sel) => {
  const off = [];
  for (const s of sel) {
    const all = [...document.querySelectorAll(s)];
    if (!all.length) { off.push(s + ': missing'); continue; }
    for (const e of all) {
      const r = e.getBoundingClientRect();
      if (r.height === 0 || r.top < -1 || r.bottom > innerHeight + 1)
        off.push(`${s}: ${Math.round(r.top)}..${Math.round(r.bottom)}`);
    }
  }
  const bar = document.querySelector('.triage-toolbar').getBoundingClientRect();
  const title = document.querySelector('.triage-presenter-body h2').getBoundingClientRect();
  if (title.top < bar.bottom - 1) off.push('the case title is under the controls');
  return off;
}"""
TEXT_PX = "() => parseFloat(getComputedStyle(document.querySelector('.triage-presenter-body p')).fontSize)"
ANSWER_PX = "() => parseFloat(getComputedStyle(document.querySelector('.triage-answers li')).fontSize)"


def test_a_four_option_poll_fits_the_projector_and_a_reload_keeps_the_lesson_on_screen(browser, tmp_path):
    """A question with four options, its case's story and the live chart fit a 1024x768 and a 1920x1080
    projector; a reload during the poll (or after a server restart) comes back to the poll, not to the start
    screen (how students join), which otherwise opens a served presenter until the lesson starts."""
    from triage.content.cases import load_cases

    case = next(c for c in load_cases() if c.id == "teen-knee-after-football")
    question = next(q for q in case.questions if q.id == "why-not-knee")  # asked at the opening story
    assert len(question.options) == 4
    with voila_server(tmp_path, env={"TRIAGE_CLASS_DB": str(tmp_path / "class.db"), "TRIAGE_INSTRUCTOR_KEY": KEY,
                                     "TRIAGE_CASE": case.id}, preheat=[PRESENTER]) as url:
        page = new_page(browser, 1024, 768)
        open_app(page, url, PRESENTER, f"key={KEY}")
        expect(page.locator(".triage-join")).to_contain_text("Joining from phones")  # the start screen
        # before the lesson starts, O shows the first question's options: the start screen gives way to one line
        # (still saying how to join), and the story, the question and its options fit with it
        page.keyboard.press("o")
        expect(page.locator(".triage-presenter-options li").first).to_be_visible()
        expect(page.locator(".triage-join")).to_contain_text("Joining from phones")
        for width, height in ((1024, 768), (1920, 1080)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(800)  # the text fitted to the new screen
            page.screenshot(path=str(tmp_path / f"options-{width}x{height}.png"))
            assert page.evaluate(ON_SCREEN, OPTIONS) == [], f"options before the lesson, {width}x{height}"
        page.set_viewport_size({"width": 1024, "height": 768})
        page.keyboard.press("o")
        expect(page.locator(".triage-join svg, .triage-join h2")).to_have_count(1)  # the start screen is back
        poll_on(page, question.prompt[:40], len(case.questions))
        expect(page.locator(".triage-join")).to_be_empty()
        for reload in (False, True):
            for width, height, smallest in ((1024, 768, 17.5), (1920, 1080, 27)):
                page.set_viewport_size({"width": width, "height": height})
                if reload:
                    page.reload(wait_until="load")
                    expect(page.locator(".triage-poll-live")).to_contain_text("poll open")
                page.wait_for_timeout(800)  # the text fitted to the new screen
                assert page.locator(".triage-presenter-chart li").count() == 4
                assert page.locator(".triage-join").inner_text() == "", "the start screen is back over the poll"
                page.screenshot(path=str(tmp_path / f"poll-{width}x{height}-{'reloaded' if reload else 'open'}.png"))
                assert page.evaluate(ON_SCREEN, POLL_OPEN) == [], f"{width}x{height}, reloaded={reload}"
                assert page.evaluate(TEXT_PX) >= smallest, f"{width}x{height}: stage text too small for the room"
        # two students answer; "Show answers": the chart with the right options marked moves under the story, so
        # the answers with their feedback beside it never push it off the screen
        store = SqliteStore(tmp_path / "class.db")
        # four answers with their feedback do not fit beside the story on a 1024x768 projector: they take the
        # screen's width (the wide form); at 1920x1080 they fit beside the story and the chart
        reveal(page, store, question, tmp_path, "four-options",
               {(1024, 768): WIDE_REVEALED, (1920, 1080): [*CHART_REVEALED, '.triage-answers li']})
        wide = page.locator(".triage-presenter-grid.triage-reveal-wide")
        page.set_viewport_size({"width": 1024, "height": 768})
        expect(wide).to_have_count(1)
        page.keyboard.press("a")  # the answers hidden: the story and the chart are back beside the question
        expect(wide).to_have_count(0)
        page.wait_for_timeout(800)
        assert page.evaluate(ON_SCREEN, CHART_REVEALED) == []
        # the lesson the user tester played: Aisha's last stage, where the teaching points come too; the chart,
        # the answers with their feedback and the folded teaching points all fit
        aisha = next(c for c in load_cases() if c.id == "teacher-new-incontinence")
        where = next(q for q in aisha.questions if q.prompt.startswith("Where should Aisha go now"))
        page.set_viewport_size({"width": 1024, "height": 768})
        page.locator(".triage-case-picker select").select_option(label=aisha.title)
        expect(page.locator(".triage-presenter-body h2")).to_have_text(aisha.title)
        page.keyboard.press("n")
        poll_on(page, where.prompt[:30], len(aisha.questions))
        reveal(page, store, where, tmp_path, "aisha", REVEALED, offline=True)
        page.context.close()


def poll_on(page: Page, prompt_start: str, questions: int) -> None:
    """Step the presenter (Q) to the question whose prompt starts with ``prompt_start`` and open its poll (P)."""
    prompt = page.locator(".triage-presenter-question")
    for _ in range(questions):
        if prompt_start in prompt.inner_text():
            break
        page.keyboard.press("q")
        page.wait_for_timeout(300)
    expect(prompt).to_contain_text(prompt_start)
    page.keyboard.press("p")
    expect(page.locator(".triage-poll-live")).to_contain_text("0 answered, poll open")


def reveal(page: Page, store: SqliteStore, question, tmp_path, name: str,
           room: list[str] | dict[tuple[int, int], list[str]], offline: bool = False) -> None:
    """Two students answer the open poll (one right, one wrong); A (``offline``: first pressed while the
    projector's network is down, when it is not sent and the control says so, then again once the connection
    is back); what the room must see (``room``, or ``room[(width, height)]``) is on a 1024x768 and a
    1920x1080 screen, the text no smaller than the room can read."""
    poll = store.current_poll()
    assert poll is not None and poll.question_id == question.id
    wrong = next(o for o in question.options if not o.correct)
    right = next(o for o in question.options if o.correct)
    for who, option in (("Ana", right), ("Ben", wrong)):
        store.answer_poll(poll.id, Learner(name_key(who), who, "name"), [option.id])
    expect(page.locator(".triage-poll-live")).to_contain_text("2 answered")
    answers = page.locator("button.triage-show-answers")
    toolbar = page.locator(".triage-toolbar")
    online_height = toolbar.bounding_box()["height"]
    if offline:
        page.context.set_offline(True)
        expect(page.locator("html[data-triage-connection=lost]")).to_have_count(1, timeout=30_000)
    page.keyboard.press("a")
    if offline:
        expect(answers).to_have_attribute("data-triage-not-sent", "")  # dashed, with a "not sent" tag
        expect(page.locator(".triage-connection")).to_contain_text("do nothing until it is back")
        stage = page.locator(".triage-stage-label").inner_text()
        page.locator("button.triage-prev-stage").click()  # nor is a click
        expect(page.locator("button.triage-prev-stage")).to_have_attribute("data-triage-not-sent", "")
        next_stage = page.locator("button.triage-next-stage")
        if next_stage.is_disabled():  # the last stage: N does nothing online either, so nothing to mark
            page.keyboard.press("n")
            page.wait_for_timeout(200)
            expect(next_stage).not_to_have_attribute("data-triage-not-sent", "")
        # the marks do not push the toolbar onto another row over the projected case
        assert toolbar.bounding_box()["height"] == online_height, "the not-sent marks wrapped the toolbar"
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / f"revealed-{name}-offline.png"))
        page.context.set_offline(False)
        expect(page.locator("html[data-triage-connection=ok]")).to_have_count(1, timeout=30_000)
        expect(answers).not_to_have_attribute("data-triage-not-sent", "")
        page.wait_for_timeout(1500)  # anything kept from the outage would have landed by now
        expect(page.locator(".triage-answers li")).to_have_count(0)
        expect(page.locator(".triage-poll-live")).to_contain_text("2 answered, poll open")
        assert page.locator(".triage-stage-label").inner_text() == stage, "a click from the outage moved the stage"
        page.keyboard.press("a")
    marks = sum(o.correct for o in question.options)
    expect(page.locator(".triage-presenter-chart .triage-correct-mark")).to_have_count(marks)
    expect(page.locator(".triage-answers li")).to_have_count(len(question.options))
    for width, height, smallest in ((1024, 768, 17.5), (1920, 1080, 27)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(800)  # the text fitted to the new screen
        page.screenshot(path=str(tmp_path / f"revealed-{name}-{width}x{height}.png"))
        seen = room if isinstance(room, list) else room[(width, height)]
        assert page.evaluate(ON_SCREEN, seen) == [], f"{name}: answers shown, {width}x{height}"
        assert page.evaluate(TEXT_PX) >= smallest, f"{name} {width}x{height}: stage text too small for the room"
        assert page.evaluate(ANSWER_PX) >= smallest, f"{name} {width}x{height}: answers too small for the room"
