"""Presenter: an instructor steps a class through one case, revealing stages and answers on click."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from ..cases import Case, load_cases
from ..engine import assess
from .case_player import paragraphs
from .common import LABEL_STYLE, assessment_html, esc, notice


class Presenter:
    """Large-type case view with buttons for the next stage, the answers and the engine's reasoning.

    The starting case comes from ``case_id``, else ``$TRIAGE_CASE``, else the first case.
    """

    def __init__(self, case_id: str | None = None, cases: Sequence[Case] | None = None) -> None:
        self.cases = list(cases) if cases is not None else load_cases()
        wanted = case_id or os.environ.get("TRIAGE_CASE")
        ids = [c.id for c in self.cases]
        self.picker = w.Dropdown(options=[(c.title, c.id) for c in self.cases], value=None,
                                 description="Case", style=LABEL_STYLE, layout=w.Layout(width="auto"))
        self.picker.add_class("triage-case-picker")
        self.message = w.HTML()
        self.stage_label = w.HTML()
        self.stage_label.add_class("triage-stage-label")
        self.body = w.HTML()
        self.body.add_class("triage-presenter-body")
        self.next_stage = w.Button(description="Next stage", button_style="primary", tooltip="Reveal the next stage")
        self.next_stage.add_class("triage-next-stage")
        self.answers_button = w.Button(description="Show answers", tooltip="Show the answers and feedback")
        self.answers_button.add_class("triage-show-answers")
        self.reasoning_button = w.Button(description="Show engine reasoning", tooltip="Show the rules that fired")
        self.reasoning_button.add_class("triage-show-reasoning")
        self.answers = w.HTML()
        self.answers.add_class("triage-answers")
        self.reasoning = w.HTML()
        self.reasoning.add_class("triage-reasoning")
        self.next_stage.on_click(self.on_next_stage)
        self.answers_button.on_click(self.on_show_answers)
        self.reasoning_button.on_click(self.on_show_reasoning)
        self.case: Case | None = None
        self.stage = 0
        self.picker.observe(lambda change: self.show(change["new"]), names="value")
        buttons = w.HBox([self.next_stage, self.answers_button, self.reasoning_button])
        self.widget = w.VBox([notice(), self.picker, self.message, self.stage_label, self.body, buttons,
                              self.answers, self.reasoning])
        self.widget.add_class("triage-presenter")
        if wanted and wanted not in ids:
            self.message.value = (
                f"<p role='alert'>No case with id {esc(wanted)!s}; showing the first case. "
                f"Valid ids: {esc(', '.join(ids))}</p>"
            )
            wanted = None
        if self.cases:
            self.picker.value = wanted or ids[0]

    @property
    def stages(self) -> int:
        """Stages of the current case: the narrative, then each reveal step."""
        return 1 + len(self.case.reveal) if self.case else 0

    def show(self, case_id: str | None) -> None:
        self.case = next((c for c in self.cases if c.id == case_id), None)
        self.stage = 1
        self.answers.value = ""
        self.reasoning.value = ""
        self._draw()

    def _draw(self) -> None:
        c = self.case
        if c is None:
            return
        html = f"<div style='font-size:130%'><h2>{esc(c.title)}</h2>{paragraphs(c.narrative)}"
        for step in c.reveal[: self.stage - 1]:
            html += f"<h3>{esc(step.title)}</h3>{paragraphs(step.text)}"
        questions = "".join(f"<li>{esc(q.prompt)}</li>" for q in c.questions)
        self.body.value = html + f"<h3>Questions for the class</h3><ol>{questions}</ol></div>"
        self.stage_label.value = f"<p role='status'>Stage {self.stage} of {self.stages}</p>"
        more = self.stage < self.stages
        self.next_stage.disabled = not more
        self.next_stage.description = f"Next stage: {c.reveal[self.stage - 1].title}" if more else "All stages shown"

    def on_next_stage(self, _: Any = None) -> None:
        if self.case is not None and self.stage < self.stages:
            self.stage += 1
            self._draw()

    def on_show_answers(self, _: Any = None) -> None:
        if self.case is None:
            return
        parts = []
        for q in self.case.questions:
            opts = "".join(
                f"<li>{'&#10004; ' if o.correct else ''}<strong>{esc(o.text)}</strong>: {esc(o.feedback)}</li>"
                for o in q.options
            )
            parts.append(f"<p><strong>{esc(q.prompt)}</strong></p><ul>{opts}</ul>")
        points = "".join(f"<li>{esc(p)}</li>" for p in self.case.teaching_points)
        self.answers.value = "".join(parts) + f"<h3>Teaching points</h3><ul>{points}</ul>"

    def on_show_reasoning(self, _: Any = None) -> None:
        if self.case is not None:
            self.reasoning.value = assessment_html(assess(self.case.presentation))

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
