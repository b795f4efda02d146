"""The glossary data: checked on load, errors name file, line and field."""

import pytest

from triage.content.glossary import GLOSSARY_FILE, glossary, load_glossary
from triage.errors import KnowledgeError


def test_shipped_glossary_loads_sorted_with_known_sections():
    terms = glossary()
    assert len(terms) >= 25
    assert [t.term.casefold() for t in terms] == sorted(t.term.casefold() for t in terms)
    assert len({t.id for t in terms}) == len(terms)


@pytest.mark.parametrize(("old", "new", "field"), [
    ("guide_section: medical-specialists\n\n- id: emg", "guide_section: nowhere\n\n- id: emg", ".guide_section"),
    ("- id: emg\n  term: EMG\n", "- id: emg\n", "[10]"),
    ("- id: labrum\n", "- id: emg\n", ".id"),
    ("  also: [labral tear, hip labrum]\n", "  also: labral tear\n", ".also"),
    ("- id: triage\n", "- id: triage\n  colour: red\n", ".colour"),
])
def test_broken_glossary_is_reported_with_file_line_and_field(tmp_path, old, new, field):
    text = GLOSSARY_FILE.read_text()
    assert old in text
    path = tmp_path / "glossary.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeError) as info:
        load_glossary(path)
    problem = info.value.problems[0]
    assert field in problem.field and problem.file == str(path) and problem.line > 1
