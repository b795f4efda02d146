"""What the lessons' own text teaches: the red flags as the engine applies them, in the course's words.

Texts are read from the notebooks and data files as a student sees them; the facts they must state come
from the knowledge base's red flags (data), never from the code that shows the text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
import nbformat
import yaml

from triage.content.glossary import GLOSSARY_FILE
from triage.domain.knowledge import HERE as KNOWLEDGE_DIR

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def markdown(notebook: str) -> str:
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def flat(text: str) -> str:
    return " ".join(text.replace("*", "").split())


def section(text: str, start: str, end: str) -> str:
    text = flat(text)
    return text[text.index(start): text.index(end, text.index(start))]


def red_flag(flag_id: str) -> dict:
    flags = yaml.safe_load((KNOWLEDGE_DIR / "red_flags.yaml").read_text(encoding="utf-8"))
    return next(f for f in flags if f["id"] == flag_id)


def test_past_cancer_with_nerve_symptoms_is_taught_as_an_emergency_in_lesson_03_and_the_glossary():
    """NICE NG234: past cancer with radicular pain or altered feeling suggests spinal cord compression."""
    flag = red_flag("cancer_with_nerve_symptoms")
    assert flag["urgency"] == "emergency" and flag["when"]["any_history"] == ["cancer"]
    text = markdown("03_red_flags.ipynb")
    emergency = section(text, "Emergency department, now", "The same day")
    cancer = next(s for s in emergency.split("- ") if "cancer" in s)
    assert "shooting down a leg" in cancer and "numbness or tingling" in cancer, cancer
    summary = section(text, "Emergency now:", "Same day:")
    assert "past cancer with new shooting leg pain, numbness or tingling" in summary
    same_day = section(text, "Same day:", "How much it hurts")
    assert "without nerve symptoms" in same_day  # past cancer is not "same day" whatever the legs do
    glossary = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8"))
    entry = flat(next(t for t in glossary if t["id"] == "cancer-history")["definition"])
    emergency_sentence = next(s for s in entry.split(". ") if "emergency" in s)
    assert all(w in emergency_sentence for w in ("shooting down a leg", "numbness or tingling")), entry


def course_texts() -> list[tuple[str, str]]:
    """(where, text) for the lessons' markdown, the glossary, the drill and the cases."""
    out = [(p.name, markdown(p.name)) for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]
    glossary = GLOSSARY_FILE.read_text(encoding="utf-8")  # without the `also` lists: names to search by
    out.append((GLOSSARY_FILE.name, re.sub(r"(?m)^\s*also: .*$", "", glossary)))
    out.append(("drill.yaml", (GLOSSARY_FILE.parent / "drill.yaml").read_text(encoding="utf-8")))
    out += [(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "case_studies").glob("[!_]*.yaml"))]
    return out


def test_pain_down_both_legs_is_always_new_pain():
    """The warning sign is new pain down both legs; slow leg ache on walking (stenosis) is not it."""
    problems = []
    for where, text in course_texts():
        text = flat(text)
        for m in re.finditer(r"(?i)\b(pain|sciatica)\b(?:(?! - )[^.;:]){0,25}\bboth legs\b", text):
            before = text[max(0, m.start() - 40): m.start()]
            if not re.search(r"(?i)\b(new|newly|now|suddenly)\b", before + m.group(0)):
                problems.append(f"{where}: ...{before}{m.group(0)}")
    assert not problems, "\n".join(problems)


def test_the_emergency_department_is_never_marked_wrong_where_the_engine_offers_it_the_same_day():
    """Pain with weight loss is urgent, and the guide names the emergency department or urgent care for it.
    A case may prefer that the primary care doctor starts the tests (NICE NG12), but an option that goes
    to the emergency department is then wrong for another reason, and its feedback says the door is not."""
    from triage.content.cases import load_cases
    from triage.domain.engine import assess
    from triage.domain.model import NextStep, Urgency

    checked, problems = 0, []
    for case in load_cases():
        for q in case.questions:
            result = assess(case.stages[case.stage_index(q.after)].presentation)
            offered = result.urgency is Urgency.URGENT and NextStep.EMERGENCY_DEPARTMENT in result.also_consider
            if q.asks or not offered:
                continue
            for o in q.options:
                if not o.correct and "emergency department" in o.text.lower():
                    checked += 1
                    if not re.search(r"(?i)not (a )?wrong (place|door)|acceptable|also (a )?right", flat(o.feedback)):
                        problems.append(f"{case.id}: {q.id}: {o.id}: {o.text}")
    assert checked >= 2 and not problems, "\n".join(problems)


