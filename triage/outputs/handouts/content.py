"""What a handout shows, as plain data: cases by stage, the engine's view per stage, the reference card.

The templates only lay these values out; every decision about content (which questions go under
which stage, what the engine says after each stage, how a change is worded) is made here, from the
case files, the knowledge base and :func:`triage.assess`. All values are plain text: the templates
escape them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from ...content.cases import Case, Question, Ref
from ...domain.engine import assess
from ...domain.knowledge import Knowledge, knowledge
from ...domain.model import Assessment, NextStep, Presentation, Trauma, Urgency
from ...domain.vocabulary import in_sentence, vocabulary
from ...errors import HandoutError, Problem
from ..fragments import change_text, each_reason_once, urgency_word, verdict


@dataclass(frozen=True)
class OptionView:
    text: str
    correct: bool
    feedback: str
    rests_on: tuple[str, ...]  # readable knowledge-base entries the feedback rests on


@dataclass(frozen=True)
class QuestionView:
    number: int  # 1, 2, ... through the whole case, in stage order
    prompt: str
    instruction: str  # "Tick one." or "Tick all that apply."
    options: tuple[OptionView, ...]


@dataclass(frozen=True)
class RuleLine:
    name: str  # the rule's name, as the apps show it (labels.yaml, or its red flag's label)
    rule_id: str  # printed small after the name, for an instructor who looks the rule up
    effect: str  # what it did, in words ("decides the result")
    reason: str
    section: str  # guide section title


@dataclass(frozen=True)
class ChangeGroup:
    """Single edits of the presentation that lead to the same new disposition."""

    urgency: str
    next_step: str
    edits: tuple[str, ...]


@dataclass(frozen=True)
class EngineView:
    """What :func:`triage.assess` decides once a stage has been read."""

    urgency: str  # upper case, e.g. "ROUTINE"
    urgency_class: str  # "emergency" | "urgent" | "routine" (CSS hook)
    next_step: str
    red_flags: tuple[str, ...]
    also_consider: tuple[str, ...]
    rules: tuple[RuleLine, ...]
    changes: tuple[ChangeGroup, ...]
    known: tuple[str, ...]  # what the engine is told at this stage
    new_facts: tuple[str, ...]  # what differs from the previous stage's presentation
    changed: bool  # the disposition differs from the previous stage's
    full: bool = True  # False when the next stage has the same facts: the key then prints one line


@dataclass(frozen=True)
class StageView:
    number: int
    title: str
    paragraphs: tuple[str, ...]
    questions: tuple[QuestionView, ...]
    engine: EngineView


@dataclass(frozen=True)
class CaseView:
    id: str
    title: str
    level: str
    tags: tuple[str, ...]
    objectives: tuple[str, ...]
    stages: tuple[StageView, ...]
    teaching_points: tuple[str, ...]
    guide_sections: tuple[str, ...]  # titles
    question_count: int
    final: EngineView
    number: int = 1  # the case's number in the class's set: student sheets carry it instead of the id

    @property
    def sheet(self) -> str:
        """The student sheet's file name (no extension) and anchor: a number, since ids name the twist."""
        return f"case-{self.number:02d}"


@dataclass(frozen=True)
class FlagRow:
    label: str
    signals: str


@dataclass(frozen=True)
class FlagGroup:
    """Red flags that share an urgency and a destination."""

    urgency: str
    urgency_class: str
    go_to: str
    flags: tuple[FlagRow, ...]


@dataclass(frozen=True)
class ProviderRow:
    name: str
    role: str
    assesses: str
    treatments: str
    reached_when: str


@dataclass(frozen=True)
class CardView:
    red_flags: tuple[FlagGroup, ...]
    providers: tuple[ProviderRow, ...]
    care_trial_weeks: str


def paragraphs(text: str) -> tuple[str, ...]:
    """Blank lines separate paragraphs; line breaks inside one (from YAML wrapping) become spaces."""
    return tuple(" ".join(b.split()) for b in text.strip().split("\n\n") if b.strip())


def words(value: object) -> str:
    """An id as words: ``leg_weakness_progressive`` -> ``leg weakness progressive``."""
    return str(value).replace("_", " ")


def _plural(n: float, unit: str) -> str:
    return f"{n:g} {unit}" + ("" if n == 1 else "s")


def how_long(weeks: float) -> str:
    """A duration as a clinician says it: days under a week (or for part weeks under two), else weeks."""
    if weeks == 0:
        return "since today"
    if weeks < 1 or (weeks < 2 and weeks != int(weeks)):
        return _plural(max(1, round(weeks * 7)), "day")
    return _plural(weeks, "week")


