"""The contents manager for served apps: no notebook-trust check.

Jupyter's contents manager checks every notebook it reads against the user's signature database
and logs "Notebook ... is not trusted" when the notebook was never signed there. The suite's
notebooks are stored unsigned (outputs stripped; a signature is per user and per secret), so a
server logged that warning for every notebook and every preheated kernel, and paid a SQLite lookup
each time. Trust only decides whether stored outputs may run HTML/JavaScript in the classic
notebook; Voilà executes the notebook afresh and marks every output trusted itself
(``voila.exporter``), so the check decides nothing here.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.contents.largefilemanager import LargeFileManager


class ServedNotebooksManager(LargeFileManager):
    """Voilà's ``LargeFileManager`` without the signature lookup (and its warning) on every read."""

    def mark_trusted_cells(self, nb: Any, path: str = "") -> None:
        self.notary.mark_cells(nb, True)
