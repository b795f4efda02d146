"""A scripted class rehearsal: one lesson with a projector, students on a phone and a laptop, more students
at the protocol level, and a server that dies and comes back in the middle of a poll.

The real server (``python -m triage serve``, as ``make app`` runs it) with its class store and the
instructor key it keeps in the class's folder. In Chromium: the instructor's presenter at 1024x768, a
student on a 390x844 touch phone in the case player, a student on a laptop in the drill. At the
protocol level (``wire_student.py``): three more students in the explorer. The lesson is a list of
steps (:data:`STEPS`) run in order on one :class:`Room`; a step is a function of the room, so a check
can be added where it belongs in the lesson (e.g. the class's results in the CSV after the reveal).

What it checks: the key leaves the address bar; the projector opens on the start screen under the
educational-use notice; the presenter's keys work after a choice in the case drop-down, clicker keys
included, and bring the projected area back into view; a poll opened while the phone is scrolled to
the bottom is in view on the phone within 3 s (a bar that takes the student to it) and marks the tab's
title; the case player gives no feedback on the polled question; answers reach the chart; a reload shows
the vote already sent; a laptop that loses its network says so, keeps the answer it sends meanwhile and reconnects
without a reload; with the server killed, every page says so within 5 s and a choice sent meanwhile is never
shown as sent; the restarted server (same key, kept in the class's folder) gets every page back by itself,
the unsent answer included; the reveal reaches everyone; the presenter counts who has not answered; a
reload of the projector mid-poll (1920x1080, 1024x768) and the restarted server bring back the poll with
its chart on the screen, never the start screen; the banner never prints the key; the instructor's CSV
holds every answer of the lesson; when the projector's network drops, the connection notice never covers
the presenter's sticky controls; screenshots of the phone during the poll and of the
presenter at 1024x768 and 1920x1080 (in ``$TRIAGE_REHEARSAL_SHOTS`` or pytest's temporary folder).
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from support.browser_support import axe_source
from support.voila_server import Server, serve
from support.wire_student import WireStudent

from triage.store import open_store

pytestmark = pytest.mark.browser
RENDER_MS = 90_000
POLL_IN_VIEW_S = 3.0  # the bound: a poll is in view on every student's screen within 3 s
NOTICE_S = 5.0  # ... and a page says within 5 s that the server cannot be reached
CASES, DRILL, EXPLORER, PRESENTER = ("05_case_studies.ipynb", "03_red_flags.ipynb", "04_triage_explorer.ipynb",
                                     "06_instructor.ipynb")
IN_VIEW = """(sel) => { const e = document.querySelector(sel); if (!e || e.hidden) return false;
  const r = e.getBoundingClientRect(); if (r.width === 0 || r.height === 0) return false;
  return r.top >= 0 && r.bottom <= innerHeight + 1 && r.left >= 0 && r.right <= innerWidth + 1; }"""
TOP = """(sel) => { const e = document.querySelector(sel); return e ? e.getBoundingClientRect().top : null; }"""
# What the room must see on the projector, all inside the screen: the educational-use notice, the controls, the
# case's title, the question, and during a poll the chart with every option and who has not answered yet; the
# case's title is not under the controls (a sticky bar).
PROJECTED = """(poll) => {
  const sel = ['.triage-presenter .triage-notice', '.triage-toolbar', '.triage-presenter-body h2',
               '.triage-presenter-question', ...(poll ? ['.triage-poll-caption', '.triage-presenter-chart li',
               '.triage-poll-note'] : [])];
  const off = [];
  for (const s of sel) {
    const all = [...document.querySelectorAll(s)];
    if (!all.length) off.push(s + ': missing');
    for (const e of all) {
      const r = e.getBoundingClientRect();
      if (r.height === 0 || r.top < -1 || r.bottom > innerHeight + 1)
        off.push(`${s}: ${Math.round(r.top)}..${Math.round(r.bottom)}`);
    }
  }
  const bar = document.querySelector('.triage-toolbar'), title = document.querySelector('.triage-presenter-body h2');
  if (bar && title && title.getBoundingClientRect().top < bar.getBoundingClientRect().bottom - 1)
    off.push('the case title is under the controls');
  const tracks = [...document.querySelectorAll('.triage-presenter-chart .triage-bar-track')]
    .map(e => Math.round(e.getBoundingClientRect().width));
  if (tracks.length && Math.max(...tracks) - Math.min(...tracks) > 1) off.push(`bars of unequal tracks: ${tracks}`);
  const join = document.querySelector('.triage-join');
  if (join && join.textContent.trim()) off.push('the start screen (how to join) is over the lesson');
  return off;
}"""


# The presenter's controls that cannot be reached (something else is on top of them), or why none can be.
CONTROLS_COVERED = """() => {
  const bar = document.querySelector('.triage-toolbar');
  const r = bar && bar.getBoundingClientRect();
  if (!r || r.top < 0 || r.bottom > innerHeight) return ['the controls are not in view'];
  return [...bar.querySelectorAll('button')].filter(b => {
    const s = b.getBoundingClientRect();
    if (!s.width || !s.height) return false;  // not shown at this point of the lesson
    const hit = document.elementFromPoint(s.left + s.width / 2, s.top + s.height / 2);
    return !(hit && b.contains(hit));
  }).map(b => b.textContent.trim());
}"""


# The poll's title, question and controls on a student's page that something else covers (the connection notice).
POLL_COVERED = """() => {
  const panel = document.querySelector('.triage-poll-panel');
  if (!panel) return ['no poll panel'];
  const notice = document.querySelector('.triage-connection');
  const below = notice && !notice.hidden ? notice.getBoundingClientRect().bottom : 0;
  const parts = [...panel.querySelectorAll('.triage-poll-title, .triage-poll-prompt, input, button')];
  return parts.filter(e => {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || r.top >= innerHeight) return false;  // not shown, or further down the page
    const hit = document.elementFromPoint(r.left + Math.min(8, r.width / 2), r.top + r.height / 2);
    return r.top < below - 1 || !(hit && (e === hit || e.contains(hit) || hit.contains(e)));
  }).map(e => (e.className || e.tagName) + ': ' + (e.textContent || e.value || '').trim().slice(0, 40));
}"""


@dataclass
class Room:
    """Everyone in the lesson, and what the steps found out."""

    browser: Browser
    tmp: Path
    shots: Path
    stack: ExitStack
    server: Server | None = None
    port: int = 0
    key: str = ""
    teacher: Page | None = None
    phone: Page | None = None
    laptop: Page | None = None
    wire: list[WireStudent] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def start_server(self) -> None:
        env = {"TRIAGE_INSTRUCTOR_KEY": None}  # the key the launcher keeps in the class's folder
        self.server = self.stack.enter_context(serve(self.tmp, env=env, port=self.port or None,
                                                             preheat=[CASES, DRILL, EXPLORER, PRESENTER]))
        self.port = int(self.server.url.rsplit(":", 1)[1])

    def page(self, width: int, height: int, touch: bool = False) -> Page:
        context = self.browser.new_context(viewport={"width": width, "height": height}, has_touch=touch,
                                           is_mobile=touch)
        page = context.new_page()
        page.set_default_timeout(RENDER_MS)
        return page

    def students(self) -> list[Page]:
        return [p for p in (self.phone, self.laptop) if p is not None]

    def everyone(self) -> list[Page]:
        return [p for p in (self.teacher, self.phone, self.laptop) if p is not None]

    def store(self):
        return open_store(str(self.tmp / "class.db"))


def stage(room: Room) -> str:
    return room.teacher.locator(".triage-stage-label").inner_text()


def poll_panel(page: Page):
    return page.locator(".triage-poll-panel")


def wait_in_view(page: Page, selector: str, limit: float) -> float:
    """Seconds until ``selector`` is inside the page's viewport (fails after ``limit`` s)."""
    start = time.monotonic()
    page.wait_for_function(IN_VIEW, arg=selector, timeout=limit * 1000, polling="raf")
    return time.monotonic() - start


