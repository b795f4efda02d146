"""The app frame: notice once per page in one wording, who is answering, messages, links, class-panel slot, style."""

import asyncio

import ipywidgets as w
import pytest
from support.ui_support import html_of, make_context

from triage.domain.model import DISCLAIMER
from triage.store.identity import GUEST, NOT_SAVED, Learner, name_key
from triage.store.memory import MemoryStore
from triage.ui import context as ctx
from triage.ui import frame
from triage.ui.context import AppContext
from triage.ui.frame import AppFrame, app_frame, notice_html, stylesheet

GUEST_MESSAGE = NOT_SAVED + "choose a name on the home page so your answers are kept."


def body(text="x"):
    return w.HTML(text)


def test_the_notice_is_the_disclaimer_word_for_word():
    text = notice_html().replace("<strong>", "").replace("</strong>", "")
    assert DISCLAIMER in text and 'role="note"' in text


def test_voila_header_says_who_is_answering_with_a_way_home_to_change_it():
    f = app_frame(make_context(name="Ada <b>"), "03_red_flags.ipynb", body())
    header = f.header.value
    assert "Answering as <strong>Ada &lt;b&gt;</strong>" in header
    assert '<a href="../../?student=Ada+%3Cb%3E">Change name</a>' in header


def test_lab_header_says_who_is_answering_and_how_to_change_it_and_injects_the_stylesheet_once():
    context = make_context(mode="lab")
    first = app_frame(context, "02_who_to_see.ipynb", body("a"))
    second = app_frame(context, "02_who_to_see.ipynb", body("b"))
    assert "Answering as <strong>Ada</strong> (the name set in TRIAGE_STUDENT)." in first.header.value
    assert "<summary>Answer under another name</summary>" in first.header.value
    assert 'make lab STUDENT="Your Name"' in first.header.value
    styles = [c for c in (*first.widget.children, *second.widget.children) if "triage-style" in c._dom_classes]
    assert len(styles) == 1 and stylesheet() in styles[0].value
    assert ".triage-app" in stylesheet() and "@media print" in stylesheet()


def test_lab_header_names_the_os_user_by_default():
    user = Learner("os:ada", "ada <x>", "os")
    context = AppContext(user, MemoryStore(), "lab")
    header = app_frame(context, "04_triage_explorer.ipynb", body()).header.value
    assert "Answering as <strong>ada &lt;x&gt;</strong> (this computer's user name)." in header


def test_the_static_sites_lab_names_nobody():
    from triage.store.identity import BROWSER

    header = app_frame(AppContext(BROWSER, MemoryStore(), "lab"), "04_triage_explorer.ipynb", body()).header.value
    assert "Answering as" not in header


def test_voila_pages_get_no_injected_stylesheet():
    f = app_frame(make_context(mode="voila"), "01_hip_and_back.ipynb", body())
    assert not [c for c in f.widget.children if "triage-style" in c._dom_classes]


def test_messages_are_shown_in_plain_words_with_a_link_home():
    context = make_context(name=None, messages=(GUEST_MESSAGE,))
    header = app_frame(context, "04_triage_explorer.ipynb", body()).header.value
    assert GUEST_MESSAGE in header
    assert "Go to the home page" in header and "Answering as" not in header


def test_next_and_home_links_come_from_the_course_and_keep_the_name():
    f = app_frame(make_context(name="Ada"), "01_hip_and_back.ipynb", body())
    footer = f.footer.value
    assert '<a href="02_who_to_see.ipynb?student=Ada" class="triage-primary triage-next-app">' \
           "Next: 02 Who to see (20 min)</a>" in footer
    assert '<a href="../../?student=Ada" class="triage-home">All apps</a>' in footer


def test_the_last_student_app_has_no_next_link_and_lab_links_open_notebooks():
    f = app_frame(make_context(mode="lab"), "05_case_studies.ipynb", body())
    assert "Next:" not in f.footer.value
    assert 'data-commandlinker-command="docmanager:open"' in f.footer.value


def test_one_header_and_one_footer_per_page_whatever_the_number_of_apps():
    context = make_context()
    frames = [AppFrame(context, "02_who_to_see.ipynb", body(str(i))) for i in range(3)]
    pages = [html_of(f.widget) for f in frames]
    assert [p.count("Educational use only") for p in pages] == [1, 0, 0]
    assert [p.count("All apps") for p in pages] == [0, 0, 1]
    assert [f.class_panel in f.widget.children for f in frames] == [True, False, False]
    other = AppFrame(make_context(), "02_who_to_see.ipynb", body())  # another page starts afresh
    assert "Educational use only" in html_of(other.widget)


