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
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest
from support.voila_server import NOTEBOOKS, ROOT, fetch, voila_server
from tornado.websocket import websocket_connect

from triage.content.course import course

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


def test_landing_page_lists_every_app_with_its_title(server):
    status, html = fetch(server + "/")
    assert status == 200
    assert "Educational use only" in html
    for app in course():
        item = re.search(rf'href="/voila/render/{re.escape(app.notebook)}">([^<]+)</a>', html)
        assert item, f"{app.notebook} missing from the landing page"
        assert item.group(1) == app.title
    for name in APPS:
        assert f"/voila/render/{name}" in html, f"{name} is in notebooks/ but not on the landing page"


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
    # 00_start_here has no widgets: it keeps a small pool (course.yaml `pool: small`), not POOL kernels
    assert whole["VoilaKernelManager"]["preheat_denylist"] == []
    # kernels on Unix sockets: TCP ports picked for many kernels at once can collide (jupyter_client#487),
    # which killed kernels and truncated pages in the class benchmark
    assert whole["KernelManager"]["transport"] == "ipc"
    limits = whole["ClassroomKernelManager"]
    assert limits["max_kernels"] == 0, "0: the ceiling comes from the machine's memory"
    assert limits["unclaimed_timeout"] + limits["reap_interval"] <= 60, "unclaimed kernels go within about 60 s"


def _make_app_command(*make_args: str) -> list[str]:
    dry = subprocess.run(["make", "-n", "app", *make_args, f"BIN={Path(sys.executable).parent}"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return shlex.split(next(line for line in dry.splitlines() if " -m triage serve " in line))


PROBE = (
    "import json, sys\n"
    "from triage.serve.app import build_app\n"
    "app = build_app(sys.argv[1:])\n"
    "km = app.config.VoilaKernelManager\n"
    "print(json.dumps({'pool': app.voila_configuration.default_pool_size,\n"
    "                  'pools_config': 'kernel_pools_config' in km,\n"
    "                  'fill_delay': float(km.fill_delay), 'preheat': app.voila_configuration.preheat_kernel,\n"
    "                  'class_code': app.class_code,\n"
    "                  'max_kernels': app.config.ClassroomKernelManager.get('max_kernels'),\n"
    "                  'root_dir': app.root_dir}))\n"
)


def _launcher_settings(command: list[str]) -> dict:
    """What the launcher, given make's command line, hands to Voila (configured, not started)."""
    assert command[1:4] == ["-m", "triage", "serve"], command
    env = {k: v for k, v in os.environ.items() if k != "TRIAGE_CLASS_CODE"}
    out = subprocess.run([sys.executable, "-c", PROBE, *command[4:]], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_make_app_pool_settings_reach_voila():
    """`make app POOL=7 FILL_DELAY=20` must override voila.json (a kernel_pools_config there would not)."""
    seen = _launcher_settings(_make_app_command("POOL=7", "FILL_DELAY=20"))
    assert {k: seen[k] for k in ("pool", "pools_config", "fill_delay", "preheat")} == {
        "pool": 7, "pools_config": False, "fill_delay": 20.0, "preheat": True}
    assert seen["class_code"] is None
    assert Path(seen["root_dir"]) == NOTEBOOKS


def test_make_app_class_and_ceiling_reach_the_launcher():
    seen = _launcher_settings(_make_app_command("CLASS=BIO-101", "MAX_KERNELS=40"))
    assert seen["class_code"] == "BIO-101"
    assert seen["max_kernels"] == 40
    assert seen["pool"] == json.loads((ROOT / "voila.json").read_text())["VoilaConfiguration"]["default_pool_size"]


@pytest.fixture(scope="module")
def files_server(tmp_path_factory):
    """Notebooks next to an image and to sources of every kind the allowlist must keep private."""
    tmp = tmp_path_factory.mktemp("files")
    folder = tmp / "apps"
    (folder / "figures").mkdir(parents=True)
    (folder / "figures" / "spine.png").write_bytes(PNG)
    (folder / "hip.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><title>hip</title></svg>')
    (folder / "app.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (folder / "helper.py").write_text("SECRET = 1\n")
    (folder / "case.yaml").write_text("id: secret\n")
    (folder / "data.json").write_text("{}")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "x.png").write_bytes(PNG)
    (tmp / "outside.png").write_bytes(PNG)
    (tmp / "outside.txt").write_text("secret")
    with voila_server(tmp, notebooks=folder) as url:
        yield url


# an 8x8 PNG, written by hand so the test needs no image library
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000008000000080806000000c40fbe8b0000001249444154789c63f8cf"
    "c0f01f1f6618190a00c2d77f812f71e0010000000049454e44ae426082"
)


@pytest.mark.parametrize("path", ["figures/spine.png", "hip.svg"])
def test_images_next_to_the_notebooks_are_served(files_server, path):
    with urllib.request.urlopen(f"{files_server}/voila/files/{path}", timeout=60) as resp:
        assert resp.status == 200
        body = resp.read()
    assert body == PNG if path.endswith(".png") else b"<title>hip</title>" in body


@pytest.mark.parametrize("path", ["app.ipynb", "helper.py", "case.yaml", "data.json", ".hidden/x.png",
                                  "../outside.png", "../outside.txt", "figures/../helper.py"])
def test_sources_next_to_the_notebooks_stay_private(files_server, path):
    status, body = fetch(f"{files_server}/voila/files/{path}")
    assert status in (403, 404), (path, status)
    assert "SECRET" not in body and "secret" not in body and "PNG" not in body


@pytest.mark.server
def test_over_http_a_damaged_store_is_a_plain_503_and_the_file_is_kept(tmp_path):
    import json

    from support.voila_server import fetch, serve, widget_notebook

    folder = tmp_path / "apps"
    widget_notebook(folder)
    damaged = tmp_path / "foreign.db"
    damaged.write_bytes(b"this is not a class database\n" * 100)
    with serve(tmp_path, notebooks=folder, env={"TRIAGE_CLASS_DB": str(damaged)}, args=["--pool_size=0"]) as server:
        status, body = fetch(f"{server.url}/triage/api/progress?student=Sam")
        assert status == 503
        assert set(json.loads(body)) == {"error"} and "Traceback" not in body
        status, body = fetch(f"{server.url}/triage/api/progress?student=" + "x" * 41)
        assert status == 400 and "at most 40 characters" in json.loads(body)["error"]
    assert damaged.read_bytes() == b"this is not a class database\n" * 100
