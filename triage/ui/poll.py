"""Live polls: the student "class panel" and the presenter's bar chart.

The instructor opens a poll on one case question (:class:`~triage.ui.instructor.presenter.Presenter`); every
student app shows :class:`ClassPanel`, which, while a poll is open, shows its question and takes an
answer. A late or repeated answer replaces the earlier one until the poll closes. Nothing here shows
another student's answer: students see their own choice and, once the instructor reveals it, the
right one.

How the panel learns of polls:

- On JupyterHub (a class service, :class:`~triage.store.hub.HubStore`) it reads the student-scoped
  ``live_poll`` (the open poll, or what became of the last one: never the instructor's tally) from a
  :class:`PollWatcher` thread whose requests the service holds until the poll changes: a change arrives
  at once, an idle class costs one request per student every :data:`LIVE_WAIT` seconds, and after an
  error the thread waits longer each time (up to :data:`ERROR_PAUSE_MAX`).
- With a local store (SQLite, PostgreSQL) a :class:`Ticker` reads it about once a second.
- Nothing is read until a browser shows the page (ipywidgets' control channel opens): warm kernels
  nobody uses, and kernels whose page never loads, stay silent.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
import string
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import ipywidgets as w

from ..content.cases import Case, Question, cases_dir, load_case
from ..errors import PollClosedError, StoreError, TriageError
from ..store import PRESENT_EVERY, Poll, PollTally
from ..store.identity import in_voila
from .common import PRIMARY, esc, store_reason
from .context import AppContext, current_context
from .fallback import mimebundle
from .poll_notice import poll_notice
from .widgets import classed

log = logging.getLogger(__name__)
_panels: weakref.WeakKeyDictionary[w.Widget, ClassPanel] = weakref.WeakKeyDictionary()
STUDENT_INTERVAL = 1.0  # seconds between checks for a new or closed poll in a student's kernel (local store)
LIVE_WAIT = 25.0  # seconds a class service holds a student's live-poll request while nothing changes
ERROR_PAUSE_FIRST = 2.0  # seconds before reading again after an error; doubled after each further error ...
ERROR_PAUSE_MAX = 60.0  # ... up to this
OWN_ANSWER_EVERY = 5.0  # seconds between reads of the student's own answer while a poll is open (other devices)
PollReader = Callable[[int | None, str | None, float], tuple[Poll | None, str]]


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


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop this code runs on (a kernel's), if any."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return _kernel_loop()


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


class PollWatcher:
    """A thread that waits on a class service for the poll to change and hands each change to the kernel.

    ``read(last, seen, wait)`` is :meth:`~triage.store.hub.HubStore.live_poll` (held by the service until the
    version differs from ``seen``); ``last()`` is the id of the poll the panel follows. ``apply(poll)`` and
    ``fail(error)`` run on ``loop``. Stops when ``alive()`` turns False or :meth:`stop` is called.
    """

    def __init__(self, read: PollReader, last: Callable[[], int | None], apply: Callable[[Poll | None], None],
                 fail: Callable[[StoreError], None], loop: asyncio.AbstractEventLoop, seen: str | None,
                 alive: Callable[[], bool] = lambda: True, wait: float = LIVE_WAIT) -> None:
        self.read, self.last, self.apply, self.fail, self.loop = read, last, apply, fail, loop
        self.seen, self.alive, self.wait = seen, alive, wait
        self.requests = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="triage-poll-watcher", daemon=True)

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        pause = ERROR_PAUSE_FIRST
        while not self._stop.is_set() and self.alive() and not self.loop.is_closed():
            try:
                self.requests += 1
                poll, version = self.read(self.last(), self.seen, self.wait)
            except StoreError as exc:
                self._deliver(self.fail, exc)
                self._stop.wait(pause)
                pause = min(pause * 2, ERROR_PAUSE_MAX)
                continue
            except Exception:  # never let the thread die silently: log, wait, carry on
                log.exception("reading the live poll failed")
                self._stop.wait(pause)
                pause = min(pause * 2, ERROR_PAUSE_MAX)
                continue
            pause = ERROR_PAUSE_FIRST
            if version != self.seen:
                self.seen = version
                self._deliver(self.apply, poll)

    def _deliver(self, fn: Callable[[Any], None], value: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(fn, value)
        except RuntimeError:  # the kernel's loop is gone
            self._stop.set()


_frontend_waiting: list[Callable[[], None]] = []


def when_frontend_connects(callback: Callable[[], None]) -> None:
    """Run ``callback`` once a browser shows this kernel's widgets.

    In a kernel Voila started for a page (prepared in advance or on request), the notebook runs before
    any browser is connected: wait for the page's widget manager to open ipywidgets' control channel
    (``jupyter.widget.control``), which it does first thing on loading, so a warm kernel nobody opens,
    or one whose page never loads (a link preview), reads nothing. Anywhere else (JupyterLab, plain
    Python) the front end, if any, is already there: at once."""
    from ipywidgets import Widget

    if Widget._control_comm is not None or not in_voila(os.environ):
        callback()
        return
    if not _frontend_waiting and not _watch_control_channel():
        callback()  # no kernel comm manager: nothing to wait for
        return
    _frontend_waiting.append(callback)


def _watch_control_channel() -> bool:
    from ipywidgets import comm as widget_comm

    manager = widget_comm.get_comm_manager()
    targets = getattr(manager, "targets", None)
    original = targets.get("jupyter.widget.control") if isinstance(targets, dict) else None
    if original is None:
        return False

    def opened(comm: Any, msg: Any) -> Any:
        result = original(comm, msg)
        manager.register_target("jupyter.widget.control", original)
        waiting = list(_frontend_waiting)
        _frontend_waiting.clear()
        for callback in waiting:
            try:
                callback()
            except Exception:
                log.exception("starting the class panel failed")
        return result

    manager.register_target("jupyter.widget.control", opened)
    return True


def clock(seconds: float) -> str:
    """Seconds left as ``m:ss``, rounded up (a countdown shows 0:00 only once the time is up)."""
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


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


_AFFIRMATION = re.compile(r"^(?:Yes|Right|Correct)[.,;!]\s+")


def _reason(feedback: str) -> str:
    """A right option's feedback as the reason it is right (without its opening "Yes." or "Right.", which
    answer a student who chose it, not one who reads why)."""
    rest = _AFFIRMATION.sub("", feedback, count=1)
    return rest[:1].upper() + rest[1:]


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
        # the countdown's time left: not a live region (a screen reader would read it every second); "Time is
        # up" goes to the status line
        self.clock = classed(w.HTML, "triage-poll-clock")
        self.body = classed(w.VBox, "triage-poll-body", children=[self.heading, self.clock, self.options_box,
                                                                  self.send], layout=w.Layout(display="none"))
        # the browser side: a bar that takes the student to an open poll, the tab's title, kept choices
        self.notice = poll_notice(self.on_draft)
        extra = [self.notice] if self.notice is not None else []
        # the app frame's slot (class triage-class-panel) holds it
        self.widget = classed(w.VBox, "triage-poll-panel", children=[self.body, self.status, *extra])
        self.ticker = Ticker(self.refresh, interval, alive=lambda: self.widget.comm is not None)
        self.watcher: PollWatcher | None = None
        self._version: str | None = None  # what the class service last said (live_poll), if it is one
        self._failed = False  # the last read failed (its note is shown)
        self._live = live
        self._present_at: float | None = None  # when this app last told the store the student is here
        self._mine_at = 0.0  # when this app last read the student's own answer (another device may send one)
        self._listeners: list[Callable[[Poll | None], None]] = []
        _panels[self.widget] = self
        self.context.on_ready(self._start)

    @staticmethod
    def of(widget: w.Widget | None) -> ClassPanel | None:
        """The panel whose widget this is (the app frame's slot holds only the widget)."""
        return _panels.get(widget) if widget is not None else None

    def on_poll(self, callback: Callable[[Poll | None], None]) -> None:
        """Call ``callback(poll)`` now and whenever the poll this panel shows opens, closes or changes."""
        self._listeners.append(callback)
        callback(self.poll)

    def _tell(self) -> None:
        for callback in list(self._listeners):
            try:
                callback(self.poll)
            except Exception:  # an app's redraw must not stop the poll for the rest of the page
                log.exception("an app failed to follow the class poll")

    # -- lifecycle ---------------------------------------------------------------------------
    def _start(self, _: AppContext) -> None:
        when_frontend_connects(self._begin)

    def _begin(self) -> None:
        self.refresh()
        if not self._live:
            return
        reader: PollReader | None = getattr(self.context.store, "live_poll", None)
        loop = _running_loop()
        if reader is not None and loop is not None:
            self.watcher = PollWatcher(reader, lambda: self.poll.id if self.poll else None, self._apply,
                                       self._read_failed, loop, self._version,
                                       alive=lambda: self.widget.comm is not None)
            self.watcher.start()
            self.ticker.callback = self._tick  # the watcher reads the poll; the ticker keeps time only
        self.ticker.start()

    def _tick(self) -> None:
        """Each second beside a :class:`PollWatcher`: say the student is here (now and then) and move the
        countdown on; the store is not read for the poll."""
        self._say_present()
        if self.poll is not None and self.poll.is_open and self.poll.ends_at is not None:
            self._draw_state()

    def close(self) -> None:
        """Stop checking for polls and close the widgets."""
        self.ticker.stop()
        if self.watcher is not None:
            self.watcher.stop()
        self.widget.close()

    # -- reading the store ---------------------------------------------------------------------
    def _read(self) -> Poll | None:
        """The poll to show: the open one, or what became of the last one (student-scoped on a hub)."""
        store = self.context.store
        last = self.poll
        reader: PollReader | None = getattr(store, "live_poll", None)
        if reader is not None:
            current, self._version = reader(last.id if last else None, None, 0)
            return current
        current = store.current_poll()
        if current is None and last is not None:
            # the last poll closed, or may still be revealed: follow it until nothing more can change
            current = store.poll_tally(last.id).poll if (last.is_open or not last.revealed) else last
        return current

    def refresh(self) -> None:
        """Show the open poll (or what became of the last one); redraw only when something changed."""
        self._say_present()
        try:
            current = self._read()
        except StoreError as exc:
            self._read_failed(exc)
            return
        self._apply(current)
        self._follow_own_answer()

    def _follow_own_answer(self) -> None:
        """Every :data:`OWN_ANSWER_EVERY` seconds of an open poll, read this student's answer again: the same
        student may have answered on another device or tab, and this page must not keep saying "Sent" for an
        answer the class no longer has."""
        poll, now = self.poll, time.monotonic()
        if poll is None or self.question is None or not poll.is_open or now - self._mine_at < OWN_ANSWER_EVERY:
            return
        self._mine_at = now
        stored = self._stored_answer(poll)
        if stored and tuple(sorted(stored)) != tuple(sorted(self.sent)):
            untouched = tuple(sorted(self.chosen())) == tuple(sorted(self.sent))  # no new choice of this page's
            self.sent = stored
            if untouched:
                self._set_chosen(list(stored))
            self._draw_state()

    def _read_failed(self, exc: StoreError) -> None:
        self._failed = True
        self.status.value = (f"<p class='triage-poll-note'>The class poll cannot be read: {esc(store_reason(exc))}. "
                             "This page tries again by itself.</p>")

    def _apply(self, current: Poll | None) -> None:
        """Show ``current`` (a poll the store just returned); redraw only when something changed."""
        if self.widget.comm is None:
            return
        if self._failed:  # read again after a failure: the note about it goes
            self._failed = False
            if current == self.poll:
                self._draw_state() if self.question is not None else self._show_new(current)
                return
        if current == self.poll:
            if current is not None and current.is_open and current.ends_at is not None:
                self._draw_state()  # the countdown's time left
            return
        if current is None or self.poll is None or current.id != self.poll.id:
            self._show_new(current)
        else:
            self.poll = current
            self._draw_state()
        self._tell()

    def _say_present(self) -> None:
        """Tell the store, every :data:`~triage.store.PRESENT_EVERY` seconds, that this student has an app
        open: the presenter counts who has not answered yet among the students present."""
        learner = self.context.learner
        now = time.monotonic()
        if not learner.can_save or (self._present_at is not None and now - self._present_at < PRESENT_EVERY):
            return
        try:
            self.context.store.mark_present(learner)
        except StoreError:
            return  # the poll check right after says when the store cannot be reached
        self._present_at = now

    def _show_new(self, poll: Poll | None) -> None:
        self.poll, self.sent, self.question = poll, (), None
        if poll is None:
            self.body.layout.display = "none"
            self.status.value = ""
            self._notify()
            return
        found = find_question(poll.case_id, poll.question_id, self._cases)
        if found is None:
            self.body.layout.display = "none"
            self.status.value = ("<p class='triage-poll-note'>Your instructor opened a poll on a case this app "
                                 "cannot find. Answer it aloud or on paper.</p>")
            self._notify()
            return
        self.sent = self._stored_answer(poll)
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
        self._set_chosen(self.sent)  # a reloaded page shows the answer the store already has
        for control in [self.choice, *self.boxes] if self.choice is not None else self.boxes:
            control.observe(self._on_choice, names="value")
        self.options_box.add_class("triage-poll-options")
        self.body.layout.display = None
        self._draw_state()

    def _stored_answer(self, poll: Poll) -> tuple[str, ...]:
        """This student's answer to ``poll`` as the store holds it (nothing for a guest or when unreadable)."""
        if not self.context.learner.can_save:
            return ()
        try:
            return tuple(self.context.store.poll_answer(poll.id, self.context.learner) or ())
        except StoreError:
            log.warning("could not read this student's answer to poll %s", poll.id, exc_info=True)
            return ()

    def _set_chosen(self, ids: Sequence[str]) -> None:
        if self.question is None:
            return
        if self.choice is not None:
            self.choice.value = ids[0] if ids and ids[0] in {o.id for o in self.question.options} else None
        for option, box in zip(self.question.options, self.boxes, strict=False):
            box.value = option.id in ids

    def _on_choice(self, _: Any = None) -> None:
        if self.sent and self.poll is not None and self.poll.is_open:
            self._draw_state()

    def _notify(self) -> None:
        """Tell the browser side (:mod:`triage.ui.poll_notice`) what the student should see of the poll."""
        if self.notice is None:
            return
        poll, question = self.poll, self.question
        if poll is None or question is None:
            self.notice.show("")
            return
        answerable = poll.is_open and poll.time_left(time.time()) != 0  # a countdown that ran out ends it too
        state = ("sent" if self.sent else "open") if answerable else "closed"
        if not self.context.learner.can_save and answerable:
            state = "open"
        self.notice.show(state, poll.id, question.prompt, [o.id for o in question.options], self.sent)

    def _draw_state(self) -> None:
        poll, question = self.poll, self.question
        if poll is None or question is None:
            return
        left = poll.time_left(time.time()) if poll.is_open else None
        timed_out = left == 0
        open_ = poll.is_open and not timed_out
        if self.choice is not None:
            self.choice.disabled = not open_
        for box in self.boxes:
            box.disabled = not open_
        self.send.layout.display = None if open_ else "none"
        mine = self._names(self.sent)
        css = "triage-poll-note"
        # closed (or its time up) without an answer: one line, not the question and its options at the top of
        # the lesson for as long as the app stays open (a kept kernel shows this page again on Run All)
        folded = not open_ and not self.sent and not poll.revealed
        if open_:
            chosen = tuple(sorted(self.chosen()))
            if not self.context.learner.can_save:
                text = ("To answer, choose a name on the home page first: answers are counted per student. "
                        f"<a href='{esc(self.context.home_link())}'>Go to the home page</a>")
            elif self.sent and chosen and chosen != tuple(sorted(self.sent)):
                text = (f"Your new choice ({esc(self._names(chosen))}) is not sent yet: press "
                        f"&ldquo;Send my answer&rdquo;. The class has your earlier answer: {esc(mine)}.")
            elif self.sent:
                # the only "Sent" the page shows: said by the kernel once the class store has the answer
                css += " triage-poll-sent"
                text = f"Sent: {esc(mine)}. You can change your answer until the poll closes."
            else:
                text = "Your instructor is waiting for answers: choose and send."
        elif folded:
            text = "Time is up: the poll closed before you answered." if timed_out else \
                "The poll closed before you answered."
        elif timed_out:
            text = f"Time is up. Your answer: {esc(mine)}."
        elif poll.revealed:
            text = None  # the answer and why, below
        else:
            text = "The poll has closed." + (f" Your answer: {esc(mine)}." if self.sent else " You did not answer.")
        self.status.value = (f"<p role='status' class='{css}'>{text}</p>" if text is not None
                             else f"<div role='status' class='{css}'>{self._revealed_html(question)}</div>")
        self.body.layout.display = "none" if folded else None
        time_left = (f"<p class='triage-countdown'><strong>Time left: {clock(left)}</strong></p>"
                     if open_ and left is not None else "")
        if time_left != self.clock.value:
            self.clock.value = time_left
        self._notify()

    def _revealed_html(self, question: Question) -> str:
        """After the reveal: the answer, whether the student's matched it, and why, in the words the projector
        shows (each right option's feedback, and that of each option the student chose that was not right).
        A "choose all" question lists the right options one per line (their texts have commas of their
        own), each marked chosen or left out, and the student's wrong choices marked not right."""
        options = question.options
        right = [o for o in options if o.correct]
        got_it = bool(self.sent) and question.is_correct(self.sent)
        if len(right) == 1:
            mine = f" Your answer: {esc(self._names(self.sent))}." if self.sent else " You did not answer."
            verdict = (" You got it." if got_it else " Yours was not right.") if self.sent else ""
            key = esc(self._names((right[0].id,)))
            why = [f"<li><strong>Why {letter(options.index(right[0]))}:</strong> {esc(_reason(right[0].feedback))}"
                   "</li>"]
            why += [f"<li><strong>Your {letter(options.index(o))}, not right:</strong> {esc(o.feedback)}</li>"
                    for o in options if o.id in self.sent and not o.correct]
            return (f"<p>The poll has closed.{mine} The answer: &#10004;&nbsp;{key}.{verdict}</p>"
                    f"<ul class='triage-poll-why'>{''.join(why)}</ul>")
        items = []
        for i, o in enumerate(options):
            chosen = o.id in self.sent
            if o.correct:
                mark = (" <em>(you chose it)</em>" if chosen else " <em>(you left it out)</em>") if self.sent else ""
                items.append(f"<li>&#10004;&nbsp;<strong>{letter(i)}. {esc(o.text)}</strong>{mark}<br>"
                             f"{esc(_reason(o.feedback))}</li>")
            elif chosen:
                items.append(f"<li>&#10008;&nbsp;<strong>{letter(i)}. {esc(o.text)}</strong> <em>(you chose it: not "
                             f"right)</em><br>{esc(o.feedback)}</li>")
        verdict = ("<p>You got it.</p>" if got_it else "<p>Yours did not match: see above.</p>") if self.sent else ""
        closed = "The poll has closed." + ("" if self.sent else " You did not answer.")
        return f"<p>{closed} The answer:</p><ul class='triage-poll-why'>{''.join(items)}</ul>{verdict}"

    def _names(self, ids: Sequence[str]) -> str:
        if self.question is None:
            return ""
        return "; ".join(f"{letter(i)}. {o.text}" for i, o in enumerate(self.question.options) if o.id in ids)

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
        except StoreError as exc:
            self.status.value = (f"<p role='status' class='triage-poll-note'>Your answer was not sent: "
                                 f"{esc(store_reason(exc))}.</p>")
        else:
            self.sent = tuple(sorted(chosen))
            self._draw_state()
        if self.notice is not None:
            self.notice.handled()  # after the kernel's own words, which replace the page's "Sending..."

    def on_draft(self, chosen: Sequence[str], send: bool) -> None:
        """A choice the page kept through a reload (the server was away): show it again, and send it
        when the student had pressed Send and the class store does not hold it yet."""
        poll, question = self.poll, self.question
        if poll is None or question is None or not poll.is_open:
            return
        ids = [o.id for o in question.options if o.id in chosen]
        if not ids or tuple(sorted(ids)) == tuple(sorted(self.sent)):
            return
        self._set_chosen(ids[:1] if question.kind == "single" else ids)
        if send:
            self.on_send()
        else:
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
