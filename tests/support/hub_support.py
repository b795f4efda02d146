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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from support.kernel_frames import decode_frame
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
        return (self.state / "hub" / "admin-token").read_text(encoding="utf-8").strip()

    @property
    def behind_nginx(self) -> bool:
        return self.env.get("TRIAGE_HUB_NGINX") != "0"

    def hub_api_direct(self) -> str:
        """The hub's own REST API (not through nginx and the proxy), as the command line reaches it."""
        return f"http://127.0.0.1:{self.ports['hub_api']}/hub/api"

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
              extra_env: dict[str, str] | None = None, config: Path = DEPLOY / "jupyterhub_config.py",
              nginx: bool = True) -> Hub:
    """A hub as `make hub` runs it: with nginx in front (Debian's package; the tests fail without it, as
    `make hub` would warn), unless ``nginx`` is False."""
    if not PROXY.exists():
        raise RuntimeError(f"{PROXY} missing: run `make hub-deps` (npm install in deploy/)")
    if nginx and not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        raise RuntimeError("nginx missing: apt-get install -y nginx (make hub puts it in front of the hub)")
    ports = ports or {k: free_port() for k in ("public", "hub_api", "proxy_api", "store", "proxy")}
    env = {  # the test's own TRIAGE_* settings (conftest points TRIAGE_CLASS_DB at each test's tmp_path) stay out
        **{k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")},
        "TRIAGE_HUB_STATE": str(state),
        "TRIAGE_HUB_PORT": str(ports["public"]),
        "TRIAGE_HUB_API_PORT": str(ports["hub_api"]),
        "TRIAGE_PROXY_API_PORT": str(ports["proxy_api"]),
        "TRIAGE_STORE_PORT": str(ports["store"]),
        "TRIAGE_PROXY_PORT": str(ports["proxy"]),
        "TRIAGE_HUB_NGINX": "1" if nginx else "0",
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
            ok = requests.get(f"{hub.api}/", timeout=5).status_code == 200  # through nginx (if any) and the proxy
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
                keep_state: bool = False, config: Path = DEPLOY / "jupyterhub_config.py",
                nginx: bool = True) -> Iterator[Hub]:
    state = new_state()
    people = make_people(state, students, instructors)
    hub = start_hub(state, people, extra_env=extra_env, config=config, nginx=nginx)
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


# --- talking to a kernel as a browser would (the Jupyter websocket protocol, JSON frames) ------------------

def kernel_message(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "", "session": session,
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": metadata or {}, "channel": "shell", "buffers": [], "content": content}



def kernel_exchange(ws_url: str, headers: dict[str, str], messages: list[dict], until: str | Callable[[dict], bool],
                    linger: float = 0.0, timeout: float = 120) -> list[dict]:
    """Send ``messages`` on a kernel's websocket; collect every message until one of type ``until`` (or one
    ``until(msg)`` accepts) arrives, then ``linger`` seconds more. Runs in a thread of its own (Playwright's
    sync API keeps an event loop running in this one)."""
    done = until if callable(until) else (lambda msg: msg.get("header", {}).get("msg_type") == until)
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    async def talk() -> list[dict]:
        conn = await websocket_connect(HTTPRequest(ws_url, headers=headers, connect_timeout=60, request_timeout=60))
        got: list[dict] = []
        try:
            for message in messages:
                await conn.write_message(json.dumps(message))
            deadline = time.monotonic() + timeout
            stop_at = None
            while True:
                now = time.monotonic()
                end = stop_at if stop_at is not None else deadline
                if now >= end:
                    if stop_at is None:
                        streams = "".join(m["content"].get("text", "") for m in got
                                          if m.get("header", {}).get("msg_type") == "stream")
                        raise TimeoutError(f"no {until} from the kernel within {timeout} s; got "
                                           f"{[m.get('header', {}).get('msg_type') for m in got]}; output: "
                                           f"{streams[-2000:]}")
                    return got
                try:
                    frame = await asyncio.wait_for(conn.read_message(), end - now)
                except TimeoutError:
                    continue
                if frame is None:
                    return got
                msg = decode_frame(frame)
                got.append(msg)
                if stop_at is None and done(msg):
                    stop_at = time.monotonic() + linger
        finally:
            conn.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(talk())).result()


def is_update_states(msg: dict) -> bool:
    data = msg.get("content", {}).get("data", {})
    return msg["header"]["msg_type"] == "comm_msg" and isinstance(data, dict) and data.get("method") == "update_states"


def page_widget_states(hub: Hub, s: requests.Session, name: str, notebook: str) -> tuple[str, dict]:
    """Open an app as ``name``'s browser does (the page, then its widgets' state over the kernel websocket);
    returns the page's HTML and every widget's state. The tab's kernel is shut down afterwards."""
    base = f"{hub.url}/user/{name}/"
    page = s.get(f"{base}voila/render/{notebook}", timeout=300)
    page.raise_for_status()
    kernel_id = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page.text)[1]
    cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    sid = uuid.uuid4().hex
    comm_id = uuid.uuid4().hex
    messages = [kernel_message("kernel_info_request", {}, sid),
                kernel_message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}},
                               sid, {"version": "1.0.0"}),
                kernel_message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}, sid)]
    ws_url = f"{base.replace('http', 'ws', 1)}api/kernels/{kernel_id}/channels?session_id={sid}"
    def answered(msg: dict) -> bool:  # the states, or the channel refused (a page without widgets)
        return is_update_states(msg) or (msg["header"]["msg_type"] == "comm_close"
                                         and msg["content"].get("comm_id") == comm_id)

    got = kernel_exchange(ws_url, {"Cookie": cookie}, messages, until=answered, linger=1.0)
    states: dict = {}
    for msg in got:
        if is_update_states(msg):
            states.update(msg["content"]["data"].get("states", {}))
    xsrf = s.cookies.get("_xsrf", path=f"/user/{name}/") or ""
    s.post(f"{base}voila/api/shutdown/{kernel_id}", headers={"X-XSRFToken": xsrf}, timeout=60)
    return page.text, states
