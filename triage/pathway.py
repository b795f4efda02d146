"""Draw the care pathway as a self-contained SVG string, highlighting one assessment's route.

Pure string building: no system binaries, no JavaScript, so the same SVG renders in JupyterLab,
Voilà and static HTML. Every drawing carries a ``<title>`` and a ``<desc>`` (its alt text) and
``role="img"``; :func:`describe_route` gives the same description as plain text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from html import escape

from .knowledge import knowledge
from .model import Assessment, NextStep, Urgency

START = "start"


@dataclass(frozen=True)
class Node:
    id: str
    label: tuple[str, ...]
    x: int
    y: int
    w: int = 150
    h: int = 46


NODES = (
    Node(START, ("Low back or", "hip pain"), 10, 177, 120),
    Node(NextStep.EMERGENCY_DEPARTMENT, ("Emergency", "department"), 250, 20),
    Node(NextStep.URGENT_CARE, ("Urgent care", "(same day)"), 250, 90),
    Node(NextStep.PRIMARY_CARE, ("Primary care", "first visit"), 250, 240),
    Node(NextStep.ORTHOPEDIC_SURGEON, ("Orthopedic", "surgeon"), 520, 150),
    Node(NextStep.PHYSIATRIST, ("Physiatrist", "(PM&R)"), 520, 210),
    Node(NextStep.PHYSICAL_THERAPIST, ("Physical", "therapist"), 520, 290),
    Node(NextStep.CHIROPRACTOR, ("Chiropractor",), 520, 350),
)
EDGES = (
    (START, NextStep.EMERGENCY_DEPARTMENT, "emergency red flag"),
    (START, NextStep.URGENT_CARE, "urgent red flag"),
    (START, NextStep.PRIMARY_CARE, "no red flags"),
    (NextStep.PRIMARY_CARE, NextStep.ORTHOPEDIC_SURGEON, ""),
    (NextStep.PRIMARY_CARE, NextStep.PHYSIATRIST, ""),
    (NextStep.PRIMARY_CARE, NextStep.PHYSICAL_THERAPIST, ""),
    (NextStep.PRIMARY_CARE, NextStep.CHIROPRACTOR, ""),
)
WIDTH, HEIGHT = 700, 410
_ids = itertools.count(1)

# colours chosen for >= 4.5:1 contrast against their backgrounds
ON_FILL, ON_STROKE, OFF_FILL, OFF_STROKE, TEXT = "#dbe9ff", "#0b3d91", "#f4f4f4", "#8a8a8a", "#1a1a1a"


def route(assessment: Assessment | None) -> list[str]:
    """The node ids on the highlighted route, in order."""
    if assessment is None:
        return []
    step = assessment.next_step
    if step in (NextStep.EMERGENCY_DEPARTMENT, NextStep.URGENT_CARE, NextStep.PRIMARY_CARE):
        return [START, step]
    return [START, NextStep.PRIMARY_CARE, step]


def describe_route(assessment: Assessment | None) -> str:
    """Plain-language description of the diagram (used as its alt text)."""
    base = (
        "Care pathway diagram. From low back or hip pain, emergency red flags lead to the emergency "
        "department and urgent red flags to same-day urgent care; without red flags the route goes to "
        "primary care, which refers on after conservative care to an orthopedic surgeon, a physiatrist, "
        "a physical therapist or a chiropractor."
    )
    if assessment is None:
        return base
    kb = knowledge()
    names = [kb.provider(n).name if n != START else "pain" for n in route(assessment)]
    text = f"{base} Highlighted route ({assessment.urgency.value}): " + " to ".join(names) + "."
    if assessment.also_consider:
        text += " Also marked: " + ", ".join(kb.provider(s).name for s in assessment.also_consider) + "."
    return text


def _node_svg(node: Node, on: bool, also: bool) -> str:
    fill, stroke, width = (ON_FILL, ON_STROKE, 3) if on else (OFF_FILL, OFF_STROKE, 1)
    dash = ' stroke-dasharray="6 4"' if also and not on else ""
    if also and not on:
        stroke, width = ON_STROKE, 2
    lines = node.label
    cy = node.y + node.h / 2 - (len(lines) - 1) * 8
    text = "".join(
        f'<tspan x="{node.x + node.w / 2:g}" y="{cy + i * 16 + 5:g}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    weight = "bold" if on else "normal"
    return (
        f'<g class="node{" on" if on else ""}" data-node="{node.id}">'
        f'<rect x="{node.x}" y="{node.y}" width="{node.w}" height="{node.h}" rx="8" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width}"{dash}/>'
        f'<text text-anchor="middle" font-size="14" font-weight="{weight}" fill="{TEXT}">{text}</text></g>'
    )


def render_pathway_svg(assessment: Assessment | None = None) -> str:
    """The pathway as an SVG document string; the route of ``assessment`` is highlighted."""
    n = next(_ids)
    on = route(assessment)
    on_edges = set(itertools.pairwise(on))
    also = set(assessment.also_consider) if assessment else set()
    nodes = {node.id: node for node in NODES}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'style="max-width:{WIDTH}px" role="img" aria-labelledby="pw-title-{n} pw-desc-{n}">',
        f'<title id="pw-title-{n}">Care pathway for low back and hip pain</title>',
        f'<desc id="pw-desc-{n}">{escape(describe_route(assessment))}</desc>',
        f'<defs><marker id="pw-arrow-{n}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{OFF_STROKE}"/></marker>'
        f'<marker id="pw-arrow-on-{n}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{ON_STROKE}"/></marker></defs>',
        f'<text x="520" y="135" font-size="12" fill="{TEXT}">after conservative care</text>',
    ]
    for a, b, label in EDGES:
        s, t = nodes[a], nodes[b]
        x1, y1 = s.x + s.w, s.y + s.h / 2
        x2, y2 = t.x, t.y + t.h / 2
        hot = (a, b) in on_edges
        colour, width, marker = (ON_STROKE, 3, f"pw-arrow-on-{n}") if hot else (OFF_STROKE, 1.5, f"pw-arrow-{n}")
        parts.append(
            f'<line class="edge{" on" if hot else ""}" x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" '
            f'stroke="{colour}" stroke-width="{width}" marker-end="url(#{marker})"/>'
        )
        if label:
            parts.append(
                f'<text x="{x2 - 10:g}" y="{y2 - 10:g}" text-anchor="end" font-size="12" fill="{TEXT}">'
                f"{escape(label)}</text>"
            )
    for node in NODES:
        parts.append(_node_svg(node, node.id in on, node.id in also))
    urgency = assessment.urgency if assessment else None
    if urgency is not None:
        word = {Urgency.EMERGENCY: "EMERGENCY", Urgency.URGENT: "URGENT", Urgency.ROUTINE: "ROUTINE"}[urgency]
        parts.append(f'<text x="10" y="400" font-size="14" font-weight="bold" fill="{TEXT}">Urgency: {word}</text>')
    parts.append("</svg>")
    return "".join(parts)
