"""Pathway app, provider comparison, rule table and hip/back map: names not ids, answers on request."""

import re
import xml.etree.ElementTree as ET
from html import unescape

from support.ui_support import html_of, make_context

from triage.content.cases import load_cases
from triage.domain.knowledge import knowledge
from triage.domain.model import PainSite
from triage.domain.vocabulary import vocabulary
from triage.ui import HipBackMap, PathwayApp, ProviderComparison, RuleTable
from triage.ui.student.hip_back import body_svg
from triage.ui.student.pathway import pathway_examples

NS = "{http://www.w3.org/2000/svg}"


def test_pathway_app_hides_the_route_until_asked():
    app = PathwayApp(context=make_context())
    assert 'class="node on"' not in app.diagram.value
    assert app.show.disabled
    app.picker.value = "p-stiff-joint"
    assert "locked and stiff" in app.story.value
    assert 'class="node on"' not in app.diagram.value and app.caption.value == ""
    app.show.click()
    assert 'class="node on" data-node="chiropractor"' in app.diagram.value
    assert "next step: <strong>Chiropractor</strong>" in app.caption.value
    app.picker.value = "p-worn-hip"  # a new example hides the route again
    assert 'class="node on"' not in app.diagram.value and not app.shown


def test_pathway_examples_are_not_case_studies_or_drill_scenarios():
    from triage.content.drill import scenarios

    examples = pathway_examples()
    case_texts = " ".join(c.narrative for c in load_cases()).lower()
    assert {e.id for e in examples}.isdisjoint({s.id for s in scenarios()} | {c.id for c in load_cases()})
    for e in examples:
        assert e.text.lower()[:40] not in case_texts
    assert len({e.assessment.next_step for e in examples}) >= 6  # they cover the pathway's branches


def test_provider_comparison_switches_pairs_and_labels_cells_for_the_card_layout():
    app = ProviderComparison(context=make_context())
    assert "Orthopedic surgeon" in app.table.value and "Physiatrist" in app.table.value
    app.pair.value = "Physical therapist or chiropractor"
    assert "spinal manipulation" in app.table.value
    assert 'data-label="Chiropractor"' in app.table.value
    assert "Guide section: Rehabilitation providers" in app.table.value


def test_rule_table_names_every_rule_in_plain_words():
    html = RuleTable(context=make_context()).table.value
    voc = vocabulary()
    for rule in knowledge().rules:
        assert voc.rule(rule.id) in html.replace("&amp;", "&")
        assert f">{rule.id}<" not in html
    assert "symptom: any of" not in html and "_" not in re.sub(r"<[^>]+>", "", html)
    assert "Conservative care tried for 6 weeks or more; the assessment found a restricted (stiff) joint" in html
    assert "Routine: Chiropractor (also consider Physical therapist (PT))" in html
    assert "<summary>Red flags that cannot wait</summary>" in html
    assert '<th scope="row" role="rowheader">Red flag: Fever with the pain</th>' in html


def test_hip_back_map_marks_the_site_without_colour_alone_and_explains():
    app = HipBackMap(context=make_context())
    assert "Lower back" in app.details.value
    app.site.value = "buttock"
    assert "sacroiliac" in app.details.value
    root = ET.fromstring(app.picture.value)
    assert root.get("role") == "img" and root.find(f"{NS}title").text == "Where it hurts: Buttock"
    assert "hatched" in root.find(f"{NS}desc").text
    marked = [g for g in root.iter(f"{NS}g") if g.get("class") == "hb-selected"]
    assert len(marked) == 1 and marked[0].get("data-site") == "buttock"
    assert marked[0].get("fill") == "url(#hb-hatch)" and float(marked[0].get("stroke-width")) >= 3
    assert root.findall(f"{NS}line"), "arrows point at the marked site"


def test_every_site_has_a_figure():
    for site in PainSite:
        ET.fromstring(body_svg(site))


def test_only_the_first_app_on_a_page_shows_the_notice_and_only_the_last_the_footer():
    context = make_context()
    apps = [PathwayApp(context=context), ProviderComparison(context=context), RuleTable(context=context)]
    pages = [html_of(a.widget) for a in apps]
    assert [p.count("Educational use only") for p in pages] == [1, 0, 0]
    assert [p.count("Next: 03 Red-flag drill") for p in pages] == [0, 0, 1]


def test_rule_table_and_comparison_show_every_flag_and_history_in_words():
    html = RuleTable(context=make_context()).table.value.replace("&amp;", "&")
    assert ("Either after a minor injury such as a slip and aged 65 or over; or after a minor injury such as a "
            "slip and history of osteoporosis (thin, fragile bones), or steroid tablets taken for months or years; "
            "or with no injury at all and history of osteoporosis (thin, fragile bones), or steroid tablets taken "
            "for months or years and pain in the lower back and pain that began within the last 2 weeks") in html
    assert "Aged 2 or under" in html and "Aged 9 or over; aged 15 or under; pain in the hip" in html
    assert "Aged 15 or under; fever, or chills" in html
    # a leg that cannot bear weight: the same day, and an emergency after an injury (NICE CG124)
    assert ("Cannot stand or put weight on the leg; either after a minor injury such as a slip; or after a "
            "high-impact injury such as a fall from height") in html
    assert ("History of a weakened immune system (for example chemotherapy or transplant medicines), steroid "
            "tablets taken for months or years, or injecting drugs into a vein; pain in the lower back; pain that "
            "began within the last 6 weeks") in html
    assert "History of cancer at any time in the past" in html
    app = ProviderComparison(context=make_context())
    app.pair.value = "Primary care or emergency department"
    row = app.table.value.split("Red flags that send people here")[1]
    emergency = [f.label for f in knowledge().red_flags if f.next_step.value == "emergency_department"]
    assert len(emergency) >= 10 and all(label in unescape(row) for label in emergency)
    # a past cancer is the one red flag whose route is the person's own doctor (the same day, NICE NG234)
    assert "A past cancer with new back or hip pain" in unescape(row)
    app.pair.value = "Orthopedic surgeon or physiatrist"
    assert "None (reached without a red flag)" in app.table.value
