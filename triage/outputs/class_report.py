"""The instructor's results, built from one session's :class:`~triage.store.ClassRecord`.

One report feeds the class view, ``python -m triage class report`` and the CSV files, so the three
always agree:

- **who answered what**: every case answer (the first and, after a retry, the last), poll answer and
  drill answer with the option chosen, named by case title and question (:class:`AnswerLine`, the
  ``answers`` CSV);
- **a summary per student**: per case "answered / asked" out of the case's questions and how many
  were right; polls answered out of the polls opened; drill scenarios answered out of the drill's
  (:class:`StudentSummary`, the ``summary`` CSV);
- **each poll**: its question, options, who chose what and when (:class:`PollResult`);
- **item analysis** per question: share right first time, how many were right only after a retry, the
  wrong option chosen most, who under-triaged at first, and the discrimination index between the top and
  bottom thirds of the class (:class:`ItemStats`, the ``items`` CSV). ``docs/teaching/results.md``
  defines it with a worked example.

Case questions and drill scenarios are scored by each student's **first** answer: both apps show the
right answer straight after a check, so a later answer says less about what the student knew.

What a question asks comes from a :class:`Catalog` of the case library and the drill scenarios; an
answer to a question that is no longer in the library is still listed, by its ids.
"""

from __future__ import annotations

import csv
import string
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from ..store import ClassRecord, Poll

if TYPE_CHECKING:
    from ..content.cases import Case
    from ..content.drill import Scenario

CASE, POLL, DRILL = "case", "poll", "drill"
DRILL_QUESTION = "How urgent is it?"  # what the red-flag drill asks of every scenario
DRILL_TITLE = "Red-flag drill"


def letter(i: int) -> str:
    """A, B, C, ... for option ``i`` (as the apps and the projector show them)."""
    return string.ascii_uppercase[i] if i < 26 else str(i + 1)


# --- what was asked ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """One option of a question: its letter, text, whether it is right, and how urgent it claims the
    case is (0 routine, 1 urgent, 2 emergency; None when the option is not about urgency)."""

    id: str
    letter: str
    text: str
    correct: bool
    urgency: int | None = None

    @property
    def label(self) -> str:
        return f"{self.letter}. {self.text}"


@dataclass(frozen=True)
class Asked:
    """A question as the results name it: a case question, or a drill scenario."""

    source_id: str  # case id, or drill scenario id
    source: str  # case title, or the scenario's short name
    question_id: str
    prompt: str
    choices: tuple[Choice, ...]

    def choice(self, option_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == option_id), None)

    def is_correct(self, chosen: Iterable[str]) -> bool:
        """Exactly the right options, as the apps judge an answer."""
        return frozenset(chosen) == frozenset(c.id for c in self.choices if c.correct)

    def labels(self, option_ids: Iterable[str]) -> str:
        """``"A. Primary care; C. ..."`` in the question's order; unknown ids as they are."""
        ids = list(option_ids)
        known = [c.label for c in self.choices if c.id in ids]
        return "; ".join(known + [i for i in ids if self.choice(i) is None])

    @property
    def right(self) -> str:
        return "; ".join(c.label for c in self.choices if c.correct)


_URGENCY_RANK = {"routine": 0, "urgent": 1, "emergency": 2}
_STEP_URGENCY = {"emergency_department": 2, "urgent_care": 1}  # every other next step is a routine one


