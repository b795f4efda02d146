"""Presenter: an instructor steps a class through one case on a projector, with live polls.

Projector mode: the controls stay in view (a sticky toolbar), every control has a single-key
shortcut shown on screen (N next stage, B previous stage, Q next question, O options, A answers,
R reasoning, P poll), the options can be shown *without* the right ones marked for a class vote,
and answers and reasoning can be hidden again. A question is asked once its stage is shown.

Live poll: "Open poll" puts the current question to the class (students answer in their apps); a
bar chart with counts and percentages as text updates about twice a second, with how many of the
students with an app open have not answered yet; the chart can stay hidden while students vote; "Start
countdown" (T) gives the class a time limit that students see in their poll panel, and the poll
closes when it runs out; "Close poll" stops answers; showing the answers also reveals the poll, and
only then is the right option marked.

Joining: served with ``make app``, the presenter opens on a start screen with the classroom address
and its QR code (:mod:`triage.ui.instructor.join`) until the lesson starts (a later stage or a poll);
J shows or hides it, and the next stage or a poll hides it again. What the screen shows follows the
lesson, not the page: the browser tab keeps the case, the stage, the question (options and answers
shown or not, its poll) and whether the lesson has started
(:class:`~triage.ui.instructor.shortcuts.KeyListener`), so a reloaded page, or one reopened after a
server restart, comes back where it was, with the open poll from the class store, or the question's
closed poll and its counts.

Only the instructor sees this app (see :mod:`triage.ui.instructor.gate`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from ...content.cases import Case, Question, load_cases
from ...domain.engine import assess
from ...errors import StoreError
from ...store import Poll, PollTally
from ..common import PRIMARY, changes_list_html, esc, rules_html, verdict_html
from ..context import AppContext
from ..fallback import mimebundle
from ..frame import app_frame
from ..poll import Ticker, clock, letter
from ..student.case_player import asked_at, level_rank, paragraphs
from .gate import InstructorGate
from .join import class_code, class_url, join_html

NOTEBOOK = "06_instructor.ipynb"
POLL_INTERVAL = 0.5  # seconds between tally reads while a poll is open
KEYS = {
    "n": "next stage", "b": "previous stage", "q": "next question", "o": "show or hide the options",
    "a": "show or hide the answers", "r": "show or hide the reasoning", "p": "open or close the poll",
    "t": "start the poll's countdown", "j": "show or hide how students join",
}
COUNTDOWNS = ((("20 seconds", 20), ("30 seconds", 30), ("45 seconds", 45), ("1 minute", 60), ("90 seconds", 90),
               ("2 minutes", 120)))
# what a presentation clicker sends (and the arrows and Space of a keyboard): forward and back
CLICKER = {"PageDown": "n", "ArrowRight": "n", " ": "n", "PageUp": "b", "ArrowLeft": "b"}


def _share(tally: PollTally, option_id: str) -> tuple[int, int]:
    count = tally.counts.get(option_id, 0)
    return count, (round(100 * count / tally.answered) if tally.answered else 0)


def bar_line_html(count: int, pct: int) -> str:
    """One option's bar (decoration, ``aria-hidden``) with its count and percentage as text."""
    return (f"<span class='triage-bar-line'><span class='triage-bar-track' aria-hidden='true'>"
            f"<span class='triage-bar' style='width:{pct}%'></span></span>"
            f"<span class='triage-bar-value'>{count} ({pct}%)</span></span>")


