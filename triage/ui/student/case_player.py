"""Case player: read a case stage by stage, answer each question once its stage is read, get feedback.

A case is a story in stages (:attr:`~triage.content.cases.Case.stages`); each question names the stage after
which it is asked (:meth:`~triage.content.cases.Case.questions_at`). The player shows a question only once its
stage is revealed: its widgets are not even created before, so nothing of it reaches the browser.
Within a stage the questions come one at a time: a follow-up ("why is this the right place?") is created
only once the question before it is answered right, or answered and kept ("Keep my answer and go on"),
so it never shows while the student can still change the answer it would give away.
The student commits to an answer before reading on ("predict, reveal, revise"): the next stage opens
once the questions of the current one are answered, and answers given before a later stage was read
(or before a follow-up was shown) stay as they were.

Answers and revealed stages go to the class store of the page's :class:`~triage.ui.context.AppContext`
and are read back from it, so two students on one server keep their own records, and a student who
comes back resumes the case and stage where they left off.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import ipywidgets as w

from ...content.cases import LEVELS, Case, Question, load_cases
from ...errors import StoreError
from ...store import ClassStore, LearnerRecord, Poll
from ...store.memory import MemoryStore
from ..common import PRIMARY, esc, store_reason
from ..context import AppContext
from ..fallback import mimebundle
from ..frame import app_frame
from ..poll import ClassPanel

APP = "05_case_studies.ipynb"
LEVEL_NAMES = {"intro": "Intro", "intermediate": "Intermediate", "advanced": "Advanced"}
# Tags students may filter by. Tags that name the answer ("looks mild, is an emergency") are left out:
# a filter must not give a case away before the student has answered it.
TOPIC_NAMES = {"hip-back-overlap": "Hip and back overlap"}
ALL = "all"


def paragraphs(text: str) -> str:
    """Escaped text as HTML paragraphs (blank lines separate paragraphs)."""
    blocks = [b.strip() for b in text.strip().split("\n\n") if b.strip()]
    return "".join(f"<p>{esc(' '.join(b.split()))}</p>" for b in blocks)


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def asked_at(case: Case, question: Question) -> int:
    """Index of the stage after which ``question`` is asked (no ``after``: after the last stage)."""
    return case.stage_index(question.after) if question.after else len(case.stages) - 1


def close_tree(widget: w.Widget) -> None:
    """Close a widget and every widget inside it (frees their comms in the kernel and the browser)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