# -- the lesson ------------------------------------------------------------------------------------

def the_room_opens(room: Room) -> None:
    room.start_server()
    room.key = (room.tmp / "instructor-key").read_text().strip()
    room.teacher = room.page(1024, 768)
    room.teacher.goto(f"{room.server.url}/voila/render/{PRESENTER}?key={room.key}", wait_until="load")
    expect(room.teacher.locator(".triage-next-stage")).to_be_visible(timeout=RENDER_MS)
    assert "key=" not in room.teacher.url, "the instructor key is still in the address bar"
    assert room.teacher.title().startswith("Presenter")
    # the projector opens on the start screen, under the educational-use notice
    expect(room.teacher.locator(".triage-join")).to_contain_text("Joining from phones")
    room.teacher.wait_for_function(IN_VIEW, arg=".triage-presenter .triage-notice", timeout=10_000)
    room.phone = room.page(390, 844, touch=True)
    room.phone.goto(f"{room.server.url}/voila/render/{CASES}?student=Pat%20Phone", wait_until="load")
    expect(room.phone.locator(".triage-question").first).to_be_visible(timeout=RENDER_MS)
    assert room.phone.title() == "Case studies · Back & hip pain triage"
    room.laptop = room.page(1280, 800)
    room.laptop.goto(f"{room.server.url}/voila/render/{DRILL}?student=Lee%20Laptop", wait_until="load")
    expect(room.laptop.locator(".triage-scenario-box")).to_be_visible(timeout=RENDER_MS)
    room.wire = [WireStudent(room.server.url, EXPLORER, f"Wire {i}").open() for i in range(3)]


