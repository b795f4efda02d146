"""The class store's hub client (triage/store/hub.py): chosen by open_store for URLs, its JSON form, and a
clear error when the service is down. Its behaviour against a real hub and service: tests/integration/test_hub.py."""

from __future__ import annotations

import socket

import pytest

from triage.errors import StoreUnavailableError
from triage.store import AnswerRow, CaseAnswer, ClassSession, DrillAttempt, LearnerRecord, Poll, PollTally, open_store
from triage.store.hub import (
    HubStore,
    poll_from_json,
    poll_to_json,
    record_from_json,
    record_to_json,
    row_from_json,
    row_to_json,
    session_from_json,
    session_to_json,
    tally_from_json,
    tally_to_json,
)
from triage.store.identity import Learner


def test_open_store_picks_the_hub_service_for_a_url(monkeypatch, tmp_path):
    monkeypatch.delenv("TRIAGE_STORE_URL", raising=False)
    monkeypatch.delenv("TRIAGE_CLASS_DB", raising=False)
    store = open_store("http://127.0.0.1:9/services/triage-store")
    assert isinstance(store, HubStore) and store.location == "http://127.0.0.1:9/services/triage-store/"
    monkeypatch.setenv("TRIAGE_STORE_URL", "http://127.0.0.1:9/services/triage-store/")
    assert isinstance(open_store(), HubStore)
    monkeypatch.delenv("TRIAGE_STORE_URL")
    monkeypatch.setenv("TRIAGE_CLASS_DB", "https://hub.example.edu/services/triage-store/")
    assert isinstance(open_store(), HubStore)
    assert not isinstance(open_store(str(tmp_path / "class.db")), HubStore)


def test_the_token_comes_from_the_hub_environment(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "abc")
    assert HubStore("http://127.0.0.1:9/")._token == "abc"


def test_a_service_that_does_not_answer_is_reported_with_its_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    store = HubStore(f"http://127.0.0.1:{port}/services/triage-store/", token="t", timeout=5)
    with pytest.raises(StoreUnavailableError) as err:
        store.learner_record(Learner("hub:ana", "ana", "hub"))
    assert f"127.0.0.1:{port}" in str(err.value) and "does not answer" in str(err.value)


def test_results_keep_every_field_through_json():
    answer = CaseAnswer("case-a", "where", ("ed", "gp"), True, 12.5)
    record = LearnerRecord("hub:ana", {("case-a", "where"): answer}, {"case-a": 2},
                           (DrillAttempt("s1", "emergency", True, 3.0),), frozenset({"03_red_flags.ipynb"}))
    assert record_from_json(record_to_json(record)) == record
    poll = Poll(3, 1, "case-a", "where", ("gp", "ed"), 10.0, None, False)
    assert poll_from_json(poll_to_json(poll)) == poll
    closed = Poll(4, 1, "case-a", "why", ("x",), 10.0, 11.0, True)
    assert poll_from_json(poll_to_json(closed)) == closed
    assert poll_from_json(poll_to_json(None)) is None
    tally = PollTally(poll, {"gp": 1, "ed": 0}, 1)
    assert tally_from_json(tally_to_json(tally)) == tally
    session = ClassSession(2, "Tuesday", 5.0, 9.0)
    assert session_from_json(session_to_json(session)) == session
    row = AnswerRow(2, "hub:ana", "Ana", "case-a", "where", ("gp",), False, 7.0)
    assert row_from_json(row_to_json(row)) == row
