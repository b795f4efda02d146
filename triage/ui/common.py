"""Shared pieces of the widget apps: escaping, and student-facing HTML for an assessment and the rules.

Everything that shows case or user text goes through :func:`esc`; ``HTML`` widgets never
receive unescaped input. Knowledge-base ids never reach the page: every helper shows names
(:mod:`triage.domain.vocabulary`); looks come from class names in ``static/triage.css``. The notice is the
frame's (:func:`triage.ui.frame.notice_html`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from html import escape
from typing import Any

from ..content.glossary import Term, glossary
from ..domain.knowledge import Rule, knowledge
from ..domain.model import Assessment, Change, Urgency
from ..domain.vocabulary import in_sentence, vocabulary

PRIMARY = "triage-primary"  # class for primary actions (44 px targets)


def esc(text: object) -> str:
    """HTML-escape any text before it goes into an HTML widget."""
    return escape(str(text), quote=True)


# ---- student-facing HTML (names from the knowledge base, class names from static/triage.css) -----------


def urgency_word(urgency: Urgency) -> str:
    """EMERGENCY / URGENT / ROUTINE: the word that carries the urgency (never colour alone)."""
    return urgency.value.upper()


def guide_ref_html(section_id: str, lead: str = "Guide section") -> str:
    """A guide section that opens in place: its title, and its summary on demand."""
    section = knowledge().section(section_id)
    title = f"{lead}: {section.title}" if lead else section.title
    return (
        f'<details class="triage-guide-ref"><summary>{esc(title)}</summary>'
        f"<p>{esc(section.summary)}</p></details>"
    )


def _names(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def verdict_html(a: Assessment, live: bool = True) -> str:
    """Urgency, next step, the red flags that escalated and who else to consider, in plain words.

    ``live`` marks the banner itself as a status region; pass False when the surrounding element
    already is one (the Voilà template makes ``.triage-live`` widgets stable live regions)."""
    kb = knowledge()
    flags = {f.id: f for f in kb.red_flags}
    role = ' role="status" aria-live="polite"' if live else ""
    parts = [
        f'<div class="triage-urgency triage-urgency-{a.urgency.value}"{role}>',
        f'<p><span class="triage-urgency-word">Urgency: {esc(urgency_word(a.urgency))}</span> &mdash; next step: '
        f"<strong>{esc(kb.provider(a.next_step).name)}</strong></p>",
    ]
    if a.red_flags:
        label = "Red flag" if len(a.red_flags) == 1 else "Red flags"
        parts.append(f"<p>{label}: " + esc("; ".join(flags[f].label for f in a.red_flags)) + "</p>")
    if a.also_consider:
        parts.append("<p>Also consider: " + esc(_names(kb.provider(s).name for s in a.also_consider)) + "</p>")
    parts.append("</div>")
    return "".join(parts)


def waiting_html(message: str, live: bool = True) -> str:
    """The verdict area while the inputs cannot be assessed: what to fix, in plain words."""
    role = ' role="status" aria-live="polite"' if live else ""
    return f'<div class="triage-urgency triage-urgency-none"{role}><p>{esc(message)}</p></div>'


def rules_html(a: Assessment) -> str:
    """The rules that fired, by name, each with what it did, why, and its guide section."""
    voc = vocabulary()
    kb = knowledge()
    signals = {f"RF-{f.id}": f.explanation for f in kb.red_flags}  # a flag's rule would repeat its name
    items = "".join(
        f"<li><strong>{esc(voc.rule(h.rule_id))}</strong>: <span class='triage-effect'>"
        f"{esc(voc.effect(h.effect))}</span>. {esc(signals.get(h.rule_id, h.reason))}"
        f"{guide_ref_html(h.guide_section)}</li>"
        for h in a.trace
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in a.notes)
    html = f"<h4>Why: the rules that fired</h4><ol class='triage-rule-list'>{items}</ol>"
    if notes:
        html += f"<h4>Notes</h4><ul class='triage-rule-list'>{notes}</ul>"
    return html


def change_text(c: Change) -> str:
    """One single change in words: "with a fever", "after a high-impact injury such as a fall"."""
    voc = vocabulary()
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


def changes_list_html(a: Assessment) -> str:
    """The single changes that would alter the urgency or the next step."""
    kb = knowledge()
    voc = vocabulary()
    if not a.what_would_change:
        return "<h4>What would change it</h4><p>No single change would.</p>"
    items = "".join(
        f"<li>{esc(change_text(c))} &rarr; {esc(voc.urgency_name(c.urgency))}, "
        f"{esc(kb.provider(c.next_step).name)}</li>"
        for c in a.what_would_change
    )
    return f"<h4>What would change it</h4><ul>{items}</ul>"


def condition_text(when: Mapping[str, Any], care_trial_weeks: float) -> str:
    """A rule's condition in plain words, with names instead of ids."""
    text = _condition_words(when, care_trial_weeks)
    return text[:1].upper() + text[1:]


