"""Explorer app: controls change the verdict, the rules and the single changes; bad numbers get plain words."""

import re

from support.ui_support import html_of, make_context

from triage.domain.model import Finding, History, PainSite, Presentation, Symptom, Trauma
from triage.domain.vocabulary import vocabulary
from triage.store.memory import MemoryStore
from triage.ui import Explorer


def test_starts_routine_in_primary_care_inside_the_frame():
    app = Explorer(context=make_context())
    assert "Urgency: ROUTINE" in app.verdict.value
    assert "Primary care doctor" in app.verdict.value
    assert "Educational use only" in html_of(app.widget)
    assert "triage-app" in app.widget._dom_classes


def test_ticking_a_red_flag_shows_the_emergency_verdict_with_the_flag_by_name():
    app = Explorer(context=make_context())
    app.symptoms[Symptom.SADDLE_NUMBNESS_PROGRESSIVE].value = True
    assert "Urgency: EMERGENCY" in app.verdict.value
    assert "Emergency department" in app.verdict.value
    assert "Red flag: Numbness spreading in the saddle area" in app.verdict.value
    assert "saddle_numbness_progressive" not in html_of(app.widget)
    app.symptoms[Symptom.SADDLE_NUMBNESS_PROGRESSIVE].value = False
    assert "Urgency: ROUTINE" in app.verdict.value


def test_the_verdict_is_a_live_region_in_jupyterlab_and_left_to_the_template_under_voila():
    assert 'role="status"' in Explorer(context=make_context(mode="lab")).verdict.value
    voila = Explorer(context=make_context(mode="voila"))
    assert 'role="status"' not in voila.verdict.value
    assert "triage-live" in voila.verdict._dom_classes  # the template makes this element the live region


def test_findings_after_conservative_care_route_to_a_specialist_and_list_changes_in_words():
    app = Explorer(context=make_context())
    app.duration.value = 10
    app.care.value = 8
    app.findings[Finding.JOINT_RESTRICTION].value = True
    assert "next step: <strong>Chiropractor</strong>" in app.verdict.value
    assert "Also consider: Physical therapist (PT)" in app.verdict.value
    assert "Before any conservative care, it would be routine; next step: Primary care doctor." in app.changes.value
    assert "After a high-impact injury such as a fall from height, it would be an emergency" in app.changes.value
    assert "A restricted joint" in app.reasons.value  # the rule by name
    assert "REF-JOINT" not in html_of(app.widget)


def test_trauma_dropdown_offers_names_and_escalates():
    app = Explorer(context=make_context())
    labels = [label for label, _ in app.trauma.options]
    assert labels == [vocabulary().trauma_name(t) for t in Trauma]
    app.trauma.value = "high_impact"
    assert "Urgency: EMERGENCY" in app.verdict.value
    assert "high_impact" not in app.verdict.value


def test_care_weeks_beyond_pain_weeks_get_a_plain_message_under_the_control():
    app = Explorer(context=make_context())
    app.care.value = 9  # more than the 2 weeks of pain
    assert "Conservative care (9 weeks) cannot last longer than the pain (2 weeks)" in app.weeks_problem.value
    assert "conservative_care_weeks" not in html_of(app.widget)
    assert "No result yet: conservative care (9 weeks) cannot last longer than the pain (2 weeks)" in app.verdict.value
    assert app.assessment is None
    # the message sits between the two weeks fields it is about
    column = next(c for c in app.frame.body[0].children if "triage-explorer-inputs" in c._dom_classes)
    kids = list(column.children)
    assert kids.index(app.duration) + 1 == kids.index(app.weeks_problem) == kids.index(app.care) - 1
    app.duration.value = 12
    assert "triage-problem" not in app.weeks_problem.value and "at most as long as the pain" in app.weeks_problem.value
    assert "Physiatrist" in app.verdict.value


