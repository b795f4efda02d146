"""Reading QR codes back in tests: Debian's zbarimg (package zbar-tools), and a terminal QR code drawn as a bitmap."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def zbar(image: Path) -> str:
    """The text of the one QR code in ``image``, as zbarimg reads it."""
    tool = shutil.which("zbarimg")
    assert tool, "zbarimg is missing: apt-get install -y zbar-tools (.ci/run installs it)"
    out = subprocess.run([tool, "--quiet", "--raw", str(image)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"no QR code found in {image}: {out.stderr}"
    return out.stdout.strip()


def terminal_qr_to_pbm(lines: list[str], path: Path, scale: int = 8) -> Path:
    """Draw a terminal QR code (half blocks: a block is light, a space dark) as a bitmap zbarimg can read."""
    halves = {"█": (0, 0), "▀": (0, 1), "▄": (1, 0), " ": (1, 1)}  # (top, bottom); 1 = dark
    width = max(len(line) for line in lines)
    rows: list[list[int]] = []
    for line in lines:
        cells = [halves[ch] for ch in line.ljust(width, "█")]
        rows += [[top for top, _ in cells], [bottom for _, bottom in cells]]
    pad = 4  # a light quiet zone around the code
    rows = [[0] * width] * pad + rows + [[0] * width] * pad
    pixels: list[str] = []
    for row in rows:
        line = "".join(str(bit) * scale for bit in [0] * pad + row + [0] * pad)
        pixels += [line] * scale
    path.write_text(f"P1\n{len(pixels[0])} {len(pixels)}\n" + "\n".join(pixels) + "\n")
    return path


def qr_block(text: str) -> list[str]:
    """The QR code's lines in a start-up message (the lines drawn only with block characters)."""
    return [line[2:] for line in text.splitlines() if line.startswith("  ") and line.strip()
            and set(line.strip()) <= set("█▀▄ ") and len(line.strip()) > 10]
