"""The browser checks themselves: each one finds the fault it is written for, and passes a clean page.

Pages are built in Chromium with ``set_content`` (no server), so these run fast and prove the checks
used by tests/browser/test_browser_viewports.py can fail.
"""

from __future__ import annotations

import pytest
from support import viewport_checks as vc

pytestmark = pytest.mark.browser

LESSON = '<div class="jp-RenderedMarkdown"><p style="font-size:14px">Lesson text.</p></div>'


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    p = context.new_page()
    yield p
    context.close()


def show(page, body: str) -> None:
    page.set_content(f'<html lang="en"><head><title>t</title></head><body style="margin:0;font-size:14px">'
                     f'<main>{LESSON}<div class="triage-app">{body}</div></main></body></html>')


def test_a_clean_page_passes_every_check(page):
    show(page, '<p>Fine text.</p>'
               '<button class="triage-primary" style="min-height:44px;min-width:44px;font:inherit">Go on</button>'
               '<label><input type="checkbox" style="width:24px;height:24px"> Fever</label>')
    assert vc.run_all(page) == {}


def test_sideways_scrolling_is_found(page):
    show(page, '<div style="width:600px">A wide box</div>')
    assert any("past the 390 px viewport" in p for p in vc.page_overflow(page))


def test_a_wide_table_may_scroll_inside_itself(page):
    show(page, '<table style="display:block;max-width:100%;overflow-x:auto"><tr><td style="min-width:800px">'
               "wide</td></tr></table>")
    assert vc.page_overflow(page) == []


def test_a_cut_label_is_found(page):
    show(page, '<button style="width:60px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis">'
               "Orthopedic surgeon vs physiatrist</button>")
    problems = vc.clipped_text(page)
    assert problems and "Orthopedic surgeon" in problems[0]


def test_a_cut_drop_down_choice_is_found(page):
    show(page, '<select style="width:80px"><option>(no case: the whole pathway)</option></select>')
    assert any("is cut" in p for p in vc.clipped_text(page))


def test_a_word_split_by_a_narrow_box_is_found(page):
    show(page, '<dl><dt style="float:left;width:40px;overflow-wrap:break-word">Chiropractor</dt><dd>Hands</dd></dl>')
    assert any('"Chiropractor" is wider' in p for p in vc.broken_words(page))


def test_small_crowded_targets_and_small_primary_actions_are_found(page):
    show(page, '<button style="width:16px;height:16px;padding:0">a</button>'
               '<button style="width:16px;height:16px;padding:0">b</button>'
               '<button class="triage-primary" style="height:30px">Next scenario</button>')
    problems = vc.small_targets(page)
    assert sum("closer than 12 px" in p for p in problems) == 2
    assert any("primary" in p and "Next scenario" in p for p in problems)


def test_links_inside_a_sentence_are_exempt(page):
    show(page, '<p>Read the <a href="#x">guide</a> first, then the <a href="#y">rules</a>.</p>')
    assert vc.small_targets(page) == []


def test_app_text_smaller_than_the_lesson_and_tiny_diagram_text_are_found(page):
    show(page, '<p style="font-size:11px">Small print</p><div style="width:100px">'
               '<svg viewBox="0 0 700 100" width="100"><text x="0" y="50" font-size="14">five px</text></svg></div>')
    problems = vc.small_text(page)
    assert any("Small print" in p for p in problems)
    assert any("five px" in p for p in problems)


def test_axe_problems_are_reported(page):
    show(page, '<img src="data:," ><button></button>')
    assert any(p.startswith(("image-alt", "button-name")) for p in vc.axe_problems(page))


def test_faint_text_below_the_first_screen_of_a_scrolling_panel_is_found(page):
    """Voila's and JupyterLab's pages scroll a panel inside a box that hides its overflow, not the window: axe
    skips what lies outside that box, so one run passes faint text lower down; the scan finds it."""
    show(page, '<div style="position:absolute;inset:0;overflow:hidden">'
               '<div tabindex="0" style="height:100%;overflow:auto"><p>Fine text.</p><div style="height:2000px"></div>'
               '<p style="color:#4a4a4a;background:#111111">Faint text far down.</p></div></div>')
    assert vc.axe_problems(page) == []  # what a single run sees
    scan = vc.contrast_scan(page)
    assert len(scan["problems"]) == 1 and "2.13" in scan["problems"][0]
    assert scan["checked"] == 2


def test_a_scope_leaves_out_what_is_outside_it(page):
    """In JupyterLab the checks look at the apps, not at JupyterLab's own toolbars and code cells."""
    show(page, '<p>An app.</p>')
    page.evaluate("""document.body.insertAdjacentHTML('afterbegin',
        '<div class="host"><button style="width:60px;white-space:nowrap;overflow:hidden">Orthopedic surgeon</button>'
        + '<p style="color:#777;background:#888">lower_back</p></div>')""")
    assert vc.clipped_text(page) and vc.raw_ids(page) and vc.contrast_problems(page)
    assert vc.run_all(page, scope=".triage-app") == {} and vc.contrast_problems(page, scope=".triage-app") == []


def test_raw_ids_are_found_but_plain_words_are_not(page):
    show(page, "<p>Red flags: new_bowel_or_bladder_incontinence, with trauma high_impact. Rule REF-JOINT.</p>"
               "<p>Fever and chills; the hip; a red-flag drill.</p>")
    found = vc.raw_ids(page)
    assert found == ["raw id 'REF-JOINT' in the visible text", "raw id 'high_impact' in the visible text",
                     "raw id 'new_bowel_or_bladder_incontinence' in the visible text"]


def test_the_id_list_is_built_from_the_data():
    ids = vc.knowledge_ids()
    assert {"leg_weakness_progressive", "high_impact", "REF-JOINT", "RF-fever", "orthopedic_surgeon",
            "lower_back", "d-fever"} <= set(ids)
    assert "fever" not in ids and "hip" not in ids  # plain words may appear in any sentence


STICKY = ('<div style="height:30px"></div><div id="bar" style="position:sticky;top:16px;background:#fff;{extra}">'
          'Verdict</div>' + "".join(f"<p>Line {i} of the text that scrolls under the bar.</p>" for i in range(80)))


def test_text_showing_through_above_a_sticky_bar_is_found(page):
    show(page, STICKY.format(extra=""))
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(200)
    assert any("show through" in p for p in vc.show_through(page, "#bar"))


def test_a_sticky_bar_that_covers_the_band_above_it_passes(page):
    show(page, STICKY.format(extra="box-shadow: 0 -24px 0 12px #fff"))
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(200)
    assert vc.show_through(page, "#bar") == []
