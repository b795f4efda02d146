"""Who is answering: resolved once where a page starts, then handed to the apps as one value.

Three serving modes, three sources (apps never read the environment or the URL themselves):

- JupyterHub (``JUPYTERHUB_USER`` is set): the hub user; nobody types a name.
- Standalone Voilà (the kernel was started for a web request): the ``student`` URL parameter the
  landing page adds to every app link, plus ``class`` when the instructor set a class code.
  A typed name is **not authentication**: anyone can type any name.
- JupyterLab, Notebook 7 or plain Python: the operating-system user, or the name configured for the
  server (``TRIAGE_STUDENT``, set by ``make lab STUDENT="..."``), for a computer account several
  students share.
- The static build (Python in the browser, no server): :data:`BROWSER`, one learner per browser
  profile; no name, no login, no class view.

A learner's ``key`` is what the class store files answers under; it never changes for one person
in one mode (typed names are compared case-insensitively, so "Sam" and "sam " are one student).
"""

from __future__ import annotations

import getpass
import hmac
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from ..errors import IdentityError, Problem

NAME_MIN = 1
NAME_MAX = 40
CODE_MAX = 32
STUDENT_VARIABLE = "TRIAGE_STUDENT"  # the name to answer under in JupyterLab (``make lab STUDENT=...``)
Source = Literal["os", "name", "hub", "none", "browser"]

# Environment variables Voilà sets in a kernel it started (or preheated) for a web request.
_VOILA_MARKERS = ("VOILA_PREHEAT", "VOILA_KERNEL_ID", "VOILA_BASE_URL", "SCRIPT_NAME")


@dataclass(frozen=True)
class Learner:
    """The person answering: a stable store ``key`` and the name the apps show."""

    key: str
    display_name: str
    source: Source
    class_code: str | None = None

    @property
    def can_save(self) -> bool:
        """False for a guest (no name given yet): the apps work but keep nothing."""
        return self.source != "none"


GUEST = Learner(key="", display_name="guest", source="none")
# The static build's learner: whoever uses this browser profile (answers stay in this browser).
BROWSER = Learner(key="browser", display_name="you (this browser)", source="browser")


@dataclass(frozen=True)
class Resolution:
    """The learner for this page, and a plain-words problem to show when there is one."""

    learner: Learner
    problem: str | None = None


def _clean(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def check_display_name(raw: object, field: str = "student") -> str:
    """A typed name, tidied (spaces folded); :class:`IdentityError` in plain words when unusable."""
    if not isinstance(raw, str):
        raise IdentityError(Problem(field, "a name must be text"))
    name = _clean(raw)
    if len(name) < NAME_MIN:
        raise IdentityError(Problem(field, "type a name (any name your instructor will recognise)"))
    if len(name) > NAME_MAX:
        raise IdentityError(Problem(field, f"a name can have at most {NAME_MAX} characters; this one has {len(name)}"))
    if not all(ch.isprintable() for ch in name):
        raise IdentityError(Problem(field, "a name can contain only printable characters"))
    return name


def check_class_code(raw: object, field: str = "class") -> str:
    """A class code: letters, digits and hyphens, at most 32 characters."""
    if not isinstance(raw, str):
        raise IdentityError(Problem(field, "a class code must be text"))
    code = raw.strip()
    if not code or len(code) > CODE_MAX or not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in code):
        raise IdentityError(
            Problem(field, f"a class code is 1 to {CODE_MAX} letters, digits or hyphens, as your instructor gave it")
        )
    return code


def class_code_matches(given: str | None, expected: str) -> bool:
    """True when the code a student typed is the class's code: spaces round it and letter case do not count
    (codes are ASCII letters, digits and hyphens, so a code copied in capitals from a board still works)."""
    return hmac.compare_digest((given or "").strip().casefold().encode(), expected.strip().casefold().encode())


def name_key(name: str) -> str:
    """The store key for a typed name: case and spacing do not make a new student."""
    return "name:" + _clean(name).casefold()


NOT_SAVED = "Your answers on this page are not being saved: "  # how every guest's reason begins


def _first(query: Mapping[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def in_voila(environ: Mapping[str, str]) -> bool:
    """True in a kernel that Voilà started (or preheated) to answer a web request."""
    return any(k in environ for k in _VOILA_MARKERS)


def resolve_learner(
    environ: Mapping[str, str],
    query_string: str | None = None,
    class_code: str | None = None,
) -> Resolution:
    """Who is answering, from the kernel's environment and (in standalone Voilà) the page's query string.

    ``class_code`` is the code the instructor set (``TRIAGE_CLASS_CODE``); when given, a typed name
    counts only with the matching ``class`` parameter.
    """
    hub_user = environ.get("JUPYTERHUB_USER")
    if hub_user:
        return Resolution(Learner(f"hub:{hub_user}", hub_user, "hub"))
    if not in_voila(environ) and query_string is None:
        return _lab_learner(environ)
    query = parse_qs(query_string or "", keep_blank_values=True)
    raw_name = _first(query, "student")
    if raw_name is None:
        return Resolution(GUEST, NOT_SAVED + "choose a name on the home page so your answers are kept.")
    try:
        name = check_display_name(raw_name)
    except IdentityError as exc:
        return Resolution(GUEST, NOT_SAVED + f"that name cannot be used ({exc.problems[0].message}).")
    code = None
    if class_code:
        if not class_code_matches(_first(query, "class"), class_code):
            return Resolution(GUEST, NOT_SAVED + "the class code is missing or wrong. Go back to the home page and "
                                     "type it again as your instructor gave it.")
        code = class_code
    return Resolution(Learner(name_key(name), name, "name", code))


def _lab_learner(environ: Mapping[str, str]) -> Resolution:
    """JupyterLab: the configured name (``TRIAGE_STUDENT``) when it is set and usable, else the OS user.

    A configured name is filed like a typed one (:func:`name_key`), so the same name is one student in
    JupyterLab and in standalone Voila on one class store."""
    user = getpass.getuser()
    os_user = Learner(f"os:{user}", user, "os")
    configured = environ.get(STUDENT_VARIABLE, "")
    if not configured.strip():
        return Resolution(os_user)
    try:
        name = check_display_name(configured, STUDENT_VARIABLE)
    except IdentityError as exc:
        return Resolution(os_user, f"The name in {STUDENT_VARIABLE} cannot be used ({exc.problems[0].message}); "
                                   f"your answers are kept under this computer's user name, {user}.")
    return Resolution(Learner(name_key(name), name, "name"))


def instructor_key_ok(given: str | None, expected: str | None) -> bool:
    """True when an instructor key was set and ``given`` matches it (constant-time comparison)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())
