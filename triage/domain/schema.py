"""A small JSON Schema validator for the keywords the case schema uses.

The full ``jsonschema`` package costs about 1 s and 28 MB to import, which every student's kernel
would pay before an app appears. The case schema only needs the keywords below; any other
keyword in a schema is refused at load time, so a schema edit can never be silently ignored.
``tests/unit/test_schema.py`` checks that this validator and ``jsonschema`` agree on every case file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SUPPORTED = {
    "$schema", "$id", "title", "description", "type", "enum", "required", "additionalProperties",
    "properties", "items", "minItems", "minLength", "pattern", "uniqueItems",
}
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
    "integer": (int,), "number": (int, float),
}


@dataclass(frozen=True)
class SchemaError:
    """One violation: the path to the value, the keyword, and a message."""

    path: tuple[str | int, ...]
    keyword: str
    message: str
    value: Any = None
    expected: Any = None


def check_schema(schema: dict[str, Any], where: str = "#") -> None:
    """Raise ValueError if the schema uses a keyword this validator does not implement."""
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise ValueError(f"schema at {where} uses unsupported keywords {sorted(unknown)}")
    for name, sub in schema.get("properties", {}).items():
        check_schema(sub, f"{where}/properties/{name}")
    if isinstance(schema.get("items"), dict):
        check_schema(schema["items"], f"{where}/items")


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


def iter_errors(value: Any, schema: dict[str, Any], path: tuple[str | int, ...] = ()) -> Iterator[SchemaError]:
    """Every violation of ``schema`` by ``value``, depth first."""
    if "enum" in schema and value not in schema["enum"]:
        yield SchemaError(path, "enum", f"{value!r} is not allowed", value, schema["enum"])
        return
    kind = schema.get("type")
    if kind and not _is(value, kind):
        yield SchemaError(path, "type", f"{value!r} is not of type {kind!r}", value, kind)
        return
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                yield SchemaError(path, "required", f"{name!r} is a required property", name)
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            for extra in sorted(set(value) - set(props)):
                yield SchemaError((*path, extra), "additionalProperties", "unknown field", extra, list(props))
        for name, sub in props.items():
            if name in value:
                yield from iter_errors(value[name], sub, (*path, name))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            yield SchemaError(path, "minItems", f"needs at least {schema['minItems']} entries, has {len(value)}",
                              value, schema["minItems"])
        if schema.get("uniqueItems") and len({repr(v) for v in value}) < len(value):
            yield SchemaError(path, "uniqueItems", "has repeated entries", value)
        if isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                yield from iter_errors(item, schema["items"], (*path, i))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            yield SchemaError(path, "minLength", f"is too short (at least {schema['minLength']} characters)",
                              value, schema["minLength"])
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield SchemaError(path, "pattern", f"{value!r} does not match {schema['pattern']!r}", value,
                              schema["pattern"])
