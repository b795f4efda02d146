"""Load presentations (the engine's input) from YAML or JSON files, with file and line in errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import PresentationError, Problem
from .model import Presentation
from .sources import Document, load_document, parse_text


def presentation_from_document(doc: Document, prefix: str = "") -> Presentation:
    """Build a presentation from parsed data; problems name ``doc``'s file and the field's line."""
    data: Any = doc.data
    for part in [p for p in prefix.split(".") if p]:
        data = data.get(part) if isinstance(data, dict) else None
    try:
        return Presentation.from_dict(data)
    except PresentationError as exc:
        raise PresentationError(
            Problem(
                field=f"{prefix}.{p.field}".strip(".") if prefix else p.field,
                message=p.message,
                file=doc.path,
                line=doc.line_of(f"{prefix}.{p.field}".strip(".")),
            )
            for p in exc.problems
        ) from None


def load_presentation(path: str | Path) -> Presentation:
    """Read one presentation from a YAML or JSON file."""
    return presentation_from_document(load_document(path, PresentationError))


def parse_presentation(text: str, name: str = "<text>") -> Presentation:
    """Parse one presentation from YAML or JSON text."""
    return presentation_from_document(parse_text(text, name, PresentationError))
