"""A real Voila server: every notebook renders (blocking mode) without a cell error, sources stay
private, and the kernel websocket ignores execute_request."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from tornado.websocket import websocket_connect
from voila_server import NOTEBOOKS, ROOT, fetch, voila_server

pytestmark = pytest.mark.server
APPS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with voila_server(tmp_path_factory.mktemp("voila")) as url:
        yield url


def cell_errors(html: str) -> list[str]:
    """Error outputs embedded in a blocking-mode Voila page."""
    errors = []
    for blob in re.findall(r'<script type="application/vnd.voila.cell-output\+json">(.*?)</script>', html, re.S):
        output = json.loads(blob)
        if output.get("output_type") == "error" or output.get("name") == "stderr":
            errors.append(output.get("ename") or output.get("text", ""))
    if "There was an error when executing cell" in html:
        errors.append("voila reported a cell error")
    return errors


def test_the_error_detector_sees_a_failing_cell(tmp_path):
    """Guard: if Voila's error markup changed, the render test below would pass vacuously."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('boom')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder = tmp_path / "broken"
    folder.mkdir()
    nbformat.write(nb, folder / "broken.ipynb")
    with voila_server(tmp_path, notebooks=folder) as url:
        _, html = fetch(f"{url}/voila/render/broken.ipynb")
    assert cell_errors(html), html[-2000:]
    assert "raise ValueError" not in html  # sources stripped even on error


def test_landing_page_lists_every_app_with_a_description(server):
    status, html = fetch(server + "/")
    assert status == 200
    assert "Educational use only" in html
    for name in APPS:
        item = re.search(rf'href="/voila/render/{re.escape(name)}">[^<]+</a>\s*<p>([^<]*)</p>', html)
        assert item, f"{name} missing from the landing page"
        assert len(item.group(1).strip()) > 20, f"{name} needs a one-line description"


@pytest.mark.parametrize("name", APPS)
def test_every_notebook_renders_without_cell_errors_and_without_sources(server, name):
    status, html = fetch(f"{server}/voila/render/{name}")
    assert status == 200
    assert cell_errors(html) == []
    assert "from triage.ui import" not in html, "sources must be stripped"
    assert "cdn.jsdelivr.net" not in html and "cdnjs" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/voila/files/00_start_here.ipynb",
        "/voila/files/notebooks/00_start_here.ipynb",
        "/files/00_start_here.ipynb",
        "/api/contents/00_start_here.ipynb",
        "/notebooks/00_start_here.ipynb",
        "/voila/files/../pyproject.toml",
        "/voila/files/voila.json",
    ],
)
def test_sources_are_not_downloadable(server, path):
    status, body = fetch(server + path)
    assert status in (403, 404), (status, body[:200])
    assert "NBVAL_CHECK_OUTPUT" not in body and "nbformat" not in body


def _message(msg_type: str, content: dict) -> str:
    return json.dumps({
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "test", "session": "s",
                   "date": "", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": [],
    })


async def _probe(ws_url: str, marker: Path) -> list[str]:
    conn = await websocket_connect(ws_url)
    code = f"open({str(marker)!r}, 'w').write('executed')"
    await conn.write_message(_message("execute_request", {"code": code, "silent": False, "store_history": False,
                                                          "user_expressions": {}, "allow_stdin": False}))
    await conn.write_message(_message("kernel_info_request", {}))
    seen: list[str] = []
    try:
        while "kernel_info_reply" not in seen:
            raw = await asyncio.wait_for(conn.read_message(), timeout=30)
            if raw is None:
                break
            seen.append(json.loads(raw)["header"]["msg_type"])
        await asyncio.sleep(2)  # give an execute_reply, if any, the chance to arrive
        while True:
            raw = await asyncio.wait_for(conn.read_message(), timeout=1)
            if raw is None:
                break
            seen.append(json.loads(raw)["header"]["msg_type"])
    except TimeoutError:
        pass
    conn.close()
    return seen


def test_the_kernel_websocket_ignores_execute_request(server, tmp_path):
    _, html = fetch(f"{server}/voila/render/00_start_here.ipynb")
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>',
                                  html, re.S).group(1))
    kernel = config["kernelId"]
    marker = tmp_path / "executed.txt"
    ws_url = server.replace("http", "ws") + f"/api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
    seen = asyncio.run(_probe(ws_url, marker))
    assert "kernel_info_reply" in seen, "the channel works (allowed messages are answered)"
    assert "execute_reply" not in seen and "execute_input" not in seen
    assert not marker.exists(), "code sent from the browser must not run"


def test_voila_json_sets_the_documented_options():
    whole = json.loads((ROOT / "voila.json").read_text())
    config = whole["VoilaConfiguration"]
    assert config["template"] == "triage"
    assert config["strip_sources"] is True and config["show_tracebacks"] is False
    assert config["progressive_rendering"] is False
    # preheated kernels run the notebook before anyone asks; the case player reads the student's record
    # once the request arrives (triage.ui.context waits for it), so it is preheated like the others
    assert config["preheat_kernel"] is True
    assert "05_case_studies.ipynb" not in whole["VoilaKernelManager"]["preheat_denylist"]
    # kernels on Unix sockets: TCP ports picked for many kernels at once can collide (jupyter_client#487),
    # which killed kernels and truncated pages in the class benchmark
    assert whole["KernelManager"]["transport"] == "ipc"


def test_make_app_pool_settings_reach_voila():
    """`make app POOL=7 FILL_DELAY=20` must override voila.json (a kernel_pools_config there would not)."""
    dry = subprocess.run(["make", "-n", "app", "POOL=7", "FILL_DELAY=20", f"BIN={Path(sys.executable).parent}"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    command = shlex.split(next(line for line in dry.splitlines() if "voila " in line))
    probe = (
        "import json, sys\n"
        "from voila.app import Voila\n"
        "app = Voila()\n"
        "app.initialize(sys.argv[1:])\n"
        "km = app.config.VoilaKernelManager\n"
        "print(json.dumps({'pool': app.voila_configuration.default_pool_size,\n"
        "                  'pools_config': 'kernel_pools_config' in km,\n"
        "                  'fill_delay': float(km.fill_delay), 'preheat': app.voila_configuration.preheat_kernel}))\n"
    )
    env = {**os.environ, "JUPYTER_PATH": str(ROOT / "share" / "jupyter")}
    out = subprocess.run([sys.executable, "-c", probe, *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"pool": 7, "pools_config": False, "fill_delay": 20.0, "preheat": True}
