"""``triage hub`` (also ``python -m triage.hubservice``): class accounts, the class-store service, and
starting servers before class.

    accounts add NAME [--role ROLE]      create an account (student, instructor or admin); prints its password once
    accounts import FILE                 one name per line (or CSV ``name[,role]``): new names are created, existing
                                         ones get the role the file gives; nothing changes if any row is wrong
    accounts list | passwd NAME | role NAME ROLE
    accounts remove NAME                 no more logins; their server stops and their tokens stop working at once;
                                         their home and class records are kept (export, then purge)
    accounts restore NAME | purge NAME   give a removed account back, or delete its home and class records
    backup FOLDER                        copy the class list, the class database and the hub's database (safe
                                         while the hub runs; PostgreSQL: use pg_dump)
    serve [--store LOCATION] [--ip IP]   the class store as a hub service (JupyterHub starts it)
    prestart [--parallel N] [NAME ...]   start students' servers now (default: every student on the list)
    culler [OPTIONS]                     jupyterhub-idle-culler, stopping at once when the hub stops it
    address [--wait] [--while-pid PID]   the address to give the class (``make hub`` prints it once the hub
                                         answers there): $TRIAGE_HUB_IP and $TRIAGE_HUB_PORT, as the hub uses them

The class list is ``$TRIAGE_HUB_STATE/accounts.json`` (``make hub`` sets ``TRIAGE_HUB_STATE=.hub``); the
commands find a running hub through ``$TRIAGE_HUB_STATE/hub/api-url``, which the hub writes when it starts.
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
from ..hubservice.accounts import AccountBook, check_name


def state_dir() -> Path:
    return Path(os.environ.get("TRIAGE_HUB_STATE", ".hub")).resolve()


def _book(args: argparse.Namespace) -> AccountBook:
    state = state_dir()
    return AccountBook(args.file or state / "accounts.json", homes=state / "homes")


def _store_location(state: Path) -> str:
    return os.environ.get("TRIAGE_CLASS_DB") or str(state / "store" / "class.db")


def _accounts(args: argparse.Namespace) -> int:
    from ..hubservice.admin import forget_in_hub, hub_api, purge, restart_in_hub

    book = _book(args)
    out = csv.writer(sys.stdout)
    action = args.action
    if action == "add":
        password = sys.stdin.readline().strip() if args.password_stdin else None
        role = "instructor" if args.instructor else args.role
        password = book.add(args.name, role, password)
        out.writerow([check_name(args.name), password])
    elif action == "import":
        source = Path(args.name)
        rows = list(enumerate(csv.reader(source.read_text(encoding="utf-8").splitlines()), start=1))
        changes = book.import_roster(rows, str(source))
        out.writerow(["name", "password", "status"])
        for change in changes:
            out.writerow([change.name, change.password, change.action])
    elif action == "list":
        for account in book.accounts():
            print(f"{account.name}\t{account.role}\tuid {account.uid}\tfolder {account.slug}")
        for gone in book.removed():
            print(f"{gone.name}\t{gone.role}\tuid {gone.uid}\tfolder {gone.slug}\tREMOVED (data kept)")
    elif action == "passwd":
        out.writerow([check_name(args.name), book.set_password(args.name)])
    elif action == "role":
        account = book.set_role(args.name, args.role_value)
        outcome = restart_in_hub(hub_api(state_dir()), account.name)
        print(f"{account.name} is now {account.role}; {outcome.message}; the hub needs no restart")
        return 0 if outcome.done else 1
    elif action == "remove":
        gone = book.remove(args.name)
        outcome = forget_in_hub(hub_api(state_dir()), gone.name)
        print(f"{gone.name} removed from the class list (uid {gone.uid} stays retired); {outcome.message}. "
              f"Their home and class records are kept: `accounts purge {gone.name}` deletes them.")
        return 0 if outcome.done or "not running" in outcome.message or "no hub" in outcome.message else 1
    elif action == "restore":
        out.writerow([check_name(args.name), book.restore(args.name)])
    elif action == "purge":
        gone = book.get_removed(check_name(args.name))
        if gone is None:
            book.purge(args.name)  # raises the plain-words error
            return 2
        state = state_dir()
        deleted = purge(state, gone, _store_location(state))
        book.purge(gone.name)
        print(f"{gone.name} purged: deleted " + ", ".join(deleted) + f"; uid {gone.uid} stays retired.")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from ..hubservice.admin import backup

    state = state_dir()
    for line in backup(state, _store_location(state), Path(args.folder)):
        print(line)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ..hubservice.service import serve

    logging.basicConfig(level=logging.INFO, format="[%(levelname)1.1s %(asctime)s triage-store] %(message)s")

    async def main() -> None:
        task = asyncio.ensure_future(serve(args.store, args.ip))
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
    from ..hubservice.admin import ADMIN_TOKEN_FILE, hub_api
    from ..hubservice.prestart import HubApi, prestart

    state = state_dir()
    api = hub_api(state)
    if args.hub_api or args.token_file:
        token = Path(args.token_file or state / ADMIN_TOKEN_FILE).read_text(encoding="utf-8").strip()
        api = HubApi(args.hub_api or (api.api_url if api else ""), token)
    if api is None or not api.api_url.strip("/"):
        print(f"no hub has run with the state folder {state} yet: start it first (`make hub`), with the same "
              "HUB_STATE", file=sys.stderr)
        return 2
    names = args.names or [a.name for a in AccountBook(state / "accounts.json").accounts() if a.role == "student"]
    if not names:
        print("no students on the class list: add some with `python -m triage.hubservice accounts add NAME`")
        return 1
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


def hub_addresses(ip: str, port: int) -> tuple[str, list[str]]:
    """The hub's address on this machine and the ones other devices use (none when it listens on loopback)."""
    from ..serve.join import ALL_INTERFACES, classroom

    local = f"http://{'127.0.0.1' if ip in ALL_INTERFACES else ip}:{port}/"
    return local, list(classroom(ip, port).urls)


