"""Class view (instructor): how the class answered, CSV files, item analysis, and class sessions.

Every student who did anything in the session (case questions, polls, the drill) x the cases by
title, each cell "answered / asked" out of the case's questions with how many were right first time
and how many only after a retry (a student's first answer is kept beside the last); the item
analysis of every question (:mod:`triage.outputs.class_report`); each poll with who chose what; the answer
distribution of each question of a case; CSV downloads (``data:`` links the browser saves; nothing
is written on the server) that match ``python -m triage class report --csv``; and "Start a new
class session", which archives the current session (its answers stay readable here) and starts an
empty one. Only the instructor sees it (see :mod:`triage.ui.instructor.gate`); the class is read from
the store only after the gate opens.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import ipywidgets as w

from ...content.cases import Case, load_cases
from ...errors import StoreError
from ...outputs.class_report import (
    CASE,
    POLL,
    Catalog,
    ClassReport,
    build_report,
    when,
    write_answers_csv,
    write_items_csv,
    write_summary_csv,
)
from ...store import AnswerRow, ClassRecord, ClassSession
from ..common import esc
from ..context import AppContext
from ..fallback import mimebundle
from ..frame import app_frame
from ..poll import Ticker, bars_html
from ..student.case_player import LEVEL_NAMES, level_rank
from .gate import InstructorGate

NOTEBOOK = "07_class_view.ipynb"
REFRESH_INTERVAL = 3.0  # seconds between automatic re-reads of the class


CSV_FILES = (  # (kind, label, writer): the same files as ``python -m triage class report --csv KIND``
    ("answers", "All answers", write_answers_csv),
    ("summary", "Summary per student", write_summary_csv),
    ("items", "Item analysis", write_items_csv),
)


def report_csv(report: ClassReport, kind: str = "answers") -> str:
    """One of the CSV files of ``python -m triage class report --csv KIND`` (answers, summary or items)."""
    buffer = io.StringIO()
    next(writer for k, _, writer in CSV_FILES if k == kind)(report, buffer)
    return buffer.getvalue()


def csv_link(text: str, filename: str, label: str) -> str:
    """An HTML link that downloads ``text`` as a CSV file (UTF-8 with a byte-order mark for spreadsheets)."""
    href = "data:text/csv;charset=utf-8," + quote("\ufeff" + text)
    return (f"<a class='triage-csv-link' download='{esc(filename)}' href='{esc(href)}'>{esc(label)}</a>")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def session_name(session: ClassSession, current: bool) -> str:
    """A session as the picker shows it (short enough for a phone): label, start, current or archived."""
    started = datetime.fromtimestamp(session.started_at).strftime("%d %b %Y %H:%M")
    return f"{session.label}, {started}, {'current' if current else 'archived'}"


class ClassView:
    """Students x cases, answer distributions, CSV download and new sessions, for the instructor."""

    def __init__(self, cases: Sequence[Case] | None = None, context: AppContext | None = None,
                 live: bool = True, notebook: str = NOTEBOOK) -> None:
        self.frame = app_frame(context, notebook, css_class="triage-class-view")
        self.widget = self.frame.widget
        loaded = list(cases) if cases is not None else load_cases()
        ordered = sorted(loaded, key=lambda c: (level_rank(c.level), c.title.casefold(), c.id))
        self.cases: dict[str, Case] = {c.id: c for c in ordered}
        self._catalog: Catalog | None = None
        self.record: ClassRecord | None = None
        self.report: ClassReport | None = None
        self.sessions: list[ClassSession] = []
        self.unlocked = False
        self.session_picker = w.Dropdown(options=[], description="Session", layout=w.Layout(width="auto"))
        self.session_picker.add_class("triage-field")
        self.session_picker.add_class("triage-session-picker")
        self.refresh_button = w.Button(description="Refresh now", tooltip="Read the class's answers again",
                                       layout=w.Layout(width="auto"))
        self.refresh_button.add_class("triage-refresh")
        self.refresh_button.on_click(lambda _: self.refresh() if self.unlocked else None)
        self.download = w.HTML()
        self.download.add_class("triage-download")
        self.new_button = w.Button(description="Start a new class session", tooltip="Archive this session and start "
                                   "an empty one", layout=w.Layout(width="auto"))
        self.new_button.add_class("triage-new-session")
        self.new_button.on_click(lambda _: self.ask_new_session() if self.unlocked else None)
        self.new_label = w.Text(description="Name of the new session", placeholder="optional, e.g. Tuesday group",
                                layout=w.Layout(width="auto"))
        self.new_label.add_class("triage-field")
        self.confirm = w.Button(description="Archive it and start a new session", layout=w.Layout(width="auto"))
        self.confirm.add_class("triage-confirm-new-session")
        self.confirm.on_click(lambda _: self.start_new_session() if self.unlocked else None)
        self.cancel = w.Button(description="Cancel", layout=w.Layout(width="auto"))
        self.cancel.on_click(lambda _: self._hide_confirm())
        self.confirm_text = w.HTML()
        self.confirm_box = w.VBox([self.confirm_text, self.new_label, w.Box([self.confirm, self.cancel])])
        self.confirm_box.add_class("triage-confirm-box")
        self.confirm_box.layout.display = "none"
        self.status = w.HTML()
        self.status.add_class("triage-class-status")
        self.summary = w.HTML()
        self.summary.add_class("triage-class-summary")
        self.case_picker = w.Dropdown(options=[], description="Answers to the questions of",
                                      layout=w.Layout(width="auto"))
        self.case_picker.add_class("triage-field")
        self.case_picker.add_class("triage-dist-picker")
        self.distribution = w.HTML()
        self.distribution.add_class("triage-distribution")
        self.items = w.HTML()
        self.items.add_class("triage-item-analysis")
        self.polls = w.HTML()
        self.polls.add_class("triage-poll-results")
        buttons = w.Box([self.refresh_button, self.new_button])
        buttons.add_class("triage-buttons")
        controls = w.VBox([self.session_picker, buttons])
        content = w.VBox([controls, self.confirm_box, self.status, self.download, self.summary, self.items,
                          self.polls, self.case_picker, self.distribution])
        self.ticker = Ticker(self.refresh, REFRESH_INTERVAL, alive=lambda: self.widget.comm is not None)
        self._live = live
        self.session_picker.observe(lambda _: self.refresh() if self.unlocked else None, names="value")
        self.case_picker.observe(lambda _: self._draw_distribution(), names="value")
        self.gate = InstructorGate(self.context, content, self._on_unlock, "class view")
        self.frame.set_body(self.gate.widget)

    @property
    def context(self) -> AppContext:
        """The page's context (the frame's)."""
        return self.frame.context

    def _on_unlock(self) -> None:
        self.unlocked = True
        self._read_sessions()
        self.refresh()
        if self._live:
            self.ticker.start()

    # -- reading ----------------------------------------------------------------------------------
    def _read_sessions(self, select: int | None = None) -> None:
        try:
            self.sessions = self.context.store.sessions()
            current = self.context.store.current_session()
        except StoreError as exc:
            self.status.value = f"<p role='alert'>The class store cannot be read: {esc(exc)}</p>"
            return
        options = [(session_name(s, s.id == current.id), s.id) for s in reversed(self.sessions)]
        keep = select if select is not None else self.session_picker.value
        self.session_picker.options = options
        self.session_picker.value = keep if keep in [o[1] for o in options] else current.id

    @property
    def session(self) -> ClassSession | None:
        return next((s for s in self.sessions if s.id == self.session_picker.value), None)

    @property
    def rows(self) -> list[AnswerRow]:
        """The session's case answers as read last (latest per student and question)."""
        return list(self.record.answers) if self.record else []

    @property
    def catalog(self) -> Catalog:
        """The cases of this view and the drill's scenarios (read once, when first needed)."""
        if self._catalog is None:
            from ...content.drill import scenarios

            self._catalog = Catalog(self.cases.values(), scenarios())
        return self._catalog

    def refresh(self) -> None:
        """Read the chosen session and redraw what changed (the ticker calls this every few seconds)."""
        if not self.unlocked:
            return
        try:
            record = self.context.store.class_record(self.session_picker.value)
        except StoreError as exc:
            self.status.value = f"<p role='alert'>The class store cannot be read: {esc(exc)}</p>"
            return
        if record == self.record and self.summary.value:
            return
        self.record = record
        self.report = build_report(record, self.catalog)
        self._draw()

    # -- drawing ------------------------------------------------------------------------------------
    def _draw(self) -> None:
        report = self.report
        session = self.session
        label = session.label if session else "this session"
        case_ids = list(report.case_ids) if report else []
        if report is None or not (report.students or report.polls):
            self.summary.value = f"<p>No answers in {esc(label)} yet. This page updates by itself.</p>"
            self.download.value = self.items.value = self.polls.value = ""
        else:
            self.summary.value = self._table(report, label)
            stem = f"triage-class-{''.join(ch if ch.isalnum() else '-' for ch in label).strip('-').lower()}"
            links = []
            for kind, title, _ in CSV_FILES:
                text = report_csv(report, kind)
                suffix = "" if kind == "answers" else f"-{kind}"
                rows = plural(text.count("\n") - 1, "row")
                links.append(f"<li>{csv_link(text, f'{stem}{suffix}.csv', f'{title} (CSV, {rows})')}</li>")
            self.download.value = f"<p><strong>Download</strong> (for a spreadsheet)</p><ul>{''.join(links)}</ul>"
            self.items.value = self._items_html(report)
            self.polls.value = self._polls_html(report)
        options = [(self.cases[cid].title if cid in self.cases else cid, cid) for cid in case_ids]
        keep = self.case_picker.value
        self.case_picker.options = options
        self.case_picker.value = keep if keep in case_ids else (case_ids[0] if case_ids else None)
        self.case_picker.layout.display = None if case_ids else "none"
        self._draw_distribution()

    @staticmethod
    def _cell(answered: int, asked: int | None, correct: int, retried: int | None = None) -> str:
        """``retried`` None: an activity without retries (polls); else ``correct`` is right first time."""
        if not answered:
            return "<td class='triage-num'><span class='triage-none'>&ndash;</span></td>"
        out_of = "?" if asked is None else str(asked)
        right = f"{correct} right" if retried is None else f"{correct} right first time"
        later = (f"<br><span class='triage-cell-retried'>{retried} after a retry</span>" if retried else "")
        return (f"<td class='triage-num'>{answered} / {out_of}<br>"
                f"<span class='triage-cell-right'>{right}</span>{later}</td>")

    def _table(self, report: ClassReport, label: str) -> str:
        head = "".join(f"<th scope='col'>{esc(report.titles.get(c, c))}</th>" for c in report.case_ids)
        polls = bool(report.polls)
        drill = any(s.drill.answered for s in report.students)
        if polls:
            head += "<th scope='col'>Class polls</th>"
        if drill:
            head += "<th scope='col'>Red-flag drill</th>"
        body = []
        for s in report.students:
            cells = [self._cell(c.answered, c.asked, c.correct, c.retried) if (c := s.cases.get(cid))
                     else self._cell(0, None, 0) for cid in report.case_ids]
            if polls:
                cells.append(self._cell(s.polls.answered, s.polls.asked, s.polls.correct))
            if drill:
                cells.append(self._cell(s.drill.answered, s.drill.asked, s.drill.correct, 0))
            body.append(f"<tr><th scope='row'>{esc(s.student)}</th>{''.join(cells)}</tr>")
        return (
            # a wide table scrolls sideways by itself (focusable, so the keyboard can scroll it), never the page
            f"<table class='triage-class-table' tabindex='0'><caption>{esc(label)}: "
            f"{plural(len(report.students), 'student')}. Each cell: questions answered / asked, how many were "
            "right at the first answer, and how many only after a retry (polls: out of the polls opened; drill: "
            "scenarios, first answers).</caption>"
            f"<thead><tr><th scope='col'>Student</th>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )

    @staticmethod
    def _items_html(report: ClassReport) -> str:
        if not report.items:
            return ""
        rows = []
        for i in report.items:
            where = f"Poll {i.poll}" if i.activity == POLL else ("Case" if i.activity == CASE else "Drill")
            share = "&ndash;" if i.share is None else f"{round(100 * i.share)}%"
            wrong = "&ndash;"
            if i.top_wrong is not None:
                wrong = f"{esc(i.top_wrong.label)} ({i.top_wrong_count})"
                if i.under_triage:
                    wrong += " <strong class='triage-under-triage'>&#9888; under-triage</strong>"
            if i.under_triaged:  # whoever under-triaged at first, even when the top wrong option is another
                first = "" if i.activity == POLL else " at first"
                wrong += (f"<br><strong class='triage-under-triage'>&#9888; under-triaged{first}:</strong> "
                          f"{esc(', '.join(i.under_triaged))}")
            d = "&ndash;" if i.discrimination is None else f"{i.discrimination:+.2f}"
            retried = str(i.right_after_retry) if i.activity == CASE else "&ndash;"
            rows.append(f"<tr><td>{where}</td><th scope='row'><span class='triage-item-source'>{esc(i.source)}"
                        f"</span><br>{esc(i.question)}</th>"
                        f"<td class='triage-num'>{i.answered}</td><td class='triage-num'>{share}</td>"
                        f"<td class='triage-num'>{retried}</td><td>{wrong}</td><td class='triage-num'>{d}</td></tr>")
        thirds = (f"the top and bottom thirds are {plural(report.groups, 'student')} each" if report.groups
                  else "it needs at least 3 students")
        return (
            "<h3>Item analysis</h3>"
            "<p class='triage-hint'>Right: the share whose first answer was exactly the right options (a case "
            "question or a drill scenario shows the right answer after each check); after a retry: how many got a "
            "case question right only on a later try. D (discrimination): the "
            "top third's share right minus the bottom third's, ranked by each student's share of right answers in "
            f"this session ({thirds}); near 0 or below, the question does not separate who knows from who does "
            "not: check its wording and options.</p>"
            "<table class='triage-class-table triage-items-table' tabindex='0'><caption>Item analysis of "
            f"{plural(len(report.items), 'question')}</caption><thead><tr><th scope='col'>Where</th>"
            "<th scope='col'>Question</th><th scope='col'>Answered</th><th scope='col'>Right</th>"
            "<th scope='col'>Right after a retry</th>"
            "<th scope='col'>Wrong option chosen most</th><th scope='col'>D</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )

    @staticmethod
    def _polls_html(report: ClassReport) -> str:
        if not report.polls:
            return ""
        parts = ["<h3>Polls</h3>"]
        for p in report.polls:
            state = "open" if p.poll.is_open else "closed"
            rows = []
            for choice, count in p.choices:
                who = ", ".join(f"{esc(v.student)} ({when(v.at)[11:]})" for v in p.votes if choice.id in v.chosen_ids)
                right = " <span class='triage-correct-mark'>&#10004; right</span>" if choice.correct else ""
                rows.append(f"<tr><th scope='row'>{esc(choice.label)}{right}</th><td class='triage-num'>{count}</td>"
                            f"<td>{who or '&ndash;'}</td></tr>")
            parts.append(
                f"<details class='triage-poll-result'><summary>Poll {p.number} ({when(p.poll.opened_at)[11:16]}, "
                f"{state}): {esc(p.question)} &mdash; {plural(len(p.votes), 'answer')}</summary>"
                f"<table class='triage-class-table' tabindex='0'><caption>{esc(p.source)}: {esc(p.question)}</caption>"
                "<thead><tr><th scope='col'>Option</th><th scope='col'>Chosen by</th>"
                "<th scope='col'>Who (when)</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table></details>")
        return "".join(parts)

    def _draw_distribution(self) -> None:
        case = self.cases.get(self.case_picker.value or "")
        if case is None:
            self.distribution.value = ""
            return
        parts = [f"<h3>{esc(case.title)} ({esc(LEVEL_NAMES.get(case.level, case.level))})</h3>"]
        for q in case.questions:  # first answers: what the students thought before the feedback told them
            rows = [r for r in self.rows if r.case_id == case.id and r.question_id == q.id]
            chosen = [r.first_chosen or r.chosen for r in rows]
            counts = Counter(o for c in chosen for o in c)
            retried = sum(r.right_after_retry for r in rows)
            later = f", {retried} right after a retry" if retried else ""
            caption = (f"{esc(q.prompt)} <span class='triage-poll-count'>{len(chosen)} answered "
                       f"(first answers{later})</span>")
            parts.append(bars_html(q, counts, len(chosen), caption, show_correct=True))
        self.distribution.value = "".join(parts)

    # -- sessions -------------------------------------------------------------------------------------
    def ask_new_session(self) -> None:
        current = next((s for s in self.sessions if s.archived_at is None), None)
        name = current.label if current else "the current session"
        self.confirm_text.value = (
            f"<p role='status'>Archive <strong>{esc(name)}</strong> and start an empty session? Nothing is deleted: "
            "the archived answers stay readable here under Session, and students keep their own records.</p>"
        )
        self.confirm_box.layout.display = None

    def _hide_confirm(self) -> None:
        self.confirm_box.layout.display = "none"
        self.new_label.value = ""

    def start_new_session(self) -> None:
        label = " ".join(self.new_label.value.split())[:60] or None
        try:
            new = self.context.store.new_session(label)
        except StoreError as exc:
            self.status.value = f"<p role='alert'>A new session could not be started: {esc(exc)}</p>"
            return
        self._hide_confirm()
        self.status.value = f"<p role='status'>Started {esc(new.label)}; the previous session is archived.</p>"
        self._read_sessions(select=new.id)
        self.record = self.report = None
        self.summary.value = ""
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)
