"""Triage explorer: change the presentation and watch the disposition, trace and counterfactuals."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..engine import assess
from ..errors import TriageError
from ..model import Assessment, Finding, PainSite, Presentation, Symptom, Trauma
from .common import LABEL_STYLE, assessment_html, esc, heading, notice

RED_FLAG_SYMPTOMS = (
    Symptom.NEW_BOWEL_OR_BLADDER_INCONTINENCE,
    Symptom.SADDLE_NUMBNESS_PROGRESSIVE,
    Symptom.LEG_WEAKNESS_PROGRESSIVE,
    Symptom.FEVER,
    Symptom.CHILLS,
    Symptom.UNEXPLAINED_WEIGHT_LOSS,
)


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _checkbox(value: str, css: str) -> w.Checkbox:
    box = w.Checkbox(value=False, description=_label(value), indent=False, style=LABEL_STYLE)
    box.add_class(css)
    box.add_class(f"{css}-{value}")
    return box


class Explorer:
    """Every input of the engine as a control; the result updates on each change."""

    def __init__(self, presentation: Presentation | None = None) -> None:
        self.sites = {s: _checkbox(s.value, "triage-site") for s in PainSite}
        self.symptoms = {s: _checkbox(s.value, "triage-symptom") for s in Symptom}
        self.findings = {f: _checkbox(f.value, "triage-finding") for f in Finding}
        self.age = w.BoundedIntText(value=45, min=0, max=120, description="Age (years)", style=LABEL_STYLE)
        self.duration = w.BoundedFloatText(
            value=2, min=0, max=520, step=1, description="Pain for (weeks)", style=LABEL_STYLE
        )
        self.care = w.BoundedFloatText(
            value=0, min=0, max=520, step=1, description="Conservative care tried (weeks)", style=LABEL_STYLE
        )
        self.trauma = w.Dropdown(
            options=[("None", Trauma.NONE.value), ("Minor (e.g. a slip)", Trauma.MINOR.value),
                     ("High-impact (fall from height, crash)", Trauma.HIGH_IMPACT.value)],
            value=Trauma.NONE.value,
            description="Injury",
            style=LABEL_STYLE,
        )
        self.prefers = w.Checkbox(value=False, description="Prefers to avoid surgery", indent=False)
        for control in (self.age, self.duration, self.care, self.trauma, self.prefers):
            control.add_class("triage-input")
        self.trauma.add_class("triage-trauma")
        self.result = w.HTML()
        self.result.add_class("triage-result")
        self.error = w.HTML()
        self.error.add_class("triage-error")
        self.assessment: Assessment | None = None
        self._loading = False
        self.load(presentation or Presentation(pain_sites=[PainSite.LOWER_BACK], duration_weeks=2))
        for control in self._controls():
            control.observe(self._on_change, names="value")
        red = [self.symptoms[s] for s in RED_FLAG_SYMPTOMS]
        other = [b for s, b in self.symptoms.items() if s not in RED_FLAG_SYMPTOMS]
        inputs = w.VBox(
            [
                heading("Where does it hurt?", 4),
                w.HBox(list(self.sites.values()), layout=w.Layout(flex_flow="row wrap")),
                heading("History", 4), self.age, self.duration, self.care, self.trauma, self.prefers,
                heading("Red-flag symptoms", 4), w.VBox(red),
                heading("Other symptoms", 4), w.VBox(other),
                heading("Findings from an assessment", 4), w.VBox(list(self.findings.values())),
            ],
            layout=w.Layout(width="360px"),
        )
        self.widget = w.VBox(
            [notice(), w.HBox([inputs, w.VBox([self.error, self.result], layout=w.Layout(flex="1"))])]
        )
        self.widget.add_class("triage-explorer")
        self.update()

    def _controls(self) -> list[w.ValueWidget]:
        return [*self.sites.values(), *self.symptoms.values(), *self.findings.values(),
                self.age, self.duration, self.care, self.trauma, self.prefers]

    def load(self, p: Presentation) -> None:
        """Set every control from a presentation."""
        self._loading = True
        try:
            for site, box in self.sites.items():
                box.value = site in p.pain_sites
            for s, box in self.symptoms.items():
                box.value = s in p.symptoms
            for f, box in self.findings.items():
                box.value = f in p.findings
            self.age.value = p.age if p.age is not None else 45
            self.duration.value = p.duration_weeks
            self.care.value = p.conservative_care_weeks
            self.trauma.value = p.trauma.value
            self.prefers.value = p.prefers_non_surgical
        finally:
            self._loading = False
        self.update()

    def presentation(self) -> Presentation:
        """The presentation the controls describe (raises PresentationError if inconsistent)."""
        return Presentation(
            age=self.age.value,
            pain_sites=[s for s, b in self.sites.items() if b.value],
            duration_weeks=self.duration.value,
            conservative_care_weeks=self.care.value,
            trauma=self.trauma.value,
            prefers_non_surgical=self.prefers.value,
            symptoms=[s for s, b in self.symptoms.items() if b.value],
            findings=[f for f, b in self.findings.items() if b.value],
        )

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._loading:
            self.update()

    def update(self) -> None:
        """Re-assess and redraw; input problems are shown, not raised."""
        try:
            self.assessment = assess(self.presentation())
        except TriageError as exc:
            self.assessment = None
            self.error.value = (
                "<div role='alert' style='color:#7a1010'><strong>Check the inputs:</strong><ul>"
                + "".join(f"<li>{esc(p.field)}: {esc(p.message)}</li>" for p in exc.problems)
                + "</ul></div>"
            )
            self.result.value = ""
            return
        self.error.value = ""
        self.result.value = assessment_html(self.assessment)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