def _condition_words(when: Mapping[str, Any], care_trial_weeks: float, joiner: str = "; ") -> str:
    voc = vocabulary()
    parts = []
    for name, value in when.items():
        if name == "care_trial_complete":
            parts.append(f"conservative care tried for {care_trial_weeks:g} weeks or more" if value
                         else f"conservative care tried for less than {care_trial_weeks:g} weeks")
        elif name == "any_finding":
            parts.append("the assessment found " + _or(_found(voc, v) for v in value))
        elif name == "no_finding":
            parts.append("the assessment found none of: " + ", ".join(_found(voc, v) for v in value))
        elif name == "any_symptom":
            parts.append(_or((in_sentence(voc.symptom(v)) for v in value), ", or "))
        elif name == "any_history":
            parts.append("history of " + _or((in_sentence(voc.history_item(v)) for v in value), ", or "))
        elif name == "prefers_non_surgical":
            parts.append("the person would rather avoid surgery" if value else "the person is open to surgery")
        elif name == "trauma":
            parts.append(voc.trauma[str(value)].phrase)
        elif name == "min_age":
            parts.append(f"aged {value} or over")
        elif name == "max_age":
            parts.append(f"aged {value} or under")
        elif name == "max_duration_weeks":
            parts.append(f"pain that began within the last {value:g} weeks")
        elif name == "any_site":
            parts.append("pain in the " + _or(in_sentence(voc.site(s)) for s in value))
        elif name == "sites_span":
            parts.append("pain in " + " and in ".join(_or(in_sentence(voc.site(s)) for s in g) for g in value))
        elif name == "any_of":
            parts.append("either " + "; or ".join(_condition_words(w, care_trial_weeks, " and ") for w in value))
        elif name == "at_least":
            parts.append(f"at least {value['count']} of: "
                         + " / ".join(_condition_words(w, care_trial_weeks, " and ") for w in value["of"]))
        else:  # a condition added to the knowledge base without words here yet
            parts.append(name.replace("_", " "))
    return joiner.join(parts)


def _or(items: Iterable[str], last: str = " or ") -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + last + items[-1]


def _found(voc: Any, finding: str) -> str:
    """What an assessment found, with its article: "a torn hip labrum"."""
    return voc.findings[str(finding)].phrase.removeprefix("if the assessment found ")


def outcome_text(rule: Rule) -> str:
    """A rule's outcome with names: "Routine: Chiropractor (also consider Physical therapist (PT))"."""
    kb = knowledge()
    voc = vocabulary()
    if rule.kind == "note" or rule.next_step is None:
        return "A teaching note; it does not change the result"
    text = kb.provider(rule.next_step).name
    if rule.urgency is not None:
        text = f"{voc.urgency_name(rule.urgency)}: {text}"
    if rule.also_consider:
        text += " (also consider " + _names(kb.provider(s).name for s in rule.also_consider) + ")"
    return text


# -- the glossary (pure HTML: opening a term costs no round trip to the kernel) --------------------------

def term_html(term: Term) -> str:
    also = f' <span class="triage-muted">(also: {esc(", ".join(term.also))})</span>' if term.also else ""
    sources = (f'<p class="triage-muted">Source: {esc("; ".join(term.sources))}</p>' if term.sources else "")
    section = knowledge().section(term.guide_section).title
    return (f"<dt>{esc(term.term)}{also}</dt><dd><p>{esc(term.definition)} "
            f'<span class="triage-muted">Guide section: {esc(section)}.</span></p>{sources}</dd>')


@cache
def terms_html() -> str:
    """The whole glossary as a definition list, then the guide's sections, each opening in place."""
    sections = "".join(guide_ref_html(s.id, "Guide section") for s in knowledge().sections)
    return ('<dl class="triage-glossary-list">' + "".join(term_html(t) for t in glossary()) + "</dl>"
            f"<h4>The guide's sections</h4>{sections}")


@cache
def glossary_html() -> str:
    """The glossary folded into one disclosure (the frame's footer shows it)."""
    return (f'<details class="triage-glossary"><summary>Glossary: {len(glossary())} words used in this course'
            f"</summary>{terms_html()}</details>")