class Catalog:
    """The case questions and drill scenarios the results refer to, looked up by id."""

    def __init__(self, cases: Iterable[Case] = (), scenarios: Iterable[Scenario] = ()) -> None:
        self.cases: dict[str, Case] = {c.id: c for c in cases}
        self._scenarios: dict[str, Scenario] = {s.id: s for s in scenarios}
        self._drill: dict[str, Asked] = {}

    @classmethod
    def shipped(cls) -> Catalog:
        """The course's case library and drill scenarios."""
        from ..content.cases import load_cases
        from ..content.drill import scenarios

        return cls(load_cases(), scenarios())

    def title(self, case_id: str) -> str:
        case = self.cases.get(case_id)
        return case.title if case else case_id

    def questions_in(self, case_id: str) -> int | None:
        """How many questions the case asks (None: not in the library)."""
        case = self.cases.get(case_id)
        return len(case.questions) if case else None

    def case_question(self, case_id: str, question_id: str) -> Asked | None:
        case = self.cases.get(case_id)
        question = next((q for q in case.questions if q.id == question_id), None) if case else None
        if case is None or question is None:
            return None
        choices = []
        for i, o in enumerate(question.options):
            rank = None
            if o.urgency is not None:
                rank = _URGENCY_RANK.get(str(o.urgency))
            elif o.step is not None:
                rank = _STEP_URGENCY.get(str(o.step), 0)
            choices.append(Choice(o.id, letter(i), o.text, o.correct, rank))
        return Asked(case.id, case.title, question.id, question.prompt, tuple(choices))

    def scenario(self, scenario_id: str) -> Asked | None:
        if scenario_id in self._drill:
            return self._drill[scenario_id]
        scenario = self._scenarios.get(scenario_id)
        if scenario is None:
            return None
        from ..domain.vocabulary import vocabulary

        voc = vocabulary()
        answer = str(scenario.answer)
        order = ("emergency", "urgent", "routine")  # the drill's buttons, left to right
        choices = tuple(Choice(u, letter(i), voc.urgency_name(u), u == answer, _URGENCY_RANK[u])
                        for i, u in enumerate(order))
        prompt = f"{scenario.title}: {scenario.text}" if scenario.title else scenario.text
        asked = self._drill[scenario_id] = Asked(scenario.id, DRILL_TITLE, "", prompt, choices)
        return asked

    @property
    def drill_size(self) -> int:
        return len(self._scenarios)


# --- the report ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerLine:
    """One answer: who, to what (case question, poll or drill scenario), which options, right or not, when."""

    session_id: int
    student: str
    learner_key: str
    activity: str  # "case", "poll" or "drill"
    source_id: str
    source: str
    question_id: str
    question: str
    chosen_ids: tuple[str, ...]
    chosen: str
    correct: bool | None  # None: the question is no longer in the library, so nothing can judge the answer
    right: str
    at: float
    poll: int | None = None  # the poll's number in the session (1 = the first poll opened)
    attempt: int | None = None  # case and drill: which try this was (1 = the first); None for a poll
    attempts: int | None = None  # case and drill: how many times the student answered the question in the session


@dataclass(frozen=True)
class Cell:
    """A student's work on one case or activity: answered out of asked, and how many were right."""

    answered: int
    asked: int | None
    correct: int  # cases and drill: right at the first answer
    retried: int = 0  # cases: wrong at first, right after a retry


@dataclass(frozen=True)
class StudentSummary:
    learner_key: str
    student: str
    cases: Mapping[str, Cell]
    polls: Cell
    drill: Cell  # distinct scenarios answered; correct counts each scenario's first answer
    score: float | None  # share of right answers among everything scored (what the thirds are cut by)


@dataclass(frozen=True)
class PollVote:
    student: str
    learner_key: str
    chosen_ids: tuple[str, ...]
    chosen: str
    correct: bool | None
    at: float


@dataclass(frozen=True)
class PollResult:
    """One poll: what it asked, how many chose each option, and who chose what, when."""

    number: int
    poll: Poll
    source: str
    question: str
    choices: tuple[tuple[Choice, int], ...]  # each option and how many chose it
    votes: tuple[PollVote, ...]


@dataclass(frozen=True)
class ItemStats:
    """Item analysis of one question (a case question in the case player, one poll, or one drill scenario)."""

    activity: str
    source_id: str
    source: str
    question_id: str
    question: str
    answered: int
    correct: int  # right at the first answer (case questions and drill scenarios)
    top_wrong: Choice | None  # the wrong option chosen most (ties: the first in the question's order)
    top_wrong_count: int
    discrimination: float | None  # top third's share correct minus the bottom third's; None: too few answers
    under_triage: bool  # the top wrong option claims less urgency than the right one
    poll: int | None = None
    right_after_retry: int = 0  # case questions: wrong at first, right in the end
    under_triaged: tuple[str, ...] = ()  # students whose (first) answer claimed less urgency than the right one

    @property
    def share(self) -> float | None:
        return self.correct / self.answered if self.answered else None


