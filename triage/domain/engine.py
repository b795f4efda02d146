"""Assess a presentation: evaluate the rules, keep the trace, find what would change the result.

How a result is reached (the rules themselves are data in ``triage/domain/knowledge``):

1. Every rule whose condition holds *fires*.
2. The urgency is the highest urgency among the rules that fired (red flags escalate; the
   routine pathway is ``routine``). The highest urgency always wins.
3. Among the fired rules at that urgency, the one with the highest precedence decides the
   next step; the others add their providers to ``also_consider``. Fired rules of a lower
   urgency are kept in the trace as ``overridden``; notes never change the result (a note with
   ``shown_with`` is given only when the result's urgency is one of those).
4. ``what_would_change`` re-runs steps 1-3 on every single-item edit of the presentation
   (add or remove one symptom, finding or history item, another trauma level, the opposite
   surgical preference, crossing the conservative-care threshold, an age in another of the age
   bands the rules name, a duration on the other side of a duration the rules name) and lists
   those that alter the urgency or the next step.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .knowledge import Knowledge, Rule, knowledge
from .model import (
    MAX_AGE,
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


@dataclass(frozen=True, slots=True)
class Facts:
    """The parts of a presentation the rules look at, cheap to copy and edit."""

    symptoms: frozenset[Symptom]
    findings: frozenset[Finding]
    trauma: Trauma
    prefers_non_surgical: bool
    care_trial_complete: bool
    age: int | None
    pain_sites: frozenset[PainSite]
    history: frozenset[History] = frozenset()
    duration_weeks: float = 0.0
    care_weeks: float = 0.0  # weeks of conservative care so far: what-ifs never let them outlast the pain


Predicate = Callable[[Facts], bool]

# Which Facts field each predicate reads: decisions are memoised on the fields the outcome rules use.
PREDICATE_FIELDS = {
    "care_trial_complete": "care_trial_complete",
    "prefers_non_surgical": "prefers_non_surgical",
    "any_finding": "findings",
    "no_finding": "findings",
    "any_symptom": "symptoms",
    "any_history": "history",
    "trauma": "trauma",
    "min_age": "age",
    "max_age": "age",
    "any_site": "pain_sites",
    "sites_span": "pain_sites",
    "max_duration_weeks": "duration_weeks",
}
MEMO_LIMIT = 1 << 16  # the reachable space is ~10^10 keys; classroom use touches a few hundred


def fields_read(when: Mapping[str, Any]) -> set[str]:
    """The Facts fields a condition reads (``any_of`` reads what its alternatives read)."""
    out: set[str] = set()
    for name, value in when.items():
        if name in ("any_of", "at_least"):
            for alternative in value if name == "any_of" else value["of"]:
                out |= fields_read(alternative)
        else:
            out.add(PREDICATE_FIELDS[name])
    return out


def compile_when(when: Mapping[str, Any]) -> Predicate:
    """One test for a whole condition: every named condition holds."""
    tests = tuple(_compile(name, value) for name, value in when.items())
    if len(tests) == 1:
        return tests[0]
    return lambda f: all(t(f) for t in tests)


def age_bands(rules: Iterable[Rule]) -> list[tuple[int, int]]:
    """The age ranges (inclusive) the rules tell apart, from their ``min_age`` and ``max_age`` conditions."""
    cuts: set[int] = set()

    def collect(when: Mapping[str, Any]) -> None:
        for name, value in when.items():
            if name == "min_age":
                cuts.add(value)
            elif name == "max_age":
                cuts.add(value + 1)
            elif name in ("any_of", "at_least"):
                for alternative in value if name == "any_of" else value["of"]:
                    collect(alternative)

    for rule in rules:
        collect(rule.when)
    edges = [0, *sorted(c for c in cuts if 0 < c <= MAX_AGE), MAX_AGE + 1]
    return [(lo, hi - 1) for lo, hi in itertools.pairwise(edges) if lo < hi]


def duration_limits(rules: Iterable[Rule]) -> list[float]:
    """The durations (in weeks) the rules' ``max_duration_weeks`` conditions compare with, in order."""
    limits: set[float] = set()

    def collect(when: Mapping[str, Any]) -> None:
        for name, value in when.items():
            if name == "max_duration_weeks":
                limits.add(float(value))
            elif name in ("any_of", "at_least"):
                for alternative in value if name == "any_of" else value["of"]:
                    collect(alternative)

    for rule in rules:
        collect(rule.when)
    return sorted(limits)