def test_no_pain_site_is_reported_in_words():
    app = Explorer(context=make_context())
    app.sites[PainSite.LOWER_BACK].value = False
    assert "Tick at least one place where it hurts." in app.site_problem.value
    assert "pain_sites" not in html_of(app.widget)


def test_every_control_is_labelled_by_a_name_from_the_knowledge_base():
    app = Explorer(context=make_context())
    voc = vocabulary()
    assert [b.description for b in app.symptoms.values()] == [voc.symptom(s) for s in Symptom]
    assert [b.description for b in app.findings.values()] == [voc.finding(f) for f in Finding]
    ids = [s.value for s in Symptom] + [f.value for f in Finding] + [p.value for p in PainSite]
    labels = " ".join(b.description for b in [*app.symptoms.values(), *app.findings.values(), *app.sites.values()])
    assert not [i for i in ids if re.search(rf"\b{i}\b", labels) and "_" in i]


def test_load_sets_every_control():
    p = Presentation(pain_sites=["hip", "groin"], duration_weeks=13, conservative_care_weeks=8,
                     findings=["hip_labral_tear"], prefers_non_surgical=True, age=19)
    app = Explorer(p, context=make_context())
    assert app.presentation() == p
    assert "next step: <strong>Physiatrist" in app.verdict.value


def test_unchanged_parts_are_not_resent():
    app = Explorer(context=make_context())
    sent = []
    app.reasons.observe(lambda change: sent.append("reasons"), names="value")
    app.age.value = 46  # changes nothing the rules read: no new reasons text
    assert sent == []


def test_the_ticks_survive_a_reload_for_the_same_student_in_this_browser():
    store = MemoryStore()
    first = Explorer(context=make_context(store=store))
    kept: dict = {}
    bridge = first.frame.page.bridge
    assert bridge.store_key.endswith(":name:ada:04_triage_explorer.ipynb")
    bridge.send = lambda msg: kept.update(msg["save"])  # what page_bridge.js keeps in localStorage
    first.symptoms[Symptom.FEVER].value = True
    first.history[History.OSTEOPOROSIS].value = True
    first.duration.value = 3
    assert kept["inputs"]["symptoms"] == ["fever"] and kept["inputs"]["duration_weeks"] == 3
    assert kept["inputs"]["history"] == ["osteoporosis"]
    reloaded = Explorer(context=make_context(store=store))  # a new kernel: every control at its default
    assert not reloaded.symptoms[Symptom.FEVER].value
    reloaded.frame.page.bridge._message(None, {"restore": kept})  # what the browser hands back on opening
    assert reloaded.symptoms[Symptom.FEVER].value and reloaded.duration.value == 3
    assert reloaded.history[History.OSTEOPOROSIS].value
    assert "Urgency: URGENT" in reloaded.verdict.value


def test_kept_ticks_that_do_not_make_a_presentation_are_ignored():
    app = Explorer(context=make_context())
    for bad in ({"inputs": {"pain_sites": ["elbow"], "duration_weeks": 2}}, {"inputs": "x"},
                {"inputs": {"pain_sites": ["hip"], "duration_weeks": -4}}):
        app.frame.page.bridge._message(None, {"restore": bad})
        assert app.sites[PainSite.LOWER_BACK].value and "Urgency: ROUTINE" in app.verdict.value


def test_a_guest_keeps_nothing_in_the_browser():
    app = Explorer(context=make_context(name=None))
    assert app.frame.page.bridge.store_key == ""


def test_history_is_a_labelled_control_and_changes_the_verdict():
    app = Explorer(context=make_context())
    voc = vocabulary()
    page = html_of(app.widget)
    assert "Past medical history" in page
    for h in History:
        assert app.history[h].description == voc.history_item(h) and "_" not in app.history[h].description
        assert f"triage-history-{h.value}" in app.history[h]._dom_classes
    app.history[History.CANCER].value = True
    assert "Urgency: URGENT" in app.verdict.value
    assert "Red flag: A past cancer with new back or hip pain" in app.verdict.value
    app.symptoms[Symptom.LEG_NUMBNESS_OR_TINGLING].value = True
    assert "Urgency: EMERGENCY" in app.verdict.value
    assert app.presentation().history == frozenset({History.CANCER})
    app.load(Presentation(pain_sites=["hip"], duration_weeks=1, age=70, trauma="minor", history=["osteoporosis"]))
    assert app.history[History.OSTEOPOROSIS].value and not app.history[History.CANCER].value
    assert "Urgency: URGENT" in app.verdict.value and "walk does not rule out a hip fracture" in app.reasons.value


