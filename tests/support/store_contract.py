"""The behaviour every class-store backend must show. Backends' test modules subclass ``StoreContract``
and provide a ``store`` fixture (a fresh, empty store per test); a persistent backend also overrides
``reopen`` (the same location opened again, as a new kernel would)."""

from __future__ import annotations

import time

import pytest

from triage.errors import PollClosedError
from triage.store import POLL_GRACE, ClassRecord, ClassStore
from triage.store.identity import Learner

ANA = Learner("name:ana", "Ana", "name")
BEN = Learner("name:ben", "Ben", "name")


class StoreContract:
    def test_latest_answer_per_question_wins(self, store):
        store.record_answer(ANA, "case-a", "where", ["gp"], False)
        store.record_answer(ANA, "case-a", "where", ["ed"], True)
        record = store.learner_record(ANA)
        assert record.case_answers("case-a")["where"].chosen == ("ed",)
        assert record.score("case-a") == (1, 1)

    def test_students_do_not_see_each_others_answers(self, store):
        store.record_answer(ANA, "case-a", "where", ["gp"], False)
        store.record_answer(BEN, "case-a", "where", ["ed"], True)
        assert store.learner_record(ANA).case_answers("case-a")["where"].chosen == ("gp",)
        assert store.learner_record(BEN).case_answers("case-a")["where"].chosen == ("ed",)

    def test_revealed_stages_and_drill_are_kept(self, store):
        store.set_revealed(ANA, "case-a", 2)
        store.record_drill(ANA, "s1", "emergency", True)
        store.record_drill(ANA, "s2", "routine", False)
        record = store.learner_record(ANA)
        assert record.revealed == {"case-a": 2}
        assert [(d.scenario_id, d.correct) for d in record.drill] == [("s1", True), ("s2", False)]
        assert store.learner_record(BEN).drill == ()

    def test_completed_apps_are_kept_per_learner(self, store):
        store.mark_done(ANA, "03_red_flags.ipynb")
        store.mark_done(ANA, "03_red_flags.ipynb")
        assert store.learner_record(ANA).done == {"03_red_flags.ipynb"}
        assert store.learner_record(BEN).done == frozenset()

    def test_poll_counts_the_latest_answer_of_each_student(self, store):
        poll = store.open_poll("case-a", "where", ["gp", "ed", "pt"])
        assert store.current_poll() == poll
        store.answer_poll(poll.id, ANA, ["gp"])
        store.answer_poll(poll.id, ANA, ["ed"])
        store.answer_poll(poll.id, BEN, ["ed"])
        tally = store.poll_tally(poll.id)
        assert tally.answered == 2
        assert dict(tally.counts) == {"gp": 0, "ed": 2, "pt": 0}

    def test_the_record_keeps_the_name_last_written_under_its_key(self, store):
        assert store.learner_record(ANA).display_name == ""
        store.record_answer(ANA, "case-a", "where", ["gp"], True)
        assert store.learner_record(ANA).display_name == ANA.display_name
        again = Learner(ANA.key, ANA.display_name.lower(), ANA.source)  # the same student, typed in lower case
        store.record_drill(again, "s1", "routine", True)
        assert store.learner_record(ANA).display_name == again.display_name
        assert store.learner_record(BEN).display_name == ""

    def test_a_learner_reads_back_their_own_poll_answer_only(self, store):
        poll = store.open_poll("case-a", "which", ["gp", "ed", "pt"])
        assert store.poll_answer(poll.id, ANA) is None
        store.answer_poll(poll.id, ANA, ["pt", "gp"])
        assert store.poll_answer(poll.id, ANA) == ("gp", "pt")
        store.answer_poll(poll.id, ANA, ["ed"])
        assert store.poll_answer(poll.id, ANA) == ("ed",)
        assert store.poll_answer(poll.id, BEN) is None
        store.close_poll(poll.id)
        assert store.poll_answer(poll.id, ANA) == ("ed",)  # still there once the poll closed

    def test_a_learners_record_counts_the_polls_they_answered_in_every_session(self, store):
        first = store.open_poll("case-a", "which", ["gp", "ed"])
        store.answer_poll(first.id, ANA, ["gp"])
        store.answer_poll(first.id, ANA, ["ed"])  # a changed answer is still one poll answered
        store.new_session("next week")
        second = store.open_poll("case-b", "where", ["gp", "ed"])
        store.answer_poll(second.id, ANA, ["ed"])
        store.answer_poll(second.id, BEN, ["gp"])
        assert (store.learner_record(ANA).polls_answered, store.learner_record(BEN).polls_answered) == (2, 1)
        assert store.learner_record(ANA).answers == {}  # polls are not case answers

    def test_closed_poll_refuses_answers(self, store):
        poll = store.open_poll("case-a", "where", ["gp", "ed"])
        store.answer_poll(poll.id, ANA, ["gp"])
        closed = store.close_poll(poll.id)
        assert not closed.is_open
        assert store.current_poll() is None
        with pytest.raises(PollClosedError):
            store.answer_poll(poll.id, BEN, ["ed"])
        assert store.poll_tally(poll.id).answered == 1
        assert store.reveal_poll(poll.id).revealed

    def test_opening_a_poll_closes_the_previous_one(self, store):
        first = store.open_poll("case-a", "where", ["gp", "ed"])
        second = store.open_poll("case-a", "why", ["x", "y"])
        assert store.current_poll() == second
        with pytest.raises(PollClosedError):
            store.answer_poll(first.id, ANA, ["gp"])

    def test_new_session_archives_the_class_view_but_not_the_students_record(self, store):
        store.record_answer(ANA, "case-a", "where", ["gp"], True)
        first = store.current_session()
        second = store.new_session("Tuesday")
        assert second.id != first.id and second.label == "Tuesday"
        assert store.class_answers() == []
        old = store.class_answers(first.id)
        assert [(r.display_name, r.chosen) for r in old] == [("Ana", ("gp",))]
        assert [s.id for s in store.sessions()] == [first.id, second.id]
        assert store.sessions()[0].archived_at is not None
        assert store.learner_record(ANA).score("case-a") == (1, 1)

    # -- added with the SQL backends: everything else the protocol promises --------------------

    def reopen(self, store):
        """The same location opened again (a new kernel); in-memory stores return themselves."""
        return store

    def test_implements_the_protocol_and_names_its_location(self, store):
        assert isinstance(store, ClassStore)
        assert isinstance(store.location, str) and store.location

    def test_an_empty_store_has_one_session_and_no_poll(self, store):
        session = store.current_session()
        assert session.archived_at is None and session.label == "Session 1"
        assert store.sessions() == [session]
        assert store.current_poll() is None
        assert store.class_answers() == []
        empty = store.learner_record(ANA)
        assert (dict(empty.answers), dict(empty.revealed), empty.drill, empty.done) == ({}, {}, (), frozenset())

    def test_answers_survive_reopening(self, store):
        store.record_answer(ANA, "case-a", "where", ["gp"], False)
        store.set_revealed(ANA, "case-a", 3)
        store.record_drill(ANA, "s1", "urgent", True)
        store.mark_done(ANA, "05_case_studies.ipynb")
        again = self.reopen(store)
        record = again.learner_record(ANA)
        assert record.case_answers("case-a")["where"].chosen == ("gp",)
        assert record.revealed == {"case-a": 3}
        assert [d.chosen for d in record.drill] == ["urgent"]
        assert record.done == {"05_case_studies.ipynb"}

    def test_chosen_options_are_a_sorted_tuple_and_correct_is_a_bool(self, store):
        store.record_answer(ANA, "case-a", "which", ["pt", "gp", "ed"], 1)
        answer = store.learner_record(ANA).case_answers("case-a")["which"]
        assert answer.chosen == ("ed", "gp", "pt")
        assert answer.correct is True
        assert answer.case_id == "case-a" and answer.question_id == "which"
        assert isinstance(answer.at, float)

    def test_text_round_trips_exactly(self, store):
        zoe = Learner("name:zoë <b>", "Zoë <b>'; DROP TABLE answers; --", "name")
        store.record_answer(zoe, "case-ü", "wo?", ["ärztin", "%s", "?"], True)
        record = store.learner_record(zoe)
        assert record.case_answers("case-ü")["wo?"].chosen == ("%s", "?", "ärztin")
        [row] = store.class_answers()
        assert (row.display_name, row.learner_key) == (zoe.display_name, zoe.key)

    def test_revealed_stages_are_replaced_not_added(self, store):
        store.set_revealed(ANA, "case-a", 3)
        store.set_revealed(ANA, "case-a", 1)
        store.set_revealed(ANA, "case-b", 2)
        assert store.learner_record(ANA).revealed == {"case-a": 1, "case-b": 2}

    def test_drill_keeps_every_attempt_in_order(self, store):
        for i in range(12):
            store.record_drill(ANA, f"s{i % 3}", "urgent" if i % 2 else "routine", i % 2 == 0)
        drill = store.learner_record(ANA).drill
        assert [(d.scenario_id, d.chosen, d.correct) for d in drill] == [
            (f"s{i % 3}", "urgent" if i % 2 else "routine", i % 2 == 0) for i in range(12)]

    def test_a_record_spans_sessions_with_the_latest_answer(self, store):
        store.record_answer(ANA, "case-a", "where", ["gp"], False)
        store.record_answer(ANA, "case-a", "why", ["x"], True)
        store.new_session()
        store.record_answer(ANA, "case-a", "where", ["ed"], True)
        record = store.learner_record(ANA)
        assert {q: a.chosen for q, a in record.case_answers("case-a").items()} == {"where": ("ed",), "why": ("x",)}
        assert record.score("case-a") == (2, 2)
        assert [(r.question_id, r.chosen) for r in store.class_answers()] == [("where", ("ed",))]

    def test_class_answers_hold_the_latest_answer_per_student_sorted_by_name(self, store):
        zed = Learner("name:zed", "zed", "name")
        store.record_answer(zed, "case-a", "where", ["gp"], False)
        store.record_answer(BEN, "case-a", "where", ["gp"], False)
        store.record_answer(BEN, "case-a", "where", ["ed"], True)
        store.record_answer(ANA, "case-b", "why", ["x"], True)
        store.record_answer(ANA, "case-a", "where", ["pt"], False)
        rows = store.class_answers()
        assert [(r.display_name, r.case_id, r.question_id, r.chosen, r.correct) for r in rows] == [
            ("Ana", "case-a", "where", ("pt",), False),
            ("Ana", "case-b", "why", ("x",), True),
            ("Ben", "case-a", "where", ("ed",), True),
            ("zed", "case-a", "where", ("gp",), False),
        ]
        assert {r.session_id for r in rows} == {store.current_session().id}

    def test_the_latest_display_name_is_shown(self, store):
        store.record_answer(Learner("name:sam", "Sam", "name"), "case-a", "where", ["gp"], True)
        store.record_answer(Learner("name:sam", "sam ", "name"), "case-a", "why", ["gp"], True)
        assert {r.display_name for r in store.class_answers()} == {"sam "}

    def test_a_poll_belongs_to_the_current_session_and_keeps_its_options_in_order(self, store):
        poll = store.open_poll("case-a", "where", ["pt", "gp", "ed"])
        assert poll.options == ("pt", "gp", "ed")
        assert poll.session_id == store.current_session().id
        assert (poll.case_id, poll.question_id, poll.is_open, poll.revealed) == ("case-a", "where", True, False)
        tally = store.poll_tally(poll.id)
        assert (dict(tally.counts), tally.answered, tally.poll) == ({"pt": 0, "gp": 0, "ed": 0}, 0, poll)

    def test_multiple_choice_poll_answers_count_every_option(self, store):
        poll = store.open_poll("case-a", "which", ["gp", "ed", "pt"])
        store.answer_poll(poll.id, ANA, ["gp", "pt"])
        store.answer_poll(poll.id, BEN, ["pt"])
        tally = store.poll_tally(poll.id)
        assert (dict(tally.counts), tally.answered) == ({"gp": 1, "ed": 0, "pt": 2}, 2)

    def test_poll_answers_are_not_case_answers(self, store):
        poll = store.open_poll("case-a", "where", ["gp", "ed"])
        store.answer_poll(poll.id, ANA, ["gp"])
        assert store.learner_record(ANA).answers == {}
        assert store.class_answers() == []

    def test_reveal_is_kept_and_closing_twice_keeps_the_first_close(self, store):
        poll = store.open_poll("case-a", "where", ["gp", "ed"])
        revealed = store.reveal_poll(poll.id)
        assert revealed.revealed and revealed.is_open
        assert store.current_poll() == revealed
        first = store.close_poll(poll.id)
        second = store.close_poll(poll.id)
        assert first.closed_at is not None and second.closed_at == first.closed_at
        assert store.poll_tally(poll.id).poll == second

    def test_unknown_polls_are_refused(self, store):
        for call in (lambda: store.answer_poll(999, ANA, ["gp"]), lambda: store.close_poll(999),
                     lambda: store.reveal_poll(999), lambda: store.poll_tally(999)):
            with pytest.raises(PollClosedError):
                call()

    def test_a_new_session_closes_the_open_poll(self, store):
        poll = store.open_poll("case-a", "where", ["gp", "ed"])
        store.new_session()
        assert store.current_poll() is None
        with pytest.raises(PollClosedError):
            store.answer_poll(poll.id, ANA, ["gp"])
        assert not store.poll_tally(poll.id).poll.is_open

    def test_sessions_are_numbered_labelled_and_archived_in_order(self, store):
        second = store.new_session()
        third = store.new_session("Lab 3")
        assert second.label == f"Session {second.id}" and third.label == "Lab 3"
        sessions = store.sessions()
        assert [s.id for s in sessions] == sorted(s.id for s in sessions) and sessions[-1] == third
        assert store.current_session() == third
        assert [s.archived_at is None for s in sessions] == [False, False, True]
        assert sessions[1].archived_at == third.started_at

    def test_the_class_view_of_an_unknown_session_is_empty(self, store):
        store.record_answer(ANA, "case-a", "where", ["gp"], True)
        assert store.class_answers(987) == []

    def test_completed_apps_accumulate(self, store):
        store.mark_done(ANA, "01_hip_and_back.ipynb")
        store.mark_done(ANA, "03_red_flags.ipynb")
        assert store.learner_record(ANA).done == {"01_hip_and_back.ipynb", "03_red_flags.ipynb"}


    # -- added with the results for the instructor: the class record, countdowns, students present -----

    def test_the_class_record_holds_case_answers_polls_with_who_chose_what_and_the_drill(self, store):
        zed = Learner("name:zed", "Zed", "name")
        store.record_answer(ANA, "case-a", "where", ["gp"], True)
        first = store.open_poll("case-a", "where", ["gp", "ed"])
        store.answer_poll(first.id, BEN, ["ed"])
        store.answer_poll(first.id, ANA, ["gp"])
        store.answer_poll(first.id, BEN, ["gp"])  # changed while the poll was open: the latest answer is kept
        second = store.open_poll("case-a", "why", ["x", "y", "z"])
        store.answer_poll(second.id, ANA, ["z", "x"])
        store.record_drill(zed, "s1", "routine", False)  # Zed only did the drill, Ben only answered polls
        store.record_drill(zed, "s1", "emergency", True)
        record = store.class_record()
        assert record.session_id == store.current_session().id
        assert [(r.display_name, r.case_id, r.question_id, r.chosen) for r in record.answers] == [
            ("Ana", "case-a", "where", ("gp",))]
        assert [(p.id, p.question_id, p.options, p.is_open) for p in record.polls] == [
            (first.id, "where", ("gp", "ed"), False), (second.id, "why", ("x", "y", "z"), True)]
        assert [(a.poll_id, a.display_name, a.chosen) for a in record.poll_answers] == [
            (first.id, "Ana", ("gp",)), (first.id, "Ben", ("gp",)), (second.id, "Ana", ("x", "z"))]
        ben_first = next(a for a in record.poll_answers if a.display_name == "Ben")
        ana_first = next(a for a in record.poll_answers if a.display_name == "Ana")
        assert ben_first.at > ana_first.at >= first.opened_at  # when each answer was given (Ben's is his change)
        assert [(d.display_name, d.scenario_id, d.chosen, d.correct) for d in record.drill] == [
            ("Zed", "s1", "routine", False), ("Zed", "s1", "emergency", True)]
        assert record.drill[0].at <= record.drill[1].at
        assert {d.session_id for d in record.drill} == {record.session_id}

    def test_the_class_record_of_an_archived_session_keeps_its_polls_and_drill(self, store):
        poll = store.open_poll("case-a", "where", ["gp", "ed"])
        store.answer_poll(poll.id, ANA, ["ed"])
        store.record_drill(ANA, "s1", "urgent", True)
        first = store.current_session()
        store.new_session()
        store.record_drill(ANA, "s2", "routine", False)
        now = store.class_record()
        assert (now.polls, now.poll_answers, [d.scenario_id for d in now.drill]) == ((), (), ["s2"])
        old = store.class_record(first.id)
        assert old.session_id == first.id
        assert [p.id for p in old.polls] == [poll.id] and not old.polls[0].is_open
        assert [(a.display_name, a.chosen) for a in old.poll_answers] == [("Ana", ("ed",))]
        assert [d.scenario_id for d in old.drill] == ["s1"]
        assert store.class_record(987) == ClassRecord(987)

    def test_a_countdown_is_kept_with_the_poll_and_ends_its_answers(self, store):
        poll = store.open_poll("case-a", "where", ["gp", "ed"])
        assert poll.ends_at is None
        before = time.time()
        timed = store.set_poll_timer(poll.id, 60)
        assert before + 59 <= timed.ends_at <= time.time() + 61
        assert store.current_poll().ends_at == timed.ends_at == store.poll_tally(poll.id).poll.ends_at
        store.answer_poll(poll.id, ANA, ["gp"])
        assert store.set_poll_timer(poll.id, None).ends_at is None
        ended = store.set_poll_timer(poll.id, 0)
        time.sleep(POLL_GRACE + 0.3)
        with pytest.raises(PollClosedError):
            store.answer_poll(poll.id, BEN, ["ed"])
        tally = store.poll_tally(poll.id)
        assert (tally.answered, tally.poll.ends_at) == (1, ended.ends_at)
        store.close_poll(poll.id)
        with pytest.raises(PollClosedError):
            store.set_poll_timer(poll.id, 30)
        with pytest.raises(PollClosedError):
            store.set_poll_timer(999, 30)

    def test_the_tally_counts_who_is_present_and_who_has_not_answered(self, store):
        zed = Learner("name:zed", "Zed", "name")
        poll = store.open_poll("case-a", "where", ["gp", "ed"])
        assert (store.poll_tally(poll.id).present, store.poll_tally(poll.id).waiting) == (0, 0)
        store.mark_present(ANA)
        store.mark_present(ANA)
        store.mark_present(BEN)
        tally = store.poll_tally(poll.id)
        assert (tally.present, tally.answered, tally.waiting) == (2, 0, 2)
        store.answer_poll(poll.id, ANA, ["gp"])
        store.answer_poll(poll.id, zed, ["ed"])  # answered without an app that said it was open: present too
        tally = store.poll_tally(poll.id)
        assert (tally.present, tally.answered, tally.waiting) == (3, 2, 1)
        store.new_session()
        later = store.open_poll("case-a", "where", ["gp", "ed"])
        assert store.poll_tally(later.id).present == 0  # presence belongs to a session
        assert store.poll_tally(poll.id).present == 3

    # -- added with first attempts: a retry never hides what the student chose first ----------------------

    def test_a_retry_keeps_the_first_answer_beside_the_last(self, store):
        """A student who first sent Aisha to routine care and then, after the feedback, to the emergency
        department: the class sees both, the student's own record too."""
        store.record_answer(ANA, "case-a", "where", ["gp"], False)
        store.record_answer(ANA, "case-a", "where", ["pt"], False)
        store.record_answer(ANA, "case-a", "where", ["ed"], True)
        store.record_answer(BEN, "case-a", "where", ["ed"], True)
        rows = {r.display_name.casefold(): r for r in store.class_answers()}  # (the hub files under its logins)
        ana, ben = rows["ana"], rows["ben"]
        assert (ana.chosen, ana.correct, ana.first_chosen, ana.first_correct, ana.attempts) == (
            ("ed",), True, ("gp",), False, 3)
        assert ana.first_at <= ana.at
        assert (ben.first_chosen, ben.first_correct, ben.attempts, ben.first_at) == (("ed",), True, 1, ben.at)
        [row] = [r for r in store.class_record().answers if r.learner_key == ana.learner_key]
        assert row == ana
        mine = store.learner_record(ANA).case_answers("case-a")["where"]
        assert (mine.chosen, mine.correct, mine.first_chosen, mine.first_correct, mine.attempts) == (
            ("ed",), True, ("gp",), False, 3)

    def test_first_attempts_survive_reopening_and_belong_to_their_session(self, store):
        store.record_answer(ANA, "case-a", "where", ["gp"], False)
        store.record_answer(ANA, "case-a", "where", ["ed"], True)
        first = store.current_session()
        store.new_session()
        store.record_answer(ANA, "case-a", "where", ["ed"], True)  # answered again in a later class
        again = self.reopen(store)
        [old] = again.class_answers(first.id)
        assert (old.first_chosen, old.first_correct, old.attempts) == (("gp",), False, 2)
        [now] = again.class_answers()
        assert (now.first_chosen, now.first_correct, now.attempts) == (("ed",), True, 1)
        mine = again.learner_record(ANA).case_answers("case-a")["where"]  # the record spans sessions:
        assert (mine.chosen, mine.first_chosen, mine.first_correct, mine.attempts) == (("ed",), ("gp",), False, 3)
