"""The instructor's results (triage.outputs.class_report): who chose what, per-student summaries, polls and item
analysis, checked against a class worked out by hand (docs/teaching/results.md uses the same class)."""

from __future__ import annotations

import csv
import io

import pytest
from support.class_fixtures import staged_case

from triage.content.cases import Case, Option, Question
from triage.content.drill import scenarios
from triage.outputs.class_report import Catalog, build_report, format_report, write_answers_csv, write_items_csv
from triage.store.identity import Learner
from triage.store.memory import MemoryStore


def five_question_case() -> Case:
    """A case with five single-choice questions q1..q5; option a is right, b and c are wrong."""
    base = staged_case("t-five", title="Five questions")
    questions = tuple(
        Question(f"q{n}", "single", f"Question {n}?",
                 (Option("a", f"Right {n}", True, "Yes."), Option("b", f"Wrong B{n}", False, "No."),
                  Option("c", f"Wrong C{n}", False, "No.")), after="story")
        for n in range(1, 6))
    return Case(**{**base.__dict__, "questions": questions})


# The hand-worked class: each student's option for q1..q5 (a is right).
#
#        q1 q2 q3 q4 q5   right  score
#   Ann  a  a  a  a  b    4      0.8   top third
#   Bob  a  a  a  b  c    3      0.6   top third
#   Cy   a  a  b  b  b    2      0.4
#   Dee  a  c  a  c  b    2      0.4
#   Eve  b  b  c  b  a    1      0.2   bottom third
#   Fay  b  b  c  c  a    1      0.2   bottom third
#
# 6 students: thirds of 2. Per question, by hand:
#   q1: 4 of 6 right (0.67); wrong B 2, C 0 -> B (2); top 2/2 = 1.0, bottom 0/2 = 0.0 -> D = +1.00
#   q2: 3 of 6 (0.50); wrong B 2, C 1 -> B (2); top 1.0, bottom 0.0 -> D = +1.00
#   q3: 3 of 6 (0.50); wrong B 1, C 2 -> C (2); top 1.0, bottom 0.0 -> D = +1.00
#   q4: 1 of 6 (0.17); wrong B 3, C 2 -> B (3); top 1/2 = 0.5, bottom 0.0 -> D = +0.50
#   q5: 2 of 6 (0.33); wrong B 3, C 1 -> B (3); top 0.0, bottom 2/2 = 1.0 -> D = -1.00
CLASS = {
    "Ann": "aaaab", "Bob": "aaabc", "Cy": "aabbb", "Dee": "acacb", "Eve": "bbcba", "Fay": "bbcca",
}


def learner(name: str) -> Learner:
    return Learner(f"name:{name.lower()}", name, "name")


def hand_worked_store() -> MemoryStore:
    store = MemoryStore()
    for name, chosen in CLASS.items():
        for n, option in enumerate(chosen, start=1):
            store.record_answer(learner(name), "t-five", f"q{n}", [option], option == "a")
    return store


def test_item_analysis_matches_the_hand_worked_class():
    report = build_report(hand_worked_store().class_record(), Catalog([five_question_case()]))
    assert report.groups == 2
    scores = {s.student: s.score for s in report.students}
    assert scores == pytest.approx({"Ann": 0.8, "Bob": 0.6, "Cy": 0.4, "Dee": 0.4, "Eve": 0.2, "Fay": 0.2})
    got = [(i.question_id, i.answered, i.correct, round(i.share, 2), i.top_wrong.letter, i.top_wrong_count,
            i.discrimination) for i in report.items]
    assert got == [
        ("q1", 6, 4, 0.67, "B", 2, 1.0),
        ("q2", 6, 3, 0.5, "B", 2, 1.0),
        ("q3", 6, 3, 0.5, "C", 2, 1.0),
        ("q4", 6, 1, 0.17, "B", 3, 0.5),
        ("q5", 6, 2, 0.33, "B", 3, -1.0),
    ]
    items_csv = io.StringIO()
    write_items_csv(report, items_csv)
    rows = list(csv.DictReader(io.StringIO(items_csv.getvalue())))
    assert [(r["question"], r["share_correct"], r["most_chosen_wrong"], r["discrimination"]) for r in rows][-1] == (
        "Question 5?", "0.33", "B. Wrong B5", "-1.00")


def test_fewer_than_three_students_give_no_discrimination():
    store = MemoryStore()
    store.record_answer(learner("Ann"), "t-five", "q1", ["a"], True)
    store.record_answer(learner("Bob"), "t-five", "q1", ["b"], False)
    report = build_report(store.class_record(), Catalog([five_question_case()]))
    assert report.groups == 0 and report.items[0].discrimination is None
    assert "needs 3 students" in format_report(report)


