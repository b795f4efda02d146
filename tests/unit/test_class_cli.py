"""The instructor's class commands: report (table and CSV), sessions, new-session, and clear errors."""

from __future__ import annotations

import csv
import io

import pytest

from triage.cli import main
from triage.content.cases import load_cases
from triage.store import open_store
from triage.store.identity import Learner

ANA = Learner("name:ana", "Ana", "name")
BEN = Learner("hub:ben", "ben", "hub")
TWO_QUESTIONS = "early-sciatica-tingling"  # Ana answers two of its questions
ONE_QUESTION = "accountant-unclear-pain"  # Ana answers one
TOTALS = {c.id: len(c.questions) for c in load_cases()}  # questions per case, from the library


@pytest.fixture
def db(tmp_path):
    """A class database where Ana answered both questions of one case (one right) and one of another,
    and Ben one question (wrong, then right)."""
    location = str(tmp_path / "class.db")
    store = open_store(location)
    store.record_answer(ANA, TWO_QUESTIONS, "where", ["primary_care"], True)
    store.record_answer(ANA, TWO_QUESTIONS, "watch", ["x"], False)
    store.record_answer(ANA, ONE_QUESTION, "where", ["physiatrist"], True)
    store.record_answer(BEN, TWO_QUESTIONS, "where", ["chiropractor"], False)
    store.record_answer(BEN, TWO_QUESTIONS, "where", ["primary_care"], True)
    store.close()
    return location


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_the_case_library_has_the_cases_these_tests_use():
    assert TOTALS[TWO_QUESTIONS] >= 2 and TOTALS[ONE_QUESTION] >= 1


def test_report_has_one_row_per_student_and_case(capsys, db):
    status, out, _ = run(capsys, "class", "report", "--db", db)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("Session 1 (session 1, started ") and "current): 2 student(s)" in lines[0]
    assert db in lines[0]
    assert lines[1].split() == ["student", "case", "answered", "correct", "questions"]
    assert [line.split() for line in lines[3:]] == [
        ["Ana", ONE_QUESTION, "1", "1", str(TOTALS[ONE_QUESTION])],
        ["Ana", TWO_QUESTIONS, "2", "1", str(TOTALS[TWO_QUESTIONS])],
        ["ben", TWO_QUESTIONS, "1", "1", str(TOTALS[TWO_QUESTIONS])],
    ]


def test_report_csv_for_a_gradebook(capsys, db, monkeypatch):
    monkeypatch.setenv("TRIAGE_CLASS_DB", db)  # the location from the environment this time
    status, out, _ = run(capsys, "class", "report", "--csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["student"], r["learner"], r["case"], r["answered"], r["correct"], r["questions"]) for r in rows] == [
        ("Ana", "name:ana", ONE_QUESTION, "1", "1", str(TOTALS[ONE_QUESTION])),
        ("Ana", "name:ana", TWO_QUESTIONS, "2", "1", str(TOTALS[TWO_QUESTIONS])),
        ("ben", "hub:ben", TWO_QUESTIONS, "1", "1", str(TOTALS[TWO_QUESTIONS])),
    ]
    assert {r["session"] for r in rows} == {"1"}


def test_csv_never_hands_a_spreadsheet_a_formula(capsys, tmp_path):
    location = str(tmp_path / "class.db")
    store = open_store(location)
    store.record_answer(Learner("name:=1+1", "=HYPERLINK(\"x\")", "name"), ONE_QUESTION, "where", ["a"], False)
    store.record_answer(Learner("name:old", "Old", "name"), "a-case-since-removed", "q", ["a"], True)
    store.close()
    status, out, _ = run(capsys, "class", "report", "--csv", "--db", location)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0
    assert [(r["student"], r["learner"]) for r in rows] == [("'=HYPERLINK(\"x\")", "name:=1+1"), ("Old", "name:old")]
    assert rows[1]["questions"] == ""  # a case no longer in the library: total unknown


def test_new_session_archives_the_old_one_and_reports_start_empty(capsys, db):
    status, out, _ = run(capsys, "class", "new-session", "--label", "Tuesday seminar", "--db", db)
    assert status == 0
    assert "Started Tuesday seminar (session 2)" in out and "class report --session 1" in out
    status, out, _ = run(capsys, "class", "report", "--db", db)
    assert "Tuesday seminar (session 2" in out and "No answers in this session yet." in out
    status, out, _ = run(capsys, "class", "report", "--session", "1", "--csv", "--db", db)
    assert len(list(csv.DictReader(io.StringIO(out)))) == 3  # kept, not deleted
    status, out, _ = run(capsys, "class", "sessions", "--db", db)
    assert status == 0
    lines = out.splitlines()
    assert lines[1].split()[:3] == ["1", "Session", "1"] and "archived" in lines[1]
    assert lines[2].split()[:3] == ["2", "Tuesday", "seminar"] and lines[2].endswith("current)")


@pytest.mark.parametrize("argv, message", [
    (["class", "report", "--session", "7"], "there is no session 7; sessions: 1"),
    (["class", "new-session", "--label", "x" * 81], "--label: a label is at most 80 printable characters"),
])
def test_bad_requests_exit_2_with_a_message(capsys, db, argv, message):
    status, _, err = run(capsys, *argv, "--db", db)
    assert status == 2 and message in err and "Traceback" not in err


def test_a_missing_database_is_named_and_not_created(capsys, tmp_path):
    location = tmp_path / "typo.db"
    status, _, err = run(capsys, "class", "report", "--db", str(location))
    assert status == 2 and str(location) in err and "no class database here yet" in err
    assert not location.exists()


def test_a_corrupt_database_is_named_and_kept(capsys, tmp_path):
    location = tmp_path / "class.db"
    location.write_bytes(b"garbage" * 100)
    for argv in (["report"], ["sessions"], ["new-session"]):
        status, _, err = run(capsys, "class", *argv, "--db", str(location))
        assert status == 2 and str(location) in err and "not a SQLite database" in err and "Traceback" not in err
    assert location.read_bytes() == b"garbage" * 100


def test_an_unreachable_server_is_named_without_its_password(capsys):
    from support.pg_server import free_port

    status, _, err = run(capsys, "class", "sessions", "--db", f"postgresql://me:pw@127.0.0.1:{free_port()}/x")
    assert status == 2 and "me:***@127.0.0.1" in err and ":pw@" not in err and "cannot be reached" in err
