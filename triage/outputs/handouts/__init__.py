"""Printable handouts: per-case student sheets and instructor keys, and a one-page reference card.

Made from the case files, the knowledge base and the engine: :mod:`.content` decides what each
sheet shows, :mod:`.render` lays it out with the project's Jinja2 templates (escaped, print CSS),
:mod:`.pdf` prints the HTML with one headless Chromium, and :mod:`.build` writes the files.
Run ``make handouts`` or ``python -m triage handouts``.
"""

from .build import BuildResult, build_handouts
from .render import A4, LETTER, PAPERS, Paper

__all__ = ["A4", "LETTER", "PAPERS", "BuildResult", "Paper", "build_handouts"]
