"""The engine: every rule and documented edge case, with expectations written from the guide."""

from __future__ import annotations

import json

import pytest

from triage.domain.engine import Engine, assess
from triage.domain.knowledge import load_knowledge
from triage.domain.model import Finding, NextStep, Presentation, Symptom, Trauma, Urgency

E, U, R = Urgency.EMERGENCY, Urgency.URGENT, Urgency.ROUTINE


def p(**kw) -> Presentation:
    kw.setdefault("pain_sites", ["lower_back"])
    kw.setdefault("duration_weeks", max(kw.get("conservative_care_weeks", 0), 2))
    return Presentation(**kw)


def persisting(**kw) -> Presentation:
    """Pain that has outlasted a fair conservative-care trial (6 weeks, see rules.yaml)."""
    return p(duration_weeks=10, conservative_care_weeks=8, **kw)


# -- red flags -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("symptom", "urgency", "step"),
    [
        ("new_bowel_or_bladder_incontinence", E, NextStep.EMERGENCY_DEPARTMENT),
        ("saddle_numbness_progressive", E, NextStep.EMERGENCY_DEPARTMENT),
        ("leg_weakness_progressive", E, NextStep.EMERGENCY_DEPARTMENT),
        ("fever", U, NextStep.URGENT_CARE),
        ("chills", U, NextStep.URGENT_CARE),
        ("unexplained_weight_loss", U, NextStep.URGENT_CARE),
    ],
)
def test_each_red_flag_symptom_escalates(symptom, urgency, step):
    a = assess(p(symptoms=[symptom]))
    assert (a.urgency, a.next_step) == (urgency, step)
    assert a.red_flags == (symptom,)
    assert a.trace[0].rule_id == f"RF-{symptom}"
    assert a.trace[0].effect == "decides"
    assert a.trace[0].guide_section == "red-flags"


def test_high_impact_trauma_is_an_emergency_even_without_symptoms():
    a = assess(p(trauma="high_impact"))
    assert (a.urgency, a.next_step, a.red_flags) == (E, NextStep.EMERGENCY_DEPARTMENT, ("high_impact_trauma",))


def test_minor_trauma_is_not_a_red_flag():
    a = assess(p(trauma="minor"))
    assert (a.urgency, a.next_step, a.red_flags) == (R, NextStep.PRIMARY_CARE, ())


def test_urgent_flags_offer_the_emergency_department_as_the_same_day_alternative():
    assert assess(p(symptoms=["chills"])).also_consider == (NextStep.EMERGENCY_DEPARTMENT,)


def test_highest_urgency_wins_and_every_flag_is_reported():
    a = assess(p(symptoms=["fever", "leg_weakness_progressive"], trauma="high_impact"))
    assert (a.urgency, a.next_step) == (E, NextStep.EMERGENCY_DEPARTMENT)
    assert set(a.red_flags) == {"fever", "leg_weakness_progressive", "high_impact_trauma"}
    effects = {hit.rule_id: hit.effect for hit in a.trace}
    assert effects["RF-fever"] == "overridden"
    assert effects["RF-leg_weakness_progressive"] == "decides"
    assert effects["RF-high_impact_trauma"] == "agrees"
    assert a.also_consider == ()


def test_red_flag_overrides_a_specialist_referral():
    a = assess(persisting(findings=["severe_osteoarthritis"], symptoms=["unexplained_weight_loss"]))
    assert (a.urgency, a.next_step) == (U, NextStep.URGENT_CARE)
    assert {h.rule_id: h.effect for h in a.trace}["REF-STRUCTURAL"] == "overridden"


def test_red_flags_do_not_need_findings_or_conservative_care():
    a = assess(p(symptoms=["saddle_numbness_progressive"], duration_weeks=0))
    assert a.urgency == E


# -- routine pathway ---------------------------------------------------------------------------

def test_new_pain_without_red_flags_starts_in_primary_care():
    a = assess(p(symptoms=["pain_worse_with_movement"]))
    assert (a.urgency, a.next_step, a.red_flags, a.also_consider) == (R, NextStep.PRIMARY_CARE, (), ())
    assert a.trace[0].rule_id == "PC-START"


@pytest.mark.parametrize("finding", [f.value for f in Finding])
def test_findings_do_not_skip_primary_care_before_conservative_care_has_had_a_fair_trial(finding):
    a = assess(p(duration_weeks=10, conservative_care_weeks=5, findings=[finding]))
    assert a.next_step == NextStep.PRIMARY_CARE


