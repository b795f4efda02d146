"""The engine: every rule and documented edge case, with expectations written from the guide."""

from __future__ import annotations

import json

import pytest

from triage.domain.engine import Engine, assess
from triage.domain.knowledge import load_knowledge
from triage.domain.model import Finding, History, NextStep, PainSite, Presentation, Symptom, Trauma, Urgency

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
        ("difficulty_passing_urine", E, NextStep.EMERGENCY_DEPARTMENT),
        ("saddle_numbness", E, NextStep.EMERGENCY_DEPARTMENT),
        ("bilateral_sciatica", E, NextStep.EMERGENCY_DEPARTMENT),
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


def test_ordinary_presentations_are_not_over_triaged():
    fall = assess(p(age=40, pain_sites=["hip"], trauma="minor", symptoms=["pain_worse_with_movement"]))
    assert (fall.urgency, fall.next_step, fall.red_flags) == (R, NextStep.PRIMARY_CARE, ())
    sciatica = assess(p(age=40, pain_sites=["lower_back", "leg"],
                        symptoms=["radiating_leg_pain", "leg_numbness_or_tingling"]))
    assert (sciatica.urgency, sciatica.next_step, sciatica.red_flags) == (R, NextStep.PRIMARY_CARE, ())
    persisting_sciatica = assess(persisting(age=40, symptoms=["radiating_leg_pain"], findings=["nerve_compression"]))
    assert (persisting_sciatica.urgency, persisting_sciatica.next_step) == (R, NextStep.PHYSIATRIST)
    # a risk factor with nothing that it changes the meaning of stays routine: long-standing back pain
    for history in (["osteoporosis"], ["long_term_steroids"], ["immunosuppression"], ["iv_drug_use"]):
        assert assess(p(age=40, history=history, duration_weeks=12)).urgency is R, history
    # (new back pain with a weakened immune system or injected drugs is a same-day matter: see below)


# -- red flags beyond the guide (cited in red_flags.yaml) ------------------------------------

@pytest.mark.parametrize(
    ("kw", "flag"),
    [
        ({"age": 65, "trauma": "minor"}, "fracture_risk"),
        ({"age": 90, "trauma": "minor"}, "fracture_risk"),
        ({"age": 40, "trauma": "minor", "history": ["osteoporosis"]}, "fracture_risk"),
        ({"age": 30, "trauma": "minor", "history": ["long_term_steroids"]},
         ("fracture_risk", "infection_risk_new_back_pain")),
        ({"trauma": "minor", "history": ["osteoporosis"]}, "fracture_risk"),
        # no injury at all: a cough or a lift can break a vertebra made fragile (NICE CKS, Back pain - low)
        ({"age": 74, "duration_weeks": 0.4, "history": ["osteoporosis"]}, "fracture_risk"),
        ({"age": 35, "duration_weeks": 1, "history": ["long_term_steroids"]},
         ("fracture_risk", "infection_risk_new_back_pain")),
        # (a past cancer is the same day too, but with the person's own doctor: see the clinical teacher's tests)
        # children (NICE CKS, Limp in children): any pain under 3 is seen the same day ...
        ({"age": 2, "pain_sites": ["leg"]}, "young_child_pain"),
        ({"age": 0, "pain_sites": ["hip"]}, "young_child_pain"),
        ({"age": 1, "pain_sites": ["lower_back"], "trauma": "minor"}, "young_child_pain"),
        # ... and from 9 to 15, hip, groin, thigh or knee pain may be a slipped upper femoral epiphysis
        ({"age": 12, "pain_sites": ["knee"], "duration_weeks": 3}, "possible_slipped_hip"),
        ({"age": 9, "pain_sites": ["groin"]}, "possible_slipped_hip"),
        ({"age": 15, "pain_sites": ["thigh", "lower_back"]}, "possible_slipped_hip"),
    ],
)
def test_urgent_flags_beyond_the_guide(kw, flag):
    a = assess(p(**kw))
    assert (a.urgency, a.next_step) == (U, NextStep.URGENT_CARE)
    assert a.red_flags == (flag if isinstance(flag, tuple) else (flag,))
    assert a.also_consider == (NextStep.EMERGENCY_DEPARTMENT,)