def age_text(age: int, months: int | None = None) -> str:
    """An age as a clinician writes it: a child under 2 in months."""
    if months is not None and months // 12 == age:
        return f"{months} months"
    if age < 2:
        return f"{age} year{'' if age == 1 else 's'} ({12 * age} to {12 * age + 11} months)"
    return str(age)


def _named(items: Iterable[str], name: Callable[[str], str]) -> list[str]:
    return [in_sentence(name(i)) for i in sorted(items)]


def describe_presentation(p: Presentation, age_months: int | None = None) -> tuple[str, ...]:
    """The facts the engine is given, one short line each, in the apps' words (labels.yaml)."""
    voc = vocabulary()
    lines = []
    if p.age is not None:
        lines.append(f"Age {age_text(p.age, age_months)}")
    lines.append("Pain in the " + ", ".join(_named(p.pain_sites, voc.site)))
    since = how_long(p.duration_weeks)
    care = (f"conservative care tried for {how_long(p.conservative_care_weeks)}" if p.conservative_care_weeks
            else "no conservative care tried yet")
    lines.append(f"Pain {since if since == 'since today' else 'for ' + since}; {care}")
    if p.trauma is not Trauma.NONE:
        lines.append(voc.trauma_name(p.trauma))
    if p.prefers_non_surgical:
        lines.append("Prefers to avoid surgery")
    lines.append("Symptoms: " + (", ".join(_named(p.symptoms, voc.symptom)) or "none recorded"))
    lines.append("Findings: " + (", ".join(_named(p.findings, voc.finding)) or "none recorded"))
    if p.history:
        lines.append("History: " + ", ".join(_named(p.history, voc.history_item)))
    return tuple(lines)


def presentation_diff(before: Presentation, after: Presentation) -> tuple[str, ...]:
    """What a stage adds to (or removes from) the previous stage's presentation, in plain words."""
    voc = vocabulary()
    out: list[str] = []
    for name, label in (("symptoms", voc.symptom), ("findings", voc.finding), ("history", voc.history_item)):
        old, new = getattr(before, name), getattr(after, name)
        out += _named(new - old, label)
        out += [f"no longer {n}" for n in _named(old - new, label)]
    out += [f"pain in the {n}" for n in _named(after.pain_sites - before.pain_sites, voc.site)]
    out += [f"no pain in the {n} any more" for n in _named(before.pain_sites - after.pain_sites, voc.site)]
    if before.trauma != after.trauma:
        out.append(in_sentence(voc.trauma_name(after.trauma)))
    if before.duration_weeks != after.duration_weeks:
        out.append(f"pain for {how_long(after.duration_weeks)} (it was {how_long(before.duration_weeks)})")
    if before.conservative_care_weeks != after.conservative_care_weeks:
        was = how_long(before.conservative_care_weeks) if before.conservative_care_weeks else "none before"
        out.append(f"conservative care tried for {how_long(after.conservative_care_weeks)} "
                   f"({'it was ' + was if before.conservative_care_weeks else was})")
    if before.prefers_non_surgical != after.prefers_non_surgical:
        out.append("prefers to avoid surgery" if after.prefers_non_surgical else "open to surgery")
    if before.age != after.age:
        out.append(f"age {after.age} (it was {before.age})")
    return tuple(out)


def ref_label(ref: Ref, kb: Knowledge) -> str:
    """A knowledge-base reference as a reader would name it: by name, never by id."""
    if ref.kind == "provider" and ref.id in NextStep._value2member_map_:
        return kb.provider(ref.id).name
    if ref.kind == "red_flag":
        flag = next((f for f in kb.red_flags if f.id == ref.id), None)
        if flag is not None:
            return f"Red flag: {flag.label}"
    if ref.kind == "rule":
        rule = next((r for r in kb.rules if r.id == ref.id), None)
        if rule is not None:
            return f"{vocabulary().rule(rule.id)} ({kb.section(rule.guide_section).title})"
    return f"{words(ref.kind)} {ref.id}"


def _change_groups(a: Assessment, kb: Knowledge) -> tuple[ChangeGroup, ...]:
    groups: dict[tuple[Urgency, NextStep], list[str]] = {}
    for c in a.what_would_change:
        groups.setdefault((c.urgency, c.next_step), []).append(change_text(c))  # the apps' words, never ids
    ordered = sorted(groups.items(), key=lambda item: -item[0][0].rank)
    return tuple(ChangeGroup(urgency_word(u), kb.provider(s).name, tuple(edits)) for (u, s), edits in ordered)


