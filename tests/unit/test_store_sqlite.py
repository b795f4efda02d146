"""The SQLite class store: the contract, its file format (WAL, application id, schema version and
migrations), and what happens with a damaged, foreign or unwritable file."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest
from support.store_contract import ANA, BEN, StoreContract

from triage.errors import StoreCorruptError, StoreError, StoreUnavailableError
from triage.store import PRESENT_WINDOW, open_store
from triage.store.sql import APP_MARKER, MIGRATIONS, SCHEMA_VERSION
from triage.store.sqlite import APPLICATION_ID, SqliteStore


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        store = SqliteStore(tmp_path / "class.db")
        yield store
        store.close()

    def reopen(self, store):
        return SqliteStore(store.path)


def _raw(path):
    return sqlite3.connect(path, isolation_level=None)


def test_a_new_file_is_marked_versioned_and_in_wal_mode(tmp_path):
    path = tmp_path / "deep" / "er" / "class.db"
    open_store(str(path)).close()
    head = path.read_bytes()[:100]
    assert head.startswith(b"SQLite format 3\x00")
    assert int.from_bytes(head[68:72], "big") == APPLICATION_ID
    db = _raw(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert dict(db.execute("SELECT name, value FROM meta")) == {"app": APP_MARKER,
                                                                "schema_version": str(SCHEMA_VERSION)}
    assert SCHEMA_VERSION == len(MIGRATIONS) == MIGRATIONS[-1].version


def test_a_class_store_named_by_its_path_is_readable_by_its_owner_only(tmp_path):
    """Students' names and answers: a store made at a path given by hand (as `TRIAGE_CLASS_DB` names one,
    in a folder others may read) is not readable by the machine's other accounts, nor are its WAL files."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "shared" / "class.db"
        store = open_store(str(path))
        store.record_drill(ANA, "d-fever", "urgent", True)
        modes = {p.name: p.stat().st_mode & 0o777 for p in path.parent.glob("class.db*")
                 if not p.name.endswith("-lock")}
        store.close()
    finally:
        os.umask(old)
    assert modes and all(mode & 0o077 == 0 for mode in modes.values()), modes


def test_every_connection_waits_for_writers_and_syncs_fully(tmp_path):
    store = SqliteStore(tmp_path / "class.db")
    conn = store._db().conn
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def _schema_at(path, version: int, now: str = "100.0"):
    """A connection to a new class database as schema ``version`` wrote it, inside a transaction the caller
    adds its rows to and commits."""
    db = _raw(path)
    db.execute("BEGIN")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for step in MIGRATIONS[:version]:
        for statement in step.statements:
            db.execute(statement.format(now=now, id="INTEGER PRIMARY KEY", float="REAL"))
    db.execute("INSERT INTO meta VALUES ('app', ?), ('schema_version', ?)", (APP_MARKER, str(version)))
    return db


def _version_1_database(path):
    """A class database as version 1 of the schema wrote it, with a little data in it."""
    db = _schema_at(path, 1, now=repr(time.time()))
    db.execute("INSERT INTO learners VALUES ('name:ana', 'Ana', 'name', 1.0)")
    db.execute("""INSERT INTO answers VALUES (1, 'name:ana', 'case-a', 'where', '["gp"]', 1, 5.0)""")
    db.execute("INSERT INTO revealed VALUES ('name:ana', 'case-a', 2, 5.0)")
    db.execute("INSERT INTO drill (learner_key, scenario_id, chosen, correct, at) VALUES "
               "('name:ana', 's1', 'urgent', 0, 6.0)")
    db.execute("COMMIT")
    db.close()


def test_migration_from_version_1_keeps_the_data_and_adds_the_new_tables(tmp_path):
    path = tmp_path / "class.db"
    _version_1_database(path)
    store = open_store(str(path))
    record = store.learner_record(ANA)
    assert record.case_answers("case-a")["where"].chosen == ("gp",)
    assert record.revealed == {"case-a": 2}
    assert [(d.scenario_id, d.correct) for d in record.drill] == [("s1", False)]
    store.mark_done(ANA, "03_red_flags.ipynb")  # a table of version 2
    assert store.learner_record(ANA).done == {"03_red_flags.ipynb"}
    assert [(d.scenario_id, d.session_id) for d in store.class_record(1).drill] == [("s1", 1)]  # version 3
    assert _raw(path).execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()[0] == str(
        SCHEMA_VERSION)


