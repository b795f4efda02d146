"""The class store: where answers, revealed stages, drill attempts and live polls live.

One small interface (:class:`ClassStore`) with several backends behind it; the apps cannot tell
which one they talk to, and ``tests/store_contract.py`` runs the same checks against each:

- :class:`~triage.store.memory.MemoryStore`: in this process only (tests; the fallback that keeps
  an app working, unsaved, when the real store cannot be written).
- SQLite (embedded default), PostgreSQL (many machines) and the JupyterHub service client live in
  their own modules and are chosen by :func:`open_store`.

Records are filed under a learner's ``key`` (see :mod:`triage.identity`). Every answer belongs to
the class session that was current when it was given: a student's own record spans all sessions
(latest answer per question), while the class view reads one session. Starting a new session
archives the old one; nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..identity import Learner


@dataclass(frozen=True)
class CaseAnswer:
    """A learner's latest answer to one case question."""

    case_id: str
    question_id: str
    chosen: tuple[str, ...]
    correct: bool
    at: float


@dataclass(frozen=True)
class DrillAttempt:
    """One answer in the red-flag drill."""

    scenario_id: str
    chosen: str
    correct: bool
    at: float


@dataclass(frozen=True)
class LearnerRecord:
    """Everything one learner has done, across sessions: latest answer per question, stages, drill."""

    key: str
    answers: Mapping[tuple[str, str], CaseAnswer] = field(default_factory=dict)
    revealed: Mapping[str, int] = field(default_factory=dict)
    drill: tuple[DrillAttempt, ...] = ()
    done: frozenset[str] = frozenset()  # apps (notebook names) the learner has completed

    def case_answers(self, case_id: str) -> dict[str, CaseAnswer]:
        """Latest answers for one case, by question id."""
        return {q: a for (c, q), a in self.answers.items() if c == case_id}

    def score(self, case_id: str) -> tuple[int, int]:
        """(correct, answered) for one case."""
        answers = self.case_answers(case_id).values()
        return sum(a.correct for a in answers), len(answers)


@dataclass(frozen=True)
class Poll:
    """A question the instructor put to the class."""

    id: int
    session_id: int
    case_id: str
    question_id: str
    options: tuple[str, ...]
    opened_at: float
    closed_at: float | None = None
    revealed: bool = False

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class PollTally:
    """How the class answered a poll so far: count per option id and how many answered."""

    poll: Poll
    counts: Mapping[str, int]
    answered: int


@dataclass(frozen=True)
class ClassSession:
    """A run of the class (a lecture, a seminar); archived, never deleted, when a new one starts."""

    id: int
    label: str
    started_at: float
    archived_at: float | None = None


@dataclass(frozen=True)
class AnswerRow:
    """One line of the class view: a learner's latest answer to one question in one session."""

    session_id: int
    learner_key: str
    display_name: str
    case_id: str
    question_id: str
    chosen: tuple[str, ...]
    correct: bool
    at: float


@runtime_checkable
class ClassStore(Protocol):
    """The verbs the apps, the CLI and the hub service use; every backend implements all of them.

    Methods that write raise :class:`~triage.errors.StoreUnavailableError` when the location cannot
    be written and :class:`~triage.errors.PollClosedError` for an answer to a closed poll; backends
    that check access (the hub service) raise :class:`~triage.errors.AccessDeniedError`.
    """

    @property
    def location(self) -> str:
        """Where the records live, for messages (a path, a database name, a service URL)."""
        ...

    # A learner's own record
    def record_answer(
        self, learner: Learner, case_id: str, question_id: str, chosen: Sequence[str], correct: bool
    ) -> None: ...

    def set_revealed(self, learner: Learner, case_id: str, stages: int) -> None: ...

    def record_drill(self, learner: Learner, scenario_id: str, chosen: str, correct: bool) -> None: ...

    def mark_done(self, learner: Learner, app: str) -> None:
        """Note that the learner completed an app (a notebook name); the landing page shows a mark."""
        ...

    def learner_record(self, learner: Learner) -> LearnerRecord: ...

    # Live polls (one open poll per session at a time; opening another closes the first)
    def open_poll(self, case_id: str, question_id: str, options: Sequence[str]) -> Poll: ...

    def current_poll(self) -> Poll | None:
        """The open poll of the current session, or None."""
        ...

    def answer_poll(self, poll_id: int, learner: Learner, chosen: Sequence[str]) -> None:
        """Record or replace this learner's answer while the poll is open."""
        ...

    def close_poll(self, poll_id: int) -> Poll: ...

    def reveal_poll(self, poll_id: int) -> Poll: ...

    def poll_tally(self, poll_id: int) -> PollTally: ...

    # The class (instructor)
    def current_session(self) -> ClassSession: ...

    def new_session(self, label: str | None = None) -> ClassSession: ...

    def sessions(self) -> list[ClassSession]: ...

    def class_answers(self, session_id: int | None = None) -> list[AnswerRow]:
        """Latest answer per learner and question in one session (default: the current one)."""
        ...

    def close(self) -> None: ...


__all__ = [
    "AnswerRow",
    "CaseAnswer",
    "ClassSession",
    "ClassStore",
    "DrillAttempt",
    "LearnerRecord",
    "Poll",
    "PollTally",
    "open_store",
]


def open_store(location: str | None = None) -> ClassStore:
    """The class store for ``location`` (default: ``$TRIAGE_CLASS_DB``, else the documented default path).

    Placeholder until the SQLite backend lands: returns an in-process :class:`MemoryStore`.
    An ``http(s)://`` location (or ``$TRIAGE_STORE_URL``) is the JupyterHub class service (:mod:`.hub`).
    """
    from .hub import hub_store_for

    hub = hub_store_for(location)
    if hub is not None:
        return hub
    from .memory import MemoryStore

    return MemoryStore(location or "memory (not saved)")
