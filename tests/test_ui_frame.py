"""The app frame: notice once per page in one wording, who is answering, messages, links, class-panel slot, style."""

import ipywidgets as w
import pytest
from ui_support import html_of, make_context

from triage.model import DISCLAIMER
from triage.ui import frame
from triage.ui.frame import AppFrame, app_frame, notice_html, stylesheet


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


def test_lab_header_has_the_notice_but_no_name_and_injects_the_stylesheet_once():
    context = make_context(mode="lab")
    first = app_frame(context, "02_who_to_see.ipynb", body("a"))
    second = app_frame(context, "02_who_to_see.ipynb", body("b"))
    assert "Answering as" not in first.header.value
    styles = [c for c in (*first.widget.children, *second.widget.children) if "triage-style" in c._dom_classes]
    assert len(styles) == 1 and stylesheet() in styles[0].value
    assert ".triage-app" in stylesheet() and "@media print" in stylesheet()


def test_voila_pages_get_no_injected_stylesheet():
    f = app_frame(make_context(mode="voila"), "01_hip_and_back.ipynb", body())
    assert not [c for c in f.widget.children if "triage-style" in c._dom_classes]


def test_messages_are_shown_in_plain_words_with_a_link_home():
    context = make_context(name=None, messages=("Choose a name on the home page so your answers are kept.",))
    header = app_frame(context, "04_triage_explorer.ipynb", body()).header.value
    assert "Choose a name on the home page so your answers are kept." in header
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

    frame.set_class_panel_provider(provider)
    try:
        f = app_frame(make_context(), "03_red_flags.ipynb", body())
    finally:
        frame.set_class_panel_provider(None)
    assert f.class_panel.children == (panel,) and seen == ["03_red_flags.ipynb"]
    assert "triage-class-panel" in f.class_panel._dom_classes
    assert app_frame(make_context(), "03_red_flags.ipynb", body()).class_panel.children == ()


def test_set_body_keeps_header_and_footer():
    f = app_frame(make_context(), "03_red_flags.ipynb", body("one"))
    new = body("two")
    f.set_body(new)
    kids = f.widget.children
    assert kids[0] is f.header and kids[-1] is f.footer and new in kids


@pytest.mark.parametrize("css", ["triage-app"])
def test_the_frame_carries_the_app_class(css):
    assert css in app_frame(make_context(), "01_hip_and_back.ipynb", body()).widget._dom_classes



def test_a_preheated_kernel_builds_at_once_then_adopts_the_student_when_the_page_is_asked_for(monkeypatch):
    """Waiting for the request in the cell would exceed Voilà's cell timeout; the frame must not block."""
    import threading

    from triage.model import Urgency
    from triage.ui import RedFlagDrill

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.setattr(frame, "_provisional", None)
    request = threading.Event()
    student = make_context(name="Ada")
    student.store.record_drill(student.learner, "d-fever", "urgent", True)  # answered before the reload
    monkeypatch.setattr(frame, "current_context", lambda: (request.wait(10), student)[1])
    monkeypatch.setattr(frame, "RESEND_AFTER", (0.0,))
    resent = []
    monkeypatch.setattr(w.Widget, "send_state", lambda self, key=None: resent.append(self.model_id))

    app = RedFlagDrill()  # built while nobody has asked for the page yet
    assert app.context.learner.display_name == "guest" and "Answering as" not in app.frame.header.value
    app.answer(Urgency.EMERGENCY)  # a guest answer is not saved
    request.set()  # the student opens the page
    thread = next(t for t in threading.enumerate() if t.name == "triage-context")
    thread.join(10)
    assert app.context is student
    assert "Answering as <strong>Ada</strong>" in app.frame.header.value
    assert (app.right, app.answered) == (1, 1) and app.current.id != "d-fever"
    assert [a.scenario_id for a in student.store.learner_record(student.learner).drill] == ["d-fever"]
    # the adopted state is sent again (a browser fetching the state at that moment would drop updates)
    assert {app.frame.header.model_id, app.score.model_id, app.prompt.model_id} <= set(resent)


def test_a_class_store_that_cannot_be_opened_gives_a_working_unsaved_page(monkeypatch):
    from triage.errors import Problem, StoreUnavailableError

    def broken():
        raise StoreUnavailableError(Problem("TRIAGE_CLASS_DB", "the folder is read-only", "/srv/class.db"))

    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setattr(frame, "current_context", broken)
    f = app_frame(None, "03_red_flags.ipynb", body())
    assert "Your answers are not being saved: the folder is read-only" in f.header.value
    assert not f.context.learner.can_save
