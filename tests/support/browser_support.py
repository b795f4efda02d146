"""Chromium for the browser tests: Debian's chromium driven by Playwright, nothing downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.outputs.handouts.chromium import ARGS as _ARGS
from triage.outputs.handouts.chromium import MISSING, find_chromium, full_browser_candidates

ARGS = list(_ARGS)  # one list of launch flags for the whole suite (defined in triage/outputs/handouts/chromium.py)
AXE = Path(__file__).resolve().parents[1] / "browser" / "node_modules" / "axe-core" / "axe.min.js"


def chromium_path() -> str:
    """$TRIAGE_CHROMIUM, else /usr/bin/chromium, else chromium on PATH; fail clearly if none."""
    found = find_chromium()
    if found is None:
        pytest.fail(f"The browser tests need Chromium: {MISSING}", pytrace=False)
    return found


def student_chromium_path() -> str:
    """The full ``chromium`` where installed (else :func:`chromium_path`): the benchmarks time what a student's
    desktop browser does; the headless shell the tests prefer is lighter and would flatter the figures."""
    return find_chromium(full_browser_candidates()) or chromium_path()


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core missing at {AXE}: run `make browser-deps` (npm install in tests/browser).",
                    pytrace=False)
    return AXE.read_text(encoding="utf-8")
