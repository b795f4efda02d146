"""The class store: where answers, revealed stages, drill attempts and live polls live.

One small interface (:class:`ClassStore`) with several backends behind it; the apps cannot tell
which one they talk to, and ``tests/support/store_contract.py`` runs the same checks against each:

- :class:`~triage.store.memory.MemoryStore`: in this process only (tests; the fallback that keeps
  an app working, unsaved, when the real store cannot be written).
- :class:`~triage.store.sqlite.SqliteStore` (embedded default, one file) and
  :class:`~triage.store.postgres.PostgresStore` (a server, many machines) share their SQL
  (:mod:`triage.store.sql`); :func:`open_store` picks one from a path or a URL (:data:`OPENERS`
  maps URL schemes to backends, so a JupyterHub service client can register ``http(s)://``).
- :func:`open_store_or_memory` is what an app calls: the real store, or an unsaved fallback and a
  plain-words message naming the location.

Records are filed under a learner's ``key`` (see :mod:`triage.store.identity`). Every answer belongs to
the class session that was current when it was given: a student's own record spans all sessions
(latest answer per question), while the class view reads one session. Starting a new session
archives the old one; nothing is deleted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..errors import Problem, StoreError
from .identity import Learner


class _Attempts:
    """What a case answer with its first attempt says (shared by :class:`CaseAnswer` and :class:`AnswerRow`,
    whose fields repeat these: each subclass puts its own fields first)."""

    chosen: tuple[str, ...]
    correct: bool
    at: float
    first_chosen: tuple[str, ...] | None
    first_correct: bool | None
    first_at: float | None
    attempts: int

    def __post_init__(self) -> None:
        """A record read without its first attempt (stored before first attempts were kept) had one answer."""
        if self.first_chosen is None:
            object.__setattr__(self, "first_chosen", self.chosen)
        if self.first_correct is None:
            object.__setattr__(self, "first_correct", self.correct)
        if self.first_at is None:
            object.__setattr__(self, "first_at", self.at)

    @property
    def right_first_time(self) -> bool:
        """The first answer was right (the case player shows the right answer after each check)."""
        return bool(self.first_correct)

    @property
    def right_after_retry(self) -> bool:
        """Wrong at first, right in the end."""
        return self.correct and not self.first_correct


@dataclass(frozen=True)
class CaseAnswer(_Attempts):
    """A learner's latest answer to one case question, with their first one and how many times they checked.

    ``first_*`` default to the latest answer (a record from before first attempts were kept)."""

    case_id: str
    question_id: str
    chosen: tuple[str, ...]
    correct: bool
    at: float
    first_chosen: tuple[str, ...] | None = None
    first_correct: bool | None = None
    first_at: float | None = None
    attempts: int = 1


def across_sessions(answers: Iterable[CaseAnswer]) -> dict[tuple[str, str], CaseAnswer]:
    """A learner's own record of case answers from their rows in every session: per question the latest
    answer, the first answer ever given, and every check counted."""
    out: dict[tuple[str, str], CaseAnswer] = {}
    for a in answers:
        key = (a.case_id, a.question_id)
        had = out.get(key)
        if had is None:
            out[key] = a
            continue
        last = a if a.at >= had.at else had
        first = a if (a.first_at or 0.0) < (had.first_at or 0.0) else had
        out[key] = replace(last, first_chosen=first.first_chosen, first_correct=first.first_correct,
                           first_at=first.first_at, attempts=a.attempts + had.attempts)
    return out


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
    display_name: str = ""  # the name last written under this key ("" before anything was written)
    polls_answered: int = 0  # live polls the learner answered, in any session (their own count, never a score)

    def case_answers(self, case_id: str) -> dict[str, CaseAnswer]:
        """Latest answers for one case, by question id."""
        return {q: a for (c, q), a in self.answers.items() if c == case_id}

    def score(self, case_id: str) -> tuple[int, int]:
        """(correct, answered) for one case (the latest answers)."""
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
    ends_at: float | None = None  # the countdown's end (the store's clock), when the instructor started one

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def time_left(self, now: float) -> float | None:
        """Seconds of the countdown left at ``now`` (0 once it ran out), or None without a countdown."""
        return None if self.ends_at is None else max(0.0, self.ends_at - now)


@dataclass(frozen=True)
class PollTally:
    """How the class answered a poll so far: count per option id and how many answered.

    ``present`` counts the students present in the poll's session (a student app open within the last
    :data:`PRESENT_WINDOW` seconds, see :meth:`ClassStore.mark_present`) together with everyone who
    answered this poll, so ``present - answered`` is how many have not answered yet.
    """

    poll: Poll
    counts: Mapping[str, int]
    answered: int
    present: int = 0

    @property
    def waiting(self) -> int:
        """Students present who have not answered yet."""
        return max(0, self.present - self.answered)


@dataclass(frozen=True)
class ClassSession:
    """A run of the class (a lecture, a seminar); archived, never deleted, when a new one starts."""

    id: int
    label: str
    started_at: float
    archived_at: float | None = None


@dataclass(frozen=True)
class AnswerRow(_Attempts):
    """One line of the class view: a learner's latest answer to one question in one session, with their
    first answer to it in that session and how many times they checked (``first_*`` default to the latest)."""

    session_id: int
    learner_key: str
    display_name: str
    case_id: str
    question_id: str
    chosen: tuple[str, ...]
    correct: bool
    at: float
    first_chosen: tuple[str, ...] | None = None
    first_correct: bool | None = None
    first_at: float | None = None
    attempts: int = 1


@dataclass(frozen=True)
class PollAnswerRow:
    """One learner's answer to one poll (the latest, if they changed it while the poll was open)."""

    poll_id: int
    learner_key: str
    display_name: str
    chosen: tuple[str, ...]
    at: float


