"""A JupyterHub authenticator over the class list: each person logs in with their own password.

JupyterHub's built-in ``dummy`` authenticator takes one shared password, so anyone who knows it can
log in under any name. This one checks the name and password against :class:`~.accounts.AccountBook`
(scrypt hashes); only people on the list may log in. It uses JupyterHub's own login form.

The class list is also where roles live: the authenticator manages the hub's groups (``instructors``)
and admin flag from it, at every login and whenever the hub refreshes a user's authentication
(``Authenticator.auth_refresh_age``, on cookie and token requests alike) and before every server starts
(``refresh_pre_spawn``), so a role changed on the list takes effect without restarting the hub. A running
server keeps the scopes its token got when it started, so ``accounts role`` stops the person's server
(:func:`~.admin.restart_in_hub`) and the next one starts with the new role. A user an administrator
deletes in ``/hub/admin`` is taken off the list too (their id, home and records are kept, as with ``accounts remove``).
"""

from __future__ import annotations

from typing import Any

from jupyterhub.auth import Authenticator
from traitlets import Unicode, default

from .accounts import Account, AccountBook, AccountError


def auth_model(account: Account) -> dict[str, Any]:
    """What the hub records for a login: name, admin flag and groups, all from the class list."""
    return {"name": account.name, "admin": account.is_admin, "groups": account.groups}


class ClassListAuthenticator(Authenticator):
    """Log in with a name and password from the class list (``python -m triage.hubservice accounts``)."""

    accounts_file = Unicode(
        help="The class list (JSON) written by `python -m triage.hubservice accounts`; it is the allow list."
    ).tag(config=True, allow_config=True)

    @default("manage_groups")
    def _groups_from_the_class_list(self) -> bool:
        return True

    @default("refresh_pre_spawn")
    def _roles_as_the_class_list_says_at_spawn(self) -> bool:
        return True  # a server's token carries the scopes its owner holds when it starts: read the list first

    @default("delete_invalid_users")
    def _forget_users_taken_off_the_list(self) -> bool:
        return True  # at hub start, hub users no longer on the class list are deleted (their tokens with them)

    def _book(self) -> AccountBook:
        return AccountBook(self.accounts_file)

    async def authenticate(self, handler, data):
        name = (data or {}).get("username", "")
        password = (data or {}).get("password", "")
        if not password:
            return None
        try:
            account = self._book().verify(name, password)
        except AccountError as exc:
            self.log.error("class list unreadable: %s", exc)
            return None
        if account is None:
            self.log.warning("failed login for %r", name)
            return None
        return auth_model(account)

    async def refresh_user(self, user, handler=None):
        """The user's groups and admin flag as the class list says now; False (log in again) once removed."""
        try:
            account = self._book().get(user.name)
        except AccountError as exc:
            self.log.error("class list unreadable: %s", exc)
            return True  # keep what the hub has rather than lock everyone out
        if account is None:
            self.log.warning("%s is no longer on the class list", user.name)
            return False
        return auth_model(account)

    def check_allowed(self, username, authentication=None):
        """Only people on the class list (re-read on each login, so new accounts need no restart)."""
        try:
            return self._book().get(username) is not None
        except AccountError as exc:
            self.log.error("class list unreadable: %s", exc)
            return False

    def add_user(self, user):
        """Refuse hub users who are not on the class list (at hub start they are then deleted, tokens and all;
        in ``/hub/admin`` adding them fails: accounts are made with ``accounts add``)."""
        if not self.check_allowed(user.name):
            raise ValueError(f"{user.name} is not on the class list {self.accounts_file}: the hub's admin page cannot "
                             f"add people; add them on the hub's machine with `python -m triage.hubservice accounts "
                             f"add {user.name}` (or an import of the roster), then they can log in")
        return super().add_user(user)

    def delete_user(self, user):
        """An administrator deleted ``user`` in the hub: take them off the class list as well (data kept)."""
        super().delete_user(user)
        try:
            book = self._book()
            if book.get(user.name) is not None:
                book.remove(user.name)
                self.log.info("%s deleted in the hub: removed from the class list (home and records kept)",
                              user.name)
        except AccountError as exc:
            self.log.error("could not take %s off the class list: %s", user.name, exc)
