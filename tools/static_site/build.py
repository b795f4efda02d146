"""Build the static, offline site (``make static``): the student apps as voici pages and the notebooks
in a JupyterLite lab, all running on Pyodide in the browser, with everything inside one folder.

Steps (each cached under :func:`cache_root`, keyed on the pinned versions in ``requirements/static-*``):

1. a toolchain virtual environment (voici-core, jupyterlite-core, the Pyodide kernel addon);
2. the Pyodide runtime from the npm ``pyodide`` package (checked against its integrity hash);
3. the browser's wheels from PyPI, PyYAML built as a pure-Python wheel, a ``sqlite3`` placeholder,
   the few edits in ``WHEEL_PATCHES``, all byte-compiled by the browser's own Python;
4. the project's own wheel, built from the checkout with ``case_studies/*.yaml`` added as package
   data (the repository's case files stay the only copy) and ``precomputed.json`` (its YAML parsed);
5. a Pyodide lock file over exactly those wheels and the app pages' memory snapshot (Python with the
   kernel's and the apps' modules imported, :mod:`tools.static_site.snapshot`);
6. ``jupyter lite build`` into a fresh folder, the landing page, jedi left to the lab, the kernel's
   worker hooked to restore the snapshot, the app pages made to start that worker as they load and to
   leave their compiled JavaScript to the next visit (:mod:`tools.static_site.codecache`), the service
   worker kept off the path of files it has nothing to add to, and a check that nothing in the folder
   makes the browser leave the origin.

The output is rebuilt only when an input changed (notebooks, package, cases, template, pins, this
module); ``--force`` rebuilds anyway. A rebuild always starts from an empty folder, since a stale
``.jupyterlite.doit.db`` once silently dropped the local Pyodide URL (the site then asked a CDN).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path

from tools.static_site import offline
from tools.static_site.codecache import codecache_pages
from tools.static_site.javascript import fill_script, inline_script, read_js
from tools.static_site.snapshot import (
    edit_scripts,
    hook_main,
    hook_worker,
    make_snapshot,
    prestart_pages,
    worker_url,
)
from tools.static_site.wheel_pyc import write_wheel
from triage.domain.model import IF_WORRIED
from triage.errors import Problem, TriageError

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements"
TOOLCHAIN_PINS = REQUIREMENTS / "static-toolchain.txt"
BROWSER_PINS = REQUIREMENTS / "static-browser.txt"
NPM_PINS = REQUIREMENTS / "static-npm.txt"
TEMPLATES = ROOT / "share" / "jupyter"
DEFAULT_OUT = ROOT / "build" / "static"
STAMP = ".triage-static.json"

# The Python inside Pyodide 0.29 and where wheels land there.
PYODIDE_PYTHON = "3.13"
SITE_PACKAGES = f"/lib/python{PYODIDE_PYTHON}/site-packages"
# Where the browser keeps a student's answers: the JupyterLite drive, stored in the browser's
# IndexedDB per browser profile (see triage.store.jsonfile and docs/developer/decisions/0019-answers-in-the-browser.md).
BROWSER_STORE = "/drive/.triage/answers.json"
# The IndexedDB database of the drive, one for the app pages and the lab alike. JupyterLite names it
# after the page's baseUrl unless told: the app pages ("../../") and the lab ("/") kept two apart, so
# answers given in one were not in the other. This is the name the app pages have always used, so the
# answers students gave there stay theirs.
DRIVE_STORAGE = "JupyterLite Storage - ../../"
# Before an app shows, how long the page waits before saying it is still starting (js/secure-context.js).
SLOW_START_MS = 60_000
# Packages the Pyodide kernel installs when it starts (its initKernel list, plus the package
# manager); preloading them all through the lock file fetches them in parallel with the runtime.
KERNEL_PACKAGES = ("micropip", "piplite", "sqlite3", "ipykernel", "comm", "pyodide_kernel", "ipython")
# Loaded by the lab only. Jedi gives the lab's Tab completion; the apps never complete code, and IPython
# imports jedi inside try/except, so the apps' kernels leave it out: unpacking its 1,880 files and
# importing it took about 0.5 s of every app page's start (in Node). So the lock does not make ipython
# depend on it (OPTIONAL_DEPENDS), and the kernel's own list of packages to install at start loses it
# (KERNEL_INSTALLS, patched in the kernel's JavaScript by lab_only_kernel_packages).
LAB_ONLY_PACKAGES = ("jedi",)
OPTIONAL_DEPENDS = {"ipython": {"jedi"}}
KERNEL_INSTALLS = ('["sqlite3","ipykernel","comm","pyodide_kernel","jedi","ipython"]',
                   '["sqlite3","ipykernel","comm","pyodide_kernel","ipython"]')
KERNEL_JS = "extensions/@jupyterlite/pyodide-kernel-extension/static"
# Parts of the package that run only on a server or a command line (Voila, the hub, the CLI, PDF handouts,
# the PostgreSQL backend): left out of the wheel the browser gets, which holds only what runs there.
SERVER_ONLY = ("triage/serve", "triage/hubservice", "triage/cli", "triage/__main__.py", "triage/outputs/handouts",
               "triage/store/postgres.py")
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"  # its settings in jupyter-lite.json
# The kernel runs in /drive, the browser's contents (where answers are kept), and "" leads Pyodide's
# sys.path: Python looks in the current folder first for every top-level import, and each look is a
# synchronous request from the kernel's worker to the page through the service worker (tens of ms
# while the page is busy): 94 to start the explorer, 25 with this change. The kernel's first Python
# after mounting the drive is `import piplite.piplite`, so piplite's __init__ moves "" to the end of
# sys.path: installed packages are found without asking the drive; a module beside a notebook still
# imports (unless it shadows an installed one).
CWD_LAST = b"""import sys as _sys
if "" in _sys.path:  # tools.static_site.build: the current folder is the browser's drive; look there last
    _sys.path.remove("")
    _sys.path.append("")
