"""A real JupyterHub (deploy/jupyterhub_config.py) with its proxy and services, on free loopback ports.

Used by tests/integration/test_hub.py and benchmarks/bench_hub.py. Everything runs for real: the hub, the pinned
configurable-http-proxy, the class-store service, the idle culler and one Jupyter server per student
(each as the student's own user id when the tests run as root, as CI does).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from support.ports import free_port
from triage.hubservice.accounts import AccountBook

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
START_TIMEOUT = 180
SPAWN_TIMEOUT = 300


@dataclass
class Hub:
    """A running hub: its URLs, state folder, people (name -> password) and log file."""

    url: str
    api: str
    state: Path
    ports: dict[str, int]
    people: dict[str, str]
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    config: Path = DEPLOY / "jupyterhub_config.py"
    sessions: dict[str, requests.Session] = field(default_factory=dict)

    @property
    def store_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['store']}/services/triage-store/"

    def admin_token(self) -> str:
        return (self.state / "hub" / "prestart-token").read_text(encoding="utf-8").strip()

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    # --- people ---------------------------------------------------------------------------------------
    def login(self, name: str, password: str | None = None) -> requests.Session:
        """Log in through the hub's login form (as a browser does); returns the session with its cookies."""
        s = requests.Session()
        page = s.get(f"{self.url}/hub/login", timeout=60)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        if not xsrf:
            raise RuntimeError(f"no _xsrf field on the login page ({page.status_code})")
        s.post(f"{self.url}/hub/login?next=", timeout=120, allow_redirects=False,
               data={"username": name, "password": password or self.people[name], "_xsrf": xsrf.group(1)})
        return s

    def session(self, name: str) -> requests.Session:
        """A logged-in session for ``name`` whose server is running and has authorised the session."""
        if name not in self.sessions:
            s = self.login(name)
            self.wait_for_server(s, name)
            self.sessions[name] = s
        return self.sessions[name]

    def wait_for_server(self, s: requests.Session, name: str) -> requests.Response:
        deadline = time.monotonic() + SPAWN_TIMEOUT
        r = s.get(f"{self.url}/hub/user/{name}/", timeout=120)
        if r.status_code == 424:  # not running: start it as the hub's home page button does
            r = s.get(f"{self.url}/hub/spawn/{name}", timeout=120)
        while "spawn-pending" in r.url or r.status_code != 200 or "/voila/" not in r.url:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}'s server not ready ({r.status_code} {r.url}); log:\n{self.log_tail()}")
            time.sleep(1)
            r = s.get(f"{self.url}/hub/user/{name}/", timeout=120)
        return r

    def token(self, name: str, scopes: list[str] | None = None) -> str:
        """A new API token for ``name``, asked for through the hub's REST API with the person's own login."""
        s = self.session(name)
        xsrf = s.cookies.get("_xsrf", path="/hub/") or ""
        body = {"note": "tests", "expires_in": 3600}
        if scopes is not None:
            body["scopes"] = scopes
        r = s.post(f"{self.api}/users/{name}/tokens", json=body, headers={"X-XSRFToken": xsrf}, timeout=60)
        r.raise_for_status()
        return r.json()["token"]

    def server_pids(self, include_proxy: bool = False) -> list[int]:
        """Processes started for this hub (students' servers and kernels, services), found by the hub API URL
        in their environment; with ``include_proxy`` also the proxy (by its API port)."""
        marker = f"127.0.0.1:{self.ports['hub_api']}"
        proxy = ["--api-port", str(self.ports["proxy_api"])]
        found = []
        for p in psutil.process_iter(["pid", "cmdline"]):
            with suppress(psutil.Error):
                if p.pid == (self.proc.pid if self.proc else 0):
                    continue
                cmd = p.info["cmdline"] or []
                if marker in p.environ().get("JUPYTERHUB_API_URL", "") or (
                        include_proxy and any(cmd[i:i + 2] == proxy for i in range(len(cmd)))):
                    found.append(p.pid)
        return found


def make_people(state: Path, students: list[str], instructors: list[str]) -> dict[str, str]:
    book = AccountBook(state / "accounts.json")
    people = {}
    for name in students:
        people[name] = book.add(name, "student")
    for name in instructors:
        people[name] = book.add(name, "instructor")
    return people


def new_state(prefix: str = "triage-hub-") -> Path:
    """A state folder the students' user ids can traverse (pytest's own temp folders are 0700)."""
    state = Path(tempfile.mkdtemp(prefix=prefix))
    state.chmod(0o711)
    return state


