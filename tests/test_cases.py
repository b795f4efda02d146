"""Case studies: loading, validation of every kind of mistake, engine agreement, coverage."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from triage.cases import CASES_DIR, Case, check_case, coverage, load_case, load_cases, validate_paths
from triage.engine import assess
from triage.errors import CaseError

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad_cases"

# bad case file -> (field, message fragment) that must be among its problems
EXPECTED = {
    "bad-yaml": ("", "not valid YAML"),
    "missing-title": ("title", "is required"),
    "unknown-symptom": ("presentation.symptoms[0]", "unknown id 'backache'"),
    "wrong-type-duration": ("presentation.duration_weeks", "must be a number"),
    "expected-disagrees": ("expected", "but the engine gives routine / primary_care"),
    "no-correct-option": ("questions[0].options", "no option is marked correct"),
    "single-two-correct": ("questions[0].options", "exactly one correct option, found 2"),
    "unknown-guide-section": ("guide_sections[0]", "unknown guide section 'chapter-9'"),
    "unknown-level": ("level", "valid values: intro, intermediate, advanced"),
    "repeated-option-id": ("questions[0].options[1].id", "used more than once"),
    "unknown-field": ("difficulty", "unknown field"),
    "id-not-file-name": ("id", "must equal the file name"),
    "bad-id-format": ("id", "wrong form"),
    "correct-not-boolean": ("questions[0].options[0].correct", "not of type 'boolean'"),
    "unknown-presentation-key": ("presentation.pain_score", "unknown field"),
    "duplicate-key": ("level", "given twice"),
    "one-option": ("questions[0].options", "needs at least 2 entries"),
    "missing-expected": ("expected", "is required"),
    "wrong-tag": ("tags", "looks-mild-is-emergency is for cases the engine rates emergency"),
    "html-payload-is-fine-but-expected-wrong": ("expected", "says urgent / primary_care"),
    "empty-file": ("case", "got an empty file"),
    "not-a-mapping": ("case", "got list"),
    "not-utf8": ("", "not UTF-8"),
}


def test_the_broken_corpus_has_at_least_fifteen_kinds_of_mistake():
    assert sorted(p.stem for p in BAD.glob("*.yaml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mistake_is_reported_with_file_line_and_field(name):
    path = BAD / f"{name}.yaml"
    problems, case = check_case(path)
    assert case is None
    field, fragment = EXPECTED[name]
    matching = [p for p in problems if p.field == field and fragment in p.message]
    assert matching, [str(p) for p in problems]
    assert all(p.file == str(path) for p in problems)
    if name != "not-utf8":
        assert matching[0].line is not None


def test_line_numbers_point_at_the_offending_line():
    problems, _ = check_case(BAD / "unknown-level.yaml")
    assert [(p.field, p.line) for p in problems] == [("level", 3)]
    problems, _ = check_case(BAD / "repeated-option-id.yaml")
    lines = (BAD / "repeated-option-id.yaml").read_text().splitlines()
    assert "- id: a" in lines[problems[-1].line - 1]


def test_load_case_raises_case_error_listing_every_problem():
    with pytest.raises(CaseError) as exc:
        load_case(BAD / "repeated-option-id.yaml")
    assert len(exc.value.problems) == 2


def test_duplicate_ids_across_files_are_reported(tmp_path):
    src = CASES_DIR / "golfer-stiff-spine.yaml"
    (tmp_path / "a").mkdir()
    shutil.copy(src, tmp_path / "a" / src.name)
    shutil.copy(src, tmp_path / src.name)
    problems = validate_paths([tmp_path / "a", tmp_path])
    assert [p.message for p in problems] == [
        f"duplicate case id 'golfer-stiff-spine' (also in {tmp_path / 'a' / src.name})"
    ]


def test_templates_are_not_cases():
    assert "_template" not in {c.id for c in load_cases()}


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases()


def test_the_library_is_valid_and_large_enough(cases):
    assert validate_paths() == []
    assert len(cases) >= 30


def test_every_expected_disposition_equals_the_engine(cases):
    for case in cases:
        a = assess(case.presentation)
        assert (a.urgency, a.next_step) == (case.expected_urgency, case.expected_next_step), case.id


def test_coverage_meets_the_teaching_targets(cases):
    cov = coverage(cases)
    assert set(cov.red_flags) == {
        "new_bowel_or_bladder_incontinence", "saddle_numbness_progressive", "leg_weakness_progressive",
        "high_impact_trauma", "fever", "chills", "unexplained_weight_loss",
    }
    assert min(cov.red_flags.values()) >= 2, cov.red_flags
    assert len(cov.next_steps) == 7 and min(cov.next_steps.values()) >= 3, cov.next_steps
    assert cov.tags["hip-back-overlap"] >= 6
    assert cov.tags["looks-alarming-not-urgent"] >= 4
    assert cov.tags["looks-mild-is-emergency"] >= 4
    assert all(n > 0 for n in cov.levels.values())


def test_cases_are_varied(cases):
    ages = sorted(c.presentation.age for c in cases if c.presentation.age is not None)
    assert ages[0] < 20 and ages[-1] > 80
    assert len({c.title for c in cases}) == len(cases)
    assert len({c.narrative for c in cases}) == len(cases)
    # no two cases with the same presentation and the same questions: each teaches its own point
    signatures = {(c.presentation, tuple(q.prompt for q in c.questions)) for c in cases}
    assert len(signatures) == len(cases)


def test_single_choice_questions_have_one_correct_option(cases):
    for case in cases:
        for q in case.questions:
            assert q.correct_ids, (case.id, q.id)
            if q.kind == "single":
                assert len(q.correct_ids) == 1, (case.id, q.id)
            assert q.is_correct(q.correct_ids)


def test_readme_coverage_matrix_matches_the_files(cases):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- coverage:start -->\n(.*?)<!-- coverage:end -->", readme, re.S)
    assert block, "README.md needs the coverage block"
    assert block.group(1) == coverage(cases).to_markdown(), "regenerate: python -m triage coverage --readme"


def test_env_var_points_at_another_case_directory(tmp_path, monkeypatch):
    shutil.copy(CASES_DIR / "golfer-stiff-spine.yaml", tmp_path)
    monkeypatch.setenv("TRIAGE_CASES_DIR", str(tmp_path))
    assert [c.id for c in load_cases()] == ["golfer-stiff-spine"]
