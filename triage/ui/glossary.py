"""The glossary as a small app of its own: every term the suite uses, open (the frame's footer folds the same
list into one disclosure: :func:`triage.ui.common.glossary_html`)."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from .common import terms_html
from .context import AppContext
from .fallback import mimebundle
from .frame import app_frame


class Glossary:
    """The glossary, open, as an app of its own."""

    def __init__(self, context: AppContext | None = None, notebook: str = "00_start_here.ipynb") -> None:
        self.list = w.HTML(f'<h3>Glossary</h3><div class="triage-glossary">{terms_html()}</div>')
        self.list.add_class("triage-glossary-app")
        self.frame = app_frame(context, notebook, self.list)
        self.widget = self.frame.widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self.widget, **kwargs)
