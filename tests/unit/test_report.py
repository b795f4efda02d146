"""Plain-text reports."""

from __future__ import annotations

from triage.domain.engine import assess
from triage.outputs.report import format_assessment


def test_report_names_provider_flags_reasons_changes_and_disclaimer():
    text = format_assessment(assess({"pain_sites": ["hip"], "duration_weeks": 1, "symptoms": ["fever"]}))
    assert "Urgency:    URGENT" in text
    assert "Next step:  Urgent care" in text
    assert "Red flags:  fever" in text
    assert "Also:       Emergency department" in text
    assert "[decides] RF-fever (guide: Red flags that cannot wait)" in text
    assert "without the symptom fever: routine, primary_care" in text
    assert "Educational use only" in text


def test_red_flag_and_rule_listings_show_every_flag_with_its_condition():
    from triage.domain.knowledge import knowledge
    from triage.outputs.report import format_red_flags, format_rules

    flags = format_red_flags()
    for f in knowledge().red_flags:
        assert f"{f.id}: {f.label}" in flags
    assert flags.count("  when: ") == len(knowledge().red_flags)
    assert ("when: either (trauma: minor; age 65+), or (trauma: minor; history: any of osteoporosis, "
            "long_term_steroids), or (trauma: none; history: any of osteoporosis, long_term_steroids; pain in any of "
            "lower_back; pain for 2 weeks or less)" in " ".join(flags.split()))
    rules = format_rules()
    assert "RF-child_hip_fever" in rules
    assert "age 15 or under; pain in any of hip, groin, thigh, knee" in " ".join(rules.split())


def test_a_history_change_is_listed_in_the_report():
    text = format_assessment(assess({"pain_sites": ["lower_back"], "duration_weeks": 1, "age": 50}))
    assert "with cancer in the history: urgent, primary_care" in text
