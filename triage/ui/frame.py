"""The frame every app sits in: one header and one footer per page, the same on every app.

A *page* is one notebook in one kernel (a Voilà page, or a notebook in JupyterLab); it is keyed by
the :class:`~triage.ui.context.AppContext` the apps share. On a page:

- the **header** (the educational-use notice in the one wording of :data:`triage.domain.model.DISCLAIMER`,
  "answering as NAME" with a link home to change it in standalone Voilà, with how to change it in
  JupyterLab and Notebook 7, the hub user on JupyterHub, the context's messages in plain words) is
  shown once, by the first app built on the page; instructor apps show the notice and the messages,
  not who is answering;
- the **class panel** slot (class ``triage-class-panel``) sits under the header; a provider
  registered with :func:`set_class_panel_provider` fills it (``triage.ui`` registers the live poll
  of :mod:`triage.ui.poll` for student apps);
- the **footer** ("Next: <app>" and "All apps" links from the course map, and the glossary) is
  shown once, under the last app built on the page: each new app takes it over from the previous one.
- In JupyterLab the stylesheet (``static/triage.css``) is injected once, with the header; under Voilà the
  ``triage`` template links the same file, so nothing is injected.

Re-running the cell that built the header (JupyterLab) builds it again in that cell's new output.

**Preheated Voilà kernels.** The frame takes the page's context from
:func:`~triage.ui.context.current_context`, which never blocks: in a kernel Voilà preheated, the
notebook runs before anyone asks for the page, and the context is *pending* (``ready`` is False, the
learner is the guest) until the request arrives. The frame builds the page at once and registers
:meth:`Page.adopt` with :meth:`~triage.ui.context.AppContext.on_ready`: once the context resolves
(on the kernel's event loop), the header, footer and class panel are redrawn, the apps'
:meth:`AppFrame.on_context` callbacks run (the drill reloads the student's record), and the page's
widget state that changed is sent again a little later (:data:`RESEND_AT`, see :meth:`Page.resend`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..content.course import course, next_app
from ..errors import TriageError
from ..outputs.fragments import notice_html
from ..store.identity import GUEST, STUDENT_VARIABLE, Learner
from ..store.memory import MemoryStore
from .common import esc, glossary_html
from .context import AppContext, current_context
from .fallback import mimebundle
from .page_bridge import page_bridge, store_key
from .widgets import classed

STYLESHEET = Path(__file__).with_name("static") / "triage.css"
# Seconds after a pending page adopts its context at which the page's widget state is sent again.
RESEND_AT = (1.0, 4.0)
log = logging.getLogger(__name__)

ClassPanelProvider = Callable[[AppContext, str], "w.Widget | None"]
_class_panel_provider: ClassPanelProvider | None = None


@cache
def stylesheet() -> str:
    """The suite's stylesheet (``triage/ui/static/triage.css``)."""
    return STYLESHEET.read_text(encoding="utf-8")


def set_class_panel_provider(provider: ClassPanelProvider | None) -> ClassPanelProvider | None:
    """Register what fills the class-panel slot of each page: ``provider(context, notebook)`` returns a
    widget (e.g. the open live poll) or None. Pages built before the call keep their slot. Returns the
    provider registered before (so a caller can put it back)."""
    global _class_panel_provider
    previous, _class_panel_provider = _class_panel_provider, provider
    return previous


def _cell_id() -> str | None:
    """The JupyterLab cell id of the running execute request, when there is one (never imports IPython)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return None
    try:
        parent = kernel.get_parent()
    except (AttributeError, TypeError):  # pragma: no cover - older ipykernel
        parent = getattr(kernel, "_parent_header", {})
    metadata = parent.get("metadata", {}) if isinstance(parent, dict) else {}
    cell = metadata.get("cellId") or metadata.get("cell_id")
    return str(cell) if cell else None


def _audience(notebook: str) -> str:
    return next((a.audience for a in course() if a.notebook == notebook), "student")


def _link(context: AppContext, href: str, notebook: str, text: str, css: str = "") -> str:
    """A link to another app; in JupyterLab it also opens the notebook through the command linker."""
    attrs = f' class="{css}"' if css else ""
    if context.mode == "lab":
        args = esc(json.dumps({"path": notebook}))
        attrs += f' data-commandlinker-command="docmanager:open" data-commandlinker-args="{args}"'
    return f'<a href="{esc(href)}"{attrs}>{esc(text)}</a>'


def logout_href() -> str:
    """The hub's logout page for a page served by a JupyterHub (``$JUPYTERHUB_BASE_URL``, set for its servers)."""
    return os.environ.get("JUPYTERHUB_BASE_URL", "/").rstrip("/") + "/hub/logout"


