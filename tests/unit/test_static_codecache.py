"""The code-cache warm-up put into the static site's app pages (tools/static_site/codecache.py). The browser
side (a first visit leaving compiled code to the next one) is in test_static_site.py."""

from __future__ import annotations

import json
import re

import pytest

from tools.static_site.codecache import WARM_JS, CodeCacheError, codecache_pages, page_scripts, warm_script
from triage.errors import TriageError

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><script>const early = 1;</script>
<script id="jupyter-config-data" type="application/json">{"a": 1}</script></head>
<body><main><div class="cell">text</div>
<script>window.voila_finish();</script>
<script src="../build/voici.js"></script>
</main>
</body>
<script>(function () {})();</script>
</html>
"""


def inline_value(script: str, name: str) -> object:
    """The JSON literal the script has where WARM_JS has ``name``."""
    before, after = WARM_JS.split(name, 1)
    start = script.index(before[-40:]) + 40 if before else 0
    end = script.index(after[:40], start)
    return json.loads(script[start:end])


def test_the_page_scripts_are_the_script_tags_with_a_source():
    assert page_scripts(PAGE) == ["../build/voici.js"]
    assert page_scripts('<script type="module" src=\'a.js\'></script><script async src="b.js?v=1">') == [
        "a.js", "b.js?v=1"]


def test_the_warm_up_goes_before_the_end_of_the_body_and_leaves_the_page_own_scripts_out(tmp_path):
    page = tmp_path / "04_triage_explorer.html"
    page.write_text(PAGE, encoding="utf-8")
    codecache_pages([page], "abc123")
    html = page.read_text(encoding="utf-8")
    start = html.index("// tools.static_site.codecache")
    assert html.index('<script src="../build/voici.js">') < start < html.index("</body>")
    script = html[html.rindex("<script>", 0, start):html.index("</script>", start) + len("</script>")]
    assert inline_value(script, "SKIP") == ["../build/voici.js"]
    assert inline_value(script, "BUILD") == "abc123"
    assert not re.search(r"\b(SKIP|BUILD|DELAY_MS)\b", script)  # every placeholder filled
    assert html.replace(script + "\n", "") == PAGE  # nothing else changed


def test_a_value_cannot_end_the_script_early():
    script = warm_script(["x</script><script>alert(1)//.js"], "</script>")
    body = script.removeprefix("<script>").removesuffix("</script>")
    assert "</" not in body


@pytest.mark.parametrize("body", ["<html><body>no end", "<body>a</body><body>b</body>"])
def test_a_page_without_one_body_end_fails_naming_the_page(tmp_path, body):
    page = tmp_path / "app.html"
    page.write_text(body, encoding="utf-8")
    with pytest.raises(CodeCacheError) as err:
        codecache_pages([page], "abc123")
    assert isinstance(err.value, TriageError)
    assert err.value.file == str(page)
    assert "</body>" in str(err.value)
    assert page.read_text(encoding="utf-8") == body  # left as it was
