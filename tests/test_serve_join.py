"""Joining from phones: the classroom address (from the interfaces, no network traffic), the QR codes in the
terminal and on the presenter's start screen decoded back (Debian's zbarimg, package zbar-tools), and PORT.

The server test binds all interfaces (HOST=0.0.0.0, as a class would) but sends requests to 127.0.0.1 only.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from collections import namedtuple
from pathlib import Path

import pytest
from class_fixtures import ANA, context, staged_case
from ports import free_port
from voila_server import ROOT, fetch, kernel_id_of, page_kernel_id, serve

from triage.errors import TriageError
from triage.serve.app import startup_message
from triage.serve.join import check_port_free, classroom, join_lines, lan_addresses, qr_text
from triage.store.memory import MemoryStore
from triage.ui import Presenter
from triage.ui.join import join_html

Addr = namedtuple("Addr", "family address netmask broadcast ptp")
Stat = namedtuple("Stat", "isup")


def zbar(image: Path) -> str:
    """The text of the one QR code in ``image``, as zbarimg reads it."""
    tool = shutil.which("zbarimg")
    assert tool, "zbarimg is missing: apt-get install -y zbar-tools (.ci/run installs it)"
    out = subprocess.run([tool, "--quiet", "--raw", str(image)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"no QR code found in {image}: {out.stderr}"
    return out.stdout.strip()


def terminal_qr_to_pbm(lines: list[str], path: Path, scale: int = 8) -> Path:
    """Draw a terminal QR code (half blocks: a block is light, a space dark) as a bitmap zbarimg can read."""
    halves = {"█": (0, 0), "▀": (0, 1), "▄": (1, 0), " ": (1, 1)}  # (top, bottom); 1 = dark
    width = max(len(line) for line in lines)
    rows: list[list[int]] = []
    for line in lines:
        cells = [halves[ch] for ch in line.ljust(width, "█")]
        rows += [[top for top, _ in cells], [bottom for _, bottom in cells]]
    pad = 4  # a light quiet zone around the code
    rows = [[0] * width] * pad + rows + [[0] * width] * pad
    pixels: list[str] = []
    for row in rows:
        line = "".join(str(bit) * scale for bit in [0] * pad + row + [0] * pad)
        pixels += [line] * scale
    path.write_text(f"P1\n{len(pixels[0])} {len(pixels)}\n" + "\n".join(pixels) + "\n")
    return path


def qr_block(text: str) -> list[str]:
    """The QR code's lines in a start-up message (the lines drawn only with block characters)."""
    return [line[2:] for line in text.splitlines() if line.startswith("  ") and line.strip()
            and set(line.strip()) <= set("█▀▄ ") and len(line.strip()) > 10]


# -- the address --------------------------------------------------------------------------------------------

def test_the_lan_address_comes_from_the_interfaces_that_phones_can_reach():
    addrs = {
        "lo": [Addr(socket.AF_INET, "127.0.0.1", None, None, None)],
        "docker0": [Addr(socket.AF_INET, "172.17.0.1", None, None, None)],
        "tun0": [Addr(socket.AF_INET, "10.8.0.2", None, None, None)],
        "eth1": [Addr(socket.AF_INET, "169.254.10.20", None, None, None)],
        "wlan0": [Addr(socket.AF_INET6, "fe80::1", None, None, None), Addr(socket.AF_INET, "192.168.1.23", None,
                                                                            None, None)],
        "eth2": [Addr(socket.AF_INET, "10.20.0.5", None, None, None)],
        "down0": [Addr(socket.AF_INET, "192.168.9.9", None, None, None)],
    }
    stats = {name: Stat(name != "down0") for name in addrs}
    # loopback, the container bridge, the link-local and the down interface are left out; the VPN comes last
    assert lan_addresses(addrs, stats) == ["192.168.1.23", "10.20.0.5", "10.8.0.2"]
    assert lan_addresses({"lo": addrs["lo"]}, {"lo": Stat(True)}) == []


