"""Chromium for the browser tests: Debian's chromium driven by Playwright, nothing downloaded."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
AXE = Path(__file__).resolve().parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"


def chromium_path() -> str:
    """$TRIAGE_CHROMIUM, else /usr/bin/chromium, else chromium on PATH; fail clearly if none."""
    candidates = [os.environ.get("TRIAGE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser")]
    for c in candidates:
        if c and Path(c).exists():
            return c
    pytest.fail(
        "No Chromium found for the browser tests. Install Debian's package (apt-get install -y chromium) "
        "or point TRIAGE_CHROMIUM at a Chromium binary. `.ci/run` installs it automatically.",
        pytrace=False,
    )


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core missing at {AXE}: run `make browser-deps` (npm install in tests/browser).",
                    pytrace=False)
    return AXE.read_text(encoding="utf-8")
