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
from typing import Any

from ..errors import KnowledgeError, Problem
from .knowledge import HERE, Knowledge, knowledge
from .model import Finding, PainSite, Symptom, Trauma, Urgency
from .sources import load_document

LABELS_FILE = HERE / "labels.yaml"
EFFECTS = ("decides", "agrees", "adds", "overridden", "note")
# section -> (the ids it must name, whether each entry needs a `phrase`)
_ENUMS: dict[str, tuple[type[StrEnum], bool]] = {
    "symptoms": (Symptom, True),
    "findings": (Finding, True),
    "trauma": (Trauma, True),
    "urgency": (Urgency, False),
}


@dataclass(frozen=True)
class Label:
    name: str
    phrase: str = ""


@dataclass(frozen=True)
class Vocabulary:
    """Names by kind and id; every lookup of a known id succeeds (checked when loaded)."""

    symptoms: Mapping[str, Label]
    findings: Mapping[str, Label]
    trauma: Mapping[str, Label]
    urgency: Mapping[str, Label]
    rules: Mapping[str, str]
    effects: Mapping[str, str]
    pain_sites: Mapping[str, str]

    def symptom(self, sid: str) -> str:
        return self.symptoms[str(sid)].name

    def finding(self, fid: str) -> str:
        return self.findings[str(fid)].name

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
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def load_vocabulary(path: Path = LABELS_FILE, kb: Knowledge | None = None) -> Vocabulary:
    """Read ``labels.yaml`` and check it names every id exactly once; raise :class:`KnowledgeError` if not."""
    kb = kb or knowledge()
    doc = load_document(path, KnowledgeError)
    data = doc.data if isinstance(doc.data, Mapping) else {}
    problems: list[Problem] = []

    def fail(field: str, message: str) -> None:
        problems.append(Problem(field, message, str(path), doc.line_of(field)))

    def section(name: str) -> Mapping[str, Any]:
        value = data.get(name)
        if not isinstance(value, Mapping):
            fail(name, "must be a mapping of id to name")
            return {}
        return value

    def entries(name: str, ids: list[str], needs_phrase: bool) -> dict[str, Label]:
        out: dict[str, Label] = {}
        given = section(name)
        for key in given:
            if key not in ids:
                fail(f"{name}.{key}", f"unknown id; valid ids: {', '.join(ids)}")
        for key in ids:
            item = given.get(key)
            where = f"{name}.{key}"
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"].strip():
                fail(where if key in given else name, f"needs a name for {key!r}")
                continue
            phrase = item.get("phrase", "")
            if needs_phrase and (not isinstance(phrase, str) or not phrase.strip()):
                fail(where, "needs a phrase")
                continue
            out[key] = Label(item["name"].strip(), str(phrase).strip())
        return out

    labels = {name: entries(name, [e.value for e in enum], phrase) for name, (enum, phrase) in _ENUMS.items()}
    flag_labels = {f"RF-{f.id}": f"Red flag: {f.label}" for f in kb.red_flags}
    other_rules = [r.id for r in kb.rules if r.id not in flag_labels]
    rules = {k: v.name for k, v in entries("rules", other_rules, False).items()} | flag_labels
    given_effects = section("effects")
    effects: dict[str, str] = {}
    for effect in EFFECTS:
        text = given_effects.get(effect)
        if not isinstance(text, str) or not text.strip():
            fail("effects", f"needs a text for {effect!r}")
        else:
            effects[effect] = text.strip()
    for key in given_effects:
        if key not in EFFECTS:
            fail(f"effects.{key}", f"unknown effect; valid: {', '.join(EFFECTS)}")
    if problems:
        raise KnowledgeError(problems)
    return Vocabulary(labels["symptoms"], labels["findings"], labels["trauma"], labels["urgency"], rules, effects,
                      _site_labels())


def _site_labels() -> dict[str, str]:
    path = HERE / "pain_sites.yaml"
    doc = load_document(path, KnowledgeError)
    out: dict[str, str] = {}
    for i, item in enumerate(doc.data if isinstance(doc.data, list) else []):
        if isinstance(item, Mapping) and item.get("id") in PainSite._value2member_map_ and isinstance(
            item.get("label"), str
        ):
            out[item["id"]] = item["label"]
        else:
            raise KnowledgeError(Problem(f"[{i}]", "needs an id (a pain site) and a label", str(path),
                                         doc.line_of(f"[{i}]")))
    missing = [s.value for s in PainSite if s.value not in out]
    if missing:
        raise KnowledgeError(Problem("", f"no label for pain sites {missing}", str(path), 1))
    return out


@cache
def vocabulary() -> Vocabulary:
    """The shipped names (loaded once)."""
    return load_vocabulary()
