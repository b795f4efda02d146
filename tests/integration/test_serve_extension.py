"""``triage.serve`` as a Jupyter server extension (how each student's server on JupyterHub mounts it),
in a real Jupyter server: the progress endpoint answers for the server's authenticated user (hub mode)
or for a typed name (no hub), and the landing page gets its data next to Voila's extension."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.voila_server import ROOT, free_port, widget_notebook

from triage.content.course import course

pytestmark = pytest.mark.server

# What the hub's student-server config does: the suite's voila.json applied in full, a lean server.
CONFIG = """
import json
for section, values in json.loads(open(%r).read()).items():
    for key, value in values.items():
        c[section][key] = value
c.ServerApp.jpserver_extensions = {
    "triage.serve": True, "voila.server_extension": True,
    "jupyterlab": False, "jupyter_lsp": False, "jupyter_server_terminals": False, "notebook_shim": False,
}
"""


@contextmanager
def jupyter_server(tmp: Path, env: dict[str, str]) -> Iterator[tuple[str, str]]:
    folder = tmp / "notebooks"
    for app in course():
        widget_notebook(folder, app.notebook)
    (tmp / "config.py").write_text(CONFIG % str(ROOT / "voila.json"))
    port, token = free_port(), secrets.token_hex(16)
    log = (tmp / "server.log").open("w")
    full_env = {**os.environ, "JUPYTER_PATH": str(ROOT / "share" / "jupyter"), "TRIAGE_CLASS_DB": str(tmp / "c.db"),
                "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), **env}
    full_env.pop("TRIAGE_CLASS_CODE", None)
    if "JUPYTERHUB_USER" not in env:
        full_env.pop("JUPYTERHUB_USER", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--config={tmp / 'config.py'}", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--allow-root",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}"],
        cwd=tmp, env=full_env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while call(url + "/api/status", token)[0] != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jupyter server did not start; log: {tmp / 'server.log'}")
            time.sleep(0.3)
        yield url, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def call(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory):
    with jupyter_server(tmp_path_factory.mktemp("hubmode"), {"JUPYTERHUB_USER": "alice"}) as running:
        yield running


def test_on_the_hub_the_endpoint_answers_with_the_server_owners_record_to_logged_in_requests(hub_server):
    url, token = hub_server
    status, body = call(url + "/triage/api/progress?student=mallory&class=x", token)
    assert status == 200
    reply = json.loads(body)
    assert reply["learner"] == {"name": "alice", "source": "hub"}, "a typed name is ignored on the hub"
    status, body = call(url + "/triage/api/progress?student=mallory")
    assert status == 403 and "alice" not in body, "no login, no record"


def test_on_the_hub_the_landing_page_asks_for_no_name(hub_server):
    url, token = hub_server
    status, html = call(url + "/voila/tree", token)
    assert status == 200
    assert 'id="student-name"' not in html
    assert "Answering as <strong id=\"answering-name\">alice</strong>" in html
    assert "For the instructor only" in html


def test_without_a_hub_the_extension_takes_typed_names(tmp_path):
    with jupyter_server(tmp_path, {}) as (url, token):
        status, body = call(url + "/triage/api/progress?student=Sam", token)
        assert status == 200 and json.loads(body)["learner"] == {"name": "Sam", "source": "name"}
        assert call(url + "/triage/api/progress", token)[0] == 400
        _, html = call(url + "/voila/tree", token)
        assert 'id="student-name"' in html
