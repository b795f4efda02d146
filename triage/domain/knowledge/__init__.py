"""The knowledge base: guide sections, providers, red flags and rules, loaded from YAML.

The YAML files beside this module are the single source of clinical facts. This loader
checks them (unknown ids, missing fields, predicates the engine does not know) and
returns frozen dataclasses that the engine, the CLI and the notebooks all read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ...errors import KnowledgeError, Problem
from ..model import Finding, NextStep, PainSite, Symptom, Trauma, Urgency
from ..sources import Document, load_document

HERE = Path(__file__).resolve().parent


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


@dataclass(frozen=True)
class RedFlag:
    id: str
    label: str
    trigger: Mapping[str, str]
    signals: str
    urgency: Urgency
    next_step: NextStep
    guide_section: str
    sources: tuple[str, ...]


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

    @property
    def outcome(self) -> str:
        if self.kind == "note":
            return "teaching note only"
        text = f"{self.urgency}: {self.next_step}" if self.urgency else str(self.next_step)
        if self.also_consider:
            text += " (also " + ", ".join(self.also_consider) + ")"
        return text


@dataclass(frozen=True)
class Knowledge:
    sections: tuple[GuideSection, ...]
    providers: tuple[Provider, ...]
    red_flags: tuple[RedFlag, ...]
    rules: tuple[Rule, ...]
    care_trial_weeks: float

    def provider(self, step: NextStep | str) -> Provider:
        return next(p for p in self.providers if p.id == step)

    def section(self, section_id: str) -> GuideSection:
        return next(s for s in self.sections if s.id == section_id)


# -- predicate vocabulary: name -> (argument checker, plain-language description) ----------------

def _ids(enum: type) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not value:
            return "must be a non-empty list of ids"
        bad = [v for v in value if v not in enum._value2member_map_]
        return f"unknown ids {bad}" if bad else None

    return check


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _trauma(value: Any) -> str | None:
    return None if value in Trauma._value2member_map_ else f"must be one of {[t.value for t in Trauma]}"


def _age(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) else "must be a whole number"


def _groups(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a list of lists of pain-site ids"
    for group in value:
        if _ids(PainSite)(group) is not None:
            return "every group must be a non-empty list of pain-site ids"
    return None


PREDICATES: dict[str, tuple[Callable[[Any], str | None], Callable[[Any, float], str]]] = {
    "care_trial_complete": (
        _bool,
        lambda v, t: f"conservative care tried for {t:g}+ weeks" if v else f"conservative care under {t:g} weeks",
    ),
    "any_finding": (_ids(Finding), lambda v, t: "finding: any of " + ", ".join(v)),
    "no_finding": (_ids(Finding), lambda v, t: "no finding among " + ", ".join(v)),
    "any_symptom": (_ids(Symptom), lambda v, t: "symptom: any of " + ", ".join(v)),
    "prefers_non_surgical": (_bool, lambda v, t: "prefers to avoid surgery" if v else "open to surgery"),
    "trauma": (_trauma, lambda v, t: f"trauma: {v}"),
    "min_age": (_age, lambda v, t: f"age {v}+"),
    "sites_span": (_groups, lambda v, t: "pain in " + " and in ".join("/".join(g) for g in v)),
}


def describe(when: Mapping[str, Any], care_trial_weeks: float) -> str:
    """Plain-language text of a rule's condition."""
    return "; ".join(PREDICATES[name][1](value, care_trial_weeks) for name, value in when.items())


# -- loading -----------------------------------------------------------------------------------

