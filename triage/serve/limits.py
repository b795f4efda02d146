"""How many kernels one server may run at once: a ceiling derived from the machine's memory.

Each Voilà app runs in its own kernel of about 55-60 MB (``benchmarks/RESULTS.md``). The default
ceiling keeps the kernels within 80 % of the memory that is available when the server starts (the
smaller of the machine's ``MemAvailable`` and the container's cgroup limit), at 60 MB a kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

KERNEL_MB = 60
MEMORY_SHARE = 0.8
MIN_KERNELS = 4
_MB = 1024 * 1024


@dataclass(frozen=True)
class MemoryBudget:
    """Memory the kernels may use, and where the figure came from (for the start-up message)."""

    available_bytes: int
    source: str

    def kernels(self, kernel_mb: int = KERNEL_MB) -> int:
        """The ceiling: ``MEMORY_SHARE`` of the available memory at ``kernel_mb`` per kernel."""
        return max(MIN_KERNELS, int(self.available_bytes * MEMORY_SHARE) // (kernel_mb * _MB))


def _meminfo_available(meminfo: Path) -> int | None:
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room(cgroup: Path) -> int | None:
    """Bytes left under a cgroup v2 memory limit, or None when there is no limit."""
    try:
        limit = (cgroup / "memory.max").read_text(encoding="ascii").strip()
        if limit == "max":
            return None
        used = int((cgroup / "memory.current").read_text(encoding="ascii").strip())
        return max(0, int(limit) - used)
    except (OSError, ValueError):
        return None


def memory_budget(meminfo: Path = Path("/proc/meminfo"), cgroup: Path = Path("/sys/fs/cgroup")) -> MemoryBudget:
    """Memory available to new kernels now: the smaller of MemAvailable and the cgroup's room."""
    candidates = []
    available = _meminfo_available(meminfo)
    if available is not None:
        candidates.append(MemoryBudget(available, "available memory"))
    room = _cgroup_room(cgroup)
    if room is not None:
        candidates.append(MemoryBudget(room, "container memory limit"))
    if not candidates:  # not Linux: assume a small machine rather than none
        return MemoryBudget(2 * 1024 * _MB, "assumed 2 GB (memory size unknown)")
    return min(candidates, key=lambda b: b.available_bytes)


def default_max_kernels(kernel_mb: int = KERNEL_MB) -> int:
    """The ceiling used when none is configured."""
    return memory_budget().kernels(kernel_mb)
