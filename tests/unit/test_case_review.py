"""The reviewer's checks on cases: no story gives its "where" answer away; facts beyond the guide are cited."""

from __future__ import annotations

from pathlib import Path

import yaml

from triage.content.cases import check_case
from triage.content.cases.review import beyond_guide, cites, names_found, provider_names
from triage.domain.knowledge import knowledge
from triage.domain.model import NextStep

BAD = Path(__file__).resolve().parents[2] / "tests" / "data" / "bad_cases"
CASES = Path(__file__).resolve().parents[2] / "case_studies"


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


# -- what the story tells, the presentation must say (a rule reads only the presentation) -----------------

def test_plain_wordings_of_a_fact_are_found_and_denials_are_not():
    from triage.content.cases.review import facts_stated

    def found(text):
        return [fact for fact, _ in facts_stated(text)]

    for text in ("This morning she would not stand when her father lifted her out of her cot.",
                 "His temperature is 38.8 °C, he will not put his right foot on the floor.",
                 "She has tried to get up but cannot put any weight on her right leg.",
                 "This evening she would rather be carried than walk.",
                 "He still will not put his right foot down.",
                 "He refuses to bear weight on the left."):
        assert "symptom:cannot_bear_weight" in found(text), text
    for text in ("She can put her full weight on the leg.", "Her legs hold her up.", "He can still walk normally.",
                 "He cannot lift the front of his left foot against resistance.", "He still cannot walk to the park."):
        assert "symptom:cannot_bear_weight" not in found(text), text
    assert found("Her temperature is 38.5 °C.") == ["symptom:fever"] and found("Her temperature is 37.2 °C.") == []
    assert found("Last night he shivered under two duvets.") == ["symptom:chills"]
    assert found("This morning she wet herself without any warning.") == ["symptom:new_bowel_or_bladder_incontinence"]
    assert found("She passes urine normally and has not lost control of her bladder or bowels.") == []
    assert found("She slipped on her way to the bathroom in the night.") == ["trauma"]
    assert found("He fell over at football three weeks ago but was fine afterwards.") == []  # an old injury
    assert found("Nobody saw him fall.") == []
    assert found("The ball at the top of his thigh bone has slipped backwards on the neck of the bone.") == []


def test_a_story_that_says_the_child_will_not_stand_needs_the_symptom(tmp_path):
    """The class of defect a clinical teacher found in the keys: the story says it, the rules never see it."""
    def drop_symptom(data):
        data["stages"][0]["presentation"]["symptoms"].remove("cannot_bear_weight")
        data["stages"][1]["changes"]["add"] = {"symptoms": ["cannot_bear_weight"]}
        data["stages"][0]["expected"] = {"urgency": "routine", "next_step": "primary_care"}

    source = CASES / "climbing-frame-thigh.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    drop_symptom(data)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    problems, _ = check_case(path)
    assert [p.field for p in problems if "cannot_bear_weight" in p.message] == ["stages[0].text"]
    assert "'will not stand'" in problems[0].message and problems[0].line is not None


def test_a_toddler_whose_age_is_told_in_months_has_it_in_months(tmp_path):
    source = CASES / "toddler-will-not-stand.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["age_months"] = 20
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert [(p.field, "must be 22" in p.message) for p in check_case(path)[0]] == [("age_months", True)]


def test_every_library_case_says_in_its_presentation_what_its_story_tells():
    from triage.content.cases import case_files

    problems = [f"{p.file}:{p.line}: {p.field}: {p.message}" for path in case_files()
                for p in check_case(path)[0]]
    assert problems == []
