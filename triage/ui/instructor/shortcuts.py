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

A click in the presenter gives it the focus (it is focusable, ``tabindex=-1``, without an outline of its
own), so in JupyterLab the keys then go to the presenter, never to the notebook (whose command-mode A
and B would insert cells); the presenter is also marked ``data-lm-suppress-shortcuts``, which Lumino's
keyboard shortcuts honour. On a served page a key that steps the lesson scrolls the presenter back
into place (a case picked with the mouse leaves the page scrolled to the case list).

On a served page the projected text also fits the screen: when the story, the question and the poll's
chart are taller than the screen under the controls, the text shrinks (by a quarter at most,
``SMALLEST_FIT`` in the script) until they fit, and grows back when there is room (``--triage-fit``).
Answers with their feedback that do not fit beside the story even so take the whole width, in two
columns under the case's title and the question, each with its own bar and count in place of the chart;
the stage's text folds away until the answers are hidden (``triage-reveal-wide``).

While the page has no connection to the server (``triage-page.js``), a key or a click on a control is not
sent: steps kept and sent later would all land at once when the connection is back (two N and an A would
move two stages on and show the answers of a question the class has not seen). The control it stands for
(``key_targets``: key -> CSS class) is outlined in dashes with a "not sent" tag over its top edge (it keeps
its width, so the toolbar keeps its rows) until the connection is back, when the instructor presses it again;
a disabled control, which does nothing online either, is not marked.

