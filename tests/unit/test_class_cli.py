"""The instructor's class commands: report (table and CSV), sessions, new-session, and clear errors."""

from __future__ import annotations

import csv
import io

import pytest

from triage.cli import main
from triage.content.cases import load_cases
from triage.content.drill import scenarios
from triage.store import open_store
from triage.store.identity import Learner

ANA = Learner("name:ana", "Ana", "name")
BEN = Learner("hub:ben", "ben", "hub")
CY = Learner("name:cy", "Cy", "name")
DEE = Learner("name:dee", "Dee", "name")
TWO_QUESTIONS = "early-sciatica-tingling"  # Ana answers two of its questions
ONE_QUESTION = "accountant-unclear-pain"  # Ana answers one
TOTALS = {c.id: len(c.questions) for c in load_cases()}  # questions per case, from the library
TITLES = {c.id: c.title for c in load_cases()}


@pytest.fixture
def db(tmp_path):
    """A class database where Ana answered two questions of one case (one right) and one of another, Ben one
    question (wrong, then right) and a poll, Cy only a poll and Dee only the drill."""
    location = str(tmp_path / "class.db")
    store = open_store(location)
    store.record_answer(ANA, TWO_QUESTIONS, "where", ["pcp"], True)
    store.record_answer(ANA, TWO_QUESTIONS, "watch", ["weak", "worse-sitting"], False)
    store.record_answer(ANA, ONE_QUESTION, "where-first", ["pcp"], True)
    store.record_answer(BEN, TWO_QUESTIONS, "where", ["ed"], False)
    store.record_answer(BEN, TWO_QUESTIONS, "where", ["pcp"], True)
    poll = store.open_poll(TWO_QUESTIONS, "tingling", ["nerve", "foot"])
    store.answer_poll(poll.id, BEN, ["nerve"])
    store.answer_poll(poll.id, CY, ["foot"])
    store.close_poll(poll.id)
    store.record_drill(DEE, "d-bladder", "urgent", False)
    store.close()
    return location


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_the_case_library_has_the_cases_these_tests_use():
    assert TOTALS[TWO_QUESTIONS] == 3 and TOTALS[ONE_QUESTION] == 3


def test_report_names_cases_by_title_with_answered_out_of_asked_polls_and_items(capsys, db):
    status, out, _ = run(capsys, "class", "report", "--db", db)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("Session 1 (session 1, started ") and "current): 4 student(s)" in lines[0]
    assert db in lines[0]
    table = lines[lines.index("Students (answered / asked; right at the first answer; right only after a retry)")
                  + 1:]
    assert table[0].split() == ["student", "activity", "answered", "correct", "after", "retry"]
    rows = [" ".join(line.split()) for line in table[2:table.index("")]]
    assert rows == [
        f"Ana case: {TITLES[ONE_QUESTION]} 1 / 3 1 0",  # cases in the library's order
        f"Ana case: {TITLES[TWO_QUESTIONS]} 2 / 3 1 0",
        f"ben case: {TITLES[TWO_QUESTIONS]} 1 / 3 0 1",  # wrong at first, right after a retry
        "ben Class polls 1 / 1 1",
        "Cy Class polls 1 / 1 0",
        f"Dee Red-flag drill 1 / {len(scenarios())} 0",
    ]
    assert "Item analysis (share right at the first answer; D = discrimination" in out
    assert "A. With his GP, in primary care (right): 0" not in out  # the poll asked the first question
    assert "Poll 1 (" in out and f"closed): {TITLES[TWO_QUESTIONS]}: What do shooting pain" in out
    assert "(right): 1  ben" in out and "B. A problem in his foot: 1  Cy" in out
    assert "UNDER-TRIAGE" in out  # Dee sent cauda equina signs to same-day care, not the emergency department


