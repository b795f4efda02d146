"""Class view: instructor only, students x cases, polls and drill, item analysis, distributions, CSV files,
new sessions."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import unquote

from support.class_fixtures import ANA, BEN, KEY, context, library, staged_case

from triage.content.drill import scenarios
from triage.outputs.class_report import Catalog, build_report
from triage.store.identity import Learner
from triage.store.memory import MemoryStore
from triage.ui import CasePlayer, ClassView
from triage.ui.instructor.class_view import report_csv

CASES = library()


def filled_store() -> MemoryStore:
    store = MemoryStore()
    store.record_answer(ANA, "t-intro", "first", ["gp"], True)
    store.record_answer(ANA, "t-intro", "second", ["gp"], False)
    store.record_answer(BEN, "t-intro", "first", ["ed"], False)
    store.record_answer(BEN, "t-adv", "first", ["gp"], True)
    return store


def view(store, **kw) -> ClassView:
    return ClassView(CASES, context(ANA, store, mode="voila", params={"key": KEY}), live=False, **kw)


def csv_from(html: str, kind: str = "answers") -> list[dict[str, str]]:
    """The rows of one of the class view's CSV links (answers, summary or items)."""
    links = re.findall(r"download='([^']*)' href='data:text/csv;charset=utf-8,([^']*)'", html)
    others = tuple(f"-{k}.csv" for k in ("summary", "items"))
    href = next(h for name, h in links if (name.endswith(f"-{kind}.csv") if kind != "answers"
                                           else not name.endswith(others)))
    text = unquote(href).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def cells(table: str, name: str) -> list[str]:
    row = re.search(rf"<tr><th scope='row'>{name}</th>(.*?)</tr>", table).group(1)
    return [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def test_without_the_key_the_class_is_not_read_or_shown():
    store = filled_store()
    app = ClassView(CASES, context(BEN, store, mode="voila"), live=False)
    assert not app.unlocked and app.rows == []
    assert app.summary.value == "" and app.download.value == ""
    app.refresh()
    app.refresh_button.click()
    assert app.rows == [] and "Ana" not in app.summary.value


def test_students_by_cases_named_by_title_with_answered_out_of_asked():
    app = view(filled_store())
    table = app.summary.value
    assert "2 students" in table and "answered / asked" in table
    # columns: Bea (intro), Dee (advanced); each case asks 3 questions
    assert cells(table, "Ana") == [["2", "/", "3", "1", "right", "first", "time"], ["&ndash;"]]
    assert "triage-hint" not in table  # a hint box's border would draw a bar in an empty cell
    assert cells(table, "Ben") == [["1", "/", "3", "0", "right", "first", "time"],
                                   ["1", "/", "3", "1", "right", "first", "time"]]
    assert table.index("Bea: intro case") < table.index("Dee: advanced case")


def test_a_student_who_answered_only_polls_or_the_drill_appears_with_who_chose_what():
    store = filled_store()
    carl, dee = Learner("name:carl", "Carl", "name"), Learner("name:dee", "Dee", "name")
    poll = store.open_poll("t-intro", "second", ["gp", "uc"])
    store.answer_poll(poll.id, carl, ["gp"])
    store.answer_poll(poll.id, ANA, ["uc"])
    store.record_drill(dee, "d-bladder", "routine", False)
    app = view(store)
    table = app.summary.value
    assert "4 students" in table and "Class polls" in table and "Red-flag drill" in table
    assert cells(table, "Carl") == [["&ndash;"], ["&ndash;"], ["1", "/", "1", "0", "right"], ["&ndash;"]]
    assert cells(table, "Dee")[-1][:3] == ["1", "/", str(len(scenarios()))]
    polls = app.polls.value
    assert "Poll 1 (" in polls and "And now, with a fever?" in polls and "2 answers" in polls
    right = re.search(r"B\. Urgent care today.*?</tr>", polls).group(0)
    wrong = re.search(r"A\. Primary care next week.*?</tr>", polls).group(0)
    assert "Ana (" in right and "&#10004; right" in right and "Carl (" in wrong and "Ana" not in wrong
    rows = csv_from(app.download.value)
    assert [(r["student"], r["activity"], r["chosen"]) for r in rows if r["activity"] != "case"] == [
        ("Ana", "poll", "B. Urgent care today"), ("Carl", "poll", "A. Primary care next week"),
        ("Dee", "drill", "C. Routine")]
    items = app.items.value
    assert "Item analysis" in items and "under-triage" in items  # Dee sent an emergency to routine care


def test_the_answer_distribution_of_a_case():
    app = view(filled_store())
    app.case_picker.value = "t-intro"
    dist = app.distribution.value
    first = dist.split("<table")[1]
    assert "2 answered" in first and first.count("1 (50%)") == 2
    assert "&#10004; correct" in first  # the instructor sees which option is right


def test_the_csv_files_hold_every_answer_a_summary_and_the_item_analysis():
    app = view(filled_store())
    rows = csv_from(app.download.value)
    assert [(r["student"], r["learner"], r["title"], r["question_id"], r["chosen"], r["correct"]) for r in rows] == [
        ("Ana", "name:ana", "Bea: intro case", "first", "A. Primary care", "yes"),
        ("Ana", "name:ana", "Bea: intro case", "second", "A. Primary care next week", "no"),
        ("Ben", "name:ben", "Bea: intro case", "first", "B. Emergency department", "no"),
        ("Ben", "name:ben", "Dee: advanced case", "first", "A. Primary care", "yes"),
    ]
    assert {r["session"] for r in rows} == {"1"}
    assert "download='triage-class-session-1.csv'" in app.download.value
    summary = csv_from(app.download.value, "summary")
    assert [(r["student"], r["title"], r["answered"], r["asked"], r["correct"]) for r in summary] == [
        ("Ana", "Bea: intro case", "2", "3", "1"), ("Ben", "Bea: intro case", "1", "3", "0"),
        ("Ben", "Dee: advanced case", "1", "3", "1")]
    items = csv_from(app.download.value, "items")
    assert [(r["title"], r["question_id"], r["answered"], r["share_correct"]) for r in items] == [
        ("Bea: intro case", "first", "2", "0.50"), ("Bea: intro case", "second", "1", "0.00"),
        ("Dee: advanced case", "first", "1", "1.00")]


def test_the_csv_is_the_same_as_the_terminal_report(tmp_path, capsys, monkeypatch):
    from triage.cli import main as class_main
    from triage.store.sqlite import SqliteStore

    monkeypatch.setattr(Catalog, "shipped", classmethod(lambda cls: view(MemoryStore()).catalog))
    store = SqliteStore(tmp_path / "class.db")
    answers = (("ana", "t-intro", "first", "gp", True), ("ben", "t-adv", "first", "ed", False))
    for learner, case, q, chosen, ok in answers:
        store.record_answer(Learner(f"name:{learner}", learner.title(), "name"), case, q, [chosen], ok)
    poll = store.open_poll("t-intro", "first", ["gp", "ed"])
    store.answer_poll(poll.id, Learner("name:cy", "Cy", "name"), ["ed"])
    app = view(store)
    for kind in ("answers", "summary", "items"):
        assert class_main(["class", "report", "--csv", kind, "--db", str(tmp_path / "class.db")]) == 0
        theirs = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert csv_from(app.download.value, kind) == theirs and len(theirs) >= 2, kind


def test_a_name_that_looks_like_a_formula_is_kept_as_text_in_the_csv():
    store = MemoryStore()
    store.record_answer(Learner("name:=1+1", "=1+1", "name"), "t-intro", "first", ["gp"], True)
    text = report_csv(build_report(store.class_record(), Catalog(CASES)))
    assert "'=1+1" in text and ",=1+1" not in text


def test_names_with_html_are_shown_as_text():
    store = MemoryStore()
    store.record_answer(Learner("name:<b>x</b>", "<b>x</b>", "name"), "t-intro", "first", ["gp"], True)
    app = view(store)
    assert "<b>x</b>" not in app.summary.value and "&lt;b&gt;x&lt;/b&gt;" in app.summary.value
    assert csv_from(app.download.value)[0]["student"] == "<b>x</b>"


def test_a_new_session_archives_the_old_one_without_deleting_it():
    store = filled_store()
    app = view(store)
    app.new_button.click()
    assert app.confirm_box.layout.display is None and "Nothing is deleted" in app.confirm_text.value
    app.new_label.value = "Tuesday group"
    app.confirm.click()
    sessions = store.sessions()
    assert [s.label for s in sessions] == ["Session 1", "Tuesday group"]
    assert sessions[0].archived_at is not None
    assert app.session_picker.value == sessions[1].id
    assert "No answers in Tuesday group yet" in app.summary.value
    app.session_picker.value = sessions[0].id
    assert "2 students" in app.summary.value  # the archived session is still readable
    assert store.learner_record(ANA).case_answers("t-intro")["first"].chosen == ("gp",)


def test_cancel_starts_no_session():
    store = filled_store()
    app = view(store)
    app.new_button.click()
    app.cancel.click()
    assert len(store.sessions()) == 1 and app.confirm_box.layout.display == "none"


def test_refresh_picks_up_new_answers():
    store = filled_store()
    app = view(store)
    carl = Learner("name:carl", "Carl", "name")
    store.record_answer(carl, "t-inter", "first", ["gp"], True)
    app.refresh()
    assert "3 students" in app.summary.value and "Cal: intermediate case" in app.summary.value


def test_a_student_app_never_shows_another_students_answers():
    store = filled_store()
    ben = CasePlayer([staged_case("t-intro", title="Bea: intro case")], context(BEN, store), class_panel=True)
    texts = [ben.overview.value, ben.score.value, ben.status.value, ben.frame.header.value]
    texts += [v.feedback.value for v in ben.views]
    assert not any("Ana" in t for t in texts)
    first = next(v for v in ben.views if v.question.id == "first")
    assert first.chosen() == ["ed"]  # Ben's own answer, not Ana's
    second = next((v for v in ben.views if v.question.id == "second"), None)
    assert second is None or second.chosen() == []


def test_a_lesson_where_a_student_first_under_triages_and_then_retries_shows_both_to_the_instructor(tmp_path):
    """Maya first sends Aisha (new incontinence) to primary care at the next free appointment, reads
    "Not quite", and checks the emergency department; Leo picks the emergency department at once. The
    class view, its CSV files and Maya's own record say Maya was right only after a retry, and that her
    first answer under-triaged."""
    from triage.content.cases import load_cases
    from triage.serve.progress import record_body
    from triage.store.sqlite import SqliteStore
    from triage.ui.student.case_player import CasePlayer as Player

    aisha = next(c for c in load_cases() if c.id == "teacher-new-incontinence")
    maya, leo = Learner("name:maya", "Maya", "name"), Learner("name:leo", "Leo", "name")
    store = SqliteStore(tmp_path / "class.db")

    def play(who, tries):
        app = Player([aisha], context(who, store), class_panel=False)
        first = next(v for v in app.views if v.question.id == "where-first")
        first.choice.value = "pcp"
        first.check.click()
        app.reveal.click()
        now = next(v for v in app.views if v.question.id == "where-now")
        for option in tries:
            now.choice.value = option
            now.check.click()
        return app

    play(maya, ["pcp", "ed"])
    play(leo, ["ed"])
    store.close()
    store = SqliteStore(tmp_path / "class.db")  # the instructor's kernel, another connection
    app = ClassView([aisha], context(ANA, store, mode="voila", params={"key": KEY}), live=False)
    table = app.summary.value
    assert cells(table, "Maya") == [["2", "/", "3", "1", "right", "first", "time", "1", "after", "a", "retry"]]
    assert cells(table, "Leo") == [["2", "/", "3", "2", "right", "first", "time"]]
    row = re.search(r"Where should Aisha go now\?</th>(.*?)</tr>", app.items.value).group(1)
    numbers = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td class='triage-num'>(.*?)</td>", row)]
    assert numbers[:3] == ["2", "50%", "1"]  # answered, right first time, right after a retry
    assert "under-triage" in row and "under-triaged at first:</strong> Maya" in row and "Leo" not in row
    answers = [(r["student"], r["question_id"], r["attempt"], r["attempts"], r["chosen_ids"], r["correct"])
               for r in csv_from(app.download.value) if r["question_id"] == "where-now"]
    assert answers == [("Leo", "where-now", "1", "1", "ed", "yes"),
                       ("Maya", "where-now", "1", "2", "pcp", "no"), ("Maya", "where-now", "2", "2", "ed", "yes")]
    [item] = [r for r in csv_from(app.download.value, "items") if r["question_id"] == "where-now"]
    assert (item["correct"], item["right_after_retry"], item["under_triage"], item["under_triaged_by"]) == (
        "1", "1", "yes", "Maya")
    assert "first answers, 1 right after a retry" in app.distribution.value
    home = record_body(maya, store.learner_record(maya))
    assert home["summary"] == "Your record: 2 case answers (1 right first time, 1 right after a retry)."
