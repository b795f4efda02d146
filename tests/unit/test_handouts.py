"""Handouts without a browser: what each sheet holds (content), the HTML (escaping), files and the CLI.

The PDFs themselves are checked in tests/browser/test_handouts_pdf.py.
"""

from __future__ import annotations

import asyncio
import html
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support.handouts_support import INJECTED, html_case, staged_case

from triage.cli import main
from triage.content.cases import load_cases
from triage.domain.engine import assess
from triage.domain.knowledge import knowledge
from triage.domain.model import DISCLAIMER
from triage.domain.vocabulary import vocabulary
from triage.errors import HandoutError
from triage.outputs.handouts import A4, LETTER, build_handouts
from triage.outputs.handouts.chromium import chromium_path, find_chromium
from triage.outputs.handouts.content import card_view, case_view, paragraphs, presentation_diff
from triage.outputs.handouts.pdf import PdfPrinter
from triage.outputs.handouts.render import css_string, render_card, render_key, render_student

CASES = Path(__file__).resolve().parents[2] / "case_studies"


@pytest.fixture(scope="module")
def cases():
    return load_cases()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(page: str) -> str:
    """What a reader of the HTML sees (entities decoded, whitespace collapsed), style sheet included."""
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def norm(text: str) -> str:
    return " ".join(text.split())


# -- content: stages, questions, the engine per stage ----------------------------------------------

def test_questions_sit_under_the_stage_after_which_they_are_asked():
    case = staged_case()
    view = case_view(case)
    for i, stage in enumerate(view.stages):
        assert [q.prompt for q in stage.questions] == [q.prompt for q in case.questions_at(i)]
    assert [q.number for s in view.stages for q in s.questions] == [1, 2, 3, 4]


def test_library_cases_keep_every_question_once_in_stage_order(cases):
    for case in cases:
        view = case_view(case)
        printed = [q.prompt for s in view.stages for q in s.questions]
        expected = [q.prompt for i in range(len(case.stages)) for q in case.questions_at(i)]
        assert printed == expected and len(printed) == len(case.questions), case.id


def test_engine_view_per_stage_is_the_engines_assessment_of_that_stage():
    case = staged_case()
    kb = knowledge()
    view = case_view(case)
    for stage, sv in zip(case.stages, view.stages, strict=True):
        a = assess(stage.presentation)
        assert (sv.engine.urgency, sv.engine.next_step) == (a.urgency.value.upper(), kb.provider(a.next_step).name)
        assert [r.rule_id for r in sv.engine.rules] == [h.rule_id for h in a.trace]
        printed_edits = {e for g in sv.engine.changes for e in g.edits}
        assert len(printed_edits) == len(a.what_would_change)
    assert [s.engine.changed for s in view.stages] == [False, True, True, False]
    # stage 3 and 4 have the same facts: stage 3 prints one line, stage 4 the full explanation
    assert [s.engine.full for s in view.stages] == [True, True, False, True]


def test_what_changed_between_stages_is_listed_in_words():
    case = staged_case()
    assert presentation_diff(case.stages[1].presentation, case.stages[2].presentation) == ("fever",)
    diff = presentation_diff(case.stages[0].presentation, case.stages[1].presentation)
    assert diff == ("pain for 9 weeks (it was 2 weeks)", "conservative care tried for 8 weeks (none before)")


def test_durations_under_a_week_are_days_and_ages_under_2_are_months():
    from triage.domain.model import Presentation
    from triage.outputs.handouts.content import describe_presentation

    def known(**kw):
        return describe_presentation(Presentation(pain_sites=["leg"], **kw))

    assert "Pain for 2 days; no conservative care tried yet" in known(age=6, duration_weeks=0.3)
    assert "Pain for 1 day; no conservative care tried yet" in known(age=6, duration_weeks=0.1)
    assert "Pain since today; no conservative care tried yet" in known(age=6, duration_weeks=0)
    assert "Pain for 10 days; conservative care tried for 1 week" in known(
        age=40, duration_weeks=1.4, conservative_care_weeks=1)
    assert "Pain for 12 weeks; conservative care tried for 8 weeks" in known(
        age=40, duration_weeks=12, conservative_care_weeks=8)
    assert known(age=1, duration_weeks=0.1)[0] == "Age 1 year (12 to 23 months)"
    p = Presentation(pain_sites=["leg"], age=1, duration_weeks=0.1)
    assert describe_presentation(p, age_months=22)[0] == "Age 22 months"
    before, after = p, Presentation(pain_sites=["leg", "hip"], age=1, duration_weeks=0.4, symptoms=["fever"])
    assert presentation_diff(before, after) == (
        "fever", "pain in the hip (outer and front)", "pain for 3 days (it was 1 day)")