def the_presenter_obeys_after_a_drop_down_choice(room: Room) -> None:
    t = room.teacher
    picker = t.locator(".triage-case-picker select")
    first = picker.input_value()
    picker.scroll_into_view_if_needed()  # the case list is below the projected area: scrolled to with the mouse
    picker.select_option(index=2)  # with the mouse: the focus would stay in the drop-down
    expect(t.locator(".triage-presenter-body")).not_to_contain_text("Aisha")
    chosen = picker.input_value()
    t.keyboard.press("n")
    expect(t.locator(".triage-stage-label")).to_contain_text("Stage 2 of")
    # the step brings the projected area back into view (the room saw the case list), the case's title clear of
    # the controls, and no outline drawn round the whole presenter that took the focus
    t.wait_for_function(f"() => ({PROJECTED})(false).length === 0", timeout=10_000)
    focus = t.evaluate("() => { const a = document.activeElement; "
                       "return [a.className, getComputedStyle(a).outlineStyle]; }")
    assert "triage-presenter" not in focus[0] or focus[1] == "none", focus
    t.keyboard.press("PageUp")  # a clicker's "back"
    expect(t.locator(".triage-stage-label")).to_contain_text("Stage 1 of")
    t.keyboard.press("PageDown")
    expect(t.locator(".triage-stage-label")).to_contain_text("Stage 2 of")
    assert picker.input_value() == chosen, "a key changed the case instead of the stage"
    picker.select_option(first)  # back to the case the students have open, again with the mouse
    expect(t.locator(".triage-stage-label")).to_contain_text("Stage 1 of")
    t.keyboard.press("o")
    expect(t.locator(".triage-answers")).to_contain_text("A.")
    assert picker.input_value() == first


def a_poll_reaches_every_screen(room: Room) -> None:
    phone = room.phone
    phone.evaluate("() => document.querySelector('.triage-nav').scrollIntoView({block: 'end'})")
    assert not phone.evaluate(IN_VIEW, ".triage-poll-panel"), "the phone should start scrolled away"
    room.teacher.keyboard.press("p")
    seconds = wait_in_view(phone, ".triage-poll-beacon", POLL_IN_VIEW_S)
    room.timings["poll in view on the phone (s)"] = round(seconds, 2)
    expect(room.teacher.locator(".triage-poll-live")).to_contain_text("0 answered, poll open")
    assert phone.title().startswith("Poll open")
    wait_in_view(room.laptop, ".triage-poll-beacon", POLL_IN_VIEW_S)
    for student in room.wire:
        student.wait_for(lambda s=student: s.poll_state() == "open", "the poll", timeout=POLL_IN_VIEW_S)
    phone.screenshot(path=str(room.shots / "phone-poll-opened.png"))
    assert axe_serious(phone, ".triage-poll-beacon") == []
    # the case player gives no feedback on the question the class is being polled on
    question = phone.locator(".triage-question").first
    expect(question.locator(".triage-check")).to_be_disabled()
    expect(question.locator(".triage-feedback")).to_contain_text("polling the class")


