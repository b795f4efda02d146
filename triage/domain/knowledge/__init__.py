"""The knowledge base: guide sections, providers, red flags, rules and pain sites, loaded from YAML.

The YAML files beside this module are the single source of clinical facts. Each is described by a
JSON Schema in ``schemas/`` (its shape: fields, types, the condition language); this loader checks
the files against their schemas, then checks in code only what a schema cannot: cross-references
(ids that must exist in the model or in another file, ids given twice, every next step and pain site
covered). Problems name file, line and field. The result is frozen dataclasses that the engine, the
CLI and the apps all read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from ...errors import KnowledgeError, Problem
from ..model import Finding, History, NextStep, PainSite, Symptom, Trauma, Urgency
from ..schema import read_checked as read_against
from ..sources import Document

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE / "schemas"
FILES = ("guide_sections", "providers", "red_flags", "rules", "pain_sites")


@dataclass(frozen=True)
class GuideSection:
    id: str
    title: str
    summary: str


@dataclass(frozen=True)
class Provider:
    id: NextStep
    name: str
    kind: str
    role: str
    assesses: tuple[str, ...]
    tools: tuple[str, ...]
    treatments: tuple[str, ...]
    reached_when: str
    guide_section: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class RedFlag:
    """A warning sign: the condition (data, in the rules' predicate language) that raises the urgency."""

    id: str
    label: str
    when: Mapping[str, Any]
    signals: str
    urgency: Urgency
    next_step: NextStep
    guide_section: str
    sources: tuple[str, ...]
    detail: str = ""

    @property
    def explanation(self) -> str:
        """What the flag may signal, and why, in full (``signals`` then ``detail``)."""
        return f"{self.signals} {self.detail}".strip()


@dataclass(frozen=True)
class Rule:
    """A condition (data), what it does, and why - one row of the rule table."""

    id: str
    kind: str  # "red_flag", "pathway" or "note"
    when: Mapping[str, Any]
    condition: str
    reason: str
    guide_section: str
    urgency: Urgency | None = None
    next_step: NextStep | None = None
    also_consider: tuple[NextStep, ...] = ()
    precedence: int = 0
    red_flag: str | None = None
    sources: tuple[str, ...] = ()
    shown_with: tuple[Urgency, ...] = tuple(Urgency)  # a note: the results' urgencies it is given with

    @property
    def outcome(self) -> str:
        if self.kind == "note":
            if set(self.shown_with) != set(Urgency):
                return "teaching note only, with a result that is " + " or ".join(self.shown_with)
            return "teaching note only"
        text = f"{self.urgency}: {self.next_step}" if self.urgency else str(self.next_step)
        if self.also_consider:
            text += " (also " + ", ".join(self.also_consider) + ")"
        return text


@dataclass(frozen=True)
class PainSiteInfo:
    """Where it hurts, and the structures that may cause pain there (a teaching map)."""

    id: PainSite
    label: str
    structures: tuple[str, ...]
    guide_section: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Knowledge:
    sections: tuple[GuideSection, ...]
    providers: tuple[Provider, ...]
    red_flags: tuple[RedFlag, ...]
    rules: tuple[Rule, ...]
    care_trial_weeks: float
    pain_sites: tuple[PainSiteInfo, ...] = ()

    def provider(self, step: NextStep | str) -> Provider:
        return next(p for p in self.providers if p.id == step)

    def section(self, section_id: str) -> GuideSection:
        return next(s for s in self.sections if s.id == section_id)

    def flag_symptoms(self) -> tuple[Symptom, ...]:
        """Symptoms that are a red flag on their own (a flag whose only condition is ``any_symptom``), in flag order."""
        out: dict[Symptom, None] = {}
        for flag in self.red_flags:
            if set(flag.when) == {"any_symptom"}:
                out.update((Symptom(v), None) for v in flag.when["any_symptom"])
        return tuple(out)


# -- conditions: name -> (the model's ids it names, plain-language text) -------------------------

def _either(value: Any, weeks: float) -> str:
    return "either " + ", or ".join(f"({describe(cond, weeks)})" for cond in value)


def _at_least(value: Any, weeks: float) -> str:
    return f"at least {value['count']} of: " + ", ".join(f"({describe(c, weeks)})" for c in value["of"])


PREDICATES: dict[str, tuple[type[StrEnum] | None, Callable[[Any, float], str]]] = {
    "care_trial_complete": (
        None,
        lambda v, t: f"conservative care tried for {t:g}+ weeks" if v else f"conservative care under {t:g} weeks",
    ),
    "any_finding": (Finding, lambda v, t: "finding: any of " + ", ".join(v)),
    "no_finding": (Finding, lambda v, t: "no finding among " + ", ".join(v)),
    "any_symptom": (Symptom, lambda v, t: "symptom: any of " + ", ".join(v)),
    "any_history": (History, lambda v, t: "history: any of " + ", ".join(v)),
    "prefers_non_surgical": (None, lambda v, t: "prefers to avoid surgery" if v else "open to surgery"),
    "trauma": (Trauma, lambda v, t: f"trauma: {v}"),
    "min_age": (None, lambda v, t: f"age {v}+"),
    "max_age": (None, lambda v, t: f"age {v} or under"),
    "max_duration_weeks": (None, lambda v, t: f"pain for {v:g} weeks or less"),
    "any_site": (PainSite, lambda v, t: "pain in any of " + ", ".join(v)),
    "sites_span": (PainSite, lambda v, t: "pain in " + " and in ".join("/".join(g) for g in v)),
    "any_of": (None, _either),
    "at_least": (None, _at_least),
}
"""Condition kinds (their shapes are in ``schemas/conditions.schema.json``). A ``when`` holds when all of its
conditions hold; ``any_of`` holds when one of its listed conditions (each a ``when`` of its own) holds,
``at_least`` when ``count`` of them do."""


def describe(when: Mapping[str, Any], care_trial_weeks: float) -> str:
    """Plain-language text of a rule's condition."""
    return "; ".join(PREDICATES[name][1](value, care_trial_weeks) for name, value in when.items())


# -- loading -----------------------------------------------------------------------------------

def read_checked(path: Path, schema_name: str) -> tuple[Document, list[Problem]]:
    """Parse a knowledge file and check it against ``schemas/<schema_name>.schema.json``."""
    return read_against(path, SCHEMAS / f"{schema_name}.schema.json", KnowledgeError)


class _Refs:
    """Cross-reference checks for one file whose shape its schema has already checked."""

    def __init__(self, doc: Document, problems: list[Problem]) -> None:
        self.doc = doc
        self.problems = problems

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message, self.doc.path, self.doc.line_of(field)))

    def one_of(self, field: str, value: str, valid: Iterable[str], what: str) -> None:
        valid = list(valid)
        if value not in valid:
            self.fail(field, f"unknown {what} {value!r}; valid: {', '.join(valid)}")

    def ids(self, field: str, values: Iterable[str], enum: type[StrEnum]) -> None:
        bad = [v for v in values if v not in enum._value2member_map_]
        if bad:
            self.fail(field, f"unknown ids {bad}; valid: {', '.join(enum._value2member_map_)}")

    def unique(self, where: str, ids: list[str], what: str) -> None:
        counts = Counter(ids)
        for i, value in enumerate(ids):
            if counts[value] > 1 and ids.index(value) < i:
                self.fail(where.format(i), f"duplicate {what} {value!r}")

    def when(self, field: str, when: Mapping[str, Any]) -> None:
        for name, value in when.items():
            at = f"{field}.{name}"
            enum = PREDICATES[name][0]
            if name == "any_of":
                for i, alternative in enumerate(value):
                    self.when(f"{at}[{i}]", alternative)
            elif name == "at_least":
                for i, alternative in enumerate(value["of"]):
                    self.when(f"{at}.of[{i}]", alternative)
            elif name == "sites_span":
                self.ids(at, [v for group in value for v in group], PainSite)
            elif enum is not None:
                self.ids(at, value if isinstance(value, list) else [value], enum)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


