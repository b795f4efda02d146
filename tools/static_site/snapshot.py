"""A warm start for the static site's app pages: Python restored from a memory snapshot.

Without it, every app page starts Python from nothing: Pyodide boots, unpacks the preloaded
wheels (about 1,200 files, through Python's ``zipfile``) and then imports IPython, the kernel,
ipywidgets and ``triage.ui`` (about 550 modules) before the first widget can show. The build
does that work once, in Node, and saves Pyodide's memory after the imports
(``loadPyodide({_makeSnapshot: true})``, then ``makeMemorySnapshot()``). A page restores that memory
instead of booting, then writes the same files into the browser's file system from one pack
(a plain JavaScript loop), so a module imported later is still found on disk.

What cannot be in the snapshot: Pyodide refuses to save memory that refers to JavaScript objects,
so packages whose import reaches into JavaScript (``SNAPSHOT_SKIP``: the package manager and the
kernel itself) are imported after the restore, as before. Every page restoring the same memory
would also get the same random numbers; the restore reseeds ``random``.

Two gzipped files in ``static/pyodide/``, named by the hash of their content so a browser never
keeps an old one: ``snapshot-<hash>.bin.gz`` (the memory) and ``site-<hash>.bin.gz`` (the files: a
4-byte little-endian header length, a JSON header, then each file's bytes in header order). Gzip
halves what a first visit downloads; the worker keeps the unzipped bytes in the origin's Cache
Storage, so later visits neither unzip nor download them. The app pages' kernel settings name the
files (``triageSnapshot`` in ``loadPyodideOptions``); the lab's settings do not, since the lab's
kernel has other packages (jedi) and another environment. The kernel's worker reads those settings
through ``WORKER_JS``, added to its JavaScript by :func:`hook_worker`.

The early start: an app page's scripts take a while before they ask for a kernel. So the page's
first script (``PRESTART_JS``, put in by :func:`prestart_pages`) starts the kernel's worker at once,
its settings in the worker's name; the worker restores Python and imports the kernel meanwhile, and
the kernel takes that worker (:func:`hook_main`) and that Python when the settings match.
Why: docs/developer/decisions/0015 and 0016; figures: benchmarks/RESULTS.md.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tools.static_site.javascript import fill_script, inline_script, read_js
from triage.errors import Problem, TriageError

# Top-level packages imported after the restore, not before the snapshot: their import reaches into
# JavaScript (fetch, the page's package loader, the kernel's message channel), which a snapshot
# cannot hold (Pyodide refuses: "Can't serialize object at index N", and the build fails).
SNAPSHOT_SKIP = ("ipykernel", "js", "micropip", "piplite", "pyodide_js", "pyodide_kernel")
# Parts of a skipped package that never touch JavaScript, imported into the snapshot under a stand-in
# for their package (its __init__ not run). The real package, imported after the restore, finds them
# already imported: micropip's vendored `packaging` compiles regular expressions at import, about
# 0.15 s of every app page's start in Node.
SNAPSHOT_PARTS = {"micropip": "micropip._vendored"}
# What the kernel's worker imports first (its package manager, then the kernel); an app page started
# early imports them before the kernel asks (WORKER_JS).
KERNEL_FIRST = "import piplite.piplite\nimport pyodide_kernel"
# What the ordinary start of an app page imports, in the order the kernel's worker does it; the
# modules this adds are the ones the snapshot imports beforehand (less SNAPSHOT_SKIP).
DISCOVER = f"""
import sys
_before = set(sys.modules)
{KERNEL_FIRST}
import triage.ui
triage_modules = sorted(set(sys.modules) - _before)
"""
# Before the snapshot's imports: the kernel's stand-ins for terminal modules (termios, fcntl, ...),
# as its __init__ installs them before importing IPython, so IPython is imported as in a page.
MOCKS = "pyodide_kernel/mocks.pyc"

# Writes a pack's files into Pyodide's file system; the same code runs in Node (the build) and in the
# kernel's worker (the page).
UNPACK_JS = read_js("unpack.js").rstrip("\n")

# An app page's early worker is named PRESTART followed by JSON: {pyodideUrl, options} (see prestart_script).
PRESTART = "triage-prestart "
# Appended to each of the kernel's JavaScript files that starts Pyodide (see hook_worker).
WORKER_JS = "\n" + read_js("worker-hook.js").replace("UNPACK_JS", UNPACK_JS.replace("\n", "\n  ")).replace(
    "PRESTART", PRESTART).replace("KERNEL_FIRST", json.dumps(KERNEL_FIRST))
# Where the worker starts Pyodide: ``this._pyodide = await loadPyodide({indexURL, stdout, stderr,
# ...loadPyodideOptions})``, then it sets a fatal-error handler. The edit calls triageLoad with the
# same options instead; the names are the minifier's, so they are matched, not assumed.
WORKER_START = re.compile(r"this\._pyodide=await (?P<load>[\w$]+)\(\{indexURL:(?P<body>.{0,800}?)"
                          r"\.\.\.(?P<opts>[\w$]+)\.loadPyodideOptions\}\),this\._pyodide\._api\.on_fatal=", re.S)

_SNAPSHOT_NODE = "\n" + read_js("snapshot.mjs")
_PREPARE = """
import importlib, importlib.machinery, importlib.util, sys
_modules = MODULES
_loader = importlib.machinery.SourcelessFileLoader("_triage_kernel_mocks", SITE + "/" + MOCKS)
_mocks = importlib.util.module_from_spec(importlib.util.spec_from_loader(_loader.name, _loader))
_loader.exec_module(_mocks)
_mocks.apply_mocks()
triage_failed = []
_package = _part = _name = None
for _package, _part in PARTS.items():
    sys.modules[_package] = importlib.util.module_from_spec(importlib.util.find_spec(_package))
    for _name in _modules:
        if _name == _part or _name.startswith(_part + "."):
            try:
                importlib.import_module(_name)
            except Exception as _error:
                triage_failed.append(f"{_name}: {_error!r}")
    del sys.modules[_package]
