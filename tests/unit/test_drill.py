"""Drill scenarios: loaded from data, answers come from the engine, bad data is reported."""

import pytest

from triage.content.drill import load_scenarios, scenarios
from triage.errors import KnowledgeError


def test_shipped_scenarios_load():
    assert len(scenarios()) >= 10
    assert len({s.id for s in scenarios()}) == len(scenarios())


def test_bad_scenario_file_names_file_line_and_field(tmp_path):
    f = tmp_path / "drill.yaml"
    f.write_text("- id: a\n  text: A made-up story.\n  presentation: {pain_sites: [ankle], duration_weeks: 1}\n")
    with pytest.raises(KnowledgeError) as exc:
        load_scenarios(f)
    assert exc.value.field == "[0].presentation.pain_sites[0]"
    assert exc.value.line == 3


@pytest.mark.parametrize(("text", "field"), [
    ("- id: a\n  text: A made-up story.\n", "[0].presentation"),
    ("- id: a\n  text: A made-up story.\n  presentation: {}\n  answer: urgent\n", "[0].answer"),
    ("- id: A b\n  text: A made-up story.\n  presentation: {pain_sites: [hip], duration_weeks: 1}\n", "[0].id"),
    ("- id: a\n  text: A made-up story.\n  presentation: {pain_sites: [hip], duration_weeks: 1}\n"
     "- id: a\n  text: A second made-up story.\n  presentation: {pain_sites: [hip], duration_weeks: 1}\n", "[1].id"),
    ("- id: a\n  text: A made-up story.\n  presentation: {pain_sites: [hip], duration_weeks: 1, history: [x]}\n",
     "[0].presentation.history[0]"),
])
def test_the_scenario_schema_and_the_contract_name_every_problem(tmp_path, text, field):
    f = tmp_path / "drill.yaml"
    f.write_text(text)
    with pytest.raises(KnowledgeError) as exc:
        load_scenarios(f)
    assert field in [p.field for p in exc.value.problems] and all(p.line for p in exc.value.problems)


def test_every_red_flag_is_drilled_and_some_scenarios_look_alarming_but_are_routine():
    from triage.domain.knowledge import knowledge

    drilled = {f for s in scenarios() for f in s.assessment.red_flags}
    assert drilled >= {f.id for f in knowledge().red_flags}
    routine = {s.id for s in scenarios() if s.answer.value == "routine"}
    assert {"d-slip", "d-pins-needles", "d-sciatica"} <= routine  # a minor fall at 40; one-sided sciatica


def test_the_drill_teaches_the_childrens_flags_and_fragile_bones_with_their_limits():
    """Answers written from the clinical rules (NICE CKS: Limp in children; Back pain - low), not from the engine."""
    answers = {s.id: s.answer.value for s in scenarios()}
    assert answers["d-toddler-stands"] == "urgent"  # any pain or limp under 3: seen the same day
    assert answers["d-teen-knee"] == "urgent"  # knee pain at 12: a slipped hip is ruled out the same day
    assert answers["d-cough-back"] == "urgent"  # osteoporosis, new back pain after a cough: no injury needed
    assert answers["d-osteoporosis-ache"] == "routine"  # the same bones, but the same ache for months
    assert answers["d-walking-legs"] == "routine"  # long-standing leg ache on walking: stenosis, not new pain
    assert answers["d-child-limp"] == "emergency"  # a hot, painful hip with a fever
    assert answers["d-toddler-leg-fever"] == "emergency"  # a toddler's leg (a limp) with a fever: not only the hip
    assert answers["d-injects-no-fever"] == "urgent"  # injecting, new back pain, no fever: seen the same day
    # the older person who walked after a fall is urgent; the one who cannot stand is an emergency (NICE CG124)
    assert (answers["d-rug-trip"], answers["d-fall-cannot-stand"]) == ("urgent", "emergency")
