"""Validation of one case file: the JSON Schema, then the semantic checks against the knowledge base and
the engine. Every problem is collected as ``file:line: field: message``; nothing raises."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ...domain.engine import assess
from ...domain.knowledge import knowledge
from ...domain.model import PRESENTATION_FIELDS, Finding, History, NextStep, PainSite, Presentation, Symptom, Urgency
from ...domain.schema import check_schema, iter_errors
from ...domain.sources import Document, load_document
from ...errors import CaseError, PresentationError, Problem
from .. import SCHEMAS
from .model import Case, Option, Question, Ref, RevealStep, Stage
from .review import sibling_giveaways, story_giveaways, story_omissions, uncited_rules

SCHEMA_PATH = SCHEMAS / "case.schema.json"
TARGETS_SCHEMA_PATH = SCHEMAS / "coverage.schema.json"
PLACEHOLDER = "TODO"

# list fields of a presentation and the prefix of their member facts
_MEMBER_KINDS = {"pain_sites": ("pain_site", PainSite), "symptoms": ("symptom", Symptom),
                 "findings": ("finding", Finding), "history": ("history", History)}
_SCALARS = tuple(f for f in PRESENTATION_FIELDS if f not in _MEMBER_KINDS)
# fields of the old single-presentation format and where the staged format keeps them
_MOVED = {
    "narrative": "stages[0].text",
    "reveal": "the later stages (each with id, title, text, changes, expected)",
    "presentation": "stages[0].presentation (later stages give changes)",
    "expected": "each stage's expected",
}


@cache
def load_schema(path: Path) -> dict[str, Any]:
    schema = json.loads(path.read_text(encoding="utf-8"))
    check_schema(schema)
    return schema


def case_schema() -> dict[str, Any]:
    """The shipped JSON Schema for case files (checked to use only supported keywords)."""
    return load_schema(SCHEMA_PATH)


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_problems(doc: Document, schema: dict[str, Any], what: str) -> list[Problem]:
    problems = []
    for err in iter_errors(doc.data, schema):
        where = _path(err.path)
        message = err.message
        if err.keyword == "additionalProperties":
            message = f"unknown field; allowed here: {', '.join(err.expected)}"
            if len(err.path) == 1 and err.value in _MOVED and what == "case":
                message = (f"unknown field in the staged format; it moved to {_MOVED[err.value]} "
                           "(see case_studies/README.md)")
            problems.append(Problem(where, message, doc.path, doc.line_of(where)))
            continue
        if err.keyword == "required":
            field_name = f"{where}.{err.value}" if where else str(err.value)
            problems.append(Problem(field_name, "is required", doc.path, doc.line_of(where)))
            continue
        if err.keyword == "pattern":
            if where == "id" or (where.startswith("stages") and where.endswith("].id")) or where.endswith(".after"):
                form = "lower-case words joined by hyphens"
            elif where.endswith(".refs") or ".refs[" in where:
                form = "kind:id with kind provider, red_flag or rule (e.g. provider:physiatrist)"
            elif ".needs[" in where or ".reveals[" in where:
                form = ("a fact id: age, duration_weeks, conservative_care_weeks, trauma, prefers_non_surgical, "
                        "or pain_site:<id>, symptom:<id>, finding:<id>, history:<id>")
            else:
                form = "letters, digits, - and _ only"
            message = f"{err.value!r} has the wrong form; use {form}"
        elif err.keyword == "enum":
            message = f"{err.value!r} is not allowed; valid values: {', '.join(map(str, err.expected))}"
        problems.append(Problem(where or what, message, doc.path, doc.line_of(where)))
    return problems


# -- facts --------------------------------------------------------------------------------------

def valid_fact(fact: str) -> bool:
    """True for a fact id of the vocabulary in the module docstring."""
    if fact in _SCALARS:
        return True
    kind, _, value = fact.partition(":")
    enums = {prefix: enum for prefix, enum in _MEMBER_KINDS.values()}
    return kind in enums and value in enums[kind]._value2member_map_


def _presentation_facts(data: dict[str, Any]) -> list[str]:
    """Facts a full presentation mapping states: every field it gives, every list member."""
    out: list[str] = []
    for name in PRESENTATION_FIELDS:
        if name not in data:
            continue
        if name in _MEMBER_KINDS:
            prefix = _MEMBER_KINDS[name][0]
            out += [f"{prefix}:{v}" for v in data[name] or []]
        else:
            out.append(name)
    return out


def _change_facts(changes: dict[str, Any]) -> list[str]:
    """Facts a stage's changes reveal: every member added or removed, every field set."""
    out: list[str] = []
    for op in ("add", "remove"):
        for name, values in (changes.get(op) or {}).items():
            out += [f"{_MEMBER_KINDS[name][0]}:{v}" for v in values]
    out += list(changes.get("set") or {})
    return out


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in nested data, with its field path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


