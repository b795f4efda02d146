"""Every app (00-07) on a phone, a tablet, a laptop and a wide screen, in Chromium against a real Voilà server.

Every app at every size passes the checks of tests/support/viewport_checks.py (no sideways scrolling, no cut
labels, touch targets, text size, axe, no raw ids); the instructor apps are opened with the server's
instructor key, the presenter with its answers and reasoning shown, the class view on a class with
answers. Then what a student does: the explorer's verdict and its input problems land in view, the
drill marks the pressed answer, reshuffles on retry and keeps the score across a reload, an open live
poll appears in a student app and passes the same checks, the page prints whole, links carry the
student's name. On the same loaded pages: no request leaves the server, and Tab reaches every control.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect
from support import viewport_checks as vc
from support.voila_server import Server, serve

from triage.store import open_store
from triage.store.identity import Learner, name_key

pytestmark = pytest.mark.browser
APPS = ["00_start_here.ipynb", "01_hip_and_back.ipynb", "02_who_to_see.ipynb", "03_red_flags.ipynb",
        "04_triage_explorer.ipynb", "05_case_studies.ipynb"]
INSTRUCTOR_APPS = ["06_instructor.ipynb", "07_class_view.ipynb"]
VIEWPORTS = {"phone": (390, 844), "tablet": (768, 1024), "laptop": (1280, 800), "wide": (1920, 1080)}
TIMEOUT = 90_000
STUDENT = "Ada Lovelace"

# Is the element inside the viewport, and is it what a finger at its centre would touch (not covered)?
IN_VIEW_JS = """(el) => {
  const r = el.getBoundingClientRect();
  if (r.height === 0 || r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
    return `outside the ${innerWidth} x ${innerHeight} viewport: top ${Math.round(r.top)}, `
      + `bottom ${Math.round(r.bottom)}`;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 12));
  return el.contains(hit) ? '' : `covered by ${hit ? hit.tagName + '.' + hit.className : 'nothing'}`;
}"""


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    # layout only: kernels start when a page asks (the preheated path is tested in test_browser*.py)
    with serve(tmp_path_factory.mktemp("voila-viewports"), args=["--pool_size=0"]) as server:
        seed_the_class(server)
        yield server


@pytest.fixture(scope="module")
def server(running):
    return running.url


def seed_the_class(server: Server) -> None:
    """Answers of three students (one with a long name) in the server's class store, for the class view."""
    store = open_store(str(server.log.parent / "class.db"))
    try:
        for name, right in (("Ana", True), ("Ben Okafor", False), ("Maximiliane Fitzgerald-Oyelaran", True)):
            learner = Learner(name_key(name), name, "name")
            store.record_answer(learner, "hip-oa-grandfather", "where-first", ["pcp" if right else "ortho"], right)
            store.record_answer(learner, "runner-hip-flexor-back", "where", ["pt" if not right else "ortho"], not right)
    finally:
        store.close()


def new_page(browser, viewport: str = "laptop") -> Page:
    width, height = VIEWPORTS[viewport]
    phone = viewport == "phone"
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    return page


def open_app(page: Page, server: str, app: str, student: str = STUDENT) -> None:
    """Open ``app`` as ``student`` and wait until its frame knows who is answering."""
    page.goto(f"{server}/voila/render/{app}?student={student.replace(' ', '+')}", wait_until="load")
    expect(page.locator("#rendered_cells")).to_be_visible(timeout=TIMEOUT)
    if app != "00_start_here.ipynb":
        expect(page.locator(".triage-who")).to_contain_text(f"Answering as {student}", timeout=TIMEOUT)
    if app == "05_case_studies.ipynb":  # with its list of cases unfolded, so the checks see it too
        expect(page.locator(".triage-question").first).to_be_visible()
        page.get_by_role("button", name="Choose another case").click()
        expect(page.get_by_role("radio", name=re.compile("Aisha: sciatica"))).to_be_visible()


