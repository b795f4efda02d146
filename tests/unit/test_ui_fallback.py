"""Every app's output carries its current state as HTML and text beside the widget view, for nbconvert, GitHub's
viewer, nbviewer and docs sites, which cannot run the widgets."""

from __future__ import annotations

from support.class_fixtures import KEY, context, library, staged_case
from support.ui_support import make_context

from triage.content.drill import Scenario
from triage.domain.model import Presentation, Symptom, Urgency
from triage.ui import CasePlayer, ClassView, Explorer, HipBackMap, PathwayApp, Presenter, RedFlagDrill, RuleTable
from triage.ui.fallback import VIEW, html_to_text

HTML, TEXT = "text/html", "text/plain"


def bundle(app) -> dict:
    return app._repr_mimebundle_()


def test_the_widget_view_stays_first_and_the_state_follows_as_html_and_text():
    app = Explorer(context=make_context(mode="lab"))
    data = bundle(app)
    assert list(data) == [VIEW, HTML, TEXT]
    assert data[VIEW]["model_id"] == app.widget.model_id
    assert "Educational use only." in data[HTML] and "Educational use only." in data[TEXT]


def test_the_explorers_copy_shows_the_ticks_and_the_verdict_they_give():
    app = Explorer(context=make_context(mode="lab"))
    app.symptoms[Symptom.FEVER].value = True
    app.duration.value = 3
    text = bundle(app)[TEXT]
    assert "\n[x] Fever\n[ ] New loss of bowel or bladder control, " in text  # a group: the ticked, then the rest
    assert "Chills" in text.split("[ ] New loss of bowel", 1)[1].split("\n", 1)[0]
    assert "\n[x] Lower back\n[ ] Hip (outer and front), Groin, Buttock" in text
    assert "Pain for (weeks): 3\n" in text and "Injury: No injury" in text
    assert "Urgency: URGENT — next step: Urgent care" in text
    assert ("What would change it\n- If bowel or bladder control were newly lost, it would be an emergency; "
            "next step: Emergency department.") in text
    assert "<script" not in bundle(app)[HTML]


def test_the_case_players_copy_shows_the_case_the_question_and_the_chosen_answer():
    app = CasePlayer([staged_case()], context(), class_panel=False)
    view = app.views[0]
    view.choice.value = view.question.options[1].id
    view.check.click()
    text = bundle(app)[TEXT]
    assert "Test: a back that changes" in text and "Sam lifted a box and his back hurts." in text
    assert f"Question 1. {view.question.prompt}" in text
    assert f"(o) {view.question.options[1].text}" in text and f"( ) {view.question.options[0].text}" in text
    assert "Check answer" not in text  # actions are left out
    assert "Two days later" not in text  # the next stage is not read yet, so it is not copied either


def test_the_drills_copy_shows_the_scenario_the_marked_answers_and_the_feedback():
    app = RedFlagDrill([Scenario("s1", "Fever and back pain.", Presentation(pain_sites=["lower_back"],
                                                                            duration_weeks=1, symptoms=["fever"]))],
                       context=make_context(mode="lab"))
    app.buttons[Urgency.ROUTINE].click()
    text = bundle(app)[TEXT]
    assert "Fever and back pain." in text and "How urgent is this?" in text
    assert "✓ Urgent (same day): the right answer\n✗ Routine: your answer" in text
    assert "Not quite: this one is Urgent (same day), not Routine." in text
    assert "Next scenario" not in text and "Emergency" not in text  # actions left out


def test_figures_and_tables_come_with_their_words():
    assert "Where it hurts" in bundle(HipBackMap(context=make_context(mode="lab")))[HTML]
    assert "<svg" in bundle(PathwayApp(context=make_context(mode="lab")))[HTML]
    table = bundle(RuleTable(context=make_context(mode="lab")))[TEXT]
    assert "First stop is primary care" in table


def test_the_gradebook_download_and_the_key_field_are_never_copied():
    class_view = ClassView(library(), context(mode="voila", params={"key": KEY}))
    class_view.gate.key.value = KEY
    copy = bundle(class_view)[HTML]
    assert "data:text/csv" not in copy and KEY not in copy
    locked = Presenter(cases=library(), context=context(mode="voila"))
    locked.gate.key.value = "a guess"
    assert "a guess" not in bundle(locked)[HTML]


def test_html_becomes_readable_text():
    html = ("<div><p>Urgency: <strong>URGENT</strong> &mdash; next step</p><ul><li>one</li><li>two</li></ul>"
            "<details><summary>Guide section: Red flags</summary><p>hidden body</p></details>"
            "<nav><a href='a'>Next</a><a href='b'>All apps</a></nav><style>.x{}</style><svg><text>A</text></svg>"
            "<table><tr><th>Case</th><td>Score</td></tr></table></div>")
    assert html_to_text(html) == ("Urgency: URGENT — next step\n- one\n- two\nGuide section: Red flags\n"
                                  "Next | All apps\nCase | Score")
