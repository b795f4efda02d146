"""A JupyterHub authenticator over the class list: each person logs in with their own password.

JupyterHub's built-in ``dummy`` authenticator takes one shared password, so anyone who knows it can
log in under any name. This one checks the name and password against :class:`~.accounts.AccountBook`
(scrypt hashes); only people on the list may log in. It uses JupyterHub's own login form.
"""

from __future__ import annotations

from jupyterhub.auth import Authenticator
from traitlets import Unicode

from .accounts import AccountBook, AccountError


class ClassListAuthenticator(Authenticator):
    """Log in with a name and password from the class list (``python -m triage.hubservice accounts``)."""

    accounts_file = Unicode(
        help="The class list (JSON) written by `python -m triage.hubservice accounts`; it is the allow list."
    ).tag(config=True, allow_config=True)

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
        return {"name": account.name, "admin": False}

    def check_allowed(self, username, authentication=None):
        """Only people on the class list (re-read on each login, so new accounts need no restart)."""
        try:
            return self._book().get(username) is not None
        except AccountError as exc:
            self.log.error("class list unreadable: %s", exc)
            return False
