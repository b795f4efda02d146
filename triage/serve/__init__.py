"""Serving the apps to a class: the standalone launcher and the pieces a Jupyter server can mount.

- ``python -m triage serve`` (:mod:`triage.serve.app`): standalone Voilà with the suite's settings,
  a kernel ceiling and reaping of unclaimed kernels (:mod:`triage.serve.kernels`), the landing page's
  data (:mod:`triage.serve.landing`) and the progress endpoint (:mod:`triage.serve.progress`).
- As a Jupyter server extension (each student's server on JupyterHub), ``triage.serve`` adds the
  progress endpoint and the landing page's data next to Voilà's own extension; identity is then the
  hub user. Enable it with ``--ServerApp.jpserver_extensions="{'triage.serve': True}"``.

Importing this package is cheap: Voilà and Tornado load only when a server uses it.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "triage.serve"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from .extension import load

    load(serverapp)


async def _start_jupyter_server_extension(serverapp: Any) -> None:
    from .extension import start

    start(serverapp)
