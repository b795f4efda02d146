"""Choosing and opening the class store: default location, TRIAGE_CLASS_DB, URL schemes, and the
unsaved fallback an app gets when the location cannot be used.

Read-only locations are tested for real. As root (CI), permission bits do not stop the process, so
the store is opened in a forked child that has dropped to the unprivileged ``nobody`` user; as any
other user the same child keeps its identity and the permission bits stop it. A path under a regular
file fails for everyone, root included.
"""

from __future__ import annotations

import os
import pickle
import pwd
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from support.store_contract import ANA

from triage.errors import StoreCorruptError, StoreError, StoreUnavailableError
from triage.store import (
    OPENERS,
    default_location,
    default_path,
    open_store,
    open_store_or_memory,
    register_opener,
)
from triage.store.memory import MemoryStore
from triage.store.sqlite import SqliteStore


def test_the_default_path_is_under_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("TRIAGE_CLASS_DB")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_path() == tmp_path / ".local" / "share" / "triage" / "class.db"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_location() == str(tmp_path / "xdg" / "triage" / "class.db")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")  # the XDG spec ignores relative paths
    assert default_path() == tmp_path / ".local" / "share" / "triage" / "class.db"


def test_the_default_store_is_created_in_a_private_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("TRIAGE_CLASS_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    store = open_store()
    assert isinstance(store, SqliteStore) and store.location == str(tmp_path / "xdg" / "triage" / "class.db")
    assert stat.S_IMODE((tmp_path / "xdg" / "triage").stat().st_mode) == 0o700


def test_triage_class_db_chooses_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIAGE_CLASS_DB", str(tmp_path / "here.db"))
    store = open_store()
    store.record_answer(ANA, "case-a", "where", ["gp"], True)
    assert store.location == str(tmp_path / "here.db") and (tmp_path / "here.db").exists()


def test_an_unknown_url_scheme_is_refused_by_name():
    with pytest.raises(StoreError, match=r"unknown kind of location ftp://; use a file path or one of .*postgresql://"):
        open_store("ftp://example.org/class")


def test_other_backends_register_their_url_scheme(monkeypatch):
    opened: list[str] = []

    def opener(location):
        opened.append(location)
        return MemoryStore(location)

    monkeypatch.setitem(OPENERS, "hub", opener)  # restored after the test
    register_opener("HUB", opener)
    store = open_store("hub://service/class")
    assert isinstance(store, MemoryStore) and opened == ["hub://service/class"]


def test_a_usable_location_needs_no_fallback(tmp_path):
    store, problem = open_store_or_memory(str(tmp_path / "class.db"))
    assert isinstance(store, SqliteStore) and problem is None


def test_a_corrupt_file_falls_back_to_memory_with_its_path_named_and_is_kept(tmp_path):
    path = tmp_path / "class.db"
    path.write_bytes(b"not a database at all" * 10)
    store, problem = open_store_or_memory(str(path))
    assert isinstance(store, MemoryStore)
    assert str(path) in problem and "not being saved" in problem and "not a SQLite database" in problem
    assert path.read_bytes() == b"not a database at all" * 10
    with pytest.raises(StoreCorruptError):
        open_store(str(path))


def test_a_path_under_a_regular_file_cannot_be_used_even_by_root(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    location = str(blocker / "class.db")
    with pytest.raises(StoreUnavailableError) as caught:
        open_store(location)
    assert location in str(caught.value)
    store, problem = open_store_or_memory(location)
    assert isinstance(store, MemoryStore) and location in problem
    store.record_answer(ANA, "case-a", "where", ["gp"], True)
    assert store.learner_record(ANA).score("case-a") == (1, 1)
    assert blocker.read_text() == "a file, not a folder"


# -- read-only locations, as a student's kernel meets them ----------------------------------------

def _unprivileged(fn):
    """Run ``fn()`` in a forked child without root's powers (``nobody`` when we are root); return its result."""
    if os.geteuid() == 0:
        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            pytest.fail("running as root needs the 'nobody' user to test read-only locations", pytrace=False)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
            payload = pickle.dumps(("ok", fn()))
        except BaseException as exc:
            payload = pickle.dumps(("raised", f"{type(exc).__name__}: {exc}"))
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as inp:
        status, value = pickle.loads(inp.read())
    os.waitpid(pid, 0)
    assert status == "ok", value
    return value


@pytest.fixture
def shared_folder():
    """A folder every user can enter and read but only its owner (this process) may write to, the way
    an instructor shares a class database; outside pytest's private temporary tree."""
    base = Path(tempfile.mkdtemp(prefix="triage-ro-"))
    base.chmod(0o755)
    yield base
    for p in [base, *base.rglob("*")]:
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(base)


def _try_to_use(location):
    store, problem = open_store_or_memory(location)
    store.record_answer(ANA, "case-a", "where", ["gp"], True)
    score = store.learner_record(ANA).score("case-a")
    try:
        open_store(location)
        raised = None
    except StoreError as exc:
        raised = type(exc).__name__
    return type(store).__name__, problem, score, raised


def test_a_read_only_folder_gives_a_clear_message_and_the_app_works_unsaved(shared_folder):
    folder = shared_folder / "class"
    folder.mkdir()
    folder.chmod(0o555)
    location = str(folder / "class.db")
    kind, problem, score, raised = _unprivileged(lambda: _try_to_use(location))
    assert kind == "MemoryStore" and raised == "StoreUnavailableError"
    assert location in problem and "not being saved" in problem and "cannot be written" in problem
    assert score == (1, 1)  # the fallback works
    assert list(folder.iterdir()) == []


def test_a_database_the_student_may_only_read_gives_the_message_and_is_not_changed(shared_folder):
    location = shared_folder / "class.db"
    owner = open_store(str(location))
    owner.record_answer(ANA, "case-a", "where", ["ed"], False)
    owner.close()
    location.chmod(0o644)
    before = location.read_bytes()
    kind, problem, score, raised = _unprivileged(lambda: _try_to_use(str(location)))
    assert kind == "MemoryStore" and raised == "StoreUnavailableError"
    assert str(location) in problem and "cannot be written" in problem
    assert score == (1, 1)
    assert location.read_bytes() == before
    assert open_store(str(location)).learner_record(ANA).case_answers("case-a")["where"].chosen == ("ed",)
