"""Red-flag drill: read a scenario, choose emergency / urgent / routine, see your choice marked, review your misses.

A *round* answers every scenario once. Each answer goes to the student's record in the class store
(``record_drill``), so a reload resumes the round where it stopped, or shows the last round's
results; a finished round marks the app done (``mark_done``). "Try again" starts a new round in a
new order.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from ...content.drill import Scenario, scenarios
from ...domain.knowledge import knowledge
from ...domain.model import Urgency
from ...domain.vocabulary import in_sentence, vocabulary
from ...errors import TriageError
from ...store import DrillAttempt
from ...store.identity import Learner
from ..common import PRIMARY, each_reason_once, esc
from ..context import AppContext
from ..fallback import mimebundle
from ..frame import app_frame

NOTEBOOK = "03_red_flags.ipynb"
# In the browser (Pyodide) an answer is saved this long after it is drawn: each of the save's file
# operations on JupyterLite's drive needs the page's main thread, which is then drawing the verdict.
BROWSER_SAVE_DELAY = 0.05


def _browser_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop when Python runs in the browser (Pyodide); None elsewhere, or with no loop."""
    if sys.platform != "emscripten":
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
CHOICES = (Urgency.EMERGENCY, Urgency.URGENT, Urgency.ROUTINE)


def split_rounds(attempts: Sequence[DrillAttempt], size: int) -> list[list[DrillAttempt]]:
    """Attempts in order, cut into rounds: a round holds each scenario once and at most ``size`` answers."""
    rounds: list[list[DrillAttempt]] = []
    current: list[DrillAttempt] = []
    for attempt in attempts:
        if len(current) == size or any(a.scenario_id == attempt.scenario_id for a in current):
            rounds.append(current)
            current = []
        current.append(attempt)
    if current:
        rounds.append(current)
    return rounds


