"""Read YAML or JSON files and find the line a field came from.

Data is parsed with ``yaml.safe_load``. To point error messages at a line, the same text
is also composed into a node tree with ``yaml.SafeLoader`` (no object construction), and
:class:`Document.line_of` walks that tree along a field path such as ``questions[2].options``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, TriageError

LineLookup = Callable[[str], "int | None"]
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_path(path: str) -> list[str | int]:
    """Split ``a.b[2].c`` into ``['a', 'b', 2, 'c']``."""
    return [int(idx) if idx else key for key, idx in _PART.findall(path)]


@dataclass
class Document:
    """Parsed data plus a way back to the source line of any field."""

    data: Any
    path: str | None
    _root: yaml.Node | None

    def line_of(self, field: str) -> int | None:
        """1-based line of ``field`` (or of its nearest existing parent), if known."""
        node = self._root
        if node is None:
            return None
        best = node.start_mark.line + 1
        for part in split_path(field):
            nxt = None
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == part:
                        nxt = value
                        best = key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    nxt = node.value[part]
                    best = nxt.start_mark.line + 1
            if nxt is None:
                return best
            node = nxt
        return best


def _duplicate_keys(node: yaml.Node | None, where: str = "") -> list[tuple[str, int]]:
    """Keys that appear twice in one mapping (YAML would silently keep only the last)."""
    found: list[tuple[str, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            field = f"{where}.{name}" if where else name
            if name in seen:
                found.append((field, key.start_mark.line + 1))
            seen.add(name)
            found += _duplicate_keys(value, field)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, f"{where}[{i}]")
    return found


def parse_text(text: str, path: str | None, error: type[TriageError]) -> Document:
    """Parse YAML/JSON ``text``; raise ``error`` naming the file and line on a syntax error.

    Files named ``*.json`` are parsed as strict JSON; everything else as YAML. A key given
    twice in one mapping is an error, since one of the two values would be lost.
    """
    if path and path.endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise error(Problem(field="", message=f"not valid JSON: {exc.msg}", file=path, line=exc.lineno)) from None
    try:
        data = yaml.safe_load(text)
        # the node tree only (no objects are constructed); libyaml's composer when available
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or "cannot be parsed"
        raise error(Problem(field="", message=f"not valid YAML/JSON: {reason}", file=path, line=line)) from None
    except yaml.YAMLError as exc:
        raise error(Problem(field="", message=f"not valid YAML/JSON: {exc}", file=path)) from None
    dups = _duplicate_keys(root)
    if dups:
        raise error(Problem(field, "given twice; keep one", path, line) for field, line in dups)
    return Document(data=data, path=path, _root=root)


def load_document(path: str | Path, error: type[TriageError]) -> Document:
    """Read and parse a YAML or JSON file; unreadable files raise ``error`` naming the file."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(Problem(field="", message="file not found", file=name)) from None
    except IsADirectoryError:
        raise error(Problem(field="", message="is a directory, expected a file", file=name)) from None
    except UnicodeDecodeError:
        raise error(Problem(field="", message="not UTF-8 text", file=name)) from None
    except OSError as exc:
        raise error(Problem(field="", message=f"cannot be read ({exc.strerror})", file=name)) from None
    return parse_text(text, name, error)
