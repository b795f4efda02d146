"""Read YAML or JSON files and find the line a field came from.

Text is parsed once into a YAML node tree (libyaml's composer when available) and the data is built
from that tree by PyYAML's safe constructor, so no tag can build an arbitrary object.
:class:`Document.line_of` walks the tree along a field path such as ``questions[2].options`` to point
error messages at a line.

The static build (Python in the browser, where PyYAML is pure Python and slow) adds a table of the
package's own files already parsed (``precomputed.json``, JSON keyed by the SHA-256 of each file's
text; see :func:`precomputed_table`). A text whose hash is in the table is not parsed again; any other
text, an edited file included, is parsed as usual. Outside the static build there is no table.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, TriageError

LineLookup = Callable[[str], "int | None"]
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
# libyaml's composer when PyYAML was built with it (much faster); the pure-Python one otherwise
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Written into the package by the static build only (tools.static_site.build); absent elsewhere.
PRECOMPUTED = Path(__file__).resolve().parents[1] / "precomputed.json"
PRECOMPUTED_FORMAT = 1


def split_path(path: str) -> list[str | int]:
    """Split ``a.b[2].c`` into ``['a', 'b', 2, 'c']``."""
    return [int(idx) if idx else key for key, idx in _PART.findall(path)]


@dataclass
class Document:
    """Parsed data plus a way back to the source line of any field."""

    data: Any
    path: str | None
    _root: yaml.Node | None
    _text: str | None = None  # composed on the first line_of when the data came from the precomputed table

    def line_of(self, field: str) -> int | None:
        """1-based line of ``field`` (or of its nearest existing parent), if known."""
        if self._root is None and self._text is not None:
            text, self._text = self._text, None
            try:
                self._root = yaml.compose(text, Loader=_COMPOSER)
            except yaml.YAMLError:
                self._root = None
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
    elif table := _precomputed():
        known = table.get(text_key(text))
        if known is not None:  # checked when the table was made: valid YAML, no key given twice
            return Document(data=json.loads(known), path=path, _root=None, _text=text)
    return _parse_yaml(text, path, error)


def _parse_yaml(text: str, path: str | None, error: type[TriageError]) -> Document:
    """Compose ``text`` once, build its data from the tree, refuse keys given twice."""
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
        data = _construct(root)
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


def _construct(root: yaml.Node | None) -> Any:
    """The data of a composed tree, built by the safe constructor (as ``yaml.safe_load`` would)."""
    if root is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root)
    finally:
        loader.dispose()


def text_key(text: str) -> str:
    """The key of ``text`` in the precomputed table: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def _precomputed() -> dict[str, str]:
    """The static build's table (text hash -> the data as JSON text), or {} when there is none."""
    try:
        table = json.loads(PRECOMPUTED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(table, dict) or table.get("format") != PRECOMPUTED_FORMAT:
        return {}
    documents = table.get("documents")
    return documents if isinstance(documents, dict) else {}


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (so a JSON round trip lost nothing)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(type(k) is str and _same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def precomputed_table(files: Iterable[tuple[str, str]], error: type[TriageError]) -> dict[str, Any]:
    """The table the static build ships as ``precomputed.json``, from (file name, YAML text) pairs: each
    text parsed here, kept when JSON holds its data exactly (strings, numbers, booleans, null, lists,
    string-keyed mappings; a date, for instance, is left out and parsed in the browser). A text that
    does not parse raises ``error`` naming its file."""
    documents: dict[str, str] = {}
    for name, text in files:
        data = _parse_yaml(text, name, error).data
        try:
            encoded = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError):
            continue
        if _same(json.loads(encoded), data):
            documents[text_key(text)] = encoded
    return {"format": PRECOMPUTED_FORMAT, "documents": dict(sorted(documents.items()))}


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
