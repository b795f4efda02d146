"""Export case questions in jupyterquiz's JSON format (also usable from Jupyter Book).

jupyterquiz reads a list of questions, each ``{"question", "type", "answers"}`` where ``type``
is ``multiple_choice`` (one correct answer) or ``many_choice`` (several), and each answer is
``{"answer", "correct", "feedback"}``. Each case gives one such list, its questions in stage
order. A quiz page shows a question without the player's staged story, so each question carries
what it needs to be answered on its own: the educational-use notice, the case's title, the story
of every stage up to the one after which it is asked, then the prompt.

jupyterquiz puts these texts into the page as HTML (and reads ``$`` as the start of mathematics),
so every text from a case is escaped here: a case's words are shown, never run.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ..content.cases import Case, Question
from ..domain.model import DISCLAIMER

NOTICE_LEAD = "Educational use only."


def text_html(text: str) -> str:
    """A case's text as inert HTML: markup escaped, ``$`` kept from starting mathematics."""
    return html.escape(" ".join(text.split())).replace("$", "&#36;")


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; line breaks inside one (YAML wrapping) are spaces."""
    return [block for block in text.strip().split("\n\n") if block.strip()]


def notice_html() -> str:
    rest = DISCLAIMER.removeprefix(NOTICE_LEAD).strip()
    return f"<p><em><strong>{NOTICE_LEAD}</strong> {text_html(rest)}</em></p>"


def story_html(case: Case, upto: int) -> str:
    """The case's title and the story of stages ``0..upto``, each stage under its number and title."""
    parts = [f"<p><strong>{text_html(case.title)}</strong></p>"]
    total = len(case.stages)
    for number, stage in enumerate(case.stages[: upto + 1], start=1):
        blocks = _paragraphs(stage.text)
        head = f"<strong>Stage {number} of {total}: {text_html(stage.title)}.</strong> "
        parts.append(f"<p>{head}{text_html(blocks[0]) if blocks else ''}</p>")
        parts += [f"<p>{text_html(b)}</p>" for b in blocks[1:]]
    return "".join(parts)


def _question(case: Case, q: Question, stage_index: int) -> dict[str, Any]:
    return {
        "question": f"{notice_html()}{story_html(case, stage_index)}<p><strong>{text_html(q.prompt)}</strong></p>",
        "type": "multiple_choice" if q.kind == "single" else "many_choice",
        "answers": [{"answer": text_html(o.text), "correct": o.correct, "feedback": text_html(o.feedback)}
                    for o in q.options],
    }


def case_quiz(case: Case) -> list[dict[str, Any]]:
    """One case's questions as a jupyterquiz list, in stage order."""
    out = []
    for i in range(len(case.stages)):
        out += [_question(case, q, i) for q in case.questions_at(i)]
    return out


def quiz_by_case(cases: Sequence[Case]) -> dict[str, list[dict[str, Any]]]:
    """One jupyterquiz list per case, keyed by case id (cases in the order given)."""
    return {case.id: case_quiz(case) for case in cases}


def quiz_questions(cases: Sequence[Case]) -> list[dict[str, Any]]:
    """All questions of ``cases`` as one jupyterquiz list: case after case, each in stage order."""
    return [q for case in cases for q in case_quiz(case)]
