"""Find the Chromium the suite drives (Debian's ``chromium-headless-shell`` or ``chromium``); nothing is
ever downloaded.

The headless shell is Chromium's own build for headless use (what Playwright itself runs headless): the
same Blink and V8 without the desktop browser around them. Measured here, a Voila app page costs it
about 1.8 CPU-s against 3.5 for the full ``chromium``, so it comes first when both are installed.

Used to print handouts to PDF and by the browser tests and benchmarks (through
``tests/support/browser_support.py``), so every part of the suite runs the same binary with the same flags.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ...errors import HandoutError, Problem

# Flags for a headless Chromium in containers and CI: no sandbox (no user namespaces there), no GPU,
# and nothing that phones home (background networking, component updates, sync, QUIC).
ARGS: tuple[str, ...] = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
)
MISSING = (
    "no Chromium found. Install Debian's package (apt-get install -y chromium-headless-shell, or chromium) "
    "or point TRIAGE_CHROMIUM at a Chromium binary; `.ci/run` installs it automatically."
)


def full_browser_candidates() -> list[str | None]:
    """$TRIAGE_CHROMIUM, then the full chromium: /usr/bin/chromium, chromium or chromium-browser on PATH."""
    return [os.environ.get("TRIAGE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
            shutil.which("chromium-browser")]


def candidates() -> list[str | None]:
    """Where to look, in order: $TRIAGE_CHROMIUM, the headless shell, then the full chromium."""
    chosen, *full = full_browser_candidates()
    return [chosen, "/usr/bin/chromium-headless-shell", shutil.which("chromium-headless-shell"), *full]


def find_chromium(places: Sequence[str | None] | None = None) -> str | None:
    """The first existing binary among ``places`` (default :func:`candidates`); None if there is none."""
    for c in candidates() if places is None else places:
        if c and Path(c).exists():
            return c
    return None


def chromium_path(places: Sequence[str | None] | None = None) -> str:
    """The Chromium binary to launch; raise :class:`HandoutError` saying how to install one if none."""
    found = find_chromium(places)
    if found is None:
        raise HandoutError(Problem("chromium", MISSING))
    return found