def test_fracture_risk_needs_a_fragile_bone_and_an_injury_or_new_back_pain():
    assert assess(p(age=64, trauma="minor")).urgency is R
    assert assess(p(trauma="minor")).urgency is R  # age not given: not assumed old
    assert assess(p(age=80)).urgency is R  # age alone, with no injury, is not enough
    assert assess(p(age=80, duration_weeks=0.5)).urgency is R
    # osteoporosis or steroids without any injury: new back pain counts, long-standing pain does not
    assert assess(p(age=80, history=["osteoporosis"], duration_weeks=0.5)).urgency is U
    assert assess(p(age=80, history=["osteoporosis"], duration_weeks=2)).urgency is U
    assert assess(p(age=80, history=["osteoporosis"], duration_weeks=2.5)).urgency is R
    assert assess(p(age=70, history=["long_term_steroids"], duration_weeks=40)).urgency is R
    # the vertebra is the bone that breaks without an injury; a hip hurts after a fall (the minor-injury rule)
    assert assess(p(age=80, history=["osteoporosis"], pain_sites=["hip"], duration_weeks=0.5)).urgency is R
    assert assess(p(age=80, history=["osteoporosis"], pain_sites=["hip"], trauma="minor")).urgency is U


def test_fracture_risk_without_an_injury_says_why():
    a = assess(p(age=74, history=["osteoporosis"], duration_weeks=0.4))
    assert "cough" in a.trace[0].reason and "no injury" in a.trace[0].reason
    assert any("coughing" in s for s in a.trace[0].sources)
    later = {(c.field, c.value): c.urgency for c in a.what_would_change}
    assert later[("duration_weeks", 3)] is R  # the same ache three weeks on starts in primary care


def test_fracture_risk_says_that_walking_does_not_rule_out_a_hip_fracture():
    a = assess(p(age=78, pain_sites=["hip"], trauma="minor"))
    assert "walk does not rule out a hip fracture" in a.trace[0].reason
    assert any("CG124" in s for s in a.trace[0].sources)


@pytest.mark.parametrize(
    ("kw", "flags"),
    [
        ({"history": ["cancer"], "symptoms": ["radiating_leg_pain"]}, ("cancer_with_nerve_symptoms", "cancer_history")),
        ({"history": ["cancer"], "symptoms": ["leg_numbness_or_tingling"]},
         ("cancer_with_nerve_symptoms", "cancer_history")),
        ({"history": ["cancer"], "symptoms": ["leg_weakness_progressive"]},
         ("leg_weakness_progressive", "cancer_with_nerve_symptoms", "cancer_history")),
        # (two weeks of back pain is also new back pain with the risk factor, a same-day flag of its own)
        ({"history": ["immunosuppression"], "symptoms": ["fever"]},
         ("infection_risk_with_fever", "fever", "infection_risk_new_back_pain")),
        ({"history": ["iv_drug_use"], "symptoms": ["chills"]},
         ("infection_risk_with_fever", "chills", "infection_risk_new_back_pain")),
        ({"age": 7, "pain_sites": ["hip"], "symptoms": ["fever"]}, ("child_hip_fever", "fever")),
        ({"age": 15, "pain_sites": ["knee"], "symptoms": ["fever"]},
         ("child_hip_fever", "fever", "possible_slipped_hip")),
        ({"age": 2, "pain_sites": ["hip"], "symptoms": ["fever"]}, ("child_hip_fever", "fever", "young_child_pain")),
        # long-term steroids weaken the immune system: with a fever, a spinal infection is an emergency
        # (two weeks of back pain on steroids is also new back pain with fragile bones)
        ({"age": 60, "history": ["long_term_steroids"], "symptoms": ["fever"]},
         ("infection_risk_with_fever", "fever", "fracture_risk", "infection_risk_new_back_pain")),
        ({"age": 60, "history": ["long_term_steroids"], "symptoms": ["chills"], "duration_weeks": 8},
         ("infection_risk_with_fever", "chills")),
    ],
)
def test_emergency_flags_beyond_the_guide(kw, flags):
    a = assess(p(**kw))
    assert (a.urgency, a.next_step) == (E, NextStep.EMERGENCY_DEPARTMENT)
    assert a.red_flags == flags
    assert a.trace[0].effect == "decides" and a.trace[0].rule_id == f"RF-{flags[0]}"