def test_migration_to_version_3_files_earlier_drill_answers_under_their_session(tmp_path):
    path = tmp_path / "class.db"
    db = _schema_at(path, 2)
    db.execute("UPDATE sessions SET archived_at = 200.0")
    db.execute("INSERT INTO sessions (label, started_at) VALUES ('Session 2', 200.0)")
    db.execute("INSERT INTO learners VALUES ('name:ana', 'Ana', 'name', 1.0)")
    db.execute("INSERT INTO drill (learner_key, scenario_id, chosen, correct, at) VALUES "
               "('name:ana', 'early', 'urgent', 0, 150.0), ('name:ana', 'late', 'routine', 1, 250.0)")
    db.execute("INSERT INTO polls (session_id, case_id, question_id, options, opened_at, closed_at, revealed)"
               " VALUES (1, 'case-a', 'where', '[\"gp\"]', 120.0, 130.0, 0)")
    db.execute("COMMIT")
    db.close()
    store = open_store(str(path))
    assert [d.scenario_id for d in store.class_record(1).drill] == ["early"]
    assert [d.scenario_id for d in store.class_record(2).drill] == ["late"]
    assert [(p.id, p.ends_at) for p in store.class_record(1).polls] == [(1, None)]


def test_migration_to_version_4_keeps_earlier_answers_as_one_attempt_and_a_retry_after_it_keeps_the_first(tmp_path):
    """A class database of schema 3 (answers kept only the latest): its answers are read as given once,
    nothing is lost, and a student who retries one after the upgrade has their old answer as the first."""
    path = tmp_path / "class.db"
    db = _schema_at(path, 3)
    db.execute("INSERT INTO learners VALUES ('name:ana', 'Ana', 'name', 1.0), ('name:ben', 'Ben', 'name', 1.0)")
    db.execute("""INSERT INTO answers VALUES (1, 'name:ana', 'case-a', 'where', '["gp"]', 0, 150.0),"""
               """ (1, 'name:ben', 'case-a', 'where', '["ed"]', 1, 160.0)""")
    db.execute("COMMIT")
    db.close()
    store = open_store(str(path))
    ben = store.learner_record(BEN).case_answers("case-a")["where"]
    assert (ben.chosen, ben.first_chosen, ben.first_correct, ben.first_at, ben.attempts) == (
        ("ed",), ("ed",), True, 160.0, 1)
    store.record_answer(ANA, "case-a", "where", ["ed"], True)
    [ana] = [r for r in store.class_answers(1) if r.learner_key == ANA.key]
    assert (ana.chosen, ana.correct, ana.first_chosen, ana.first_correct, ana.first_at, ana.attempts) == (
        ("ed",), True, ("gp",), False, 150.0, 2)
    assert _raw(path).execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()[0] == "4"


def test_presence_lapses_when_an_app_stops_saying_so(tmp_path):
    store = SqliteStore(tmp_path / "class.db")
    poll = store.open_poll("case-a", "where", ["gp", "ed"])
    store.mark_present(ANA)
    assert store.poll_tally(poll.id).present == 1
    raw = _raw(tmp_path / "class.db")
    raw.execute("UPDATE presence SET at = at - ?", (PRESENT_WINDOW + 1,))
    raw.close()
    assert store.poll_tally(poll.id).present == 0
    store.mark_present(ANA)
    assert store.poll_tally(poll.id).present == 1


def test_a_database_from_a_newer_version_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "class.db"
    open_store(str(path)).close()
    db = _raw(path)
    db.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="schema version 99") as caught:
        open_store(str(path))
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before


def _assert_kept(path, before, listing):
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing


@pytest.mark.parametrize("content", [b"this is my thesis, not a database\n" * 50, b"SQLite format 3\x00 short",
                                     os.urandom(8192)], ids=["text", "truncated-header", "random"])
def test_a_file_that_is_not_a_database_is_reported_with_its_path_and_kept(tmp_path, content):
    path = tmp_path / "class.db"
    path.write_bytes(content)
    with pytest.raises(StoreCorruptError) as caught:
        open_store(str(path))
    assert str(path) in str(caught.value) and "not a SQLite database" in str(caught.value)
    _assert_kept(path, content, ["class.db"])


