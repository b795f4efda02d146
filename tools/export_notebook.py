"""Export notebooks with their apps to HTML that works with no network: ``make export NB=...``.

    python tools/export_notebook.py notebooks/04_triage_explorer.ipynb [more.ipynb ...] [--out build/export]

Each notebook is run (nbclient, the widget state saved), then written as ``<out>/<name>.html`` with
nbconvert's lab template as the project's ``triage-export`` template changes it
(``share/jupyter/nbconvert/templates/triage-export``): nothing comes from a public CDN. The widget
manager that draws the apps from their saved state is ``@jupyter-widgets/html-manager``, the version
pinned in ``requirements/export-npm.txt`` for the installed widget stack, fetched once with ``npm pack``
(checked against its integrity hash, kept in ``~/.cache/triage-export`` or ``$TRIAGE_EXPORT_CACHE``)
and copied into ``<out>/static/`` beside the pages. Under each app the page also holds the app's own
text/html copy, shown when the manager cannot run. Keep the folder together: the pages load
``static/embed.js``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PIN_FILE = ROOT / "requirements" / "export-npm.txt"
TEMPLATES = ROOT / "share" / "jupyter" / "nbconvert" / "templates"
TEMPLATE = "triage-export"
MANAGER_FILES = ("embed.js", "embed.js.LICENSE.txt")
FONT_SUFFIXES = (".woff2", ".woff")  # Font Awesome, which the manager's CSS names (browsers take these)
CELL_TIMEOUT = 120


class ExportError(Exception):
    """A problem in plain words (the command prints it and exits with status 2)."""


def read_pin(path: Path = PIN_FILE) -> tuple[str, str, str]:
    """(package, version, integrity) of the widget manager."""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].split()
        if line:
            if len(line) != 3 or not line[2].startswith("sha512-"):
                raise ExportError(f"{path}: expected '<package> <version> sha512-<integrity>', not {raw.strip()!r}")
            return line[0], line[1], line[2]
    raise ExportError(f"{path}: no pin found")


def integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def cache_dir() -> Path:
    return Path(os.environ.get("TRIAGE_EXPORT_CACHE") or Path.home() / ".cache" / "triage-export")


def widget_manager(cache: Path) -> Path:
    """The unpacked widget manager's ``dist`` folder, fetched with ``npm pack`` when it is not cached."""
    name, version, expected = read_pin()
    folder = cache / f"{name.replace('/', '+')}-{version}"
    dist = folder / "package" / "dist"
    if (dist / "embed.js").exists():
        return dist
    npm = shutil.which("npm")
    if npm is None:
        raise ExportError(f"npm is needed once to fetch {name} {version} (apt-get install npm)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        command = [npm, "pack", f"{name}@{version}", "--silent", "--pack-destination", tmp]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed arguments
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise ExportError(f"npm pack {name}@{version} failed: {done.stderr.strip() or done.stdout.strip()}")
        if integrity(tarballs[0]) != expected:
            raise ExportError(f"{tarballs[0].name} does not match the integrity pinned in {PIN_FILE.name}")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(unpacked, filter="data")
        shutil.rmtree(folder, ignore_errors=True)
        unpacked.rename(folder)
    return dist


def vendor(dist: Path, out: Path) -> None:
    """Copy the manager (and the fonts its CSS names) into ``out/static``."""
    static = out / "static"
    static.mkdir(parents=True, exist_ok=True)
    for item in dist.iterdir():
        if item.name in MANAGER_FILES or item.suffix in FONT_SUFFIXES:
            shutil.copy2(item, static / item.name)


EXPORT_NAME = "a student"  # who the apps of an exported page answer as
LIVE_MODULE = "anywidget"  # widgets that only work with a kernel: page bridge, poll notice, keys, key carrier


def without_live_parts(nb: Any) -> None:
    """Turn the saved state of the page's live-only widgets (anywidget: keyboard, polls, the page's link to
    its kernel) into empty HTML widgets: an exported page has no kernel for them, and the widget manager
    beside the page cannot load their JavaScript."""
    saved = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = saved.get("state", {})
    controls = next((m["model_module_version"] for m in models.values()
                     if m.get("model_module") == "@jupyter-widgets/controls"), "2.0.0")
    for model_id, model in models.items():
        if model.get("model_module") == LIVE_MODULE:
            state = {"value": "", "layout": model.get("state", {}).get("layout"), "_dom_classes": []}
            models[model_id] = {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls",
                                "model_module_version": controls,
                                "state": {k: v for k, v in state.items() if v is not None}}


def export(notebook: Path, out: Path, execute: bool = True) -> Path:
    """Run ``notebook`` (saving its widget state) and write ``out/<name>.html``; return that path."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    from triage.content.course import links_as_pages

    if not notebook.is_file():
        raise ExportError(f"{notebook}: no such notebook")
    nb = nbformat.read(notebook, as_version=4)
    if execute:
        with tempfile.TemporaryDirectory(prefix="triage-export-") as store:
            # a first visit: no one's stored answers, and no one's name, on a page that may be shared
            env = {**os.environ, "TRIAGE_CLASS_DB": str(Path(store) / "class.db"), "TRIAGE_STUDENT": EXPORT_NAME}
            NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True,
                           resources={"metadata": {"path": str(notebook.parent)}}).execute(env=env)
    without_live_parts(nb)
    exporter = HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)])
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    body = links_as_pages(body)  # the lessons' links lead to their pages exported beside this one
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"{notebook.stem}.html"
    page.write_text(body, encoding="utf-8")
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="the notebooks to export")
    parser.add_argument("--fetch-only", action="store_true", help="only fetch the widget manager into the cache")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "export", help="folder for the pages")
    parser.add_argument("--no-execute", action="store_true",
                        help="export the notebooks as saved (their apps show only if their widget state was saved)")
    args = parser.parse_args(argv)
    if not args.notebooks and not args.fetch_only:
        parser.error("name at least one notebook")
    try:
        dist = widget_manager(cache_dir())
        if args.fetch_only:
            print(f"widget manager in {dist}")
            return 0
        vendor(dist, args.out)
        for notebook in args.notebooks:
            page = export(notebook, args.out, execute=not args.no_execute)
            print(f"wrote {page}")
    except ExportError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
