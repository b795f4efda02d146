"""Shared pieces of the widget apps: the notice, escaping, and HTML for an assessment.

Everything that shows case or user text goes through :func:`esc`; ``HTML`` widgets never
receive unescaped input.
"""

from __future__ import annotations

from html import escape

import ipywidgets as w

from ..knowledge import knowledge
from ..model import DISCLAIMER, Assessment, Urgency

URGENCY_STYLE = {
    # background, text colour (contrast >= 7:1)
    Urgency.EMERGENCY: ("#fde2e1", "#7a1010"),
    Urgency.URGENT: ("#fff1cc", "#5c3d00"),
    Urgency.ROUTINE: ("#e3f1e6", "#1b4d20"),
}
LABEL_STYLE = {"description_width": "initial"}


def esc(text: object) -> str:
    """HTML-escape any text before it goes into an HTML widget."""
    return escape(str(text), quote=True)


def notice() -> w.HTML:
    """The educational-use notice every app shows."""
    box = w.HTML(
        f'<p role="note" style="margin:0;padding:6px 10px;border-left:4px solid #0b3d91;background:#eef3fb;'
        f'color:#1a1a1a"><strong>Educational use only.</strong> {esc(DISCLAIMER.split(". ", 1)[1])}</p>'
    )
    box.add_class("triage-notice")
    return box


def heading(text: str, level: int = 3) -> w.HTML:
    return w.HTML(f"<h{level} style='margin:8px 0 4px'>{esc(text)}</h{level}>")


def disposition_html(a: Assessment) -> str:
    """Urgency, next step, red flags and complementary providers as a banner."""
    kb = knowledge()
    bg, fg = URGENCY_STYLE[a.urgency]
    parts = [
        f'<div role="status" aria-live="polite" class="triage-disposition" style="background:{bg};color:{fg};'
        f'padding:8px 12px;border-radius:6px">',
        f"<strong>Urgency: {esc(a.urgency.value.upper())}</strong> &mdash; next step: "
        f"<strong>{esc(kb.provider(a.next_step).name)}</strong>",
    ]
    if a.red_flags:
        parts.append("<br>Red flags: " + esc(", ".join(a.red_flags)))
    if a.also_consider:
        parts.append("<br>Also consider: " + esc(", ".join(kb.provider(s).name for s in a.also_consider)))
    parts.append("</div>")
    return "".join(parts)


def trace_html(a: Assessment) -> str:
    """The rules that fired, each with its effect, reason and guide section."""
    kb = knowledge()
    rows = "".join(
        f"<tr><td><code>{esc(h.rule_id)}</code></td><td>{esc(h.effect)}</td>"
        f"<td>{esc(h.reason)}</td><td>{esc(kb.section(h.guide_section).title)}</td></tr>"
        for h in a.trace
    )
    return (
        '<table class="triage-trace" style="border-collapse:collapse;font-size:90%">'
        "<caption style='text-align:left'><strong>Why: the rules that fired</strong></caption>"
        "<thead><tr><th scope='col'>Rule</th><th scope='col'>Effect</th><th scope='col'>Reason</th>"
        "<th scope='col'>Guide section</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def changes_html(a: Assessment) -> str:
    """The single changes that would alter urgency or next step."""
    kb = knowledge()
    if not a.what_would_change:
        return "<p class='triage-changes'><strong>What would change it:</strong> no single change would.</p>"
    items = "".join(
        f"<li>{esc(c.description)} &rarr; {esc(c.urgency.value)}, {esc(kb.provider(c.next_step).name)}</li>"
        for c in a.what_would_change
    )
    return f"<div class='triage-changes'><strong>What would change it:</strong><ul>{items}</ul></div>"


def assessment_html(a: Assessment) -> str:
    """Disposition, trace and counterfactuals together."""
    return disposition_html(a) + trace_html(a) + changes_html(a)