def test_the_trial_counts_as_complete_at_exactly_six_weeks():
    assert assess(p(duration_weeks=6, conservative_care_weeks=6, findings=["muscle_imbalance"])).next_step == (
        NextStep.PHYSICAL_THERAPIST
    )
    assert assess(p(duration_weeks=6, conservative_care_weeks=5.9, findings=["muscle_imbalance"])).next_step == (
        NextStep.PRIMARY_CARE
    )


def test_long_pain_without_any_conservative_care_still_goes_to_primary_care():
    assert assess(p(duration_weeks=30, conservative_care_weeks=0)).next_step == NextStep.PRIMARY_CARE


@pytest.mark.parametrize("finding", ["severe_osteoarthritis", "hip_labral_tear", "spinal_instability"])
def test_structural_failure_after_conservative_care_goes_to_the_orthopedic_surgeon(finding):
    a = assess(persisting(findings=[finding]))
    assert (a.urgency, a.next_step) == (R, NextStep.ORTHOPEDIC_SURGEON)
    assert a.trace[0].rule_id == "REF-STRUCTURAL"
    assert a.trace[0].guide_section == "medical-specialists"


def test_structural_failure_and_a_wish_to_avoid_surgery_goes_to_the_physiatrist_with_the_surgeon_alongside():
    a = assess(persisting(findings=["hip_labral_tear"], prefers_non_surgical=True))
    assert a.next_step == NextStep.PHYSIATRIST
    assert a.also_consider == (NextStep.ORTHOPEDIC_SURGEON,)


def test_nerve_compression_goes_to_the_physiatrist():
    a = assess(persisting(findings=["nerve_compression"], symptoms=["radiating_leg_pain"]))
    assert (a.next_step, a.also_consider) == (NextStep.PHYSIATRIST, ())


def test_muscle_imbalance_goes_to_the_physical_therapist():
    a = assess(persisting(findings=["muscle_imbalance"]))
    assert (a.next_step, a.also_consider) == (NextStep.PHYSICAL_THERAPIST, ())
    assert a.trace[0].guide_section == "rehabilitation"


def test_joint_restriction_goes_to_the_chiropractor_with_physical_therapy_as_complement():
    a = assess(persisting(findings=["joint_restriction"]))
    assert (a.next_step, a.also_consider) == (NextStep.CHIROPRACTOR, (NextStep.PHYSICAL_THERAPIST,))


def test_persisting_pain_with_no_finding_goes_to_the_physiatrist():
    a = assess(persisting())
    assert a.next_step == NextStep.PHYSIATRIST
    assert a.trace[0].rule_id == "REF-UNCLEAR"


def test_surgical_preference_alone_changes_nothing_without_a_structural_finding():
    for findings in ([], ["muscle_imbalance"], ["joint_restriction"], ["nerve_compression"]):
        assert assess(persisting(findings=findings, prefers_non_surgical=True)).next_step == (
            assess(persisting(findings=findings)).next_step
        )


@pytest.mark.parametrize(
    ("findings", "step", "also"),
    [
        (["severe_osteoarthritis", "nerve_compression"], NextStep.ORTHOPEDIC_SURGEON, (NextStep.PHYSIATRIST,)),
        (["nerve_compression", "muscle_imbalance"], NextStep.PHYSIATRIST, (NextStep.PHYSICAL_THERAPIST,)),
        (["muscle_imbalance", "joint_restriction"], NextStep.PHYSICAL_THERAPIST, (NextStep.CHIROPRACTOR,)),
        (["spinal_instability", "joint_restriction"], NextStep.ORTHOPEDIC_SURGEON,
         (NextStep.CHIROPRACTOR, NextStep.PHYSICAL_THERAPIST)),
    ],
)
def test_several_findings_the_most_serious_decides_and_the_rest_join_the_plan(findings, step, also):
    a = assess(persisting(findings=findings))
    assert a.next_step == step
    assert a.also_consider == also


def test_next_step_never_appears_in_also_consider():
    a = assess(persisting(findings=["hip_labral_tear", "nerve_compression"], prefers_non_surgical=True))
    assert a.next_step == NextStep.PHYSIATRIST
    assert NextStep.PHYSIATRIST not in a.also_consider
    assert a.also_consider == (NextStep.ORTHOPEDIC_SURGEON,)


# -- notes -------------------------------------------------------------------------------------

