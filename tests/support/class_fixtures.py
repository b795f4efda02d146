"""Small staged cases and learners shared by the class-app tests (case player, poll, presenter, class view)."""

from __future__ import annotations

from triage.content.cases import Case, Option, Question, RevealStep, Stage
from triage.domain.model import NextStep, Presentation, Urgency
from triage.store.identity import GUEST, Learner
from triage.store.memory import MemoryStore
from triage.ui.context import AppContext

ANA = Learner("name:ana", "Ana", "name")
BEN = Learner("name:ben", "Ben", "name")
KEY = "class-key-123"


def context(learner: Learner = ANA, store: MemoryStore | None = None, mode: str = "voila",
            params: dict[str, str] | None = None, key: str | None = KEY) -> AppContext:
    """A resolved page context for ``learner`` (Voilà unless ``mode`` says otherwise)."""
    return AppContext(learner, store if store is not None else MemoryStore(), mode, (), params or {}, key)


def guest_context(store: MemoryStore) -> AppContext:
    return context(GUEST, store)


def staged_case(case_id: str = "t-staged", level: str = "intro", title: str = "Test: a back that changes",
                story: str = "Sam lifted a box and his back hurts.", tags: tuple[str, ...] = ()) -> Case:
    """Three stages; question ``first`` after the story, ``second`` after the history, ``third`` (multi) at the end."""
    routine = Presentation(pain_sites=["lower_back"], duration_weeks=1)
    stages = (
        Stage("story", "The story", story, routine, Urgency.ROUTINE, NextStep.PRIMARY_CARE),
        Stage("history", "More history", "Two days later a fever starts.",
              Presentation(pain_sites=["lower_back"], duration_weeks=1, symptoms=["fever"]),
              Urgency.URGENT, NextStep.URGENT_CARE, ("fever",)),
        Stage("exam", "Examination", "Strength and reflexes are normal.",
              Presentation(pain_sites=["lower_back"], duration_weeks=1, symptoms=["fever"]),
              Urgency.URGENT, NextStep.URGENT_CARE),
    )
    questions = (
        Question("first", "single", "Where should Sam go first?",
                 (Option("gp", "Primary care", True, "No red flag yet, so start with primary care."),
                  Option("ed", "Emergency department", False, "Nothing in the story is an emergency.")),
                 after="story"),
        Question("second", "single", "And now, with a fever?",
                 (Option("gp", "Primary care next week", False, "A fever changes the route."),
                  Option("uc", "Urgent care today", True, "Fever with back pain needs same-day care.")),
                 after="history"),
        Question("third", "multi", "Which findings matter here?",
                 (Option("fever", "The fever", True, "It is the red flag."),
                  Option("box", "Lifting a box", False, "Common and not a red flag."),
                  Option("days", "Two days of pain", False, "Not on its own.")),
                 after="exam"),
    )
    return Case(
        id=case_id, title=title, level=level, learning_objectives=("triage is repeated",), narrative=story,
        reveal=tuple(RevealStep(s.title, s.text) for s in stages[1:]), presentation=stages[-1].presentation,
        expected_urgency=Urgency.URGENT, expected_next_step=NextStep.URGENT_CARE, questions=questions,
        teaching_points=("Ask again when the story changes",), guide_sections=("primary-care",), tags=tags,
        stages=stages,
    )


def library() -> list[Case]:
    """One staged case per level, plus a second intro case tagged hip-back-overlap."""
    return [
        staged_case("t-intro", "intro", "Bea: intro case"),
        staged_case("t-inter", "intermediate", "Cal: intermediate case"),
        staged_case("t-adv", "advanced", "Dee: advanced case"),
        staged_case("t-overlap", "intro", "Abe: overlap case", tags=("hip-back-overlap",)),
    ]
