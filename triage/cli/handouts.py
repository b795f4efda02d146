"""``python -m triage handouts``: write the printable handouts (see :mod:`triage.outputs.handouts.build`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..content.cases import load_cases
from ..errors import HandoutError, Problem
from ..outputs.handouts.build import build_handouts
from ..outputs.handouts.render import PAPERS


def _handouts(args: argparse.Namespace) -> int:
    cases = load_cases()
    numbers = {c.id: i for i, c in enumerate(cases, start=1)}  # the same number in full and --case runs
    if args.case:
        ids = {c.id for c in cases}
        unknown = [c for c in args.case if c not in ids]
        if unknown:
            raise HandoutError(Problem("--case", f"no case with id {', '.join(map(repr, unknown))}; valid ids: "
                                       + ", ".join(sorted(ids))))
        cases = [c for c in cases if c.id in set(args.case)]
    result = build_handouts(cases, Path(args.out), PAPERS[args.paper], pdf=not args.html_only,
                            combined=not args.case, stage_pages=args.stage_pages, numbers=numbers)
    kinds = "HTML" if args.html_only else "HTML and PDF"
    print(f"wrote {len(result.files)} files ({kinds}, {result.paper.label}) for {len(result.cases)} case(s) "
          f"to {result.out_dir}/ in {result.seconds:.1f} s")
    if not args.case:
        print(f"start with {result.out_dir}/class_index.html")
    else:
        for case_id, sheet in zip(result.cases, result.sheets, strict=True):
            print(f"{case_id}: student sheet {sheet}, instructor key {case_id}-key")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``handouts`` command to the CLI."""
    p = sub.add_parser("handouts", help="write printable student sheets, instructor keys and a reference card",
                       description="Student sheets (case-NN.pdf, numbered: an id names the case's twist), instructor "
                                   "keys (<id>-key.pdf), the reference card "
                                   "and, for all cases, combined files and an index; HTML beside every PDF.")
    p.add_argument("--case", action="append", metavar="ID", help="only this case (repeatable); default: all cases")
    p.add_argument("--paper", choices=sorted(PAPERS), default="a4", help="paper size (default: a4)")
    p.add_argument("--out", default="handouts", metavar="DIR", help="output folder (default: handouts)")
    p.add_argument("--html-only", action="store_true", help="write HTML only (no browser needed)")
    p.add_argument("--stage-pages", action="store_true",
                   help="start every stage of a student sheet on a new page, to hand stages out one at a time")
    p.set_defaults(run=_handouts)
