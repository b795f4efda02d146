"""The page an app runs in: who is answering, where answers go, and how to link to other apps.

Resolved once per kernel by :func:`current_context` and handed to every app; apps never read the
environment or the URL themselves. Tests (and notebooks that want something special) pass their
own :class:`AppContext` to an app, or call :func:`use_context`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, urlencode

from ..identity import BROWSER, Learner, in_voila, resolve_learner
from ..store import ClassStore, open_store

Mode = Literal["lab", "voila", "hub", "static"]


@dataclass
class AppContext:
    """Learner, store and serving mode of one page, plus plain-words messages to show the student."""

    learner: Learner
    store: ClassStore
    mode: Mode = "lab"
    messages: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)

    def app_link(self, notebook: str) -> str:
        """A link to another app that keeps the student's name (Voilà) or opens the notebook (JupyterLab)."""
        if self.mode == "lab":
            return notebook
        if self.mode == "static":  # voici pages of the static build: voici/render/<stem>.html
            return notebook.removesuffix(".ipynb") + ".html"
        keep = {k: v for k, v in self.params.items() if k in ("student", "class")}
        return f"{notebook}?{urlencode(keep)}" if keep else notebook

    def home_link(self) -> str:
        """The landing page (Voilà) or the first notebook (JupyterLab)."""
        if self.mode == "lab":
            return "00_start_here.ipynb"
        if self.mode == "static":
            return "../../index.html"  # from voici/render/<stem>.html to the static site's home
        keep = {k: v for k, v in self.params.items() if k in ("student", "class")}
        base = "../../"  # from /voila/render/<nb> to the server root
        return f"{base}?{urlencode(keep)}" if keep else base


_current: AppContext | None = None


def _query_string(environ: Mapping[str, str]) -> str | None:
    """The page's query string in Voilà (waiting for the request in a preheated kernel), else None."""
    if not in_voila(environ):
        return None
    try:
        from voila.utils import get_query_string
    except ImportError:  # pragma: no cover - Voilà is a dependency
        return environ.get("QUERY_STRING", "")
    return get_query_string() or ""


def current_context() -> AppContext:
    """This kernel's context, resolved on first use and then reused by every app on the page."""
    global _current
    if _current is None and os.environ.get("TRIAGE_STATIC_STORE"):
        _current = _static_context(os.environ)
    if _current is None:
        environ = dict(os.environ)
        query = _query_string(environ)
        resolution = resolve_learner(environ, query, environ.get("TRIAGE_CLASS_CODE") or None)
        mode: Mode = "hub" if environ.get("JUPYTERHUB_USER") else ("voila" if query is not None else "lab")
        params = {k: v[0] for k, v in parse_qs(query or "").items() if v}
        messages = (resolution.problem,) if resolution.problem else ()
        _current = AppContext(resolution.learner, open_store(), mode, messages, params)
    return _current


def _static_context(environ: Mapping[str, str]) -> AppContext:
    """The static build (Pyodide in the browser, set up by ``make static``): one learner per browser
    profile, answers in ``$TRIAGE_STATIC_STORE`` on the browser's drive; ``TRIAGE_STATIC_LAB`` marks
    the build's JupyterLab, whose links open notebooks rather than voici pages."""
    from ..store.jsonfile import open_browser_store

    store, problem = open_browser_store(environ["TRIAGE_STATIC_STORE"])
    mode: Mode = "lab" if environ.get("TRIAGE_STATIC_LAB") else "static"
    return AppContext(BROWSER, store, mode, (problem,) if problem else ())


def use_context(context: AppContext | None) -> None:
    """Replace (or, with None, forget) this kernel's context."""
    global _current
    _current = context
