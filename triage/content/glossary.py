"""The glossary: the suite's words explained, with the guide section each belongs to (``data/glossary.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..domain.knowledge import Knowledge, knowledge
from ..domain.schema import read_checked
from ..errors import KnowledgeError, Problem
from . import DATA, SCHEMAS

GLOSSARY_FILE = DATA / "glossary.yaml"


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    definition: str
    guide_section: str
    also: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


def load_glossary(path: Path = GLOSSARY_FILE, kb: Knowledge | None = None) -> tuple[Term, ...]:
    """Read the glossary (shape: ``schemas/glossary.schema.json``), sorted by term; check ids are unique and
    guide sections exist. :class:`KnowledgeError` names file, line and field."""
    kb = kb or knowledge()
    sections = [s.id for s in kb.sections]
    doc, problems = read_checked(Path(path), SCHEMAS / "glossary.schema.json", KnowledgeError)
    if problems:
        raise KnowledgeError(problems)
    seen: set[str] = set()
    for i, item in enumerate(doc.data):
        if item["id"] in seen:
            problems.append(Problem(f"[{i}].id", f"duplicate id {item['id']!r}", str(path), doc.line_of(f"[{i}].id")))
        seen.add(item["id"])
        if item["guide_section"] not in sections:
            problems.append(Problem(f"[{i}].guide_section", f"unknown section {item['guide_section']!r}; valid: "
                                    f"{', '.join(sorted(sections))}", str(path), doc.line_of(f"[{i}].guide_section")))
    if problems:
        raise KnowledgeError(problems)
    terms = [Term(t["id"], t["term"].strip(), " ".join(t["definition"].split()), t["guide_section"],
                  tuple(t.get("also", ())), tuple(t.get("sources", ()))) for t in doc.data]
    return tuple(sorted(terms, key=lambda t: t.term.casefold()))


@cache
def glossary() -> tuple[Term, ...]:
    """The shipped glossary (loaded once)."""
    return load_glossary()