def start_hub(state: Path, people: dict[str, str], ports: dict[str, int] | None = None,
              extra_env: dict[str, str] | None = None, config: Path = DEPLOY / "jupyterhub_config.py") -> Hub:
    if not PROXY.exists():
        raise RuntimeError(f"{PROXY} missing: run `make hub-deps` (npm install in deploy/)")
    ports = ports or {k: free_port() for k in ("public", "hub_api", "proxy_api", "store")}
    env = {  # the test's own TRIAGE_* settings (conftest points TRIAGE_CLASS_DB at each test's tmp_path) stay out
        **{k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")},
        "TRIAGE_HUB_STATE": str(state),
        "TRIAGE_HUB_PORT": str(ports["public"]),
        "TRIAGE_HUB_API_PORT": str(ports["hub_api"]),
        "TRIAGE_PROXY_API_PORT": str(ports["proxy_api"]),
        "TRIAGE_STORE_PORT": str(ports["store"]),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    log = state / f"hub-{ports['public']}.log"
    exe = Path(sys.executable).with_name("jupyterhub")
    with log.open("a") as out:
        proc = subprocess.Popen([str(exe), "-f", str(config)], cwd=state, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{ports['public']}"
    hub = Hub(url, f"{url}/hub/api", state, ports, people, log, env, proc, config=config)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {proc.returncode}; log:\n{hub.log_tail()}")
        with suppress(requests.RequestException):
            ok = requests.get(f"{hub.api}/", timeout=5).status_code == 200
            if ok and requests.get(hub.store_url, timeout=5).status_code == 200:
                return hub
        if time.monotonic() > deadline:
            stop_hub(hub)
            raise RuntimeError(f"the hub did not answer within {START_TIMEOUT}s; log:\n{hub.log_tail()}")
        time.sleep(0.5)


def stop_hub(hub: Hub, timeout: float = 90) -> None:
    """Stop the hub as an administrator would (SIGINT: it stops servers, services and proxy), then clean up."""
    leftovers = hub.server_pids(include_proxy=True)
    proc = hub.proc
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    with suppress(ProcessLookupError, PermissionError):
        if proc is not None:
            os.killpg(proc.pid, signal.SIGKILL)  # proxy or services that outlived the hub
    for pid in leftovers + hub.server_pids(include_proxy=True):
        with suppress(psutil.Error):
            psutil.Process(pid).kill()
    hub.sessions.clear()
    hub.proc = None


@contextmanager
def running_hub(students: list[str], instructors: list[str], extra_env: dict[str, str] | None = None,
                keep_state: bool = False, config: Path = DEPLOY / "jupyterhub_config.py") -> Iterator[Hub]:
    state = new_state()
    people = make_people(state, students, instructors)
    hub = start_hub(state, people, extra_env=extra_env, config=config)
    try:
        yield hub
    finally:
        stop_hub(hub)
        if not keep_state:
            remove_state(state)


def remove_state(state: Path) -> None:
    """The state folder and the students' kernel runtime folders (see ClassSpawner.runtime_dir)."""
    import hashlib

    tag = hashlib.sha256(str((state / "homes").resolve()).encode()).hexdigest()[:8]
    for runtime in Path(tempfile.gettempdir()).glob(f"triage-rt-{tag}-*"):
        shutil.rmtree(runtime, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)


# --- running code in a student's own kernel (what a student can do from a notebook) ---------------------

def run_in_kernel(hub: Hub, name: str, token: str, code: str, timeout: float = 120) -> str:
    """Start a kernel on ``name``'s server with ``token``, run ``code``, return its stdout, stop the kernel."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    base = f"{hub.url}/user/{name}"
    headers = {"Authorization": f"token {token}"}
    r = requests.post(f"{base}/api/kernels", json={"name": "python3"}, headers=headers, timeout=120)
    r.raise_for_status()
    kernel_id = r.json()["id"]

    async def execute() -> str:
        ws_url = base.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
        conn = await websocket_connect(HTTPRequest(ws_url, headers=headers, connect_timeout=60))
        msg_id = uuid.uuid4().hex
        conn.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": name, "session": uuid.uuid4().hex,
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = await asyncio.wait_for(conn.read_message(), timeout=max(1.0, deadline - time.monotonic()))
            if raw is None:
                break
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                out.append("ERROR " + msg["content"]["ename"] + ": " + msg["content"]["evalue"])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        conn.close()
        return "".join(out)

    try:  # in a thread of its own: Playwright's sync API keeps an event loop running in this one
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(lambda: asyncio.run(execute())).result()
    finally:
        requests.delete(f"{base}/api/kernels/{kernel_id}", headers=headers, timeout=60)
