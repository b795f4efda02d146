"""The documentation site: built with the network cut off, warnings as errors, every internal link
checked, the student lessons run, and nothing loaded from another host.

One build per module (it runs the student lessons in kernels); the checks read its output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
INSTRUCTOR_LESSONS = {"06_instructor", "07_class_view"}

# The pages the site must have, besides one per lesson (written out here, not read from the site).
PAGES = [
    "index.html", "students/index.html", "lessons/index.html", "teaching/index.html", "teaching/handouts.html",
    "admin/index.html", "authoring/index.html", "authoring/coverage.html", "developer/index.html",
    "developer/architecture.html", "developer/store.html", "developer/docs.html", "developer/decisions/index.html",
    "reference/index.html", "reference/cli.html", "reference/benchmarks.html", "reference/changelog.html",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site offline, as a machine with a class store and a home of its own would."""
    base = tmp_path_factory.mktemp("docs")
    home = base / "home"
    home.mkdir()
    machine_store = base / "machine" / "class.db"
    env = {k: v for k, v in os.environ.items() if k not in {"XDG_DATA_HOME", "TRIAGE_PROGRESS_FILE"}}
    env.update(HOME=str(home), TRIAGE_CLASS_DB=str(machine_store))
    out = base / "html"
    proc = subprocess.run([sys.executable, "-m", "tools.docs", "--offline", "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    return {"out": out, "proc": proc, "home": home, "machine_store": machine_store}


def _built(site) -> Path:
    proc = site["proc"]
    assert proc.returncode == 0, f"the docs build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return site["out"]


def test_the_site_builds_offline_without_a_warning(site):
    _built(site)
    output = site["proc"].stdout + site["proc"].stderr
    warnings = [line for line in output.splitlines() if ": WARNING:" in line or ": ERROR:" in line]
    assert not warnings, "\n".join(warnings)


def test_the_offline_build_has_loopback_and_nothing_else():
    # what `tools.docs --offline` runs the build in: loopback up (the lessons' kernels use it), no route out
    probe = ("import socket, tools.docs as d\n"
             "d.loopback_up()\n"
             "server = socket.create_server(('127.0.0.1', 0))\n"
             "socket.create_connection(server.getsockname(), timeout=5).close()\n"
             "try:\n"
             "    socket.create_connection(('192.0.2.1', 80), timeout=5)\n"
             "except OSError as exc:\n"
             "    print('refused', exc.errno)\n"
             "else:\n"
             "    print('reached the outside')\n")
    from tools.docs import offline_prefix

    proc = subprocess.run([*offline_prefix(), sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("refused"), proc.stdout


def test_every_section_and_lesson_has_its_page(site):
    out = _built(site)
    lessons = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert len(lessons) >= 8
    missing = [page for page in [*PAGES, *(f"lessons/{name}.html" for name in lessons)] if not (out / page).is_file()]
    assert not missing, missing
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "Educational use only" in home
    for section in ("students/index.html", "teaching/index.html", "admin/index.html", "authoring/index.html",
                    "developer/index.html"):
        assert f'href="{section}"' in home, f"the home page does not link {section}"


def _code_cells(notebook: Path) -> list[dict]:
    return [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


def test_the_student_lessons_ran_and_the_instructor_lessons_are_shown_as_stored(site):
    out = _built(site)
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        page = (out / "lessons" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        outputs = page.count('class="cell_output')
        cells = _code_cells(notebook)
        if notebook.stem in INSTRUCTOR_LESSONS:
            stored = sum(1 for c in cells if c.get("outputs"))
            assert outputs == stored, f"{notebook.name}: {outputs} outputs shown, {stored} stored"
        else:
            # every code cell of a student lesson prints or shows an app
            assert outputs == len(cells), f"{notebook.name}: {outputs} outputs for {len(cells)} code cells"
        assert "application/vnd.jupyter.widget-state+json" not in page, f"{notebook.name}: widget state embedded"
    start = (out / "lessons" / "00_start_here.html").read_text(encoding="utf-8")
    assert "Urgency: routine." in start


def test_the_build_never_touches_the_machines_class_store(site):
    _built(site)
    assert not site["machine_store"].exists()
    assert not site["machine_store"].parent.exists()
    assert not (site["home"] / ".local" / "share" / "triage").exists()


# --- pages that other parts of the project add ---------------------------------------------------------

PAGE_ROLE = re.compile(r"\{page\}`([^`<]+?)\s*<([^`>]+)>`")


def test_page_links_are_links_exactly_when_their_page_exists(site):
    out = _built(site)
    seen = 0
    for source in sorted((ROOT / "docs").rglob("*.md")):
        if "lessons" in source.parts:
            continue
        built = (out / source.relative_to(ROOT / "docs")).with_suffix(".html")
        html = built.read_text(encoding="utf-8")
        text = re.sub(r"``.+?``", "", source.read_text(encoding="utf-8"))  # examples in code spans
        for title, target in PAGE_ROLE.findall(text):
            seen += 1
            title = " ".join(title.split())
            page = (source.parent / target).resolve().relative_to(ROOT / "docs")
            if (ROOT / "docs" / page).with_suffix(".md").exists():
                href = os.path.relpath(out / page.with_suffix(".html"), built.parent)
                link = rf'href="{re.escape(href)}"[^>]*>(?:<[^>]+>)*{re.escape(title)}'
                assert re.search(link, html), (source, target)
            else:
                assert f'<span class="triage-page-pending">{title}</span>' in html, (source, target)
    assert seen >= 5


def test_the_page_role_and_optional_globs_on_a_small_site(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(f"import sys\nsys.path.insert(0, {str(ROOT / 'docs' / '_ext')!r})\n"
                                 "extensions = ['myst_parser', 'pages']\nnitpicky = True\n", encoding="utf-8")
    (src / "index.md").write_text("# Home\n\nSee {page}`the other page <other>` and {page}`a later page <later>`.\n\n"
                                  "```{toctree}\n:glob:\n:optional:\n\nlater*\nother*\n*\n```\n", encoding="utf-8")
    (src / "other.md").write_text("# Other\n", encoding="utf-8")
    (src / "zeta.md").write_text("# Zeta\n", encoding="utf-8")
    out = tmp_path / "html"
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q", str(src),
                           str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    home = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="other.html"[^>]*>(?:<[^>]+>)*the other page', home)
    assert '<span class="triage-page-pending">a later page</span>' in home
    # the toctree lists the pages in the order of their globs, then the rest
    assert home.index('href="other.html"', home.index("toctree-wrapper")) < home.index('href="zeta.html"')
    # without :optional:, Sphinx's own toctree still warns about an empty glob (the flag is what silences it)
    (src / "index.md").write_text("# Home\n\n```{toctree}\n:glob:\n\nlater*\n*\n```\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-b", "html", "-W", "--keep-going", "-q", str(src),
                           str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "didn't match any documents" in proc.stderr


# --- external assets -----------------------------------------------------------------------------------

ASSET_ATTRIBUTES = {
    "script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"), "iframe": ("src",),
    "embed": ("src",), "object": ("data",), "video": ("src", "poster"), "audio": ("src",), "track": ("src",),
    "input": ("src",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
}
# <link> loads what it names (stylesheets, icons, fonts, preloads), except these
LINK_NOT_LOADED = {"canonical", "alternate", "author", "license", "help", "search", "next", "prev", "index"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.I)


def _external(url: str) -> bool:
    url = url.strip()
    return url.startswith("//") or urlsplit(url).scheme in {"http", "https", "ftp", "ws", "wss"}


def _css_urls(text: str) -> list[str]:
    return [a or b for a, b in CSS_URL.findall(text)]


class _AssetFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        names = list(ASSET_ATTRIBUTES.get(tag, ()))
        if tag == "link" and not (set(values.get("rel", "").lower().split()) & LINK_NOT_LOADED):
            names.append("href")
        for name in names:
            for url in (part.strip().split(" ")[0] for part in values.get(name, "").split(",")):
                if url and _external(url):
                    self.found.append(f"<{tag} {name}={url}>")
        self.found += [f"style url {u}" for u in _css_urls(values.get("style", "")) if _external(u)]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [f"<style> {u}" for u in _css_urls(data) if _external(u)]


def external_assets(folder: Path) -> list[str]:
    """Every asset a page or stylesheet in ``folder`` would fetch from another host."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".html":
            finder = _AssetFinder()
            finder.feed(path.read_text(encoding="utf-8"))
            found += [f"{path.relative_to(folder)}: {item}" for item in finder.found]
        elif path.suffix == ".css":
            found += [f"{path.relative_to(folder)}: {u}" for u in _css_urls(path.read_text(encoding="utf-8"))
                      if _external(u)]
    return found


def test_the_asset_check_finds_each_kind_of_outside_asset(tmp_path):
    (tmp_path / "page.html").write_text(
        '<html><head><script src="https://cdn.example/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example/css">'
        '<link rel="canonical" href="https://example.org/page.html">'
        '<style>@import "https://fonts.example/a.css"; body { background: url(https://img.example/b.png) }</style>'
        '</head><body><img srcset="local.png 1x, https://img.example/c.png 2x">'
        '<a href="https://example.org/">a link loads nothing</a>'
        '<div style="background-image: url(\'http://img.example/d.png\')"></div>'
        '<script src="_static/local.js"></script><img src="data:image/png;base64,AAAA"></body></html>',
        encoding="utf-8")
    (tmp_path / "style.css").write_text("@font-face { src: url(https://fonts.example/f.woff2) }\n"
                                        "a { background: url('../local.svg') }\n", encoding="utf-8")
    found = external_assets(tmp_path)
    assert len(found) == 7, found
    for needle in ("cdn.example/x.js", "fonts.example/css", "fonts.example/a.css", "img.example/b.png",
                   "img.example/c.png", "img.example/d.png", "fonts.example/f.woff2"):
        assert any(needle in item for item in found), needle


def test_no_page_loads_anything_from_another_host(site):
    out = _built(site)
    assert not external_assets(out)


def test_every_link_between_pages_of_the_site_leads_to_a_page(site):
    """Relative links anywhere in the built pages (the apps' own "Next" and "All apps" links in the lessons
    included) lead to a file of the site; and no page names the build machine's account."""
    out = _built(site)
    dead = []
    for page in sorted(out.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"#?]+)[^"]*"', html):
            if urlsplit(href).scheme or href.startswith(("//", "mailto:")):
                continue
            if not (page.parent / href).resolve().exists():
                dead.append(f"{page.relative_to(out)} -> {href}")
        assert f"Answering as <strong>{os.environ.get('USER') or 'root'}</strong>" not in html, page
    assert not dead, "\n".join(dead[:30])