def test_fever_alone_stays_as_the_guide_has_it():
    # osteoporosis weakens bones, not the immune system: long-standing back pain with a fever stays urgent
    for kw in ({"age": 40}, {"age": 16, "pain_sites": ["hip"]},
               {"age": 40, "history": ["osteoporosis"], "duration_weeks": 8}):
        a = assess(p(symptoms=["fever"], **kw))
        assert (a.urgency, a.next_step, a.red_flags) == (U, NextStep.URGENT_CARE, ("fever",)), kw


def test_under_16_the_output_notes_the_scope_and_red_flags_still_apply():
    child = assess(p(age=6, pain_sites=["hip"]))  # a well six-year-old with a sore hip and no fever
    assert (child.urgency, child.next_step) == (R, NextStep.PRIMARY_CARE)
    (note,) = [n for n in child.notes if "16" in n]
    assert "aged 16 and over" in note and "NG59" in note and "clinician" in note
    assert not any("16 and over" in n for n in assess(p(age=16)).notes)
    assert not any("16 and over" in n for n in assess(p()).notes)
    assert assess(p(age=9, symptoms=["new_bowel_or_bladder_incontinence"])).urgency is E
    assert assess(p(age=9, trauma="high_impact")).urgency is E


def test_the_childrens_flags_keep_their_age_bands():
    """Under 3 anything; 9 to 15 the hip, groin, thigh or knee; outside those bands the usual rules."""
    assert assess(p(age=3, pain_sites=["leg"])).urgency is R  # a three-year-old's limp: primary care
    assert assess(p(age=8, pain_sites=["knee"])).urgency is R  # below the slipped hip's age band
    assert assess(p(age=16, pain_sites=["knee"])).urgency is R  # the course's adult rules from 16
    assert assess(p(age=16, pain_sites=["hip", "groin"])).urgency is R
    assert assess(p(age=12, pain_sites=["lower_back"])).urgency is R  # back pain alone is not a hip
    assert assess(p(age=12, pain_sites=["leg"])).urgency is R
    assert assess(p(pain_sites=["knee"])).urgency is R  # an age not given is not assumed to be a child's
    teen = assess(p(age=12, pain_sites=["knee"]))
    assert (teen.urgency, teen.next_step, teen.also_consider) == (U, NextStep.URGENT_CARE,
                                                                   (NextStep.EMERGENCY_DEPARTMENT,))
    assert "knee" in teen.trace[0].reason and "X-rayed the same day" in teen.trace[0].reason
    assert any(h.rule_id == "NOTE-KNEE" for h in teen.trace) and any("16 and over" in n for n in teen.notes)
    toddler = assess(p(age=2, pain_sites=["leg"]))
    assert "cannot say where it hurts" in toddler.trace[0].reason


def test_several_warning_signs_are_noted_without_adding_up():
    a = assess(p(age=86, symptoms=["fever", "chills"]))
    assert (a.urgency, a.red_flags) == (U, ("fever", "chills"))
    assert any(h.rule_id == "NOTE-SEVERAL-WARNING-SIGNS" for h in a.trace)
    assert any("combination" in n for n in a.notes)
    assert not any(h.rule_id == "NOTE-SEVERAL-WARNING-SIGNS" for h in assess(p(symptoms=["fever"])).trace)


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


