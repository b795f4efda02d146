"""The course map the landing page and the apps' links read."""

from pathlib import Path

import pytest

from triage.content.course import course, load_course, next_app, student_apps
from triage.errors import KnowledgeError

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_every_notebook_is_on_the_course_map_and_every_entry_exists():
    assert sorted(a.notebook for a in course()) == sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_instructor_apps_are_not_student_apps_and_next_stays_in_audience():
    assert "06_instructor.ipynb" not in {a.notebook for a in student_apps()}
    assert next_app("00_start_here.ipynb").notebook == "01_hip_and_back.ipynb"
    assert next_app(student_apps()[-1].notebook) is None


def test_a_broken_course_file_names_file_and_field(tmp_path):
    bad = tmp_path / "course.yaml"
    bad.write_text("apps:\n  - notebook: x.ipynb\n    title: X\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load_course(bad)
    assert exc.value.file == str(bad) and exc.value.field == "apps[0]" and exc.value.line == 2


def test_the_start_page_keeps_a_small_pool_and_a_bad_pool_value_is_named(tmp_path):
    assert next(a for a in course() if a.notebook == "00_start_here.ipynb").pool == "small"
    bad = tmp_path / "course.yaml"
    bad.write_text("apps:\n  - notebook: x.ipynb\n    title: X\n    minutes: 5\n    audience: student\n"
                   "    summary: S\n    pool: tiny\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load_course(bad)
    assert exc.value.field == "apps[0].pool" and exc.value.line == 7