def test_the_keys_read_as_a_clinical_teacher_writes(cases):
    """Rule names and plain sentences; a rule id only small, after its name, for looking it up."""
    voc = vocabulary()
    rule_id = re.compile(r"\b(?:RF|PC|REF|NOTE)-[A-Za-z0-9_-]+")
    small_id = re.compile(r'<span class="rule-id">([^<]*)</span>')
    for case in cases:
        view = case_view(case)
        for stage in view.stages:
            for r in stage.engine.rules:
                assert r.name == voc.rule(r.rule_id) and r.effect in voc.effects.values(), (case.id, r)
        page = render_key(view, A4)
        for name, rid in re.findall(r'<span class="rule-name">([^<]*)</span>\s*<span class="rule-id">([^<]*)</span>',
                                    page):
            assert html.unescape(name) == voc.rule(rid), (case.id, rid)
        read = text_of(small_id.sub("", page))
        assert not rule_id.findall(read), (case.id, rule_id.findall(read))
        assert not re.findall(r"\b[a-z]+_[a-z_]+\b", read), (case.id, re.findall(r"\b[a-z]+_[a-z_]+\b", read))
        assert "->" not in read and not re.search(r"\b0\.\d+ weeks?\b", read), case.id
        for word in ("decides", "overridden", "note"):  # the effect column says what the rule did, in words
            assert f"<td>{word}</td>" not in page, case.id
    ava = next(c for c in cases if c.id == "toddler-will-not-stand")
    known = case_view(ava).stages[0].engine.known
    assert known[0] == "Age 22 months" and "Age 1" not in known


def test_a_question_naming_no_stage_is_refused_with_the_case_and_field():
    case = staged_case()
    broken = replace(case, questions=(replace(case.questions[0], after="nowhere"),))
    with pytest.raises(HandoutError) as err:
        case_view(broken)
    assert err.value.field == "questions[0].after" and "staged-synthetic" in str(err.value)
    with pytest.raises(HandoutError, match="no stages"):
        case_view(replace(case, stages=()))


def test_paragraphs_join_wrapped_lines_and_split_on_blank_lines():
    assert paragraphs("one\ntwo\n\n three  \n") == ("one two", "three")


def test_card_lists_every_red_flag_and_provider_from_the_knowledge_base():
    kb = knowledge()
    card = card_view()
    assert sorted(f.label for g in card.red_flags for f in g.flags) == sorted(f.label for f in kb.red_flags)
    for g in card.red_flags:
        assert {f.urgency.value.upper() for f in kb.red_flags if f.label in {r.label for r in g.flags}} == {g.urgency}
    assert [p.name for p in card.providers] == [p.name for p in kb.providers]


# -- HTML: what each sheet shows, escaping -----------------------------------------------------------

def test_student_html_has_questions_and_options_but_no_answers(cases):
    for case in cases:
        page = render_student(case_view(case), A4)
        text = text_of(page)
        for q in case.questions:
            assert norm(q.prompt) in text, case.id
            for o in q.options:
                assert norm(o.text) in text
                assert norm(o.feedback) not in text, f"{case.id}: feedback leaked into the student sheet"
        for point in (*case.teaching_points, *case.learning_objectives):
            assert norm(point) not in text
        assert 'class="verdict"' not in page and 'class="engine' not in page


def test_key_html_has_answers_feedback_and_teaching_points(cases):
    for case in cases:
        text = text_of(render_key(case_view(case), A4))
        for q in case.questions:
            assert norm(q.prompt) in text
            for o in q.options:
                assert norm(o.feedback) in text, case.id
        for point in (*case.teaching_points, *case.learning_objectives):
            assert norm(point) in text
        # the objectives come after the case, with the teaching points: read first, they give its turns away
        last_story = norm(paragraphs(case.stages[-1].text)[-1])
        for objective in case.learning_objectives:
            assert text.index(last_story) < text.index(norm(objective)), case.id


