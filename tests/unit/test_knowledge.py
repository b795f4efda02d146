"""The knowledge base: shipped data is complete and consistent; broken data is reported clearly."""

from __future__ import annotations

import shutil

import pytest

from triage.domain.knowledge import HERE, knowledge, load_knowledge
from triage.domain.model import NextStep, Urgency
from triage.errors import KnowledgeError


def test_every_next_step_has_a_provider_entry():
    assert {p.id for p in knowledge().providers} == set(NextStep)


def test_every_entry_names_a_known_guide_section():
    kb = knowledge()
    ids = {s.id for s in kb.sections}
    assert ids == {"overview", "primary-care", "medical-specialists", "rehabilitation", "red-flags"}
    for item in (*kb.providers, *kb.red_flags, *kb.rules):
        assert item.guide_section in ids


def test_red_flags_and_their_urgency():
    """The guide's seven red flags with the guide's urgency, and the flags added beyond it (issue 23)."""
    flags = {f.id: f.urgency for f in knowledge().red_flags}
    assert flags == {
        "new_bowel_or_bladder_incontinence": Urgency.EMERGENCY,
        "saddle_numbness_progressive": Urgency.EMERGENCY,
        "leg_weakness_progressive": Urgency.EMERGENCY,
        "high_impact_trauma": Urgency.EMERGENCY,
        "fever": Urgency.URGENT,
        "chills": Urgency.URGENT,
        "unexplained_weight_loss": Urgency.URGENT,
        # beyond the guide
        "difficulty_passing_urine": Urgency.EMERGENCY,
        "saddle_numbness": Urgency.EMERGENCY,
        "bilateral_sciatica": Urgency.EMERGENCY,
        "cancer_with_nerve_symptoms": Urgency.EMERGENCY,
        "infection_risk_with_fever": Urgency.EMERGENCY,
        "child_hip_fever": Urgency.EMERGENCY,
        "injury_cannot_bear_weight": Urgency.EMERGENCY,
        "fragile_bones_cannot_bear_weight": Urgency.EMERGENCY,
        "fever_cannot_bear_weight": Urgency.EMERGENCY,
        "fracture_risk": Urgency.URGENT,
        "infection_risk_new_back_pain": Urgency.URGENT,
        "cannot_bear_weight": Urgency.URGENT,
        "cancer_history": Urgency.URGENT,
        # children (NICE CKS, Limp in children): same-day assessment
        "young_child_pain": Urgency.URGENT,
        "possible_slipped_hip": Urgency.URGENT,
    }


def test_each_red_flag_becomes_one_rule_with_its_condition():
    kb = knowledge()
    assert [r.red_flag for r in kb.rules if r.kind == "red_flag"] == [f.id for f in kb.red_flags]
    for flag in kb.red_flags:
        rule = next(r for r in kb.rules if r.red_flag == flag.id)
        assert rule.when == flag.when and rule.urgency == flag.urgency


def test_facts_beyond_the_guide_cite_a_source():
    kb = knowledge()
    guide_flags = {"new_bowel_or_bladder_incontinence", "saddle_numbness_progressive", "leg_weakness_progressive",
                   "high_impact_trauma", "fever", "chills", "unexplained_weight_loss"}
    for flag in kb.red_flags:
        if flag.id not in guide_flags:
            assert flag.sources and not any("Reference guide" in s for s in flag.sources), flag.id
    cited = {f.id: " ".join(f.sources) for f in kb.red_flags}
    assert "GIRFT" in cited["difficulty_passing_urine"] and "GIRFT" in cited["bilateral_sciatica"]
    assert "CG124" in cited["fracture_risk"] and "NG234" in cited["cancer_history"]
    assert "Limp in children" in cited["child_hip_fever"] and "IFOMPT" in cited["infection_risk_with_fever"]
    assert "Limp in children" in cited["young_child_pain"] and "Limp in children" in cited["possible_slipped_hip"]
    assert "corticosteroid" in cited["infection_risk_with_fever"] and "coughing" in cited["fracture_risk"]
    assert "Yusuf" in cited["infection_risk_new_back_pain"] and "CG124" in cited["injury_cannot_bear_weight"]
    notes = {r.id: " ".join(r.sources) for r in kb.rules if r.kind == "note"}
    assert "NG59" in notes["NOTE-UNDER-16"] and "IFOMPT" in notes["NOTE-SEVERAL-WARNING-SIGNS"]
    assert any("NICE NG59" in s for f in kb.red_flags for s in f.sources)


def test_the_weakness_flag_has_one_wording():
    from triage.domain.vocabulary import vocabulary

    flag = next(f for f in knowledge().red_flags if f.id == "leg_weakness_progressive")
    assert flag.label == "Severe or worsening leg weakness"
    assert vocabulary().symptom("leg_weakness_progressive") == flag.label


def test_pain_down_both_legs_means_new_pain_everywhere_it_is_named():
    """The flag is new pain shooting down both legs; the long-standing leg ache of spinal stenosis is not it."""
    from triage.content.glossary import glossary
    from triage.domain.vocabulary import vocabulary

    flag = next(f for f in knowledge().red_flags if f.id == "bilateral_sciatica")
    assert flag.label == "New pain shooting down both legs" == vocabulary().symptom("bilateral_sciatica")
    assert "stenosis" in flag.detail
    term = next(t for t in glossary() if t.id == "bilateral-sciatica")
    assert term.term.startswith("New ") and "stenosis" in term.definition
    assert "new pain down both legs" in next(t for t in glossary() if t.id == "cauda-equina").definition


