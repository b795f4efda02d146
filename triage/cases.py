"""Case studies: typed model, loading, validation against the schema and the engine, coverage.

A case is one YAML file in ``case_studies/`` (files starting with ``_`` are templates, not
cases). Validation collects *every* problem as ``file:line: field: message``: schema errors,
presentation errors, disagreement between ``expected`` and the engine, duplicate ids.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .engine import assess
from .errors import CaseError, PresentationError, Problem
from .knowledge import knowledge
from .model import NextStep, Presentation, Urgency
from .schema import check_schema, iter_errors
from .sources import Document, load_document

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "case.schema.json"
CASES_DIR = Path(os.environ.get("TRIAGE_CASES_DIR") or Path(__file__).resolve().parents[1] / "case_studies")
LEVELS = ("intro", "intermediate", "advanced")
TAGS = ("hip-back-overlap", "looks-alarming-not-urgent", "looks-mild-is-emergency")


@dataclass(frozen=True)
class Ref:
    """What a piece of feedback rests on: a knowledge-base entry (``provider``, ``red_flag`` or ``rule``)."""

    kind: str
    id: str


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool
    feedback: str
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "single" | "multi"
    prompt: str
    options: tuple[Option, ...]
    after: str = ""  # id of the stage after which the question is asked

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
    facts: tuple[str, ...] = ()


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

    def stage_index(self, stage_id: str) -> int:
        """Position of a stage (0 is the opening story)."""
        for i, stage in enumerate(self.stages):
            if stage.id == stage_id:
                return i
        raise KeyError(stage_id)

    def questions_at(self, stage_index: int) -> tuple[Question, ...]:
        """The questions asked once stages ``0..stage_index`` have been read (and not before)."""
        return tuple(q for q in self.questions if self.stage_index(q.after) == stage_index)


def cases_dir() -> Path:
    """The case directory: ``$TRIAGE_CASES_DIR`` if set, else the repository's ``case_studies/``."""
    env = os.environ.get("TRIAGE_CASES_DIR")
    return Path(env) if env else CASES_DIR