def test_another_programs_sqlite_database_is_reported_and_kept_byte_for_byte(tmp_path):
    path = tmp_path / "notes.db"
    db = _raw(path)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("INSERT INTO notes (body) VALUES ('keep me')")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreCorruptError, match="another program") as caught:
        open_store(str(path))
    assert str(path) in str(caught.value)
    _assert_kept(path, before, ["notes.db"])


def test_a_database_with_another_application_id_is_refused_unopened(tmp_path):
    path = tmp_path / "other.db"
    db = _raw(path)
    db.execute("PRAGMA application_id = 1234")
    db.execute("CREATE TABLE t (x)")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreCorruptError, match="0x4d2"):
        open_store(str(path))
    _assert_kept(path, before, ["other.db"])


def test_a_damaged_class_database_is_reported_with_its_path_and_kept(tmp_path):
    path = tmp_path / "class.db"
    store = open_store(str(path))
    for i in range(300):
        store.record_answer(ANA, "case-a", f"q{i}", ["gp"] * 20, True)
    store.close()  # the last connection checkpoints the WAL into the file
    data = bytearray(path.read_bytes())
    assert len(data) > 4 * 4096
    data[2 * 4096:4 * 4096] = os.urandom(2 * 4096)  # two pages of garbage
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StoreCorruptError) as caught:
        store = open_store(str(path))
        store.learner_record(ANA)
        store.class_answers()
    assert str(path) in str(caught.value) and "damaged" in str(caught.value)
    assert path.read_bytes() == before


def test_an_empty_file_becomes_a_class_database(tmp_path):
    path = tmp_path / "class.db"
    path.touch()
    store = open_store(str(path))
    store.record_answer(ANA, "case-a", "where", ["gp"], True)
    assert store.learner_record(ANA).score("case-a") == (1, 1)


def test_a_folder_is_not_a_database(tmp_path):
    with pytest.raises(StoreUnavailableError, match="folder") as caught:
        open_store(str(tmp_path))
    assert str(tmp_path) in str(caught.value)


def test_many_kernels_opening_a_new_file_at_once_agree_on_one_schema(tmp_path):
    from support import store_workers

    path = tmp_path / "class.db"
    with store_workers.context().Pool(6) as pool:
        results = pool.map(_open_and_answer, [(str(path), i) for i in range(12)])
    assert results == [None] * 12
    store = open_store(str(path))
    assert len(store.class_answers()) == 12 and len(store.sessions()) == 1


def _open_and_answer(args):
    from triage.store.identity import Learner

    path, i = args
    store = open_store(path)
    store.record_answer(Learner(f"name:s{i}", f"S{i}", "name"), "case-a", "where", ["gp"], True)
    store.close()


def test_a_writer_waits_its_turn_and_gives_up_clearly_after_the_busy_timeout(tmp_path, monkeypatch):
    import threading

    from triage.store import sqlite as backend

    path = tmp_path / "class.db"
    holder, waiter = SqliteStore(path), SqliteStore(path)
    inside, release = threading.Event(), threading.Event()

    def hold(db):
        inside.set()
        release.wait(30)

    thread = threading.Thread(target=holder._write, args=(hold,))
    thread.start()
    assert inside.wait(30)
    monkeypatch.setattr(backend, "BUSY_TIMEOUT_S", 0.3)
    with pytest.raises(StoreUnavailableError, match="busy for 0 s") as caught:
        waiter.record_answer(ANA, "case-a", "where", ["gp"], True)
    assert str(path) in str(caught.value)
    monkeypatch.setattr(backend, "BUSY_TIMEOUT_S", 30.0)
    later = threading.Thread(target=waiter.record_answer, args=(ANA, "case-a", "why", ["ed"], True))
    later.start()  # queues behind the holder, and goes on when it commits
    release.set()
    thread.join(30)
    later.join(30)
    waiter.record_answer(ANA, "case-a", "again", ["pt"], True)  # the abandoned wait left no lock behind
    assert set(holder.learner_record(ANA).case_answers("case-a")) == {"why", "again"}
    assert (tmp_path / "class.db-lock").exists()