@dataclass(frozen=True)
class ClassReport:
    session_id: int
    case_ids: tuple[str, ...]  # the cases anyone answered, in the library's order (then unknown ids)
    titles: Mapping[str, str]
    students: tuple[StudentSummary, ...]
    answers: tuple[AnswerLine, ...]
    polls: tuple[PollResult, ...]
    items: tuple[ItemStats, ...]
    groups: int = 0  # students in each of the top and bottom thirds (0: fewer than 3 students scored)
    drill_size: int = 0


def _first_drill_answers(record: ClassRecord) -> dict[tuple[str, str], Any]:
    """Each student's first answer to each scenario in the session (the drill shows the right one right after)."""
    first: dict[tuple[str, str], Any] = {}
    for d in record.drill:
        first.setdefault((d.learner_key, d.scenario_id), d)
    return first


def build_report(record: ClassRecord, catalog: Catalog) -> ClassReport:
    """Everything the instructor's results show, from one session's record."""
    names: dict[str, str] = {}
    for row in (*record.answers, *record.poll_answers, *record.drill):  # the latest name wins
        names[row.learner_key] = row.display_name
    lines: list[AnswerLine] = []
    # per item (activity, case or scenario id, question id, poll number): right or not by learner, options chosen
    per_item: dict[tuple[str, str, str, int | None], dict[str, bool]] = {}
    chosen_per_item: dict[tuple[str, str, str, int | None], list[tuple[str, ...]]] = {}
    chooser_per_item: dict[tuple[str, str, str, int | None], list[str]] = {}
    asked_of: dict[tuple[str, str, str, int | None], Asked | None] = {}

    def note(key: tuple[str, str, str, int | None], asked: Asked | None, who: str, chosen: tuple[str, ...],
             correct: bool | None) -> None:
        asked_of[key] = asked
        chosen_per_item.setdefault(key, []).append(chosen)
        chooser_per_item.setdefault(key, []).append(who)
        if correct is not None:
            per_item.setdefault(key, {})[who] = correct

    retried: dict[tuple[str, str, str, int | None], set[str]] = {}
    for a in record.answers:
        asked = catalog.case_question(a.case_id, a.question_id)
        first = a.first_chosen or a.chosen
        tries = [(first, a.right_first_time, a.first_at or a.at, 1)]
        if a.attempts > 1:  # a retry: the first answer, then the latest (the ones between are not kept)
            tries.append((a.chosen, a.correct, a.at, a.attempts))
        for chosen, ok, at, attempt in tries:
            lines.append(AnswerLine(a.session_id, names[a.learner_key], a.learner_key, CASE, a.case_id,
                                    catalog.title(a.case_id), a.question_id, asked.prompt if asked else a.question_id,
                                    chosen, asked.labels(chosen) if asked else "; ".join(chosen),
                                    ok, asked.right if asked else "", at,
                                    attempt=attempt, attempts=a.attempts))
        key = (CASE, a.case_id, a.question_id, None)
        note(key, asked, a.learner_key, first, a.right_first_time)
        if a.right_after_retry:
            retried.setdefault(key, set()).add(a.learner_key)

    numbers = {p.id: i + 1 for i, p in enumerate(record.polls)}
    polls = {p.id: p for p in record.polls}
    for v in record.poll_answers:
        poll = polls.get(v.poll_id)
        if poll is None:
            continue
        asked = catalog.case_question(poll.case_id, poll.question_id)
        correct = asked.is_correct(v.chosen) if asked else None
        lines.append(AnswerLine(record.session_id, names[v.learner_key], v.learner_key, POLL, poll.case_id,
                                catalog.title(poll.case_id), poll.question_id,
                                asked.prompt if asked else poll.question_id, v.chosen,
                                asked.labels(v.chosen) if asked else "; ".join(v.chosen), correct,
                                asked.right if asked else "", v.at, numbers[poll.id]))
        note((POLL, poll.case_id, poll.question_id, numbers[poll.id]), asked, v.learner_key, v.chosen, correct)

    first = _first_drill_answers(record)
    tries = Counter((d.learner_key, d.scenario_id) for d in record.drill)
    seen: Counter[tuple[str, str]] = Counter()
    for d in record.drill:
        asked = catalog.scenario(d.scenario_id)
        seen[(d.learner_key, d.scenario_id)] += 1
        lines.append(AnswerLine(d.session_id, names[d.learner_key], d.learner_key, DRILL, d.scenario_id,
                                DRILL_TITLE, "", asked.prompt if asked else DRILL_QUESTION,
                                (d.chosen,), asked.labels([d.chosen]) if asked else d.chosen, d.correct,
                                asked.right if asked else "", d.at, attempt=seen[(d.learner_key, d.scenario_id)],
                                attempts=tries[(d.learner_key, d.scenario_id)]))
        if first[(d.learner_key, d.scenario_id)] is d:
            note((DRILL, d.scenario_id, "", None), asked, d.learner_key, (d.chosen,), d.correct)
    lines.sort(key=lambda line: (line.student.casefold(), line.learner_key, line.at, line.attempt or 0))

    # a student's score: the share of right answers among all their scored answers
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for results in per_item.values():
        for who, ok in results.items():
            total[who] += 1
            right[who] += ok
    ranked = sorted(total, key=lambda who: (-right[who] / total[who], -right[who], names[who].casefold(), who))
    g = len(ranked) // 3
    top, bottom = set(ranked[:g]), set(ranked[len(ranked) - g:]) if g else set()

    items = []
    for key in sorted(per_item.keys() | chosen_per_item.keys(), key=_item_order(catalog)):
        activity, source_id, question_id, number = key
        asked = asked_of.get(key)
        results = per_item.get(key, {})
        wrong: Counter[str] = Counter()
        for chosen in chosen_per_item.get(key, []):
            for option in chosen:
                choice = asked.choice(option) if asked else None
                if choice is not None and not choice.correct:
                    wrong[option] += 1
        top_wrong, count = None, 0
        if asked and wrong:
            count = max(wrong.values())
            top_wrong = next(c for c in asked.choices if wrong.get(c.id) == count)
        under = False
        if asked and top_wrong is not None:
            under = under_triages(asked, (top_wrong.id,))
        under_by = sorted({names[who] for who, chosen in zip(chooser_per_item.get(key, []),
                                                             chosen_per_item.get(key, []), strict=True)
                           if asked and under_triages(asked, chosen)}, key=str.casefold)
        items.append(ItemStats(
            activity, source_id, asked.source if asked else catalog.title(source_id), question_id,
            asked.prompt if asked else question_id, len(chosen_per_item.get(key, [])), sum(results.values()),
            top_wrong, count, discrimination(results, top, bottom), under, number,
            len(retried.get(key, ())), tuple(under_by)))

    poll_results = []
    for p in record.polls:
        asked = catalog.case_question(p.case_id, p.question_id)
        votes = [v for v in record.poll_answers if v.poll_id == p.id]
        counts = Counter(o for v in votes for o in v.chosen)
        choices = tuple((c, counts.get(c.id, 0)) for c in asked.choices) if asked else tuple(
            (Choice(o, letter(i), o, False), counts.get(o, 0)) for i, o in enumerate(p.options))
        poll_results.append(PollResult(
            numbers[p.id], p, asked.source if asked else catalog.title(p.case_id),
            asked.prompt if asked else p.question_id, choices,
            tuple(PollVote(names[v.learner_key], v.learner_key, v.chosen,
                           asked.labels(v.chosen) if asked else "; ".join(v.chosen),
                           asked.is_correct(v.chosen) if asked else None, v.at)
                  for v in sorted(votes, key=lambda v: (names[v.learner_key].casefold(), v.learner_key)))))

    case_ids = [cid for cid in catalog.cases if any(a.case_id == cid for a in record.answers)]
    case_ids += sorted({a.case_id for a in record.answers} - set(case_ids))
    # the polls the class took part in: one nobody answered (opened again by mistake) is asked of no one
    taken_polls = {v.poll_id for v in record.poll_answers}
    students = []
    for key in sorted(names, key=lambda k: (names[k].casefold(), k)):
        cases = {}
        for cid in case_ids:
            mine = [a for a in record.answers if a.learner_key == key and a.case_id == cid]
            if mine:
                cases[cid] = Cell(len(mine), catalog.questions_in(cid), sum(a.right_first_time for a in mine),
                                  sum(a.right_after_retry for a in mine))
        answered_polls = [line for line in lines if line.learner_key == key and line.activity == POLL]
        drill_first = [d for (who, _), d in first.items() if who == key]
        students.append(StudentSummary(
            key, names[key], cases,
            Cell(len(answered_polls), len(taken_polls), sum(bool(line.correct) for line in answered_polls)),
            Cell(len(drill_first), catalog.drill_size or None, sum(d.correct for d in drill_first)),
            right[key] / total[key] if total[key] else None))
    return ClassReport(record.session_id, tuple(case_ids), {cid: catalog.title(cid) for cid in case_ids},
                       tuple(students), tuple(lines), tuple(poll_results), tuple(items), g, catalog.drill_size)


