"""Before and after the layout move, same machine, same run: behaviour, engine, imports, the apps.

Each revision is checked out into a temporary git worktree (removed at the end) and measured with this
checkout's virtualenv, the worktree first on PYTHONPATH (ahead of the editable install; every probe and
every server's kernels are checked to import ``triage`` from it), JUPYTER_PATH at the worktree's
``share/jupyter`` and the worktree as the server's folder (its voila.json), as its own ``make app`` runs.
The runs interleave: run 1 measures before then after, run 2 after then before, and so on.

1. behaviour (once; it is deterministic): the same random presentations through each revision's
   ``assess`` (urgency, where, rule ids, and the whole answer compared), every case file validated and
   loaded, and three broken copies of each (a wrong expected urgency, a missing field, an unknown pain site)
   giving the same problems;
2. engine throughput through the public API (decide and assess per second, as bench_engine.py);
3. the import of ``triage`` and of ``triage.ui`` in a fresh interpreter (wall time, peak RSS);
4. the apps 01-07 in Chromium against each revision's own server (``python -m triage serve notebooks/``
   from the worktree, its voila.json's preheated pools): time to interactive, the page's kernel RSS,
   click to feedback in the explorer and the case player, as bench_apps.py measures them;
5. the project wheel the static site ships (as the revision's static build makes it, before Pyodide
   byte-compiles it).

Results: section "layout" of results.json; report.py writes RESULTS.md.

Run: .venv/bin/python benchmarks/bench_layout.py [--before REV] [--after REV] [--runs N]
(default: the ``Layout:`` commit in this checkout's history and its parent)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
from bench_apps import INSTRUCTOR_APPS, KEY, MAIN, TIMEOUT, clicks, kernels, tree_cpu_percent, tti_js
from common import HERE, ROOT, save
from playwright.sync_api import sync_playwright
from support.browser_support import ARGS
from support.browser_support import student_chromium_path as chromium_path
from support.ports import free_port
from support.voila_server import kernel_id_of, server_process

PROBE = HERE / "layout_probe.py"
LABELS = ("before", "after")
APPS = {app: selector for app, selector in MAIN.items() if app != "bare.ipynb"}  # 01-07 and their main control
CLICK_APPS = {"04_triage_explorer.ipynb": "explorer", "05_case_studies.ipynb": "case player"}
IMPORTS = ("triage", "triage.ui")
SEED = 7


# ------------------------------------------------------------------------------------------ the revisions

def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()


def describe(rev: str) -> dict[str, str]:
    sha = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    return {"commit": sha, "short": sha[:7], "subject": git("log", "-1", "--format=%s", sha)}


def layout_commit() -> str:
    """The layout move: the newest commit in this checkout's history whose subject starts with ``Layout:``."""
    found = next((line.split(" ", 1)[0] for line in git("log", "HEAD", "--format=%H %s", "--grep=^Layout:").splitlines()
                  if line.split(" ", 1)[1].startswith("Layout:")), None)
    if not found:
        raise SystemExit("no commit whose subject starts with 'Layout:' in this history; name them: "
                         "--before REV --after REV")
    return found


@contextmanager
def worktrees(revs: dict[str, str]) -> Iterator[dict[str, Path]]:
    """Each revision checked out (detached) in a temporary worktree; all removed afterwards, even on error."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-layout-"))
    made: dict[str, Path] = {}
    try:
        for label, rev in revs.items():
            path = tmp / label
            git("worktree", "add", "--detach", "--quiet", str(path), rev)
            made[label] = path
            # byte-compiled once, as in a checkout that has run before: no run pays for compiling
            subprocess.run([sys.executable, "-m", "compileall", "-q", "triage"], cwd=path, check=True,
                           capture_output=True)
        yield made
    finally:
        for path in made.values():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False,
                           capture_output=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def revision_env(root: Path, data: Path | None = None) -> dict[str, str]:
    """The environment a revision runs in: its worktree first on the path, its Voila templates, private data."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["JUPYTER_PATH"] = str(root / "share" / "jupyter")
    env["PYTHONUNBUFFERED"] = "1"
    if data is not None:
        env.update({"TRIAGE_PROGRESS_FILE": str(data / "progress.json"), "TRIAGE_CLASS_DB": str(data / "class.db"),
                    "TRIAGE_INSTRUCTOR_KEY": KEY})
    return env


