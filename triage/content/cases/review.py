"""Two checks a clinical reviewer makes on a case, beyond the engine's agreement.

- **The story must not give the answer away.** A question that asks where to go (``asks: next_step``) is
  spoilt when the case's title or a stage read before it names the provider or place of its keyed answer.
  Names come from the data: each provider's name in ``providers.yaml`` (the part before any brackets, and
  the names listed inside them) and, from the glossary, the term whose id is the next step's id with
  hyphens, with its ``also`` names (other countries' words such as GP, A&E or physiotherapist).
- **Nothing shown with the question may answer it either.** The prompts of the other questions asked after
  the same stage (the printed sheet shows them together, and the player shows them once this one is
  answered) and the title of the next stage (on the player's reveal button and the sheet) must not name
  the keyed answer of a question that asks where to go or how urgent: neither the provider or place (as
  above) nor the urgency (``emergency``; ``urgent``, ``same day``; ``routine``).
- **A fact beyond the guide needs a source in the case.** When the rule that decides a keyed answer goes
  beyond the reference guide (it cites sources and none of them is the guide), the case's ``sources`` must
  cite one of the same documents. A case source cites a rule source's document when it holds every word of
  that document's short name: the rule source up to its first comma or colon (``NICE NG234``, ``GIRFT``,
  ``Finucane LM et al. (IFOMPT) JOSPT 2020``), extended by the next part when that short name is only
  one or two words without a number (``NICE CKS, Limp in children``).
- **What the story tells, the presentation says.** A rule reads only the presentation, so a fact the story
  states and the presentation leaves out teaches the wrong answer (a child who "will not put his foot on
  the floor" keyed as if he walked). Where a fact has a plain wording, ``STORY_FACTS`` finds it in the
  title (read with the first stage) and each stage's text, and the presentation of that stage must carry
  it: not standing or putting weight on the leg, a temperature of 38 °C or more, shivering or shaking
  chills, wetting oneself or losing control of the bladder or bowels, a fall or a slip (not one weeks or
  years ago), and the age the story opens with (in months under 2: the case's ``age_months``). A phrase in
  a clause that says it did not happen ("has not lost control of her bladder") does not count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from ...domain.engine import assess
from ...domain.knowledge import Rule, knowledge
from ...domain.model import NextStep, Presentation, Symptom, Trauma, Urgency
from ..glossary import glossary

GUIDE = "reference guide"
_WORD = re.compile(r"[a-z0-9]+")


@cache
def provider_names() -> dict[NextStep, tuple[str, ...]]:
    """Every name a story could use for each next step: the provider's names and the glossary's."""
    out: dict[NextStep, list[str]] = {}
    for p in knowledge().providers:
        head, _, inside = p.name.partition("(")
        names = [head.strip()]
        if p.id not in (NextStep.URGENT_CARE,):  # its brackets say where else to go, not another name
            names += [n.strip() for n in re.split(r",| or ", inside.rstrip(")")) if n.strip()]
        out[p.id] = names
    terms = {t.id: t for t in glossary()}
    for step, names in out.items():
        term = terms.get(step.value.replace("_", "-"))
        if term is not None:
            names += [term.term, *term.also]
    return {step: tuple(dict.fromkeys(n for n in names if n)) for step, names in out.items()}


def _pattern(name: str) -> re.Pattern[str]:
    """``name`` as a whole word (plural allowed); acronyms such as GP or ED match in capitals only."""
    body = re.escape(name).replace(r"\ ", r"\s+")
    flags = 0 if name.upper() == name else re.IGNORECASE
    return re.compile(rf"(?<![A-Za-z0-9]){body}(?:e?s)?(?![A-Za-z0-9])", flags)


def names_found(text: str, names: Iterable[str]) -> list[str]:
    """The names that ``text`` uses, in the order given."""
    return [n for n in names if _pattern(n).search(text)]


def story_giveaways(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for every place the story names a "where" question's keyed answer before it is asked."""
    stage_ids = [s["id"] for s in data["stages"]]
    names = provider_names()
    out: list[tuple[str, str]] = []
    for i, q in enumerate(data["questions"]):
        if q.get("asks") != "next_step" or q["after"] not in stage_ids:
            continue
        asked = stage_ids.index(q["after"])
        for step in dict.fromkeys(NextStep(o["step"]) for o in q["options"] if o["correct"] and "step" in o):
            told = [("title", data["title"])]
            for j, stage in enumerate(data["stages"][: asked + 1]):
                told += [(f"stages[{j}].title", stage["title"]), (f"stages[{j}].text", stage["text"])]
            for field, text in told:
                found = names_found(text, names[step])
                if found:
                    out.append((field, f"names {found[0]!r} before questions[{i}] ({q['id']!r}) asks where to go, "
                                       f"and {step.value} is its answer; tell this part of the story after the "
                                       f"question, or without naming where the person goes"))
    return out