for _name in _modules:
    if _name.split(".")[0] in SKIP or _name in sys.modules:
        continue
    try:
        importlib.import_module(_name)
    except Exception as _error:
        triage_failed.append(f"{_name}: {_error!r}")
del _modules, _loader, _mocks, _name, _package, _part
"""


class SnapshotError(TriageError):
    """The build could not make the memory snapshot or fit the worker's hook."""


@dataclass(frozen=True)
class Snapshot:
    """The two files a page restores from, and what Pyodide must record as loaded."""

    memory: Path
    files: Path
    loaded_packages: dict[str, str]

    def settings(self) -> dict:
        """``triageSnapshot`` for the kernel's ``loadPyodideOptions`` (file names are relative to Pyodide's)."""
        return {"memory": self.memory.name, "files": self.files.name, "loadedPackages": self.loaded_packages}


def _fail(message: str, file: str | None = None) -> SnapshotError:
    return SnapshotError([Problem(file=file or "tools/static_site/snapshot.py", field="snapshot", message=message)])


def site_pack(wheels: Iterable[Path], root: str) -> bytes:
    """The files of ``wheels`` as one pack for :data:`UNPACK_JS`, installed under ``root``."""
    files: list[list] = []
    data: list[bytes] = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                content = zf.read(info)
                files.append([info.filename, len(content)])
                data.append(content)
    head = json.dumps({"root": root, "files": files}, separators=(",", ":")).encode()
    return struct.pack("<I", len(head)) + head + b"".join(data)


def _named(folder: Path, stem: str, content: bytes) -> Path:
    """``content`` gzipped into ``folder``, named by the hash of the content (a new build, a new name)."""
    path = folder / f"{stem}-{hashlib.sha256(content).hexdigest()[:12]}.bin.gz"
    path.write_bytes(gzip.compress(content, compresslevel=6, mtime=0))
    return path


