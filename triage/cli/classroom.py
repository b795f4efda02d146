"""Class sub-commands for instructors: ``python -m triage class report|sessions|new-session|key``.

The class store is ``--db LOCATION`` (a file path or a ``postgresql://`` URL), else ``$TRIAGE_CLASS_DB``,
else the default path (see :func:`triage.store.default_location`). Problems exit with status 2 and a
message naming the location, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import Problem, StoreError
from ..outputs.class_report import CSV_KINDS, Catalog, build_report, format_report, when
from ..store import ClassSession, ClassStore, default_location, open_store


def _when(stamp: float | None) -> str:
    return when(stamp, seconds=False)


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


def _report(args: argparse.Namespace) -> int:
    store = _open_existing(args)
    try:
        session = _session(store, args.session)
        record = store.class_record(session.id)
    finally:
        store.close()
    report = build_report(record, Catalog.shipped())  # loading the cases validates them against the engine
    if args.csv:
        CSV_KINDS[args.csv](report, sys.stdout)
        return 0
    state = "current" if session.archived_at is None else f"archived {_when(session.archived_at)}"
    print(f"{session.label} (session {session.id}, started {_when(session.started_at)}, {state}): "
          f"{len(report.students)} student(s)  [{store.location}]")
    if report.students or report.polls:
        print()
        sys.stdout.write(format_report(report))
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


def _key(args: argparse.Namespace) -> int:
    """Print the class's instructor key (made and kept beside the class store if there is none yet)."""
    from ..serve.app import instructor_key

    environ = dict(os.environ)
    if args.db:
        environ["TRIAGE_CLASS_DB"] = args.db
    key, source = instructor_key(environ)
    print(key)
    print(f"({source})", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``class`` and its actions to the CLI."""
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--db", metavar="LOCATION",
                       help="class store: a file path or postgresql:// URL (default: $TRIAGE_CLASS_DB, else "
                            "~/.local/share/triage/class.db)")
    p = sub.add_parser("class", help="the class record for instructors: report, sessions, new-session, key")
    actions = p.add_subparsers(dest="class_action", required=True, metavar="ACTION")
    r = actions.add_parser("report", parents=[where],
                           help="the session's results: per student and case (answered / asked, correct), polls "
                                "with who chose what, item analysis")
    r.add_argument("--csv", nargs="?", const="answers", choices=sorted(CSV_KINDS), metavar="KIND",
                   help="CSV instead of text: answers (default: one row per answer, with the options chosen), "
                        "summary (one row per student and case, polls, drill) or items (item analysis)")
    r.add_argument("--session", type=int, metavar="N", help="an archived session (default: the current one)")
    r.set_defaults(run=_report)
    s = actions.add_parser("sessions", parents=[where], help="list class sessions, current and archived")
    s.set_defaults(run=_sessions)
    n = actions.add_parser("new-session", parents=[where],
                           help="start a new class session; the current one is archived, not deleted")
    n.add_argument("--label", metavar="TEXT", help="a name for the session, e.g. 'Tuesday seminar'")
    n.set_defaults(run=_new_session)
    k = actions.add_parser("key", parents=[where],
                           help="print the instructor key that make app uses for this class (not shown in its "
                                "start-up message, which may be projected)")
    k.set_defaults(run=_key)
