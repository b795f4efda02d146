"""The static build's JavaScript lives in real files (tools/static_site/js/): each is valid JavaScript, and each
placeholder word the build fills is in the file that needs it (a renamed placeholder would otherwise reach the
browser as a bare word)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tools.static_site.javascript import JS_DIR, fill_script, inline_script, read_js

SCRIPTS = sorted(p for p in JS_DIR.iterdir() if p.suffix in (".js", ".mjs"))
PLACEHOLDERS = {
    "worker-hook.js": ("UNPACK_JS", "PRESTART", "KERNEL_FIRST"),
    "snapshot.mjs": ("UNPACK_JS",),
    "prestart.js": ("PYODIDE_URL", "WORKER_URL", "OPTIONS", "PREFIX"),
    "codecache-warm.js": ("SKIP", "BUILD", "DELAY_MS"),
    "secure-context.js": ("HOME", "SLOW_MS"),
}


def node_check(path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "Node.js is needed (apt-get install nodejs); the static build needs it too"
    return subprocess.run([node, "--check", str(path)], capture_output=True, text=True, check=False)


def test_the_build_has_its_scripts():
    assert {p.name for p in SCRIPTS} >= {*PLACEHOLDERS, "unpack.js", "compile-wheels.mjs"}


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_each_script_is_valid_javascript(path):
    done = node_check(path)
    assert done.returncode == 0, done.stderr


def test_the_syntax_check_catches_a_broken_script(tmp_path):
    broken = tmp_path / "broken.js"
    broken.write_text(read_js("prestart.js").replace("=>", "=", 1), encoding="utf-8")
    assert node_check(broken).returncode != 0


@pytest.mark.parametrize(("name", "words"), PLACEHOLDERS.items())
def test_placeholders_are_where_the_build_fills_them(name, words):
    text = read_js(name)
    assert [w for w in words if not re.search(rf"\b{w}\b", text)] == []


def test_a_filled_inline_script_cannot_be_ended_by_a_value():
    html = fill_script(inline_script("codecache-warm.js"), {"SKIP": ["</script><b>"], "BUILD": "x", "DELAY_MS": 1})
    assert html.startswith("<script>\n") and html.endswith("</script>") and html.count("</script>") == 1
