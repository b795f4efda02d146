"""The class list: one account per student or instructor, with a password hash, a role and a numeric user id.

Kept in one JSON file (``<state>/accounts.json``, readable by the hub's user only). Passwords are never
stored: only scrypt hashes with a per-account salt. The numeric id is the Unix user (and group) the
student's server runs as, so students cannot read each other's files (see :mod:`.spawner`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import pwd
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import Problem, TriageError

Role = Literal["student", "instructor"]
ROLES: tuple[Role, ...] = ("student", "instructor")
NAME_RE = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
FIRST_UID = 20000
# scrypt cost: about 16 MB and a few tens of milliseconds per login on this machine's cores
_N, _R, _P = 2**14, 8, 1
_WORDS = "amber birch cedar delta ember fjord grove harbor island juniper kelp lagoon maple nectar orchid " \
         "pebble quartz river summit tundra umber valley willow yarrow zephyr".split()


class AccountError(TriageError):
    """The class list cannot be read or changed as asked (the message names the file and the field)."""


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


def check_name(raw: object) -> str:
    """A hub user name: lower-case letter first, then letters, digits, '.', '_' or '-' (at most 32)."""
    name = raw.strip().lower() if isinstance(raw, str) else ""
    if not NAME_RE.match(name):
        raise AccountError(Problem("name", f"{raw!r} cannot be a user name: use 1 to 32 lower-case letters, digits, "
                                           "'.', '_' or '-', starting with a letter"))
    return name


class AccountBook:
    """The class list in ``path``; every call re-reads the file, so new accounts work without a restart."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, Account]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            raw = data["accounts"]
            return {name: Account(name, entry["role"], int(entry["uid"]), entry["hash"]) for name, entry in raw.items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AccountError(Problem("accounts", f"not a readable class list ({exc})", str(self.path))) from None

    def _save(self, accounts: dict[str, Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": 1, "accounts": {
            a.name: {"role": a.role, "uid": a.uid, "hash": a.password_hash} for a in accounts.values()}}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".accounts-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def accounts(self) -> list[Account]:
        """Everyone on the list, by name."""
        return sorted(self._load().values(), key=lambda a: a.name)

    def get(self, name: str) -> Account | None:
        return self._load().get(name)

    def _free_uid(self, taken: set[int]) -> int:
        uid = max(taken | {FIRST_UID - 1}) + 1
        while True:
            try:
                pwd.getpwuid(uid)  # a system user owns it: skip
            except KeyError:
                return uid
            uid += 1

    def add(self, name: str, role: Role = "student", password: str | None = None) -> str:
        """Create an account; returns its password (a new one unless given). An existing name is an error."""
        name = check_name(name)
        if role not in ROLES:
            raise AccountError(Problem("role", f"unknown role {role!r}; valid: {', '.join(ROLES)}", str(self.path)))
        accounts = self._load()
        if name in accounts:
            raise AccountError(Problem("name", f"{name} already has an account", str(self.path)))
        password = password or new_password()
        uid = self._free_uid({a.uid for a in accounts.values()})
        accounts[name] = Account(name, role, uid, hash_password(password))
        self._save(accounts)
        return password

    def set_password(self, name: str, password: str | None = None) -> str:
        """Give an account a new password (returned)."""
        accounts = self._load()
        account = accounts.get(check_name(name))
        if account is None:
            raise AccountError(Problem("name", f"no account named {name}", str(self.path)))
        password = password or new_password()
        accounts[account.name] = Account(account.name, account.role, account.uid, hash_password(password))
        self._save(accounts)
        return password

    def remove(self, name: str) -> None:
        """Delete an account (the student's home folder and class records are kept)."""
        accounts = self._load()
        if accounts.pop(check_name(name), None) is None:
            raise AccountError(Problem("name", f"no account named {name}", str(self.path)))
        self._save(accounts)

    def verify(self, name: str, password: str) -> Account | None:
        """The account when ``password`` is right, else None (unknown names cost the same time)."""
        try:
            name = check_name(name)
        except AccountError:
            check_password(password, _DUMMY_HASH)
            return None
        account = self._load().get(name)
        ok = check_password(password, account.password_hash if account else _DUMMY_HASH)
        return account if ok and account else None
