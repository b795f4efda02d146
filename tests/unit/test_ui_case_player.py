"""Case player: stage-gated questions, answers in the class store per learner, resume, filters, feedback."""

from __future__ import annotations

import pytest
from support.class_fixtures import ANA, BEN, context, guest_context, library, staged_case
from support.ui_support import html_of

from triage.content.cases import load_cases
from triage.errors import Problem, StoreUnavailableError
from triage.store.memory import MemoryStore
from triage.ui import CasePlayer
from triage.ui.student.case_player import asked_at


def answer(view, ids, check=True):
    if view.question.kind == "single":
        view.choice.value = ids[0]
    else:
        for option, box in zip(view.question.options, view.boxes, strict=True):
            box.value = option.id in ids
    if check:
        view.check.click()


def right(question):
    return [o.id for o in question.options if o.correct]


def view_of(app, qid):
    return next(v for v in app.views if v.question.id == qid)


def test_each_question_appears_after_its_stage_and_never_before():
    app = CasePlayer([staged_case()], context(), class_panel=False)
    assert app.visible_questions() == ["first"]
    assert "Two days later" not in str([v.value for v in app.stage_box.children if hasattr(v, "value")])
    answer(view_of(app, "first"), ["gp"])
    app.reveal.click()
    assert app.visible_questions() == ["first", "second"]
    answer(view_of(app, "second"), ["uc"])
    app.reveal.click()
    assert app.visible_questions() == ["first", "second", "third"]
    assert app.reveal.layout.display == "none"  # no disabled "All stages revealed" button
    assert "every stage" in app.reveal_note.value


def every_case():
    return load_cases()


@pytest.mark.parametrize("case", every_case(), ids=lambda c: c.id)
def test_every_library_case_played_stage_by_stage_asks_each_question_after_its_stage(case):
    """Each question appears after its stage, and within a stage one at a time: a follow-up shows only
    once the question before it is answered (it could name that answer)."""
    app = CasePlayer([case], context(), class_panel=False)
    for index in range(len(case.stages)):
        assert app.shown == index
        earlier = [q.id for q in case.questions if asked_at(case, q) < index]
        here = [q.id for q in case.questions if asked_at(case, q) == index]
        for k, qid in enumerate(here):
            assert sorted(app.visible_questions()) == sorted(earlier + here[: k + 1]), f"stage {index}, {qid}"
            answer(view_of(app, qid), right(view_of(app, qid).question))
        assert sorted(app.visible_questions()) == sorted(earlier + here)
        if index + 1 < len(case.stages):
            assert app.reveal.layout.display != "none" and not app.reveal.disabled
            app.reveal.click()
    assert app.reveal.layout.display == "none"
    assert app.record.score(case.id) == (len(case.questions), len(case.questions))
    assert "Teaching points" in app.teaching.value


def test_learning_objectives_come_after_the_case_with_the_teaching_points():
    """Read before the story, an objective ("re-triage when an emergency sign appears") gives its turn away."""
    case = staged_case()
    app = CasePlayer([case], context(), class_panel=False)
    objective = case.learning_objectives[0]
    assert objective not in html_of(app.widget)
    for index in range(len(case.stages)):
        assert objective not in html_of(app.widget), f"shown at stage {index + 1}, before the case ended"
        for view in app.views:
            if view.question.id not in app.record.case_answers(case.id):
                answer(view, right(view.question))
        app.reveal.click()
    assert "Teaching points" in app.teaching.value and objective in app.teaching.value
    assert app.teaching.value.index("Teaching points") < app.teaching.value.index(objective)


def test_the_next_stage_waits_for_an_answer_to_the_current_one():
    app = CasePlayer([staged_case()], context(), class_panel=False)
    app.reveal.click()
    assert app.shown == 0 and app.visible_questions() == ["first"]
    assert "First answer the question of this stage" in app.reveal_note.value
    answer(view_of(app, "first"), ["ed"])  # a wrong answer is still a commitment
    assert app.reveal_note.value == ""
    app.reveal.click()
    assert app.shown == 1


def test_an_answer_given_before_reading_on_stays_as_it_was():
    app = CasePlayer([staged_case()], context(), class_panel=False)
    first = view_of(app, "first")
    answer(first, ["ed"])
    app.reveal.click()
    assert first.locked and first.choice.disabled and first.check.layout.display == "none"
    first.on_check()
    assert app.record.case_answers("t-staged")["first"].chosen == ("ed",)


