"""Class view (instructor): how the class answered, a CSV for the gradebook, and class sessions.

Students x cases with correct and answered counts, the answer distribution of each question of a
case, a CSV download (a ``data:`` link the browser saves; nothing is written on the server), and
"Start a new class session", which archives the current session (its answers stay readable here)
and starts an empty one. Only the instructor sees it (see :mod:`triage.ui.instructor.gate`); the class is read
from the store only after the gate opens.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import ipywidgets as w

from ...content.cases import Case, load_cases
from ...errors import StoreError
from ...store import AnswerRow, ClassSession
from ...store.exports import report_rows, write_csv
from ..common import esc
from ..context import AppContext
from ..fallback import mimebundle
from ..frame import app_frame
from ..poll import Ticker, bars_html
from ..student.case_player import LEVEL_NAMES, level_rank
from .gate import InstructorGate

NOTEBOOK = "07_class_view.ipynb"
REFRESH_INTERVAL = 3.0  # seconds between automatic re-reads of the class


def report_csv(rows: Sequence[AnswerRow], cases: Mapping[str, Case]) -> str:
    """The gradebook CSV, the same as ``python -m triage class report --csv``: one line per student and case."""
    buffer = io.StringIO()
    write_csv(report_rows(rows, {cid: len(c.questions) for cid, c in cases.items()}), buffer)
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
        self.rows: list[AnswerRow] = []
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
        buttons = w.Box([self.refresh_button, self.new_button])
        buttons.add_class("triage-buttons")
        controls = w.VBox([self.session_picker, buttons])
        content = w.VBox([controls, self.confirm_box, self.status, self.download, self.summary, self.case_picker,
                          self.distribution])
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

    def refresh(self) -> None:
        """Read the chosen session's answers and redraw what changed (the ticker calls this every few seconds)."""
        if not self.unlocked:
            return
        try:
            rows = self.context.store.class_answers(self.session_picker.value)
        except StoreError as exc:
            self.status.value = f"<p role='alert'>The class store cannot be read: {esc(exc)}</p>"
            return
        if rows == self.rows and self.summary.value:
            return
        self.rows = rows
        self._draw()

    # -- drawing ------------------------------------------------------------------------------------
    def _draw(self) -> None:
        students = sorted({(r.display_name, r.learner_key) for r in self.rows}, key=lambda s: s[0].casefold())
        case_ids = [cid for cid in self.cases if any(r.case_id == cid for r in self.rows)]
        case_ids += sorted({r.case_id for r in self.rows} - set(case_ids))
        session = self.session
        label = session.label if session else "this session"
        if not students:
            self.summary.value = f"<p>No answers in {esc(label)} yet. This page updates by itself.</p>"
            self.download.value = ""
        else:
            self.summary.value = self._table(students, case_ids, label)
            filename = f"triage-class-{''.join(ch if ch.isalnum() else '-' for ch in label).strip('-').lower()}.csv"
            text = report_csv(self.rows, self.cases)
            self.download.value = csv_link(text, filename, f"Download the gradebook CSV "
                                                           f"({plural(len(students), 'student')}, "
                                                           f"{plural(text.count(chr(10)) - 1, 'row')})")
        options = [(self.cases[cid].title if cid in self.cases else cid, cid) for cid in case_ids]
        keep = self.case_picker.value
        self.case_picker.options = options
        self.case_picker.value = keep if keep in case_ids else (case_ids[0] if case_ids else None)
        self.case_picker.layout.display = None if case_ids else "none"
        self._draw_distribution()

    def _table(self, students: list[tuple[str, str]], case_ids: list[str], label: str) -> str:
        per: dict[tuple[str, str], list[int]] = {}
        for r in self.rows:
            cell = per.setdefault((r.learner_key, r.case_id), [0, 0])
            cell[0] += int(r.correct)
            cell[1] += 1
        head = "".join(f"<th scope='col'>{esc(self.cases[c].title if c in self.cases else c)}</th>" for c in case_ids)
        body = []
        for name, key in students:
            cells = []
            total = [0, 0]
            for cid in case_ids:
                right, answered = per.get((key, cid), [0, 0])
                total[0] += right
                total[1] += answered
                cells.append(f"<td class='triage-num'>{right} / {answered}</td>" if answered
                             else "<td class='triage-num'><span class='triage-hint'>&ndash;</span></td>")
            body.append(f"<tr><th scope='row'>{esc(name)}</th>{''.join(cells)}"
                        f"<td class='triage-num'><strong>{total[0]} / {total[1]}</strong></td></tr>")
        return (
            # a wide table scrolls sideways by itself (focusable, so the keyboard can scroll it), never the page
            f"<table class='triage-class-table' tabindex='0'><caption>{esc(label)}: "
            f"{plural(len(students), 'student')}. Each cell: correct / answered.</caption>"
            f"<thead><tr><th scope='col'>Student</th>{head}<th scope='col'>All cases</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )

    def _draw_distribution(self) -> None:
        case = self.cases.get(self.case_picker.value or "")
        if case is None:
            self.distribution.value = ""
            return
        parts = [f"<h3>{esc(case.title)} ({esc(LEVEL_NAMES.get(case.level, case.level))})</h3>"]
        for q in case.questions:
            chosen = [r.chosen for r in self.rows if r.case_id == case.id and r.question_id == q.id]
            counts = Counter(o for c in chosen for o in c)
            caption = f"{esc(q.prompt)} <span class='triage-poll-count'>{len(chosen)} answered</span>"
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
        self.rows = []
        self.summary.value = ""
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)
