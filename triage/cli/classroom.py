"""Class sub-commands for instructors: ``python -m triage class report|sessions|new-session``.

The class store is ``--db LOCATION`` (a file path or a ``postgresql://`` URL), else ``$TRIAGE_CLASS_DB``,
else the default path (see :func:`triage.store.default_location`). Problems exit with status 2 and a
message naming the location, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..errors import Problem, StoreError
from ..store import ClassSession, ClassStore, default_location, open_store
from ..store.exports import format_table, report_rows, write_csv


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp is not None else "-"


def _location(args: argparse.Namespace) -> str:
    return args.db or default_location()


def _open_existing(args: argparse.Namespace) -> ClassStore:
    """Open the store for reading; a file path that does not exist is an error, not a new database."""
    location = _location(args)
    if "://" not in location and not Path(location).expanduser().exists():
        raise StoreError(Problem("", "no class database here yet (nothing was recorded, or the path is wrong); "
                                     "give the right one with --db or TRIAGE_CLASS_DB",
                                 str(Path(location).expanduser().absolute())))
    return open_store(location)


def _session(store: ClassStore, wanted: int | None) -> ClassSession:
    if wanted is None:
        return store.current_session()
    sessions = store.sessions()
    for session in sessions:
        if session.id == wanted:
            return session
    known = ", ".join(str(s.id) for s in sessions)
    raise StoreError(Problem("--session", f"there is no session {wanted}; sessions: {known}", store.location))


def _totals() -> dict[str, int]:
    from ..content.cases import load_cases  # imported here: loading cases validates them against the engine

    return {case.id: len(case.questions) for case in load_cases()}


def _report(args: argparse.Namespace) -> int:
    store = _open_existing(args)
    try:
        session = _session(store, args.session)
        rows = report_rows(store.class_answers(session.id), _totals())
    finally:
        store.close()
    if args.csv:
        write_csv(rows, sys.stdout)
        return 0
    state = "current" if session.archived_at is None else f"archived {_when(session.archived_at)}"
    students = len({r.learner_key for r in rows})
    print(f"{session.label} (session {session.id}, started {_when(session.started_at)}, {state}): "
          f"{students} student(s)  [{store.location}]")
    if rows:
        sys.stdout.write(format_table(rows))
    else:
        print("No answers in this session yet.")
    return 0


def _sessions(args: argparse.Namespace) -> int:
    store = _open_existing(args)
    try:
        sessions = store.sessions()
    finally:
        store.close()
    print(f"Class sessions in {store.location}:")
    for s in sessions:
        state = "current" if s.archived_at is None else f"archived {_when(s.archived_at)}"
        print(f"  {s.id:>3}  {s.label}  (started {_when(s.started_at)}, {state})")
    return 0


def _new_session(args: argparse.Namespace) -> int:
    label = (args.label or "").strip() or None
    if label is not None and (len(label) > 80 or not label.isprintable()):
        raise StoreError(Problem("--label", "a label is at most 80 printable characters"))
    store = open_store(_location(args))
    try:
        old = store.current_session()
        new = store.new_session(label)
    finally:
        store.close()
    print(f"Started {new.label} (session {new.id}) in {store.location}.")
    print(f"{old.label} (session {old.id}) is archived, not deleted: "
          f"python -m triage class report --session {old.id}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``class`` and its actions to the CLI."""
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--db", metavar="LOCATION",
                       help="class store: a file path or postgresql:// URL (default: $TRIAGE_CLASS_DB, else "
                            "~/.local/share/triage/class.db)")
    p = sub.add_parser("class", help="the class record for instructors: report, sessions, new-session")
    actions = p.add_subparsers(dest="class_action", required=True, metavar="ACTION")
    r = actions.add_parser("report", parents=[where],
                           help="one row per student and case: answered, correct, out of the case's questions")
    r.add_argument("--csv", action="store_true", help="CSV for a gradebook instead of a table")
    r.add_argument("--session", type=int, metavar="N", help="an archived session (default: the current one)")
    r.set_defaults(run=_report)
    s = actions.add_parser("sessions", parents=[where], help="list class sessions, current and archived")
    s.set_defaults(run=_sessions)
    n = actions.add_parser("new-session", parents=[where],
                           help="start a new class session; the current one is archived, not deleted")
    n.add_argument("--label", metavar="TEXT", help="a name for the session, e.g. 'Tuesday seminar'")
    n.set_defaults(run=_new_session)