URGENCY_WORDS: dict[Urgency, tuple[str, ...]] = {
    Urgency.EMERGENCY: ("emergency",),
    Urgency.URGENT: ("urgent", "urgently", "same day", "same-day"),
    Urgency.ROUTINE: ("routine",),
}


def _keyed_names(q: Mapping[str, Any], urgency: str) -> list[str]:
    """The words that name a where/urgency question's keyed answer: its providers' names and its urgency's."""
    names = provider_names()
    out: list[str] = []
    for o in q["options"]:
        if o["correct"] and "step" in o:
            out += names[NextStep(o["step"])]
        if o["correct"] and "urgency" in o:
            out += URGENCY_WORDS[Urgency(o["urgency"])]
    out += URGENCY_WORDS[Urgency(urgency)]
    return list(dict.fromkeys(out))


def sibling_giveaways(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for every sibling prompt or next stage title that names a where/urgency question's
    keyed answer (see the module docstring)."""
    stages = data["stages"]
    stage_ids = [s["id"] for s in stages]
    questions = data["questions"]
    out: list[tuple[str, str]] = []
    for i, q in enumerate(questions):
        if q.get("asks") not in ("next_step", "urgency") or q["after"] not in stage_ids:
            continue
        asked = stage_ids.index(q["after"])
        keyed = _keyed_names(q, stages[asked]["expected"]["urgency"])
        shown = [(f"questions[{j}].prompt", other["prompt"]) for j, other in enumerate(questions)
                 if j != i and other["after"] == q["after"]]
        if asked + 1 < len(stages):
            shown.append((f"stages[{asked + 1}].title", stages[asked + 1]["title"]))
        for field, text in shown:
            found = names_found(text, keyed)
            if found:
                kind = "where to go" if q["asks"] == "next_step" else "how urgent it is"
                out.append((field, f"names {found[0]!r}, the answer to questions[{i}] ({q['id']!r}), which asks "
                                   f"{kind} and is shown with it; word it without the answer (e.g. 'Why is "
                                   f"this the right place?')"))
    return out


def beyond_guide(rule: Rule) -> bool:
    """True for a rule that cites sources, none of them the reference guide."""
    return bool(rule.sources) and not any(s.lower().startswith(GUIDE) for s in rule.sources)


def document_words(source: str) -> frozenset[str]:
    """The words of a source's short name (see the module docstring)."""
    parts = [p for p in re.split(r",|: ", source) if p.strip()]
    words = _WORD.findall(parts[0].lower()) if parts else []
    if len(words) <= 2 and not any(w.isdigit() or not w.isalpha() for w in words) and len(parts) > 1:
        words += _WORD.findall(parts[1].lower())
    return frozenset(words)


def cites(case_sources: Sequence[str], rule: Rule) -> bool:
    """True when one of the case's sources cites a document the rule cites."""
    given = [frozenset(_WORD.findall(s.lower())) for s in case_sources]
    return any(document_words(r) <= words for r in rule.sources for words in given)


def uncited_rules(data: Mapping[str, Any], presentations: Sequence[Presentation]) -> list[tuple[str, str]]:
    """(field, message) for each engine-checked question whose deciding rule goes beyond the guide uncited."""
    stage_ids = [s["id"] for s in data["stages"]]
    rules = {r.id: r for r in knowledge().rules}
    sources = [str(s) for s in data.get("sources", [])]
    out: list[tuple[str, str]] = []
    for i, q in enumerate(data["questions"]):
        if not q.get("asks") or q["after"] not in stage_ids:
            continue
        decided = next(h.rule_id for h in assess(presentations[stage_ids.index(q["after"])]).trace
                       if h.effect == "decides")
        rule = rules[decided]
        if beyond_guide(rule) and not cites(sources, rule):
            cited = "; ".join(dict.fromkeys(s.split(": ")[0] for s in rule.sources))
            out.append((f"questions[{i}]", f"its answer rests on {rule.id}, which goes beyond the reference guide; "
                                           f"cite one of its documents in the case's sources ({cited})"))
    return out


# -- what the story tells -------------------------------------------------------------------------------

_NEG = r"(?:will|would|could|can|does|did|do)(?: not|n't)|cannot|unable to|refus\w* to"
_WHOSE = r"(?:his|her|their|that|the|this|either|one)"
STORY_FACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("symptom:cannot_bear_weight", re.compile(
        rf"\b(?:{_NEG})\s+(?:stand(?! still)\b|get up\b|bear weight|take (?:any )?weight|put (?:any |full )?weight"
        rf"|put {_WHOSE} (?:\w+ )?(?:foot|leg) (?:on the (?:floor|ground)|down))"
        r"|\brather be carried than walk", re.IGNORECASE)),
    ("symptom:fever", re.compile(r"\b(?:3[89]|4[0-2])(?:[.,]\d)?\s*°\s*C")),
    ("symptom:chills", re.compile(r"\bshiver(?:s|ed|ing)?\b|\bshaking chills\b|\brigou?rs?\b", re.IGNORECASE)),
    ("symptom:new_bowel_or_bladder_incontinence", re.compile(
        r"\bwet (?:him|her|them)sel(?:f|ves)\b|\blost control of (?:his|her|their) (?:bladder|bowels?)",
        re.IGNORECASE)),
    ("trauma", re.compile(r"\b(?:fell|slipped (?:on|off|getting|in|while|down|over|and)|was thrown|were thrown)\b",
                          re.IGNORECASE)),
)
_DENIED = re.compile(r"\b(?:not|no|never|nobody|without)\b|n't\b", re.IGNORECASE)
_OLD = re.compile(r"\b(?:weeks|months|years) ago\b", re.IGNORECASE)
_OPENING_AGE = re.compile(r"^\s*[A-Z][\w'-]+(?:,| is) (\d{1,3})\b( months old)?")


