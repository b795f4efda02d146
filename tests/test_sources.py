"""Reading YAML/JSON with line numbers, duplicate keys and syntax errors."""

from __future__ import annotations

import pytest

from triage.errors import PresentationError
from triage.sources import load_document, parse_text, split_path

TEXT = """title: demo
questions:
  - id: q1
    options:
      - id: a
        text: first
      - id: b
        text: second
"""


def test_split_path():
    assert split_path("questions[0].options[1].text") == ["questions", 0, "options", 1, "text"]


@pytest.mark.parametrize(
    ("field", "line"),
    [("title", 1), ("questions", 2), ("questions[0]", 3), ("questions[0].options[1].text", 8),
     ("questions[0].missing", 3), ("questions[5]", 2)],
)
def test_line_of_finds_the_field_or_its_nearest_parent(field, line):
    assert parse_text(TEXT, "x.yaml", PresentationError).line_of(field) == line


def test_duplicate_keys_are_errors_because_a_value_would_be_lost():
    with pytest.raises(PresentationError) as exc:
        parse_text("a: 1\nb:\n  c: 1\n  c: 2\n", "d.yaml", PresentationError)
    assert str(exc.value) == "d.yaml:4: b.c: given twice; keep one"


def test_yaml_tags_that_build_objects_are_refused():
    with pytest.raises(PresentationError, match="not valid YAML"):
        parse_text("a: !!python/object/apply:os.system ['true']\n", "evil.yaml", PresentationError)


def test_json_is_parsed_strictly(tmp_path):
    f = tmp_path / "p.json"
    f.write_text('{"a": 1,\n "b": 2,}\n')
    with pytest.raises(PresentationError) as exc:
        load_document(f, PresentationError)
    assert exc.value.line == 2
    assert "not valid JSON" in str(exc.value)


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(PresentationError, match="is a directory"):
        load_document(tmp_path, PresentationError)
