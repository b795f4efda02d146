"""Case studies: the staged format, every kind of mistake, engine agreement per stage, coverage.

Expected values here come from the case files read as plain YAML and from the engine, never from
the loader under test: stage presentations and revealed facts are rebuilt independently below.
"""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from triage.content.cases import (
    CASES_DIR,
    Case,
    Option,
    Question,
    RevealStep,
    Stage,
    check_case,
    coverage,
    load_case,
    load_cases,
    load_targets,
    validate_paths,
)
from triage.domain.engine import assess
from triage.domain.knowledge import knowledge
from triage.domain.model import History, NextStep, Presentation, Urgency
from triage.errors import CaseError

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad_cases"
GOOD = ROOT / "tests" / "data" / "good_cases" / "minimal-staged.yaml"

# bad case file -> (field, message fragment) that must be among its problems
EXPECTED = {
    "bad-yaml": ("", "not valid YAML"),
    "story-names-the-answer": ("stages[0].text", "names 'physiotherapist' before questions[0] ('where') asks where"),
    "sibling-names-the-answer": ("questions[2].prompt", "names 'same-day', the answer to questions[1] ('where-now')"),
    "next-title-names-the-answer": ("stages[1].title", "names 'physiotherapist', the answer to questions[0] ('where')"),
    "beyond-guide-without-source": ("questions[0]", "rests on RF-fracture_risk, which goes beyond the reference guide"),
    "missing-title": ("title", "is required"),
    "unknown-symptom": ("stages[0].presentation.symptoms[0]", "unknown id 'backache'"),
    "wrong-type-duration": ("stages[0].presentation.duration_weeks", "must be a number"),
    "expected-disagrees": ("stages[0].expected", "but the engine gives routine / primary_care"),
    "no-correct-option": ("questions[1].options", "no option is marked correct"),
    "single-two-correct": ("questions[1].options", "exactly one correct option, found 2"),
    "unknown-guide-section": ("guide_sections[0]", "unknown guide section 'chapter-9'"),
    "unknown-level": ("level", "valid values: intro, intermediate, advanced"),
    "repeated-option-id": ("questions[1].options[1].id", "used more than once"),
    "unknown-field": ("difficulty", "unknown field"),
    "id-not-file-name": ("id", "must equal the file name"),
    "bad-id-format": ("id", "wrong form"),
    "correct-not-boolean": ("questions[0].options[0].correct", "not of type 'boolean'"),
    "unknown-presentation-key": ("stages[0].presentation.pain_score", "unknown field"),
    "duplicate-key": ("level", "given twice"),
    "one-option": ("questions[1].options", "needs at least 2 entries"),
    "missing-expected": ("stages[1].expected", "is required"),
    "wrong-tag": ("tags", "looks-mild-is-emergency is for cases the engine rates emergency"),
    "html-payload-is-fine-but-expected-wrong": ("stages[0].expected", "says urgent / primary_care"),
    "empty-file": ("case", "got an empty file"),
    "not-a-mapping": ("case", "got list"),
    "not-utf8": ("", "not UTF-8"),
    # the staged format
    "old-format-fields": ("narrative", "moved to stages[0].text"),
    "one-stage": ("stages", "needs at least 2 entries"),
    "first-stage-gives-changes": ("stages[0].presentation", "is required: the first stage gives the full presentation"),
    "later-stage-gives-presentation": ("stages[1].presentation", "only the first stage gives a full presentation"),
    "stage-reveals-nothing": ("stages[1]", "reveals nothing"),
    "duplicate-stage-id": ("stages[1].id", "stage id 'story' is used more than once"),
    "later-stage-expected-disagrees": ("stages[1].expected", "the engine gives urgent / urgent_care"),
    "add-already-present": ("stages[1].changes.add.symptoms[0]", "symptom:fever is already in the presentation"),
    "remove-absent": ("stages[1].changes.remove.symptoms[0]", "cannot be removed"),
    "set-same-value": ("stages[1].changes.set.duration_weeks", "is already 2"),
    "change-gives-bad-presentation": ("stages[1].changes.set.conservative_care_weeks", "cannot exceed duration_weeks"),
    "unknown-symptom-in-changes": ("stages[1].changes.add.symptoms[0]", "unknown id 'shivers'"),
    "unknown-reveals-fact": ("stages[0].reveals[0]", "unknown fact 'symptom:backache'"),
    # questions tied to stages
    "unknown-after": ("questions[1].after", "names no stage of this case; stage ids: story, later"),
    "questions-out-of-order": ("questions[1].after", "list the questions in stage order"),
    "one-question": ("questions", "needs at least 2 entries"),
    "only-where-questions": ("questions", "every question asks where to go or how urgent"),
    "missing-needs": ("questions[1].needs", "is required for a question the engine does not check"),
    "needs-a-later-fact": ("questions[1].needs[0]", "'symptom:fever' is revealed only at stage 'later'"),
    "needs-an-unrevealed-fact": ("questions[1].needs[0]", "is not revealed by any stage"),
    "needs-an-unknown-fact": ("questions[1].needs[0]", "unknown fact 'symptom:backache'"),
    "where-answer-from-a-later-stage": (
        "questions[0].options[0].step",
        "marked correct, but the engine gives routine / primary_care after stage 'story'",
    ),
    "where-wrong-option-is-the-engine-answer": ("questions[0].options[1].step", "marked wrong, but the engine gives"),
    "where-correct-option-without-step": ("questions[0].options[0].step", "is required on a correct option"),
    "urgency-answer-disagrees": ("questions[2].options[0].urgency", "is 'emergency', marked correct"),
    "step-outside-a-where-question": ("questions[1].options[0].step", "is only for questions with asks: next_step"),
    "unknown-asks": ("questions[0].asks", "'where' is not allowed"),
    # feedback references and template leftovers
    "unknown-ref": ("questions[1].options[0].refs[0]", "unknown rule 'REF-NOPE'"),
    "bad-ref-form": ("questions[1].options[0].refs[0]", "wrong form"),
    "missing-refs": ("questions[1].options[0].refs", "is required"),
    "template-placeholder": ("title", "TODO placeholder"),
}
# files whose one mistake is rightly reported more than once (both ends of a duplicate, and so on)
MORE_THAN_ONE = {"duplicate-stage-id": 2, "repeated-option-id": 2, "first-stage-gives-changes": 2,
                 "where-answer-from-a-later-stage": 2, "urgency-answer-disagrees": 2}