def students_answer(room: Room) -> None:
    phone = room.phone
    phone.locator(".triage-poll-beacon-button").tap()
    wait_in_view(phone, ".triage-poll-body .triage-poll-send", 5)
    expect(phone.locator(".triage-poll-beacon")).to_be_hidden()
    phone.screenshot(path=str(room.shots / "phone-poll-panel.png"))
    panel = poll_panel(phone)
    panel.get_by_role("radio").nth(1).tap()
    panel.get_by_role("button", name="Send my answer").tap()
    expect(panel.locator(".triage-poll-status")).to_contain_text("Sent: B.")
    assert not phone.title().startswith("Poll open")
    laptop = poll_panel(room.laptop)
    room.laptop.locator(".triage-poll-beacon-button").click()
    laptop.get_by_role("radio").nth(0).check()
    laptop.get_by_role("button", name="Send my answer").click()
    expect(laptop.locator(".triage-poll-status")).to_contain_text("Sent: A.")
    for i, student in enumerate(room.wire[:2]):
        student.answer(i % 2)
        student.wait_for(lambda s=student: "Sent:" in s.status(), "the kernel's confirmation")
    expect(room.teacher.locator(".triage-poll-live")).to_contain_text("4 answered")


def the_presenter_counts_who_has_not_answered(room: Room) -> None:
    # five students have an app open (phone, laptop, three at the protocol level); four have answered
    expect(room.teacher.locator(".triage-poll-state")).to_contain_text(
        "Not answered yet: 1 of 5 students with an app open")


def the_projector_is_reloaded_mid_poll(room: Room) -> None:
    """At 1920x1080 and back at 1024x768, a reload during the poll comes back to the poll and its chart, all
    on the screen: the start screen stays away once the lesson has started."""
    t = room.teacher
    for width, height in ((1920, 1080), (1024, 768)):
        t.set_viewport_size({"width": width, "height": height})
        t.reload(wait_until="load")
        expect(t.locator(".triage-poll-live")).to_contain_text("4 answered, poll open", timeout=RENDER_MS)
        t.wait_for_timeout(800)  # the text fitted to the screen
        t.screenshot(path=str(room.shots / f"presenter-reloaded-mid-poll-{width}x{height}.png"))
        assert t.evaluate(PROJECTED, True) == [], f"{width}x{height}"


def a_reload_shows_the_vote_already_sent(room: Room) -> None:
    room.phone.reload(wait_until="load")
    panel = poll_panel(room.phone)
    expect(panel.locator(".triage-poll-status")).to_contain_text("Sent: B.", timeout=RENDER_MS)
    expect(panel.get_by_role("radio").nth(1)).to_be_checked()
    expect(room.phone.locator(".triage-poll-beacon")).to_be_hidden()


def the_laptops_wifi_drops_for_a_moment(room: Room) -> None:
    laptop = room.laptop
    laptop.evaluate("window.__same_page = true")
    laptop.context.set_offline(True)
    expect(laptop.locator(".triage-connection")).to_be_visible(timeout=NOTICE_S * 1000)
    panel = poll_panel(laptop)
    panel.get_by_role("radio").nth(1).check()  # changes their mind while offline
    panel.get_by_role("button", name="Send my answer").click()
    expect(panel.locator(".triage-poll-pending")).to_contain_text("Not sent")
    assert not panel.locator(".triage-poll-sent").is_visible()
    laptop.context.set_offline(False)
    expect(panel.locator(".triage-poll-status")).to_contain_text("Sent: B.", timeout=30_000)
    expect(laptop.locator(".triage-connection")).to_be_hidden(timeout=10_000)
    assert laptop.evaluate("window.__same_page === true"), "the page should reconnect, not reload"
    expect(room.teacher.locator(".triage-poll-live")).to_contain_text("4 answered")