def load_knowledge(directory: Path = HERE) -> Knowledge:
    """Load and check every knowledge file in ``directory``; raise :class:`KnowledgeError` on problems."""
    problems: list[Problem] = []
    docs: dict[str, Document] = {}
    for name in FILES:
        docs[name], found = read_checked(directory / f"{name}.yaml", name)
        problems += found
    if problems:  # the cross-references below rely on every file having the right shape
        raise KnowledgeError(problems)
    data = {name: doc.data for name, doc in docs.items()}
    refs = {name: _Refs(doc, problems) for name, doc in docs.items()}
    section_ids = [s["id"] for s in data["guide_sections"]]
    refs["guide_sections"].unique("[{}].id", section_ids, "section id")

    def check_section(name: str, where: str, item: Mapping[str, Any]) -> None:
        refs[name].one_of(f"{where}.guide_section", item["guide_section"], section_ids, "section")

    for i, item in enumerate(data["providers"]):
        refs["providers"].one_of(f"[{i}].id", item["id"], NextStep._value2member_map_, "next step")
        check_section("providers", f"[{i}]", item)
    provider_ids = [p["id"] for p in data["providers"]]
    refs["providers"].unique("[{}].id", provider_ids, "provider")
    missing = [s.value for s in NextStep if s.value not in provider_ids]
    if missing:
        refs["providers"].fail("", f"no entry for next steps {missing}")

    for i, item in enumerate(data["red_flags"]):
        flag = refs["red_flags"]
        flag.one_of(f"[{i}].urgency", item["urgency"], Urgency._value2member_map_, "urgency")
        flag.one_of(f"[{i}].next_step", item["next_step"], NextStep._value2member_map_, "next step")
        flag.when(f"[{i}].when", item["when"])
        check_section("red_flags", f"[{i}]", item)
    refs["red_flags"].unique("[{}].id", [f["id"] for f in data["red_flags"]], "red flag")

    rules_file = refs["rules"]
    for i, item in enumerate(data["rules"]["rules"]):
        w = f"rules[{i}]"
        rules_file.when(f"{w}.when", item["when"])
        if "then" in item:
            rules_file.one_of(f"{w}.then.next_step", item["then"]["next_step"], NextStep._value2member_map_,
                              "next step")
            rules_file.ids(f"{w}.then.also_consider", item["then"].get("also_consider", []), NextStep)
        check_section("rules", w, item)
    rule_ids = [f"RF-{f['id']}" for f in data["red_flags"]] + [r["id"] for r in data["rules"]["rules"]]
    offset = len(data["red_flags"])
    for i, rule_id in enumerate(rule_ids[offset:]):
        if rule_id in rule_ids[:offset + i]:
            rules_file.fail(f"rules[{i}].id", f"duplicate rule id {rule_id!r}")

    for i, item in enumerate(data["pain_sites"]):
        refs["pain_sites"].one_of(f"[{i}].id", item["id"], PainSite._value2member_map_, "pain site")
        check_section("pain_sites", f"[{i}]", item)
    site_ids = [s["id"] for s in data["pain_sites"]]
    refs["pain_sites"].unique("[{}].id", site_ids, "pain site")
    missing = [s.value for s in PainSite if s.value not in site_ids]
    if missing:
        refs["pain_sites"].fail("", f"no entry for pain sites {missing}")
    if problems:
        raise KnowledgeError(problems)
    return _build(data)


