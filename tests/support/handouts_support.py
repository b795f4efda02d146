"""Shared pieces of the handout tests: two made-up cases and PDF text/size readers (poppler-utils)."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from triage.content.cases import Case, Option, Question, Ref, Stage, load_case
from triage.domain.engine import assess
from triage.domain.model import Presentation

ROOT = Path(__file__).resolve().parents[2]
BASE_CASE = ROOT / "case_studies" / "hip-oa-grandfather.yaml"
INJECTED = '<script>alert("handout")</script> <b>bold</b> & <img src=x onerror=alert(1)>'


def _stage(sid: str, title: str, text: str, p: Presentation) -> Stage:
    a = assess(p)
    return Stage(sid, title, text, p, a.urgency, a.next_step)


def _question(qid: str, after: str, prompt: str, options: list[tuple[str, bool]]) -> Question:
    return Question(qid, "single", prompt, tuple(
        Option(f"o{i}", text, correct, f"Feedback {qid}-{i}: why {text.lower()} is {'right' if correct else 'wrong'}.")
        for i, (text, correct) in enumerate(options)), after=after)


def staged_case() -> Case:
    """Four stages whose facts change (routine -> physiatrist -> urgent), one question after each."""
    base = load_case(BASE_CASE)
    p1 = Presentation(age=51, pain_sites=["lower_back"], duration_weeks=2)
    p2 = Presentation(age=51, pain_sites=["lower_back"], duration_weeks=9, conservative_care_weeks=8)
    p3 = Presentation(age=51, pain_sites=["lower_back"], duration_weeks=9, conservative_care_weeks=8,
                      symptoms=["fever"])
    stages = (
        _stage("story", "First visit", "Sam has had an aching lower back for two weeks after moving house.", p1),
        _stage("later", "Eight weeks on", "Rest, gentle walking and pain relief have not settled the ache.", p2),
        _stage("fever", "A phone call", "Sam rings the practice: since yesterday there is a fever with the pain.", p3),
        _stage("exam", "At the clinic", "The clinician examines Sam and finds a temperature and a sore spine.", p3),
    )
    questions = (
        _question("q-first", "story", "Where should Sam start?", [("Primary care", True), ("A surgeon", False)]),
        _question("q-later", "later", "What happens after weeks of care that failed?",
                  [("A referral on", True), ("Nothing", False)]),
        _question("q-fever", "fever", "What does the fever change?", [("Same-day care", True), ("Nothing", False)]),
        _question("q-exam", "exam", "Who should see Sam today?", [("Urgent care", True), ("A chiropractor", False)]),
    )
    first = questions[0]
    refs = (Ref("provider", "primary_care"), Ref("rule", "PC-START"))
    questions = (replace(first, options=(replace(first.options[0], refs=refs), *first.options[1:])),
                 *questions[1:3],
                 replace(questions[3], options=(replace(questions[3].options[0], refs=(Ref("red_flag", "fever"),)),
                                                *questions[3].options[1:])))
    return replace(base, id="staged-synthetic", title="Sam: a back that changes its story", stages=stages,
                   questions=questions, learning_objectives=("Repeat triage when the story changes",),
                   teaching_points=("Triage is repeated at every new piece of information.",), tags=())


def html_case() -> Case:
    """A library case whose every printed text carries HTML that must appear as text."""
    base = load_case(BASE_CASE)
    stages = tuple(replace(s, title=f"{s.title} <i>{i}</i>", text=f"{s.text} {INJECTED}")
                   for i, s in enumerate(base.stages))
    q = base.questions[0]
    options = tuple(replace(o, text=f"{o.text} <u>{o.id}</u>", feedback=f"{o.feedback} <em>fb-{o.id}</em>")
                    for o in q.options)
    question = replace(q, prompt=f"{q.prompt} <marquee>{INJECTED}</marquee>", options=options)
    return replace(base, id="html-in-text", title="<h1>Kwame</h1> & <script>x()</script>", stages=stages,
                   questions=(question,), teaching_points=(*base.teaching_points, f"Point {INJECTED}"))


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: install Debian's poppler-utils (apt-get install -y poppler-utils); "
                    "`.ci/run` does this when it is missing", pytrace=False)
    return found


def pdf_pages(path: Path) -> list[str]:
    """The text of every page in drawing order (-raw keeps the diagram apart from the column beside it;
    pdftotext ends each page with a form feed)."""
    out = subprocess.run([_tool("pdftotext"), "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return out.split("\f")[:-1]


def page_sizes(path: Path) -> list[tuple[float, float]]:
    """Width and height in points of every page (pdfinfo)."""
    info = subprocess.run([_tool("pdfinfo"), "-f", "1", "-l", "9999", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def squash(text: str) -> str:
    """Text for containment checks: no whitespace and no hyphens (line wrapping differs, and pdftotext joins
    a word hyphenated at a line end), ligatures unfolded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).replace("-", "").replace("\u00ad", "")