def test_the_broken_corpus_has_one_file_per_kind_of_mistake():
    assert sorted(p.stem for p in BAD.glob("*.yaml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 50


def test_the_corpus_base_is_valid():
    """The broken files are this valid case with one mistake each."""
    problems, case = check_case(GOOD)
    assert problems == [] and case is not None
    assert [s.id for s in case.stages] == ["story", "later"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mistake_is_reported_with_file_line_and_field(name):
    path = BAD / f"{name}.yaml"
    problems, case = check_case(path)
    assert case is None
    field, fragment = EXPECTED[name]
    matching = [p for p in problems if p.field == field and fragment in p.message]
    assert matching, [str(p) for p in problems]
    assert all(p.file == str(path) for p in problems)
    assert len(problems) == MORE_THAN_ONE.get(name, 1), [str(p) for p in problems]
    if name != "not-utf8":
        assert matching[0].line is not None


def test_line_numbers_point_at_the_offending_line():
    problems, _ = check_case(BAD / "unknown-level.yaml")
    assert [(p.field, p.line) for p in problems] == [("level", 3)]
    problems, _ = check_case(BAD / "repeated-option-id.yaml")
    lines = (BAD / "repeated-option-id.yaml").read_text().splitlines()
    assert "- id: a" in lines[problems[-1].line - 1]
    problems, _ = check_case(BAD / "needs-a-later-fact.yaml")
    lines = (BAD / "needs-a-later-fact.yaml").read_text().splitlines()
    assert lines[problems[0].line - 1].strip() == "needs: [symptom:fever]"
    problems, _ = check_case(BAD / "add-already-present.yaml")
    lines = (BAD / "add-already-present.yaml").read_text().splitlines()
    assert lines[problems[0].line - 1].strip() == "add: {symptoms: [fever]}"


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


def test_templates_and_data_files_are_not_cases():
    ids = {c.id for c in load_cases()}
    assert "_template" not in ids and "CASE_ID" not in ids
    assert (CASES_DIR / "_coverage.yaml").exists()


# -- the library, read independently of the loader --------------------------------------------

_LISTS = {"pain_sites": "pain_site", "symptoms": "symptom", "findings": "finding", "history": "history"}


@cache
def _raw_file(source: str) -> dict[str, Any]:
    return yaml.load(Path(source).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _raw(case: Case) -> dict[str, Any]:
    return _raw_file(str(case.source))


def _raw_stages(case: Case) -> list[tuple[Presentation, set[str]]]:
    """Each stage's presentation and the facts it reveals, rebuilt from the YAML by hand."""
    stages = _raw(case)["stages"]
    current = dict(stages[0]["presentation"])
    facts = {f"{_LISTS[k]}:{v}" for k in _LISTS for v in current.get(k) or []}
    facts |= {k for k in current if k not in _LISTS}
    out = [(Presentation.from_dict(current), facts | set(stages[0].get("reveals", [])))]
    for stage in stages[1:]:
        ch = stage.get("changes", {})
        current = {k: (list(v) if k in _LISTS else v) for k, v in current.items()}
        facts = set(stage.get("reveals", []))
        for k, values in ch.get("add", {}).items():
            current[k] = list(current.get(k) or []) + values
            facts |= {f"{_LISTS[k]}:{v}" for v in values}
        for k, values in ch.get("remove", {}).items():
            current[k] = [v for v in current[k] if v not in values]
            facts |= {f"{_LISTS[k]}:{v}" for v in values}
        for k, value in ch.get("set", {}).items():
            current[k] = value
            facts.add(k)
        out.append((Presentation.from_dict(current), facts))
    return out


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases()


def test_the_library_is_valid_and_large_enough(cases):
    assert validate_paths() == []
    assert len(cases) >= 44


def test_every_case_has_a_reveal_stage_two_questions_and_one_that_is_not_where(cases):
    for case in cases:
        raw = _raw(case)
        assert len(raw["stages"]) >= 2, case.id
        assert len(raw["questions"]) >= 2, case.id
        assert any("asks" not in q for q in raw["questions"]), case.id


def test_every_option_has_feedback_resting_on_an_existing_knowledge_entry(cases):
    kb = knowledge()
    known = {("provider", p.id.value) for p in kb.providers}
    known |= {("red_flag", f.id) for f in kb.red_flags} | {("rule", r.id) for r in kb.rules}
    for case in cases:
        for q in _raw(case)["questions"]:
            for o in q["options"]:
                assert o["feedback"] and o["refs"], (case.id, q["id"], o["id"])
                for ref in o["refs"]:
                    kind, _, ident = ref.partition(":")
                    assert (kind, ident) in known, (case.id, q["id"], ref)


def test_stage_presentations_and_facts_are_built_as_the_file_says(cases):
    for case in cases:
        rebuilt = _raw_stages(case)
        assert [s.presentation for s in case.stages] == [p for p, _ in rebuilt], case.id
        assert [set(s.facts) for s in case.stages] == [f for _, f in rebuilt], case.id


def test_the_engine_agrees_with_every_stage(cases):
    for case in cases:
        raw = _raw(case)["stages"]
        for (presentation, _), stage in zip(_raw_stages(case), raw, strict=True):
            a = assess(presentation)
            assert (a.urgency.value, a.next_step.value) == (stage["expected"]["urgency"],
                                                            stage["expected"]["next_step"]), (case.id, stage["id"])


def test_the_old_attributes_are_derived_from_the_stages(cases):
    for case in cases:
        assert case.narrative == case.stages[0].text
        assert case.reveal == tuple(RevealStep(s.title, s.text) for s in case.stages[1:])
        last = case.stages[-1]
        assert case.presentation == last.presentation
        assert (case.expected_urgency, case.expected_next_step) == (last.expected_urgency, last.expected_next_step)


def test_questions_at_partitions_every_case_in_stage_order(cases):
    for case in cases:
        asked = [q for i in range(len(case.stages)) for q in case.questions_at(i)]
        assert asked == list(case.questions), case.id
        raw_after = [q["after"] for q in _raw(case)["questions"]]
        for i in range(len(case.stages)):
            assert [q.id for q in case.questions_at(i)] == [
                q["id"] for q, after in zip(_raw(case)["questions"], raw_after, strict=True)
                if after == case.stages[i].id
            ]


def test_played_stage_by_stage_no_question_comes_before_its_facts(cases):
    """Reveal one stage at a time: each question appears only once what it rests on is on the page."""
    for case in cases:
        rebuilt = _raw_stages(case)
        raw_questions = {q["id"]: q for q in _raw(case)["questions"]}
        known: set[str] = set()
        seen: set[str] = set()
        for i, (presentation, facts) in enumerate(rebuilt):
            known |= facts
            for q in case.questions_at(i):
                assert q.id not in seen, (case.id, q.id)
                seen.add(q.id)
                raw = raw_questions[q.id]
                assert raw["after"] == case.stages[i].id
                assert set(raw.get("needs", [])) <= known, (case.id, q.id, set(raw.get("needs", [])) - known)
                if raw.get("asks") == "next_step":
                    a = assess(presentation)
                    right = {a.next_step.value} | ({s.value for s in a.also_consider} if q.kind == "multi" else set())
                    assert {o["step"] for o in raw["options"] if o["correct"]} <= right, (case.id, q.id)
                    assert a.next_step.value in {o["step"] for o in raw["options"] if o["correct"]}, (case.id, q.id)
                    assert not {o.get("step") for o in raw["options"] if not o["correct"]} & right, (case.id, q.id)
                if raw.get("asks") == "urgency":
                    a = assess(presentation)
                    assert [o["urgency"] for o in raw["options"] if o["correct"]] == [a.urgency.value], (case.id, q.id)
        assert seen == set(raw_questions), case.id


def _answer_changes(case: Case) -> bool:
    """The student answers where / how urgent at two stages and the engine's answers differ."""
    rebuilt = _raw_stages(case)
    stage_ids = [s["id"] for s in _raw(case)["stages"]]
    answers = set()
    for q in _raw(case)["questions"]:
        if q.get("asks"):
            a = assess(rebuilt[stage_ids.index(q["after"])][0])
            answers.add((a.urgency, a.next_step))
    return len(answers) > 1


def test_at_least_ten_stories_change_their_answer(cases):
    changing = [c.id for c in cases if _answer_changes(c)]
    assert len(changing) >= 10, changing
    assert [c.id for c in cases if c.revises_answer] == changing
    # the ones the issue names: a fever appears, weakness progresses, care fails, imaging finds a tear
    assert {"flu-season-fever", "foot-drop-clumsy", "xray-wants-surgeon", "dancer-labral-tear"} <= set(changing)


def test_cases_this_suite_and_its_tests_rely_on_keep_their_ids_and_shape(cases):
    by_id = {c.id: c for c in cases}
    kwame = by_id["hip-oa-grandfather"]
    assert kwame.expected_next_step is NextStep.ORTHOPEDIC_SURGEON
    priya = by_id["runner-hip-flexor-back"]
    assert priya.title == "Priya: the runner who sits all day"
    assert [s.title for s in priya.stages] == ["The story", "The first examination", "Six weeks on"]
    assert "golfer-stiff-spine" in by_id and "teacher-new-incontinence" in by_id


def test_cases_are_varied(cases):
    ages = sorted(c.stages[0].presentation.age for c in cases if c.stages[0].presentation.age is not None)
    assert ages[0] < 20 and ages[-1] > 80
    assert len({c.title for c in cases}) == len(cases)
    assert len({c.narrative for c in cases}) == len(cases)
    signatures = {(tuple(s.presentation for s in c.stages), tuple(q.prompt for q in c.questions)) for c in cases}
    assert len(signatures) == len(cases)


def test_single_choice_questions_have_one_correct_option(cases):
    for case in cases:
        for q in case.questions:
            assert q.correct_ids, (case.id, q.id)
            if q.kind == "single":
                assert len(q.correct_ids) == 1, (case.id, q.id)
            assert q.is_correct(q.correct_ids)


# -- the model API ------------------------------------------------------------------------------

def _tiny_case(questions: tuple[Question, ...]) -> Case:
    p = Presentation(pain_sites=["lower_back"], duration_weeks=1)
    stages = (Stage("story", "Story", "text", p, Urgency.ROUTINE, NextStep.PRIMARY_CARE, ("duration_weeks",)),
              Stage("exam", "Exam", "text", p, Urgency.ROUTINE, NextStep.PRIMARY_CARE, ("symptom:fever",)))
    return Case("t", "T", "intro", ("x",), "text", (RevealStep("Exam", "text"),), p, Urgency.ROUTINE,
                NextStep.PRIMARY_CARE, questions, ("x",), ("primary-care",), stages=stages)


def test_questions_at_stage_index_and_facts_known():
    opts = (Option("a", "A", True, "yes"), Option("b", "B", False, "no"))
    q1 = Question("q1", "single", "?", opts, after="story")
    q2 = Question("q2", "single", "?", opts, after="exam")
    q3 = Question("q3", "single", "?", opts)
    case = _tiny_case((q1, q2, q3))
    assert case.stage_index("exam") == 1
    with pytest.raises(KeyError):
        case.stage_index("imaging")
    assert case.questions_at(0) == (q1,)
    assert case.questions_at(1) == (q2, q3)  # no `after`: asked after the last stage
    assert case.facts_known(0) == {"duration_weeks"}
    assert case.facts_known(1) == {"duration_weeks", "symptom:fever"}
    assert not case.revises_answer


# -- coverage -----------------------------------------------------------------------------------

def test_coverage_meets_the_targets_in_the_data_file(cases):
    """Counted here from the files and the engine; the minimums are read from _coverage.yaml."""
    minimums = yaml.safe_load((CASES_DIR / "_coverage.yaml").read_text())["minimums"]
    assert minimums["next_step"] >= 5 and minimums["red_flag"] >= 3
    assert minimums["tag"]["hip-back-overlap"] >= 10 and minimums["answer_changes"] >= 10
    assert minimums["level_share"] >= 0.25
    for step in NextStep:
        teaching = [c.id for c in cases if any(assess(p).next_step is step for p, _ in _raw_stages(c))]
        assert len(teaching) >= minimums["next_step"], (step, teaching)
    for flag in knowledge().red_flags:
        firing = [c.id for c in cases if any(flag.id in assess(p).red_flags for p, _ in _raw_stages(c))]
        assert len(firing) >= minimums.get("red_flags", {}).get(flag.id, minimums["red_flag"]), (flag.id, firing)
        assert len(firing) >= 2, (flag.id, firing)  # a flag beyond the guide is still taught by two cases
    assert minimums["history"] >= 1
    for item in History:
        holding = [c.id for c in cases if any(item in p.history for p, _ in _raw_stages(c))]
        assert len(holding) >= minimums["history"], (item, holding)
    overlap = [c.id for c in cases if "hip-back-overlap" in _raw(c).get("tags", [])]
    assert len(overlap) >= minimums["tag"]["hip-back-overlap"]
    for level in ("intro", "intermediate", "advanced"):
        assert sum(_raw(c)["level"] == level for c in cases) >= minimums["level_share"] * len(cases), level
    cov = coverage(cases)
    assert cov.shortfalls() == []
    assert cov.total == len(cases)
    assert cov.next_steps["physical_therapist"] == sum(
        any(assess(p).next_step is NextStep.PHYSICAL_THERAPIST for p, _ in _raw_stages(c)) for c in cases)


def test_coverage_names_every_target_a_small_library_misses(cases):
    small = [c for c in cases if c.id in ("golfer-stiff-spine", "flu-season-fever")]
    short = coverage(small, load_targets(CASES_DIR / "_coverage.yaml")).shortfalls()
    assert "next step emergency_department: 0 case(s), minimum 5" in short
    assert "red flag fever: 1 case(s), minimum 3" in short
    assert "tag hip-back-overlap: 0 case(s), minimum 10" in short
    assert "cases whose answer changes between stages: 2, minimum 10" in short
    assert "level intermediate: 0 of 2 case(s) (0%), minimum share 25%" in short
    assert not any("level intro" in s for s in short)


def test_a_small_library_misses_the_history_and_per_flag_minimums(cases):
    small = [c for c in cases if c.id in ("golfer-stiff-spine", "flu-season-fever")]
    short = coverage(small, load_targets(CASES_DIR / "_coverage.yaml")).shortfalls()
    assert "history iv_drug_use: 0 case(s), minimum 1" in short
    assert "red flag child_hip_fever: 0 case(s), minimum 2" in short
    assert "red flag difficulty_passing_urine: 0 case(s), minimum 3" in short


@pytest.mark.parametrize(("entry", "message"), [
    ("    not_a_flag: 2\n", "unknown red flag"),
    ("    fever: two\n", "not of type 'integer'"),
])
def test_a_wrong_per_flag_minimum_names_file_line_and_field(tmp_path, entry, message):
    bad = tmp_path / "_coverage.yaml"
    bad.write_text("minimums:\n  next_step: 5\n  red_flag: 3\n  red_flags:\n" + entry
                   + "  tag: {}\n  answer_changes: 1\n  level_share: 0.2\n")
    with pytest.raises(CaseError) as exc:
        load_targets(bad)
    [problem] = exc.value.problems
    assert problem.field.startswith("minimums.red_flags.") and problem.line == 5 and message in problem.message


def test_a_broken_targets_file_names_file_line_and_field(tmp_path):
    bad = tmp_path / "_coverage.yaml"
    bad.write_text("minimums:\n  next_step: five\n  red_flag: 3\n  tag: {}\n  answer_changes: 1\n  level_share: 0.2\n")
    with pytest.raises(CaseError) as exc:
        load_targets(bad)
    assert [(p.field, p.line) for p in exc.value.problems] == [("minimums.next_step", 2)]
    assert "not of type 'integer'" in str(exc.value)


def test_coverage_page_matches_the_files(cases):
    page = (ROOT / "docs" / "authoring" / "coverage.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- coverage:start -->\n(.*?)<!-- coverage:end -->", page, re.S)
    assert block, "docs/authoring/coverage.md needs the coverage block"
    assert block.group(1) == coverage(cases).to_markdown(), "regenerate: python -m triage coverage --page"


def test_env_var_points_at_another_case_directory(tmp_path, monkeypatch):
    shutil.copy(CASES_DIR / "golfer-stiff-spine.yaml", tmp_path)
    monkeypatch.setenv("TRIAGE_CASES_DIR", str(tmp_path))
    assert [c.id for c in load_cases()] == ["golfer-stiff-spine"]
    # a library without its own targets file is measured against the repository's
    assert coverage(load_cases()).targets.source == str(CASES_DIR / "_coverage.yaml")