def the_server_dies_mid_poll(room: Room) -> None:
    room.server.proc.kill()
    start = time.monotonic()
    for page in room.everyone():
        expect(page.locator(".triage-connection")).to_be_visible(timeout=NOTICE_S * 1000)
    room.timings["connection notice on all three pages (s)"] = round(time.monotonic() - start, 2)
    notice = room.phone.locator(".triage-connection")
    expect(notice).to_contain_text("No connection to the class server")
    # the phone student changes their mind and sends while the server is away: never "Sent" for it
    panel = poll_panel(room.phone)
    if room.phone.locator(".triage-poll-beacon").is_visible():
        room.phone.locator(".triage-poll-beacon-button").tap()
    # on the 390x844 phone the notice is one short line that covers neither the poll's question nor its
    # controls; its whole text stays in the alert a screen reader announces, and the rest shows on demand
    # the poll at the top of the screen, where "Answer now" puts it (the finding: the notice hid its question)
    panel.evaluate("p => (p.querySelector('.triage-poll-body') || p).scrollIntoView({block: 'start'})")
    room.phone.wait_for_timeout(500)  # the page moved down under the notice
    assert notice.bounding_box()["height"] <= 72, notice.bounding_box()
    assert 0 < panel.locator(".triage-poll-prompt").bounding_box()["y"] < 200  # on screen, near its top
    assert room.phone.evaluate(POLL_COVERED) == []
    assert notice.get_attribute("role") == "alert"
    assert "the page reconnects by itself" in notice.text_content()
    details = notice.get_by_role("button", name="Details")
    details.tap()
    expect(notice.get_by_role("button", name="Less")).to_have_attribute("aria-expanded", "true")
    expect(notice.get_by_text("the page reconnects by itself")).to_be_visible()
    expect(notice.get_by_role("button", name="Try again now")).to_be_visible()
    room.phone.wait_for_timeout(500)
    room.phone.screenshot(path=str(room.shots / "phone-server-away-details.png"))
    assert room.phone.evaluate(POLL_COVERED) == []  # the open notice moved the page down further
    notice.get_by_role("button", name="Less").tap()
    panel.get_by_role("radio").nth(0).tap()
    panel.get_by_role("button", name="Send my answer").tap()
    expect(panel.locator(".triage-poll-pending")).to_contain_text("Not sent")
    room.phone.wait_for_timeout(1000)
    assert "Sent: A" not in panel.inner_text()
    assert not panel.locator(".triage-poll-sent").is_visible()
    room.phone.screenshot(path=str(room.shots / "phone-server-away.png"))
    # ... and picks an option in the case's first question (not checked: the class is being polled on it)
    room.phone.locator(".triage-question").first.get_by_role("radio").nth(1).tap()
    for student in room.wire:
        student.closed.wait(10)
        assert student.closed.is_set()
    room.server.proc.wait(30)