@dataclass(frozen=True)
class DrillRow:
    """One answer in the red-flag drill, in the session that was current when it was given."""

    session_id: int
    learner_key: str
    display_name: str
    scenario_id: str
    chosen: str
    correct: bool
    at: float


@dataclass(frozen=True)
class ClassRecord:
    """Everything the class did in one session, for the instructor's results: case answers (latest per
    learner and question), the session's polls in the order they were opened with every learner's
    answer, and every drill answer in the order given."""

    session_id: int
    answers: tuple[AnswerRow, ...] = ()
    polls: tuple[Poll, ...] = ()
    poll_answers: tuple[PollAnswerRow, ...] = ()
    drill: tuple[DrillRow, ...] = ()


# A student app open in a kernel says so every PRESENT_EVERY seconds (:meth:`ClassStore.mark_present`);
# the presenter counts a student as present for PRESENT_WINDOW seconds after the last time.
PRESENT_EVERY = 30.0
PRESENT_WINDOW = 95.0
# An answer to a poll whose countdown ran out is still taken for this long (the last tap's way to the store).
POLL_GRACE = 1.5


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
        """Record or replace this learner's answer while the poll is open (and its countdown, if any,
        has not run out more than :data:`POLL_GRACE` seconds ago)."""
        ...

    def set_poll_timer(self, poll_id: int, seconds: float | None) -> Poll:
        """Start a countdown on an open poll: it ends ``seconds`` from now (None removes it)."""
        ...

    def mark_present(self, learner: Learner) -> None:
        """Note that the learner has a student app open in the current session (see :data:`PRESENT_EVERY`)."""
        ...

    def poll_answer(self, poll_id: int, learner: Learner) -> tuple[str, ...] | None:
        """This learner's own answer to a poll (sorted option ids), or None when they have not answered it."""
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

    def class_record(self, session_id: int | None = None) -> ClassRecord:
        """Case answers, polls with their answers, and drill answers of one session (default: the current one)."""
        ...

    def close(self) -> None: ...


__all__ = [
    "ENV_LOCATION",
    "OPENERS",
    "POLL_GRACE",
    "PRESENT_EVERY",
    "PRESENT_WINDOW",
    "AnswerRow",
    "CaseAnswer",
    "ClassRecord",
    "ClassSession",
    "ClassStore",
    "DrillAttempt",
    "DrillRow",
    "LearnerRecord",
    "Poll",
    "PollAnswerRow",
    "PollTally",
    "default_location",
    "default_path",
    "import_legacy_progress",
    "open_store",
    "open_store_or_memory",
    "register_opener",
]

