"""The default kernel ceiling (triage/serve/limits.py) from real meminfo and cgroup files."""

from __future__ import annotations

from pathlib import Path

from triage.serve.limits import KERNEL_MB, MIN_KERNELS, MemoryBudget, default_max_kernels, memory_budget

GB = 1024**3


def write_meminfo(folder: Path, available_kb: int) -> Path:
    path = folder / "meminfo"
    path.write_text(f"MemTotal:       32000000 kB\nMemFree:        1000000 kB\nMemAvailable:   {available_kb} kB\n")
    return path


def test_the_ceiling_is_80_percent_of_available_memory_at_60_mb_a_kernel(tmp_path):
    budget = memory_budget(write_meminfo(tmp_path, 8 * 1024 * 1024), tmp_path / "no-cgroup")
    assert budget.available_bytes == 8 * GB and budget.source == "available memory"
    assert budget.kernels() == int(8 * 1024 * 0.8) // 60 == 109


def test_a_container_limit_lowers_the_ceiling(tmp_path):
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    (cgroup / "memory.max").write_text(str(4 * GB))
    (cgroup / "memory.current").write_text(str(1 * GB))
    budget = memory_budget(write_meminfo(tmp_path, 16 * 1024 * 1024), cgroup)
    assert budget.available_bytes == 3 * GB and budget.source == "container memory limit"
    (cgroup / "memory.max").write_text("max\n")
    assert memory_budget(write_meminfo(tmp_path, 16 * 1024 * 1024), cgroup).available_bytes == 16 * GB


def test_a_tiny_machine_still_serves_a_few_kernels(tmp_path):
    assert memory_budget(write_meminfo(tmp_path, 100 * 1024), tmp_path).kernels() == MIN_KERNELS


def test_unknown_memory_assumes_a_small_machine(tmp_path):
    budget = memory_budget(tmp_path / "missing", tmp_path / "missing-cgroup")
    assert budget.available_bytes == 2 * GB and "unknown" in budget.source


def test_the_default_uses_this_machine():
    assert default_max_kernels() == memory_budget().kernels(KERNEL_MB) >= MIN_KERNELS
    assert MemoryBudget(GB, "x").kernels(kernel_mb=120) == MemoryBudget(GB, "x").kernels() // 2
