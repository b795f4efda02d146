"""jupyterquiz export: one question list per case, in stage order, each question answerable on its own."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import yaml
from support.handouts_support import INJECTED, html_case

from triage.content.cases import CASES_DIR, load_cases
from triage.domain.model import DISCLAIMER
from triage.outputs.quiz import case_quiz, quiz_by_case, quiz_questions


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(fragment: str) -> tuple[str, list[str]]:
    """What a reader of jupyterquiz's HTML sees (whitespace collapsed), and the tags it holds."""
    parser = _Text()
    parser.feed(fragment)
    return " ".join(" ".join(parser.parts).split()), parser.tags


def squash(text: str) -> str:
    return " ".join(text.split())


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
            assert shown(q["question"])[0].endswith(squash(raw_q["prompt"])), case.id
            assert [shown(a["answer"])[0] for a in q["answers"]] == [squash(o["text"]) for o in raw_q["options"]]
            assert [shown(a["feedback"])[0] for a in q["answers"]] == [squash(o["feedback"]) for o in raw_q["options"]]


def test_each_question_carries_the_notice_and_the_story_up_to_its_stage_and_no_further():
    """On a quiz page there is no staged player: the question brings what it rests on, and nothing later."""
    for case in load_cases():
        raw = yaml.safe_load((CASES_DIR / f"{case.id}.yaml").read_text(encoding="utf-8"))
        stage_order = [s["id"] for s in raw["stages"]]
        asked_after = sorted(stage_order.index(q["after"]) for q in raw["questions"])
        for q, at in zip(case_quiz(case), asked_after, strict=True):
            text, _ = shown(q["question"])
            assert text.startswith(DISCLAIMER), case.id
            assert squash(raw["title"]) in text
            for i, stage in enumerate(raw["stages"]):
                story = squash(stage["text"])
                if i <= at:
                    assert f"Stage {i + 1} of {len(stage_order)}: {squash(stage['title'])}." in text
                    assert story in text, (case.id, stage["id"])
                else:
                    assert story not in text, f"{case.id}: a question after stage {at + 1} shows stage {i + 1}"


def test_text_from_a_case_is_shown_never_run():
    """jupyterquiz puts the texts into the page as HTML, so markup in a case arrives escaped."""
    quiz = case_quiz(html_case())
    first = quiz[0]
    text, tags = shown(first["question"])
    assert INJECTED in text and "<marquee>" in text
    assert set(tags) <= {"p", "em", "strong"}
    for a in first["answers"]:
        assert shown(a["answer"])[1] == [] and shown(a["feedback"])[1] == []
    assert "<u>" in shown(first["answers"][0]["answer"])[0]


def test_dollar_signs_stay_text_for_mathjax():
    case = load_cases()[0]
    stages = (replace(case.stages[0], text="It cost $40 and then $50."), *case.stages[1:])
    text = case_quiz(replace(case, stages=stages))[0]["question"]
    assert "$" not in text and "It cost $40 and then $50." in shown(text)[0]


def test_a_kwame_question_reads_as_the_student_would_meet_it():
    kwame = next(c for c in load_cases() if c.id == "hip-oa-grandfather")
    quiz = case_quiz(kwame)
    first, _ = shown(quiz[0]["question"])
    assert first.endswith("Stage 1 of 2: The first visit. " + squash(kwame.stages[0].text)
                          + " Where should Kwame's care begin?")
    assert "Five months later" not in first
    assert "Stage 2 of 2: Five months later - the X-ray." in shown(quiz[1]["question"])[0]
    assert [a["correct"] for a in quiz[1]["answers"]] == [True, False, False]
