"""Export case questions in jupyterquiz's JSON format (also usable from Jupyter Book).

jupyterquiz reads a list of questions, each ``{"question", "type", "answers"}`` where ``type``
is ``multiple_choice`` (one correct answer) or ``many_choice`` (several), and each answer is
``{"answer", "correct", "feedback"}``. Each case gives one such list, its questions in stage
order; a question's text names the case and the stage after which it is asked, since a quiz
page shows the question without the player's staged story.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..content.cases import Case, Question


def _question(case: Case, q: Question, stage_title: str) -> dict[str, Any]:
    return {
        "question": f'{case.title}. After "{stage_title}": {q.prompt}',
        "type": "multiple_choice" if q.kind == "single" else "many_choice",
        "answers": [{"answer": o.text, "correct": o.correct, "feedback": o.feedback} for o in q.options],
    }


def case_quiz(case: Case) -> list[dict[str, Any]]:
    """One case's questions as a jupyterquiz list, in stage order."""
    out = []
    for i, stage in enumerate(case.stages):
        out += [_question(case, q, stage.title) for q in case.questions_at(i)]
    return out


def quiz_by_case(cases: Sequence[Case]) -> dict[str, list[dict[str, Any]]]:
    """One jupyterquiz list per case, keyed by case id (cases in the order given)."""
    return {case.id: case_quiz(case) for case in cases}


def quiz_questions(cases: Sequence[Case]) -> list[dict[str, Any]]:
    """All questions of ``cases`` as one jupyterquiz list: case after case, each in stage order."""
    return [q for case in cases for q in case_quiz(case)]
