"""Export case questions in jupyterquiz's JSON format (also usable from Jupyter Book).

jupyterquiz reads a list of questions, each ``{"question", "type", "answers"}`` where ``type``
is ``multiple_choice`` (one correct answer) or ``many_choice`` (several), and each answer is
``{"answer", "correct", "feedback"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .cases import Case


def quiz_questions(cases: Sequence[Case]) -> list[dict[str, Any]]:
    """All questions of ``cases`` as jupyterquiz question objects, case title first."""
    out = []
    for case in cases:
        for q in case.questions:
            out.append(
                {
                    "question": f"{case.title}: {q.prompt}",
                    "type": "multiple_choice" if q.kind == "single" else "many_choice",
                    "answers": [{"answer": o.text, "correct": o.correct, "feedback": o.feedback} for o in q.options],
                }
            )
    return out
