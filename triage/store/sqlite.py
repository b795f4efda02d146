"""The class store in one SQLite file: the embedded default (standard-library ``sqlite3``).

- WAL journal: readers (live-poll refreshes) never wait for a writer, and a writer killed at any point
  loses only its uncommitted transaction. ``synchronous=FULL``: a committed answer survives a power cut
  too (``NORMAL``, about 18x the write rate under many writers, may lose the last commits to a power
  cut, never to a crashed program; ``benchmarks/bench_store.py`` measures both).
- Busy timeout of :data:`BUSY_TIMEOUT_S`: writers queue (every write is one short ``BEGIN IMMEDIATE``
  transaction) instead of failing when several kernels write at once.
- The file header carries :data:`APPLICATION_ID`, and ``meta`` the schema version; a file that is not
  SQLite, or is another program's SQLite database, is reported with its path and never written.
- Writers queue on ``<name>-lock`` (an empty file beside the database) before ``BEGIN IMMEDIATE``,
  so many writers take turns fairly instead of polling (see :meth:`SqliteStore._writers_queue`).
- The folder must be writable (SQLite keeps ``-wal`` and ``-shm`` files beside the database).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, ClassVar

from ..errors import Problem, StoreCorruptError, StoreError, StoreUnavailableError
from .sql import SCHEMA_VERSION, Db, SqlStore

APPLICATION_ID = 0x54726961  # "Tria", at offset 68 of the file header
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0
MIN_SQLITE = (3, 35)  # INSERT ... RETURNING
SYNCHRONOUS = "FULL"

# primary result codes (https://www.sqlite.org/rescode.html)
_CORRUPT = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_UNWRITABLE = {3, 8, 10, 13, 14, 15, 23}  # PERM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL, AUTH


def _kept(what: str) -> str:
    return f"{what}; it was left exactly as it is. Move it away or choose another location (TRIAGE_CLASS_DB)"


def inspect_file(path: Path) -> str:
    """``missing``, ``empty``, ``ours`` or ``unmarked`` (SQLite without an application id), read from the
    first 100 bytes only; raises :class:`StoreCorruptError` for a non-SQLite file or another program's
    database, and :class:`StoreUnavailableError` when the file cannot be read."""
    where = str(path)
    try:
        if path.is_dir():
            raise StoreUnavailableError(Problem("", "this is a folder, not a database file", where))
        if not path.exists():
            return "missing"
        with path.open("rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise StoreUnavailableError(Problem("", f"the database file cannot be read ({exc.strerror})", where)) from None
    if not head:
        return "empty"
    if len(head) < 100 or not head.startswith(SQLITE_HEADER):
        raise StoreCorruptError(Problem("", _kept("this file is not a SQLite database (it is damaged, or another "
                                                  "kind of file)"), where))
    app = int.from_bytes(head[68:72], "big")
    if app == APPLICATION_ID:
        return "ours"
    if app == 0:
        return "unmarked"
    raise StoreCorruptError(Problem("", _kept(f"this is another program's SQLite database (application id {app:#x}),"
                                              " not a triage class database"), where))


class SqliteStore(SqlStore):
    """A class store in the SQLite file at ``path`` (created, with its folder, on first use)."""

    dialect: ClassVar[str] = "sqlite"
    column_types: ClassVar[dict[str, str]] = {"id": "INTEGER PRIMARY KEY", "float": "REAL"}

    def __init__(self, path: str | Path, folder_mode: int = 0o777, synchronous: str = SYNCHRONOUS) -> None:
        self.path = Path(path).expanduser().absolute()
        super().__init__(str(self.path))
        self._folder_mode = folder_mode
        if synchronous not in ("FULL", "NORMAL"):
            raise StoreError(Problem("synchronous", "use FULL or NORMAL"))
        self._synchronous = synchronous
        self._lock_path = self.path.with_name(self.path.name + "-lock")  # writers queue here
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreUnavailableError(Problem("", f"the class store needs SQLite {'.'.join(map(str, MIN_SQLITE))} "
                                                    f"or newer (RETURNING); this Python has {sqlite3.sqlite_version}",
                                                self.location))
        state = inspect_file(self.path)
        self._setup(state)

    # -- backend hooks -----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if not self.path.parent.is_dir():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=self._folder_mode)
            except OSError as exc:
                raise StoreUnavailableError(Problem("", f"its folder {self.path.parent} cannot be created "
                                                        f"({exc.strerror or exc})", self.location)) from None
        if not self.path.exists():  # students' names and answers: readable by this account only (SQLite gives
            try:                     # its -wal and -shm files the database's permissions)
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass  # another kernel made it a moment ago
            except OSError as exc:
                why = f"it cannot be written: the file cannot be created ({exc.strerror or exc})"
                raise StoreUnavailableError(Problem("", why, self.location)) from None
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def _transaction(self, conn: Any, write: bool) -> Iterator[None]:
        with self._writers_queue() if write else nullcontext():
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _writers_queue(self) -> Iterator[None]:
        """Wait for this writer's turn on the lock file, then hold it for one write transaction.

        SQLite's busy handler polls (every 100 ms once it has waited a while), so under many writers a
        waiting kernel can miss the free moments for longer than the busy timeout. Writers queue on an
        ``flock`` here instead: the kernel wakes waiters the moment the lock is released, a killed writer
        releases it at once, and the wait is bounded by :data:`BUSY_TIMEOUT_S`.
        """
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._wait_for_turn(fd)
        except BaseException:
            os.close(fd)
            raise
        try:
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _wait_for_turn(self, fd: int) -> None:
        """Block in the kernel on ``fd``'s lock, at most :data:`BUSY_TIMEOUT_S` (flock has no timeout of
        its own: a helper thread waits, and lets go of the lock if it arrives after we gave up)."""
        got, gave_up, guard = threading.Event(), threading.Event(), threading.Lock()
        waiter_fd = os.dup(fd)  # the helper's own descriptor: closing it if we gave up never touches ``fd``

        def wait() -> None:
            try:
                fcntl.flock(waiter_fd, fcntl.LOCK_EX)
            except OSError:
                os.close(waiter_fd)
                return
            with guard:
                if gave_up.is_set():
                    os.close(waiter_fd)
                    return
                got.set()

        threading.Thread(target=wait, name="triage-store-writer-turn", daemon=True).start()
        if got.wait(BUSY_TIMEOUT_S):
            os.close(waiter_fd)  # ``fd`` shares the locked open file; the lock stays until ``fd`` closes
            return
        with guard:
            if got.is_set():
                os.close(waiter_fd)
                return
            gave_up.set()
        raise StoreUnavailableError(Problem("", f"other writers kept the class database busy for "
                                                f"{BUSY_TIMEOUT_S:.0f} s; try again", self.location))

    def _translate(self, exc: BaseException) -> StoreError | None:
        where = self.location
        if isinstance(exc, OSError):
            return StoreUnavailableError(Problem("", f"the class database cannot be written here "
                                                     f"({exc.strerror or exc}); SQLite needs write access to "
                                                     "the file and to its folder", where))
        if not isinstance(exc, sqlite3.Error):
            return None
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if code in _CORRUPT:
            return StoreCorruptError(Problem("", _kept(f"the class database is damaged ({exc})"), where))
        if code in _BUSY:
            return StoreUnavailableError(Problem("", f"another program kept the class database locked for "
                                                     f"{BUSY_TIMEOUT_S:.0f} s ({exc}); try again", where))
        if code in _UNWRITABLE:
            return StoreUnavailableError(Problem("", f"the class database cannot be written here ({exc}); "
                                                     "SQLite needs write access to the file and to its folder",
                                                 where))
        return StoreError(Problem("", f"the class database failed ({exc})", where))

    # -- opening ----------------------------------------------------------------------------
    def _setup(self, state: str) -> None:
        """Identify the file, create or migrate the schema, and switch to WAL, in one write transaction."""
        with self._lock:
            try:
                db = self._db()
                if state == "unmarked" and db.one("SELECT count(*) FROM sqlite_master")[0]:
                    raise self._foreign()  # found by reading alone: not even a lock file is left beside it
                with self._transaction(db.conn, write=True):
                    self._identify_and_migrate(db)
                if db.one("PRAGMA journal_mode")[0].lower() != "wal":
                    db.one("PRAGMA journal_mode = WAL")
            except StoreError:
                self._drop_connection()
                raise
            except Exception as exc:
                self._drop_connection()
                raise self._fail(exc) from exc

    def _foreign(self) -> StoreCorruptError:
        return StoreCorruptError(Problem("", _kept("this SQLite database belongs to another program (it has "
                                                   "tables but no triage marker)"), self.location))

    def _identify_and_migrate(self, db: Db, target: int = SCHEMA_VERSION) -> None:
        app = db.one("PRAGMA application_id")[0]
        if app == 0:
            if db.one("SELECT count(*) FROM sqlite_master")[0]:
                raise self._foreign()
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._migrate(db, 0, target)
            return
        if app != APPLICATION_ID:  # changed since inspect_file read the header
            raise StoreCorruptError(Problem("", _kept(f"this is another program's SQLite database (application id "
                                                      f"{app:#x})"), self.location))
        found = self._schema_version(db)
        if found > SCHEMA_VERSION:
            raise self._too_new(found)
        if found < target:
            self._migrate(db, found, target)
        else:
            # a write that changes nothing: the transaction proves the location is writable now,
            # so an app learns at start (not at a student's first answer) that it cannot save
            db.execute("UPDATE meta SET value = value WHERE name = 'app'")

