"""HTML to PDF with one headless Chromium (Playwright driving Debian's chromium), many documents.

Starting Chromium costs about a second; printing a page of HTML costs a tenth of that, so one
:class:`PdfPrinter` prints every handout of a run in one tab. Every PDF page carries a header
(what the document is) and a footer (the educational-use notice and "Page n of N").
"""

from __future__ import annotations

from html import escape
from types import TracebackType
from typing import Any

from ..errors import HandoutError, Problem
from ..model import DISCLAIMER
from .chromium import ARGS, chromium_path
from .render import Paper

_BAND = "font-family:'Liberation Sans','DejaVu Sans',Arial,sans-serif;font-size:7.5pt;color:#333;width:100%;"


def header_template(label: str, title: str, paper: Paper) -> str:
    """Chromium's header band: what the document is (left) and its title (right), escaped."""
    return (f'<div style="{_BAND}margin:0 {paper.margin_side};display:flex;justify-content:space-between;gap:8mm">'
            f"<span><b>{escape(label)}</b></span><span>{escape(title)}</span></div>")


def footer_template(paper: Paper) -> str:
    """Chromium's footer band: the educational-use notice and the page number, on every page."""
    return (f'<div style="{_BAND}margin:0 {paper.margin_side};display:flex;justify-content:space-between;'
            f'gap:6mm;align-items:flex-end"><span>{escape(DISCLAIMER)}</span>'
            '<span style="white-space:nowrap">Page <span class="pageNumber"></span> of '
            '<span class="totalPages"></span></span></div>')


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
        self._pw = sync_playwright().start()
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

    def pdf(self, html: str, paper: Paper, *, label: str, title: str) -> bytes:
        """Print one HTML document (self-contained) on ``paper``; header shows ``label`` and ``title``."""
        if self._page is None:
            raise RuntimeError("PdfPrinter used outside its with-block")
        self._page.set_content(html, wait_until="load")
        return self._page.pdf(
            format=paper.pdf_format,
            print_background=True,
            display_header_footer=True,
            header_template=header_template(label, title, paper),
            footer_template=footer_template(paper),
            prefer_css_page_size=True,
            margin={"top": paper.margin_top, "bottom": paper.margin_bottom,
                    "left": paper.margin_side, "right": paper.margin_side},
        )

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._pw is not None:
            self._pw.stop()
        self._pw = self._browser = self._page = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
