"""A class arriving on the hub: N students log in and open the explorer together (`make bench`, not a test).

Per configuration and class size, a fresh hub (deploy/jupyterhub_config.py, run as root so students' servers
run as their own users) with N accounts. Configurations:

- ``cold``: nobody's server runs before class; each login spawns the student's server (the usual hub);
- ``prestarted``: every server started before class (``make hub-prestart``), kernels start on request;
- ``warm``: prestarted, and each server keeps one explorer kernel that has already run the notebook
  (``TRIAGE_HUB_PREHEAT``), so the arrival costs only serving.

Each configuration runs with nginx in front (``make hub``'s default: one shared cache for the static files
every page loads) and, with ``--nginx on,off``, without it (the proxy serving every student's copy).

Each student is a protocol-level client doing on the wire what a browser does: the login form, the OAuth
redirects to their own server, the explorer page and its static files (six at a time), the kernel
websocket until ipywidgets' ``update_states`` arrives (time to interactive), then the tab's shutdown call.
Students' browsers run on their own machines in a class, so they are not simulated with Chromium here.

Reported per run: p50/p95 time to interactive, errors, memory per student (their servers and kernels),
CPU-seconds per arrival (hub, proxy, services, students' servers and kernels; this client excluded).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import psutil
import requests
from common import RESULTS, save, summary
from support.hub_support import ROOT, Hub, make_people, new_state, remove_state, start_hub, stop_hub
from support.kernel_frames import decode_frame
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect
from urllib3.util.retry import Retry
from wire_client import _message

from triage.hubservice.prestart import HubApi, prestart

APP = "04_triage_explorer.ipynb"
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]+)"')
ASSET = re.compile(r'(?:src|href)="([^"]+)"')
TIMEOUT = 300


def page_assets(html: str, base: str) -> list[str]:
    """Same-server static files a page links directly (scripts, styles), as absolute URLs."""
    urls = []
    for ref in ASSET.findall(html):
        url = urljoin(base, ref.replace("&amp;", "&"))
        if url.startswith(base) and _static(url):
            urls.append(url)
    return sorted(set(urls))


def _static(url: str) -> bool:
    path = url.split("?", 1)[0]
    return any(part in path for part in ("/static/", "/templates/", "/labextensions/", "/api/themes/")) or \
        path.endswith((".js", ".css", ".woff", ".woff2", ".ico", ".png", ".svg"))


def browser_assets(hub: Hub, name: str) -> list[str]:
    """What one real Chromium fetches to bring the explorer up (widget code included), as paths after
    /user/<name>/: every simulated student then fetches the same files, as their browsers would."""
    from playwright.sync_api import sync_playwright
    from support.browser_support import ARGS
    from support.browser_support import student_chromium_path as chromium_path

    prefix = f"{hub.url}/user/{name}/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        page = browser.new_page()
        urls: list[str] = []
        page.on("request", lambda r: urls.append(r.url))
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", name)
        page.fill("#password_input", hub.people[name])
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{name}/voila/tree**", timeout=TIMEOUT * 1000)
        urls.clear()
        page.goto(f"{prefix}voila/render/{APP}")
        page.locator(".triage-verdict").first.wait_for(timeout=TIMEOUT * 1000)
        page.close(run_before_unload=True)
        browser.close()
    return sorted({u[len(prefix):] for u in urls if u.startswith(prefix) and _static(u)})


async def widgets_ready(ws_url: str, cookie: str) -> int:
    ws = await websocket_connect(HTTPRequest(ws_url, headers={"Cookie": cookie}, request_timeout=TIMEOUT))
    try:
        sid = uuid.uuid4().hex
        await ws.write_message(_message("kernel_info_request", {}, sid))
        comm_id = uuid.uuid4().hex
        await ws.write_message(_message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                                                      "data": {}}, sid, {"version": "1.0.0"}))
        await ws.write_message(_message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}, sid))
        deadline = time.perf_counter() + TIMEOUT
        while True:
            frame = await asyncio.wait_for(ws.read_message(), max(0.1, deadline - time.perf_counter()))
            if frame is None:
                raise RuntimeError("kernel websocket closed before the widget states arrived")
            msg = decode_frame(frame)
            data = msg.get("content", {}).get("data", {})
            if msg.get("msg_type") == "comm_msg" and isinstance(data, dict) and data.get("method") == "update_states":
                return len(data.get("states", {}))
    finally:
        ws.close()


def student(hub: Hub, name: str, assets: list[str]) -> dict[str, float]:
    """One student: log in, reach their server, open the explorer, wait for its widgets, close the tab."""
    s = requests.Session()
    # like a browser, retry an idempotent request once when a reused keep-alive connection was reset
    s.mount("http://", requests.adapters.HTTPAdapter(max_retries=Retry(total=1, allowed_methods={"GET"})))
    t0 = time.perf_counter()
    login = s.get(f"{hub.url}/hub/login", timeout=TIMEOUT)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', login.text)[1]
    r = s.post(f"{hub.url}/hub/login?next=", data={"username": name, "password": hub.people[name], "_xsrf": xsrf},
               timeout=TIMEOUT)
    while "spawn-pending" in r.url or "/voila/" not in r.url:
        if time.perf_counter() - t0 > TIMEOUT:
            raise RuntimeError(f"server not ready: {r.status_code} {r.url}")
        time.sleep(0.5)
        r = s.get(f"{hub.url}/hub/user/{name}/", timeout=TIMEOUT)
    t_landing = time.perf_counter()
    base = f"{hub.url}/user/{name}/"
    page = s.get(f"{base}voila/render/{APP}", timeout=TIMEOUT)
    page.raise_for_status()
    kernel_id = KERNEL_ID.search(page.text)[1]
    t_page = time.perf_counter()
    wanted = sorted(set(page_assets(page.text, base)) | {base + a for a in assets})
    with ThreadPoolExecutor(6) as pool:  # a browser's six connections per host
        list(pool.map(lambda u: s.get(u, timeout=TIMEOUT).raise_for_status(), wanted))
    t_assets = time.perf_counter()
    cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies if base.startswith(f"{hub.url}{c.path or '/'}"))
    ws_url = f"{base.replace('http', 'ws', 1)}api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
    models = asyncio.run(widgets_ready(ws_url, cookie))
    t_ready = time.perf_counter()
    token = s.cookies.get("_xsrf", path=f"/user/{name}/") or ""
    closed = s.post(f"{base}voila/api/shutdown/{kernel_id}", headers={"X-XSRFToken": token}, timeout=TIMEOUT)
    if closed.status_code != 204 or not models:
        raise RuntimeError(f"shutdown answered {closed.status_code}; {models} widget models")
    ms = 1000
    return {"login_to_landing": (t_landing - t0) * ms, "page": (t_page - t_landing) * ms,
            "assets": (t_assets - t_page) * ms, "widgets": (t_ready - t_assets) * ms, "ready": (t_ready - t0) * ms}


def hub_processes(hub: Hub) -> list[psutil.Process]:
    """The hub and everything it started: proxy, services (nginx's master and workers among them), every
    student's server and kernel."""
    if hub.proc is None:
        return []
    try:
        root = psutil.Process(hub.proc.pid)
        found = {p.pid: p for p in [root, *root.children(recursive=True)]}
    except psutil.Error:
        found = {}
    for pid in hub.server_pids(include_proxy=True):
        if pid not in found and psutil.pid_exists(pid):
            found[pid] = psutil.Process(pid)
    return list(found.values())


def cpu_seconds(procs: list[psutil.Process]) -> dict[int, float]:
    """CPU-seconds per process, including its reaped children (a closed tab's kernel moves into its server)."""
    out = {}
    for p in procs:
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
    return out


def kind(pid: int) -> str:
    """hub, proxy, service, server or kernel: where the CPU of an arrival goes."""
    try:
        cmd = " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return "gone"
    for name, marker in (("kernel", "ipykernel"), ("server", "jupyterhub.singleuser"), ("proxy", "http-proxy"),
                         ("nginx", "nginx"), ("service", "triage.hubservice"), ("hub", "jupyterhub -f")):
        if marker in cmd:
            return name
    return "other"


def cpu_by_kind(before: dict[int, float], after: dict[int, float]) -> dict[str, float]:
    kinds = {pid: kind(pid) for pid in after}
    out: dict[str, float] = {}
    for pid, value in after.items():
        out[kinds[pid]] = out.get(kinds[pid], 0.0) + value - before.get(pid, 0.0)
    gone = sum(v for pid, v in before.items() if pid not in after)  # exited: now in a parent's children times
    out["server"] = out.get("server", 0.0) - gone
    return out


def students_rss_mb(hub: Hub) -> float:
    """Memory of the students' servers and kernels (not the probe's, not the hub's)."""
    total = 0
    for pid in hub.server_pids():
        try:
            p = psutil.Process(pid)
            if p.environ().get("JUPYTERHUB_USER", "probe") != "probe":
                total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def wait_until_quiet(hub: Hub, expect_kernels: int, limit: float = 900) -> float:
    """After prestarting: wait until the warm kernels exist and the hub's processes idle (< 5% of a core)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        kernels = sum("ipykernel" in " ".join(psutil.Process(p).cmdline()) for p in hub.server_pids()
                      if psutil.pid_exists(p))
        before = cpu_seconds(hub_processes(hub))
        time.sleep(3)
        after = cpu_seconds(hub_processes(hub))
        busy = sum(after.get(pid, 0) - before.get(pid, 0) for pid in after) / 3
        if kernels >= expect_kernels and busy < 0.05:
            return time.monotonic() - t0
    return time.monotonic() - t0


def run(n: int, mode: str, nginx: bool = True) -> dict:
    state = new_state("triage-bench-")
    people = make_people(state, [f"s{i:02d}" for i in range(n)], [])
    probe = make_people(state, ["probe"], [])
    preheat = APP if mode == "warm" else "none"
    hub = start_hub(state, {**people, **probe}, extra_env={"TRIAGE_HUB_PREHEAT": preheat,
                                                           "TRIAGE_CULL_TIMEOUT": "3600"}, nginx=nginx)
    try:
        assets = browser_assets(hub, "probe")
        settle = 0.0
        if mode in ("prestarted", "warm"):
            started = prestart(HubApi(hub.hub_api_direct(), hub.admin_token()), list(people), parallel=4)
            not_ready = [r.name for r in started if not r.ready]
            if not_ready:
                raise RuntimeError(f"prestart failed for {not_ready}")
            settle = wait_until_quiet(hub, n if mode == "warm" else 0)
        before_cpu = cpu_seconds(hub_processes(hub))
        client0 = psutil.Process().cpu_times()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(n) as pool:
            futures = [pool.submit(student, hub, name, assets) for name in people]
            results, errors = [], []
            peak_mb = 0.0
            while not all(f.done() for f in futures):
                peak_mb = max(peak_mb, students_rss_mb(hub))
                time.sleep(0.5)
            for f in futures:
                try:
                    results.append(f.result())
                except Exception as exc:  # a benchmark counts errors
                    errors.append(repr(exc)[:200])
        wall = time.perf_counter() - t0
        client1 = psutil.Process().cpu_times()
        after_cpu = cpu_seconds(hub_processes(hub))
        busy = sum(after_cpu.values()) - sum(before_cpu.values())
        by_kind = cpu_by_kind(before_cpu, after_cpu)
        return {
            "students": n, "mode": mode, "nginx": nginx, "errors": len(errors), "error_samples": errors[:3],
            "wall_s": wall,
            "tti_ms": summary([r["ready"] for r in results]) if results else None,
            "phases_ms_p95": {k: summary([r[k] for r in results])["p95"] for k in results[0]} if results else {},
            "cpu_s_per_arrival": busy / n,
            "cpu_s_per_arrival_by_process": {k: v / n for k, v in by_kind.items()},
            # this client's own work (HTTP, websockets, the memory sampling) on the same cores: a real class's
            # browsers run elsewhere, so this is CPU the hub would not have to share with
            "client_cpu_s_per_arrival": (client1.user + client1.system - client0.user - client0.system) / n,
            "students_peak_mb": peak_mb, "mb_per_student": peak_mb / n,
            "settle_s": settle, "load_avg_1m_at_end": psutil.getloadavg()[0], "assets_per_page": len(assets),
        }
    finally:
        stop_hub(hub)
        remove_state(state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", default="10,20,30")
    parser.add_argument("--modes", default="warm,prestarted,cold")
    parser.add_argument("--nginx", default="on",
                        help="on, off or on,off: nginx in front of the hub (make hub's default)")
    parser.add_argument("--note", default="", help="recorded with the figures (e.g. 'machine shared, under load')")
    parser.add_argument("--append", action="store_true", help="keep earlier runs of other sizes and configurations")
    args = parser.parse_args()
    out: dict = {"note": args.note, "runs": []}
    if args.append and RESULTS.exists():
        earlier = json.loads(RESULTS.read_text()).get("hub", {})
        out = {"note": args.note or earlier.get("note", ""), "runs": earlier.get("runs", [])}
    for mode in args.modes.split(","):
        for n in (int(x) for x in args.students.split(",")):
            for front in args.nginx.split(","):
                nginx = front == "on"
                result = run(n, mode, nginx)
                out["runs"] = [r for r in out["runs"]
                               if (r["mode"], r["students"], r.get("nginx", False)) != (mode, n, nginx)] + [result]
                tti = result["tti_ms"]
                print(f"{mode:10} {n:3} students, nginx {front:3}: "
                      f"p95 {tti['p95'] / 1000 if tti else float('nan'):.1f} s, "
                      f"errors {result['errors']}, {result['cpu_s_per_arrival']:.2f} CPU-s/arrival "
                      f"(+{result['client_cpu_s_per_arrival']:.2f} for this client), "
                      f"{result['mb_per_student']:.0f} MB/student", flush=True)
                save("hub", out)
    print(json.dumps(out, indent=1)[:2000])


if __name__ == "__main__":
    if not (ROOT / "deploy" / "node_modules").exists():
        sys.exit("run `make hub-deps` first")
    main()
