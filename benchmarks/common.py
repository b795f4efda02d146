"""Shared helpers for the benchmarks: machine facts, statistics, results file. Importing it puts the checkout
and ``tests/`` on the path, so the benchmarks use the build tools and the test suite's helpers (``support``:
servers, browsers, protocol clients)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.json"
for _path in (ROOT, ROOT / "tests"):  # the build tools (tools/) and the test helpers (tests/support)
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from triage.outputs.handouts.chromium import find_chromium  # the browser the benchmarks drive

    chromium, binary = "not found", find_chromium()
    try:
        if binary:
            chromium = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                      timeout=30, check=False).stdout.strip() or binary
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "python": sys.version.split()[0],
            "platform": platform.platform(), "chromium": chromium}


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(values), "median": statistics.median(values), "p95": p95, "min": ordered[0],
            "max": ordered[-1]}


def save(section: str, data: dict[str, Any]) -> None:
    """Merge one section into results.json (other sections are kept)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["machine"] = machine()
    results[section] = data
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def production_pool_args() -> list[str]:
    """``--pool_size`` as voila.json sets it: the test servers' default pool is smaller, benchmarks use the real one."""
    import json

    pool = json.loads((ROOT / "voila.json").read_text())["VoilaConfiguration"]["default_pool_size"]
    return [f"--pool_size={pool}"]