def under_triages(asked: Asked, chosen: Iterable[str]) -> bool:
    """True when an answer picks a wrong option that claims less urgency than every right option (routine
    care for an emergency, say): the most harmful mistake the course guards against."""
    needed = [c.urgency for c in asked.choices if c.correct and c.urgency is not None]
    if not needed:
        return False
    for option in chosen:
        choice = asked.choice(option)
        if choice is not None and not choice.correct and choice.urgency is not None and choice.urgency < min(needed):
            return True
    return False


def discrimination(results: Mapping[str, bool], top: set[str], bottom: set[str]) -> float | None:
    """Share correct in the top third minus share correct in the bottom third, among those of each third
    who answered this item; None when either third has nobody who answered it."""
    upper = [ok for who, ok in results.items() if who in top]
    lower = [ok for who, ok in results.items() if who in bottom]
    if not upper or not lower:
        return None
    return round(sum(upper) / len(upper) - sum(lower) / len(lower), 2)


def _item_order(catalog: Catalog) -> Any:
    cases = list(catalog.cases)

    def key(item: tuple[str, str, str, int | None]) -> tuple:
        activity, source_id, question_id, number = item
        rank = {CASE: 0, POLL: 1, DRILL: 2}[activity]
        if activity == CASE:
            case = catalog.cases.get(source_id)
            where = cases.index(source_id) if case else len(cases)
            q = [x.id for x in case.questions].index(question_id) if case and any(
                x.id == question_id for x in case.questions) else 999
            return (rank, where, source_id, q, question_id)
        return (rank, number or 0, source_id, 0, question_id)

    return key