def test_rerunning_the_cell_that_built_the_header_builds_it_again(monkeypatch):
    context = make_context(mode="lab")
    monkeypatch.setattr(frame, "_cell_id", lambda: "cell-1")
    first = AppFrame(context, "04_triage_explorer.ipynb", body())
    again = AppFrame(context, "04_triage_explorer.ipynb", body())  # same cell run again: its output was replaced
    assert first.header not in first.widget.children and again.header in again.widget.children
    monkeypatch.setattr(frame, "_cell_id", lambda: "cell-2")
    later = AppFrame(context, "04_triage_explorer.ipynb", body())
    assert later.header not in later.widget.children


def test_the_class_panel_slot_is_filled_by_a_registered_provider():
    panel = w.HTML("Poll: where should Sam go first?")
    seen = []

    def provider(context, notebook):
        seen.append(notebook)
        return panel

    registered = frame.set_class_panel_provider(provider)
    try:
        f = app_frame(make_context(), "03_red_flags.ipynb", body())
        assert app_frame(make_context(name=None), "03_red_flags.ipynb", body()).class_panel.children == ()  # guest
        assert app_frame(make_context(), "03_red_flags.ipynb", body(), class_panel=False).class_panel.children == ()
        frame.set_class_panel_provider(None)
        assert app_frame(make_context(), "03_red_flags.ipynb", body()).class_panel.children == ()
    finally:
        frame.set_class_panel_provider(registered)
    assert f.class_panel.children == (panel,) and seen == ["03_red_flags.ipynb"]
    assert "triage-class-panel" in f.class_panel._dom_classes


def test_triage_ui_registers_the_live_poll_for_student_apps_only():
    f = app_frame(make_context(), "03_red_flags.ipynb", body())
    assert [c._dom_classes for c in f.class_panel.children] == [("triage-poll-panel",)]
    assert app_frame(make_context(), "06_instructor.ipynb", body()).class_panel.children == ()


def test_instructor_apps_say_nothing_about_who_is_answering():
    context = make_context(name=None, messages=("The class store is read-only.",))
    context.learner_problem = GUEST_MESSAGE
    context.messages += (context.learner_problem,)
    header = app_frame(context, "06_instructor.ipynb", body()).header.value
    assert "The class store is read-only." in header and "Choose a name" not in header
    assert "Answering as" not in app_frame(make_context(), "07_class_view.ipynb", body()).header.value


def test_set_body_keeps_header_and_footer():
    f = app_frame(make_context(), "03_red_flags.ipynb", body("one"))
    new = body("two")
    f.set_body(new)
    kids = f.widget.children
    assert kids[0] is f.header and kids[-1] is f.footer and new in kids


@pytest.mark.parametrize("css", ["triage-app"])
def test_the_frame_carries_the_app_class(css):
    assert css in app_frame(make_context(), "01_hip_and_back.ipynb", body()).widget._dom_classes



@pytest.fixture
def page_context():
    """This kernel's context as current_context() hands it out (reset afterwards)."""
    yield ctx.use_context
    ctx.use_context(None)


def test_a_preheated_kernel_builds_at_once_then_adopts_the_student_when_the_page_is_asked_for(
        monkeypatch, page_context):
    """Waiting for the request in the cell would exceed Voilà's cell timeout: the frame builds the page on the
    pending context current_context() returns, and redraws it (and reloads the apps) when that context
    resolves on the kernel's event loop; the page's state is sent again afterwards."""
    from triage.domain.model import Urgency
    from triage.ui import RedFlagDrill

    store = MemoryStore()
    ada = Learner(name_key("Ada"), "Ada", "name")
    store.record_drill(ada, "d-fever", "urgent", True)  # answered before the reload
    pending = AppContext(GUEST, store, "voila", ready=False)  # a preheated kernel before its request
    page_context(pending)
    monkeypatch.setattr(frame, "RESEND_AT", (0.0,))
    resent: list[frame.Page] = []
    monkeypatch.setattr(frame.Page, "resend", lambda page: resent.append(page))

    async def scenario() -> RedFlagDrill:
        app = RedFlagDrill()  # built while nobody has asked for the page yet
        assert app.context is pending and not app.context.ready
        assert "Answering as" not in app.frame.header.value and "Educational use only" in app.frame.header.value
        assert "?student=" not in app.frame.footer.value
        app.answer(Urgency.EMERGENCY)  # a guest answer is not saved
        assert resent == []
        pending.resolve("student=Ada", {"VOILA_PREHEAT": "True"})  # the student opens the page
        await asyncio.sleep(0.05)
        return app

    app = asyncio.run(scenario())
    assert app.context is pending and pending.ready and app.context.learner == ada
    assert "Answering as <strong>Ada</strong>" in app.frame.header.value
    assert "04_triage_explorer.ipynb?student=Ada" in app.frame.footer.value
    assert (app.right, app.answered) == (1, 1) and app.current.id != "d-fever"  # the drill reloaded Ada's record
    assert [a.scenario_id for a in store.learner_record(ada).drill] == ["d-fever"]
    assert resent == [app.frame.page]