class RedFlagDrill:
    """One scenario at a time, three answer buttons, feedback, a running score and a review of misses."""

    def __init__(self, items: Sequence[Scenario] | None = None, context: AppContext | None = None,
                 notebook: str = NOTEBOOK, rng: random.Random | None = None) -> None:
        self.notebook = notebook
        self.items = list(items) if items is not None else list(scenarios())
        self.rng = rng or random.Random()  # noqa: S311 - shuffling practice questions, not security
        self.order: list[Scenario] = list(self.items)
        self.answers: dict[str, Urgency] = {}  # this round: scenario id -> the student's choice
        self.index = 0
        self.rounds_done: list[tuple[int, int]] = []  # (right, total) of each finished round
        voc = vocabulary()

        self.progress = w.HTML()
        self.progress.add_class("triage-progress")
        self.prompt = w.HTML()
        self.prompt.add_class("triage-scenario-box")
        self.buttons: dict[Urgency, w.Button] = {}
        for urgency in CHOICES:
            name = voc.urgency_name(urgency)
            b = w.Button(description=name, tooltip=f"Answer: {name}")
            for css in (PRIMARY, "triage-answer", f"triage-answer-{urgency.value}"):
                b.add_class(css)
            b.on_click(lambda _, u=urgency: self.answer(u))
            self.buttons[urgency] = b
        answers = w.Box(list(self.buttons.values()))
        answers.add_class("triage-buttons")
        self.feedback = w.HTML()
        self.feedback.add_class("triage-feedback")
        self.feedback.add_class("triage-live")
        self.next_button = w.Button(description="Next scenario", disabled=True, tooltip="Go to the next scenario")
        self.next_button.add_class(PRIMARY)
        self.next_button.add_class("triage-next")
        self.next_button.on_click(self.next)
        self.score = w.HTML()
        self.score.add_class("triage-score")
        self.status = w.HTML()
        self.status.add_class("triage-problem-slot")
        self.review = w.HTML()
        self.review.add_class("triage-review")
        self.review.add_class("triage-live")
        self.retry_button = w.Button(description="Try again in a new order",
                                     tooltip="Start a new round with the scenarios shuffled")
        self.retry_button.add_class(PRIMARY)
        self.retry_button.add_class("triage-retry")
        self.retry_button.on_click(self.retry)
        self._question_view = (self.progress, self.prompt, answers, self.feedback, self.next_button, self.score,
                               self.status)
        self._review_view = (self.review, self.retry_button, self.status)
        self.frame = app_frame(context, notebook, *self._question_view, css_class="triage-drill")
        self.widget = self.frame.widget
        self._live = self.context.mode != "voila"
        self._restore()
        self.frame.on_context(lambda _: self._restore())  # a preheated page learns who is answering later
        self.frame.on_visible(self.refresh_from_store)

    @property
    def context(self) -> AppContext:
        return self.frame.context

    # -- state ------------------------------------------------------------------------------

    @property
    def current(self) -> Scenario:
        return self.order[self.index]

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def right(self) -> int:
        by_id = {s.id: s for s in self.items}
        return sum(by_id[sid].answer == choice for sid, choice in self.answers.items())

    @property
    def locked(self) -> bool:
        """True once the current scenario has been answered."""
        return self.index < len(self.order) and self.current.id in self.answers

    @property
    def finished(self) -> bool:
        return self.answered == len(self.order)

    def _attempts(self) -> list[DrillAttempt]:
        learner = self.context.learner
        if not learner.can_save:
            return []
        return list(self.context.store.learner_record(learner).drill)

    def refresh_from_store(self) -> None:
        """Show the round as the class store holds it. Called when the student comes back to this tab:
        another tab or device of theirs may have answered since (and so moved the round on)."""
        if not self.context.ready or not self.context.learner.can_save:
            return
        try:
            attempts = self._attempts()
        except TriageError:
            return
        _, answers, rounds_done = self._rounds(attempts)
        if (answers, rounds_done) == (self.answers, self.rounds_done):
            return  # what this tab shows is what the store holds (its own order of what is left stays)
        self._restore(attempts)
        self.status.value = ("<p role='status' class='triage-hint'>Brought up to date: you answered in "
                             "another tab or on another device since this page was last used.</p>")

    def _rounds(self, attempts: list[DrillAttempt]) -> tuple[list[Scenario], dict[str, Urgency],
                                                              list[tuple[int, int]]]:
        """From the record's attempts: the round's order (answered first), its answers, finished rounds' scores."""
        ids = {s.id for s in self.items}
        rounds = split_rounds([a for a in attempts if a.scenario_id in ids], len(self.items))
        rounds_done = [(sum(a.correct for a in r), len(r)) for r in rounds if len(r) == len(self.items)]
        by_id = {s.id: s for s in self.items}
        last = rounds[-1] if rounds else []
        order, answers = list(self.items), {}
        if last:
            done = [by_id[a.scenario_id] for a in last]
            order = done + [s for s in self.items if s.id not in {d.id for d in done}]
            answers = {a.scenario_id: Urgency(a.chosen) for a in last if a.chosen in Urgency._value2member_map_}
        return order, answers, rounds_done

    def _restore(self, attempts: list[DrillAttempt] | None = None) -> None:
        """Resume from the student's record: the unfinished round, else the last round's results."""
        self.frame.set_body(*self._question_view)
        if attempts is None:
            try:
                attempts = self._attempts()
            except TriageError as exc:
                attempts = []
                self._say_unsaved(exc)
        self.order, self.answers, self.rounds_done = self._rounds(attempts)
        if self.finished:
            self.index = len(self.order) - 1
            self.show_review()
            return
        self.index = len(self.answers)
        self._draw()

    def _say_unsaved(self, exc: TriageError) -> None:
        reason = exc.problems[0].message if exc.problems else str(exc)
        self.status.value = (f'<p class="triage-problem" role="alert">Your answers cannot be saved right now '
                             f"({esc(reason)}). The drill still works.</p>")

    # -- drawing --------------------------------------------------------------------------

    def _draw(self) -> None:
        scenario = self.current
        voc = vocabulary()
        self.progress.value = f"<h3>Scenario {self.index + 1} of {len(self.order)}</h3>"
        self.prompt.value = (f'<p class="triage-scenario" data-scenario="{esc(scenario.id)}">{esc(scenario.text)}</p>'
                             "<p><strong>How urgent is this?</strong></p>")
        chosen = self.answers.get(scenario.id)
        for urgency, b in self.buttons.items():
            name = voc.urgency_name(urgency)
            b.remove_class("triage-right")
            b.remove_class("triage-wrong")
            b.remove_class("triage-chosen")
            b.disabled = chosen is not None
            b.description = name
            if chosen is None:
                continue
            is_answer = urgency == scenario.answer
            if urgency == chosen:
                b.add_class("triage-chosen")
                b.add_class("triage-right" if is_answer else "triage-wrong")
                b.description = f"✓ {name}: your answer, right" if is_answer else f"✗ {name}: your answer"
            elif is_answer:
                b.add_class("triage-right")
                b.description = f"✓ {name}: the right answer"
        self.feedback.value = self._feedback_html(scenario, chosen) if chosen is not None else ""
        last = self.index + 1 >= len(self.order)
        self.next_button.disabled = chosen is None
        self.next_button.description = "See your results" if last else "Next scenario"
        self.next_button.tooltip = "Finish the round and review it" if last else "Go to the next scenario"
        self._draw_score()

    def _draw_score(self) -> None:
        text = f"Score: {self.right} of {self.answered}"
        if self.rounds_done:
            best = max(self.rounds_done)
            text += f" · best finished round: {best[0]} of {best[1]}"
        self.score.value = f"<p>{esc(text)}</p>"

    def _feedback_html(self, scenario: Scenario, chosen: Urgency) -> str:
        kb = knowledge()
        a = each_reason_once(scenario.assessment, kb)
        voc = vocabulary()
        right = voc.urgency_name(a.urgency)
        if chosen == a.urgency:
            verdict = f"Right: {right}."
        else:
            verdict = f"Not quite: this one is {right}, not {voc.urgency_name(chosen)}."
        flags = {f.id: f for f in kb.red_flags}
        step = kb.provider(a.next_step).name
        if a.red_flags:
            why = "; ".join(f"{flags[f].label}: {in_sentence(flags[f].signals.rstrip('.'))}" for f in a.red_flags)
            reason = f"{_flag_word(a.red_flags)}: {why}. Next step: {step}."
        else:
            reason = f"No red flag here, so the usual route applies. Next step: {step}."
        if scenario.why:  # the author's reason, for a point the engine's words alone would not make
            reason += f" {scenario.why}"
        role = ' role="status"' if self._live else ""
        return f"<div{role}><p><strong>{esc(verdict)}</strong> {esc(reason)}</p></div>"

    # -- actions --------------------------------------------------------------------------

    def answer(self, choice: Urgency) -> None:
        """Mark the pressed button right or wrong, explain and update the score, then record the answer.

        Drawn first: the widget updates leave for the browser before the store is written, which on the
        static site (a file on the browser's drive) takes several times longer than the drawing."""
        if self.locked or self.finished:
            return
        scenario = self.current
        self.answers[scenario.id] = choice
        self._draw()
        learner = self.context.learner
        if not learner.can_save:
            return
        loop = _browser_loop()
        if loop is not None:  # the page draws the verdict before the drive keeps its main thread busy
            loop.call_later(BROWSER_SAVE_DELAY, self._save, learner, scenario, choice)
        else:
            self._save(learner, scenario, choice)

    def _save(self, learner: Learner, scenario: Scenario, choice: Urgency) -> None:
        try:
            self.context.store.record_drill(learner, scenario.id, choice.value, choice == scenario.answer)
        except TriageError as exc:
            self._say_unsaved(exc)

    def next(self, _: Any = None) -> None:
        """The next scenario, or the round's results after the last one."""
        if not self.locked:
            return
        if self.index + 1 < len(self.order):
            self.index += 1
            self._draw()
        else:
            self.finish()

    def finish(self) -> None:
        """End the round: note it in the record (the app counts as done) and show the review."""
        if not self.finished:
            return
        self.rounds_done.append((self.right, len(self.order)))
        learner = self.context.learner
        if learner.can_save:
            try:
                self.context.store.mark_done(learner, self.notebook)
            except TriageError as exc:
                self._say_unsaved(exc)
        self.show_review()

    def misses(self) -> list[tuple[Scenario, Urgency]]:
        """This round's wrong answers, in the order they were asked: (scenario, what the student chose)."""
        return [(s, self.answers[s.id]) for s in self.order
                if s.id in self.answers and self.answers[s.id] != s.answer]

    def show_review(self) -> None:
        voc = vocabulary()
        misses = self.misses()
        head = f"<h3>Round complete: {self.right} of {len(self.order)} right</h3>"
        if not misses:
            body = "<p>Every scenario right. Try a new order to be sure it was not luck.</p>"
        else:
            items = "".join(
                f'<li><p class="triage-scenario">{esc(s.text)}</p><p>You chose {esc(voc.urgency_name(chosen))}; '
                f"the answer is <strong>{esc(voc.urgency_name(s.answer))}</strong>. "
                f"{esc(_why(s))}</p></li>"
                for s, chosen in misses
            )
            body = f"<h4>To look at again ({len(misses)})</h4><ol>{items}</ol>"
        self.review.value = head + body
        self.frame.set_body(*self._review_view)

    def retry(self, _: Any = None) -> None:
        """A new round with every scenario, in an order different from the last one."""
        previous = [s.id for s in self.order]
        order = list(self.items)
        for _attempt in range(20):
            self.rng.shuffle(order)
            if len(order) < 2 or [s.id for s in order] != previous:
                break
        self.order = order
        self.answers = {}
        self.index = 0
        self.frame.set_body(*self._question_view)
        self._draw()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)


def _why(s: Scenario) -> str:
    kb = knowledge()
    a = each_reason_once(s.assessment, kb)
    if a.red_flags:
        flags = {f.id: f for f in kb.red_flags}
        text = f"{_flag_word(a.red_flags)}: " + "; ".join(flags[f].label for f in a.red_flags) + "."
    else:
        text = "No red flag, so the usual route: " + kb.provider(a.next_step).name + "."
    return f"{text} {s.why}" if s.why else text


def _flag_word(flags: tuple[str, ...]) -> str:
    return "Red flag" if len(flags) == 1 else "Red flags"