# --- CSV and text ---------------------------------------------------------------------------------------------

ANSWERS_COLUMNS = ("session", "student", "learner", "activity", "title", "poll", "question", "attempt", "attempts",
                   "chosen", "correct", "right_answer", "answered_at", "case_or_scenario_id", "question_id",
                   "chosen_ids")
SUMMARY_COLUMNS = ("session", "student", "learner", "activity", "title", "answered", "asked", "correct",
                   "right_after_retry", "case_or_scenario_id")
ITEMS_COLUMNS = ("session", "activity", "title", "poll", "question", "answered", "correct", "share_correct",
                 "right_after_retry", "most_chosen_wrong", "most_chosen_wrong_count", "under_triage",
                 "under_triaged_by", "discrimination", "case_or_scenario_id", "question_id")


def spreadsheet_safe(text: str) -> str:
    """Typed names go into gradebooks: a leading = + - @ would make a spreadsheet run a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def when(stamp: float | None, seconds: bool = True) -> str:
    """Local time as ``2025-03-04 10:15:02`` (``-`` for none)."""
    if stamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M", time.localtime(stamp))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _writer(out: TextIO, header: Sequence[str]) -> Any:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    return writer


def write_answers_csv(report: ClassReport, out: TextIO) -> None:
    """One row per answer: case answers (the first, and the last after a retry), poll answers and every drill
    answer, with the options chosen."""
    w = _writer(out, ANSWERS_COLUMNS)
    for a in report.answers:
        w.writerow([a.session_id, spreadsheet_safe(a.student), spreadsheet_safe(a.learner_key), a.activity,
                    spreadsheet_safe(a.source), "" if a.poll is None else a.poll, spreadsheet_safe(a.question),
                    "" if a.attempt is None else a.attempt, "" if a.attempts is None else a.attempts,
                    spreadsheet_safe(a.chosen), _yes_no(a.correct), spreadsheet_safe(a.right), when(a.at),
                    a.source_id, a.question_id, " ".join(a.chosen_ids)])


def summary_rows(report: ClassReport) -> list[tuple[StudentSummary, str, str, str, Cell]]:
    """(student, activity, title, id, cell) for each case a student answered, their polls and their drill."""
    rows = []
    for s in report.students:
        for cid, cell in s.cases.items():
            rows.append((s, CASE, report.titles.get(cid, cid), cid, cell))
        if s.polls.answered:
            rows.append((s, "polls", "Class polls", "", s.polls))
        if s.drill.answered:
            rows.append((s, DRILL, DRILL_TITLE, "", s.drill))
    return rows


def write_summary_csv(report: ClassReport, out: TextIO) -> None:
    """One row per student and case (answered / asked, correct), plus their polls and their drill."""
    w = _writer(out, SUMMARY_COLUMNS)
    for s, activity, title, source_id, cell in summary_rows(report):
        w.writerow([report.session_id, spreadsheet_safe(s.student), spreadsheet_safe(s.learner_key), activity,
                    spreadsheet_safe(title), cell.answered, "" if cell.asked is None else cell.asked, cell.correct,
                    cell.retried if activity == CASE else "", source_id])


def _share(item: ItemStats) -> str:
    return "" if item.share is None else f"{item.share:.2f}"


def write_items_csv(report: ClassReport, out: TextIO) -> None:
    """Item analysis, one row per question (see :class:`ItemStats`)."""
    w = _writer(out, ITEMS_COLUMNS)
    for i in report.items:
        w.writerow([report.session_id, i.activity, spreadsheet_safe(i.source), "" if i.poll is None else i.poll,
                    spreadsheet_safe(i.question), i.answered, i.correct, _share(i),
                    i.right_after_retry if i.activity == CASE else "",
                    spreadsheet_safe(i.top_wrong.label) if i.top_wrong else "", i.top_wrong_count or "",
                    "yes" if i.under_triage else "", spreadsheet_safe("; ".join(i.under_triaged)),
                    "" if i.discrimination is None else f"{i.discrimination:.2f}",
                    i.source_id, i.question_id])


CSV_KINDS = {"answers": write_answers_csv, "summary": write_summary_csv, "items": write_items_csv}


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def format_report(report: ClassReport) -> str:
    """The report as plain text for a terminal: students, item analysis, polls."""
    out: list[str] = []
    rows = [(s.student, f"{activity}: {_short(title, 40)}" if activity == CASE else title,
             f"{c.answered} / {'?' if c.asked is None else c.asked}", str(c.correct),
             str(c.retried) if activity == CASE else "")
            for s, activity, title, _, c in summary_rows(report)]
    out += ["Students (answered / asked; right at the first answer; right only after a retry)",
            *_table(("student", "activity", "answered", "correct", "after retry"), rows, {2, 3, 4}), ""]
    if report.items:
        out.append("Item analysis (share right at the first answer; D = discrimination between the top and bottom "
                   "thirds" + (f", {report.groups} students each)" if report.groups else "; needs 3 students)"))
        item_rows = []
        for i in report.items:
            where = f"poll {i.poll}" if i.activity == POLL else i.activity
            wrong = f"{_short(i.top_wrong.label, 30)} ({i.top_wrong_count})" if i.top_wrong else "-"
            if i.under_triage:
                wrong += " UNDER-TRIAGE"
            item_rows.append((where, _short(f"{i.source}: {i.question}", 58), str(i.answered),
                              "-" if i.share is None else f"{round(100 * i.share)}%",
                              str(i.right_after_retry) if i.activity == CASE else "", wrong,
                              "-" if i.discrimination is None else f"{i.discrimination:+.2f}"))
            if i.under_triaged:
                item_rows.append(("", f"  under-triaged at first: {_short(', '.join(i.under_triaged), 40)}",
                                  "", "", "", "", ""))
        out += [*_table(("activity", "question", "answered", "correct", "after retry", "most chosen wrong", "D"),
                        item_rows, {2, 3, 4, 6}), ""]
    for p in report.polls:
        state = "open" if p.poll.is_open else "closed"
        out.append(f"Poll {p.number} ({when(p.poll.opened_at, seconds=False)}, {state}): {p.source}: {p.question}")
        for choice, count in p.choices:
            who = ", ".join(v.student for v in p.votes if choice.id in v.chosen_ids)
            mark = " (right)" if choice.correct else ""
            out.append(f"  {choice.label}{mark}: {count}" + (f"  {who}" if who else ""))
        if not p.votes:
            out.append("  nobody answered")
        out.append("")
    return "\n".join(out)
