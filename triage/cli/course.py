"""``python -m triage course``: where the course being served comes from, and a copy of it to edit."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from ..content import course_folder
from ..errors import CourseFolderError, Problem

SKIP = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")


def _course(args: argparse.Namespace) -> int:
    if args.copy:
        return _copy(Path(args.copy))
    for part in course_folder.PARTS:
        found = course_folder.find(part)
        source = next((f.source for f in course_folder.folders() if found and found == f.root / part), "")
        print(f"{part:<40} {found or 'missing'}" + (f"  ({source})" if source else ""))
    return 0


def _copy(target: Path) -> int:
    if target.exists() and any(target.iterdir()):
        raise CourseFolderError(Problem("--copy", "exists and is not empty; choose a new folder", str(target)))
    for part in course_folder.PARTS:
        found = course_folder.find(part)
        if found is None:
            continue
        dest = target / part
        if found.is_dir():
            shutil.copytree(found, dest, ignore=SKIP)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(found, dest)
    print(f"copied the course to {target}; serve it with: python -m triage serve --course {target}\n"
          f"(or set TRIAGE_COURSE_DIR={target.resolve()} for every command)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("course", help="show where the course (notebooks, cases, Voila settings, template) comes "
                                      "from; --copy DIR copies it into a folder of your own to edit")
    p.add_argument("--copy", metavar="DIR", help="copy the course in use into DIR (new or empty)")
    p.set_defaults(run=_course)
