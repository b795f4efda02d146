"""docs/reference/contract.md agrees with the model, the output and the knowledge base it documents."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from triage.domain.engine import assess
from triage.domain.knowledge import PREDICATES, knowledge
from triage.domain.model import PRESENTATION_FIELDS, Finding, History, PainSite, Presentation, Symptom, Trauma

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "contract.md"
IDS = {"pain_sites": PainSite, "trauma": Trauma, "symptoms": Symptom, "findings": Finding, "history": History}
CODE = re.compile(r"`([^`]+)`")


def table(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table under ``heading`` (cells stripped, header and rule left out)."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_input_table_lists_every_field_id_and_default():
    rows = {CODE.fullmatch(r[0]).group(1): r for r in table("Input: a presentation")[:len(PRESENTATION_FIELDS)]}
    assert list(rows) == list(PRESENTATION_FIELDS)
    for name, enum in IDS.items():
        assert CODE.findall(rows[name][3]) == [e.value for e in enum], name
    for name in PRESENTATION_FIELDS:
        if name not in IDS:
            assert rows[name][3] == "", name
    defaults = {f.name: f.default for f in dataclasses.fields(Presentation)}
    written = {"`[]`": frozenset(), "`none`": Trauma.NONE, "`0`": 0, "`false`": False, "not given": None}
    for name, row in rows.items():
        if defaults[name] is dataclasses.MISSING:
            assert row[2] == "required", name
        else:
            assert written[row[2]] == defaults[name] and type(written[row[2]]) is type(defaults[name]), name


def test_the_output_table_lists_every_key():
    keys = [CODE.match(r[0]).group(1) for r in table("Output: an assessment")]
    assert keys == list(assess({"pain_sites": ["hip"], "duration_weeks": 1}).to_dict())


def test_the_red_flag_table_matches_the_knowledge_base():
    rows = [(CODE.fullmatch(r[0]).group(1), r[2], CODE.fullmatch(r[3]).group(1)) for r in table("Red flags")]
    kb = [(f.id, f.urgency.value, f.next_step.value) for f in knowledge().red_flags]
    assert rows == kb


def test_the_condition_kinds_are_all_named():
    section = DOC.read_text(encoding="utf-8").split("\n## Conditions the rules can use\n", 1)[1]
    assert set(CODE.findall(section)) >= set(PREDICATES)
    assert {c for c in CODE.findall(section) if c in PREDICATES or "_" in c} == set(PREDICATES)