def test_old_feedback_clears_when_the_choice_changes():
    app = CasePlayer([staged_case()], context(), class_panel=False)
    first = view_of(app, "first")
    answer(first, ["ed"])
    assert "Not quite." in first.feedback.value
    first.choice.value = "gp"
    assert first.feedback.value == ""
    first.check.click()
    assert "Correct." in first.feedback.value


def test_a_wrong_answer_does_not_give_the_right_one_away():
    app = CasePlayer([staged_case()], context(), class_panel=False)
    first = view_of(app, "first")
    answer(first, ["ed"])
    assert "Nothing in the story is an emergency." in first.feedback.value
    assert "start with primary care" not in first.feedback.value
    assert "Teaching points" not in app.teaching.value


def test_a_multi_choice_question_is_right_only_with_exactly_the_right_options():
    app = CasePlayer([staged_case()], context(), class_panel=False)
    for qid, ids in (("first", ["gp"]), ("second", ["uc"])):
        answer(view_of(app, qid), ids)
        app.reveal.click()
    third = view_of(app, "third")
    answer(third, ["fever", "box"])
    assert "Not quite." in third.feedback.value
    answer(third, ["fever"])
    assert "Correct." in third.feedback.value
    assert "Score: 3 of 3 correct" in app.score.value


def test_answers_and_stages_go_to_the_class_store():
    store = MemoryStore()
    app = CasePlayer([staged_case()], context(ANA, store), class_panel=False)
    answer(view_of(app, "first"), ["gp"])
    app.reveal.click()
    record = store.learner_record(ANA)
    assert record.case_answers("t-staged")["first"].chosen == ("gp",)
    assert record.case_answers("t-staged")["first"].correct
    assert record.revealed == {"t-staged": 1}


def test_two_students_on_one_store_keep_their_own_answers():
    store = MemoryStore()
    ana = CasePlayer([staged_case()], context(ANA, store), class_panel=False)
    ben = CasePlayer([staged_case()], context(BEN, store), class_panel=False)
    answer(view_of(ana, "first"), ["gp"])
    answer(view_of(ben, "first"), ["ed"])
    ana_again = CasePlayer([staged_case()], context(ANA, store), class_panel=False)  # Ana reloads the page
    ben_again = CasePlayer([staged_case()], context(BEN, store), class_panel=False)
    assert view_of(ana_again, "first").chosen() == ["gp"] and "Correct." in view_of(ana_again, "first").feedback.value
    assert view_of(ben_again, "first").chosen() == ["ed"] and "Not quite." in view_of(ben_again, "first").feedback.value
    assert "Score: 1 of 3" in ana_again.score.value and "Score: 0 of 3" in ben_again.score.value


def test_a_returning_student_resumes_the_case_and_stage_they_left():
    store = MemoryStore()
    cases = library()
    app = CasePlayer(cases, context(ANA, store), class_panel=False)
    app.picker.value = "t-adv"
    answer(view_of(app, "first"), ["gp"])
    app.reveal.click()
    again = CasePlayer(cases, context(ANA, store), class_panel=False)
    assert again.case.id == "t-adv" and again.shown == 1
    assert again.visible_questions() == ["first", "second"]
    assert again.picker.value == "t-adv"


def test_after_finishing_a_case_the_student_resumes_on_the_next_unfinished_one():
    store = MemoryStore()
    cases = library()
    app = CasePlayer(cases, context(ANA, store), class_panel=False)
    first_id = app.case.id
    for qid, ids in (("first", ["gp"]), ("second", ["uc"]), ("third", ["fever"])):
        answer(view_of(app, qid), ids)
        if qid != "third":
            app.reveal.click()
    again = CasePlayer(cases, context(ANA, store), class_panel=False)
    order = [c.id for c in again.cases]
    assert again.case.id == order[order.index(first_id) + 1]
    assert "(finished)" in dict((v, k) for k, v in again.picker.options)[first_id]


def test_a_guest_can_play_but_nothing_is_filed_under_a_blank_name():
    store = MemoryStore()
    app = CasePlayer([staged_case()], guest_context(store), class_panel=False)
    answer(view_of(app, "first"), ["gp"])
    assert "Correct." in view_of(app, "first").feedback.value
    assert "Score: 1 of 3" in app.score.value
    assert store.class_answers() == []