def probe(root: Path, mode: str, *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run layout_probe.py MODE inside the revision (a fresh interpreter); its JSON answer."""
    proc = subprocess.run([sys.executable, str(PROBE), str(root), mode, *args], cwd=root, env=revision_env(root),
                          capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"probe {mode} in {root} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


IMPORT_CODE = """import time
t0 = time.perf_counter()
import {module}
wall = (time.perf_counter() - t0) * 1000
import json, sys, triage
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
print(json.dumps({{"wall_ms": wall, "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024,
                  "modules": len(sys.modules), "triage_file": triage.__file__}}))
"""
# (VmHWM, the peak of this program's memory: getrusage's ru_maxrss would also count the parent's at the fork)


def import_cost(root: Path, module: str) -> dict[str, float]:
    """Importing ``module`` first thing in a fresh interpreter: its own wall time, the interpreter's peak RSS,
    and the whole process's wall time (start-up included)."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", IMPORT_CODE.format(module=module)], cwd=root,
                          env=revision_env(root), capture_output=True, text=True, check=True, timeout=300)
    process_ms = (time.perf_counter() - t0) * 1000
    out = json.loads(proc.stdout)
    if not Path(out["triage_file"]).resolve().is_relative_to(root):
        raise RuntimeError(f"import {module}: triage came from {out['triage_file']}, not {root}")
    return {"wall_ms": out["wall_ms"], "process_ms": process_ms, "peak_rss_mb": out["peak_rss_mb"]}


# ------------------------------------------------------------------------------------------- behaviour

MUTATIONS = {  # folder name -> (pattern, replacement): the first match in each case file is changed
    "broken-expected-urgency": (r"expected: \{urgency: (routine|soon|urgent|emergency)",
                                lambda m: "expected: {urgency: " + ("emergency" if m.group(1) != "emergency"
                                                                    else "routine")),
    "broken-missing-level": (r"(?m)^level: .*\n", lambda m: ""),
    "broken-unknown-site": (r"pain_sites: \[", lambda m: "pain_sites: [not_a_pain_site, "),
}


def case_folders(before: Path, after: Path, tmp: Path) -> tuple[list[Path], list[str]]:
    """The case studies (the before revision's copy) and their broken variants; also the case files whose
    text differs between the two revisions (they validate the before copy both)."""
    original = tmp / "case_studies"
    shutil.copytree(before / "case_studies", original)
    changed = sorted({p.name for p in (before / "case_studies").glob("*.y*ml")} ^
                     {p.name for p in (after / "case_studies").glob("*.y*ml")} |
                     {p.name for p in (before / "case_studies").glob("*.y*ml")
                      if (after / "case_studies" / p.name).exists()
                      and (after / "case_studies" / p.name).read_bytes() != p.read_bytes()})
    folders = [original]
    for name, (pattern, repl) in MUTATIONS.items():
        folder = tmp / name
        folder.mkdir()
        for f in original.glob("*.yaml"):
            if f.name.startswith("_"):
                continue
            (folder / f.name).write_text(re.sub(pattern, repl, f.read_text(encoding="utf-8"), count=1),
                                         encoding="utf-8")
        folders.append(folder)
    return folders, changed