def test_key_names_the_knowledge_base_entries_each_option_rests_on():
    kb = knowledge()
    case = staged_case()
    key, student = text_of(render_key(case_view(case), A4)), text_of(render_student(case_view(case), A4))

    def after_feedback(q):  # the key's text from the first option's feedback to the second option
        start = key.index(norm(q.options[0].feedback))
        return key[start:key.index(norm(q.options[1].text), start)]

    rule = next(r for r in kb.rules if r.id == "PC-START")
    fever = next(f for f in kb.red_flags if f.id == "fever")
    first, last = after_feedback(case.questions[0]), after_feedback(case.questions[3])
    assert kb.provider("primary_care").name in first and vocabulary().rule(rule.id) in first and rule.id not in first
    assert kb.section(rule.guide_section).title in first
    assert fever.label in last and fever.label not in first
    assert "PC-START" not in student and fever.label not in student


def test_html_in_case_text_is_escaped_everywhere():
    view = case_view(html_case())
    for page in (render_student(view, A4), render_key(view, A4)):
        assert "<script" not in page and "<marquee" not in page and "<img" not in page and "<u>" not in page
        text = text_of(page)
        assert INJECTED in text and "<h1>Kwame</h1> & <script>x()</script>" in text


def test_text_for_the_page_margins_is_escaped_for_css():
    tricky = 'A "quote" \\ back</style><script>x()</script>\nnew line'
    value = str(css_string(tricky))
    assert value.startswith('"') and value.endswith('"')
    assert not any(c in value[1:-1] for c in '"<>\n')
    assert "\\3c " in value and "\\22 " in value and "\\5c " in value
    page = render_student(case_view(html_case()), A4)
    assert page.count("</style>") == 1 and page.count("<style>") == 1


def test_pages_carry_the_notice_and_the_chosen_paper_size():
    view = case_view(staged_case())
    for page in (render_student(view, LETTER), render_key(view, LETTER), render_card(LETTER)):
        assert DISCLAIMER in text_of(page)
        assert "size: letter" in page
    assert "size: A4" in render_card(A4)


def test_card_html_has_the_pathway_diagram_with_its_alt_text():
    page = render_card(A4)
    assert "<svg" in page and "<desc" in page and 'role="img"' in page


# -- files and names -------------------------------------------------------------------------------

def test_html_only_build_writes_sheets_keys_card_index_and_combined_files(tmp_path, cases):
    result = build_handouts(cases[:3], tmp_path, A4, pdf=False)
    names = {p.name for p in result.files}
    for number, c in enumerate(cases[:3], start=1):
        assert {f"case-0{number}.html", f"{c.id}-key.html"} <= names
    assert {"reference_card.html", "all_student_sheets.html", "all_keys.html", "class_index.html"} <= names
    assert not any(n.endswith(".pdf") for n in names)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)  # nothing half-written left behind
    index = (tmp_path / "class_index.html").read_text(encoding="utf-8")
    assert all(f'href="{c.id}-key.html"' in index for c in cases[:3]) and ".pdf" not in index
    assert all(f'href="case-0{n}.html"' in index for n in (1, 2, 3))


def test_student_sheets_never_print_the_case_id_which_names_the_twist(tmp_path, cases):
    """Ids such as leaking-blamed-on-age give the case away; the sheet and its file carry a number instead."""
    picked = [c for c in cases if c.id in ("leaking-blamed-on-age", "early-cauda-equina-urine", "hip-oa-grandfather")]
    build_handouts(picked, tmp_path, A4, pdf=False)
    for number, c in enumerate(picked, start=1):
        sheet = (tmp_path / f"case-0{number}.html").read_text(encoding="utf-8")
        assert c.id not in sheet and f"Case {number} " in sheet
        key = (tmp_path / f"{c.id}-key.html").read_text(encoding="utf-8")
        assert c.id in key and f"case-0{number}" in key  # the key says which sheet is this case's
    combined = (tmp_path / "all_student_sheets.html").read_text(encoding="utf-8")
    assert not any(c.id in combined for c in picked)
    assert not any(p.name.startswith(tuple(c.id + "." for c in picked)) for p in tmp_path.iterdir())


def test_a_case_id_that_would_overwrite_another_cases_key_is_refused(tmp_path):
    case = staged_case()
    with pytest.raises(HandoutError, match="overwrite the instructor key"):
        build_handouts([case, replace(case, id="staged-synthetic-key")], tmp_path, pdf=False)


def test_an_unwritable_output_folder_is_reported_by_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(HandoutError) as err:
        build_handouts([staged_case()], blocker / "out", pdf=False)
    assert err.value.file == str(blocker / "out")


# -- chromium discovery ----------------------------------------------------------------------------

