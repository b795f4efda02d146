"""Test runs never touch a real student's records: nbval runs the notebooks in kernels that inherit this
process's environment (tests/conftest.py isolates each test under tests/ on its own)."""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config):
    folder = tempfile.mkdtemp(prefix="triage-test-")
    os.environ["TRIAGE_CLASS_DB"] = os.path.join(folder, "class.db")
    os.environ["TRIAGE_PROGRESS_FILE"] = os.path.join(folder, "progress.json")
