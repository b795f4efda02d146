"""The page context: resolved once, the learner per serving mode, preheated pages, instructor key, store fallback."""

from __future__ import annotations

import asyncio
import os

import pytest
from support.class_fixtures import KEY

from triage.store.identity import NOT_SAVED, Learner
from triage.store.memory import MemoryStore
from triage.ui import context as ctx

GUEST_MESSAGE = NOT_SAVED + "choose a name on the home page so your answers are kept."

VOILA_VARS = ("JUPYTERHUB_USER", "VOILA_KERNEL_ID", "VOILA_PREHEAT", "VOILA_BASE_URL", "SCRIPT_NAME", "QUERY_STRING",
              "TRIAGE_CLASS_CODE", "TRIAGE_INSTRUCTOR_KEY")


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for var in VOILA_VARS:
        monkeypatch.delenv(var, raising=False)
    ctx.use_context(None)
    yield
    ctx.use_context(None)


def test_lab_context_uses_the_os_user_and_plain_notebook_links():
    c = ctx.current_context()
    assert c.mode == "lab" and c.learner.source == "os" and c.ready
    assert c.app_link("03_red_flags.ipynb") == "03_red_flags.ipynb"
    assert ctx.current_context() is c
    assert c.is_instructor()  # JupyterLab: one user, who is their own instructor


def test_voila_links_carry_the_name_and_class_but_never_the_key():
    c = ctx.AppContext(Learner("name:a b", "A B", "name"), MemoryStore(), "voila", (),
                       {"student": "A B", "class": "bio-7", "key": "secret"})
    assert c.app_link("05_case_studies.ipynb") == "05_case_studies.ipynb?student=A+B&class=bio-7"
    assert "key" not in c.home_link() and "student=A+B" in c.home_link()


def test_a_voila_kernel_started_for_the_request_reads_the_name_at_once():
    c = ctx.build_context({"VOILA_PREHEAT": "False", "QUERY_STRING": "student=Sam%20Lee&key=x"})
    assert c.ready and c.mode == "voila"
    assert (c.learner.display_name, c.learner.key) == ("Sam Lee", "name:sam lee")
    assert c.params == {"student": "Sam Lee", "key": "x"}


def test_a_voila_page_without_a_name_is_a_guest_with_a_plain_message():
    c = ctx.build_context({"VOILA_PREHEAT": "False", "QUERY_STRING": ""})
    assert not c.learner.can_save
    assert any("choose a name on the home page" in m for m in c.messages)


def test_a_name_that_cannot_be_used_is_explained():
    c = ctx.build_context({"VOILA_PREHEAT": "False", "QUERY_STRING": "student=" + "x" * 60})
    assert not c.learner.can_save and any("at most 40 characters" in m for m in c.messages)


def test_the_class_code_is_checked():
    env = {"VOILA_PREHEAT": "False", "TRIAGE_CLASS_CODE": "bio-7"}
    assert not ctx.build_context({**env, "QUERY_STRING": "student=Ana&class=nope"}).learner.can_save
    ok = ctx.build_context({**env, "QUERY_STRING": "student=Ana&class=bio-7"})
    assert ok.learner.can_save and ok.learner.class_code == "bio-7"


def test_the_hub_user_needs_no_name():
    c = ctx.build_context({"JUPYTERHUB_USER": "ana", "VOILA_PREHEAT": "True"})
    assert c.ready and c.mode == "hub" and c.learner.key == "hub:ana"


def test_a_preheated_kernel_is_pending_until_the_request_and_then_runs_the_apps_callbacks():
    c = ctx.AppContext(ctx.GUEST, MemoryStore(), "voila", (), {}, KEY, ready=False)
    seen: list[str] = []
    c.on_ready(lambda context: seen.append("first:" + context.learner.display_name))
    c.on_ready(lambda context: seen.append("second"))
    assert seen == [] and not c.is_instructor()
    c.resolve("student=Ana&key=" + KEY, {"VOILA_PREHEAT": "True"})
    assert seen == ["first:Ana", "second"] and c.ready and c.mode == "voila"
    c.on_ready(lambda context: seen.append("late"))
    assert seen[-1] == "late"  # registered after the request: runs at once
    assert c.is_instructor()


