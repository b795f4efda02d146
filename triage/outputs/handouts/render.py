"""HTML for the handouts, from the project's own Jinja2 templates (``templates/``), escaped throughout.

The handouts' templates import the fragments the apps draw as well (``fragments.html.j2``, through
:func:`triage.outputs.fragments.make_environment`): the educational-use notice is one macro for both.

Autoescaping is on for every template, so case text containing HTML is printed as text. Two values
are trusted markup and marked so explicitly: the stylesheet shipped beside the templates and the
pathway SVG built by :mod:`triage.outputs.pathway` (which escapes its own text). Text printed in the page
margins (what the document is, its title, the educational-use notice, "Page n of N") is set by CSS
``@page`` margin boxes, so it appears on every page of the PDF and of the HTML printed from Chromium;
it goes through :func:`css_string`, which escapes for CSS rather than HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from ..fragments import make_environment, notice_view
from ..pathway import render_pathway_svg
from .content import CardView, CaseView, card_view

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Paper:
    """A paper size: its CSS ``@page`` size, Playwright's format name and its size in points."""

    name: str
    label: str
    css_size: str
    pdf_format: str
    width_pt: float
    height_pt: float
    margin_top: str = "17mm"
    margin_side: str = "16mm"
    margin_bottom: str = "21mm"


A4 = Paper("a4", "A4", "A4", "A4", 595.28, 841.89)
LETTER = Paper("letter", "US Letter", "letter", "Letter", 612.0, 792.0)
PAPERS = {p.name: p for p in (A4, LETTER)}


_CSS_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;!?()-")


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string: anything but letters, digits, spaces and plain punctuation becomes a
    CSS hex escape, so no quote, backslash, ``<`` or newline can end the string or the style element."""
    body = "".join(c if c in _CSS_SAFE else f"\\{ord(c):x} " for c in " ".join(text.split()))
    return Markup(f'"{body}"')  # noqa: S704 - every character outside the safe set is escaped above


@cache
def environment() -> Environment:
    """The template environment: the handouts' templates first, then the fragments the apps draw too
    (:mod:`triage.outputs.fragments`: the same macros, autoescape on, undefined names are errors)."""
    env = make_environment(FileSystemLoader(TEMPLATES))
    env.globals["css_string"] = css_string
    return env


@cache
def _css() -> Markup:
    return Markup((TEMPLATES / "handouts.css").read_text(encoding="utf-8"))  # noqa: S704 - our own stylesheet


STUDENT_LABEL = "Student sheet"
KEY_LABEL = "Instructor key: not for students"


def _page(template: str, paper: Paper, *, title: str, label: str, running_title: str, body_class: str = "",
          **values: object) -> str:
    return environment().get_template(template).render(
        title=title, label=label, running_title=running_title, paper=paper, css=_css(), notice=notice_view(),
        body_class=body_class, **values)


def render_cases(cases: Sequence[CaseView], *, key: bool, paper: Paper, title: str,
                 stage_pages: bool = False) -> str:
    """Student sheets (``key=False``) or instructor keys for ``cases``, each case starting a new page.

    One case: its title runs in the page header; several: ``title`` does.
    """
    running = cases[0].title if len(cases) == 1 else title
    return _page("cases.html.j2", paper, title=title, label=KEY_LABEL if key else STUDENT_LABEL,
                 running_title=running, body_class="stage-pages" if stage_pages else "", cases=cases, key=key)


def render_student(case: CaseView, paper: Paper, stage_pages: bool = False) -> str:
    """One case's student sheet: the story stage by stage, questions with empty boxes, no answers."""
    return render_cases([case], key=False, paper=paper, title=f"{case.title}: student sheet",
                        stage_pages=stage_pages)


def render_key(case: CaseView, paper: Paper) -> str:
    """One case's instructor key: the sheet plus answers, feedback and the engine's view per stage."""
    return render_cases([case], key=True, paper=paper, title=f"{case.title}: instructor key")


def render_card(paper: Paper, card: CardView | None = None) -> str:
    """The one-page reference card: pathway diagram, red flags, provider comparison."""
    svg = Markup(render_pathway_svg(None))  # noqa: S704 - built by triage.outputs.pathway, which escapes its text
    return _page("card.html.j2", paper, title="Reference card: where to go with low back or hip pain",
                 label="Reference card", running_title="Where to go with low back or hip pain",
                 card=card or card_view(), pathway_svg=svg)


def render_index(cases: Sequence[CaseView], paper: Paper, *, combined: bool, pdf: bool) -> str:
    """The instructor's index of every handout written (HTML only)."""
    return _page("index.html.j2", paper, title="Case handouts: instructor index", label="Instructor index",
                 running_title=f"{len(cases)} cases", cases=cases, combined=combined, pdf=pdf)
