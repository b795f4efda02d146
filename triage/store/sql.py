"""The class store on an SQL database: one implementation for SQLite and PostgreSQL.

Everything the two databases share lives here: the schema and its ordered migrations, every query,
and the :class:`~triage.store.ClassStore` verbs. A backend module (:mod:`.sqlite`, :mod:`.postgres`)
subclasses :class:`SqlStore` and supplies only what differs: how to connect, column types, the
placeholder style, how a transaction starts, a class-wide lock, and how its errors read.

Queries are written with ``?`` placeholders; :meth:`SqlStore._prepare` turns them into the
backend's style. Every write is one short transaction; the live-poll reads (``current_poll``,
``poll_tally``) are single statements on indexed columns.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

from ..errors import PollClosedError, Problem, StoreError
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

T = TypeVar("T")

APP_MARKER = "triage class store"  # meta.app: what tells our database from somebody else's


@dataclass(frozen=True)
class Migration:
    """One schema step. Statements may use ``{id}`` (an auto-numbered primary key) and ``{float}``."""

    version: int
    description: str
    statements: tuple[str, ...]


# Ordered; a released step is never edited, a change is a new step at the end.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "answers, revealed stages, drill, sessions and live polls", (
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE learners (learner_key TEXT PRIMARY KEY, display_name TEXT NOT NULL, source TEXT NOT NULL,"
        " first_seen {float} NOT NULL)",
        "CREATE TABLE sessions (id {id}, label TEXT NOT NULL, started_at {float} NOT NULL, archived_at {float})",
        "CREATE TABLE answers (session_id INTEGER NOT NULL, learner_key TEXT NOT NULL, case_id TEXT NOT NULL,"
        " question_id TEXT NOT NULL, chosen TEXT NOT NULL, correct BOOLEAN NOT NULL, at {float} NOT NULL,"
        " PRIMARY KEY (session_id, learner_key, case_id, question_id))",
        "CREATE INDEX answers_by_learner ON answers (learner_key)",
        "CREATE TABLE revealed (learner_key TEXT NOT NULL, case_id TEXT NOT NULL, stages INTEGER NOT NULL,"
        " at {float} NOT NULL, PRIMARY KEY (learner_key, case_id))",
        "CREATE TABLE drill (id {id}, learner_key TEXT NOT NULL, scenario_id TEXT NOT NULL, chosen TEXT NOT NULL,"
        " correct BOOLEAN NOT NULL, at {float} NOT NULL)",
        "CREATE INDEX drill_by_learner ON drill (learner_key)",
        "CREATE TABLE polls (id {id}, session_id INTEGER NOT NULL, case_id TEXT NOT NULL, question_id TEXT NOT NULL,"
        " options TEXT NOT NULL, opened_at {float} NOT NULL, closed_at {float}, revealed BOOLEAN NOT NULL)",
        # at most one open poll per session, whatever races between two presenters
        "CREATE UNIQUE INDEX one_open_poll ON polls (session_id) WHERE closed_at IS NULL",
        "CREATE TABLE poll_answers (poll_id INTEGER NOT NULL, learner_key TEXT NOT NULL, chosen TEXT NOT NULL,"
        " at {float} NOT NULL, PRIMARY KEY (poll_id, learner_key))",
        "INSERT INTO sessions (label, started_at) VALUES ('Session 1', {now})",
    )),
    Migration(2, "completed apps per learner; record of one-time imports of the old progress file", (
        "CREATE TABLE done (learner_key TEXT NOT NULL, app TEXT NOT NULL, at {float} NOT NULL,"
        " PRIMARY KEY (learner_key, app))",
        "CREATE TABLE imports (learner_key TEXT NOT NULL, source TEXT NOT NULL, at {float} NOT NULL,"
        " records INTEGER NOT NULL, PRIMARY KEY (learner_key, source))",
    )),
    Migration(3, "poll countdowns, drill answers filed by session, students present in a session", (
        "ALTER TABLE polls ADD COLUMN ends_at {float}",
        "ALTER TABLE drill ADD COLUMN session_id INTEGER",
        # earlier drill answers belong to the session that was current when they were given
        "UPDATE drill SET session_id = COALESCE((SELECT max(s.id) FROM sessions s WHERE s.started_at <= drill.at),"
        " (SELECT min(id) FROM sessions))",
        "CREATE INDEX drill_by_session ON drill (session_id)",
        "CREATE TABLE presence (session_id INTEGER NOT NULL, learner_key TEXT NOT NULL, at {float} NOT NULL,"
        " PRIMARY KEY (session_id, learner_key))",
    )),
    # Earlier rows keep NULL here and read as one attempt (_attempts); their next retry fills them in.
    Migration(4, "a case answer keeps the learner's first attempt and how many times they checked", (
        "ALTER TABLE answers ADD COLUMN first_chosen TEXT",
        "ALTER TABLE answers ADD COLUMN first_correct BOOLEAN",
        "ALTER TABLE answers ADD COLUMN first_at {float}",
        "ALTER TABLE answers ADD COLUMN attempts INTEGER",
    )),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Db:
    """The statements of one transaction (or one autocommitted statement) on a backend connection."""

    def __init__(self, conn: Any, prepare: Callable[[str], str]) -> None:
        self.conn = conn
        self._prepare = prepare

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(self._prepare(sql), tuple(params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.execute(sql, params).fetchall()


def _chosen(raw: Sequence[str]) -> str:
    return json.dumps(sorted(str(c) for c in raw))


def _poll(row: Sequence[Any]) -> Poll:
    pid, sid, case, question, options, opened, closed, revealed, ends = row[:9]
    return Poll(int(pid), int(sid), case, question, tuple(json.loads(options)), opened, closed, bool(revealed), ends)


# Statements are whole literals (no string building); "(SELECT max(id) FROM sessions)" is the current session.
_GET_POLL = ("SELECT p.id, p.session_id, p.case_id, p.question_id, p.options, p.opened_at, p.closed_at, p.revealed,"
             " p.ends_at FROM polls p WHERE p.id = ?")
_NEW_ANSWER = ("INSERT INTO answers (session_id, learner_key, case_id, question_id, chosen, correct, at)"
               " VALUES ((SELECT max(id) FROM sessions), ?, ?, ?, ?, ?, ?)")


def _attempts(row: Sequence[Any]) -> tuple[Any, ...]:
    """A case answer's last seven columns as the dataclasses take them: ``chosen, correct, at``, then the first
    attempt and the number of attempts (a row from before schema 4 reads as one attempt: its answer)."""
    chosen, correct, at, first, first_correct, first_at, attempts = row[-7:]
    return (tuple(json.loads(chosen)), bool(correct), at, tuple(json.loads(first)), bool(first_correct), first_at,
            int(attempts))


class SqlStore:
    """Implements :class:`~triage.store.ClassStore` in SQL; subclasses connect and translate errors.

    One connection per store, used under a lock (an app's callbacks and a poll timer may share it).
    """

    dialect: ClassVar[str] = "sql"
    column_types: ClassVar[Mapping[str, str]] = {}
    # the poll an answer is for, read so that "Close poll" cannot commit between the check and the answer
    get_poll_for_answer: ClassVar[str] = _GET_POLL

    def __init__(self, location: str) -> None:
        self._location = location
        self._lock = threading.RLock()
        self._conn: Any = None
        self._prepared: dict[str, str] = {}

    # -- what a backend supplies -------------------------------------------------------------
    def _connect(self) -> Any:
        """A new connection in autocommit mode, on the store's schema."""
        raise NotImplementedError

    @contextmanager
    def _transaction(self, conn: Any, write: bool) -> Iterator[None]:
        """One transaction: writes serialised as the backend needs, reads on one snapshot."""
        raise NotImplementedError
        yield

    def _class_lock(self, db: Db) -> None:
        """Serialise class-wide changes (sessions, opening polls) inside the current transaction."""

    def _translate(self, exc: BaseException) -> StoreError | None:
        """The plain-words store error for a database error, or None when ``exc`` is not one.

        A backend drops its connection here when the error left it unusable; the next call reconnects.
        """
        return None

    def _retryable(self, exc: BaseException) -> bool:
        return False

    def _placeholder_style(self, sql: str) -> str:
        return sql

    # -- plumbing ----------------------------------------------------------------------------
    @property
    def location(self) -> str:
        return self._location

    def _prepare(self, sql: str) -> str:
        out = self._prepared.get(sql)
        if out is None:
            out = self._prepared[sql] = self._placeholder_style(sql)
        return out

    def _db(self) -> Db:
        if self._conn is None:
            self._conn = self._connect()
        return Db(self._conn, self._prepare)

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: S110 - a broken connection may fail to close; it is dropped anyway
                pass

    def _fail(self, exc: BaseException) -> StoreError:
        error = self._translate(exc)
        if error is None:
            raise exc
        return error

    def _reconnectable(self, exc: BaseException) -> bool:
        """True when ``exc`` says the connection was lost (the backend reconnects on the next try)."""
        return False

    def _run(self, body: Callable[[Db], T], write: bool, class_lock: bool = False, attempts: int = 3) -> T:
        """Run ``body`` in one transaction. Retried: a serialisation failure, and a lost connection
        found before the transaction began (nothing was sent) or while reading."""
        with self._lock:
            for attempt in range(attempts):
                begun = False
                try:
                    db = self._db()
                    with self._transaction(db.conn, write):
                        begun = True
                        if class_lock:
                            self._class_lock(db)
                        return body(db)
                except StoreError:
                    raise
                except Exception as exc:
                    last = attempt + 1 == attempts
                    if not last and self._retryable(exc):
                        continue
                    if not last and self._reconnectable(exc) and (not begun or not write):
                        self._drop_connection()
                        continue
                    raise self._fail(exc) from exc
            raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, body: Callable[[Db], T], class_lock: bool = False) -> T:
        return self._run(body, write=True, class_lock=class_lock)

    def _read(self, body: Callable[[Db], T]) -> T:
        return self._run(body, write=False)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """One statement outside an explicit transaction: the cheapest read (live polls)."""
        with self._lock:
            for attempt in range(2):
                try:
                    return self._db().all(sql, params)
                except StoreError:
                    raise
                except Exception as exc:
                    if attempt == 0 and self._reconnectable(exc):
                        self._drop_connection()
                        continue
                    raise self._fail(exc) from exc
            raise AssertionError("unreachable")  # pragma: no cover

    # -- schema -------------------------------------------------------------------------------
    def _ddl(self, statement: str) -> str:
        return statement.format(now=repr(time.time()), **self.column_types)

    def _schema_version(self, db: Db) -> int:
        row = db.one("SELECT value FROM meta WHERE name = 'schema_version'")
        return int(row[0]) if row else 0

    def _migrate(self, db: Db, current: int, target: int = SCHEMA_VERSION) -> None:
        """Apply the steps after ``current`` up to ``target`` inside the caller's write transaction."""
        for step in MIGRATIONS:
            if current < step.version <= target:
                for statement in step.statements:
                    db.execute(self._ddl(statement))
                if step.version == 1:
                    db.execute("INSERT INTO meta (name, value) VALUES ('app', ?)", (APP_MARKER,))
                    db.execute("INSERT INTO meta (name, value) VALUES ('schema_version', '1')")
                else:
                    db.execute("UPDATE meta SET value = ? WHERE name = 'schema_version'", (str(step.version),))

    def _too_new(self, found: int) -> StoreError:
        return StoreError(Problem("", f"this class database has schema version {found}, newer than this version of "
                                      f"triage understands ({SCHEMA_VERSION}); update triage to use it. "
                                      "The database was not changed.", self._location))

    # -- a learner's own record --------------------------------------------------------------
    def _seen(self, db: Db, learner: Learner) -> None:
        db.execute(
            "INSERT INTO learners (learner_key, display_name, source, first_seen) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (learner_key) DO UPDATE SET display_name = excluded.display_name"
            " WHERE learners.display_name <> excluded.display_name",
            (learner.key, learner.display_name, learner.source, time.time()),
        )

    def record_answer(
        self, learner: Learner, case_id: str, question_id: str, chosen: Sequence[str], correct: bool
    ) -> None:
        def body(db: Db) -> None:
            self._seen(db, learner)
            now, options = time.time(), _chosen(chosen)
            # a retry replaces the latest answer; the first one stays (a row from before schema 4: its answer)
            db.execute(
                "INSERT INTO answers (session_id, learner_key, case_id, question_id, chosen, correct, at,"
                " first_chosen, first_correct, first_at, attempts)"
                " VALUES ((SELECT max(id) FROM sessions), ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
                " ON CONFLICT (session_id, learner_key, case_id, question_id) DO UPDATE SET"
                " chosen = excluded.chosen, correct = excluded.correct, at = excluded.at,"
                " first_chosen = COALESCE(answers.first_chosen, answers.chosen),"
                " first_correct = COALESCE(answers.first_correct, answers.correct),"
                " first_at = COALESCE(answers.first_at, answers.at), attempts = COALESCE(answers.attempts, 1) + 1",
                (learner.key, case_id, question_id, options, bool(correct), now, options, bool(correct), now),
            )

        self._write(body)

    def set_revealed(self, learner: Learner, case_id: str, stages: int) -> None:
        def body(db: Db) -> None:
            self._seen(db, learner)
            db.execute(
                "INSERT INTO revealed (learner_key, case_id, stages, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (learner_key, case_id) DO UPDATE SET stages = excluded.stages, at = excluded.at",
                (learner.key, case_id, int(stages), time.time()),
            )

        self._write(body)

    def record_drill(self, learner: Learner, scenario_id: str, chosen: str, correct: bool) -> None:
        def body(db: Db) -> None:
            self._seen(db, learner)
            db.execute("INSERT INTO drill (session_id, learner_key, scenario_id, chosen, correct, at)"
                       " VALUES ((SELECT max(id) FROM sessions), ?, ?, ?, ?, ?)",
                       (learner.key, scenario_id, str(chosen), bool(correct), time.time()))

        self._write(body)

    def mark_done(self, learner: Learner, app: str) -> None:
        def body(db: Db) -> None:
            self._seen(db, learner)
            db.execute("INSERT INTO done (learner_key, app, at) VALUES (?, ?, ?)"
                       " ON CONFLICT (learner_key, app) DO NOTHING", (learner.key, app, time.time()))

        self._write(body)

    def learner_record(self, learner: Learner) -> LearnerRecord:
        def body(db: Db) -> LearnerRecord:
            latest = across_sessions(CaseAnswer(row[0], row[1], *_attempts(row)) for row in db.all(
                "SELECT a.case_id, a.question_id, a.chosen, a.correct, a.at, COALESCE(a.first_chosen, a.chosen),"
                " COALESCE(a.first_correct, a.correct), COALESCE(a.first_at, a.at), COALESCE(a.attempts, 1)"
                " FROM answers a WHERE a.learner_key = ? ORDER BY a.at, a.session_id", (learner.key,)))
            revealed = {c: int(n) for c, n in db.all(
                "SELECT case_id, stages FROM revealed WHERE learner_key = ?", (learner.key,))}
            drill = tuple(DrillAttempt(s, c, bool(ok), at) for s, c, ok, at in db.all(
                "SELECT scenario_id, chosen, correct, at FROM drill WHERE learner_key = ? ORDER BY id",
                (learner.key,)))
            done = frozenset(a for (a,) in db.all("SELECT app FROM done WHERE learner_key = ?", (learner.key,)))
            name = db.all("SELECT display_name FROM learners WHERE learner_key = ?", (learner.key,))
            polls = db.all("SELECT COUNT(DISTINCT poll_id) FROM poll_answers WHERE learner_key = ?", (learner.key,))
            return LearnerRecord(learner.key, latest, revealed, drill, done, name[0][0] if name else "",
                                 int(polls[0][0]))

        return self._read(body)

    def import_legacy(self, learner: Learner, source: str, load: Callable[[], LegacyProgress]) -> int:
        """Import an old progress file once per (learner, source); see :mod:`triage.store.legacy`."""
        marker = "SELECT 1 FROM imports WHERE learner_key = ? AND source = ?"
        if self._read(lambda db: db.one(marker, (learner.key, source))):
            return 0
        data = load()  # outside the transaction: reading the file never holds the database

        def body(db: Db) -> int:
            # the marker first: a second kernel importing at the same moment waits here, then finds it
            claimed = db.execute("INSERT INTO imports (learner_key, source, at, records) VALUES (?, ?, ?, 0)"
                                 " ON CONFLICT (learner_key, source) DO NOTHING", (learner.key, source, time.time()))
            if claimed.rowcount != 1:
                return 0
            self._seen(db, learner)
            have = set(map(tuple, db.all("SELECT case_id, question_id FROM answers WHERE learner_key = ?",
                                         (learner.key,))))
            added = 0
            for (case, question), (chosen, correct) in data.answers.items():
                if (case, question) not in have:
                    db.execute(_NEW_ANSWER, (learner.key, case, question, _chosen(chosen), bool(correct), data.at))
                    added += 1
            old = dict(db.all("SELECT case_id, stages FROM revealed WHERE learner_key = ?", (learner.key,)))
            for case, stages in data.revealed.items():
                if int(stages) > old.get(case, 0):
                    db.execute(
                        "INSERT INTO revealed (learner_key, case_id, stages, at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (learner_key, case_id) DO UPDATE SET stages = excluded.stages",
                        (learner.key, case, int(stages), data.at))
                    added += 1
            db.execute("UPDATE imports SET records = ? WHERE learner_key = ? AND source = ?",
                       (added, learner.key, source))
            return added

        return self._write(body)

    # -- live polls ----------------------------------------------------------------------------
    def open_poll(self, case_id: str, question_id: str, options: Sequence[str]) -> Poll:
        def body(db: Db) -> Poll:
            now = time.time()
            db.execute("UPDATE polls SET closed_at = ? WHERE closed_at IS NULL", (now,))
            row = db.one(
                "INSERT INTO polls (session_id, case_id, question_id, options, opened_at, revealed)"
                " VALUES ((SELECT max(id) FROM sessions), ?, ?, ?, ?, FALSE) RETURNING id, session_id",
                (case_id, question_id, json.dumps([str(o) for o in options]), now))
            return Poll(int(row[0]), int(row[1]), case_id, question_id, tuple(str(o) for o in options), now)

        return self._write(body, class_lock=True)

    def current_poll(self) -> Poll | None:
        rows = self._query(
            "SELECT p.id, p.session_id, p.case_id, p.question_id, p.options, p.opened_at, p.closed_at, p.revealed,"
            " p.ends_at FROM polls p WHERE p.closed_at IS NULL AND p.session_id = (SELECT max(id) FROM sessions)"
            " ORDER BY p.id DESC LIMIT 1")
        return _poll(rows[0]) if rows else None

    def _get_poll(self, db: Db, poll_id: int, statement: str = _GET_POLL) -> Poll:
        row = db.one(statement, (int(poll_id),))
        if row is None:
            raise PollClosedError(Problem("poll", f"there is no poll {poll_id}", self._location))
        return _poll(row)

    def answer_poll(self, poll_id: int, learner: Learner, chosen: Sequence[str]) -> None:
        def body(db: Db) -> None:
            poll = self._get_poll(db, poll_id, self.get_poll_for_answer)
            if not poll.is_open:
                raise PollClosedError(Problem("poll", "this poll has closed", self._location))
            now = time.time()
            if poll.ends_at is not None and now > poll.ends_at + POLL_GRACE:
                raise PollClosedError(Problem("poll", "the time for this poll is up", self._location))
            self._seen(db, learner)
            db.execute(
                "INSERT INTO poll_answers (poll_id, learner_key, chosen, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (poll_id, learner_key) DO UPDATE SET chosen = excluded.chosen, at = excluded.at",
                (int(poll_id), learner.key, _chosen(chosen), now))

        self._write(body)

    def set_poll_timer(self, poll_id: int, seconds: float | None) -> Poll:
        def body(db: Db) -> Poll:
            if not self._get_poll(db, poll_id).is_open:
                raise PollClosedError(Problem("poll", "this poll has closed", self._location))
            ends = None if seconds is None else time.time() + float(seconds)
            db.execute("UPDATE polls SET ends_at = ? WHERE id = ?", (ends, int(poll_id)))
            return self._get_poll(db, poll_id)

        return self._write(body)

    def mark_present(self, learner: Learner) -> None:
        def body(db: Db) -> None:
            self._seen(db, learner)
            db.execute("INSERT INTO presence (session_id, learner_key, at)"
                       " VALUES ((SELECT max(id) FROM sessions), ?, ?)"
                       " ON CONFLICT (session_id, learner_key) DO UPDATE SET at = excluded.at",
                       (learner.key, time.time()))

        self._write(body)

    def poll_answer(self, poll_id: int, learner: Learner) -> tuple[str, ...] | None:
        rows = self._query("SELECT chosen FROM poll_answers WHERE poll_id = ? AND learner_key = ?",
                           (int(poll_id), learner.key))
        return tuple(sorted(json.loads(rows[0][0]))) if rows else None

    def close_poll(self, poll_id: int) -> Poll:
        def body(db: Db) -> Poll:
            db.execute("UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (time.time(), int(poll_id)))
            return self._get_poll(db, poll_id)

        return self._write(body)

    def reveal_poll(self, poll_id: int) -> Poll:
        def body(db: Db) -> Poll:
            db.execute("UPDATE polls SET revealed = TRUE WHERE id = ?", (int(poll_id),))
            return self._get_poll(db, poll_id)

        return self._write(body)

    def poll_tally(self, poll_id: int) -> PollTally:
        # the last column: students present in the poll's session lately, or who answered it (on each row)
        rows = self._query(
            "SELECT p.id, p.session_id, p.case_id, p.question_id, p.options, p.opened_at, p.closed_at, p.revealed,"
            " p.ends_at, a.chosen, (SELECT count(*) FROM (SELECT s.learner_key FROM presence s"
            " WHERE s.session_id = p.session_id AND s.at >= ? UNION SELECT b.learner_key FROM poll_answers b"
            " WHERE b.poll_id = p.id) AS here) FROM polls p LEFT JOIN poll_answers a ON a.poll_id = p.id"
            " WHERE p.id = ?", (time.time() - PRESENT_WINDOW, int(poll_id)))
        if not rows:
            raise PollClosedError(Problem("poll", f"there is no poll {poll_id}", self._location))
        poll = _poll(rows[0])
        answers = [set(json.loads(row[9])) for row in rows if row[9] is not None]
        counts = {o: sum(o in chosen for chosen in answers) for o in poll.options}
        return PollTally(poll, counts, len(answers), int(rows[0][10]))

    # -- the class -----------------------------------------------------------------------------
    def current_session(self) -> ClassSession:
        rows = self._query("SELECT id, label, started_at, archived_at FROM sessions ORDER BY id DESC LIMIT 1")
        return ClassSession(int(rows[0][0]), *rows[0][1:])

    def new_session(self, label: str | None = None) -> ClassSession:
        def body(db: Db) -> ClassSession:
            now = time.time()
            db.execute("UPDATE sessions SET archived_at = ? WHERE archived_at IS NULL", (now,))
            db.execute("UPDATE polls SET closed_at = ? WHERE closed_at IS NULL", (now,))
            sid = int(db.one("INSERT INTO sessions (label, started_at) VALUES (?, ?) RETURNING id",
                             (label or "", now))[0])
            name = label or f"Session {sid}"
            if not label:
                db.execute("UPDATE sessions SET label = ? WHERE id = ?", (name, sid))
            return ClassSession(sid, name, now)

        return self._write(body, class_lock=True)

    def sessions(self) -> list[ClassSession]:
        rows = self._query("SELECT id, label, started_at, archived_at FROM sessions ORDER BY id")
        return [ClassSession(int(i), label, s, a) for i, label, s, a in rows]

    def class_answers(self, session_id: int | None = None) -> list[AnswerRow]:
        rows = self._query(
            "SELECT a.session_id, a.learner_key, COALESCE(l.display_name, a.learner_key), a.case_id, a.question_id,"
            " a.chosen, a.correct, a.at, COALESCE(a.first_chosen, a.chosen), COALESCE(a.first_correct, a.correct),"
            " COALESCE(a.first_at, a.at), COALESCE(a.attempts, 1)"
            " FROM answers a LEFT JOIN learners l ON l.learner_key = a.learner_key"
            " WHERE a.session_id = COALESCE(?, (SELECT max(id) FROM sessions))",
            (None if session_id is None else int(session_id),))
        out = [AnswerRow(int(row[0]), row[1], row[2], row[3], row[4], *_attempts(row)) for row in rows]
        return sorted(out, key=lambda r: (r.display_name.casefold(), r.learner_key, r.case_id, r.question_id))

    # -- administration (not part of ClassStore: the hub's `accounts purge`) --------------------------
    # every table with a learner_key column, read from the migrations (a new one is covered when it is added)
    LEARNER_TABLES: ClassVar[tuple[str, ...]] = tuple(re.findall(
        r"CREATE TABLE (\w+) \([^;]*?\blearner_key\b", " ; ".join(s for m in MIGRATIONS for s in m.statements)))

    def forget_learner(self, learner_key: str) -> int:
        """Delete every record of one learner (all sessions, polls included), in one transaction; returns
        the number of rows deleted. For an administrator purging a removed student's data."""
        def body(db: Db) -> int:
            return sum(max(db.execute(f"DELETE FROM {table} WHERE learner_key = ?",  # noqa: S608 - fixed names
                                      (learner_key,)).rowcount, 0) for table in self.LEARNER_TABLES)

        return self._write(body)

    def class_record(self, session_id: int | None = None) -> ClassRecord:
        def body(db: Db) -> ClassRecord:
            if session_id is None:
                sid = int(db.one("SELECT max(id) FROM sessions")[0])
            else:
                sid = int(session_id)
            answers = [AnswerRow(int(row[0]), row[1], row[2], row[3], row[4], *_attempts(row)) for row in db.all(
                "SELECT a.session_id, a.learner_key, COALESCE(l.display_name, a.learner_key), a.case_id,"
                " a.question_id, a.chosen, a.correct, a.at, COALESCE(a.first_chosen, a.chosen),"
                " COALESCE(a.first_correct, a.correct), COALESCE(a.first_at, a.at), COALESCE(a.attempts, 1)"
                " FROM answers a LEFT JOIN learners l"
                " ON l.learner_key = a.learner_key WHERE a.session_id = ?", (sid,))]
            answers.sort(key=lambda r: (r.display_name.casefold(), r.learner_key, r.case_id, r.question_id))
            polls = tuple(_poll(row) for row in db.all(
                "SELECT p.id, p.session_id, p.case_id, p.question_id, p.options, p.opened_at, p.closed_at, p.revealed,"
                " p.ends_at FROM polls p WHERE p.session_id = ? ORDER BY p.id", (sid,)))
            poll_answers = tuple(PollAnswerRow(int(pid), k, name, tuple(json.loads(ch)), at) for pid, k, name, ch, at
                                 in db.all(
                "SELECT a.poll_id, a.learner_key, COALESCE(l.display_name, a.learner_key), a.chosen, a.at"
                " FROM poll_answers a JOIN polls p ON p.id = a.poll_id LEFT JOIN learners l"
                " ON l.learner_key = a.learner_key WHERE p.session_id = ? ORDER BY a.poll_id, a.at", (sid,)))
            drill = tuple(DrillRow(int(s), k, name, sc, ch, bool(ok), at) for s, k, name, sc, ch, ok, at in db.all(
                "SELECT d.session_id, d.learner_key, COALESCE(l.display_name, d.learner_key), d.scenario_id, d.chosen,"
                " d.correct, d.at FROM drill d LEFT JOIN learners l ON l.learner_key = d.learner_key"
                " WHERE d.session_id = ? ORDER BY d.id", (sid,)))
            return ClassRecord(sid, tuple(answers), polls, poll_answers, drill)

        return self._read(body)

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
