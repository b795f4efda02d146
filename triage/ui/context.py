"""The page an app runs in: who is answering, where answers go, and how to link to other apps.

Resolved once per kernel by :func:`current_context` and handed to every app; apps never read the
environment or the URL themselves. Tests (and notebooks that want something special) pass their
own :class:`AppContext` to an app, or call :func:`use_context`.

Where the learner comes from:

- JupyterHub (``JUPYTERHUB_USER``): the hub user.
- Standalone Voilà: the ``student`` / ``class`` URL parameters of the page. A *preheated* kernel runs
  the notebook before anyone asks for the page, so the learner is not known while the apps are built:
  the context starts *pending* (``ready`` is False, the learner is the guest) and a background thread
  waits for Voilà to hand over the request (``voila.utils.wait_for_request``). The context then
  resolves on the kernel's event loop and runs the callbacks apps registered with
  :meth:`AppContext.on_ready`. Blocking a cell instead would hit Voilà's cell timeout
  (``VoilaExecutor.timeout``) in a kernel that waits longer than that for its student.
- JupyterLab or plain Python: the operating-system user.
- The static build (Python in the browser, ``TRIAGE_STATIC_STORE`` set by ``make static``): one learner
  per browser profile (:data:`triage.store.identity.BROWSER`), answers in the browser's own storage.

The store is opened once per kernel (``TRIAGE_CLASS_DB``, see :mod:`triage.store`); when it cannot be
opened the apps keep working on an unsaved in-memory store and say so in plain words.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, urlencode

from ..errors import ProgressError, StoreError
from ..store import ClassStore, import_legacy_progress, open_store_or_memory
from ..store.identity import BROWSER, GUEST, Learner, in_voila, instructor_key_ok, resolve_learner

Mode = Literal["lab", "voila", "hub", "static"]
ReadyCallback = Callable[["AppContext"], None]
log = logging.getLogger(__name__)
KEEP_PARAMS = ("student", "class")  # what links to other apps carry (never the instructor key)
REQUEST_TRIES = 30  # attempts to fetch a preheated kernel's request from Voila ...
REQUEST_RETRY_PAUSE = 1.0  # ... this many seconds apart
REQUEST_CONNECT_TIMEOUT = 60.0  # seconds to open the websocket on a busy server


@dataclass
class AppContext:
    """Learner, store and serving mode of one page, plus plain-words messages to show the student.

    ``ready`` is False only in a preheated Voilà kernel before its page was requested; apps build
    their widgets anyway and read the learner's record in an :meth:`on_ready` callback.
    ``instructor_key`` is the key the server was started with (``TRIAGE_INSTRUCTOR_KEY``), if any.
    """

    learner: Learner
    store: ClassStore
    mode: Mode = "lab"
    messages: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict, repr=False)  # may hold the instructor key
    instructor_key: str | None = field(default=None, repr=False)
    ready: bool = True
    learner_problem: str | None = None  # the message about the name (also in ``messages``), if any
    _waiting: list[ReadyCallback] = field(default_factory=list, repr=False, compare=False)

    def app_link(self, notebook: str) -> str:
        """A link to another app that keeps the student's name (Voilà) or opens the notebook (JupyterLab)."""
        if self.mode == "lab":
            return notebook
        if self.mode == "static":  # voici pages of the static build: voici/render/<stem>.html
            return notebook.removesuffix(".ipynb") + ".html"
        keep = {k: v for k, v in self.params.items() if k in KEEP_PARAMS}
        return f"{notebook}?{urlencode(keep)}" if keep else notebook

    def home_link(self) -> str:
        """The landing page (Voilà) or the first notebook (JupyterLab)."""
        if self.mode == "lab":
            return "00_start_here.ipynb"
        if self.mode == "static":
            return "../../index.html"  # from voici/render/<stem>.html to the static site's home
        keep = {k: v for k, v in self.params.items() if k in KEEP_PARAMS}
        base = "../../"  # from /voila/render/<nb> to the server root
        return f"{base}?{urlencode(keep)}" if keep else base

    def is_instructor(self, given_key: str | None = None) -> bool:
        """May this page see the class? Never before the learner is known.

        - JupyterLab: yes (one user, who is their own instructor).
        - JupyterHub: when the class service counts the hub user as an instructor (:meth:`hub_instructor`:
          members of the hub's ``instructors`` group); no key, typed or not.
        - Standalone Voilà: only with the instructor key, typed (``given_key``) or as the ``key`` URL parameter.
        """
        if not self.ready:
            return False
        if self.mode == "lab":
            return True
        if self.mode == "hub":
            return self.hub_instructor()
        given = given_key if given_key is not None else self.params.get("key")
        return instructor_key_ok(given, self.instructor_key)

    def hub_instructor(self) -> bool:
        """On JupyterHub: does the class service (``GET me``) count this page's hub user as an instructor?

        The service answers with the permission that governs every class-wide call (the hub grants it to
        the ``instructors`` group), so the instructor apps open exactly when their class reads will
        succeed. False for any other store, or when the service cannot be asked."""
        from ..store.hub import HubStore

        if not isinstance(self.store, HubStore):
            return False
        try:
            return self.store.me().instructor
        except StoreError:
            log.warning("could not ask the class service whether this user is an instructor", exc_info=True)
            return False

    def on_ready(self, callback: ReadyCallback) -> None:
        """Run ``callback(context)`` once the learner is known: now if it is, else when the request arrives."""
        if self.ready:
            callback(self)
        else:
            self._waiting.append(callback)

    def resolve(self, query: str | None, environ: Mapping[str, str]) -> None:
        """Fill in the learner from the page's query string and run the waiting callbacks (in order).

        A callback that raises does not stop the others; the first error is raised at the end.
        """
        resolution = resolve_learner(environ, query, environ.get("TRIAGE_CLASS_CODE") or None)
        self.learner = resolution.learner
        self.mode = "hub" if environ.get("JUPYTERHUB_USER") else ("voila" if query is not None else "lab")
        self.params = {k: v[0] for k, v in parse_qs(query or "").items() if v}
        self.learner_problem = resolution.problem
        if resolution.problem:
            self.messages = (*self.messages, resolution.problem)
        if self.learner.source == "os":
            self.messages = (*self.messages, *_import_legacy(self.store, self.learner))
        if self.learner.source == "name":
            self.messages = (*self.messages, *_same_student(self.store, self.learner))
        self.ready = True
        waiting, self._waiting = self._waiting, []
        first: BaseException | None = None
        for callback in waiting:
            try:
                callback(self)
            except Exception as exc:  # one broken app must not keep the others from loading
                log.exception("an app failed to load the learner's record")
                first = first or exc
        if first is not None:
            raise first


