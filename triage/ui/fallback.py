"""A readable copy of an app as it is now, for places that cannot run its widgets.

A notebook's output holds an app as a widget view, which only a live kernel (or a widget manager with
the saved widget state) can draw. nbconvert without the widget state, GitHub's notebook viewer, nbviewer,
a docs site and plain-text tools draw the next thing in the output's mimebundle instead, so every app
puts its current state there too: ``text/html`` (the text the student sees, the chosen options and
values, the verdict, the question, the case) and ``text/plain`` (the same as text). The widget view stays
first, so JupyterLab, Notebook 7 and Voila draw the live app as before.

The copy is taken from the widget tree itself, so it needs nothing from each app: HTML widgets give
their HTML, controls their description and value ("[x] Fever", "Injury: No injury"; a group of check
boxes as two lines, the ticked ones and the others), buttons only when
they mark an answer (the drill's "your answer, right"); hidden parts and other actions are left out, and
so are key fields and downloads, which must not be copied into a saved notebook.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from typing import Any

import ipywidgets as w

# Parts of an app that are not its content: the injected stylesheet, key listeners, the gradebook download
# (a data: link holding every student's answers) and the instructor-key field.
LEFT_OUT = frozenset({"triage-style", "triage-shortcuts-listener", "triage-download", "triage-gate-key"})
MARKED = frozenset({"triage-chosen", "triage-right", "triage-wrong"})  # buttons that show an answer
TICKED, UNTICKED = "[x]", "[ ]"
CHOSEN, UNCHOSEN = "(o)", "( )"
CAPTION = "This app as it was when its cell ran (run the notebook to use it):"
VIEW = "application/vnd.jupyter.widget-view+json"


def _hidden(widget: w.Widget) -> bool:
    layout = getattr(widget, "layout", None)
    hidden = layout is not None and (layout.display == "none" or layout.visibility == "hidden")
    return hidden or bool(LEFT_OUT & set(getattr(widget, "_dom_classes", ())))


def _label(widget: w.Widget) -> str:
    return escape(str(getattr(widget, "description", "") or ""))


def _option_label(widget: w.Widget, value: Any) -> str:
    for label, option in zip(getattr(widget, "_options_labels", ()), getattr(widget, "_options_values", ()),
                             strict=False):
        if option == value:
            return str(label)
    return "" if value is None else str(value)


def _parts(widget: w.Widget) -> list[str]:
    """The HTML of one widget and everything inside it, in order."""
    if _hidden(widget):
        return []
    if isinstance(widget, w.Button):  # an action, unless it carries a marked answer (the drill's)
        marked = MARKED & set(widget._dom_classes)
        return [f"<p>{_label(widget)}</p>"] if marked else []
    if isinstance(widget, w.Password):
        return []
    if isinstance(widget, w.HTML | w.HTMLMath):
        return [widget.value] if widget.value else []
    if isinstance(widget, w.Label):
        return [f"<p>{escape(widget.value)}</p>"] if widget.value else []
    if isinstance(widget, w.Checkbox):
        return [f"<p>{TICKED if widget.value else UNTICKED} {_label(widget)}</p>"]
    if isinstance(widget, w.RadioButtons):
        items = "".join(
            f"<li>{CHOSEN if value == widget.value else UNCHOSEN} {escape(str(label))}</li>"
            for label, value in zip(widget._options_labels, widget._options_values, strict=False)
        )
        title = f"<p><strong>{_label(widget)}</strong></p>" if widget.description else ""
        return [f"{title}<ul>{items}</ul>"]
    if isinstance(widget, w.ToggleButtons | w.Dropdown | w.Select):
        name = _label(widget) or "Chosen"
        return [f"<p>{name}: <strong>{escape(_option_label(widget, widget.value))}</strong></p>"]
    if isinstance(widget, w.Text | w.Textarea):
        return [f"<p>{_label(widget)}: <strong>{escape(widget.value)}</strong></p>"]
    if isinstance(widget, w.IntText | w.FloatText | w.BoundedIntText | w.BoundedFloatText):
        return [f"<p>{_label(widget)}: <strong>{widget.value:g}</strong></p>"]
    if isinstance(widget, w.Box):
        shown = [child for child in widget.children if not _hidden(child)]
        if len(shown) > 1 and all(isinstance(child, w.Checkbox) for child in shown):
            return [_ticks(shown)]
        return [part for child in widget.children for part in _parts(child)]
    return []


def _ticks(boxes: list[w.Checkbox]) -> str:
    """A group of check boxes in two lines: the ticked ones, then the others."""
    ticked = [_label(box) for box in boxes if box.value]
    unticked = [_label(box) for box in boxes if not box.value]
    lines = [f"<p>{TICKED} {', '.join(ticked)}</p>"] if ticked else []
    if unticked:
        lines.append(f"<p>{UNTICKED} {', '.join(unticked)}</p>")
    return "".join(lines)


def fallback_html(widget: w.Widget) -> str:
    """The app's current state as plain HTML (no scripts, no styles of its own)."""
    return (f'<div class="triage-fallback"><p><em>{escape(CAPTION)}</em></p>'
            + "".join(_parts(widget)) + "</div>")


class _Text(HTMLParser):
    """HTML to readable text: one line per block, list items with a dash, links in a menu apart, a
    disclosure as its summary (as a browser shows it closed), scripts, styles and drawings dropped."""

    BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "table", "tr",
                        "summary", "section", "nav", "caption", "br", "figure", "figcaption"})
    DROPPED = frozenset({"script", "style", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.dropped = 0
        self.nav = 0
        self.closed: list[bool] = []  # per open <details>: inside its body (after the summary)?

    def _skipping(self) -> bool:
        return self.dropped > 0 or any(self.closed)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.DROPPED:
            self.dropped += 1
        elif tag == "details":
            self.closed.append(False)
        elif self._skipping():
            return
        elif tag == "li":
            self.lines.append("- ")
        elif tag in ("td", "th") and self.lines[-1].strip():
            self.lines[-1] += " | "
        elif tag == "nav":
            self.nav += 1
            self.lines.append("")
        elif tag in self.BLOCKS:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.DROPPED:
            self.dropped = max(0, self.dropped - 1)
        elif tag == "details":
            if self.closed:
                self.closed.pop()
            self.lines.append("")
        elif tag == "summary" and self.closed:
            self.lines.append("")
            self.closed[-1] = True
        elif self._skipping():
            return
        elif tag == "nav":
            self.nav = max(0, self.nav - 1)
            self.lines.append("")
        elif tag == "a" and self.nav:
            self.lines[-1] += " | "
        elif tag in self.BLOCKS or tag == "li":
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.lines[-1] += re.sub(r"\s+", " ", data)

    def text(self) -> str:
        lines = [" ".join(line.split()).strip(" |") for line in self.lines]
        return "\n".join(line for line in lines if line and line != "-")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML fragment."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.text()


def mimebundle(widget: w.Widget, **kwargs: Any) -> dict[str, Any]:
    """``widget``'s own bundle (the widget view first), plus its current state as ``text/html`` and ``text/plain``."""
    own = dict(widget._repr_mimebundle_(**kwargs) or {})
    html = fallback_html(widget)
    bundle = {VIEW: own[VIEW]} if VIEW in own else {}
    bundle.update({key: value for key, value in own.items() if key not in (VIEW, "text/plain")})
    bundle["text/html"] = html
    bundle["text/plain"] = html_to_text(html)
    return bundle
