"""Only the instructor sees the class: the instructor apps open behind this gate.

In JupyterLab (one user) the user is the instructor. On JupyterHub the class service decides: the
gate opens, with no key, for members of the hub's ``instructors`` group
(:meth:`~triage.ui.context.AppContext.hub_instructor`) and stays closed for everyone else. In
standalone Voilà the page needs the instructor key the server was started with
(``TRIAGE_INSTRUCTOR_KEY``; ``make app`` keeps one for the class, ``make key`` prints it), either as
the ``key`` URL parameter or typed into the password field here. Until then the gate shows a plain
message and nothing of the class; the app behind it reads the class only once unlocked.

The key stays off the projector: the page removes ``?key=`` from the address bar as soon as it loads
(``static/triage-page.js``) and keeps it in the tab's sessionStorage; after a reload a small
browser-side widget (``static/gate_key.js``) hands the kept key to the kernel, which checks it like a
typed one. Enter in the key field opens the view; a wrong key, typed, in the address or kept, says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..common import PRIMARY, esc
from ..context import AppContext
from ..widgets import classed

MAX_TRIES = 10  # then the page must be reloaded (slows down guessing)
CARRIER_JS = Path(__file__).resolve().parents[1] / "static" / "gate_key.js"


@cache
def _carrier_class() -> type | None:
    """The anywidget that hands over the key this tab kept (None without ``anywidget``: no served page)."""
    try:
        import anywidget
    except ImportError:
        return None

    class KeyCarrier(anywidget.AnyWidget):  # type: ignore[misc, valid-type]
        _esm = CARRIER_JS.read_text(encoding="utf-8")

    return KeyCarrier


class InstructorGate:
    """Shows ``content`` once the page proves it is the instructor's; calls ``on_unlock`` once then."""

    def __init__(self, context: AppContext, content: w.Widget, on_unlock: Callable[[], None], what: str) -> None:
        self.context = context
        self.content = content
        self._on_unlock = on_unlock
        self.unlocked = False
        self.tries = 0
        self.message = classed(w.HTML, "triage-gate-message")
        self.key = classed(w.Password, "triage-gate-key", "triage-field", description="Instructor key",
                           placeholder="the key make key prints", layout=w.Layout(width="auto"))
        with warnings.catch_warnings():  # Enter in the field (ipywidgets 8 still sends it, and calls it deprecated)
            warnings.simplefilter("ignore", DeprecationWarning)
            self.key.on_submit(self.on_try)
        self.button = classed(w.Button, PRIMARY, "triage-gate-open", description="Open the instructor view",
                              tooltip="Check the instructor key", layout=w.Layout(width="auto"))
        self.button.on_click(self.on_try)
        self.feedback = classed(w.HTML, "triage-gate-feedback")
        self.form = w.VBox([self.key, self.button, self.feedback])
        self.form.layout.display = "none"
        carrier = _carrier_class()
        self.carrier = carrier(_dom_classes=("triage-gate-carrier",)) if carrier is not None else None
        if self.carrier is not None:
            self.carrier.on_msg(self._on_carrier)
        self._kept: str | None = None  # a key the tab kept, arrived before the learner was known
        self.widget = classed(w.VBox, "triage-gate", children=[self.message, self.form,
                                                                *([self.carrier] if self.carrier else [])])
        self._what = what
        self.message.value = "<p role='status'>Loading&hellip;</p>"
        context.on_ready(self._check)

    def _check(self, context: AppContext) -> None:
        if context.is_instructor():
            self._open()
            return
        if context.mode == "hub":  # the hub knows who this is; a key would change nothing at the class service
            self.message.value = (
                f"<h3>Instructor view</h3><p>The {esc(self._what)} shows the class's answers, so on this hub it "
                "opens only for the class's instructors (the hub's <strong>instructors</strong> group). If you "
                "teach this class, ask the hub's administrator to add your account to that group.</p>"
            )
            return
        if not context.instructor_key:
            self.message.value = (
                f"<h3>Instructor view</h3><p>The {esc(self._what)} shows the class's answers, so it opens only with "
                "the instructor key, and this server was started without one. Start it with <code>make app</code> "
                "(which keeps a key for the class; <code>make key</code> prints it) or set "
                "<code>TRIAGE_INSTRUCTOR_KEY</code> before starting it.</p>"
            )
            return
        self.message.value = (
            f"<h3>Instructor view</h3><p>The {esc(self._what)} shows the class's answers, so it opens only with "
            "the instructor key. The server does not print it (its terminal may be on the projector): print it "
            "with <code>make key</code> in a window the room cannot see.</p>"
        )
        self.form.layout.display = None
        if "key" in context.params:  # a ?key= that is not the server's key (a typo, or last term's key)
            self.tries += 1
            self._forget()
            self.feedback.value = ("<p role='alert' class='triage-problem'>The key in the page's address is not "
                                   "right: type the key that <code>make key</code> prints.</p>")
        if self._kept is not None:
            kept, self._kept = self._kept, None
            self._try_kept(kept)

    def _on_carrier(self, _: Any, content: Any, buffers: Any = None) -> None:
        if isinstance(content, dict) and isinstance(content.get("key"), str):
            if self.context.ready:
                self._try_kept(content["key"])
            else:
                self._kept = content["key"]

    def _try_kept(self, key: str) -> None:
        """The key this tab kept from an earlier page (a reload): opens the view like a typed key."""
        if self.unlocked or self.context.mode == "hub" or not self.context.instructor_key:
            return
        if self.tries >= MAX_TRIES:
            return
        self.tries += 1
        if self.context.is_instructor(key):
            self._open()
        else:
            self._forget()
            # the page script keeps a ?key= of the address for the tab too, so this may be either
            self.feedback.value = ("<p role='alert' class='triage-problem'>The key this page was given (in its "
                                   "address, or kept by this tab from an earlier visit) is not right; a class "
                                   "started again may have a new key: type the key that <code>make key</code> "
                                   "prints.</p>")

    def _forget(self) -> None:
        if self.carrier is not None:
            self.carrier.send({"forget": True})

    def on_try(self, _: Any = None) -> None:
        if self.unlocked:
            return
        if self.tries >= MAX_TRIES:
            self.feedback.value = "<p role='alert'>Too many wrong keys: reload the page to try again.</p>"
            return
        if not self.key.value.strip():
            self.feedback.value = "<p role='alert' class='triage-problem'>Type the instructor key first.</p>"
            return
        self.tries += 1
        if self.context.is_instructor(self.key.value):
            if self.carrier is not None:  # kept for this tab's life, so a reload opens the view again
                self.carrier.send({"remember": self.key.value})
            self.key.value = ""
            self._open()
        else:
            self.key.value = ""
            self.feedback.value = ("<p role='alert' class='triage-problem'>That key is not right; check it and "
                                   "try again.</p>")

    def _open(self) -> None:
        self.unlocked = True
        self.message.value = ""
        self.form.layout.display = "none"
        self.widget.children = [self.content, *([self.carrier] if self.carrier else [])]
        self._on_unlock()
