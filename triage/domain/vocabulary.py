"""Student-facing names for every id the apps could otherwise show (symptoms, findings, rules, ...).

The names live in ``knowledge/labels.yaml`` (red-flag rules borrow their flag's label, pain sites
the label in ``pain_sites.yaml``); this module loads and checks them, so an id without a name is a
:class:`~triage.errors.KnowledgeError` naming file, line and field rather than a raw id on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from ..errors import KnowledgeError, Problem
from .knowledge import HERE, Knowledge, knowledge, read_checked
from .model import Finding, History, Symptom, Trauma, Urgency

LABELS_FILE = HERE / "labels.yaml"
EFFECTS = ("decides", "agrees", "adds", "overridden", "note")
# section -> the model's ids it must name (whether an entry needs a `phrase` is in the schema)
_ENUMS: dict[str, type[StrEnum]] = {
    "symptoms": Symptom,
    "findings": Finding,
    "history": History,
    "trauma": Trauma,
    "urgency": Urgency,
}


@dataclass(frozen=True)
class Label:
    name: str
    phrase: str = ""
    without: str = ""  # the change that takes the item away, where "without <name>" would not read


@dataclass(frozen=True)
class Vocabulary:
    """Names by kind and id; every lookup of a known id succeeds (checked when loaded)."""

    symptoms: Mapping[str, Label]
    findings: Mapping[str, Label]
    history: Mapping[str, Label]
    trauma: Mapping[str, Label]
    urgency: Mapping[str, Label]
    rules: Mapping[str, str]
    effects: Mapping[str, str]
    pain_sites: Mapping[str, str]

    def symptom(self, sid: str) -> str:
        return self.symptoms[str(sid)].name

    def finding(self, fid: str) -> str:
        return self.findings[str(fid)].name

    def history_item(self, hid: str) -> str:
        return self.history[str(hid)].name

    def trauma_name(self, tid: str) -> str:
        return self.trauma[str(tid)].name

    def urgency_name(self, uid: str) -> str:
        return self.urgency[str(uid)].name

    def rule(self, rule_id: str) -> str:
        return self.rules[rule_id]

    def effect(self, effect: str) -> str:
        return self.effects[effect]

    def site(self, site: str) -> str:
        return self.pain_sites[str(site)]


def in_sentence(name: str) -> str:
    """``name`` written to sit inside a sentence ("Fever" -> "fever"; acronyms such as "EMG" stay)."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def load_vocabulary(path: Path = LABELS_FILE, kb: Knowledge | None = None) -> Vocabulary:
    """Read ``labels.yaml`` (shape: ``schemas/labels.schema.json``) and check it names every id exactly once."""
    kb = kb or knowledge()
    doc, problems = read_checked(path, "labels")
    if problems:
        raise KnowledgeError(problems)
    data = doc.data

    def fail(field: str, message: str) -> None:
        problems.append(Problem(field, message, str(path), doc.line_of(field)))

    def named(section: str, ids: list[str], what: str) -> None:
        for key in data[section]:
            if key not in ids:
                fail(f"{section}.{key}", f"unknown {what}; valid: {', '.join(ids)}")
        for key in ids:
            if key not in data[section]:
                fail(section, f"needs an entry for {key!r}")

    for section, enum in _ENUMS.items():
        named(section, [e.value for e in enum], "id")
    flag_labels = {f"RF-{f.id}": f"Red flag: {f.label}" for f in kb.red_flags}
    named("rules", [r.id for r in kb.rules if r.id not in flag_labels], "rule (red-flag rules take their flag's label)")
    named("effects", list(EFFECTS), "effect")
    if problems:
        raise KnowledgeError(problems)
    labels = {section: {k: Label(v["name"].strip(), v.get("phrase", "").strip(), v.get("without", "").strip())
                        for k, v in data[section].items()}
              for section in _ENUMS}
    rules = {k: v["name"].strip() for k, v in data["rules"].items()} | flag_labels
    return Vocabulary(labels["symptoms"], labels["findings"], labels["history"], labels["trauma"], labels["urgency"],
                      rules, {k: v.strip() for k, v in data["effects"].items()},
                      {s.id.value: s.label for s in kb.pain_sites})


@cache
def vocabulary() -> Vocabulary:
    """The shipped names (loaded once)."""
    return load_vocabulary()