def test_red_flag_symptoms_come_from_the_knowledge_base():
    app = Explorer(context=make_context())
    column = next(c for c in app.frame.body[0].children if "triage-explorer-inputs" in c._dom_classes)
    kids = list(column.children)
    heading = next(i for i, k in enumerate(kids) if "Red-flag symptoms" in str(getattr(k, "value", "")))
    red = set(kids[heading + 1].children)
    for s in (Symptom.DIFFICULTY_PASSING_URINE, Symptom.SADDLE_NUMBNESS, Symptom.BILATERAL_SCIATICA, Symptom.FEVER):
        assert app.symptoms[s] in red
    for s in (Symptom.RADIATING_LEG_PAIN, Symptom.PAIN_EASED_BY_REST):
        assert app.symptoms[s] not in red


def test_a_child_gets_the_scope_note_and_a_hot_painful_hip_is_an_emergency():
    app = Explorer(context=make_context())
    app.age.value = 7
    app.sites[PainSite.HIP].value = True
    assert "aged 16 and over" in app.reasons.value
    app.symptoms[Symptom.FEVER].value = True
    assert "Urgency: EMERGENCY" in app.verdict.value
    assert "A child under 16 with a fever or chills and pain in the back, hip or leg, or a limp" in app.verdict.value


def test_without_a_pain_site_no_stale_reasons_remain_and_an_emergency_sign_still_shows():
    """FINDINGS F12: unticking every site left the previous "No red flags ... primary care" beside a ticked
    emergency sign. A warning sign that reads no pain site decides its urgency even before a site is ticked."""
    app = Explorer(context=make_context())
    assert "First stop is primary care" in app.reasons.value and "What would change it" in app.changes.value
    app.sites[PainSite.LOWER_BACK].value = False
    assert "No result yet" in app.verdict.value
    assert "First stop is primary care" not in app.reasons.value and "No red flags" not in app.reasons.value
    assert "saddle" not in app.changes.value and "next step:" not in app.changes.value
    app.symptoms[Symptom.SADDLE_NUMBNESS].value = True
    saddle = vocabulary().rule("RF-saddle_numbness").removeprefix("Red flag: ")
    assert "Urgency: EMERGENCY" in app.verdict.value and "Emergency department" in app.verdict.value
    assert saddle in app.verdict.value and "Tick at least one place where it hurts" in app.verdict.value
    assert "No red flags" not in app.reasons.value and "decides the result" in app.reasons.value
    assert "any new numbness of the groin" not in app.changes.value  # it is ticked: never offered as a change
    # a toddler's fever needs no site either; removing the sign leaves no verdict and no old reasons
    app.symptoms[Symptom.SADDLE_NUMBNESS].value = False
    assert "No result yet" in app.verdict.value and "decides the result" not in app.reasons.value
    app.age.value = 2
    app.symptoms[Symptom.FEVER].value = True
    assert "Urgency: EMERGENCY" in app.verdict.value and "A child under 16 with a fever" in app.verdict.value
    # a site ticked again gives the full result
    app.sites[PainSite.LEG].value = True
    assert "Urgency: EMERGENCY" in app.verdict.value and "Tick at least one place" not in app.verdict.value
    assert app.assessment is not None