def test_a_page_built_on_a_ready_context_is_never_redrawn_and_on_context_never_runs():
    seen = []
    f = app_frame(make_context(name="Ada"), "03_red_flags.ipynb", body())
    f.on_context(seen.append)
    assert "Answering as <strong>Ada</strong>" in f.header.value and seen == [] and f.page.listeners == []


def test_a_class_store_that_cannot_be_read_on_adoption_leaves_a_message_and_the_other_apps_load():
    from triage.errors import Problem, StoreUnavailableError

    pending = AppContext(GUEST, MemoryStore(), "voila", ready=False)
    first = app_frame(pending, "03_red_flags.ipynb", body())
    second = app_frame(pending, "03_red_flags.ipynb", body())
    loaded = []

    def broken(_):
        raise StoreUnavailableError(Problem("store", "the class service does not answer"))

    first.on_context(broken)
    second.on_context(loaded.append)
    pending.resolve("student=Ada", {"VOILA_PREHEAT": "True"})
    assert loaded == [pending]
    assert "Answering as <strong>Ada</strong>" in first.header.value
    assert "the class service does not answer" in first.header.value


def test_resend_sends_only_what_adopting_changed_so_a_students_click_is_not_undone(monkeypatch):
    """A student who ticks a box while the page adopts its context keeps the tick: the resend carries the
    header (changed by adopting) and nothing else, once per widget and changed key."""
    pending = AppContext(GUEST, MemoryStore(), "voila", ready=False)
    tick = w.Checkbox(description="a red flag")
    frames = [app_frame(pending, "04_triage_explorer.ipynb", tick), app_frame(pending, "04_triage_explorer.ipynb",
                                                                           body("second"))]
    pending.resolve("student=Ada", {"VOILA_PREHEAT": "True"})
    sent: list[tuple[str, tuple[str, ...]]] = []
    monkeypatch.setattr(w.Widget, "send_state",
                        lambda self, key=None: sent.append((self.model_id, tuple(key or ()))))
    tick.value = True  # the student's click, after adopting and before the resend
    sent.clear()
    frames[0].page.resend()
    header = frames[0].page.header
    assert (header.model_id, ("value",)) in sent
    assert tick.model_id not in [model for model, _ in sent]
    assert len(sent) == len(set(sent))
    assert all(keys for _, keys in sent)


def test_a_class_store_that_cannot_be_opened_gives_a_working_unsaved_page(monkeypatch):
    from triage.errors import Problem, StoreUnavailableError

    def broken():
        raise StoreUnavailableError(Problem("TRIAGE_CLASS_DB", "the folder is read-only", "/srv/class.db"))

    monkeypatch.setattr(frame, "current_context", broken)
    monkeypatch.setattr(frame, "_fallback", None)
    f = app_frame(None, "03_red_flags.ipynb", body())
    assert "Your answers are not being saved: the folder is read-only" in f.header.value
    assert not f.context.learner.can_save
    assert app_frame(None, "03_red_flags.ipynb", body()).page is f.page  # the page's apps share one page


def test_the_page_bridge_names_the_tab_after_the_course_and_keeps_state_per_student():
    f = app_frame(make_context(name="Ada"), "05_case_studies.ipynb", body())
    bridge = f.page.bridge
    assert bridge.title == "Case studies · Back & hip pain triage"
    assert bridge in f.widget.children  # once per page, beside the header
    assert bridge.store_key == "triage:v1:name:ada:05_case_studies.ipynb"
    seen = []
    f.on_visible(lambda: seen.append("back"))
    bridge._message(None, {"visible": True})
    assert seen == ["back"]


def test_a_pending_page_keeps_nothing_until_it_knows_the_student():
    pending = make_context(name="Ada")
    pending.ready = False
    f = app_frame(pending, "04_triage_explorer.ipynb", body())
    assert f.page.bridge.store_key == ""
    pending.resolve("student=Bo", {"VOILA_PREHEAT": "True"})
    assert f.page.bridge.store_key == "triage:v1:name:bo:04_triage_explorer.ipynb"