ENV_LOCATION = "TRIAGE_CLASS_DB"

Opener = Callable[[str], ClassStore]


def _open_postgres(url: str) -> ClassStore:
    from .postgres import PostgresStore

    return PostgresStore(url)


# URL scheme -> opener of a store at that URL. A location without a scheme is a SQLite file path.
# Another backend registers itself here (e.g. the JupyterHub service client: "http", "https").
def _open_hub_service(location: str) -> ClassStore:
    """The JupyterHub class-store service at an http(s) URL (:mod:`.hub`), with the caller's hub token."""
    from .hub import HubStore

    return HubStore(location)


OPENERS: dict[str, Opener] = {"postgresql": _open_postgres, "postgres": _open_postgres,
                              "http": _open_hub_service, "https": _open_hub_service}


def register_opener(scheme: str, opener: Opener) -> None:
    """Make :func:`open_store` hand locations ``<scheme>://...`` to ``opener``."""
    OPENERS[scheme.lower()] = opener


def default_path() -> Path:
    """``$XDG_DATA_HOME/triage/class.db``, else ``~/.local/share/triage/class.db`` (one per OS user)."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "triage" / "class.db"


def default_location() -> str:
    """``$TRIAGE_CLASS_DB`` (a file path or a ``postgresql://`` URL), else :func:`default_path`."""
    return os.environ.get(ENV_LOCATION) or str(default_path())


def _scheme(location: str) -> str | None:
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", location)
    return match.group(1).lower() if match else None


def open_store(location: str | None = None) -> ClassStore:
    """The class store at ``location``: a SQLite file path, or a URL whose scheme is in :data:`OPENERS`
    (``postgresql://user@host/db``). Default: :func:`default_location`.

    Raises :class:`~triage.errors.StoreUnavailableError` (cannot be written or reached),
    :class:`~triage.errors.StoreCorruptError` (damaged, or not a triage class database; the file is
    left untouched) or :class:`~triage.errors.StoreError`, each naming the location.
    """
    loc = location or os.environ.get("TRIAGE_STORE_URL") or default_location()  # the hub sets TRIAGE_STORE_URL
    scheme = _scheme(loc)
    if scheme is not None:
        opener = OPENERS.get(scheme)
        if opener is None:
            known = ", ".join(f"{s}://" for s in sorted(OPENERS))
            raise StoreError(Problem(ENV_LOCATION, f"unknown kind of location {scheme}://; use a file path or one "
                                                   f"of {known}", loc.split("://", 1)[0] + "://..."))
        return opener(loc)
    from .sqlite import SqliteStore

    private = location is None and not os.environ.get(ENV_LOCATION)
    return SqliteStore(Path(loc).expanduser(), folder_mode=0o700 if private else 0o777)


def unsaved_message(error: StoreError) -> str:
    """What to tell a student when the class store cannot be used: where, why, and that the app still works."""
    problem = error.problems[0]
    where = problem.file or "the class store"
    return (f"Your answers are not being saved. {where}: {problem.message}. "
            "This page works as usual, but nothing you do here is kept; tell your instructor.")


def open_store_or_memory(location: str | None = None) -> tuple[ClassStore, str | None]:
    """``(store, None)``, or, when the store cannot be used, ``(MemoryStore, message)`` so the app keeps
    working unsaved; the message names the location and the problem in plain words (see
    :func:`unsaved_message`). A damaged or foreign file is left untouched either way."""
    from .memory import MemoryStore

    try:
        return open_store(location), None
    except StoreError as exc:
        where = exc.problems[0].file or location or default_location()
        return MemoryStore(f"memory (not saved; {where} cannot be used)"), unsaved_message(exc)


def import_legacy_progress(store: ClassStore, learner: Learner, path: str | Path | None = None) -> int:
    """Import the old JSON progress file once; see :func:`triage.store.legacy.import_legacy_progress`."""
    from .legacy import import_legacy_progress as run

    return run(store, learner, path)