def test_rule_table_rows_read_as_plain_language():
    rule = next(r for r in knowledge().rules if r.id == "REF-JOINT")
    assert rule.condition == "conservative care tried for 6+ weeks; finding: any of joint_restriction"
    assert rule.outcome == "routine: chiropractor (also physical_therapist)"


@pytest.fixture
def kb_copy(tmp_path):
    for f in HERE.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


@pytest.mark.parametrize(
    ("file", "old", "new", "field"),
    [
        ("rules.yaml", "care_trial_complete: false}", "care_trail_complete: false}",
         "rules[0].when.care_trail_complete"),
        ("rules.yaml", "any_finding: [nerve_compression]", "any_finding: [nerve_pinch]", "rules[3].when.any_finding"),
        ("rules.yaml", "next_step: primary_care", "next_step: dentist", "rules[0].then.next_step"),
        ("rules.yaml", "id: REF-MUSCLE", "id: REF-NERVE", "rules[4].id"),
        ("rules.yaml", "value: 6", "value: -6", "thresholds.conservative_care_trial_weeks.value"),
        ("providers.yaml", "guide_section: rehabilitation", "guide_section: rehab", "[3].guide_section"),
        ("red_flags.yaml", "urgency: urgent", "urgency: soonish", "[13].urgency"),
        ("red_flags.yaml", "when: {any_symptom: [chills]}", "when: {any_symptom: [shivers]}",
         "[14].when.any_symptom"),
        ("red_flags.yaml", "when: {any_history: [cancer]}", "when: {any_history: [cancers]}",
         "[17].when.any_history"),
        ("red_flags.yaml", "      - {trauma: minor, min_age: 65}", "      - {trauma: minor, min_age: old}",
         "[16].when.any_of[0].min_age"),
        ("red_flags.yaml", "max_duration_weeks: 2}", "max_duration_weeks: soon}",
         "[16].when.any_of[2].max_duration_weeks"),
        ("red_flags.yaml", "  urgency: emergency\n", "", "[0].urgency"),
        ("red_flags.yaml", "when: {any_symptom: [fever]}", "when: {}", "[13].when"),
        ("red_flags.yaml", "- id: chills\n", "- id: fever\n", "[14].id"),
        ("red_flags.yaml", "      - {trauma: minor, any_history: [osteoporosis, long_term_steroids]}",
         "      - {trauma: minor, any_history: [osteoporosis, steroids]}", "[16].when.any_of[1].any_history"),
        ("rules.yaml", "        count: 2", "        count: two", "rules[11].when.at_least.count"),
        ("rules.yaml", "    note: >-\n      Pain that shoots",
         "    then: {next_step: physiatrist}\n    note: >-\n      Pain that shoots", "rules[7]"),
        ("rules.yaml", "    precedence: 40", "    precedence: high", "rules[3].precedence"),
        ("rules.yaml", "thresholds:", "threshold:", "threshold"),
        ("pain_sites.yaml", "- id: knee", "- id: ankle", "[6].id"),
        ("pain_sites.yaml", "  label: Knee\n", "", "[6].label"),
        ("guide_sections.yaml", "- id: rehabilitation", "- id: overview", "[3].id"),
        ("rules.yaml", "when: {max_age: 15}", "when: {max_age: 15, min_height: 2}", "rules[10].when.min_height"),
    ],
)
def test_broken_knowledge_is_reported_with_file_line_and_field(kb_copy, file, old, new, field):
    path = kb_copy / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(kb_copy)
    problem = next((p for p in exc.value.problems if p.field == field), None)
    assert problem is not None, exc.value.problems
    assert problem.file == str(path)
    assert problem.line is not None and problem.line > 1
    assert f"{path}:{problem.line}: {field}: " in str(exc.value)


def test_missing_pain_site_is_reported(kb_copy):
    path = kb_copy / "pain_sites.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("- id: knee")])
    with pytest.raises(KnowledgeError, match=r"no entry for pain sites \['knee'\]"):
        load_knowledge(kb_copy)


def test_missing_provider_is_reported(kb_copy):
    path = kb_copy / "providers.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("- id: chiropractor")] + text[text.index("- id: emergency_department"):])
    with pytest.raises(KnowledgeError, match="chiropractor"):
        load_knowledge(kb_copy)


def test_two_saddle_numbness_boxes_say_how_they_differ():
    """ut-lesson2 FINDINGS item 8: "Spreading numbness ..." and "New numbness ..." read as the same box."""
    from triage.domain.vocabulary import vocabulary

    voc = vocabulary()
    spreading, new = voc.symptom("saddle_numbness_progressive"), voc.symptom("saddle_numbness")
    assert "spreading" in spreading.lower() and "not spreading" in new.lower(), (spreading, new)
    flags = {f.id: f.label for f in knowledge().red_flags}
    assert "not spreading" in flags["saddle_numbness"].lower()


def test_the_high_impact_injury_flag_does_not_claim_a_symptom_that_was_not_given():
    """ut-lesson2 FINDINGS item 6: the flag fires on the injury alone, so its label names no severe pain."""
    flag = next(f for f in knowledge().red_flags if f.id == "high_impact_trauma")
    assert flag.when == {"trauma": "high_impact"} and "severe pain" not in flag.label.lower()