def engine_view(p: Presentation, previous: Presentation | None, kb: Knowledge,
                age_months: int | None = None) -> EngineView:
    """The engine's disposition, trace and counterfactuals for one stage's presentation."""
    voc = vocabulary()
    signals = {f"RF-{f.id}": f.explanation for f in kb.red_flags}  # as the apps explain a flag's rule
    a = assess(p)
    before = assess(previous) if previous is not None else None
    v = verdict(a, kb)  # what the apps' urgency banner shows: the urgency word, names of providers and flags
    return EngineView(
        urgency=v.word,
        urgency_class=v.urgency,
        next_step=v.next_step,
        red_flags=v.red_flags,
        also_consider=v.also_consider,
        rules=tuple(RuleLine(voc.rule(h.rule_id), h.rule_id, voc.effect(h.effect), signals.get(h.rule_id, h.reason),
                             kb.section(h.guide_section).title)
                    for h in each_reason_once(a, kb).trace),
        changes=_change_groups(a, kb),
        known=describe_presentation(p, age_months),
        new_facts=presentation_diff(previous, p) if previous is not None else (),
        changed=before is not None and (before.urgency, before.next_step) != (a.urgency, a.next_step),
    )


def _question_view(q: Question, number: int, kb: Knowledge) -> QuestionView:
    return QuestionView(
        number=number,
        prompt=q.prompt,
        instruction="Tick one." if q.kind == "single" else "Tick all that apply.",
        options=tuple(OptionView(o.text, o.correct, o.feedback, tuple(ref_label(r, kb) for r in o.refs))
                      for o in q.options),
    )


def _questions_by_stage(case: Case) -> list[list[Question]]:
    """Questions grouped under the stage after which they are asked, in file order within a stage."""
    by_stage: list[list[Question]] = [[] for _ in case.stages]
    for i, q in enumerate(case.questions):
        try:
            by_stage[case.stage_index(q.after)].append(q)
        except KeyError:
            stages = ", ".join(s.id for s in case.stages)
            raise HandoutError(Problem(f"questions[{i}].after", f"names no stage of case {case.id!r} "
                                       f"({q.after!r}; stages: {stages})", case.source)) from None
    return by_stage


def case_view(case: Case, kb: Knowledge | None = None, number: int = 1) -> CaseView:
    """Everything the student sheet and the instructor key of one case show."""
    kb = kb or knowledge()
    if not case.stages:
        raise HandoutError(Problem("stages", f"case {case.id!r} has no stages to print", case.source))
    grouped = _questions_by_stage(case)
    sheet_number = number
    stages, number, previous = [], 0, None
    for i, (stage, questions) in enumerate(zip(case.stages, grouped, strict=True)):
        views = []
        for q in questions:
            number += 1
            views.append(_question_view(q, number, kb))
        engine = engine_view(stage.presentation, previous, kb, case.age_months)
        following = case.stages[i + 1].presentation if i + 1 < len(case.stages) else None
        if following is not None and following == stage.presentation:
            engine = replace(engine, full=False)  # the same facts are explained after a later stage
        stages.append(StageView(i + 1, stage.title, paragraphs(stage.text), tuple(views), engine))
        previous = stage.presentation
    return CaseView(
        id=case.id,
        title=case.title,
        level=case.level,
        tags=tuple(case.tags),
        objectives=tuple(case.learning_objectives),
        stages=tuple(stages),
        teaching_points=tuple(case.teaching_points),
        guide_sections=tuple(kb.section(s).title for s in case.guide_sections),
        question_count=number,
        final=stages[-1].engine,
        number=sheet_number,
    )


def card_view(kb: Knowledge | None = None) -> CardView:
    """The reference card: red flags with their urgency, and who does what, from the knowledge base."""
    kb = kb or knowledge()
    groups: dict[tuple[Urgency, NextStep], list[FlagRow]] = {}
    for f in kb.red_flags:
        groups.setdefault((f.urgency, f.next_step), []).append(FlagRow(f.label, f.signals))
    ordered = sorted(groups.items(), key=lambda item: -item[0][0].rank)
    return CardView(
        red_flags=tuple(FlagGroup(urgency_word(u), u.value, kb.provider(s).name, tuple(rows))
                        for (u, s), rows in ordered),
        providers=tuple(ProviderRow(p.name, p.role, "; ".join(p.assesses), "; ".join(p.treatments),
                                    p.reached_when) for p in kb.providers),
        care_trial_weeks=f"{kb.care_trial_weeks:g}",
    )


def case_views(cases: Iterable[Case], numbers: Mapping[str, int] | None = None) -> list[CaseView]:
    """The views of ``cases``, numbered by ``numbers`` (case id -> number; default: their order, from 1)."""
    kb = knowledge()
    listed = list(cases)
    numbers = numbers or {c.id: i for i, c in enumerate(listed, start=1)}
    return [case_view(c, kb, numbers[c.id]) for c in listed]