def test_cases_are_sorted_by_level_and_filtered_by_level_and_topic():
    app = CasePlayer(library(), context(), class_panel=False)
    assert [c for _, c in app.picker.options] == ["t-overlap", "t-intro", "t-inter", "t-adv"]
    assert app.picker.options[0][0].startswith("Intro: ")
    app.level.value = "advanced"
    assert [c for _, c in app.picker.options] == ["t-adv"] and app.case.id == "t-adv"
    app.level.value = "all"
    app.topic.value = "hip-back-overlap"
    assert [c for _, c in app.picker.options] == ["t-overlap"]
    assert app.case.id == "t-overlap"


def test_no_filter_names_a_case_answer():
    app = CasePlayer(load_cases(), context(), class_panel=False)
    labels = " ".join(label for label, _ in app.topic.options).lower()
    assert "emergency" not in labels and "urgent" not in labels


def test_every_library_case_opens_without_a_disabled_reveal_button():
    app = CasePlayer(load_cases(), context(), class_panel=False)
    for case in app.cases:
        app.picker.value = case.id
        assert app.reveal.layout.display == "none" or not app.reveal.disabled, case.id
        assert "All stages revealed" not in app.reveal.description


def test_the_overview_lists_finished_cases_and_marks_the_app_done_after_one_per_level():
    store = MemoryStore()
    cases = library()
    app = CasePlayer(cases, context(ANA, store), class_panel=False)
    for cid in ("t-intro", "t-inter", "t-adv"):
        app.picker.value = cid
        for qid, ids in (("first", ["gp"]), ("second", ["uc"]), ("third", ["fever"])):
            answer(view_of(app, qid), ids)
            if qid != "third":
                app.reveal.click()
        if cid != "t-adv":
            assert "05_case_studies.ipynb" not in store.learner_record(ANA).done
    assert "05_case_studies.ipynb" in store.learner_record(ANA).done
    assert "3 of 4 cases finished" in app.overview.value
    assert "Cal: intermediate case" in app.overview.value


class ReadOnlyStore(MemoryStore):
    def record_answer(self, *args, **kwargs):
        raise StoreUnavailableError(Problem("store", "the class store at /srv/class.db is read-only"))


def test_an_unwritable_store_is_reported_in_plain_words_and_the_answer_still_shows():
    app = CasePlayer([staged_case()], context(ANA, ReadOnlyStore()), class_panel=False)
    answer(view_of(app, "first"), ["gp"])
    assert "could not be saved" in app.status.value and "read-only" in app.status.value
    assert "Correct." in view_of(app, "first").feedback.value


def test_html_in_case_text_and_names_is_shown_as_text():
    payload = "<script>window.pwned = 1</script><img src=x onerror=alert(1)>"
    from triage.store.identity import Learner

    evil = Learner("name:<b>x</b>", "<b>x</b>", "name")
    app = CasePlayer([staged_case(story=f"Story {payload}")], context(evil), class_panel=False)
    stage_html = app.stage_box.children[0].value
    assert "<script>" not in stage_html and "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in stage_html
    assert "<b>x</b>" not in app.frame.header.value and "&lt;b&gt;x&lt;/b&gt;" in app.frame.header.value


def test_a_preheated_page_builds_first_and_reads_the_record_when_the_request_arrives():
    store = MemoryStore()
    store.record_answer(ANA, "t-adv", "first", ["gp"], True)
    store.set_revealed(ANA, "t-adv", 1)
    pending = context(ANA, store)
    pending.ready = False
    app = CasePlayer(library(), pending, class_panel=False)
    assert app.picker.options and app.case is None  # built before anyone asked for the page, nothing to answer yet
    assert app.views == [] and "Loading your answers" in app.status.value
    pending.resolve("student=Ana", {"VOILA_PREHEAT": "True", "QUERY_STRING": "student=Ana"})
    assert app.case.id == "t-adv" and app.shown == 1
    assert "Answering as <strong>Ana</strong>" in app.frame.header.value and app.status.value == ""


