"""What the class store holds, turned into reports: one row per student and case, as CSV or a text table.

Used by the class view and by ``python -m triage class report`` alike."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import AnswerRow

CSV_COLUMNS = ("session", "student", "learner", "case", "answered", "correct", "questions")


@dataclass(frozen=True)
class ReportRow:
    """One student and one case in one session: answered and correct questions, out of the case's total."""

    session_id: int
    student: str
    learner_key: str
    case_id: str
    answered: int
    correct: int
    questions: int | None  # None: the case is not in the case library (renamed or removed)


def report_rows(rows: Iterable[AnswerRow], totals: dict[str, int]) -> list[ReportRow]:
    """One row per student and case they answered, sorted by student name then case id."""
    groups: dict[tuple[int, str, str], list[AnswerRow]] = {}
    for row in rows:
        groups.setdefault((row.session_id, row.learner_key, row.case_id), []).append(row)
    out = [
        ReportRow(session, answers[-1].display_name, key, case, len(answers), sum(a.correct for a in answers),
                  totals.get(case))
        for (session, key, case), answers in groups.items()
    ]
    return sorted(out, key=lambda r: (r.student.casefold(), r.learner_key, r.case_id))


def _spreadsheet_safe(text: str) -> str:
    """Typed names go into gradebooks: a leading = + - @ would make a spreadsheet run a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(rows: Sequence[ReportRow], out: object) -> None:
    writer = csv.writer(out, lineterminator="\n")  # type: ignore[arg-type]
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([r.session_id, _spreadsheet_safe(r.student), _spreadsheet_safe(r.learner_key), r.case_id,
                         r.answered, r.correct, "" if r.questions is None else r.questions])


def format_table(rows: Sequence[ReportRow]) -> str:
    header = ("student", "case", "answered", "correct", "questions")
    body = [(r.student, r.case_id, str(r.answered), str(r.correct), "?" if r.questions is None else str(r.questions))
            for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = (c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(b) for b in body)]) + "\n"
