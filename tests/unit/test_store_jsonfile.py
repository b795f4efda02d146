"""The static build's store (one JSON file, on the browser's drive there) meets the store contract here
in CPython, keeps answers across instances (a reload), and never overwrites a damaged file."""

from __future__ import annotations

import json

import pytest
from support.store_contract import ANA, BEN, StoreContract

from triage.errors import StoreCorruptError, StoreUnavailableError
from triage.store import ClassStore
from triage.store.jsonfile import JsonFileStore, open_browser_store
from triage.store.memory import MemoryStore


class TestJsonFileStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        return JsonFileStore(tmp_path / "drive" / ".triage" / "answers.json")


class TestJsonFileStoreWrittenInPlace(StoreContract):
    """As in the browser, where the drive stores a file whole at close."""

    @pytest.fixture
    def store(self, tmp_path):
        return JsonFileStore(tmp_path / "drive" / ".triage" / "answers.json", in_place=True)


def test_in_the_browser_a_save_touches_no_other_file(tmp_path, monkeypatch):
    """JupyterLite asks the site for a folder listing (a 404 in the console) whenever a file that does not
    exist is looked up on the drive: in Pyodide a save writes the answers file itself, never a temporary one."""
    import io
    import sys

    monkeypatch.setattr(sys, "platform", "emscripten")
    path = tmp_path / "drive" / ".triage" / "answers.json"
    store = JsonFileStore(path)
    store.record_drill(ANA, "s1", "urgent", True)
    opened: list[str] = []
    real_open = io.open  # what pathlib opens files with
    monkeypatch.setattr(io, "open", lambda f, *a, **k: opened.append(str(f)) or real_open(f, *a, **k))
    for i in range(3):
        store.record_drill(ANA, f"s{i}", "urgent", True)
    assert set(opened) == {str(path)} and sorted(p.name for p in path.parent.iterdir()) == ["answers.json"]
    assert len(store.learner_record(ANA).drill) == 4


def test_json_file_store_implements_the_protocol(tmp_path):
    assert isinstance(JsonFileStore(tmp_path / "a.json"), ClassStore)


def test_answers_survive_a_new_store_on_the_same_file(tmp_path):
    """A reload in the browser is a new kernel opening the same file."""
    path = tmp_path / "answers.json"
    first = JsonFileStore(path)
    first.record_answer(ANA, "case-a", "where", ["ed"], True)
    first.set_revealed(ANA, "case-a", 3)
    first.mark_done(ANA, "05_case_studies.ipynb")
    again = JsonFileStore(path).learner_record(ANA)
    assert again.case_answers("case-a")["where"].chosen == ("ed",)
    assert again.revealed == {"case-a": 3}
    assert again.done == {"05_case_studies.ipynb"}


def test_two_tabs_never_undo_each_others_answers(tmp_path):
    path = tmp_path / "answers.json"
    tab1, tab2 = JsonFileStore(path), JsonFileStore(path)
    tab1.record_answer(ANA, "case-a", "where", ["ed"], True)
    tab2.record_answer(ANA, "case-b", "why", ["x"], False)
    record = JsonFileStore(path).learner_record(ANA)
    assert set(record.answers) == {("case-a", "where"), ("case-b", "why")}


def test_the_file_is_plain_json_naming_its_kind(tmp_path):
    path = tmp_path / "answers.json"
    JsonFileStore(path).record_drill(BEN, "s1", "emergency", True)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["kind"] == "triage-answers" and doc["version"] == 1
    assert doc["drill"][0]["scenario"] == "s1"
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file of the atomic write was left behind"


@pytest.mark.parametrize("content", ["{not json", json.dumps({"kind": "something-else", "version": 1}),
                                     json.dumps({"kind": "triage-answers", "version": 1}), "[]"])
def test_a_damaged_file_raises_and_is_never_overwritten(tmp_path, content):
    path = tmp_path / "answers.json"
    path.write_text(content, encoding="utf-8")
    store = JsonFileStore(path)
    with pytest.raises(StoreCorruptError) as err:
        store.record_answer(ANA, "case-a", "where", ["ed"], True)
    assert str(path) in str(err.value)
    assert path.read_text(encoding="utf-8") == content


def test_open_browser_store_moves_a_damaged_file_aside_and_starts_fresh(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text("{not json", encoding="utf-8")
    store, message = open_browser_store(path)
    assert isinstance(store, JsonFileStore)
    assert message is not None and "fresh record" in message
    kept = list(tmp_path.glob("answers.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    store.record_answer(ANA, "case-a", "where", ["ed"], True)
    assert JsonFileStore(path).learner_record(ANA).score("case-a") == (1, 1)


def test_open_browser_store_on_a_good_file_says_nothing(tmp_path):
    path = tmp_path / "answers.json"
    JsonFileStore(path).record_answer(ANA, "case-a", "where", ["ed"], True)
    store, message = open_browser_store(path)
    assert message is None
    assert store.learner_record(ANA).score("case-a") == (1, 1)


def test_a_location_that_cannot_be_used_gives_an_unsaved_store(tmp_path):
    """The drive may be missing or broken in the browser: the apps keep working, unsaved, and say so."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    path = blocker / "answers.json"
    with pytest.raises(StoreUnavailableError):
        JsonFileStore(path).record_answer(ANA, "case-a", "where", ["ed"], True)
    store, message = open_browser_store(path)
    assert isinstance(store, MemoryStore)
    assert message is not None and "cannot be saved" in message
    assert blocker.read_text(encoding="utf-8") == "x"


def test_a_file_saved_before_first_attempts_were_kept_reads_as_one_attempt_and_keeps_its_answer_on_a_retry(tmp_path):
    path = tmp_path / "answers.json"
    old = {"kind": "triage-answers", "version": 1, "names": {ANA.key: "Ana"},
           "sessions": [{"id": 1, "label": "Session 1", "started_at": 1.0, "archived_at": None}],
           "answers": [{"session": 1, "learner": ANA.key, "case": "case-a", "question": "where", "chosen": ["gp"],
                        "correct": False, "at": 5.0}],
           "revealed": [], "drill": [], "done": [], "polls": [], "poll_answers": []}
    path.write_text(json.dumps(old), encoding="utf-8")
    store = JsonFileStore(path)
    [row] = store.class_answers()
    assert (row.chosen, row.first_chosen, row.first_correct, row.first_at, row.attempts) == (
        ("gp",), ("gp",), False, 5.0, 1)
    store.record_answer(ANA, "case-a", "where", ["ed"], True)
    mine = JsonFileStore(path).learner_record(ANA).case_answers("case-a")["where"]
    assert (mine.chosen, mine.correct, mine.first_chosen, mine.first_correct, mine.attempts) == (
        ("ed",), True, ("gp",), False, 2)
