"""Build the documentation site: ``python -m tools.docs [--out DIR] [--offline]`` (``make docs``).

Sphinx reads ``docs/`` (MyST Markdown, and the lessons from ``notebooks/``) and writes HTML to
``build/docs/html``. Warnings are errors, every internal link and cross-reference is checked
(``-n``), and each build starts afresh, so the lessons run against the package as it is now.
``--offline`` builds in a network namespace of its own with only the loopback interface up (the
lessons' kernels talk to the build over it), as ``tests/integration/test_docs.py`` does.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DEFAULT_OUT = ROOT / "build" / "docs" / "html"

# Sphinx's options: HTML, warnings as errors but report them all, nitpicky cross-references, quiet.
SPHINX_OPTIONS = ["-b", "html", "-W", "--keep-going", "-n", "-q", "-j", "auto"]

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


def sphinx_command(out: Path) -> list[str]:
    """The sphinx-build command line for an HTML build of ``docs/`` into ``out`` (doctrees beside it)."""
    return [sys.executable, "-m", "sphinx", *SPHINX_OPTIONS, "-d", str(out.parent / "doctrees"), str(DOCS),
            str(out)]


def loopback_up() -> None:
    """Bring the loopback interface up (a new network namespace starts with it down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, _SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | _IFF_UP))


def offline_prefix() -> list[str]:
    """``unshare`` options for a network namespace of our own (as root; else inside a user namespace)."""
    return ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--map-root-user", "--net"]


def build(out: Path = DEFAULT_OUT) -> int:
    """Build the site into ``out`` from scratch; Sphinx's exit status."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(out.parent / "doctrees", ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.call(sphinx_command(out), cwd=ROOT)  # noqa: S603 (our own command line)


def main(argv: list[str] | None = None) -> int:
    """Build the site; with ``--offline``, inside a network namespace with only loopback."""
    parser = argparse.ArgumentParser(prog="python -m tools.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="HTML folder (default: build/docs/html)")
    parser.add_argument("--offline", action="store_true", help="build with no network but loopback")
    parser.add_argument("--in-namespace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if args.offline:
        command = [*offline_prefix(), sys.executable, "-m", "tools.docs", "--in-namespace", "--out", str(out)]
        try:
            return subprocess.call(command, cwd=ROOT)  # noqa: S603 (our own command line)
        except FileNotFoundError:
            print("--offline needs unshare (util-linux)", file=sys.stderr)
            return 2
    if args.in_namespace:
        loopback_up()
    status = build(out)
    if status == 0:
        print(f"docs: {out / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