def _address(args: argparse.Namespace) -> int:
    """Wait until the hub answers on its public address (through nginx when it is in front), then print it."""
    import time
    import urllib.request

    ip = os.environ.get("TRIAGE_HUB_IP", "127.0.0.1")
    port = int(os.environ.get("TRIAGE_HUB_PORT", "8000"))
    local, room = hub_addresses(ip, port)
    deadline = time.monotonic() + args.timeout
    while args.wait:
        if args.while_pid and not _alive(args.while_pid):
            return 1  # the hub stopped before it answered: its own log says why
        try:
            with urllib.request.urlopen(f"{local}hub/api/", timeout=5) as answer:  # noqa: S310 - http only
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            print(f"the hub did not answer on {local} within {args.timeout:.0f} s", file=sys.stderr)
            return 1
        time.sleep(1)
    lines = ["", f"  The hub is up. Give the class this address:  {room[0] if room else local}"]
    if room:
        lines += [f"                                               also: {url}" for url in room[1:]]
        lines.append(f"  On this machine:                             {local}")
    else:
        lines.append("  (it answers on this machine only: TRIAGE_HUB_IP=0.0.0.0 for phones and laptops in the room, "
                     "with TLS in front)")
    lines.append("  JupyterHub's own \"running at\" line names the proxy's internal port: do not hand that one out.")
    print("\n".join([*lines, ""]), flush=True)
    return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triage.hubservice", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    acc = sub.add_parser("accounts", help="the class list")
    acc.add_argument("action", choices=["add", "import", "list", "passwd", "role", "remove", "restore", "purge"])
    acc.add_argument("name", nargs="?", help="a user name, or a file (import)")
    acc.add_argument("role_value", nargs="?", metavar="ROLE", help="role: student, instructor or admin")
    acc.add_argument("--role", default="student", help="the new account's role (add): student, instructor or admin")
    acc.add_argument("--instructor", action="store_true", help="the same as --role instructor")
    acc.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    acc.add_argument("--file", help="the class list (default $TRIAGE_HUB_STATE/accounts.json)")
    bak = sub.add_parser("backup", help="copy the class list and databases into a new folder")
    bak.add_argument("folder", help="a folder that does not exist yet (made private)")
    srv = sub.add_parser("serve", help="run the class-store service (started by JupyterHub)")
    srv.add_argument("--store", help="store location (default $TRIAGE_CLASS_DB)")
    srv.add_argument("--ip", help="address to listen on (default: the host of $JUPYTERHUB_SERVICE_URL; use 0.0.0.0 "
                                  "where that host is a name other machines use, as on Kubernetes)")
    pre = sub.add_parser("prestart", help="start students' servers before class")
    pre.add_argument("names", nargs="*")
    pre.add_argument("--parallel", type=int, default=4)
    pre.add_argument("--hub-api", help="the hub's REST API (default: what the running hub wrote into "
                                       "$TRIAGE_HUB_STATE/hub/api-url, or $TRIAGE_HUB_API)")
    pre.add_argument("--token-file", help="default $TRIAGE_HUB_STATE/hub/admin-token")
    sub.add_parser("culler", help="jupyterhub-idle-culler with its own options (started by JupyterHub)")
    adr = sub.add_parser("address", help="print the address to give the class ($TRIAGE_HUB_IP, $TRIAGE_HUB_PORT)")
    adr.add_argument("--wait", action="store_true", help="first wait until the hub answers there")
    adr.add_argument("--while-pid", type=int, help="stop waiting when this process (the hub) has ended")
    adr.add_argument("--timeout", type=float, default=600, help="seconds to wait at most (default 600)")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["culler"]:
        return _culler(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "accounts" and args.action not in ("list",) and not args.name:
        parser.error(f"accounts {args.action} needs a name")
    if args.command == "accounts" and args.action == "role" and not args.role_value:
        parser.error("accounts role needs a name and a role (student, instructor or admin)")
    try:
        return {"accounts": _accounts, "backup": _backup, "serve": _serve, "prestart": _prestart,
                "address": _address}[args.command](args)
    except (TriageError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

