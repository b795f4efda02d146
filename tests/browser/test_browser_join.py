"""Joining from phones with the real launcher: make app HOST=0.0.0.0 prints the classroom address (one of this
machine's interface addresses) and a QR code; the presenter's start screen shows the same address and a QR code
(SVG in the page) that Chromium draws and zbarimg reads back; a busy PORT stops the launcher with a message.

The server binds all interfaces, as a class would, but every request goes to 127.0.0.1.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import pytest
from support.ports import free_port
from support.qr import qr_block, terminal_qr_to_pbm, zbar
from support.voila_server import ROOT, fetch, kernel_id_of, page_kernel_id, serve

pytestmark = pytest.mark.browser


def interface_addresses() -> set[str]:
    """This machine's IPv4 addresses as iproute2 lists them (independent of the code under test)."""
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)) - {"127.0.0.1"}


@pytest.mark.server
def test_make_app_on_all_interfaces_prints_the_classroom_address_and_qr_codes_that_read_back(tmp_path, browser):
    key = "join-test-key"
    with serve(tmp_path, env={"TRIAGE_INSTRUCTOR_KEY": key}, args=["--Voila.ip=0.0.0.0"],
               preheat=["06_instructor.ipynb"]) as server:
        port = server.url.rsplit(":", 1)[1]
        deadline = time.monotonic() + 60
        while "Stop with Ctrl+C" not in (log := server.log_text()) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert f"Open in a browser:  http://127.0.0.1:{port}/" in log
        url = re.search(r"Students join at:\s+(http://\S+)", log).group(1)
        host = re.match(r"http://([\d.]+):(\d+)/$", url)
        assert host and host.group(2) == port and host.group(1) in interface_addresses(), (url, log)
        assert zbar(terminal_qr_to_pbm(qr_block(log), tmp_path / "terminal.pbm")) == url
        # the presenter's kernel got the address, and its start screen's QR code (SVG in the page) reads back
        status, html = fetch(f"{server.url}/voila/render/06_instructor.ipynb?key={key}")
        assert status == 200
        kernel = next(p for p in server.kernel_processes() if kernel_id_of(p) == page_kernel_id(html))
        assert kernel.environ()["TRIAGE_CLASS_URL"] == url
        page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
        page.goto(f"{server.url}/voila/render/06_instructor.ipynb?key={key}", wait_until="load")
        qr = page.locator(".triage-join svg.triage-qr")
        qr.wait_for(timeout=90_000)
        page.locator(".triage-join").screenshot(path=str(tmp_path / "join.png"))
        qr.screenshot(path=str(tmp_path / "qr.png"))
        assert zbar(tmp_path / "qr.png") == url
        assert url in page.locator(".triage-join").inner_text()
        page.context.close()


def test_a_busy_port_stops_the_launcher_with_a_message_naming_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", free_port()))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "triage", "serve", "--no-browser", f"--port={port}"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and f"port {port} is in use" in out.stderr and "make app PORT=" in out.stderr
    assert "Traceback" not in out.stderr