def _build(data: dict[str, Any]) -> Knowledge:
    """The dataclasses, from data whose shape and cross-references have been checked."""
    weeks = float(data["rules"]["thresholds"]["conservative_care_trial_weeks"]["value"])
    sections = tuple(GuideSection(s["id"], s["title"], s["summary"]) for s in data["guide_sections"])
    providers = tuple(
        Provider(NextStep(p["id"]), p["name"], p["kind"], p["role"], _strings(p["assesses"]), _strings(p["tools"]),
                 _strings(p["treatments"]), p["reached_when"], p["guide_section"], _strings(p.get("sources")))
        for p in data["providers"]
    )
    red_flags = tuple(
        RedFlag(f["id"], f["label"], f["when"], f["signals"], Urgency(f["urgency"]), NextStep(f["next_step"]),
                f["guide_section"], _strings(f["sources"]), f.get("detail", ""))
        for f in data["red_flags"]
    )
    rules = [
        Rule(
            id=f"RF-{flag.id}",
            kind="red_flag",
            when=flag.when,
            condition=describe(flag.when, weeks),
            reason=f"Red flag - {flag.label.lower()}: {flag.explanation}",
            guide_section=flag.guide_section,
            urgency=flag.urgency,
            next_step=flag.next_step,
            also_consider=(NextStep.EMERGENCY_DEPARTMENT,) if flag.next_step == NextStep.URGENT_CARE else (),
            precedence=100 if flag.urgency == Urgency.EMERGENCY else 90,
            red_flag=flag.id,
            sources=flag.sources,
        )
        for flag in red_flags
    ]
    for r in data["rules"]["rules"]:
        note = "note" in r
        rules.append(
            Rule(
                id=r["id"],
                kind="note" if note else "pathway",
                when=r["when"],
                condition=describe(r["when"], weeks),
                reason=r["note"] if note else r["reason"],
                guide_section=r["guide_section"],
                urgency=None if note else Urgency.ROUTINE,
                next_step=None if note else NextStep(r["then"]["next_step"]),
                also_consider=() if note else tuple(NextStep(v) for v in r["then"].get("also_consider", [])),
                precedence=r.get("precedence", 0),
                sources=_strings(r.get("sources")),
                shown_with=tuple(Urgency(u) for u in r.get("shown_with", [u.value for u in Urgency])),
            )
        )
    sites = tuple(PainSiteInfo(PainSite(s["id"]), s["label"], _strings(s["structures"]), s["guide_section"],
                               _strings(s.get("sources"))) for s in data["pain_sites"])
    return Knowledge(sections, providers, red_flags, tuple(rules), weeks, sites)


@cache
def knowledge() -> Knowledge:
    """The shipped knowledge base (loaded once)."""
    return load_knowledge()
