"""Every benchmark script imports: the benchmarks share the test suite's helpers (tests/support) and the build
tools, so a move of either must not leave `make bench` broken until someone runs it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPTS = sorted(p.stem for p in BENCHMARKS.glob("*.py"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_benchmark_imports(name, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # as `cd benchmarks && python bench_x.py` runs them
    for loaded in [m for m in sys.modules if m in SCRIPTS]:
        monkeypatch.delitem(sys.modules, loaded)
    module = importlib.import_module(name)
    assert module.__file__ == str(BENCHMARKS / f"{name}.py")