def test_report_csv_holds_every_answer_with_the_options_chosen(capsys, db, monkeypatch):
    monkeypatch.setenv("TRIAGE_CLASS_DB", db)  # the location from the environment this time
    status, out, _ = run(capsys, "class", "report", "--csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["student"], r["learner"], r["activity"], r["case_or_scenario_id"], r["question_id"], r["chosen_ids"],
             r["correct"], r["attempt"], r["attempts"]) for r in rows] == [
        ("Ana", "name:ana", "case", TWO_QUESTIONS, "where", "pcp", "yes", "1", "1"),
        ("Ana", "name:ana", "case", TWO_QUESTIONS, "watch", "weak worse-sitting", "no", "1", "1"),
        ("Ana", "name:ana", "case", ONE_QUESTION, "where-first", "pcp", "yes", "1", "1"),
        ("ben", "hub:ben", "case", TWO_QUESTIONS, "where", "ed", "no", "1", "2"),  # his first answer is kept
        ("ben", "hub:ben", "case", TWO_QUESTIONS, "where", "pcp", "yes", "2", "2"),
        ("ben", "hub:ben", "poll", TWO_QUESTIONS, "tingling", "nerve", "yes", "", ""),
        ("Cy", "name:cy", "poll", TWO_QUESTIONS, "tingling", "foot", "no", "", ""),
        ("Dee", "name:dee", "drill", "d-bladder", "", "urgent", "no", "1", "1"),
    ]
    assert {r["session"] for r in rows} == {"1"}
    watch = next(q for c in load_cases() if c.id == TWO_QUESTIONS for q in c.questions if q.id == "watch")
    letters = {o.id: f"{'ABCDEFGH'[i]}. {o.text}" for i, o in enumerate(watch.options)}
    assert rows[1]["chosen"] == f"{letters['weak']}; {letters['worse-sitting']}"
    assert rows[0]["title"] == TITLES[TWO_QUESTIONS] and rows[6]["poll"] == "1"
    assert rows[7]["chosen"] == "B. Urgent (same day)" and rows[7]["right_answer"] == "A. Emergency"


def test_report_csv_summary_and_items(capsys, db):
    status, out, _ = run(capsys, "class", "report", "--csv", "summary", "--db", db)
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["student"], r["activity"], r["answered"], r["asked"], r["correct"], r["right_after_retry"])
            for r in rows] == [
        ("Ana", "case", "1", "3", "1", "0"), ("Ana", "case", "2", "3", "1", "0"), ("ben", "case", "1", "3", "0", "1"),
        ("ben", "polls", "1", "1", "1", ""), ("Cy", "polls", "1", "1", "0", ""),
        ("Dee", "drill", "1", str(len(scenarios())), "0", "")]
    status, out, _ = run(capsys, "class", "report", "--csv", "items", "--db", db)
    items = list(csv.DictReader(io.StringIO(out)))
    poll = next(r for r in items if r["activity"] == "poll")
    assert (poll["answered"], poll["correct"], poll["share_correct"], poll["most_chosen_wrong"]) == (
        "2", "1", "0.50", "B. A problem in his foot")
    drill = next(r for r in items if r["activity"] == "drill")
    assert (drill["most_chosen_wrong"], drill["under_triage"], drill["under_triaged_by"]) == (
        "B. Urgent (same day)", "yes", "Dee")
    where = next(r for r in items if r["activity"] == "case" and r["question_id"] == "where")
    assert (where["answered"], where["correct"], where["share_correct"], where["right_after_retry"],
            where["most_chosen_wrong"], where["under_triage"]) == (
        "2", "1", "0.50", "1", "B. The emergency department", "")
    with pytest.raises(SystemExit) as exit_:
        main(["class", "report", "--csv", "everything", "--db", db])
    assert exit_.value.code == 2 and "invalid choice: 'everything'" in capsys.readouterr().err


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
    assert rows[1]["title"] == "a-case-since-removed" and rows[1]["right_answer"] == ""  # no longer in the library
    status, out, _ = run(capsys, "class", "report", "--csv", "summary", "--db", location)
    assert list(csv.DictReader(io.StringIO(out)))[1]["asked"] == ""  # its number of questions is unknown


def test_new_session_archives_the_old_one_and_reports_start_empty(capsys, db):
    status, out, _ = run(capsys, "class", "new-session", "--label", "Tuesday seminar", "--db", db)
    assert status == 0
    assert "Started Tuesday seminar (session 2)" in out and "class report --session 1" in out
    status, out, _ = run(capsys, "class", "report", "--db", db)
    assert "Tuesday seminar (session 2" in out and "No answers in this session yet." in out
    status, out, _ = run(capsys, "class", "report", "--session", "1", "--csv", "--db", db)
    assert len(list(csv.DictReader(io.StringIO(out)))) == 8  # kept, not deleted (Ben's first answer too)
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
