"""The page context in the static build: one learner per browser profile, answers in the browser's store."""

from __future__ import annotations

import pytest
from support.store_contract import ANA

from triage.store.identity import BROWSER
from triage.store.jsonfile import JsonFileStore
from triage.store.memory import MemoryStore
from triage.ui import context as ctx


@pytest.fixture
def fresh_context():
    ctx.use_context(None)
    yield
    ctx.use_context(None)


def test_static_pages_use_the_browser_learner_and_its_file(tmp_path, monkeypatch, fresh_context):
    path = tmp_path / "drive" / ".triage" / "answers.json"
    monkeypatch.setenv("TRIAGE_STATIC_STORE", str(path))
    monkeypatch.delenv("TRIAGE_STATIC_LAB", raising=False)
    monkeypatch.setenv("JUPYTERHUB_USER", "someone")  # ignored: the static build has no hub
    c = ctx.current_context()
    assert c.mode == "static" and c.learner == BROWSER and c.learner.can_save
    assert isinstance(c.store, JsonFileStore) and c.store.location == str(path)
    assert c.messages == ()
    assert c.app_link("05_case_studies.ipynb") == "05_case_studies.html"
    assert c.home_link() == "../../index.html"
    c.store.record_answer(c.learner, "case-a", "where", ["ed"], True)
    assert JsonFileStore(path).learner_record(BROWSER).score("case-a") == (1, 1)


def test_the_static_lab_links_open_notebooks(tmp_path, monkeypatch, fresh_context):
    monkeypatch.setenv("TRIAGE_STATIC_STORE", str(tmp_path / "answers.json"))
    monkeypatch.setenv("TRIAGE_STATIC_LAB", "1")
    c = ctx.current_context()
    assert c.mode == "lab" and c.learner == BROWSER
    assert c.app_link("05_case_studies.ipynb") == "05_case_studies.ipynb"


def test_a_damaged_browser_file_is_kept_and_the_student_told(tmp_path, monkeypatch, fresh_context):
    path = tmp_path / "answers.json"
    path.write_text("{oops", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_STATIC_STORE", str(path))
    c = ctx.current_context()
    assert len(c.messages) == 1 and "could not be read" in c.messages[0]
    assert [p.read_text(encoding="utf-8") for p in tmp_path.glob("answers.json.corrupt-*")] == ["{oops"]
    c.store.record_answer(ANA, "case-a", "where", ["ed"], True)


def test_an_unusable_location_keeps_the_apps_working_unsaved(tmp_path, monkeypatch, fresh_context):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_STATIC_STORE", str(blocker / "answers.json"))
    c = ctx.current_context()
    assert isinstance(c.store, MemoryStore)
    assert c.messages and "cannot be saved" in c.messages[0]


@pytest.mark.parametrize("secure", [True, False])
def test_a_page_that_is_not_a_secure_context_says_its_answers_are_not_kept(tmp_path, monkeypatch, fresh_context,
                                                                            secure):
    """Over plain http:// to another computer the lab runs, but JupyterLite's drive lives in the page's memory
    (no service worker): answers written there vanished on reload without a word. Now the page says so."""
    import sys
    import types

    path = tmp_path / "drive" / ".triage" / "answers.json"
    monkeypatch.setenv("TRIAGE_STATIC_STORE", str(path))
    monkeypatch.setenv("TRIAGE_STATIC_LAB", "1")
    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setitem(sys.modules, "js", types.SimpleNamespace(isSecureContext=secure))
    c = ctx.current_context()
    if secure:
        assert isinstance(c.store, JsonFileStore) and c.messages == ()
    else:
        assert isinstance(c.store, MemoryStore)
        assert len(c.messages) == 1 and "not kept on this address" in c.messages[0] and "https://" in c.messages[0]
        c.store.record_drill(c.learner, "s1", "urgent", True)  # the page still works, unsaved
        assert not path.exists()