# -- semantic checks ----------------------------------------------------------------------------

class _Checker:
    """Collects problems for one case document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message, self.doc.path, self.doc.line_of(where)))


def _check_basics(c: _Checker, data: dict[str, Any]) -> None:
    stem = Path(c.doc.path).stem if c.doc.path else None
    if stem and data["id"] != stem:
        c.fail("id", f"{data['id']!r} must equal the file name ({stem!r}) so cases are easy to find")
    sections = {s.id for s in knowledge().sections}
    for i, sec in enumerate(data["guide_sections"]):
        if sec not in sections:
            c.fail(f"guide_sections[{i}]", f"unknown guide section {sec!r}; valid: {', '.join(sorted(sections))}")
    for where, text in _strings(data):
        if PLACEHOLDER in text:
            c.fail(where, f"still holds a {PLACEHOLDER} placeholder from the template; write this case's own text")


def _build_stages(c: _Checker, data: dict[str, Any]) -> list[tuple[Presentation, list[str]]] | None:
    """Each stage's presentation and revealed facts; None (with problems recorded) if one cannot be built."""
    stages = data["stages"]
    ids = Counter(s["id"] for s in stages)
    for i, s in enumerate(stages):
        if ids[s["id"]] > 1:
            c.fail(f"stages[{i}].id", f"stage id {s['id']!r} is used more than once")
    first = stages[0]
    if "changes" in first:
        c.fail("stages[0].changes", "the first stage gives the full presentation, not changes")
    if "presentation" not in first:
        c.fail("stages[0].presentation", "is required: the first stage gives the full presentation")
        return None
    for i, s in enumerate(stages[1:], start=1):
        if "presentation" in s:
            c.fail(f"stages[{i}].presentation", "only the first stage gives a full presentation; "
                   "later stages give changes (add, remove, set)")
        elif not s.get("changes") and not s.get("reveals"):
            c.fail(f"stages[{i}]", "reveals nothing: give changes (add, remove, set) or reveals (facts asked about)")
    for i, s in enumerate(stages):
        for j, fact in enumerate(s.get("reveals", [])):
            if not valid_fact(fact):
                c.fail(f"stages[{i}].reveals[{j}]", f"unknown fact {fact!r}")
    if c.problems:
        return None
    current = dict(first["presentation"])
    try:
        built = [(Presentation.from_dict(current), _presentation_facts(current))]
    except PresentationError as exc:
        for p in exc.problems:
            c.fail(f"stages[0].presentation.{p.field}" if p.field != "presentation" else "stages[0].presentation",
                   p.message)
        return None
    for i, s in enumerate(stages[1:], start=1):
        changes = s.get("changes") or {}
        w = f"stages[{i}].changes"
        nxt = {k: (list(v) if k in _MEMBER_KINDS else v) for k, v in current.items()}
        before = len(c.problems)
        for op in ("add", "remove"):
            for name, values in (changes.get(op) or {}).items():
                prefix, enum = _MEMBER_KINDS[name]
                have = list(nxt.get(name) or [])
                for j, v in enumerate(values):
                    at = f"{w}.{op}.{name}[{j}]"
                    if v not in enum._value2member_map_:
                        valid = ", ".join(enum._value2member_map_)
                        c.fail(at, f"unknown id {v!r}; valid values: {valid}")
                    elif op == "add" and v in have:
                        c.fail(at, f"{prefix}:{v} is already in the presentation; add only what this stage reveals")
                    elif op == "remove" and v not in have:
                        c.fail(at, f"{prefix}:{v} is not in the presentation, so it cannot be removed")
                    elif op == "add":
                        have.append(v)
                    else:
                        have.remove(v)
                nxt[name] = have
        for name, value in (changes.get("set") or {}).items():
            if name in current and current[name] == value:
                c.fail(f"{w}.set.{name}", f"is already {value!r}; set only what this stage changes")
            nxt[name] = value
        if len(c.problems) > before:
            return None
        try:
            presentation = Presentation.from_dict(nxt)
        except PresentationError as exc:
            for p in exc.problems:
                root = p.field.split("[")[0]
                op = next((o for o in ("set", "add", "remove") if root in (changes.get(o) or {})), None)
                c.fail(f"{w}.{op}.{root}" if op else w, f"gives a presentation that is not valid: {p.message}")
            return None
        built.append((presentation, _change_facts(changes)))
        current = nxt
    for i, s in enumerate(stages):
        built[i][1].extend(f for f in s.get("reveals", []) if f not in built[i][1])
    return built


