"""Wall time of the nbval suite, of the fast tier (`make check`) and of the whole `make test` (section "suite"
of results.json)."""

from __future__ import annotations

import subprocess
import sys
import time

from common import ROOT, save


def timed(cmd: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, proc.returncode


def main() -> None:
    nbval_s, nbval_rc = timed([sys.executable, "-m", "pytest", "-q", "-n", "auto", "--dist", "loadscope",
                               "notebooks", "--nbval-lax", "-p", "no:cacheprovider"])
    check_s, check_rc = timed(["make", "check"])
    make_s, make_rc = timed(["make", "test"])
    data = {"nbval_s": nbval_s, "nbval_ok": nbval_rc == 0, "nbval_target_s": 60,
            "make_check_s": check_s, "make_check_ok": check_rc == 0, "make_check_target_s": 60,
            "make_test_s": make_s, "make_test_ok": make_rc == 0, "make_test_target_s": 360}
    save("suite", data)
    print(data)


if __name__ == "__main__":
    main()
