"""The vocabulary of the suite and the two types that cross every boundary.

``Presentation`` is the engine's input: what a person reports and what a clinician found.
``Assessment`` is its output: urgency, next step, the red flags that escalated, the rules
that fired and the single changes that would alter the result. Both serialise to the
JSON contract documented in docs/reference/contract.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import PresentationError, Problem


class PainSite(StrEnum):
    LOWER_BACK = "lower_back"
    HIP = "hip"
    GROIN = "groin"
    BUTTOCK = "buttock"
    THIGH = "thigh"
    LEG = "leg"
    KNEE = "knee"


class Symptom(StrEnum):
    NEW_BOWEL_OR_BLADDER_INCONTINENCE = "new_bowel_or_bladder_incontinence"
    SADDLE_NUMBNESS_PROGRESSIVE = "saddle_numbness_progressive"
    LEG_WEAKNESS_PROGRESSIVE = "leg_weakness_progressive"
    FEVER = "fever"
    CHILLS = "chills"
    UNEXPLAINED_WEIGHT_LOSS = "unexplained_weight_loss"
    RADIATING_LEG_PAIN = "radiating_leg_pain"
    LEG_NUMBNESS_OR_TINGLING = "leg_numbness_or_tingling"
    PAIN_WORSE_WITH_MOVEMENT = "pain_worse_with_movement"
    PAIN_EASED_BY_REST = "pain_eased_by_rest"
    DIFFICULTY_PASSING_URINE = "difficulty_passing_urine"
    SADDLE_NUMBNESS = "saddle_numbness"
    BILATERAL_SCIATICA = "bilateral_sciatica"
    CANNOT_BEAR_WEIGHT = "cannot_bear_weight"


class History(StrEnum):
    """Past or ongoing conditions that change what a symptom may mean (risk factors)."""

    CANCER = "cancer"
    OSTEOPOROSIS = "osteoporosis"
    LONG_TERM_STEROIDS = "long_term_steroids"
    IMMUNOSUPPRESSION = "immunosuppression"
    IV_DRUG_USE = "iv_drug_use"


class Finding(StrEnum):
    SEVERE_OSTEOARTHRITIS = "severe_osteoarthritis"
    HIP_LABRAL_TEAR = "hip_labral_tear"
    SPINAL_INSTABILITY = "spinal_instability"
    NERVE_COMPRESSION = "nerve_compression"
    MUSCLE_IMBALANCE = "muscle_imbalance"
    JOINT_RESTRICTION = "joint_restriction"


class Trauma(StrEnum):
    NONE = "none"
    MINOR = "minor"
    HIGH_IMPACT = "high_impact"


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _URGENCY_RANK[self]


_URGENCY_RANK = {Urgency.ROUTINE: 0, Urgency.URGENT: 1, Urgency.EMERGENCY: 2}


class NextStep(StrEnum):
    EMERGENCY_DEPARTMENT = "emergency_department"
    URGENT_CARE = "urgent_care"
    PRIMARY_CARE = "primary_care"
    ORTHOPEDIC_SURGEON = "orthopedic_surgeon"
    PHYSIATRIST = "physiatrist"
    PHYSICAL_THERAPIST = "physical_therapist"
    CHIROPRACTOR = "chiropractor"


PRESENTATION_FIELDS = (
    "age",
    "pain_sites",
    "duration_weeks",
    "trauma",
    "conservative_care_weeks",
    "prefers_non_surgical",
    "symptoms",
    "findings",
    "history",
)
MAX_AGE = 120


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(m.value for m in enum)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _enum_list(
    raw: Any, name: str, enum: type[StrEnum], problems: list[Problem], *, non_empty: bool = False
) -> frozenset[Any]:
    if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Iterable):
        problems.append(Problem(name, f"must be a list of ids ({_choices(enum)}), got {type(raw).__name__}"))
        return frozenset()
    items = list(raw)
    out = set()
    for i, item in enumerate(items):
        if isinstance(item, enum):
            out.add(item)
        elif isinstance(item, str) and item in enum._value2member_map_:
            out.add(enum(item))
        else:
            problems.append(
                Problem(f"{name}[{i}]", f"unknown id {item!r}; valid values: {_choices(enum)}")
            )
    if non_empty and not items:
        problems.append(Problem(name, f"must list at least one of: {_choices(enum)}"))
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Presentation:
    """What a person reports and what an assessing clinician found.

    Strings are accepted for every enum field and lists/sets for the collections; the
    values are checked and normalised on construction, and a :class:`PresentationError`
    names every field that is wrong.
    """

    pain_sites: frozenset[PainSite]
    duration_weeks: float
    symptoms: frozenset[Symptom] = frozenset()
    findings: frozenset[Finding] = frozenset()
    trauma: Trauma = Trauma.NONE
    conservative_care_weeks: float = 0
    prefers_non_surgical: bool = False
    age: int | None = None
    history: frozenset[History] = frozenset()

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        put = object.__setattr__
        put(self, "pain_sites", _enum_list(self.pain_sites, "pain_sites", PainSite, problems, non_empty=True))
        put(self, "symptoms", _enum_list(self.symptoms, "symptoms", Symptom, problems))
        put(self, "findings", _enum_list(self.findings, "findings", Finding, problems))
        put(self, "history", _enum_list(self.history, "history", History, problems))
        if isinstance(self.trauma, str) and self.trauma in Trauma._value2member_map_:
            put(self, "trauma", Trauma(self.trauma))
        else:
            problems.append(Problem("trauma", f"unknown value {self.trauma!r}; valid values: {_choices(Trauma)}"))
        for name in ("duration_weeks", "conservative_care_weeks"):
            value = getattr(self, name)
            if not _is_number(value):
                problems.append(Problem(name, f"must be a number of weeks (>= 0), got {value!r}"))
            elif value < 0:
                problems.append(Problem(name, f"must be >= 0, got {value!r}"))
        if (
            _is_number(self.duration_weeks)
            and _is_number(self.conservative_care_weeks)
            and self.duration_weeks >= 0
            and self.conservative_care_weeks > self.duration_weeks
        ):
            problems.append(
                Problem(
                    "conservative_care_weeks",
                    f"{self.conservative_care_weeks!r} weeks of conservative care cannot exceed "
                    f"duration_weeks ({self.duration_weeks!r})",
                )
            )
        if not isinstance(self.prefers_non_surgical, bool):
            problems.append(
                Problem("prefers_non_surgical", f"must be true or false, got {self.prefers_non_surgical!r}")
            )
        if self.age is not None:
            if not isinstance(self.age, int) or isinstance(self.age, bool):
                problems.append(Problem("age", f"must be a whole number of years (0..{MAX_AGE}), got {self.age!r}"))
            elif not 0 <= self.age <= MAX_AGE:
                problems.append(Problem("age", f"must be between 0 and {MAX_AGE}, got {self.age!r}"))
        if problems:
            raise PresentationError(problems)

    @classmethod
    def from_dict(cls, data: Any) -> Presentation:
        """Build from a mapping in the input contract; unknown keys are rejected."""
        if not isinstance(data, Mapping):
            raise PresentationError(
                Problem(
                    "presentation",
                    f"must be a mapping of fields ({', '.join(PRESENTATION_FIELDS)}), got {type(data).__name__}",
                )
            )
        problems = [
            Problem(str(key), f"unknown field; valid fields: {', '.join(PRESENTATION_FIELDS)}")
            for key in data
            if key not in PRESENTATION_FIELDS
        ]
        for required in ("pain_sites", "duration_weeks"):
            if required not in data:
                problems.append(Problem(required, "is required"))
        kwargs = {k: data[k] for k in PRESENTATION_FIELDS if k in data}
        for key in ("symptoms", "findings", "history"):
            if key in kwargs and kwargs[key] is None:
                kwargs[key] = []
        if problems:
            # Report the field-level problems too, so one run lists everything to fix.
            try:
                cls(**{"pain_sites": ["hip"], "duration_weeks": 0, **kwargs})
            except PresentationError as exc:
                problems += [q for q in exc.problems if q.field not in {r.field for r in problems}]
            raise PresentationError(problems)
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The input contract as plain JSON-ready data (sorted lists)."""
        out: dict[str, Any] = {}
        if self.age is not None:
            out["age"] = self.age
        out.update(
            pain_sites=sorted(s.value for s in self.pain_sites),
            duration_weeks=self.duration_weeks,
            trauma=self.trauma.value,
            conservative_care_weeks=self.conservative_care_weeks,
            prefers_non_surgical=self.prefers_non_surgical,
            symptoms=sorted(s.value for s in self.symptoms),
            findings=sorted(f.value for f in self.findings),
            history=sorted(h.value for h in self.history),
        )
        return out


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule whose condition held, and what it did to the result."""

    rule_id: str
    reason: str
    guide_section: str
    effect: str  # "decides", "adds", "overridden" or "note"
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.rule_id,
            "reason": self.reason,
            "guide_section": self.guide_section,
            "effect": self.effect,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Change:
    """A single edit to a presentation and the result it would give."""

    field: str
    action: str  # "add", "remove" or "set"
    value: Any
    description: str
    urgency: Urgency
    next_step: NextStep

    def to_dict(self) -> dict[str, Any]:
        value = self.value.value if isinstance(self.value, StrEnum) else self.value
        return {
            "field": self.field,
            "action": self.action,
            "value": value,
            "description": self.description,
            "urgency": self.urgency.value,
            "next_step": self.next_step.value,
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    """The engine's answer for one presentation, with its reasons."""

    urgency: Urgency
    next_step: NextStep
    red_flags: tuple[str, ...] = ()
    also_consider: tuple[NextStep, ...] = ()
    trace: tuple[RuleHit, ...] = ()
    what_would_change: tuple[Change, ...] = field(default=())
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The output contract as JSON-ready data."""
        return {
            "urgency": self.urgency.value,
            "next_step": self.next_step.value,
            "red_flags": list(self.red_flags),
            "also_consider": [s.value for s in self.also_consider],
            "trace": [hit.to_dict() for hit in self.trace],
            "what_would_change": [c.to_dict() for c in self.what_would_change],
            "notes": list(self.notes),
            "disclaimer": DISCLAIMER,
        }


# What to do about one's own symptoms, in the one wording of every short notice (the home pages, the lessons'
# notice, the server-full page, the README): a student with back pain of their own reads which signs
# mean the emergency department now.
IF_WORRIED = (
    "If you are worried about your own symptoms, contact a health professional; with new trouble passing "
    "urine, loss of bowel or bladder control, new numbness around the groin or buttocks, or worsening leg "
    "weakness, go to an emergency department now."
)

DISCLAIMER = (
    "Educational use only. This suite teaches how care pathways for back and hip pain are "
    "organised; it does not diagnose anyone or replace a clinician. If you are worried about "
    "your own symptoms, contact a health professional or emergency services."
)
