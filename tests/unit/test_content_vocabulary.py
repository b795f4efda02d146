"""One vocabulary for roles and places in everything a student reads, and option ids that mean one thing.

The course speaks of a primary care doctor, the emergency department, urgent care, a physical therapist,
an orthopedic surgeon and a physiatrist. Other countries' names for them (GP, A&E, physiotherapist,
orthopaedic ...) are taught once, in the glossary entry of the standard term, and nowhere else: a
student who meets "GP" in one case and "primary care doctor" in the next may think they are two places.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import yaml

from triage.content.cases import CASES_DIR, case_files
from triage.content.course import COURSE_FILE
from triage.content.glossary import GLOSSARY_FILE, glossary
from triage.domain.knowledge import HERE as KNOWLEDGE_DIR

ROOT = Path(__file__).resolve().parents[2]
DRILL_FILE = GLOSSARY_FILE.parent / "drill.yaml"

# non-standard word -> (the course's word, the glossary entry whose `also` gives it as another name;
# None for a loose name that no country uses officially)
NON_STANDARD = {
    r"\bGPs?\b": ("primary care doctor", "primary-care"),
    r"(?i)\bgeneral practitioners?\b": ("primary care doctor", "primary-care"),
    r"(?i)\bfamily doctors?\b": ("primary care doctor", "primary-care"),
    r"(?i)\binternists?\b": ("primary care doctor", "primary-care"),
    r"(?i)\bprimary care physicians?\b": ("primary care doctor", "primary-care"),
    r"\bPCPs?\b": ("primary care doctor", "primary-care"),
    r"(?i)\burgent care \(or the emergency department\)": ("urgent care (same day)", None),
    r"(?i)\bemergency rooms?\b": ("emergency department", "emergency-department"),
    r"\bERs?\b": ("emergency department", "emergency-department"),
    r"\bA&E\b": ("emergency department", "emergency-department"),
    r"(?i)\bcasualty\b": ("emergency department", "emergency-department"),
    r"(?i)\bwalk-in (clinic|centre|center)s?\b": ("urgent care", "urgent-care"),
    r"(?i)\bphysiotherap\w*": ("physical therapist / physical therapy", "physical-therapist"),
    r"(?i)\bphysios?\b": ("physical therapist", "physical-therapist"),
    r"(?i)\borthopaedic\w*": ("orthopedic", "orthopedic-surgeon"),
    r"(?i)\bspin(e|al) surgeons?\b": ("orthopedic surgeon", None),
}

# option ids of "where" and "how urgent" questions: the first word names the place or the urgency
STEP_IDS = {"primary_care": "pcp", "emergency_department": "ed", "urgent_care": "sameday",
            "orthopedic_surgeon": "ortho", "physiatrist": "physiatrist", "physical_therapist": "pt",
            "chiropractor": "chiro"}
URGENCY_IDS = {"emergency": "emergency", "urgent": "urgent", "routine": "routine"}


def _case_texts(path: Path) -> Iterator[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    yield "title", data["title"]
    for i, text in enumerate(data["learning_objectives"]):
        yield f"learning_objectives[{i}]", text
    for i, stage in enumerate(data["stages"]):
        yield f"stages[{i}].title", stage["title"]
        yield f"stages[{i}].text", stage["text"]
    for i, q in enumerate(data["questions"]):
        yield f"questions[{i}].prompt", q["prompt"]
        for j, o in enumerate(q["options"]):
            yield f"questions[{i}].options[{j}].text", o["text"]
            yield f"questions[{i}].options[{j}].feedback", o["feedback"]
    for i, text in enumerate(data["teaching_points"]):
        yield f"teaching_points[{i}]", text


def student_texts() -> Iterator[tuple[str, str, str]]:
    """(file, field, text) for every text a student reads in the cases, notebooks, course map and drill."""
    for path in case_files([CASES_DIR]):
        for where, text in _case_texts(path):
            yield path.name, where, text
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                yield path.name, f"cells[{i}]", cell.source
    for i, app in enumerate(yaml.safe_load(COURSE_FILE.read_text(encoding="utf-8"))["apps"]):
        yield COURSE_FILE.name, f"apps[{i}]", f"{app['title']}\n{app['summary']}"
    for i, item in enumerate(yaml.safe_load(DRILL_FILE.read_text(encoding="utf-8"))):
        yield DRILL_FILE.name, f"[{i}].text", item["text"]
    yield from knowledge_texts()


# Fields of the knowledge base that are not read as prose: ids, conditions, outcomes and citations (a
# source is quoted as its authors wrote it).
NOT_PROSE = {"id", "when", "then", "presentation", "guide_section", "kind", "urgency", "next_step",
             "precedence", "value", "sources"}


def knowledge_texts() -> Iterator[tuple[str, str, str]]:
    """(file, field, text) for every text of the knowledge base that an app, the rule table or a handout
    shows: provider names and roles, guide section summaries, red-flag labels and explanations, rule
    reasons and notes, the apps' names for every id, pain sites and the pathway diagram's examples."""
    def walk(value, where: str) -> Iterator[tuple[str, str]]:
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in NOT_PROSE:
                    yield from walk(item, f"{where}.{key}" if where else str(key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from walk(item, f"{where}[{i}]")

    paths = sorted(KNOWLEDGE_DIR.glob("*.yaml"))
    assert {p.stem for p in paths} >= {"providers", "guide_sections", "red_flags", "rules", "labels",
                                       "pain_sites", "pathway_examples"}
    for path in paths:
        for where, text in walk(yaml.safe_load(path.read_text(encoding="utf-8")), ""):
            yield path.name, where, text


def non_standard_words(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Each non-standard role or place word in ``text``, with the word to use instead."""
    for name in allowed:  # a glossary entry may name its own other names
        text = re.sub(re.escape(name), " ", text, flags=re.I)
    return [f"{m.group(0)!r} (say {standard!r})" for pattern, (standard, _) in NON_STANDARD.items()
            for m in re.finditer(pattern, text)]