def header_html(context: AppContext, notebook: str = "") -> str:
    """Notice, who is answering (with a way to change it, or to log out on a hub) and the context's messages.

    On an instructor app (``audience: instructor`` in the course map) nobody answers: the header
    leaves out the name and the reminder to choose one."""
    parts = [notice_html()]
    home = context.home_link()
    learner = context.learner
    student = _audience(notebook) == "student"
    if student and context.mode == "voila" and learner.can_save:
        parts.append(
            f'<p class="triage-who">Answering as <strong>{esc(learner.display_name)}</strong>. '
            f'<a href="{esc(home)}">Change name</a></p>'
        )
    elif context.mode == "hub":
        who = (f"Answering as <strong>{esc(learner.display_name)}</strong>. "
               if student and learner.can_save else "")
        parts.append(f'<p class="triage-who">{who}<a href="{esc(logout_href())}" target="_top">Log out</a></p>')
    elif student and context.mode == "lab" and learner.source in ("os", "name"):
        parts.append(lab_who_html(learner))
    for message in context.messages:
        if not student and message == context.learner_problem:
            continue
        link = f' <a href="{esc(home)}">Go to the home page</a>' if context.mode == "voila" else ""
        parts.append(f'<p class="triage-message" role="status">{esc(message)}{link}</p>')
    return '<div class="triage-header">' + "".join(parts) + "</div>"


def lab_who_html(learner: Learner) -> str:
    """JupyterLab and Notebook 7: who is answering (the OS user or the configured name) and how to change it."""
    where = "this computer's user name" if learner.source == "os" else f"the name set in {STUDENT_VARIABLE}"
    return (
        f'<p class="triage-who">Answering as <strong>{esc(learner.display_name)}</strong> ({where}).</p>'
        '<details class="triage-who-change"><summary>Answer under another name</summary>'
        "<p>Your answers are kept under this name. To use another one (on a computer account you share, "
        "say), stop JupyterLab and start it again with the name: "
        '<code>make lab STUDENT="Your Name"</code> (or set <code>TRIAGE_STUDENT</code> before starting '
        "<code>jupyter lab</code>), then run all cells again.</p></details>"
    )


def footer_html(context: AppContext, notebook: str) -> str:
    """"Next" and "All apps" links from the course map, then the glossary."""
    nav = []
    upcoming = next_app(notebook)
    if upcoming is not None:
        number = upcoming.notebook[:2]
        nav.append(_link(context, context.app_link(upcoming.notebook), upcoming.notebook,
                         f"Next: {number} {upcoming.title} ({upcoming.minutes} min)", "triage-primary triage-next-app"))
    home_notebook = course()[0].notebook
    nav.append(_link(context, context.home_link(), home_notebook, "All apps", "triage-home"))
    return (
        '<nav class="triage-nav" aria-label="Course">' + "".join(nav) + "</nav>"
        + glossary_html()
    )