``lesson`` is the presenter's state (case, stage, question, poll, what is shown, whether the lesson has
started); the browser tab keeps
it (``sessionStorage``) and hands it back after a reload or a server restart (``on_restore``).
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
const SMALLEST_FIT = 0.75;
const WIDE = "triage-reveal-wide";
// Shrink the projected text (--triage-fit) until the story, the question and the chart fit under the
// controls; never below SMALLEST_FIT of its size; grow back when there is room. Not while the full start
// screen (how to join, with its QR code) is up: it pushes the lesson down on purpose. Its one-line form
// (once the options are shown) is counted, as part of what must fit. Answers shown that do not fit beside
// the story even so: the grid takes the wide form (WIDE: the stage's text folds away, the answers flow in
// two columns across the screen), fitted the same way; if neither fits, the one that overflows less.
function fitToScreen(presenter) {
  const content = presenter.querySelector(".triage-presenter-content");
  const grid = presenter.querySelector(".triage-presenter-grid");
  const join = presenter.querySelector(".triage-join .triage-join-panel:not(.triage-join-compact)");
  if (!content || !grid) return;
  if (join && join.getBoundingClientRect().height > 1) { grid.classList.remove(WIDE); return; }
  // how far the grid's bottom is below the screen's when the presenter is at the top
  const overflow = () =>
    grid.getBoundingClientRect().bottom - presenter.getBoundingClientRect().top - (innerHeight - 8);
  const fits = (fit) => {
    content.style.setProperty("--triage-fit", String(fit));
    return overflow() <= 0;
  };
  // the largest size that fits, to within half a percent (a few layouts, no visible steps: one frame)
  const largest = () => {
    if (fits(1)) return 1;
    let lo = SMALLEST_FIT, hi = 1;
    if (!fits(lo)) return null;
    for (let i = 0; i < 6; i++) { const mid = (lo + hi) / 2; if (fits(mid)) lo = mid; else hi = mid; }
    return Math.round(lo * 1000) / 1000;
  };
  const before = content.style.getPropertyValue("--triage-fit");
  const wasWide = grid.classList.contains(WIDE);
  grid.classList.remove(WIDE);
  let best = largest();
  if (best === null && grid.querySelector(".triage-answers li")) {
    const sideBySide = overflow();  // at SMALLEST_FIT, where largest() left it
    grid.classList.add(WIDE);
    best = largest();
    if (best === null && overflow() >= sideBySide) grid.classList.remove(WIDE);  // neither fits: the shorter
  }
  if (best === null) best = SMALLEST_FIT;
  const value = best >= 1 ? "" : String(best);
  if (value) content.style.setProperty("--triage-fit", value);
  else content.style.removeProperty("--triage-fit");
  return value !== before || wasWide !== grid.classList.contains(WIDE);
}
const offline = () => (document.documentElement.dataset.triageConnection || "ok") !== "ok";
function markNotSent(button) {  // a disabled control does nothing online either: nothing to mark
  if (button && !button.disabled) button.dataset.triageNotSent = "";
}
function render({ model, el }) {
  el.classList.add("triage-shortcuts-listener");
  const root = () => el.closest(".triage-presenter");
  const controlFor = (key) => {  // the control a key stands for
    const css = (model.get("key_targets") || {})[key];
    const scope = root();
    return css && scope ? scope.querySelector("." + css + " button, button." + css) : null;
  };
  const onConnection = (event) => {
    if (event.detail && event.detail.state === "ok") {
      document.querySelectorAll("[data-triage-not-sent]").forEach((b) => { delete b.dataset.triageNotSent; });
    }
  };
  window.addEventListener("triage-connection", onConnection);
  // a click on a control while the connection is lost: not sent (stopped before the button sees it), marked
  const onClick = (event) => {
    const scope = root();
    const button = event.target.closest && event.target.closest(".triage-toolbar button");
    if (!offline() || !button || !scope || !scope.contains(button) || button.disabled) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    markNotSent(button);
  };
  document.addEventListener("click", onClick, true);
  const STORE = "triage-presenter-lesson:" + location.pathname;
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
    if (offline()) {  // not kept for later: the instructor presses it again once the connection is back
      markNotSent(controlFor(key));
      return;
    }
    model.send({ key: key });
    // a step brings the projected area back into view (R shows the reasoning further down: no jump)
    if (served() && model.get("scroll_into_view") && key !== "r" && scope) {
      const top = scope.getBoundingClientRect().top;
      if (Math.abs(top) > 2) scope.scrollIntoView({ block: "start" });
    }
  };
  // capture: before the focused control's own handling
  window.addEventListener("keydown", onKey, true);
  // A choice in the case picker gives the focus back to the page, so the next key steps the lesson.
  const onChange = (event) => {
    const picker = event.target.closest && event.target.closest(".triage-case-picker");
    const scope = root();
    if (!picker || !scope || !scope.contains(picker)) return;
    event.target.blur();
    scope.focus({ preventScroll: true });
  };
  document.addEventListener("change", onChange, true);
  // The element joins the page after render(): wait for it, then mark the presenter for JupyterLab
  // (our keys win inside it) and, on a served page (Voila), open the page on the presenter.
  const cleanups = [];
  let tries = 0;
  const attach = () => {
    const r = root();
    if (!r) { if (++tries < 100) requestAnimationFrame(attach); return; }
    r.setAttribute("data-lm-suppress-shortcuts", "true");
    // what the page's connection notice says of this app (its steps are not kept while offline)
    r.setAttribute("data-triage-offline-note",
                   "The presenter's controls do nothing until it is back: press them again then");
    // a click on the presenter's text gives it the focus, so the keys that follow are the presenter's
    if (!r.hasAttribute("tabindex")) r.setAttribute("tabindex", "-1");
    if (served()) document.body.classList.add("triage-projecting");
    if (model.get("scroll_into_view") && served()) {
      r.scrollIntoView({ block: "start" });
      let queued = false;
      const refit = () => {
        if (queued) return;
        queued = true;
        requestAnimationFrame(() => { queued = false; fitToScreen(r); });
      };
      const grid = r.querySelector(".triage-presenter-grid");
      const watcher = new ResizeObserver(refit);
      if (grid) watcher.observe(grid);
      const join = r.querySelector(".triage-join");
      if (join) watcher.observe(join);
      const bar = r.querySelector(".triage-toolbar");  // a control that grows moves the lesson down
      if (bar) watcher.observe(bar);
      // another screen (the projector's resolution): fitted again, and the presenter back at the top
      const resized = () => { refit(); requestAnimationFrame(() => r.scrollIntoView({ block: "start" })); };
      addEventListener("resize", resized);
      refit();
      cleanups.push(() => { watcher.disconnect(); removeEventListener("resize", resized); });
    }
  };
  requestAnimationFrame(attach);
  // the lesson's state lives in the tab: kept on every change, handed back once after a reload
  const keep = () => {
    try { sessionStorage.setItem(STORE, JSON.stringify(model.get("lesson"))); } catch (e) { /* no storage */ }
  };
  model.on("change:lesson", keep);
  let kept = null;
  try { kept = JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { kept = null; }
  if (kept && typeof kept === "object") model.send({ restore: kept });
  return () => {
    cleanups.forEach((f) => f());
    window.removeEventListener("triage-connection", onConnection);
    document.removeEventListener("click", onClick, true);
    model.off("change:lesson", keep);
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
    lesson = traitlets.Dict().tag(sync=True)
    key_targets = traitlets.Dict().tag(sync=True)

    def __init__(self, keys: Sequence[str], handler: Callable[[str], None],
                 on_restore: Callable[[dict[str, Any]], None] | None = None, **kwargs: Any) -> None:
        super().__init__(shortcut_keys=list(keys), **kwargs)
        self._handler = handler
        self._on_restore = on_restore
        self.on_msg(self._on_message)

    def _on_message(self, _: Any, content: Any, buffers: Any = None) -> None:
        if not isinstance(content, dict):
            return
        if content.get("key") in self.shortcut_keys and self.enabled:
            self._handler(str(content["key"]))
        elif isinstance(content.get("restore"), dict) and self._on_restore is not None:
            self._on_restore(content["restore"])
