"""Reading the JSON progress file that earlier versions kept per OS user (``~/.triage_progress/progress.json``).

The class store (:mod:`triage.store`) replaced the file; :func:`triage.store.legacy.import_legacy_progress`
copies a user's answers into it once and leaves the file where it is. Nothing here writes or moves it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, ProgressError

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