def test_the_check_finds_each_kind_of_non_standard_word():
    found = non_standard_words("Her GP sent her to A&E, then the emergency room, then a physio and an "
                               "orthopaedic spinal surgeon; a walk-in clinic X-rayed her. ERs are busy. Her "
                               "primary care physician (PCP) sent her to urgent care (or the emergency department).")
    assert len(found) == 11, found
    assert non_standard_words("Her primary care doctor sent her to the emergency department; a physical "
                              "therapist, an orthopedic surgeon and urgent care. GPS watch, ERROR.") == []


def test_the_knowledge_base_texts_are_read_and_ids_and_citations_are_not():
    texts = {(file, where): text for file, where, text in knowledge_texts()}
    assert texts["providers.yaml", "[0].name"] == "Primary care doctor"
    assert ("red_flags.yaml", "[0].label") in texts and ("rules.yaml", "rules[0].reason") in texts
    assert ("labels.yaml", "symptoms.fever.name") in texts and ("guide_sections.yaml", "[1].summary") in texts
    assert not any(".sources" in where or where.endswith(".id") or ".when" in where for _, where in texts)


def test_students_read_one_name_for_each_role_and_place():
    problems = [f"{file}: {where}: {word}" for file, where, text in student_texts()
                for word in non_standard_words(text)]
    assert not problems, "\n".join(problems)


def test_the_glossary_gives_the_other_names_only_under_the_standard_term():
    terms = {t.id: t for t in glossary()}
    problems = []
    for term in terms.values():
        for word in non_standard_words(f"{term.term}\n{term.definition}", term.also):
            problems.append(f"{GLOSSARY_FILE.name}: {term.id}: {word}")
    for pattern, (_, entry) in NON_STANDARD.items():
        if entry is not None and not any(re.search(pattern, name) for name in terms[entry].also):
            problems.append(f"{GLOSSARY_FILE.name}: {entry}: no other name matching {pattern} in `also`")
    assert not problems, "\n".join(problems)


def test_option_ids_mean_the_same_place_or_urgency_in_every_case():
    """``pcp`` is primary care wherever it appears (``pcp-later`` too); a place's id is never a non-place answer."""
    reserved = set(STEP_IDS.values()) | set(URGENCY_IDS.values())
    problems = []
    for path in case_files([CASES_DIR]):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for q in data["questions"]:
            for o in q["options"]:
                first = o["id"].split("-")[0]
                where = f"{path.name}: {q['id']}: {o['id']}"
                if "step" in o and first != STEP_IDS[o["step"]]:
                    problems.append(f"{where}: sends to {o['step']}, so its id starts with {STEP_IDS[o['step']]!r}")
                elif "urgency" in o and first != URGENCY_IDS[o["urgency"]]:
                    problems.append(f"{where}: claims {o['urgency']}, so its id starts with {o['urgency']!r}")
                elif "step" not in o and "urgency" not in o and first in reserved:
                    problems.append(f"{where}: {first!r} names a place or urgency, but this option has none")
    assert not problems, "\n".join(problems)
