"""Case-study commands: validate, new-case, coverage, export-quiz."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from triage.cli import main
from triage.content.cases import CASES_DIR

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad_cases"


def test_validate_the_library_exits_0(capsys):
    assert main(["validate"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "of" in captured.err and "0 problem(s)" in captured.err


def test_validate_the_broken_corpus_exits_1_and_prints_file_line_field(capsys):
    assert main(["validate", str(BAD)]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out
    assert f"{BAD / 'unknown-level.yaml'}:3: level: 'expert' is not allowed" in out
    assert (f"{BAD / 'needs-a-later-fact.yaml'}:45: questions[1].needs[0]: 'symptom:fever' is revealed only at "
            "stage 'later'") in out
    assert f"{BAD / 'where-answer-from-a-later-stage.yaml'}:32: questions[0].options[0].step: is 'urgent_care'" in out
    assert f"{BAD / 'add-already-present.yaml'}:21: stages[1].changes.add.symptoms[0]:" in out
    lines = out.splitlines()
    assert len(lines) >= 50
    assert all(re.match(r"^\S+\.yaml(:\d+)?: ", line) for line in lines), [x for x in lines if ".yaml" not in x]


@pytest.fixture
def case_dir(tmp_path, monkeypatch):
    shutil.copy(CASES_DIR / "_template.yaml", tmp_path)
    monkeypatch.setenv("TRIAGE_CASES_DIR", str(tmp_path))
    return tmp_path


def test_new_case_writes_a_staged_skeleton_that_validates_once_filled(case_dir, capsys):
    assert main(["new-case", "hip-pain-runner"]) == 0
    written = case_dir / "hip-pain-runner.yaml"
    skeleton = yaml.safe_load(written.read_text())
    assert skeleton["id"] == "hip-pain-runner"
    assert [s["id"] for s in skeleton["stages"]] == ["story", "weeks-later"]
    assert "presentation" in skeleton["stages"][0] and "changes" in skeleton["stages"][1]
    assert {q["after"] for q in skeleton["questions"]} == {"story", "weeks-later"}
    capsys.readouterr()
    # unfilled, every placeholder is listed as file:line: field
    assert main(["validate", str(written)]) == 1
    out = capsys.readouterr().out
    assert f"{written}:8: title: still holds a TODO placeholder" in out
    assert "stages[0].text: still holds a TODO placeholder" in out
    assert all("TODO placeholder" in line for line in out.splitlines())
    # filled in (the author writes real text everywhere a TODO was), it validates
    written.write_text(re.sub(r"TODO:? ?", "", written.read_text()))
    assert main(["validate", str(written)]) == 0


def test_new_case_in_a_folder_without_a_template_uses_the_shipped_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_CASES_DIR", str(tmp_path))
    assert main(["new-case", "elsewhere"]) == 0
    assert "id: elsewhere" in (tmp_path / "elsewhere.yaml").read_text()


def test_new_case_refuses_to_overwrite(case_dir, capsys):
    (case_dir / "taken.yaml").write_text("keep me")
    assert main(["new-case", "taken"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert (case_dir / "taken.yaml").read_text() == "keep me"


def test_new_case_rejects_bad_names(case_dir, capsys):
    assert main(["new-case", "Bad Name"]) == 2
    assert "NAME:" in capsys.readouterr().err


def test_export_quiz_one_case_gives_its_list_in_stage_order(capsys):
    assert main(["export-quiz", "--case", "carpenter-hip-stiffness"]) == 0
    quiz = json.loads(capsys.readouterr().out)
    last_stage = [max(re.findall(r"Stage (\d) of 2", q["question"])) for q in quiz]
    assert last_stage == ["1", "1", "2"]  # each question brings the story up to its own stage
    assert all("Yusuf: stiff between back and hip" in q["question"] for q in quiz)
    assert [q["type"] for q in quiz] == ["multiple_choice", "multiple_choice", "many_choice"]
    assert [a["correct"] for a in quiz[2]["answers"]] == [True, True, False]


def test_export_quiz_gives_one_list_per_case(capsys):
    assert main(["export-quiz"]) == 0
    quiz = json.loads(capsys.readouterr().out)
    files = sorted(p.stem for p in CASES_DIR.glob("[!_]*.yaml"))
    assert sorted(quiz) == files
    for case_id, questions in quiz.items():
        raw = yaml.safe_load((CASES_DIR / f"{case_id}.yaml").read_text(encoding="utf-8"))
        assert len(questions) == len(raw["questions"]) >= 2


def test_export_quiz_unknown_case_exits_2(capsys):
    assert main(["export-quiz", "--case", "nobody"]) == 2
    assert "--case: no case with id 'nobody'" in capsys.readouterr().err


def test_coverage_prints_the_matrix_and_exits_0_when_targets_are_met(capsys):
    assert main(["coverage"]) == 0
    captured = capsys.readouterr()
    assert "| `fever` |" in captured.out and "| next step | cases | minimum |" in captured.out
    assert "below minimum" not in captured.err


@pytest.fixture
def small_library(tmp_path, monkeypatch):
    for name in ("golfer-stiff-spine", "flu-season-fever", "hip-oa-grandfather"):
        shutil.copy(CASES_DIR / f"{name}.yaml", tmp_path)
    monkeypatch.setenv("TRIAGE_CASES_DIR", str(tmp_path))
    return tmp_path


def test_coverage_exits_1_below_the_minimums(small_library, capsys):
    assert main(["coverage"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("3 cases. 3 cases change their answer between stages (minimum 10).")
    assert "below minimum: next step emergency_department: 0 case(s), minimum 5" in captured.err
    assert "below minimum: red flag chills: 0 case(s), minimum 3" in captured.err
    assert "below minimum: tag hip-back-overlap: 0 case(s), minimum 10" in captured.err
    assert "below minimum: level advanced: 0 of 3 case(s) (0%), minimum share 25%" in captured.err
    assert f"minimums are in {CASES_DIR / '_coverage.yaml'}" in captured.err


def test_coverage_reads_the_library_s_own_targets(small_library, capsys):
    (small_library / "_coverage.yaml").write_text(
        "minimums:\n  next_step: 0\n  red_flag: 0\n  tag: {}\n  answer_changes: 3\n  level_share: 0\n")
    assert main(["coverage"]) == 0
    (small_library / "_coverage.yaml").write_text(
        "minimums:\n  next_step: 0\n  red_flag: 0\n  tag: {}\n  answer_changes: 4\n  level_share: 0\n")
    capsys.readouterr()
    assert main(["coverage"]) == 1
    assert "cases whose answer changes between stages: 3, minimum 4" in capsys.readouterr().err


def test_coverage_with_a_broken_targets_file_exits_2(small_library, capsys):
    (small_library / "_coverage.yaml").write_text("minimums:\n  next_step: 5\n")
    assert main(["coverage"]) == 2
    err = capsys.readouterr().err
    assert f"{small_library / '_coverage.yaml'}:1: minimums.red_flag: is required" in err


def test_coverage_updates_the_block_of_a_page(tmp_path, capsys):
    page = tmp_path / "coverage.md"
    page.write_text("intro\n<!-- coverage:start -->\nSTALE MATRIX\n<!-- coverage:end -->\nend\n")
    assert main(["coverage", "--page", str(page)]) == 0
    text = page.read_text()
    assert "STALE MATRIX" not in text and "| `chills` |" in text and text.endswith("<!-- coverage:end -->\nend\n")


def test_coverage_page_without_its_block_or_missing_exits_2_naming_it(tmp_path, capsys):
    page = tmp_path / "coverage.md"
    page.write_text("a page without the markers\n")
    assert main(["coverage", "--page", str(page)]) == 2
    assert f"{page}: --page: no <!-- coverage:start -->" in capsys.readouterr().err
    assert page.read_text() == "a page without the markers\n"
    missing = tmp_path / "nowhere.md"
    assert main(["coverage", "--page", str(missing)]) == 2
    assert f"{missing}: --page: cannot read the page" in capsys.readouterr().err
