"""Pathway app, provider comparison, rule table and hip/back map."""

from triage.knowledge import knowledge
from triage.ui import HipBackMap, PathwayApp, ProviderComparison, RuleTable


def test_pathway_app_highlights_the_chosen_case():
    app = PathwayApp()
    assert 'class="node on"' not in app.diagram.value
    app.picker.value = "hip-oa-grandfather"
    assert 'class="node on" data-node="orthopedic_surgeon"' in app.diagram.value
    assert "Highlighted route (routine)" in app.caption.value


def test_provider_comparison_switches_pairs():
    app = ProviderComparison()
    assert "Orthopedic surgeon" in app.table.value and "Physiatrist" in app.table.value
    app.pair.value = "Physical therapist vs chiropractor"
    assert "spinal manipulation" in app.table.value


def test_rule_table_lists_every_rule_with_its_section():
    html = RuleTable().widget.value
    for rule in knowledge().rules:
        assert f"<code>{rule.id}</code>" in html
    assert "Red flags that cannot wait" in html


def test_hip_back_map_highlights_and_explains():
    app = HipBackMap()
    assert "Lower back" in app.details.value
    app.site.value = "buttock"
    assert "sacroiliac" in app.details.value
    assert "<desc id=\"hb-desc\">Body outline" in app.picture.value