def open_instructor_app(page: Page, running: Server, app: str) -> None:
    """Open an instructor app with the server's key; the presenter with its answers and reasoning shown."""
    page.goto(f"{running.url}/voila/render/{app}?key={running.instructor_key}", wait_until="load")
    if app == "06_instructor.ipynb":
        expect(page.locator(".triage-toolbar")).to_be_visible(timeout=TIMEOUT)
        page.locator("body").press("a")
        page.locator("body").press("r")
        expect(page.locator(".triage-answers")).to_contain_text("correct")
        expect(page.locator(".triage-reasoning")).to_contain_text("What would change it")
    else:
        expect(page.locator(".triage-class-summary")).to_contain_text("Maximiliane", timeout=TIMEOUT)
        expect(page.locator(".triage-distribution")).to_contain_text("answered")


@pytest.fixture(scope="module")
def pages(browser, running):
    """One loaded page per app for the phone (touch) and one for the desktop sizes, resized as needed."""
    cache: dict[tuple[str, bool], Page] = {}

    def get(app: str, viewport: str) -> Page:
        phone = viewport == "phone"
        if (app, phone) not in cache:
            cache[(app, phone)] = page = new_page(browser, viewport)
            page.hosts = hosts = set()  # every host (or scheme: data, blob) the page asks for
            page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or urlparse(req.url).scheme))
            if app in INSTRUCTOR_APPS:
                open_instructor_app(page, running, app)
            else:
                open_app(page, running.url, app)
        page = cache[(app, phone)]
        width, height = VIEWPORTS[viewport]
        if page.viewport_size != {"width": width, "height": height}:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(300)
        return page

    yield get
    for page in cache.values():
        page.context.close()


def in_view(locator) -> str:
    return locator.evaluate(IN_VIEW_JS)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("app", APPS + INSTRUCTOR_APPS)
def test_every_app_passes_the_layout_checks(pages, app, viewport):
    page = pages(app, viewport)
    vc.open_disclosures(page)  # the glossary and guide sections too
    problems = vc.run_all(page)
    assert problems == {}, "\n".join(f"{name}: {p}" for name, found in problems.items() for p in found)


@pytest.mark.parametrize("app", APPS + INSTRUCTOR_APPS)
def test_the_notice_is_shown_once_and_apps_say_who_is_answering(pages, app):
    page = pages(app, "laptop")
    assert page.evaluate("document.body.innerText").count("Educational use only") == 1
    expect(page.locator(".triage-footer a.triage-home" if app != "00_start_here.ipynb" else "body")).to_have_count(1)
    if app in INSTRUCTOR_APPS:  # nobody answers there: no name, no reminder to choose one
        expect(page.locator(".triage-who, .triage-message")).to_have_count(0)
        return
    if app == "00_start_here.ipynb":
        return
    change = page.get_by_role("link", name="Change name")
    assert change.get_attribute("href") == "../../?student=Ada+Lovelace"
    next_link = page.locator("a.triage-next-app")
    if app == "05_case_studies.ipynb":  # the last student app
        expect(next_link).to_have_count(0)
        return
    expect(next_link).to_have_count(1)
    assert "?student=Ada+Lovelace" in next_link.get_attribute("href")


@pytest.mark.parametrize("app", APPS + INSTRUCTOR_APPS)
def test_no_request_leaves_the_local_server(pages, app):
    page = pages(app, "laptop")  # loaded, resized through every desktop size, its disclosures opened
    page.wait_for_load_state("networkidle")
    assert "127.0.0.1" in page.hosts and page.hosts <= {"127.0.0.1", "data", "blob"}, page.hosts


CONTROLS = """[...document.querySelectorAll('#rendered_cells input:not([type=hidden]), #rendered_cells button,'
    + '#rendered_cells select, #rendered_cells textarea, #rendered_cells a[href], #rendered_cells summary')]
    .filter(e => e.offsetParent !== null && !e.disabled && !e.closest('details:not([open]) > :not(summary)'))"""


