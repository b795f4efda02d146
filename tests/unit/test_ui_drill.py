"""Red-flag drill: marked answers, one explanation, review of misses, new order on retry, score kept in the record."""

import random
import re

import pytest
from support.ui_support import html_of, make_context

from triage.content.drill import Scenario
from triage.domain.model import Presentation, Urgency
from triage.errors import Problem, StoreUnavailableError
from triage.store.identity import NOT_SAVED
from triage.store.memory import MemoryStore
from triage.ui import RedFlagDrill
from triage.ui.student.drill import split_rounds

GUEST_MESSAGE = NOT_SAVED + "choose a name on the home page so your answers are kept."

ITEMS = [
    Scenario("s1", "Fever and back pain.",
             Presentation(pain_sites=["lower_back"], duration_weeks=1, symptoms=["fever"])),
    Scenario("s2", "A simple strain.", Presentation(pain_sites=["lower_back"], duration_weeks=1)),
    Scenario("s3", "A fall from a roof.", Presentation(pain_sites=["hip"], duration_weeks=0, trauma="high_impact")),
]


def drill(**kwargs):
    kwargs.setdefault("context", make_context())
    return RedFlagDrill(ITEMS, **kwargs)


def test_the_pressed_choice_is_marked_right_with_words_not_colour_alone():
    app = drill()
    app.buttons[Urgency.URGENT].click()
    pressed = app.buttons[Urgency.URGENT]
    assert "triage-right" in pressed._dom_classes and "triage-chosen" in pressed._dom_classes
    assert pressed.description == "✓ Urgent (same day): your answer, right"
    assert all(b.disabled for b in app.buttons.values())
    assert "Right: Urgent (same day)." in app.feedback.value
    assert "Score: 1 of 1" in app.score.value


def test_a_wrong_choice_is_marked_and_the_right_one_shown():
    app = drill()
    app.buttons[Urgency.ROUTINE].click()
    assert "triage-wrong" in app.buttons[Urgency.ROUTINE]._dom_classes
    assert app.buttons[Urgency.ROUTINE].description == "✗ Routine: your answer"
    assert app.buttons[Urgency.URGENT].description == "✓ Urgent (same day): the right answer"
    assert "triage-chosen" not in app.buttons[Urgency.URGENT]._dom_classes
    assert "Not quite: this one is Urgent (same day), not Routine." in app.feedback.value


def test_feedback_says_each_thing_once():
    app = drill()
    app.answer(Urgency.URGENT)
    text = app.feedback.value
    assert text.count("Urgent care") == 1 and text.count("Red flag") == 1
    app.next()
    app.answer(Urgency.ROUTINE)
    assert app.feedback.value.count("Primary care doctor") == 1
    assert "Next step" in app.feedback.value


def test_the_authors_reason_follows_the_engines_when_a_scenario_has_one():
    """A scenario that looks alarming but is routine says why, after the engine's reason; others do not."""
    why = "Leg ache on walking that has built up over a year is the pattern of spinal stenosis."
    items = [Scenario("w", "Both legs ache on walking, for a year.",
                      Presentation(age=73, pain_sites=["lower_back", "leg"], duration_weeks=52), why=why), ITEMS[1]]
    app = RedFlagDrill(items, context=make_context())
    assert app.current.id == "w"  # a first round keeps the file's order
    app.answer(Urgency.EMERGENCY)
    text = app.feedback.value
    assert "Not quite: this one is Routine, not Emergency." in text
    assert text.index("Next step: Primary care doctor.") < text.index(why)
    app.next()
    app.answer(Urgency.ROUTINE)
    assert why not in app.feedback.value
    app.next()  # the round's review repeats the reason beside the missed scenario
    assert why in app.review.value and app.review.value.count(why) == 1


def test_the_next_scenario_clears_the_marks():
    app = drill()
    app.answer(Urgency.URGENT)
    app.next_button.click()
    assert "A simple strain." in app.prompt.value
    assert not any(b.disabled for b in app.buttons.values())
    assert [b.description for b in app.buttons.values()] == ["Emergency", "Urgent (same day)", "Routine"]
    assert not any({"triage-right", "triage-wrong"} & set(b._dom_classes) for b in app.buttons.values())
    assert app.feedback.value == ""


def test_a_second_click_does_not_count_twice():
    app = drill()
    app.answer(Urgency.URGENT)
    app.answer(Urgency.ROUTINE)
    assert (app.right, app.answered) == (1, 1)


