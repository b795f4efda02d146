"""Reading the old per-user progress file: its answers, its default place, and clear errors naming it."""

import json

import pytest

from triage.errors import ProgressError
from triage.store.progress_file import Answer, default_path, read_progress


def test_answers_and_revealed_stages_are_read(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"version": 1, "revealed": {"c": 2},
                                "answers": {"c": {"q": {"chosen": ["a", "b"], "correct": False}}}}))
    assert read_progress(path) == ({"c": {"q": Answer(["a", "b"], False)}}, {"c": 2})


@pytest.mark.parametrize("content,field,words", [
    ("{not json", "", "not valid JSON"),
    (json.dumps({"version": 2, "answers": {}, "revealed": {}}), "version", "version 1"),
    (json.dumps({"version": 1, "answers": {"c": {"q": {"chosen": 3}}}, "revealed": {}}), "answers",
     "unexpected structure"),
])
def test_an_unreadable_file_is_named_and_left_unchanged(tmp_path, content, field, words):
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(ProgressError) as caught:
        read_progress(path)
    problem = caught.value.problems[0]
    assert (problem.file, problem.field) == (str(path), field)
    assert words in problem.message
    assert path.read_text() == content


def test_default_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_PROGRESS_FILE", str(tmp_path / "x.json"))
    assert default_path() == tmp_path / "x.json"
    monkeypatch.delenv("TRIAGE_PROGRESS_FILE")
    assert default_path().parts[-2:] == (".triage_progress", "progress.json")
