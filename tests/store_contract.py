"""The behaviour every class-store backend must show. Backends' test modules subclass ``StoreContract``
and provide a ``store`` fixture (a fresh, empty store per test)."""

from __future__ import annotations

import pytest

from triage.errors import PollClosedError
from triage.identity import Learner

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
