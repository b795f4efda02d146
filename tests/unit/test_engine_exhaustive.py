"""Safety check over the engine's input space: no presentation gets less than its most urgent red flag.

What a flag *is* (the facts that raise it) is written here, in ``FLAGS``, from the guide and the sources
cited in ``red_flags.yaml``; how urgent each flag is comes from the data (``red_flags.yaml`` read as plain
YAML, so a flag's urgency is written down once). Nothing the test expects is computed by the engine.
For every presentation checked:

- the urgency is exactly the highest urgency among the flags present (no emergency-level flag gets less
  than emergency, no urgent-level flag gets routine, and nothing else escalates: no over-triage);
- emergency goes to the emergency department; urgent to urgent care (or the emergency department), or to
  the person's own doctor the same day only when a past cancer decides (NICE NG234); routine never to
  the emergency department or urgent care, and routine before a fair trial of conservative care goes to
  primary care;
- a fever or chills with a leg that cannot bear weight, and a past cancer with any nerve symptom, are
  never below emergency (both are emergency-level flags in ``FLAGS``);
- adding one symptom, history item or finding never lowers the urgency (parts A and B);
- a leg that cannot bear weight at 65 or over, or with osteoporosis or long-term steroids, goes to the
  emergency department whether or not an injury is known (a suspected hip fracture: NICE CG124 sends it
  for immediate hospital assessment, and an older person often does not report or remember the fall).

The full product (2^14 symptom sets x 2^5 history sets x 2^6 finding sets x 3 trauma levels x 2
surgical preferences x 2 states of the care trial x 122 ages x 127 pain-site sets x the durations) is
beyond 10^12 presentations, so the space is partitioned by what the flags read:

A. Flags, exhaustive: every set of the six symptoms that raise a flag only together with something else
   or that are urgent on their own (fever, chills, weight loss, radiating leg pain, leg numbness, cannot
   bear weight) x no emergency symptom, one of the six emergency symptoms alone (which one turns with the
   symptom set, so each is met with every history, trauma and age), or all six x every history set x
   every trauma level x one age per band the flags tell apart (unknown, 1, 10, 40, 70) x pain in the lower
   back for 1, 4 or 12 weeks, or in the hip (the children's flags and the fragile-bone flag read the site;
   the fragile-bone flag's "new" is two weeks, the infection-risk flag's six) = 64 x 3 x 32 x 3 x 5 x 4
   = 368,640.
B. Routine pathway, exhaustive: every finding set x surgical preference x care trial x every set of the
   seven other symptoms (fever, chills, weight loss, radiating leg pain, leg numbness, and the two of
   mechanical pain) x (none of the seven symptoms that are a flag alone whatever else is present - the six
   emergency symptoms and cannot bear weight -, each alone, all seven), age 40, no history, no injury,
   lower back, ten weeks of pain = 64 x 2 x 2 x 128 x 9 = 294,912.
C. Boundaries: the ages at each band's edges (and unknown) x every non-empty set of pain sites x (no
   symptom, fever, chills, cannot bear weight) x (no injury, minor injury) x (no history, osteoporosis,
   injected drugs) with two weeks of pain = 51,816; and the same ages x back, back and hip, or hip x the
   durations at the edges of "new" pain (2, 2.1, 6 and 6.1 weeks) x the same symptoms, injuries and
   histories = 4,896.
D. A seeded random sample of 120,000 presentations from the full product.

The four parts are separate tests (part A one per trauma level) so that test workers share them; the
total checked is reported in the test summary (``user_properties``, summed over the parts).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from triage.domain.engine import Facts, default_engine
from triage.domain.model import Finding, History, NextStep, PainSite, Symptom, Trauma

S, H, T = Symptom, History, Trauma
HIP_SITES = frozenset({PainSite.HIP, PainSite.GROIN, PainSite.THIGH, PainSite.KNEE})  # where a child's hip hurts
FRAGILE = frozenset({History.OSTEOPOROSIS, History.LONG_TERM_STEROIDS})
INFECTION_RISK = frozenset({History.IMMUNOSUPPRESSION, History.LONG_TERM_STEROIDS, History.IV_DRUG_USE})
CORD_COMPRESSION_SIGNS = frozenset({S.RADIATING_LEG_PAIN, S.LEG_NUMBNESS_OR_TINGLING, S.LEG_WEAKNESS_PROGRESSIVE,
                                    S.BILATERAL_SCIATICA, S.SADDLE_NUMBNESS, S.SADDLE_NUMBNESS_PROGRESSIVE,
                                    S.DIFFICULTY_PASSING_URINE, S.NEW_BOWEL_OR_BLADDER_INCONTINENCE,
                                    S.CANNOT_BEAR_WEIGHT})
NEW_PAIN_WEEKS = 2  # "new" back pain with fragile bones: it began within the last two weeks (red_flags.yaml)
NEW_EPISODE_WEEKS = 6  # "new" back pain with an infection risk: an acute episode, under six weeks (red_flags.yaml)

# flag id -> the facts that raise it (symptoms, history, trauma, age, pain sites, weeks of pain)
FLAGS: dict[str, Callable[..., bool]] = {
    # the guide's red flags
    "new_bowel_or_bladder_incontinence": lambda s, h, t, a, p, d: S.NEW_BOWEL_OR_BLADDER_INCONTINENCE in s,
    "saddle_numbness_progressive": lambda s, h, t, a, p, d: S.SADDLE_NUMBNESS_PROGRESSIVE in s,
    "leg_weakness_progressive": lambda s, h, t, a, p, d: S.LEG_WEAKNESS_PROGRESSIVE in s,
    "high_impact_trauma": lambda s, h, t, a, p, d: t is T.HIGH_IMPACT,
    "fever": lambda s, h, t, a, p, d: S.FEVER in s,
    "chills": lambda s, h, t, a, p, d: S.CHILLS in s,
    "unexplained_weight_loss": lambda s, h, t, a, p, d: S.UNEXPLAINED_WEIGHT_LOSS in s,
    # suspected cauda equina syndrome before incontinence (GIRFT 2023)
    "difficulty_passing_urine": lambda s, h, t, a, p, d: S.DIFFICULTY_PASSING_URINE in s,
    "saddle_numbness": lambda s, h, t, a, p, d: S.SADDLE_NUMBNESS in s,
    "bilateral_sciatica": lambda s, h, t, a, p, d: S.BILATERAL_SCIATICA in s,
    # risk factors that change what a symptom or an injury means
    # with a past cancer, any nerve symptom may be metastatic cord compression (NICE NG234, after CG75: radicular
    # pain, any limb weakness, difficulty walking, sensory loss, bladder or bowel dysfunction)
    "cancer_with_nerve_symptoms": lambda s, h, t, a, p, d: H.CANCER in h and bool(s & CORD_COMPRESSION_SIGNS),
    "infection_risk_with_fever": lambda s, h, t, a, p, d: bool(s & {S.FEVER, S.CHILLS}) and bool(h & INFECTION_RISK),
    # a spinal infection often starts without a fever (Yusuf 2019; NICE CKS): new back pain with the risk factor
    "infection_risk_new_back_pain": lambda s, h, t, a, p, d: bool(h & INFECTION_RISK) and PainSite.LOWER_BACK in p
    and d <= NEW_EPISODE_WEEKS,
    # a child with pain or a limp anywhere in the back, hip or leg and a fever or chills (NICE CKS, Limp in children)
    "child_hip_fever": lambda s, h, t, a, p, d: a is not None and a < 16 and bool(s & {S.FEVER, S.CHILLS}),
    # a leg that cannot bear weight: after any injury a fracture (NICE CG124), without one the same day
    "injury_cannot_bear_weight": lambda s, h, t, a, p, d: S.CANNOT_BEAR_WEIGHT in s and t is not T.NONE,
    "cannot_bear_weight": lambda s, h, t, a, p, d: S.CANNOT_BEAR_WEIGHT in s,
    # ... and with a fever or chills, at any age, a possible infected joint or bone (NICE CKS, Septic arthritis)
    "fever_cannot_bear_weight": lambda s, h, t, a, p, d: S.CANNOT_BEAR_WEIGHT in s and bool(s & {S.FEVER, S.CHILLS}),
    # fragile bones: a minor injury at 65 or over or with osteoporosis or steroids (NICE CG124, NICE CKS); with
    # osteoporosis or steroids, new back pain without any injury too (a cough or a lift can break a vertebra)
    "fracture_risk": lambda s, h, t, a, p, d: (t is T.MINOR and ((a is not None and a >= 65) or bool(h & FRAGILE))) or (
        t is T.NONE and bool(h & FRAGILE) and PainSite.LOWER_BACK in p and d <= NEW_PAIN_WEEKS),
    # ... and at 65 or over or with fragile bones, without a known injury too: a suspected hip fracture
    # (a fall not reported or remembered, or an insufficiency fracture; NICE CG124, IFOMPT)
    "fragile_bones_cannot_bear_weight": lambda s, h, t, a, p, d: S.CANNOT_BEAR_WEIGHT in s and t is T.NONE and (
        (a is not None and a >= 65) or bool(h & FRAGILE)),
    "cancer_history": lambda s, h, t, a, p, d: H.CANCER in h,
    # children (NICE CKS, Limp in children): any pain under 3; a possible slipped hip from 9 to 15
    "young_child_pain": lambda s, h, t, a, p, d: a is not None and a < 3,
    "possible_slipped_hip": lambda s, h, t, a, p, d: a is not None and 9 <= a <= 15 and bool(p & HIP_SITES),
}
RANK = {"routine": 0, "urgent": 1, "emergency": 2}
# urgent: a same-day place; the person's own doctor only for a past cancer (who contacts the cancer team, NG234)
STEP_FOR_RANK = {2: {NextStep.EMERGENCY_DEPARTMENT},
                 1: {NextStep.URGENT_CARE, NextStep.EMERGENCY_DEPARTMENT, NextStep.PRIMARY_CARE}}
EMERGENCY_STEPS = {NextStep.EMERGENCY_DEPARTMENT, NextStep.URGENT_CARE}
EMERGENCY_SYMPTOMS = (S.NEW_BOWEL_OR_BLADDER_INCONTINENCE, S.SADDLE_NUMBNESS_PROGRESSIVE, S.LEG_WEAKNESS_PROGRESSIVE,
                      S.DIFFICULTY_PASSING_URINE, S.SADDLE_NUMBNESS, S.BILATERAL_SCIATICA)
COMBINING_SYMPTOMS = (S.FEVER, S.CHILLS, S.UNEXPLAINED_WEIGHT_LOSS, S.RADIATING_LEG_PAIN, S.LEG_NUMBNESS_OR_TINGLING,
                      S.CANNOT_BEAR_WEIGHT)
OTHER_SYMPTOMS = (S.FEVER, S.CHILLS, S.UNEXPLAINED_WEIGHT_LOSS, S.RADIATING_LEG_PAIN, S.LEG_NUMBNESS_OR_TINGLING,
                  S.PAIN_WORSE_WITH_MOVEMENT, S.PAIN_EASED_BY_REST)
ALONE_SYMPTOMS = (*EMERGENCY_SYMPTOMS, S.CANNOT_BEAR_WEIGHT)  # a flag on their own (part B)
EMERGENCY_CHOICES = [frozenset(), *(frozenset({s}) for s in EMERGENCY_SYMPTOMS), frozenset(EMERGENCY_SYMPTOMS)]
ALONE_CHOICES = [frozenset(), *(frozenset({s}) for s in ALONE_SYMPTOMS), frozenset(ALONE_SYMPTOMS)]
SITE_WEEKS = ((frozenset({PainSite.LOWER_BACK}), 1), (frozenset({PainSite.LOWER_BACK}), 4),
              (frozenset({PainSite.LOWER_BACK}), 12), (frozenset({PainSite.HIP}), 1))
BAND_AGES = (None, 1, 10, 40, 70)
EDGE_AGES = (None, 0, 1, 2, 3, 8, 9, 14, 15, 16, 17, 63, 64, 65, 66, 119, 120)


def flag_urgency() -> dict[str, int]:
    """Each flag's urgency rank, from the data file as written (not through the engine's loader)."""
    path = Path(__file__).resolve().parents[2] / "triage" / "domain" / "knowledge" / "red_flags.yaml"
    return {f["id"]: RANK[f["urgency"]] for f in yaml.safe_load(path.read_text(encoding="utf-8"))}


URGENCY = flag_urgency()


def expected_rank(s, h, t, a, p, d) -> int:
    return max((URGENCY[f] for f, present in FLAGS.items() if present(s, h, t, a, p, d)), default=0)


def _subsets(items) -> list[frozenset]:
    items = list(items)
    return [frozenset(x for i, x in enumerate(items) if mask >> i & 1) for mask in range(1 << len(items))]


class Checker:
    def __init__(self) -> None:
        self.engine = default_engine()
        self.checked = 0

    def rank(self, s, h, t, a, p, weeks, findings=frozenset(), prefers=False, care=False) -> int:
        assert not care or weeks >= 6, "a fair trial of care (six weeks) cannot outlast the pain"
        d = self.engine.decide(Facts(s, findings, t, prefers, care, a, p, h, weeks))
        r = RANK[d.urgency.value]
        want = expected_rank(s, h, t, a, p, weeks)
        where = (sorted(s), sorted(h), t, a, sorted(p), weeks, sorted(findings), prefers, care)
        if S.CANNOT_BEAR_WEIGHT in s and ((a is not None and a >= 65) or h & FRAGILE):  # a suspected hip fracture
            assert (r, d.next_step) == (2, NextStep.EMERGENCY_DEPARTMENT), ("cannot bear weight, fragile", where)
        assert r == want, ("urgency", r, "expected", want, where)
        if r:
            assert d.next_step in STEP_FOR_RANK[r], ("next step", d.next_step, where)
            if d.next_step is NextStep.PRIMARY_CARE:  # same day with the own doctor: only when a past cancer decides
                assert d.winner.red_flag == "cancer_history", where
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
        "high_impact_trauma", "difficulty_passing_urine", "saddle_numbness", "bilateral_sciatica",
        "injury_cannot_bear_weight", "fragile_bones_cannot_bear_weight", "fever_cannot_bear_weight",
        "cancer_with_nerve_symptoms"}
    assert set(OTHER_SYMPTOMS) | set(ALONE_SYMPTOMS) == set(COMBINING_SYMPTOMS) | set(EMERGENCY_SYMPTOMS) | {
        S.PAIN_WORSE_WITH_MOVEMENT, S.PAIN_EASED_BY_REST} == set(Symptom)


# The four parts are separate tests so that test workers share them; each checks its own count.


@pytest.mark.parametrize("trauma", list(Trauma), ids=lambda t: t.value)
def test_the_flag_space_gets_its_most_urgent_flag(trauma, record_property):
    """Part A, for one trauma level (a third of it)."""
    check = Checker()
    histories = _subsets(History)
    combining = _subsets(COMBINING_SYMPTOMS)
    none, every = frozenset(), frozenset(EMERGENCY_SYMPTOMS)
    for a, (p, w) in itertools.product(BAND_AGES, SITE_WEEKS):
        t = trauma
        ranks = {}
        for i, c in enumerate(combining):
            one = frozenset({EMERGENCY_SYMPTOMS[i % len(EMERGENCY_SYMPTOMS)]})
            for e, h in itertools.product((none, one, every), histories):
                ranks[e, c, h] = check.rank(e | c, h, t, a, p, w)
        for (e, c, h), r in ranks.items():  # one more symptom or history item never lowers the urgency
            if e is none:
                assert all(ranks[none, c | {x}, h] >= r for x in COMBINING_SYMPTOMS), (sorted(c), sorted(h), t, a)
                assert ranks[every, c, h] >= r, (sorted(c), sorted(h), t, a)
            assert all(ranks[e, c, h | {x}] >= r for x in History), (sorted(e | c), sorted(h), t, a)
    assert check.checked == 64 * 3 * 32 * 5 * 4 == 368_640 // 3
    record_property("presentations_checked", check.checked)


def test_the_routine_pathway_gets_its_most_urgent_flag(record_property):
    """Part B."""
    check = Checker()
    back = frozenset({PainSite.LOWER_BACK})
    finding_sets = _subsets(Finding)  # index = bit mask of the findings in Finding order
    for prefers, care, e, o in itertools.product((False, True), (False, True), ALONE_CHOICES,
                                                 _subsets(OTHER_SYMPTOMS)):
        ranks = [check.rank(e | o, frozenset(), T.NONE, 40, back, 10, f, prefers, care) for f in finding_sets]
        for mask, r in enumerate(ranks):
            assert all(ranks[mask | 1 << j] >= r for j in range(len(Finding))), (sorted(e | o), mask)
    assert check.checked == 294_912
    record_property("presentations_checked", check.checked)


def test_the_edges_of_the_age_bands_get_their_most_urgent_flag(record_property):
    """Part C: the edges of the age bands, every set of pain sites."""
    check = Checker()
    sites = [p for p in _subsets(PainSite) if p]
    symptoms = (frozenset(), frozenset({S.FEVER}), frozenset({S.CHILLS}), frozenset({S.CANNOT_BEAR_WEIGHT}))
    histories = (frozenset(), frozenset({H.OSTEOPOROSIS}), frozenset({H.IV_DRUG_USE}))
    for a, p, s, t, h in itertools.product(EDGE_AGES, sites, symptoms, (T.NONE, T.MINOR), histories):
        check.rank(s, h, t, a, p, NEW_PAIN_WEEKS)
    back, hip = frozenset({PainSite.LOWER_BACK}), frozenset({PainSite.HIP})
    weeks = (NEW_PAIN_WEEKS, NEW_PAIN_WEEKS + 0.1, NEW_EPISODE_WEEKS, NEW_EPISODE_WEEKS + 0.1)
    for a, p, w, s, t, h in itertools.product(EDGE_AGES, (back, back | hip, hip), weeks, symptoms, (T.NONE, T.MINOR),
                                              histories):
        check.rank(s, h, t, a, p, w)
    assert check.checked == 51_816 + 4_896
    record_property("presentations_checked", check.checked)


def test_a_sample_of_the_full_product_gets_its_most_urgent_flag(record_property):
    """Part D: a seeded sample of the full product."""
    check = Checker()
    rng = random.Random(23)
    symptoms, history, findings = list(Symptom), list(History), list(Finding)
    for _ in range(120_000):
        s = frozenset(x for x in symptoms if rng.random() < 0.2)
        h = frozenset(x for x in history if rng.random() < 0.2)
        f = frozenset(x for x in findings if rng.random() < 0.3)
        p = frozenset(x for x in PainSite if rng.random() < 0.3) or frozenset({rng.choice(list(PainSite))})
        a = rng.choice([None, rng.randint(0, 120)])
        care = rng.random() < 0.5
        w = rng.choice([0, 0.5, 1, 2, 2.5, 4, 6, 6.5, 12, 52])
        check.rank(s, h, rng.choice(list(Trauma)), a, p, max(w, 6) if care else w, f, rng.random() < 0.5, care)
    assert check.checked == 120_000
    record_property("presentations_checked", check.checked)