def the_server_comes_back(room: Room) -> None:
    room.start_server()  # the same port, the same class folder
    assert (room.tmp / "instructor-key").read_text().strip() == room.key
    banner = wait_for_banner(room.server)  # says where the key is kept, without printing it (it may be projected)
    assert "Instructor key:     not printed here" in banner and room.key not in banner
    assert str(room.tmp / "instructor-key") in banner.replace("\n                      ", " ")
    # every page comes back by itself (each needs a new kernel from a server that has just started, so
    # the wait is a page's, not a click's); the phone's unsent answer is sent by the reloaded page
    panel = poll_panel(room.phone)
    expect(panel.locator(".triage-poll-status")).to_contain_text("Sent: A.", timeout=RENDER_MS)
    expect(room.phone.locator(".triage-question").first.get_by_role("radio").nth(1)).to_be_checked()
    expect(room.laptop.locator(".triage-poll-panel .triage-poll-status")).to_contain_text("Sent: B.",
                                                                                          timeout=RENDER_MS)
    t = room.teacher
    expect(t.locator(".triage-next-stage")).to_be_visible(timeout=RENDER_MS)  # opened with the key the tab kept
    assert "key=" not in t.url
    expect(t.locator(".triage-poll-live")).to_contain_text("4 answered, poll open", timeout=RENDER_MS)
    for page in room.everyone():
        expect(page.locator(".triage-connection")).to_be_hidden()
    t.wait_for_timeout(800)
    t.screenshot(path=str(room.shots / "presenter-after-restart.png"))
    assert t.evaluate(PROJECTED, True) == [], "the presenter after the restart"
    # protocol-level students open their page again; one hands back the choice it made while away
    for student in room.wire:
        student.open()
        student.wait_for(lambda s=student: s.poll_state() in ("open", "sent"), "the open poll")
    assert [s.poll_state() for s in room.wire] == ["sent", "sent", "open"]
    room.wire[2].hand_back(list(room.wire[2].notice()["options"][:1]))
    room.wire[2].wait_for(lambda: "Sent:" in room.wire[2].status(), "the handed-back answer")
    expect(t.locator(".triage-poll-live")).to_contain_text("5 answered")
    store = room.store()
    poll = store.current_poll()
    assert poll is not None and store.poll_tally(poll.id).answered == 5
    store.close()


def the_reveal_reaches_everyone(room: Room) -> None:
    room.teacher.keyboard.press("a")
    chart = room.teacher.locator(".triage-poll-live")
    expect(chart.locator(".triage-bar-correct")).to_have_count(1)
    for page in room.students():
        expect(poll_panel(page).locator(".triage-poll-status")).to_contain_text("The answer:")
    for student in room.wire:
        student.wait_for(lambda s=student: s.poll_state() == "closed", "the closed poll")
    expect(room.phone.locator(".triage-question").first.locator(".triage-check")).to_be_enabled()


def the_results_hold_every_answer_of_the_lesson(room: Room) -> None:
    """After the reveal the phone checks a case question and the laptop answers the drill; then the
    instructor's CSV (``class report --csv``, the class view's "All answers") holds every answer of the
    lesson with the option each student chose: the poll's five final votes, the case answer, the drill."""
    phone = room.phone
    question = phone.locator(".triage-question").first
    question.get_by_role("radio").nth(0).tap()
    chosen_text = question.get_by_role("radio").nth(0).evaluate("e => e.labels[0].innerText").strip()
    question.locator(".triage-check").tap()
    expect(question.locator(".triage-feedback")).to_contain_text(re.compile("Correct|Not quite"))
    room.laptop.locator(".triage-answer-emergency").click()
    expect(room.laptop.locator(".triage-feedback")).to_contain_text(re.compile("Right|Not quite"))
    out = subprocess.run([sys.executable, "-m", "triage", "class", "report", "--csv", "--db",
                          str(room.tmp / "class.db")], capture_output=True, text=True, timeout=120, check=True)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    # the final vote of each student, as the lesson's steps gave them: A = the first option, B the second
    votes = {(r["student"], r["chosen"][:2]) for r in rows if r["activity"] == "poll"}
    assert votes == {("Pat Phone", "A."), ("Lee Laptop", "B."), ("Wire 0", "A."), ("Wire 1", "B."),
                     ("Wire 2", "A.")}, rows
    assert {r["poll"] for r in rows if r["activity"] == "poll"} == {"1"}
    [case] = [r for r in rows if r["activity"] == "case"]
    assert case["student"] == "Pat Phone" and case["chosen"].startswith("A. ") and chosen_text in case["chosen"]
    [drill] = [r for r in rows if r["activity"] == "drill"]
    assert (drill["student"], drill["chosen"]) == ("Lee Laptop", "A. Emergency")
    assert len(rows) == 7 and all(r["correct"] in ("yes", "no") for r in rows)


