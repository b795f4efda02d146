"""Reading YAML/JSON with line numbers, duplicate keys and syntax errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.domain import sources
from triage.domain.sources import load_document, parse_text, split_path
from triage.errors import PresentationError

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


@pytest.fixture
def table_file(tmp_path, monkeypatch):
    """Point the reader at a precomputed table in tmp_path (as the static build's package has one)."""
    path = tmp_path / "precomputed.json"
    monkeypatch.setattr(sources, "PRECOMPUTED", path)
    sources._precomputed.cache_clear()
    yield path
    sources._precomputed.cache_clear()


def write_table(path, table) -> None:
    path.write_text(json.dumps(table))
    sources._precomputed.cache_clear()  # read once per process, as in the browser


def test_a_text_in_the_precomputed_table_is_not_parsed_again(table_file):
    table = sources.precomputed_table([("x.yaml", TEXT)], PresentationError)
    assert list(table["documents"]) == [sources.text_key(TEXT)]
    # a forged entry shows the table is what answers: the text itself says otherwise
    table["documents"][sources.text_key(TEXT)] = json.dumps({"title": "from the table"})
    write_table(table_file, table)
    doc = parse_text(TEXT, "x.yaml", PresentationError)
    assert doc.data == {"title": "from the table"}
    assert doc.line_of("questions[0].options[1].text") == 8  # lines still come from the text


def test_the_table_gives_the_same_data_as_parsing_and_a_fresh_copy_each_time(table_file):
    parsed = parse_text(TEXT, "x.yaml", PresentationError).data
    write_table(table_file, sources.precomputed_table([("x.yaml", TEXT)], PresentationError))
    first = parse_text(TEXT, "x.yaml", PresentationError).data
    assert first == parsed
    first["title"] = "changed by a caller"
    assert parse_text(TEXT, "x.yaml", PresentationError).data == parsed


def test_an_edited_text_is_parsed_and_still_checked(table_file):
    write_table(table_file, sources.precomputed_table([("x.yaml", TEXT)], PresentationError))
    assert parse_text(TEXT + "extra: 1\n", "x.yaml", PresentationError).data["extra"] == 1
    with pytest.raises(PresentationError, match="given twice"):
        parse_text(TEXT + "title: again\n", "x.yaml", PresentationError)


def test_data_json_cannot_hold_exactly_is_left_out_of_the_table():
    texts = ["when: 2026-11-26\n", "1: one\n", "x: .nan\n", "ok: [1, 2.5, true, null, text]\n"]
    table = sources.precomputed_table([(f"{i}.yaml", t) for i, t in enumerate(texts)], PresentationError)
    assert list(table["documents"]) == [sources.text_key(texts[3])]


def test_a_text_that_does_not_parse_cannot_enter_the_table():
    with pytest.raises(PresentationError) as exc:
        sources.precomputed_table([("twice.yaml", "a: 1\na: 2\n")], PresentationError)
    assert str(exc.value) == "twice.yaml:2: a: given twice; keep one"


@pytest.mark.parametrize("content", ["not json", '{"format": 99, "documents": {}}', "[]"])
def test_an_unusable_table_is_ignored(table_file, content):
    table_file.write_text(content)
    sources._precomputed.cache_clear()
    assert parse_text(TEXT, "x.yaml", PresentationError).data["title"] == "demo"


def test_every_data_file_in_the_repository_reads_as_safe_load_reads_it():
    import yaml

    root = Path(__file__).resolve().parents[2]
    files = sorted([*(root / "triage").rglob("*.yaml"), *(root / "case_studies").glob("*.yaml")])
    assert len(files) > 40
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert sources._parse_yaml(text, str(f), PresentationError).data == yaml.safe_load(text), f
