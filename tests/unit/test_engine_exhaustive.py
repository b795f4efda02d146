"""Exhaustive safety check over every combination of the boolean inputs.

2^10 symptom sets x 2^6 finding sets x 3 trauma levels x 2 surgical preferences x 2 states of
the conservative-care trial = 786,432 presentations. For each: the engine decides without
raising; adding any one symptom or finding never lowers the urgency; every red flag gives at
least its urgency; routine results never send anyone to emergency care and vice versa.
The count checked is reported in the test summary (``user_properties``).
"""

from __future__ import annotations

import itertools

from triage.domain.engine import Facts, default_engine
from triage.domain.model import Finding, NextStep, PainSite, Symptom, Trauma, Urgency

GUIDE_FLAG_URGENCY = {
    Symptom.NEW_BOWEL_OR_BLADDER_INCONTINENCE: 2,
    Symptom.SADDLE_NUMBNESS_PROGRESSIVE: 2,
    Symptom.LEG_WEAKNESS_PROGRESSIVE: 2,
    Symptom.FEVER: 1,
    Symptom.CHILLS: 1,
    Symptom.UNEXPLAINED_WEIGHT_LOSS: 1,
}
RANK = {Urgency.ROUTINE: 0, Urgency.URGENT: 1, Urgency.EMERGENCY: 2}
EMERGENCY_STEPS = {NextStep.EMERGENCY_DEPARTMENT, NextStep.URGENT_CARE}


def _subsets(items):
    items = list(items)
    return [
        (mask, frozenset(x for i, x in enumerate(items) if mask >> i & 1)) for mask in range(1 << len(items))
    ]


def test_every_boolean_combination_is_safe(record_property):
    engine = default_engine()
    symptoms, findings = list(Symptom), list(Finding)
    sym_sets, find_sets = _subsets(symptoms), _subsets(findings)
    sites = frozenset({PainSite.LOWER_BACK, PainSite.HIP})
    checked = 0
    for trauma, prefers, care in itertools.product(Trauma, (False, True), (False, True)):
        # urgency rank per (symptom mask, finding mask) for this slice
        rank = [[0] * len(find_sets) for _ in sym_sets]
        for smask, sset in sym_sets:
            row = rank[smask]
            for fmask, fset in find_sets:
                d = engine.decide(Facts(sset, fset, trauma, prefers, care, 50, sites))
                r = RANK[d.urgency]
                row[fmask] = r
                floor = max([GUIDE_FLAG_URGENCY.get(s, 0) for s in sset] + [2 if trauma is Trauma.HIGH_IMPACT else 0])
                assert r >= floor, (sset, fset, trauma)
                assert r == floor, ("only red flags escalate", sset, fset, trauma)
                assert (d.next_step in EMERGENCY_STEPS) == (r > 0)
                if r == 0 and not care:
                    assert d.next_step is NextStep.PRIMARY_CARE
                checked += 1
        for smask in range(len(sym_sets)):
            for fmask in range(len(find_sets)):
                here = rank[smask][fmask]
                for i in range(len(symptoms)):
                    assert rank[smask | 1 << i][fmask] >= here
                for j in range(len(findings)):
                    assert rank[smask][fmask | 1 << j] >= here
    assert checked == 2**10 * 2**6 * 3 * 2 * 2 == 786_432
    record_property("presentations_checked", checked)
