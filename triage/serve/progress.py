"""The landing page's view of one learner's record: who is asking, and what they have completed.

Endpoint contract (``GET <base_url>triage/api/progress``, JSON, never cached):

- **Identity comes from the serving mode, never from another learner's data:**
  ``typed`` (standalone Voilà, or a Jupyter server without a hub): the ``student`` query parameter,
  checked like every typed name (:func:`triage.store.identity.check_display_name`), plus ``class`` when the
  instructor set a class code. A typed name is not authentication: anyone can type any name.
  ``hub`` (a Jupyter server started by JupyterHub): the hub user who owns the server
  (``JUPYTERHUB_USER``, the identity the apps' kernels there answer as), for authenticated requests
  only (JupyterHub's login decides who may reach the server); ``student`` and ``class`` are ignored.
- **200** ``{"learner": {"name", "source"}, "done": [notebook, ...], "counts": {...}}``: only this
  learner's completed apps and counts (``case_answers``, ``case_correct``, ``cases``,
  ``drill_answers``, ``drill_correct``, ``poll_answers``: live polls answered); never answers, never other
  learners.
- **400** ``{"error"}``: no usable name (typed mode). **403** ``{"error"}``: the class code is
  missing or wrong; nothing about the learner is returned. **503** ``{"error"}``: the store cannot be
  read right now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs

from ..errors import IdentityError
from ..store import ClassStore, LearnerRecord
from ..store.identity import Learner, check_display_name, class_code_matches, name_key

IdentityMode = Literal["typed", "hub"]
CLASS_CODE_WRONG = "The class code is missing or wrong: type it again as your instructor gave it."
STORE_DOWN = "Your record cannot be read right now; your apps still work. Try again later."


@dataclass(frozen=True)
class Answer:
    """An HTTP status and the JSON body to send."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


def identity_mode(environ: Mapping[str, str]) -> IdentityMode:
    """``hub`` inside a server JupyterHub started (it sets ``JUPYTERHUB_USER``), else ``typed``."""
    return "hub" if environ.get("JUPYTERHUB_USER") else "typed"


def typed_learner(query_string: str, class_code: str | None) -> Learner | Answer:
    """The learner a typed name stands for, as the apps resolve it; an error :class:`Answer` otherwise."""
    query = parse_qs(query_string, keep_blank_values=True)
    if class_code:
        if not class_code_matches((query.get("class") or [""])[0], class_code):
            return Answer(403, {"error": CLASS_CODE_WRONG})
    raw = (query.get("student") or [None])[0]
    if raw is None:
        return Answer(400, {"error": "Choose a name on the home page so your answers are kept."})
    try:
        name = check_display_name(raw)
    except IdentityError as exc:
        return Answer(400, {"error": f"That name cannot be used: {exc.problems[0].message}."})
    return Learner(name_key(name), name, "name", class_code or None)


def hub_learner(username: str) -> Learner:
    """The learner for a JupyterHub user (the same key the apps use: ``hub:<name>``)."""
    return Learner(f"hub:{username}", username, "hub")


def record_body(learner: Learner, record: LearnerRecord) -> dict[str, Any]:
    """The 200 body: the learner's own completed apps and counts, nothing else."""
    answers = list(record.answers.values())
    return {
        "learner": {"name": learner.display_name, "source": learner.source},
        "done": sorted(record.done),
        "counts": {
            "case_answers": len(answers),
            "case_correct": sum(1 for a in answers if a.correct),
            "cases": len({case for case, _ in record.answers}),
            "drill_answers": len(record.drill),
            "drill_correct": sum(1 for d in record.drill if d.correct),
            "poll_answers": record.polls_answered,
        },
    }


def answer_progress(learner: Learner | Answer, store: ClassStore | None) -> Answer:
    """The endpoint's answer for a resolved learner (or the identity error) and an open store."""
    if isinstance(learner, Answer):
        return learner
    if store is None:
        return Answer(503, {"error": STORE_DOWN})
    return Answer(200, record_body(learner, store.learner_record(learner)))
