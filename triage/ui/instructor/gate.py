"""Only the instructor sees the class: the instructor apps open behind this gate.

In JupyterLab (one user) the user is the instructor. On JupyterHub the class service decides: the
gate opens, with no key, for members of the hub's ``instructors`` group
(:meth:`~triage.ui.context.AppContext.hub_instructor`) and stays closed for everyone else. In
standalone Voilà the page needs the instructor key the server was started with
(``TRIAGE_INSTRUCTOR_KEY``; ``make app`` prints one), either as the ``key`` URL parameter or typed
into the password field here. Until then the gate shows a plain message and nothing of the class;
the app behind it reads the class only once unlocked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..common import PRIMARY, esc
from ..context import AppContext
from ..widgets import classed

MAX_TRIES = 10  # then the page must be reloaded (slows down guessing)


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
                           placeholder="as printed when the server started", layout=w.Layout(width="auto"))
        self.button = classed(w.Button, PRIMARY, "triage-gate-open", description="Open the instructor view",
                              tooltip="Check the instructor key", layout=w.Layout(width="auto"))
        self.button.on_click(self.on_try)
        self.feedback = classed(w.HTML, "triage-gate-feedback")
        self.form = w.VBox([self.key, self.button, self.feedback])
        self.form.layout.display = "none"
        self.widget = classed(w.VBox, "triage-gate", children=[self.message, self.form])
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
                "(which prints a key) or set <code>TRIAGE_INSTRUCTOR_KEY</code> before starting it.</p>"
            )
            return
        self.message.value = (
            f"<h3>Instructor view</h3><p>The {esc(self._what)} shows the class's answers, so it opens only with "
            "the instructor key. The key was printed in the terminal where the server was started.</p>"
        )
        self.form.layout.display = None

    def on_try(self, _: Any = None) -> None:
        if self.unlocked:
            return
        if self.tries >= MAX_TRIES:
            self.feedback.value = "<p role='alert'>Too many wrong keys: reload the page to try again.</p>"
            return
        self.tries += 1
        if self.context.is_instructor(self.key.value):
            self.key.value = ""
            self._open()
        else:
            self.feedback.value = ("<p role='alert' class='triage-problem'>That key is not right; check it and "
                                   "try again.</p>")

    def _open(self) -> None:
        self.unlocked = True
        self.message.value = ""
        self.form.layout.display = "none"
        self.widget.children = [self.content]
        self._on_unlock()
