"""Safety check over the engine's input space: no presentation gets less than its most urgent red flag.

What a flag *is* (the facts that raise it) is written here, in ``FLAGS``, from the guide and the sources
cited in ``red_flags.yaml``; how urgent each flag is comes from the data (``red_flags.yaml`` read as plain
YAML, so a flag's urgency is written down once). Nothing the test expects is computed by the engine.
For every presentation checked:

- the urgency is exactly the highest urgency among the flags present (no emergency-level flag gets less
  than emergency, no urgent-level flag gets routine, and nothing else escalates: no over-triage);
- emergency goes to the emergency department, urgent to urgent care, routine never to either, and
  routine before a fair trial of conservative care goes to primary care;
- adding one symptom, history item or finding never lowers the urgency (parts A and B).

The full product (2^13 symptom sets x 2^5 history sets x 2^6 finding sets x 3 trauma levels x 2
surgical preferences x 2 states of the care trial x 122 ages x 127 pain-site sets) is about 10^12
presentations, so the space is partitioned by what the flags read:

A. Flags, exhaustive: every set of the five symptoms that raise a flag only together with something
   else or that are urgent on their own (fever, chills, weight loss, radiating leg pain, leg numbness) x
   no emergency symptom, each of the six emergency symptoms alone, or all six x every history set x every
   trauma level x one age per band the flags tell apart (unknown, 10, 40, 70) x pain in the lower back
   or in the hip (a child's hip flag reads the site) = 32 x 8 x 32 x 3 x 4 x 2 = 196,608.
B. Routine pathway, exhaustive: every finding set x surgical preference x care trial x every set of the
   seven symptoms that are not emergencies on their own x (no emergency symptom, each alone, all six),
   age 40, no history, no injury, lower back = 64 x 2 x 2 x 128 x 8 = 262,144.
C. Boundaries: the ages at each band's edges (and unknown) x every non-empty set of pain sites x
   (no symptom, fever, chills) x (no injury, minor injury) x (no history, osteoporosis) = 19,812.
D. A seeded random sample of 120,000 presentations from the full product.

The number checked is reported in the test summary (``user_properties``).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from pathlib import Path

import yaml

from triage.domain.engine import Facts, default_engine
from triage.domain.model import Finding, History, NextStep, PainSite, Symptom, Trauma

S, H, T = Symptom, History, Trauma
HIP_SITES = frozenset({PainSite.HIP, PainSite.GROIN, PainSite.THIGH, PainSite.KNEE})  # where a child's hip hurts
Point = tuple[frozenset[Symptom], frozenset[History], Trauma, "int | None", frozenset[PainSite]]

# flag id -> the facts that raise it (symptoms, history, trauma, age, pain sites)
FLAGS: dict[str, Callable[..., bool]] = {
    # the guide's red flags
    "new_bowel_or_bladder_incontinence": lambda s, h, t, a, p: S.NEW_BOWEL_OR_BLADDER_INCONTINENCE in s,
    "saddle_numbness_progressive": lambda s, h, t, a, p: S.SADDLE_NUMBNESS_PROGRESSIVE in s,
    "leg_weakness_progressive": lambda s, h, t, a, p: S.LEG_WEAKNESS_PROGRESSIVE in s,
    "high_impact_trauma": lambda s, h, t, a, p: t is T.HIGH_IMPACT,
    "fever": lambda s, h, t, a, p: S.FEVER in s,
    "chills": lambda s, h, t, a, p: S.CHILLS in s,
    "unexplained_weight_loss": lambda s, h, t, a, p: S.UNEXPLAINED_WEIGHT_LOSS in s,
    # suspected cauda equina syndrome before incontinence (GIRFT 2023)
    "difficulty_passing_urine": lambda s, h, t, a, p: S.DIFFICULTY_PASSING_URINE in s,
    "saddle_numbness": lambda s, h, t, a, p: S.SADDLE_NUMBNESS in s,
    "bilateral_sciatica": lambda s, h, t, a, p: S.BILATERAL_SCIATICA in s,
    # risk factors that change what a symptom or an injury means
    "cancer_with_nerve_symptoms": lambda s, h, t, a, p: H.CANCER in h and bool(
        s & {S.RADIATING_LEG_PAIN, S.LEG_NUMBNESS_OR_TINGLING}),
    "infection_risk_with_fever": lambda s, h, t, a, p: bool(s & {S.FEVER, S.CHILLS}) and bool(
        h & {H.IMMUNOSUPPRESSION, H.IV_DRUG_USE}),
    "child_hip_fever": lambda s, h, t, a, p: a is not None and a < 16 and S.FEVER in s and bool(p & HIP_SITES),
    "fracture_risk": lambda s, h, t, a, p: t is T.MINOR and (
        (a is not None and a >= 65) or bool(h & {H.OSTEOPOROSIS, H.LONG_TERM_STEROIDS})),
    "cancer_history": lambda s, h, t, a, p: H.CANCER in h,
}
RANK = {"routine": 0, "urgent": 1, "emergency": 2}
STEP_FOR_RANK = {2: {NextStep.EMERGENCY_DEPARTMENT}, 1: {NextStep.URGENT_CARE, NextStep.EMERGENCY_DEPARTMENT}}
EMERGENCY_STEPS = {NextStep.EMERGENCY_DEPARTMENT, NextStep.URGENT_CARE}
EMERGENCY_SYMPTOMS = (S.NEW_BOWEL_OR_BLADDER_INCONTINENCE, S.SADDLE_NUMBNESS_PROGRESSIVE, S.LEG_WEAKNESS_PROGRESSIVE,
                      S.DIFFICULTY_PASSING_URINE, S.SADDLE_NUMBNESS, S.BILATERAL_SCIATICA)
COMBINING_SYMPTOMS = (S.FEVER, S.CHILLS, S.UNEXPLAINED_WEIGHT_LOSS, S.RADIATING_LEG_PAIN, S.LEG_NUMBNESS_OR_TINGLING)
OTHER_SYMPTOMS = (*COMBINING_SYMPTOMS, S.PAIN_WORSE_WITH_MOVEMENT, S.PAIN_EASED_BY_REST)
EMERGENCY_CHOICES = [frozenset(), *(frozenset({s}) for s in EMERGENCY_SYMPTOMS), frozenset(EMERGENCY_SYMPTOMS)]
BAND_AGES = (None, 10, 40, 70)
EDGE_AGES = (None, 0, 1, 14, 15, 16, 17, 63, 64, 65, 66, 119, 120)


def flag_urgency() -> dict[str, int]:
    """Each flag's urgency rank, from the data file as written (not through the engine's loader)."""
    path = Path(__file__).resolve().parents[2] / "triage" / "domain" / "knowledge" / "red_flags.yaml"
    return {f["id"]: RANK[f["urgency"]] for f in yaml.safe_load(path.read_text(encoding="utf-8"))}


URGENCY = flag_urgency()


def expected_rank(s, h, t, a, p) -> int:
    return max((URGENCY[f] for f, present in FLAGS.items() if present(s, h, t, a, p)), default=0)


def _subsets(items) -> list[frozenset]:
    items = list(items)
    return [frozenset(x for i, x in enumerate(items) if mask >> i & 1) for mask in range(1 << len(items))]


class Checker:
    def __init__(self) -> None:
        self.engine = default_engine()
        self.checked = 0

    def rank(self, s, h, t, a, p, findings=frozenset(), prefers=False, care=False) -> int:
        d = self.engine.decide(Facts(s, findings, t, prefers, care, a, p, h))
        r = RANK[d.urgency.value]
        want = expected_rank(s, h, t, a, p)
        where = (sorted(s), sorted(h), t, a, sorted(p), sorted(findings), prefers, care)
        assert r == want, ("urgency", r, "expected", want, where)
        if r:
            assert d.next_step in STEP_FOR_RANK[r], ("next step", d.next_step, where)
        else:
            assert d.next_step not in EMERGENCY_STEPS, where
            if not care:
                assert d.next_step is NextStep.PRIMARY_CARE, where
        self.checked += 1
        return r


def test_the_flag_table_names_every_flag_in_the_data():
    assert set(FLAGS) == set(URGENCY)
    assert {f for f, r in URGENCY.items() if r == 2} >= {
        "new_bowel_or_bladder_incontinence", "saddle_numbness_progressive", "leg_weakness_progressive",
        "high_impact_trauma", "difficulty_passing_urine", "saddle_numbness", "bilateral_sciatica"}
    assert set(OTHER_SYMPTOMS) | set(EMERGENCY_SYMPTOMS) == set(Symptom)


def test_every_presentation_gets_its_most_urgent_flag(record_property):
    check = Checker()
    histories = _subsets(History)
    combining = _subsets(COMBINING_SYMPTOMS)
    # A. the flag space
    for t, a, p in itertools.product(Trauma, BAND_AGES, (frozenset({PainSite.LOWER_BACK}), frozenset({PainSite.HIP}))):
        ranks = {(e, c, h): check.rank(e | c, h, t, a, p) for e in EMERGENCY_CHOICES for c in combining
                 for h in histories}
        for (e, c, h), r in ranks.items():  # one more symptom or history item never lowers the urgency
            assert all(ranks[e, c | {x}, h] >= r for x in COMBINING_SYMPTOMS), (sorted(e | c), sorted(h), t, a)
            assert all(ranks[e, c, h | {x}] >= r for x in History), (sorted(e | c), sorted(h), t, a)
            if not e:
                assert all(ranks[frozenset({x}), c, h] >= r for x in EMERGENCY_SYMPTOMS), (sorted(c), sorted(h), t, a)
    assert check.checked == 32 * 8 * 32 * 3 * 4 * 2 == 196_608
    # B. the routine pathway
    back = frozenset({PainSite.LOWER_BACK})
    finding_sets = _subsets(Finding)  # index = bit mask of the findings in Finding order
    for prefers, care, e, o in itertools.product((False, True), (False, True), EMERGENCY_CHOICES,
                                                 _subsets(OTHER_SYMPTOMS)):
        ranks = [check.rank(e | o, frozenset(), T.NONE, 40, back, f, prefers, care) for f in finding_sets]
        for mask, r in enumerate(ranks):
            assert all(ranks[mask | 1 << j] >= r for j in range(len(Finding))), (sorted(e | o), mask)
    assert check.checked == 196_608 + 262_144
    # C. the edges of the age bands, every set of pain sites
    sites = [p for p in _subsets(PainSite) if p]
    for a, p, s, t, h in itertools.product(EDGE_AGES, sites, (frozenset(), frozenset({S.FEVER}), frozenset({S.CHILLS})),
                                           (T.NONE, T.MINOR), (frozenset(), frozenset({H.OSTEOPOROSIS}))):
        check.rank(s, h, t, a, p)
    # D. a seeded sample of the full product
    rng = random.Random(23)
    symptoms, history, findings = list(Symptom), list(History), list(Finding)
    for _ in range(120_000):
        s = frozenset(x for x in symptoms if rng.random() < 0.2)
        h = frozenset(x for x in history if rng.random() < 0.2)
        f = frozenset(x for x in findings if rng.random() < 0.3)
        p = frozenset(x for x in PainSite if rng.random() < 0.3) or frozenset({rng.choice(list(PainSite))})
        a = rng.choice([None, rng.randint(0, 120)])
        check.rank(s, h, rng.choice(list(Trauma)), a, p, f, rng.random() < 0.5, rng.random() < 0.5)
    assert check.checked == 196_608 + 262_144 + 19_812 + 120_000
    record_property("presentations_checked", check.checked)