_current: AppContext | None = None


def open_class_store(environ: Mapping[str, str]) -> tuple[ClassStore, tuple[str, ...]]:
    """The class store (``TRIAGE_CLASS_DB``, else the store's default path), or an unsaved in-memory one
    with a plain-words message naming the location when it cannot be used."""
    store, problem = open_store_or_memory(environ.get("TRIAGE_CLASS_DB") or None)
    return store, (problem,) if problem else ()


def _import_legacy(store: ClassStore, learner: Learner) -> tuple[str, ...]:
    """Bring a JupyterLab user's old progress file into the store, once (the store keeps a marker)."""
    try:
        import_legacy_progress(store, learner)
    except (OSError, ProgressError, StoreError) as exc:
        return (f"Your earlier progress file could not be brought in ({exc}); it is kept as it was.",)
    return ()


def _same_student(store: ClassStore, learner: Learner) -> tuple[str, ...]:
    """Typed names are matched without regard to capital letters and spacing ("ana" and "Ana" are one
    student, as a teacher expects of one student typing their name on two devices). When the record
    was written under another spelling, say so: it may be someone else's name."""
    try:
        stored = store.learner_record(learner).display_name
    except StoreError:
        return ()
    if not stored or stored == learner.display_name:
        return ()
    return (f"You are answering as the same student as “{stored}”: names are matched without regard to "
            f"capital letters and spaces, so their answers are yours here. If “{stored}” is someone else, "
            "go back to the home page and type your full name.",)


def _preheated_before_request(environ: Mapping[str, str]) -> bool:
    """True in a kernel Voilà preheated and whose page has not been requested yet."""
    return environ.get("VOILA_PREHEAT") == "True" and "QUERY_STRING" not in environ


