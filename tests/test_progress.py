"""Progress store: atomic writes, restart survival, corrupt files kept."""

import json
import os

from triage.progress import ProgressStore


def test_round_trip(tmp_path):
    path = tmp_path / "deep" / "p.json"
    store = ProgressStore.open(path)
    store.record("c", "q", ["b", "a"], False)
    store.set_revealed("c", 2)
    again = ProgressStore.open(path)
    assert again.answers["c"]["q"].chosen == ["a", "b"]
    assert again.revealed == {"c": 2}
    assert again.score("c") == (0, 1)


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    store = ProgressStore.open(path)
    store.record("c", "q", ["a"], True)
    before = path.read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    try:
        store.record("c", "q2", ["a"], True)
    except OSError:
        pass
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]  # no temporary file left behind


def test_wrong_structure_is_moved_aside_and_reported(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"version": 1, "answers": {"c": {"q": {"chosen": 3}}}, "revealed": {}}))
    store = ProgressStore.open(path)
    assert "unexpected structure" in store.warning
    assert store.answers == {}
    assert len(list(tmp_path.glob("p.json.corrupt-*"))) == 1


def test_default_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_PROGRESS_FILE", str(tmp_path / "x.json"))
    assert ProgressStore.open().path == tmp_path / "x.json"


def test_two_tabs_do_not_undo_each_other(tmp_path):
    path = tmp_path / "p.json"
    first, second = ProgressStore.open(path), ProgressStore.open(path)  # two kernels, same student
    first.record("c", "q1", ["a"], True)
    second.record("c", "q2", ["b"], False)
    again = ProgressStore.open(path)
    assert set(again.answers["c"]) == {"q1", "q2"}


def test_a_file_corrupted_while_open_is_kept_not_overwritten(tmp_path):
    path = tmp_path / "p.json"
    store = ProgressStore.open(path)
    store.record("c", "q1", ["a"], True)
    path.write_text("garbage")
    store.record("c", "q2", ["a"], True)
    kept = list(tmp_path.glob("p.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == "garbage"
    assert "not valid JSON" in store.warning
