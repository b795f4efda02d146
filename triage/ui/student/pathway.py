"""Pathway app: pick a worked example, predict its route, then show it on the care-pathway diagram.

The examples (``knowledge/pathway_examples.yaml``) are not case studies or drill scenarios, so this
app gives away no answer of notebooks 03 and 05; even so, an example's route stays hidden until the
student asks for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import ipywidgets as w

from ...content.drill import Scenario, load_scenarios
from ...domain.knowledge import HERE
from ...outputs.pathway import render_pathway_svg
from ..common import PRIMARY, esc, verdict_html
from ..context import AppContext
from ..fallback import mimebundle
from ..frame import app_frame

NOTEBOOK = "02_who_to_see.ipynb"
EXAMPLES_FILE = HERE / "pathway_examples.yaml"
LEGEND = "On the diagram the route is drawn in a thick line; a dashed outline marks someone to consider as well."
PROMPT = "Where do you think this person goes first? Decide, then press “Show the route”."


@cache
def pathway_examples() -> tuple[Scenario, ...]:
    """The shipped worked examples for the pathway diagram."""
    return load_scenarios(EXAMPLES_FILE)


class PathwayApp:
    """An example picker, a "Show the route" button and the pathway SVG."""

    def __init__(self, examples: Sequence[Scenario] | None = None, context: AppContext | None = None,
                 notebook: str = NOTEBOOK) -> None:
        self.examples = list(examples) if examples is not None else list(pathway_examples())
        self.picker = w.Dropdown(
            options=[("Choose an example", "")] + [(s.title or f"Example {i + 1}", s.id)
                                                  for i, s in enumerate(self.examples)],
            value="", description="Example",
        )
        self.picker.add_class("triage-field")
        self.picker.add_class("triage-example-picker")
        self.story = w.HTML()
        self.story.add_class("triage-example-story")
        self.show = w.Button(description="Show the route", tooltip="Highlight this example's route on the diagram",
                             disabled=True)
        self.show.add_class(PRIMARY)
        self.show.add_class("triage-show-route")
        self.show.on_click(self.reveal)
        self.diagram = w.HTML()
        self.diagram.add_class("triage-pathway")
        self.diagram.add_class("triage-figure")
        self.caption = w.HTML()
        self.caption.add_class("triage-route-caption")
        self.caption.add_class("triage-live")
        self.shown = False
        self._blank = render_pathway_svg(None)  # the whole pathway, nothing highlighted (drawn once)
        self.picker.observe(lambda change: self.draw(), names="value")
        side = w.VBox([self.picker, self.story, self.show, self.caption])
        side.add_class("triage-stack")
        columns = w.Box([side, self.diagram])  # on a phone: choose and predict first, then the diagram
        columns.add_class("triage-columns")
        self.frame = app_frame(context, notebook, w.HTML("<h3>Follow a route</h3>"), columns,
                               css_class="triage-pathway-app")
        self.widget = self.frame.widget
        self._live = self.frame.context.mode != "voila"
        self.draw()

    @property
    def example(self) -> Scenario | None:
        return next((s for s in self.examples if s.id == self.picker.value), None)

    def draw(self) -> None:
        """A new example: its story, the route hidden until asked for."""
        example = self.example
        self.shown = False
        self.diagram.value = self._blank
        self.show.disabled = example is None
        if example is None:
            self.story.value = "<p>Pick an example to follow its route through the diagram.</p>"
            self.caption.value = ""
            return
        self.story.value = f'<p class="triage-scenario">{esc(example.text)}</p><p>{esc(PROMPT)}</p>'
        self.caption.value = ""

    def reveal(self, _: Any = None) -> None:
        """Highlight the chosen example's route and say it in words."""
        example = self.example
        if example is None:
            return
        a = example.assessment
        self.shown = True
        self.diagram.value = render_pathway_svg(a)
        self.caption.value = verdict_html(a, self._live) + f"<p>{esc(LEGEND)}</p>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)
