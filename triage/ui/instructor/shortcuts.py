"""Single-key shortcuts for the presenter: a tiny browser-side listener that tells the kernel which key.

ipywidgets has no keyboard events, so this is an ``anywidget`` (a few lines of JavaScript shipped as
a string, served by the page itself, nothing from a CDN). It listens on the page while the presenter
is shown and sends ``{"key": "n"}`` to Python for the keys it was given. Keys typed into a text field
or a drop-down are left alone, as are keys with Ctrl, Alt or Meta, and keys pressed inside other
parts of a JupyterLab window. ``enabled`` turns the shortcuts off (WCAG 2.1.4: single-character
shortcuts can be switched off).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import anywidget
import traitlets

ESM = r"""
const TYPING = new Set(["text", "password", "number", "search", "email", "url", "tel", "date", "time"]);
function typing(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
  return tag === "input" && TYPING.has((target.type || "text").toLowerCase());
}
function render({ model, el }) {
  el.classList.add("triage-shortcuts-listener");
  const scope = () => el.closest(".triage-presenter") || document.body;
  const onKey = (event) => {
    if (!model.get("enabled") || event.defaultPrevented) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target)) return;
    const t = event.target;
    const onPage = t === document.body || t === document.documentElement || scope().contains(t);
    if (!onPage) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (!model.get("shortcut_keys").includes(key)) return;
    event.preventDefault();
    model.send({ key: key });
  };
  document.addEventListener("keydown", onKey);
  // The element joins the page after render(): wait for it, then mark the presenter for JupyterLab
  // (our keys win inside it) and, on a served page (Voila), open the page on the presenter.
  let tries = 0;
  const attach = () => {
    const root = el.closest(".triage-presenter");
    if (!root) { if (++tries < 100) requestAnimationFrame(attach); return; }
    root.setAttribute("data-lm-suppress-shortcuts", "true");
    if (model.get("scroll_into_view") && document.getElementById("rendered_cells")) {
      root.scrollIntoView({ block: "start" });
    }
  };
  requestAnimationFrame(attach);
  return () => document.removeEventListener("keydown", onKey);
}
export default { render };
"""


class KeyListener(anywidget.AnyWidget):
    """Sends the pressed key (one of ``shortcut_keys``) to :meth:`on_key` handlers."""

    _esm = ESM
    shortcut_keys = traitlets.List(traitlets.Unicode()).tag(sync=True)
    enabled = traitlets.Bool(True).tag(sync=True)
    scroll_into_view = traitlets.Bool(False).tag(sync=True)

    def __init__(self, keys: Sequence[str], handler: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(shortcut_keys=list(keys), **kwargs)
        self._handler = handler
        self.on_msg(self._on_message)

    def _on_message(self, _: Any, content: Any, buffers: Any = None) -> None:
        if isinstance(content, dict) and content.get("key") in self.shortcut_keys and self.enabled:
            self._handler(str(content["key"]))
