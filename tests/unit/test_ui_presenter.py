"""Presenter: instructor-only, stage-tied questions, options without marks, answers hidden again,
keyboard shortcuts, and the live poll (open, answers, close, reveal)."""

from __future__ import annotations

import re
import time

from support.class_fixtures import ANA, BEN, KEY, context, staged_case
from support.ui_support import html_of
from support.viewport_checks import knowledge_ids

from triage.domain.engine import assess
from triage.domain.knowledge import knowledge
from triage.domain.vocabulary import vocabulary
from triage.store.identity import Learner
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
    assert app.unlocked and app.gate.widget.children[0] is app.gate.content
    assert app.gate.feedback.value == ""


def test_a_wrong_key_in_the_address_says_so_and_the_tab_forgets_it():
    app = Presenter(CASE.id, cases=[CASE], context=context(ANA, mode="voila", params={"key": "last-term"}))
    sent = []
    app.gate.carrier.send = sent.append
    app.gate._check(app.context)
    assert not app.unlocked and "key in the page's address is not right" in app.gate.feedback.value
    assert {"forget": True} in sent


def test_enter_in_the_key_field_opens_it():
    app = Presenter(CASE.id, cases=[CASE], context=context(ANA, mode="voila"))
    app.gate.key.value = KEY
    app.gate.key._handle_string_msg(None, {"event": "submit"}, None)  # what the browser sends on Enter
    assert app.unlocked


def test_a_key_the_tab_kept_opens_it_after_a_reload_and_a_stale_one_is_forgotten():
    app = Presenter(CASE.id, cases=[CASE], context=context(ANA, mode="voila"))
    sent = []
    app.gate.carrier.send = sent.append
    app.gate._on_carrier(None, {"key": "from-an-old-server"})
    # the key may have come from the address of a fresh tab (the page script keeps a ?key= for the tab): the
    # message must not claim this tab kept one, and says where the right key comes from
    said = app.gate.feedback.value
    assert not app.unlocked and "is not right" in said and {"forget": True} in sent
    assert "address" in said and "make key" in said
    app.gate._on_carrier(None, {"key": KEY})
    assert app.unlocked


def test_a_kept_key_that_arrives_before_the_page_request_waits_for_it():
    pending = context(ANA, mode="voila")
    pending.ready = False
    app = Presenter(CASE.id, cases=[CASE], context=pending)
    app.gate._on_carrier(None, {"key": KEY})
    assert not app.unlocked
    pending.resolve("student=", {"VOILA_PREHEAT": "True", "TRIAGE_INSTRUCTOR_KEY": KEY})
    assert app.unlocked


def test_a_typed_key_is_kept_for_the_tab():
    app = Presenter(CASE.id, cases=[CASE], context=context(ANA, mode="voila"))
    sent = []
    app.gate.carrier.send = sent.append
    app.gate.key.value = KEY
    app.gate.button.click()
    assert app.unlocked and {"remember": KEY} in sent


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
    assert "Teaching points" not in app.answers.value + app.points.value
    assert CASE.learning_objectives[0] not in html_of(app.widget)
    app.next_stage.click()
    app.next_stage.click()
    app.answers_button.click()
    # folded under the answers: the room sees the answers with their feedback first
    assert app.points.value.startswith("<details><summary>Teaching points and objectives")
    assert "Ask again when the story changes" in app.points.value
    assert esc(CASE.learning_objectives[0]) in app.points.value
    assert "Ask again when the story changes" not in app.answers.value
    app.answers_button.click()
    assert app.points.value == ""


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


def test_a_clickers_keys_step_the_stages():
    app = presenter()
    for key, stage in (("PageDown", 1), (" ", 2), ("PageUp", 1), ("ArrowLeft", 0), ("ArrowRight", 1)):
        app.on_key(key)
        assert app.stage == stage, key
    assert {"PageDown", "PageUp", "ArrowRight", "ArrowLeft", " "} <= set(app.listener.shortcut_keys)
    assert "Page Down" in app.keys_help.value and "Alt</kbd>+" in app.keys_help.value


