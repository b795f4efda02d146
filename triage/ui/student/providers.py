"""Provider comparison and the rule table, both read from the knowledge base and shown with names, never ids.

Both are tables on a wide screen and labelled cards on a narrow one (``static/triage.css``); explicit ARIA
roles keep them tables for screen readers when the cards change their display.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ...domain.knowledge import knowledge
from ...domain.model import NextStep
from ...domain.vocabulary import vocabulary
from ..common import condition_text, esc, guide_ref_html, outcome_text
from ..context import AppContext
from ..fallback import mimebundle
from ..frame import app_frame

NOTEBOOK = "02_who_to_see.ipynb"
PAIRS = {
    "Orthopedic surgeon or physiatrist": (NextStep.ORTHOPEDIC_SURGEON, NextStep.PHYSIATRIST),
    "Physical therapist or chiropractor": (NextStep.PHYSICAL_THERAPIST, NextStep.CHIROPRACTOR),
    "Primary care or emergency department": (NextStep.PRIMARY_CARE, NextStep.EMERGENCY_DEPARTMENT),
}


def _table(caption: str, headers: list[str], rows: list[tuple[str, list[str]]], css: str) -> str:
    """A table whose cells carry their column name (``data-label``) for the narrow, card layout.

    ``rows`` are (row header or "", cells); every cell text is escaped here except ``cells``
    already given as HTML (they must be escaped by the caller)."""
    head = "".join(f'<th scope="col" role="columnheader">{esc(h)}</th>' for h in headers)
    body = []
    for row_head, cells in rows:
        first = f'<th scope="row" role="rowheader">{esc(row_head)}</th>' if row_head else ""
        offset = 1 if row_head else 0
        tds = "".join(f'<td role="cell" data-label="{esc(headers[i + offset])}">{c}</td>'
                      for i, c in enumerate(cells))
        body.append(f'<tr role="row">{first}{tds}</tr>')
    return (
        f'<table class="triage-table {css}" role="table"><caption>{esc(caption)}</caption>'
        f'<thead role="rowgroup"><tr role="row">{head}</tr></thead>'
        f'<tbody role="rowgroup">{"".join(body)}</tbody></table>'
    )


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
        ("Red flags that send people here", flags_to(a), flags_to(b)),
    ]
    table = _table(f"{pa.name} and {pb.name}", ["Aspect", pa.name, pb.name],
                   [(h, [esc(x), esc(y)]) for h, x, y in rows], "triage-comparison")
    sections = dict.fromkeys((pa.guide_section, pb.guide_section))
    return table + "".join(guide_ref_html(s) for s in sections)


def flags_to(step: NextStep) -> str:
    """The red flags whose route is ``step``, by name (from the knowledge base), or a plain "none"."""
    labels = [f.label for f in knowledge().red_flags if f.next_step == step]
    return "; ".join(labels) if labels else "None (reached without a red flag)"


class ProviderComparison:
    """Pick a pair of providers and compare them."""

    def __init__(self, context: AppContext | None = None, notebook: str = NOTEBOOK) -> None:
        self.pair = w.ToggleButtons(options=list(PAIRS), value=next(iter(PAIRS)),
                                    tooltips=[f"Compare: {p.lower()}" for p in PAIRS])
        self.pair.add_class("triage-pair")
        self.table = w.HTML()
        self.table.add_class("triage-comparison-table")
        self.pair.observe(lambda change: self.draw(), names="value")
        self.frame = app_frame(context, notebook, w.HTML("<h3>Compare two providers</h3>"), self.pair, self.table,
                               css_class="triage-providers")
        self.widget = self.frame.widget
        self.draw()

    def draw(self) -> None:
        self.table.value = comparison_html(*PAIRS[self.pair.value])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)


def rule_table_html() -> str:
    """Every rule by name: when it applies, what it leads to, and its guide section (opening in place)."""
    kb = knowledge()
    voc = vocabulary()
    rows = [
        (voc.rule(r.id), [esc(condition_text(r.when, kb.care_trial_weeks)), esc(outcome_text(r)),
                          guide_ref_html(r.guide_section, "")])
        for r in kb.rules
    ]
    return _table(f"The {len(kb.rules)} rules (a fair trial of conservative care: {kb.care_trial_weeks:g} weeks)",
                  ["Rule", "When", "Leads to", "Guide section"], rows, "triage-rules")


class RuleTable:
    """The rule table as a widget."""

    def __init__(self, context: AppContext | None = None, notebook: str = NOTEBOOK) -> None:
        self.table = w.HTML(rule_table_html())
        self.table.add_class("triage-rule-table")
        self.frame = app_frame(context, notebook, self.table, css_class="triage-rules-app")
        self.widget = self.frame.widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)