@pytest.mark.parametrize("app", APPS + INSTRUCTOR_APPS)
def test_every_control_is_reachable_with_tab(pages, app):
    page = pages(app, "laptop")
    total = page.evaluate(f"() => {CONTROLS}.length")
    page.locator("body").focus()
    reached = set()
    for _ in range(total * 2 + 10):
        page.keyboard.press("Tab")
        idx = page.evaluate(f"() => {CONTROLS}.indexOf(document.activeElement)")
        if idx >= 0:
            reached.add(idx)
        if len(reached) == total:
            break
    assert total > 0 or app == "00_start_here.ipynb"
    assert len(reached) == total, f"{len(reached)} of {total} enabled controls reachable by Tab"


def test_lesson_links_keep_the_students_name(browser, server):
    page = new_page(browser, "phone")
    open_app(page, server, "00_start_here.ipynb")
    page.get_by_role("link", name="01 Hip and back").click()
    page.wait_for_url(re.compile(r"01_hip_and_back\.ipynb\?student=Ada\+Lovelace"))
    expect(page.locator(".triage-who")).to_contain_text("Answering as Ada Lovelace", timeout=TIMEOUT)
    page.context.close()


# The explorer tests below use the explorer pages the checks above loaded (one per phone and desktop), and
# leave them as they found them.
@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_explorer_red_flag_puts_the_emergency_verdict_in_view(pages, viewport):
    page = pages("04_triage_explorer.ipynb", viewport)
    page.evaluate("window.scrollTo(0, 0)")
    verdict = page.locator(".triage-verdict .triage-urgency")
    expect(verdict).to_contain_text("Urgency: ROUTINE")
    box = page.get_by_role("checkbox", name="New loss of bowel or bladder control")
    box.check()  # scrolls the box into view first, as a student would
    try:
        expect(verdict).to_contain_text("Urgency: EMERGENCY")
        assert in_view(verdict) == ""
        expect(page.locator(".triage-verdict [role=status]")).to_contain_text("Red flag: New loss of bowel")
        assert in_view(box) == "", "ticking the box must not move it out of sight"
    finally:
        box.uncheck()
    expect(verdict).to_contain_text("Urgency: ROUTINE")


@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_explorer_bad_numbers_get_a_plain_message_in_view(pages, viewport):
    page = pages("04_triage_explorer.ipynb", viewport)
    page.evaluate("window.scrollTo(0, 0)")
    care = page.get_by_role("spinbutton", name="Conservative care already tried (weeks)")
    before = care.input_value()
    care.fill("9")
    care.press("Enter")
    try:
        _bad_numbers_are_explained_in_view(page)
    finally:
        care.fill(before)
        care.press("Enter")
    expect(page.locator(".triage-verdict .triage-urgency")).to_contain_text("Urgency: ROUTINE")


@pytest.mark.parametrize(("app", "bar", "under"), [
    ("04_triage_explorer.ipynb", ".triage-verdict", "label:has(input[type=checkbox])"),
    ("06_instructor.ipynb", ".triage-toolbar", ".triage-reasoning li"),
])
@pytest.mark.parametrize("viewport", ["phone", "laptop"])
def test_nothing_shows_through_above_a_sticky_bar(pages, app, bar, under, viewport):
    page = pages(app, viewport)
    if page.evaluate(f"getComputedStyle(document.querySelector('{bar}')).position") != "sticky":
        return  # the presenter's toolbar scrolls with the page on a phone: no band to check
    try:
        for index in (3, 8):  # content at two depths scrolled up to the bar
            page.evaluate(f"""() => {{ const bar = document.querySelector('{bar}').getBoundingClientRect();
                const all = document.querySelectorAll('{under}');
                const el = all[Math.min({index}, all.length - 1)];
                el.scrollIntoView({{block: 'start'}});
                const scroller = document.getElementById('rendered_cells');
                (scroller.scrollHeight > scroller.clientHeight ? scroller : document.scrollingElement)
                  .scrollBy(0, -bar.height / 2); }}""")
            page.wait_for_timeout(150)
            assert vc.show_through(page, bar) == [], f"{app} at {viewport}"
    finally:
        page.evaluate("window.scrollTo(0, 0)")


