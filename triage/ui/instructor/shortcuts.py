"""Single-key shortcuts for the presenter: a tiny browser-side listener that tells the kernel which key.

ipywidgets has no keyboard events, so this is an ``anywidget`` (a few lines of JavaScript shipped as
a string, served by the page itself, nothing from a CDN). It listens on the page while the presenter
is shown and sends ``{"key": "n"}`` to Python for the keys it was given (letters, and the keys a
presentation clicker sends: PageDown / PageUp, the arrows, Space). It listens before the focused
control does, so the keys work whatever has the focus, a drop-down, a button or a checkbox included;
only text fields keep their keys, as do keys with Ctrl, Alt or Meta (Alt+Down opens the case picker)
and keys pressed inside other parts of a JupyterLab window. A choice in the case picker hands the
focus back to the page. ``enabled`` turns the shortcuts off (WCAG 2.1.4: single-character shortcuts
can be switched off).
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
  if (tag === "textarea" || target.isContentEditable) return true;
  return tag === "input" && TYPING.has((target.type || "text").toLowerCase());
}
function render({ model, el }) {
  el.classList.add("triage-shortcuts-listener");
  const root = () => el.closest(".triage-presenter");
  // On a served page (Voila) the presenter owns the whole page; inside JupyterLab only its own area.
  const served = () => !!document.getElementById("rendered_cells");
  const onKey = (event) => {
    if (!model.get("enabled") || event.defaultPrevented) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target)) return;
    const t = event.target;
    const scope = root();
    const onPage = served() || t === document.body || t === document.documentElement || (scope && scope.contains(t));
    if (!onPage) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (!model.get("shortcut_keys").includes(key)) return;
    // ours even when a drop-down, a button or a checkbox has the focus (a clicker's Space or arrows
    // would otherwise change the case, press a button or scroll the page)
    event.preventDefault();
    event.stopPropagation();
    model.send({ key: key });
  };
  // capture: before the focused control's own handling
  window.addEventListener("keydown", onKey, true);
  // A choice in the case picker gives the focus back to the page, so the next key steps the lesson.
  const onChange = (event) => {
    const picker = event.target.closest && event.target.closest(".triage-case-picker");
    const scope = root();
    if (!picker || !scope || !scope.contains(picker)) return;
    event.target.blur();
    if (!scope.hasAttribute("tabindex")) scope.setAttribute("tabindex", "-1");
    scope.focus({ preventScroll: true });
  };
  document.addEventListener("change", onChange, true);
  // The element joins the page after render(): wait for it, then mark the presenter for JupyterLab
  // (our keys win inside it) and, on a served page (Voila), open the page on the presenter.
  let tries = 0;
  const attach = () => {
    const r = root();
    if (!r) { if (++tries < 100) requestAnimationFrame(attach); return; }
    r.setAttribute("data-lm-suppress-shortcuts", "true");
    if (served()) document.body.classList.add("triage-projecting");
    if (model.get("scroll_into_view") && served()) {
      r.scrollIntoView({ block: "start" });
    }
  };
  requestAnimationFrame(attach);
  return () => {
    window.removeEventListener("keydown", onKey, true);
    document.removeEventListener("change", onChange, true);
  };
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