def _compile(name: str, value: Any) -> Predicate:
    if name == "care_trial_complete":
        return lambda f: f.care_trial_complete is value
    if name == "prefers_non_surgical":
        return lambda f: f.prefers_non_surgical is value
    if name == "any_finding":
        wanted = frozenset(Finding(v) for v in value)
        return lambda f: not wanted.isdisjoint(f.findings)
    if name == "no_finding":
        banned = frozenset(Finding(v) for v in value)
        return lambda f: banned.isdisjoint(f.findings)
    if name == "any_symptom":
        wanted_s = frozenset(Symptom(v) for v in value)
        return lambda f: not wanted_s.isdisjoint(f.symptoms)
    if name == "trauma":
        level = Trauma(value)
        return lambda f: f.trauma is level
    if name == "any_history":
        wanted_h = frozenset(History(v) for v in value)
        return lambda f: not wanted_h.isdisjoint(f.history)
    if name == "min_age":
        return lambda f: f.age is not None and f.age >= value
    if name == "max_age":
        return lambda f: f.age is not None and f.age <= value
    if name == "max_duration_weeks":
        return lambda f: f.duration_weeks <= value
    if name == "any_site":
        sites = frozenset(PainSite(v) for v in value)
        return lambda f: not sites.isdisjoint(f.pain_sites)
    if name == "any_of":
        alternatives = tuple(compile_when(w) for w in value)
        return lambda f: any(t(f) for t in alternatives)
    if name == "at_least":
        count, counted = value["count"], tuple(compile_when(w) for w in value["of"])
        return lambda f: sum(t(f) for t in counted) >= count
    if name == "sites_span":
        groups = [frozenset(PainSite(v) for v in g) for g in value]
        return lambda f: all(not g.isdisjoint(f.pain_sites) for g in groups)
    raise ValueError(f"unknown predicate {name!r}")  # the knowledge loader rejects these first


@dataclass(frozen=True, slots=True)
class Decision:
    """Urgency, next step and the rules behind them, without the explanation text."""

    urgency: Urgency
    next_step: NextStep
    fired: tuple[Rule, ...]
    winner: Rule


