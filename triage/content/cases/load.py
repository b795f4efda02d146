"""Finding and loading the case files: a folder of YAML files, each validated; duplicate ids refused."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ...errors import CaseError, Problem
from .. import course_folder
from .model import Case
from .validate import check_case

# the case studies that came with the code (templates and coverage targets fall back to these)
CASES_DIR = Path(os.environ.get("TRIAGE_CASES_DIR") or course_folder.default_cases_dir()
                 or Path(__file__).resolve().parents[3] / "case_studies")


def cases_dir() -> Path:
    """The case directory: ``$TRIAGE_CASES_DIR`` if set, else the course folder's ``case_studies/``
    (:mod:`triage.content.course_folder`)."""
    env = os.environ.get("TRIAGE_CASES_DIR")
    return Path(env) if env else (course_folder.cases_dir() or CASES_DIR)


def load_case(path: str | Path) -> Case:
    """Load one case; raise :class:`CaseError` listing every problem."""
    problems, case = check_case(path)
    if problems or case is None:
        raise CaseError(problems)
    return case


def case_files(paths: Sequence[str | Path] | None = None) -> list[Path]:
    """Case files under the given files/directories (default: the case directory), sorted."""
    out: list[Path] = []
    for p in [Path(x) for x in (paths or [cases_dir()])]:
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml") and not f.name.startswith("_"))
        else:
            out.append(p)
    return out


def _check_files(files: Sequence[Path]) -> tuple[list[Problem], list[Case]]:
    """Every problem in the files, including duplicate ids, and the cases that are valid. Never raises."""
    problems: list[Problem] = []
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for f in files:
        found, case = check_case(f)
        problems += found
        if case is not None:
            if case.id in seen:
                problems.append(Problem("id", f"duplicate case id {case.id!r} (also in {seen[case.id]})", str(f),
                                        1))
            seen.setdefault(case.id, str(f))
            cases.append(case)
    return problems, cases


def validate_paths(paths: Sequence[str | Path] | None = None) -> list[Problem]:
    """Every problem in the given case files or directories, including duplicate ids. Never raises."""
    return _check_files(case_files(paths))[0]


def load_cases(directory: str | Path | None = None) -> list[Case]:
    """All cases in ``directory`` (default :func:`cases_dir`), sorted by id; raise on any problem."""
    problems, cases = _check_files(case_files([directory] if directory else None))
    if problems:
        raise CaseError(problems)
    return sorted(cases, key=lambda c: c.id)
