"""Live polls: the student "class panel" and the presenter's bar chart.

The instructor opens a poll on one case question (:class:`~triage.ui.instructor.presenter.Presenter`); every
student app shows :class:`ClassPanel`, which checks the class store about once a second from the
kernel's event loop and, while a poll is open, shows its question and takes an answer. A late or
repeated answer replaces the earlier one until the poll closes. Nothing here shows another
student's answer: students see their own choice and, once the instructor reveals it, the right one.
"""

from __future__ import annotations

import asyncio
import logging
import string
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import ipywidgets as w

from ..content.cases import Case, Question, cases_dir, load_case
from ..errors import PollClosedError, StoreError, TriageError
from ..store import Poll, PollTally
from .common import PRIMARY, esc
from .context import AppContext, current_context
from .fallback import mimebundle
from .widgets import classed

log = logging.getLogger(__name__)
STUDENT_INTERVAL = 1.0  # seconds between checks for a new or closed poll in a student's kernel


class Ticker:
    """Calls ``callback`` every ``interval`` seconds on the kernel's asyncio loop until stopped.

    ``alive`` is checked before each call; when it returns False (the widget was closed) the ticker
    stops itself. Errors in ``callback`` are logged and the ticker carries on.
    """

    def __init__(self, callback: Callable[[], None], interval: float, alive: Callable[[], bool] = lambda: True) -> None:
        self.callback = callback
        self.interval = interval
        self.alive = alive
        self.task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> bool:
        """Start ticking on ``loop`` (default: the running kernel's loop); False when there is no loop."""
        if self.running:
            return True
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = _kernel_loop()
        if loop is None:
            return False
        self.task = loop.create_task(self._run())
        return True

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if not self.alive():
                self.task = None
                return
            try:
                self.callback()
            except Exception:  # a store hiccup must not end live updates for the rest of the class
                log.exception("periodic refresh failed")


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the running IPython kernel, when there is one."""
    try:
        from ipykernel.kernelbase import Kernel

        if not Kernel.initialized():
            return None
        loop = asyncio.get_event_loop()
    except Exception:
        return None
    return loop if loop.is_running() else None


def letter(i: int) -> str:
    """A, B, C, ... for option ``i`` (so a class can call out its vote)."""
    return string.ascii_uppercase[i] if i < 26 else str(i + 1)


@cache
def _case_file(case_id: str) -> Case | None:
    path = cases_dir() / f"{case_id}.yaml"
    try:
        return load_case(path) if path.exists() else None
    except TriageError:
        return None


def find_question(case_id: str, question_id: str,
                  cases: Mapping[str, Case] | None = None) -> tuple[Case, Question] | None:
    """The case and question a poll is about (from ``cases`` when given, else its case file)."""
    case = cases.get(case_id) if cases is not None else _case_file(case_id)
    if case is None:
        return None
    question = next((q for q in case.questions if q.id == question_id), None)
    return (case, question) if question else None


def bars_html(question: Question, counts: Mapping[str, int], answered: int, caption: str,
              show_correct: bool) -> str:
    """A question's options as a bar chart a projector can show: option, bar, count and percent as text.

    The bars are decoration (``aria-hidden``); every value is also text, and the correct option is
    marked in words and with a symbol, not by colour alone, and only when ``show_correct``.
    """
    rows = []
    for i, option in enumerate(question.options):
        count = counts.get(option.id, 0)
        pct = round(100 * count / answered) if answered else 0
        right = show_correct and option.correct
        mark = "<span class='triage-correct-mark'>&#10004; correct</span> " if right else ""
        rows.append(
            f"<tr class='triage-bar-row{' triage-bar-correct' if right else ''}'>"
            f"<th scope='row'><span class='triage-letter'>{letter(i)}</span> {esc(option.text)}</th>"
            f"<td class='triage-bar-cell'><span class='triage-bar-track' aria-hidden='true'>"
            f"<span class='triage-bar' style='width:{pct}%'></span></span></td>"
            f"<td class='triage-bar-value'>{mark}{count} ({pct}%)</td></tr>"
        )
    return (
        "<table class='triage-poll-chart'>"
        f"<caption>{caption}</caption>"
        "<thead><tr><th scope='col'>Option</th><th scope='col'><span class='triage-visually-hidden'>Bar</span></th>"
        "<th scope='col'>Answers</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def tally_html(tally: PollTally, question: Question, revealed: bool | None = None) -> str:
    """The live poll chart; the right option is marked only once the poll is revealed."""
    show_correct = tally.poll.revealed if revealed is None else revealed
    state = "open" if tally.poll.is_open else "closed"
    caption = f"Class poll: <span class='triage-poll-count'>{tally.answered} answered, poll {state}</span>"
    return bars_html(question, tally.counts, tally.answered, caption, show_correct)


class ClassPanel:
    """The student side of a live poll, for any student app (the app frame's class slot).

    Hidden while no poll is open. ``refresh()`` reads the store once (tests call it directly);
    in a kernel a :class:`Ticker` calls it every ``interval`` seconds, started once the learner is
    known and stopped when the widget is closed.
    """

    def __init__(
        self,
        context: AppContext | None = None,
        cases: Sequence[Case] | None = None,
        interval: float = STUDENT_INTERVAL,
        live: bool = True,
    ) -> None:
        self.context = context or current_context()
        self._cases = {c.id: c for c in cases} if cases is not None else None
        self.poll: Poll | None = None
        self.question: Question | None = None
        self.sent: tuple[str, ...] = ()
        self.heading = w.HTML()
        self.choice: w.RadioButtons | None = None
        self.boxes: list[w.Checkbox] = []
        self.options_box = w.VBox()
        self.send = classed(w.Button, PRIMARY, "triage-poll-send", description="Send my answer",
                            tooltip="Send your answer to the instructor", layout=w.Layout(width="auto"))
        self.send.on_click(self.on_send)
        self.status = classed(w.HTML, "triage-poll-status")
        self.body = classed(w.VBox, "triage-poll-body", children=[self.heading, self.options_box, self.send],
                            layout=w.Layout(display="none"))
        # the app frame's slot (class triage-class-panel) holds it
        self.widget = classed(w.VBox, "triage-poll-panel", children=[self.body, self.status])
        self.ticker = Ticker(self.refresh, interval, alive=lambda: self.widget.comm is not None)
        self._live = live
        self.context.on_ready(self._start)

    # -- lifecycle ---------------------------------------------------------------------------
    def _start(self, _: AppContext) -> None:
        self.refresh()
        if self._live:
            self.ticker.start()

    def close(self) -> None:
        """Stop checking for polls and close the widgets."""
        self.ticker.stop()
        self.widget.close()

    # -- reading the store ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the open poll (or what became of the last one); redraw only when something changed."""
        store = self.context.store
        try:
            current = store.current_poll()
            last = self.poll
            if current is None and last is not None:
                # the last poll closed, or may still be revealed: follow it until nothing more can change
                current = store.poll_tally(last.id).poll if (last.is_open or not last.revealed) else last
        except StoreError as exc:
            self.status.value = f"<p class='triage-poll-note'>The class poll cannot be read right now: {esc(exc)}</p>"
            return
        if current == self.poll:
            return
        if current is None or self.poll is None or current.id != self.poll.id:
            self._show_new(current)
        else:
            self.poll = current
            self._draw_state()

    def _show_new(self, poll: Poll | None) -> None:
        self.poll, self.sent, self.question = poll, (), None
        if poll is None:
            self.body.layout.display = "none"
            self.status.value = ""
            return
        found = find_question(poll.case_id, poll.question_id, self._cases)
        if found is None:
            self.body.layout.display = "none"
            self.status.value = ("<p class='triage-poll-note'>Your instructor opened a poll on a case this app "
                                 "cannot find. Answer it aloud or on paper.</p>")
            return
        case, self.question = found
        self.heading.value = (
            "<h3 class='triage-poll-title'>Class poll</h3>"
            f"<p class='triage-poll-case'>{esc(case.title)}</p>"
            f"<p class='triage-poll-prompt'><strong>{esc(self.question.prompt)}</strong></p>"
        )
        labels = [f"{letter(i)}. {o.text}" for i, o in enumerate(self.question.options)]
        if self.question.kind == "single":
            self.choice = w.RadioButtons(options=list(zip(labels, [o.id for o in self.question.options], strict=True)),
                                         value=None, description="Your answer", layout=w.Layout(width="auto"))
            self.choice.add_class("triage-options")
            self.boxes = []
            self.options_box.children = [self.choice]
        else:
            self.choice = None
            self.boxes = [w.Checkbox(value=False, description=text, indent=False, layout=w.Layout(width="auto"))
                          for text in labels]
            self.options_box.children = [w.HTML("<p>Choose every option that applies.</p>"), *self.boxes]
        self.options_box.add_class("triage-poll-options")
        self.body.layout.display = None
        self._draw_state()

    def _draw_state(self) -> None:
        poll, question = self.poll, self.question
        if poll is None or question is None:
            return
        open_ = poll.is_open
        if self.choice is not None:
            self.choice.disabled = not open_
        for box in self.boxes:
            box.disabled = not open_
        self.send.layout.display = None if open_ else "none"
        mine = self._names(self.sent)
        if open_:
            if not self.context.learner.can_save:
                text = ("To answer, choose a name on the home page first: answers are counted per student. "
                        f"<a href='{esc(self.context.home_link())}'>Go to the home page</a>")
            elif self.sent:
                text = f"Sent: {esc(mine)}. You can change your answer until the poll closes."
            else:
                text = "Your instructor is waiting for answers: choose and send."
        else:
            text = "The poll has closed." + (f" Your answer: {esc(mine)}." if self.sent else " You did not answer.")
            if poll.revealed:
                right = self._names(tuple(o.id for o in question.options if o.correct))
                verdict = ""
                if self.sent:
                    verdict = " You got it." if question.is_correct(self.sent) else " Compare it with yours."
                text += f" The answer: &#10004; {esc(right)}.{verdict}"
        self.status.value = f"<p role='status' class='triage-poll-note'>{text}</p>"

    def _names(self, ids: Sequence[str]) -> str:
        if self.question is None:
            return ""
        return ", ".join(f"{letter(i)}. {o.text}" for i, o in enumerate(self.question.options) if o.id in ids)

    # -- answering ---------------------------------------------------------------------------
    def chosen(self) -> list[str]:
        if self.question is None:
            return []
        if self.choice is not None:
            return [self.choice.value] if self.choice.value is not None else []
        return [o.id for o, b in zip(self.question.options, self.boxes, strict=True) if b.value]

    def on_send(self, _: Any = None) -> None:
        """Record (or replace) this student's answer to the open poll."""
        poll = self.poll
        if poll is None:
            return
        if not self.context.learner.can_save:
            self._draw_state()
            return
        chosen = self.chosen()
        if not chosen:
            self.status.value = "<p role='status' class='triage-poll-note'>Choose an answer first.</p>"
            return
        try:
            self.context.store.answer_poll(poll.id, self.context.learner, chosen)
        except PollClosedError:
            self.refresh()
            self.status.value = "<p role='status' class='triage-poll-note'>Too late: this poll has just closed.</p>"
            return
        except StoreError as exc:
            self.status.value = f"<p role='status' class='triage-poll-note'>Your answer was not sent: {esc(exc)}</p>"
            return
        self.sent = tuple(chosen)
        self._draw_state()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)


def class_panel_for(context: AppContext, notebook: str) -> w.Widget | None:
    """What the app frame puts in its class-panel slot (``triage.ui`` registers this with
    ``frame.set_class_panel_provider``): a :class:`ClassPanel` on student apps; nothing on the instructor's,
    nor in the static build (one learner per browser, no class to poll)."""
    from ..content.course import course

    if context.learner.source == "browser":
        return None
    audience = next((a.audience for a in course() if a.notebook == notebook), "student")
    return ClassPanel(context).widget if audience == "student" else None