def test_one_failing_app_does_not_keep_the_others_from_loading():
    c = ctx.AppContext(ctx.GUEST, MemoryStore(), "voila", ready=False)
    seen: list[str] = []

    def broken(_):
        raise ValueError("boom")

    c.on_ready(broken)
    c.on_ready(lambda _: seen.append("loaded"))
    with pytest.raises(ValueError):
        c.resolve("student=Ana", {"VOILA_PREHEAT": "True"})
    assert seen == ["loaded"]


def test_the_request_is_awaited_in_a_thread_and_resolved_on_the_event_loop(monkeypatch):
    """The preheated path end to end, with the request handed over by a stand-in for Voila's websocket."""
    env = {"VOILA_PREHEAT": "True", "VOILA_KERNEL_ID": "k"}

    def request_arrives() -> None:  # what voila.utils.wait_for_request does once the page is requested
        os.environ["QUERY_STRING"] = "student=Ana"

    monkeypatch.setenv("QUERY_STRING", "")  # restored afterwards by monkeypatch
    monkeypatch.delenv("QUERY_STRING")

    async def scenario() -> tuple[bool, str, bool]:
        c = ctx.build_context(env, waiter=request_arrives)
        pending = c.ready
        done = asyncio.get_running_loop().create_future()
        c.on_ready(lambda context: done.set_result(context.learner.display_name))
        name = await asyncio.wait_for(done, timeout=10)
        return pending, name, c.ready

    pending, name, ready = asyncio.run(scenario())
    assert (pending, name, ready) == (False, "Ana", True)


def test_a_failed_fetch_of_the_request_is_tried_again(monkeypatch):
    monkeypatch.setattr(ctx, "REQUEST_RETRY_PAUSE", 0)
    monkeypatch.setenv("QUERY_STRING", "")
    monkeypatch.delenv("QUERY_STRING")
    calls = []

    def flaky() -> None:  # the first connection fails, as on a server busy starting kernels
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("server busy")
        os.environ["QUERY_STRING"] = "student=Ben"

    async def scenario() -> str:
        c = ctx.build_context({"VOILA_PREHEAT": "True"}, waiter=flaky)
        done = asyncio.get_running_loop().create_future()
        c.on_ready(lambda context: done.set_result(context.learner.display_name))
        return await asyncio.wait_for(done, timeout=10)

    assert asyncio.run(scenario()) == "Ben" and len(calls) == 2


def test_preheated_detection():
    assert ctx._preheated_before_request({"VOILA_PREHEAT": "True"})
    assert not ctx._preheated_before_request({"VOILA_PREHEAT": "True", "QUERY_STRING": ""})
    assert not ctx._preheated_before_request({"VOILA_PREHEAT": "False"})
    assert not ctx._preheated_before_request({})


def test_the_instructor_needs_the_servers_key_on_a_served_page():
    store = MemoryStore()
    assert not ctx.AppContext(ctx.GUEST, store, "voila", (), {"key": "x"}, None).is_instructor()
    assert not ctx.AppContext(ctx.GUEST, store, "voila", (), {"key": "wrong"}, KEY).is_instructor()
    assert ctx.AppContext(ctx.GUEST, store, "voila", (), {"key": KEY}, KEY).is_instructor()
    assert ctx.AppContext(ctx.GUEST, store, "voila", (), {}, KEY).is_instructor(KEY)
    assert not ctx.AppContext(ctx.GUEST, store, "hub", (), {}, KEY).is_instructor()


def test_on_the_hub_the_class_service_decides_and_a_key_changes_nothing(caplog):
    import socket

    from triage.store.hub import HubStore

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed: a class service that is down
    hub = HubStore(f"http://127.0.0.1:{port}/services/triage-store/", token="t", timeout=5)
    c = ctx.AppContext(Learner("hub:ana", "ana", "hub"), hub, "hub", (), {"key": KEY}, KEY)
    assert not c.is_instructor() and not c.is_instructor(KEY)
    assert "could not ask the class service" in caplog.text
    assert not ctx.AppContext(Learner("hub:ana", "ana", "hub"), MemoryStore(), "hub", (), {}, KEY).hub_instructor()
    # (a member of the instructors group, through a real hub and service: tests/integration/test_hub.py)


