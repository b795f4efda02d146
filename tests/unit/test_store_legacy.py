"""The one-time import of the old per-user progress file (``~/.triage_progress/progress.json``) into the
class store, on every backend that can keep the once-only marker."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from triage.errors import ProgressError
from triage.store import import_legacy_progress, open_store
from triage.store.identity import Learner
from triage.store.memory import MemoryStore

ME = Learner("os:ana", "ana", "os")
LEGACY = {
    "version": 1,
    "answers": {
        "hip-oa-grandfather": {"q1": {"chosen": ["primary_care"], "correct": True},
                               "q2": {"chosen": ["physiatrist", "orthopedic_surgeon"], "correct": False}},
        "teacher-new-incontinence": {"q1": {"chosen": ["emergency_department"], "correct": True}},
    },
    "revealed": {"hip-oa-grandfather": 3, "teacher-new-incontinence": 1},
}
EXPECTED_ANSWERS = {
    ("hip-oa-grandfather", "q1"): (("primary_care",), True),
    ("hip-oa-grandfather", "q2"): (("orthopedic_surgeon", "physiatrist"), False),
    ("teacher-new-incontinence", "q1"): (("emergency_department",), True),
}


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def location(request, tmp_path):
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return str(tmp_path / "class.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(location):
    return MemoryStore() if location is None else open_store(location)


@pytest.fixture
def legacy_file(tmp_path, monkeypatch):
    path = tmp_path / "home" / ".triage_progress" / "progress.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(LEGACY), encoding="utf-8")
    monkeypatch.setenv("TRIAGE_PROGRESS_FILE", str(path))
    return path


def _answers(store, learner=ME):
    return {k: (a.chosen, a.correct) for k, a in store.learner_record(learner).answers.items()}


def test_every_answer_and_revealed_stage_is_imported_and_the_file_stays(store, legacy_file):
    before = legacy_file.read_bytes()
    assert import_legacy_progress(store, ME) == 3 + 2
    assert _answers(store) == EXPECTED_ANSWERS
    assert store.learner_record(ME).revealed == {"hip-oa-grandfather": 3, "teacher-new-incontinence": 1}
    assert legacy_file.read_bytes() == before
    assert [p.name for p in legacy_file.parent.iterdir()] == ["progress.json"]
    assert {(r.learner_key, r.display_name) for r in store.class_answers()} == {("os:ana", "ana")}


def test_importing_again_adds_nothing_and_undoes_nothing(store, legacy_file):
    assert import_legacy_progress(store, ME) == 5
    rows = len(store.class_answers())
    store.record_answer(ME, "hip-oa-grandfather", "q1", ["urgent_care"], False)  # the student answers anew
    store.set_revealed(ME, "hip-oa-grandfather", 0)  # and starts the case over
    assert import_legacy_progress(store, ME) == 0
    assert import_legacy_progress(store, ME, legacy_file) == 0
    assert len(store.class_answers()) == rows
    assert _answers(store)[("hip-oa-grandfather", "q1")] == (("urgent_care",), False)
    assert store.learner_record(ME).revealed["hip-oa-grandfather"] == 0


def test_answers_already_in_the_store_are_newer_and_kept(store, legacy_file):
    store.record_answer(ME, "hip-oa-grandfather", "q1", ["physical_therapist"], False)
    store.set_revealed(ME, "hip-oa-grandfather", 5)
    assert import_legacy_progress(store, ME) == 2 + 1  # two answers, one revealed entry
    answers = _answers(store)
    assert answers[("hip-oa-grandfather", "q1")] == (("physical_therapist",), False)
    assert answers[("teacher-new-incontinence", "q1")] == (("emergency_department",), True)
    assert store.learner_record(ME).revealed == {"hip-oa-grandfather": 5, "teacher-new-incontinence": 1}


def test_the_import_is_per_learner(store, legacy_file):
    other = Learner("os:ben", "ben", "os")
    assert import_legacy_progress(store, ME) == 5
    assert import_legacy_progress(store, other) == 5
    assert _answers(store, other) == EXPECTED_ANSWERS


def test_no_file_imports_nothing(store, tmp_path):
    assert import_legacy_progress(store, ME, tmp_path / "nothing.json") == 0
    assert store.learner_record(ME).answers == {}


@pytest.mark.parametrize("content", ["{not json", json.dumps({"version": 7}),
                                     json.dumps({"version": 1, "answers": {"c": {"q": {"chosen": 3}}},
                                                 "revealed": {}})])
def test_an_unreadable_file_is_reported_kept_and_imported_once_fixed(store, legacy_file, content):
    legacy_file.write_text(content, encoding="utf-8")
    with pytest.raises(ProgressError) as caught:
        import_legacy_progress(store, ME)
    assert str(legacy_file) in str(caught.value)
    assert legacy_file.read_text(encoding="utf-8") == content
    assert store.learner_record(ME).answers == {}
    legacy_file.write_text(json.dumps(LEGACY), encoding="utf-8")  # the student repairs it
    assert import_legacy_progress(store, ME) == 5


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_location(request, tmp_path):
    """A location two kernels can share (an in-memory store never is)."""
    return str(tmp_path / "class.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_two_kernels_importing_at_once_import_once(shared_location, legacy_file):
    location = shared_location
    stores = [open_store(location), open_store(location)]
    with ThreadPoolExecutor(2) as pool:
        counts = sorted(pool.map(lambda s: import_legacy_progress(s, ME), stores))
    assert counts == [0, 5]
    assert _answers(open_store(location)) == EXPECTED_ANSWERS


def test_a_store_that_cannot_keep_the_marker_is_left_alone(legacy_file):
    class RemoteStandIn:  # what a store behind a service looks like to the import: the protocol only
        def __init__(self):
            self.inner = MemoryStore()

        def __getattr__(self, name):
            if name == "import_legacy":
                raise AttributeError(name)
            return getattr(self.inner, name)

    remote = RemoteStandIn()
    assert import_legacy_progress(remote, ME) == 0
    assert remote.learner_record(ME).answers == {}