def test_the_round_ends_with_a_review_of_the_misses_and_marks_the_app_done():
    context = make_context()
    app = drill(context=context)
    for choice in (Urgency.URGENT, Urgency.EMERGENCY, Urgency.EMERGENCY):  # the strain is answered wrongly
        app.answer(choice)
        app.next_button.click()
    assert app.review in app.frame.body and app.prompt not in app.frame.body
    assert "Round complete: 2 of 3 right" in app.review.value
    assert "A simple strain." in app.review.value and "You chose Emergency" in app.review.value
    assert "Fever and back pain." not in app.review.value
    assert "03_red_flags.ipynb" in context.store.learner_record(context.learner).done


def test_retry_starts_a_new_round_in_a_new_order():
    app = drill(rng=random.Random(7))
    first = [s.id for s in app.order]
    for choice in (Urgency.URGENT, Urgency.ROUTINE, Urgency.EMERGENCY):
        app.answer(choice)
        app.next()
    app.retry_button.click()
    assert [s.id for s in app.order] != first
    assert sorted(s.id for s in app.order) == sorted(first)
    assert (app.right, app.answered, app.index) == (0, 0, 0)
    assert app.prompt in app.frame.body
    assert "best finished round: 3 of 3" in app.score.value


def test_answers_go_to_the_record_and_a_new_page_resumes_the_round():
    store = MemoryStore()
    app = drill(context=make_context(store=store))
    app.answer(Urgency.URGENT)
    app.next()
    app.answer(Urgency.EMERGENCY)  # wrong
    record = store.learner_record(app.context.learner)
    assert [(a.scenario_id, a.chosen, a.correct) for a in record.drill] == [
        ("s1", "urgent", True), ("s2", "emergency", False)]
    again = drill(context=make_context(store=store))  # a reload: new page, same student and store
    assert (again.right, again.answered) == (1, 2)
    assert "Score: 1 of 2" in again.score.value
    assert again.current.id == "s3" and not again.locked  # it goes on with the first unanswered scenario
    assert "Scenario 3 of 3" in again.progress.value


def test_a_finished_round_reopens_on_its_results():
    store = MemoryStore()
    app = drill(context=make_context(store=store))
    for choice in (Urgency.URGENT, Urgency.ROUTINE, Urgency.EMERGENCY):
        app.answer(choice)
        app.next()
    again = drill(context=make_context(store=store))
    assert "Round complete: 3 of 3 right" in again.review.value
    assert again.review in again.frame.body


def test_a_guest_can_practise_without_saving():
    context = make_context(name=None, messages=(GUEST_MESSAGE,))
    app = drill(context=context)
    app.answer(Urgency.URGENT)
    assert "Score: 1 of 1" in app.score.value
    assert context.store.learner_record(context.learner).drill == ()
    assert "choose a name on the home page" in html_of(app.widget)


def test_a_store_that_cannot_write_is_reported_and_the_drill_goes_on():
    class ReadOnly(MemoryStore):
        def record_drill(self, *args, **kwargs):
            raise StoreUnavailableError(Problem("store", "the class database is read-only"))

    app = drill(context=make_context(store=ReadOnly()))
    app.answer(Urgency.URGENT)
    assert "cannot be saved right now (the class database is read-only)" in app.status.value
    assert "Score: 1 of 1" in app.score.value


@pytest.mark.parametrize("size", [1, 3])
def test_rounds_are_cut_where_a_scenario_repeats_or_the_round_is_full(size):
    from triage.store import DrillAttempt

    ids = ["s1", "s2", "s3", "s1", "s2", "s2"]
    attempts = [DrillAttempt(i, "urgent", True, n) for n, i in enumerate(ids)]
    rounds = [[a.scenario_id for a in r] for r in split_rounds(attempts, size)]
    if size == 3:
        assert rounds == [["s1", "s2", "s3"], ["s1", "s2"], ["s2"]]
    else:
        assert rounds == [[i] for i in ids]


def test_shipped_scenarios_cover_all_three_answers():
    app = RedFlagDrill(context=make_context())
    answers = {s.answer for s in app.items}
    assert answers == {Urgency.EMERGENCY, Urgency.URGENT, Urgency.ROUTINE}


def test_an_answer_is_drawn_before_it_is_saved():
    """The verdict reaches the page before the (slow, on the static site) write to the store starts."""
    seen: list[tuple[str, str]] = []

    class SlowStore(MemoryStore):
        def record_drill(self, learner, scenario_id, chosen, correct):
            seen.append((app.feedback.value, app.buttons[Urgency.URGENT].description))
            super().record_drill(learner, scenario_id, chosen, correct)

    app = drill(context=make_context(store=SlowStore()))
    app.buttons[Urgency.URGENT].click()
    [(feedback, label)] = seen
    assert "Right: Urgent" in feedback and label.startswith("✓")


