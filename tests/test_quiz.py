"""jupyterquiz export: structure of every question."""

from __future__ import annotations

from triage.cases import load_cases
from triage.quiz import quiz_questions


def test_every_question_has_jupyterquiz_structure():
    cases = load_cases()
    quiz = quiz_questions(cases)
    assert len(quiz) == sum(len(c.questions) for c in cases)
    for q in quiz:
        assert set(q) == {"question", "type", "answers"}
        assert isinstance(q["question"], str) and q["question"]
        assert q["type"] in {"multiple_choice", "many_choice"}
        assert len(q["answers"]) >= 2
        for a in q["answers"]:
            assert set(a) == {"answer", "correct", "feedback"}
            assert isinstance(a["correct"], bool)
        n_correct = sum(a["correct"] for a in q["answers"])
        assert n_correct == 1 if q["type"] == "multiple_choice" else n_correct >= 1


def test_question_text_names_the_case():
    cases = [c for c in load_cases() if c.id == "hip-oa-grandfather"]
    assert quiz_questions(cases)[0]["question"] == "Kwame: a hip that has given up: Who is the right specialist?"
