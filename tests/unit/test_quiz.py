"""jupyterquiz export: one question list per case, in stage order, in jupyterquiz's structure."""

from __future__ import annotations

import yaml

from triage.content.cases import CASES_DIR, load_cases
from triage.outputs.quiz import case_quiz, quiz_by_case, quiz_questions


def _check_structure(q):
    assert set(q) == {"question", "type", "answers"}
    assert isinstance(q["question"], str) and q["question"]
    assert q["type"] in {"multiple_choice", "many_choice"}
    assert len(q["answers"]) >= 2
    for a in q["answers"]:
        assert set(a) == {"answer", "correct", "feedback"}
        assert isinstance(a["correct"], bool)
    n_correct = sum(a["correct"] for a in q["answers"])
    assert n_correct == 1 if q["type"] == "multiple_choice" else n_correct >= 1


def test_every_question_has_jupyterquiz_structure():
    cases = load_cases()
    quiz = quiz_questions(cases)
    assert len(quiz) == sum(len(c.questions) for c in cases)
    for q in quiz:
        _check_structure(q)


def test_one_list_per_case_in_stage_order():
    cases = load_cases()
    by_case = quiz_by_case(cases)
    assert list(by_case) == [c.id for c in cases]
    for case in cases:
        raw = yaml.safe_load((CASES_DIR / f"{case.id}.yaml").read_text(encoding="utf-8"))
        stage_order = [s["id"] for s in raw["stages"]]
        expected = sorted(raw["questions"], key=lambda q: stage_order.index(q["after"]))
        exported = by_case[case.id]
        assert len(exported) == len(expected), case.id
        for q, raw_q in zip(exported, expected, strict=True):
            stage = raw["stages"][stage_order.index(raw_q["after"])]
            assert q["question"] == f'{case.title}. After "{stage["title"]}": {raw_q["prompt"]}'
            assert [a["answer"] for a in q["answers"]] == [o["text"] for o in raw_q["options"]]


def test_question_text_names_the_case_and_the_stage():
    kwame = next(c for c in load_cases() if c.id == "hip-oa-grandfather")
    quiz = case_quiz(kwame)
    assert [q["question"] for q in quiz] == [
        'Kwame: a hip that has given up. After "The first visit": Where should Kwame\'s care begin?',
        'Kwame: a hip that has given up. After "Five months later - the X-ray": Who is the right specialist?',
        'Kwame: a hip that has given up. After "Five months later - the X-ray": '
        "What will the orthopedic surgeon weigh up with Kwame?",
    ]
    assert [a["correct"] for a in quiz[1]["answers"]] == [True, False, False]