def _bad_numbers_are_explained_in_view(page: Page) -> None:
    words = "cannot last longer than the pain (2 weeks)"
    # next to the control ...
    expect(page.locator(".triage-problem")).to_contain_text(f"Conservative care (9 weeks) {words}")
    # ... and, wherever the control sits on the screen, in the verdict the student is looking at
    verdict = page.locator(".triage-verdict .triage-urgency")
    expect(verdict).to_contain_text(f"No result yet: conservative care (9 weeks) {words}")
    assert in_view(verdict) == ""
    assert in_view(page.locator(".triage-problem")) == ""
    assert "conservative_care_weeks" not in page.evaluate("document.body.innerText")


def answer(page: Page, choice: str = "Emergency") -> str:
    """Answer the scenario on screen; return its id."""
    scenario = page.locator(".triage-scenario[data-scenario]").get_attribute("data-scenario")
    page.get_by_role("button", name=choice, exact=True).click()
    expect(page.locator(".triage-answer.triage-chosen")).to_have_count(1)
    return scenario


def test_drill_marks_the_pressed_choice(browser, server):
    page = new_page(browser, "phone")
    open_app(page, server, "03_red_flags.ipynb", student=f"Marks {uuid.uuid4().hex[:6]}")
    page.get_by_role("button", name="Routine", exact=True).click()  # the first scenario is an emergency
    pressed = page.get_by_role("button", name=re.compile("Routine: your answer"))
    expect(pressed).to_have_class(re.compile("triage-wrong"))
    expect(page.get_by_role("button", name=re.compile("Emergency: the right answer"))).to_have_class(
        re.compile("triage-right"))
    expect(page.locator(".triage-feedback")).to_contain_text("Not quite: this one is Emergency, not Routine.")
    assert in_view(page.locator(".triage-feedback")) == ""
    page.context.close()


def test_drill_retry_reshuffles_and_reviews_the_misses(browser, server):
    page = new_page(browser, "laptop")
    open_app(page, server, "03_red_flags.ipynb", student=f"Retry {uuid.uuid4().hex[:6]}")

    def round_order() -> list[str]:
        order = []
        while True:
            order.append(answer(page))
            nxt = page.locator(".triage-next")
            last = "See your results" in nxt.inner_text()
            nxt.click()
            if last:
                return order
            expect(page.locator(".triage-answer.triage-chosen")).to_have_count(0)

    first = round_order()
    review = page.locator(".triage-review")
    expect(review).to_contain_text("Round complete")
    expect(review).to_contain_text("To look at again")  # "Emergency" every time misses the others
    page.get_by_role("button", name="Try again in a new order").click()
    # the question view comes back first with its last state (the final scenario, answered); the new
    # round's first scenario is on screen once the review is gone and no answer is marked
    expect(review).to_be_hidden()
    expect(page.locator(".triage-answer.triage-chosen")).to_have_count(0)
    second = round_order()
    assert sorted(first) == sorted(second) and first != second
    page.context.close()


def test_drill_score_survives_a_reload(browser, server):
    """Needs the class store to keep records between kernels (the SQLite backend); the in-memory
    placeholder forgets them when the page's kernel ends."""
    page = new_page(browser, "phone")
    student = f"Reload {uuid.uuid4().hex[:6]}"
    open_app(page, server, "03_red_flags.ipynb", student=student)
    answer(page, "Emergency")  # right: the first scenario is an emergency
    page.locator(".triage-next").click()
    answer(page, "Emergency")  # wrong: the second is routine
    expect(page.locator(".triage-score")).to_contain_text("Score: 1 of 2")
    page.reload(wait_until="load")
    expect(page.locator(".triage-who")).to_contain_text(f"Answering as {student}", timeout=TIMEOUT)
    expect(page.locator(".triage-score")).to_contain_text("Score: 1 of 2")
    page.context.close()


