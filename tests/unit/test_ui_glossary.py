"""The glossary panel and app: every term, its guide section readable in place, text escaped."""

from support.ui_support import html_of, make_context

from triage.content.glossary import glossary
from triage.domain.knowledge import knowledge
from triage.ui.common import esc, glossary_html
from triage.ui.glossary import Glossary


def test_the_panel_lists_every_term_and_every_guide_section():
    html = glossary_html()
    assert html.startswith('<details class="triage-glossary">')
    for term in glossary():
        assert f"<dt>{esc(term.term)}" in html
    for section in knowledge().sections:
        assert f"<summary>Guide section: {esc(section.title)}</summary><p>{esc(section.summary)}" in html


def test_the_terms_the_suite_uses_are_explained():
    terms = {t.term.casefold() for t in glossary()} | {a.casefold() for t in glossary() for a in t.also}
    for needed in ("physiatrist", "emg", "cauda equina", "labrum", "conservative care", "red flag",
                   "orthopedic surgeon", "physical therapist", "chiropractor", "primary care", "saddle area"):
        assert needed in terms, needed


def test_every_app_footer_carries_the_glossary():
    app = Glossary(context=make_context())
    assert "Physiatrist" in html_of(app.widget)
    assert "triage-glossary" in html_of(app.widget)
