"""Where the course is: the notebooks, the case studies, the Voilà configuration and the page template.

A *course folder* holds ``notebooks/``, ``case_studies/``, ``voila.json`` and ``share/jupyter/`` (the
offline ``triage`` Voilà template), laid out as the repository's top level is. The one in use is, first
found:

1. ``$TRIAGE_COURSE_DIR`` (``python -m triage serve --course DIR`` sets it for the server and its kernels);
2. the source checkout the package is imported from (``pip install -e .``, ``make install``);
3. the copy inside the installed package (``triage/_course/``), which the wheel's build puts there
   from the checkout's top level (``setup.py``).

A course folder of one's own may hold only some of the four; the rest comes from the default (2 or 3),
so an instructor's folder with just ``notebooks/`` and ``case_studies/`` serves with the suite's template.
Nothing here fails at import: the browser's copy of the package (the static site) has no course folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import CourseFolderError, Problem

ENV = "TRIAGE_COURSE_DIR"
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # triage/
BUNDLED = PACKAGE_DIR / "_course"
CHECKOUT = PACKAGE_DIR.parent
# what a course folder may hold, relative to its root (the wheel's build copies exactly these)
NOTEBOOKS = "notebooks"
CASES = "case_studies"
VOILA_CONFIG = "voila.json"
TEMPLATE = "share/jupyter/voila/templates/triage"
PARTS = (NOTEBOOKS, CASES, VOILA_CONFIG, TEMPLATE)


@dataclass(frozen=True)
class CourseFolder:
    """One course folder and where its location came from (for messages)."""

    root: Path
    source: str

    def has(self, part: str) -> bool:
        return (self.root / part).exists()


def _is_checkout(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and (folder / VOILA_CONFIG).is_file() and (folder / NOTEBOOKS).is_dir()


def default_folder() -> CourseFolder | None:
    """The course that came with the code: the checkout's top level, else the installed package's copy."""
    if _is_checkout(CHECKOUT):
        return CourseFolder(CHECKOUT, "the source checkout")
    if (BUNDLED / NOTEBOOKS).is_dir():
        return CourseFolder(BUNDLED, "the installed package")
    return None


def configured_folder(environ: Mapping[str, str] = os.environ) -> CourseFolder | None:
    """``$TRIAGE_COURSE_DIR`` when set; :class:`CourseFolderError` when it holds none of a course's parts."""
    value = environ.get(ENV, "").strip()
    if not value:
        return None
    root = Path(value).expanduser().resolve()
    if not root.is_dir():
        raise CourseFolderError(Problem(ENV, "is not a folder; point it at a course folder "
                                             f"(with {NOTEBOOKS}/ and {CASES}/)", str(root)))
    folder = CourseFolder(root, ENV)
    if not any(folder.has(part) for part in PARTS):
        raise CourseFolderError(Problem(ENV, f"holds none of {', '.join(PARTS)}; "
                                             "a course folder is laid out like the repository's top level", str(root)))
    return folder


def folders() -> list[CourseFolder]:
    """The course folders in the order they are searched: the configured one, then the default."""
    return [f for f in (configured_folder(), default_folder()) if f is not None]


def find(part: str) -> Path | None:
    """``part`` (one of :data:`PARTS`) from the first course folder that has it."""
    for folder in folders():
        if folder.has(part):
            return folder.root / part
    return None


def notebooks_dir() -> Path | None:
    """The folder of notebooks to serve."""
    return find(NOTEBOOKS)


def default_cases_dir() -> Path | None:
    """The case studies that came with the code (ignores ``$TRIAGE_COURSE_DIR``)."""
    folder = default_folder()
    return folder.root / CASES if folder and folder.has(CASES) else None


def cases_dir() -> Path | None:
    """The case studies: the configured folder's, else the default course's."""
    return find(CASES)


def config_dirs() -> list[Path]:
    """Folders to read ``voila.json`` from, the one that wins first."""
    return [f.root for f in folders() if f.has(VOILA_CONFIG)]


def jupyter_paths() -> list[Path]:
    """``share/jupyter`` folders holding the ``triage`` template, the one that wins first."""
    return [f.root / "share" / "jupyter" for f in folders() if f.has(TEMPLATE)]
