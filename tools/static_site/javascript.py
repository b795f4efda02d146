"""The build's JavaScript, kept as real files in ``js/`` (readable, and syntax-checked by the tests), and the
one way an inline script gets its values."""

from __future__ import annotations

import json
import re
from pathlib import Path

JS_DIR = Path(__file__).resolve().parent / "js"


def read_js(name: str) -> str:
    """The text of ``js/<name>``."""
    return (JS_DIR / name).read_text(encoding="utf-8")


def inline_script(name: str) -> str:
    """``js/<name>`` as an inline ``<script>`` element, ready for :func:`fill_script`."""
    return f"<script>\n{read_js(name)}</script>"


def fill_script(template: str, values: dict[str, object]) -> str:
    """``template`` (an inline ``<script>``) with each placeholder word of ``values`` replaced by its value as
    JSON, which is JavaScript; ``</`` is escaped, so no value can end the script early."""
    def literal(m: re.Match[str]) -> str:
        return json.dumps(values[m[0]], separators=(",", ":")).replace("</", "<\\/")

    return re.sub(r"\b(" + "|".join(map(re.escape, values)) + r")\b", literal, template)
