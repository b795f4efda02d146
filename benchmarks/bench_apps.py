"""Apps in Chromium against a real Voila server: time to interactive, click latency, kernel memory,
concurrency. Results go to benchmarks/results.json (section "apps").

Run: .venv/bin/python benchmarks/bench_apps.py [--runs N] [--sessions 10,20,30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psutil
from common import HERE, RESULTS, ROOT, save, summary
from playwright.async_api import async_playwright
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(ROOT / "tests"))
from browser_support import ARGS, chromium_path
from voila_server import voila_server

# app -> selector of its main control (visible and enabled = interactive)
MAIN = {
    "bare.ipynb": ".bench-button",
    "01_hip_and_back.ipynb": ".triage-site-picker button",
    "02_who_to_see.ipynb": ".triage-case-picker select",
    "03_red_flags.ipynb": ".triage-answer-emergency",
    "04_triage_explorer.ipynb": ".triage-symptom input",
    "05_case_studies.ipynb": ".triage-check",
    "06_instructor.ipynb": ".triage-show-answers",
}
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
        if "voila" in cmd and f"--port={port}" in cmd:
            return p.pid
    raise RuntimeError("voila server process not found")


def sequential(url: str, runs: int) -> dict:
    pid = server_pid(url.rsplit(":", 1)[1])
    out: dict = {"tti_ms": {}, "kernel_rss_mb": {}, "click_ms": {}}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        for app, selector in MAIN.items():
            times, rss = [], []
            for _ in range(runs):
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                page = ctx.new_page()
                page.set_default_timeout(TIMEOUT)
                before = {k.pid for k in kernels(pid)}
                page.goto(f"{url}/voila/render/{app}")
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
            results = await asyncio.gather(*(one_session(browser, url, app) for _ in range(n)))
            wall = time.perf_counter() - t0
            stop.set()
            await sampler
            ttis = [t for t, e in results if t is not None]
            errors = [e for _, e in results if e]
            out[str(n)] = {"tti_ms": summary(ttis) if ttis else None, "errors": len(errors),
                           "error_samples": errors[:3], "wall_s": wall, **peak}
            await asyncio.sleep(5)  # let kernels shut down between rounds
        await browser.close()
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
    ap.add_argument("--preheat", type=int, default=0, metavar="POOL",
                    help="compare: preheated kernels (pool of POOL per notebook), explorer and bare only")
    args = ap.parse_args()
    sessions = [int(x) for x in args.sessions.split(",")]
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
            with voila_server(Path(tmp), notebooks=folder, cwd=Path(tmp)) as url:
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
        with voila_server(Path(tmp), notebooks=folder) as url:
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