def _check_refs(c: _Checker, where: str, refs: list[str]) -> tuple[Ref, ...]:
    kb = knowledge()
    known = {
        "provider": [str(p.id) for p in kb.providers],
        "red_flag": [f.id for f in kb.red_flags],
        "rule": [r.id for r in kb.rules],
    }
    out = []
    for k, ref in enumerate(refs):
        kind, _, ident = ref.partition(":")
        if ident not in known[kind]:
            c.fail(f"{where}[{k}]", f"unknown {kind} {ident!r}; valid: {', '.join(known[kind])}")
        out.append(Ref(kind, ident))
    return tuple(out)


def _check_questions(c: _Checker, data: dict[str, Any], stages: list[tuple[Presentation, list[str]]]
                     ) -> list[Question]:
    stage_ids = [s["id"] for s in data["stages"]]
    revealed_at: dict[str, int] = {}
    for i, (_, facts) in enumerate(stages):
        for f in facts:
            revealed_at.setdefault(f, i)
    qids = Counter(q["id"] for q in data["questions"])
    out: list[Question] = []
    last = 0
    for i, q in enumerate(data["questions"]):
        w = f"questions[{i}]"
        if qids[q["id"]] > 1:
            c.fail(f"{w}.id", f"question id {q['id']!r} is used more than once")
        oids = Counter(o["id"] for o in q["options"])
        for j, o in enumerate(q["options"]):
            if oids[o["id"]] > 1:
                c.fail(f"{w}.options[{j}].id", f"option id {o['id']!r} is used more than once in this question")
        n_correct = sum(o["correct"] for o in q["options"])
        if n_correct == 0:
            c.fail(f"{w}.options", "no option is marked correct: true")
        elif q["kind"] == "single" and n_correct > 1:
            c.fail(f"{w}.options", f"a single-choice question needs exactly one correct option, found {n_correct}")
        if q["after"] not in stage_ids:
            c.fail(f"{w}.after", f"names no stage of this case; stage ids: {', '.join(stage_ids)}")
            continue
        at = stage_ids.index(q["after"])
        if at < last:
            c.fail(f"{w}.after", f"asked after {q['after']!r}, but the question before it is asked after "
                   f"{stage_ids[last]!r}; list the questions in stage order")
        last = max(last, at)
        asks = q.get("asks", "")
        if not asks and "needs" not in q:
            c.fail(f"{w}.needs", "is required for a question the engine does not check: list the facts its "
                   "correct answer rests on ([] if it rests on none of this case's facts)")
        for j, fact in enumerate(q.get("needs", [])):
            if not valid_fact(fact):
                c.fail(f"{w}.needs[{j}]", f"unknown fact {fact!r}")
            elif fact not in revealed_at:
                c.fail(f"{w}.needs[{j}]", f"{fact!r} is not revealed by any stage; reveal it (presentation, "
                       "changes or reveals) or drop it from needs")
            elif revealed_at[fact] > at:
                c.fail(f"{w}.needs[{j}]", f"{fact!r} is revealed only at stage {stage_ids[revealed_at[fact]]!r}, "
                       f"after this question (asked after {q['after']!r}); ask it later or reveal the fact earlier")
        options = []
        for j, o in enumerate(q["options"]):
            ow = f"{w}.options[{j}]"
            for key, kind in (("step", "next_step"), ("urgency", "urgency")):
                if key in o and asks != kind:
                    c.fail(f"{ow}.{key}", f"is only for questions with asks: {kind}")
            options.append(Option(
                o["id"], o["text"], o["correct"], o["feedback"], _check_refs(c, f"{ow}.refs", o["refs"]),
                NextStep(o["step"]) if "step" in o else None, Urgency(o["urgency"]) if "urgency" in o else None,
            ))
        if asks:
            _check_engine_answer(c, w, q, asks, stages[at][0], stage_ids[at])
        out.append(Question(q["id"], q["kind"], q["prompt"], tuple(options), q["after"], asks,
                            tuple(q.get("needs", []))))
    if all(q.get("asks") for q in data["questions"]):
        c.fail("questions", "every question asks where to go or how urgent; add one that asks something else "
               "(which red flag, what a provider does, what would change the route, what to tell the person)")
    return out