@dataclass(eq=False)
class Page:
    """The parts shown once per page, and which app shows them."""

    context: AppContext
    notebook: str
    header: w.HTML
    class_panel: w.Box
    footer: w.HTML
    style: w.HTML | None
    bridge: Any = None  # the page's browser side (:mod:`triage.ui.page_bridge`), None without anywidget
    fill_class_panel: bool = True
    header_cell: str | None = None
    header_owner: weakref.ref[AppFrame] | None = None
    footer_owner: weakref.ref[AppFrame] | None = None
    listeners: list[Callable[[AppContext], None]] = field(default_factory=list)
    frames: list[weakref.ref[AppFrame]] = field(default_factory=list)
    adopted_changes: list[tuple[w.Widget, list[str]]] = field(default_factory=list)

    def adopt(self, context: AppContext) -> None:
        """The pending context is now known (the page's request arrived): redraw, then tell the apps.

        A class store that cannot be read leaves the page usable as it is, with a message; the page's
        widget state it changed is sent again at :data:`RESEND_AT` (see :meth:`resend`)."""
        before = {widget.model_id: widget.get_state() for widget in self._widgets()}
        self.header.value = header_html(context, self.notebook)
        _keep_for(self, context)
        self.footer.value = footer_html(context, self.notebook)
        problems: list[str] = []
        steps: list[Callable[[], None]] = [lambda: _fill_class_panel(self, context)]
        steps += [lambda listener=listener: listener(context) for listener in list(self.listeners)]
        for step in steps:
            try:
                step()
            except TriageError as exc:
                problems.append(exc.problems[0].message if exc.problems else str(exc))
        for message in dict.fromkeys(problems):
            self.header.value += f'<p class="triage-message" role="status">{esc(message)}</p>'
        self.adopted_changes = changed_keys(before, self._widgets())
        self._schedule_resend()

    def _schedule_resend(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the kernel's event loop (plain Python, tests): no browser to race with
            return
        for delay in RESEND_AT:
            loop.call_later(delay, self.resend)

    def _widgets(self) -> list[w.Widget]:
        """Every live widget of the page's apps, each once."""
        seen: dict[str, w.Widget] = {}

        def walk(widget: w.Widget) -> None:
            if widget.comm is None or widget.model_id in seen:
                return
            seen[widget.model_id] = widget
            for child in getattr(widget, "children", ()):
                walk(child)

        for ref in list(self.frames):
            frame = ref()
            if frame is not None:
                walk(frame.widget)
        return list(seen.values())

    def resend(self) -> None:
        """Send again the state that adopting the context changed (:attr:`adopted_changes`).

        The page's browser may be fetching the widgets' state at the very moment the context arrives
        (ipywidgets' manager asks for every state at once, then opens each widget's comm); an update sent
        between that snapshot and the comm's opening is dropped by the browser, so it is sent once more
        shortly after. Only what adopting changed is sent: resending everything would also send a
        control's value while the student's own change to it is on its way, and undo that change."""
        for widget, keys in self.adopted_changes:
            if widget.comm is not None:
                widget.send_state(key=keys)


def changed_keys(before: dict[str, dict], widgets: list[w.Widget]) -> list[tuple[w.Widget, list[str]]]:
    """For each widget, the state keys that differ from ``before`` (all keys for a widget not in it)."""
    out = []
    for widget in widgets:
        state = widget.get_state()
        old = before.get(widget.model_id)
        keys = sorted(state) if old is None else sorted(k for k, v in state.items() if old.get(k) != v)
        if keys:
            out.append((widget, keys))
    return out


_pages: dict[int, Page] = {}
_lock = threading.Lock()
_fallback: AppContext | None = None


def _forget(key: int) -> None:
    _pages.pop(key, None)


def _keep_for(page: Page, context: AppContext) -> None:
    """Per-student state in the browser needs a student: a guest keeps nothing."""
    if page.bridge is not None and context.learner.can_save:
        page.bridge.store_key = store_key(context.learner.key, page.notebook)


def page_title(notebook: str) -> str:
    """The tab's title of an app: the course's title for it (the file name when it is not in the course)."""
    title = next((a.title for a in course() if a.notebook == notebook), notebook.removesuffix(".ipynb"))
    return f"{title} · Back & hip pain triage"


def _fill_class_panel(page: Page, context: AppContext) -> None:
    if page.fill_class_panel and _class_panel_provider is not None and context.learner.can_save:
        panel = _class_panel_provider(context, page.notebook)
        page.class_panel.children = (panel,) if panel is not None else ()


def page_for(context: AppContext, notebook: str, class_panel: bool = True) -> Page:
    """The page of ``context`` (one per kernel in practice), created on first use.

    A page created on a pending context is redrawn when the context resolves (:meth:`Page.adopt`).
    ``class_panel=False`` leaves the class-panel slot of a page this call creates empty."""
    key = id(context)
    created = False
    with _lock:
        page = _pages.get(key)
        if page is None or page.context is not context:
            header = classed(w.HTML, "triage-header-widget", value=header_html(context, notebook))
            slot = classed(w.Box, "triage-class-panel")
            footer = classed(w.HTML, "triage-footer", value=footer_html(context, notebook))
            style = None
            if context.mode != "voila":  # the Voilà template links the stylesheet itself
                style = classed(w.HTML, "triage-style", value=f"<style>{stylesheet()}</style>")
            bridge = page_bridge(page_title(notebook)) if context.mode != "static" else None
            page = Page(context, notebook, header, slot, footer, style, bridge, class_panel)
            _pages[key] = page
            weakref.finalize(context, _forget, key)
            created = True
    if created:
        if context.ready:
            _keep_for(page, context)
            _fill_class_panel(page, context)
        else:
            context.on_ready(page.adopt)
    return page


def page_context() -> AppContext:
    """The context apps use when none is given: this kernel's :func:`~triage.ui.context.current_context`
    (pending in a preheated Voilà kernel until its request arrives; never blocks the cell)."""
    global _fallback
    try:
        return current_context()
    except TriageError as exc:
        # a class store that cannot be opened: a guest page that works unsaved and says why, rather than
        # an app that fails to appear (one per kernel, so the apps of a page still share a page)
        if _fallback is None:
            mode = "hub" if os.environ.get("JUPYTERHUB_USER") else ("voila" if _in_voila() else "lab")
            message = f"Your answers are not being saved: {exc.problems[0].message}" if exc.problems else str(exc)
            _fallback = AppContext(GUEST, MemoryStore("not saved"), mode, (message,))  # type: ignore[arg-type]
        return _fallback


def _in_voila() -> bool:
    from ..store.identity import in_voila

    return in_voila(os.environ)


class AppFrame:
    """One app's box: ``[style] [header, class panel] *body [footer]`` (bracketed parts once per page).

    ``context`` defaults to :func:`page_context`; ``class_panel=False`` keeps the page's class-panel
    slot empty (when this app is the first on its page)."""

    def __init__(self, context: AppContext | None, notebook: str, *body: w.Widget, css_class: str = "",
                 class_panel: bool = True) -> None:
        self.notebook = notebook
        self.page = page_for(context or page_context(), notebook, class_panel)
        self.body: tuple[w.Widget, ...] = tuple(body)
        self.widget = classed(w.VBox, "triage-app", *([css_class] if css_class else []))
        page = self.page
        page.frames.append(weakref.ref(self))
        cell = _cell_id()
        owner = page.header_owner() if page.header_owner else None
        self.has_header = owner is None or (cell is not None and cell == page.header_cell)
        if self.has_header:
            if owner is not None and owner is not self:
                owner.has_header = False
                owner._render()
            page.header_owner = weakref.ref(self)
            page.header_cell = cell
        previous = page.footer_owner() if page.footer_owner else None
        if previous is not None and previous is not self:
            previous.has_footer = False
            previous._render()
        page.footer_owner = weakref.ref(self)
        self.has_footer = True
        self._render()

    @property
    def context(self) -> AppContext:
        """The page's context (pending until a preheated kernel gets its request; the same object after)."""
        return self.page.context

    def on_context(self, callback: Callable[[AppContext], None]) -> None:
        """Call ``callback(context)`` when a pending page learns who is answering (after the header is
        redrawn). On a page whose context was ready when it was built this never runs: the app was built
        with the real context. A :class:`~triage.errors.TriageError` it raises becomes a header message."""
        if not self.context.ready:
            self.page.listeners.append(callback)

    def on_visible(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when the student comes back to this page's tab or window (a served page or
        JupyterLab; nothing where the page has no browser side): a moment to read the class store again."""
        if self.page.bridge is not None:
            self.page.bridge.on_visible(callback)

    def keep(self, name: str, restore: Callable[[Any], None], tab: bool = False) -> Callable[[Any], None]:
        """Keep a small JSON value per student in this browser (``tab``: in this tab only, through its
        reloads): returns ``save(value)``; ``restore(value)`` is called with the kept value when the page
        opens. Nothing is kept for a guest, nor without a browser side (the static site)."""
        bridge = self.page.bridge
        if bridge is None:
            return lambda value: None
        bridge.on_restore(name, restore)
        return lambda value: bridge.save(name, value, tab)

    @property
    def header(self) -> w.HTML:
        return self.page.header

    @property
    def class_panel(self) -> w.Box:
        """The slot for the class panel (the open live poll); empty unless a provider filled it."""
        return self.page.class_panel

    @property
    def footer(self) -> w.HTML:
        return self.page.footer

    def set_body(self, *body: w.Widget) -> None:
        """Replace the app's own widgets (header and footer stay)."""
        self.body = tuple(body)
        self._render()

    def _render(self) -> None:
        page = self.page
        top: list[w.Widget] = []
        if self.has_header:
            top = [part for part in (page.style, page.header, page.bridge, page.class_panel) if part is not None]
        bottom = [page.footer] if self.has_footer else []
        self.widget.children = (*top, *self.body, *bottom)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)


def app_frame(context: AppContext | None, notebook: str, *body: w.Widget, css_class: str = "",
              class_panel: bool = True) -> AppFrame:
    """Frame ``body`` as an app of ``notebook`` (see :class:`AppFrame`)."""
    return AppFrame(context, notebook, *body, css_class=css_class, class_panel=class_panel)
