"""Apps in Chromium against a real Voila server: time to interactive, click latency, kernel memory,
concurrency. Results go to benchmarks/results.json (section "apps").

Run: .venv/bin/python benchmarks/bench_apps.py [--runs N] [--sessions 10,20,30]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psutil
from common import HERE, ROOT, save, summary
from playwright.async_api import async_playwright
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(ROOT / "tests"))
from browser_support import ARGS, chromium_path  # noqa: E402
from voila_server import voila_server  # noqa: E402

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


def tti_js(selector: str) -> str:
    return f"""() => new Promise(resolve => {{
        const ready = () => {{ const el = document.querySelector({selector!r});
            return el && el.offsetParent !== null && !el.disabled; }};
        if (ready()) return resolve(performance.now());
        const obs = new MutationObserver(() => {{ if (ready()) {{ obs.disconnect(); resolve(performance.now()); }} }});
        obs.observe(document, {{subtree: true, childList: true, attributes: true}});
    }})"""


CLICK_JS = """([clickSel, watchSel]) => new Promise(resolve => {
    const watch = document.querySelector(watchSel);
    const before = watch.textContent;
    const obs = new MutationObserver(() => {
        if (watch.textContent !== before) { obs.disconnect(); resolve(performance.now() - t0); }
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
                ctx.close()
                time.sleep(0.5)
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
    values = []
    for i in range(n):
        if app == "bare.ipynb":
            values.append(page.evaluate(CLICK_JS, [".bench-button", ".bench-label"]))
        elif app == "04_triage_explorer.ipynb":
            values.append(page.evaluate(CLICK_JS, [".triage-symptom-fever input", ".triage-result"]))
        else:
            radios = page.locator(".triage-question").first.locator("input[type=radio]")
            radios.nth(i % 2).check()
            page.wait_for_timeout(150)
            values.append(page.evaluate(CLICK_JS, [".triage-question .triage-check", ".triage-question .triage-feedback"]))
    return values


async def one_session(browser, url: str, app: str) -> tuple[float | None, str | None]:
    ctx = await browser.new_context()
    page = await ctx.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        await page.goto(f"{url}/voila/render/{app}")
        tti = await page.evaluate(tti_js(MAIN[app]))
        return tti, None
    except Exception as exc:  # noqa: BLE001 - counted as an error in the results
        return None, repr(exc)[:200]
    finally:
        await asyncio.sleep(1)
        await ctx.close()


async def concurrency(url: str, sessions: list[int], app: str = "04_triage_explorer.ipynb") -> dict:
    pid = server_pid(url.rsplit(":", 1)[1])
    out = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        for n in sessions:
            peak = {"server_mb": 0.0, "total_mb": 0.0}
            done = False

            async def sample():
                while not done:
                    server = psutil.Process(pid)
                    procs = [server, *server.children(recursive=True)]
                    s = sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20
                    chrome = sum(p.memory_info().rss for p in psutil.process_iter() if "chrom" in p.name()) / 2**20
                    peak["server_mb"] = max(peak["server_mb"], s)
                    peak["total_mb"] = max(peak["total_mb"], s + chrome)
                    await asyncio.sleep(0.5)

            sampler = asyncio.create_task(sample())
            t0 = time.perf_counter()
            results = await asyncio.gather(*(one_session(browser, url, app) for _ in range(n)))
            wall = time.perf_counter() - t0
            done = True
            await sampler
            ttis = [t for t, e in results if t is not None]
            errors = [e for _, e in results if e]
            out[str(n)] = {"tti_ms": summary(ttis) if ttis else None, "errors": len(errors),
                           "error_samples": errors[:3], "wall_s": wall, **peak}
            await asyncio.sleep(5)  # let kernels shut down between rounds
        await browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sessions", default="10,20,30")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "apps"
        folder.mkdir()
        for nb in (ROOT / "notebooks").glob("*.ipynb"):
            shutil.copy(nb, folder)
        shutil.copy(HERE / "bare.ipynb", folder)
        with voila_server(Path(tmp), notebooks=folder) as url:
            seq = sequential(url, args.runs)
            seq["concurrency_explorer"] = asyncio.run(
                concurrency(url, [int(x) for x in args.sessions.split(",")]))
    seq["runs"] = args.runs
    save("apps", seq)
    for key in ("tti_ratio_to_bare", "rss_ratio_to_bare", "click_ratio_to_bare"):
        print(key, {k: round(v, 2) for k, v in seq[key].items()})
    for n, r in seq["concurrency_explorer"].items():
        print("sessions", n, "p95 tti ms", r["tti_ms"] and round(r["tti_ms"]["p95"]), "errors", r["errors"],
              "server MB", round(r["server_mb"]), "total MB", round(r["total_mb"]))


if __name__ == "__main__":
    main()
