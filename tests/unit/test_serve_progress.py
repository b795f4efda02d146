"""The progress endpoint's rules (triage/serve/progress.py): identity as the apps resolve it, only the
asker's own record, nothing at all for a wrong class code."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from triage.serve.progress import (
    Answer,
    answer_progress,
    hub_learner,
    identity_mode,
    record_body,
    typed_learner,
)
from triage.store.identity import Learner, resolve_learner
from triage.store.memory import MemoryStore

QUERIES = [
    {"student": "Sam"},
    {"student": "  sam  "},
    {"student": "Zoë Ødegaard"},
    {"student": "Zoe\u0308"},  # decomposed: NFC makes it the same student as "Zoë"
    {"student": "<img src=x onerror=alert(1)>"},
    {"student": "x" * 40},
    {"student": "x" * 41},
    {"student": ""},
    {"student": "tab\there"},
    {"student": "bell\x07"},
    {"student": "zero\u200bwidth"},
    {},
    {"student": "Sam", "class": "BIO-101"},
    {"student": "Sam", "class": " BIO-101 "},
    {"student": "Sam", "class": "bio-101"},
    {"student": "Sam", "class": ""},
]


@pytest.mark.parametrize("class_code", [None, "BIO-101"])
@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_a_typed_name_means_the_same_learner_as_in_the_apps(query, class_code):
    """The endpoint and the apps (triage.store.identity.resolve_learner) agree on who a query names."""
    qs = urlencode(query)
    apps = resolve_learner({"VOILA_KERNEL_ID": "k"}, qs, class_code)
    endpoint = typed_learner(qs, class_code)
    if apps.learner.can_save:
        assert endpoint == apps.learner
    else:
        assert isinstance(endpoint, Answer) and endpoint.status in (400, 403)
        assert set(endpoint.body) == {"error"}


def test_a_wrong_class_code_returns_nothing_about_the_learner():
    store = MemoryStore()
    learner = typed_learner(urlencode({"student": "Sam", "class": "BIO-101"}), "BIO-101")
    store.mark_done(learner, "03_red_flags.ipynb")
    for code in ("", "BIO-102", "BIO-1011"):
        answer = answer_progress(typed_learner(urlencode({"student": "Sam", "class": code}), "BIO-101"), store)
        assert answer.status == 403
        assert set(answer.body) == {"error"} and "class code" in answer.body["error"]


def test_the_class_code_is_the_same_in_capitals_or_not():
    """A code copied in capitals from the board (or typed in lower case) is the class's code: the same
    learner, with the instructor's spelling of the code, in the endpoint and in the apps."""
    for typed, expected in (("BIO-101", "bio-101"), ("Bio-101 ", "bio-101"), ("bio-101", "BIO-101")):
        query = urlencode({"student": "Sam", "class": typed})
        endpoint = typed_learner(query, expected)
        assert isinstance(endpoint, Learner) and endpoint.class_code == expected, (typed, expected)
        assert resolve_learner({"VOILA_KERNEL_ID": "k"}, query, expected).learner == endpoint


def test_a_missing_or_unusable_name_is_a_plain_400():
    assert typed_learner("", None).status == 400
    answer = typed_learner(urlencode({"student": "x" * 41}), None)
    assert answer.status == 400 and "at most 40 characters" in answer.body["error"]


def test_the_record_holds_only_the_askers_own_completed_apps_and_counts():
    store = MemoryStore()
    sam = typed_learner("student=Sam", None)
    kim = typed_learner("student=Kim", None)
    store.record_answer(sam, "hip-oa-grandfather", "q1", ["gp"], True)
    store.record_answer(sam, "hip-oa-grandfather", "q2", ["ed"], False)
    store.record_answer(sam, "golfer-stiff-spine", "q1", ["pt"], True)
    store.record_drill(sam, "s1", "emergency", True)
    store.mark_done(sam, "03_red_flags.ipynb")
    store.record_answer(kim, "hip-oa-grandfather", "q1", ["ed"], False)
    store.mark_done(kim, "04_triage_explorer.ipynb")
    poll = store.open_poll("hip-oa-grandfather", "q3", ["gp", "ed"])  # answered live, in the same class
    store.answer_poll(poll.id, sam, ["gp"])
    store.answer_poll(poll.id, kim, ["ed"])

    answer = answer_progress(typed_learner("student=sam", None), store)  # same student, other case
    assert answer.status == 200
    assert answer.body == {
        "learner": {"name": "sam", "source": "name"},
        "done": ["03_red_flags.ipynb"],
        "counts": {"case_answers": 3, "case_correct": 2, "cases": 2, "drill_answers": 1, "drill_correct": 1,
                   "poll_answers": 1},
    }
    assert "Kim" not in repr(answer.body) and "04_triage_explorer" not in repr(answer.body)


def test_an_unknown_learner_has_an_empty_record():
    assert record_body(hub_learner("new"), MemoryStore().learner_record(hub_learner("new")))["done"] == []


def test_no_store_is_a_plain_503():
    answer = answer_progress(typed_learner("student=Sam", None), None)
    assert answer.status == 503 and set(answer.body) == {"error"}


def test_hub_identity_is_the_key_the_apps_use_on_the_hub():
    assert hub_learner("alice") == resolve_learner({"JUPYTERHUB_USER": "alice"}).learner
    assert identity_mode({"JUPYTERHUB_USER": "alice"}) == "hub"
    assert identity_mode({}) == "typed"
