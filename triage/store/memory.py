"""A class store held in this process: for tests, and as the unsaved fallback of an app."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from ..errors import PollClosedError, Problem
from . import (
    POLL_GRACE,
    PRESENT_WINDOW,
    AnswerRow,
    CaseAnswer,
    ClassRecord,
    ClassSession,
    DrillAttempt,
    DrillRow,
    LearnerRecord,
    Poll,
    PollAnswerRow,
    PollTally,
    across_sessions,
)
from .identity import Learner
from .legacy import LegacyProgress


class MemoryStore:
    """Implements :class:`~triage.store.ClassStore` with dictionaries; nothing survives the process."""

    def __init__(self, location: str = "memory (not saved)") -> None:
        self._location = location
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._sessions: list[ClassSession] = [ClassSession(1, "Session 1", time.time())]
        # (session, learner, case, question) -> answer
        self._answers: dict[tuple[int, str, str, str], CaseAnswer] = {}
        self._revealed: dict[tuple[str, str], int] = {}
        self._drill: dict[str, list[DrillAttempt]] = {}
        self._drill_sessions: list[tuple[int, str, DrillAttempt]] = []  # (session, learner, attempt) in order
        self._present: dict[tuple[int, str], float] = {}  # (session, learner) -> last time an app said so
        self._done: dict[str, set[str]] = {}
        self._polls: dict[int, Poll] = {}
        self._poll_answers: dict[int, dict[str, tuple[tuple[str, ...], float]]] = {}
        self._imports: set[tuple[str, str]] = set()

    @property
    def location(self) -> str:
        return self._location

    def _session_id(self) -> int:
        return self._sessions[-1].id

    def _seen(self, learner: Learner) -> None:
        self._names[learner.key] = learner.display_name

    def record_answer(
        self, learner: Learner, case_id: str, question_id: str, chosen: Sequence[str], correct: bool
    ) -> None:
        with self._lock:
            self._seen(learner)
            key = (self._session_id(), learner.key, case_id, question_id)
            answer = CaseAnswer(case_id, question_id, tuple(sorted(chosen)), bool(correct), time.time())
            had = self._answers.get(key)
            if had is not None:  # a retry: the first answer stays beside the latest
                answer = replace(answer, first_chosen=had.first_chosen, first_correct=had.first_correct,
                                 first_at=had.first_at, attempts=had.attempts + 1)
            self._answers[key] = answer

    def set_revealed(self, learner: Learner, case_id: str, stages: int) -> None:
        with self._lock:
            self._seen(learner)
            self._revealed[(learner.key, case_id)] = int(stages)

    def record_drill(self, learner: Learner, scenario_id: str, chosen: str, correct: bool) -> None:
        with self._lock:
            self._seen(learner)
            attempt = DrillAttempt(scenario_id, chosen, bool(correct), time.time())
            self._drill.setdefault(learner.key, []).append(attempt)
            self._drill_sessions.append((self._session_id(), learner.key, attempt))

    def mark_done(self, learner: Learner, app: str) -> None:
        with self._lock:
            self._seen(learner)
            self._done.setdefault(learner.key, set()).add(app)

    def learner_record(self, learner: Learner) -> LearnerRecord:
        with self._lock:
            latest = across_sessions(a for (_, who, _, _), a in self._answers.items() if who == learner.key)
            revealed = {case: n for (who, case), n in self._revealed.items() if who == learner.key}
            polls = sum(1 for answers in self._poll_answers.values() if learner.key in answers)
            return LearnerRecord(learner.key, latest, revealed, tuple(self._drill.get(learner.key, ())),
                                 frozenset(self._done.get(learner.key, ())), self._names.get(learner.key, ""), polls)

    def import_legacy(self, learner: Learner, source: str, load: Callable[[], LegacyProgress]) -> int:
        """Import an old progress file once per (learner, source); see :mod:`triage.store.legacy`."""
        if (learner.key, source) in self._imports:
            return 0
        data = load()
        with self._lock:
            if (learner.key, source) in self._imports:
                return 0
            self._seen(learner)
            have = {(c, q) for (_, who, c, q) in self._answers if who == learner.key}
            added = 0
            for (case, question), (chosen, correct) in data.answers.items():
                if (case, question) not in have:
                    key = (self._session_id(), learner.key, case, question)
                    self._answers[key] = CaseAnswer(case, question, tuple(sorted(chosen)), bool(correct), data.at)
                    added += 1
            for case, stages in data.revealed.items():
                if int(stages) > self._revealed.get((learner.key, case), 0):
                    self._revealed[(learner.key, case)] = int(stages)
                    added += 1
            self._imports.add((learner.key, source))
            return added

    def open_poll(self, case_id: str, question_id: str, options: Sequence[str]) -> Poll:
        with self._lock:
            now = time.time()
            for pid, poll in list(self._polls.items()):
                if poll.is_open:
                    self._polls[pid] = Poll(**{**poll.__dict__, "closed_at": now})
            pid = len(self._polls) + 1
            poll = Poll(pid, self._session_id(), case_id, question_id, tuple(options), now)
            self._polls[pid] = poll
            self._poll_answers[pid] = {}
            return poll

    def current_poll(self) -> Poll | None:
        with self._lock:
            sid = self._session_id()
            return next((p for p in self._polls.values() if p.is_open and p.session_id == sid), None)

    def _poll(self, poll_id: int) -> Poll:
        if poll_id not in self._polls:
            raise PollClosedError(Problem("poll", f"there is no poll {poll_id}"))
        return self._polls[poll_id]

    def answer_poll(self, poll_id: int, learner: Learner, chosen: Sequence[str]) -> None:
        with self._lock:
            poll = self._poll(poll_id)
            if not poll.is_open:
                raise PollClosedError(Problem("poll", "this poll has closed"))
            now = time.time()
            if poll.ends_at is not None and now > poll.ends_at + POLL_GRACE:
                raise PollClosedError(Problem("poll", "the time for this poll is up"))
            self._seen(learner)
            self._poll_answers[poll_id][learner.key] = (tuple(sorted(chosen)), now)

    def set_poll_timer(self, poll_id: int, seconds: float | None) -> Poll:
        with self._lock:
            poll = self._poll(poll_id)
            if not poll.is_open:
                raise PollClosedError(Problem("poll", "this poll has closed"))
            ends = None if seconds is None else time.time() + float(seconds)
            poll = self._polls[poll_id] = Poll(**{**poll.__dict__, "ends_at": ends})
            return poll

    def mark_present(self, learner: Learner) -> None:
        with self._lock:
            self._seen(learner)
            self._present[(self._session_id(), learner.key)] = time.time()

    def poll_answer(self, poll_id: int, learner: Learner) -> tuple[str, ...] | None:
        with self._lock:
            found = self._poll_answers.get(poll_id, {}).get(learner.key)
            return found[0] if found is not None else None

    def close_poll(self, poll_id: int) -> Poll:
        with self._lock:
            poll = self._poll(poll_id)
            if poll.is_open:
                poll = self._polls[poll_id] = Poll(**{**poll.__dict__, "closed_at": time.time()})
            return poll

    def reveal_poll(self, poll_id: int) -> Poll:
        with self._lock:
            poll = self._polls[poll_id] = Poll(**{**self._poll(poll_id).__dict__, "revealed": True})
            return poll

    def poll_tally(self, poll_id: int) -> PollTally:
        with self._lock:
            poll = self._poll(poll_id)
            answers = self._poll_answers[poll_id]
            counts = {o: sum(o in chosen for chosen, _ in answers.values()) for o in poll.options}
            since = time.time() - PRESENT_WINDOW
            present = {who for (sid, who), at in self._present.items() if sid == poll.session_id and at >= since}
            return PollTally(poll, counts, len(answers), len(present | set(answers)))

    def current_session(self) -> ClassSession:
        with self._lock:
            return self._sessions[-1]

    def new_session(self, label: str | None = None) -> ClassSession:
        with self._lock:
            now = time.time()
            old = self._sessions[-1]
            self._sessions[-1] = ClassSession(old.id, old.label, old.started_at, now)
            for pid, poll in list(self._polls.items()):
                if poll.is_open:
                    self._polls[pid] = Poll(**{**poll.__dict__, "closed_at": now})
            new = ClassSession(old.id + 1, label or f"Session {old.id + 1}", now)
            self._sessions.append(new)
            return new

    def sessions(self) -> list[ClassSession]:
        with self._lock:
            return list(self._sessions)

    def class_answers(self, session_id: int | None = None) -> list[AnswerRow]:
        with self._lock:
            sid = session_id if session_id is not None else self._session_id()
            rows = [
                AnswerRow(s, who, self._names.get(who, who), a.case_id, a.question_id, a.chosen, a.correct, a.at,
                          a.first_chosen, a.first_correct, a.first_at, a.attempts)
                for (s, who, _, _), a in self._answers.items()
                if s == sid
            ]
            return sorted(rows, key=lambda r: (r.display_name.casefold(), r.case_id, r.question_id))

    def class_record(self, session_id: int | None = None) -> ClassRecord:
        answers = self.class_answers(session_id)
        with self._lock:
            sid = session_id if session_id is not None else self._session_id()
            polls = tuple(p for _, p in sorted(self._polls.items()) if p.session_id == sid)
            poll_answers = tuple(
                PollAnswerRow(p.id, who, self._names.get(who, who), chosen, at)
                for p in polls
                for who, (chosen, at) in sorted(self._poll_answers[p.id].items(), key=lambda item: item[1][1])
            )
            drill = tuple(DrillRow(s, who, self._names.get(who, who), a.scenario_id, a.chosen, a.correct, a.at)
                          for s, who, a in self._drill_sessions if s == sid)
            return ClassRecord(sid, tuple(answers), polls, poll_answers, drill)

    def close(self) -> None:
        """Nothing to release."""
