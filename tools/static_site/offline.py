"""The static site's pages open again without the network once they have been visited.

The site's service worker (JupyterLite's, edited by :func:`tools.static_site.build.direct_service_worker`)
races every page (navigation) between the network and its fetch handler: online the network answers; the
handler asks the network too (Chromium hands it the same response) and, only when that fails, answers with
the page's kept copy (``SW_JS``). Files stay on the static route to the network, so a warm visit keeps the
browser's HTTP cache and compiled-code cache: a script raced through the service worker lost its compiled
code for two more visits. Offline, Chromium finds those files in its HTTP cache for as long as the server's
caching headers keep them fresh. What the routes leave to the fetch handler (the kernel's worker's files;
every file in browsers without static routes) goes to the network first and to the kept copy when that fails.

The copies are made by ``KEEP_JS``, put into the app pages and the home page by :func:`offline_pages`:
once an app is ready and the browser idle, the page copies itself, every file it loaded and the files of
its Python worker (``RUNTIME_FILES``, which the page's own list does not see) from the HTTP cache into
``triage-offline-<build>``, then drops the copies of earlier builds. The home page also registers the
service worker, so that it opens offline without an app visited first. Why: docs/developer/decisions/0023.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tools.static_site.javascript import fill_script, inline_script, insert_before_body_end, read_js
from triage.errors import Problem, TriageError

CACHE_PREFIX = "triage-offline-"
# Appended to the service worker: triageKeeps and triageOffline, called by its edited fetch handler.
SW_JS = read_js("offline-sw.js")
KEEP_JS = inline_script("offline-keep.js")
# What the kernel's worker fetches besides its own script (Pyodide's loader, with the snapshot start);
# the snapshot itself the worker keeps in Cache Storage already (tools.static_site.snapshot).
RUNTIME_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# The address the apps register the service worker at (voici: the site's root + enableCache).
SERVICE_WORKER = "service-worker.js?enableCache=false"
# After the app's first widget shows: its own start and the code-cache warm-up (codecache.DELAY_MS) go first.
DELAY_MS = 4000


class OfflineError(TriageError):
    """A page cannot take the offline copy script (its layout changed) or a runtime file is missing."""


def keep_script(build: str, also: Iterable[str], register: str | None, wait: bool) -> str:
    """KEEP_JS for a page: ``also`` the files to keep besides what it loaded (relative to the page),
    ``register`` the service worker to register when none is (or None), ``wait`` for an app's first widget."""
    return fill_script(KEEP_JS, {"PREFIX": CACHE_PREFIX, "BUILD": build, "ALSO": list(also), "REGISTER": register,
                                 "WAIT": wait, "DELAY_MS": DELAY_MS if wait else 0})


def _insert(page: Path, script: str) -> None:
    insert_before_body_end(page, script, lambda why: OfflineError(Problem(
        "offline copy", f"{why}; the page's layout changed: check tools/static_site/offline.py", str(page))))


def offline_pages(site: Path, home: Path, apps: Iterable[Path], worker_url: str, pyodide_dir: Path,
                  build: str) -> None:
    """Put KEEP_JS into the home page ``home`` and the app pages ``apps`` of ``site``: an app page keeps the
    kernel's worker script (``worker_url``, from the site's root) and the runtime in ``pyodide_dir``, and
    the home page; the home page registers the service worker. Fails, naming it, when a file is missing."""
    for name in RUNTIME_FILES:
        if not (pyodide_dir / name).is_file():
            raise OfflineError(Problem("offline copy", f"Pyodide's {name} is not in the site; check RUNTIME_FILES "
                                       "in tools/static_site/offline.py", str(pyodide_dir / name)))
    runtime = [f"{pyodide_dir.relative_to(site).as_posix()}/{name}" for name in RUNTIME_FILES]
    home_rel = home.relative_to(site).as_posix()
    _insert(home, keep_script(build, [], SERVICE_WORKER, wait=False))
    for page in apps:
        up = "../" * (len(page.relative_to(site).parts) - 1)
        _insert(page, keep_script(build, [up + worker_url, *(up + f for f in runtime), up + home_rel], None,
                                  wait=True))
