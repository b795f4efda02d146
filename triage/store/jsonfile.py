"""A class store kept in one JSON file: the static build's store, in the student's own browser.

In the static build (Pyodide in the browser, no server) the file lives on the JupyterLite drive
(``/drive/...``), which the browser keeps in its IndexedDB: answers survive reloads and belong to
one browser profile on one device. The same class works in CPython on any local path (the store
contract runs against it there).

Every call re-reads the file and every change rewrites it whole, so two tabs never undo each
other's answers: on a local disk through a temporary file and ``os.replace`` (never half-written); on
the browser's drive in place, because the drive stores a file whole when it is closed, and looking up
a temporary file that does not exist yet makes JupyterLite ask the site for a folder listing it does
not have (a 404 in the console on every save). A file that cannot be read is never
overwritten: reading raises :class:`~triage.errors.StoreCorruptError`; :func:`open_browser_store`
moves it aside and starts a fresh record, saying so.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import PollClosedError, Problem, StoreCorruptError, StoreError, StoreUnavailableError
from . import (
    POLL_GRACE,
    PRESENT_WINDOW,
    AnswerRow,
    CaseAnswer,
    ClassRecord,
    ClassSession,
    ClassStore,
    DrillAttempt,
    DrillRow,
    LearnerRecord,
    Poll,
    PollAnswerRow,
    PollTally,
    across_sessions,
)
from .identity import Learner

VERSION = 1
KIND = "triage-answers"
Doc = dict[str, Any]


def _empty(now: float) -> Doc:
    return {"kind": KIND, "version": VERSION, "names": {},
            "sessions": [{"id": 1, "label": "Session 1", "started_at": now, "archived_at": None}],
            "answers": [], "revealed": [], "drill": [], "done": [], "polls": [], "poll_answers": []}


def _poll(row: Doc) -> Poll:
    return Poll(int(row["id"]), int(row["session_id"]), str(row["case_id"]), str(row["question_id"]),
                tuple(row["options"]), float(row["opened_at"]), row["closed_at"], bool(row["revealed"]),
                row.get("ends_at"))


def _drill_session(doc: Doc, row: Doc) -> int:
    """The session of a drill answer: filed with it since countdowns came in; before, the one current at its time."""
    if "session" in row:
        return int(row["session"])
    started = [int(s["id"]) for s in doc["sessions"] if float(s["started_at"]) <= float(row["at"])]
    return max(started) if started else int(doc["sessions"][0]["id"])


def _attempts(row: Doc) -> tuple[Any, ...]:
    """An answer row's latest answer, first answer and number of attempts (a row saved before first
    attempts were kept has none: it reads as one attempt, its answer)."""
    chosen, correct, at = tuple(row["chosen"]), bool(row["correct"]), float(row["at"])
    return (chosen, correct, at, tuple(row.get("first_chosen", chosen)), bool(row.get("first_correct", correct)),
            float(row.get("first_at", at)), int(row.get("attempts", 1)))


def _session(row: Doc) -> ClassSession:
    return ClassSession(int(row["id"]), str(row["label"]), float(row["started_at"]), row["archived_at"])


class JsonFileStore:
    """Implements :class:`~triage.store.ClassStore` over one JSON file."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time, in_place: bool | None = None) -> None:
        self.path = Path(path)
        self._clock = clock
        # in the browser (Pyodide) the file lives on JupyterLite's drive: written in place, see the module's docstring
        self.in_place = sys.platform == "emscripten" if in_place is None else in_place
        self._lock = threading.Lock()
        self._opened_at = clock()  # the first session's start until the file is first written

    @property
    def location(self) -> str:
        return str(self.path)

    # ------------------------------------------------------------------------------ file handling
    def _read(self) -> Doc:
        """The current document (an empty one when the file does not exist yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return _empty(self._opened_at)
        except UnicodeDecodeError:
            raise StoreCorruptError(Problem("", "saved answers are not UTF-8 text", str(self.path))) from None
        except OSError as exc:
            raise StoreUnavailableError(Problem("", f"saved answers cannot be read ({exc.strerror or exc})",
                                                str(self.path))) from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoreCorruptError(Problem("", f"saved answers are not valid JSON ({exc.msg}, line {exc.lineno})",
                                            str(self.path), exc.lineno)) from None
        if not isinstance(doc, dict) or doc.get("kind") != KIND or doc.get("version") != VERSION:
            raise StoreCorruptError(Problem("version", f"not a triage answers file of version {VERSION}",
                                            str(self.path)))
        missing = [k for k in _empty(0) if k not in doc]
        if missing:
            raise StoreCorruptError(Problem(missing[0], "missing from the saved answers", str(self.path)))
        return doc

    def _write(self, doc: Doc) -> None:
        text = json.dumps(doc, separators=(",", ":"))
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.in_place:
                self.path.write_text(text, encoding="utf-8")
                return
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            raise StoreUnavailableError(Problem("", f"answers cannot be saved here ({exc.strerror or exc})",
                                                str(self.path))) from None

    def _change(self, edit: Callable[[Doc], Any]) -> Any:
        with self._lock:
            doc = self._read()
            try:
                result = edit(doc)
            except (KeyError, TypeError, ValueError) as exc:
                raise StoreCorruptError(Problem("", f"saved answers have an unexpected structure ({exc!r})",
                                                str(self.path))) from None
            self._write(doc)
            return result

    def _look(self, view: Callable[[Doc], Any]) -> Any:
        with self._lock:
            doc = self._read()
            try:
                return view(doc)
            except (KeyError, TypeError, ValueError) as exc:
                raise StoreCorruptError(Problem("", f"saved answers have an unexpected structure ({exc!r})",
                                                str(self.path))) from None

    @staticmethod
    def _seen(doc: Doc, learner: Learner) -> None:
        doc["names"][learner.key] = learner.display_name

    @staticmethod
    def _session_id(doc: Doc) -> int:
        return int(doc["sessions"][-1]["id"])

    # --------------------------------------------------------------------------- a learner's record
    def record_answer(
        self, learner: Learner, case_id: str, question_id: str, chosen: Sequence[str], correct: bool
    ) -> None:
        def edit(doc: Doc) -> None:
            self._seen(doc, learner)
            sid = self._session_id(doc)
            now, same = self._clock(), (sid, learner.key, case_id, question_id)
            had = [a for a in doc["answers"] if (a["session"], a["learner"], a["case"], a["question"]) == same]
            row = {"session": sid, "learner": learner.key, "case": case_id, "question": question_id,
                   "chosen": sorted(chosen), "correct": bool(correct), "at": now,
                   "first_chosen": sorted(chosen), "first_correct": bool(correct), "first_at": now, "attempts": 1}
            if had:  # a retry: the first answer stays beside the latest (a row saved before: its answer)
                old = had[-1]
                row.update(first_chosen=old.get("first_chosen", old["chosen"]),
                           first_correct=old.get("first_correct", old["correct"]),
                           first_at=old.get("first_at", old["at"]), attempts=int(old.get("attempts", 1)) + 1)
            doc["answers"] = [a for a in doc["answers"] if (a["session"], a["learner"], a["case"], a["question"])
                              != same]
            doc["answers"].append(row)
        self._change(edit)

    def set_revealed(self, learner: Learner, case_id: str, stages: int) -> None:
        def edit(doc: Doc) -> None:
            self._seen(doc, learner)
            doc["revealed"] = [r for r in doc["revealed"] if (r["learner"], r["case"]) != (learner.key, case_id)]
            doc["revealed"].append({"learner": learner.key, "case": case_id, "stages": int(stages)})
        self._change(edit)

    def record_drill(self, learner: Learner, scenario_id: str, chosen: str, correct: bool) -> None:
        def edit(doc: Doc) -> None:
            self._seen(doc, learner)
            doc["drill"].append({"learner": learner.key, "scenario": scenario_id, "chosen": chosen,
                                 "correct": bool(correct), "at": self._clock(), "session": self._session_id(doc)})
        self._change(edit)

    def mark_done(self, learner: Learner, app: str) -> None:
        def edit(doc: Doc) -> None:
            self._seen(doc, learner)
            if {"learner": learner.key, "app": app} not in doc["done"]:
                doc["done"].append({"learner": learner.key, "app": app})
        self._change(edit)

    def learner_record(self, learner: Learner) -> LearnerRecord:
        def view(doc: Doc) -> LearnerRecord:
            latest = across_sessions(CaseAnswer(a["case"], a["question"], *_attempts(a))
                                     for a in doc["answers"] if a["learner"] == learner.key)
            revealed = {r["case"]: int(r["stages"]) for r in doc["revealed"] if r["learner"] == learner.key}
            drill = tuple(DrillAttempt(d["scenario"], d["chosen"], bool(d["correct"]), float(d["at"]))
                          for d in doc["drill"] if d["learner"] == learner.key)
            done = frozenset(d["app"] for d in doc["done"] if d["learner"] == learner.key)
            polls = len({a["poll"] for a in doc["poll_answers"] if a["learner"] == learner.key})
            return LearnerRecord(learner.key, latest, revealed, drill, done, str(doc["names"].get(learner.key, "")),
                                 polls)
        return self._look(view)

    # ----------------------------------------------------------------------------------------- polls
    def open_poll(self, case_id: str, question_id: str, options: Sequence[str]) -> Poll:
        def edit(doc: Doc) -> Poll:
            now = self._clock()
            for p in doc["polls"]:
                if p["closed_at"] is None:
                    p["closed_at"] = now
            row = {"id": len(doc["polls"]) + 1, "session_id": self._session_id(doc), "case_id": case_id,
                   "question_id": question_id, "options": list(options), "opened_at": now, "closed_at": None,
                   "revealed": False}
            doc["polls"].append(row)
            return _poll(row)
        return self._change(edit)

    def current_poll(self) -> Poll | None:
        def view(doc: Doc) -> Poll | None:
            sid = self._session_id(doc)
            return next((_poll(p) for p in doc["polls"] if p["closed_at"] is None and p["session_id"] == sid), None)
        return self._look(view)

    @staticmethod
    def _poll_row(doc: Doc, poll_id: int) -> Doc:
        for p in doc["polls"]:
            if p["id"] == poll_id:
                return p
        raise PollClosedError(Problem("poll", f"there is no poll {poll_id}"))

    def answer_poll(self, poll_id: int, learner: Learner, chosen: Sequence[str]) -> None:
        def edit(doc: Doc) -> None:
            row = self._poll_row(doc, poll_id)
            if row["closed_at"] is not None:
                raise PollClosedError(Problem("poll", "this poll has closed"))
            now = self._clock()
            if row.get("ends_at") is not None and now > row["ends_at"] + POLL_GRACE:
                raise PollClosedError(Problem("poll", "the time for this poll is up"))
            self._seen(doc, learner)
            doc["poll_answers"] = [a for a in doc["poll_answers"]
                                   if (a["poll"], a["learner"]) != (poll_id, learner.key)]
            doc["poll_answers"].append({"poll": poll_id, "learner": learner.key, "chosen": sorted(chosen), "at": now})
        self._change(edit)

    def set_poll_timer(self, poll_id: int, seconds: float | None) -> Poll:
        def edit(doc: Doc) -> Poll:
            row = self._poll_row(doc, poll_id)
            if row["closed_at"] is not None:
                raise PollClosedError(Problem("poll", "this poll has closed"))
            row["ends_at"] = None if seconds is None else self._clock() + float(seconds)
            return _poll(row)
        return self._change(edit)

    def mark_present(self, learner: Learner) -> None:
        def edit(doc: Doc) -> None:
            self._seen(doc, learner)
            sid = self._session_id(doc)
            rows = [r for r in doc.get("presence", []) if (r["session"], r["learner"]) != (sid, learner.key)]
            doc["presence"] = [*rows, {"session": sid, "learner": learner.key, "at": self._clock()}]
        self._change(edit)

    def poll_answer(self, poll_id: int, learner: Learner) -> tuple[str, ...] | None:
        def view(doc: Doc) -> tuple[str, ...] | None:
            found = [a["chosen"] for a in doc["poll_answers"] if (a["poll"], a["learner"]) == (poll_id, learner.key)]
            return tuple(sorted(found[-1])) if found else None
        return self._look(view)

    def close_poll(self, poll_id: int) -> Poll:
        def edit(doc: Doc) -> Poll:
            row = self._poll_row(doc, poll_id)
            if row["closed_at"] is None:
                row["closed_at"] = self._clock()
            return _poll(row)
        return self._change(edit)

    def reveal_poll(self, poll_id: int) -> Poll:
        def edit(doc: Doc) -> Poll:
            row = self._poll_row(doc, poll_id)
            row["revealed"] = True
            return _poll(row)
        return self._change(edit)

    def poll_tally(self, poll_id: int) -> PollTally:
        def view(doc: Doc) -> PollTally:
            poll = _poll(self._poll_row(doc, poll_id))
            mine = [a for a in doc["poll_answers"] if a["poll"] == poll_id]
            counts = {o: sum(o in a["chosen"] for a in mine) for o in poll.options}
            since = self._clock() - PRESENT_WINDOW
            present = {r["learner"] for r in doc.get("presence", [])
                       if r["session"] == poll.session_id and r["at"] >= since}
            return PollTally(poll, counts, len(mine), len(present | {a["learner"] for a in mine}))
        return self._look(view)

    # ---------------------------------------------------------------------------------- the class
    def current_session(self) -> ClassSession:
        return self._look(lambda doc: _session(doc["sessions"][-1]))

    def new_session(self, label: str | None = None) -> ClassSession:
        def edit(doc: Doc) -> ClassSession:
            now = self._clock()
            old = doc["sessions"][-1]
            old["archived_at"] = now
            for p in doc["polls"]:
                if p["closed_at"] is None:
                    p["closed_at"] = now
            new = {"id": int(old["id"]) + 1, "label": label or f"Session {int(old['id']) + 1}", "started_at": now,
                   "archived_at": None}
            doc["sessions"].append(new)
            return _session(new)
        return self._change(edit)

    def sessions(self) -> list[ClassSession]:
        return self._look(lambda doc: [_session(s) for s in doc["sessions"]])

    def class_answers(self, session_id: int | None = None) -> list[AnswerRow]:
        def view(doc: Doc) -> list[AnswerRow]:
            sid = session_id if session_id is not None else self._session_id(doc)
            names = doc["names"]
            rows = [AnswerRow(a["session"], a["learner"], names.get(a["learner"], a["learner"]), a["case"],
                              a["question"], *_attempts(a))
                    for a in doc["answers"] if a["session"] == sid]
            return sorted(rows, key=lambda r: (r.display_name.casefold(), r.case_id, r.question_id))
        return self._look(view)

    def class_record(self, session_id: int | None = None) -> ClassRecord:
        def view(doc: Doc) -> ClassRecord:
            sid = session_id if session_id is not None else self._session_id(doc)
            names = doc["names"]
            answers = sorted((AnswerRow(a["session"], a["learner"], names.get(a["learner"], a["learner"]), a["case"],
                                        a["question"], *_attempts(a))
                              for a in doc["answers"] if a["session"] == sid),
                             key=lambda r: (r.display_name.casefold(), r.learner_key, r.case_id, r.question_id))
            polls = tuple(_poll(p) for p in doc["polls"] if p["session_id"] == sid)
            opened = {p.id: p.opened_at for p in polls}
            poll_answers = sorted((PollAnswerRow(a["poll"], a["learner"], names.get(a["learner"], a["learner"]),
                                                 tuple(a["chosen"]), float(a.get("at", opened[a["poll"]])))
                                   for a in doc["poll_answers"] if a["poll"] in opened),
                                  key=lambda a: (a.poll_id, a.at))
            drill = tuple(DrillRow(sid, d["learner"], names.get(d["learner"], d["learner"]), d["scenario"], d["chosen"],
                                   bool(d["correct"]), float(d["at"]))
                          for d in doc["drill"] if _drill_session(doc, d) == sid)
            return ClassRecord(sid, tuple(answers), polls, tuple(poll_answers), drill)
        return self._look(view)

    def close(self) -> None:
        """Nothing to release: every call opens and closes the file."""


NOT_KEPT = ("Your answers are not kept on this address: the page is open over plain http:// to another "
            "computer, where the browser keeps nothing for it. This page works, but what you do here is lost "
            "when it closes; open the site over https://, or at http://localhost on the computer that serves it.")


def open_browser_store(path: str | Path, kept: bool = True) -> tuple[ClassStore, str | None]:
    """The store at ``path`` and a plain-words message for the student, if there is one.

    A damaged file is moved aside (``<name>.corrupt-<time>``, never deleted) and a fresh record
    starts; a location that cannot be used gives an unsaved in-memory store. ``kept=False`` (a page
    that is not a secure context, where JupyterLite's drive lives in memory only) gives an unsaved
    in-memory store that says so, rather than a file that seems to keep answers and loses them.
    """
    from .memory import MemoryStore

    if not kept:
        return MemoryStore("memory (not saved: the page is not a secure context)"), NOT_KEPT

    store = JsonFileStore(path)
    try:
        store.current_session()
    except StoreCorruptError as exc:
        aside = store.path.with_name(f"{store.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(store.path, aside)
        except OSError:
            return MemoryStore(), f"Your saved answers could not be read ({exc}); this page will not save answers."
        return store, (f"Your saved answers could not be read; they were kept as {aside.name} "
                       "and a fresh record started.")
    except StoreError as exc:
        return MemoryStore(), f"Answers cannot be saved in this browser ({exc}); they last until the page closes."
    return store, None