def test_knee_pain_notes_that_it_may_come_from_the_hip():
    a = assess(p(age=60, pain_sites=["knee"]))
    assert (a.urgency, a.next_step) == (R, NextStep.PRIMARY_CARE)
    assert any(h.rule_id == "NOTE-KNEE" for h in a.trace)


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
    assert changes[("history", "add", "cancer")] == (U, NextStep.PRIMARY_CARE)  # the own doctor, the same day
    # two weeks of back pain is new pain: with fragile bones, a vertebra may have broken without an injury
    assert changes[("history", "add", "osteoporosis")] == (U, NextStep.URGENT_CARE)
    assert changes[("history", "add", "long_term_steroids")] == (U, NextStep.URGENT_CARE)
    # a child under 3 is seen the same day; no other age band changes back pain (the slipped hip is hip pain)
    ages = [c for c in assess(p()).what_would_change if c.field == "age"]
    assert [(c.description, c.urgency, c.next_step) for c in ages] == [("if aged 2 or under", U, NextStep.URGENT_CARE)]
    # new back pain with a weakened immune system or injected drugs is seen the same day, fever or not
    assert changes[("history", "add", "immunosuppression")] == (U, NextStep.URGENT_CARE)
    assert changes[("history", "add", "iv_drug_use")] == (U, NextStep.URGENT_CARE)
    assert changes[("symptoms", "add", "cannot_bear_weight")] == (U, NextStep.URGENT_CARE)
    # ten red-flag symptoms, the five history items, high-impact trauma, a toddler's age, completing the care trial
    assert len(changes) == 18


def test_what_would_change_names_the_age_bands_the_rules_use():
    changes = {(c.field, c.value): (c.urgency, c.description) for c in assess(p(age=70, trauma="minor"))
               .what_would_change}
    assert changes[("age", 64)] == (R, "if aged 16 to 64")
    assert changes[("age", 15)] == (R, "if aged 9 to 15")  # back pain is not the slipped hip's hip pain
    assert changes[("age", 8)] == (R, "if aged 3 to 8")
    assert ("age", 2) not in changes  # a toddler after a minor injury is seen the same day as well
    child = {(c.field, c.value): c.urgency for c in assess(p(age=8, pain_sites=["hip"], symptoms=["fever"]))
             .what_would_change}
    assert child[("age", 16)] is U


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
        "pain_worse_with_movement", "pain_eased_by_rest", "difficulty_passing_urine", "saddle_numbness",
        "bilateral_sciatica", "cannot_bear_weight",
    }
    assert {h.value for h in History} == {"cancer", "osteoporosis", "long_term_steroids", "immunosuppression",
                                          "iv_drug_use"}
    assert {s.value for s in PainSite} == {"lower_back", "hip", "groin", "buttock", "thigh", "leg", "knee"}
    assert {t.value for t in Trauma} == {"none", "minor", "high_impact"}
    assert {s.value for s in NextStep} == {
        "emergency_department", "urgent_care", "primary_care", "orthopedic_surgeon", "physiatrist",
        "physical_therapist", "chiropractor",
    }


# -- children with a fever, infection risk without a fever, a leg that cannot bear weight ---------------

@pytest.mark.parametrize("site", ["leg", "buttock", "hip", "groin", "thigh", "knee", "lower_back"])
@pytest.mark.parametrize("age", [1, 2, 5, 8, 12, 15])
@pytest.mark.parametrize("sign", ["fever", "chills"])
def test_a_child_with_a_fever_or_chills_and_pain_in_the_back_hip_or_leg_is_an_emergency(site, age, sign):
    # NICE CKS Limp in children: a limp or limb/joint pain with a fever needs immediate hospital assessment
    # (septic arthritis, osteomyelitis; in the back, discitis); the course enters a limp as `leg`.
    a = assess(p(age=age, pain_sites=[site], duration_weeks=0.1, symptoms=[sign]))
    assert (a.urgency, a.next_step) == (E, NextStep.EMERGENCY_DEPARTMENT)
    assert a.red_flags[0] == "child_hip_fever"
    assert (a.trace[0].rule_id, a.trace[0].effect) == ("RF-child_hip_fever", "decides")
    assert "spinal infection" not in a.trace[0].reason


def test_at_16_a_fever_with_leg_pain_follows_the_adult_rule():
    a = assess(p(age=16, pain_sites=["leg"], symptoms=["fever"]))
    assert (a.urgency, a.next_step, a.red_flags) == (U, NextStep.URGENT_CARE, ("fever",))


