"""Errors raised by the triage package.

Every error the package raises on purpose is a :class:`TriageError`. It carries one or
more :class:`Problem` records, each naming the file (when there is one), the line (when
it is known), the field and what is wrong, so a student or an instructor can fix the
input without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what to do about it."""

    field: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class TriageError(Exception):
    """Base class: one or more problems with an input, each naming its field."""

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        items = [problems] if isinstance(problems, Problem) else list(problems)
        if not items:
            items = [Problem(field="", message="unknown error")]
        self.problems: list[Problem] = items
        super().__init__("\n".join(str(p) for p in items))

    @property
    def file(self) -> str | None:
        return self.problems[0].file

    @property
    def line(self) -> int | None:
        return self.problems[0].line

    @property
    def field(self) -> str:
        return self.problems[0].field


class PresentationError(TriageError):
    """A presentation (the engine's input) is malformed."""


class CaseError(TriageError):
    """A case-study file is malformed or disagrees with the engine."""


class KnowledgeError(TriageError):
    """A knowledge-base data file (providers, red flags, rules) is malformed."""


class ProgressError(TriageError):
    """A student's saved-progress file cannot be read or written."""


class IdentityError(TriageError):
    """A typed display name or class code cannot be used."""


class StoreError(TriageError):
    """The class store cannot be opened, read or written (the message names its location)."""


class StoreUnavailableError(StoreError):
    """The store's location cannot be written (read-only, missing, no permission); apps carry on unsaved."""


class StoreCorruptError(StoreError):
    """The store's file is damaged or is not a triage class database; it is kept, never overwritten."""


class PollClosedError(StoreError):
    """An answer arrived for a poll that is closed or does not exist."""


class AccessDeniedError(StoreError):
    """The caller may not read or write these records (another student's, or the class without the instructor role)."""


class HandoutError(TriageError):
    """Printable handouts cannot be made (unknown case, no browser for PDFs, output not writable)."""


class CourseFolderError(TriageError):
    """The course folder named by ``$TRIAGE_COURSE_DIR`` or ``--course`` cannot be used."""
