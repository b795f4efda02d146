"""Kernels for a class: a ceiling on live kernels, unclaimed pages freed quickly, healthy pools.

Voilà gives every page its own kernel. A request that never opens the page's websocket (a link
preview, ``curl``, a crawler) would keep that kernel until the idle culler takes it, minutes later.
:class:`ClassroomKernelManager` is laid over Voilà's kernel manager (pooled or not) and adds:

- **a ceiling**: at most ``max_kernels`` kernels exist at once, counting waiting (preheated),
  in-use, starting and stopping ones. A page that would need one more gets :class:`ServerFullError`
  (the server answers with the "server is full" page, HTTP 503). Pool refills wait for room.
- **reaping unclaimed kernels**: a kernel handed to a page whose websocket never connects is shut
  down once it has been idle for ``unclaimed_timeout`` seconds (checked every ``reap_interval``).
  Kernels that were connected and lost their connection keep the ordinary idle culling
  (``MappingKernelManager.cull_idle_timeout``); kernels waiting in a pool are never reaped.
- **healthy pools**: a waiting kernel that died or was restarted (so it no longer holds the app it
  ran) is replaced instead of being handed to a student; pools never hold more than half the
  ceiling, and instructor apps and apps marked ``pool: small`` (``course.yaml``) keep at most
  ``small_pool_size`` waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server._tz import utcnow
from tornado.ioloop import PeriodicCallback
from traitlets import Float, Integer
from traitlets.config import LoggingConfigurable

from ..errors import Problem, TriageError
from .limits import KERNEL_MB, memory_budget

ROOM_POLL_SECONDS = 2.0


def restart_idle_clock(manager: Any, kernel_id: str) -> None:
    """A kernel handed out of a pool is idle from now, not from when it was preheated.

    Voilà keeps the idle culler off waiting kernels, but once one leaves the pool its last activity is
    still the preheat: after more than ``cull_idle_timeout`` in the pool (a class pool filled before the
    lesson), the culler could take it between the page and the page's websocket. Measured on the hub,
    2 of 30 students got an error that way after a 7-minute wait.
    """
    if kernel_id in manager:
        manager.get_kernel(kernel_id).last_activity = utcnow()


class ServerFullError(TriageError):
    """Every kernel place on the server is taken; the page that asked gets the 'server is full' page."""


def _full(limit: int) -> ServerFullError:
    return ServerFullError(Problem("kernels", f"all {limit} kernel places are in use; try again shortly"))


class ClassroomKernelManager(LoggingConfigurable):
    """Mixin laid over Voilà's kernel manager class (see :func:`classroom_kernel_manager_factory`)."""

    max_kernels = Integer(
        0, config=True,
        help="Most kernels alive at once (waiting, in use, starting, stopping). 0: from the machine's memory "
             "(80 %% of the memory available at start, at kernel_memory_mb per kernel).",
    )
    kernel_memory_mb = Integer(KERNEL_MB, config=True, help="Memory one app kernel needs, for the default ceiling.")
    unclaimed_timeout = Float(
        45.0, config=True,
        help="Seconds a kernel handed to a page may stay idle without its websocket ever connecting.",
    )
    reap_interval = Float(5.0, config=True, help="Seconds between checks for unclaimed and broken kernels.")
    small_pool_size = Integer(
        1, config=True,
        help="Most waiting kernels for an app a class does not open all at once: instructor apps and apps "
             "marked `pool: small` in course.yaml.",
    )

    def __init__(self, **kwargs: Any) -> None:
        self._handed_out: dict[str, float] = {}
        self._claimed: set[str] = set()
        self._stopping: set[str] = set()
        self._reservations: set[asyncio.Task] = set()
        self._broken: set[str] = set()
        self._limit: int | None = None
        self._limit_source = ""
        self._pools_capped = False
        self._pool_targets: dict[str, int] = {}
        self._reaper: PeriodicCallback | None = None
        self._room_event: asyncio.Event | None = None
        self._last_full_log = 0.0
        super().__init__(**kwargs)
        _ = self.limit  # decide (and log) the ceiling at start, not on the first request

    # ---- the ceiling -------------------------------------------------------------------------

    @property
    def limit(self) -> int:
        """The ceiling on live kernels (decided once)."""
        if self._limit is None:
            if self.max_kernels > 0:
                self._limit, self._limit_source = self.max_kernels, "configured"
            else:
                budget = memory_budget()
                self._limit = budget.kernels(self.kernel_memory_mb)
                gigabytes = budget.available_bytes / 1024**3
                self._limit_source = f"{gigabytes:.1f} GB {budget.source}, {self.kernel_memory_mb} MB per kernel"
            self.log.info("At most %d kernels at once (%s).", self._limit, self._limit_source)
        return self._limit

    @property
    def limit_source(self) -> str:
        _ = self.limit
        return self._limit_source

    def live_kernels(self) -> int:
        """Kernels that exist, are being started or stopped, or whose pool refill holds a place."""
        pending = getattr(self, "_pending_kernels", {})
        return len(set(self._kernels) | set(pending) | self._stopping) + len(self._reservations)

    def has_room(self) -> bool:
        return self.live_kernels() < self.limit

    def note_full(self) -> None:
        """Log (at most once a minute) that a page was refused because the ceiling was reached."""
        now = time.monotonic()
        if now - self._last_full_log > 60:
            self._last_full_log = now
            self.log.warning(
                "Server full: %d kernels alive (ceiling %d, %s); new pages get the 'try again shortly' page. "
                "Raise --max_kernels if the machine has memory to spare.",
                self.live_kernels(), self.limit, self._limit_source,
            )

    def _notify_room(self) -> None:
        if self._room_event is not None:
            self._room_event.set()
            self._room_event = None

    async def _wait_for_room(self) -> None:
        """Block a pool refill until there is room; fail at once if a page has taken this pool kernel."""
        task = asyncio.current_task()
        while not self.has_room():
            if not self._in_a_pool(task):
                raise _full(self.limit)
            if self._room_event is None:
                self._room_event = asyncio.Event()
            try:
                await asyncio.wait_for(self._room_event.wait(), ROOM_POLL_SECONDS)
            except TimeoutError:
                pass

    def _in_a_pool(self, task: asyncio.Task | None) -> bool:
        return any(item is task for pool in self._pool_map().values() for item in pool)

    def _pool_map(self) -> dict[str, list]:
        return getattr(self, "_pools", {})

    # ---- kernel life cycle ---------------------------------------------------------------------

    def pre_start_kernel(self, kernel_name: str | None, kwargs: dict) -> Any:
        """The last step before a kernel is registered (no await in between): enforce the ceiling here."""
        task = asyncio.current_task()
        if task is not None and task in self._reservations:
            self._reservations.discard(task)  # a pool refill that waited for room: its place becomes the kernel
        elif not self.has_room():
            self.note_full()
            raise _full(self.limit)
        return super().pre_start_kernel(kernel_name, kwargs)

    async def start_kernel(self, **kwargs: Any) -> str:
        """A kernel for a page (Voilà starts pool kernels through ``_initialize``): start its unclaimed clock."""
        kernel_id = await ensure_async(super().start_kernel(**kwargs))
        if (kwargs.get("env") or {}).get("VOILA_PREHEAT") != "True":
            self._handed_out[kernel_id] = time.monotonic()
        return kernel_id

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs: Any) -> Any:
        """Start one pool kernel: wait for room first, and hold the place until the kernel is registered."""
        if kernel_id is not None:  # Voilà re-running the notebook in a restarted kernel
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        await self._wait_for_room()
        task = asyncio.current_task()
        self._reservations.add(task)
        try:
            content = await super()._initialize(notebook_path, kernel_id, **kwargs)
        finally:
            self._reservations.discard(task)
            self._notify_room()
        new_id = content["kernel_id"]
        # an auto-restarted kernel no longer holds the app it ran: never hand it out
        self.add_restart_callback(new_id, lambda: self._broken.add(new_id), "restart")
        return content

    async def get_rendered_notebook(self, *args: Any, **kwargs: Any) -> Any:
        """Voilà's hand-out of a waiting kernel, preferring one that is ready; starts its unclaimed clock."""
        name = kwargs.get("notebook_name", args[0] if args else None)
        pool = self._pool_map().get(name)
        if pool:
            pool.sort(key=lambda task: not task.done())  # stable: ready kernels first, oldest first
        self._notify_room()  # a refill waiting for room that a page is about to take fails fast
        render_task, rendered_cache, kernel_id = await super().get_rendered_notebook(*args, **kwargs)
        self._handed_out[kernel_id] = time.monotonic()
        restart_idle_clock(self, kernel_id)
        return render_task, rendered_cache, kernel_id

    def notify_connect(self, kernel_id: str) -> None:
        self._claimed.add(kernel_id)
        self._handed_out.pop(kernel_id, None)
        super().notify_connect(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> Any:
        self._stopping.add(kernel_id)
        try:
            return await ensure_async(super().shutdown_kernel(kernel_id, *args, **kwargs))
        finally:
            self._stopping.discard(kernel_id)
            self._handed_out.pop(kernel_id, None)
            self._claimed.discard(kernel_id)
            self._broken.discard(kernel_id)
            self._notify_room()

    def initialize_culler(self) -> None:
        super().initialize_culler()
        if self._reaper is None and self.unclaimed_timeout > 0:
            self._reaper = PeriodicCallback(self.reap, 1000 * self.reap_interval)
            self._reaper.start()
            self.log.info(
                "Kernels whose page never connects are shut down after %.0f s idle (checked every %.0f s).",
                self.unclaimed_timeout, self.reap_interval,
            )

    # ---- pools ---------------------------------------------------------------------------------

    def has_ready_kernel(self, notebook_name: str) -> bool:
        """True when a started, healthy kernel waits in this notebook's pool."""
        for task in self._pool_map().get(notebook_name, ()):
            if task.done() and not task.cancelled() and task.exception() is None:
                if task.result()["kernel_id"] not in self._broken:
                    return True
        return False

    async def prune_pool(self, notebook_name: str) -> int:
        """Drop waiting kernels that failed, died or were restarted; start replacements. Returns how many."""
        pool = self._pool_map().get(notebook_name)
        if not pool:
            return 0
        bad: list[tuple[asyncio.Task, str | None]] = []
        for task in list(pool):
            if not task.done():
                continue
            kernel_id = None
            try:
                kernel_id = task.result()["kernel_id"]
                healthy = (kernel_id in self._kernels and kernel_id not in self._broken
                           and await ensure_async(self._kernels[kernel_id].is_alive()))
            except Exception:  # a failed or cancelled start: Voilà would hand out the failure
                healthy = False
            if not healthy:
                bad.append((task, kernel_id))
        removed = []
        for task, kernel_id in bad:
            if any(item is task for item in pool):  # another request may have pruned it meanwhile
                pool.remove(task)
                removed.append(kernel_id)
        for kernel_id in removed:
            self.log.warning("A waiting kernel for %s stopped or restarted (%s); replacing it.", notebook_name,
                             kernel_id or "start failed")
            if kernel_id is not None and kernel_id in self._kernels:
                try:
                    await self.shutdown_kernel(kernel_id, now=True)
                except Exception as exc:
                    self.log.warning("Could not shut down broken kernel %s: %s", kernel_id, exc)
        if removed:
            self.fill_if_needed(delay=0, notebook_name=notebook_name)
        return len(removed)

    def fill_if_needed(self, delay: float | None = None, notebook_name: str | None = None, **kwargs: Any) -> None:
        self._cap_pools()
        super().fill_if_needed(delay=delay, notebook_name=notebook_name, **kwargs)

    def _pooled_notebooks(self) -> list[str]:
        if getattr(self, "notebook_path", None):
            return [self.notebook_path]
        root = Path(self.root_dir)
        return [str(p.relative_to(root)) for p in sorted(root.rglob("*.ipynb")) if self._notebook_filter(p)]

    def _cap_pools(self) -> None:
        """Once, before the first fill: small-pool apps keep few waiting kernels; pools fit half the ceiling."""
        if self._pools_capped:
            return
        self._pools_capped = True
        config = {k: dict(v) for k, v in self.kernel_pools_config.items()}
        default = config.setdefault("default", {})
        asked = int(default.get("pool_size", 1))
        notebooks = self._pooled_notebooks()
        small = _small_pool_notebooks()
        targets: dict[str, int] = {}
        for nb in notebooks:
            size = int(config.get(nb, default).get("pool_size", asked))
            if Path(nb).name in small and nb not in config:
                size = min(size, self.small_pool_size)
            targets[nb] = size
        budget = self.limit // 2
        if sum(targets.values()) > budget:
            fixed = {nb: n for nb, n in targets.items() if Path(nb).name in small}
            others = [nb for nb in targets if nb not in fixed]
            share = max(0, budget - sum(fixed.values())) // max(1, len(others))
            self.log.warning(
                "Pools of %d waiting kernels for %d apps would take %d of the %d kernel places; "
                "each app keeps %d waiting so that half the places stay free for students' pages.",
                asked, len(targets), sum(targets.values()), self.limit, share,
            )
            targets = {nb: (fixed[nb] if nb in fixed else min(targets[nb], share)) for nb in targets}
        for nb, size in targets.items():
            config[nb] = {**config.get(nb, default), "pool_size": size}
        self.kernel_pools_config = config
        self._pool_targets = targets
        if targets:
            self.log.info("Waiting kernels per app: %s.", ", ".join(f"{nb} {n}" for nb, n in targets.items()))

    def pool_targets(self) -> dict[str, int]:
        """Waiting kernels each pooled notebook keeps (after the caps)."""
        return dict(self._pool_targets)

    # ---- the reaper ----------------------------------------------------------------------------

    async def reap(self) -> None:
        """Shut down unclaimed kernels, replace broken waiting ones, top pools up when there is room."""
        now = time.monotonic()
        for kernel_id, since in list(self._handed_out.items()):
            kernel = self._kernels.get(kernel_id)
            if kernel_id in self._claimed or kernel is None:
                self._handed_out.pop(kernel_id, None)
                continue
            if getattr(kernel, "execution_state", None) == "busy":
                continue
            idle = now - since
            last = getattr(kernel, "last_activity", None)
            if last is not None:
                idle = min(idle, (utcnow() - last).total_seconds())
            if idle > self.unclaimed_timeout:
                self._handed_out.pop(kernel_id, None)
                self.log.info("Shutting down kernel %s: its page never connected (idle %.0f s).", kernel_id, idle)
                try:
                    await self.shutdown_kernel(kernel_id)
                except Exception:
                    self.log.exception("Could not shut down unclaimed kernel %s", kernel_id)
        for name in list(self._pool_map()):
            await self.prune_pool(name)
            if len(self._pool_map().get(name, ())) < self._pool_targets.get(name, 0) and self.has_room():
                self.fill_if_needed(notebook_name=name)


def _small_pool_notebooks() -> set[str]:
    """Apps a class does not open all at the same moment: instructor apps and apps marked ``pool: small``."""
    from ..content.course import course

    return {app.notebook for app in course() if app.audience == "instructor" or app.pool == "small"}


def classroom_kernel_manager_factory(voila_factory: Callable[..., type]) -> Callable[..., type]:
    """Wrap ``voila.voila_kernel_manager.voila_kernel_manager_factory`` so its class gets the mixin."""

    def build(base_class: type, preheat_kernel: bool, default_pool_size: int, *args: Any, **kwargs: Any) -> type:
        voila_class = voila_factory(base_class, preheat_kernel, default_pool_size, *args, **kwargs)
        return type("TriageKernelManager", (ClassroomKernelManager, voila_class),
                    {"__doc__": "Voilà's kernel manager with the classroom limits (triage.serve.kernels)."})

    return build


def kernel_summary(manager: ClassroomKernelManager) -> Iterable[str]:
    """Plain lines for the start-up message."""
    yield f"at most {manager.limit} at once ({manager.limit_source})"
    yield f"a page that never connects frees its kernel after {manager.unclaimed_timeout:.0f} s idle"
