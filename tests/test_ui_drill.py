"""Red-flag drill: answers, feedback from the engine, running score."""

from triage.drill import Scenario
from triage.model import Presentation, Urgency
from triage.ui import RedFlagDrill

ITEMS = [
    Scenario("s1", "Fever and back pain.",
             Presentation(pain_sites=["lower_back"], duration_weeks=1, symptoms=["fever"])),
    Scenario("s2", "A simple strain.", Presentation(pain_sites=["lower_back"], duration_weeks=1)),
]


def test_right_and_wrong_answers_update_feedback_and_score():
    app = RedFlagDrill(ITEMS)
    app.buttons[Urgency.URGENT].click()
    assert "Correct." in app.feedback.value and "Possible spinal infection" in app.feedback.value
    assert "Score: 1 of 1" in app.score.value
    assert all(b.disabled for b in app.buttons.values())
    app.next_button.click()
    assert "A simple strain." in app.prompt.value
    app.buttons[Urgency.EMERGENCY].click()
    assert "Not quite: this is routine." in app.feedback.value
    assert "Score: 1 of 2" in app.score.value
    assert app.next_button.disabled and app.next_button.description == "Drill complete"


def test_a_second_click_does_not_count_twice():
    app = RedFlagDrill(ITEMS)
    app.answer(Urgency.URGENT)
    app.answer(Urgency.ROUTINE)
    assert (app.right, app.answered) == (1, 1)


def test_shipped_scenarios_cover_all_three_answers():
    app = RedFlagDrill()
    answers = {s.answer for s in app.items}
    assert answers == {Urgency.EMERGENCY, Urgency.URGENT, Urgency.ROUTINE}