class QuestionView:
    """One question: options as radio buttons or checkboxes, a check button, per-option feedback.

    Feedback shows what the student chose and why; the other options' feedback (and so the right
    answer) appears only once the student's answer is right. Changing the choice clears old feedback.
    """

    def __init__(self, question: Question, on_answer: Any, number: int = 1,
                 polled: Any = lambda question: False, on_keep: Any = None) -> None:
        self.question = question
        self._on_answer = on_answer
        self._on_keep = on_keep  # on_keep(view): the student keeps a wrong answer and goes on to the follow-up
        self._polled = polled  # polled(question): is the class being polled on it right now?
        self.locked = False
        self.held: str | None = None  # the feedback set aside while the class is polled on this question
        self.checked: tuple[str, ...] | None = None
        kind = "Choose one answer." if question.kind == "single" else "Choose every answer that applies."
        self.prompt = w.HTML(
            f"<p class='triage-question-prompt'><strong>Question {number}. {esc(question.prompt)}</strong> "
            f"<span class='triage-muted'>{kind}</span></p>"
        )
        if question.kind == "single":
            self.choice: w.Widget = w.RadioButtons(
                options=[(o.text, o.id) for o in question.options], value=None, layout=w.Layout(width="auto"),
                description="Your answer",
            )
            self.choice.observe(self._on_change, names="value")
            self.boxes: list[w.Checkbox] = []
        else:
            self.boxes = [w.Checkbox(value=False, description=o.text, indent=False, layout=w.Layout(width="auto"))
                          for o in question.options]
            for b in self.boxes:
                b.observe(self._on_change, names="value")
            self.choice = w.VBox(self.boxes)
        self.choice.add_class("triage-options")
        self.check = w.Button(description="Check answer", tooltip="Check this answer", layout=w.Layout(width="auto"))
        self.check.add_class(PRIMARY)
        self.check.add_class("triage-check")
        self.check.on_click(self.on_check)
        self.feedback = w.HTML()
        self.feedback.add_class("triage-feedback")
        # shown under a wrong answer when another question of this stage waits for this one
        self.keep = w.Button(description="Keep my answer and go on", layout=w.Layout(width="auto", display="none"),
                             tooltip="Keep this answer as it is and show the next question")
        self.keep.add_class("triage-keep")
        self.keep.on_click(self.on_keep)
        self.widget = w.VBox([self.prompt, self.choice, self.check, self.feedback, self.keep])
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

    def _on_change(self, _: Any = None) -> None:
        if self.checked is not None and tuple(sorted(self.chosen())) != self.checked:
            if self.held is not None:
                self.held = ""  # the verdict set aside during a poll was about another choice
            else:
                self.feedback.value = ""  # the old verdict was about another choice

    def lock(self, reason: str, reveal: bool = False) -> None:
        """Keep the answer as given (a later stage or question was read after it); say why. ``reveal``:
        show every option's feedback, the right answer included (the answer can no longer change)."""
        self.locked = True
        if reveal and self.checked is not None and self.held is None:
            self.show_feedback(self.checked, reveal=True)
        self.check.layout.display = "none"
        self.keep.layout.display = "none"
        if self.question.kind == "single":
            self.choice.disabled = True
        for b in self.boxes:
            b.disabled = True
        if reason:
            self.feedback.value += f"<p class='triage-hint'>{esc(reason)}</p>"

    def hold(self) -> None:
        """While the class is polled on this question: no checking and no feedback here (the right
        answer would be one click away); the feedback already given comes back with :meth:`release`."""
        if self.held is None:
            self.held = self.feedback.value
        self.check.disabled = True
        self.keep.disabled = True
        self.feedback.value = (
            "<p role='status' class='triage-hint triage-poll-hold'>Your instructor is polling the class on "
            "this question right now: answer it in the class poll at the top of the page. You can check "
            "your answer here once the poll has closed.</p>"
        )

    def release(self) -> None:
        if self.held is None:
            return
        self.feedback.value, self.held = self.held, None
        self.check.disabled = False
        self.keep.disabled = False

    def offer_keep(self, shown: bool) -> None:
        """Show (or hide) "Keep my answer and go on": for a wrong answer with a follow-up waiting on it."""
        self.keep.layout.display = None if shown and not self.locked else "none"

    def on_keep(self, _: Any = None) -> None:
        if self.locked or self.checked is None or self.held is not None:
            return
        self.lock("You kept this answer and went on to the next question; it stays as it was.", reveal=True)
        if self._on_keep is not None:
            self._on_keep(self)

    def on_check(self, _: Any = None) -> None:
        if self.locked:
            return
        if self.held is not None or self._polled(self.question):
            self.hold()
            return
        chosen = self.chosen()
        if not chosen:
            self.feedback.value = "<p role='status'>Choose an answer first.</p>"
            return
        self.show_feedback(chosen)
        self._on_answer(self.question, chosen, self.question.is_correct(chosen))

    def show_feedback(self, chosen: Sequence[str], reveal: bool = False) -> None:
        """The verdict and the chosen options' feedback; every option's once right (or with ``reveal``)."""
        self.checked = tuple(sorted(chosen))
        correct = self.question.is_correct(chosen)
        verdict = "Correct." if correct else "Not quite."
        items = "".join(
            f"<li><strong>{esc(o.text)}</strong> ({'right' if o.correct else 'wrong'} option"
            f"{', your choice' if o.id in chosen else ''}): {esc(o.feedback)}</li>"
            for o in self.question.options
            if o.id in chosen or correct or reveal
        )
        if not correct and not reveal:
            items += "<li>Try again: read the feedback and look at the case once more.</li>"
        self.feedback.value = (
            f"<div role='status' aria-live='polite' class='triage-verdict-{'right' if correct else 'wrong'}'>"
            f"<p><strong>{verdict}</strong></p><ul>{items}</ul></div>"
        )


