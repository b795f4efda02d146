"""Red-flag drill: short scenarios whose right answer (the urgency) comes from the engine."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..domain.engine import assess
from ..domain.model import Assessment, Presentation, Urgency
from ..domain.schema import read_checked
from ..errors import KnowledgeError, PresentationError, Problem
from . import DATA, SCHEMAS


@dataclass(frozen=True)
class Scenario:
    id: str
    text: str
    presentation: Presentation
    title: str = ""  # a short name for pickers (optional in the file)
    why: str = ""  # the author's one-line reason, where the engine's alone would not teach the point (optional)

    @property
    def assessment(self) -> Assessment:
        return assess(self.presentation)

    @property
    def answer(self) -> Urgency:
        return self.assessment.urgency


def load_scenarios(path: Path = DATA / "drill.yaml") -> tuple[Scenario, ...]:
    """Read scenarios (shape: ``schemas/scenarios.schema.json``); :class:`KnowledgeError` names file, line and field.

    Also used for the pathway diagram's worked examples, which have the same form."""
    doc, problems = read_checked(Path(path), SCHEMAS / "scenarios.schema.json", KnowledgeError)
    if problems:
        raise KnowledgeError(problems)
    out = []
    seen: set[str] = set()
    for i, item in enumerate(doc.data):
        where = f"[{i}]"
        if item["id"] in seen:
            problems.append(Problem(f"{where}.id", f"duplicate id {item['id']!r}", str(path), doc.line_of(where)))
        seen.add(item["id"])
        try:
            pres = Presentation.from_dict(item["presentation"])
        except PresentationError as exc:
            problems += [Problem(f"{where}.presentation.{p.field}", p.message, str(path),
                                 doc.line_of(f"{where}.presentation.{p.field}")) for p in exc.problems]
            continue
        out.append(Scenario(item["id"], item["text"], pres, item.get("title", ""), item.get("why", "")))
    if problems:
        raise KnowledgeError(problems)
    return tuple(out)


@cache
def scenarios() -> tuple[Scenario, ...]:
    """The shipped drill scenarios."""
    return load_scenarios()
