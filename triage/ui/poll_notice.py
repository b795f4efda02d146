"""The class panel's browser side: an open poll every student sees, and no "Sent" the kernel did not say.

An ``anywidget`` (its JavaScript is ``static/poll_notice.js``, served with the page; nothing from a
CDN) inside the :class:`~triage.ui.poll.ClassPanel`. The kernel tells it the poll's state; in the
browser it pins a bar to the bottom of a served page while a poll waits for this student's answer
(hidden while the panel is in view; a press scrolls to the panel), marks the tab's title, notes a new
choice or a press of "Send" at once ("Sending...", "not sent yet", or "not sent: no connection") until
the kernel answers, and keeps the choice in the tab until the kernel confirms it, so that a page
reloaded after an outage gives it back (:meth:`PollNotice.on_draft`).

``anywidget`` comes with the ``serve`` extra; :func:`poll_notice` returns None without it (the static
site has no class panel anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

ESM_FILE = Path(__file__).resolve().parent / "static" / "poll_notice.js"
DraftHandler = Callable[[list[str], bool], None]


@cache
def _notice_js() -> str:
    return ESM_FILE.read_text(encoding="utf-8")


@cache
def _notice_class() -> type | None:
    try:
        import anywidget
        import traitlets
    except ImportError:  # the static build installs the runtime dependencies only
        return None

    class PollNotice(anywidget.AnyWidget):  # type: ignore[misc, valid-type]
        """State of the open poll for the browser; calls ``on_draft(chosen, send)`` with a kept choice."""

        _esm = _notice_js()
        state = traitlets.Unicode("").tag(sync=True)  # "", "open" (not answered yet), "sent", "closed"
        poll_id = traitlets.Int(0).tag(sync=True)
        prompt = traitlets.Unicode("").tag(sync=True)
        options = traitlets.List(traitlets.Unicode()).tag(sync=True)  # option ids in the order shown
        answered = traitlets.List(traitlets.Unicode()).tag(sync=True)  # what the store holds for this student
        seq = traitlets.Int(0).tag(sync=True)  # sends the kernel has handled (each one ends "Sending...")

        def __init__(self, on_draft: DraftHandler, **kwargs: Any) -> None:
            super().__init__(_dom_classes=("triage-poll-notice",), **kwargs)
            self._on_draft = on_draft
            self.on_msg(self._message)

        def _message(self, _: Any, content: Any, buffers: Any = None) -> None:
            if not isinstance(content, dict) or not isinstance(content.get("draft"), list):
                return
            chosen = [str(x) for x in content["draft"] if isinstance(x, str)]
            if chosen:
                self._on_draft(chosen, bool(content.get("send")))

        def show(self, state: str, poll_id: int = 0, prompt: str = "", options: Sequence[str] = (),
                 answered: Sequence[str] = ()) -> None:
            """Send what changed of the poll's state (one message)."""
            with self.hold_sync():
                self.state, self.poll_id, self.prompt = state, poll_id, prompt
                self.options, self.answered = list(options), list(answered)

        def handled(self) -> None:
            """A send was handled (stored, or refused with a message): the page drops its own note."""
            self.seq += 1

    return PollNotice


def poll_notice(on_draft: DraftHandler) -> Any | None:
    """A new poll notice widget, or None where ``anywidget`` is not installed."""
    kind = _notice_class()
    return kind(on_draft) if kind is not None else None
