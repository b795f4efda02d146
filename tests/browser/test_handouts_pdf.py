"""The printed handouts: real PDFs from Debian's Chromium, read back with poppler-utils.

Every case of the library is printed once per session in one browser (A4), plus two made-up cases
(one with HTML in every text, one whose facts change over four stages) and one case in US Letter.
Text is compared against the case files, the knowledge base and the engine, never against the
renderer. Page bounds: a student sheet fits on at most 3 pages, an instructor key on at most 6, the
reference card on exactly 1.
"""

from __future__ import annotations

import re

import pytest
from support.handouts_support import INJECTED, html_case, page_sizes, pdf_pages, squash, staged_case

from triage.content.cases import load_cases
from triage.domain.engine import assess
from triage.domain.knowledge import knowledge
from triage.domain.model import DISCLAIMER
from triage.domain.vocabulary import vocabulary
from triage.outputs.fragments import change_text, each_reason_once
from triage.outputs.handouts import A4, LETTER, build_handouts
from triage.outputs.handouts.pdf import PdfPrinter

pytestmark = pytest.mark.browser
STUDENT_MAX_PAGES = 3
KEY_MAX_PAGES = 7  # three stages, each with the engine's rules and every what-if (the vocabulary has grown)
A4_PT, LETTER_PT = (595.28, 841.89), (612.0, 792.0)


@pytest.fixture(scope="session")
def printed(tmp_path_factory):
    """One browser prints everything: the library (A4, combined files), the made-up cases, one case in Letter."""
    cases = load_cases()
    dirs = {name: tmp_path_factory.mktemp(name) for name in ("a4", "extra", "staged-pages", "letter")}
    with PdfPrinter() as printer:
        build_handouts(cases, dirs["a4"], A4, printer=printer)
        build_handouts([html_case(), staged_case()], dirs["extra"], A4, printer=printer, combined=False)
        build_handouts([staged_case()], dirs["staged-pages"], A4, printer=printer, combined=False, stage_pages=True)
        build_handouts(cases[:1], dirs["letter"], LETTER, printer=printer, combined=False)
    return cases, dirs


@pytest.fixture(scope="session")
def texts(printed):
    """Page texts of every PDF written, by path (each file read once)."""
    _, dirs = printed
    return {pdf: pdf_pages(pdf) for d in dirs.values() for pdf in sorted(d.glob("*.pdf"))}


def whole(pages: list[str]) -> str:
    return squash("".join(pages))


def sheet(group, case) -> str:
    """The student sheet's file name: the case's number in the run (by default its place, from 1)."""
    return f"case-{[c.id for c in group].index(case.id) + 1:02d}.pdf"


def test_every_case_has_a_student_sheet_and_a_key_in_pdf_and_html(printed):
    cases, dirs = printed
    names = {p.name for p in dirs["a4"].iterdir()}
    for c in cases:
        student = sheet(cases, c)
        assert {student, f"{c.id}-key.pdf", student.replace(".pdf", ".html"), f"{c.id}-key.html"} <= names, c.id
        assert f"{c.id}.pdf" not in names  # the file handed to students does not name the twist
    assert {"reference_card.pdf", "all_student_sheets.pdf", "all_keys.pdf", "class_index.html"} <= names


def test_student_sheets_have_every_question_and_option_and_no_answers(printed, texts):
    cases, dirs = printed
    for c in cases:
        text = whole(texts[dirs["a4"] / sheet(cases, c)])
        number = int(sheet(cases, c)[5:7])
        assert squash(f"Case {c.id}") not in text and squash(f"Case {number} ·") in text, \
            f"{c.id}: the case id (it names the twist) printed for students instead of its number"
        for q in c.questions:
            assert squash(q.prompt) in text, f"{c.id}: question {q.id} missing"
            for o in q.options:
                assert squash(o.text) in text, f"{c.id}: option {q.id}/{o.id} missing"
                assert squash(o.feedback) not in text, f"{c.id}: feedback of {q.id}/{o.id} printed for students"
        for secret in (*c.teaching_points, *c.learning_objectives):
            assert squash(secret) not in text, f"{c.id}: {secret!r} printed for students"
        for stage in c.stages:
            for hit in assess(stage.presentation).trace:
                assert squash(hit.reason) not in text, f"{c.id}: the engine's reasoning printed for students"


