"""The Zero to JupyterHub images' Python environments, built as deploy/z2jh/Dockerfile builds them, and run.

No container runtime runs here, so each image's environment is made in a venv by the Dockerfile's own
install lines (its COPY lines reproduced in a temporary folder, its ENV applied with the paths moved
there), and then started the way the chart starts it:

- the student image: ``jupyterhub-singleuser`` from that environment, with the image's server config (its
  /etc/jupyter file) and the values' environment, started by a real hub (``make hub``'s, which stands in
  for the chart's: KubeSpawner does the same with a pod); a student logs in and opens an app;
- the hub image: the class-store service with the values' command, URL (host ``hub``, the Service's
  name) and environment.

The venvs' third-party packages are cached between runs (``$TRIAGE_IMAGE_ENV_CACHE``, default
``<temp>/triage-image-envs``, readable by the students' user ids; keyed by the install lines and
pyproject.toml); the triage package itself is installed from this checkout every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psutil
import pytest
import requests
import yaml
from support.hub_support import page_widget_states, running_hub
from support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "z2jh" / "Dockerfile"
VALUES = yaml.safe_load((ROOT / "deploy" / "z2jh" / "values.yaml").read_text(encoding="utf-8"))
CACHE = Path(os.environ.get("TRIAGE_IMAGE_ENV_CACHE") or Path(tempfile.gettempdir()) / "triage-image-envs")
START_TIMEOUT = 180
# the images' Python is 3.11 in /usr/local; here the system's 3.11, which students' user ids can run (a
# Python under /root, as on the development machines, is out of their reach)
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
PYTHON = str(SYSTEM_PYTHON) if SYSTEM_PYTHON.exists() else sys.executable

pytestmark = [pytest.mark.server]


@dataclass
class Stage:
    """One build stage of the Dockerfile: its environment, what it copies, what it runs."""

    name: str
    env: dict[str, str] = field(default_factory=dict)
    copies: list[tuple[list[str], str]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)


def stages() -> dict[str, Stage]:
    """The Dockerfile's stages (instructions joined across continuation lines, comments dropped)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found: dict[str, Stage] = {}
    stage: Stage | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "FROM":
            stage = found.setdefault(rest.split(" AS ")[-1].strip(), Stage(rest.split(" AS ")[-1].strip()))
        elif stage is None:
            continue
        elif word == "ENV":
            stage.env.update(part.split("=", 1) for part in shlex.split(rest))
        elif word == "COPY":
            *sources, target = shlex.split(rest)
            stage.copies.append((sources, target))
        elif word == "RUN":
            stage.runs.append(rest)
    return found


def pip_installs(stage: Stage) -> list[list[str]]:
    """The arguments of each ``pip install`` the stage runs, in order."""
    out = []
    for run in stage.runs:
        for command in run.split("&&"):
            words = shlex.split(command)
            if len(words) > 2 and Path(words[0]).name == "pip" and words[1] == "install":
                out.append(words[2:])
    return out