def test_feedback_that_lists_the_emergency_signs_includes_new_pain_down_both_legs():
    from triage.content.cases import load_cases

    problems = []
    for case in load_cases():
        for q in case.questions:
            for o in q.options:
                text = flat(o.feedback).lower()
                lists_signs = "saddle" in text and ("bladder" in text or "bowel" in text) and "weak" in text
                if lists_signs and "emergency department" in text and "both legs" not in text:
                    problems.append(f"{case.id}: {q.id}: {o.id}")
    assert not problems, "\n".join(problems)


def test_every_short_notice_says_which_signs_mean_the_emergency_department_now():
    """First-year students often have back pain themselves: the home page they see first, the static site's,
    the server-full page, the README and the docs carry the one wording of what to do (IF_WORRIED)."""
    from tools.static_site.build import landing_page
    from triage.domain.model import IF_WORRIED
    from triage.serve.handlers import server_full_page
    from triage.serve.landing import install_landing

    assert "go to an emergency department now" in IF_WORRIED and "numbness around the groin" in IF_WORRIED
    env = jinja2.Environment()
    install_landing(env.globals, "name", False)
    template = (ROOT / "share/jupyter/voila/templates/triage/tree-lab.html").read_text(encoding="utf-8")
    home = env.from_string(template.split("{% block body %}")[1].split("{% endblock %}")[0]).render()
    pages = {"home page": home, "static site": landing_page([]), "server full": server_full_page("/")}
    for name, page in pages.items():
        assert flat(html.escape(IF_WORRIED)) in flat(page), name
    for doc in ("README.md", "docs/index.md", "docs/students/index.md"):
        assert flat(IF_WORRIED) in flat((ROOT / doc).read_text(encoding="utf-8").replace("> ", " ")), doc


def test_the_explorers_check_yourself_comes_before_the_app_with_its_answers_folded_away():
    """The app's frame ends with the "Next" link and the glossary, where few read on; and answers printed
    straight under the stories are read before the student has decided."""
    nb = nbformat.read(NOTEBOOKS / "04_triage_explorer.ipynb", as_version=4)
    check = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## Check yourself" in c.source)
    app = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "Explorer()" in c.source)
    assert check < app, "Check yourself must come before the app (and so before its Next link)"
    answers = nb.cells[check + 1]
    assert answers.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in answers.source  # CI reruns it and compares
    [output] = answers.outputs
    shown = "".join(output["data"]["text/html"])
    assert shown.startswith("<details") and shown.endswith("</details>") and "<summary" in shown
    summary = shown.split("<summary")[1].split("</summary>")[0]
    assert "emergency" not in summary.lower() and "Show the answers" in summary
    assert shown.index("</summary>") < shown.index("Weakness:")  # the answers are inside, after the summary


# What the server does not do: print the instructor key when it starts (its terminal may be projected; `make key`
# prints it). Claims that it does, as they were worded.
KEY_PRINTED = re.compile(
    r"key (that )?the server print|key was printed|the server prints when it starts|\(which prints a key\)"
    r"|prints the address, the instructor key|as printed when the server started"
    r"|server prints the address and the \**instructor key", re.I)


def test_no_page_says_the_server_prints_the_instructor_key():
    """The home page, the instructor gate's messages, the notebooks and every doc page say where the key
    comes from (``make key``), never that the server printed it when it started."""
    files = [ROOT / "share/jupyter/voila/templates/triage/tree-lab.html", ROOT / "triage/ui/instructor/gate.py",
             ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted(NOTEBOOKS.glob("*.ipynb"))]
    said = [f"{f.relative_to(ROOT)}: {m.group(0)!r}" for f in files
            for m in [KEY_PRINTED.search(flat(f.read_text(encoding="utf-8").replace('\\n",\n    "', " ")))] if m]
    assert said == []
    template = flat(files[0].read_text(encoding="utf-8"))
    assert "<code>make key</code> prints it" in template