def _voila_wait() -> None:
    """Block until Voilà hands this preheated kernel its page request; put the request into ``os.environ``.

    The same exchange as ``voila.utils.wait_for_request`` (a websocket to ``/voila/query/<kernel id>``,
    whose one message is the request's CGI-style variables), with a longer connection timeout: Voilà's
    own gives up after 5 s, which a server busy starting a pool of kernels can exceed.
    """
    import json

    from websockets.sync.client import connect

    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = f"{protocol}://{host}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID', '')}"
    with connect(url, open_timeout=REQUEST_CONNECT_TIMEOUT, max_size=None) as socket:
        info = json.loads(socket.recv())
    os.environ.update({str(k): str(v) for k, v in info.items()})


def _wait_for_request(context: AppContext, waiter: Callable[[], None] = _voila_wait) -> None:
    """Wait for this kernel's page request in a thread; resolve the context on the kernel's event loop.

    ``waiter`` blocks until the request's details are in ``os.environ`` (Voilà's ``wait_for_request``).
    """
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:  # pragma: no cover - no loop in this thread: resolve when the request arrives
        loop = None

    def wait() -> None:
        # Voila keeps the request for this kernel until it is fetched, so a failed connection (a server
        # busy starting kernels) is simply tried again; after that the page works as a guest.
        for _ in range(REQUEST_TRIES):
            try:
                waiter()
            except Exception:
                log.exception("could not read this page's request from Voila")
            if "QUERY_STRING" in os.environ:
                break
            time.sleep(REQUEST_RETRY_PAUSE)
        query = os.environ.get("QUERY_STRING", "")
        environ = dict(os.environ)
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(context.resolve, query, environ)
        else:  # pragma: no cover - outside a kernel
            context.resolve(query, environ)

    threading.Thread(target=wait, name="triage-wait-for-request", daemon=True).start()


def build_context(environ: Mapping[str, str], waiter: Callable[[], None] = _voila_wait) -> AppContext:
    """A context for a kernel with this environment (pending in a preheated Voilà kernel)."""
    store, messages = open_class_store(environ)
    key = environ.get("TRIAGE_INSTRUCTOR_KEY") or None
    if not environ.get("JUPYTERHUB_USER") and _preheated_before_request(environ):
        context = AppContext(GUEST, store, "voila", messages, {}, key, ready=False)
        _wait_for_request(context, waiter)
        return context
    query = environ.get("QUERY_STRING", "") if in_voila(environ) else None
    context = AppContext(GUEST, store, "lab", messages, {}, key, ready=False)
    context.resolve(query, environ)
    return context


def current_context() -> AppContext:
    """This kernel's context, built on first use and then shared by every app on the page."""
    global _current
    if _current is None and os.environ.get("TRIAGE_STATIC_STORE"):
        _current = _static_context(os.environ)
    if _current is None:
        _current = build_context(dict(os.environ))
    return _current


def _drive_is_kept() -> bool:
    """False in a browser page that is not a secure context (plain http:// to another computer): there
    JupyterLite has no service worker, and its drive lives in the page's memory only."""
    if sys.platform != "emscripten":
        return True
    try:
        import js  # Pyodide's view of the page's (or its worker's) global scope
    except ImportError:
        return True
    return bool(getattr(js, "isSecureContext", True))


def _static_context(environ: Mapping[str, str]) -> AppContext:
    """The static build (Pyodide in the browser, set up by ``make static``): one learner per browser
    profile, answers in ``$TRIAGE_STATIC_STORE`` on the browser's drive; ``TRIAGE_STATIC_LAB`` marks
    the build's JupyterLab, whose links open notebooks rather than voici pages."""
    from ..store.jsonfile import open_browser_store

    store, problem = open_browser_store(environ["TRIAGE_STATIC_STORE"], kept=_drive_is_kept())
    mode: Mode = "lab" if environ.get("TRIAGE_STATIC_LAB") else "static"
    return AppContext(BROWSER, store, mode, (problem,) if problem else ())


def use_context(context: AppContext | None) -> None:
    """Replace (or, with None, forget) this kernel's context."""
    global _current
    _current = context
