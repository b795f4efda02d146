"""The glossary: the suite's words explained, with the guide section each belongs to (``knowledge/glossary.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..domain.knowledge import Knowledge, knowledge
from ..domain.sources import load_document
from ..errors import KnowledgeError, Problem
from . import DATA

GLOSSARY_FILE = DATA / "glossary.yaml"
_FIELDS = {"id", "term", "definition", "guide_section"}
_OPTIONAL = {"also", "sources"}


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    definition: str
    guide_section: str
    also: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


def load_glossary(path: Path = GLOSSARY_FILE, kb: Knowledge | None = None) -> tuple[Term, ...]:
    """Read and check the glossary (sorted by term); :class:`KnowledgeError` names file, line and field."""
    kb = kb or knowledge()
    sections = {s.id for s in kb.sections}
    doc = load_document(path, KnowledgeError)
    if not isinstance(doc.data, list):
        raise KnowledgeError(Problem("", "must be a list of terms", str(path), 1))
    problems: list[Problem] = []
    terms: list[Term] = []
    seen: set[str] = set()
    for i, item in enumerate(doc.data):
        where = f"[{i}]"

        def fail(field: str, message: str, where: str = where) -> None:
            problems.append(Problem(field, message, str(path), doc.line_of(field) or doc.line_of(where)))

        if not isinstance(item, Mapping):
            fail(where, "must be a mapping with id, term, definition and guide_section")
            continue
        missing = _FIELDS - set(item)
        unknown = set(item) - _FIELDS - _OPTIONAL
        if missing:
            fail(where, f"missing {', '.join(sorted(missing))}")
        if unknown:
            fail(f"{where}.{sorted(unknown)[0]}", f"unknown field; valid: {', '.join(sorted(_FIELDS | _OPTIONAL))}")
        if missing or unknown:
            continue
        if not all(isinstance(item[k], str) and item[k].strip() for k in _FIELDS):
            fail(where, "id, term, definition and guide_section must be non-empty text")
            continue
        if item["id"] in seen:
            fail(f"{where}.id", f"duplicate id {item['id']!r}")
        seen.add(item["id"])
        if item["guide_section"] not in sections:
            fail(f"{where}.guide_section",
                 f"unknown section {item['guide_section']!r}; valid: {', '.join(sorted(sections))}")
        lists = {}
        for key in _OPTIONAL:
            value = item.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                fail(f"{where}.{key}", "must be a list of text")
                value = []
            lists[key] = tuple(value)
        terms.append(Term(item["id"], item["term"].strip(), " ".join(item["definition"].split()),
                          item["guide_section"], lists["also"], lists["sources"]))
    if problems:
        raise KnowledgeError(problems)
    return tuple(sorted(terms, key=lambda t: t.term.casefold()))


@cache
def glossary() -> tuple[Term, ...]:
    """The shipped glossary (loaded once)."""
    return load_glossary()