def the_projector_shows_the_room_what_it_needs(room: Room) -> None:
    """After the reveal, the answers hidden again (A): the revealed chart with every option in full, the story
    and the question fill the projector at both sizes, in type for the back row; the case list, the key help
    and the course's links stay below the projected area."""
    t = room.teacher
    t.keyboard.press("a")
    expect(t.locator(".triage-presenter-chart")).to_contain_text("correct")
    for width, height, smallest in ((1024, 768, 17.5), (1920, 1080, 27)):
        t.set_viewport_size({"width": width, "height": height})
        t.wait_for_timeout(800)
        t.screenshot(path=str(room.shots / f"presenter-{width}x{height}.png"))
        size = float(t.evaluate("getComputedStyle(document.querySelector('.triage-presenter-body p')).fontSize"
                                ".replace('px', '')"))
        assert size >= smallest, f"{width}x{height}: stage text {size} px"
        assert t.evaluate(PROJECTED, True) == [], f"{width}x{height}"
        for below in (".triage-keys", ".triage-case-picker", ".triage-nav"):
            assert t.evaluate(TOP, below) >= height, f"{width}x{height}: {below} on the projected area"


def the_projectors_network_drops_with_the_reasoning_shown(room: Room) -> None:
    """At 1024x768 with the reasoning shown the lesson is taller than the screen and the controls stick to its
    top; when the network drops, the connection notice takes the top and the controls stop below it."""
    t = room.teacher
    t.set_viewport_size({"width": 1024, "height": 768})
    t.keyboard.press("r")
    expect(t.locator(".triage-reasoning")).to_contain_text("What would change it")
    t.locator(".triage-reasoning h4").last.scroll_into_view_if_needed()
    t.context.set_offline(True)
    expect(t.locator(".triage-connection")).to_be_visible(timeout=NOTICE_S * 1000)
    t.wait_for_timeout(300)  # the notice's height reaches the page's layout
    t.screenshot(path=str(room.shots / "presenter-connection-lost.png"))
    assert t.evaluate(CONTROLS_COVERED) == [], "the connection notice covers the presenter's controls"
    t.context.set_offline(False)
    expect(t.locator(".triage-connection")).to_be_hidden(timeout=30_000)
    assert t.evaluate(CONTROLS_COVERED) == [], "the controls after the notice went"


STEPS: list[Callable[[Room], None]] = [
    the_room_opens,
    the_presenter_obeys_after_a_drop_down_choice,
    a_poll_reaches_every_screen,
    students_answer,
    the_presenter_counts_who_has_not_answered,
    the_projector_is_reloaded_mid_poll,
    a_reload_shows_the_vote_already_sent,
    the_laptops_wifi_drops_for_a_moment,
    the_server_dies_mid_poll,
    the_server_comes_back,
    the_reveal_reaches_everyone,
    the_results_hold_every_answer_of_the_lesson,
    the_projector_shows_the_room_what_it_needs,
    the_projectors_network_drops_with_the_reasoning_shown,
]


def wait_for_banner(server: Server, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while "Stop with Ctrl+C" not in (text := server.log_text().rsplit("the apps are being served", 1)[-1]):
        if time.monotonic() > deadline:
            raise AssertionError("no start-up banner")
        time.sleep(0.3)
    return text


def axe_serious(page: Page, include: str) -> list[str]:
    page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "async (sel) => await axe.run({include: [sel]}, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', "
        "'wcag21aa']}})", include)
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.fixture
def room(browser, tmp_path) -> Iterator[Room]:
    shots = Path(os.environ.get("TRIAGE_REHEARSAL_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        r = Room(browser, tmp_path, shots, stack)
        try:
            yield r
        finally:
            for student in r.wire:
                student.close()
            for page in r.everyone():
                page.context.close()


def test_a_class_rehearsal_with_a_server_restart_in_the_middle_of_a_poll(room, record_property):
    for step in STEPS:
        try:
            step(room)
        except Exception as exc:
            log = room.server.log if room.server else "no server"
            raise AssertionError(f"step {step.__name__!r} failed ({exc}); server log: {log}") from exc
    for name, value in room.timings.items():
        record_property(name, value)
        print(f"{name}: {value}")
