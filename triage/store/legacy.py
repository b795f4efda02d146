"""One-time import of the old per-user progress file (``~/.triage_progress/progress.json``) into the store.

Before the class store, the case player kept one JSON file per OS user (:mod:`triage.store.progress_file`). A
JupyterLab user's answers and revealed stages move into the store the first time their page opens:

    from triage.store.legacy import import_legacy_progress
    if learner.source == "os":
        import_legacy_progress(store, learner)   # ProgressError (names the file) if it cannot be read

Once per learner and file (the store keeps a marker, in the same transaction as the records, so a
crash half-way imports nothing and the next page imports all). The file itself is never changed,
moved or deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from .identity import Learner
from .progress_file import default_path, read_progress


@dataclass(frozen=True)
class LegacyProgress:
    """The content of an old progress file: answers by (case, question), revealed stages by case."""

    answers: Mapping[tuple[str, str], tuple[Sequence[str], bool]]
    revealed: Mapping[str, int]
    at: float  # when the answers were given, at the latest (the file's modification time)


@runtime_checkable
class LegacyImportTarget(Protocol):
    """A store that can keep the once-only marker (SQLite, PostgreSQL, memory; not a remote service)."""

    def import_legacy(self, learner: Learner, source: str, load: Callable[[], LegacyProgress]) -> int: ...


def load_legacy(path: Path) -> LegacyProgress:
    """Read an old progress file (raises :class:`~triage.errors.ProgressError` naming it when unreadable)."""
    answers, revealed = read_progress(path)
    flat = {(case, q): (a.chosen, a.correct) for case, qs in answers.items() for q, a in qs.items()}
    return LegacyProgress(flat, revealed, path.stat().st_mtime)


def import_legacy_progress(store: object, learner: Learner, path: str | Path | None = None) -> int:
    """Copy the old progress file's answers and revealed stages into ``store`` under ``learner``, once.

    ``path`` defaults to ``$TRIAGE_PROGRESS_FILE`` or ``~/.triage_progress/progress.json``. An answer is
    added only where the learner has none for that question in the store (the store's is newer);
    revealed stages only grow. Returns how many answers and revealed-stage entries were added: 0 when
    there is no file, it was imported before, or the store cannot keep the marker (a remote service).
    An unreadable file raises :class:`~triage.errors.ProgressError` naming it; nothing is imported
    and no marker is written, so the file is imported once it is fixed.
    """
    source = Path(path) if path else default_path()
    if not source.is_file() or not isinstance(store, LegacyImportTarget):
        return 0
    return store.import_legacy(learner, str(source.resolve()), lambda: load_legacy(source))
