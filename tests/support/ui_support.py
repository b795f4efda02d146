"""Helpers for the widget-app tests: a fresh page context per test (so each app is the first on its page)."""

from __future__ import annotations

import ipywidgets as w

from triage.store.identity import GUEST, Learner, name_key
from triage.store.memory import MemoryStore
from triage.ui.context import AppContext


def make_context(mode: str = "voila", name: str | None = "Ada", messages: tuple[str, ...] = (),
                 store: MemoryStore | None = None) -> AppContext:
    """A page context: a named student (or the guest with ``name=None``) and a store of its own."""
    learner = Learner(name_key(name), name, "name") if name is not None else GUEST
    params = {"student": name} if name is not None else {}
    return AppContext(learner, store or MemoryStore(), mode, messages, params)  # type: ignore[arg-type]


def html_of(widget: w.Widget) -> str:
    """All HTML text inside a widget tree (HTML widgets' values and buttons' labels), in order."""
    parts: list[str] = []

    def walk(x: w.Widget) -> None:
        if isinstance(x, w.HTML):
            parts.append(x.value)
        elif isinstance(x, w.Button):
            parts.append(x.description)
        for child in getattr(x, "children", ()):
            walk(child)

    walk(widget)
    return "\n".join(parts)