def test_nobody_is_the_instructor_before_the_page_is_asked_for():
    c = ctx.AppContext(ctx.GUEST, MemoryStore(), "lab", ready=False)
    assert not c.is_instructor()
    c.resolve(None, {})
    assert c.is_instructor()


def test_the_name_problem_is_kept_apart_from_other_messages():
    c = ctx.build_context({"VOILA_PREHEAT": "False", "QUERY_STRING": ""})
    assert c.learner_problem == GUEST_MESSAGE
    assert c.learner_problem in c.messages


def test_the_key_comes_from_the_kernels_environment():
    c = ctx.build_context({"VOILA_PREHEAT": "False", "QUERY_STRING": f"key={KEY}", "TRIAGE_INSTRUCTOR_KEY": KEY})
    assert c.instructor_key == KEY and c.is_instructor()
    assert KEY not in repr(c)


def test_the_class_store_comes_from_triage_class_db(tmp_path):
    from triage.store.sqlite import SqliteStore

    c = ctx.build_context({"TRIAGE_CLASS_DB": str(tmp_path / "class.db")})
    assert isinstance(c.store, SqliteStore) and c.messages == ()
    c.store.record_answer(c.learner, "case", "q", ["a"], True)
    again = ctx.build_context({"TRIAGE_CLASS_DB": str(tmp_path / "class.db")})  # another kernel
    assert again.store.learner_record(again.learner).case_answers("case")["q"].chosen == ("a",)


def test_a_store_that_cannot_be_used_falls_back_to_memory_with_a_plain_message(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    c = ctx.build_context({"TRIAGE_CLASS_DB": str(blocker / "class.db")})
    assert isinstance(c.store, MemoryStore)
    assert any("not being saved" in m and "not-a-folder" in m for m in c.messages)
    c.store.record_answer(c.learner, "case", "q", ["a"], True)  # the page still works


def test_a_jupyterlab_users_old_progress_file_is_brought_in_once(tmp_path, monkeypatch):
    old = tmp_path / "progress.json"
    old.write_text('{"version": 1, "answers": {"t-case": {"q1": {"chosen": ["a"], "correct": true}}},'
                   ' "revealed": {"t-case": 1}}')
    monkeypatch.setenv("TRIAGE_PROGRESS_FILE", str(old))
    c = ctx.build_context({"TRIAGE_CLASS_DB": str(tmp_path / "class.db")})
    record = c.store.learner_record(c.learner)
    assert c.learner.source == "os"
    assert record.case_answers("t-case")["q1"].chosen == ("a",) and record.revealed == {"t-case": 1}
    assert old.exists()


def test_an_unreadable_old_progress_file_is_reported_and_kept(tmp_path, monkeypatch):
    old = tmp_path / "progress.json"
    old.write_text("{not json")
    monkeypatch.setenv("TRIAGE_PROGRESS_FILE", str(old))
    c = ctx.build_context({"TRIAGE_CLASS_DB": str(tmp_path / "class.db")})
    assert any("earlier progress file could not be brought in" in m for m in c.messages)
    assert old.read_text() == "{not json"


def test_a_name_typed_in_other_capitals_is_the_same_student_and_the_page_says_so():
    store = MemoryStore()
    store.record_answer(Learner("name:ana lee", "Ana Lee", "name"), "case-a", "where", ["gp"], True)
    pending = ctx.AppContext(Learner("", "", "guest"), store, "voila", ready=False)
    pending.resolve("student=ANA%20LEE", {"VOILA_PREHEAT": "True"})
    assert pending.learner.key == "name:ana lee"  # one student, one record: the teacher sees one row
    assert store.learner_record(pending.learner).case_answers("case-a")  # with the earlier answers
    [said] = [m for m in pending.messages if "same student" in m]
    assert "“Ana Lee”" in said and "type your full name" in said
    first_time = ctx.AppContext(Learner("", "", "guest"), MemoryStore(), "voila", ready=False)
    first_time.resolve("student=Bo", {"VOILA_PREHEAT": "True"})
    same_spelling = ctx.AppContext(Learner("", "", "guest"), store, "voila", ready=False)
    same_spelling.resolve("student=Ana%20Lee", {"VOILA_PREHEAT": "True"})
    assert not [m for m in first_time.messages + same_spelling.messages if "same student" in m]
