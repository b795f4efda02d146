"""Coverage of the case library: what its stages reach (next steps, red flags, history ids, levels, tags)
beside the minimums in ``_coverage.yaml``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...domain.engine import assess
from ...domain.knowledge import knowledge
from ...domain.model import History, NextStep
from ...domain.sources import load_document
from ...errors import CaseError, Problem
from .load import CASES_DIR, cases_dir
from .model import LEVELS, TAGS, Case
from .validate import TARGETS_SCHEMA_PATH, load_schema, schema_problems

TARGETS_FILE = "_coverage.yaml"


@dataclass(frozen=True)
class Targets:
    """Minimum counts the library must reach (``case_studies/_coverage.yaml``).

    ``red_flag`` is the minimum for every red flag; ``red_flags`` sets another one for named flags.
    ``history`` is the minimum for every ``history`` id (present at some stage of that many cases).
    """

    next_step: int
    red_flag: int
    tags: dict[str, int]
    answer_changes: int
    level_share: float
    source: str | None = None
    red_flags: dict[str, int] = field(default_factory=dict)
    history: int = 0

    def red_flag_minimum(self, flag: str) -> int:
        return self.red_flags.get(flag, self.red_flag)


def targets_path(directory: str | Path | None = None) -> Path:
    """The targets file of a case directory, else the repository's."""
    own = Path(directory or cases_dir()) / TARGETS_FILE
    return own if own.exists() else CASES_DIR / TARGETS_FILE


def load_targets(path: str | Path | None = None) -> Targets:
    """Read and check a targets file; raise :class:`CaseError` naming file, line and field."""
    doc = load_document(path or targets_path(), CaseError)
    if not isinstance(doc.data, dict):
        raise CaseError(Problem("minimums", "the targets file must be a mapping with a minimums key", doc.path, 1))
    problems = schema_problems(doc, load_schema(TARGETS_SCHEMA_PATH), "targets")
    if problems:
        raise CaseError(problems)
    m = doc.data["minimums"]
    flags = {f.id for f in knowledge().red_flags}
    wrong = []
    for k, v in (m.get("red_flags") or {}).items():
        where = f"minimums.red_flags.{k}"
        if k not in flags:
            wrong.append(Problem(where, f"unknown red flag; valid: {', '.join(sorted(flags))}", doc.path,
                                 doc.line_of(where)))
        elif not isinstance(v, int) or isinstance(v, bool):
            wrong.append(Problem(where, f"{v!r} is not of type 'integer'", doc.path, doc.line_of(where)))
    if wrong:
        raise CaseError(wrong)
    return Targets(m["next_step"], m["red_flag"], dict(m.get("tag", {})), m["answer_changes"],
                   float(m["level_share"]), doc.path, dict(m.get("red_flags", {})), int(m.get("history", 0)))


@dataclass(frozen=True)
class Coverage:
    """What the case library covers, counted from the files and the engine, beside its targets."""

    total: int
    red_flags: dict[str, int]
    next_steps: dict[str, int]
    levels: dict[str, int]
    tags: dict[str, int]
    revising: tuple[str, ...] = ()  # ids of cases whose "where / how urgent" answer changes between stages
    targets: Targets | None = None
    history: dict[str, int] = field(default_factory=dict)  # cases in which each history id is present

    def shortfalls(self) -> list[str]:
        """Every count below its minimum, in words (empty when the library meets its targets)."""
        t = self.targets
        if t is None:
            return []
        out = [f"next step {k}: {v} case(s), minimum {t.next_step}" for k, v in self.next_steps.items()
               if v < t.next_step]
        out += [f"red flag {k}: {v} case(s), minimum {t.red_flag_minimum(k)}" for k, v in self.red_flags.items()
                if v < t.red_flag_minimum(k)]
        out += [f"history {k}: {v} case(s), minimum {t.history}" for k, v in self.history.items()
                if v < t.history]
        out += [f"tag {k}: {self.tags.get(k, 0)} case(s), minimum {n}" for k, n in t.tags.items()
                if self.tags.get(k, 0) < n]
        if len(self.revising) < t.answer_changes:
            out.append(f"cases whose answer changes between stages: {len(self.revising)}, minimum {t.answer_changes}")
        out += [f"level {k}: {v} of {self.total} case(s) ({self._share(v)}), minimum share {t.level_share:.0%}"
                for k, v in self.levels.items() if v < t.level_share * self.total]
        return out

    def _share(self, n: int) -> str:
        return f"{n / self.total:.0%}" if self.total else "0%"

    def to_markdown(self) -> str:
        t = self.targets

        def table(title: str, counts: dict[str, int], minimum: Any) -> list[str]:
            rows = [f"| {title} | cases | minimum |", "|---|---|---|"]
            rows += [f"| `{k}` | {v} | {minimum(k)} |" for k, v in counts.items()]
            return [*rows, ""]

        changes = f"{len(self.revising)} cases change their answer between stages"
        changes += f" (minimum {t.answer_changes})." if t else "."
        lines = [f"{self.total} cases. {changes}", ""]
        if t:
            lines += [f"Minimums come from `{TARGETS_FILE}` beside the cases; `python -m triage coverage` exits 1",
                      "below any. A case counts for a next step or a red flag when some stage of it reaches it, and",
                      "for a history id when some stage's presentation holds it; levels are balanced when each",
                      "holds at least the minimum share of all cases.", ""]
        lines += table("next step", self.next_steps, lambda k: t.next_step if t else "–")
        lines += table("red flag", self.red_flags, lambda k: t.red_flag_minimum(k) if t else "–")
        lines += table("history", self.history, lambda k: t.history if t else "–")
        lines += ["| level | cases | share | minimum share |", "|---|---|---|---|"]
        lines += [f"| `{k}` | {v} | {self._share(v)} | {f'{t.level_share:.0%}' if t else '–'} |"
                  for k, v in self.levels.items()]
        lines.append("")
        lines += table("tag", self.tags, lambda k: t.tags.get(k, "–") if t else "–")
        return "\n".join(lines).rstrip() + "\n"


def coverage(cases: Sequence[Case], targets: Targets | None = None) -> Coverage:
    """Count, per case, the next steps its stages reach, the red flags that fire and the history ids present
    at any stage, levels, tags.

    ``targets`` defaults to the case directory's ``_coverage.yaml``.
    """
    flags: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    history: Counter[str] = Counter()
    for c in cases:
        flags.update({f for s in c.stages for f in assess(s.presentation).red_flags})
        steps.update({s.expected_next_step.value for s in c.stages})
        history.update({h.value for s in c.stages for h in s.presentation.history})
    return Coverage(
        total=len(cases),
        red_flags={f.id: flags[f.id] for f in knowledge().red_flags},
        next_steps={s.value: steps[s.value] for s in NextStep},
        levels={lv: sum(c.level == lv for c in cases) for lv in LEVELS},
        tags={t: sum(t in c.tags for c in cases) for t in TAGS},
        revising=tuple(c.id for c in cases if c.revises_answer),
        targets=targets if targets is not None else load_targets(),
        history={h.value: history[h.value] for h in History},
    )