class _Reader:
    """Collects problems while reading one data file."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message, self.doc.path, self.doc.line_of(field)))

    def get(self, item: Any, where: str, key: str, kind: type | tuple[type, ...] = str, default: Any = ...) -> Any:
        if not isinstance(item, Mapping):
            self.fail(where, "must be a mapping")
            return default if default is not ... else kind() if isinstance(kind, type) else None
        if key not in item:
            if default is ...:
                self.fail(f"{where}.{key}", "is required")
                return None
            return default
        value = item[key]
        if not isinstance(value, kind):
            self.fail(f"{where}.{key}", f"must be {getattr(kind, '__name__', kind)}")
            return None
        return value

    def enum(self, item: Any, where: str, key: str, enum: type, default: Any = ...) -> Any:
        value = self.get(item, where, key, str, default)
        if value is None or value is default:
            return value
        if value not in enum._value2member_map_:
            self.fail(f"{where}.{key}", f"unknown value {value!r}; valid values: {', '.join(enum._value2member_map_)}")
            return None
        return enum(value)

    def items(self, key: str | None = None) -> list[Any]:
        data = self.doc.data
        if key is not None:
            data = data.get(key) if isinstance(data, Mapping) else None
        if not isinstance(data, list):
            self.fail(key or "", "must be a list")
            return []
        return data

    def raise_if_any(self) -> None:
        if self.problems:
            raise KnowledgeError(self.problems)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def load_knowledge(directory: Path = HERE) -> Knowledge:
    """Load and check every knowledge file in ``directory``; raise :class:`KnowledgeError` on problems."""
    problems: list[Problem] = []

    sec = _Reader(load_document(directory / "guide_sections.yaml", KnowledgeError))
    sections = []
    for i, item in enumerate(sec.items()):
        w = f"[{i}]"
        sections.append(GuideSection(sec.get(item, w, "id"), sec.get(item, w, "title"), sec.get(item, w, "summary")))
    problems += sec.problems
    section_ids = {s.id for s in sections}

    def check_section(reader: _Reader, item: Any, where: str) -> str:
        value = reader.get(item, where, "guide_section")
        if value is not None and value not in section_ids:
            reader.fail(f"{where}.guide_section", f"unknown section {value!r}; valid: {', '.join(sorted(section_ids))}")
        return value

    prov = _Reader(load_document(directory / "providers.yaml", KnowledgeError))
    providers = []
    for i, item in enumerate(prov.items()):
        w = f"[{i}]"
        providers.append(
            Provider(
                id=prov.enum(item, w, "id", NextStep),
                name=prov.get(item, w, "name"),
                kind=prov.get(item, w, "kind"),
                role=prov.get(item, w, "role"),
                assesses=_strings(prov.get(item, w, "assesses", list)),
                tools=_strings(prov.get(item, w, "tools", list)),
                treatments=_strings(prov.get(item, w, "treatments", list)),
                reached_when=prov.get(item, w, "reached_when"),
                guide_section=check_section(prov, item, w),
            )
        )
    missing = set(NextStep) - {p.id for p in providers}
    if missing:
        prov.fail("", f"no entry for next steps {sorted(missing)}")
    problems += prov.problems

    rf = _Reader(load_document(directory / "red_flags.yaml", KnowledgeError))
    red_flags = []
    for i, item in enumerate(rf.items()):
        w = f"[{i}]"
        trigger = rf.get(item, w, "trigger", dict) or {}
        if len(trigger) != 1 or not (
            trigger.get("symptom") in Symptom._value2member_map_ or trigger.get("trauma") == Trauma.HIGH_IMPACT
        ):
            rf.fail(f"{w}.trigger", "must be {symptom: <symptom id>} or {trauma: high_impact}")
        red_flags.append(
            RedFlag(
                id=rf.get(item, w, "id"),
                label=rf.get(item, w, "label"),
                trigger=trigger,
                signals=rf.get(item, w, "signals"),
                urgency=rf.enum(item, w, "urgency", Urgency),
                next_step=rf.enum(item, w, "next_step", NextStep),
                guide_section=check_section(rf, item, w),
                sources=_strings(rf.get(item, w, "sources", list, [])),
            )
        )
    problems += rf.problems

    ru = _Reader(load_document(directory / "rules.yaml", KnowledgeError))
    weeks = None
    if isinstance(ru.doc.data, Mapping):
        weeks = ((ru.doc.data.get("thresholds") or {}).get("conservative_care_trial_weeks") or {}).get("value")
    if not isinstance(weeks, int | float) or isinstance(weeks, bool) or weeks <= 0:
        ru.fail("thresholds.conservative_care_trial_weeks.value", "must be a positive number of weeks")
        weeks = 1
    rules: list[Rule] = []
    for flag in red_flags:
        kind, value = next(iter(flag.trigger.items()), ("symptom", ""))
        when = {"any_symptom": [value]} if kind == "symptom" else {"trauma": value}
        rules.append(
            Rule(
                id=f"RF-{flag.id}",
                kind="red_flag",
                when=when,
                condition=describe(when, weeks),
                reason=f"Red flag - {flag.label.lower()}: {flag.signals}",
                guide_section=flag.guide_section,
                urgency=flag.urgency,
                next_step=flag.next_step,
                also_consider=(NextStep.EMERGENCY_DEPARTMENT,) if flag.next_step == NextStep.URGENT_CARE else (),
                precedence=100 if flag.urgency == Urgency.EMERGENCY else 90,
                red_flag=flag.id,
                sources=flag.sources,
            )
        )
    seen: set[str] = {r.id for r in rules}
    for i, item in enumerate(ru.items("rules")):
        w = f"rules[{i}]"
        rule_id = ru.get(item, w, "id")
        if rule_id in seen:
            ru.fail(f"{w}.id", f"duplicate rule id {rule_id!r}")
        seen.add(rule_id)
        when = ru.get(item, w, "when", dict) or {}
        for name, value in when.items():
            if name not in PREDICATES:
                ru.fail(f"{w}.when.{name}", f"unknown predicate; valid: {', '.join(PREDICATES)}")
            elif (msg := PREDICATES[name][0](value)) is not None:
                ru.fail(f"{w}.when.{name}", msg)
        has_note = isinstance(item, Mapping) and "note" in item
        then = {} if has_note else (ru.get(item, w, "then", dict) or {})
        step = ru.enum(then, f"{w}.then", "next_step", NextStep) if not has_note else None
        also = tuple(
            NextStep(v) for v in then.get("also_consider", []) if v in NextStep._value2member_map_
        ) if isinstance(then.get("also_consider", []), list) else ()
        valid_when = {k: v for k, v in when.items() if k in PREDICATES and PREDICATES[k][0](v) is None}
        rules.append(
            Rule(
                id=rule_id,
                kind="note" if has_note else "pathway",
                when=valid_when,
                condition=describe(valid_when, weeks),
                reason=ru.get(item, w, "note" if has_note else "reason"),
                guide_section=check_section(ru, item, w),
                urgency=None if has_note else Urgency.ROUTINE,
                next_step=step,
                also_consider=also,
                precedence=ru.get(item, w, "precedence", int, 0),
                sources=_strings(ru.get(item, w, "sources", list, [])),
            )
        )
    problems += ru.problems
    if problems:
        raise KnowledgeError(problems)
    return Knowledge(tuple(sections), tuple(providers), tuple(red_flags), tuple(rules), float(weeks))


@cache
def knowledge() -> Knowledge:
    """The shipped knowledge base (loaded once)."""
    return load_knowledge()