def make_snapshot(runtime: Path, wheels: list[Path], packages: list[str], env: dict[str, str],
                  site_packages: str, startup: str = "") -> Snapshot:
    """Write the memory snapshot and the file pack into ``runtime`` (the site's Pyodide folder, with its
    lock over ``wheels``), for pages that preload ``packages`` with ``env``; ``startup`` is Python run
    before the imports (the build passes its sys.path fix, which a page would run later)."""
    node = shutil.which("node")
    if node is None:
        raise _fail("Node.js is needed to make the Pyodide memory snapshot (apt-get install nodejs)")
    pack = site_pack(wheels, site_packages)
    prepare = startup + (_PREPARE.replace("SITE", json.dumps(site_packages)).replace("MOCKS", json.dumps(MOCKS))
               .replace("SKIP", repr(sorted(SNAPSHOT_SKIP))).replace("PARTS", repr(SNAPSHOT_PARTS)))
    with tempfile.TemporaryDirectory(prefix="triage-snapshot-") as tmp:
        work = Path(tmp)
        (work / "site.bin").write_bytes(pack)
        config = {"packages": packages, "env": env, "discover": DISCOVER, "prepare": prepare,
                  "pack": str(work / "site.bin"), "memory": str(work / "memory.bin"),
                  "result": str(work / "result.json")}
        (work / "config.json").write_text(json.dumps(config), encoding="utf-8")
        script = work / "snapshot.mjs"
        script.write_text(_SNAPSHOT_NODE.replace("UNPACK_JS", UNPACK_JS), encoding="utf-8")
        done = subprocess.run([node, str(script), str(runtime.resolve()), str(work / "config.json")],  # noqa: S603
                              capture_output=True, text=True, check=False,
                              env={**os.environ, "TZ": "UTC"})  # time.timezone in the snapshot: the same anywhere
        if done.returncode != 0:
            report = done.stderr.split("SNAPSHOT-ERROR ", 1)
            tail = "\n".join(line[:300] for line in report[-1].strip().splitlines()[-15:])
            raise _fail(f"making the Pyodide memory snapshot failed (node exit {done.returncode}):\n{tail}")
        result = json.loads((work / "result.json").read_text(encoding="utf-8"))
        memory = _named(runtime, "snapshot", (work / "memory.bin").read_bytes())
    files = _named(runtime, "site", pack)
    return Snapshot(memory, files, dict(result["loadedPackages"]))


def _hooked(m: re.Match[str]) -> str:
    return (f"this._pyodide=await self.triageLoad({m['load']},{{indexURL:{m['body']}"
            f"...{m['opts']}.loadPyodideOptions}}),this._pyodide._api.on_fatal=")


def edit_scripts(folder: Path, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str],
                 append: str = "") -> list[Path]:
    """Replace ``pattern`` in every script of ``folder`` (the Pyodide kernel's built JavaScript), adding
    ``append`` to each script changed; the scripts changed (the build's edits of the kernel all go here)."""
    changed: list[Path] = []
    for js in sorted(folder.glob("*.js")):
        new, count = pattern.subn(repl, js.read_text(encoding="utf-8"))
        if count:
            js.write_text(new + append, encoding="utf-8")
            changed.append(js)
    return changed


def hook_worker(folder: Path) -> list[Path]:
    """Route every Pyodide start in the kernel's JavaScript (``folder``) through ``triageLoad`` of
    ``WORKER_JS``; fails, naming the folder, when no start matches (the kernel's code changed)."""
    changed = edit_scripts(folder, WORKER_START, _hooked, append=WORKER_JS)
    if not changed:
        raise _fail(f"no Pyodide start in {folder} matches WORKER_START; the Pyodide kernel's code changed: "
                    "check tools/static_site/snapshot.py", str(folder))
    return changed