@pytest.mark.parametrize("history", ["iv_drug_use", "immunosuppression", "long_term_steroids"])
@pytest.mark.parametrize("weeks", [0.1, 1, 3, 6])
def test_new_back_pain_with_an_infection_risk_and_no_fever_is_seen_the_same_day(history, weeks):
    a = assess(p(age=34, duration_weeks=weeks, history=[history]))
    assert (a.urgency, a.next_step) == (U, NextStep.URGENT_CARE)
    assert "infection_risk_new_back_pain" in a.red_flags


@pytest.mark.parametrize("history", ["iv_drug_use", "immunosuppression"])
def test_long_standing_back_pain_with_an_infection_risk_is_not_this_flag(history):
    # chronic, unchanged pain starts in primary care (the boundary: more than six weeks)
    a = assess(p(age=34, duration_weeks=6.5, history=[history]))
    assert (a.urgency, a.next_step, a.red_flags) == (R, NextStep.PRIMARY_CARE, ())
    # a hip alone is not the spinal-infection flag
    a = assess(p(age=34, pain_sites=["hip"], duration_weeks=1, history=[history]))
    assert (a.urgency, a.red_flags) == (R, ())
    # the what-if names the boundary
    a = assess(p(age=34, duration_weeks=12, history=[history]))
    assert any(c.field == "duration_weeks" and c.urgency is U for c in a.what_would_change)


@pytest.mark.parametrize("history", ["iv_drug_use", "immunosuppression"])
@pytest.mark.parametrize("sign", ["fever", "chills"])
def test_an_infection_risk_with_a_fever_stays_an_emergency_at_any_duration(history, sign):
    for weeks in (1, 52):
        a = assess(p(age=34, duration_weeks=weeks, history=[history], symptoms=[sign]))
        assert (a.urgency, a.next_step, a.red_flags[0]) == (E, NextStep.EMERGENCY_DEPARTMENT,
                                                             "infection_risk_with_fever")


@pytest.mark.parametrize("age", [2, 8, 30, 81])
@pytest.mark.parametrize("trauma", ["minor", "high_impact"])
def test_cannot_bear_weight_after_an_injury_is_an_emergency(age, trauma):
    # NICE CG124: suspected hip fracture goes to hospital at once; a child who cannot stand after a fall too
    a = assess(p(age=age, pain_sites=["hip"], duration_weeks=0.1, trauma=trauma, symptoms=["cannot_bear_weight"]))
    assert (a.urgency, a.next_step) == (E, NextStep.EMERGENCY_DEPARTMENT)
    assert "injury_cannot_bear_weight" in a.red_flags


def test_the_81_year_old_who_walked_is_urgent_and_the_one_who_cannot_stand_is_an_emergency():
    walked = assess(p(age=81, pain_sites=["hip"], duration_weeks=0.1, trauma="minor"))
    assert (walked.urgency, walked.next_step) == (U, NextStep.URGENT_CARE)
    change = [c for c in walked.what_would_change if c.field == "symptoms" and c.value == Symptom.CANNOT_BEAR_WEIGHT]
    assert [(c.action, c.urgency, c.next_step) for c in change] == [("add", E, NextStep.EMERGENCY_DEPARTMENT)]


@pytest.mark.parametrize("age", [2, 8, 40, 64])
def test_cannot_bear_weight_without_an_injury_is_seen_the_same_day(age):
    a = assess(p(age=age, pain_sites=["leg"], duration_weeks=0.1, symptoms=["cannot_bear_weight"]))
    assert (a.urgency, a.next_step) == (U, NextStep.URGENT_CARE)
    assert "cannot_bear_weight" in a.red_flags
    # with a fever a child is an emergency
    if age < 16:
        a = assess(p(age=age, pain_sites=["leg"], duration_weeks=0.1, symptoms=["cannot_bear_weight", "fever"]))
        assert (a.urgency, a.red_flags[0]) == (E, "child_hip_fever")