def _check_engine_answer(c: _Checker, w: str, q: dict[str, Any], asks: str, presentation: Presentation,
                         stage_id: str) -> None:
    """The correct options of a ``next_step``/``urgency`` question are what the engine gives at that stage."""
    result = assess(presentation)
    key = "step" if asks == "next_step" else "urgency"
    if asks == "next_step":
        main = result.next_step.value
        right = {main} | ({s.value for s in result.also_consider} if q["kind"] == "multi" else set())
    else:
        main = result.urgency.value
        right = {main}
    said = f"the engine gives {result.urgency.value} / {result.next_step.value} after stage {stage_id!r}"
    before = len(c.problems)
    for j, o in enumerate(q["options"]):
        ow = f"{w}.options[{j}]"
        if key not in o:
            if o["correct"]:
                c.fail(f"{ow}.{key}", f"is required on a correct option of an asks: {asks} question")
            continue
        if o["correct"] and o[key] not in right:
            c.fail(f"{ow}.{key}", f"is {o[key]!r}, marked correct, but {said}")
        elif not o["correct"] and o[key] in right:
            c.fail(f"{ow}.{key}", f"is {o[key]!r}, marked wrong, but {said}")
    if len(c.problems) == before and not any(o["correct"] and o.get(key) == main for o in q["options"]):
        c.fail(f"{w}.options", f"no correct option names {main!r}; {said}")


def _check_tags(c: _Checker, tags: list[str], stages: list[tuple[Presentation, list[str]]]) -> None:
    urgencies = {assess(p).urgency for p, _ in stages}
    spans = any("lower_back" in {s.value for s in p.pain_sites}
                and {s.value for s in p.pain_sites} & {"hip", "groin", "buttock", "thigh"} for p, _ in stages)
    if "hip-back-overlap" in tags and not spans:
        c.fail("tags", "hip-back-overlap needs pain_sites with lower_back and one of hip, groin, buttock, thigh")
    if "looks-alarming-not-urgent" in tags and Urgency.ROUTINE not in urgencies:
        c.fail("tags", "looks-alarming-not-urgent is for cases the engine rates routine at some stage")
    if "looks-mild-is-emergency" in tags and Urgency.EMERGENCY not in urgencies:
        c.fail("tags", "looks-mild-is-emergency is for cases the engine rates emergency at some stage")


