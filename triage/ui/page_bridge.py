"""The app frame's browser side, once per page: tab title, "the student is back", per-student state.

An ``anywidget`` (JavaScript in ``static/page_bridge.js``, served with the page) that the frame puts
beside the page's header:

- sets the tab's title on a served page to the course's title for the app (``course.yaml``), not
  the notebook's file name;
- tells the kernel when the student comes back to the tab or window (:meth:`PageBridge.on_visible`),
  so the apps read the class store again: another tab of the same student may have answered since;
- keeps small per-student state in the browser (``localStorage``, under a key made of the learner's
  key and the notebook): the kernel saves with :meth:`PageBridge.save` and gets it back when the page
  opens (:meth:`PageBridge.on_restore`), e.g. the explorer's ticks across a reload. With ``tab=True`` a
  value is kept for this tab only (``sessionStorage``): the case player's open case, across a reload or
  the page's automatic reopen after a server restart, but not in a new tab.

``anywidget`` comes with the ``serve`` extra; :func:`page_bridge` returns None without it (the static
site's browser kernel), and the apps then work as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
ESM_FILE = Path(__file__).resolve().parent / "static" / "page_bridge.js"


@cache
def _bridge_class() -> type | None:
    try:
        import anywidget
        import traitlets
    except ImportError:
        return None

    class PageBridge(anywidget.AnyWidget):  # type: ignore[misc, valid-type]
        """See the module docstring."""

        _esm = ESM_FILE.read_text(encoding="utf-8")
        title = traitlets.Unicode("").tag(sync=True)
        store_key = traitlets.Unicode("").tag(sync=True)  # "" until the learner is known (nothing kept)

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(_dom_classes=("triage-page-bridge",), **kwargs)
            self._visible: list[Callable[[], None]] = []
            self._restore: dict[str, Callable[[Any], None]] = {}
            self.on_msg(self._message)

        def on_visible(self, callback: Callable[[], None]) -> None:
            """Call ``callback()`` when the student comes back to this page (at most every 2 s)."""
            self._visible.append(callback)

        def on_restore(self, name: str, callback: Callable[[Any], None]) -> None:
            """Call ``callback(value)`` with what was saved under ``name`` for this student, when the page opens."""
            self._restore[name] = callback

        def save(self, name: str, value: Any, tab: bool = False) -> None:
            """Keep ``value`` (JSON) under ``name`` in this browser for this student and app (``tab``: in
            this tab only)."""
            if self.store_key:
                self.send({"save": {name: value}, "tab": tab})

        def _message(self, _: Any, content: Any, buffers: Any = None) -> None:
            if not isinstance(content, dict):
                return
            calls: list[Callable[[], None]] = []
            if content.get("visible"):
                calls += self._visible
            kept = content.get("restore")
            if isinstance(kept, dict):
                calls += [lambda f=f, v=kept[n]: f(v) for n, f in self._restore.items() if n in kept]
            for call in calls:
                try:
                    call()
                except Exception:  # one app's refresh must not stop the others
                    log.exception("an app failed to follow the page")

    return PageBridge


def page_bridge(title: str = "") -> Any | None:
    """A new bridge for one page, or None where ``anywidget`` is not installed."""
    kind = _bridge_class()
    return kind(title=title) if kind is not None else None


def store_key(learner_key: str, notebook: str) -> str:
    """The browser-storage key of one student's state in one app."""
    return f"triage:v1:{learner_key}:{notebook}"
