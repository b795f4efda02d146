"""Presentation and Assessment types: construction from Python objects, validation, round trips."""

from __future__ import annotations

import pytest

from triage.domain.model import Finding, PainSite, Presentation, Symptom, Trauma, Urgency
from triage.errors import PresentationError


def test_python_objects_and_strings_are_both_accepted():
    a = Presentation(pain_sites={PainSite.HIP}, duration_weeks=3, symptoms=[Symptom.FEVER], trauma=Trauma.MINOR)
    b = Presentation(pain_sites=["hip"], duration_weeks=3, symptoms=("fever",), trauma="minor")
    assert a == b
    assert a.symptoms == frozenset({Symptom.FEVER})


def test_defaults_follow_the_contract():
    p = Presentation(pain_sites=["leg"], duration_weeks=0)
    assert (p.trauma, p.conservative_care_weeks, p.prefers_non_surgical, p.age) == (Trauma.NONE, 0, False, None)
    assert p.symptoms == frozenset() and p.findings == frozenset()


def test_to_dict_round_trips():
    p = Presentation(age=33, pain_sites=["hip", "groin"], duration_weeks=7.5, conservative_care_weeks=6,
                     findings=[Finding.HIP_LABRAL_TEAR], prefers_non_surgical=True)
    assert Presentation.from_dict(p.to_dict()) == p


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pain_sites": "hip"}, "pain_sites"),
        ({"pain_sites": ["hip"], "symptoms": [1]}, "symptoms[0]"),
        ({"pain_sites": ["hip"], "age": "40"}, "age"),
        ({"pain_sites": ["hip"], "duration_weeks": float("nan")}, "duration_weeks"),
        ({"pain_sites": ["hip"], "prefers_non_surgical": 1}, "prefers_non_surgical"),
        ({"pain_sites": ["hip"], "trauma": None}, "trauma"),
    ],
)
def test_wrong_types_from_python_name_the_field(kwargs, field):
    kwargs.setdefault("duration_weeks", 1)
    with pytest.raises(PresentationError) as exc:
        Presentation(**kwargs)
    assert exc.value.field == field


def test_from_dict_rejects_unknown_keys_and_lists_valid_fields():
    with pytest.raises(PresentationError) as exc:
        Presentation.from_dict({"pain_sites": ["hip"], "duration_weeks": 1, "severity": 9})
    assert exc.value.field == "severity"
    assert "valid fields: age, pain_sites" in str(exc.value)


def test_null_symptom_and_finding_lists_mean_none():
    p = Presentation.from_dict({"pain_sites": ["hip"], "duration_weeks": 1, "symptoms": None, "findings": None})
    assert p.symptoms == frozenset()


def test_urgency_order():
    assert Urgency.ROUTINE.rank < Urgency.URGENT.rank < Urgency.EMERGENCY.rank
