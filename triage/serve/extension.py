"""The Jupyter server extension: the progress endpoint and the landing page's data inside a Jupyter
server (each student's server on JupyterHub, Binder, a local JupyterLab with Voilà).

Identity follows the server (:func:`triage.serve.progress.identity_mode`): under JupyterHub
(``JUPYTERHUB_USER`` set) the endpoint answers, to authenticated requests only, with the record of the
hub user who owns the server (the identity the apps' kernels there answer as; JupyterHub's login
decides who may reach the server) and the landing page asks for no name; elsewhere it works like
standalone Voilà (typed names, class code from ``TRIAGE_CLASS_CODE``).
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import IdentityError
from ..store.identity import check_class_code
from .handlers import SETTINGS_KEY, ServeSettings, progress_handlers
from .landing import install_landing
from .progress import identity_mode


def _class_code(serverapp: Any) -> str | None:
    raw = os.environ.get("TRIAGE_CLASS_CODE")
    if not raw:
        return None
    try:
        return check_class_code(raw)
    except IdentityError as exc:
        serverapp.log.error("triage.serve: TRIAGE_CLASS_CODE ignored: %s", exc)
        return None


def load(serverapp: Any) -> None:
    """Mount the handlers; install the landing data if Voilà's templates are already set up."""
    web_app = serverapp.web_app
    mode = identity_mode(os.environ)
    settings = ServeSettings(mode=mode, class_code=_class_code(serverapp) if mode == "typed" else None,
                             hub_user=os.environ.get("JUPYTERHUB_USER") or None)
    web_app.settings[SETTINGS_KEY] = settings
    web_app.add_handlers(".*$", progress_handlers(web_app.settings["base_url"]))
    _install(serverapp)
    serverapp.log.info("triage.serve: progress endpoint at %striage/api/progress (identity: %s)",
                       web_app.settings["base_url"], mode)


def start(serverapp: Any) -> None:
    """After every extension loaded (Voilà's sorts after ours): install the landing data."""
    if not _install(serverapp):
        serverapp.log.warning("triage.serve: Voila's server extension is not enabled; the landing page "
                              "shows the stock notebook list")


def _install(serverapp: Any) -> bool:
    web_app = serverapp.web_app
    env = web_app.settings.get("voila_jinja2_env")
    if env is None:
        return False
    settings: ServeSettings = web_app.settings[SETTINGS_KEY]
    install_landing(env.globals, settings.mode, bool(settings.class_code), settings.hub_user)
    return True
