"""Pages that other parts of the project add: links and tables of contents that wait for them.

The section overviews point to detailed pages that land from several branches, and the build must
pass (warnings are errors) before and after they do.

- ``{page}`the live class <live-class>` `` is a link once ``live-class.md`` exists, and the words
  alone until then. Every other link in the site is an ordinary MyST link, checked as usual. Pages
  that use the role are read again on every build, so a page added later turns their words into a
  link without touching them.
- A ``toctree`` with the ``:optional:`` flag (and ``:glob:``) leaves out, silently, the glob patterns
  that match no page not already listed above them; Sphinx would warn about each. A section lists its
  pages one glob each in reading order and ends with ``*`` for any page nobody listed.

It also copies the lessons into the source folder (:func:`sync_lessons`, called by ``conf.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.directives.other import TocTree, glob_re
from sphinx.environment import BuildEnvironment
from sphinx.util import docname_join, url_re
from sphinx.util.docutils import SphinxRole
from sphinx.util.matching import patfilter
from sphinx.util.nodes import explicit_title_re

USERS = "triage_page_role_users"


class PageRole(SphinxRole):
    """``{page}`Title <target>` ``: a ``doc`` link when the target page exists, else the title as text."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        match = explicit_title_re.match(self.text)
        title, target = (match.group(1), match.group(2)) if match else (None, self.text)
        target = target.strip().removesuffix(".md")
        users: set[str] = getattr(self.env, USERS, set())
        users.add(self.env.docname)
        setattr(self.env, USERS, users)
        if docname_join(self.env.docname, target) in self.env.found_docs:
            doc_role = self.env.domains.standard_domain.role("doc")
            if doc_role is None:
                raise RuntimeError("Sphinx's standard domain has no doc role")
            text = f"{title} <{target}>" if title else target
            return doc_role("doc", self.rawtext, text, self.lineno, self.inliner, self.options, self.content)
        return [nodes.inline(self.rawtext, title or target, classes=["triage-page-pending"])], []


class SectionTocTree(TocTree):
    """Sphinx's ``toctree``, plus ``:optional:``: glob patterns that match no (remaining) page are skipped."""

    option_spec: ClassVar[dict[str, Any]] = {**TocTree.option_spec, "optional": directives.flag}

    def parse_content(self, toctree: Any) -> None:
        if "optional" in self.options and toctree["glob"]:
            current = self.env.docname
            remaining = set(self.env.found_docs) - {current}
            kept = []
            for entry in self.content:
                is_pattern = (glob_re.match(entry) and not explicit_title_re.match(entry)
                              and not url_re.match(entry))
                if entry and is_pattern:
                    matches = patfilter(remaining, docname_join(current, entry))
                    if not matches:
                        continue
                    remaining.difference_update(matches)
                elif entry:
                    remaining.discard(docname_join(current, entry.removesuffix(".md")))
                kept.append(entry)
            self.content = StringList(kept, source=self.content.source(0) if self.content else "")
        super().parse_content(toctree)


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _drop_widget_state(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                       doctree: Any) -> None:
    """Leave out the widget state myst-nb embeds for an executed notebook: nothing reads it without the
    widget JavaScript (left out: it comes from CDNs), and it weighs more than the page."""
    files = context.get("script_files")
    if files:
        context["script_files"] = [f for f in files if getattr(f, "attributes", {}).get("type") != WIDGET_STATE]


def _always_read_users(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
                       removed: set[str]) -> list[str]:
    return sorted(getattr(env, USERS, set()) & env.found_docs)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, USERS, set()).discard(docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    setattr(env, USERS, getattr(env, USERS, set()) | getattr(other, USERS, set()))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_role("page", PageRole())
    app.add_directive("toctree", SectionTocTree, override=True)
    app.connect("html-page-context", _drop_widget_state, priority=900)  # after myst-nb adds it
    app.connect("env-get-outdated", _always_read_users)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


def sync_lessons(source: Path, target: Path) -> None:
    """Copy the notebooks of `source` into `target`, keeping their times, and drop copies whose notebook is gone.

    A copy is written only when its bytes differ, so an unchanged notebook is not read again.
    """
    target.mkdir(exist_ok=True)
    wanted = {path.name: path for path in source.glob("*.ipynb")}
    for stale in target.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
    for name, path in wanted.items():
        copy = target / name
        if not copy.exists() or copy.read_bytes() != path.read_bytes():
            shutil.copy2(path, copy)
