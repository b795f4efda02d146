"""Case-study commands: validate, new-case, coverage, export-quiz."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from triage.cases import CASES_DIR
from triage.cli import main

ROOT = Path(__file__).resolve().parents[1]
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
    assert len(out.splitlines()) >= 20


@pytest.fixture
def case_dir(tmp_path, monkeypatch):
    shutil.copy(CASES_DIR / "_template.yaml", tmp_path)
    monkeypatch.setenv("TRIAGE_CASES_DIR", str(tmp_path))
    return tmp_path


def test_new_case_writes_a_skeleton_that_validates(case_dir, capsys):
    assert main(["new-case", "hip-pain-runner"]) == 0
    written = case_dir / "hip-pain-runner.yaml"
    assert "id: hip-pain-runner" in written.read_text()
    assert main(["validate", str(written)]) == 0


def test_new_case_refuses_to_overwrite(case_dir, capsys):
    (case_dir / "taken.yaml").write_text("keep me")
    assert main(["new-case", "taken"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert (case_dir / "taken.yaml").read_text() == "keep me"


def test_new_case_rejects_bad_names(case_dir, capsys):
    assert main(["new-case", "Bad Name"]) == 2
    assert "NAME:" in capsys.readouterr().err


def test_export_quiz_one_case(capsys):
    assert main(["export-quiz", "--case", "carpenter-hip-stiffness"]) == 0
    quiz = json.loads(capsys.readouterr().out)
    assert len(quiz) == 1
    assert quiz[0]["type"] == "many_choice"
    assert [a["correct"] for a in quiz[0]["answers"]] == [True, True, False]


def test_export_quiz_unknown_case_exits_2(capsys):
    assert main(["export-quiz", "--case", "nobody"]) == 2
    assert "--case: no case with id 'nobody'" in capsys.readouterr().err


def test_coverage_prints_the_matrix(capsys):
    assert main(["coverage"]) == 0
    assert "| `fever` |" in capsys.readouterr().out


def test_coverage_updates_a_readme_block(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- coverage:start -->\nold\n<!-- coverage:end -->\nend\n")
    assert main(["coverage", "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert "old" not in text and "| `chills` |" in text and text.endswith("<!-- coverage:end -->\nend\n")