def test_the_player_sits_in_the_frame_with_one_class_panel():
    app = CasePlayer([staged_case()], context())
    assert app.class_panel is not None and app.frame.class_panel in app.widget.children
    panels = []

    def walk(x):
        panels.extend([x] if "triage-poll-panel" in x._dom_classes else [])
        for child in getattr(x, "children", ()):
            walk(child)

    walk(app.widget)
    assert panels == [app.class_panel]
    page = html_of(app.widget)
    assert page.count("Educational use only") == 1 and "Answering as <strong>Ana</strong>" in page
    assert "All apps" in page and "Next:" not in page  # the last student app links home
    assert CasePlayer([staged_case()], context(), class_panel=False).class_panel is None


def test_the_list_of_cases_is_folded_away_while_a_case_is_open():
    app = CasePlayer(library(), context(), class_panel=False)
    assert app.case is not None and app.case_list.layout.display == "none"
    app.choose.click()
    assert app.case_list.layout.display is None and app.choose.description == "Hide the list of cases"
    assert app.picker in app.case_list.children and app.filters in app.case_list.children
    assert "triage-options" in app.picker._dom_classes  # titles wrap (a drop-down cuts them on a phone)
    app.picker.value = "t-inter"
    assert app.case.id == "t-inter" and app.case_list.layout.display is None  # still open: arrows keep browsing
    app.choose.click()
    assert app.case_list.layout.display == "none" and app.choose.description == "Choose another case"


def test_while_the_class_is_polled_on_a_question_the_player_gives_no_feedback_on_it():
    from triage.ui.poll import ClassPanel

    store = MemoryStore()
    case = staged_case()
    app = CasePlayer([case], context(ANA, store), class_panel=False)
    panel = ClassPanel(context(BEN, store), [case], live=False)
    first = view_of(app, "first")
    poll = store.open_poll(case.id, "first", ["gp", "ed"])
    # the page's panel has not looked yet: "Check answer" asks the store itself
    answer(first, ["gp"])
    assert "Correct" not in first.feedback.value and "right option" not in first.feedback.value
    assert "class poll" in first.feedback.value
    assert store.learner_record(ANA).case_answers(case.id) == {}  # nothing saved, so no score moves
    panel.refresh()
    panel.on_poll(app._on_poll)
    assert first.check.disabled
    store.close_poll(poll.id)
    panel.refresh()
    assert not first.check.disabled
    answer(first, ["gp"])
    assert "Correct." in first.feedback.value


def test_feedback_given_before_a_poll_is_set_aside_during_it_and_comes_back():
    from triage.ui.poll import ClassPanel

    store = MemoryStore()
    case = staged_case()
    app = CasePlayer([case], context(ANA, store), class_panel=False)
    first = view_of(app, "first")
    answer(first, ["gp"])
    assert "Correct." in first.feedback.value
    panel = ClassPanel(context(ANA, store), [case], live=False)
    panel.on_poll(app._on_poll)
    poll = store.open_poll(case.id, "first", ["gp", "ed"])
    panel.refresh()
    assert "Correct." not in first.feedback.value and "right option" not in first.feedback.value
    other = store.open_poll(case.id, "second", ["gp", "uc"])  # a poll on another question holds nothing here
    panel.refresh()
    assert "Correct." in first.feedback.value
    store.close_poll(other.id)
    panel.refresh()
    assert poll.id != other.id and "Correct." in first.feedback.value


def test_the_page_player_follows_the_class_panel_of_its_page():
    store = MemoryStore()
    case = staged_case()
    app = CasePlayer([case], context(ANA, store))
    from triage.ui.poll import ClassPanel

    panel = ClassPanel.of(app.class_panel)
    assert panel is not None
    store.open_poll(case.id, "first", ["gp", "ed"])
    panel.refresh()
    assert view_of(app, "first").check.disabled


def test_a_second_tab_shows_the_answer_the_store_holds_not_its_own_old_verdict():
    store = MemoryStore()
    case = staged_case()
    one = CasePlayer([case], context(ANA, store), class_panel=False)
    two = CasePlayer([case], context(ANA, store), class_panel=False)  # the same student, another tab
    answer(view_of(one, "first"), ["gp"])
    assert "Correct." in view_of(one, "first").feedback.value
    answer(view_of(two, "first"), ["ed"])  # the store now holds the wrong answer
    assert store.learner_record(ANA).case_answers(case.id)["first"].chosen == ("ed",)
    one.frame.page.bridge._message(None, {"visible": True})  # back to the first tab
    first = view_of(one, "first")
    assert first.choice.value == "ed" and "Not quite." in first.feedback.value
    assert "Correct." not in first.feedback.value and "another tab" in one.status.value


