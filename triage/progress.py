"""A student's saved answers, kept in a small JSON file that survives kernel restarts (legacy).

The class store (:mod:`triage.store`) replaces this file; :func:`triage.store.legacy.import_legacy_progress`
copies a user's file into it once. The case player uses :class:`ProgressStore` until it moves to the store.

Writes are atomic (write a temporary file in the same folder, then ``os.replace``). A file that
cannot be read is never overwritten: it is moved aside to ``<name>.corrupt-<timestamp>`` and the
problem is reported, so nothing is lost.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem, ProgressError

VERSION = 1


def default_path() -> Path:
    """``$TRIAGE_PROGRESS_FILE`` if set, else ``~/.triage_progress/progress.json`` (one per user)."""
    env = os.environ.get("TRIAGE_PROGRESS_FILE")
    return Path(env) if env else Path.home() / ".triage_progress" / "progress.json"


@dataclass
class Answer:
    chosen: list[str]
    correct: bool


def read_progress(path: Path) -> tuple[dict[str, dict[str, Answer]], dict[str, int]]:
    """The answers and revealed stages in a progress file; :class:`ProgressError` naming the file if unreadable.

    Only reads: the file is never changed or moved here.
    """
    name = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProgressError(Problem("", f"saved progress is not valid JSON ({exc})", name)) from None
    except OSError as exc:
        raise ProgressError(Problem("", f"saved progress cannot be read ({exc.strerror})", name)) from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ProgressError(Problem("version", f"expected a progress file of version {VERSION}", name))
    try:
        answers = {
            str(case): {str(q): Answer([str(c) for c in a["chosen"]], bool(a["correct"])) for q, a in qs.items()}
            for case, qs in data["answers"].items()
        }
        revealed = {str(k): int(v) for k, v in data["revealed"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProgressError(Problem("answers", f"unexpected structure ({exc!r})", name)) from None
    return answers, revealed


@dataclass
class ProgressStore:
    """Answers per case and question, plus how many stages of each case were revealed."""

    path: Path = field(default_factory=default_path)
    answers: dict[str, dict[str, Answer]] = field(default_factory=dict)
    revealed: dict[str, int] = field(default_factory=dict)
    warning: str | None = None

    @classmethod
    def open(cls, path: str | Path | None = None) -> ProgressStore:
        """Load the file if it exists; a corrupt file is moved aside and reported in ``warning``."""
        store = cls(Path(path) if path else default_path())
        store.reload()
        return store

    def reload(self) -> None:
        """Re-read the file (another tab or kernel may have written it since)."""
        if not self.path.exists():
            return
        try:
            self._load()
        except ProgressError as exc:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(self.path, aside)
            self.answers, self.revealed = {}, {}
            self.warning = f"{exc} - the unreadable file was kept as {aside}; starting a fresh record."

    def _load(self) -> None:
        self.answers, self.revealed = read_progress(self.path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "answers": {
                case: {q: {"chosen": a.chosen, "correct": a.correct} for q, a in qs.items()}
                for case, qs in self.answers.items()
            },
            "revealed": self.revealed,
        }

    def save(self) -> None:
        """Write atomically: a crash mid-write leaves the previous file intact."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_dict(), fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def record(self, case_id: str, question_id: str, chosen: list[str], correct: bool) -> None:
        """Save one answer on top of what is on disk now, so two open tabs do not undo each other."""
        self.reload()
        self.answers.setdefault(case_id, {})[question_id] = Answer(sorted(chosen), correct)
        self.save()

    def set_revealed(self, case_id: str, stages: int) -> None:
        self.reload()
        self.revealed[case_id] = stages
        self.save()

    def score(self, case_id: str) -> tuple[int, int]:
        """(correct, answered) for one case."""
        qs = self.answers.get(case_id, {})
        return sum(a.correct for a in qs.values()), len(qs)
