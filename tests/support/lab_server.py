"""A real Jupyter server (JupyterLab and Notebook 7, what ``make lab`` runs) on a free loopback port, for the
browser tests of the apps inside the students' front ends.

Everything it writes stays in a temporary folder: a copy of the notebooks (JupyterLab saves what it runs),
the user settings (``JUPYTERLAB_SETTINGS_DIR``), workspaces, runtime files and the class store. The theme
is set through JupyterLab's own settings file, as the Settings menu writes it, before a page is loaded.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.ports import free_port
from support.voila_server import server_process

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
START_TIMEOUT = 120
THEMES_PLUGIN = ("@jupyterlab", "apputils-extension", "themes")
# What a test wants of JupyterLab besides the theme: no news or update checks (they would leave the machine
# and pop up over the notebook), and every cell rendered (not only those in view), so checks see the whole page.
QUIET_SETTINGS = {
    ("@jupyterlab", "apputils-extension", "notification"): {"fetchNews": "false", "checkForUpdates": False},
    ("@jupyterlab", "notebook-extension", "tracker"): {"windowingMode": "none"},
}


@dataclass
class JupyterServer:
    """A running server: its address, token, the folder it serves, its settings folder, log and class store."""

    url: str
    token: str
    proc: subprocess.Popen
    root: Path
    settings: Path
    log: Path
    store: Path

    def home_url(self) -> str:
        """JupyterLab with no notebook open (and no tabs restored from the last page)."""
        return f"{self.url}/lab?reset&token={self.token}"

    def lab_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"  # reset: no tabs restored from the last page

    def notebook_url(self, notebook: str) -> str:
        """The notebook in Notebook 7's own interface."""
        return f"{self.url}/notebooks/{notebook}?token={self.token}"

    def tree_url(self) -> str:
        return f"{self.url}/tree?token={self.token}"

    def set_theme(self, theme: str) -> None:
        """Choose a JupyterLab theme (e.g. "JupyterLab Dark") for the pages loaded from now on."""
        write_setting(self.settings, THEMES_PLUGIN, {"theme": theme})

    def stop_kernels(self) -> None:
        """Shut down every session's kernel (the next page starts a fresh one; memory stays low)."""
        for session in self._api("GET", "/api/sessions"):
            self._api("DELETE", f"/api/sessions/{session['id']}")

    def forget_answers(self) -> None:
        """Remove the class store (with no kernel running): the next page starts a student's first visit."""
        for path in self.store.parent.glob(self.store.name + "*"):
            path.unlink()

    def _api(self, method: str, path: str):
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=60) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def write_setting(settings: Path, plugin: tuple[str, str, str], values: dict) -> None:
    """Write a plugin's user settings where JupyterLab keeps them.

    The file is ``<settings>/<scope>/<package>/<plugin>.jupyterlab-settings``, as the Settings menu writes it."""
    scope, package, name = plugin
    folder = settings / scope / package
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(values), encoding="utf-8")


@contextmanager
def jupyter_server(tmp: Path, env: dict[str, str | None] | None = None,
                   notebooks: Path = NOTEBOOKS) -> Iterator[JupyterServer]:
    """Run ``jupyter lab`` over a copy of ``notebooks`` on a free 127.0.0.1 port; yield the running server.

    JupyterLab and Notebook 7 expose their app to the page (``window.jupyterapp``), so a test runs commands
    ("Run All") without clicking menus. ``env`` adds variables (None removes one)."""
    root = tmp / "notebooks"
    shutil.copytree(notebooks, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = tmp / "lab-settings"
    for plugin, values in QUIET_SETTINGS.items():
        write_setting(settings, plugin, values)
    port = free_port()
    token = secrets.token_hex(16)
    full_env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "lab-workspaces"),
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime"),
        "TRIAGE_CLASS_DB": str(tmp / "class.db"),
        "TRIAGE_PROGRESS_FILE": str(tmp / "progress.json"),
        "PYTHONUNBUFFERED": "1",
    }
    for key in ("JUPYTERHUB_USER", "TRIAGE_STATIC_STORE", "QUERY_STRING"):
        full_env.pop(key, None)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    log_path = tmp / f"jupyter-{port}.log"
    log = log_path.open("w")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--LabApp.expose_app_in_browser=True", "--JupyterNotebookApp.expose_app_in_browser=True",
               "--LabApp.news_url=",
               "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate"]
    url = f"http://127.0.0.1:{port}"
    try:
        with server_process(command, root, full_env, log, log_path, f"{url}/api/status?token={token}",
                            "jupyter lab", START_TIMEOUT) as proc:
            yield JupyterServer(url, token, proc, root, settings, log_path, Path(full_env["TRIAGE_CLASS_DB"]))
    finally:
        log.close()