# Where the page creates the kernel's worker: ``initWorker(options){return crossOriginIsolated?new
# Worker(<one script>):new Worker(<the other>)}``. The edit first takes the worker an app page started
# early (PRESTART_JS), if any; the script's chunk number says which file the page must start.
MAIN_START = re.compile(r"initWorker\((?P<arg>[\w$]+)\)\{(?=return crossOriginIsolated\?new Worker\(new URL\("
                        r"(?P<req>[\w$]+)\.p\+(?P=req)\.u\(\d+\),(?P=req)\.b\),\{type:void 0\}\):new Worker\("
                        r"new URL\((?P=req)\.p\+(?P=req)\.u\((?P<chunk>\d+)\),(?P=req)\.b\))")
# Put first in an app page's <head> (after its charset): starts the kernel's worker at once, named
# PRESTART + its settings, so Python is restored while the page's own scripts load. Only in a page
# the site's service worker already controls: the kernel reaches the student's files (the drive,
# where answers are kept) through that service worker, and a worker made before it controls the page
# depends on being claimed later (Chromium does claim it, as tested; other browsers are not tested
# here). So a first visit, or a reload that bypasses the service worker, starts Python when the
# kernel asks, as before. Not where pages are cross-origin isolated (the kernel then starts another
# script); a worker no kernel takes within two minutes is stopped.
PRESTART_JS = inline_script("prestart.js")


HEAD = re.compile(r"<head>(\s*<meta charset=[^>]*>)?", re.I)


def hook_main(folder: Path) -> Path:
    """Make the kernel take an app page's early worker (see PRESTART_JS) in the kernel's JavaScript
    (``folder``); the worker script the page must start. Fails, naming the folder, when the kernel's
    code changed."""
    chunks: set[str] = set()

    def take(m: re.Match[str]) -> str:
        chunks.add(m["chunk"])
        return (f"initWorker({m['arg']}){{const triageWorker=self.triageTakeWorker&&self.triageTakeWorker();"
                "if(triageWorker)return triageWorker;")

    edit_scripts(folder, MAIN_START, take)
    scripts = [p for c in chunks for p in folder.glob(f"{c}.*.js")]
    if len(chunks) != 1 or len(scripts) != 1:
        raise _fail(f"no single kernel worker in {folder} matches MAIN_START (chunks {sorted(chunks)}, scripts "
                    f"{[p.name for p in scripts]}); the Pyodide kernel's code changed: check "
                    "tools/static_site/snapshot.py", str(folder))
    return scripts[0]


def worker_url(site: Path, worker: Path) -> str:
    """The worker script's URL (from ``site``) as the kernel asks for it: JupyterLab's extension chunks
    are named ``<chunk>.<hash>.js`` and loaded with ``?v=<hash>``. The same URL, so the early start and
    a first visit's kernel share one entry in the browser's cache, compiled code included."""
    return f"{worker.relative_to(site).as_posix()}?v={worker.name.split('.')[1]}"




def prestart_script(worker_url: str, pyodide_url: str, options: dict) -> str:
    """PRESTART_JS for a page: URLs relative to the page, ``options`` the kernel's loadPyodideOptions."""
    return fill_script(PRESTART_JS, {"PYODIDE_URL": pyodide_url, "WORKER_URL": worker_url, "OPTIONS": options,
                                     "PREFIX": PRESTART})


def prestart_pages(site: Path, pages: Iterable[Path], worker: Path, settings: dict) -> None:
    """Put PRESTART_JS first in the <head> of ``pages`` (in ``site``), for the worker script ``worker`` and
    the kernel's ``settings`` (its litePluginSettings, URLs relative to the site's root)."""
    for page in pages:
        up = "../" * (len(page.relative_to(site).parts) - 1)
        pyodide = up + settings["pyodideUrl"].removeprefix("./")
        script = prestart_script(up + worker_url(site, worker), pyodide, settings["loadPyodideOptions"])
        text = page.read_text(encoding="utf-8")
        head = HEAD.search(text)  # after the charset, which must stay in the first 1,024 bytes
        if head is None:
            raise _fail(f"{page} has no <head>; the early start cannot be added", str(page))
        at = head.end()
        page.write_text(text[:at] + "\n" + script + text[at:], encoding="utf-8")
