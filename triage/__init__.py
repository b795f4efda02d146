"""Back and hip pain triage: a teaching suite. Educational use only; it does not diagnose.

Quick start::

    from triage import assess
    result = assess({"pain_sites": ["hip"], "duration_weeks": 2})
    result.next_step   # NextStep.PRIMARY_CARE
"""

from .domain.engine import Engine, assess, default_engine
from .domain.knowledge import knowledge
from .domain.model import (
    DISCLAIMER,
    Assessment,
    Change,
    Finding,
    History,
    NextStep,
    PainSite,
    Presentation,
    RuleHit,
    Symptom,
    Trauma,
    Urgency,
)
from .domain.presentations import load_presentation, parse_presentation
from .errors import CaseError, KnowledgeError, PresentationError, Problem, ProgressError, TriageError

__all__ = [
    "DISCLAIMER",
    "Assessment",
    "CaseError",
    "Change",
    "Engine",
    "Finding",
    "History",
    "KnowledgeError",
    "NextStep",
    "PainSite",
    "Presentation",
    "PresentationError",
    "Problem",
    "ProgressError",
    "RuleHit",
    "Symptom",
    "Trauma",
    "TriageError",
    "Urgency",
    "assess",
    "default_engine",
    "knowledge",
    "load_presentation",
    "parse_presentation",
]