def test_a_follow_up_question_waits_until_the_where_question_before_it_is_answered():
    """Tom's case asks "Where should Tom go?" and then why; the why question (and its options, which
    explain the answer) must not be on screen while the where question can still be answered or changed."""
    case = next(c for c in load_cases() if c.id == "cancer-history-sciatica")
    store = MemoryStore()
    app = CasePlayer([case], context(ANA, store), class_panel=False)
    answer(view_of(app, "can-it-wait"), right(view_of(app, "can-it-wait").question))
    app.reveal.click()
    assert app.visible_questions() == ["can-it-wait", "where-now"]
    compare = next(q for q in case.questions if q.id == "compare")
    assert compare.prompt not in html_of(app.widget)
    assert all(o.text not in html_of(app.widget) for o in compare.options)
    where = view_of(app, "where-now")
    wrong = next(o.id for o in where.question.options if not o.correct)
    answer(where, [wrong])
    assert "Not quite." in where.feedback.value and not where.locked
    assert app.visible_questions() == ["can-it-wait", "where-now"]  # still none: he may try again
    assert where.keep.layout.display != "none"
    answer(where, right(where.question))
    assert app.visible_questions() == ["can-it-wait", "where-now", "compare"]
    assert where.locked and where.keep.layout.display == "none"  # the follow-up cannot revise it
    # Ana comes back: the same questions, the where answer still right and kept
    again = CasePlayer([case], context(ANA, store), class_panel=False)
    assert again.visible_questions() == ["can-it-wait", "where-now", "compare"]
    assert view_of(again, "where-now").locked


def test_a_student_may_keep_a_wrong_answer_and_go_on_to_the_follow_up():
    case = next(c for c in load_cases() if c.id == "cancer-history-sciatica")
    app = CasePlayer([case], context(BEN, MemoryStore()), class_panel=False)
    answer(view_of(app, "can-it-wait"), right(view_of(app, "can-it-wait").question))
    app.reveal.click()
    where = view_of(app, "where-now")
    wrong = next(o.id for o in where.question.options if not o.correct)
    app.reveal.click()  # nothing to reveal, and the waiting note counts the hidden follow-up too
    answer(where, [wrong])
    where.keep.click()
    assert app.visible_questions() == ["can-it-wait", "where-now", "compare"]
    assert where.locked and where.choice.disabled and "stays as it was" in where.feedback.value
    right_option = next(o for o in where.question.options if o.correct)
    assert right_option.feedback in where.feedback.value  # kept, it can no longer change: the answer shows
    assert "Try again" not in where.feedback.value
    assert app.record.case_answers(case.id)["where-now"].chosen == (wrong,)
    where.on_check()
    assert app.record.case_answers(case.id)["where-now"].chosen == (wrong,)


def test_a_stage_does_not_open_while_a_follow_up_is_still_hidden():
    case = next(c for c in load_cases() if c.id == "early-cauda-equina-urine")
    app = CasePlayer([case], context(ANA, MemoryStore()), class_panel=False)
    first = case.questions_at(0)
    assert len(first) == 2 and app.visible_questions() == [first[0].id]
    answer(view_of(app, first[0].id), [o.id for o in first[0].options if not o.correct][:1])
    app.reveal.click()
    assert app.shown == 0 and "2 questions" not in app.reveal_note.value
    assert "First answer the question of this stage" in app.reveal_note.value


def test_the_case_a_tab_was_reading_opens_again_and_a_kept_value_that_is_no_case_is_ignored():
    """What the page keeps for its tab comes back from the browser: a case of the player opens (filters that
    hide it are cleared), anything else leaves the case as it is."""
    cases = library()
    app = CasePlayer(cases=cases, context=context(ANA, MemoryStore(), mode="voila"))
    first = app.case.id
    for junk in (None, 3, ["x"], "no-such-case", {"case": first}):
        app.restore_case(junk)
        assert app.case.id == first
    other = next(c for c in app.cases if c.id != first)
    app.level.value = next(v for _, v in app.level.options if v not in ("all", other.level))  # hides it
    app.restore_case(other.id)
    assert app.case.id == other.id and app.picker.value == other.id
