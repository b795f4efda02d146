"""The small schema validator agrees with the reference ``jsonschema`` implementation."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from triage.content.cases import TARGETS_SCHEMA_PATH, case_schema, load_targets
from triage.domain.schema import check_schema, iter_errors
from triage.errors import CaseError

ROOT = Path(__file__).resolve().parents[2]
FILES = [*sorted((ROOT / "case_studies").glob("[!_]*.yaml")),
         *sorted((ROOT / "tests" / "data" / "bad_cases").glob("*.yaml")),
         *sorted((ROOT / "tests" / "data" / "good_cases").glob("*.yaml"))]


def _documents():
    for f in FILES:
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        yield f.name, data


@pytest.mark.parametrize(("name", "data"), list(_documents()), ids=lambda v: v if isinstance(v, str) else "")
def test_agrees_with_jsonschema_on_every_case_file(name, data):
    reference = jsonschema.Draft202012Validator(case_schema())
    ours = {tuple(e.path) for e in iter_errors(data, case_schema())}
    theirs = {tuple(e.absolute_path) for e in reference.iter_errors(data)}
    # additionalProperties: jsonschema reports the parent object, we report each unknown field
    theirs_fixed = set()
    for e in reference.iter_errors(data):
        if e.validator == "additionalProperties":
            theirs_fixed |= {(*e.absolute_path, k) for k in set(e.instance) - set(e.schema.get("properties", {}))}
        else:
            theirs_fixed.add(tuple(e.absolute_path))
    assert ours == theirs_fixed, (name, ours, theirs)


def test_the_shipped_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(case_schema())


def test_the_staged_fields_are_in_the_schema():
    stage = case_schema()["properties"]["stages"]["items"]["properties"]
    assert {"id", "title", "text", "presentation", "changes", "reveals", "expected"} == set(stage)
    question = case_schema()["properties"]["questions"]["items"]
    assert {"after", "asks", "needs"} <= set(question["properties"]) and "after" in question["required"]
    option = question["properties"]["options"]["items"]
    assert {"refs", "step", "urgency"} <= set(option["properties"]) and "refs" in option["required"]


def test_the_targets_schema_agrees_with_jsonschema():
    schema = json.loads(TARGETS_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    check_schema(schema)
    shipped = yaml.safe_load((ROOT / "case_studies" / "_coverage.yaml").read_text(encoding="utf-8"))
    assert list(iter_errors(shipped, schema)) == []
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(shipped)) == []
    broken = {"minimums": {"next_step": "5", "red_flag": 3, "tag": {"overlap": 1}, "answer_changes": 1}}
    ours = {(tuple(e.path), e.keyword) for e in iter_errors(broken, schema)}
    assert ours == {(("minimums", "next_step"), "type"), (("minimums", "tag", "overlap"), "additionalProperties"),
                    (("minimums",), "required")}
    assert len(list(jsonschema.Draft202012Validator(schema).iter_errors(broken))) == 3


def test_the_shipped_targets_load(tmp_path):
    targets = load_targets(ROOT / "case_studies" / "_coverage.yaml")
    assert (targets.next_step, targets.red_flag, targets.tags["hip-back-overlap"]) == (5, 3, 10)
    (tmp_path / "t.yaml").write_text("- a list\n")
    with pytest.raises(CaseError, match="must be a mapping"):
        load_targets(tmp_path / "t.yaml")


def test_unsupported_keywords_are_refused():
    with pytest.raises(ValueError, match="anyOf"):
        check_schema({"type": "object", "properties": {"a": {"anyOf": []}}})
    with pytest.raises(ValueError, match="if"):
        check_schema({"$defs": {"x": {"if": {}}}})


@pytest.mark.parametrize(
    ("value", "schema", "keyword"),
    [
        (1, {"type": "string"}, "type"),
        (True, {"type": "integer"}, "type"),
        ("x", {"enum": ["a", "b"]}, "enum"),
        ({}, {"type": "object", "required": ["a"]}, "required"),
        ({"b": 1}, {"type": "object", "additionalProperties": False, "properties": {}}, "additionalProperties"),
        ([], {"type": "array", "minItems": 1}, "minItems"),
        ([1, 1], {"type": "array", "uniqueItems": True}, "uniqueItems"),
        ("", {"type": "string", "minLength": 1}, "minLength"),
        ("A", {"type": "string", "pattern": "^[a-z]+$"}, "pattern"),
        ([1], {"type": "array", "items": {"type": "string"}}, "type"),
        ({}, {"type": "object", "minProperties": 1}, "minProperties"),
        (-1, {"type": "integer", "minimum": 0}, "minimum"),
        (0, {"type": "number", "exclusiveMinimum": 0}, "exclusiveMinimum"),
        ({"a": 1}, {"type": "object", "additionalProperties": {"type": "string"}}, "type"),
        ({"a": 1}, {"oneOf": [{"required": ["a"]}, {"required": ["a"]}]}, "oneOf"),
        ({"a": 1}, {"type": "object", "properties": {"a": False}}, "false"),
        ({}, {"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, "oneOf"),
        (1, {"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s"}, "type"),
    ],
)
def test_each_keyword_reports_a_violation(value, schema, keyword):
    assert [e.keyword for e in iter_errors(value, schema)] == [keyword]


# -- the knowledge files' schemas -------------------------------------------------------------------

KNOWLEDGE = ROOT / "triage" / "domain" / "knowledge"
KNOWLEDGE_FILES = ("guide_sections", "providers", "red_flags", "rules", "labels", "pain_sites")
# (file, text to replace, replacement): each breaks the file's shape in one place
BREAKS = [
    ("rules", "care_trial_complete: false}", "care_trail_complete: false}"),
    ("rules", "value: 6", "value: -6"),
    ("rules", "        count: 2", "        count: two"),
    ("rules", "    note: >-\n      Pain that shoots",
     "    then: {next_step: physiatrist}\n    note: >-\n      Pain that shoots"),
    ("rules", "    then: {next_step: physical_therapist}\n", ""),
    ("red_flags", "      - {trauma: minor, min_age: 65}", "      - {trauma: minor, min_age: old}"),
    ("red_flags", "when: {any_symptom: [fever]}", "when: {}"),
    ("red_flags", "  urgency: emergency\n", ""),
    ("labels", "    phrase: with chills\n", ""),
    ("labels", "    name: Chills\n", "    name: ''\n"),
    ("providers", "  kind: physician\n", "  kind: surgeon\n"),
    ("pain_sites", "  label: Knee\n", ""),
    ("guide_sections", "- id: rehabilitation", "- id: Rehab"),
]


def _knowledge_validator(schema):
    from referencing import Registry, Resource

    resources = [Resource.from_contents(json.loads(p.read_text(encoding="utf-8")))
                 for p in (KNOWLEDGE / "schemas").glob("*.schema.json")]
    registry = Registry().with_resources((r.contents["$id"], r) for r in resources)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _paths(data, schema, folder=KNOWLEDGE / "schemas"):
    from triage.domain.schema import sibling_resolver

    ours = {tuple(e.path) for e in iter_errors(data, schema, resolve=sibling_resolver(folder, schema))}
    theirs = set()
    for e in _knowledge_validator(schema).iter_errors(data):
        if e.validator == "additionalProperties" and e.validator_value is False:
            theirs |= {(*e.absolute_path, k) for k in set(e.instance) - set(e.schema.get("properties", {}))}
        else:
            theirs.add(tuple(e.absolute_path))
    return ours, theirs


CONTENT = ROOT / "triage" / "content"
# every data file with a schema: (schema file, data file)
SCHEMA_FILES = [(KNOWLEDGE / "schemas" / f"{n}.schema.json", KNOWLEDGE / f"{n}.yaml") for n in KNOWLEDGE_FILES] + [
    (CONTENT / "schemas" / "scenarios.schema.json", CONTENT / "data" / "drill.yaml"),
    (CONTENT / "schemas" / "scenarios.schema.json", KNOWLEDGE / "pathway_examples.yaml"),
    (CONTENT / "schemas" / "glossary.schema.json", CONTENT / "data" / "glossary.yaml"),
]


@pytest.mark.parametrize(("schema_path", "data_path"), SCHEMA_FILES, ids=lambda p: p.name)
def test_each_data_file_has_a_valid_schema_it_meets(schema_path, data_path):
    from triage.domain.schema import load_schema

    schema = load_schema(schema_path)
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.safe_load(data_path.read_text(encoding="utf-8"))
    assert _paths(data, schema, schema_path.parent) == (set(), set())


def test_every_data_file_of_the_domain_and_content_has_a_schema():
    described = {d for _, d in SCHEMA_FILES}
    assert set(KNOWLEDGE.glob("*.yaml")) | set((CONTENT / "data").glob("*.yaml")) - {CONTENT / "data" / "course.yaml"} \
        <= described


@pytest.mark.parametrize(("name", "old", "new"), BREAKS)
def test_the_validator_agrees_with_jsonschema_on_broken_knowledge(name, old, new):
    from triage.domain.schema import load_schema

    text = (KNOWLEDGE / f"{name}.yaml").read_text(encoding="utf-8")
    assert old in text
    data = yaml.safe_load(text.replace(old, new, 1))
    ours, theirs = _paths(data, load_schema(KNOWLEDGE / "schemas" / f"{name}.schema.json"))
    assert ours and ours == theirs
