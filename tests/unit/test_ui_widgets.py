"""Widgets built with their CSS classes (triage/ui/widgets.py): one message per widget, not one per class.

The messages are recorded as a kernel sees them: a kernel replaces ``comm.create_comm`` with its own comm
class (the browser's Pyodide kernel does exactly this), and each comm publishes what the page receives."""

from __future__ import annotations

import comm
import ipywidgets as w
import pytest
from comm.base_comm import BaseComm
from support.ui_support import make_context

from triage.ui import Explorer
from triage.ui.widgets import classed


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    """Every comm message widgets send from now on: (message type, data)."""
    log: list[tuple[str, dict]] = []

    class Recording(BaseComm):
        def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
            log.append((msg_type, data or {}))

    monkeypatch.setattr(comm, "create_comm", Recording)
    return log


def class_updates(log: list[tuple[str, dict]]) -> list[dict]:
    return [d for t, d in log if t == "comm_msg" and "_dom_classes" in d.get("state", {})]


def test_a_classed_widget_opens_with_its_classes_and_sends_nothing_more(sent):
    html = classed(w.HTML, "triage-a", "triage-b", "triage-a", value="<b>x</b>")
    assert html._dom_classes == ("triage-a", "triage-b") and html.value == "<b>x</b>"
    [opened] = [d for t, d in sent if t == "comm_open" and d["state"]["_model_name"] == "HTMLModel"]
    assert list(opened["state"]["_dom_classes"]) == ["triage-a", "triage-b"]
    assert {t for t, _ in sent} == {"comm_open"}  # the widget, its layout and its style: opened, nothing more


def test_a_class_added_afterwards_costs_a_message(sent):
    html = w.HTML()
    before = len(sent)
    html.add_class("triage-a")
    assert len(sent) == before + 1 and class_updates(sent)


def test_the_explorer_sends_no_class_updates_while_it_is_built(sent):
    explorer = Explorer(context=make_context())
    assert "triage-explorer" in explorer.widget._dom_classes
    opened = [d for t, d in sent if t == "comm_open"]
    assert len(opened) > 100  # every widget, its layout and its style
    assert class_updates(sent) == []