class Engine:
    """Rules compiled once from a knowledge base; ``assess`` is the public entry point."""

    def __init__(self, kb: Knowledge | None = None) -> None:
        self.kb = kb or knowledge()
        outcome, notes = [], []
        for rule in self.kb.rules:
            (notes if rule.kind == "note" else outcome).append((rule, compile_when(rule.when)))
        self._rules = tuple(outcome)
        self._notes = tuple(notes)
        self._key_fields = tuple(sorted(set().union(*(fields_read(rule.when) for rule, _ in outcome))))
        # the what-ifs also read the weeks of care so far (a trial of care never outlasts the pain)
        self._explain_fields = tuple(dict.fromkeys((*self._key_fields, "care_weeks", "duration_weeks")))
        self._age_bands = age_bands(self.kb.rules)
        self._duration_limits = duration_limits(self.kb.rules)
        self._memo: dict[tuple[Any, ...], Decision] = {}
        self._explained: dict[tuple[Any, ...], _Explained] = {}
        self._assessed: dict[Facts, Assessment] = {}

    def facts(self, p: Presentation) -> Facts:
        return Facts(
            symptoms=p.symptoms,
            findings=p.findings,
            trauma=p.trauma,
            prefers_non_surgical=p.prefers_non_surgical,
            care_trial_complete=p.conservative_care_weeks >= self.kb.care_trial_weeks,
            age=p.age,
            pain_sites=p.pain_sites,
            history=p.history,
            duration_weeks=p.duration_weeks,
            care_weeks=p.conservative_care_weeks,
        )

    def decide(self, facts: Facts) -> Decision:
        """Steps 1-3 of the module docstring: fire rules, pick urgency and next step.

        Results are memoised on the facts the outcome rules read (notes are not evaluated here).
        """
        key = tuple(getattr(facts, name) for name in self._key_fields)
        return _remember(self._memo, key, lambda: self._decide(facts))

    def _decide(self, facts: Facts) -> Decision:
        fired = tuple(rule for rule, test in self._rules if test(facts))
        winner: Rule | None = None
        for rule in fired:
            if rule.next_step is None or rule.urgency is None:
                continue
            if winner is None or (rule.urgency.rank, rule.precedence) > (winner.urgency.rank, winner.precedence):  # type: ignore[union-attr]
                winner = rule
        if winner is None or winner.urgency is None or winner.next_step is None:
            # The pathway rules cover every case (care trial complete or not); this guards edits to the data.
            raise RuntimeError("no rule decided the next step; check triage/domain/knowledge/rules.yaml")
        return Decision(winner.urgency, winner.next_step, fired, winner)

    def assess(self, presentation: Presentation) -> Assessment:
        """Assess one presentation and explain the result.

        Assessments are immutable, so one is built per distinct set of facts and reused.
        """
        facts = self.facts(presentation)
        return _remember(self._assessed, facts, lambda: self._assess(facts))

    def assess_without_site(self, presentation: Presentation) -> Assessment:
        """Assess ``presentation`` with its pain sites set aside: only rules that read no site can fire.

        For an app whose user has not yet said where it hurts: a warning sign such as saddle numbness, or
        a child's fever, decides its urgency whatever the site, so it need not wait for one. The result is
        not a full assessment (a site may add a flag); callers say so.
        """
        facts = _with(self.facts(presentation), pain_sites=frozenset())
        return _remember(self._assessed, facts, lambda: self._assess(facts))

    def _assess(self, facts: Facts) -> Assessment:
        ex = self._explain(facts)
        urgency = ex.decision.urgency
        notes = tuple(rule for rule, test in self._notes if urgency in rule.shown_with and test(facts))
        note_hits = tuple(RuleHit(r.id, r.reason, r.guide_section, "note", r.sources) for r in notes)
        return Assessment(
            urgency=ex.decision.urgency,
            next_step=ex.decision.next_step,
            red_flags=ex.red_flags,
            also_consider=ex.also_consider,
            trace=ex.hits + note_hits,
            what_would_change=ex.changes,
            notes=tuple(r.reason for r in notes),
        )

    def _explain(self, facts: Facts) -> _Explained:
        """Everything in an assessment except the notes; memoised on the facts the rules and the what-ifs read."""
        key = tuple(getattr(facts, name) for name in self._explain_fields)
        return _remember(self._explained, key, lambda: self._build_explanation(facts))

    def _build_explanation(self, facts: Facts) -> _Explained:
        decision = self.decide(facts)
        hits = []
        also: list[NextStep] = list(decision.winner.also_consider)
        for rule in decision.fired:
            if rule is decision.winner:
                effect = "decides"
            elif rule.urgency != decision.urgency:
                effect = "overridden"
            else:
                effect = "adds" if rule.next_step != decision.next_step else "agrees"
                also.extend([rule.next_step, *rule.also_consider])  # type: ignore[list-item]
            hits.append(RuleHit(rule.id, rule.reason, rule.guide_section, effect, rule.sources))
        return _Explained(
            decision=decision,
            hits=tuple(hits),
            also_consider=tuple(dict.fromkeys(s for s in also if s != decision.next_step)),
            red_flags=tuple(r.red_flag for r in decision.fired if r.red_flag),
            changes=tuple(self._changes(facts, decision)),
        )

    def edits(self, base: Facts) -> Iterator[tuple[str, str, Any, str, Facts]]:
        """Every single-item edit: (field, action, value, description, edited facts)."""
        for s in Symptom:
            if s in base.symptoms:
                yield "symptoms", "remove", s, f"without the symptom {s}", _with(base, symptoms=base.symptoms - {s})
            else:
                yield "symptoms", "add", s, f"with the symptom {s}", _with(base, symptoms=base.symptoms | {s})
        for f in Finding:
            if f in base.findings:
                yield "findings", "remove", f, f"without the finding {f}", _with(base, findings=base.findings - {f})
            else:
                yield "findings", "add", f, f"with the finding {f}", _with(base, findings=base.findings | {f})
        for h in History:
            if h in base.history:
                yield "history", "remove", h, f"without {h} in the history", _with(base, history=base.history - {h})
            else:
                yield "history", "add", h, f"with {h} in the history", _with(base, history=base.history | {h})
        for t in Trauma:
            if t is not base.trauma:
                yield "trauma", "set", t, f"with trauma {t.value}", _with(base, trauma=t)
        for lo, hi in self._age_bands:
            if base.age is not None and lo <= base.age <= hi:
                continue
            age = lo if base.age is None or base.age < lo else hi
            text = (f"if aged {lo} or over" if hi == MAX_AGE else f"if aged {hi} or under" if lo == 0
                    else f"if aged {lo} to {hi}")
            yield "age", "set", age, text, _with(base, age=age)
        for limit in self._duration_limits:
            if base.duration_weeks <= limit:
                yield ("duration_weeks", "set", limit + 1, f"if the pain had lasted more than {limit:g} weeks",
                       _with(base, duration_weeks=limit + 1))
            elif base.care_weeks <= limit:  # a trial of care cannot have outlasted the pain
                yield ("duration_weeks", "set", limit, f"if the pain had begun within the last {limit:g} weeks",
                       _with(base, duration_weeks=limit))
        flip = not base.prefers_non_surgical
        text = "if the person preferred to avoid surgery" if flip else "if the person were open to surgery"
        yield "prefers_non_surgical", "set", flip, text, _with(base, prefers_non_surgical=flip)
        weeks = self.kb.care_trial_weeks
        if base.care_trial_complete:
            before = _with(base, care_trial_complete=False, care_weeks=0.0)
            yield "conservative_care_weeks", "set", 0, "before any conservative care", before
        else:
            yield (
                "conservative_care_weeks",
                "set",
                weeks,
                f"after {weeks:g} weeks of conservative care without relief",
                _with(base, care_trial_complete=True, care_weeks=weeks, duration_weeks=max(base.duration_weeks, weeks)),
            )

    def _changes(self, facts: Facts, now: Decision) -> list[Change]:
        out = []
        for field, action, value, text, edited in self.edits(facts):
            d = self.decide(edited)
            if (d.urgency, d.next_step) != (now.urgency, now.next_step):
                out.append(Change(field, action, value, text, d.urgency, d.next_step))
        return out

    def what_would_change(self, p: Presentation) -> list[Change]:
        """Single-item edits of ``p`` that change the urgency or the next step."""
        return list(self._explain(self.facts(p)).changes)


@dataclass(frozen=True, slots=True)
class _Explained:
    decision: Decision
    hits: tuple[RuleHit, ...]
    also_consider: tuple[NextStep, ...]
    red_flags: tuple[str, ...]
    changes: tuple[Change, ...]


def _remember(cache: dict[Any, Any], key: Any, compute: Callable[[], Any]) -> Any:
    """``cache[key]``, computing and storing it first (up to MEMO_LIMIT entries)."""
    found = cache.get(key)
    if found is None:
        found = compute()
        if len(cache) < MEMO_LIMIT:
            cache[key] = found
    return found


def _with(facts: Facts, **changes: Any) -> Facts:
    values = {name: getattr(facts, name) for name in Facts.__slots__}
    values.update(changes)
    return Facts(**values)


_DEFAULT: Engine | None = None


def default_engine() -> Engine:
    """The engine over the shipped knowledge base (built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Engine()
    return _DEFAULT


def assess(presentation: Presentation | dict[str, Any]) -> Assessment:
    """Assess a :class:`Presentation` (or a mapping in the input contract)."""
    if not isinstance(presentation, Presentation):
        presentation = Presentation.from_dict(presentation)
    return default_engine().assess(presentation)
