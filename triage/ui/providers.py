"""Provider comparison and the rule table, both read from the knowledge base."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..knowledge import knowledge
from ..model import NextStep
from .common import esc, notice

PAIRS = {
    "Orthopedic surgeon vs physiatrist": (NextStep.ORTHOPEDIC_SURGEON, NextStep.PHYSIATRIST),
    "Physical therapist vs chiropractor": (NextStep.PHYSICAL_THERAPIST, NextStep.CHIROPRACTOR),
    "Primary care vs emergency department": (NextStep.PRIMARY_CARE, NextStep.EMERGENCY_DEPARTMENT),
}


def comparison_html(a: NextStep, b: NextStep) -> str:
    """Two providers side by side: role, what they assess, tools, treatments, when they are reached."""
    kb = knowledge()
    pa, pb = kb.provider(a), kb.provider(b)
    rows = [
        ("Role", pa.role, pb.role),
        ("Assesses", "; ".join(pa.assesses), "; ".join(pb.assesses)),
        ("Tools", "; ".join(pa.tools), "; ".join(pb.tools)),
        ("Treatments", "; ".join(pa.treatments), "; ".join(pb.treatments)),
        ("When a patient gets there", pa.reached_when, pb.reached_when),
        ("Guide section", kb.section(pa.guide_section).title, kb.section(pb.guide_section).title),
    ]
    body = "".join(
        f"<tr><th scope='row'>{esc(h)}</th><td>{esc(x)}</td><td>{esc(y)}</td></tr>" for h, x, y in rows
    )
    return (
        "<table class='triage-comparison' style='border-collapse:collapse'>"
        f"<caption style='text-align:left'><strong>{esc(pa.name)} and {esc(pb.name)}</strong></caption>"
        f"<thead><tr><th scope='col'>Aspect</th><th scope='col'>{esc(pa.name)}</th>"
        f"<th scope='col'>{esc(pb.name)}</th></tr></thead><tbody>{body}</tbody></table>"
    )


class ProviderComparison:
    """Pick a pair of providers and compare them."""

    def __init__(self) -> None:
        self.pair = w.ToggleButtons(options=list(PAIRS), value=next(iter(PAIRS)),
                                    tooltips=[f"Compare {p.lower()}" for p in PAIRS])
        self.pair.add_class("triage-pair")
        self.table = w.HTML()
        self.table.add_class("triage-comparison-table")
        self.pair.observe(lambda change: self.draw(), names="value")
        self.widget = w.VBox([notice(), w.HTML("<p><strong>Compare:</strong></p>"), self.pair, self.table])
        self.widget.add_class("triage-providers")
        self.draw()

    def draw(self) -> None:
        self.table.value = comparison_html(*PAIRS[self.pair.value])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def rule_table_html() -> str:
    """Every rule: id, condition, outcome, guide section (the rules are data, this only shows them)."""
    kb = knowledge()
    rows = "".join(
        f"<tr><td><code>{esc(r.id)}</code></td><td>{esc(r.condition)}</td><td>{esc(r.outcome)}</td>"
        f"<td>{esc(kb.section(r.guide_section).title)}</td></tr>"
        for r in kb.rules
    )
    return (
        "<table class='triage-rules' style='border-collapse:collapse;font-size:90%'>"
        f"<caption style='text-align:left'><strong>The rules ({len(kb.rules)}); conservative-care trial: "
        f"{kb.care_trial_weeks:g} weeks</strong></caption>"
        "<thead><tr><th scope='col'>Rule</th><th scope='col'>When</th><th scope='col'>Outcome</th>"
        f"<th scope='col'>Guide section</th></tr></thead><tbody>{rows}</tbody></table>"
    )


class RuleTable:
    """The rule table as a widget."""

    def __init__(self) -> None:
        self.widget = w.HTML(rule_table_html())
        self.widget.add_class("triage-rule-table")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
