"""Presenter: instructor-only, stage-tied questions, options without marks, answers hidden again,
keyboard shortcuts, and the live poll (open, answers, close, reveal)."""

from __future__ import annotations

import re

from support.class_fixtures import ANA, BEN, KEY, context, staged_case
from support.ui_support import html_of
from support.viewport_checks import knowledge_ids

from triage.domain.engine import assess
from triage.domain.knowledge import knowledge
from triage.domain.vocabulary import vocabulary
from triage.store.memory import MemoryStore
from triage.ui import Presenter
from triage.ui.common import esc
from triage.ui.poll import ClassPanel

CASE = staged_case()


def presenter(store=None, **kw):
    """An unlocked presenter (JupyterLab: the user is the instructor) on the staged test case."""
    ctx = kw.pop("ctx", None) or context(ANA, store if store is not None else MemoryStore(), mode="lab")
    return Presenter(CASE.id, cases=[CASE], context=ctx, **kw)


# -- only the instructor --------------------------------------------------------------------------

def test_on_a_served_page_without_the_key_nothing_of_the_presenter_is_shown():
    app = Presenter(CASE.id, cases=[CASE], context=context(ANA, mode="voila"))
    assert not app.unlocked
    assert app.gate.widget.children[0] is app.gate.message and app.gate.content not in app.gate.widget.children
    assert "instructor key" in app.gate.message.value
    app.on_key("a")
    app.answers_button.click()
    assert app.answers.value == "" and not app.answers_shown


def test_the_key_in_the_address_opens_it():
    app = Presenter(CASE.id, cases=[CASE], context=context(ANA, mode="voila", params={"key": KEY}))
    assert app.unlocked and app.gate.widget.children == (app.gate.content,)


def test_a_typed_key_opens_it_and_a_wrong_one_does_not():
    app = Presenter(CASE.id, cases=[CASE], context=context(ANA, mode="voila"))
    app.gate.key.value = "guess"
    app.gate.button.click()
    assert not app.unlocked and "not right" in app.gate.feedback.value
    app.gate.key.value = KEY
    app.gate.button.click()
    assert app.unlocked and app.gate.key.value == ""


def test_guessing_is_limited():
    app = Presenter(CASE.id, cases=[CASE], context=context(ANA, mode="voila"))
    for _ in range(10):
        app.gate.key.value = "guess"
        app.gate.button.click()
    app.gate.key.value = KEY
    app.gate.button.click()
    assert not app.unlocked and "reload the page" in app.gate.feedback.value


def test_a_server_without_a_key_keeps_it_locked_and_says_how_to_set_one():
    app = Presenter(CASE.id, cases=[CASE], context=context(ANA, mode="voila", params={"key": "x"}, key=None))
    assert not app.unlocked and "TRIAGE_INSTRUCTOR_KEY" in app.gate.message.value
    assert app.gate.form.layout.display == "none"


# -- stages, questions, options, answers --------------------------------------------------------

def test_questions_follow_the_stages():
    app = presenter()
    assert "Stage 1 of 3" in app.stage_label.value
    assert app.question.id == "first"
    assert "Two days later" not in app.body.value
    app.next_stage.click()
    assert "Stage 2 of 3" in app.stage_label.value and "Two days later" in app.body.value
    assert app.question.id == "second"
    assert [q.id for q in app.asked()] == ["first", "second"]
    app.next_question.click()
    assert app.question.id == "first"
    app.prev_stage.click()
    assert app.stage == 0 and app.question.id == "first"


def test_options_for_a_vote_show_no_marks_and_answers_hide_again():
    app = presenter()
    assert "Primary care" not in app.answers.value  # hidden at first
    app.options_button.click()
    assert "A.</span> Primary care" in app.answers.value and "B.</span> Emergency department" in app.answers.value
    assert "correct" not in app.answers.value and "No red flag yet" not in app.answers.value
    app.answers_button.click()
    assert "&#10004; correct:</strong> <span class='triage-letter'>A.</span> <strong>Primary care" in app.answers.value
    assert "No red flag yet" in app.answers.value
    assert app.answers_button.description == "Hide answers (A)"
    app.answers_button.click()
    assert "correct" not in app.answers.value and app.answers_button.description == "Show answers (A)"
    app.options_button.click()
    assert app.answers.value == ""


def test_teaching_points_and_objectives_wait_for_the_last_stage():
    app = presenter()
    app.answers_button.click()
    assert "Teaching points" not in app.answers.value
    assert CASE.learning_objectives[0] not in html_of(app.widget)
    app.next_stage.click()
    app.next_stage.click()
    app.answers_button.click()
    assert "Ask again when the story changes" in app.answers.value
    assert esc(CASE.learning_objectives[0]) in app.answers.value


def test_reasoning_shows_and_hides_for_the_current_stage():
    app = presenter()
    app.reasoning_button.click()
    assert "ROUTINE" in app.reasoning.value
    app.reasoning_button.click()
    assert app.reasoning.value == ""
    app.next_stage.click()
    app.reasoning_button.click()
    assert "URGENT" in app.reasoning.value  # the fever at stage 2 changes the engine's answer


