"""Tornado handlers: the progress endpoint (standalone Voilà and Jupyter server alike) and the app page
that answers "server is full" (HTTP 503) instead of starting a kernel past the ceiling."""

from __future__ import annotations

import html
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from voila.tornado.handler import TornadoVoilaHandler

from ..domain.model import IF_WORRIED
from ..errors import StoreError
from ..store import ClassStore, open_store
from .kernels import ClassroomKernelManager, ServerFullError
from .progress import Answer, IdentityMode, answer_progress, hub_learner, typed_learner

SETTINGS_KEY = "triage_serve"
RETRY_AFTER_SECONDS = 30
STORE_RETRY_SECONDS = 30
log = logging.getLogger(__name__)


@dataclass
class ServeSettings:
    """What the handlers need from the server that mounts them (kept in the Tornado settings)."""

    mode: IdentityMode
    class_code: str | None = None
    hub_user: str | None = None  # hub mode: the hub user who owns this server (JUPYTERHUB_USER)
    store: ClassStore | None = None
    store_failed_at: float | None = None

    def open_store(self) -> ClassStore | None:
        """The class store, opened once per server process; None (and a log line) while it cannot be
        (tried again at most every ``STORE_RETRY_SECONDS``)."""
        now = time.monotonic()
        if self.store is None and (self.store_failed_at is None or now - self.store_failed_at > STORE_RETRY_SECONDS):
            try:
                self.store = open_store()
                self.store_failed_at = None
            except StoreError as exc:
                self.store_failed_at = now
                log.error("The progress endpoint cannot open the class store: %s", exc)
        return self.store


class ProgressHandler(APIHandler):
    """``GET <base_url>triage/api/progress``: see :mod:`triage.serve.progress` for the contract."""

    @property
    def serve_settings(self) -> ServeSettings:
        return self.settings[SETTINGS_KEY]

    @web.authenticated
    def get(self) -> None:
        settings = self.serve_settings
        if settings.mode == "hub" and settings.hub_user:
            # the request is authenticated (JupyterHub decides who may open this server); the record is
            # the server owner's, the identity the apps' kernels in this server answer as
            learner = hub_learner(settings.hub_user)
        else:
            learner = typed_learner(self.request.query, settings.class_code)
        try:
            answer = answer_progress(learner, settings.open_store())
        except StoreError as exc:
            log.error("The progress endpoint cannot read the class store: %s", exc)
            answer = Answer(503, {"error": "Your record cannot be read right now; your apps still work."})
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        self.set_status(answer.status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(answer.body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors in plain words, never a traceback."""
        self._send(Answer(status_code, {"error": "The record could not be read (the server hit a problem)."}))


def progress_handlers(base_url: str) -> list[tuple[str, type, dict[str, Any]]]:
    """Routes to add to a Tornado application (standalone Voilà or a Jupyter server)."""
    return [(url_path_join(base_url, "triage/api/progress"), ProgressHandler, {})]


def server_full_page(base_url: str) -> str:
    """The page a student gets when every kernel place is taken: plain, offline, no traceback."""
    home = html.escape(base_url or "/", quote=True)
    if_worried = html.escape(IF_WORRIED)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The class server is full: try again shortly</title>
<style>
  body {{ font-family: system-ui, sans-serif; color: #1a1a1a; background: #ffffff; line-height: 1.5;
         max-width: 40rem; margin: 2rem auto; padding: 0 1rem; font-size: 1.05rem; }}
  a {{ color: #0b3d91; text-decoration: underline; }}
  .notice {{ border-left: 4px solid #0b3d91; background: #eef3fb; padding: .5rem .8rem; }}
</style>
</head>
<body>
<main>
<h1>The class server is full right now</h1>
<p>Every place on this server is in use by other students' apps. Nothing is wrong with your name or
your answers.</p>
<p><strong>Try again in a minute:</strong> reload this page. Places free up as other students close
their apps.</p>
<p><a href="{home}">Back to the list of apps</a></p>
<p class="notice">Educational use only: these apps teach how care for back and hip pain is organised;
they do not diagnose anyone. {if_worried}</p>
</main>
</body>
</html>
"""


class ClassroomVoilaHandler(TornadoVoilaHandler):
    """Voilà's app page, refusing politely (503) when a new kernel would pass the ceiling."""

    @web.authenticated
    async def get(self, path: str | None = None) -> None:
        manager = self.kernel_manager
        notebook = self.notebook_path or path or ""
        if isinstance(manager, ClassroomKernelManager) and notebook.endswith(".ipynb"):
            await manager.prune_pool(notebook)
            if not manager.has_ready_kernel(notebook) and not manager.has_room():
                manager.note_full()
                self._server_full()
                return
        try:
            await super().get(path)
        except ServerFullError:
            if self._headers_written:  # cannot happen before a kernel starts, but never send a traceback
                self.finish()
            else:
                self._server_full()

    def _server_full(self) -> None:
        self.clear()
        self.set_status(503)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
        self.finish(server_full_page(self.base_url))
