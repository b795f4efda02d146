"""Case player: read a case in stages, answer its questions, get feedback; progress is saved."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..cases import Case, Question, load_cases
from ..errors import TriageError
from ..progress import ProgressStore
from .common import LABEL_STYLE, esc, heading, notice


def paragraphs(text: str) -> str:
    """Escaped text as HTML paragraphs (blank lines separate paragraphs)."""
    blocks = [b.strip() for b in text.strip().split("\n\n") if b.strip()]
    return "".join(f"<p>{esc(' '.join(b.split()))}</p>" for b in blocks)


class QuestionView:
    """One question: options as radio buttons or checkboxes, a check button, per-option feedback."""

    def __init__(self, question: Question, on_answer: Any) -> None:
        self.question = question
        self._on_answer = on_answer
        self.prompt = w.HTML(f"<p><strong>{esc(question.prompt)}</strong></p>")
        if question.kind == "single":
            self.choice: w.Widget = w.RadioButtons(
                options=[(o.text, o.id) for o in question.options], value=None, layout=w.Layout(width="auto"),
                description="Answer", style=LABEL_STYLE,
            )
            self.boxes: list[w.Checkbox] = []
        else:
            self.boxes = [w.Checkbox(value=False, description=o.text, indent=False, style=LABEL_STYLE)
                          for o in question.options]
            self.choice = w.VBox(self.boxes)
        self.choice.add_class("triage-options")
        self.check = w.Button(description="Check answer", button_style="primary", tooltip="Check this answer")
        self.check.add_class("triage-check")
        self.check.on_click(self.on_check)
        self.feedback = w.HTML()
        self.feedback.add_class("triage-feedback")
        self.widget = w.VBox([self.prompt, self.choice, self.check, self.feedback])
        self.widget.add_class("triage-question")

    def chosen(self) -> list[str]:
        if self.question.kind == "single":
            return [self.choice.value] if self.choice.value is not None else []
        return [o.id for o, b in zip(self.question.options, self.boxes, strict=True) if b.value]

    def set_chosen(self, ids: Sequence[str]) -> None:
        if self.question.kind == "single":
            self.choice.value = ids[0] if ids else None
        else:
            for o, b in zip(self.question.options, self.boxes, strict=True):
                b.value = o.id in ids

    def on_check(self, _: Any = None) -> None:
        chosen = self.chosen()
        if not chosen:
            self.feedback.value = "<p role='alert'>Choose an answer first.</p>"
            return
        self.show_feedback(chosen)
        self._on_answer(self.question, chosen, self.question.is_correct(chosen))

    def show_feedback(self, chosen: Sequence[str]) -> None:
        correct = self.question.is_correct(chosen)
        verdict = "Correct." if correct else "Not quite."
        items = "".join(
            f"<li><strong>{esc(o.text)}</strong> ({'right' if o.correct else 'wrong'} option"
            f"{', your choice' if o.id in chosen else ''}): {esc(o.feedback)}</li>"
            for o in self.question.options
            if o.id in chosen or correct
        )
        if not correct:
            items += "<li>Try again: read the feedback and look at the case once more.</li>"
        self.feedback.value = (
            f"<div role='status' aria-live='polite'><p><strong>{verdict}</strong></p><ul>{items}</ul></div>"
        )


class CasePlayer:
    """Pick a case, reveal it in stages, answer the questions; answers persist in a progress file."""

    def __init__(self, cases: Sequence[Case] | None = None, progress_path: str | Path | None = None) -> None:
        self.cases = list(cases) if cases is not None else load_cases()
        self.store = ProgressStore.open(progress_path)
        self.picker = w.Dropdown(
            options=[(f"{c.title} ({c.level})", c.id) for c in self.cases],
            value=None,
            description="Case",
            style=LABEL_STYLE,
            layout=w.Layout(width="auto"),
        )
        self.picker.add_class("triage-case-picker")
        self.status = w.HTML()
        self.status.add_class("triage-status")
        if self.store.warning:
            self.status.value = f"<p role='alert' style='color:#7a1010'>{esc(self.store.warning)}</p>"
        self.story = w.HTML()
        self.story.add_class("triage-story")
        self.stages = w.HTML()
        self.stages.add_class("triage-stages")
        self.reveal = w.Button(description="Reveal next stage", tooltip="Reveal the next stage of the case")
        self.reveal.add_class("triage-reveal")
        self.reveal.on_click(self.on_reveal)
        self.questions_box = w.VBox()
        self.score = w.HTML()
        self.score.add_class("triage-score")
        self.teaching = w.HTML()
        self.teaching.add_class("triage-teaching")
        self.case: Case | None = None
        self.views: list[QuestionView] = []
        self.shown = 0
        self.picker.observe(self._on_pick, names="value")
        self.widget = w.VBox([notice(), self.picker, self.status, self.story, self.stages, self.reveal,
                              self.questions_box, self.score, self.teaching])
        self.widget.add_class("triage-case-player")
        if self.cases:
            self.picker.value = self.cases[0].id

    def _on_pick(self, change: dict[str, Any]) -> None:
        self.show(change["new"])

    def show(self, case_id: str | None) -> None:
        """Display one case, restoring saved answers and stages."""
        self.case = next((c for c in self.cases if c.id == case_id), None)
        if self.case is None:
            self.story.value = ""
            return
        c = self.case
        self.store.reload()  # pick up answers saved from another tab since this kernel started
        objectives = "".join(f"<li>{esc(o)}</li>" for o in c.learning_objectives)
        self.story.value = (
            f"<h3>{esc(c.title)}</h3><p><em>Level: {esc(c.level)}</em></p>"
            f"<details><summary>Learning objectives</summary><ul>{objectives}</ul></details>"
            f"{paragraphs(c.narrative)}"
        )
        self.shown = min(self.store.revealed.get(c.id, 0), len(c.reveal))
        self._draw_stages()
        self.views = [QuestionView(q, self._on_answer) for q in c.questions]
        self.questions_box.children = [heading("Questions", 4)] + [v.widget for v in self.views]
        saved = self.store.answers.get(c.id, {})
        for v in self.views:
            if v.question.id in saved:
                v.set_chosen(saved[v.question.id].chosen)
                v.show_feedback(saved[v.question.id].chosen)
        self._draw_score()

    def _draw_stages(self) -> None:
        case = self.case
        if case is None:
            return
        steps = case.reveal[: self.shown]
        self.stages.value = "".join(f"<h4>{esc(s.title)}</h4>{paragraphs(s.text)}" for s in steps)
        remaining = len(case.reveal) - self.shown
        self.reveal.disabled = remaining == 0
        self.reveal.description = (
            f"Reveal: {case.reveal[self.shown].title}" if remaining else "All stages revealed"
        )

    def on_reveal(self, _: Any = None) -> None:
        if self.case is None or self.shown >= len(self.case.reveal):
            return
        self.shown += 1
        self._draw_stages()
        self._save(lambda: self.store.set_revealed(self.case.id, self.shown))  # type: ignore[union-attr]

    def _on_answer(self, question: Question, chosen: list[str], correct: bool) -> None:
        if self.case is not None:
            case_id = self.case.id
            self._save(lambda: self.store.record(case_id, question.id, chosen, correct))
        self._draw_score()

    def _save(self, action: Any) -> None:
        try:
            action()
        except (OSError, TriageError) as exc:
            self.status.value = (
                f"<p role='alert' style='color:#7a1010'>Progress could not be saved to "
                f"{esc(self.store.path)}: {esc(exc)}. Your answers still show in this session.</p>"
            )

    def _draw_score(self) -> None:
        if self.case is None:
            return
        right, answered = self.store.score(self.case.id)
        total = len(self.case.questions)
        self.score.value = (
            f"<p role='status'><strong>Score: {right} of {total} correct</strong> ({answered} answered)</p>"
        )
        if answered == total:
            points = "".join(f"<li>{esc(p)}</li>" for p in self.case.teaching_points)
            self.teaching.value = f"<h4>Teaching points</h4><ul>{points}</ul>"
        else:
            self.teaching.value = "<p><em>Teaching points appear once every question is answered.</em></p>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
