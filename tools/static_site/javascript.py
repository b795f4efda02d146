"""The build's JavaScript, kept as real files in ``js/`` (readable, and syntax-checked by the tests), and the
one way an inline script gets its values."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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


BODY_END = re.compile(r"</body>", re.I)


def insert_before_body_end(page: Path, script: str, problem: Callable[[str], Exception]) -> None:
    """Put ``script`` just before the one ``</body>`` of ``page``; a page without exactly one raises what
    ``problem`` makes of the reason (each step names its own error and the module to check)."""
    html = page.read_text(encoding="utf-8")
    ends = list(BODY_END.finditer(html))
    if len(ends) != 1:
        raise problem(f"{len(ends)} </body> tags where one was expected")
    at = ends[0].start()
    page.write_text(html[:at] + script + "\n" + html[at:], encoding="utf-8")
