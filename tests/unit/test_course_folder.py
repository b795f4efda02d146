"""Where the course comes from: $TRIAGE_COURSE_DIR (or serve --course) over the checkout or the installed copy,
part by part; a folder that cannot be a course is refused naming the variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from triage.content import course_folder
from triage.content.cases import cases_dir, load_cases
from triage.errors import CourseFolderError, TriageError
from triage.serve.app import prepare_environment, take_course_option

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def own(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv("TRIAGE_CASES_DIR", raising=False)
    monkeypatch.delenv(course_folder.ENV, raising=False)
    folder = tmp_path / "mycourse"
    (folder / "case_studies").mkdir(parents=True)
    (folder / "case_studies" / "hip-oa-grandfather.yaml").write_text(
        (ROOT / "case_studies" / "hip-oa-grandfather.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_in_a_checkout_the_checkout_is_the_course(own):
    assert course_folder.default_folder() == course_folder.CourseFolder(ROOT, "the source checkout")
    assert course_folder.notebooks_dir() == ROOT / "notebooks"
    assert cases_dir() == ROOT / "case_studies"
    assert course_folder.config_dirs() == [ROOT]


def test_a_folder_of_ones_own_replaces_only_the_parts_it_has(own, monkeypatch):
    monkeypatch.setenv(course_folder.ENV, str(own))
    assert cases_dir() == own / "case_studies"
    assert [c.id for c in load_cases()] == ["hip-oa-grandfather"]
    assert course_folder.notebooks_dir() == ROOT / "notebooks", "no notebooks/ of its own: the suite's"
    assert course_folder.config_dirs() == [ROOT]
    assert course_folder.jupyter_paths() == [ROOT / "share" / "jupyter"]


def test_the_cases_variable_still_wins_over_the_course_folder(own, monkeypatch, tmp_path):
    monkeypatch.setenv(course_folder.ENV, str(own))
    monkeypatch.setenv("TRIAGE_CASES_DIR", str(tmp_path))
    assert cases_dir() == tmp_path


def test_an_own_template_and_configuration_come_first(own, monkeypatch):
    (own / "share" / "jupyter" / "voila" / "templates" / "triage").mkdir(parents=True)
    (own / "voila.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv(course_folder.ENV, str(own))
    assert course_folder.config_dirs() == [own, ROOT]
    environ = {"JUPYTER_PATH": "/elsewhere"}
    prepare_environment(environ)
    assert environ["JUPYTER_PATH"].split(":") == [str(own / "share" / "jupyter"), str(ROOT / "share" / "jupyter"),
                                                  "/elsewhere"]


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_a_folder_that_cannot_be_a_course_is_refused_naming_the_variable(own, monkeypatch, tmp_path, make):
    folder = tmp_path / make
    if make == "empty":
        folder.mkdir()
        (folder / "notes.txt").write_text("not a course", encoding="utf-8")
    monkeypatch.setenv(course_folder.ENV, str(folder))
    with pytest.raises(CourseFolderError) as err:
        cases_dir()
    assert isinstance(err.value, TriageError)
    assert err.value.field == course_folder.ENV and err.value.file == str(folder)


def test_serve_takes_the_course_option_for_itself_and_its_kernels(own, monkeypatch):
    environ: dict[str, str] = {}
    rest = take_course_option(["--port=9", "--course", str(own), "--no-browser"], environ)
    assert rest == ["--port=9", "--no-browser"]
    assert environ[course_folder.ENV] == str(own)
    monkeypatch.chdir(own.parent)
    environ = {}
    assert take_course_option([f"--course={own.name}"], environ) == []
    assert environ[course_folder.ENV] == str(own), "a relative folder is made absolute for the kernels"


@pytest.mark.parametrize("argv", [["--course"], ["--course="], ["--course", "/no/such/folder"]])
def test_a_bad_course_option_is_a_plain_error(own, argv):
    with pytest.raises(CourseFolderError) as err:
        take_course_option(argv, {})
    assert err.value.field in ("--course", course_folder.ENV)


def test_serve_with_a_folder_that_is_not_there_says_so_and_exits_2(tmp_path):
    out = subprocess.run([sys.executable, "-m", "triage", "serve", "--course", str(tmp_path / "nowhere")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 2
    assert "TRIAGE_COURSE_DIR" in out.stderr and "nowhere" in out.stderr and "Traceback" not in out.stderr


def test_a_copy_of_the_course_is_a_course_folder_of_ones_own(own, monkeypatch, tmp_path, capsys):
    from triage.cli import main

    copy = tmp_path / "copy"
    assert main(["course", "--copy", str(copy)]) == 0
    for part in course_folder.PARTS:
        assert (copy / part).exists(), part
    assert sorted(p.name for p in (copy / "notebooks").glob("*.ipynb")) == \
        sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    monkeypatch.setenv(course_folder.ENV, str(copy))
    capsys.readouterr()
    assert main(["course"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert len(shown) == len(course_folder.PARTS)
    assert all(line.endswith(f"({course_folder.ENV})") for line in shown), shown
    assert main(["course", "--copy", str(copy)]) == 2, "a folder with something in it is never overwritten"
    assert "not empty" in capsys.readouterr().err
