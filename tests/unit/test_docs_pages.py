"""The project's face: a short README for users, and pages that speak of the project only.

The site itself is built and checked in tests/integration/test_docs.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", ROOT / "DEVELOPERS.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")])

# words about how the project was made, not what it is
MAKING_OF = re.compile(r"\bthis (?:session|evening|morning|afternoon)\b|\bearlier we\b|\bwe (?:tried|measured)\b", re.I)
# a commit hash: 7 to 40 hex digits with at least one digit and one letter
# a hash after a hyphen is part of a name (a home folder such as ben.uni.example-1f2e3d4c), not a commit
COMMIT = re.compile(r"(?<![-\w])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")
# a measured time or size, as README and DEVELOPERS used to carry them (numbers live in benchmarks/RESULTS.md)
FIGURE = re.compile(r"\b\d+(?:\.\d+)?(?:\s?-\s?\d+(?:\.\d+)?)?\s(?:ms|s|min|minutes|seconds|CPU-s|MB|GB)\b")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_is_short_and_for_users():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 150
    assert "Educational use only" in text
    for command in ("make app", "make test", "make hub", "make static"):
        assert command in text, command


@pytest.mark.parametrize("name", ["README.md", "DEVELOPERS.md"])
def test_readme_and_developers_carry_no_measured_figures(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert not FIGURE.findall(text), f"{name}: figures belong in benchmarks/RESULTS.md: {FIGURE.findall(text)}"


def test_the_guards_catch_what_they_are_for():
    assert MAKING_OF.search("Measured this session on the laptop")
    assert COMMIT.search("the code before the frame (397c7be) gave")
    assert FIGURE.search("make test takes 4-5 min") and FIGURE.search("about 0.9 s on the second visit")
    assert not COMMIT.search("a deadbeef-free sentence about cafe and facade")
    assert not FIGURE.search("sciatica in over 16s")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_speak_of_the_project_only(page):
    text = page.read_text(encoding="utf-8")
    assert not MAKING_OF.findall(text), f"{page.name}: {MAKING_OF.findall(text)}"
    assert not COMMIT.findall(text), f"{page.name}: commit hashes {COMMIT.findall(text)}"


@pytest.mark.parametrize("name", ["README.md", "DEVELOPERS.md"])
def test_links_from_readme_and_developers_reach_their_files(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    targets = [t for t in LINK.findall(text) if "://" not in t]
    assert targets
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, f"{name} links to missing files: {missing}"


def test_the_students_lesson_times_are_the_courses():
    import yaml

    course = yaml.safe_load((ROOT / "triage" / "content" / "data" / "course.yaml").read_text(encoding="utf-8"))
    minutes = {app["notebook"]: app["minutes"] for app in course["apps"]}
    page = (ROOT / "docs" / "students" / "index.md").read_text(encoding="utf-8")
    rows = re.findall(r"\(\.\./lessons/(\d\d_\w+\.ipynb)\) \| (\d+) min \|", page)
    assert len(rows) == sum(1 for app in course["apps"] if app["audience"] == "student")
    assert {name: int(m) for name, m in rows} == {name: minutes[name] for name, _ in rows}