def test_notes_explain_without_changing_the_result():
    plain = assess(p(pain_sites=["lower_back"]))
    noted = assess(p(pain_sites=["lower_back", "hip"], symptoms=["leg_numbness_or_tingling"]))
    assert (noted.urgency, noted.next_step) == (plain.urgency, plain.next_step)
    ids = [h.rule_id for h in noted.trace if h.effect == "note"]
    assert ids == ["NOTE-NERVE-SYMPTOMS", "NOTE-BACK-AND-HIP"]
    assert len(noted.notes) == 2


def test_fragility_note_needs_minor_trauma_and_age_65_or_more():
    def noted(**kw):
        return any(h.rule_id == "NOTE-FRAGILITY" for h in assess(p(**kw)).trace)

    assert noted(trauma="minor", age=65)
    assert not noted(trauma="minor", age=64)
    assert not noted(trauma="minor")
    assert not noted(trauma="none", age=80)
    hit = next(h for h in assess(p(trauma="minor", age=80)).trace if h.rule_id == "NOTE-FRAGILITY")
    assert any("IFOMPT" in s for s in hit.sources)


# -- what would change -------------------------------------------------------------------------

def _changes(a):
    return {(c.field, c.action, str(c.value)): (c.urgency, c.next_step) for c in a.what_would_change}


def test_what_would_change_for_a_new_routine_presentation():
    changes = _changes(assess(p()))
    assert changes[("symptoms", "add", "fever")] == (U, NextStep.URGENT_CARE)
    assert changes[("symptoms", "add", "new_bowel_or_bladder_incontinence")] == (E, NextStep.EMERGENCY_DEPARTMENT)
    assert changes[("trauma", "set", "high_impact")] == (E, NextStep.EMERGENCY_DEPARTMENT)
    assert changes[("conservative_care_weeks", "set", "6.0")] == (R, NextStep.PHYSIATRIST)
    # Adding a finding alone does not bypass primary care, so it is not listed.
    assert not any(field == "findings" for field, _, _ in changes)
    assert ("trauma", "set", "minor") not in changes
    assert len(changes) == 8  # six red-flag symptoms, high-impact trauma, completing the care trial


def test_what_would_change_for_a_red_flag_lists_removing_it():
    changes = _changes(assess(p(symptoms=["fever"])))
    assert changes[("symptoms", "remove", "fever")] == (R, NextStep.PRIMARY_CARE)
    assert ("symptoms", "add", "chills") not in changes  # still urgent, still urgent care


def test_what_would_change_includes_the_surgical_preference_when_it_matters():
    changes = _changes(assess(persisting(findings=["severe_osteoarthritis"])))
    assert changes[("prefers_non_surgical", "set", "True")] == (R, NextStep.PHYSIATRIST)
    assert changes[("conservative_care_weeks", "set", "0")] == (R, NextStep.PRIMARY_CARE)
    assert changes[("findings", "remove", "severe_osteoarthritis")] == (R, NextStep.PHYSIATRIST)


def test_what_would_change_is_empty_when_nothing_single_can_change_it():
    a = assess(p(symptoms=["new_bowel_or_bladder_incontinence", "leg_weakness_progressive"], trauma="high_impact"))
    assert a.what_would_change == ()


# -- contract and configuration ----------------------------------------------------------------

def test_assess_accepts_a_mapping_and_to_dict_is_json():
    a = assess({"pain_sites": ["hip"], "duration_weeks": 1, "symptoms": ["chills"]})
    data = json.loads(json.dumps(a.to_dict()))
    assert data["urgency"] == "urgent"
    assert data["disclaimer"].startswith("Educational use only")


def test_the_conservative_care_threshold_is_data(tmp_path):
    import shutil

    from triage.domain.knowledge import HERE

    for f in HERE.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    rules = tmp_path / "rules.yaml"
    rules.write_text(rules.read_text().replace("value: 6", "value: 3"))
    engine = Engine(load_knowledge(tmp_path))
    a = engine.assess(p(duration_weeks=4, conservative_care_weeks=3, findings=["muscle_imbalance"]))
    assert a.next_step == NextStep.PHYSICAL_THERAPIST


def test_enums_match_the_contract_ids():
    assert {s.value for s in Symptom} == {
        "new_bowel_or_bladder_incontinence", "saddle_numbness_progressive", "leg_weakness_progressive",
        "fever", "chills", "unexplained_weight_loss", "radiating_leg_pain", "leg_numbness_or_tingling",
        "pain_worse_with_movement", "pain_eased_by_rest",
    }
    assert {t.value for t in Trauma} == {"none", "minor", "high_impact"}
    assert {s.value for s in NextStep} == {
        "emergency_department", "urgent_care", "primary_care", "orthopedic_surgeon", "physiatrist",
        "physical_therapist", "chiropractor",
    }