def test_numbers_that_do_not_fit_leave_no_stale_reasons():
    app = Explorer(context=make_context())
    app.symptoms[Symptom.FEVER].value = True
    assert "Fever with the pain" in app.reasons.value
    app.care.value = 9  # more than the 2 weeks of pain
    assert "No result yet" in app.verdict.value
    assert "Fever with the pain" not in app.reasons.value and "next step:" not in app.changes.value


def test_a_reason_that_fires_twice_is_listed_once_the_more_urgent_one():
    """Cannot stand on the leg, after a minor fall: the injury's flag (emergency) and the same-day flag it
    contains both fire; the student reads the reason once, as the emergency."""
    app = Explorer(context=make_context())
    app.sites[PainSite.HIP].value = True
    app.symptoms[Symptom.CANNOT_BEAR_WEIGHT].value = True
    assert "Urgency: URGENT" in app.verdict.value  # no injury: the same-day flag alone
    assert app.reasons.value.count("Red flag: Cannot stand or put weight on the leg") == 1
    app.trauma.value = Trauma.MINOR.value
    assert "Urgency: EMERGENCY" in app.verdict.value
    for part in (app.verdict.value, app.reasons.value):
        assert part.count("Cannot stand or put weight on the leg") == 1, part
    assert "Cannot stand or put weight on the leg after an injury, even a minor one" in app.verdict.value
    assert "Red flag: Cannot stand or put weight on the leg after an injury" in app.reasons.value
    # before a pain site is ticked the warning signs alone decide: the same reason is still listed once
    app.sites[PainSite.HIP].value = False
    app.sites[PainSite.LOWER_BACK].value = False
    assert "Urgency: EMERGENCY" in app.verdict.value
    assert app.reasons.value.count("Cannot stand or put weight on the leg") == 1


def test_the_clinical_teachers_walk_through_the_red_flags():
    """ut-lesson2 FINDINGS, clinical teacher items 1-5, played in one explorer as the tester did."""
    app = Explorer(context=make_context())
    app.age.value = 45
    # 1. an adult with a fever who cannot stand on the leg: the emergency department, and why
    app.symptoms[Symptom.FEVER].value = True
    assert "Urgency: URGENT" in app.verdict.value and "same day" in app.reasons.value
    app.symptoms[Symptom.CANNOT_BEAR_WEIGHT].value = True
    assert "Urgency: EMERGENCY" in app.verdict.value
    assert "next step: <strong>Emergency department</strong>" in app.verdict.value
    assert "septic arthritis" in app.reasons.value and "urgent-care clinic" in app.reasons.value
    assert "No red flags" not in app.reasons.value  # 4. nothing outranked says there is no red flag
    app.symptoms[Symptom.FEVER].value = False
    app.symptoms[Symptom.CANNOT_BEAR_WEIGHT].value = False
    # 2. a past cancer alone: the person's own doctor the same day, and the reason says the same place
    app.age.value = 60
    app.duration.value = 3
    app.history[History.CANCER].value = True
    assert "Urgency: URGENT" in app.verdict.value
    assert "next step: <strong>Primary care doctor</strong>" in app.verdict.value
    assert "Urgent care" not in app.verdict.value and "own doctor" in app.reasons.value
    # 3. with worsening leg weakness, or new pain down both legs: possible cord compression, never "same day"
    for s in (Symptom.LEG_WEAKNESS_PROGRESSIVE, Symptom.BILATERAL_SCIATICA):
        app.symptoms[s].value = True
        assert "Urgency: EMERGENCY" in app.verdict.value
        assert "metastatic spinal cord compression" in app.reasons.value, s
        assert "assessed the same day" not in app.reasons.value and "same day" not in app.verdict.value, s
        assert "physiatrist" not in app.reasons.value, s  # 5. no planned specialist in an emergency
        app.symptoms[s].value = False
    # 5. a child's scope note is given once
    app.history[History.CANCER].value = False
    app.age.value = 2
    app.symptoms[Symptom.FEVER].value = True
    note = "This course&#39;s rules are written for people aged 16 and over"
    assert app.reasons.value.count(note) == 1, app.reasons.value
