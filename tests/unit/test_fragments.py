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


# flag -> the more urgent flags whose condition contains it (the same reason, in a narrower situation)
CONTAINED_IN = {"cannot_bear_weight": {"injury_cannot_bear_weight", "fever_cannot_bear_weight",
                                       "fragile_bones_cannot_bear_weight"},
                "cancer_history": {"cancer_with_nerve_symptoms"}}


def _contained(flag: str, fired) -> bool:
    """Whether a more urgent flag that fired contains ``flag`` (so the reader sees only that one)."""
    return bool(CONTAINED_IN.get(flag, set()) & set(fired))


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
    note = fragments.NoteLine(HOSTILE, HOSTILE, fragments.GuideRef(HOSTILE, HOSTILE))
    term = fragments.TermView(HOSTILE, (HOSTILE,), HOSTILE, HOSTILE, (HOSTILE,))
    m = fragments.macros()
    drawn = [
        str(m.urgency_banner(hostile)),
        str(m.rules_fired(fragments.FiredRules((rule,), (note,)))),
        str(m.what_would_change((fragments.ChangeLine(HOSTILE, HOSTILE, HOSTILE, HOSTILE),))),
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
            assert (str(escape(flags[f])) in listed) != _contained(f, a.red_flags), (key, f)
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
            contained = _contained(hit.rule_id.removeprefix("RF-"), a.red_flags)
            assert (f"<strong>{escape(voc.rule(hit.rule_id))}</strong>" in rules) != contained, (key, hit.rule_id)
        if a.what_would_change:
            assert parsed(fragments.changes_list_html(a)).tags.count("li") == len(a.what_would_change)
        else:
            assert "No single change would." in text(fragments.changes_list_html(a))



# -- the clinical teacher's reading (ut-lesson2 FINDINGS, items 4, 5 and 7) ---------------------------------

def _one_flag_each() -> list[tuple[str, object]]:
    """One presentation per red flag of the knowledge base, and a few flags together."""
    from triage.domain.model import Presentation

    def a(**kw):
        kw.setdefault("pain_sites", ["lower_back"])
        kw.setdefault("duration_weeks", 2)
        return assess(Presentation(**kw))

    out = [(s, a(age=40, symptoms=[s])) for s in ("new_bowel_or_bladder_incontinence", "saddle_numbness",
                                                  "leg_weakness_progressive", "fever", "cannot_bear_weight")]
    out += [("trauma", a(age=40, trauma="high_impact")), ("cancer", a(age=60, history=["cancer"])),
            ("cancer+tingling", a(age=60, history=["cancer"], symptoms=["leg_numbness_or_tingling"])),
            ("child+fever", a(age=2, pain_sites=["leg"], symptoms=["fever", "cannot_bear_weight"])),
            ("persisting+weight loss", a(age=50, duration_weeks=10, conservative_care_weeks=8,
                                         findings=["nerve_compression"], symptoms=["unexplained_weight_loss"]))]
    assert all(x.red_flags for _, x in out)
    return out


def test_a_rule_outranked_by_a_red_flag_never_says_there_is_none(assessments):
    """"First stop is primary care: outranked ... No red flags, and ..." stood under every red-flag result."""
    for key, a in [*assessments, *_one_flag_each()]:
        if not a.red_flags:
            continue
        shown = text(fragments.rules_html(a)).lower()
        assert "no red flag" not in shown, (key, shown)
        for line in fragments.fired_rules(a).fired:
            assert "no red flag" not in line.why.lower() and "no red flag" not in line.name.lower(), key


def test_each_note_is_shown_once_with_its_name(assessments):
    voc = vocabulary()
    seen = 0
    for key, a in [*assessments, *_one_flag_each()]:
        rules = fragments.rules_html(a)
        shown = text(rules)
        for hit in a.trace:
            if hit.effect == "note":
                seen += 1
                assert shown.count(" ".join(hit.reason.split())) == 1, (key, hit.rule_id)
                assert shown.count(voc.rule(hit.rule_id)) == 1, (key, hit.rule_id)
                assert voc.effect("note") not in shown, key  # a note is under "Notes", not among the rules
    assert seen > 20


def test_what_would_change_reads_as_sentences_with_the_urgency_apart_from_the_place():
    from triage.domain.model import Presentation

    a = assess(Presentation(pain_sites=["lower_back"], duration_weeks=2, age=45))
    items = re.findall(r"<li>(.*?)</li>", fragments.changes_list_html(a))
    assert len(items) == len(a.what_would_change) > 5
    for item in items:
        line = unescape(item)
        assert line[0].isupper() and line.endswith("."), line
        assert "Emergency, Emergency department" not in line and "&rarr;" not in item, line
    lines = [unescape(i) for i in items]
    assert "With a fever, it would be urgent, the same day; next step: Urgent care (same day)." in lines
    assert ("If bowel or bladder control were newly lost, it would be an emergency; next step: "
            "Emergency department.") in lines
