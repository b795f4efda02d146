"""Start the suite's real server (``python -m triage serve``, what ``make app`` runs) on a free loopback
port for HTTP and browser tests, and look at its kernels from outside (the process list)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
START_TIMEOUT = 90


@dataclass
class Server:
    """A running server: its address, process, log file and the instructor key it was given."""

    url: str
    proc: subprocess.Popen
    log: Path
    instructor_key: str | None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kernel_processes(self) -> list[psutil.Process]:
        """Kernel processes this server started (children running ipykernel), seen by the OS.

        A process a kernel forks shows the kernel's command line until it execs (each kernel runs
        ``uname -p`` at start, for ``platform.processor()``): it is not another kernel, so it is left out.
        """
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        kernels = []
        for child in children:
            try:
                if child.is_running() and child.status() != psutil.STATUS_ZOMBIE and \
                        any("ipykernel" in part for part in child.cmdline()):
                    kernels.append(child)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        pids = {kernel.pid for kernel in kernels}
        return [kernel for kernel in kernels if _parent_pid(kernel) not in pids]


def _parent_pid(process: psutil.Process) -> int | None:
    try:
        return process.ppid()
    except psutil.Error:
        return None


TEST_POOL = 1


@contextmanager
def serve(
    tmp: Path, notebooks: Path | None = NOTEBOOKS, env: dict[str, str | None] | None = None, cwd: Path = ROOT,
    args: list[str] | None = None, port: int | None = None, python: str = sys.executable,
    preheat: Sequence[str] | None = None,
) -> Iterator[Server]:
    """Run ``python -m triage serve notebooks/`` from ``cwd``; yield the running :class:`Server`.

    ``port`` (default: a free one) lets a test start a server again where its pages expect it.
    ``notebooks=None`` leaves the folder to the launcher (the course folder's); ``python`` is the
    interpreter to run (another environment's, for the installed-wheel test).

    The store, the progress file and the instructor key are private to the server (a random key unless
    ``env`` sets ``TRIAGE_INSTRUCTOR_KEY``; a value of None in ``env`` removes a variable).

    Unless ``args`` set ``--pool_size``, each app keeps one preheated kernel (:data:`TEST_POOL`), not
    voila.json's class-sized pool: pages are still served by preheated kernels, and the suite does not
    spend CPU filling pools nobody uses (test_voila_http checks that voila.json's own pool applies).
    ``preheat`` names the apps a module opens: only those keep a waiting kernel (Voila's preheat_denylist
    takes the others; their pages start a kernel when asked, as without a pool).
    """
    if not any(a.startswith("--pool_size") for a in args or []):
        args = [*(args or []), f"--pool_size={TEST_POOL}"]
    if preheat is not None:
        names = "|".join(re.escape(name) for name in preheat) or "$^"
        args = [*args, f"--VoilaKernelManager.preheat_denylist=^(?!.*/(?:{names})$).*"]
    port = port or free_port()
    log_path = tmp / f"voila-{port}.log"
    log = log_path.open("a")
    full_env = {
        **os.environ,
        "JUPYTER_PATH": str(ROOT / "share" / "jupyter"),
        "TRIAGE_PROGRESS_FILE": str(tmp / "progress.json"),
        "TRIAGE_CLASS_DB": str(tmp / "class.db"),
        "TRIAGE_INSTRUCTOR_KEY": "test-" + secrets.token_hex(6),
        "PYTHONUNBUFFERED": "1",
    }
    full_env.pop("TRIAGE_CLASS_CODE", None)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    ip = [] if any(a.startswith("--Voila.ip=") for a in args) else ["--Voila.ip=127.0.0.1"]  # else loopback only
    command = [python, "-m", "triage", "serve", "--no-browser", *ip, f"--port={port}", *args,
               *([str(notebooks)] if notebooks is not None else [])]
    url = f"http://127.0.0.1:{port}"
    try:
        with server_process(command, cwd, full_env, log, log_path, url + "/", "the server") as proc:
            yield Server(url, proc, log_path, full_env.get("TRIAGE_INSTRUCTOR_KEY"))
    finally:
        log.close()


@contextmanager
def server_process(command: list[str], cwd: Path, env: dict[str, str], log, log_path: Path, probe: str,
                   name: str, timeout: float = START_TIMEOUT) -> Iterator[subprocess.Popen]:
    """Start ``command``, wait until ``probe`` answers (any HTTP status), yield the process, stop it after.

    A process that exits or does not answer within ``timeout`` seconds fails naming ``name`` and its log."""
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; log: {log_path}")
            try:
                with urllib.request.urlopen(probe, timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # it answers (a single-notebook server may answer the root with an error)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer within {timeout:g}s; log: {log_path}") from None
                time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def voila_server(
    tmp: Path, notebooks: Path = NOTEBOOKS, env: dict[str, str | None] | None = None, cwd: Path = ROOT,
    args: list[str] | None = None, preheat: Sequence[str] | None = None,
) -> Iterator[str]:
    """:func:`serve`, yielding only the URL."""
    with serve(tmp, notebooks=notebooks, env=env, cwd=cwd, args=args, preheat=preheat) as server:
        yield server.url


def fetch(url: str, timeout: float = 120) -> tuple[int, str]:
    """GET ``url``; return (status, body) without raising on HTTP errors."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def widget_notebook(folder: Path, name: str = "tiny.ipynb") -> Path:
    """A one-widget notebook (cheap to preheat) in ``folder``."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import ipywidgets as w\nw.IntSlider(value=3, description='n')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(nb, path)
    return path


def page_kernel_id(html: str) -> str:
    """The kernel a rendered Voila page talks to."""
    import json
    import re

    match = re.search(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', html, re.S)
    if not match:
        raise AssertionError("no jupyter-config-data in the page: " + html[:300])
    return json.loads(match.group(1))["kernelId"]


def kernel_id_of(process: psutil.Process) -> str | None:
    """The kernel id in a kernel process's connection-file argument (kernel-<id>.json)."""
    import re

    for part in process.cmdline():
        match = re.search(r"kernel-([0-9a-f-]{36})\.json", part)
        if match:
            return match.group(1)
    return None
