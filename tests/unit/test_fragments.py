"""The HTML fragments the apps and the handouts share (triage.outputs.fragments): drawn one way, escaped,
names never ids, the urgency in words, the notice the same in an app and on paper."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from support.class_fixtures import context
from support.handouts_support import INJECTED, html_case
from support.ui_support import html_of

from triage.content.cases import load_cases
from triage.content.glossary import glossary
from triage.domain.engine import assess
from triage.domain.knowledge import knowledge
from triage.domain.model import DISCLAIMER, NextStep, Urgency
from triage.domain.vocabulary import vocabulary
from triage.outputs import fragments
from triage.outputs.handouts.content import case_view
from triage.outputs.handouts.render import A4, environment, render_card, render_key, render_student
from triage.ui import CasePlayer, common
from triage.ui.frame import notice_html

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


class _Tags(HTMLParser):
    """Every start tag, and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)

    def handle_data(self, data) -> None:
        self.text.append(data)


def parsed(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    p.close()
    return p


def text(html: str) -> str:
    return " ".join(" ".join(parsed(html).text).split())


# flag -> the more urgent flag whose condition contains it (the same reason, in a narrower situation)
CONTAINED_IN = {"cannot_bear_weight": ("injury_cannot_bear_weight", "fragile_bones_cannot_bear_weight"),
                "cancer_history": ("cancer_with_nerve_symptoms",)}


@pytest.fixture(scope="module")
def assessments():
    """Every stage of every case in the library, assessed."""
    return [(f"{c.id}/{s.id}", assess(s.presentation)) for c in load_cases() for s in c.stages]


# -- one way: the apps' functions are the fragments module's; the handouts import the same macros ------------

def test_the_apps_draw_the_shared_fragments_with_the_fragments_module():
    for name in ("verdict_html", "waiting_html", "rules_html", "changes_list_html", "guide_ref_html",
                 "terms_html", "glossary_html", "change_text", "urgency_word"):
        assert getattr(common, name) is getattr(fragments, name), name
    assert notice_html is fragments.notice_html


def test_the_handouts_template_environment_loads_the_same_fragments_file():
    source = environment().loader.get_source(environment(), fragments.FRAGMENTS)[1]
    assert source == str(fragments.TEMPLATES / fragments.FRAGMENTS)


def test_the_notice_is_the_same_fragment_in_an_app_and_on_every_handout():
    assert fragments.notice_view().text == DISCLAIMER
    notice = notice_html()
    assert text(notice) == DISCLAIMER and 'role="note"' in notice
    view = case_view(load_cases()[0])
    for page in (render_student(view, A4), render_key(view, A4), render_card(A4)):
        assert notice in page


# -- escaping -----------------------------------------------------------------------------------------------

def test_a_case_title_with_a_script_shows_as_text_in_the_app_and_on_the_handout():
    case = html_case()
    assert "<script>" in case.title
    app = CasePlayer([case], context(), class_panel=False)
    app_html = html_of(app.widget)
    handouts = [render_student(case_view(case), A4), render_key(case_view(case), A4)]
    for html in (app_html, *handouts):
        assert "script" not in parsed(html).tags and "img" not in parsed(html).tags
        assert case.title in text(html)
    assert INJECTED in text(handouts[0])


def test_every_fragment_escapes_what_it_is_given():
    hostile = fragments.Verdict("emergency", "EMERGENCY", HOSTILE, (HOSTILE,), (HOSTILE, "B"))
    rule = fragments.FiredRule(HOSTILE, HOSTILE, HOSTILE, fragments.GuideRef(HOSTILE, HOSTILE))
    term = fragments.TermView(HOSTILE, (HOSTILE,), HOSTILE, HOSTILE, (HOSTILE,))
    m = fragments.macros()
    drawn = [
        str(m.urgency_banner(hostile)),
        str(m.rules_fired(fragments.FiredRules((rule,), (HOSTILE,)))),
        str(m.what_would_change((fragments.ChangeLine(HOSTILE, HOSTILE, HOSTILE),))),
        str(m.glossary((term,), (fragments.GuideRef(HOSTILE, HOSTILE),))),
        str(m.notice(fragments.NoticeView(HOSTILE, HOSTILE))),
        fragments.waiting_html(HOSTILE),
        common.esc(HOSTILE),
    ]
    for html in drawn:
        assert not {"script", "img"} & set(parsed(html).tags), html
        assert HOSTILE in unescape(html)


def test_the_glossary_nests_its_terms_as_markup_not_as_escaped_text():
    """The folded glossary draws the list of terms inside it: escaped once, never twice."""
    html = fragments.glossary_html()
    assert html.startswith('<details class="triage-glossary"><summary>Glossary: ')
    assert '<dl class="triage-glossary-list">' in html and "&lt;dl" not in html
    assert "&amp;#" not in html and "&amp;lt;" not in html
    tags = parsed(html).tags
    assert tags.count("dt") == len(glossary()) and tags.count("details") == 1 + len(knowledge().sections)
    for term in glossary():
        assert term.term in text(html) and term.definition in text(html)


# -- what the fragments say: the urgency in words, names never ids ------------------------------------------

def _ids() -> set[str]:
    kb = knowledge()
    ids = {r.id for r in kb.rules} | {f.id for f in kb.red_flags} | {s.value for s in NextStep}
    return {i for i in ids if "_" in i or "-" in i}  # a one-word id can also be an ordinary word


def test_the_urgency_banner_says_the_urgency_in_words_and_names_the_next_step(assessments):
    kb = knowledge()
    flags = {f.id: f.label for f in kb.red_flags}
    seen = set()
    for key, a in assessments:
        html = fragments.verdict_html(a)
        seen.add(a.urgency)
        assert f"Urgency: {a.urgency.value.upper()}" in text(html), key
        assert f"triage-urgency-{a.urgency.value}" in html and 'aria-live="polite"' in html
        assert 'aria-live' not in fragments.verdict_html(a, live=False)
        assert kb.provider(a.next_step).name in text(html), key
        named = re.findall(r"<p>Red flags?: (.*?)</p>", html)
        listed = named[0].split("; ") if named else []
        for f in a.red_flags:  # each reason once: a flag inside a more urgent one that fired is not repeated
            assert (str(escape(flags[f])) in listed) != any(c in a.red_flags for c in CONTAINED_IN.get(f, ())), (key, f)
    assert seen == set(Urgency)


def test_the_fragments_name_rules_and_providers_never_by_id(assessments):
    voc = vocabulary()
    ids = _ids()
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r")(?![\w-])")
    for key, a in assessments:
        rules = fragments.rules_html(a)
        shown = " ".join(text(h) for h in (fragments.verdict_html(a), rules, fragments.changes_list_html(a)))
        assert not pattern.findall(shown), (key, pattern.findall(shown))
        for hit in a.trace:
            contained = any(c in a.red_flags for c in CONTAINED_IN.get(hit.rule_id.removeprefix("RF-"), ()))
            assert (f"<strong>{escape(voc.rule(hit.rule_id))}</strong>" in rules) != contained, (key, hit.rule_id)
        if a.what_would_change:
            assert parsed(fragments.changes_list_html(a)).tags.count("li") == len(a.what_would_change)
        else:
            assert "No single change would." in text(fragments.changes_list_html(a))

