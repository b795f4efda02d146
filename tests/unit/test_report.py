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
