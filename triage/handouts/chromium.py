"""Find the Chromium the suite drives (Debian's ``chromium``); nothing is ever downloaded.

Used to print handouts to PDF and by the browser tests and benchmarks (through
``tests/browser_support.py``), so every part of the suite runs the same binary with the same flags.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..errors import HandoutError, Problem

# Flags for a headless Chromium in containers and CI: no sandbox (no user namespaces there), no GPU,
# and nothing that phones home (background networking, component updates, sync, QUIC).
ARGS: tuple[str, ...] = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
)
MISSING = (
    "no Chromium found. Install Debian's package (apt-get install -y chromium) or point TRIAGE_CHROMIUM "
    "at a Chromium binary; `.ci/run` installs it automatically."
)


def candidates() -> list[str | None]:
    """Where to look, in order: $TRIAGE_CHROMIUM, /usr/bin/chromium, chromium or chromium-browser on PATH."""
    return [os.environ.get("TRIAGE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
            shutil.which("chromium-browser")]


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