@pytest.mark.parametrize(("age", "history"), [(65, []), (80, []), (97, []), (50, ["osteoporosis"]),
                                              (40, ["long_term_steroids"]), (80, ["osteoporosis"])])
def test_cannot_bear_weight_with_fragile_bones_is_an_emergency_without_a_known_injury(age, history):
    # an older person often does not report or remember the fall; a suspected hip fracture goes to hospital
    # at once (NICE CG124), and an urgent care clinic cannot treat one
    a = assess(p(age=age, pain_sites=["hip"], duration_weeks=0.1, history=history, symptoms=["cannot_bear_weight"]))
    assert (a.urgency, a.next_step) == (E, NextStep.EMERGENCY_DEPARTMENT)
    assert "fragile_bones_cannot_bear_weight" in a.red_flags
    walked = assess(p(age=age, pain_sites=["hip"], duration_weeks=0.1, history=history))
    change = [c for c in walked.what_would_change if c.field == "symptoms" and c.value == Symptom.CANNOT_BEAR_WEIGHT]
    assert [(c.urgency, c.next_step) for c in change] == [(E, NextStep.EMERGENCY_DEPARTMENT)]


def test_without_a_site_only_the_flags_that_read_no_site_fire():
    engine = Engine()
    saddle = engine.assess_without_site(p(age=40, symptoms=["saddle_numbness"]))
    assert (saddle.urgency, saddle.red_flags) == (E, ("saddle_numbness",))
    teen = engine.assess_without_site(p(age=12, pain_sites=["knee"]))  # the slipped hip reads the site
    assert (teen.urgency, teen.red_flags) == (R, ())
    injecting = engine.assess_without_site(p(age=30, history=["iv_drug_use"]))  # new *back* pain reads the site
    assert injecting.red_flags == ()


# -- the clinical teacher's reading of the explorer (ut-lesson2 FINDINGS, items 1-3 and 5) -----------------

@pytest.mark.parametrize("age", [16, 45, 80, None])
@pytest.mark.parametrize("sign", ["fever", "chills"])
@pytest.mark.parametrize("site", ["hip", "lower_back", "knee"])
def test_a_fever_with_a_leg_that_cannot_bear_weight_is_an_emergency_at_any_age(age, sign, site):
    """Suspected septic arthritis or spinal infection needs hospital assessment the same day (aspiration,
    blood cultures, imaging), which an urgent-care clinic cannot do (NICE CKS, Septic arthritis)."""
    a = assess(p(age=age, pain_sites=[site], symptoms=[sign, "cannot_bear_weight"]))
    assert (a.urgency, a.next_step) == (E, NextStep.EMERGENCY_DEPARTMENT)
    assert a.red_flags[0] == "fever_cannot_bear_weight" and a.trace[0].effect == "decides"
    assert "septic arthritis" in a.trace[0].reason and "urgent-care clinic" in a.trace[0].reason
    # either sign alone stays the same day
    assert assess(p(age=age, pain_sites=[site], symptoms=[sign])).urgency is U
    # (at 65 or over a leg that cannot bear weight is a suspected broken hip without a fever too)
    alone = assess(p(age=age, pain_sites=[site], symptoms=["cannot_bear_weight"])).urgency
    assert alone is (E if age is not None and age >= 65 else U)


def test_the_fever_reason_says_why_the_same_day_and_what_makes_it_an_emergency():
    fever = next(f for f in load_knowledge().red_flags if f.id == "fever")
    assert "same day" in fever.explanation and "emergency" in fever.explanation
    # each escalation the reason names is one the engine makes
    assert "cannot stand" in fever.explanation
    assert assess(p(age=45, symptoms=["fever", "cannot_bear_weight"])).urgency is E
    assert "immune system" in fever.explanation and "inject" in fever.explanation
    assert assess(p(age=45, symptoms=["fever"], history=["immunosuppression"], duration_weeks=12)).urgency is E
    assert assess(p(age=45, symptoms=["fever"], history=["iv_drug_use"], duration_weeks=12)).urgency is E
    assert "child" in fever.explanation
    assert assess(p(age=10, symptoms=["fever"])).urgency is E


