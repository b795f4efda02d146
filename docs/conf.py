"""Sphinx configuration for the triage documentation (built by `make docs`, checked in `make test`).

Everything the site needs is local: the theme's own assets, no CDN fonts, scripts or MathJax, no
intersphinx. tests/integration/test_docs.py builds it with the network cut off and fails on any
external asset URL in the output.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from sphinx.application import Sphinx

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

from pages import sync_lessons  # noqa: E402 (after the path)

project = "triage"
author = "the triage contributors"
copyright = "the triage contributors"

extensions = [
    "myst_nb",  # MyST Markdown (myst-parser) and the notebooks
    "pages",  # docs/_ext/pages.py: {page} links to pages that other parts of the project add
]

# --- sources --------------------------------------------------------------------------------------
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "_ext"]
root_doc = "index"
# Section overviews list their pages in a toctree with `:optional:` (docs/_ext/pages.py): one glob
# each in reading order, closed by "*"; a page not written yet leaves its glob empty, silently.
nitpicky = True

# --- MyST -----------------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # [text](page.md#a-heading) works for headings down to ###

# --- notebooks ------------------------------------------------------------------------------------
# The lessons live in notebooks/ (the course folder the servers serve). Sphinx reads one source folder
# and resolves links through symbolic links to their real place, so the notebooks are copied into
# docs/lessons/ (git-ignored) before the build reads them; lessons/index.md lists them.
sync_lessons(ROOT / "notebooks", DOCS / "lessons")
# The student lessons are run while the site is built, so their pages show what the checked cells
# print and, for each app, the HTML the app offers as a fallback beside its widget (the page has no
# kernel; the widget itself would need the widget JavaScript, which myst-nb loads from public CDNs).
# A cell that fails fails the build. The instructor lessons are shown as stored: their apps show a
# class's answers, and a reader has none.
nb_execution_mode = "force"
nb_execution_excludepatterns = ["lessons/06_*.ipynb", "lessons/07_*.ipynb"]
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 120
# Apps run in a kernel of the build with a class store of their own, thrown away afterwards, never
# the class store of the machine (see setup below).
# HTML before the widget view, and no JavaScript outputs: what the page can show without a kernel.
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", 95),
    ("html", "application/javascript", None),
]
# myst-nb would otherwise load require.js and the widget manager from public CDNs on pages whose
# notebook stores widget state.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
nb_merge_streams = True

# --- HTML -----------------------------------------------------------------------------------------
html_theme = "furo"
html_title = "Back & hip pain triage"
html_short_title = "triage"
html_static_path = ["_static"]
html_css_files = ["triage-docs.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "navigation_with_keys": True,
    # every page, the lessons included, carries the notice (the apps' own notice needs a kernel)
    "announcement": "<strong>Educational use only.</strong> This suite teaches how care for back and hip "
                    "pain is organised; it does not diagnose anyone.",
}


def setup(app: Sphinx) -> None:
    """Run the lessons' kernels (they inherit this environment) apart from the machine's own state.

    A throwaway class store, so that no answer lands in the machine's; a throwaway IPython folder, so
    that a profile's start-up files cannot change a lesson's output, and the kernel logs errors only
    (over TCP on loopback it warns about an unencrypted connection at every start). Removed at the end.
    """
    scratch = Path(tempfile.mkdtemp(prefix="triage-docs-"))
    os.environ["TRIAGE_CLASS_DB"] = str(scratch / "class.db")
    os.environ["TRIAGE_STUDENT"] = "a student"  # not the build machine's account name, on a public page
    profile = scratch / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text('c.IPKernelApp.log_level = "ERROR"\n', encoding="utf-8")
    os.environ["IPYTHONDIR"] = str(scratch / "ipython")
    logging.getLogger("traitlets").setLevel(logging.WARNING)  # nbclient's "Executing notebook with kernel"
    app.connect("build-finished", lambda app, error: shutil.rmtree(scratch, ignore_errors=True))
    app.connect("build-finished", lessons_link_to_pages)


def lessons_link_to_pages(app: Sphinx, error: Exception | None) -> None:
    """The apps in a lesson link to the next notebook (``02_who_to_see.ipynb``); on the site, to its page."""
    from triage.content.course import links_as_pages

    if error is None and app.builder.format == "html":
        for page in (Path(app.outdir) / "lessons").glob("*.html"):
            html = page.read_text(encoding="utf-8")
            if (linked := links_as_pages(html)) != html:
                page.write_text(linked, encoding="utf-8")