def test_the_answers_csv_holds_case_poll_and_drill_answers_with_the_options_chosen():
    case = staged_case("t-intro", title="Bea: intro case")
    store = MemoryStore()
    ana, ben, cy = learner("Ana"), learner("Ben"), learner("Cy")
    store.record_answer(ana, "t-intro", "first", ["gp"], True)
    store.record_answer(ana, "t-intro", "third", ["fever", "box"], False)
    poll = store.open_poll("t-intro", "second", ["gp", "uc"])
    store.answer_poll(poll.id, ben, ["gp"])  # Ben answered only the poll
    store.answer_poll(poll.id, ana, ["uc"])
    store.close_poll(poll.id)
    store.record_drill(cy, "d-bladder", "routine", False)  # Cy did only the drill; first try wrong
    store.record_drill(cy, "d-bladder", "emergency", True)
    report = build_report(store.class_record(), Catalog([case], scenarios()))
    out = io.StringIO()
    write_answers_csv(report, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    got = [(r["student"], r["activity"], r["title"], r["poll"], r["question"].split()[:3], r["chosen"],
            r["correct"], r["right_answer"]) for r in rows]
    assert got == [
        ("Ana", "case", "Bea: intro case", "", ["Where", "should", "Sam"], "A. Primary care", "yes", "A. Primary care"),
        ("Ana", "case", "Bea: intro case", "", ["Which", "findings", "matter"], "A. The fever; B. Lifting a box", "no",
         "A. The fever"),
        ("Ana", "poll", "Bea: intro case", "1", ["And", "now,", "with"], "B. Urgent care today", "yes",
         "B. Urgent care today"),
        ("Ben", "poll", "Bea: intro case", "1", ["And", "now,", "with"], "A. Primary care next week", "no",
         "B. Urgent care today"),
        ("Cy", "drill", "Red-flag drill", "", ["A", "51-year-old", "with"], "C. Routine", "no", "A. Emergency"),
        ("Cy", "drill", "Red-flag drill", "", ["A", "51-year-old", "with"], "A. Emergency", "yes", "A. Emergency"),
    ]
    assert all(r["answered_at"][:2] == "20" and len(r["answered_at"]) == 19 for r in rows)
    assert [r["chosen_ids"] for r in rows][:2] == ["gp", "box fever"]
    # everyone is in the summary, whatever they answered
    summary = {s.student: (s.cases, s.polls, s.drill) for s in report.students}
    assert summary["Ben"][0] == {} and (summary["Ben"][1].answered, summary["Ben"][1].asked) == (1, 1)
    assert (summary["Cy"][2].answered, summary["Cy"][2].correct, summary["Cy"][2].asked) == (1, 0, len(scenarios()))
    cell = summary["Ana"][0]["t-intro"]
    assert (cell.answered, cell.asked, cell.correct) == (2, 3, 1)
    # the drill's item uses each student's first answer, and a less urgent wrong answer is under-triage
    drill_item = next(i for i in report.items if i.activity == "drill")
    assert (drill_item.answered, drill_item.correct, drill_item.top_wrong.text, drill_item.under_triage) == (
        1, 0, "Routine", True)
    poll_item = next(i for i in report.items if i.activity == "poll")
    assert (poll_item.poll, poll_item.answered, poll_item.correct, poll_item.top_wrong.letter) == (1, 2, 1, "A")


def test_a_poll_nobody_answered_does_not_count_against_every_student():
    """A poll opened again after the reveal and closed with no answers (or opened by mistake) was counted as
    asked: every student showed one poll fewer answered than asked although nobody could answer it."""
    case = staged_case("t-intro", title="Bea: intro case")
    store = MemoryStore()
    ana = learner("Ana")
    first = store.open_poll("t-intro", "second", ["gp", "uc"])
    store.answer_poll(first.id, ana, ["uc"])
    store.close_poll(first.id)
    store.close_poll(store.open_poll("t-intro", "second", ["gp", "uc"]).id)  # opened again, closed unanswered
    report = build_report(store.class_record(), Catalog([case], scenarios()))
    [ana_summary] = report.students
    assert (ana_summary.polls.answered, ana_summary.polls.asked) == (1, 1)
    assert len(report.polls) == 2  # the empty poll is still listed with the poll results


def test_the_poll_results_name_who_chose_what_and_when():
    case = staged_case("t-intro", title="Bea: intro case")
    store = MemoryStore()
    poll = store.open_poll("t-intro", "first", ["gp", "ed"])
    store.answer_poll(poll.id, learner("Ben"), ["ed"])
    store.answer_poll(poll.id, learner("Ana"), ["gp"])
    empty = store.open_poll("t-intro", "second", ["gp", "uc"])
    report = build_report(store.class_record(), Catalog([case]))
    first, second = report.polls
    assert (first.number, first.source, first.question) == (1, "Bea: intro case", "Where should Sam go first?")
    assert [(c.label, c.correct, n) for c, n in first.choices] == [
        ("A. Primary care", True, 1), ("B. Emergency department", False, 1)]
    assert [(v.student, v.chosen, v.correct) for v in first.votes] == [
        ("Ana", "A. Primary care", True), ("Ben", "B. Emergency department", False)]
    assert all(v.at >= poll.opened_at for v in first.votes)
    assert second.poll.id == empty.id and second.votes == ()
    text = format_report(report)
    assert "Poll 1 (" in text and "A. Primary care (right): 1  Ana" in text
    assert "B. Emergency department: 1  Ben" in text
    assert "Poll 2 (" in text and "nobody answered" in text


def test_an_answer_to_a_case_no_longer_in_the_library_is_kept_by_its_ids():
    store = MemoryStore()
    store.record_answer(learner("Ana"), "gone-case", "where", ["gp"], True)
    report = build_report(store.class_record(), Catalog([]))
    [line] = report.answers
    assert (line.source, line.question, line.chosen, line.correct) == ("gone-case", "where", "gp", True)
    assert report.students[0].cases["gone-case"].asked is None
