"""Debian 12's python3 is 3.11.2, and `make test` on a fresh Debian machine builds every venv with it: each
pinned requirement must install there (soupsieve 3, for one, needs 3.11.5; its 3.0.1 is yanked for older 3.11)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_12_PYTHON = "3.11.2"


@pytest.mark.parametrize("pins", ["static-toolchain.txt"])
def test_the_pinned_requirements_install_on_debian_12s_python(pins, tmp_path):
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                          "--disable-pip-version-check", "--python-version", DEBIAN_12_PYTHON, "--only-binary=:all:",
                          "--target", str(tmp_path), "-r", str(ROOT / "requirements" / pins)],
                         capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "yanked" not in (out.stdout + out.stderr).lower(), out.stderr[-3000:]
