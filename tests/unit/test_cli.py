"""The command line: assess, rules, providers, red-flags; exit 2 with a clear message on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from triage.cli import main

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad_presentations"

# file -> text the error message must contain (the field, or for syntax errors the line)
EXPECTED = {
    "01_unknown_symptom.yaml": ":4: symptoms[1]: unknown id 'fevr'",
    "02_unknown_finding.yaml": ":5: findings[0]: unknown id 'arthritis'",
    "03_unknown_pain_site.yaml": ":2: pain_sites[0]: unknown id 'ankle'",
    "04_empty_pain_sites.yaml": ":2: pain_sites: must list at least one",
    "05_missing_pain_sites.yaml": "pain_sites: is required",
    "06_missing_duration.yaml": "duration_weeks: is required",
    "07_negative_duration.yaml": ":3: duration_weeks: must be >= 0",
    "08_duration_is_text.yaml": ":3: duration_weeks: must be a number",
    "09_age_too_high.yaml": ":2: age: must be between 0 and 120",
    "10_age_negative.yaml": ":2: age: must be between 0 and 120",
    "11_age_fractional.yaml": ":2: age: must be a whole number",
    "12_unknown_trauma.yaml": ":4: trauma: unknown value 'severe'; valid values: none, minor, high_impact",
    "13_unknown_key.yaml": ":4: pain_level: unknown field",
    "14_misspelled_key.yaml": ":4: symptom: unknown field",
    "15_prefers_is_text.yaml": ":4: prefers_non_surgical: must be true or false",
    "16_symptoms_not_a_list.yaml": ":4: symptoms: must be a list of ids",
    "17_care_longer_than_pain.yaml": ":4: conservative_care_weeks: 8 weeks of conservative care cannot exceed",
    "18_negative_care.yaml": ":4: conservative_care_weeks: must be >= 0",
    "19_top_level_list.yaml": "presentation: must be a mapping",
    "20_broken_yaml.yaml": "20_broken_yaml.yaml:3: not valid YAML/JSON",
    "21_empty_file.yaml": "presentation: must be a mapping",
    "22_bad_json.json": "22_bad_json.json:1: not valid JSON",
    "23_json_unknown_id.json": ":1: findings[0]: unknown id 'nerve_pinch'",
    "24_findings_is_mapping.yaml": ":4: findings: must be a list of ids",
    "25_infinite_duration.yaml": ":3: duration_weeks: must be a number",
    "26_trauma_boolean.yaml": ":4: trauma: unknown value True",
    "27_age_boolean.yaml": ":2: age: must be a whole number",
    "28_not_utf8.yaml": "28_not_utf8.yaml: not UTF-8 text",
    "29_duplicate_key.yaml": ":5: duration_weeks: given twice",
    "30_site_is_number.yaml": ":2: pain_sites[0]: unknown id 3",
    "31_unknown_history.yaml": ":4: history[0]: unknown id 'cancr'; valid values: cancer, osteoporosis,",
    "32_history_not_a_list.yaml": ":4: history: must be a list of ids",
    "33_history_is_mapping.yaml": ":4: history: must be a list of ids",
    "34_history_duplicate_key.yaml": ":6: history: given twice",
    "35_history_item_is_number.yaml": ":4: history[1]: unknown id 7",
    "36_json_unknown_history.json": ":1: history[0]: unknown id 'steroids'",
}


def test_every_bad_file_has_an_expectation_and_there_are_at_least_twenty():
    files = sorted(p.name for p in BAD.iterdir())
    assert files == sorted(EXPECTED)
    assert len(files) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_presentation_exits_2_naming_file_and_field(name, capsys):
    status = main(["assess", str(BAD / name)])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("error: ")
    assert str(BAD / name) in err
    assert EXPECTED[name] in err


def test_unknown_id_message_lists_the_valid_values(capsys):
    main(["assess", str(BAD / "01_unknown_symptom.yaml")])
    err = capsys.readouterr().err
    for valid in ("new_bowel_or_bladder_incontinence", "pain_eased_by_rest", "fever"):
        assert valid in err


def test_every_problem_in_a_file_is_reported_at_once(tmp_path, capsys):
    bad = tmp_path / "many.yaml"
    bad.write_text("pain_sites: [ankle]\nduration_weeks: -1\nsymptoms: [fevr]\ncolour: red\n")
    assert main(["assess", str(bad)]) == 2
    err = capsys.readouterr().err
    for field in ("colour", "pain_sites[0]", "duration_weeks", "symptoms[0]"):
        assert f": {field}: " in err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["assess", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: file not found" in capsys.readouterr().err


def test_assess_prints_a_readable_report(tmp_path, capsys):
    f = tmp_path / "p.yaml"
    f.write_text("pain_sites: [lower_back]\nduration_weeks: 1\nsymptoms: [new_bowel_or_bladder_incontinence]\n")
    assert main(["assess", str(f)]) == 0
    out = capsys.readouterr().out
    assert "Urgency:    EMERGENCY" in out
    assert "Emergency department" in out
    assert "RF-new_bowel_or_bladder_incontinence" in out
    assert "Educational use only" in out


def test_assess_json_follows_the_output_contract(tmp_path, capsys):
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"pain_sites": ["hip"], "duration_weeks": 3, "symptoms": ["fever"]}))
    assert main(["assess", str(f), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["urgency"] == "urgent"
    assert data["next_step"] == "urgent_care"
    assert data["red_flags"] == ["fever"]
    assert data["also_consider"] == ["emergency_department"]
    assert {"urgency", "next_step", "red_flags", "also_consider", "trace", "what_would_change"} <= set(data)
    assert all({"id", "reason", "guide_section"} <= set(hit) for hit in data["trace"])


def test_rules_lists_every_rule_with_its_guide_section(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for rule_id in ("RF-fever", "RF-high_impact_trauma", "PC-START", "REF-STRUCTURAL", "REF-JOINT", "REF-UNCLEAR"):
        assert rule_id in out
    assert "Red flags that cannot wait" in out
    assert "Conservative-care trial: 6 weeks" in out


def test_providers_lists_all_providers(capsys):
    assert main(["providers"]) == 0
    out = capsys.readouterr().out
    for name in ("Primary care", "Orthopedic surgeon", "Physiatrist", "Physical therapist", "Chiropractor"):
        assert name in out
    assert "electromyography" in out


def test_red_flags_lists_what_each_may_signal(capsys):
    assert main(["red-flags"]) == 0
    out = capsys.readouterr().out
    assert "Cauda equina" in out
    assert "unexplained_weight_loss" in out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["diagnose"])
    assert exc.value.code == 2


def test_module_entry_point_runs_as_a_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "assess", str(ROOT / "examples" / "presentation.yaml"), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["next_step"] == "physical_therapist"


def test_serve_help_lists_the_launchers_options():
    # the top-level help sends people to `serve --help`; it used to end in a KeyError traceback
    proc = subprocess.run([sys.executable, "-m", "triage", "serve", "--help"], capture_output=True, text=True,
                          check=False, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for option in ("--class_code", "--max_kernels", "--unclaimed_timeout", "--fill_delay", "--pool_size"):
        assert option in proc.stdout, f"{option} missing from serve --help"
