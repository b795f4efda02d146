"""Case studies: typed model, loading, validation against the schema and the engine, coverage.

A case is one YAML file in ``case_studies/`` (files starting with ``_`` are templates and data,
not cases). It is told in *stages*: the first gives the opening story and the full presentation,
each later one reveals more (history, examination, imaging, weeks later) as changes to that
presentation. Every stage states the disposition the engine must reach for it, and every question
names the stage after which it is asked.

Validation collects *every* problem as ``file:line: field: message``: schema errors, presentation
errors, disagreement between a stage's ``expected`` and the engine, a "where" answer the engine
does not give at that stage, a question that needs a fact only a later stage reveals, references
to unknown knowledge-base entries, duplicate ids.

Facts are named in one small vocabulary: ``age``, ``duration_weeks``, ``conservative_care_weeks``,
``trauma``, ``prefers_non_surgical`` for single values and ``pain_site:<id>``, ``symptom:<id>``,
``finding:<id>`` for list members. A stage reveals the facts its presentation or changes mention,
plus those it lists under ``reveals`` (asked about, often absent, presentation unchanged).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import course_folder
from .engine import assess
from .errors import CaseError, PresentationError, Problem
from .knowledge import knowledge
from .model import PRESENTATION_FIELDS, Finding, NextStep, PainSite, Presentation, Symptom, Urgency
from .schema import check_schema, iter_errors
from .sources import Document, load_document

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "case.schema.json"
TARGETS_SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "coverage.schema.json"
# the case studies that came with the code (templates and coverage targets fall back to these)
CASES_DIR = Path(os.environ.get("TRIAGE_CASES_DIR") or course_folder.default_cases_dir()
                 or Path(__file__).resolve().parents[1] / "case_studies")
TARGETS_FILE = "_coverage.yaml"
LEVELS = ("intro", "intermediate", "advanced")
TAGS = ("hip-back-overlap", "looks-alarming-not-urgent", "looks-mild-is-emergency")
REF_KINDS = ("provider", "red_flag", "rule")
ASKS = ("next_step", "urgency")
PLACEHOLDER = "TODO"

# list fields of a presentation and the prefix of their member facts
_MEMBER_KINDS = {"pain_sites": ("pain_site", PainSite), "symptoms": ("symptom", Symptom),
                 "findings": ("finding", Finding)}
_SCALARS = tuple(f for f in PRESENTATION_FIELDS if f not in _MEMBER_KINDS)
# fields of the old single-presentation format and where the staged format keeps them
_MOVED = {
    "narrative": "stages[0].text",
    "reveal": "the later stages (each with id, title, text, changes, expected)",
    "presentation": "stages[0].presentation (later stages give changes)",
    "expected": "each stage's expected",
}


@dataclass(frozen=True)
class Ref:
    """What a piece of feedback rests on: a knowledge-base entry (``provider``, ``red_flag`` or ``rule``)."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool
    feedback: str
    refs: tuple[Ref, ...] = ()
    step: NextStep | None = None  # for ``asks: next_step`` questions: where this option sends the person
    urgency: Urgency | None = None  # for ``asks: urgency`` questions: the urgency this option claims


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "single" | "multi"
    prompt: str
    options: tuple[Option, ...]
    after: str = ""  # id of the stage after which the question is asked ("" = after the last stage)
    asks: str = ""  # "next_step" or "urgency" when the engine checks the answer, else ""
    needs: tuple[str, ...] = ()  # facts the correct answer rests on (questions the engine does not check)

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)

    def is_correct(self, chosen: Iterable[str]) -> bool:
        """True when the chosen option ids are exactly the correct ones."""
        return frozenset(chosen) == self.correct_ids


@dataclass(frozen=True)
class RevealStep:
    title: str
    text: str


