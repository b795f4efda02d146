"""Wall and CPU time of `make handouts` (every case, one Chromium), section "handouts" of results.json.

Run: .venv/bin/python benchmarks/bench_handouts.py [--runs 3]   (make bench runs every benchmark)

Wall time depends on what else the machine is doing, so each run also records the CPU-seconds the
run's own process tree used (make, Python, Playwright's driver and every Chromium process, sampled
with psutil while it runs, since Chromium's helpers are not reaped into the parent's rusage) and
the load average when it started. Target: all cases in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import psutil
from common import ROOT, save

OUT = ROOT / "handouts"


def _sample(root: psutil.Process, seen: dict[tuple[int, float], float]) -> None:
    """Record the CPU-seconds so far of ``root`` and every descendant (keyed by pid and start time)."""
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for proc in procs:
        try:
            t = proc.cpu_times()
            seen[(proc.pid, proc.create_time())] = t.user + t.system
        except psutil.Error:
            pass


def run(args: list[str]) -> dict[str, float]:
    """One `make handouts ...`: wall time, CPU-seconds of its whole process tree, load at the start."""
    load = os.getloadavg()[0]
    seen: dict[tuple[int, float], float] = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(["make", "--no-print-directory", "handouts", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        _sample(root, seen)
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    output = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"make handouts {' '.join(args)} failed:\n{output}")
    return {"wall_s": wall, "cpu_s": sum(seen.values()), "load_1min_at_start": load}


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def output_stats() -> dict[str, float]:
    pdfs = sorted(OUT.glob("*.pdf"))
    stats: dict[str, float] = {"pdf_files": len(pdfs), "html_files": len(list(OUT.glob("*.html")))}
    if shutil.which("pdfinfo"):
        counts = {p.name: pages(p) for p in pdfs}
        students = [n for name, n in counts.items() if not name.endswith("-key.pdf") and "_" not in name]
        keys = [n for name, n in counts.items() if name.endswith("-key.pdf")]
        stats |= {"cases": len(students), "pdf_pages": sum(counts.values()), "student_pages_max": max(students),
                  "key_pages_max": max(keys), "key_pages_median": statistics.median(keys),
                  "combined_pages": counts.get("all_student_sheets.pdf", 0) + counts.get("all_keys.pdf", 0)}
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    run([])  # warm-up: .venv up to date, files cached
    shutil.rmtree(OUT, ignore_errors=True)
    full = [run(["PAPER=a4"]) for _ in range(args.runs)]
    stats = output_stats()
    letter = run(["PAPER=letter"])
    first_case = sorted(p.stem for p in (ROOT / "case_studies").glob("[!_]*.yaml"))[0]
    one = run([f"CASE={first_case}"])
    run(["PAPER=a4"])  # leave A4 handouts behind, as `make handouts` does
    walls = [r["wall_s"] for r in full]
    data = {
        "all_cases_a4": {"runs": full, "wall_s_median": statistics.median(walls), "wall_s_max": max(walls),
                         "cpu_s_median": statistics.median(r["cpu_s"] for r in full)},
        "all_cases_letter": letter,
        "one_case": {**one, "case": first_case},
        "output": stats,
        "cores": os.cpu_count(),
        "target_s": 60,
        "shared_machine": True,
    }
    save("handouts", data)
    print(data)


if __name__ == "__main__":
    main()