def test_projector_mode_keeps_the_picker_and_the_key_help_out_of_the_projected_part():
    app = presenter()
    [projected] = [c for c in app.gate.content.children if "triage-projected" in c._dom_classes]
    def inside(widget, root):
        return widget is root or any(inside(widget, c) for c in getattr(root, "children", ()))
    assert inside(app.toolbar, projected) and inside(app.chart, projected) and inside(app.body, projected)
    assert not inside(app.picker, projected) and not inside(app.keys_help, projected)


def test_during_a_poll_the_chart_lists_each_option_in_full_beside_the_story():
    store = MemoryStore()
    app = presenter(store)
    app.on_key("p")
    # the options are listed once, in the chart, each with its bar and count (room for 4 options at 1024x768)
    assert app.answers.value == ""
    assert "A.</span> Primary care" in app.chart.value and "B.</span> Emergency department" in app.chart.value
    assert app.chart.value.count("triage-bar-track") == len(CASE.questions[0].options)
    assert "correct" not in app.chart.value
    app.hide_chart.value = True  # the chart hidden while students vote: the options are listed without counts
    assert "A.</span> Primary care" in app.answers.value and "triage-bar" not in app.chart.value
    app.hide_chart.value = False
    assert app.poll_box in app.side.children and app.story.children == (app.body,)
    app.on_key("a")  # the answers with their feedback beside the story; the chart (a line per letter) under it
    assert "&#10004; correct:</strong>" in app.answers.value and "Primary care" not in app.chart.value
    assert app.chart.value.count("&#10004; correct") == 1
    # the chart moves under the story, so the list of answers does not push it off the projected screen
    assert app.story.children == (app.body, app.poll_box) and app.poll_box not in app.side.children
    app.on_key("a")
    assert app.poll_box in app.side.children and app.story.children == (app.body,)


def test_the_chart_sits_beside_the_story_in_the_projected_area():
    app = presenter()
    [projected] = [c for c in app.gate.content.children if "triage-projected" in c._dom_classes]
    [grid] = [c for c in projected.children if "triage-presenter-grid" in c._dom_classes]
    [side] = [c for c in grid.children if "triage-presenter-side" in c._dom_classes]
    assert any(app.chart in c.children for c in side.children if hasattr(c, "children"))


# -- the start screen (make app): it follows the lesson, not the page -----------------------------------

def served(store, monkeypatch):
    monkeypatch.setenv("TRIAGE_CLASS_URL", "http://192.0.2.7:8866/")
    return Presenter(CASE.id, cases=[CASE], context=context(ANA, store, mode="voila", params={"key": KEY}))


def test_the_start_screen_makes_way_for_the_lesson_and_stays_away_after_a_reload(monkeypatch):
    store = MemoryStore()
    first = served(store, monkeypatch)
    assert first.unlocked and first.join_shown and "Join the class" in first.join.value
    assert first.listener.lesson == {"case": CASE.id, "stage": 0, "started": False, "join": None,
                                     "question": "first", "options": False, "answers": False, "poll": None}
    first.on_key("n")  # the lesson starts
    assert not first.join_shown and first.join.value == ""
    first.on_key("j")  # a latecomer: J brings it back, the next step hides it again
    assert "Join the class" in first.join.value
    first.on_key("p")
    assert first.join.value == "" and first.poll is not None and first.poll.is_open
    kept = dict(first.listener.lesson)
    assert kept == {"case": CASE.id, "stage": 1, "started": True, "join": None,
                    "question": "second", "options": True, "answers": False, "poll": first.poll.id}
    # a reload (or a restart) with the poll open: the poll's question and chart, no start screen
    again = served(store, monkeypatch)
    assert again.poll is not None and again.poll.id == first.poll.id
    assert not again.join_shown and again.join.value == ""
    first.on_key("p")  # poll closed; a reload at a later stage: the tab hands back where the lesson was
    third = served(store, monkeypatch)
    assert "Join the class" in third.join.value  # before the tab's state arrives: a fresh page
    third.listener._on_message(None, {"restore": kept})
    assert third.stage == 1 and third.join.value == "" and third.question.id == "second"
    assert third.poll is not None and third.poll.id == first.poll.id and "poll closed" in third.chart.value
    third.on_key("b")  # back to the first stage: the lesson has still started
    assert third.join.value == ""


