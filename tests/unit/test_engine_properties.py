"""Safety properties of the engine, checked by hypothesis over random presentations.

- no valid input raises;
- adding a symptom, a finding or a history item never lowers the urgency;
- any red flag gives at least its own urgency (urgencies written here from the guide);
- every listed counterfactual really gives the result it claims, and no unlisted single edit
  changes the result (checked by building the edited presentation and assessing it afresh).
"""

from __future__ import annotations

import dataclasses
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from triage.domain.engine import assess, default_engine
from triage.domain.model import Finding, History, PainSite, Presentation, Symptom, Trauma, Urgency
from triage.errors import PresentationError

GUIDE_FLAG_URGENCY = {
    "new_bowel_or_bladder_incontinence": Urgency.EMERGENCY,
    "saddle_numbness_progressive": Urgency.EMERGENCY,
    "leg_weakness_progressive": Urgency.EMERGENCY,
    "fever": Urgency.URGENT,
    "chills": Urgency.URGENT,
    "unexplained_weight_loss": Urgency.URGENT,
}
RANK = {Urgency.ROUTINE: 0, Urgency.URGENT: 1, Urgency.EMERGENCY: 2}

weeks = st.one_of(st.integers(0, 60), st.floats(0, 60, allow_nan=False))


@st.composite
def presentations(draw) -> Presentation:
    duration = draw(weeks)
    care = draw(st.floats(0, float(duration)) if duration else st.just(0))
    return Presentation(
        age=draw(st.none() | st.integers(0, 120)),
        pain_sites=draw(st.sets(st.sampled_from(PainSite), min_size=1)),
        duration_weeks=duration,
        conservative_care_weeks=care,
        trauma=draw(st.sampled_from(Trauma)),
        prefers_non_surgical=draw(st.booleans()),
        symptoms=draw(st.sets(st.sampled_from(Symptom))),
        findings=draw(st.sets(st.sampled_from(Finding))),
        history=draw(st.sets(st.sampled_from(History))),
    )


@settings(max_examples=300, deadline=None)
@given(presentations())
def test_no_valid_input_raises_and_the_output_is_json(pres):
    a = assess(pres)
    json.dumps(a.to_dict())
    assert a.trace, "every assessment explains itself"
    assert sum(h.effect == "decides" for h in a.trace) == 1


@settings(max_examples=300, deadline=None)
@given(presentations(), st.sampled_from(Symptom))
def test_adding_a_symptom_never_lowers_urgency(pres, symptom):
    more = dataclasses.replace(pres, symptoms=pres.symptoms | {symptom})
    assert RANK[assess(more).urgency] >= RANK[assess(pres).urgency]


@settings(max_examples=300, deadline=None)
@given(presentations(), st.sampled_from(Finding))
def test_adding_a_finding_never_lowers_urgency(pres, finding):
    more = dataclasses.replace(pres, findings=pres.findings | {finding})
    assert RANK[assess(more).urgency] >= RANK[assess(pres).urgency]


@settings(max_examples=300, deadline=None)
@given(presentations(), st.sampled_from(History))
def test_adding_a_history_item_never_lowers_urgency(pres, item):
    more = dataclasses.replace(pres, history=pres.history | {item})
    assert RANK[assess(more).urgency] >= RANK[assess(pres).urgency]


@settings(max_examples=300, deadline=None)
@given(presentations())
def test_any_red_flag_gives_at_least_its_urgency(pres):
    a = assess(pres)
    for symptom in pres.symptoms:
        if symptom.value in GUIDE_FLAG_URGENCY:
            assert RANK[a.urgency] >= RANK[GUIDE_FLAG_URGENCY[symptom.value]]
            assert symptom.value in a.red_flags
    if pres.trauma == Trauma.HIGH_IMPACT:
        assert a.urgency == Urgency.EMERGENCY
    if not a.red_flags:
        assert a.urgency == Urgency.ROUTINE


def _apply(pres: Presentation, field: str, action: str, value) -> Presentation:
    if field in ("symptoms", "findings", "history"):
        current = getattr(pres, field)
        return dataclasses.replace(pres, **{field: current | {value} if action == "add" else current - {value}})
    if field == "conservative_care_weeks":
        return dataclasses.replace(pres, conservative_care_weeks=value, duration_weeks=max(pres.duration_weeks, value))
    return dataclasses.replace(pres, **{field: value})


@settings(max_examples=150, deadline=None)
@given(presentations())
# three weeks of care for pain of three weeks: "if it had begun within 2 weeks" would be an impossible story
@example(Presentation(pain_sites=frozenset({PainSite.LOWER_BACK}), duration_weeks=3.0, conservative_care_weeks=3.0,
                      history=frozenset({History.OSTEOPOROSIS})))
def test_counterfactuals_are_true_and_complete(pres):
    a = assess(pres)
    engine = default_engine()

    def outcome(p: Presentation) -> tuple:  # what assess(p) gives as urgency and next step, without its what-ifs
        d = engine.decide(engine.facts(p))
        return d.urgency, d.next_step

    assert outcome(pres) == (a.urgency, a.next_step)
    listed = {(c.field, c.action, c.value): (c.urgency, c.next_step) for c in a.what_would_change}
    for change, result in listed.items():
        assert outcome(_apply(pres, *change)) == result
    # every other single edit leaves urgency and next step alone
    edits = [("symptoms", "remove" if s in pres.symptoms else "add", s) for s in Symptom]
    edits += [("findings", "remove" if f in pres.findings else "add", f) for f in Finding]
    edits += [("history", "remove" if h in pres.history else "add", h) for h in History]
    edits += [("trauma", "set", t) for t in Trauma if t != pres.trauma]
    edits += [("prefers_non_surgical", "set", not pres.prefers_non_surgical)]
    for edit in edits:
        if edit not in listed:
            assert outcome(_apply(pres, *edit)) == (a.urgency, a.next_step), edit


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(
    ["age", "pain_sites", "duration_weeks", "trauma", "conservative_care_weeks", "prefers_non_surgical",
     "symptoms", "findings", "history", "other"]
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(field_names, json_values | st.lists(st.sampled_from([*PainSite, *Symptom, *Finding,
                                                                             *History]))))
def test_arbitrary_input_gives_a_presentation_or_a_presentation_error(data):
    try:
        pres = Presentation.from_dict(data)
    except PresentationError as exc:
        assert exc.problems and all(p.field for p in exc.problems)
    else:
        assess(pres)