del _sys
"""
# IPython's __init__ imports its terminal shell (prompt_toolkit and all) for `IPython.embed`, which a
# kernel never calls: 0.25-0.3 s of every kernel's start in Node. The browser's copy imports it on first
# use of `IPython.embed` instead (PEP 562 module __getattr__).
LAZY_EMBED = (b"from .terminal.embed import embed\n", b"""

def __getattr__(name):  # tools.static_site.build: the terminal shell is imported on first use of IPython.embed
    if name == "embed":
        from .terminal.embed import embed
        return embed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

""")
# ipywidgets registers its comm targets when it is imported inside a running kernel. On the app pages it
# is imported before the kernel exists (in the memory snapshot, tools.static_site.snapshot), so the
# kernel's __init__ registers them once the shell is up; without them the page's widget manager cannot
# ask the kernel for the widgets' state. In a kernel that imports ipywidgets later this does nothing.
WIDGET_TARGETS = (b"sys.stderr = stderr_stream\n", b"""sys.stderr = stderr_stream

if "ipywidgets" in sys.modules:  # tools.static_site.build: imported before this kernel (memory snapshot)
    sys.modules["ipywidgets"]._handle_ipython()
""")
# Changes to third-party wheels for the browser, by canonical name: (file in the wheel, old, new).
# An empty ``old`` prepends ``new``; otherwise ``old`` must occur exactly once.
WHEEL_PATCHES: dict[str, list[tuple[str, bytes, bytes]]] = {
    "piplite": [("piplite/__init__.py", b"", CWD_LAST)],
    "ipython": [("IPython/__init__.py", *LAZY_EMBED)],
    "pyodide-kernel": [("pyodide_kernel/__init__.py", *WIDGET_TARGETS)],
}
# Requirements that need nothing in the browser: JavaScript-only packages (the page has the widget
# manager built in) and server-side pieces.
NOT_IN_BROWSER = {"jupyterlab-widgets"}
# Marker environment of Pyodide 0.29 (Requires-Dist lines are evaluated against it).
PYODIDE_MARKERS = {
    "python_version": PYODIDE_PYTHON, "python_full_version": "3.13.2", "sys_platform": "emscripten",
    "platform_system": "Emscripten", "os_name": "posix", "platform_machine": "wasm32",
    "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": "",
}
# Hosts whose appearance in a page, stylesheet or configuration means the browser would leave the origin.
_URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*""", re.IGNORECASE)
_HTML_REQUEST = re.compile(r"""<(?:script|link|img|iframe|source|audio|video)\b[^>]*?\b(?:src|href)\s*=\s*["']"""
                           r"""((?:https?:)?//[^"']+)""", re.IGNORECASE)
