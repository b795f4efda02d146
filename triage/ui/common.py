"""Shared pieces of the widget apps: escaping, the rules in plain words, and the shared HTML fragments.

Everything that shows case or user text goes through :func:`esc`; ``HTML`` widgets never
receive unescaped input. Knowledge-base ids never reach the page: every helper shows names
(:mod:`triage.domain.vocabulary`); looks come from class names in ``static/triage.css``. The fragments an
app shares with the handouts (urgency banner, rules that fired, what would change it, guide sections,
glossary, notice) are drawn in one place, :mod:`triage.outputs.fragments`, and re-exported here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import escape

from ..domain.knowledge import Rule, knowledge
from ..domain.vocabulary import in_sentence, vocabulary
from ..errors import AccessDeniedError, StoreError, StoreUnavailableError
from ..outputs.fragments import (
    and_list,
    change_text,
    changes_list_html,
    each_reason_once,
    glossary_html,
    guide_ref_html,
    rules_html,
    terms_html,
    urgency_word,
    verdict_html,
    waiting_html,
)

__all__ = ["PRIMARY", "change_text", "changes_list_html", "condition_text", "each_reason_once", "esc", "glossary_html",
           "guide_ref_html", "outcome_text", "rules_html", "store_reason", "terms_html", "urgency_word", "verdict_html",
           "waiting_html"]

PRIMARY = "triage-primary"  # class for primary actions (44 px targets)

_log = logging.getLogger(__name__)


def store_reason(exc: StoreError) -> str:
    """Why the class store failed, in words for a student: never the store's location (a server's internal
    address, a file path) or a server's raw error text. The whole error is logged for the administrator."""
    _log.warning("class store: %s", exc)
    problem = exc.problems[0]
    if not str(problem.file or "").startswith(("http://", "https://")) or isinstance(exc, AccessDeniedError):
        return problem.message  # a store of this machine, or the class service's own words for a refusal
    if isinstance(exc, StoreUnavailableError):
        return "the class server cannot be reached right now"
    return "the class server could not do it right now"


def esc(text: object) -> str:
    """HTML-escape any text before it goes into an HTML widget: the escaping the shared fragments' templates
    apply (MarkupSafe's), so a page escapes one way."""
    return str(escape(str(text)))


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
        text += " (also consider " + and_list(kb.provider(s).name for s in rule.also_consider) + ")"
    return text
