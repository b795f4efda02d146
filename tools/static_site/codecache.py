"""The static site's app pages keep their compiled JavaScript from the first visit on.

Chromium keeps a script's compiled code only once it has run that script twice within a few days:
a first visit compiles voici's scripts (about 90 files, 6 MB) and remembers having seen them, the
second compiles them again and writes the code cache, the third reads it. Writing it costs the
second visit's main thread about 0.35 s (a Chromium trace on this machine), while the app starts.

``WARM_JS`` (put into every app page by :func:`codecache_pages`) gives the first visit that second
run, once the app is ready and the page idle: it loads the scripts the page fetched once more, in
a hidden sandboxed frame. Those are webpack chunks and extension entries, which only register their
modules when run; the page's own ``<script src>`` (voici's entry, which starts an app) is left out.
The frame is removed when it has loaded, and ``localStorage`` records the build, so a page warms
once per build. Where the browser has no ``requestIdleCallback`` or no ``localStorage``, nothing
happens. Why: docs/developer/decisions/0018; figures: benchmarks/RESULTS.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from tools.static_site.javascript import fill_script, inline_script, insert_before_body_end
from triage.errors import Problem, TriageError

# Runs in an app page. SKIP: the page's own scripts (URLs relative to the page); BUILD: the build's id.
WARM_JS = inline_script("codecache-warm.js")
# After the first widget shows: the app's own start settles first (its remaining widgets, the kernel).
DELAY_MS = 2000
SCRIPT_SRC = re.compile(r"<script\b[^>]*?\ssrc\s*=\s*[\"']([^\"']+)[\"']", re.I)


class CodeCacheError(TriageError):
    """An app page cannot take the code-cache warm-up (the page's layout changed)."""


def page_scripts(html: str) -> list[str]:
    """The ``src`` of every ``<script>`` in ``html``, in order (the page's own scripts)."""
    return SCRIPT_SRC.findall(html)


def warm_script(skip: Iterable[str], build: str) -> str:
    """WARM_JS for a page whose own scripts are ``skip``, in build ``build``."""
    return fill_script(WARM_JS, {"SKIP": list(skip), "BUILD": build, "DELAY_MS": DELAY_MS})


def codecache_pages(pages: Iterable[Path], build: str) -> None:
    """Put WARM_JS before ``</body>`` in each of ``pages`` (the built app pages) for build ``build``; fails,
    naming the page, when a page has no single ``</body>``."""
    for page in pages:
        script = warm_script(page_scripts(page.read_text(encoding="utf-8")), build)
        insert_before_body_end(page, script, lambda why, page=page: CodeCacheError(Problem(
            "code cache", f"{why}; the page's layout changed: check tools/static_site/codecache.py", str(page))))
