"""Loading presentations from files and text, with file and line in every problem."""

from __future__ import annotations

import pytest

from triage.domain.presentations import load_presentation, parse_presentation
from triage.errors import PresentationError


def test_load_yaml_and_json_give_the_same_presentation(tmp_path):
    y = tmp_path / "p.yaml"
    y.write_text("pain_sites: [hip]\nduration_weeks: 2\nsymptoms: [chills]\n")
    j = tmp_path / "p.json"
    j.write_text('{"pain_sites": ["hip"], "duration_weeks": 2, "symptoms": ["chills"]}')
    assert load_presentation(y) == load_presentation(j)


def test_problems_carry_file_and_line(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("# comment\npain_sites: [hip]\nduration_weeks: 2\nfindings:\n  - muscle_imbalance\n  - bad_back\n")
    with pytest.raises(PresentationError) as exc:
        load_presentation(f)
    assert (exc.value.file, exc.value.line, exc.value.field) == (str(f), 6, "findings[1]")


def test_parse_presentation_from_text():
    assert parse_presentation("pain_sites: [leg]\nduration_weeks: 0").duration_weeks == 0
