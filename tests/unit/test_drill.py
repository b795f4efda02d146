"""Drill scenarios: loaded from data, answers come from the engine, bad data is reported."""

import pytest

from triage.content.drill import load_scenarios, scenarios
from triage.errors import KnowledgeError


def test_shipped_scenarios_load():
    assert len(scenarios()) >= 10
    assert len({s.id for s in scenarios()}) == len(scenarios())


def test_bad_scenario_file_names_file_line_and_field(tmp_path):
    f = tmp_path / "drill.yaml"
    f.write_text("- id: a\n  text: t\n  presentation: {pain_sites: [knee], duration_weeks: 1}\n")
    with pytest.raises(KnowledgeError) as exc:
        load_scenarios(f)
    assert exc.value.field == "[0].presentation.pain_sites[0]"
    assert exc.value.line == 3