def test_chromium_is_found_among_the_places_given_and_missing_is_a_clear_error(tmp_path):
    binary = tmp_path / "chromium"
    binary.write_text("")
    assert find_chromium([None, str(tmp_path / "absent"), str(binary)]) == str(binary)
    with pytest.raises(HandoutError, match="apt-get install -y chromium"):
        chromium_path([str(tmp_path / "absent")])


def test_triage_chromium_variable_comes_first(tmp_path, monkeypatch):
    binary = tmp_path / "my-chromium"
    binary.write_text("")
    monkeypatch.setenv("TRIAGE_CHROMIUM", str(binary))
    assert find_chromium() == str(binary)


def test_pdfs_asked_for_inside_an_event_loop_give_a_clear_error():
    """A notebook cell runs inside asyncio, where Playwright's sync API cannot work."""

    async def in_a_loop():
        with PdfPrinter():
            pass

    with pytest.raises(HandoutError, match="make handouts"):
        asyncio.run(in_a_loop())


# -- CLI ---------------------------------------------------------------------------------------------

def test_cli_writes_one_case_in_html(tmp_path, capsys, cases):
    """A one-case run numbers the sheet as a full run would: its place among the case files by name."""
    files = sorted(p.stem for p in CASES.glob("*.yaml") if not p.name.startswith("_"))
    target = "hip-oa-grandfather"
    sheet = f"case-{files.index(target) + 1:02d}"
    assert main(["handouts", "--case", target, "--html-only", "--paper", "letter", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{sheet}.html", f"{target}-key.html", "reference_card.html"])
    out = capsys.readouterr().out
    assert "US Letter" in out and f"{target}: student sheet {sheet}" in out
    assert "size: letter" in (tmp_path / f"{sheet}.html").read_text(encoding="utf-8")


def test_cli_unknown_case_exits_2_listing_valid_ids(tmp_path, capsys, cases):
    assert main(["handouts", "--case", "no-such-case", "--html-only", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no-such-case" in err and cases[0].id in err
    assert not list(tmp_path.iterdir())


def test_cli_rejects_an_unknown_paper_size(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["handouts", "--paper", "a3"])
    assert exit_.value.code == 2 and "a4" in capsys.readouterr().err


def test_output_folder_is_git_ignored():
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text(encoding="utf-8").split()
    assert "handouts/" in ignored or "/handouts/" in ignored


def test_history_is_listed_with_the_presentation_and_its_changes():
    from triage.domain.model import Presentation
    from triage.outputs.handouts.content import describe_presentation

    before = Presentation(pain_sites=["lower_back"], duration_weeks=2, age=60)
    after = Presentation(pain_sites=["lower_back"], duration_weeks=2, age=60, history=["cancer", "osteoporosis"])
    assert "History: cancer at any time in the past, osteoporosis (thin, fragile bones)" in describe_presentation(after)
    assert not any(line.startswith("History") for line in describe_presentation(before))
    assert presentation_diff(before, after) == ("cancer at any time in the past", "osteoporosis (thin, fragile bones)")


def test_the_key_reads_the_fall_case_in_a_teachers_words_and_gives_each_reason_once(cases):
    """Rose cannot stand after her fall: the key names the injury's flag once (not also the same-day flag
    it contains), and what would change the result is worded as the apps word it, never as an id."""
    case = next(c for c in cases if c.id == "night-fall-on-the-floor")
    view = case_view(case)
    call, floor = view.stages[0].engine, view.stages[1].engine
    assert [f for f in floor.red_flags if f.startswith("Cannot stand")] == [
        "Cannot stand or put weight on the leg after an injury, even a minor one"]
    assert [r.rule_id for r in floor.rules if "bear_weight" in r.rule_id] == ["RF-injury_cannot_bear_weight"]
    emergency = next(g for g in call.changes if g.urgency == "EMERGENCY")
    assert "if the person could not stand or put any weight on the leg" in emergency.edits
    assert "if the person could not stand or put any weight on the leg" in text_of(render_key(view, A4))
    voc = vocabulary()
    named = {**voc.symptoms, **voc.findings, **voc.history, **voc.trauma}  # labels.yaml: the words a student reads
    id_words = {i.replace("_", " ") for i, label in named.items()
                if "_" in i and i.replace("_", " ") not in f"{label.name} {label.phrase}".lower()}
    for c in cases:  # no key anywhere words a change as an id ("with the symptom saddle numbness progressive")
        edits = [e for s in case_view(c).stages for g in s.engine.changes for e in g.edits]
        assert not [e for e in edits if "with the symptom" in e or any(w in e for w in id_words)], c.id
