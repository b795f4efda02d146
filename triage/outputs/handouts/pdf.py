"""HTML to PDF with one headless Chromium (Playwright driving Debian's chromium), many documents.

Starting Chromium costs about a second; printing a document costs a tenth of that, so one
:class:`PdfPrinter` prints every handout of a run in one tab. Page size, margins, the running header
and the footer (educational-use notice, "Page n of N") come from the document's own CSS ``@page``
rules (see :mod:`.render`), so the PDF matches the HTML printed from a browser.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from ...errors import HandoutError, Problem
from .chromium import ARGS, chromium_path
from .render import Paper


class PdfPrinter:
    """A headless Chromium with one tab, printing HTML strings to PDF bytes; use as a context manager."""

    def __init__(self) -> None:
        self._pw: Any = None
        self._browser: Any = None
        self._page: Any = None

    def __enter__(self) -> PdfPrinter:
        try:
            from playwright.sync_api import Error, sync_playwright
        except ImportError:
            raise HandoutError(Problem("pdf", "PDF output needs Playwright: pip install 'triage[handouts]' "
                                       "(or write HTML only with --html-only)")) from None
        executable = chromium_path()
        try:
            self._pw = sync_playwright().start()
        except Error as exc:  # e.g. called inside a running asyncio loop (a notebook cell)
            first_line = (exc.message or str(exc)).splitlines()[0]
            raise HandoutError(Problem("pdf", f"cannot drive Chromium from here ({first_line}); run "
                                       "`make handouts` in a terminal, or build with pdf=False")) from None
        try:
            self._browser = self._pw.chromium.launch(executable_path=executable, args=list(ARGS), headless=True)
            self._page = self._browser.new_page()
            # The handouts are self-contained; refuse any request (defence in depth: the text is escaped).
            self._page.route("**/*", lambda route: route.abort())
        except Error as exc:
            self.close()
            first_line = (exc.message or str(exc)).splitlines()[0]
            raise HandoutError(Problem("chromium", f"could not start {executable}: {first_line}")) from None
        return self

    def pdf(self, html: str, paper: Paper) -> bytes:
        """Print one self-contained HTML document; its ``@page`` rules win, ``paper`` is the fallback size."""
        if self._page is None:
            raise RuntimeError("PdfPrinter used outside its with-block")
        self._page.set_content(html, wait_until="load")
        return self._page.pdf(format=paper.pdf_format, print_background=True, prefer_css_page_size=True)

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()
        self._pw = self._browser = self._page = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
