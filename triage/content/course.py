"""The course map: which apps exist, in what order, for whom, and how long each takes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..domain.sources import load_document
from ..errors import KnowledgeError, Problem
from . import DATA

COURSE_FILE = DATA / "course.yaml"
AUDIENCES = ("student", "instructor")
POOLS = ("normal", "small")
FIELDS = {"notebook", "title", "minutes", "audience", "summary"}
OPTIONAL = {"pool"}


@dataclass(frozen=True)
class App:
    notebook: str
    title: str
    minutes: int
    audience: str
    summary: str
    pool: str = "normal"  # "small": few preheated kernels wait for it (see triage/serve/kernels.py)

    @property
    def stem(self) -> str:
        return self.notebook.removesuffix(".ipynb")


def load_course(path: Path = COURSE_FILE) -> tuple[App, ...]:
    """Read the course file; :class:`KnowledgeError` names the file, line and field of any problem."""
    doc = load_document(path, KnowledgeError)
    items = doc.data.get("apps") if isinstance(doc.data, dict) else None
    if not isinstance(items, list) or not items:
        raise KnowledgeError(Problem("apps", "must be a non-empty list of apps", str(path), 1))
    out = []
    for i, item in enumerate(items):
        where = f"apps[{i}]"
        if not isinstance(item, dict) or not FIELDS <= set(item) <= FIELDS | OPTIONAL:
            raise KnowledgeError(Problem(where, f"needs {', '.join(sorted(FIELDS))} (and optionally pool)",
                                         str(path), doc.line_of(where)))
        if item.get("pool", "normal") not in POOLS:
            raise KnowledgeError(Problem(f"{where}.pool", f"is one of {', '.join(POOLS)}", str(path),
                                         doc.line_of(f"{where}.pool")))
        if item["audience"] not in AUDIENCES or not isinstance(item["minutes"], int) or item["minutes"] <= 0:
            raise KnowledgeError(Problem(where, "audience is student or instructor; minutes a positive whole number",
                                         str(path), doc.line_of(where)))
        out.append(App(str(item["notebook"]), str(item["title"]), item["minutes"], item["audience"],
                       str(item["summary"]), str(item.get("pool", "normal"))))
    return tuple(out)


@cache
def course() -> tuple[App, ...]:
    """The shipped course map."""
    return load_course()


def student_apps() -> tuple[App, ...]:
    return tuple(a for a in course() if a.audience == "student")


def next_app(notebook: str) -> App | None:
    """The app after ``notebook`` for the same audience, or None at the end."""
    apps = [a for a in course() if a.audience == next((x.audience for x in course() if x.notebook == notebook),
                                                        "student")]
    names = [a.notebook for a in apps]
    if notebook not in names or names.index(notebook) + 1 >= len(apps):
        return None
    return apps[names.index(notebook) + 1]


def links_as_pages(html: str) -> str:
    """``html`` with every link to a course notebook (``02_who_to_see.ipynb``) turned into a link to its
    page beside it (``02_who_to_see.html``): for lessons read as web pages (an export, the docs site)."""
    names = "|".join(re.escape(app.notebook.removesuffix(".ipynb")) for app in course())
    # in an attribute as written (href="...") or inside saved widget state (href=\"...\")
    return re.sub(rf'(href=\\?["\'])(\./)?({names})\.ipynb(?=[?#"\'\\])', r"\1\2\3.html", html)