def test_the_pathway_diagram_is_readable_on_a_phone(pages):
    page = pages("02_who_to_see.ipynb", "phone")
    page.get_by_role("combobox", name="Example").select_option(label="A locked, stiff lower back")
    page.get_by_role("button", name="Show the route").click()
    expect(page.locator(".triage-pathway g.node.on")).to_have_count(3)
    outside = page.evaluate("""() => [...document.querySelectorAll('.triage-pathway g.node')].filter(g => {
        const r = g.querySelector('rect').getBoundingClientRect(), t = g.querySelector('text').getBBox();
        const m = g.querySelector('text').getScreenCTM();
        return t.width * m.a > r.width - 4; }).map(g => g.dataset.node)""")
    assert outside == []
    assert vc.small_text(page) == []


def test_the_body_map_marks_the_chosen_site(pages):
    page = pages("01_hip_and_back.ipynb", "phone")
    page.get_by_role("button", name="Buttock").click()
    figure = page.locator(".triage-body-map svg")
    expect(figure.locator("title")).to_have_text("Where it hurts: Buttock")
    expect(figure.locator("g.hb-selected")).to_have_attribute("data-site", "buttock")
    expect(page.locator(".triage-structures")).to_contain_text("sacroiliac")


def test_printing_an_app_prints_the_whole_page(browser, server, tmp_path):
    page = new_page(browser, "laptop")
    open_app(page, server, "04_triage_explorer.ipynb")
    pdf = tmp_path / "explorer.pdf"
    page.pdf(path=str(pdf), format="A4")
    page.context.close()
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages_info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", pages_info).group(1))
    assert count >= 3, f"only {count} printed page(s)"
    assert "Triage explorer: what decides the answer?" in text  # the top of the page
    assert "Urgency: ROUTINE" in text and "What would change it" in text  # the app
    assert "Check yourself" in text and "people's stories" in text.replace("\u2019", "'")  # the end



@pytest.mark.parametrize("app", ["01_hip_and_back.ipynb", "04_triage_explorer.ipynb"])
def test_an_open_poll_reaches_every_student_app_and_passes_the_checks_on_a_phone(browser, running, app):
    """The class panel sits in every student app's frame: the instructor opens a poll, a student on a phone
    sees it in an app that is not the case player, answers it, and the page still passes every check."""
    teacher = new_page(browser, "laptop")
    student = new_page(browser, "phone")
    try:
        open_instructor_app(teacher, running, "06_instructor.ipynb")
        open_app(student, running.url, app, student=f"Poll {uuid.uuid4().hex[:6]}")
        teacher.locator("body").press("p")
        expect(teacher.locator(".triage-poll-live")).to_contain_text("poll open")
        panel = student.locator(".triage-class-panel .triage-poll-panel")
        expect(panel).to_have_count(1)
        expect(panel.get_by_role("radio").first).to_be_visible(timeout=15_000)
        panel.get_by_role("radio").first.check()
        panel.get_by_role("button", name="Send my answer").click()
        expect(panel.locator(".triage-poll-status")).to_contain_text("Sent:")
        expect(teacher.locator(".triage-poll-live")).to_contain_text("1 answered")
        vc.open_disclosures(student)
        problems = vc.run_all(student)
        assert problems == {}, "\n".join(f"{name}: {p}" for name, found in problems.items() for p in found)
    finally:
        if teacher.locator(".triage-poll-toggle").inner_text().startswith("Close poll"):
            teacher.locator("body").press("p")  # students' pages of the other tests see no poll
            expect(teacher.locator(".triage-poll-live")).to_contain_text("poll closed")
        teacher.context.close()
        student.context.close()
