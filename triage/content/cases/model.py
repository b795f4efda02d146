"""The case model: a case told in stages, its questions and options, and what each stage reveals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ...domain.model import NextStep, Presentation, Urgency

LEVELS = ("intro", "intermediate", "advanced")
TAGS = ("hip-back-overlap", "looks-alarming-not-urgent", "looks-mild-is-emergency")
REF_KINDS = ("provider", "red_flag", "rule")
ASKS = ("next_step", "urgency")


@dataclass(frozen=True)
class Ref:
    """What a piece of feedback rests on: a knowledge-base entry (``provider``, ``red_flag`` or ``rule``)."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool
    feedback: str
    refs: tuple[Ref, ...] = ()
    step: NextStep | None = None  # for ``asks: next_step`` questions: where this option sends the person
    urgency: Urgency | None = None  # for ``asks: urgency`` questions: the urgency this option claims


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "single" | "multi"
    prompt: str
    options: tuple[Option, ...]
    after: str = ""  # id of the stage after which the question is asked ("" = after the last stage)
    asks: str = ""  # "next_step" or "urgency" when the engine checks the answer, else ""
    needs: tuple[str, ...] = ()  # facts the correct answer rests on (questions the engine does not check)

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)

    def is_correct(self, chosen: Iterable[str]) -> bool:
        """True when the chosen option ids are exactly the correct ones."""
        return frozenset(chosen) == self.correct_ids


@dataclass(frozen=True)
class RevealStep:
    title: str
    text: str


@dataclass(frozen=True)
class Stage:
    """One part of a case's story, and what is known (and what the engine decides) once it is read."""

    id: str
    title: str
    text: str
    presentation: Presentation
    expected_urgency: Urgency
    expected_next_step: NextStep
    facts: tuple[str, ...] = ()  # facts this stage reveals (see the module docstring)


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    level: str
    learning_objectives: tuple[str, ...]
    narrative: str
    reveal: tuple[RevealStep, ...]
    presentation: Presentation
    expected_urgency: Urgency
    expected_next_step: NextStep
    questions: tuple[Question, ...]
    teaching_points: tuple[str, ...]
    guide_sections: tuple[str, ...]
    source: str | None = None
    tags: tuple[str, ...] = field(default=())
    stages: tuple[Stage, ...] = field(default=())
    sources: tuple[str, ...] = field(default=())  # citations for facts beyond the reference guide
    age_months: int | None = None  # a child under 2: the age in months (the presentation has whole years)

    def stage_index(self, stage_id: str) -> int:
        """Position of a stage (0 is the opening story)."""
        for i, stage in enumerate(self.stages):
            if stage.id == stage_id:
                return i
        raise KeyError(stage_id)

    def _asked_at(self, question: Question) -> int:
        return self.stage_index(question.after) if question.after else max(len(self.stages) - 1, 0)

    def questions_at(self, stage_index: int) -> tuple[Question, ...]:
        """The questions asked once stages ``0..stage_index`` have been read (and not before).

        A question without ``after`` is asked after the last stage.
        """
        return tuple(q for q in self.questions if self._asked_at(q) == stage_index)

    def facts_known(self, stage_index: int) -> frozenset[str]:
        """Every fact revealed by stages ``0..stage_index``."""
        return frozenset(f for stage in self.stages[: stage_index + 1] for f in stage.facts)

    @property
    def dispositions(self) -> tuple[tuple[Urgency, NextStep], ...]:
        """Each stage's expected (urgency, next step), in stage order."""
        return tuple((s.expected_urgency, s.expected_next_step) for s in self.stages)

    @property
    def revises_answer(self) -> bool:
        """True when the student answers "where" or "how urgent" at two stages with different answers."""
        asked = {self.dispositions[self._asked_at(q)] for q in self.questions if q.asks}
        return len(asked) > 1
