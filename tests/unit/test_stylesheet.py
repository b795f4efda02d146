"""The one stylesheet keeps its colours in one section, as variables every rule uses."""

from __future__ import annotations

import re

from triage.ui.frame import stylesheet

COLOURS_END = "/* ---- tokens"
LITERAL = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(|\b(?:white|black)\b(?![-\w])")


def test_every_colour_is_a_variable_of_the_colours_section():
    """Rules added anywhere in the sheet (projector mode, poll notices...) use the variables, so every theme
    reaches them; only the print rules name black and white."""
    css = stylesheet()
    assert COLOURS_END in css
    rules = css.split(COLOURS_END, 1)[1]
    rules = re.sub(r"/\*.*?\*/", "", rules, flags=re.S)
    outside_print = rules.split("@media print", 1)[0]
    assert LITERAL.findall(outside_print) == []
