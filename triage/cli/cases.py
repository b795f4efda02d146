"""Case-study sub-commands: ``validate``, ``new-case``, ``coverage`` and ``export-quiz``."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ..content import course_folder
from ..content.cases import (
    CASES_DIR,
    case_files,
    cases_dir,
    coverage,
    load_cases,
    load_targets,
    targets_path,
    validate_paths,
)
from ..errors import CaseError, Problem
from ..outputs.quiz import case_quiz, quiz_by_case

EXIT_PROBLEMS = 1
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _validate(args: argparse.Namespace) -> int:
    files = case_files(args.paths or None)
    problems = validate_paths(files)
    for p in problems:
        print(p)
    bad_files = {p.file for p in problems}
    print(f"{len(files) - len(bad_files)} of {len(files)} case files valid; {len(problems)} problem(s).",
          file=sys.stderr)
    return EXIT_PROBLEMS if problems else 0


def _new_case(args: argparse.Namespace) -> int:
    if not _NAME.match(args.name):
        message = f"{args.name!r} must be lower-case words joined by hyphens, e.g. hip-pain-runner"
        raise CaseError(Problem("NAME", message))
    directory = cases_dir()
    if course_folder.BUNDLED in directory.resolve().parents:
        raise CaseError(Problem("NAME", "the case studies here are the installed package's own copy; write new cases "
                                        "in a course folder of your own: make a folder with a case_studies/ folder "
                                        "in it, set TRIAGE_COURSE_DIR to that folder, and run new-case again",
                                str(directory)))
    target = directory / f"{args.name}.yaml"
    if target.exists():
        raise CaseError(Problem("NAME", "a case with this name exists already; choose another name", str(target)))
    own = directory / "_template.yaml"
    template = (own if own.exists() else CASES_DIR / "_template.yaml").read_text(encoding="utf-8")
    target.write_text(template.replace("CASE_ID", args.name), encoding="utf-8")
    print(f"wrote {target}; edit it, then run: python -m triage validate {target}")
    return 0


def _export_quiz(args: argparse.Namespace) -> int:
    cases = load_cases()
    if args.case:
        chosen = [c for c in cases if c.id == args.case]
        if not chosen:
            raise CaseError(Problem("--case", f"no case with id {args.case!r}; see python -m triage validate"))
        out: object = case_quiz(chosen[0])
    else:
        out = quiz_by_case(cases)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


COVERAGE_BLOCK = re.compile(r"(<!-- coverage:start -->\n).*?(<!-- coverage:end -->)", re.S)
# The page of the documentation that shows the matrix (the tests keep it current).
COVERAGE_PAGE = "docs/authoring/coverage.md"


def _coverage(args: argparse.Namespace) -> int:
    cov = coverage(load_cases(), load_targets(args.targets or targets_path()))
    table = cov.to_markdown()
    if not args.page:
        print(table, end="")
    else:
        page = Path(args.page)
        try:
            text = page.read_text(encoding="utf-8")
        except OSError as exc:
            raise CaseError(Problem("--page", f"cannot read the page: {exc.strerror}", str(page))) from exc
        if not COVERAGE_BLOCK.search(text):
            raise CaseError(Problem("--page", "no <!-- coverage:start --> ... <!-- coverage:end --> block",
                                    str(page)))
        page.write_text(COVERAGE_BLOCK.sub(lambda m: m.group(1) + table + m.group(2), text), encoding="utf-8")
        print(f"updated the coverage matrix in {page}")
    short = cov.shortfalls()
    for line in short:
        print(f"below minimum: {line}", file=sys.stderr)
    if short:
        print(f"{len(short)} target(s) missed; minimums are in {cov.targets.source if cov.targets else '?'}",
              file=sys.stderr)
    return EXIT_PROBLEMS if short else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the case-study commands to the CLI."""
    p = sub.add_parser("validate", help="check case files: schema, ids, engine agreement (exit 1 on problems)")
    p.add_argument("paths", nargs="*", help="case files or directories (default: the case_studies folder)")
    p.set_defaults(run=_validate)
    p = sub.add_parser("new-case",
                       help="write a staged case skeleton (TODOs mark what to write) to case_studies/NAME.yaml")
    p.add_argument("name", metavar="NAME", help="case id, lower-case words joined by hyphens")
    p.set_defaults(run=_new_case)
    p = sub.add_parser("coverage", help="print the case coverage matrix beside its minimums (exit 1 below any)")
    p.add_argument("--page", nargs="?", const=COVERAGE_PAGE, metavar="FILE",
                   help=f"rewrite the matrix block in FILE (default: {COVERAGE_PAGE})")
    p.add_argument("--targets", metavar="FILE", help="minimums file (default: _coverage.yaml in the case folder)")
    p.set_defaults(run=_coverage)
    p = sub.add_parser("export-quiz", help="print case questions as jupyterquiz JSON, one list per case")
    p.add_argument("--case", metavar="ID", help="only this case: print its question list")
    p.set_defaults(run=_export_quiz)
