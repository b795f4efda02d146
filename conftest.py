"""Test runs never touch a real student's records: nbval runs the notebooks in kernels that inherit this
process's environment (tests/conftest.py isolates each test under tests/ on its own)."""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config):
    folder = tempfile.mkdtemp(prefix="triage-test-")
    os.environ["TRIAGE_CLASS_DB"] = os.path.join(folder, "class.db")
    os.environ["TRIAGE_PROGRESS_FILE"] = os.path.join(folder, "progress.json")


# The test modules that take longest (worker-seconds, measured on 2 cores; docs/developer/testing.md), longest
# first. With `--dist loadscope --no-loadscope-reorder` (the Makefile) every module runs whole on one worker,
# handed out in collection order, so starting the long ones first keeps a worker from being left with a
# long module while the other has nothing to do. (xdist's own reorder sorts by the number of tests, which
# put the static site, 23 tests and 2 minutes, near the end.)
LONGEST_FIRST = ("test_jupyter_frontends", "test_hub", "test_browser_viewports", "test_serve_kernels",
                 "test_static_site", "test_browser_class", "test_class_rehearsal", "test_voila_dark_theme",
                 "test_browser", "test_voila_http", "test_engine_exhaustive", "test_hub_images", "test_docs",
                 "test_page_reopen", "test_browser_join", "test_handouts_pdf", "test_engine_properties",
                 "test_serve_app", "test_wheel", "test_static_snapshot", "test_store_concurrency", "test_serve_landing")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: the others keep their order
