"""Red-flag drill: short scenarios whose right answer (the urgency) comes from the engine."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..domain.engine import assess
from ..domain.model import Assessment, Presentation, Urgency
from ..domain.sources import load_document
from ..errors import KnowledgeError, PresentationError, Problem
from . import DATA


@dataclass(frozen=True)
class Scenario:
    id: str
    text: str
    presentation: Presentation
    title: str = ""  # a short name for pickers (optional in the file)

    @property
    def assessment(self) -> Assessment:
        return assess(self.presentation)

    @property
    def answer(self) -> Urgency:
        return self.assessment.urgency


def load_scenarios(path: Path = DATA / "drill.yaml") -> tuple[Scenario, ...]:
    """Read the drill scenarios; raise :class:`KnowledgeError` naming file, line and field."""
    doc = load_document(path, KnowledgeError)
    if not isinstance(doc.data, list):
        raise KnowledgeError(Problem("", "must be a list of scenarios", str(path), 1))
    out = []
    for i, item in enumerate(doc.data):
        where = f"[{i}]"
        if not isinstance(item, dict) or not {"id", "text", "presentation"} <= set(item):
            raise KnowledgeError(Problem(where, "needs id, text and presentation", str(path), doc.line_of(where)))
        try:
            pres = Presentation.from_dict(item["presentation"])
        except PresentationError as exc:
            raise KnowledgeError(
                Problem(f"{where}.presentation.{p.field}", p.message, str(path), doc.line_of(f"{where}.presentation"))
                for p in exc.problems
            ) from None
        out.append(Scenario(str(item["id"]), str(item["text"]), pres, str(item.get("title", ""))))
    return tuple(out)


@cache
def scenarios() -> tuple[Scenario, ...]:
    """The shipped drill scenarios."""
    return load_scenarios()
