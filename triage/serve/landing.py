"""What the landing page (``share/jupyter/voila/templates/triage/tree-lab.html``) shows: the course in
order, split by audience, and how the visitor says who they are. Installed as the Jinja global
``triage_landing`` by the launcher and by the Jupyter server extension."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from ..content.course import App, course
from ..domain.model import IF_WORRIED
from ..store.identity import CODE_MAX, NAME_MAX
from .progress import IdentityMode

GLOBAL_NAME = "triage_landing"


@dataclass(frozen=True)
class LandingApp:
    notebook: str
    title: str
    minutes: int
    summary: str


def _app(app: App) -> LandingApp:
    return LandingApp(app.notebook, app.title, app.minutes, app.summary)


def landing_context(mode: IdentityMode, class_code_required: bool, hub_user: str | None = None) -> dict[str, Any]:
    """The template's data: apps by audience (course order), identity mode, and the name rules."""
    apps = course()
    return {
        "student_apps": [_app(a) for a in apps if a.audience == "student"],
        "instructor_apps": [_app(a) for a in apps if a.audience == "instructor"],
        "if_worried": IF_WORRIED,
        "config": {
            "mode": mode,
            "classCodeRequired": bool(class_code_required),
            "hubUser": hub_user if mode == "hub" else None,
            "nameMax": NAME_MAX,
            "codeMax": CODE_MAX,
        },
    }


def install_landing(jinja_globals: MutableMapping[str, Any], mode: IdentityMode, class_code_required: bool,
                    hub_user: str | None = None) -> None:
    """Make the landing data available to Voilà's templates."""
    jinja_globals[GLOBAL_NAME] = landing_context(mode, class_code_required, hub_user)
