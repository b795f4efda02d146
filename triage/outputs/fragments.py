"""The HTML fragments the apps and the handouts share, drawn one way: Jinja2 macros in
``templates/fragments.html.j2``.

An urgency banner, the rules that fired, what would change the result, a guide section that opens in
place, the educational-use notice and the glossary look the same in an app (:mod:`triage.ui.common`
calls the functions here) and on a printed handout (its templates import the same macros). What a
fragment shows is decided here, as plain text in small frozen views, from the knowledge base and the
vocabulary (names, never ids); the macros only lay it out, and autoescaping escapes every value.

The template is compiled when this module is imported, so a kernel (and the static site's memory
snapshot, which holds the modules imported at build time) has the macros ready before the first page
draws one. Why Jinja2 here, and what it costs: docs/developer/decisions/0022-one-place-for-shared-html.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from ..content.glossary import glossary
from ..domain.knowledge import Knowledge, knowledge
from ..domain.model import DISCLAIMER, Assessment, Change, Urgency
from ..domain.vocabulary import in_sentence, vocabulary

TEMPLATES = Path(__file__).resolve().parent / "templates"
FRAGMENTS = "fragments.html.j2"
NOTICE_LEAD = "Educational use only."


def and_list(items: Iterable[str]) -> str:
    """Names in a sentence: "A", "A and B", "A, B and C"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def make_environment(*loaders: BaseLoader) -> Environment:
    """A template environment that can import the shared fragments: ``loaders`` first (a caller's own
    templates), then this module's. Autoescape on, undefined names are errors; every environment that
    draws the fragments is made here, so they render the same everywhere."""
    env = Environment(loader=ChoiceLoader([*loaders, FileSystemLoader(TEMPLATES)]), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["and_list"] = and_list
    return env


@cache
def macros() -> Any:
    """The compiled fragments template's macros (``macros().urgency_banner(view)`` returns ``Markup``)."""
    return make_environment().get_template(FRAGMENTS).module


# ---- what each fragment shows: plain text, from the knowledge base and the vocabulary ------------------


@dataclass(frozen=True)
class NoticeView:
    """The educational-use notice: its lead ("Educational use only."), the rest, and the whole text."""

    lead: str
    rest: str

    @property
    def text(self) -> str:
        return f"{self.lead} {self.rest}"


def notice_view() -> NoticeView:
    """The notice in the one wording the suite uses (``DISCLAIMER``), split after its lead."""
    return NoticeView(NOTICE_LEAD, DISCLAIMER.removeprefix(NOTICE_LEAD).strip())


@dataclass(frozen=True)
class GuideRef:
    """A guide section: its title (with a lead such as "Guide section: ") and its summary."""

    title: str
    summary: str


@dataclass(frozen=True)
class Verdict:
    """The urgency banner: the urgency (CSS hook and word), the next step, red flags, who else to consider."""

    urgency: str  # "emergency" | "urgent" | "routine"
    word: str  # "EMERGENCY": the word that carries the urgency (never colour alone)
    next_step: str
    red_flags: tuple[str, ...]
    also_consider: tuple[str, ...]


@dataclass(frozen=True)
class FiredRule:
    name: str
    effect: str
    why: str
    guide: GuideRef


@dataclass(frozen=True)
class NoteLine:
    """A teaching note: its name, its text and its guide section (a note never changes the result)."""

    name: str
    text: str
    guide: GuideRef


@dataclass(frozen=True)
class FiredRules:
    """The rules that took part in the result, then the notes, each once."""

    fired: tuple[FiredRule, ...]
    notes: tuple[NoteLine, ...]


@dataclass(frozen=True)
class ChangeLine:
    """One single change and where it would lead."""

    change: str
    urgency: str  # the urgency's name, e.g. "Emergency"
    next_step: str
    outcome: str = ""  # the urgency in a sentence, e.g. "an emergency" (the vocabulary's phrase)

    @property
    def sentence(self) -> str:
        """The change as a sentence: "With a fever, it would be urgent, the same day; next step: ..."."""
        change = self.change[:1].upper() + self.change[1:]
        return f"{change}, it would be {self.outcome or self.urgency}; next step: {self.next_step}."


@dataclass(frozen=True)
class AssessmentView:
    """Everything the apps and the handouts show of one assessment."""

    verdict: Verdict
    rules: FiredRules
    changes: tuple[ChangeLine, ...]


@dataclass(frozen=True)
class TermView:
    term: str
    also: tuple[str, ...]
    definition: str
    section: str
    sources: tuple[str, ...]


def urgency_word(urgency: Urgency) -> str:
    """EMERGENCY / URGENT / ROUTINE: the word that carries the urgency (never colour alone)."""
    return urgency.value.upper()


def guide_ref(section_id: str, lead: str = "Guide section") -> GuideRef:
    section = knowledge().section(section_id)
    return GuideRef(f"{lead}: {section.title}" if lead else section.title, section.summary)


def each_reason_once(a: Assessment, kb: Knowledge | None = None) -> Assessment:
    """``a`` as a reader sees it: each red flag's reason once.

    Two flags that fired give the same reason when one's condition is the other's in a narrower situation
    ("cannot stand on the leg" and "cannot stand on the leg after an injury"): only the more urgent one is
    shown (the narrower one when they are equally urgent), in the flags and in the rules that fired. The
    engine's own result keeps both (the input contract lists every flag present).
    """
    kb = kb or knowledge()
    flags = {f.id: f for f in kb.red_flags}

    def narrower(x: str, y: str) -> bool:  # x's condition is y's and more
        wide, narrow = flags[y].when, flags[x].when
        return narrow != wide and all(k in narrow and narrow[k] == v for k, v in wide.items())

    def outranks(y: str, x: str) -> bool:
        return (flags[y].urgency.rank, narrower(y, x)) > (flags[x].urgency.rank, narrower(x, y))

    repeated = {x for x in a.red_flags for y in a.red_flags
                if (narrower(x, y) or narrower(y, x)) and outranks(y, x)}
    if not repeated:
        return a
    rules = {f"RF-{f}" for f in repeated}
    return replace(a, red_flags=tuple(f for f in a.red_flags if f not in repeated),
                   trace=tuple(h for h in a.trace if h.rule_id not in rules))


def verdict(a: Assessment, kb: Knowledge | None = None) -> Verdict:
    """What the urgency banner shows of ``a``, with names from ``kb`` (default: the knowledge base)."""
    kb = kb or knowledge()
    a = each_reason_once(a, kb)
    flags = {f.id: f.label for f in kb.red_flags}
    return Verdict(a.urgency.value, urgency_word(a.urgency), kb.provider(a.next_step).name,
                   tuple(flags[f] for f in a.red_flags), tuple(kb.provider(s).name for s in a.also_consider))


def fired_rules(a: Assessment) -> FiredRules:
    """The rules that fired, by name; a red flag's rule explains its flag (its reason would repeat the name).

    The notes are listed once, after the rules, by name (the engine's trace carries them too).
    """
    voc = vocabulary()
    signals = {f"RF-{f.id}": f.explanation for f in knowledge().red_flags}
    a = each_reason_once(a)
    rules = tuple(FiredRule(voc.rule(h.rule_id), voc.effect(h.effect), signals.get(h.rule_id, h.reason),
                            guide_ref(h.guide_section)) for h in a.trace if h.effect != "note")
    notes = tuple(NoteLine(voc.rule(h.rule_id), h.reason, guide_ref(h.guide_section))
                  for h in a.trace if h.effect == "note")
    return FiredRules(rules, notes)


def change_text(c: Change) -> str:
    """One single change in words: "with a fever", "after a high-impact injury such as a fall"."""
    voc = vocabulary()
    labels = {"symptoms": voc.symptoms, "findings": voc.findings, "history": voc.history}.get(c.field, {})
    label = labels.get(str(c.value))
    if label is not None and c.action == "remove" and label.without:
        return label.without
    if c.field == "symptoms":
        if c.action == "add":
            return voc.symptoms[str(c.value)].phrase
        return f"without {in_sentence(voc.symptom(c.value))}"
    if c.field == "findings":
        if c.action == "add":
            return voc.findings[str(c.value)].phrase
        return f"if the assessment had not found: {in_sentence(voc.finding(c.value))}"
    if c.field == "history":
        if c.action == "add":
            return voc.history[str(c.value)].phrase
        return f"without {in_sentence(voc.history_item(c.value))} in the history"
    if c.field == "trauma":
        return voc.trauma[str(c.value)].phrase
    return c.description  # age, conservative care and surgery preference: the engine's words carry no ids


def change_lines(a: Assessment) -> tuple[ChangeLine, ...]:
    kb = knowledge()
    voc = vocabulary()
    return tuple(ChangeLine(change_text(c), voc.urgency_name(c.urgency), kb.provider(c.next_step).name,
                            voc.urgency[c.urgency.value].phrase)
                 for c in a.what_would_change)


def assessment_view(a: Assessment) -> AssessmentView:
    return AssessmentView(verdict(a), fired_rules(a), change_lines(a))


# ---- the fragments as HTML (for the apps' HTML widgets) ------------------------------------------------


def notice_html() -> str:
    """The educational-use notice, in the one wording the suite uses (``DISCLAIMER``)."""
    return str(macros().notice(notice_view()))


def guide_ref_html(section_id: str, lead: str = "Guide section") -> str:
    """A guide section that opens in place: its title, and its summary on demand."""
    return str(macros().guide_ref(guide_ref(section_id, lead)))


def verdict_html(a: Assessment, live: bool = True) -> str:
    """The urgency banner. ``live`` marks it as a status region; pass False when the surrounding element
    already is one (the Voilà template makes ``.triage-live`` widgets stable live regions)."""
    return str(macros().urgency_banner(verdict(a), live))


def waiting_html(message: str, live: bool = True) -> str:
    """The verdict area while the inputs cannot be assessed: what to fix, in plain words."""
    return str(macros().waiting(message, live))


def rules_html(a: Assessment) -> str:
    """The rules that fired, by name, each with what it did, why, and its guide section."""
    return str(macros().rules_fired(fired_rules(a)))


def changes_list_html(a: Assessment) -> str:
    """The single changes that would alter the urgency or the next step."""
    return str(macros().what_would_change(change_lines(a)))


def term_views() -> tuple[TermView, ...]:
    kb = knowledge()
    return tuple(TermView(t.term, tuple(t.also), t.definition, kb.section(t.guide_section).title, tuple(t.sources))
                 for t in glossary())


@cache
def terms_html() -> str:
    """The whole glossary as a definition list, then the guide's sections, each opening in place."""
    return str(macros().glossary_terms(term_views(), _section_refs()))


@cache
def glossary_html() -> str:
    """The glossary folded into one disclosure (the apps' footer shows it)."""
    return str(macros().glossary(term_views(), _section_refs()))


def _section_refs() -> list[GuideRef]:
    return [guide_ref(s.id) for s in knowledge().sections]


macros()  # compiled at import: a kernel, and the static site's memory snapshot, start with it ready