def test_reasoning_names_the_rules_and_providers_never_their_ids():
    """The engine's reasoning on the projector reads like the students' apps: names, not knowledge-base ids."""
    app = presenter()
    app.next_stage.click()
    app.reasoning_button.click()
    result = assess(CASE.stages[1].presentation)
    text = app.reasoning.value
    assert result.trace and result.red_flags
    for hit in result.trace:
        assert esc(vocabulary().rule(hit.rule_id)) in text
    assert esc(knowledge().provider(result.next_step).name) in text
    shown = [i for i in knowledge_ids() if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)]
    assert shown == []


def test_every_action_has_a_key_and_the_keys_are_on_screen():
    app = presenter()
    for key in "nboarpq":
        assert f"<kbd>{key.upper()}</kbd>" in app.keys_help.value
    app.on_key("o")
    assert app.options_shown
    app.on_key("a")
    assert app.answers_shown
    app.on_key("a")
    assert not app.answers_shown
    app.on_key("r")
    assert app.reasoning_shown
    app.on_key("n")
    assert app.stage == 1
    app.on_key("b")
    assert app.stage == 0


def test_the_browser_listener_forwards_keys_and_can_be_switched_off():
    app = presenter()
    app.listener._handle_custom_msg({"key": "n"}, [])
    assert app.stage == 1
    app.shortcuts_on.value = False
    assert app.listener.enabled is False
    app.listener._handle_custom_msg({"key": "n"}, [])
    assert app.stage == 1
    app.listener._handle_custom_msg({"key": "x"}, [])  # not a shortcut: ignored
    assert app.stage == 1


def test_button_labels_say_what_they_do_in_full():
    app = presenter()
    for b in (app.next_stage, app.options_button, app.answers_button, app.reasoning_button, app.poll_button):
        assert len(b.description) > 8 and b.layout.width == "auto"


# -- live poll -------------------------------------------------------------------------------------

def test_a_live_poll_counts_both_students_and_marks_the_answer_only_on_reveal():
    store = MemoryStore()
    app = presenter(store)
    app.on_key("p")
    assert app.poll is not None and app.poll.is_open and app.poll_button.description == "Close poll (P)"
    assert "0 answered, poll open" in app.chart.value
    ana = ClassPanel(context(ANA, store), [CASE], live=False)
    ben = ClassPanel(context(BEN, store), [CASE], live=False)
    for panel, choice in ((ana, "gp"), (ben, "ed")):
        panel.refresh()
        panel.choice.value = choice
        panel.send.click()
    app.refresh_poll()  # what the presenter's ticker does twice a second
    assert app.chart.value.count("1 (50%)") == 2 and "2 answered" in app.chart.value
    assert "correct" not in app.chart.value
    app.on_key("p")
    assert not app.poll.is_open and "Poll closed" in app.poll_status.value
    assert "correct" not in app.chart.value
    app.on_key("a")
    assert app.poll.revealed and app.chart.value.count("&#10004; correct") == 1
    ana.refresh()
    assert "The answer: &#10004; A. Primary care. You got it." in ana.status.value


def test_showing_answers_during_an_open_poll_closes_it_first():
    store = MemoryStore()
    app = presenter(store)
    app.on_key("p")
    app.on_key("a")
    assert not app.poll.is_open and app.poll.revealed
    assert store.current_poll() is None


def test_moving_to_the_next_stage_closes_the_poll_of_the_previous_question():
    store = MemoryStore()
    app = presenter(store)
    app.on_key("p")
    poll_id = app.poll.id
    app.on_key("n")
    assert store.current_poll() is None and not store.poll_tally(poll_id).poll.is_open
    assert app.poll is None and app.chart.value == "" and app.poll_button.description == "Open poll (P)"


def test_a_reloaded_presenter_picks_up_the_poll_that_is_still_open():
    store = MemoryStore()
    first = presenter(store)
    first.on_key("n")
    first.on_key("p")
    store.answer_poll(first.poll.id, ANA, ["uc"])
    again = presenter(store)
    assert again.stage == 1 and again.question.id == "second"
    assert again.poll is not None and again.poll.id == first.poll.id
    assert "1 (100%)" in again.chart.value


def test_the_case_comes_from_make_present(monkeypatch):
    monkeypatch.setenv("TRIAGE_CASE", "t-other")
    other = staged_case("t-other", title="Other")
    app = Presenter(cases=[CASE, other], context=context(ANA, mode="lab"))
    assert app.case.id == "t-other"


def test_an_unknown_case_id_is_reported_not_raised():
    app = Presenter("no-such-case", cases=[CASE], context=context(ANA, mode="lab"))
    assert "No case with id no-such-case" in app.message.value
    assert app.case is not None


def test_the_library_presenter_starts_unlocked_in_jupyterlab():
    app = Presenter(context=context(ANA, mode="lab"))
    assert app.unlocked and app.case is not None
    assert f"Stage 1 of {len(app.case.stages)}" in app.stage_label.value
