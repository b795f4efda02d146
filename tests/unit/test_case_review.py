"""The reviewer's checks on cases: no story gives its "where" answer away; facts beyond the guide are cited."""

from __future__ import annotations

from pathlib import Path

import yaml

from triage.content.cases import check_case
from triage.content.cases.review import beyond_guide, cites, names_found, provider_names
from triage.domain.knowledge import knowledge
from triage.domain.model import NextStep

BAD = Path(__file__).resolve().parents[2] / "tests" / "data" / "bad_cases"


def _fixed(tmp_path, name: str, edit) -> Path:
    """A bad case with one edit applied, written under its own name (the id must equal the file name)."""
    data = yaml.safe_load((BAD / f"{name}.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_names_come_from_the_providers_and_the_glossary():
    names = provider_names()
    assert {"Primary care doctor", "primary care physician", "PCP", "family doctor", "GP", "internist"} <= set(
        names[NextStep.PRIMARY_CARE])
    assert {"Physical therapist", "PT", "physiotherapist"} <= set(names[NextStep.PHYSICAL_THERAPIST])
    assert {"Emergency department", "ER", "emergency room"} <= set(names[NextStep.EMERGENCY_DEPARTMENT])
    assert "emergency room" not in names[NextStep.URGENT_CARE]  # its brackets name another place, not itself


def test_names_are_whole_words_and_acronyms_keep_their_capitals():
    gp = provider_names()[NextStep.PRIMARY_CARE]
    assert names_found("She phoned her GP's surgery.", gp) == ["GP"]
    assert names_found("Two family doctors disagreed.", gp) == ["family doctor"]
    assert names_found("The gap between her gps", gp) == []
    er = provider_names()[NextStep.EMERGENCY_DEPARTMENT]
    assert names_found("He was tired after work and bored.", er) == []
    assert names_found("An ambulance took her to the Emergency Room.", er) == ["emergency room"]


def test_telling_the_story_without_the_name_or_after_the_question_passes(tmp_path):
    def no_name(data):
        data["stages"][0]["text"] = data["stages"][0]["text"].replace(", and a physiotherapist is already booked", "")

    assert check_case(_fixed(tmp_path, "story-names-the-answer", no_name))[0] == []

    def later(data):
        no_name(data)
        data["stages"][1]["text"] += " A physiotherapist had been booked for next week.\n"

    assert check_case(_fixed(tmp_path, "story-names-the-answer", later))[0] == []


def test_a_rule_beyond_the_guide_is_one_that_does_not_cite_the_guide():
    rules = {r.id: r for r in knowledge().rules}
    assert not beyond_guide(rules["RF-fever"]) and not beyond_guide(rules["PC-START"])
    assert not beyond_guide(rules["REF-JOINT"])  # no sources: the guide's own
    assert beyond_guide(rules["RF-fracture_risk"]) and beyond_guide(rules["RF-cancer_history"])


def test_a_case_cites_a_rule_when_it_names_the_same_document():
    rule = {r.id: r for r in knowledge().rules}["RF-fracture_risk"]
    assert cites(["NICE CG124, Hip fracture: management (2011, updated 2023): imaging"], rule)
    assert cites(["Finucane LM et al. International framework for red flags for potential serious spinal "
                  "pathologies (IFOMPT). JOSPT 2020;50(7):350-372: older age raises the suspicion"], rule)
    assert cites(["NICE CKS, Back pain - low (without radiculopathy): osteoporotic fracture"], rule)
    assert not cites(["NICE CKS, Sciatica (lumbar radiculopathy): something else"], rule)
    assert not cites(["NICE NG59 (2016): stay active"], rule)
    assert not cites([], rule)


def test_citing_a_document_of_the_deciding_rule_passes(tmp_path):
    def cited(data):
        data["sources"] = ["NICE CG124, Hip fracture: management (2011, updated 2023): suspect a hip fracture "
                           "after a fall in an older person"]

    assert check_case(_fixed(tmp_path, "beyond-guide-without-source", cited))[0] == []

    def other(data):
        data["sources"] = ["NICE NG234 (2023): spinal metastases"]

    problems = check_case(_fixed(tmp_path, "beyond-guide-without-source", other))[0]
    assert [p.field for p in problems] == ["questions[0]"]