def poll_chart_html(tally: PollTally, question: Question, with_text: bool = True) -> str:
    """The presenter's live chart: each option (in full, ``with_text``, in the options' place beside the story;
    else its letter only, on one line with its bar, under the story while the answers with their feedback
    are listed beside it) with a bar, its count and percentage as text. The bars are decoration
    (``aria-hidden``); the right option is marked in words, not by colour alone, once the poll is revealed."""
    state = "open" if tally.poll.is_open else "closed"
    rows = []
    for i, option in enumerate(question.options):
        count, pct = _share(tally, option.id)
        right = tally.poll.revealed and option.correct
        # the mark goes with the option, so every bar has the same length of track
        mark = " <span class='triage-correct-mark'>&#10004; correct</span>" if right else ""
        text = f" {esc(option.text)}" if with_text else ""
        rows.append(
            f"<li class='triage-bar-row{' triage-bar-correct' if right else ''}'>"
            f"<span class='triage-bar-label'><span class='triage-letter'>{letter(i)}.</span>{text}{mark}</span>"
            f"{bar_line_html(count, pct)}</li>"
        )
    return (f"<div class='triage-presenter-chart{'' if with_text else ' triage-chart-letters'}'>"
            "<p class='triage-poll-caption'><strong>Class "
            f"poll:</strong> <span class='triage-poll-count'>{tally.answered} answered, poll {state}</span></p>"
            f"<ol>{''.join(rows)}</ol></div>")


def answers_html(question: Question, tally: PollTally | None = None) -> str:
    """The answers with their feedback, the right ones marked in words. With the class poll's ``tally``,
    each answer also carries its own bar and count: shown when the answers take the whole screen's width
    in place of the chart (the presenter's wide form, ``triage-reveal-wide``), hidden otherwise."""
    items = []
    for i, o in enumerate(question.options):
        share = ""
        if tally is not None:
            share = f"<span class='triage-answer-tally triage-bar-row{' triage-bar-correct' if o.correct else ''}'>"
            share += f"{bar_line_html(*_share(tally, o.id))}</span>"
        items.append(
            f"<li>{'<strong>&#10004; correct:</strong> ' if o.correct else ''}<span class='triage-letter'>"
            f"{letter(i)}.</span> <strong>{esc(o.text)}</strong><br><span>{esc(o.feedback)}</span>{share}</li>")
    return f"<div class='triage-presenter-options'><ol>{''.join(items)}</ol></div>"