def test_a_reload_after_the_reveal_brings_back_the_answers_and_the_class_counts(monkeypatch):
    """The projector reloaded after "Show answers": the same question, its answers and the closed poll's
    counts, with the right option marked; no new poll, and nothing revealed that was not."""
    store = MemoryStore()
    first = served(store, monkeypatch)
    first.on_key("p")
    for who, choice in ((ANA, "gp"), (BEN, "ed")):
        panel = ClassPanel(context(who, store), [CASE], live=False)
        panel.refresh()
        panel.choice.value = choice
        panel.send.click()
    first.on_key("a")  # closes the poll and reveals it
    kept = dict(first.listener.lesson)
    again = served(store, monkeypatch)
    again.listener._on_message(None, {"restore": kept})
    assert again.answers_shown and again.poll is not None and again.poll.id == first.poll.id
    assert "2 answered, poll closed" in again.chart.value and "&#10004; correct" in again.chart.value
    assert again.answers.value.count("1 (50%)") == 2  # each answer's own count (the wide form's)
    assert again.poll_button.description == "Open poll again (P)"
    assert store.current_poll() is None and len({first.poll.id, again.poll.id}) == 1
    # a poll from an earlier class session is not brought back
    store.new_session("next week")
    later = served(store, monkeypatch)
    later.listener._on_message(None, {"restore": kept})
    assert later.poll is None and later.answers_shown and later.chart.value == ""


def test_a_start_screen_dismissed_with_j_stays_dismissed_after_a_reload(monkeypatch):
    store = MemoryStore()
    first = served(store, monkeypatch)
    first.on_key("j")
    assert first.join.value == "" and first.listener.lesson["join"] is False
    again = served(store, monkeypatch)
    again.listener._on_message(None, {"restore": dict(first.listener.lesson)})
    assert again.join.value == "" and again.stage == 0
    again.listener._on_message(None, {"restore": {"case": "no-such-case", "stage": 99, "join": "x"}})
    assert again.case.id == CASE.id and again.stage == 0  # nonsense from the tab changes nothing


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
    # each answer carries its own count too (the projector's wide form shows it in place of the chart)
    answers = re.findall(r"<li>(.*?)</li>", app.answers.value)
    assert [a.count("triage-answer-tally") for a in answers] == [1, 1]
    assert all("1 (50%)" in a for a in answers)
    ana.refresh()
    assert "The answer: &#10004;&nbsp;A. Primary care. You got it." in ana.status.value
    unpolled = presenter(MemoryStore())
    unpolled.on_key("a")  # answers shown without a poll: nothing to count
    assert unpolled.answers.value and "triage-answer-tally" not in unpolled.answers.value


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


# -- during a poll: who has not answered, the hidden chart, the countdown ------------------------------

def students(store, *learners):
    """Student apps open on the class panel (each says it is present when it first checks for a poll)."""
    panels = [ClassPanel(context(who, store), [CASE], live=False) for who in learners]
    for panel in panels:
        panel.refresh()
    return panels


def test_the_presenter_counts_who_has_not_answered_among_the_students_present():
    store = MemoryStore()
    carl = Learner("name:carl", "Carl", "name")
    ana, ben, _ = students(store, ANA, BEN, carl)
    app = presenter(store)
    app.on_key("p")
    assert "Not answered yet: 3 of 3 students with an app open" in app.poll_status.value
    ana.refresh()
    ana.choice.value = "gp"
    ana.send.click()
    app.refresh_poll()
    assert "Not answered yet: 2 of 3 students with an app open" in app.poll_status.value
    ben.refresh()
    ben.choice.value = "ed"
    ben.send.click()
    app.refresh_poll()
    assert "Not answered yet: 1 of 3 students with an app open" in app.poll_status.value
    app.on_key("p")  # closed: the count is history
    assert "Not answered yet" not in app.poll_status.value and "2 answered" in app.chart.value


