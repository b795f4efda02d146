"""Wall time of the nbval suite, of the fast tier (`make check`) and of the whole `make test`, with the machine's
CPU-seconds during each (section "suite" of results.json). ``--serial`` also runs every test on one worker,
one after the other: the work the suite needs when nothing competes for the cores, and the shortest any
number of workers could take on this machine (that work divided by the cores).

Run on a quiet machine: the CPU-seconds are the whole machine's (``/proc/stat``), not only the suite's.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

from common import ROOT, save


def busy_cpu_s() -> float:
    """CPU-seconds the whole machine has spent busy since boot (every core; idle and iowait excluded)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def timed(cmd: list[str]) -> dict:
    """Run ``cmd`` in the checkout: wall seconds, machine CPU-seconds, exit code, and pytest's own summary."""
    cpu0, t0 = busy_cpu_s(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, busy_cpu_s() - cpu0
    summary = re.search(r"(\d+) passed.* in ([\d.]+)s", proc.stdout)
    if proc.returncode != 0:  # a timing of a failing run is no result: say what failed
        failed = [line for line in proc.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        print(f"{' '.join(cmd)} failed (exit {proc.returncode}):", *(failed or proc.stdout.splitlines()[-20:]),
              sep="\n", file=sys.stderr)
    return {"wall_s": wall, "cpu_s": cpu, "ok": proc.returncode == 0,
            "tests": int(summary.group(1)) if summary else None,
            "pytest_s": float(summary.group(2)) if summary else None}


def make_test_workers() -> int | None:
    """The worker count `make test` passes to pytest (-n), from make's dry run."""
    dry = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=False).stdout
    found = re.search(r"pytest -n (\d+)", dry)
    return int(found.group(1)) if found else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serial", action="store_true", help="also run every test on one worker (about 14 min)")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    nbval = timed([sys.executable, "-m", "pytest", "-q", "-n", "auto", "--dist", "loadscope",
                   "notebooks", "--nbval-lax", "-p", "no:cacheprovider"])
    check = timed(["make", "check"])
    test = timed(["make", "test"])
    data = {"cores": cores, "nbval_s": nbval["wall_s"], "nbval_ok": nbval["ok"], "nbval_target_s": 60,
            "make_check_s": check["wall_s"], "make_check_ok": check["ok"], "make_check_target_s": 60,
            "make_test_s": test["wall_s"], "make_test_ok": test["ok"], "make_test_target_s": 360,
            "make_test_cpu_s": test["cpu_s"], "make_test_tests": test["tests"],
            "make_test_pytest_s": test["pytest_s"], "make_test_workers": make_test_workers()}
    if args.serial:
        serial = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                        "tests", "notebooks", "--nbval-lax"])
        data |= {"serial_wall_s": serial["wall_s"], "serial_cpu_s": serial["cpu_s"], "serial_ok": serial["ok"],
                 "serial_tests": serial["tests"]}
    save("suite", data)
    print(data)


if __name__ == "__main__":
    main()
