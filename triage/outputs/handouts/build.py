"""Write the handouts of a set of cases: HTML always, PDF through one Chromium, named by case id.

Layout of the output folder (``handouts/`` by default)::

    case-NN.html  case-NN.pdf      student sheet, by the case's number (an id names the case's twist)
    <id>-key.html  <id>-key.pdf    instructor key (it and the index give each sheet's number)
    reference_card.html/.pdf       the one-page reference card
    all_student_sheets.html/.pdf   every student sheet in one file   (full runs only)
    all_keys.html/.pdf             every instructor key in one file  (full runs only)
    class_index.html               what was written, with links      (full runs only)

Case ids are lower-case words joined by hyphens, so the underscored names cannot clash with a case, and
a key's name ends in ``-key``, so it cannot clash with a numbered sheet.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...content.cases import Case
from ...errors import HandoutError, Problem
from .content import CaseView, case_views
from .pdf import PdfPrinter
from .render import A4, Paper, render_card, render_cases, render_index, render_key, render_student

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CARD = "reference_card"
ALL_STUDENTS = "all_student_sheets"
ALL_KEYS = "all_keys"
INDEX = "class_index.html"


@dataclass(frozen=True)
class BuildResult:
    """What a run wrote."""

    out_dir: Path
    paper: Paper
    cases: tuple[str, ...]
    files: tuple[Path, ...]
    seconds: float
    sheets: tuple[str, ...] = ()  # each case's student sheet name (no extension), in the order of ``cases``


def _check_names(cases: Sequence[Case]) -> None:
    problems = []
    ids = {c.id for c in cases}
    for c in cases:
        if not _ID.match(c.id):
            problems.append(Problem("id", f"{c.id!r} cannot name a handout file; use lower-case words joined "
                                    "by hyphens", c.source))
        elif c.id.endswith("-key") and c.id[: -len("-key")] in ids:
            problems.append(Problem("id", f"{c.id!r} would overwrite the instructor key of "
                                    f"{c.id[: -len('-key')]!r}; rename one case", c.source))
    if len(ids) != len(cases):
        problems.append(Problem("id", "two cases share an id; each needs its own file name"))
    if problems:
        raise HandoutError(problems)


def _write(path: Path, data: bytes | str) -> Path:
    """Write atomically (a reader never sees half a file); errors name the path."""
    part = path.with_name(path.name + ".part")
    try:
        if isinstance(data, str):
            part.write_text(data, encoding="utf-8")
        else:
            part.write_bytes(data)
        os.replace(part, path)
    except OSError as exc:
        raise HandoutError(Problem("--out", f"cannot write {path.name}: {exc.strerror or exc}",
                                   str(path.parent))) from None
    return path


class _Writer:
    """Writes each document as HTML and, with a printer, as PDF."""

    def __init__(self, out_dir: Path, paper: Paper, printer: PdfPrinter | None) -> None:
        self.out_dir, self.paper, self.printer = out_dir, paper, printer
        self.files: list[Path] = []

    def document(self, stem: str, html: str) -> None:
        self.files.append(_write(self.out_dir / f"{stem}.html", html))
        if self.printer is not None:
            pdf = self.printer.pdf(html, self.paper)
            self.files.append(_write(self.out_dir / f"{stem}.pdf", pdf))


def _write_all(views: Sequence[CaseView], writer: _Writer, *, combined: bool, stage_pages: bool) -> None:
    paper = writer.paper
    for v in views:
        writer.document(v.sheet, render_student(v, paper, stage_pages))
        writer.document(f"{v.id}-key", render_key(v, paper))
    writer.document(CARD, render_card(paper))
    if combined:
        writer.document(ALL_STUDENTS, render_cases(views, key=False, paper=paper, stage_pages=stage_pages,
                                                   title=f"Student sheets: {len(views)} cases"))
        writer.document(ALL_KEYS, render_cases(views, key=True, paper=paper,
                                               title=f"Instructor keys: {len(views)} cases"))
        html = render_index(views, paper, combined=True, pdf=writer.printer is not None)
        writer.files.append(_write(writer.out_dir / INDEX, html))


def build_handouts(cases: Sequence[Case], out_dir: str | Path = "handouts", paper: Paper = A4, *,
                   pdf: bool = True, combined: bool = True, stage_pages: bool = False,
                   printer: PdfPrinter | None = None, numbers: Mapping[str, int] | None = None) -> BuildResult:
    """Write student sheets, instructor keys and the reference card for ``cases`` into ``out_dir``.

    ``combined`` adds one file of every student sheet, one of every key and an index; ``stage_pages``
    starts each stage of a student sheet on a new page (to hand stages out one at a time). PDFs use
    ``printer`` when given (so several runs can share one browser), else one started for this run.
    ``numbers`` (case id -> number) numbers the student sheets; by default the cases' order, from 1.
    """
    start = time.perf_counter()
    if not cases:
        raise HandoutError(Problem("cases", "no cases to print"))
    _check_names(cases)
    views = case_views(cases, numbers)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HandoutError(Problem("--out", f"cannot create the folder: {exc.strerror or exc}", str(out))) from None
    if pdf and printer is None:
        with PdfPrinter() as own:
            writer = _Writer(out, paper, own)
            _write_all(views, writer, combined=combined, stage_pages=stage_pages)
    else:
        writer = _Writer(out, paper, printer if pdf else None)
        _write_all(views, writer, combined=combined, stage_pages=stage_pages)
    return BuildResult(out, paper, tuple(v.id for v in views), tuple(writer.files), time.perf_counter() - start,
                       tuple(v.sheet for v in views))
