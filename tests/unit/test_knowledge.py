"""The knowledge base: shipped data is complete and consistent; broken data is reported clearly."""

from __future__ import annotations

import shutil

import pytest

from triage.domain.knowledge import HERE, knowledge, load_knowledge
from triage.domain.model import NextStep, Symptom, Urgency
from triage.errors import KnowledgeError


def test_every_next_step_has_a_provider_entry():
    assert {p.id for p in knowledge().providers} == set(NextStep)


def test_every_entry_names_a_known_guide_section():
    kb = knowledge()
    ids = {s.id for s in kb.sections}
    assert ids == {"overview", "primary-care", "medical-specialists", "rehabilitation", "red-flags"}
    for item in (*kb.providers, *kb.red_flags, *kb.rules):
        assert item.guide_section in ids


def test_red_flags_are_the_seven_of_the_guide_with_their_urgency():
    flags = {f.id: f.urgency for f in knowledge().red_flags}
    assert flags == {
        "new_bowel_or_bladder_incontinence": Urgency.EMERGENCY,
        "saddle_numbness_progressive": Urgency.EMERGENCY,
        "leg_weakness_progressive": Urgency.EMERGENCY,
        "high_impact_trauma": Urgency.EMERGENCY,
        "fever": Urgency.URGENT,
        "chills": Urgency.URGENT,
        "unexplained_weight_loss": Urgency.URGENT,
    }


def test_each_red_flag_becomes_one_rule_and_red_flag_symptoms_exist():
    kb = knowledge()
    assert [r.red_flag for r in kb.rules if r.kind == "red_flag"] == [f.id for f in kb.red_flags]
    for flag in kb.red_flags:
        if "symptom" in flag.trigger:
            assert flag.trigger["symptom"] in Symptom._value2member_map_


def test_facts_beyond_the_guide_cite_a_source():
    kb = knowledge()
    fragility = next(r for r in kb.rules if r.id == "NOTE-FRAGILITY")
    assert any("IFOMPT" in s or "Finucane" in s for s in fragility.sources)
    assert any("NICE NG59" in s for f in kb.red_flags for s in f.sources)


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
        ("red_flags.yaml", "urgency: urgent", "urgency: soonish", "[4].urgency"),
        ("red_flags.yaml", "trigger: {symptom: chills}", "trigger: {symptom: shivers}", "[5].trigger"),
    ],
)
def test_broken_knowledge_is_reported_with_file_line_and_field(kb_copy, file, old, new, field):
    path = kb_copy / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(kb_copy)
    problem = next(p for p in exc.value.problems if p.field == field)
    assert problem.file == str(path)
    assert problem.line is not None and problem.line > 1


def test_missing_provider_is_reported(kb_copy):
    path = kb_copy / "providers.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("- id: chiropractor")] + text[text.index("- id: emergency_department"):])
    with pytest.raises(KnowledgeError, match="chiropractor"):
        load_knowledge(kb_copy)
