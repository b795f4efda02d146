"""The class list: one account per student, instructor or course administrator, with a password hash,
a role and a numeric user id.

Kept in one JSON file (``<state>/accounts.json``, readable by the hub's user only). Passwords are never
stored: only scrypt hashes with a per-account salt. The numeric id is the Unix user (and group) the
person's server runs as, so students cannot read each other's files (see :mod:`.spawner`).

**User ids are never reused.** The file keeps a high-water mark (``next_uid``) and every removed
account (name, role, user id, when), so a new account never gets the id that owns a removed student's
home. Removing keeps the person's home and class records for the instructor's export;
:meth:`AccountBook.restore` gives the account back (same id), :meth:`AccountBook.purge` forgets it.

**Names** are hub user names: lower-case letters, digits and ``. _ - @ +``, starting with a letter or
digit (so e-mail addresses and numeric student ids work), at most 64 characters. Folders on disk use
:attr:`Account.slug`, the name itself when it is short and plain, else a plain form plus a short hash.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import pwd
import re
import secrets
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import Problem, TriageError

Role = Literal["student", "instructor", "admin"]
ROLES: tuple[Role, ...] = ("student", "instructor", "admin")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,63}$")
PLAIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")  # usable as it is for folders and socket paths
FIRST_UID = 20000
FORMAT_VERSION = 2
# scrypt cost: about 16 MB and a few tens of milliseconds per login on this machine's cores
_N, _R, _P = 2**14, 8, 1
_WORDS = "amber birch cedar delta ember fjord grove harbor island juniper kelp lagoon maple nectar orchid " \
         "pebble quartz river summit tundra umber valley willow yarrow zephyr".split()


class AccountError(TriageError):
    """The class list cannot be read or changed as asked (the message names the file and the field)."""


def slug_for(name: str) -> str:
    """A folder name for ``name``: the name itself when plain and short, else a plain form and a hash
    (``ana.lima@uni.example`` -> ``ana.lima-uni.example-5d41402a``), at most 32 characters."""
    if PLAIN_RE.match(name):
        return name
    plain = re.sub(r"[^a-z0-9._-]+", "-", name).strip("-._")[:20] or "user"
    return f"{plain}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Account:
    """One person on the class list."""

    name: str
    role: Role
    uid: int
    password_hash: str

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"

    @property
    def is_admin(self) -> bool:
        """A course administrator: the hub's admin page and API (``/hub/admin``), not the class's answers."""
        return self.role == "admin"

    @property
    def groups(self) -> list[str]:
        """The hub groups this account belongs to (``instructors`` for instructors)."""
        return ["instructors"] if self.is_instructor else []

    @property
    def slug(self) -> str:
        return slug_for(self.name)


@dataclass(frozen=True)
class Removed:
    """An account that was removed: its id stays taken and its home and records stay until purged."""

    name: str
    role: Role
    uid: int
    removed_at: float

    @property
    def slug(self) -> str:
        return slug_for(self.name)


@dataclass(frozen=True)
class RosterChange:
    """What importing one roster row did: ``created`` (with its new password), ``updated`` (role) or ``unchanged``."""

    name: str
    role: Role
    action: Literal["created", "updated", "unchanged"]
    password: str = ""


def hash_password(password: str, salt: bytes | None = None) -> str:
    """An scrypt hash of ``password`` in the form ``scrypt$N$r$p$salt$hash`` (base64 parts)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash (constant-time comparison)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(base64.b64decode(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


_DUMMY_HASH = hash_password(secrets.token_urlsafe(12))


def new_password() -> str:
    """A password a student can type: three words and four digits."""
    words = [secrets.choice(_WORDS) for _ in range(3)]
    return "-".join(words) + f"-{secrets.randbelow(10_000):04d}"


def check_name(raw: object, file: str | None = None, line: int | None = None) -> str:
    """A hub user name (lower-cased, spaces around it dropped): letters, digits, '.', '_', '-', '@' or '+',
    starting with a letter or digit, at most 64 characters; e-mail addresses and numeric ids are fine."""
    name = raw.strip().lower() if isinstance(raw, str) else ""
    if not NAME_RE.match(name):
        raise AccountError(Problem("name", f"{raw!r} cannot be a user name: use 1 to 64 lower-case letters, digits, "
                                           "'.', '_', '-', '@' or '+', starting with a letter or digit", file, line))
    return name


def check_role(raw: object, file: str | None = None, line: int | None = None) -> Role:
    role = raw.strip().lower() if isinstance(raw, str) else raw
    if role not in ROLES:
        raise AccountError(Problem("role", f"unknown role {raw!r}; valid: {', '.join(ROLES)}", file, line))
    return role  # type: ignore[return-value]


@dataclass
class _Data:
    accounts: dict[str, Account]
    removed: dict[str, Removed]
    next_uid: int


class AccountBook:
    """The class list in ``path``; every call re-reads the file, so changes apply without a hub restart.

    ``homes``, when given, is the folder of the students' homes: a folder there owned by some user id
    also keeps that id from being handed out (a class list from before the high-water mark existed).
    Changes hold an exclusive lock on ``<path>.lock`` from reading to writing.
    """

    def __init__(self, path: str | os.PathLike[str], homes: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path)
        self.homes = Path(homes) if homes is not None else None

    # --- the file ---------------------------------------------------------------------------------------
    def _problem(self, message: str, field: str = "accounts") -> AccountError:
        return AccountError(Problem(field, message, str(self.path)))

    def _load(self) -> _Data:
        if not self.path.exists():
            return _Data({}, {}, FIRST_UID)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            accounts = {name: Account(name, e["role"], int(e["uid"]), e["hash"])
                        for name, e in data["accounts"].items()}
            removed = {name: Removed(name, e["role"], int(e["uid"]), float(e["removed_at"]))
                       for name, e in data.get("removed", {}).items()}
            taken = [a.uid for a in accounts.values()] + [r.uid for r in removed.values()]
            next_uid = max([int(data.get("next_uid", FIRST_UID)), FIRST_UID, *(u + 1 for u in taken)])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self._problem(f"not a readable class list ({exc})") from None
        return _Data(accounts, removed, next_uid)

    def _save(self, data: _Data) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        out = {
            "version": FORMAT_VERSION,
            "next_uid": data.next_uid,
            "accounts": {a.name: {"role": a.role, "uid": a.uid, "hash": a.password_hash}
                         for a in data.accounts.values()},
            "removed": {r.name: {"role": r.role, "uid": r.uid, "removed_at": r.removed_at}
                        for r in data.removed.values()},
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".accounts-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(out, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextmanager
    def _changing(self) -> Iterator[_Data]:
        """Read, let the caller change, write: under an exclusive lock, and only if the block succeeds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = self._load()
            yield data
            self._save(data)
        finally:
            os.close(fd)

    def _new_uid(self, data: _Data) -> int:
        """The next free id at or above the high-water mark (skipping system users and owners of homes)."""
        floor = data.next_uid
        if self.homes is not None and self.homes.is_dir():
            owners = [entry.stat().st_uid for entry in self.homes.iterdir() if entry.is_dir()]
            floor = max([floor, *(u + 1 for u in owners if u >= FIRST_UID)])
        uid = floor
        while True:
            try:
                pwd.getpwuid(uid)  # a system user owns it: skip
            except KeyError:
                break
            uid += 1
        data.next_uid = uid + 1
        return uid

    # --- reading --------------------------------------------------------------------------------------------
    def accounts(self) -> list[Account]:
        """Everyone on the list, by name."""
        return sorted(self._load().accounts.values(), key=lambda a: a.name)

    def removed(self) -> list[Removed]:
        """Removed accounts whose data is kept (until :meth:`purge`), by name."""
        return sorted(self._load().removed.values(), key=lambda r: r.name)

    def get(self, name: str) -> Account | None:
        return self._load().accounts.get(name)

    def get_removed(self, name: str) -> Removed | None:
        return self._load().removed.get(name)

    # --- changing -------------------------------------------------------------------------------------------
    def _refuse_removed(self, data: _Data, name: str, file: str | None = None, line: int | None = None) -> None:
        if name in data.removed:
            raise AccountError(Problem("name", f"{name} was removed and their home and class records are kept: "
                                               f"`accounts restore {name}` gives the account back, `accounts purge "
                                               f"{name}` deletes their data so that the name can be used again",
                                       file or str(self.path), line))

    def add(self, name: str, role: Role = "student", password: str | None = None) -> str:
        """Create an account; returns its password (a new one unless given). An existing name is an error."""
        name = check_name(name)
        role = check_role(role)
        with self._changing() as data:
            if name in data.accounts:
                raise self._problem(f"{name} already has an account", "name")
            self._refuse_removed(data, name)
            password = password or new_password()
            data.accounts[name] = Account(name, role, self._new_uid(data), hash_password(password))
        return password

    def import_roster(self, rows: Iterable[tuple[int, list[str]]], source: str = "") -> list[RosterChange]:
        """Apply a roster (``(line, [name, role?])`` rows): every row is checked first, then all are applied
        at once. New names get an account and a password; existing names keep their password and get the
        role the roster gives; nothing changes when any row is wrong (all problems are reported)."""
        wanted: dict[str, tuple[Role, int]] = {}
        problems: list[Problem] = []
        for line, row in rows:
            cells = [c.strip() for c in row]
            if not cells or not cells[0] or cells[0].lower() in ("name", "username") or cells[0].startswith("#"):
                continue
            try:
                name = check_name(cells[0], source, line)
                role = check_role(cells[1] if len(cells) > 1 and cells[1] else "student", source, line)
            except AccountError as exc:
                problems.extend(exc.problems)
                continue
            if name in wanted:
                problems.append(Problem("name", f"{name} is listed twice (first on line {wanted[name][1]})",
                                        source, line))
                continue
            wanted[name] = (role, line)
        changes: list[RosterChange] = []
        with self._changing() as data:
            for name, (_, line) in wanted.items():
                try:
                    self._refuse_removed(data, name, source, line)
                except AccountError as exc:
                    problems.extend(exc.problems)
            if problems:
                raise AccountError(problems)
            for name, (role, _) in wanted.items():
                current = data.accounts.get(name)
                if current is None:
                    password = new_password()
                    data.accounts[name] = Account(name, role, self._new_uid(data), hash_password(password))
                    changes.append(RosterChange(name, role, "created", password))
                elif current.role != role:
                    data.accounts[name] = Account(name, role, current.uid, current.password_hash)
                    changes.append(RosterChange(name, role, "updated"))
                else:
                    changes.append(RosterChange(name, role, "unchanged"))
        return changes

    def set_role(self, name: str, role: Role) -> Account:
        """Give an account another role (e.g. make a student an instructor)."""
        role = check_role(role)
        with self._changing() as data:
            account = data.accounts.get(check_name(name))
            if account is None:
                raise self._problem(f"no account named {name}", "name")
            data.accounts[account.name] = Account(account.name, role, account.uid, account.password_hash)
        return data.accounts[account.name]

    def set_password(self, name: str, password: str | None = None) -> str:
        """Give an account a new password (returned)."""
        with self._changing() as data:
            account = data.accounts.get(check_name(name))
            if account is None:
                raise self._problem(f"no account named {name}", "name")
            password = password or new_password()
            data.accounts[account.name] = Account(account.name, account.role, account.uid, hash_password(password))
        return password

    def remove(self, name: str) -> Removed:
        """Take an account off the list: no more logins; its id, home and class records are kept."""
        with self._changing() as data:
            account = data.accounts.pop(check_name(name), None)
            if account is None:
                raise self._problem(f"no account named {name}", "name")
            gone = Removed(account.name, account.role, account.uid, time.time())
            data.removed[account.name] = gone
        return gone

    def restore(self, name: str, password: str | None = None) -> str:
        """Give a removed account back (same user id, so the same home and records); returns a new password."""
        with self._changing() as data:
            gone = data.removed.pop(check_name(name), None)
            if gone is None:
                raise self._problem(f"no removed account named {name}", "name")
            password = password or new_password()
            data.accounts[gone.name] = Account(gone.name, gone.role, gone.uid, hash_password(password))
        return password

    def purge(self, name: str) -> Removed:
        """Forget a removed account (its user id stays retired); the caller deletes its home and records."""
        with self._changing() as data:
            gone = data.removed.pop(check_name(name), None)
            if gone is None:
                raise self._problem(f"{name} is not a removed account (remove it first)", "name")
        return gone

    def verify(self, name: str, password: str) -> Account | None:
        """The account when ``password`` is right, else None (unknown names cost the same time)."""
        try:
            name = check_name(name)
        except AccountError:
            check_password(password, _DUMMY_HASH)
            return None
        account = self._load().accounts.get(name)
        ok = check_password(password, account.password_hash if account else _DUMMY_HASH)
        return account if ok and account else None
