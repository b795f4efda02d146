"""The pathway SVG: valid XML, alt text, highlighted route, text large enough for a phone."""

import re
import xml.etree.ElementTree as ET

from triage.domain.engine import assess
from triage.outputs.pathway import NODES, WIDTH, describe_route, render_pathway_svg, route

NS = "{http://www.w3.org/2000/svg}"


def _svg(a=None):
    return ET.fromstring(render_pathway_svg(a))


def test_svg_parses_and_has_title_desc_and_role():
    root = _svg()
    assert root.get("role") == "img"
    assert root.find(f"{NS}title").text == "Care pathway for low back and hip pain"
    assert "primary care" in root.find(f"{NS}desc").text


def test_route_for_each_kind_of_result():
    emergency = assess({"pain_sites": ["hip"], "duration_weeks": 0, "trauma": "high_impact"})
    referral = assess({"pain_sites": ["hip"], "duration_weeks": 9, "conservative_care_weeks": 7,
                       "findings": ["muscle_imbalance"]})
    assert route(emergency) == ["start", "emergency_department"]
    assert route(referral) == ["start", "primary_care", "physical_therapist"]
    on = [g.get("data-node") for g in _svg(referral).iter(f"{NS}g") if g.get("class") == "node on"]
    assert on == ["start", "primary_care", "physical_therapist"]
    assert len([e for e in _svg(referral).iter(f"{NS}polyline") if e.get("class") == "edge on"]) == 2
    assert "Highlighted route (routine): pain to Primary care" in describe_route(referral)


def test_also_consider_is_marked_dashed():
    a = assess({"pain_sites": ["hip"], "duration_weeks": 9, "conservative_care_weeks": 7,
                "findings": ["joint_restriction"]})
    svg = render_pathway_svg(a)
    assert 'data-node="physical_therapist"><rect' in svg
    assert 'stroke-dasharray="6 4"' in svg


def test_text_stays_readable_when_the_drawing_is_phone_width():
    """Drawn 340 px wide (a 390 px phone less margins), no text is under 12 px."""
    scale = 340 / WIDTH
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', render_pathway_svg())]
    assert min(sizes) * scale >= 12
    assert all(0 <= n.x and n.x + n.w <= WIDTH for n in NODES)  # (labels fit their boxes: browser test)
