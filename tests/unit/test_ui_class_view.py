"""Class view: instructor only, students x cases, distributions, gradebook CSV, new sessions."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import unquote

from support.class_fixtures import ANA, BEN, KEY, context, library, staged_case

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


def csv_from(html: str) -> list[dict[str, str]]:
    href = re.search(r"href='data:text/csv;charset=utf-8,([^']*)'", html).group(1)
    text = unquote(href).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_without_the_key_the_class_is_not_read_or_shown():
    store = filled_store()
    app = ClassView(CASES, context(BEN, store, mode="voila"), live=False)
    assert not app.unlocked and app.rows == []
    assert app.summary.value == "" and app.download.value == ""
    app.refresh()
    app.refresh_button.click()
    assert app.rows == [] and "Ana" not in app.summary.value


def test_students_by_cases_with_correct_and_answered():
    app = view(filled_store())
    table = app.summary.value
    assert "2 students" in table
    ana_row = re.search(r"<tr><th scope='row'>Ana</th>(.*?)</tr>", table).group(1)
    ben_row = re.search(r"<tr><th scope='row'>Ben</th>(.*?)</tr>", table).group(1)
    # columns: Bea (intro), Dee (advanced), then the total
    assert re.findall(r"<td[^>]*>(.*?)</td>", ana_row)[0] == "1 / 2"
    assert "<strong>1 / 2</strong>" in ana_row
    assert re.findall(r"<td[^>]*>(.*?)</td>", ben_row)[:2] == ["0 / 1", "1 / 1"]
    assert table.index("Bea: intro case") < table.index("Dee: advanced case")


def test_the_answer_distribution_of_a_case():
    app = view(filled_store())
    app.case_picker.value = "t-intro"
    dist = app.distribution.value
    first = dist.split("<table")[1]
    assert "2 answered" in first and first.count("1 (50%)") == 2
    assert "&#10004; correct" in first  # the instructor sees which option is right


def test_the_gradebook_csv_has_one_row_per_student_and_case():
    app = view(filled_store())
    rows = csv_from(app.download.value)
    assert [(r["student"], r["learner"], r["case"], r["answered"], r["correct"], r["questions"]) for r in rows] == [
        ("Ana", "name:ana", "t-intro", "2", "1", "3"),
        ("Ben", "name:ben", "t-adv", "1", "1", "3"),
        ("Ben", "name:ben", "t-intro", "1", "0", "3"),
    ]
    assert {r["session"] for r in rows} == {"1"}
    assert "download='triage-class-session-1.csv'" in app.download.value


def test_the_csv_is_the_same_as_the_terminal_report(tmp_path, capsys):
    from triage.cli import main as class_main
    from triage.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "class.db")
    answers = (("ana", "t-intro", "first", "gp", True), ("ben", "t-adv", "first", "ed", False))
    for learner, case, q, chosen, ok in answers:
        store.record_answer(Learner(f"name:{learner}", learner.title(), "name"), case, q, [chosen], ok)
    app = view(store)
    ours = [{k: v for k, v in r.items() if k != "questions"} for r in csv_from(app.download.value)]
    assert class_main(["class", "report", "--csv", "--db", str(tmp_path / "class.db")]) == 0
    theirs = [{k: v for k, v in r.items() if k != "questions"}
              for r in csv.DictReader(io.StringIO(capsys.readouterr().out))]
    assert ours == theirs and len(ours) == 2


def test_a_name_that_looks_like_a_formula_is_kept_as_text_in_the_csv():
    store = MemoryStore()
    store.record_answer(Learner("name:=1+1", "=1+1", "name"), "t-intro", "first", ["gp"], True)
    text = report_csv(store.class_answers(), {c.id: c for c in CASES})
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
