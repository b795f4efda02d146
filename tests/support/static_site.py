"""The static site for tests: built once (``tools.static_site.build``; skipped when no input changed) and
served by a plain static file server on a free loopback port."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tools.static_site.build import DEFAULT_OUT, BuildReport, build

# Chromium: every host but the loopback address is unresolvable, so nothing can leave even unseen.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
# What GitHub Pages sends with every file: fresh for 10 minutes, then checked again.
STATIC_HOST_CACHE = "max-age=600"
# What many hosts send with pages: checked again on every visit.
PAGE_REVALIDATE = "no-cache"


class _Handler(SimpleHTTPRequestHandler):
    """Python's plain file server (``python -m http.server``), without its request log; optionally with a
    ``Cache-Control`` header on every response, as static hosts send one, and another on pages."""

    def __init__(self, *args, cache_control: str | None = None, page_cache_control: str | None = None,
                 **kwargs) -> None:
        self.cache_control = cache_control  # before the base class, which handles the request in __init__
        self.page_cache_control = page_cache_control
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        page = self.path.split("?")[0].endswith((".html", "/"))
        header = self.page_cache_control if page and self.page_cache_control else self.cache_control
        if header:
            self.send_header("Cache-Control", header)
        super().end_headers()

    def log_message(self, format, *args):
        pass


@functools.cache
def built_site(out: Path = DEFAULT_OUT) -> BuildReport:
    """Build (or find up to date) the static site, once per test process."""
    return build(out)


@contextmanager
def serve(folder: Path, cache_control: str | None = None, page_cache_control: str | None = None) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a secure context, as voici needs) at a free port; yield the URL.

    Without ``cache_control`` the browser decides how long to keep files from their age (Last-Modified):
    files built minutes ago are checked again on every visit. ``page_cache_control``: another header for pages."""
    handler = functools.partial(_Handler, directory=str(folder), cache_control=cache_control,
                                page_cache_control=page_cache_control)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("Node.js is needed (the static build runs Pyodide in it): apt-get install nodejs")
    return path


def run_node(script: str, *args: str, tmp_path: Path, tz: str = "UTC") -> dict:
    """Run an ES module (in time zone ``tz``); its last line of output is ``RESULT <json>``."""
    path = tmp_path / "run.mjs"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run([node(), str(path), *args], capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "TZ": tz})
    results = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and results, (done.stdout[-2000:], done.stderr[-2000:])
    return json.loads(results[-1][len("RESULT "):])
