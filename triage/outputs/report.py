"""Plain-text renderings of assessments and of the knowledge base (used by the CLI)."""

from __future__ import annotations

import textwrap

from ..domain.knowledge import Knowledge, describe, knowledge
from ..domain.model import DISCLAIMER, Assessment

WIDTH = 88


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(" ".join(text.split()), WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def format_assessment(a: Assessment, kb: Knowledge | None = None) -> str:
    """A readable report: disposition, red flags, reasons, what would change it."""
    kb = kb or knowledge()
    lines = [
        f"Urgency:    {a.urgency.value.upper()}",
        f"Next step:  {kb.provider(a.next_step).name}",
    ]
    if a.red_flags:
        lines.append("Red flags:  " + ", ".join(a.red_flags))
    if a.also_consider:
        lines.append("Also:       " + ", ".join(kb.provider(s).name for s in a.also_consider))
    lines.append("")
    lines.append("Why (rules that fired):")
    for hit in a.trace:
        title = kb.section(hit.guide_section).title
        lines.append(_wrap(f"[{hit.effect}] {hit.rule_id} (guide: {title}) - {hit.reason}"))
    if a.what_would_change:
        lines.append("")
        lines.append("What would change the result:")
        for c in a.what_would_change:
            lines.append(_wrap(f"{c.description}: {c.urgency.value}, {c.next_step.value}"))
    lines.append("")
    lines.append(textwrap.fill(DISCLAIMER, WIDTH))
    return "\n".join(lines)


def format_rules(kb: Knowledge | None = None) -> str:
    """The rule table: id, condition, outcome, guide section."""
    kb = kb or knowledge()
    out = [f"Conservative-care trial: {kb.care_trial_weeks:g} weeks (edit triage/domain/knowledge/rules.yaml)", ""]
    for r in kb.rules:
        out.append(f"{r.id}  [{kb.section(r.guide_section).title}]")
        out.append(_wrap(f"when:    {r.condition}"))
        out.append(_wrap(f"outcome: {r.outcome}"))
        out.append(_wrap(f"why:     {r.reason}"))
        for s in r.sources:
            out.append(_wrap(f"source:  {s}"))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def format_providers(kb: Knowledge | None = None) -> str:
    """Every provider with role, what they assess, tools, treatments and when they are reached."""
    kb = kb or knowledge()
    out = []
    for p in kb.providers:
        out.append(f"{p.name}  ({p.id.value}; guide: {kb.section(p.guide_section).title})")
        out.append(_wrap(f"role:       {p.role}"))
        out.append(_wrap("assesses:   " + "; ".join(p.assesses)))
        out.append(_wrap("tools:      " + "; ".join(p.tools)))
        out.append(_wrap("treatments: " + "; ".join(p.treatments)))
        out.append(_wrap(f"reached:    {p.reached_when}"))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def format_red_flags(kb: Knowledge | None = None) -> str:
    """Every red flag: when it applies, what it may signal, urgency and where to go."""
    kb = kb or knowledge()
    out = []
    for f in kb.red_flags:
        out.append(f"{f.id}: {f.label}")
        out.append(_wrap(f"when:       {describe(f.when, kb.care_trial_weeks)}"))
        out.append(_wrap(f"may signal: {f.explanation}"))
        out.append(_wrap(f"urgency:    {f.urgency.value} -> {f.next_step.value}"))
        for s in f.sources:
            out.append(_wrap(f"source:     {s}"))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
