"""Names for every id: complete, checked, and used instead of ids."""

import pytest

from triage.domain.knowledge import knowledge
from triage.domain.model import Finding, PainSite, Symptom, Trauma, Urgency
from triage.domain.vocabulary import LABELS_FILE, in_sentence, load_vocabulary, vocabulary
from triage.errors import KnowledgeError


def test_every_id_has_a_name_that_is_not_the_id():
    voc = vocabulary()
    for s in Symptom:
        assert voc.symptom(s) and "_" not in voc.symptom(s) and voc.symptoms[s].phrase
    for f in Finding:
        assert voc.finding(f) and "_" not in voc.finding(f)
    for t in Trauma:
        assert voc.trauma_name(t) and "_" not in voc.trauma_name(t)
    for u in Urgency:
        assert voc.urgency_name(u)
    for site in PainSite:
        assert voc.site(site)
    for rule in knowledge().rules:
        assert voc.rule(rule.id) and rule.id not in voc.rule(rule.id)


def test_red_flag_rules_take_their_flags_label():
    flag = knowledge().red_flags[0]
    assert vocabulary().rule(f"RF-{flag.id}") == f"Red flag: {flag.label}"


def test_in_sentence_keeps_acronyms():
    assert in_sentence("Fever") == "fever" and in_sentence("EMG test") == "EMG test"
    assert in_sentence("A weakened immune system") == "a weakened immune system"


@pytest.mark.parametrize(("old", "new", "field"), [
    ("  fever:\n    name: Fever\n    phrase: with a fever\n", "", "symptoms"),
    ("    name: Chills\n", "    name: ''\n", "symptoms.chills.name"),
    ("  REF-NERVE:\n", "  REF-NERVES:\n", "rules.REF-NERVES"),
    ("  adds: adds someone to consider\n", "", "effects"),
    ("    phrase: with chills\n", "", "symptoms.chills.phrase"),
    ("  cancer:\n    name: Cancer at any time in the past\n", "  cancer:\n    nam: Cancer\n",
     "history.cancer.nam"),
    ("effects:\n", "effect:\n", "effect"),
    ("  iv_drug_use:\n", "  iv_drugs:\n", "history.iv_drugs"),
])
def test_a_missing_or_unknown_name_is_reported_with_file_line_and_field(tmp_path, old, new, field):
    text = LABELS_FILE.read_text()
    assert old in text
    path = tmp_path / "labels.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeError) as info:
        load_vocabulary(path)
    assert any(p.field == field and p.file == str(path) for p in info.value.problems), info.value.problems