def _check_age_months(c: _Checker, months: int | None, first: Presentation) -> None:
    """A child under 2 has the age in months too, and the months agree with the presentation's years."""
    if months is None:
        if first.age is not None and first.age < 2:
            c.fail("age_months", f"is required when the first stage's age is {first.age}: give the age in months "
                   "(the keys print a child under 2 in months)")
    elif first.age != months // 12:
        c.fail("age_months", f"{months} months is {months // 12} in whole years, but the first stage's age is "
               f"{first.age}")


def _semantic_problems(doc: Document) -> tuple[list[Problem], Case | None]:
    """Checks the schema cannot express; returns the case when everything holds."""
    data = doc.data
    c = _Checker(doc)
    _check_basics(c, data)
    built = _build_stages(c, data)
    if built is None:
        return c.problems, None
    stages: list[Stage] = []
    for i, (s, (presentation, facts)) in enumerate(zip(data["stages"], built, strict=True)):
        result = assess(presentation)
        exp = s["expected"]
        if (exp["urgency"], exp["next_step"]) != (result.urgency.value, result.next_step.value):
            c.fail(f"stages[{i}].expected",
                   f"says {exp['urgency']} / {exp['next_step']} but the engine gives "
                   f"{result.urgency.value} / {result.next_step.value} for this stage's presentation "
                   f"(python -m triage assess on it shows why)")
        stages.append(Stage(s["id"], s["title"], s["text"], presentation, Urgency(exp["urgency"]),
                            NextStep(exp["next_step"]), tuple(facts)))
    for where, message in story_omissions(data, [p for p, _ in built]):
        c.fail(where, message)
    _check_age_months(c, data.get("age_months"), built[0][0])
    questions = _check_questions(c, data, built)
    _check_tags(c, data.get("tags", []), built)
    if not c.problems:  # a reviewer's checks, on a case that is otherwise sound
        for where, message in [*story_giveaways(data), *sibling_giveaways(data),
                               *uncited_rules(data, [p for p, _ in built])]:
            c.fail(where, message)
    if c.problems:
        return c.problems, None
    final = stages[-1]
    case = Case(
        id=data["id"],
        title=data["title"],
        level=data["level"],
        learning_objectives=tuple(data["learning_objectives"]),
        narrative=stages[0].text,
        reveal=tuple(RevealStep(s.title, s.text) for s in stages[1:]),
        presentation=final.presentation,
        expected_urgency=final.expected_urgency,
        expected_next_step=final.expected_next_step,
        questions=tuple(questions),
        teaching_points=tuple(data["teaching_points"]),
        guide_sections=tuple(data["guide_sections"]),
        source=doc.path,
        tags=tuple(data.get("tags", [])),
        stages=tuple(stages),
        sources=tuple(data.get("sources", [])),
        age_months=data.get("age_months"),
    )
    return [], case


def check_case(path: str | Path) -> tuple[list[Problem], Case | None]:
    """Every problem in one case file, and the case when there are none. Never raises."""
    try:
        doc = load_document(path, CaseError)
    except CaseError as exc:
        return exc.problems, None
    if not isinstance(doc.data, dict):
        got = "an empty file" if doc.data is None else type(doc.data).__name__
        return [Problem("case", f"must be a mapping of fields (see case_studies/_template.yaml), got {got}",
                        doc.path, 1)], None
    problems = schema_problems(doc, case_schema(), "case")
    if problems:
        return problems, None
    return _semantic_problems(doc)