def behaviour(roots: dict[str, Path], presentations: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-layout-data-") as tmp_name:
        tmp = Path(tmp_name)
        samples = {label: probe(roots[label], "sample", str(presentations), str(SEED)) for label in LABELS}
        sample_file = tmp / "sample.json"
        sample_file.write_text(json.dumps(samples["before"]))
        print(f"behaviour: {presentations:,} presentations through each revision's assess", flush=True)
        answers = {label: probe(roots[label], "decisions", str(sample_file))["decisions"] for label in LABELS}
        folders, changed_files = case_folders(roots["before"], roots["after"], tmp)
        print(f"behaviour: case files ({len(folders)} folders) validated by each revision", flush=True)
        checked = {label: probe(roots[label], "cases", *map(str, folders))["folders"] for label in LABELS}
    pairs = list(zip(answers["before"], answers["after"], strict=True))
    presented = samples["before"]["presentations"]
    examples = [{"presentation": presented[i], "before": b[:3], "after": a[:3]}
                for i, (b, a) in enumerate(pairs) if b != a][:10]
    folders_out = {}
    for name, b in checked["before"].items():
        a = checked["after"][name]
        folders_out[name] = {
            "files": len(b["files"]), "problems_before": len(b["problems"]), "problems_after": len(a["problems"]),
            "files_differing": sum(b["cases"].get(f) != a["cases"].get(f) for f in set(b["cases"]) | set(a["cases"])),
            "problems_differing": len(set(b["problems"]) ^ set(a["problems"])), "same": a == b,
            "problem_examples": sorted(set(b["problems"]) ^ set(a["problems"]))[:5]}
    return {
        "presentations": len(pairs), "seed": SEED,
        "differences": sum(b != a for b, a in pairs),
        "urgency_differences": sum(b[0] != a[0] for b, a in pairs),
        "where_differences": sum(b[1] != a[1] for b, a in pairs),
        "rule_id_differences": sum(b[2] != a[2] for b, a in pairs),
        "full_answer_differences": sum(b[3] != a[3] for b, a in pairs),
        "examples": examples,
        "vocabulary_identical": samples["before"]["vocabulary"] == samples["after"]["vocabulary"],
        "samples_identical": samples["before"]["presentations"] == samples["after"]["presentations"],
        "case_folders": folders_out,
        "case_differences": sum(not f["same"] for f in folders_out.values()),
        "case_files_differing_between_revisions": changed_files,
    }


# ---------------------------------------------------------------------------------------------- the apps



def settle(pid: int, quiet_s: float = 10, limit_s: float = 400) -> int:
    """Wait until the server's preheated pools are full: no kernel started or ended for ``quiet_s`` seconds
    and the server with its kernels idle. Returns the number of kernels."""
    t0 = last_change = time.perf_counter()
    seen = -1
    while time.perf_counter() - t0 < limit_s:
        count = len(kernels(pid))
        if count != seen:
            seen, last_change = count, time.perf_counter()
        elif time.perf_counter() - last_change > quiet_s and tree_cpu_percent(pid) < 10:
            return count
        time.sleep(1)
    raise RuntimeError(f"the server's kernel pools did not settle within {limit_s:.0f} s")


def kernel_origin(proc: psutil.Process) -> str:
    """Where a running kernel imports ``triage`` from (asked through its own connection file)."""
    from jupyter_client import BlockingKernelClient

    connection = next(part for part in proc.cmdline() if part.endswith(".json") and "kernel-" in part)
    client = BlockingKernelClient(connection_file=connection)
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        out: list[str] = []
        client.execute_interactive(
            "import triage as _t; print(_t.__file__)", timeout=60,
            output_hook=lambda msg: out.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
        return "".join(out).strip()
    finally:
        client.stop_channels()


def page_kernel_rss(page: Any, pid: int) -> float | None:
    """RSS of the kernel the page talks to (found by the kernel id in the page's Jupyter config)."""
    kernel_id = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    for k in kernels(pid):
        if kernel_id_of(k) == kernel_id:
            try:
                return k.memory_info().rss / 2**20
            except psutil.Error:
                return None
    return None


def apps(browser: Any, label: str, root: Path, n_clicks: int) -> dict[str, Any]:
    """One server of the revision, as its make app starts it; each app opened once in a new browser context."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix=f"bench-layout-{label}-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        log_path = tmp / "server.log"
        command = [sys.executable, "-m", "triage", "serve", "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}",
                   "notebooks/"]
        url = f"http://127.0.0.1:{port}"
        with log_path.open("a") as log, server_process(command, root, revision_env(root, tmp), log, log_path,
                                                       url + "/", f"the {label} revision's server") as proc:
            t0 = time.perf_counter()
            out["pool_kernels"] = settle(proc.pid)
            out["pool_fill_s"] = time.perf_counter() - t0
            for app, selector in APPS.items():
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                page = ctx.new_page()
                page.set_default_timeout(TIMEOUT)
                try:
                    page.goto(f"{url}/voila/render/{app}" + (f"?key={KEY}" if app in INSTRUCTOR_APPS else ""))
                    out[f"tti_ms {app}"] = page.evaluate(tti_js(selector))
                    page.wait_for_timeout(300)
                    rss = page_kernel_rss(page, proc.pid)
                    if rss is None:
                        raise RuntimeError(f"{label}: no kernel process found for the page of {app}")
                    out[f"kernel_rss_mb {app}"] = rss
                    if app in CLICK_APPS and n_clicks:
                        out[f"click_ms {app}"] = statistics.median(clicks(page, app, n=n_clicks))
                finally:
                    page.close(run_before_unload=True)  # Voila shuts the kernel down, as for a closed tab
                    time.sleep(0.5)
                    ctx.close()
            left = kernels(proc.pid)
            out["kernel_triage_file"] = kernel_origin(left[-1]) if left else ""
            if not Path(out["kernel_triage_file"] or "/").resolve().is_relative_to(root):
                raise RuntimeError(f"{label}: the server's kernels import triage from {out['kernel_triage_file']!r}, "
                                   f"not from {root}; log: {log_path}")
    return out


# ------------------------------------------------------------------------------------------------ a run

def measure(browser: Any, label: str, root: Path, args: argparse.Namespace, sample_file: Path) -> dict[str, float]:
    """Every per-run figure of one revision."""
    print(f"  {label}: engine", flush=True)
    figures: dict[str, float] = {}
    engine = probe(root, "throughput", str(sample_file), str(args.engine_seconds))
    figures.update({f"engine {k}": v for k, v in engine.items() if k.endswith("_per_s")})
    print(f"  {label}: imports", flush=True)
    for module in IMPORTS:
        costs = [import_cost(root, module) for _ in range(args.import_repeats)]
        for key in ("wall_ms", "process_ms", "peak_rss_mb"):
            figures[f"import {module} {key}"] = statistics.median(c[key] for c in costs)
    if not args.no_apps:
        print(f"  {label}: apps in Chromium", flush=True)
        shown = apps(browser, label, root, args.clicks)
        figures.update({k: v for k, v in shown.items() if isinstance(v, (int, float))})
    return figures


# Rows of the report: (key in the figures, what it is, unit, better when higher)
def rows() -> list[tuple[str, str, str, bool]]:
    out = [("engine decide_per_s", "engine: decide (urgency + next step, warm: each presentation seen before)",
            "/s", True),
           ("engine assess_per_s", "engine: assess (full: trace + counterfactuals, warm)", "/s", True),
           ("engine assess_cold_per_s", "engine: assess (full, cold engine: first sight of each presentation)",
            "/s", True)]
    for module in IMPORTS:
        out += [(f"import {module} wall_ms", f"import {module}: time of the import", "ms", False),
                (f"import {module} process_ms", f"import {module}: whole interpreter, start to exit", "ms", False),
                (f"import {module} peak_rss_mb", f"import {module}: peak RSS", "MB", False)]
    out += [(f"tti_ms {app}", f"time to interactive, {app}", "ms", False) for app in APPS]
    out += [(f"kernel_rss_mb {app}", f"kernel RSS, {app}", "MB", False) for app in APPS]
    out += [(f"click_ms {app}", f"click to feedback, {name} (median of each run's clicks)", "ms", False)
            for app, name in CLICK_APPS.items()]
    out += [("pool_fill_s", "server start: preheated pools full", "s", False),
            ("pool_kernels", "server start: preheated kernels", "", False)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", help="revision before the move (default: the parent of --after)")
    ap.add_argument("--after", help="revision after the move (default: the 'Layout:' commit in HEAD's history)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--presentations", type=int, default=20_000, help="presentations compared for behaviour")
    ap.add_argument("--engine-seconds", type=float, default=2.0, help="seconds per throughput figure")
    ap.add_argument("--import-repeats", type=int, default=5, help="fresh interpreters per import figure per run")
    ap.add_argument("--clicks", type=int, default=20, help="clicks per click-to-feedback figure per run")
    ap.add_argument("--no-apps", action="store_true", help="leave out the apps in Chromium")
    ap.add_argument("--no-wheel", action="store_true", help="leave out the static site's project wheel")
    args = ap.parse_args()

    after = describe(args.after or layout_commit())
    before = describe(args.before or f"{after['commit']}^")
    parent = describe(f"{after['commit']}^")
    if before["commit"] != parent["commit"]:
        between = git("rev-list", "--count", f"{after['commit']}..{before['commit']}")
        print(f"WARNING: {before['short']} is not the parent of {after['short']} (its parent is {parent['short']}); "
              f"{between} commit(s) of {before['short']} are not in {after['short']}, so more than the move differs.",
              flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench_layout: stopped by SIGTERM"))  # worktrees removed
    started = time.perf_counter()
    result: dict[str, Any] = {
        "before": before, "after": after, "parent_of_after": parent,
        "before_is_parent_of_after": before["commit"] == parent["commit"],
        "runs": args.runs, "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count()}
    revs = {"before": before["commit"], "after": after["commit"]}
    with worktrees(revs) as roots, tempfile.TemporaryDirectory(prefix="bench-layout-sample-") as tmp:
        result["behaviour"] = behaviour(roots, args.presentations)
        b = result["behaviour"]
        print(f"decisions compared: {b['presentations']:,} presentations, differences: {b['differences']}; "
              f"case folders differing: {b['case_differences']}", flush=True)
        sample_file = Path(tmp) / "sample.json"
        sample_file.write_text(json.dumps(probe(roots["before"], "sample", "5000", str(SEED))))
        if args.no_wheel:
            result["wheel_skipped"] = "--no-wheel"
        else:
            with tempfile.TemporaryDirectory(prefix="bench-layout-wheel-") as dest:
                result["wheel"] = {}
                for label in LABELS:
                    print(f"wheel: {label}", flush=True)
                    folder = Path(dest) / label
                    folder.mkdir()
                    result["wheel"][label] = probe(roots[label], "wheel", sys.prefix, str(folder))
        raw: dict[str, dict[str, list[float]]] = {label: {} for label in LABELS}
        run_seconds = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
            try:
                for i in range(args.runs):
                    order = LABELS if i % 2 == 0 else LABELS[::-1]
                    print(f"run {i + 1} of {args.runs}: {' then '.join(order)}", flush=True)
                    t0 = time.perf_counter()
                    for label in order:
                        for key, value in measure(browser, label, roots[label], args, sample_file).items():
                            raw[label].setdefault(key, []).append(value)
                    run_seconds.append(time.perf_counter() - t0)
            finally:
                browser.close()
    measures = []  # a list: the report's order (results.json sorts the keys of objects)
    for key, what, unit, higher in rows():
        if key in raw["before"] and key in raw["after"]:
            b_med, a_med = statistics.median(raw["before"][key]), statistics.median(raw["after"][key])
            measures.append({"key": key, "what": what, "unit": unit, "higher_is_better": higher, "before": b_med,
                             "after": a_med, "ratio": a_med / b_med if b_med else None,
                             "n": len(raw["before"][key])})
    result.update({"measures": measures, "raw": raw, "seconds_per_run": run_seconds,
                   "total_s": time.perf_counter() - started,
                   "load_average_at_end": [round(x, 2) for x in os.getloadavg()]})
    save("layout", result)
    print(f"\nbefore {before['short']}, after {after['short']}; {args.runs} run(s), "
          f"{statistics.mean(run_seconds):.0f} s per run; load {result['load_average_at_start']} -> "
          f"{result['load_average_at_end']}")
    for m in measures:
        ratio = f"{m['ratio']:.2f}" if m["ratio"] is not None else "-"
        print(f"{m['what']}: {m['before']:,.1f} {m['unit']} | {m['after']:,.1f} {m['unit']} | {ratio}")
    if "wheel" in result:
        w = result["wheel"]
        print(f"project wheel: {w['before']['bytes']:,} B ({w['before']['files']} files) | "
              f"{w['after']['bytes']:,} B ({w['after']['files']} files)")


if __name__ == "__main__":
    main()
