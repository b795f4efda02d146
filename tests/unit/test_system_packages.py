"""The Debian packages the suite needs: one list (.ci/system-packages), checked by make before anything else,
and a missing package stops make at once with the one command to run."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "ensure-system-packages"


def _run(*args: str, packages: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if packages is not None:
        env["TRIAGE_SYSTEM_PACKAGES"] = str(packages)
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60,
                          check=False)


def test_the_test_target_needs_every_system_package_the_suite_uses():
    listed = set(_run("--list", "test").stdout.split())
    assert listed == {"python3-venv", "make", "chromium-headless-shell", "libatomic1", "fonts-dejavu-core",
                      "fonts-liberation", "nodejs", "npm", "poppler-utils", "zbar-tools", "postgresql", "nginx"}
    assert set(_run("--list", "app").stdout.split()) == {"python3-venv", "make"}
    assert set(_run("--list", "check").stdout.split()) == {"python3-venv", "make", "nodejs", "postgresql"}


def test_a_missing_package_is_reported_with_the_command_to_install_it(tmp_path):
    packages = tmp_path / "packages"
    packages.write_text("# comment\nfound-pkg   test   true\nmissing-pkg   test,hub   false\n"
                        "hub-only   hub   false\n", encoding="utf-8")
    out = _run("--check", "test", packages=packages)
    assert out.returncode == 1
    assert "make test needs Debian packages that are not installed: missing-pkg\n" in out.stderr
    assert "sudo apt-get update && sudo apt-get install -y --no-install-recommends missing-pkg\n" in out.stderr
    assert "found-pkg" not in out.stderr and "hub-only" not in out.stderr
    assert _run("--check", "app", packages=packages).returncode == 0


def test_a_probe_that_pipes_into_grep_q_is_not_a_false_alarm(tmp_path):
    """Under pipefail, `producer | grep -q` fails when grep exits before the producer finishes writing."""
    packages = tmp_path / "packages"
    packages.write_text("pkg  test  yes | head -c 1000000 | grep -q y\n", encoding="utf-8")
    for _ in range(3):
        assert _run("--check", "test", packages=packages).returncode == 0


def test_make_checks_the_packages_before_it_builds_anything():
    for goal, group in (("test", "test"), ("check", "check"), ("app", "app"), ("static", "static"), ("hub", "hub")):
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # under make
        dry = subprocess.run(["make", "--no-print-directory", "-n", "-B", goal], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
        assert dry[0].endswith(f"bash .ci/ensure-system-packages {group}"), (goal, dry[:3])


def test_ci_runs_make_test_and_installs_nothing_of_its_own():
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    assert lines[-1] == "make test"
    assert not any("apt-get" in ln for ln in lines)


def test_make_test_as_root_stops_at_once_in_a_checkout_others_cannot_reach():
    """Under /root (mode 0700) the students' servers, run as other user ids, could not start: say so first."""
    base = Path(tempfile.mkdtemp(prefix="triage-closed-"))  # under /tmp: open folders on the way
    try:
        closed = base / "home"
        (closed / "triage").mkdir(parents=True)
        base.chmod(0o755)
        closed.chmod(0o700)
        check = ["bash", str(ROOT / ".ci" / "check-checkout-readable"), "test"]
        out = subprocess.run(check, cwd=closed / "triage", capture_output=True, text=True, timeout=60, check=False)
        if os.geteuid() == 0:
            assert out.returncode == 1
            assert f"{closed} is closed to other users (mode 700)" in out.stderr
            assert "/srv/triage" in out.stderr and f"chmod o+x {closed}" in out.stderr
        else:
            assert out.returncode == 0, "without root the hub cannot switch users: nothing to check"
        closed.chmod(0o711)
        again = subprocess.run(check, cwd=closed / "triage", capture_output=True, text=True, timeout=60, check=False)
        assert again.returncode == 0, again.stderr
    finally:
        shutil.rmtree(base)


def test_make_lab_and_notebook_start_as_root_too():
    """Jupyter refuses to run as root without --allow-root; a course VM or a container is often root."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    for goal in ("lab", "notebook"):
        dry = subprocess.run(["make", "--no-print-directory", "-n", goal], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
        start = next(line for line in dry if f"jupyter {goal}" in line)
        assert ("--allow-root" in start.split()) == (os.geteuid() == 0), start
