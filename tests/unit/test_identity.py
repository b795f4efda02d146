"""Who is answering, in each serving mode."""

import getpass

import pytest

from triage.errors import IdentityError
from triage.store.identity import (
    GUEST,
    check_class_code,
    check_display_name,
    instructor_key_ok,
    name_key,
    resolve_learner,
)

VOILA = {"VOILA_KERNEL_ID": "k1"}


def test_hub_user_wins_and_needs_no_name():
    r = resolve_learner({"JUPYTERHUB_USER": "ana", **VOILA}, "student=Mallory")
    assert (r.learner.key, r.learner.display_name, r.learner.source, r.problem) == ("hub:ana", "ana", "hub", None)


def test_jupyterlab_uses_the_os_user():
    r = resolve_learner({})
    assert r.learner.key == f"os:{getpass.getuser()}"
    assert r.learner.can_save


def test_jupyterlab_uses_the_configured_name_filed_as_a_typed_name():
    """A computer account several students share: the name set for the server (make lab STUDENT=...)."""
    r = resolve_learner({"TRIAGE_STUDENT": "  Sam   Lee "})
    assert (r.learner.key, r.learner.display_name, r.learner.source, r.problem) == ("name:sam lee", "Sam Lee", "name",
                                                                                     None)
    assert resolve_learner({"TRIAGE_STUDENT": "   "}).learner.key == f"os:{getpass.getuser()}"  # blank: not set


def test_an_unusable_configured_name_falls_back_to_the_os_user_and_says_why():
    r = resolve_learner({"TRIAGE_STUDENT": "x" * 41})
    assert r.learner.key == f"os:{getpass.getuser()}"
    assert "TRIAGE_STUDENT cannot be used (a name can have at most 40 characters" in r.problem
    assert getpass.getuser() in r.problem


def test_a_configured_name_does_not_reach_voila_or_the_hub():
    assert resolve_learner({"TRIAGE_STUDENT": "Sam", **VOILA}, "student=Ana").learner.display_name == "Ana"
    assert resolve_learner({"TRIAGE_STUDENT": "Sam", "JUPYTERHUB_USER": "ana"}).learner.key == "hub:ana"


def test_voila_reads_the_student_parameter():
    r = resolve_learner(VOILA, "student=Sam%20%20Lee")
    assert r.learner.display_name == "Sam Lee"
    assert r.learner.key == "name:sam lee" == name_key(" SAM lee ")


def test_voila_without_a_name_is_a_guest_with_a_plain_message():
    r = resolve_learner(VOILA, "")
    assert r.learner == GUEST and not r.learner.can_save
    assert "home page" in r.problem


@pytest.mark.parametrize("raw", ["", "   ", "x" * 41, "bad\u0007bell"])
def test_unusable_names_are_refused_in_plain_words(raw):
    with pytest.raises(IdentityError) as exc:
        check_display_name(raw)
    assert exc.value.field == "student"
    assert resolve_learner(VOILA, f"student={raw}").learner == GUEST


def test_html_in_a_name_is_kept_as_text_for_escaping_later():
    assert check_display_name("<b>Ana</b>") == "<b>Ana</b>"


def test_class_code_must_match_when_set():
    assert resolve_learner(VOILA, "student=Ana&class=bio-7", "bio-7").learner.class_code == "bio-7"
    wrong = resolve_learner(VOILA, "student=Ana&class=nope", "bio-7")
    assert wrong.learner == GUEST and "class code" in wrong.problem
    assert check_class_code(" bio-7 ") == "bio-7"
    with pytest.raises(IdentityError):
        check_class_code("no spaces")


def test_instructor_key():
    assert instructor_key_ok("s3cret", "s3cret")
    assert not instructor_key_ok("guess", "s3cret")
    assert not instructor_key_ok("", "s3cret")
    assert not instructor_key_ok("anything", None)


@pytest.mark.parametrize("query", ["", "student=", "student=Ana", "student=Ana&class=nope"])
def test_every_guest_is_told_plainly_that_nothing_is_saved(query):
    """A student working as a guest (no name, an unusable one, a wrong class code) can still practise,
    but must never believe the class has their answers."""
    r = resolve_learner(VOILA, query, "bio-7")
    assert r.learner == GUEST
    assert r.problem.startswith("Your answers on this page are not being saved: "), r.problem
