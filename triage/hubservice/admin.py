"""What the course administrator's commands do beyond the class list: tell a running hub, purge data.

- :func:`hub_api` finds the running hub (the API address the hub wrote into ``<state>/hub/api-url`` when it
  started, or ``$TRIAGE_HUB_API``) and the administration token only root can read
  (``<state>/hub/admin-token``), so no command needs the hub's port repeated.
- :func:`forget_in_hub` stops a removed person's server and deletes them from the hub: their server, API
  tokens and login cookie stop working at once. When the hub is not running, the hub deletes them itself
  when it starts (``Authenticator.delete_invalid_users``), before anyone can use a token.
- :func:`restart_in_hub` stops a person's server after their role changed: a running server's token keeps
  the scopes its owner had when it started, and the next server starts with the new role.
- :func:`purge` deletes a removed person's home folder and class records, for good.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..errors import Problem
from ..store import open_store
from .accounts import AccountError, Removed
from .prestart import HubApi, HubApiError

API_URL_FILE = Path("hub") / "api-url"
ADMIN_TOKEN_FILE = Path("hub") / "admin-token"


def hub_api(state: Path, timeout: float = 30.0) -> HubApi | None:
    """The running hub's REST API with the administration token; None when this state has no hub yet."""
    url = os.environ.get("TRIAGE_HUB_API")
    url_file, token_file = state / API_URL_FILE, state / ADMIN_TOKEN_FILE
    if not url and url_file.exists():
        url = url_file.read_text(encoding="utf-8").strip()
    if not url or not token_file.exists():
        return None
    return HubApi(url, token_file.read_text(encoding="utf-8").strip(), timeout=timeout)


@dataclass(frozen=True)
class HubOutcome:
    """What the hub did for a command: ``done``, ``not running`` (applies at the hub's next start) or a problem."""

    done: bool
    message: str


def forget_in_hub(api: HubApi | None, name: str) -> HubOutcome:
    """Stop ``name``'s server and delete them from the hub (tokens, cookies and server go with them)."""
    if api is None:
        return HubOutcome(False, "no hub has run with this state folder yet")
    try:
        status, _ = api.call("DELETE", f"users/{quote(name, safe='')}")
    except HubApiError:
        return HubOutcome(False, "the hub is not running: it deletes them when it starts, before any token works")
    if status in (204, 404):
        return HubOutcome(True, "their server is stopped and their hub tokens no longer work")
    return HubOutcome(False, f"the hub answered {status} when asked to delete {name}; try again, or delete them "
                             "in the hub's admin page (/hub/admin)")


def restart_in_hub(api: HubApi | None, name: str) -> HubOutcome:
    """Stop ``name``'s server, if one runs, so the next starts with the role the class list gives now (a
    server's token keeps the scopes its owner had when it started). Their records are in the class store."""
    if api is None:
        return HubOutcome(True, "no hub has run with this state folder yet: the role applies at their first login")
    try:
        status, _ = api.call("DELETE", f"users/{quote(name, safe='')}/server")
    except HubApiError:
        return HubOutcome(True, "the hub is not running: the role applies when it starts")
    if status in (202, 204):
        return HubOutcome(True, "their server was stopped, so the page they reload starts a new one with the role "
                                "(answers are kept)")
    if status in (400, 404):  # no server running, or they have never logged in
        return HubOutcome(True, "the hub applies it at their next request (within a minute)")
    return HubOutcome(False, f"the hub answered {status} when asked to stop {name}'s server; stop it in the hub's "
                             "admin page (/hub/admin) so it starts again with the new role")


def homes_dir(state: Path) -> Path:
    return state / "homes"


def purge(state: Path, gone: Removed, store_location: str | None) -> list[str]:
    """Delete a removed person's home folder and class records; returns what was deleted, in plain words."""
    done = []
    home = homes_dir(state) / gone.slug
    if home.exists():
        shutil.rmtree(home)
        done.append(f"home folder {home}")
    store = open_store(store_location)
    try:
        forget = getattr(store, "forget_learner", None)
        if forget is None:
            raise AccountError(Problem("store", f"the class store {store.location} cannot delete a learner's "
                                                "records; nothing was deleted there"))
        rows = forget(f"hub:{gone.name}")
        done.append(f"{rows} class records in {store.location}")
    finally:
        store.close()
    return done


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database that may be in use (SQLite's online backup)."""
    import sqlite3

    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    target.chmod(0o600)


def backup(state: Path, store_location: str, target: Path) -> list[str]:
    """Copy what a course cannot lose into ``target`` (a new private folder), safely while the hub runs:
    the class list, the class database (SQLite; a PostgreSQL store is named with the command that dumps
    it) and the hub's own database. Returns what was written, in plain words."""
    target.mkdir(mode=0o700, parents=True, exist_ok=False)
    done = []
    accounts = state / "accounts.json"
    if accounts.exists():
        shutil.copy2(accounts, target / "accounts.json")
        done.append(f"class list -> {target / 'accounts.json'}")
    if "://" in store_location:
        done.append(f"class database is {store_location.split('@')[-1]}: back it up with pg_dump (see "
                    "docs/admin/jupyterhub.md)")
    elif Path(store_location).exists():
        _copy_sqlite(Path(store_location), target / "class.db")
        done.append(f"class database -> {target / 'class.db'}")
    hub_db = state / "hub" / "jupyterhub.sqlite"
    if hub_db.exists():
        _copy_sqlite(hub_db, target / "jupyterhub.sqlite")
        done.append(f"hub database -> {target / 'jupyterhub.sqlite'}")
    return done
