"""The glossary panel: every term the suite uses, with the guide section it comes from, opening in place.

Pure HTML (``<details>``), so opening a term costs no round trip to the kernel. The frame puts the
panel in every page's footer; :class:`Glossary` shows the whole list open, as a small app.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import ipywidgets as w

from ..glossary import Term, glossary
from ..knowledge import knowledge
from .common import esc, guide_ref_html
from .context import AppContext
from .fallback import mimebundle
from .frame import app_frame


def term_html(term: Term) -> str:
    also = f' <span class="triage-muted">(also: {esc(", ".join(term.also))})</span>' if term.also else ""
    sources = (f'<p class="triage-muted">Source: {esc("; ".join(term.sources))}</p>' if term.sources else "")
    section = knowledge().section(term.guide_section).title
    return (f"<dt>{esc(term.term)}{also}</dt><dd><p>{esc(term.definition)} "
            f'<span class="triage-muted">Guide section: {esc(section)}.</span></p>{sources}</dd>')


@cache
def terms_html() -> str:
    """The whole glossary as a definition list, then the guide's sections, each opening in place."""
    sections = "".join(guide_ref_html(s.id, "Guide section") for s in knowledge().sections)
    return ('<dl class="triage-glossary-list">' + "".join(term_html(t) for t in glossary()) + "</dl>"
            f"<h4>The guide's sections</h4>{sections}")


@cache
def glossary_html() -> str:
    """The glossary folded into one disclosure (the frame's footer shows it)."""
    return (f'<details class="triage-glossary"><summary>Glossary: {len(glossary())} words used in this course'
            f"</summary>{terms_html()}</details>")


class Glossary:
    """The glossary, open, as an app of its own."""

    def __init__(self, context: AppContext | None = None, notebook: str = "00_start_here.ipynb") -> None:
        self.list = w.HTML(f'<h3>Glossary</h3><div class="triage-glossary">{terms_html()}</div>')
        self.list.add_class("triage-glossary-app")
        self.frame = app_frame(context, notebook, self.list)
        self.widget = self.frame.widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)