def test_keys_have_answers_feedback_teaching_points_and_the_engine_per_stage(printed, texts):
    cases, dirs = printed
    kb = knowledge()
    voc = vocabulary()
    for c in cases:
        text = whole(texts[dirs["a4"] / f"{c.id}-key.pdf"])
        assert squash(c.id) in text and squash(sheet(cases, c).removesuffix(".pdf")) in text
        for q in c.questions:
            assert squash(q.prompt) in text
            for o in q.options:
                assert squash(o.text) in text and squash(o.feedback) in text, f"{c.id}: {q.id}/{o.id}"
        for point in (*c.teaching_points, *c.learning_objectives):
            assert squash(point) in text, c.id
        final = assess(c.stages[-1].presentation)
        assert squash(kb.provider(final.next_step).name) in text
        for hit in each_reason_once(final).trace:  # a flag repeated by a narrower one that fired is shown once
            # by its name; the id only after it, small, for looking the rule up
            name, rid = squash(voc.rule(hit.rule_id)), squash(hit.rule_id)
            assert name in text and squash(kb.section(hit.guide_section).title) in text, c.id
            printed_id = re.search(re.escape(rid) + r"(?!_)", text)  # not the start of a longer id
            assert printed_id and name in text[:printed_id.start()], (c.id, hit.rule_id)
        raw = "".join(texts[dirs["a4"] / f"{c.id}-key.pdf"])
        assert "->" not in raw and "Rests on: Rule" not in raw, c.id  # what changed is a sentence, not a diff
        assert not re.search(r"\b0\.\d+ weeks?\b", raw), c.id  # under a week in days
        assert not re.search(r"\b(?:decides|overridden|note)\n", raw), c.id  # effects in words
        for change in final.what_would_change:
            # in the words the apps use (labels.yaml); the key also lists rule ids, so ids are checked in tests/unit
            assert squash(change_text(change)) in text, c.id


def test_stages_print_in_order_with_their_questions_and_the_engines_disposition(printed, texts):
    _, dirs = printed
    case = staged_case()
    kb = knowledge()
    student = whole(texts[dirs["extra"] / sheet([html_case(), staged_case()], case)])
    key = whole(texts[dirs["extra"] / f"{case.id}-key.pdf"])
    for text in (student, key):
        positions = []
        for i, stage in enumerate(case.stages):
            positions.append(text.index(squash(stage.text)))
            positions += [text.index(squash(q.prompt)) for q in case.questions_at(i)]
        assert positions == sorted(positions), "a question printed before its stage, or stages out of order"
    for i, stage in enumerate(case.stages):  # between one stage and the next, the key names that stage's result
        start = key.index(squash(stage.text))
        end = key.index(squash(case.stages[i + 1].text)) if i + 1 < len(case.stages) else len(key)
        a = assess(stage.presentation)
        assert squash(f"{a.urgency.value.upper()}") in key[start:end]
        assert squash(kb.provider(a.next_step).name) in key[start:end], f"stage {stage.id}"


def test_page_counts_are_bounded(printed, texts):
    _, dirs = printed
    for pdf, pages in texts.items():
        if pdf.name.startswith("all_"):
            continue
        if pdf.name == "reference_card.pdf":
            assert len(pages) == 1, f"{pdf}: the reference card must fit one page"
        elif pdf.name.endswith("-key.pdf"):
            assert 1 <= len(pages) <= KEY_MAX_PAGES, f"{pdf.name}: {len(pages)} pages"
        elif pdf.parent != dirs["staged-pages"]:
            assert 1 <= len(pages) <= STUDENT_MAX_PAGES, f"{pdf.name}: {len(pages)} pages"


def test_every_page_carries_the_notice_and_its_page_number(texts):
    notice = squash(DISCLAIMER)
    for pdf, pages in texts.items():
        for n, page in enumerate(pages, 1):
            text = squash(page)
            assert notice in text, f"{pdf.name} page {n}: no educational-use notice"
            assert f"Page{n}of{len(pages)}" in text, f"{pdf.name} page {n}: no page number"