class Image:
    """A stage's filesystem, moved under ``root``: ``/srv/triage`` and ``/etc`` as the COPY lines make them,
    ``/opt/triage`` (or the base image's Python) as a venv."""

    def __init__(self, stage: Stage, root: Path) -> None:
        self.stage, self.root = stage, root
        self.venv = CACHE / f"{stage.name}-{self._key()}"

    def path(self, image_path: str) -> str:
        """An absolute path inside the image, as a path here."""
        if image_path.startswith("/opt/triage"):
            return str(self.venv) + image_path.removeprefix("/opt/triage")
        return str(self.root) + image_path if image_path.startswith("/") else image_path

    def paths(self, value: str) -> str:
        """``value`` with every image path in it moved here (``A:B`` lists, ``pkg[extra]`` specifiers)."""
        return re.sub(r"(/(?:srv|opt|etc)/[^\s:\"'\[\]]*)", lambda m: self.path(m[1]), value)

    def _key(self) -> str:
        basis = repr(pip_installs(self.stage)) + (ROOT / "pyproject.toml").read_text(encoding="utf-8") + PYTHON
        return hashlib.sha256(basis.encode()).hexdigest()[:12]

    def copy_files(self) -> None:
        for sources, target in self.stage.copies:
            dest = Path(self.path(target))
            for source in sources:
                src = ROOT / source
                into = dest / src.name if target.endswith("/") or len(sources) > 1 else dest
                into.parent.mkdir(parents=True, exist_ok=True)
                if src.is_dir():
                    shutil.copytree(src, into, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                                    dirs_exist_ok=True)
                else:
                    shutil.copy2(src, into)

    def pip(self, *args: str) -> None:
        result = subprocess.run([str(self.venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check",
                                 *args], capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, f"pip {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"

    def build(self, base_packages: list[str] = ()) -> None:
        """The stage's installs in a venv: all of them the first time (cached), then triage again from here."""
        self.copy_files()
        installs = [[self.paths(a) for a in args if a != "--no-cache-dir"] for args in pip_installs(self.stage)]
        ready = self.venv / ".complete"
        if not ready.exists():
            shutil.rmtree(self.venv, ignore_errors=True)
            self.venv.parent.mkdir(parents=True, exist_ok=True)
            self.venv.parent.chmod(0o755)
            subprocess.run([PYTHON, "-m", "venv", str(self.venv)], check=True)
            if base_packages:  # what the stage's base image brings (the chart's hub image: JupyterHub)
                self.pip("install", *base_packages)
            for args in installs:
                self.pip("install", *args)
            ready.touch()
        else:  # the third-party packages are cached; this checkout's triage is installed afresh
            self.pip("install", "--no-deps", "--force-reinstall", self.path("/srv/triage"))
        if not any("--no-deps" in args for args in installs):  # the hub image leaves the widget stack out
            result = subprocess.run([str(self.venv / "bin" / "python"), "-m", "pip", "check"], capture_output=True,
                                    text=True)
            assert result.returncode == 0, result.stdout

    def environ(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIAGE_", "JUPYTER", "VIRTUAL_ENV"))}
        for key, value in {**self.stage.env, **extra}.items():
            env[key] = self.paths(value).replace("$PATH", os.environ.get("PATH", ""))
        env["PATH"] = f"{self.venv / 'bin'}:{env.get('PATH', '')}"
        return env


def wait_for(url: str, proc: subprocess.Popen, log: Path) -> requests.Response:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"exited with {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            return requests.get(url, timeout=5, allow_redirects=False)
        except requests.ConnectionError:
            time.sleep(0.5)
    pytest.fail(f"no answer at {url} within {START_TIMEOUT} s:\n{log.read_text(errors='replace')[-4000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_the_student_image_serves_the_apps_to_a_student_through_a_hub():
    root = Path(tempfile.mkdtemp(prefix="triage-image-"))  # the students' user ids must read it
    root.chmod(0o755)
    try:
        image = Image(stages()["student"], root)
        image.build()
        singleuser = image.venv / "bin" / shlex.split(VALUES["singleuser"]["cmd"])[0]
        env = {k: str(v) for k, v in VALUES["singleuser"]["extraEnv"].items() if k != "TRIAGE_STORE_URL"}
        env = {k: v for k, v in image.environ(env).items() if k in {*image.stage.env, *env}}
        env["JUPYTER_CONFIG_PATH"] = image.path("/etc/jupyter")  # the image's /etc/jupyter
        config = root / "image_spawner.py"
        config.write_text("\n".join([
            "c = get_config()  # noqa: F821",
            f"c.Spawner.cmd = [{str(singleuser)!r}]",
            "c.Spawner.args = []",
            f"c.Spawner.environment.update({env!r})",
            f"c.Spawner.notebook_dir = {image.path(VALUES['hub']['config']['KubeSpawner']['notebook_dir'])!r}",
            f"c.Spawner.default_url = {VALUES['singleuser']['defaultUrl']!r}",
        ]) + "\n", encoding="utf-8")
        with running_hub(["ana"], [], extra_env={"TRIAGE_HUB_EXTRA_CONFIG": str(config)}) as hub:
            s = hub.session("ana")
            server = [p for p in hub.server_pids() if "singleuser" in " ".join(_cmdline(p))]
            assert server and all(str(image.venv) in " ".join(_cmdline(p)) for p in server), server
            landing = s.get(f"{hub.url}/user/ana/voila/tree", timeout=120)
            assert landing.status_code == 200 and "Back &amp; hip pain triage" in landing.text
            html, states = page_widget_states(hub, s, "ana", "05_case_studies.ipynb")
            assert states and "triage-notice" in json.dumps(states), html[-500:]
            assert any("Ruth" in json.dumps(st) for st in states.values()), "the case files were not found"
            log = hub.log.read_text(errors="replace")
            assert "Failed to import" not in log
            assert "jupyterlab | extension was successfully loaded" not in log
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _cmdline(pid: int) -> list[str]:
    try:
        return psutil.Process(pid).cmdline()
    except psutil.Error:
        return []


def test_the_hub_image_runs_the_class_store_with_the_values_command_and_url(tmp_path):
    image = Image(stages()["hub"], tmp_path / "image")
    # the chart's hub image brings JupyterHub (the same major version the student image pins)
    jupyterhub = re.search(r'"(jupyterhub[^"]+)"', DOCKERFILE.read_text(encoding="utf-8"))[1]
    image.build(base_packages=[jupyterhub])
    service = VALUES["hub"]["services"]["triage-store"]
    url = urlparse(service["url"])
    port = free_port()
    moved = urlunparse(url._replace(netloc=f"{url.hostname}:{port}"))  # the Service's name, a free port here
    env = image.environ({
        "JUPYTERHUB_SERVICE_URL": moved, "JUPYTERHUB_SERVICE_PREFIX": "/services/triage-store/",
        "JUPYTERHUB_API_TOKEN": secrets.token_hex(16), "JUPYTERHUB_API_URL": f"http://127.0.0.1:{free_port()}/hub/api",
        "TRIAGE_CLASS_DB": str(tmp_path / "class.db"),  # stands in for the PostgreSQL URL from the Secret
    })
    command = [str(image.venv / "bin" / "python") if part in ("python3", "python") else part
               for part in service["command"]]
    log = tmp_path / "store.log"
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        r = wait_for(f"http://127.0.0.1:{port}/services/triage-store/", proc, log)
        assert r.status_code == 200 and r.json()["ok"] is True
        assert requests.get(f"http://127.0.0.1:{port}/services/triage-store/api/me", timeout=10).status_code == 401
    finally:
        stop(proc)
