"""The lean student server: Voilà apps only, no code, notebook sources refused, kernels warmed early.

Loaded by ``deploy/student_server_config.py`` into each student's ``jupyterhub-singleuser``:

- :data:`VOILA_MESSAGES`: the only kernel messages the server passes on from a browser, the ones
  standalone Voilà allows (widgets and kernel info). An ``execute_request`` (code) is dropped, so a
  student cannot run code in their kernels, whatever they send over the websocket.
- :class:`LessonAuthorizer` refuses the Jupyter server's own routes that hand out notebook files
  (contents API, ``/files``, ``/view``, ``/nbconvert``) and terminals, for the student too: the apps'
  sources stay stripped. Voilà's pages, its kernel websocket and the hub's OAuth are unaffected.
- :class:`PreheatedKernelManager` brings Voilà's pool of preheated kernels (a kernel that has
  already run the notebook, waiting for its student) into the Jupyter server. Voilà does this only
  when it runs standalone; as a server extension every page would start its kernel on request
  (about 1.4 CPU-seconds when the whole class arrives at once). A kernel is handed out only when it
  is ready: a page opened while the used one is still being replaced starts its own at once.

A course that lets students run code (``TRIAGE_STUDENT_CODE=1``, set per user by the spawner) gets
none of the restrictions: JupyterLab in the student's home with a copy of the apps.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyterhub.singleuser.extension import JupyterHubAuthorizer
from traitlets import List, Unicode, default
from voila.configuration import VoilaConfiguration
from voila.notebook_renderer import NotebookRenderer
from voila.paths import collect_template_paths
from voila.utils import get_page_config
from voila.voila_kernel_manager import voila_kernel_manager_factory

from ..serve.kernels import restart_idle_clock

# Jupyter server resources that would show a notebook's source (or a shell) to whoever is logged in.
REFUSED_RESOURCES = frozenset({"contents", "nbconvert", "terminals"})
# Kernel messages a browser may send (standalone Voilà's list): widgets and kernel info, never code.
VOILA_MESSAGES = ("comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request",
                  "shutdown_request")


class LessonAuthorizer(JupyterHubAuthorizer):
    """The hub's access check, plus: nobody reads notebook files or opens a terminal through this server."""

    def is_authorized(self, handler, user, action, resource):
        if resource in REFUSED_RESOURCES:
            self.log.info("refused %s on %s for %s", action, resource, getattr(user, "username", user))
            return False
        return super().is_authorized(handler, user, action, resource)


_PooledBase: Any = voila_kernel_manager_factory(AsyncMappingKernelManager, preheat_kernel=True, default_pool_size=0)


class PreheatedKernelManager(_PooledBase):
    """Voilà's preheated-kernel pool inside a Jupyter server (one kernel per listed app, by default).

    Voilà's pool reads a few settings from its parent application (the standalone ``Voila`` app); a
    Jupyter server lacks them, so they are provided here from the same sources the Voilà server
    extension uses (the server's ``VoilaConfiguration`` and the template's paths).
    """

    preheat = List(Unicode(), config=True, help="Notebooks (relative to the root folder) that keep one warm kernel.")

    def __init__(self, **kwargs: Any) -> None:
        parent = kwargs.get("parent")
        if parent is not None:
            # what Voilà's pool reads from a standalone Voilà app before the server starts
            for name, value in (("notebook_path", None), ("server_url", None)):
                if not hasattr(parent, name):
                    setattr(parent, name, value)
            if parent.server_url is None:
                parent.server_url = parent.base_url
        self._voila_parts: tuple[VoilaConfiguration, list[str]] | None = None
        self._ready_at: dict[asyncio.Future, float] = {}
        super().__init__(**kwargs)

    # -- never wait for a refill: a pool kernel counts only once its delay is over ----------------------
    def fill_if_needed(self, delay: float | None = None, notebook_name: str | None = None, *args: Any,
                       **kwargs: Any) -> None:
        pool = self._pools.get(notebook_name, [])
        before = set(pool)
        super().fill_if_needed(delay, notebook_name, *args, **kwargs)
        wait = self.fill_delay if delay is None else delay
        for task in self._pools.get(notebook_name, []):
            if task not in before:
                self._ready_at[task] = time.monotonic() + wait
                task.add_done_callback(lambda t: self._ready_at.pop(t, None))

    def _usable(self, task: asyncio.Future) -> bool:
        """Done, or starting now (a page may wait for that); not still in its refill delay."""
        return task.done() or time.monotonic() >= self._ready_at.get(task, 0.0)

    def get_pool_size(self, notebook_name: str) -> int:
        """Kernels a page may take now: a refill still waiting out ``fill_delay`` does not count, so a reload
        or second tab within that time starts a kernel of its own instead of waiting for the refill."""
        return sum(1 for task in self._pools.get(notebook_name, []) if self._usable(task))

    async def get_rendered_notebook(self, notebook_name: str, *args: Any, **kwargs: Any) -> Any:
        """Voilà's hand-out of a waiting kernel (a usable one first); its idle clock starts now
        (see :func:`restart_idle_clock`)."""
        self._pools.get(notebook_name, []).sort(key=lambda task: not self._usable(task))
        render_task, rendered_cache, kernel_id = await super().get_rendered_notebook(notebook_name, *args, **kwargs)
        restart_idle_clock(self, kernel_id)
        return render_task, rendered_cache, kernel_id

    @default("kernel_pools_config")
    def _one_kernel_per_listed_app(self) -> dict:
        pools: dict[str, dict] = {"default": {"pool_size": 0, "kernel_env_variables": self.default_env_variables}}
        for name in self.preheat:
            pools[name] = {"pool_size": 1, "kernel_env_variables": self.default_env_variables}
        return pools

    def _notebook_filter(self, nb_path: Path) -> bool:
        """Only the listed apps (Voilà passes absolute paths here)."""
        path = Path(nb_path)
        name = str(path.relative_to(self.root_dir)) if path.is_absolute() else str(path)
        return name in self.preheat and super()._notebook_filter(path)

    def _voila(self) -> tuple[VoilaConfiguration, list[str]]:
        if self._voila_parts is None:
            conf = VoilaConfiguration(parent=self.parent)
            self._voila_parts = (conf, collect_template_paths(["voila", "nbconvert"], conf.template))
        return self._voila_parts

    def _notebook_renderer_factory(self, notebook_path: str | None = None) -> NotebookRenderer:
        conf, template_paths = self._voila()
        app = self.parent
        settings = app.web_app.settings
        page_config = get_page_config(base_url=app.base_url, settings=settings, log=app.log,
                                      voila_configuration=conf)
        return NotebookRenderer(
            voila_configuration=conf,
            traitlet_config=app.config,
            notebook_path=notebook_path,
            template_paths=template_paths,
            config_manager=settings.get("config_manager"),
            contents_manager=app.contents_manager,
            base_url=app.base_url,
            kernel_spec_manager=app.kernel_spec_manager,
            page_config=page_config,
            mathjax_config=settings.get("mathjax_config"),
            mathjax_url=settings.get("mathjax_url"),
        )