def test_a_second_tab_shows_the_round_as_the_store_holds_it_when_the_student_comes_back():
    store = MemoryStore()
    one = drill(context=make_context(store=store))
    two = drill(context=make_context(store=store))  # the same student in another tab
    one.buttons[Urgency.URGENT].click()
    one.next()
    one.buttons[Urgency.ROUTINE].click()
    assert "Scenario 1 of 3" in two.progress.value  # still showing the start of the round
    two.frame.page.bridge._message(None, {"visible": True})  # the student comes back to the other tab
    assert two.answers == one.answers and "another tab" in two.status.value
    assert "Score: 2 of 2" in two.score.value


def test_coming_back_to_a_tab_that_is_up_to_date_changes_nothing():
    app = drill()
    app.buttons[Urgency.URGENT].click()
    before = app.progress.value, app.score.value
    app.refresh_from_store()
    assert (app.progress.value, app.score.value) == before and app.status.value == ""


def test_in_the_browser_the_save_waits_for_the_page_to_draw(monkeypatch):
    """In Pyodide the save runs on the event loop a moment after the answer is drawn (its file operations
    need the page's main thread, which is drawing the verdict); nothing is lost."""
    import asyncio
    import sys

    from triage.ui.student import drill as drill_module

    monkeypatch.setattr(sys, "platform", "emscripten")
    store = MemoryStore()
    context = make_context(store=store)

    async def lesson():
        app = drill(context=context)
        app.buttons[Urgency.URGENT].click()
        assert "Right: Urgent" in app.feedback.value and store.learner_record(context.learner).drill == ()
        await asyncio.sleep(drill_module.BROWSER_SAVE_DELAY + 0.1)
        return [a.chosen for a in store.learner_record(context.learner).drill]

    assert asyncio.run(lesson()) == ["urgent"]


def test_feedback_names_every_flag_of_a_scenario_with_two():
    from triage.content.drill import scenarios

    two = next(s for s in scenarios() if s.id == "d-steroid-lift")
    app = RedFlagDrill(items=[two], context=make_context())
    html = app._feedback_html(two, Urgency.ROUTINE)
    assert "Red flags: A minor injury with fragile bones" in html and "New back pain with a weakened immune" in html
    assert "Not quite: this one is Urgent" in html


def test_feedback_gives_a_reason_once_when_a_more_urgent_flag_contains_it():
    """Cannot stand after a fall: the injury's flag (emergency) is named, not also the same-day flag it
    contains; a past cancer with tingling: the emergency's flag, not also the same-day one."""
    from triage.content.drill import scenarios

    by_id = {s.id: s for s in scenarios()}
    app = RedFlagDrill(items=list(by_id.values()), context=make_context())
    fall = app._feedback_html(by_id["d-fall-cannot-stand"], Urgency.URGENT)
    assert "Cannot stand or put weight on the leg after an injury, even a minor one" in fall
    assert not re.search("Cannot stand or put weight on the leg(?! after an injury)", fall)
    cancer = app._feedback_html(by_id["d-cancer-tingling"], Urgency.URGENT)
    assert "Red flag: Past cancer with a new nerve symptom" in cancer and "A past cancer with new back" not in cancer


def test_every_shipped_scenario_explains_itself_not_with_the_generic_line_alone():
    """A student who over- or under-calls a scenario is told why this one is (or is not) a warning sign and
    what would have changed its urgency; the shared "No red flag here" line alone teaches nothing."""
    from triage.content.drill import scenarios

    shipped = scenarios()
    app = RedFlagDrill(shipped, context=make_context())
    told: dict[str, str] = {}
    for _ in shipped:
        s = app.current
        wrong = next(u for u in Urgency if u != s.answer)
        app.answer(wrong)
        text = html_of(app.feedback)
        verdict_end = text.index("</strong>")
        told[s.id] = text[verdict_end:]  # what follows "Not quite: ..."
        assert s.why and s.why.replace("'", "&#x27;") in text, f"{s.id}: no explanation of its own"
        if s.answer is Urgency.ROUTINE:
            assert "emergency" in s.why or "same day" in s.why or "same-day" in s.why, \
                f"{s.id}: does not say what would have made it urgent or an emergency"
        if s.answer is Urgency.URGENT:
            assert "emergency" in s.why, f"{s.id}: does not say what would have made it an emergency"
        app.next()
    repeated = [sid for sid, text in told.items() if list(told.values()).count(text) > 1]
    assert not repeated, f"scenarios sharing one feedback: {repeated}"