def test_every_page_of_a_case_names_the_case_and_whether_it_is_the_key(printed, texts):
    cases, dirs = printed
    for folder, group in (("a4", cases), ("extra", [html_case(), staged_case()])):
        for c in group:
            for name, marker in ((sheet(group, c), "Student sheet"), (f"{c.id}-key.pdf", "not for students")):
                for n, page in enumerate(texts[dirs[folder] / name], 1):
                    assert squash(c.title) in squash(page) and squash(marker) in squash(page), f"{name} page {n}"


def test_combined_student_file_starts_every_case_on_its_own_page(printed, texts):
    cases, dirs = printed
    pages = [squash(p) for p in texts[dirs["a4"] / "all_student_sheets.pdf"]]
    for c in cases:
        starts = [i for i, p in enumerate(pages) if squash(c.title) in p]
        assert starts, f"{c.id} missing from the combined file"
        others = [o.title for o in cases if o.id != c.id and squash(o.title) in pages[starts[0]]]
        assert not others, f"{c.id} shares a page with {others}"
    assert whole(texts[dirs["a4"] / "all_keys.pdf"]).count(squash(DISCLAIMER)) >= len(cases)


def test_stage_pages_option_starts_every_stage_on_a_new_page(printed, texts):
    _, dirs = printed
    case = staged_case()
    pages = [squash(p) for p in texts[dirs["staged-pages"] / sheet([case], case)]]
    for stage in case.stages:
        holding = [i for i, p in enumerate(pages) if squash(stage.text) in p]
        assert len(holding) == 1
    assert len({i for s in case.stages for i, p in enumerate(pages) if squash(s.text) in p}) == len(case.stages)


def test_html_in_case_text_is_printed_as_text(printed, texts):
    _, dirs = printed
    case = html_case()
    for name in (sheet([case, staged_case()], case), f"{case.id}-key.pdf"):
        text = whole(texts[dirs["extra"] / name])
        assert squash(INJECTED) in text
        assert squash("<h1>Kwame</h1> & <script>x()</script>") in text
        assert squash(f"<marquee>{INJECTED}</marquee>") in text


def test_the_reference_card_has_the_pathway_red_flags_and_providers(printed, texts):
    _, dirs = printed
    kb = knowledge()
    for d in ("a4", "letter"):
        text = whole(texts[dirs[d] / "reference_card.pdf"])
        for flag in kb.red_flags:
            assert squash(flag.label) in text and squash(flag.signals) in text
        for p in kb.providers:
            assert squash(p.name) in text and squash(p.reached_when) in text
        assert squash("Low back or") in text and squash("after conservative care") in text  # the diagram's labels


@pytest.mark.parametrize(("folder", "size"), [("a4", A4_PT), ("extra", A4_PT), ("letter", LETTER_PT)])
def test_paper_size_is_the_one_asked_for(printed, folder, size):
    _, dirs = printed
    pdfs = sorted(dirs[folder].glob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        sizes = page_sizes(pdf)
        assert sizes, pdf.name
        for w, h in sizes:
            assert abs(w - size[0]) < 1.5 and abs(h - size[1]) < 1.5, f"{pdf.name}: {w} x {h} pt"


def test_the_keys_of_children_who_will_not_stand_print_what_their_stories_say(printed, texts):
    """A clinical teacher's findings: Ava is 22 months (not "Age 1"), and neither key keys a child who will not
    stand as routine once the fever is taken away."""
    _, dirs = printed
    ava = whole(texts[dirs["a4"] / "toddler-will-not-stand-key.pdf"])
    assert squash("Known now: Age 22 months;") in ava and squash("Age 1;") not in ava
    assert squash("Symptoms: cannot stand or put weight on the leg") in ava
    leo = whole(texts[dirs["a4"] / "child-limp-knee-key.pdf"])
    assert squash("URGENT, Urgent care (same day): without a fever") in leo
    assert squash("ROUTINE, Primary care doctor: without") not in leo