def facts_stated(text: str) -> list[tuple[str, str]]:
    """(fact, phrase) for each fact of ``STORY_FACTS`` that ``text`` states (see the module docstring)."""
    out: list[tuple[str, str]] = []
    for fact, pattern in STORY_FACTS:
        for m in pattern.finditer(text):
            clause = re.split(r"[,;:.!?]", text[: m.start()])[-1]
            sentence = re.split(r"[.!?]", text[m.start():])[0]
            if _DENIED.search(clause) or (fact == "trauma" and _OLD.search(sentence)):
                continue
            out.append((fact, m.group(0)))
            break
    return out


def _holds(fact: str, p: Presentation) -> bool:
    if fact == "trauma":
        return p.trauma is not Trauma.NONE
    kind, _, value = fact.partition(":")
    return kind == "symptom" and Symptom(value) in p.symptoms


def story_omissions(data: Mapping[str, Any], presentations: Sequence[Presentation]) -> list[tuple[str, str]]:
    """(field, message) for every fact a stage's story states that its presentation leaves out."""
    out: list[tuple[str, str]] = []
    stages = data["stages"]
    for i, (stage, p) in enumerate(zip(stages, presentations, strict=True)):
        told = [("title", data["title"])] if i == 0 else []
        told.append((f"stages[{i}].text", stage["text"]))
        for field, text in told:
            for fact, phrase in facts_stated(text):
                if not _holds(fact, p):
                    what = "an injury (trauma minor or high_impact)" if fact == "trauma" else fact
                    out.append((field, f"says {phrase!r} but the presentation after stage {stage['id']!r} has no "
                                       f"{what}; the rules read only the presentation, so add it there (or reword "
                                       f"the story)"))
    m = _OPENING_AGE.match(" ".join(stages[0]["text"].split()))
    if m and presentations:
        told_age, in_months = int(m.group(1)), bool(m.group(2))
        age = told_age // 12 if in_months else told_age
        if presentations[0].age != age:
            out.append(("stages[0].presentation.age", f"is {presentations[0].age}, but the story opens with "
                                                      f"{m.group(0).strip()!r}"))
        if in_months and data.get("age_months") != told_age:
            out.append(("age_months", f"must be {told_age}: the story gives the age in months, and the keys print it "
                                      "so"))
    return out
