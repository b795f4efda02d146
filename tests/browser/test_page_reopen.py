"""A page whose apps failed to draw reopens itself, as a page does after a server restart.

Under load, a page that reopened after a restart was once left with only the widget manager's "Error
displaying widget: model not found": no app, no banner, and a poll answer the student had queued was not
sent until they reloaded by hand. The page script (triage/ui/static/triage-page.js) watches for that
message and reloads, within its limit of three automatic reloads in two minutes; past the limit it says
so and offers the button. The message is put in the page here as the widget manager writes it.
"""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect
from support.voila_server import serve

pytestmark = pytest.mark.browser

FAILED_DRAW = """() => {
  const out = document.createElement('div');
  out.className = 'jp-OutputArea-output';
  out.textContent = 'Error displaying widget: model not found';
  document.body.appendChild(out);
}"""


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("reopen"), preheat=["03_red_flags.ipynb", "05_case_studies.ipynb"]) as server:
        yield server


def test_a_page_that_failed_to_draw_reopens_itself_and_says_so_past_the_limit(browser, voila):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{voila.url}/voila/render/03_red_flags.ipynb?student=Ada+Lovelace", wait_until="load")
        expect(page.locator(".triage-app").first).to_be_visible()
        with page.expect_navigation():
            page.evaluate(FAILED_DRAW)
        expect(page.locator(".triage-app").first).to_be_visible()  # the reopened page drew its app
        # three automatic reloads in the last two minutes: the page stops and asks instead of looping
        recent = [int(time.time() * 1000)] * 3
        page.evaluate("(t) => sessionStorage.setItem('triage-auto-reloads', t)", json.dumps(recent))
        page.evaluate(FAILED_DRAW)
        banner = page.locator(".triage-connection")
        expect(banner).to_contain_text("could not reopen itself")
        expect(banner.get_by_role("button", name="Reload this page")).to_be_visible()
    finally:
        page.close()


def test_the_case_player_reopens_on_the_case_being_read_not_yet_answered(browser, voila):
    """A student opened another case and has not answered it yet when the page reopens itself (the same
    gone() path as after a server restart): the reopened page shows that case, not the first one again, and
    brings its question back into view (on a phone the page would otherwise start screens above it)."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{voila.url}/voila/render/05_case_studies.ipynb?student=Grace+Hopper", wait_until="load")
        story = page.locator(".triage-story h3")
        expect(page.locator(".triage-question").first).to_be_visible()
        first = story.inner_text()
        page.get_by_role("button", name="Choose another case").click()
        other = page.locator(".triage-case-picker input[type=radio]").nth(3)
        title = other.locator("xpath=..").inner_text().split(": ", 1)[1]
        other.check()
        expect(story).to_have_text(title)
        assert title != first
        prompt = page.locator(".triage-question-prompt").first
        prompt.evaluate("(el) => el.scrollIntoView({block: 'center'})")  # reading it mid-screen
        reading = prompt.inner_text()
        kept_at = prompt.evaluate("(el) => el.getBoundingClientRect().top")
        title_of_page = page.locator("#rendered_cells h1").first
        expect(title_of_page).not_to_be_in_viewport()  # the question is screens down the page
        with page.expect_navigation():
            page.evaluate(FAILED_DRAW)
        expect(page.locator(".triage-question").first).to_be_visible()
        expect(story).to_have_text(title)
        expect(prompt).to_have_text(reading)
        expect(prompt).to_be_in_viewport()
        expect(title_of_page).not_to_be_in_viewport()
        # at the height it had on the screen, not pinned to the top (the story above it stays in sight)
        page.wait_for_function("(y) => Math.abs(document.querySelector('.triage-question-prompt')"
                               ".getBoundingClientRect().top - y) < 60", arg=kept_at)
    finally:
        page.close()