def test_a_past_cancer_alone_is_seen_the_same_day_by_the_persons_own_doctor():
    """NICE NG234: new spinal pain after a cancer, with no nerve symptom, is discussed with the MSCC team
    within 24 hours (MRI within a week): the same day, through primary care, not a walk-in clinic."""
    a = assess(p(age=60, duration_weeks=3, history=["cancer"]))
    assert (a.urgency, a.next_step, a.red_flags) == (U, NextStep.PRIMARY_CARE, ("cancer_history",))
    assert NextStep.URGENT_CARE not in a.also_consider
    reason = a.trace[0].reason
    assert "same day" in reason and "own doctor" in reason and "urgent care" not in reason.lower()
    # another same-day flag keeps its own place, and the doctor stays in the plan
    both = assess(p(age=60, duration_weeks=3, history=["cancer"], symptoms=["fever"]))
    assert (both.urgency, both.next_step) == (U, NextStep.URGENT_CARE)
    assert NextStep.PRIMARY_CARE in both.also_consider


@pytest.mark.parametrize("symptom", [
    "radiating_leg_pain", "leg_numbness_or_tingling", "leg_weakness_progressive", "bilateral_sciatica",
    "saddle_numbness", "saddle_numbness_progressive", "difficulty_passing_urine",
    "new_bowel_or_bladder_incontinence", "cannot_bear_weight"])
def test_a_past_cancer_with_any_nerve_symptom_is_possible_cord_compression(symptom):
    """NICE NG234 (after CG75): radicular pain, any limb weakness, difficulty walking, sensory loss, bladder or
    bowel dysfunction with a cancer: an oncological emergency, MRI within 24 hours."""
    a = assess(p(age=60, history=["cancer"], symptoms=[symptom]))
    assert (a.urgency, a.next_step) == (E, NextStep.EMERGENCY_DEPARTMENT)
    assert "cancer_with_nerve_symptoms" in a.red_flags
    assert {h.rule_id: h.effect for h in a.trace}["RF-cancer_with_nerve_symptoms"] in ("decides", "agrees")


def test_a_note_pointing_to_a_planned_specialist_is_not_given_with_a_red_flag():
    routine = assess(p(age=40, symptoms=["radiating_leg_pain"]))
    assert any("physiatrist" in n for n in routine.notes)
    for kw in ({"history": ["cancer"]}, {"symptoms": ["fever"]}, {"symptoms": ["leg_weakness_progressive"]}):
        a = assess(p(age=60, **{**kw, "symptoms": ["radiating_leg_pain", *kw.get("symptoms", [])]}))
        assert a.urgency is not R, kw
        assert not any("physiatrist" in n for n in a.notes), (kw, a.notes)
        assert not any(h.rule_id == "NOTE-NERVE-SYMPTOMS" for h in a.trace), kw
    # a note about scope is given at every urgency
    assert any("16 and over" in n for n in assess(p(age=2, symptoms=["fever"])).notes)


def test_a_what_if_never_lets_the_care_outlast_the_pain_whatever_was_assessed_before():
    """The explanation is memoised on the facts the rules read; the weeks of care so far are not among
    them, yet they decide which what-ifs are possible. Assessed after the same story with no care yet,
    a story with 3 weeks of care was offered "if the pain had begun within the last 2 weeks" (found by
    the property test, which failed only when its examples came in that order)."""
    engine = Engine(load_knowledge())
    story = dict(pain_sites=frozenset({PainSite.LOWER_BACK}), duration_weeks=5.0,
                 history=frozenset({History.OSTEOPOROSIS}))
    fresh = Presentation(conservative_care_weeks=0.0, **story)
    assert ("duration_weeks", 2.0) in [(c.field, c.value) for c in engine.what_would_change(fresh)]
    treated = Presentation(conservative_care_weeks=3.0, **story)
    for change in engine.what_would_change(treated):
        if change.field == "duration_weeks":
            assert change.value >= treated.conservative_care_weeks, change.description
    assert engine.what_would_change(treated) == \
        Engine(load_knowledge()).what_would_change(treated)  # as from an engine that saw nothing