def test_the_classroom_address_follows_host_and_port():
    lan = ["192.168.1.23", "10.20.0.5"]
    room = classroom("0.0.0.0", 8870, "/", lan)
    assert room.urls == ("http://192.168.1.23:8870/", "http://10.20.0.5:8870/") and room.url == room.urls[0]
    assert classroom("192.168.1.23", 8866, "/triage/", lan).urls == ("http://192.168.1.23:8866/triage/",)
    for local in ("127.0.0.1", "localhost", "::1"):
        assert classroom(local, 8866, "/", lan).local_only
    assert classroom("0.0.0.0", 8866, "/", []).urls == ()


def test_a_busy_port_is_refused_naming_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(TriageError, match=rf"PORT: port {port} is in use by another program; choose another"):
            check_port_free("127.0.0.1", port)
    check_port_free("127.0.0.1", port)  # closed again: free


def test_the_terminal_qr_code_reads_back_as_the_address(tmp_path):
    url = "http://192.168.1.23:8870/"
    lines = qr_text(url).rstrip("\n").splitlines()
    assert zbar(terminal_qr_to_pbm(lines, tmp_path / "qr.pbm")) == url


def test_the_start_up_message_says_where_students_join():
    room = classroom("0.0.0.0", 8870, "/", ["192.168.1.23", "10.20.0.5"])
    text = startup_message("http://127.0.0.1:8870/", "k", "s", None, ["x"], room, "0.0.0.0")
    assert "Students join at:   http://192.168.1.23:8870/" in text and "also: http://10.20.0.5:8870/" in text
    assert len(qr_block(text)) > 10
    local = "\n".join(join_lines(classroom("127.0.0.1", 8866), "127.0.0.1"))
    assert "only this machine can open the apps" in local and "make app HOST=0.0.0.0" in local


# -- the presenter's start screen ---------------------------------------------------------------------------

def test_the_presenter_opens_on_the_join_screen_and_makes_way_for_the_lesson(monkeypatch):
    monkeypatch.setenv("TRIAGE_CLASS_URL", "http://192.168.1.23:8870/")
    app = Presenter(cases=[staged_case()], context=context(ANA, MemoryStore(), mode="voila", params={"key": "x"},
                                                           key="x"), keyboard=False)
    assert app.unlocked and "http://192.168.1.23:8870/" in app.join.value and "<svg" in app.join.value
    assert "QR code of http://192.168.1.23:8870/" in app.join.value  # the image's text alternative
    app.on_key("j")
    assert app.join.value == "" and app.join_button.description == "Show how to join (J)"
    app.on_key("j")
    app.on_key("n")  # the lesson starts
    assert app.join.value == "" and app.stage == 1
    monkeypatch.delenv("TRIAGE_CLASS_URL")
    local = Presenter(cases=[staged_case()], context=context(ANA, MemoryStore(), mode="voila",
                                                             params={"key": "x"}, key="x"), keyboard=False)
    assert "make app HOST=0.0.0.0" in local.join.value and "<svg" not in local.join.value
    lab = Presenter(cases=[staged_case()], context=context(ANA, MemoryStore(), mode="lab"), keyboard=False)
    assert lab.join.value == "" and lab.join_button.layout.display == "none"


def test_the_start_screen_escapes_the_address():
    assert "<b>" not in join_html("http://x/<b>")


# -- the real launcher: make app HOST=0.0.0.0 PORT=... ------------------------------------------------------

def interface_addresses() -> set[str]:
    """This machine's IPv4 addresses as iproute2 lists them (independent of the code under test)."""
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)) - {"127.0.0.1"}


@pytest.mark.server
def test_make_app_on_all_interfaces_prints_the_classroom_address_and_qr_codes_that_read_back(tmp_path, browser):
    key = "join-test-key"
    with serve(tmp_path, env={"TRIAGE_INSTRUCTOR_KEY": key}, args=["--Voila.ip=0.0.0.0"]) as server:
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
