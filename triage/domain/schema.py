"""A small JSON Schema validator for the keywords the suite's schemas use.

The full ``jsonschema`` package costs about 1 s and 28 MB to import, which every student's kernel
would pay before an app appears. The case and knowledge schemas only need the keywords below; any
other keyword in a schema is refused at load time, so a schema edit can never be silently ignored.
``$ref`` points into ``$defs``, in the same schema (``#/$defs/name``) or in a sibling file
(``other.schema.json#/$defs/name``, resolved by :func:`load_schema`). ``tests/unit/test_schema.py`` checks
that this validator and ``jsonschema`` agree on every case and knowledge file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import Problem, TriageError
from .sources import Document, load_document

SUPPORTED = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "type", "enum", "required",
    "additionalProperties", "properties", "items", "minItems", "minLength", "minProperties", "pattern",
    "uniqueItems", "minimum", "exclusiveMinimum", "oneOf",
}
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
    "integer": (int,), "number": (int, float),
}
_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "boolean": "true or false",
          "integer": "a whole number", "number": "a number"}
# A $ref -> (the schema it names, the resolver for $refs inside that schema's file)
Resolver = Callable[[str], "tuple[dict[str, Any], Resolver]"]


@dataclass(frozen=True)
class SchemaError:
    """One violation: the path to the value, the keyword, and a message."""

    path: tuple[str | int, ...]
    keyword: str
    message: str
    value: Any = None
    expected: Any = None


def check_schema(schema: dict[str, Any] | bool, where: str = "#") -> None:
    """Raise ValueError if the schema uses a keyword this validator does not implement."""
    if isinstance(schema, bool):  # true allows anything, false nothing
        return
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise ValueError(f"schema at {where} uses unsupported keywords {sorted(unknown)}")
    for key in ("properties", "$defs"):
        for name, sub in schema.get(key, {}).items():
            check_schema(sub, f"{where}/{key}/{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            check_schema(schema[key], f"{where}/{key}")
    for i, sub in enumerate(schema.get("oneOf", [])):
        check_schema(sub, f"{where}/oneOf/{i}")


@cache
def load_schema(path: Path) -> dict[str, Any]:
    """Read a schema file and check it uses only supported keywords (loaded once per path)."""
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    check_schema(schema, path.name)
    return schema


def sibling_resolver(directory: Path, schema: dict[str, Any]) -> Resolver:
    """Resolve ``#/$defs/x`` in ``schema`` and ``file.schema.json#/$defs/x`` in ``directory``."""

    def resolve(ref: str) -> tuple[dict[str, Any], Resolver]:
        file, _, pointer = ref.partition("#")
        doc = load_schema(directory / file) if file else schema
        node: Any = doc
        for part in [p for p in pointer.split("/") if p]:
            node = node[part]
        return node, (sibling_resolver(directory, doc) if file else resolve)

    return resolve


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


def iter_errors(value: Any, schema: dict[str, Any] | bool, path: tuple[str | int, ...] = (),
                resolve: Resolver | None = None) -> Iterator[SchemaError]:
    """Every violation of ``schema`` by ``value``, depth first (``resolve`` follows ``$ref``)."""
    if isinstance(schema, bool):
        if not schema:
            yield SchemaError(path, "false", "is not allowed here", value)
        return
    resolve = resolve or sibling_resolver(Path("."), schema)
    if "$ref" in schema:
        target, inner = resolve(schema["$ref"])
        yield from iter_errors(value, target, path, inner)
    if "enum" in schema and value not in schema["enum"]:
        yield SchemaError(path, "enum", f"{value!r} is not allowed", value, schema["enum"])
        return
    kind = schema.get("type")
    if kind and not _is(value, kind):
        yield SchemaError(path, "type", f"{value!r} is not of type {kind!r}", value, kind)
        return
    if "oneOf" in schema:
        matching = sum(not any(iter_errors(value, sub, path, resolve)) for sub in schema["oneOf"])
        if matching != 1:
            yield SchemaError(path, "oneOf", schema.get("description", "must match exactly one of the allowed forms"),
                              value, matching)
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                yield SchemaError(path, "required", f"{name!r} is a required property", name)
        if len(value) < schema.get("minProperties", 0):
            yield SchemaError(path, "minProperties", f"needs at least {schema['minProperties']} entries",
                              value, schema["minProperties"])
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name in sorted(set(value) - set(props), key=str):
            if extra is False:
                yield SchemaError((*path, name), "additionalProperties", "unknown field", name, list(props))
            elif isinstance(extra, dict):
                yield from iter_errors(value[name], extra, (*path, name), resolve)
        for name, sub in props.items():
            if name in value:
                yield from iter_errors(value[name], sub, (*path, name), resolve)
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            yield SchemaError(path, "minItems", f"needs at least {schema['minItems']} entries, has {len(value)}",
                              value, schema["minItems"])
        if schema.get("uniqueItems") and len({repr(v) for v in value}) < len(value):
            yield SchemaError(path, "uniqueItems", "has repeated entries", value)
        if isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                yield from iter_errors(item, schema["items"], (*path, i), resolve)
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            message = ("must not be empty" if schema["minLength"] == 1
                       else f"is too short (at least {schema['minLength']} characters)")
            yield SchemaError(path, "minLength", message, value, schema["minLength"])
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield SchemaError(path, "pattern", f"{value!r} does not match {schema['pattern']!r}", value,
                              schema["pattern"])
    if _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            yield SchemaError(path, "minimum", f"must be at least {schema['minimum']}, got {value!r}", value,
                              schema["minimum"])
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            yield SchemaError(path, "exclusiveMinimum", f"must be more than {schema['exclusiveMinimum']}, got "
                              f"{value!r}", value, schema["exclusiveMinimum"])


def field_path(parts: tuple[str | int, ...]) -> str:
    """``('rules', 0, 'when')`` -> ``rules[0].when``: the field form of error messages."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def document_problems(doc: Document, schema: dict[str, Any], resolve: Resolver | None = None) -> list[Problem]:
    """Every schema violation in ``doc`` as a :class:`Problem` naming file, line and field, in plain words."""
    problems = []
    for err in iter_errors(doc.data, schema, resolve=resolve):
        where = field_path(err.path)
        message = err.message
        if err.keyword == "additionalProperties":
            message = f"unknown field; allowed here: {', '.join(map(str, err.expected))}"
        elif err.keyword == "required":
            where = f"{where}.{err.value}" if where else str(err.value)
            message = "is required"
        elif err.keyword == "enum":
            message = f"{err.value!r} is not allowed; valid values: {', '.join(map(str, err.expected))}"
        elif err.keyword == "type":
            message = f"must be {_WORDS[err.expected]}, got {err.value!r}"
        problems.append(Problem(where, message, doc.path, doc.line_of(where)))
    return problems


def read_checked(path: Path, schema_path: Path, error: type[TriageError]) -> tuple[Document, list[Problem]]:
    """Parse a data file (``error`` if it cannot be read or parsed) and check it against a schema file."""
    doc = load_document(path, error)
    schema = load_schema(schema_path)
    return doc, document_problems(doc, schema, sibling_resolver(schema_path.parent, schema))
