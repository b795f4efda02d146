"""Draw the care pathway as a self-contained SVG string, highlighting one assessment's route.

Pure string building: no system binaries, no JavaScript, so the same SVG renders in JupyterLab,
Voilà and static HTML. Every drawing carries a ``<title>`` and a ``<desc>`` (its alt text) and
``role="img"``; :func:`describe_route` gives the same description as plain text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from html import escape

from ..domain.knowledge import knowledge
from ..domain.model import Assessment, NextStep, Urgency

START = "start"


@dataclass(frozen=True)
class Node:
    id: str
    label: tuple[str, ...]
    x: int
    y: int
    w: int = 120
    h: int = 52


# A top-down layout, 380 units wide, so it stays readable on a phone (12.5 px text or more at 390 px)
# and is drawn no larger than 460 px wide on a big screen (static/triage.css).
NODES = (
    Node(START, ("Low back or hip pain",), 90, 8, 200, 44),
    Node(NextStep.EMERGENCY_DEPARTMENT, ("Emergency", "department"), 4, 124),
    Node(NextStep.URGENT_CARE, ("Urgent care", "(same day)"), 130, 124),
    Node(NextStep.PRIMARY_CARE, ("Primary care", "first visit"), 256, 124),
    Node(NextStep.ORTHOPEDIC_SURGEON, ("Orthopedic", "surgeon"), 4, 222, 160),
    Node(NextStep.PHYSIATRIST, ("Physiatrist", "(PM&R)"), 216, 222, 160),
    Node(NextStep.PHYSICAL_THERAPIST, ("Physical", "therapist"), 4, 292, 160),
    Node(NextStep.CHIROPRACTOR, ("Chiropractor",), 216, 292, 160),
)
EDGES = (
    (START, NextStep.EMERGENCY_DEPARTMENT, ("emergency", "red flag")),
    (START, NextStep.URGENT_CARE, ("urgent", "red flag")),
    (START, NextStep.PRIMARY_CARE, ("no red", "flags")),
    (NextStep.PRIMARY_CARE, NextStep.ORTHOPEDIC_SURGEON, ()),
    (NextStep.PRIMARY_CARE, NextStep.PHYSIATRIST, ()),
    (NextStep.PRIMARY_CARE, NextStep.PHYSICAL_THERAPIST, ()),
    (NextStep.PRIMARY_CARE, NextStep.CHIROPRACTOR, ()),
)
WIDTH, HEIGHT = 380, 384
SPINE_X, FORK_Y, REFERRAL_BUS_Y = 190, 68, 200
NODE_TEXT, EDGE_TEXT = 14, 14
_ids = itertools.count(1)

# colours chosen for >= 4.5:1 contrast against their backgrounds
ON_FILL, ON_STROKE, OFF_FILL, OFF_STROKE, TEXT = "#dbe9ff", "#0b3d91", "#f4f4f4", "#767676", "#1a1a1a"


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
    fill, stroke, width = (ON_FILL, ON_STROKE, 3) if on else (OFF_FILL, OFF_STROKE, 1.5)
    dash = ' stroke-dasharray="6 4"' if also and not on else ""
    if also and not on:
        stroke, width = ON_STROKE, 2.5
    lines = node.label
    step = NODE_TEXT + 3
    cy = node.y + node.h / 2 - (len(lines) - 1) * step / 2 + NODE_TEXT * 0.35
    text = "".join(
        f'<tspan x="{node.x + node.w / 2:g}" y="{cy + i * step:g}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    weight = "bold" if on else "normal"
    return (
        f'<g class="node{" on" if on else ""}" data-node="{node.id}">'
        f'<rect x="{node.x}" y="{node.y}" width="{node.w}" height="{node.h}" rx="8" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width}"{dash}/>'
        f'<text text-anchor="middle" font-size="{NODE_TEXT}" font-weight="{weight}" fill="{TEXT}">{text}</text></g>'
    )


def _edge_points(source: Node, target: Node) -> list[tuple[float, float]]:
    """The polyline of an edge: forks below the start, a shared spine below primary care."""
    sx, sy = source.x + source.w / 2, source.y + source.h
    tx = target.x + target.w / 2
    if source.id == START:
        return [(sx, sy), (sx, FORK_Y), (tx, FORK_Y), (tx, target.y - 1)]
    mid = target.y + target.h / 2
    edge = target.x + target.w + 1 if target.x < SPINE_X else target.x - 1
    return [(sx, sy), (sx, REFERRAL_BUS_Y), (SPINE_X, REFERRAL_BUS_Y), (SPINE_X, mid), (edge, mid)]


def render_pathway_svg(assessment: Assessment | None = None) -> str:
    """The pathway as an SVG document string; the route of ``assessment`` is highlighted."""
    n = next(_ids)
    on = route(assessment)
    on_edges = set(itertools.pairwise(on))
    also = set(assessment.also_consider) if assessment else set()
    nodes = {node.id: node for node in NODES}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="pw-title-{n} pw-desc-{n}">',
        f'<title id="pw-title-{n}">Care pathway for low back and hip pain</title>',
        f'<desc id="pw-desc-{n}">{escape(describe_route(assessment))}</desc>',
        f'<defs><marker id="pw-arrow-{n}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        f'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{OFF_STROKE}"/></marker>'
        f'<marker id="pw-arrow-on-{n}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="5" '
        f'markerHeight="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{ON_STROKE}"/></marker></defs>',
        f'<text x="{SPINE_X - 8}" y="{REFERRAL_BUS_Y + 14}" text-anchor="end" font-size="{EDGE_TEXT}" '
        f'fill="{TEXT}">after conservative care</text>',
    ]
    hot_lines = []
    for a, b, label in EDGES:
        s, t = nodes[a], nodes[b]
        hot = (a, b) in on_edges
        colour, width, marker = (ON_STROKE, 3.5, f"pw-arrow-on-{n}") if hot else (OFF_STROKE, 1.5, f"pw-arrow-{n}")
        points = " ".join(f"{x:g},{y:g}" for x, y in _edge_points(s, t))
        line = (
            f'<polyline class="edge{" on" if hot else ""}" points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}" stroke-linejoin="round" marker-end="url(#{marker})"/>'
        )
        (hot_lines if hot else parts).append(line)
        if label:
            x = t.x + t.w / 2 + 6
            parts.append(
                f'<text x="{x:g}" y="{FORK_Y + 24}" font-size="{EDGE_TEXT}" fill="{TEXT}">'
                + "".join(f'<tspan x="{x:g}" dy="{0 if i == 0 else EDGE_TEXT + 2}">{escape(word)}</tspan>'
                          for i, word in enumerate(label))
                + "</text>"
            )
    parts.extend(hot_lines)  # the highlighted route is drawn over the shared lines
    for node in NODES:
        parts.append(_node_svg(node, node.id in on, node.id in also))
    urgency = assessment.urgency if assessment else None
    if urgency is not None:
        word = {Urgency.EMERGENCY: "EMERGENCY", Urgency.URGENT: "URGENT", Urgency.ROUTINE: "ROUTINE"}[urgency]
        parts.append(f'<text x="4" y="{HEIGHT - 8}" font-size="{NODE_TEXT}" font-weight="bold" fill="{TEXT}">'
                     f"Urgency: {word}</text>")
    parts.append("</svg>")
    return "".join(parts)
