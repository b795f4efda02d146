"""The frame every app sits in: one header and one footer per page, the same on every app.

A *page* is one notebook in one kernel (a Voilà page, or a notebook in JupyterLab); it is keyed by
the :class:`~triage.ui.context.AppContext` the apps share. On a page:

- the **header** (the educational-use notice in the one wording of :data:`triage.model.DISCLAIMER`,
  "answering as NAME" with a link home to change it in standalone Voilà, the context's messages in
  plain words) is shown once, by the first app built on the page;
- the **class panel** slot (class ``triage-class-panel``) sits under the header; it stays empty
  until a provider is registered with :func:`set_class_panel_provider` (the live poll);
- the **footer** ("Next: <app>" and "All apps" links from the course map, and the glossary) is
  shown once, under the last app built on the page: each new app takes it over from the previous one.
- In JupyterLab the stylesheet (``static/triage.css``) is injected once, with the header; under Voilà the
  ``triage`` template links the same file, so nothing is injected.

Re-running the cell that built the header (JupyterLab) builds it again in that cell's new output.

In a preheated Voilà kernel the notebook runs before anyone asks for the page, so who is answering
is not known yet, and waiting for it would hold the cell past Voilà's cell timeout. Apps built then
get a provisional page (a guest who saves nothing); a background thread waits for the request
(:func:`~triage.ui.context.current_context`) and then hands every such page the real context:
header and footer are redrawn and the apps' :meth:`AppFrame.on_context` callbacks run (the drill
reloads the student's record).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..course import course, next_app
from ..errors import TriageError
from ..identity import GUEST
from ..model import DISCLAIMER
from ..store.memory import MemoryStore
from .common import esc
from .context import AppContext, current_context

STYLESHEET = Path(__file__).with_name("static") / "triage.css"
NOTICE_LEAD = "Educational use only."

ClassPanelProvider = Callable[[AppContext, str], "w.Widget | None"]
_class_panel_provider: ClassPanelProvider | None = None


@cache
def stylesheet() -> str:
    """The suite's stylesheet (``triage/ui/static/triage.css``)."""
    return STYLESHEET.read_text(encoding="utf-8")


def notice_html() -> str:
    """The educational-use notice, in the one wording the suite uses (``DISCLAIMER``)."""
    rest = DISCLAIMER.removeprefix(NOTICE_LEAD).strip()
    return f'<p class="triage-notice" role="note"><strong>{esc(NOTICE_LEAD)}</strong> {esc(rest)}</p>'


def set_class_panel_provider(provider: ClassPanelProvider | None) -> None:
    """Register what fills the class-panel slot of each new page: ``provider(context, notebook)``
    returns a widget (e.g. the open live poll) or None. Pages built before the call keep their slot."""
    global _class_panel_provider
    _class_panel_provider = provider


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


def _link(context: AppContext, href: str, notebook: str, text: str, css: str = "") -> str:
    """A link to another app; in JupyterLab it also opens the notebook through the command linker."""
    attrs = f' class="{css}"' if css else ""
    if context.mode == "lab":
        args = esc(json.dumps({"path": notebook}))
        attrs += f' data-commandlinker-command="docmanager:open" data-commandlinker-args="{args}"'
    return f'<a href="{esc(href)}"{attrs}>{esc(text)}</a>'


def header_html(context: AppContext) -> str:
    """Notice, who is answering (with a way to change it) and the context's messages."""
    parts = [notice_html()]
    home = context.home_link()
    learner = context.learner
    if context.mode == "voila" and learner.can_save:
        parts.append(
            f'<p class="triage-who">Answering as <strong>{esc(learner.display_name)}</strong>. '
            f'<a href="{esc(home)}">Change name</a></p>'
        )
    elif context.mode == "hub" and learner.can_save:
        parts.append(f'<p class="triage-who">Answering as <strong>{esc(learner.display_name)}</strong>.</p>')
    for message in context.messages:
        link = f' <a href="{esc(home)}">Go to the home page</a>' if context.mode == "voila" else ""
        parts.append(f'<p class="triage-message" role="status">{esc(message)}{link}</p>')
    return '<div class="triage-header">' + "".join(parts) + "</div>"


def footer_html(context: AppContext, notebook: str) -> str:
    """"Next" and "All apps" links from the course map, then the glossary."""
    from .glossary import glossary_html  # the glossary is only needed once per page

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
    header_cell: str | None = None
    header_owner: weakref.ref[AppFrame] | None = None
    footer_owner: weakref.ref[AppFrame] | None = None
    listeners: list[Callable[[AppContext], None]] = field(default_factory=list)
    frames: list[weakref.ref[AppFrame]] = field(default_factory=list)

    def adopt(self, context: AppContext) -> None:
        """Take the real context of a page built provisionally: redraw, then tell the apps."""
        self.context = context
        self.header.value = header_html(context)
        self.footer.value = footer_html(context, self.notebook)
        _fill_class_panel(self.class_panel, context, self.notebook)
        for listener in list(self.listeners):
            listener(context)

    def resend(self) -> None:
        """Send the whole state of every widget on the page again.

        The page's browser may be fetching the widgets' state at the very moment the context
        arrives; an update sent between its snapshot and the widgets' creation is dropped by the
        browser's widget manager, so the adopted state is sent once more shortly after."""
        seen: set[str] = set()

        def walk(widget: w.Widget) -> None:
            if widget.model_id in seen:
                return
            seen.add(widget.model_id)
            widget.send_state()
            for child in getattr(widget, "children", ()):
                walk(child)

        for ref in list(self.frames):
            frame = ref()
            if frame is not None:
                walk(frame.widget)


