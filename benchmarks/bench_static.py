"""The static site (`make static`: Python in the browser, no server) next to `make app`'s Voila server,
in the same run: folder size, what a first visit fetches, the explorer's time to interactive with an
empty browser cache (cold) and on a second visit in the same profile (warm), click to feedback.
Results go to benchmarks/results.json (section "static").

Run: .venv/bin/python benchmarks/bench_static.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil
from common import ROOT, production_pool_args, save, summary
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(ROOT / "tests"))
from bench_apps import CLICK_JS, tti_js
from browser_support import ARGS
from browser_support import student_chromium_path as chromium_path
from static_site import OFFLINE_ARGS, built_site, serve
from voila_server import voila_server

from triage.static_build import folder_size


def tree_cpu_s() -> dict[int, float]:
    """CPU-seconds used so far by each process this one started (Chromium, the Voila server, kernels)."""
    out = {}
    for p in psutil.Process().children(recursive=True):
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return out


def cpu_since(before: dict[int, float]) -> float:
    """CPU-seconds the started processes used since ``before`` (a load-independent measure of the work;
    wall times on a shared machine mostly measure the queue)."""
    return sum(v - before.get(pid, 0.0) for pid, v in tree_cpu_s().items())


SELECTOR = ".triage-symptom input"  # the explorer's first checkbox: visible and enabled = interactive
TIMEOUT = 180_000
TARGETS = {"warm_tti_ratio_to_voila": 2.0, "cold_tti_s": 10.0, "click_ms": 100.0, "folder_mb": 150.0}


def explorer_clicks(page, n: int = 20) -> list[float]:
    """Fever on and off: from the click until the new urgency is on screen."""
    return [page.evaluate(CLICK_JS, [".triage-symptom-fever input", ".triage-result",
                                     "Urgency: URGENT" if i % 2 == 0 else "Urgency: ROUTINE"]) for i in range(n)]


def static_runs(url: str, runs: int) -> dict:
    """Per run: a new browser profile, one cold visit then one warm visit to the explorer."""
    cold, warm, clicks, fetched, cold_cpu, warm_cpu = [], [], [], [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS + OFFLINE_ARGS, headless=True)
        for run in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            sizes: dict[str, int] = {}  # by URL: the service worker passes each request on, so it is seen twice
            context.on("response", lambda r, sizes=sizes: sizes.__setitem__(
                r.url, int(r.headers.get("content-length", 0)) if r.ok else 0))
            page = context.new_page()
            page.set_default_timeout(TIMEOUT)
            cpu0 = tree_cpu_s()
            page.goto(f"{url}/voici/render/04_triage_explorer.html")
            cold.append(page.evaluate(tti_js(SELECTOR, TIMEOUT - 10_000)))
            cold_cpu.append(cpu_since(cpu0))
            fetched.append(sum(sizes.values()) / 1e6)
            cpu0 = tree_cpu_s()
            page.goto(f"{url}/voici/render/04_triage_explorer.html")
            warm.append(page.evaluate(tti_js(SELECTOR, TIMEOUT - 10_000)))
            warm_cpu.append(cpu_since(cpu0))
            if run == 0:
                page.wait_for_timeout(500)
                clicks = explorer_clicks(page)
            context.close()
        browser.close()
    return {"cold_tti_ms": summary(cold), "warm_tti_ms": summary(warm), "click_ms": summary(clicks),
            "fetched_first_visit_mb": summary(fetched), "cold_cpu_s": summary(cold_cpu),
            "warm_cpu_s": summary(warm_cpu)}


def voila_runs(runs: int) -> dict:
    """`make app`'s server (voila.json, preheated kernels): the explorer's time to interactive and clicks."""
    tti, clicks, cpu = [], [], []
    with (tempfile.TemporaryDirectory() as tmp, voila_server(Path(tmp), args=production_pool_args()) as url,
          sync_playwright() as pw):
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        time.sleep(10)  # let the preheated pool fill, as before a class
        for run in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT)
            cpu0 = tree_cpu_s()
            page.goto(f"{url}/voila/render/04_triage_explorer.ipynb")
            tti.append(page.evaluate(tti_js(SELECTOR, TIMEOUT - 10_000)))
            cpu.append(cpu_since(cpu0))  # browser and server; the preheated kernel ran the notebook before
            if run == 0:
                page.wait_for_timeout(500)
                clicks = explorer_clicks(page)
            page.close(run_before_unload=True)
            context.close()
            time.sleep(3)  # the pool replaces the used kernel
        browser.close()
    return {"tti_ms": summary(tti), "click_ms": summary(clicks), "cpu_s": summary(cpu)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--note", default="", help="how the machine was (e.g. shared, under load)")
    args = parser.parse_args()
    report = built_site()
    load = os.getloadavg()
    with serve(report.out) as url:
        static = static_runs(url, args.runs)
    voila = voila_runs(args.runs)
    size_mb = folder_size(report.out) / 1e6
    data = {
        "runs": args.runs, "folder_mb": size_mb, "static": static, "voila": voila,
        "warm_tti_ratio_to_voila": static["warm_tti_ms"]["median"] / voila["tti_ms"]["median"],
        "targets": TARGETS, "load_average_at_start": load, "load_average_at_end": os.getloadavg(),
        "note": args.note,
    }
    save("static", data)
    print(f"static folder {size_mb:.1f} MB; explorer TTI cold {static['cold_tti_ms']['median'] / 1000:.1f} s, "
          f"warm {static['warm_tti_ms']['median'] / 1000:.1f} s, Voila {voila['tti_ms']['median'] / 1000:.1f} s "
          f"(ratio {data['warm_tti_ratio_to_voila']:.1f}); click {static['click_ms']['median']:.0f} ms "
          f"(Voila {voila['click_ms']['median']:.0f} ms); CPU per load cold {static['cold_cpu_s']['median']:.1f} s, "
          f"warm {static['warm_cpu_s']['median']:.1f} s, Voila {voila['cpu_s']['median']:.1f} s; "
          f"load average {load[0]:.1f} -> {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