def test_with_no_student_app_open_the_presenter_says_so_rather_than_zero_of_zero_present():
    """Students on the home page have no app open: the presenter says where the poll shows instead of
    "0 of 0 students present" (the home page shows no poll)."""
    store = MemoryStore()
    app = presenter(store)
    app.on_key("p")
    status = app.poll_status.value
    assert "0 of 0" not in status and "present" not in status
    assert "No student has an app open yet." in status
    students(store, ANA)
    app.refresh_poll()
    assert "Not answered yet: 1 of 1 student with an app open" in app.poll_status.value


def test_the_chart_can_stay_hidden_while_students_vote():
    store = MemoryStore()
    [ana] = students(store, ANA)
    app = presenter(store)
    app.hide_chart.value = True
    app.on_key("p")
    ana.refresh()
    ana.choice.value = "ed"
    ana.send.click()
    app.refresh_poll()
    assert "triage-bar" not in app.chart.value and "1 answered" in app.chart.value
    assert "hidden while students vote" in app.chart.value
    assert "Emergency department" not in app.chart.value  # not even the options' counts
    app.hide_chart.value = False  # shown again at once, without waiting for the ticker
    assert "1 (100%)" in app.chart.value
    app.hide_chart.value = True
    app.on_key("p")  # closing the poll shows the chart
    assert "1 (100%)" in app.chart.value and "triage-bar" in app.chart.value


def test_a_countdown_shows_on_the_presenter_and_the_students_and_closes_the_poll():
    store = MemoryStore()
    [ana] = students(store, ANA)
    app = presenter(store)
    app.timer_button.click()  # no open poll: nothing to time
    assert store.current_poll() is None
    app.on_key("p")
    app.timer_length.value = 45
    app.on_key("t")
    ends = store.current_poll().ends_at
    assert ends is not None and 43 < ends - time.time() <= 45.5
    assert re.search(r"0:4[45] left", app.poll_status.value)
    ana.refresh()
    assert re.search(r"Time left: 0:4[345]", ana.clock.value) and ana.send.layout.display is None
    assert "role=" not in ana.clock.value  # not read out every second
    store.set_poll_timer(app.poll.id, 0)  # the time runs out
    ana.refresh()
    assert "Time is up" in ana.status.value and ana.send.layout.display == "none" and ana.clock.value == ""
    app.refresh_poll()  # the presenter's ticker closes the poll
    assert store.current_poll() is None and "Time is up: the poll is closed" in app.poll_status.value
    assert app.poll_button.description == "Open poll again (P)"
    ana.refresh()
    assert "The poll closed before you answered." in ana.status.value and ana.body.layout.display == "none"


def test_the_reasoning_on_the_projector_gives_each_reason_once():
    """Rose cannot stand after her fall: the room reads the injury's flag once, not also the same-day flag it
    contains; what would change the result is in the apps' words."""
    from triage.content.cases import load_cases

    case = next(c for c in load_cases() if c.id == "night-fall-on-the-floor")
    app = Presenter(case.id, cases=[case], context=context(ANA, MemoryStore(), mode="lab"))
    app.reasoning_button.click()
    assert "If the person could not stand or put any weight on the leg" in app.reasoning.value
    app.next_stage.click()
    app.reasoning_button.click()
    text = app.reasoning.value
    assert "EMERGENCY" in text
    stronger = "Cannot stand or put weight on the leg after an injury, even a minor one"
    assert text.count(f"Red flags: {stronger};") == text.count(f"Red flag: {stronger}</strong>") == 1, text
    assert not re.search("Cannot stand or put weight on the leg(?! after an injury)", text), text
    # taking the symptom away is said in a sentence ("without cannot stand ..." would not be one)
    assert "If the person could stand and put weight on the leg, it would be urgent" in text
    assert "without cannot" not in text
