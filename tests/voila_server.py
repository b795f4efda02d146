"""Start a real standalone Voila server on a free loopback port for HTTP and browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def voila_executable() -> str:
    exe = Path(sys.executable).with_name("voila")
    return str(exe) if exe.exists() else (shutil.which("voila") or "voila")


@contextmanager
def voila_server(
    tmp: Path, notebooks: Path = NOTEBOOKS, env: dict[str, str] | None = None, cwd: Path = ROOT,
    args: list[str] | None = None,
) -> Iterator[str]:
    """Run ``voila notebooks/`` from ``cwd`` (the repository root, so its ``voila.json`` applies); yield its URL."""
    port = free_port()
    log = (tmp / f"voila-{port}.log").open("w")
    full_env = {
        **os.environ,
        "JUPYTER_PATH": str(ROOT / "share" / "jupyter"),
        "TRIAGE_PROGRESS_FILE": str(tmp / "progress.json"),
        "TRIAGE_CLASS_DB": str(tmp / "class.db"),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    proc = subprocess.Popen(
        [voila_executable(), "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}", *(args or []), str(notebooks)],
        cwd=cwd, env=full_env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"voila exited with {proc.returncode}; log: {log.name}")
            try:
                with urllib.request.urlopen(url + "/", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"voila did not answer within {START_TIMEOUT}s; log: {log.name}") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def fetch(url: str, timeout: float = 120) -> tuple[int, str]:
    """GET ``url``; return (status, body) without raising on HTTP errors."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
