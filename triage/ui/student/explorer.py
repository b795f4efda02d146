"""Triage explorer: change the presentation and watch the verdict, the rules behind it and what would change it.

Layout (``static/triage.css``): inputs on the left and results on the right, the verdict sticking to the top
of the screen while the inputs scroll; on a narrow screen one column with the verdict first (and
sticky), then the inputs, then the reasons. Numbers that do not fit together get a plain-words
message right under the control that caused it, and the verdict says what to fix.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ipywidgets as w

from ...domain.engine import assess, default_engine
from ...domain.knowledge import knowledge
from ...domain.model import Assessment, Finding, History, PainSite, Presentation, Symptom, Trauma
from ...domain.vocabulary import vocabulary
from ...errors import TriageError
from ..common import changes_list_html, esc, rules_html, verdict_html, waiting_html
from ..context import AppContext
from ..fallback import mimebundle
from ..frame import app_frame
from ..widgets import W, classed

NOTEBOOK = "04_triage_explorer.ipynb"
WEEKS_HINT = '<p class="triage-hint">Conservative care can last at most as long as the pain.</p>'
# Presentation fields -> the words on the controls (for any problem the controls cannot prevent)
FIELD_WORDS = {
    "pain_sites": "Where it hurts",
    "duration_weeks": "Pain for (weeks)",
    "conservative_care_weeks": "Conservative care already tried (weeks)",
    "age": "Age (years)",
    "trauma": "Injury",
    "symptoms": "Symptoms",
    "findings": "Findings",
    "history": "Past medical history",
    "prefers_non_surgical": "Would rather avoid surgery",
}


def _checkbox(label: str, css: str, value: str, *more: str) -> w.Checkbox:
    return classed(w.Checkbox, css, f"{css}-{value}", *more, value=False, description=label, indent=False)


def _heading(text: str) -> w.HTML:
    return w.HTML(f"<h4>{esc(text)}</h4>")


def _group(children: list[w.Widget], css: str = "triage-group-wrap") -> w.Box:
    return classed(w.Box, css, children=children)


def _field(kind: type[W], css: str, **kwargs: Any) -> W:
    return classed(kind, "triage-field", "triage-input", css, **kwargs)


class Explorer:
    """Every input of the engine as a control; the verdict updates on each change."""

    def __init__(self, presentation: Presentation | None = None, context: AppContext | None = None,
                 notebook: str = NOTEBOOK) -> None:
        voc = vocabulary()
        self.sites = {s: _checkbox(voc.site(s), "triage-site", s.value) for s in PainSite}
        self.symptoms = {s: _checkbox(voc.symptom(s), "triage-symptom", s.value) for s in Symptom}
        self.findings = {f: _checkbox(voc.finding(f), "triage-finding", f.value) for f in Finding}
        self.history = {h: _checkbox(voc.history_item(h), "triage-history", h.value) for h in History}
        self.age = _field(w.BoundedIntText, "triage-age", value=45, min=0, max=120, description="Age (years)")
        self.duration = _field(w.BoundedFloatText, "triage-duration", value=2, min=0, max=520, step=1,
                               description="Pain for (weeks)")
        self.care = _field(w.BoundedFloatText, "triage-care", value=0, min=0, max=520, step=1,
                           description="Conservative care already tried (weeks)")
        self.trauma = _field(w.Dropdown, "triage-trauma", options=[(voc.trauma_name(t), t.value) for t in Trauma],
                             value=Trauma.NONE.value, description="Injury")
        self.prefers = _checkbox("Would rather avoid surgery", "triage-prefers", "yes", "triage-input")
        # plain-words problems, each right under the control that causes it
        self.site_problem = classed(w.HTML, "triage-problem-slot")
        self.weeks_problem = classed(w.HTML, "triage-problem-slot")
        self.other_problem = classed(w.HTML, "triage-problem-slot")
        self.verdict = classed(w.HTML, "triage-verdict", "triage-result", "triage-live")
        self.reasons = classed(w.HTML, "triage-reasons")
        self.changes = classed(w.HTML, "triage-changes")
        self.assessment: Assessment | None = None
        self._loading = False

        # symptoms that are a red flag on their own come first (from the knowledge base), the rest after
        flagged = knowledge().flag_symptoms()
        red = [self.symptoms[s] for s in flagged]
        other = [b for s, b in self.symptoms.items() if s not in flagged]
        inputs = classed(w.VBox, "triage-explorer-inputs", children=[
            _heading("Where does it hurt?"), _group(list(self.sites.values())), self.site_problem,
            _heading("Age and timing"), self.age, self.duration, self.weeks_problem, self.care, self.trauma,
            self.prefers,
            _heading("Red-flag symptoms"), _group(red, "triage-group"),
            _heading("Other symptoms"), _group(other, "triage-group"),
            _heading("Past medical history"), _group(list(self.history.values()), "triage-group"),
            _heading("Findings from an assessment"), _group(list(self.findings.values()), "triage-group"),
            self.other_problem,
        ])
        details = classed(w.VBox, "triage-details", children=[self.reasons, self.changes])
        results = classed(w.VBox, "triage-explorer-results", children=[self.verdict, details])
        layout = classed(w.Box, "triage-explorer-layout", children=[inputs, results])
        self.frame = app_frame(context, notebook, layout, css_class="triage-explorer")
        self.widget = self.frame.widget
        self._live = self.frame.context.mode != "voila"  # under Voilà the template makes the verdict live
        self.load(presentation or Presentation(pain_sites=[PainSite.LOWER_BACK], duration_weeks=2))
        for control in self._controls():
            control.observe(self._on_change, names="value")
        # the ticks survive a reload: kept in this browser per student (the frame's page bridge)
        self._keep = self.frame.keep("inputs", self.restore_inputs)

    def _controls(self) -> list[w.ValueWidget]:
        return [*self.sites.values(), *self.symptoms.values(), *self.findings.values(), *self.history.values(),
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
            for h, box in self.history.items():
                box.value = h in p.history
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
            history=[h for h, b in self.history.items() if b.value],
        )

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._loading:
            self.update()
            self._keep(self.inputs())

    def inputs(self) -> dict[str, Any]:
        """Every control's value, as plain JSON (what the page keeps across a reload)."""
        return {
            "pain_sites": [s.value for s, b in self.sites.items() if b.value],
            "symptoms": [s.value for s, b in self.symptoms.items() if b.value],
            "findings": [f.value for f, b in self.findings.items() if b.value],
            "history": [h.value for h, b in self.history.items() if b.value],
            "age": self.age.value, "duration_weeks": self.duration.value,
            "conservative_care_weeks": self.care.value, "trauma": self.trauma.value,
            "prefers_non_surgical": self.prefers.value,
        }

    def restore_inputs(self, kept: Any) -> None:
        """Set the controls from what :meth:`inputs` gave before a reload. The value comes from the
        browser, so it is checked like any presentation; anything that does not pass is ignored."""
        if not isinstance(kept, dict):
            return
        try:
            presentation = Presentation(**{k: v for k, v in kept.items() if k in FIELD_WORDS})
        except (TriageError, TypeError, ValueError):
            return
        self.load(presentation)

    def problems(self) -> dict[str, tuple[str, str]]:
        """What is wrong with the inputs, by where it is shown: (message next to the control, short fix)."""
        out: dict[str, tuple[str, str]] = {}
        if not any(b.value for b in self.sites.values()):
            out["sites"] = ("Tick at least one place where it hurts.",
                            "tick at least one place where it hurts (under “Where does it hurt?”).")
        if self.care.value > self.duration.value:
            weeks = (f"conservative care ({self.care.value:g} weeks) cannot last longer than the pain "
                     f"({self.duration.value:g} weeks)")
            out["weeks"] = (f"{weeks[:1].upper()}{weeks[1:]}: lower one of them.",
                            f"{weeks}; change the weeks under “Age and timing”.")
        return out

    def update(self) -> None:
        """Re-assess and redraw; problems with the inputs are shown next to their controls, never raised."""
        found = self.problems()
        self.site_problem.value = _problem_html(found["sites"][0] if "sites" in found else "")
        # the weeks line is always there (a hint until the numbers disagree), so nothing below it jumps
        self.weeks_problem.value = _problem_html(found["weeks"][0]) if "weeks" in found else WEEKS_HINT
        self.other_problem.value = ""
        if found:
            self.assessment = None
            waiting = "No result yet: " + " Also, ".join(f for _, f in found.values())
            early = self._warning_signs_alone() if set(found) == {"sites"} else None
            if early is None:
                self.verdict.value = waiting_html(waiting, self._live)
                self.reasons.value = self.changes.value = ""  # never the reasons of an earlier state
                return
            # a warning sign that reads no pain site decides its urgency before a site is ticked
            self.verdict.value = verdict_html(early, self._live) + (
                '<p class="triage-hint">Tick at least one place where it hurts for the full result; this '
                "warning sign decides how urgent it is whatever the place.</p>")
            # the warning signs only: the routine pathway's "no red flags" reason would contradict them
            signs = tuple(h for h in early.trace if h.rule_id.startswith("RF-") or h.effect == "note")
            self.reasons.value = rules_html(replace(early, trace=signs))
            self.changes.value = ("<h4>What would change it</h4><p>Tick where it hurts first; the single changes "
                                  "depend on it.</p>")
            return
        try:
            self.assessment = assess(self.presentation())
        except TriageError as exc:  # anything the checks above do not foresee, still in the controls' words
            self.assessment = None
            text = "; ".join(f"{FIELD_WORDS.get(p.field.split('[')[0], 'An input')}: {p.message}"
                             for p in exc.problems)
            self.other_problem.value = _problem_html(text)
            self.verdict.value = waiting_html("No result yet: check the inputs marked below.", self._live)
            self.reasons.value = self.changes.value = ""
            return
        # each part is only sent to the browser when its text changed
        self.verdict.value = verdict_html(self.assessment, self._live)
        self.reasons.value = rules_html(self.assessment)
        self.changes.value = changes_list_html(self.assessment)

    def _warning_signs_alone(self) -> Assessment | None:
        """The result of the ticked warning signs when no pain site is ticked, or None without one."""
        try:
            placeholder = Presentation(
                age=self.age.value, pain_sites=[PainSite.LOWER_BACK], duration_weeks=self.duration.value,
                conservative_care_weeks=self.care.value, trauma=self.trauma.value,
                prefers_non_surgical=self.prefers.value,
                symptoms=[s for s, b in self.symptoms.items() if b.value],
                findings=[f for f, b in self.findings.items() if b.value],
                history=[h for h, b in self.history.items() if b.value],
            )
        except TriageError:
            return None
        early = default_engine().assess_without_site(placeholder)  # the placeholder site is set aside
        return early if early.red_flags else None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)


def _problem_html(text: str) -> str:
    # not a live region itself: the verdict (a status region) says the same, so it is announced once
    return f'<p class="triage-problem">{esc(text)}</p>' if text else ""