class CasePlayer:
    """Pick a case, read it stage by stage, answer its questions; answers live in the class store.

    ``context`` defaults to the page's (see :mod:`triage.ui.frame`). Everything that does not depend
    on the student (cases, filters, widgets) is built at once; the student's record is read when the
    context is ready (in a preheated Voilà kernel: when the page is requested). The frame's class panel
    shows the class's open live poll (``class_panel=False``: none).
    """

    def __init__(self, cases: Sequence[Case] | None = None, context: AppContext | None = None,
                 class_panel: bool = True, notebook: str = APP) -> None:
        self.notebook = notebook
        loaded = list(cases) if cases is not None else load_cases()
        self.cases = sorted(loaded, key=lambda c: (level_rank(c.level), c.title.casefold(), c.id))
        self.record = LearnerRecord("")
        self.store: ClassStore = MemoryStore("this page only")  # the class store once the learner is known
        levels = [lv for lv in LEVELS if any(c.level == lv for c in self.cases)]
        self.level = w.Dropdown(options=[("All levels", ALL)] + [(LEVEL_NAMES.get(lv, lv), lv) for lv in levels],
                                value=ALL, description="Level", layout=w.Layout(width="auto"))
        self.level.add_class("triage-field")
        self.level.add_class("triage-level-filter")
        topics = [t for t in TOPIC_NAMES if any(t in c.tags for c in self.cases)]
        self.topic = w.Dropdown(options=[("All topics", ALL)] + [(TOPIC_NAMES[t], t) for t in topics],
                                value=ALL, description="Topic", layout=w.Layout(width="auto"))
        self.topic.add_class("triage-field")
        self.topic.add_class("triage-topic-filter")
        # the cases as a list whose titles wrap (a drop-down cuts long titles on a phone), folded away
        # under "Choose another case" while a case is open
        self.picker = w.RadioButtons(options=[], value=None, description="Case", layout=w.Layout(width="auto"))
        self.picker.add_class("triage-options")
        self.picker.add_class("triage-case-picker")
        self.filters = w.Box([self.level, self.topic])
        self.filters.add_class("triage-filters")
        self.case_list = w.VBox([self.filters, self.picker])
        self.case_list.add_class("triage-case-list")
        self.case_list.layout.display = "none"
        self.choose = w.Button(description="Choose another case", tooltip="Show or hide the list of cases",
                               layout=w.Layout(width="auto"))
        self.choose.add_class("triage-choose-case")
        self.choose.on_click(lambda _: self.show_case_list(self.case_list.layout.display == "none"))
        self.overview = w.HTML()
        self.overview.add_class("triage-overview")
        self.status = w.HTML()
        self.status.add_class("triage-status")
        self.story = w.HTML()
        self.story.add_class("triage-story")
        self.stage_box = w.VBox()
        self.stage_box.add_class("triage-stages")
        self.reveal = w.Button(description="Reveal the next stage", tooltip="Reveal the next stage of the case",
                               layout=w.Layout(width="auto"))
        self.reveal.add_class(PRIMARY)
        self.reveal.add_class("triage-reveal")
        self.reveal.on_click(self.on_reveal)
        self.reveal_note = w.HTML()
        self.reveal_note.add_class("triage-reveal-note")
        self.score = w.HTML()
        self.score.add_class("triage-score")
        self.teaching = w.HTML()
        self.teaching.add_class("triage-teaching")
        self.case: Case | None = None
        self._refilling = False
        self.shown = 0  # index of the last stage shown (0: the opening story)
        self.views: list[QuestionView] = []
        self._stage_widgets: list[w.Widget] = []
        self._kept: set[str] = set()  # questions whose wrong answer the student kept to go on (this page)
        self.frame = app_frame(context, notebook, self.choose, self.case_list, self.overview, self.status, self.story,
                               self.stage_box, self.reveal, self.reveal_note, self.score, self.teaching,
                               css_class="triage-case-player", class_panel=class_panel)
        self.widget = self.frame.widget
        self.record = LearnerRecord(self.context.learner.key)
        self._fill_picker()
        self.level.observe(self._on_filter, names="value")
        self.topic.observe(self._on_filter, names="value")
        self.picker.observe(self._on_pick, names="value")
        self.poll: Poll | None = None  # the class's open poll, as the page's class panel last saw it
        if not self.context.ready:
            # Preheated page: everything above is built before anyone asks for the page; the case itself
            # opens once the student is known, so nothing can be answered under the wrong name.
            self.status.value = "<p role='status'>Loading your answers&hellip;</p>"
        self._reading: str | None = None  # the case this tab was reading before a reload (the page keeps it)
        self._keep_case = self.frame.keep("case", self.restore_case, tab=True)
        self.context.on_ready(self._load_record)
        self.context.on_ready(self._follow_poll)
        self.frame.on_visible(self.refresh_from_store)

    @property
    def context(self) -> AppContext:
        """The page's context (the frame's)."""
        return self.frame.context

    @property
    def class_panel(self) -> w.Widget | None:
        """The class panel (the open live poll) in the frame's slot, if this page has one."""
        return self.frame.class_panel.children[0] if self.frame.class_panel.children else None

    # -- the class poll: no feedback here on the question the class is being polled on -----------
    def _follow_poll(self, _: AppContext) -> None:
        panel = ClassPanel.of(self.class_panel)
        if panel is not None:
            panel.on_poll(self._on_poll)

    def _on_poll(self, poll: Poll | None) -> None:
        self.poll = poll if poll is not None and poll.is_open else None
        for view in self.views:
            self._hold_if_polled(view)

    def _hold_if_polled(self, view: QuestionView) -> None:
        poll, case = self.poll, self.case
        if poll is not None and case is not None and (poll.case_id, poll.question_id) == (case.id, view.question.id):
            view.hold()
        else:
            view.release()

    def polled(self, question: Question) -> bool:
        """Is the class being polled on ``question`` right now? Asked of the class store when an answer is
        checked (the panel reads it only about once a second); a store that cannot be read says no."""
        case = self.case
        if case is None:
            return False
        try:
            poll = self.context.store.current_poll()
        except StoreError:
            return False
        if poll is not None and (poll.case_id, poll.question_id) == (case.id, question.id):
            self.poll = poll
            return True
        return False

    # -- the student's record ------------------------------------------------------------------
    def _load_record(self, context: AppContext) -> None:
        learner = context.learner
        notes: list[str] = []  # the context's own messages are in the frame's header
        # a guest (no name given) works on a store of this page only: nothing is filed under a blank name
        self.store = context.store if learner.can_save else MemoryStore("this page only")
        try:
            self.record = self.store.learner_record(learner)
        except StoreError as exc:
            notes.append(f"Your earlier answers could not be read: {store_reason(exc)}.")
        self.status.value = "".join(f"<p role='alert' class='triage-problem'>{esc(m)}</p>" for m in notes)
        self._fill_picker()
        resume = self._reading or self.resume_case()
        if resume is not None:
            if self.picker.value == resume:
                self.show(resume)
            else:
                self.picker.value = resume
        self._draw_overview()

    def refresh_from_store(self) -> None:
        """Show what the class store holds now. Called when the student comes back to this tab: another
        tab or device of theirs may have answered since, and this one must not keep saying "Correct."
        about an answer the store no longer holds."""
        if not self.context.ready or not self.context.learner.can_save:
            return
        try:
            record = self.store.learner_record(self.context.learner)
        except StoreError:
            return  # keep what was read last; the connection notice says when the server is away
        if record == self.record:
            return
        self.record = record
        self._fill_picker()
        if self.case is not None:
            self.show(self.case.id)
        self._draw_overview()
        self.status.value = ("<p role='status' class='triage-hint'>Brought up to date: you answered in another "
                             "tab or on another device since this page was last used.</p>")

    def _reload(self) -> None:
        try:
            self.record = self.store.learner_record(self.context.learner)
        except StoreError:
            pass  # keep what was read last; saving reports its own problems

    def finished(self, case: Case) -> bool:
        answered = self.record.case_answers(case.id)
        return all(q.id in answered for q in case.questions)

    def started(self, case: Case) -> bool:
        return bool(self.record.case_answers(case.id)) or self.record.revealed.get(case.id, 0) > 0

    def restore_case(self, kept: Any) -> None:
        """Open again the case this tab was reading before it reloaded (the page's automatic reopen after a
        server restart included), even one not answered yet. The value comes from the browser: anything
        that is not a case of this player is ignored."""
        if not isinstance(kept, str) or kept not in {c.id for c in self.cases}:
            return
        self._reading = kept
        if not self.context.ready or (self.case is not None and self.case.id == kept):
            return  # the record is not read yet (it opens this case then), or it is open already
        if kept not in [c.id for c in self.visible_cases()]:
            self.level.value = self.topic.value = ALL
        self.picker.value = kept

    def resume_case(self) -> str | None:
        """Where the student left off: the case answered last, or the next unfinished one after it."""
        if not self.cases:
            return None
        answers = list(self.record.answers.values())
        ids = [c.id for c in self.cases]
        if answers:
            last = max(answers, key=lambda a: a.at).case_id
            if last in ids:
                start = ids.index(last)
                for case in self.cases[start:] + self.cases[:start]:
                    if not self.finished(case):
                        return case.id
                return last
        opened = [c for c in self.cases if self.record.revealed.get(c.id, 0) > 0]
        return opened[0].id if opened else self.cases[0].id

    # -- choosing a case -------------------------------------------------------------------------
    def visible_cases(self) -> list[Case]:
        """The cases the level and topic filters let through, in level then title order."""
        return [c for c in self.cases
                if self.level.value in (ALL, c.level) and self.topic.value in (ALL, *c.tags)]

    def _label(self, case: Case) -> str:
        state = " (finished)" if self.finished(case) else (" (started)" if self.started(case) else "")
        return f"{LEVEL_NAMES.get(case.level, case.level)}: {case.title}{state}"

    def _fill_picker(self) -> None:
        visible = self.visible_cases()
        ids = [c.id for c in visible]
        wanted = self.picker.value if self.picker.value in ids else (ids[0] if ids else None)
        options = tuple((self._label(c), c.id) for c in visible)
        self._refilling = True  # the picker passes through other values while its options change
        try:
            if options != tuple(self.picker.options):
                self.picker.options = options
            self.picker.value = wanted
        finally:
            self._refilling = False
        if wanted is not None and self.case is not None and wanted != self.case.id:
            self.show(wanted)

    def show_case_list(self, shown: bool = True) -> None:
        """Unfold (or fold away) the filters and the list of cases."""
        self.case_list.layout.display = None if shown else "none"
        self.choose.description = "Hide the list of cases" if shown else "Choose another case"

    def _on_filter(self, _: Any = None) -> None:
        self._fill_picker()
        if not self.visible_cases():
            self.status.value = "<p role='status'>No case matches both filters; choose another level or topic.</p>"

    def _on_pick(self, change: dict[str, Any]) -> None:
        if self._refilling:
            return
        if change["new"] is not None and (self.case is None or change["new"] != self.case.id):
            self.show(change["new"])

    def show(self, case_id: str | None) -> None:
        """Display one case at the stage the student reached, restoring their answers."""
        self.case = next((c for c in self.cases if c.id == case_id), None)
        if self.case is None:
            self.story.value = ""
            return
        self._keep_case(self.case.id)
        c = self.case
        # the learning objectives come at the end, with the teaching points: read first, they give
        # the case's turns away before the story does
        self.story.value = (
            f"<h3>{esc(c.title)}</h3><p class='triage-muted'>Level: {esc(LEVEL_NAMES.get(c.level, c.level))}"
            f" &middot; {len(c.stages)} stage{'s' if len(c.stages) != 1 else ''}, "
            f"{len(c.questions)} question{'s' if len(c.questions) != 1 else ''}</p>"
        )
        self.shown = max(0, min(self.record.revealed.get(c.id, 0), len(c.stages) - 1))
        for old in self._stage_widgets:
            close_tree(old)
        self.views = []
        self._stage_widgets = []
        self._kept = set()
        for index in range(self.shown + 1):
            self._add_stage(index)
        self._lock_answered_before(self.shown)
        self._draw_reveal()
        self._draw_score()

    def _add_stage(self, index: int) -> None:
        """Show stage ``index`` and the questions asked after it (created now, never before)."""
        if self.case is None:
            return
        stage = self.case.stages[index]
        heading = "" if index == 0 else f"<h4>Stage {index + 1}: {esc(stage.title)}</h4>"
        block = w.HTML(f"<div class='triage-stage'>{heading}{paragraphs(stage.text)}</div>")
        block.add_class("triage-stage-text")
        self._stage_widgets.append(block)
        self._release(index)

    def released(self, index: int) -> int:
        """How many of stage ``index``'s questions are shown: all of an earlier stage's; of the current
        stage's, the first, and each next one once the one before is answered right or kept (or the
        next one was answered before)."""
        if self.case is None:
            return 0
        here = self.case.questions_at(index)
        if index < self.shown:
            return len(here)
        saved = self.record.case_answers(self.case.id)
        count = min(1, len(here))
        for before, after in pairwise(here):
            settled = before.id in saved and (saved[before.id].correct or before.id in self._kept)
            if not (settled or after.id in saved):
                break
            count += 1
        return count

    def _release(self, index: int) -> None:
        """Create the views of stage ``index``'s questions that are released and not shown yet."""
        if self.case is None:
            return
        saved = self.record.case_answers(self.case.id)
        here = self.case.questions_at(index)
        shown = {v.question.id for v in self.views}
        for question in here[: self.released(index)]:
            if question.id in shown:
                continue
            view = QuestionView(question, self._on_answer, len(self.views) + 1, self.polled, self._on_keep)
            if question.id in saved:
                view.set_chosen(saved[question.id].chosen)
                view.show_feedback(saved[question.id].chosen)
            self._hold_if_polled(view)
            self.views.append(view)
            self._stage_widgets.append(view.widget)
        released = [q.id for q in here[: self.released(index)]]
        for view in self.views:  # an answer a shown follow-up could give away stays as it was
            q = view.question
            if q.id in released[:-1] and q.id in saved and not view.locked:
                view.lock("" if saved[q.id].correct else
                          "You went on to the next question, so this answer stays as it was.", reveal=True)
        self._offer_keep(index)
        self.stage_box.children = tuple(self._stage_widgets)

    def _offer_keep(self, index: int) -> None:
        """Offer "Keep my answer and go on" under a wrong answer that holds back a follow-up question."""
        if self.case is None:
            return
        here = self.case.questions_at(index)
        saved = self.record.case_answers(self.case.id)
        count = self.released(index)
        waiting = here[count - 1] if 0 < count < len(here) else None
        for view in self.views:
            q = view.question
            view.offer_keep(q is waiting and q.id in saved and not saved[q.id].correct)

    def _on_keep(self, view: QuestionView) -> None:
        self._kept.add(view.question.id)
        self._release(self.shown)

    def visible_questions(self) -> list[str]:
        """Ids of the questions on screen, in order."""
        return [v.question.id for v in self.views]

    def _unanswered_here(self) -> list[Question]:
        if self.case is None:
            return []
        answered = self.record.case_answers(self.case.id)
        return [q for q in self.case.questions_at(self.shown) if q.id not in answered]

    def _lock_answered_before(self, index: int) -> None:
        """Answers given before stage ``index`` was read stay as they were."""
        if self.case is None:
            return
        answered = self.record.case_answers(self.case.id)
        for view in self.views:
            asked = asked_at(self.case, view.question)
            if asked < index and view.question.id in answered and not view.locked:
                view.lock("You answered this before reading on; your answer stays as it was.")

    def _draw_reveal(self) -> None:
        c = self.case
        if c is None:
            return
        more = self.shown + 1 < len(c.stages)
        self.reveal.layout.display = None if more else "none"
        if more:
            self.reveal.description = f"Reveal stage {self.shown + 2}: {c.stages[self.shown + 1].title}"
            self.reveal_note.value = ""
        else:
            self.reveal_note.value = "<p class='triage-hint'>You have read every stage of this case.</p>"

    def on_reveal(self, _: Any = None) -> None:
        """Show the next stage once the current stage's questions are answered."""
        c = self.case
        if c is None or self.shown + 1 >= len(c.stages):
            return
        waiting = self._unanswered_here()
        if waiting:
            self.reveal_note.value = (
                "<p role='status' class='triage-reveal-wait'>First answer the "
                f"{'question' if len(waiting) == 1 else str(len(waiting)) + ' questions'} of this stage (each "
                "appears once the one before it is answered): commit to what you think now, then read on "
                "and see whether the next stage changes it.</p>"
            )
            return
        self.shown += 1
        self._lock_answered_before(self.shown)
        self._add_stage(self.shown)
        self._draw_reveal()
        self._save(lambda: self.store.set_revealed(self.context.learner, c.id, self.shown))
        self._draw_score()

    def _on_answer(self, question: Question, chosen: list[str], correct: bool) -> None:
        c = self.case
        if c is None:
            return
        self._save(lambda: self.store.record_answer(self.context.learner, c.id, question.id, chosen, correct))
        self._release(self.shown)
        if self.reveal.layout.display != "none":
            self.reveal_note.value = ""  # the reminder to answer first is done with
        self._draw_score()
        self._draw_overview()
        self._relabel()

    def _save(self, action: Any) -> None:
        try:
            action()
        except (OSError, StoreError) as exc:
            reason = store_reason(exc) if isinstance(exc, StoreError) else "the class store cannot be written"
            self.status.value = (
                f"<p role='alert' class='triage-problem'>Your answer could not be saved ({esc(reason)}). "
                "It still shows on this page.</p>"
            )
        self._reload()

    def _relabel(self) -> None:
        """Refresh the finished / started marks in the picker."""
        self._fill_picker()

    def _draw_score(self) -> None:
        c = self.case
        if c is None:
            return
        right, answered = self.record.score(c.id)
        total = len(c.questions)
        self.score.value = (
            f"<p role='status'><strong>Score: {right} of {total} correct</strong> ({answered} answered)</p>"
        )
        if answered == total and self.shown + 1 >= len(c.stages):
            points = "".join(f"<li>{esc(p)}</li>" for p in c.teaching_points)
            objectives = "".join(f"<li>{esc(o)}</li>" for o in c.learning_objectives)
            self.teaching.value = (f"<h4>Teaching points</h4><ul>{points}</ul>"
                                   f"<h4>What this case set out to teach</h4><ul>{objectives}</ul>")
        else:
            self.teaching.value = ("<p class='triage-hint'>The teaching points and the case's learning objectives "
                                   "appear once you have read every stage and answered every question.</p>")

    def _draw_overview(self) -> None:
        finished = [c for c in self.cases if self.finished(c)]
        started = [c for c in self.cases if self.started(c) and not self.finished(c)]
        levels = [lv for lv in LEVELS if any(c.level == lv for c in self.cases)]
        complete = bool(levels) and all(any(c.level == lv for c in finished) for lv in levels)
        if complete and self.context.learner.can_save and self.notebook not in self.record.done:
            self._save(lambda: self.store.mark_done(self.context.learner, self.notebook))
        rows = "".join(
            f"<tr><td>{esc(c.title)}</td><td>{esc(LEVEL_NAMES.get(c.level, c.level))}</td>"
            f"<td>{self.record.score(c.id)[0]} of {len(c.questions)} correct</td></tr>"
            for c in finished
        )
        table = (
            "<table class='triage-overview-table'><caption>Finished cases</caption><thead><tr>"
            "<th scope='col'>Case</th><th scope='col'>Level</th><th scope='col'>Score</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>" if finished else "<p>No case finished yet.</p>"
        )
        goal = ("You have finished a case at every level: this app is marked complete on the home page."
                if complete else "Finish one case at each level to mark this app complete on the home page.")
        self.overview.value = (
            f"<details><summary>Your progress: {len(finished)} of {len(self.cases)} cases finished"
            f"{f', {len(started)} started' if started else ''}</summary><p>{goal}</p>{table}</details>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)
