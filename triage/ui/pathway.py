"""Pathway app: choose a case and see its route highlighted on the care-pathway diagram."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from ..cases import Case, load_cases
from ..engine import assess
from ..pathway import describe_route, render_pathway_svg
from .common import LABEL_STYLE, disposition_html, esc, notice


class PathwayApp:
    """A case picker and the pathway SVG with that case's route highlighted."""

    def __init__(self, cases: Sequence[Case] | None = None) -> None:
        self.cases = list(cases) if cases is not None else load_cases()
        self.picker = w.Dropdown(
            options=[("(no case: the whole pathway)", "")] + [(c.title, c.id) for c in self.cases],
            value="", description="Highlight the route for", style=LABEL_STYLE, layout=w.Layout(width="auto"),
        )
        self.picker.add_class("triage-case-picker")
        self.diagram = w.HTML()
        self.diagram.add_class("triage-pathway")
        self.caption = w.HTML()
        self.picker.observe(lambda change: self.draw(), names="value")
        self.widget = w.VBox([notice(), self.picker, self.diagram, self.caption])
        self.widget.add_class("triage-pathway-app")
        self.draw()

    def draw(self) -> None:
        case = next((c for c in self.cases if c.id == self.picker.value), None)
        a = assess(case.presentation) if case else None
        self.diagram.value = render_pathway_svg(a)
        self.caption.value = (disposition_html(a) if a else "") + f"<p><em>{esc(describe_route(a))}</em></p>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
