"""Explorer app: controls change the visible disposition, trace and counterfactuals."""

from triage.model import Finding, PainSite, Presentation, Symptom
from triage.ui import Explorer


def test_starts_routine_in_primary_care_with_the_notice():
    app = Explorer()
    assert "Urgency: ROUTINE" in app.result.value
    assert "Primary care physician" in app.result.value
    assert "Educational use only" in app.widget.children[0].value


def test_ticking_a_red_flag_shows_the_emergency_disposition():
    app = Explorer()
    app.symptoms[Symptom.SADDLE_NUMBNESS_PROGRESSIVE].value = True
    assert "Urgency: EMERGENCY" in app.result.value
    assert "Emergency department" in app.result.value
    assert "RF-saddle_numbness_progressive" in app.result.value
    app.symptoms[Symptom.SADDLE_NUMBNESS_PROGRESSIVE].value = False
    assert "Urgency: ROUTINE" in app.result.value


def test_findings_after_conservative_care_route_to_a_specialist_and_list_changes():
    app = Explorer()
    app.duration.value = 10
    app.care.value = 8
    app.findings[Finding.JOINT_RESTRICTION].value = True
    assert "next step: <strong>Chiropractor</strong>" in app.result.value
    assert "Also consider: Physical therapist (PT)" in app.result.value
    assert "before any conservative care &rarr; routine, Primary care" in app.result.value


def test_trauma_dropdown_escalates():
    app = Explorer()
    app.trauma.value = "high_impact"
    assert "Urgency: EMERGENCY" in app.result.value


def test_inconsistent_inputs_show_a_message_instead_of_raising():
    app = Explorer()
    app.care.value = 9  # more than the 2 weeks of pain
    assert "conservative_care_weeks" in app.error.value
    assert app.result.value == ""
    assert app.assessment is None
    app.duration.value = 12
    assert app.error.value == ""
    assert "Physiatrist" in app.result.value


def test_no_pain_site_is_reported():
    app = Explorer()
    app.sites[PainSite.LOWER_BACK].value = False
    assert "pain_sites" in app.error.value


def test_load_sets_every_control():
    p = Presentation(pain_sites=["hip", "groin"], duration_weeks=13, conservative_care_weeks=8,
                     findings=["hip_labral_tear"], prefers_non_surgical=True, age=19)
    app = Explorer(p)
    assert app.presentation() == p
    assert "next step: <strong>Physiatrist" in app.result.value
