"""Red-flag drill: read a scenario, choose emergency / urgent / routine, get feedback and a score."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from ..drill import Scenario, scenarios
from ..knowledge import knowledge
from ..model import Urgency
from .common import esc, notice


class RedFlagDrill:
    """One scenario at a time; three answer buttons; immediate feedback; running score."""

    def __init__(self, items: Sequence[Scenario] | None = None) -> None:
        self.items = list(items) if items is not None else list(scenarios())
        self.index = 0
        self.right = 0
        self.answered = 0
        self.locked = False
        self.prompt = w.HTML()
        self.prompt.add_class("triage-scenario")
        self.buttons = {}
        for urgency, text in ((Urgency.EMERGENCY, "Emergency"), (Urgency.URGENT, "Urgent (same day)"),
                              (Urgency.ROUTINE, "Routine")):
            b = w.Button(description=text, tooltip=f"Answer: {text}")
            b.add_class("triage-answer")
            b.add_class(f"triage-answer-{urgency.value}")
            b.on_click(lambda _, u=urgency: self.answer(u))
            self.buttons[urgency] = b
        self.feedback = w.HTML()
        self.feedback.add_class("triage-feedback")
        self.score = w.HTML()
        self.score.add_class("triage-score")
        self.next_button = w.Button(description="Next scenario", disabled=True, tooltip="Go to the next scenario")
        self.next_button.add_class("triage-next")
        self.next_button.on_click(self.next)
        self.widget = w.VBox([notice(), self.prompt, w.HBox(list(self.buttons.values())), self.feedback,
                              self.next_button, self.score])
        self.widget.add_class("triage-drill")
        self._draw()

    @property
    def current(self) -> Scenario:
        return self.items[self.index]

    def _draw(self) -> None:
        self.prompt.value = (
            f"<p><strong>Scenario {self.index + 1} of {len(self.items)}.</strong> {esc(self.current.text)}</p>"
            "<p>How urgent is this?</p>"
        )
        self.score.value = f"<p role='status'>Score: {self.right} of {self.answered}</p>"
        for b in self.buttons.values():
            b.disabled = self.locked

    def answer(self, choice: Urgency) -> None:
        """Mark the answer, explain it from the engine's red flags, update the score."""
        if self.locked:
            return
        a = self.current.assessment
        correct = choice == a.urgency
        self.answered += 1
        self.right += int(correct)
        kb = knowledge()
        if a.red_flags:
            flags = [next(f for f in kb.red_flags if f.id == rf) for rf in a.red_flags]
            why = "Red flag: " + "; ".join(f"{f.label.lower()} ({f.signals})" for f in flags)
        else:
            why = "No red flag is present, so the usual pathway applies (" + kb.provider(a.next_step).name + ")."
        verdict = "Correct" if correct else f"Not quite: this is {a.urgency.value}"
        self.feedback.value = (
            f"<div role='status' aria-live='polite'><p><strong>{esc(verdict)}.</strong> {esc(why)}</p>"
            f"<p>Next step: {esc(kb.provider(a.next_step).name)}.</p></div>"
        )
        self.locked = True
        self.next_button.disabled = self.index + 1 >= len(self.items)
        if self.index + 1 >= len(self.items):
            self.next_button.description = "Drill complete"
        self._draw()

    def next(self, _: Any = None) -> None:
        if self.index + 1 < len(self.items):
            self.index += 1
            self.locked = False
            self.feedback.value = ""
            self.next_button.disabled = True
            self._draw()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
