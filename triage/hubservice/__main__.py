"""``python -m triage.hubservice``: class accounts, the class-store service, and starting servers before class.

    accounts add NAME [--instructor]     create an account; prints its password once
    accounts import FILE                 one name per line (or CSV ``name[,role]``); prints name,password CSV
    accounts list | passwd NAME | remove NAME
    serve [--store LOCATION]             the class store as a hub service (JupyterHub starts it)
    prestart [--parallel N] [NAME ...]   start students' servers now (default: every student on the list)
    culler [OPTIONS]                     jupyterhub-idle-culler, stopping at once when the hub stops it

The class list is ``$TRIAGE_HUB_STATE/accounts.json`` (``make hub`` sets ``TRIAGE_HUB_STATE=.hub``).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import os
import signal
import sys
from pathlib import Path

from ..errors import TriageError
from .accounts import AccountBook, check_name


def state_dir() -> Path:
    return Path(os.environ.get("TRIAGE_HUB_STATE", ".hub")).resolve()


def _accounts(args: argparse.Namespace) -> int:
    book = AccountBook(args.file or state_dir() / "accounts.json")
    out = csv.writer(sys.stdout)
    if args.action == "add":
        password = sys.stdin.readline().strip() if args.password_stdin else None
        password = book.add(args.name, "instructor" if args.instructor else "student", password)
        out.writerow([check_name(args.name), password])
    elif args.action == "import":
        out.writerow(["name", "password"])
        for row in csv.reader(Path(args.name).read_text(encoding="utf-8").splitlines()):
            if not row or not row[0].strip() or row[0].strip().lower() == "name":
                continue
            role = row[1].strip() if len(row) > 1 and row[1].strip() else "student"
            out.writerow([check_name(row[0]), book.add(row[0], role)])  # type: ignore[arg-type]
    elif args.action == "list":
        for account in book.accounts():
            print(f"{account.name}\t{account.role}\tuid {account.uid}")
    elif args.action == "passwd":
        out.writerow([check_name(args.name), book.set_password(args.name)])
    elif args.action == "remove":
        book.remove(args.name)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .service import serve

    logging.basicConfig(level=logging.INFO, format="[%(levelname)1.1s %(asctime)s triage-store] %(message)s")

    async def main() -> None:
        task = asyncio.ensure_future(serve(args.store))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(main())
    return 0


def _prestart(args: argparse.Namespace) -> int:
    from .prestart import HubApi, prestart

    state = state_dir()
    token = Path(args.token_file or state / "hub" / "prestart-token").read_text(encoding="utf-8").strip()
    names = args.names or [a.name for a in AccountBook(state / "accounts.json").accounts() if not a.is_instructor]
    if not names:
        print("no students on the class list: add some with `python -m triage.hubservice accounts add NAME`")
        return 1
    api = HubApi(args.hub_api or os.environ.get("TRIAGE_HUB_API", "http://127.0.0.1:8000/hub/api"), token)
    print(f"starting {len(names)} servers, {args.parallel} at a time ...", flush=True)
    def report(r) -> None:
        print(f"  {r.name}: {'ready' if r.ready else r.problem} ({r.seconds:.1f} s)", flush=True)

    results = prestart(api, names, args.parallel, report)
    failed = [r for r in results if not r.ready]
    print(f"{len(results) - len(failed)} of {len(results)} servers ready")
    return 1 if failed else 0


def _culler(options: list[str]) -> int:
    """jupyterhub-idle-culler 2.0 ignores the hub's first stop signal (hub shutdown took 30 s); exit on it."""
    from jupyterhub_idle_culler import IdleCuller

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: os._exit(0))
    IdleCuller.launch_instance(argv=options)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triage.hubservice", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    acc = sub.add_parser("accounts", help="the class list")
    acc.add_argument("action", choices=["add", "import", "list", "passwd", "remove"])
    acc.add_argument("name", nargs="?", help="a user name (add, passwd, remove) or a file (import)")
    acc.add_argument("--instructor", action="store_true", help="add to the instructors group")
    acc.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    acc.add_argument("--file", help="the class list (default $TRIAGE_HUB_STATE/accounts.json)")
    srv = sub.add_parser("serve", help="run the class-store service (started by JupyterHub)")
    srv.add_argument("--store", help="store location (default $TRIAGE_CLASS_DB)")
    pre = sub.add_parser("prestart", help="start students' servers before class")
    pre.add_argument("names", nargs="*")
    pre.add_argument("--parallel", type=int, default=4)
    pre.add_argument("--hub-api", help="the hub's REST API (default $TRIAGE_HUB_API or http://127.0.0.1:8000/hub/api)")
    pre.add_argument("--token-file", help="default $TRIAGE_HUB_STATE/hub/prestart-token")
    sub.add_parser("culler", help="jupyterhub-idle-culler with its own options (started by JupyterHub)")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["culler"]:
        return _culler(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "accounts" and args.action not in ("list",) and not args.name:
        parser.error(f"accounts {args.action} needs a name")
    try:
        return {"accounts": _accounts, "serve": _serve, "prestart": _prestart}[args.command](args)
    except (TriageError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
