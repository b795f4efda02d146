"""Case player: stages, answers, per-option feedback, score, saved progress, untrusted text."""

from __future__ import annotations

import json

import pytest

from triage.cases import Case, Option, Question, RevealStep, load_cases
from triage.model import NextStep, Presentation, Urgency
from triage.ui import CasePlayer


def make_case(narrative="A person with a sore back.", option_text="Primary care") -> Case:
    return Case(
        id="t-case", title="Test case", level="intro", learning_objectives=("learn",), narrative=narrative,
        reveal=(RevealStep("History", "No red flags."), RevealStep("Exam", "Normal strength.")),
        presentation=Presentation(pain_sites=["lower_back"], duration_weeks=1),
        expected_urgency=Urgency.ROUTINE, expected_next_step=NextStep.PRIMARY_CARE,
        questions=(
            Question("q1", "single", "Where first?", (Option("a", option_text, True, "Yes, start there."),
                                                       Option("b", "Emergency", False, "No red flags."))),
            Question("q2", "multi", "Which are red flags?", (Option("x", "Fever", True, "Right."),
                                                               Option("y", "Sore muscles", False, "Not one."),
                                                               Option("z", "New incontinence", True, "Right."))),
        ),
        teaching_points=("Start with primary care",), guide_sections=("primary-care",),
    )


@pytest.fixture
def progress(tmp_path):
    return tmp_path / "p.json"


def test_reveal_shows_stages_one_by_one(progress):
    app = CasePlayer([make_case()], progress)
    assert app.stages.value == ""
    assert app.reveal.description == "Reveal: History"
    app.reveal.click()
    assert "No red flags." in app.stages.value and "Normal strength" not in app.stages.value
    app.reveal.click()
    assert "Normal strength." in app.stages.value
    assert app.reveal.disabled


def test_answering_gives_per_option_feedback_and_score(progress):
    app = CasePlayer([make_case()], progress)
    q1, q2 = app.views
    q1.choice.value = "b"
    q1.check.click()
    assert "Not quite." in q1.feedback.value and "No red flags." in q1.feedback.value
    assert "Yes, start there." not in q1.feedback.value  # the right answer is not given away
    q1.choice.value = "a"
    q1.check.click()
    assert "Correct." in q1.feedback.value and "Yes, start there." in q1.feedback.value
    assert "Score: 1 of 2 correct" in app.score.value
    assert "Teaching points appear" in app.teaching.value
    q2.boxes[0].value = True
    q2.boxes[2].value = True
    q2.check.click()
    assert "Correct." in q2.feedback.value
    assert "Score: 2 of 2 correct" in app.score.value
    assert "Start with primary care" in app.teaching.value


def test_checking_without_a_choice_asks_for_one(progress):
    app = CasePlayer([make_case()], progress)
    app.views[0].check.click()
    assert "Choose an answer first." in app.views[0].feedback.value


def test_progress_survives_a_restart(progress):
    app = CasePlayer([make_case()], progress)
    app.reveal.click()
    app.views[0].choice.value = "a"
    app.views[0].check.click()
    saved = json.loads(progress.read_text())
    assert saved["answers"]["t-case"]["q1"] == {"chosen": ["a"], "correct": True}
    again = CasePlayer([make_case()], progress)  # a new kernel reading the same file
    assert again.views[0].choice.value == "a"
    assert "Correct." in again.views[0].feedback.value
    assert "No red flags." in again.stages.value
    assert "Score: 1 of 2 correct" in again.score.value


def test_a_corrupt_progress_file_is_reported_and_kept(progress):
    progress.write_text("{not json")
    app = CasePlayer([make_case()], progress)
    assert "not valid JSON" in app.status.value
    kept = list(progress.parent.glob("p.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    app.views[0].choice.value = "a"
    app.views[0].check.click()
    assert json.loads(progress.read_text())["answers"]["t-case"]["q1"]["correct"] is True


def test_html_in_case_text_is_shown_as_text(progress):
    payload = "<script>window.pwned = 1</script><img src=x onerror=alert(1)>"
    app = CasePlayer([make_case(narrative=f"Story {payload}", option_text=payload)], progress)
    assert "<script>" not in app.story.value
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in app.story.value
    app.views[0].choice.value = "a"
    app.views[0].check.click()
    assert "<img" not in app.views[0].feedback.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in app.views[0].feedback.value


def test_switching_cases_with_the_picker():
    cases = load_cases()
    app = CasePlayer(cases)
    app.picker.value = "hip-oa-grandfather"
    assert "Kwame" in app.story.value
    assert len(app.views) == len(next(c for c in cases if c.id == "hip-oa-grandfather").questions)


def test_answers_saved_in_another_tab_appear_when_the_case_is_shown_again(progress):
    first, second = CasePlayer([make_case()], progress), CasePlayer([make_case()], progress)
    first.views[0].choice.value = "a"
    first.views[0].check.click()
    second.show("t-case")
    assert second.views[0].choice.value == "a"
    assert "Score: 1 of 2 correct" in second.score.value