_pages: dict[int, Page] = {}
_lock = threading.Lock()
RESEND_AFTER = (1.0, 3.0)  # seconds after adopting a context, and then after that (see Page.resend)
_provisional: AppContext | None = None


def _forget(key: int) -> None:
    _pages.pop(key, None)


def _fill_class_panel(slot: w.Box, context: AppContext, notebook: str) -> None:
    if _class_panel_provider is not None and context.learner.can_save:
        panel = _class_panel_provider(context, notebook)
        slot.children = (panel,) if panel is not None else ()


def page_for(context: AppContext, notebook: str) -> Page:
    """The page of ``context`` (one per kernel in practice), created on first use."""
    key = id(context)
    with _lock:
        page = _pages.get(key)
        if page is None or page.context is not context:
            header = w.HTML(header_html(context))
            header.add_class("triage-header-widget")
            slot = w.Box()
            slot.add_class("triage-class-panel")
            _fill_class_panel(slot, context, notebook)
            footer = w.HTML(footer_html(context, notebook))
            footer.add_class("triage-footer")
            style = None
            if context.mode != "voila":  # the Voilà template links the stylesheet itself
                style = w.HTML(f"<style>{stylesheet()}</style>")
                style.add_class("triage-style")
            page = Page(context, notebook, header, slot, footer, style)
            _pages[key] = page
            weakref.finalize(context, _forget, key)
    return page


def _waiting_for_request() -> bool:
    """True in a preheated Voilà kernel whose page has not been asked for yet."""
    return os.environ.get("VOILA_PREHEAT") == "True" and "QUERY_STRING" not in os.environ


def page_context() -> AppContext:
    """The context apps use when none is given: this kernel's, or a provisional one while a
    preheated kernel waits for its request (never blocks the cell)."""
    global _provisional
    with _lock:
        if _provisional is None and not _waiting_for_request():
            return _context_or_guest(current_context)
        if _provisional is None:
            mode = "hub" if os.environ.get("JUPYTERHUB_USER") else "voila"
            _provisional = AppContext(GUEST, MemoryStore("not saved yet"), mode)  # type: ignore[arg-type]
            threading.Thread(target=_resolve_later, args=(_provisional,), name="triage-context",
                             daemon=True).start()
        return _provisional


def _context_or_guest(resolve: Callable[[], AppContext]) -> AppContext:
    """The resolved context; if it cannot be made (a class store that cannot be opened), a guest page
    that works unsaved and says why, rather than an app that fails to appear."""
    try:
        return resolve()
    except TriageError as exc:
        mode = "hub" if os.environ.get("JUPYTERHUB_USER") else ("voila" if _in_voila() else "lab")
        message = f"Your answers are not being saved: {exc.problems[0].message}" if exc.problems else str(exc)
        return AppContext(GUEST, MemoryStore("not saved"), mode, (message,))  # type: ignore[arg-type]


def _in_voila() -> bool:
    from ..identity import in_voila

    return in_voila(os.environ)


def _resolve_later(provisional: AppContext, resolve: Callable[[], AppContext] | None = None) -> None:
    """Wait for the page's request, then give every provisional page the real context."""
    context = _context_or_guest(resolve or current_context)
    with _lock:
        pages = [p for p in _pages.values() if p.context is provisional]
        for page in pages:
            _pages.pop(id(provisional), None)
            _pages[id(context)] = page
    for page in pages:
        try:
            page.adopt(context)
        except TriageError as exc:  # a store that cannot be read: the page stays usable as it is
            page.header.value += f'<p class="triage-message" role="status">{esc(exc.problems[0].message)}</p>'
    for delay in RESEND_AFTER:
        time.sleep(delay)
        for page in pages:
            page.resend()


class AppFrame:
    """One app's box: ``[style] [header, class panel] *body [footer]`` (bracketed parts once per page)."""

    def __init__(self, context: AppContext | None, notebook: str, *body: w.Widget, css_class: str = "") -> None:
        self.notebook = notebook
        self.page = page_for(context or page_context(), notebook)
        self.body: tuple[w.Widget, ...] = tuple(body)
        self.widget = w.VBox()
        self.widget.add_class("triage-app")
        if css_class:
            self.widget.add_class(css_class)
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
        """The page's context (provisional until a preheated kernel gets its request)."""
        return self.page.context

    def on_context(self, callback: Callable[[AppContext], None]) -> None:
        """Call ``callback(context)`` if the page's provisional context is replaced by the real one."""
        self.page.listeners.append(callback)

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
            top = [page.style, page.header, page.class_panel] if page.style is not None else [
                page.header, page.class_panel]
        bottom = [page.footer] if self.has_footer else []
        self.widget.children = (*top, *self.body, *bottom)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def app_frame(context: AppContext | None, notebook: str, *body: w.Widget, css_class: str = "") -> AppFrame:
    """Frame ``body`` as an app of ``notebook`` (see :class:`AppFrame`)."""
    return AppFrame(context, notebook, *body, css_class=css_class)
