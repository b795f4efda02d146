"""Presenter: step through a case, reveal answers and reasoning on click."""

from triage.ui import Presenter


def test_steps_through_stages_and_reveals_answers_and_reasoning():
    app = Presenter("runner-hip-flexor-back")
    assert "Stage 1 of 2" in app.stage_label.value
    assert "Primary care assessment" not in app.body.value
    app.next_stage.click()
    assert "Stage 2 of 2" in app.stage_label.value
    assert "Primary care assessment" in app.body.value
    assert app.next_stage.disabled
    assert app.answers.value == ""
    app.answers_button.click()
    assert "&#10004; <strong>A physical therapist</strong>" in app.answers.value
    app.reasoning_button.click()
    assert "REF-MUSCLE" in app.reasoning.value


def test_case_from_environment(monkeypatch):
    monkeypatch.setenv("TRIAGE_CASE", "teacher-new-incontinence")
    assert Presenter().case.id == "teacher-new-incontinence"


def test_unknown_case_id_is_reported_not_raised():
    app = Presenter("no-such-case")
    assert "No case with id no-such-case" in app.message.value
    assert app.case is not None