class Presenter:
    """Large-type case view for a projector, with live polls. Starting case: ``case_id``, else
    ``$TRIAGE_CASE`` (``make present CASE=...``), else the first case."""

    def __init__(self, case_id: str | None = None, cases: Sequence[Case] | None = None,
                 context: AppContext | None = None, keyboard: bool = True, notebook: str = NOTEBOOK) -> None:
        self.frame = app_frame(context, notebook, css_class="triage-presenter")
        self.widget = self.frame.widget
        loaded = list(cases) if cases is not None else load_cases()
        self.cases = sorted(loaded, key=lambda c: (level_rank(c.level), c.title.casefold(), c.id))
        wanted = case_id or os.environ.get("TRIAGE_CASE")
        ids = [c.id for c in self.cases]
        self.case: Case | None = None
        self.stage = 0  # index of the stage on screen (0: the opening story)
        self.question: Question | None = None
        self.options_shown = False
        self.answers_shown = False
        self.reasoning_shown = False
        self.poll: Poll | None = None
        self.unlocked = False
        # the start screen (where students join, make app only) shows until the lesson has started (a later
        # stage or a poll); J is the instructor's own choice, kept until the lesson moves on
        self.started = False
        self.join_choice: bool | None = None

        self.picker = w.Dropdown(options=[(c.title, c.id) for c in self.cases], value=None, description="Case",
                                 layout=w.Layout(width="auto"))
        self.picker.add_class("triage-field")
        self.picker.add_class("triage-case-picker")
        self.stage_label = w.HTML()
        self.stage_label.add_class("triage-stage-label")
        self.next_stage = self._button("Next stage", "n", "triage-next-stage", self.on_next_stage, primary=True)
        self.prev_stage = self._button("Previous stage", "b", "triage-prev-stage", self.on_prev_stage)
        self.next_question = self._button("Next question", "q", "triage-next-question", self.on_next_question)
        self.options_button = self._button("Show options", "o", "triage-show-options", self.on_toggle_options)
        self.answers_button = self._button("Show answers", "a", "triage-show-answers", self.on_toggle_answers)
        self.reasoning_button = self._button("Show reasoning", "r", "triage-show-reasoning", self.on_toggle_reasoning)
        self.poll_button = self._button("Open poll", "p", "triage-poll-toggle", self.on_toggle_poll)
        self.timer_button = self._button("Start countdown", "t", "triage-poll-timer", self.on_start_timer)
        self.timer_button.layout.display = "none"  # shown while a poll is open
        self.join_button = self._button("Hide how to join", "j", "triage-join-toggle", self.on_toggle_join)
        self.join = w.HTML()
        self.join.add_class("triage-join")
        self.timer_length = w.Dropdown(options=COUNTDOWNS, value=30, description="Countdown",
                                       layout=w.Layout(width="auto"))
        self.timer_length.add_class("triage-field")
        self.hide_chart = w.Checkbox(value=False, description="Hide the chart while students vote", indent=False,
                                     layout=w.Layout(width="auto"))
        self.hide_chart.add_class("triage-hide-chart")
        self._chart_hidden = False
        self._tally: PollTally | None = None
        self.hide_chart.observe(lambda _: self._draw(), names="value")
        self.shortcuts_on = w.Checkbox(value=True, description="Single-key shortcuts", indent=False,
                                       layout=w.Layout(width="auto"))
        self.shortcuts_on.add_class("triage-shortcuts-toggle")
        self.keys_help = w.HTML(
            "<p class='triage-keys'>Keys: " + ", ".join(f"<kbd>{k.upper()}</kbd> {esc(v)}" for k, v in KEYS.items())
            + ". A clicker or the keyboard: <kbd>Page Down</kbd>, <kbd>&rarr;</kbd> or <kbd>Space</kbd> next "
            "stage; <kbd>Page Up</kbd> or <kbd>&larr;</kbd> previous stage (<kbd>&uarr;</kbd> and "
            "<kbd>&darr;</kbd> still scroll). The keys work wherever the focus is, except in a text field (in "
            "JupyterLab, click the presenter first); to choose a case with the keyboard, open the case list with "
            "<kbd>Alt</kbd>+<kbd>&darr;</kbd>.</p>"
        )
        self.toolbar = w.Box([self.stage_label, self.prev_stage, self.next_stage, self.next_question,
                              self.options_button, self.answers_button, self.reasoning_button, self.poll_button,
                              self.timer_button])
        self.toolbar.add_class("triage-toolbar")
        self.message = w.HTML()
        self.body = w.HTML()
        self.body.add_class("triage-presenter-body")
        self.question_html = w.HTML()
        self.question_html.add_class("triage-presenter-question")
        self.answers = w.HTML()
        self.answers.add_class("triage-answers")
        self.chart = w.HTML()
        self.chart.add_class("triage-poll-live")
        self.poll_status = w.HTML()
        self.poll_status.add_class("triage-poll-state")
        self.reasoning = w.HTML()
        self.reasoning.add_class("triage-reasoning")
        # the last stage's teaching points and objectives, folded under the answers (and the chart)
        self.points = w.HTML()
        self.points.add_class("triage-presenter-points")
        # during a poll the chart takes the options' place beside the story (each option in full with its
        # bar and count), so the story, the question and the chart fit one projected screen
        # once the answers are shown the chart (a line per option) moves under the story, beside the answers
        # with their feedback: the room sees what the class chose and why, on one screen
        self.poll_box = w.VBox([self.chart, self.poll_status])
        self.poll_box.add_class("triage-presenter-poll")
        self.side = w.VBox([self.question_html, self.answers, self.poll_box, self.points])
        self.side.add_class("triage-presenter-side")
        self.story = w.VBox([self.body])
        self.story.add_class("triage-presenter-story")
        grid = w.Box([self.story, self.side])
        grid.add_class("triage-presenter-grid")
        self.listener = None
        if keyboard:
            from .shortcuts import KeyListener

            targets = {"n": "triage-next-stage", "b": "triage-prev-stage", "q": "triage-next-question",
                       "o": "triage-show-options", "a": "triage-show-answers", "r": "triage-show-reasoning",
                       "p": "triage-poll-toggle", "t": "triage-poll-timer", "j": "triage-join-toggle"}
            self.listener = KeyListener([*KEYS, *CLICKER], self.on_key, scroll_into_view=True,
                                        on_restore=self.restore,
                                        key_targets={**targets, **{k: targets[v] for k, v in CLICKER.items()}})
            w.link((self.shortcuts_on, "value"), (self.listener, "enabled"))
        extras = [self.listener] if self.listener is not None else []
        settings = w.VBox([self.picker, self.join_button, self.shortcuts_on, self.hide_chart, self.timer_length])
        settings.add_class("triage-presenter-settings")
        # projector mode: what the room sees fills the screen; the case picker, the switches and the key
        # help come after it, below the projected area
        projected = w.VBox([self.toolbar, *extras, self.message, self.join, grid, self.reasoning])
        projected.add_class("triage-projected")
        content = w.VBox([projected, settings, self.keys_help])
        content.add_class("triage-presenter-content")
        self.ticker = Ticker(self.refresh_poll, POLL_INTERVAL, alive=lambda: self.widget.comm is not None)
        self.picker.observe(lambda change: self.show(change["new"]), names="value")
        if wanted and wanted not in ids:
            self.message.value = (
                f"<p role='alert'>No case with id {esc(wanted)}; showing the first case. "
                f"Valid ids: {esc(', '.join(ids))}</p>"
            )
            wanted = None
        if self.cases:
            self.picker.value = wanted or self.cases[0].id
        # last: opening the gate may already pick up a poll that is still open (a reloaded projector page)
        self.gate = InstructorGate(self.context, content, self._on_unlock, "presenter")
        self.frame.set_body(self.gate.widget)

    @property
    def context(self) -> AppContext:
        """The page's context (the frame's)."""
        return self.frame.context

    def _button(self, text: str, key: str, css: str, handler: Any, primary: bool = False) -> w.Button:
        b = w.Button(description=f"{text} ({key.upper()})", tooltip=f"{text} (key {key.upper()})",
                     layout=w.Layout(width="auto"))
        if primary:
            b.add_class(PRIMARY)
        b.add_class(css)
        b.on_click(lambda _: handler() if self.unlocked else None)  # nothing works behind the gate
        return b

    # -- access --------------------------------------------------------------------------------
    def _on_unlock(self) -> None:
        self.unlocked = True
        self._adopt_open_poll()
        self._draw_join()

    # -- joining -------------------------------------------------------------------------------
    @property
    def join_shown(self) -> bool:
        """Whether the start screen is on: served with ``make app``, and the instructor asked for it (J) or,
        without their choice, the lesson has not started yet."""
        if self.context.mode != "voila" or not self.unlocked:
            return False
        return self.join_choice if self.join_choice is not None else not self.started

    def on_toggle_join(self) -> None:
        """Show or hide the start screen's address and QR code."""
        self.join_choice = not self.join_shown
        self._draw_join()

    def _lesson_moves_on(self) -> None:
        """The next stage or a poll: the lesson has started, and a start screen brought back with J makes way."""
        self.started = True
        if self.join_choice:
            self.join_choice = None
        self._draw_join()

    def _draw_join(self) -> None:
        served = self.context.mode == "voila"
        shown = self.join_shown
        self.join_button.layout.display = None if served else "none"
        # once the options are shown the room reads the question: the start screen (unless J asked for it)
        # shrinks to one line, so latecomers still see the address and the code, and the case fits the screen
        compact = self.options_shown and self.join_choice is None
        html = join_html(class_url(), class_code(), compact) if shown else ""
        if html != self.join.value:
            self.join.value = html
        self.join_button.description = "Hide how to join (J)" if shown else "Show how to join (J)"
        self._remember()

    def _remember(self) -> None:
        """Hand the lesson's state to the browser tab (restored after a reload: :meth:`restore`)."""
        if self.listener is None:
            return
        state = {"case": self.case.id if self.case else None, "stage": self.stage, "started": self.started,
                 "join": self.join_choice, "question": self.question.id if self.question else None,
                 "options": self.options_shown, "answers": self.answers_shown,
                 "poll": self.poll.id if self.poll else None}
        if state != self.listener.lesson:
            self.listener.lesson = state

    def restore(self, state: dict[str, Any]) -> None:
        """Where the lesson was in this browser tab before a reload or a server restart: the case, the stage,
        the question with its options and answers shown or not and its closed poll (the class's counts),
        whether it had started and the start screen's choice. An open poll (read from the class store)
        takes precedence over all of these."""
        if self.poll is None:
            case_id = state.get("case")
            if isinstance(case_id, str) and any(c.id == case_id for c in self.cases):
                if self.case is None or self.case.id != case_id:
                    self.picker.value = case_id
                stage = state.get("stage")
                if isinstance(stage, int) and 0 <= stage < self.stages and stage != self.stage:
                    self.stage = stage
                    self.question = self._default_question()
                    self._draw()
                self._restore_question(state)
        self.started = self.started or state.get("started") is True or self.stage > 0
        choice = state.get("join")
        self.join_choice = choice if isinstance(choice, bool) else None
        self._draw_join()

    def _restore_question(self, state: dict[str, Any]) -> None:
        """The question on screen before the reload, its options and answers as they were, and the poll it
        had, closed since (its counts; revealed or not), when that poll is this class session's."""
        q = next((q for q in self.asked() if q.id == state.get("question")), None)
        if q is None:
            return
        self.question = q
        self.answers_shown = state.get("answers") is True
        self.options_shown = self.answers_shown or state.get("options") is True
        poll_id = state.get("poll")
        if isinstance(poll_id, int) and not isinstance(poll_id, bool):
            poll, session = None, None
            try:
                poll = self.context.store.poll_tally(poll_id).poll
                session = self.context.store.current_session().id
            except StoreError:
                poll = None
            if poll is not None and poll.session_id == session and not poll.is_open and \
                    self.case is not None and (poll.case_id, poll.question_id) == (self.case.id, q.id):
                self.poll = poll
        self._draw()

    def _adopt_open_poll(self) -> None:
        """After a reload of the projector page, pick up the poll that is still open."""
        try:
            poll = self.context.store.current_poll()
        except StoreError as exc:
            self.poll_status.value = f"<p role='alert'>The class store cannot be read: {esc(exc)}</p>"
            return
        if poll is None:
            return
        case = next((c for c in self.cases if c.id == poll.case_id), None)
        question = next((q for q in case.questions if q.id == poll.question_id), None) if case else None
        if case is None or question is None:
            return
        if self.case is None or self.case.id != case.id:
            self.picker.value = case.id
        self.stage = max(self.stage, asked_at(case, question))
        self.question = question
        self.poll = poll
        self.options_shown = True
        self.started = True  # a poll is open: the lesson is under way
        self._draw()
        self.refresh_poll()
        self.ticker.start()

    # -- navigation ----------------------------------------------------------------------------
    @property
    def stages(self) -> int:
        """Number of stages of the current case."""
        return len(self.case.stages) if self.case else 0

    def asked(self) -> list[Question]:
        """Questions asked so far: those whose stage is on screen or earlier, in stage order."""
        if self.case is None:
            return []
        return [q for i in range(self.stage + 1) for q in self.case.questions_at(i)]

    def show(self, case_id: str | None) -> None:
        """Open a case on its first stage with options, answers and reasoning hidden."""
        self._end_poll()
        self.case = next((c for c in self.cases if c.id == case_id), None)
        self.stage = 0
        self.options_shown = self.answers_shown = self.reasoning_shown = False
        self.question = self._default_question()
        self._draw()

    def _default_question(self) -> Question | None:
        if self.case is None:
            return None
        here = self.case.questions_at(self.stage)
        asked = self.asked()
        return here[0] if here else (asked[-1] if asked else None)

    def _set_question(self, question: Question | None) -> None:
        if question != self.question:
            self._end_poll()
            self.question = question
            self.options_shown = self.answers_shown = False

    def on_next_stage(self) -> None:
        self._lesson_moves_on()  # the lesson starts: the start screen makes way
        if self.case is not None and self.stage + 1 < self.stages:
            self.stage += 1
            self.reasoning_shown = False
            self._set_question(self._default_question())
            self._draw()

    def on_prev_stage(self) -> None:
        if self.case is not None and self.stage > 0:
            self.stage -= 1
            self.reasoning_shown = False
            self._set_question(self._default_question())
            self._draw()

    def on_next_question(self) -> None:
        asked = self.asked()
        if len(asked) < 2:
            return
        index = asked.index(self.question) if self.question in asked else -1
        self._set_question(asked[(index + 1) % len(asked)])
        self._draw()

    def on_toggle_options(self) -> None:
        self.options_shown = not self.options_shown
        if not self.options_shown:
            self.answers_shown = False
        self._draw()

    def on_toggle_answers(self) -> None:
        """Show the right options with their feedback (revealing the poll too), or hide them again."""
        if self.question is None:
            return
        self.answers_shown = not self.answers_shown
        if self.answers_shown:
            self.options_shown = True
            if self.poll is not None and self.unlocked:
                self._reveal_poll()
        self._draw()

    def on_toggle_reasoning(self) -> None:
        self.reasoning_shown = not self.reasoning_shown
        self._draw()

    def on_key(self, key: str) -> None:
        """A shortcut key from the browser (see :data:`KEYS`)."""
        actions = {"n": self.on_next_stage, "b": self.on_prev_stage, "q": self.on_next_question,
                   "o": self.on_toggle_options, "a": self.on_toggle_answers, "r": self.on_toggle_reasoning,
                   "p": self.on_toggle_poll, "t": self.on_start_timer, "j": self.on_toggle_join}
        key = CLICKER.get(key, key)
        if key in actions and self.unlocked:
            actions[key]()

    # -- polls -------------------------------------------------------------------------------------
    def on_toggle_poll(self) -> None:
        if not self.unlocked or self.question is None or self.case is None:
            return
        if self.poll is not None and self.poll.is_open:
            self._close_poll()
        else:
            self._open_poll()
        self._draw()

    def _open_poll(self) -> None:
        if self.case is None or self.question is None:
            return
        try:
            self.poll = self.context.store.open_poll(self.case.id, self.question.id,
                                                     [o.id for o in self.question.options])
        except StoreError as exc:
            self.poll_status.value = f"<p role='alert'>The poll could not be opened: {esc(exc)}</p>"
            return
        self.answers_shown = False
        self.options_shown = True
        self._lesson_moves_on()
        self.ticker.start()
        self.refresh_poll()

    def on_start_timer(self) -> None:
        """Start (or restart) the open poll's countdown: students see the time left; the poll closes at zero."""
        if not self.unlocked or self.poll is None or not self.poll.is_open:
            return
        try:
            self.poll = self.context.store.set_poll_timer(self.poll.id, self.timer_length.value)
        except StoreError as exc:
            self.poll_status.value = f"<p role='alert'>The countdown could not be started: {esc(exc)}</p>"
            return
        self.ticker.start()
        self.refresh_poll()

    def _close_poll(self) -> None:
        if self.poll is None:
            return
        try:
            self.poll = self.context.store.close_poll(self.poll.id)
        except StoreError as exc:
            self.poll_status.value = f"<p role='alert'>The poll could not be closed: {esc(exc)}</p>"
            return
        self.ticker.stop()
        self.refresh_poll()

    def _reveal_poll(self) -> None:
        if self.poll is None:
            return
        if self.poll.is_open:
            self._close_poll()
        try:
            self.poll = self.context.store.reveal_poll(self.poll.id)
        except StoreError as exc:
            self.poll_status.value = f"<p role='alert'>The poll could not be revealed: {esc(exc)}</p>"
            return
        self.refresh_poll()

    def _end_poll(self) -> None:
        """Leaving a question closes its poll (students then see it closed) and clears the chart."""
        if self.poll is not None and self.poll.is_open:
            self._close_poll()
        self.ticker.stop()
        self.poll = None
        self._chart_hidden = False
        self.chart.value = ""
        self.poll_status.value = ""

    def refresh_poll(self) -> None:
        """Redraw the live chart from the store (the ticker calls this while the poll is open)."""
        if self.poll is None or self.question is None:
            return
        try:
            tally = self.context.store.poll_tally(self.poll.id)
        except StoreError as exc:
            self.poll_status.value = f"<p role='alert'>The poll cannot be read: {esc(exc)}</p>"
            return
        left = tally.poll.time_left(time.time())
        timed_out = tally.poll.is_open and left == 0
        if timed_out:  # the countdown ran out: close the poll (students' answers are refused from now on)
            self._close_poll()
            if self.poll is None or self.poll.is_open:
                return
            tally = PollTally(self.poll, tally.counts, tally.answered, tally.present)
        self.poll = tally.poll
        self._tally = tally
        if self.answers_shown:  # each answer's own bar and count (the wide form shows them)
            answers = answers_html(self.question, tally)
            if answers != self.answers.value:
                self.answers.value = answers
        hidden = self.hide_chart.value and tally.poll.is_open and not tally.poll.revealed
        if hidden != self._chart_hidden:  # the options move between the list and the chart
            self._chart_hidden = hidden
            self._draw_question(self.asked())
        if hidden:
            html = (f"<p class='triage-poll-hidden triage-big'><span class='triage-poll-count'>{tally.answered} "
                    "answered</span>: the chart is hidden while students vote; it shows when the poll closes.</p>")
        else:
            html = poll_chart_html(tally, self.question, with_text=not self.answers_shown)
        if html != self.chart.value:
            self.chart.value = html
        if tally.poll.is_open:
            parts = []
            if left is not None:
                parts.append(f"<strong class='triage-countdown'>{clock(left)} left</strong>")
            if tally.present:  # "present": a student app open lately (the home page is not an app)
                parts.append(f"Not answered yet: {tally.waiting} of {tally.present} "
                             f"student{'' if tally.present == 1 else 's'} with an app open")
            else:
                parts.append("No student has an app open yet")  # the home page shows no poll
            parts.append("Press P to close the poll" + ("." if left is not None else ", T for a countdown."))
            state = " &middot; ".join(parts[:-1]) + ". " + parts[-1]
        else:
            ends, closed = tally.poll.ends_at, tally.poll.closed_at
            ran_out = ends is not None and closed is not None and closed >= ends
            state = ("Time is up: the poll is closed." if ran_out else "Poll closed.") + (
                "" if tally.poll.revealed else " Press A to reveal.")
        status = f"<p class='triage-poll-note'>{state}</p>"
        if status != self.poll_status.value:
            self.poll_status.value = status
        if not tally.poll.is_open:
            self.ticker.stop()
        self.poll_button.description = "Close poll (P)" if tally.poll.is_open else "Open poll again (P)"
        self.timer_button.layout.display = None if tally.poll.is_open else "none"
        self.timer_button.description = ("Restart countdown (T)" if tally.poll.is_open and left is not None
                                         else "Start countdown (T)")

    # -- drawing ---------------------------------------------------------------------------------
    def _draw(self) -> None:
        c = self.case
        if c is None:
            return
        current = c.stages[self.stage]
        earlier = "".join(f"<h4>{esc(s.title)}</h4>{paragraphs(s.text)}" for s in c.stages[: self.stage])
        folded = (f"<details><summary>Earlier stages ({self.stage})</summary>{earlier}</details>"
                  if self.stage else "")
        title = "" if self.stage == 0 else f"<h3>Stage {self.stage + 1}: {esc(current.title)}</h3>"
        self.body.value = f"<h2>{esc(c.title)}</h2>{folded}{title}{paragraphs(current.text)}"
        self.stage_label.value = (f"<p role='status' class='triage-stage-count'><strong>Stage {self.stage + 1} of "
                                  f"{self.stages}</strong></p>")
        more = self.stage + 1 < self.stages
        self.next_stage.disabled = not more
        self.next_stage.description = (f"Next stage: {c.stages[self.stage + 1].title} (N)" if more
                                       else "All stages shown")
        self.prev_stage.disabled = self.stage == 0
        asked = self.asked()
        self.next_question.layout.display = None if len(asked) > 1 else "none"
        self.options_button.description = "Hide options (O)" if self.options_shown else "Show options (O)"
        self.answers_button.description = "Hide answers (A)" if self.answers_shown else "Show answers (A)"
        self.reasoning_button.description = "Hide reasoning (R)" if self.reasoning_shown else "Show reasoning (R)"
        has_question = self.question is not None
        for b in (self.options_button, self.answers_button, self.poll_button):
            b.disabled = not has_question
        if self.poll is None or self.poll.question_id != getattr(self.question, "id", None):
            self.poll_button.description = "Open poll (P)"
        self._draw_question(asked)
        self._draw_join()
        self.reasoning.value = self._reasoning_html(current.presentation) if self.reasoning_shown else ""
        if self.poll is not None:
            self.refresh_poll()  # the chart lists the options in full unless the answers are shown above it
        self._remember()

    @staticmethod
    def _reasoning_html(presentation: Any) -> str:
        """The engine's answer for a stage, by name: verdict, the rules that fired, what would change it."""
        a = assess(presentation)
        return (f"<h3>The rules' answer at this stage</h3>{verdict_html(a, live=False)}"
                f"{rules_html(a)}{changes_list_html(a)}")

    def _draw_question(self, asked: list[Question]) -> None:
        q = self.question
        points = self._points_html() if self.answers_shown and q is not None else ""
        if points != self.points.value:  # unchanged: a folded list the instructor opened stays open
            self.points.value = points
        self._place_chart(under_story=self.answers_shown and q is not None)
        if q is None:
            more = "" if self.stage + 1 >= self.stages else " Press N for the next stage."
            self.question_html.value = f"<p class='triage-hint'>No question at this stage yet.{more}</p>"
            self.answers.value = ""
            return
        number = asked.index(q) + 1 if q in asked else 1
        head = (f"<h3>Question {number} of {len(asked)} so far</h3>"
                f"<p class='triage-big'><strong>{esc(q.prompt)}</strong></p>")
        if self.answers_shown:
            self.question_html.value = head
            self.answers.value = answers_html(q, self._poll_tally_for(q))
        elif self.poll is not None and not self._chart_hidden:
            self.question_html.value = head  # the chart lists the options in full, each with its bar
            self.answers.value = ""
        elif self.options_shown or self.poll is not None:
            items = "".join(
                f"<li><span class='triage-letter'>{letter(i)}.</span> {esc(o.text)}</li>"
                for i, o in enumerate(q.options)
            )
            self.question_html.value = head
            self.answers.value = f"<div class='triage-presenter-options'><ol>{items}</ol></div>"
        else:
            self.question_html.value = head + "<p class='triage-hint'>Options hidden: press O to show them.</p>"
            self.answers.value = ""

    def _poll_tally_for(self, q: Question) -> PollTally | None:
        """The last tally read of the poll on screen, when it asks ``q``."""
        t = self._tally
        if self.poll is None or t is None or t.poll.id != self.poll.id or t.poll.question_id != q.id:
            return None
        return t

    def _place_chart(self, under_story: bool) -> None:
        """The chart beside the story in the options' place, or (answers shown) under the story."""
        story = (self.body, self.poll_box) if under_story else (self.body,)
        side = ((self.question_html, self.answers, self.points) if under_story
                else (self.question_html, self.answers, self.poll_box, self.points))
        if self.story.children != story:
            self.story.children = story
        if self.side.children != side:
            self.side.children = side

    def _points_html(self) -> str:
        """At the last stage, the case's teaching points and objectives, folded (the room sees the answers
        first; the instructor opens them with a click)."""
        if self.case is None or self.stage + 1 < self.stages:
            return ""
        c = self.case
        return ("<details><summary>Teaching points and objectives</summary>"
                "<h3>Teaching points</h3><ul>" + "".join(f"<li>{esc(p)}</li>" for p in c.teaching_points)
                + "</ul><h3>What this case set out to teach</h3><ul>"
                + "".join(f"<li>{esc(o)}</li>" for o in c.learning_objectives) + "</ul></details>")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)
