"""Apps in Chromium against a real Voila server: time to interactive, click latency, kernel memory,
concurrency. Results go to benchmarks/results.json (section "apps").

Run: .venv/bin/python benchmarks/bench_apps.py [--runs N] [--sessions 10,20,30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

import psutil
from common import HERE, RESULTS, ROOT, production_pool_args, save, summary
from playwright.async_api import async_playwright
from playwright.sync_api import sync_playwright
from support.browser_support import ARGS
from support.browser_support import student_chromium_path as chromium_path
from support.voila_server import voila_server

# app -> selector of its main control (visible and enabled = interactive)
MAIN = {
    "bare.ipynb": ".bench-button",
    "01_hip_and_back.ipynb": ".triage-site-picker button",
    "02_who_to_see.ipynb": ".triage-example-picker select",
    "03_red_flags.ipynb": ".triage-answer-emergency",
    "04_triage_explorer.ipynb": ".triage-symptom input",
    "05_case_studies.ipynb": ".triage-check",
    "06_instructor.ipynb": ".triage-show-answers",
    "07_class_view.ipynb": ".triage-class-summary",
}
# The instructor's apps open with the key (the key is the benchmark server's, set through the environment).
KEY = "bench-instructor-key"
INSTRUCTOR_APPS = ("06_instructor.ipynb", "07_class_view.ipynb")
TIMEOUT = 120_000


def tti_js(selector: str, limit_ms: int = 90_000) -> str:
    """Resolve with performance.now() once the selector is visible and enabled; reject after limit_ms."""
    return f"""() => new Promise((resolve, reject) => {{
        setTimeout(() => reject(new Error("not interactive after {limit_ms} ms")), {limit_ms});
        const ready = () => {{ const el = document.querySelector({selector!r});
            return el && el.offsetParent !== null && !el.disabled; }};
        if (ready()) return resolve(performance.now());
        const obs = new MutationObserver(() => {{ if (ready()) {{ obs.disconnect(); resolve(performance.now()); }} }});
        obs.observe(document, {{subtree: true, childList: true, attributes: true}});
    }})"""


CLICK_JS = """([clickSel, watchSel, expected]) => new Promise(resolve => {
    const watch = document.querySelector(watchSel);
    const done = () => watch.textContent.includes(expected);
    const obs = new MutationObserver(() => {
        if (done()) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(watch, {subtree: true, childList: true, characterData: true});
    const t0 = performance.now();
    document.querySelector(clickSel).click();
})"""


def kernels(server_pid: int) -> list[psutil.Process]:
    out = []
    for p in psutil.Process(server_pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(p.cmdline()):
                out.append(p)
        except psutil.Error:
            pass
    return out


def server_pid(port: str) -> int:
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if ("voila" in cmd or "triage serve" in cmd) and f"--port={port}" in cmd:
            return p.pid
    raise RuntimeError("voila server process not found")


def sequential(url: str, runs: int) -> dict:
    pid = server_pid(url.rsplit(":", 1)[1])
    out: dict = {"tti_ms": {}, "kernel_rss_mb": {}, "click_ms": {}}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        for app, selector in MAIN.items():
            print("time to interactive:", app, flush=True)
            times, rss = [], []
            for _ in range(runs):
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                page = ctx.new_page()
                page.set_default_timeout(TIMEOUT)
                before = {k.pid for k in kernels(pid)}
                page.goto(f"{url}/voila/render/{app}" + (f"?key={KEY}" if app in INSTRUCTOR_APPS else ""))
                times.append(page.evaluate(tti_js(selector)))
                page.wait_for_timeout(300)
                new = [k for k in kernels(pid) if k.pid not in before]
                if new:
                    rss.append(new[0].memory_info().rss / 2**20)
                if app in ("bare.ipynb", "04_triage_explorer.ipynb", "05_case_studies.ipynb") and not out[
                    "click_ms"].get(app):
                    out["click_ms"][app] = summary(clicks(page, app))
                page.close(run_before_unload=True)  # Voila shuts the kernel down, as for a closed tab
                time.sleep(0.5)
                ctx.close()
            out["tti_ms"][app] = summary(times)
            out["kernel_rss_mb"][app] = summary(rss) if rss else None
        browser.close()
    bare_tti = out["tti_ms"]["bare.ipynb"]["median"]
    bare_rss = out["kernel_rss_mb"]["bare.ipynb"]["median"]
    bare_click = out["click_ms"]["bare.ipynb"]["median"]
    out["tti_ratio_to_bare"] = {a: v["median"] / bare_tti for a, v in out["tti_ms"].items()}
    out["rss_ratio_to_bare"] = {a: v["median"] / bare_rss for a, v in out["kernel_rss_mb"].items() if v}
    out["click_ratio_to_bare"] = {a: v["median"] / bare_click for a, v in out["click_ms"].items()}
    return out


def clicks(page, app: str, n: int = 20) -> list[float]:
    """Click-to-feedback times: from the click until the expected new text is on screen."""
    values = []
    for i in range(n):
        if app == "bare.ipynb":
            values.append(page.evaluate(CLICK_JS, [".bench-button", ".bench-label", str(i + 1)]))
        elif app == "04_triage_explorer.ipynb":
            expected = "Urgency: URGENT" if i % 2 == 0 else "Urgency: ROUTINE"
            values.append(page.evaluate(CLICK_JS, [".triage-symptom-fever input", ".triage-result", expected]))
        else:
            question = page.locator(".triage-question").first
            question.locator("input[type=radio]").nth(i % 2).check()
            page.wait_for_timeout(200)  # let the choice reach the kernel before timing the check button
            first_is_right = "Correct." if i % 2 == 0 else "Not quite."
            values.append(page.evaluate(
                CLICK_JS, [".triage-question .triage-check", ".triage-question .triage-feedback", first_is_right]))
    return values


async def one_session(browser, url: str, app: str) -> tuple[float | None, str | None]:
    ctx = await browser.new_context()
    page = await ctx.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        await page.goto(f"{url}/voila/render/{app}")
        tti = await page.evaluate(tti_js(MAIN[app]))
        return tti, None
    except Exception as exc:
        return None, repr(exc)[:200]
    finally:
        await asyncio.sleep(1)
        await page.close(run_before_unload=True)  # lets Voila shut the kernel down, as a closed tab does
        await asyncio.sleep(0.5)
        await ctx.close()


def machine_cpu_s() -> float:
    """CPU-seconds the whole machine has been busy (all cores, all processes) since boot."""
    t = psutil.cpu_times()
    return t.user + t.system + t.nice


def rss_mb(procs) -> float:
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


async def sample_memory(pid: int, peak: dict[str, float], stop: asyncio.Event) -> None:
    """Track peak RSS of the server (+ kernels) and of everything incl. Chromium until ``stop``."""
    while not stop.is_set():
        try:
            server = psutil.Process(pid)
            s = rss_mb([server, *server.children(recursive=True)])
        except psutil.Error:
            s = 0.0
        chrome = rss_mb([p for p in psutil.process_iter(["name"]) if "chrom" in (p.info["name"] or "")])
        peak["server_mb"] = max(peak["server_mb"], s)
        peak["total_mb"] = max(peak["total_mb"], s + chrome)
        await asyncio.sleep(0.5)


async def concurrency(url: str, sessions: list[int], app: str = "04_triage_explorer.ipynb") -> dict:
    pid = server_pid(url.rsplit(":", 1)[1])
    out = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        for n in sessions:
            peak = {"server_mb": 0.0, "total_mb": 0.0}
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample_memory(pid, peak, stop))
            t0 = time.perf_counter()
            cpu0 = machine_cpu_s()
            results = await asyncio.gather(*(one_session(browser, url, app) for _ in range(n)))
            wall = time.perf_counter() - t0
            busy = machine_cpu_s() - cpu0
            stop.set()
            await sampler
            ttis = [t for t, e in results if t is not None]
            errors = [e for _, e in results if e]
            out[str(n)] = {"tti_ms": summary(ttis) if ttis else None, "errors": len(errors),
                           "error_samples": errors[:3], "wall_s": wall,
                           "cpu_busy_s": busy, "cores": psutil.cpu_count(), **peak}
            await asyncio.sleep(5)  # let kernels shut down between rounds
        await browser.close()
    return out


async def asset_paths(url: str, app: str) -> list[str]:
    """The same-origin static files one Chromium page load of ``app`` requests (what a wire client fetches)."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        page = await browser.new_page()
        urls: list[str] = []
        page.on("request", lambda r: urls.append(r.url))
        await page.goto(f"{url}/voila/render/{app}")
        await page.evaluate(tti_js(MAIN[app]))
        await page.close(run_before_unload=True)
        await browser.close()
    return [u[len(url):] for u in urls if u.startswith(url) and "/voila/render/" not in u and "/api/" not in u]


def tree_cpu_percent(pid: int, interval: float = 2.0) -> float:
    """CPU use of the server and all its kernels over ``interval`` seconds (100 = one core)."""
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    for p in procs:
        try:
            p.cpu_percent(None)
        except psutil.Error:
            pass
    time.sleep(interval)
    total = 0.0
    for p in procs:
        try:
            total += p.cpu_percent(None)
        except psutil.Error:
            pass
    return total


def wait_for_pool(log: Path, pid: int, pool: int, quiet_s: float, limit_s: float = 300) -> int:
    """Block until the preheated pool is full again; return how many kernels it is short (normally 0).

    The server log has one "Kernel started" line per kernel and one "Using pre-heated kernel" line per
    page served from the pool; the pool is full when every used kernel has been replaced and the server
    and kernels are idle (a new kernel still runs the notebook after it started). Should the count never
    add up (a log line lost among the kernels' output), it is enough that no kernel has started for
    ``quiet_s`` seconds.
    """
    t0 = last_change = time.perf_counter()
    seen = -1
    while time.perf_counter() - t0 < limit_s:
        text = log.read_text(errors="replace")
        started, used = text.count("Kernel started:"), text.count("Using pre-heated kernel")
        if started != seen:
            seen, last_change = started, time.perf_counter()
        short = pool + used - started
        if (short <= 0 or time.perf_counter() - last_change > quiet_s) and tree_cpu_percent(pid) < 10:
            return max(short, 0)
        time.sleep(1)
    raise RuntimeError(f"the kernel pool did not refill to {pool} within {limit_s} s; see {log}")


async def class_concurrency(sessions: list[int], pool: int, fill_delay: float, browsers: int = 1,
                            rounds: int = 5, app: str = "04_triage_explorer.ipynb") -> dict:
    """A class opening one app at once, served as ``make app POOL=pool FILL_DELAY=fill_delay`` serves it.

    Each round starts ``n`` sessions together: ``browsers`` of them in real Chromium (their time to
    interactive is the figure), the rest as protocol-level clients (``wire_client``) that make the
    server do everything a browser makes it do. The other students' browsers run on their own machines
    in a classroom, so they are not simulated here on the server's two cores.
    """
    import wire_client

    out: dict = {"pool_size": pool, "fill_delay_s": fill_delay, "browsers_per_round": browsers,
                 "rounds": rounds, "app": app}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "apps"
        folder.mkdir()
        shutil.copy(ROOT / "notebooks" / app, folder)
        shutil.copy(ROOT / "voila.json", tmp)
        extra = [f"--pool_size={pool}", f"--VoilaKernelManager.fill_delay={fill_delay}"]
        with voila_server(Path(tmp), notebooks=folder, cwd=Path(tmp), args=extra) as url:
            port = url.rsplit(":", 1)[1]
            pid = server_pid(port)
            log = Path(tmp) / f"voila-{port}.log"
            t_fill = time.perf_counter()
            wait_for_pool(log, pid, pool, quiet_s=fill_delay + 15)
            out["pool_fill_s"] = time.perf_counter() - t_fill
            shortfalls: list[int] = []
            assets = await asset_paths(url, app)
            out["assets_per_page"] = len(assets)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
                for n in sessions:
                    ttis: list[float] = []
                    ready: list[float] = []
                    errors: list[str] = []
                    peak = {"server_mb": 0.0, "total_mb": 0.0}
                    busy = wall = 0.0
                    for _ in range(rounds):
                        shortfalls.append(wait_for_pool(log, pid, pool, quiet_s=fill_delay + 15))
                        stop = asyncio.Event()
                        sampler = asyncio.create_task(sample_memory(pid, peak, stop))
                        t0, cpu0 = time.perf_counter(), machine_cpu_s()
                        real = [one_session(browser, url, app) for _ in range(min(browsers, n))]
                        wire = wire_client.many(url, app, assets, n - len(real))
                        *real_results, wire_results = await asyncio.gather(*real, wire)
                        wall += time.perf_counter() - t0
                        busy += machine_cpu_s() - cpu0
                        stop.set()
                        await sampler
                        ttis += [t for t, e in real_results if t is not None]
                        errors += [e for _, e in real_results if e]
                        ready += [r["ready"] for r in wire_results if isinstance(r, dict)]
                        errors += [r for r in wire_results if isinstance(r, str)]
                    out[str(n)] = {"browser_tti_ms": summary(ttis) if ttis else None,
                                   "wire_ready_ms": summary(ready) if ready else None,
                                   "errors": len(errors), "error_samples": errors[:3],
                                   "cpu_busy_s_per_round": busy / rounds, "wall_s_per_round": wall / rounds,
                                   **peak}
                await browser.close()
            out["pool_shortfall_before_rounds"] = shortfalls
            shutil.copy(log, Path(tempfile.gettempdir()) / "bench-class-voila.log")  # for a look afterwards
    return out


def http_concurrency(url: str, sessions: list[int], app: str = "04_triage_explorer.ipynb") -> dict:
    """Server side alone: N simultaneous GETs of the rendered app (kernel start + execution), no browser."""
    from concurrent.futures import ThreadPoolExecutor

    from voila_server import fetch

    def one(_: int) -> float:
        t0 = time.perf_counter()
        status, _body = fetch(f"{url}/voila/render/{app}", timeout=300)
        if status != 200:
            raise RuntimeError(f"HTTP {status}")
        return (time.perf_counter() - t0) * 1000

    out = {}
    for n in sessions:
        with ThreadPoolExecutor(max_workers=n) as pool:
            times = list(pool.map(one, range(n)))
        out[str(n)] = summary(times)
        time.sleep(3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sessions", default="10,20,30")
    ap.add_argument("--http-only", action="store_true", help="only the server-side concurrency figures")
    ap.add_argument("--class-pool", type=int, default=0, metavar="POOL",
                    help="only the class scenario: preheated pool POOL, real browsers + wire clients")
    ap.add_argument("--label", default="class_concurrency", help="class scenario: results.json section")
    ap.add_argument("--browsers", type=int, default=1, help="class scenario: real Chromium sessions per round")
    ap.add_argument("--rounds", type=int, default=5, help="class scenario: rounds per session count")
    ap.add_argument("--fill-delay", type=float, default=20.0, help="seconds before a used kernel is replaced")
    ap.add_argument("--preheat", type=int, default=0, metavar="POOL",
                    help="compare: preheated kernels (pool of POOL per notebook), explorer and bare only")
    args = ap.parse_args()
    sessions = [int(x) for x in args.sessions.split(",")]
    if args.class_pool:
        figures = asyncio.run(class_concurrency(sessions, args.class_pool, args.fill_delay, args.browsers,
                                                args.rounds))
        save(args.label, figures)
        print(json.dumps(figures, indent=1))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "apps"
        folder.mkdir()
        for nb in (ROOT / "notebooks").glob("*.ipynb"):
            shutil.copy(nb, folder)
        shutil.copy(HERE / "bare.ipynb", folder)
        if args.preheat:
            config = json.loads((ROOT / "voila.json").read_text())
            config["VoilaConfiguration"]["preheat_kernel"] = True
            config["VoilaKernelManager"] = {"kernel_pools_config": {"default": {"pool_size": args.preheat}}}
            (Path(tmp) / "voila.json").write_text(json.dumps(config))
            for nb in folder.glob("*.ipynb"):
                if nb.name not in ("bare.ipynb", "04_triage_explorer.ipynb"):
                    nb.unlink()
            with voila_server(Path(tmp), notebooks=folder, cwd=Path(tmp), args=production_pool_args()) as url:
                time.sleep(20)  # let the pools fill
                MAIN_BACKUP = dict(MAIN)
                MAIN.clear()
                MAIN.update({k: v for k, v in MAIN_BACKUP.items() if k in ("bare.ipynb", "04_triage_explorer.ipynb")})
                figures = sequential(url, args.runs)
                figures["http_concurrency_explorer"] = http_concurrency(url, sessions)
            figures["pool_size"] = args.preheat
            save("apps_preheated", figures)
            print(json.dumps({k: figures[k] for k in ("tti_ms", "http_concurrency_explorer")}, indent=1))
            return
        with voila_server(Path(tmp), notebooks=folder, args=production_pool_args(),
                          env={"TRIAGE_INSTRUCTOR_KEY": KEY}) as url:
            if args.http_only:
                figures = http_concurrency(url, sessions)
                results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
                apps = results.get("apps", {})
                apps["http_concurrency_explorer"] = figures
                save("apps", apps)
                print(json.dumps(figures, indent=1))
                return
            seq = sequential(url, args.runs)
            seq["concurrency_explorer"] = asyncio.run(concurrency(url, sessions))
            seq["http_concurrency_explorer"] = http_concurrency(url, sessions)
    seq["runs"] = args.runs
    save("apps", seq)
    for key in ("tti_ratio_to_bare", "rss_ratio_to_bare", "click_ratio_to_bare"):
        print(key, {k: round(v, 2) for k, v in seq[key].items()})
    for n, r in seq["concurrency_explorer"].items():
        print("sessions", n, "p95 tti ms", r["tti_ms"] and round(r["tti_ms"]["p95"]), "errors", r["errors"],
              "server MB", round(r["server_mb"]), "total MB", round(r["total_mb"]))


if __name__ == "__main__":
    main()