_CSS_REQUEST = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])((?:https?:)?//[^"')\s]+)""", re.IGNORECASE)


class StaticBuildError(TriageError):
    """The static build could not be made (a missing tool, a failed download, an external URL)."""


@dataclass
class BuildReport:
    """What a build did: where, how big, how long, and what it had to download."""

    out: Path
    size_bytes: int
    seconds: float
    downloaded: list[str] = field(default_factory=list)
    skipped: bool = False
    apps: tuple[str, ...] = ()

    def summary(self) -> str:
        fetched = ", ".join(self.downloaded) if self.downloaded else "nothing (warm cache)"
        state = "up to date, not rebuilt" if self.skipped else f"built in {self.seconds:.0f} s"
        return (f"static site {state}: {self.out} ({self.size_bytes / 1e6:.1f} MB, {len(self.apps)} apps); "
                f"downloaded: {fetched}")


def _fail(message: str, file: str | None = None) -> StaticBuildError:
    return StaticBuildError(Problem("static", message, file))


def cache_root() -> Path:
    """``$TRIAGE_STATIC_CACHE``, else ``~/.cache/triage-static`` (shared by checkouts; keyed by pins)."""
    env = os.environ.get("TRIAGE_STATIC_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "triage-static"


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()[:16]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock file, so two builds (two test workers, two checkouts) never fill a cache twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(args: list[str], what: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    """Run a build step; on failure raise with the step's own output (its last lines)."""
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, check=False)  # noqa: S603
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise _fail(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout


def read_pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file, by canonical name (comments ignored)."""
    pins = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not version:
            raise _fail(f"every line must pin one version as name==version, not {line!r}", str(path))
        pins[canonical(name)] = version.strip()
    return pins


def read_npm_pin(path: Path = NPM_PINS) -> tuple[str, str, str]:
    """(package, version, integrity) of the npm Pyodide runtime."""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].split()
        if line:
            if len(line) != 3 or not line[2].startswith("sha512-"):
                raise _fail("expected 'pyodide <version> sha512-<integrity>'", str(path))
            return line[0], line[1], line[2]
    raise _fail("no npm pin found", str(path))


def canonical(name: str) -> str:
    """A distribution name as Pyodide's lock and PyPI compare them."""
    return re.sub(r"[-_.]+", "-", name).lower()


# ---------------------------------------------------------------------------------------------- caches

def toolchain(cache: Path, downloaded: list[str]) -> Path:
    """The toolchain's virtual environment (created once per pin set and interpreter)."""
    key = _digest(TOOLCHAIN_PINS.read_bytes(), sys.version.encode())
    venv = cache / "toolchain" / key
    stamp = venv / ".complete"
    with _locked(cache / "toolchain.lock"):
        if stamp.exists():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        try:
            import venv as venv_module  # noqa: F401 - the interpreter must be able to make environments
        except ImportError as exc:  # pragma: no cover - Debian's python3 without python3-venv
            raise _fail("this Python cannot create virtual environments (install python3-venv)") from exc
        _run([sys.executable, "-m", "venv", str(venv)], "creating the toolchain environment")
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        _run([*pip, "install", "--quiet", "-r", str(TOOLCHAIN_PINS)], "installing the static-build toolchain")
        stamp.write_text(TOOLCHAIN_PINS.read_text(encoding="utf-8"), encoding="utf-8")
        downloaded.append("toolchain")
    return venv


def pyodide_runtime(cache: Path, downloaded: list[str]) -> Path:
    """The unpacked npm Pyodide package (runtime, standard library, the distribution's lock file)."""
    name, version, integrity = read_npm_pin()
    tarball = cache / "npm" / f"{name}-{version}.tgz"
    unpacked = cache / "npm" / f"{name}-{version}"
    with _locked(cache / "npm.lock"):
        if not tarball.exists() or _sri(tarball) != integrity:
            npm = shutil.which("npm")
            if npm is None:
                raise _fail("npm is needed once to fetch the Pyodide runtime (apt-get install npm)")
            tarball.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=tarball.parent) as tmp:
                _run([npm, "pack", f"{name}@{version}", "--silent", "--pack-destination", tmp],
                     f"npm pack {name}@{version}")
                got = Path(tmp) / f"{name}-{version}.tgz"
                if _sri(got) != integrity:
                    raise _fail(f"{got.name} does not match the integrity pinned in {NPM_PINS.name}")
                os.replace(got, tarball)
            shutil.rmtree(unpacked, ignore_errors=True)
            downloaded.append(f"{name} {version} (npm)")
        if not (unpacked / ".complete").exists():
            shutil.rmtree(unpacked, ignore_errors=True)
            with tarfile.open(tarball) as tar:
                extract(tar, unpacked)
            (unpacked / ".complete").touch()
    return unpacked / "package"


def extract(tar: tarfile.TarFile, dest: Path) -> None:
    """Unpack a tarball with the "data" filter where this Python has it (3.11.4 and later); on an older one
    (Debian 12's python3 is 3.11.2) check the same way first that it holds only files and folders inside
    ``dest``."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(dest, filter="data")
        return
    root = dest.resolve()
    for member in tar.getmembers():
        if not (member.isfile() or member.isdir()) or not (root / member.name).resolve().is_relative_to(root):
            raise _fail(f"{tar.name}: unexpected entry {member.name!r} (only files and folders inside it)")
    tar.extractall(dest)  # noqa: S202 - every member was checked above


def _sri(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


# Browser wheels PyPI has only as platform wheels, built here from their source as pure Python: the
# environment makes their C part fail to build or skips it, and each falls back to its Python code.
PURE_BUILDS = {
    "pyyaml": {"PYYAML_FORCE_LIBYAML": "0"},  # PyYAML without libyaml
    "markupsafe": {"CC": "false"},  # MarkupSafe's speedups fail to compile: its setup.py retries without them
}


def browser_wheels(cache: Path, venv: Path, downloaded: list[str]) -> list[Path]:
    """The pinned pure-Python wheels for the browser, PyYAML and MarkupSafe built locally without their C part."""
    pins = read_pins(BROWSER_PINS)
    folder = cache / "wheels" / _digest(BROWSER_PINS.read_bytes())
    python = str(venv / "bin" / "python")
    with _locked(cache / "wheels.lock"):
        folder.mkdir(parents=True, exist_ok=True)
        have = {canonical(_wheel_name(w)[0]): w for w in folder.glob("*.whl")}
        missing = [f"{n}=={v}" for n, v in pins.items() if n not in PURE_BUILDS and n not in have]
        if missing:
            _run([python, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--no-deps",
                  "--only-binary=:all:", "--implementation", "py", "--abi", "none", "--platform", "any",
                  "--python-version", PYODIDE_PYTHON, "-d", str(folder), *missing],
                 "downloading the browser's wheels from PyPI")
            downloaded.append(f"{len(missing)} wheels (PyPI)")
        for name, build_env in PURE_BUILDS.items():
            if name in pins and name not in have:
                with tempfile.TemporaryDirectory() as tmp:
                    _run([python, "-m", "pip", "wheel", "--disable-pip-version-check", "--quiet", "--no-deps",
                          "--no-binary", name, "--no-build-isolation", "-w", tmp, f"{name}=={pins[name]}"],
                         f"building {name} as a pure-Python wheel", env={**os.environ, **build_env})
                    built = next(Path(tmp).glob("*.whl"))
                    if not built.name.endswith("-py3-none-any.whl"):
                        raise _fail(f"{name} built as {built.name}, expected a pure-Python py3-none-any wheel")
                    shutil.copy2(built, folder / built.name)
                downloaded.append(f"{name} source (PyPI)")
        wheels = sorted(folder.glob("*.whl"))
        names = {canonical(_wheel_name(w)[0]) for w in wheels}
        if names != set(pins):
            raise _fail(f"wheel cache {folder} does not match the pins: {sorted(names ^ set(pins))}")
    return wheels


_COMPILE_JS = "\n" + read_js("compile-wheels.mjs")


def compile_in_pyodide(runtime: Path, jobs: list[tuple[Path, Path, bool]]) -> None:
    """Byte-compile wheels (``src``, ``dst``, keep_source) with the browser's own Python, run by Node.

    A ``src`` that is not a wheel (``.zip``: the standard library) is compiled sourceless as an archive.
    """
    node = shutil.which("node")
    if node is None:
        raise _fail("Node.js is needed to byte-compile the browser's wheels with Pyodide (apt-get install nodejs)")
    from tools.static_site import wheel_pyc

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "compile.mjs"
        script.write_text(_COMPILE_JS, encoding="utf-8")
        jobs_file = Path(tmp) / "jobs.json"
        jobs_file.write_text(json.dumps([{"src": str(a.resolve()), "dst": str(b.resolve()), "keep_source": k,
                                          "zip": a.suffix == ".zip"} for a, b, k in jobs]), encoding="utf-8")
        _run([node, str(script), str(runtime), str(jobs_file), str(Path(wheel_pyc.__file__).resolve())],
             "byte-compiling wheels in Pyodide (node)")


def compiled_wheels(cache: Path, runtime: Path, wheels: list[Path]) -> list[Path]:
    """Sourceless byte-compiled copies of third-party ``wheels`` and, last, of the runtime's
    ``python_stdlib.zip`` (cached per pin set and runtime)."""
    from tools.static_site import wheel_pyc

    key = _digest(BROWSER_PINS.read_bytes(), NPM_PINS.read_bytes(), TOOLCHAIN_PINS.read_bytes(),
                  repr(sorted(WHEEL_PATCHES.items())).encode(),
                  Path(wheel_pyc.__file__).read_bytes(), "\n".join(sorted(w.name for w in wheels)).encode())
    folder = cache / "compiled" / key
    with _locked(cache / "compiled.lock"):
        if not (folder / ".complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            stdlib = runtime / "python_stdlib.zip"
            compile_in_pyodide(runtime, [*((w, folder / w.name, False) for w in wheels),
                                         (stdlib, folder / stdlib.name, False)])
            (folder / ".complete").touch()
    return [*(folder / w.name for w in wheels), folder / "python_stdlib.zip"]


def _wheel_name(path: Path) -> tuple[str, str]:
    name, version = path.name.split("-")[:2]
    return name, version


# ------------------------------------------------------------------------------------ the project wheel

def input_files(root: Path = ROOT) -> list[Path]:
    """Everything the static site is made from (hashed to decide whether a rebuild is needed).

    README.md is left out: it only becomes the wheel's long description, and editing it should not
    cost a rebuild. The build's own code and scripts (tools/static_site) are in: they write the pages."""
    files = [root / "pyproject.toml", *sorted((root / "requirements").glob("static-*.txt"))]
    for folder, pattern in (("triage", "*"), ("case_studies", "*.y*ml"), ("notebooks", "*"),
                            ("share/jupyter/voila/templates/triage", "*"), ("tools/static_site", "*")):
        files += [p for p in (root / folder).rglob(pattern) if p.is_file() and "__pycache__" not in p.parts
                  and ".ipynb_checkpoints" not in p.parts]
    return sorted(files)


def inputs_digest(root: Path = ROOT) -> str:
    """One hash over the inputs' paths and contents (and this Python's version)."""
    h = hashlib.sha256(sys.version.encode())
    for p in input_files(root):
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def case_files() -> list[Path]:
    """The repository's case files (checked, so a broken case fails the build with its file and line)."""
    from triage.content.cases import case_files as all_case_files
    from triage.content.cases import validate_paths

    folder = ROOT / "case_studies"
    problems = validate_paths([folder])
    if problems:
        raise _fail("case studies have problems; run `.venv/bin/python -m triage validate`:\n"
                    + "\n".join(str(p) for p in problems[:10]))
    return all_case_files([folder])


def browser_only(folder: str, names: list[str]) -> set[str]:
    """``shutil.copytree``'s ignore: caches, and the SERVER_ONLY parts of the package."""
    here = Path(folder).resolve().relative_to(ROOT).as_posix()
    return {n for n in names if n == "__pycache__" or f"{here}/{n}" in SERVER_ONLY}


def project_wheel(venv: Path, dest: Path, digest: str) -> Path:
    """The project's wheel from the checkout, versioned ``<version>+static.<inputs>``, cases included."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(ROOT / "triage", src / "triage", ignore=browser_only)
        shutil.copy2(ROOT / "README.md", src / "README.md")
        pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        pyproject, n = re.subn(r'(?m)^version = "([^"+]+)"', rf'version = "\1+static.{digest[:10]}"', pyproject)
        if n != 1:
            raise _fail("pyproject.toml has no single `version = \"...\"` line", "pyproject.toml")
        (src / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        out = Path(tmp) / "out"
        _run([str(venv / "bin" / "python"), "-m", "pip", "wheel", "--disable-pip-version-check", "--quiet",
              "--no-deps", "--no-build-isolation", "-w", str(out), str(src)], "building the project's wheel")
        built = next(out.glob("triage-*.whl"))
        extra = {f"triage/case_studies/{p.name}": p.read_bytes() for p in case_files()}
        extra["triage/precomputed.json"] = precomputed_json(built, extra)
        target = dest / built.name
        add_to_wheel(built, target, extra)
    return target


def precomputed_json(wheel: Path, extra: dict[str, bytes]) -> bytes:
    """``triage/precomputed.json``: every YAML file of the package, parsed here (see
    :func:`triage.domain.sources.precomputed_table`), so the browser's pure-Python PyYAML need not parse them."""
    from triage.domain.sources import precomputed_table

    with zipfile.ZipFile(wheel) as src:
        files = {n: src.read(n) for n in src.namelist() if n.endswith(".yaml")}
    files.update({n: data for n, data in extra.items() if n.endswith(".yaml")})
    table = precomputed_table([(n, data.decode("utf-8")) for n, data in sorted(files.items())], StaticBuildError)
    return json.dumps(table, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def add_to_wheel(wheel: Path, target: Path, extra: dict[str, bytes]) -> None:
    """Copy ``wheel`` to ``target`` with ``extra`` files added and its RECORD rewritten to list them."""
    with zipfile.ZipFile(wheel) as src:
        record_name = next(n for n in src.namelist() if n.endswith(".dist-info/RECORD"))
        entries = {n: src.read(n) for n in src.namelist() if n != record_name and not n.endswith("/")}
    write_wheel(target, {**entries, **extra}, record_name)


def patched_wheel(wheel: Path, dest: Path) -> Path:
    """``wheel`` itself, or a copy in ``dest`` with its WHEEL_PATCHES applied (an edit that no longer
    matches the pinned release fails the build, naming the file)."""
    patches = WHEEL_PATCHES.get(canonical(_wheel_name(wheel)[0]))
    if not patches:
        return wheel
    changed: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as src:
        for member, old, new in patches:
            text = changed.get(member) or src.read(member)
            if not old:
                text = new + text
            elif text.count(old) == 1:
                text = text.replace(old, new)
            else:
                raise _fail(f"{wheel.name}: {member} no longer has the line the static build changes "
                            f"({old.decode().strip()!r}); see WHEEL_PATCHES in tools/static_site/build.py", member)
            changed[member] = text
    target = dest / wheel.name
    add_to_wheel(wheel, target, changed)
    return target


def placeholder_wheel(dest: Path, name: str, version: str, summary: str) -> Path:
    """A wheel with metadata only: satisfies a package request without installing a module."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tools.static_site.build\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
    }
    target = dest / f"{name}-{version}-py3-none-any.whl"
    write_wheel(target, files, f"{info}/RECORD")
    return target


# --------------------------------------------------------------------------------------- the lock file

@dataclass(frozen=True)
class WheelInfo:
    name: str  # canonical
    version: str
    path: Path
    imports: tuple[str, ...]
    requires: tuple[str, ...]


def wheel_info(path: Path) -> WheelInfo:
    """Name, version, top-level imports and Requires-Dist of a wheel."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(z.read(meta_name).decode("utf-8"))
    tops = set()
    for n in names:
        first = n.split("/", 1)[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if "/" in n and n.split("/", 1)[1] == "__init__.py":
            tops.add(first)
        elif "/" not in n and n.endswith(".py"):
            tops.add(n[:-3])
    return WheelInfo(canonical(meta["Name"]), meta["Version"], path, tuple(sorted(tops)),
                     tuple(meta.get_all("Requires-Dist") or ()))


def browser_depends(info: WheelInfo, available: set[str]) -> list[str]:
    """The requirements of ``info`` that apply in Pyodide, each of which must be in ``available``."""
    from packaging.requirements import Requirement

    out = []
    for line in info.requires:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(PYODIDE_MARKERS):
            continue
        name = canonical(req.name)
        if name in NOT_IN_BROWSER:
            continue
        if name not in available:
            raise _fail(f"{info.path.name} requires {req.name}, which the static build does not ship; "
                        f"pin it in {BROWSER_PINS.name} or list it as not needed in the browser")
        out.append(name)
    return sorted(set(out))


def write_lock(runtime: Path, wheels: Iterable[Path], dest: Path) -> dict:
    """A Pyodide lock listing exactly ``wheels`` (the npm lock names wheels the package does not ship),
    without the OPTIONAL_DEPENDS (a page that wants one loads it by name)."""
    base = json.loads((runtime / "pyodide-lock.json").read_text(encoding="utf-8"))
    infos = [wheel_info(w) for w in wheels]
    available = {i.name for i in infos}
    packages = {}
    for i in infos:
        packages[i.name] = {
            "name": i.name, "version": i.version, "file_name": i.path.name, "install_dir": "site",
            "sha256": hashlib.sha256(i.path.read_bytes()).hexdigest(), "package_type": "package",
            "imports": list(i.imports), "unvendored_tests": False,
            "depends": [d for d in browser_depends(i, available) if d not in OPTIONAL_DEPENDS.get(i.name, ())],
        }
    lock = {"info": base["info"], "packages": dict(sorted(packages.items()))}
    dest.write_text(json.dumps(lock, indent=1), encoding="utf-8")
    return lock


# ------------------------------------------------------------------------------------------ the site

def student_notebooks() -> list[Path]:
    """The student apps of the course map that exist in notebooks/ (instructor apps stay server-only)."""
    from triage.content.course import student_apps

    found = [ROOT / "notebooks" / a.notebook for a in student_apps()]
    missing = [p.name for p in found if not p.exists()]
    if missing:
        course_file = "triage/content/data/course.yaml"
        raise _fail(f"{course_file} lists notebooks that do not exist: {', '.join(missing)}", course_file)
    return found


def stage_contents(dest: Path) -> list[str]:
    """Copy the student notebooks and the files beside them (images) into ``dest``; the instructor's stay out."""
    from triage.content.course import course

    instructor = {a.notebook for a in course() if a.audience == "instructor"}
    students = {p.name for p in student_notebooks()}
    dest.mkdir(parents=True)
    for p in sorted((ROOT / "notebooks").iterdir()):
        if p.name.startswith(".") or p.name in instructor or p.name == "__pycache__":
            continue
        if p.suffix == ".ipynb" and p.name not in students:
            continue
        if p.is_dir():
            shutil.copytree(p, dest / p.name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        else:
            shutil.copy2(p, dest / p.name)
    return sorted(students)


def kernel_env() -> dict[str, str]:
    """The app pages' kernel environment (also baked into the memory snapshot)."""
    return {"TRIAGE_STATIC_STORE": BROWSER_STORE, "TRIAGE_CASES_DIR": f"{SITE_PACKAGES}/triage/case_studies"}


def preloaded_wheels(lock: dict, preload: Iterable[str], folder: Path) -> list[Path]:
    """The wheels in ``folder`` that Pyodide loads for ``preload``: those packages and their dependencies."""
    packages = {canonical(name): entry for name, entry in lock["packages"].items()}
    todo, seen = [canonical(p) for p in preload], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise _fail(f"{name!r} is preloaded but not in the lock file", "pyodide-lock.json")
        seen.add(name)
        todo += [canonical(d) for d in packages[name]["depends"]]
    return [folder / packages[name]["file_name"] for name in sorted(seen)]


def lite_config(preload: list[str], snapshot: dict | None = None) -> dict:
    """``jupyter-lite.json`` for the site: the local Pyodide, preloaded packages, the browser store and,
    for the app pages, the memory snapshot they start from (``tools.static_site.snapshot``)."""
    options: dict = {"packages": preload, "env": kernel_env()}
    if snapshot:
        options["triageSnapshot"] = snapshot
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Back & hip pain triage",
            "contentsStorageName": DRIVE_STORAGE,
            "litePluginSettings": {
                KERNEL_PLUGIN: {
                    "pyodideUrl": "./static/pyodide/pyodide.js",
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": options,
                },
            },
        },
    }


def landing_page(apps: list[tuple[str, str, str, int]]) -> str:
    """The site's home page: the student apps in course order, the lab, and where answers are kept."""
    items = "\n".join(
        f'    <li><a href="voici/render/{html.escape(stem)}.html">{html.escape(title)}</a>'
        f" <span class=\"min\">({minutes} min)</span>\n      <p>{html.escape(summary)}</p></li>"
        for stem, title, summary, minutes in apps
    )
    check = secure_context_script(home=True)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>Back &amp; hip pain triage: apps</title>
  {check}
  <style>
    body {{ background: #ffffff; color: #1a1a1a; font-family: system-ui, sans-serif; margin: 0; }}
    main {{ max-width: 820px; margin: 2rem auto; padding: 0 1rem; }}
    .notice {{ border-left: 4px solid #0b3d91; background: #eef3fb; padding: .5rem .8rem; }}
    .apps {{ list-style: none; padding: 0; }}
    .apps li {{ border-bottom: 1px solid #d0d0d0; padding: .7rem 0; }}
    .apps a {{ font-weight: bold; color: #0b3d91; font-size: 1.1rem; text-decoration: underline; }}
    .apps p {{ margin: .2rem 0 0 0; }}
    .min {{ color: #4a4a4a; }}
    a {{ color: #0b3d91; }}
  </style>
</head>
<body>
<main>
  <h1>Back &amp; hip pain triage: teaching apps</h1>
  <p class="notice" role="note"><strong>Educational use only.</strong> These apps teach how care for back and
  hip pain is organised. They do not diagnose anyone. {html.escape(IF_WORRIED)}</p>
  <p>Everything runs in this browser: the first app takes a few seconds to start. Your answers are kept in
  this browser only (this browser profile on this device); nobody else can see them, and another browser
  starts fresh.</p>
  <ul class="apps">
{items}
  </ul>
  <p>Want to read the code? Open the notebooks in <a href="lab/index.html">JupyterLab in your browser</a>.</p>
</main>
</body>
</html>
"""


def secure_context_script(home: bool) -> str:
    """The inline script that says on the page why the apps cannot start (file://, plain http:// to another
    computer, no service worker) or that an app is slow to start (js/secure-context.js)."""
    return fill_script(inline_script("secure-context.js"), {"HOME": home, "SLOW_MS": SLOW_START_MS})


def secure_context_pages(site: Path, pages: Iterable[Path]) -> None:
    """Put the secure-context check first in the <head> of each app page (before voici's own scripts)."""
    script = secure_context_script(home=False)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        head = re.search(r"<head>(\s*<meta charset=[^>]*>)?", text, re.I)  # the charset stays in the first bytes
        if head is None:
            raise _fail(f"{page.relative_to(site)} has no <head>; the secure-context check cannot be added", str(page))
        page.write_text(text[:head.end()] + "\n" + script + text[head.end():], encoding="utf-8")


def drive_folder_listing(out: Path, folder: str = BROWSER_STORE.split("/")[2]) -> None:
    """List the answers' folder on the drive as a folder of the site (empty). JupyterLite asks the site for
    a listing of every drive folder it looks into (``api/contents/<folder>/all.json``); without one it got
    a 404 in the console on the pages' saves, and a first save made an "Untitled Folder" (another 404) to
    rename."""
    listing_path = out / "api" / "contents" / "all.json"
    root = json.loads(listing_path.read_text(encoding="utf-8"))
    stamp = root.get("last_modified") or root.get("created")
    entry = {"content": None, "created": stamp, "format": None, "hash": None, "hash_algorithm": None,
             "last_modified": stamp, "mimetype": None, "name": folder, "path": folder, "size": None,
             "type": "directory", "writable": True}
    root["content"] = [e for e in root["content"] if e.get("name") != folder] + [entry]
    listing_path.write_text(json.dumps(root, indent=2), encoding="utf-8")
    inner = out / "api" / "contents" / folder / "all.json"
    inner.parent.mkdir(parents=True, exist_ok=True)
    inner.write_text(json.dumps({**entry, "content": [], "format": "json"}, indent=2), encoding="utf-8")


def lab_only_kernel_packages(out: Path) -> None:
    """Take the LAB_ONLY_PACKAGES out of the list the Pyodide kernel installs at start (it installs
    each one the page did not preload), so only the lab, which preloads them, has them."""
    old, new = KERNEL_INSTALLS
    if not edit_scripts(out / KERNEL_JS, re.compile(re.escape(old)), lambda _: new):
        raise _fail(f"the Pyodide kernel's list of packages to install at start ({old}) is not in {KERNEL_JS}; "
                    "the kernel changed: check LAB_ONLY_PACKAGES and KERNEL_INSTALLS in tools/static_site/build.py")


# JupyterLite's service worker answers every request of the pages it controls: the drive (the student's
# files, /api/drive) by asking the page, everything else by fetching it again itself (or from its cache,
# which this site leaves off). That second fetch puts the service worker's thread between the page and
# every script and costs a warm explorer 0.2-0.3 s. Two edits: when installed, it declares every path
# without /api/ to go to the network directly (static routes: Chromium 123 and later; the page's own
# requests then never wait for the service worker), and its fetch handler leaves such requests to the
# browser (elsewhere, and for the kernel's worker, whose requests the routes do not cover).
# Since decision 0023 pages (navigations) race the network with the fetch handler, which asks the network
# too (Chromium hands it the same response) and answers from the page's kept copy only when that fails; the
# handler does the same for every file the routes leave to it (tools.static_site.offline).
SW_ROUTES = re.compile(r"function onInstall\((?P<e>[\w$]+)\)\{")
SW_PASS = re.compile(r"shouldDrop\((?P<req>[\w$]+),(?P<url>[\w$]+)\)\|\|\((?P<n>[\w$]+)=maybeFromCache\("
                     r"(?P<e>[\w$]+)\)\)")
SW_SOURCE = "race-network-and-fetch-handler"
SW_FILES = ("service-worker.js", "build/service-worker.js")


def direct_service_worker(out: Path) -> list[Path]:
    """Apply SW_ROUTES and SW_PASS to JupyterLite's service worker in ``out`` (both copies) and append
    :data:`tools.static_site.offline.SW_JS`; a copy that does not match both fails the build, naming it."""
    changed = []
    for name in SW_FILES:
        path = out / name
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        text, routes = SW_ROUTES.subn(lambda m: (
            f"{m[0]}if({m['e']}.addRoutes&&new URL(location.href).searchParams.get(\"enableCache\")!==\"true\")"
            f"{m['e']}.waitUntil({m['e']}.addRoutes([{{condition:{{requestMode:\"navigate\"}},source:\"{SW_SOURCE}\"}},"
            f"{{condition:{{not:{{urlPattern:{{pathname:\"*/api/*\"}}}}}},source:\"network\"}}])"
            f".catch(r=>console.warn(\"triage: no static routes\",r)));"), text)
        text, passes = SW_PASS.subn(lambda m: (
            f"!enableCache&&triageKeeps({m['req']},{m['url']})?{m['n']}=triageOffline({m['req']}):"
            f"shouldDrop({m['req']},{m['url']})||({m['n']}=maybeFromCache({m['e']}))"), text)
        if routes != 1 or passes != 1:
            raise _fail(f"JupyterLite's service worker changed (install handler found {routes} times, fetch fallback "
                        f"{passes} times): check SW_ROUTES and SW_PASS in tools/static_site/build.py", name)
        path.write_text(text + offline.SW_JS, encoding="utf-8")
        changed.append(path)
    return changed


def _redirect_page(target: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Apps</title>'
            f'<meta http-equiv="refresh" content="0; url={target}"></head>'
            f'<body><p><a href="{target}">The apps</a></p></body></html>\n')


def external_requests(out: Path) -> list[str]:
    """URLs in the built folder that would make a browser leave the origin.

    Pages (script, link, img... sources), stylesheets (``url()``, ``@import``) and JupyterLite's
    configuration files are checked. JavaScript bundles are not: they carry URLs in comments and
    defaults that the configuration overrides (the Pyodide kernel's CDN default), and the browser
    tests record every request instead.
    """
    found = []
    for p in sorted(out.rglob("*")):
        if not p.is_file():
            continue
        rel = str(p.relative_to(out))
        if p.suffix in (".html", ".htm"):
            text = p.read_text(encoding="utf-8", errors="replace")
            found += [f"{rel}: {u}" for u in _HTML_REQUEST.findall(text)]
            for style in re.findall(r"<style[^>]*>(.*?)</style>", text, re.S | re.I):
                found += [f"{rel}: {u}" for u in _CSS_REQUEST.findall(style)]
        elif p.suffix == ".css":
            found += [f"{rel}: {u}" for u in _CSS_REQUEST.findall(p.read_text(encoding="utf-8", errors="replace"))]
        elif p.name in ("jupyter-lite.json", "jupyter-lite.ipynb", "overrides.json"):
            data = json.loads(p.read_text(encoding="utf-8"))
            if p.suffix == ".ipynb":  # configuration lives in the metadata; the cells are documentation
                data = data.get("metadata", {})
            found += [f"{rel}: {u}" for text in _strings(data) for u in _URL.findall(text)]
    return found


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(out: Path = DEFAULT_OUT, cache: Path | None = None, force: bool = False) -> BuildReport:
    """Build the static site into ``out`` (rebuilt from empty when any input changed)."""
    started = time.monotonic()
    cache = cache or cache_root()
    digest = inputs_digest()
    apps = student_notebooks()
    stamp = out / STAMP
    with _locked(out.parent / f".{out.name}.lock"):
        if not force and stamp.exists():
            try:
                previous = json.loads(stamp.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                previous = {}
            if previous.get("inputs") == digest:
                return BuildReport(out, folder_size(out), time.monotonic() - started, [], True,
                                   tuple(p.stem for p in apps))
        downloaded: list[str] = []
        venv = toolchain(cache, downloaded)
        runtime = pyodide_runtime(cache, downloaded)
        wheels = browser_wheels(cache, venv, downloaded)
        shutil.rmtree(out, ignore_errors=True)
        with tempfile.TemporaryDirectory(prefix="triage-static-") as tmp:
            work = Path(tmp)
            lite = work / "lite"
            pyodide_dir = lite / "static" / "pyodide"
            pyodide_dir.mkdir(parents=True)
            for name in ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "package.json"):
                shutil.copy2(runtime / name, pyodide_dir / name)
            kernel_pypi = (venv / "share" / "jupyter" / "labextensions" / "@jupyterlite" / "pyodide-kernel-extension"
                           / "static" / "pypi")
            kernel_wheels = [w for w in kernel_pypi.glob("*.whl") if not w.name.startswith("widgetsnbextension-3.")]
            patched = [patched_wheel(w, work) for w in [*wheels, *kernel_wheels]]
            for w in compiled_wheels(cache, runtime, patched):  # + the standard library
                shutil.copy2(w, pyodide_dir / w.name)
            placeholder_wheel(pyodide_dir, "sqlite3", "0.0.0", "Placeholder: no sqlite3 module in this static build")
            raw = project_wheel(venv, work, digest)
            compile_in_pyodide(runtime, [(raw, pyodide_dir / raw.name, True)])
            lock = write_lock(runtime, sorted(pyodide_dir.glob("*.whl")), pyodide_dir / "pyodide-lock.json")
            # spelled as the kernel spells them: it skips its own installs only for names in this list
            preload = sorted({*KERNEL_PACKAGES, "triage", *lock["packages"]["triage"]["depends"]})
            snapshot = make_snapshot(pyodide_dir, preloaded_wheels(lock, preload, pyodide_dir), preload,
                                     kernel_env(), SITE_PACKAGES, startup=CWD_LAST.decode())
            (lite / "jupyter-lite.json").write_text(json.dumps(lite_config(preload, snapshot.settings()), indent=2),
                                                    encoding="utf-8")
            contents = work / "contents"
            stage_contents(contents)
            labext = venv / "share" / "jupyter" / "labextensions"
            config = {
                "LiteBuildConfig": {
                    "apps": ["lab", "voici"],
                    "contents": [str(contents)],
                    "output_dir": str(out),
                    "ignore_sys_prefix": True,
                    "federated_extensions": [str(labext / "@jupyterlite" / "pyodide-kernel-extension"),
                                             str(labext / "@jupyter-widgets" / "jupyterlab-manager")],
                    "no_sourcemaps": True,
                    "no_unused_shared_packages": True,
                },
                "VoilaConfiguration": {"template": "triage", "strip_sources": True, "show_tracebacks": False},
            }
            (lite / "jupyter_lite_config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if k != "JUPYTERLITE_PYODIDE_URL"}
            env["JUPYTER_PATH"] = str(TEMPLATES)
            _run([str(venv / "bin" / "jupyter"), "lite", "build", "--lite-dir", str(lite)], "jupyter lite build",
                 env=env, cwd=lite)
        finish_site(out, apps)
        drive_folder_listing(out)
        lab_only_kernel_packages(out)
        direct_service_worker(out)
        hook_worker(out / KERNEL_JS)
        pages = sorted((out / "voici" / "render").glob("*.html"))
        kernel_worker = hook_main(out / KERNEL_JS)
        prestart_pages(out, pages, kernel_worker,
                       json.loads((out / "jupyter-lite.json").read_text(encoding="utf-8"))[
                           "jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN])
        codecache_pages(pages, digest[:16])
        offline.offline_pages(out, out / "index.html", pages, worker_url(out, kernel_worker),
                              out / "static" / "pyodide", digest[:16])
        secure_context_pages(out, pages)
        bad = external_requests(out)
        if bad:
            shutil.rmtree(out, ignore_errors=True)
            raise _fail("the built site would request other hosts:\n" + "\n".join(bad[:20]))
        report = BuildReport(out, folder_size(out), time.monotonic() - started, downloaded, False,
                             tuple(p.stem for p in apps))
        stamp.write_text(json.dumps({"inputs": digest, "built": time.time(), "size": report.size_bytes,
                                     "downloaded": downloaded}, indent=1), encoding="utf-8")
    return report


def finish_site(out: Path, apps: list[Path]) -> None:
    """Landing page at the root (student apps from the course map); voici's own index pages point to it."""
    from triage.content.course import student_apps

    by_name = {a.notebook: a for a in student_apps()}
    rows = [(p.stem, by_name[p.name].title, by_name[p.name].summary, by_name[p.name].minutes) for p in apps]
    # JupyterLite's pages read the configuration embedded in every parent folder's index.html: keep it.
    lite_index = (out / "index.html").read_text(encoding="utf-8")
    config = re.search(r'<script\s+id="jupyter-config-data".*?</script>', lite_index, re.S)
    if config is None:
        raise _fail("JupyterLite's index.html has no jupyter-config-data script; the home page cannot replace it")
    page = landing_page(rows).replace("</head>", f"  {config.group(0)}\n</head>", 1)
    (out / "index.html").write_text(page, encoding="utf-8")
    for page, target in ((out / "voici" / "index.html", "../index.html"),
                         (out / "voici" / "tree" / "index.html", "../../index.html")):
        if page.exists():
            page.write_text(_redirect_page(target), encoding="utf-8")
    # The lab reads the site's configuration and then its own on top (per plugin, shallowly): the
    # same kernel settings plus TRIAGE_STATIC_LAB, so links in the lab open notebooks, not voici pages.
    root = json.loads((out / "jupyter-lite.json").read_text(encoding="utf-8"))
    settings = json.loads(json.dumps(root["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]))
    settings["loadPyodideOptions"]["env"]["TRIAGE_STATIC_LAB"] = "1"
    settings["loadPyodideOptions"].pop("triageSnapshot", None)  # other packages and environment: a plain start
    settings["loadPyodideOptions"]["packages"] = sorted({*settings["loadPyodideOptions"]["packages"],
                                                         *LAB_ONLY_PACKAGES})
    for key, value in settings.items():  # "./x" would be read relative to lab/; the page resolves "../x"
        if key.endswith("Url") and value.startswith("./"):
            settings[key] = "../" + value[2:]
        elif key.endswith("Urls"):
            settings[key] = ["../" + v[2:] if v.startswith("./") else v for v in value]
    lab_json = out / "lab" / "jupyter-lite.json"
    lab = json.loads(lab_json.read_text(encoding="utf-8"))
    lab.setdefault("jupyter-config-data", {}).setdefault("litePluginSettings", {})[KERNEL_PLUGIN] = settings
    lab_json.write_text(json.dumps(lab, indent=2), encoding="utf-8")
    for p in out.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.static_site.build", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/static)")
    parser.add_argument("--cache", type=Path, default=None, help="download cache (default: $TRIAGE_STATIC_CACHE "
                        "or ~/.cache/triage-static)")
    parser.add_argument("--force", action="store_true", help="rebuild even when no input changed")
    args = parser.parse_args(argv)
    try:
        report = build(args.out.resolve(), args.cache, args.force)
    except TriageError as exc:
        print(f"make static: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
