"""Shared fixtures.

``Button.on_click`` (ipywidgets' CallbackDispatcher) swallows exceptions raised by handlers and
only logs them. The autouse fixture below records every such exception and fails the test that
caused it, so a broken click handler cannot pass unnoticed.
"""

from __future__ import annotations

import pytest
from ipywidgets.widgets.widget import CallbackDispatcher
from support.pg_server import pg_server, pg_url  # noqa: F401 - a real PostgreSQL server for the store tests


@pytest.fixture(autouse=True)
def fail_on_swallowed_callback_errors(monkeypatch):
    errors: list[BaseException] = []

    def call(self, *args, **kwargs):
        value = None
        for callback in self.callbacks:
            try:
                local = callback(*args, **kwargs)
            except Exception as exc:  # recorded, then reported by the fixture
                errors.append(exc)
            else:
                value = local if local is not None else value
        return value

    monkeypatch.setattr(CallbackDispatcher, "__call__", call)
    yield errors
    if errors:
        raise AssertionError(f"a widget callback raised: {errors[0]!r}") from errors[0]


@pytest.fixture(autouse=True)
def isolated_progress(tmp_path, monkeypatch):
    """Never touch a real student's progress file from tests."""
    monkeypatch.setenv("TRIAGE_PROGRESS_FILE", str(tmp_path / "progress" / "progress.json"))


@pytest.fixture(autouse=True)
def isolated_class_store(tmp_path, monkeypatch):
    """Never touch a real class database from tests (the default is under the user's home)."""
    monkeypatch.setenv("TRIAGE_CLASS_DB", str(tmp_path / "class-store" / "class.db"))


def pytest_terminal_summary(terminalreporter):
    """Report counts that tests record with ``record_property`` (the exhaustive check's parts, summed)."""
    checked = [value for report in terminalreporter.stats.get("passed", [])
               for name, value in getattr(report, "user_properties", []) if name == "presentations_checked"]
    if checked:
        terminalreporter.write_line(f"exhaustive safety check: {sum(checked):,} presentations checked "
                                    f"in {len(checked)} parts")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (Debian's, found by ``browser_support.chromium_path``)."""
    from playwright.sync_api import sync_playwright
    from support.browser_support import ARGS, chromium_path

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        yield b
        b.close()