@dataclass(frozen=True)
class Stage:
    """One part of a case's story, and what is known (and what the engine decides) once it is read."""

    id: str
    title: str
    text: str
    presentation: Presentation
    expected_urgency: Urgency
    expected_next_step: NextStep
    facts: tuple[str, ...] = ()  # facts this stage reveals (see the module docstring)


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    level: str
    learning_objectives: tuple[str, ...]
    narrative: str
    reveal: tuple[RevealStep, ...]
    presentation: Presentation
    expected_urgency: Urgency
    expected_next_step: NextStep
    questions: tuple[Question, ...]
    teaching_points: tuple[str, ...]
    guide_sections: tuple[str, ...]
    source: str | None = None
    tags: tuple[str, ...] = field(default=())
    stages: tuple[Stage, ...] = field(default=())
    sources: tuple[str, ...] = field(default=())  # citations for facts beyond the reference guide

    def stage_index(self, stage_id: str) -> int:
        """Position of a stage (0 is the opening story)."""
        for i, stage in enumerate(self.stages):
            if stage.id == stage_id:
                return i
        raise KeyError(stage_id)

    def _asked_at(self, question: Question) -> int:
        return self.stage_index(question.after) if question.after else max(len(self.stages) - 1, 0)

    def questions_at(self, stage_index: int) -> tuple[Question, ...]:
        """The questions asked once stages ``0..stage_index`` have been read (and not before).

        A question without ``after`` is asked after the last stage.
        """
        return tuple(q for q in self.questions if self._asked_at(q) == stage_index)

    def facts_known(self, stage_index: int) -> frozenset[str]:
        """Every fact revealed by stages ``0..stage_index``."""
        return frozenset(f for stage in self.stages[: stage_index + 1] for f in stage.facts)

    @property
    def dispositions(self) -> tuple[tuple[Urgency, NextStep], ...]:
        """Each stage's expected (urgency, next step), in stage order."""
        return tuple((s.expected_urgency, s.expected_next_step) for s in self.stages)

    @property
    def revises_answer(self) -> bool:
        """True when the student answers "where" or "how urgent" at two stages with different answers."""
        asked = {self.dispositions[self._asked_at(q)] for q in self.questions if q.asks}
        return len(asked) > 1


def cases_dir() -> Path:
    """The case directory: ``$TRIAGE_CASES_DIR`` if set, else the course folder's ``case_studies/``
    (:mod:`triage.course_folder`)."""
    env = os.environ.get("TRIAGE_CASES_DIR")
    return Path(env) if env else (course_folder.cases_dir() or CASES_DIR)


@cache
def _schema(path: Path) -> dict[str, Any]:
    schema = json.loads(path.read_text(encoding="utf-8"))
    check_schema(schema)
    return schema


def case_schema() -> dict[str, Any]:
    """The shipped JSON Schema for case files (checked to use only supported keywords)."""
    return _schema(SCHEMA_PATH)


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_problems(doc: Document, schema: dict[str, Any], what: str) -> list[Problem]:
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
                        "or pain_site:<id>, symptom:<id>, finding:<id>")
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
    questions = _check_questions(c, data, built)
    _check_tags(c, data.get("tags", []), built)
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
    problems = _schema_problems(doc, case_schema(), "case")
    if problems:
        return problems, None
    return _semantic_problems(doc)


def load_case(path: str | Path) -> Case:
    """Load one case; raise :class:`CaseError` listing every problem."""
    problems, case = check_case(path)
    if problems or case is None:
        raise CaseError(problems)
    return case


def case_files(paths: Sequence[str | Path] | None = None) -> list[Path]:
    """Case files under the given files/directories (default: the case directory), sorted."""
    out: list[Path] = []
    for p in [Path(x) for x in (paths or [cases_dir()])]:
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml") and not f.name.startswith("_"))
        else:
            out.append(p)
    return out


def _check_files(files: Sequence[Path]) -> tuple[list[Problem], list[Case]]:
    """Every problem in the files, including duplicate ids, and the cases that are valid. Never raises."""
    problems: list[Problem] = []
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for f in files:
        found, case = check_case(f)
        problems += found
        if case is not None:
            if case.id in seen:
                problems.append(Problem("id", f"duplicate case id {case.id!r} (also in {seen[case.id]})", str(f),
                                        1))
            seen.setdefault(case.id, str(f))
            cases.append(case)
    return problems, cases


def validate_paths(paths: Sequence[str | Path] | None = None) -> list[Problem]:
    """Every problem in the given case files or directories, including duplicate ids. Never raises."""
    return _check_files(case_files(paths))[0]


def load_cases(directory: str | Path | None = None) -> list[Case]:
    """All cases in ``directory`` (default :func:`cases_dir`), sorted by id; raise on any problem."""
    problems, cases = _check_files(case_files([directory] if directory else None))
    if problems:
        raise CaseError(problems)
    return sorted(cases, key=lambda c: c.id)


# -- coverage -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Targets:
    """Minimum counts the library must reach (``case_studies/_coverage.yaml``)."""

    next_step: int
    red_flag: int
    tags: dict[str, int]
    answer_changes: int
    level_share: float
    source: str | None = None


def targets_path(directory: str | Path | None = None) -> Path:
    """The targets file of a case directory, else the repository's."""
    own = Path(directory or cases_dir()) / TARGETS_FILE
    return own if own.exists() else CASES_DIR / TARGETS_FILE