@cache
def case_schema() -> dict[str, Any]:
    """The shipped JSON Schema for case files (checked to use only supported keywords)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    check_schema(schema)
    return schema


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_problems(doc: Document) -> list[Problem]:
    problems = []
    for err in iter_errors(doc.data, case_schema()):
        where = _path(err.path)
        message = err.message
        if err.keyword == "additionalProperties":
            message = f"unknown field; allowed here: {', '.join(err.expected)}"
            problems.append(Problem(where, message, doc.path, doc.line_of(where)))
            continue
        if err.keyword == "required":
            field = f"{where}.{err.value}" if where else str(err.value)
            problems.append(Problem(field, "is required", doc.path, doc.line_of(where)))
            continue
        if err.keyword == "pattern":
            form = "lower-case words joined by hyphens" if where == "id" else "letters, digits, - and _ only"
            message = f"{err.value!r} has the wrong form; use {form}"
        elif err.keyword == "enum":
            message = f"{err.value!r} is not allowed; valid values: {', '.join(map(str, err.expected))}"
        problems.append(Problem(where or "case", message, doc.path, doc.line_of(where)))
    return problems


def _semantic_problems(doc: Document) -> tuple[list[Problem], Case | None]:
    """Checks the schema cannot express; returns the case when everything holds."""
    data = doc.data
    problems: list[Problem] = []

    def fail(f: str, message: str) -> None:
        problems.append(Problem(f, message, doc.path, doc.line_of(f)))

    stem = Path(doc.path).stem if doc.path else None
    if stem and data["id"] != stem:
        fail("id", f"{data['id']!r} must equal the file name ({stem!r}) so cases are easy to find")
    sections = {s.id for s in knowledge().sections}
    for i, sec in enumerate(data["guide_sections"]):
        if sec not in sections:
            fail(f"guide_sections[{i}]", f"unknown guide section {sec!r}; valid: {', '.join(sorted(sections))}")
    qids = Counter(q["id"] for q in data["questions"])
    for i, q in enumerate(data["questions"]):
        w = f"questions[{i}]"
        if qids[q["id"]] > 1:
            fail(f"{w}.id", f"question id {q['id']!r} is used more than once")
        oids = Counter(o["id"] for o in q["options"])
        for j, o in enumerate(q["options"]):
            if oids[o["id"]] > 1:
                fail(f"{w}.options[{j}].id", f"option id {o['id']!r} is used more than once in this question")
        n_correct = sum(o["correct"] for o in q["options"])
        if n_correct == 0:
            fail(f"{w}.options", "no option is marked correct: true")
        elif q["kind"] == "single" and n_correct > 1:
            fail(f"{w}.options", f"a single-choice question needs exactly one correct option, found {n_correct}")
    presentation = None
    try:
        presentation = Presentation.from_dict(data["presentation"])
    except PresentationError as exc:
        for p in exc.problems:
            fail(f"presentation.{p.field}" if p.field != "presentation" else "presentation", p.message)
    if presentation is None:
        return problems, None
    result = assess(presentation)
    exp = data["expected"]
    if (exp["urgency"], exp["next_step"]) != (result.urgency.value, result.next_step.value):
        fail(
            "expected",
            f"says {exp['urgency']} / {exp['next_step']} but the engine gives "
            f"{result.urgency.value} / {result.next_step.value} (run: python -m triage assess on the presentation)",
        )
    tags = data.get("tags", [])
    sites = {s.value for s in presentation.pain_sites}
    if "hip-back-overlap" in tags and not ("lower_back" in sites and sites & {"hip", "groin", "buttock", "thigh"}):
        fail("tags", "hip-back-overlap needs pain_sites with lower_back and one of hip, groin, buttock, thigh")
    if "looks-alarming-not-urgent" in tags and result.urgency is not Urgency.ROUTINE:
        fail("tags", "looks-alarming-not-urgent is for cases the engine rates routine")
    if "looks-mild-is-emergency" in tags and result.urgency is not Urgency.EMERGENCY:
        fail("tags", "looks-mild-is-emergency is for cases the engine rates emergency")
    if problems:
        return problems, None
    steps = [("story", "The story", data["narrative"])]
    steps += [(f"stage-{i + 2}", r["title"], r["text"]) for i, r in enumerate(data.get("reveal", []))]
    stages = tuple(
        Stage(sid, title, text, presentation, Urgency(exp["urgency"]), NextStep(exp["next_step"]))
        for sid, title, text in steps
    )
    case = Case(
        id=data["id"],
        title=data["title"],
        level=data["level"],
        learning_objectives=tuple(data["learning_objectives"]),
        narrative=data["narrative"],
        reveal=tuple(RevealStep(r["title"], r["text"]) for r in data.get("reveal", [])),
        presentation=presentation,
        expected_urgency=Urgency(exp["urgency"]),
        expected_next_step=NextStep(exp["next_step"]),
        questions=tuple(
            Question(
                q["id"], q["kind"], q["prompt"],
                tuple(Option(o["id"], o["text"], o["correct"], o["feedback"]) for o in q["options"]),
                after=stages[-1].id,
            )
            for q in data["questions"]
        ),
        teaching_points=tuple(data["teaching_points"]),
        guide_sections=tuple(data["guide_sections"]),
        source=doc.path,
        tags=tuple(tags),
        stages=stages,
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
    problems = _schema_problems(doc)
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


def validate_paths(paths: Sequence[str | Path] | None = None) -> list[Problem]:
    """Every problem in the given case files or directories, including duplicate ids. Never raises."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for f in case_files(paths):
        found, case = check_case(f)
        problems += found
        if case is not None:
            if case.id in seen:
                problems.append(Problem("id", f"duplicate case id {case.id!r} (also in {seen[case.id]})", str(f),
                                        1))
            seen.setdefault(case.id, str(f))
    return problems


def load_cases(directory: str | Path | None = None) -> list[Case]:
    """All cases in ``directory`` (default :func:`cases_dir`), sorted by id; raise on any problem."""
    files = case_files([directory] if directory else None)
    problems = validate_paths(files)
    if problems:
        raise CaseError(problems)
    return sorted((load_case(f) for f in files), key=lambda c: c.id)


@dataclass(frozen=True)
class Coverage:
    """What the case library covers, counted from the files and the engine."""

    total: int
    red_flags: dict[str, int]
    next_steps: dict[str, int]
    levels: dict[str, int]
    tags: dict[str, int]

    def to_markdown(self) -> str:
        def table(title: str, counts: dict[str, int]) -> list[str]:
            rows = [f"| {title} | cases |", "|---|---|"]
            rows += [f"| `{k}` | {v} |" for k, v in counts.items()]
            return [*rows, ""]

        lines = [f"{self.total} cases.", ""]
        lines += table("red flag", self.red_flags)
        lines += table("next step", self.next_steps)
        lines += table("level", self.levels)
        lines += table("tag", self.tags)
        return "\n".join(lines).rstrip() + "\n"


def coverage(cases: Sequence[Case]) -> Coverage:
    """Count red flags (as the engine reports them), next steps, levels and tags."""
    flags = Counter(f for c in cases for f in assess(c.presentation).red_flags)
    steps = Counter(c.expected_next_step.value for c in cases)
    return Coverage(
        total=len(cases),
        red_flags={f.id: flags[f.id] for f in knowledge().red_flags},
        next_steps={s.value: steps[s.value] for s in NextStep},
        levels={lv: sum(c.level == lv for c in cases) for lv in LEVELS},
        tags={t: sum(t in c.tags for c in cases) for t in TAGS},
    )
