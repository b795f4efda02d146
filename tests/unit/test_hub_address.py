"""`make hub` prints the address to give the class once the hub answers there (not the proxy's internal port)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from support.ports import free_port

from triage.cli.hub import hub_addresses

ROOT = Path(__file__).resolve().parents[2]


class HubApi(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/hub/api/" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"version": "6.1.1"}')

    def log_message(self, *args):
        pass


def _address(port: int, *extra: str, ip: str = "127.0.0.1") -> subprocess.Popen:
    env = {**os.environ, "TRIAGE_HUB_PORT": str(port), "TRIAGE_HUB_IP": ip}
    return subprocess.Popen([sys.executable, "-m", "triage.hubservice", "address", *extra], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_make_hub_prints_the_public_address_once_the_hub_answers_there():
    port = free_port()
    waiting = _address(port, "--wait", "--timeout", "120")
    time.sleep(2)
    assert waiting.poll() is None, "printed an address before anything answered there"
    server = ThreadingHTTPServer(("127.0.0.1", port), HubApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out, err = waiting.communicate(timeout=60)
    finally:
        server.shutdown()
    assert waiting.returncode == 0, err
    assert f"Give the class this address:  http://127.0.0.1:{port}/" in out
    assert "TRIAGE_HUB_IP=0.0.0.0" in out  # on loopback only: how to let the room in


def test_it_stops_waiting_when_the_hub_has_ended():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    waiting = _address(free_port(), "--wait", "--while-pid", str(gone.pid))
    out, _ = waiting.communicate(timeout=60)
    assert waiting.returncode == 1 and "address" not in out


def test_on_every_interface_the_room_gets_this_machines_network_address():
    local, room = hub_addresses("0.0.0.0", 8000)
    assert local == "http://127.0.0.1:8000/"
    assert all(url.startswith("http://") and url.endswith(":8000/") and "127.0.0.1" not in url for url in room)
    assert hub_addresses("192.0.2.7", 8443) == ("http://192.0.2.7:8443/", ["http://192.0.2.7:8443/"])


def test_make_hub_runs_the_address_printer_beside_the_hub():
    recipe = subprocess.run(["make", "-n", "hub"], cwd=ROOT, capture_output=True, text=True, check=False).stdout
    assert "triage.hubservice address --wait --while-pid" in recipe and "exec .venv/bin/jupyterhub" in recipe