def load_targets(path: str | Path | None = None) -> Targets:
    """Read and check a targets file; raise :class:`CaseError` naming file, line and field."""
    doc = load_document(path or targets_path(), CaseError)
    if not isinstance(doc.data, dict):
        raise CaseError(Problem("minimums", "the targets file must be a mapping with a minimums key", doc.path, 1))
    problems = _schema_problems(doc, _schema(TARGETS_SCHEMA_PATH), "targets")
    if problems:
        raise CaseError(problems)
    m = doc.data["minimums"]
    return Targets(m["next_step"], m["red_flag"], dict(m.get("tag", {})), m["answer_changes"],
                   float(m["level_share"]), doc.path)


@dataclass(frozen=True)
class Coverage:
    """What the case library covers, counted from the files and the engine, beside its targets."""

    total: int
    red_flags: dict[str, int]
    next_steps: dict[str, int]
    levels: dict[str, int]
    tags: dict[str, int]
    revising: tuple[str, ...] = ()  # ids of cases whose "where / how urgent" answer changes between stages
    targets: Targets | None = None

    def shortfalls(self) -> list[str]:
        """Every count below its minimum, in words (empty when the library meets its targets)."""
        t = self.targets
        if t is None:
            return []
        out = [f"next step {k}: {v} case(s), minimum {t.next_step}" for k, v in self.next_steps.items()
               if v < t.next_step]
        out += [f"red flag {k}: {v} case(s), minimum {t.red_flag}" for k, v in self.red_flags.items()
                if v < t.red_flag]
        out += [f"tag {k}: {self.tags.get(k, 0)} case(s), minimum {n}" for k, n in t.tags.items()
                if self.tags.get(k, 0) < n]
        if len(self.revising) < t.answer_changes:
            out.append(f"cases whose answer changes between stages: {len(self.revising)}, minimum {t.answer_changes}")
        out += [f"level {k}: {v} of {self.total} case(s) ({self._share(v)}), minimum share {t.level_share:.0%}"
                for k, v in self.levels.items() if v < t.level_share * self.total]
        return out

    def _share(self, n: int) -> str:
        return f"{n / self.total:.0%}" if self.total else "0%"

    def to_markdown(self) -> str:
        t = self.targets

        def table(title: str, counts: dict[str, int], minimum: Any) -> list[str]:
            rows = [f"| {title} | cases | minimum |", "|---|---|---|"]
            rows += [f"| `{k}` | {v} | {minimum(k)} |" for k, v in counts.items()]
            return [*rows, ""]

        changes = f"{len(self.revising)} cases change their answer between stages"
        changes += f" (minimum {t.answer_changes})." if t else "."
        lines = [f"{self.total} cases. {changes}", ""]
        if t:
            lines += [f"Minimums come from `{TARGETS_FILE}` beside the cases; `python -m triage coverage` exits 1",
                      "below any. A case counts for a next step or a red flag when some stage of it reaches it;",
                      "levels are balanced when each holds at least the minimum share of all cases.", ""]
        lines += table("next step", self.next_steps, lambda k: t.next_step if t else "–")
        lines += table("red flag", self.red_flags, lambda k: t.red_flag if t else "–")
        lines += ["| level | cases | share | minimum share |", "|---|---|---|---|"]
        lines += [f"| `{k}` | {v} | {self._share(v)} | {f'{t.level_share:.0%}' if t else '–'} |"
                  for k, v in self.levels.items()]
        lines.append("")
        lines += table("tag", self.tags, lambda k: t.tags.get(k, "–") if t else "–")
        return "\n".join(lines).rstrip() + "\n"


def coverage(cases: Sequence[Case], targets: Targets | None = None) -> Coverage:
    """Count, per case, the next steps its stages reach, the red flags that fire at any stage, levels, tags.

    ``targets`` defaults to the case directory's ``_coverage.yaml``.
    """
    flags: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    for c in cases:
        flags.update({f for s in c.stages for f in assess(s.presentation).red_flags})
        steps.update({s.expected_next_step.value for s in c.stages})
    return Coverage(
        total=len(cases),
        red_flags={f.id: flags[f.id] for f in knowledge().red_flags},
        next_steps={s.value: steps[s.value] for s in NextStep},
        levels={lv: sum(c.level == lv for c in cases) for lv in LEVELS},
        tags={t: sum(t in c.tags for c in cases) for t in TAGS},
        revising=tuple(c.id for c in cases if c.revises_answer),
        targets=targets if targets is not None else load_targets(),
    )
