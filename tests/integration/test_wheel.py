"""The installable package: the wheel built from the checkout carries the course, and installed into a fresh
virtual environment, with no checkout in sight, its command line and ``python -m triage serve`` work.

The fresh environment gets the wheel with pip (``--no-deps``, no index) and finds the dependencies in
this environment's site-packages through a plain path line (no ``.pth`` of this environment runs there,
so the checkout's editable install stays invisible), with the Jupyter data files they installed; the
test checks that ``triage`` is imported from the wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from support.voila_server import ROOT, fetch, serve

pytestmark = pytest.mark.server

# what the wheel's build needs from the checkout (anything else there must not matter)
BUILD_INPUTS = ("triage", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "notebooks", "case_studies",
                "voila.json", "share")
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
CASE_FILES = sorted(p.name for p in (ROOT / "case_studies").glob("*.yaml"))
TEMPLATE_FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "share/jupyter/voila/templates/triage").rglob("*")
                        if p.is_file())


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that points at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRIAGE_", "JUPYTER", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, **extra}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout's build inputs (the checkout gets no build/ folder)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc", "_course")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(path, src / name)
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "--quiet",
                          "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp / "dist"), str(src)],
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    (built,) = (tmp / "dist").glob("triage-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its ``bin`` folder."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    (venv / "share").mkdir()
    (venv / "share" / "jupyter").symlink_to(Path(sys.prefix) / "share" / "jupyter")
    out = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                          "--disable-pip-version-check", "--no-deps", "--no-index", str(wheel)],
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    return venv / "bin"


def _run(installed: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed / "triage"), *args], cwd=cwd, env=_clean_env(**env),
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_wheel_carries_the_course_and_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    course = "triage/_course/"
    assert {f"{course}notebooks/{n}" for n in NOTEBOOKS} <= names
    assert {f"{course}case_studies/{n}" for n in CASE_FILES} <= names
    assert {f"{course}{t}" for t in TEMPLATE_FILES} <= names
    assert f"{course}voila.json" in names
    assert {"triage/domain/knowledge/rules.yaml", "triage/content/schemas/case.schema.json",
            "triage/content/data/course.yaml",
            "triage/ui/static/triage.css"} <= names
    assert not any("__pycache__" in n or ".ipynb_checkpoints" in n for n in names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "triage = triage.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_installed_cli_works_with_no_checkout(installed, tmp_path):
    where = subprocess.run([str(installed / "python"), "-c",
                            "import triage, triage.content.course_folder as c; "
                            "print(triage.__file__); print(c.default_folder().source)"],
                           cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, check=True).stdout
    module, source = where.splitlines()
    assert Path(module).is_relative_to(installed.parent), f"triage imported from {module}, not the wheel"
    assert source == "the installed package"

    out = _run(installed, tmp_path, "validate")
    assert out.returncode == 0, out.stderr
    valid = len([n for n in CASE_FILES if not n.startswith("_")])
    assert f"{valid} of {valid} case files valid; 0 problem(s)." in out.stderr

    out = _run(installed, tmp_path, "course")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("(the installed package)") == 4, out.stdout

    out = _run(installed, tmp_path, "rules")
    assert out.returncode == 0 and "RF-new_bowel_or_bladder_incontinence" in out.stdout

    (tmp_path / "p.yaml").write_text((ROOT / "examples" / "presentation.yaml").read_text(encoding="utf-8"),
                                     encoding="utf-8")
    out = _run(installed, tmp_path, "assess", "p.yaml", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["urgency"], result["next_step"]) == ("routine", "physical_therapist")

    (tmp_path / "flag.yaml").write_text("age: 46\npain_sites: [lower_back]\nduration_weeks: 1\n"
                                        "symptoms: [new_bowel_or_bladder_incontinence]\n", encoding="utf-8")
    out = _run(installed, tmp_path, "assess", "flag.yaml", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["next_step"] == "emergency_department"


def test_a_course_folder_of_ones_own_replaces_the_installed_cases(installed, tmp_path):
    own = tmp_path / "course" / "case_studies"
    own.mkdir(parents=True)
    shutil.copy2(ROOT / "case_studies" / "hip-oa-grandfather.yaml", own)
    out = _run(installed, tmp_path, "validate", TRIAGE_COURSE_DIR=str(tmp_path / "course"))
    assert out.returncode == 0, out.stderr
    assert "1 of 1 case files valid" in out.stderr

    out = _run(installed, tmp_path, "validate", TRIAGE_COURSE_DIR=str(tmp_path / "nowhere"))
    assert out.returncode == 2
    assert "TRIAGE_COURSE_DIR" in out.stderr and "nowhere" in out.stderr and "Traceback" not in out.stderr


def test_new_case_does_not_write_into_the_installed_package(installed, tmp_path):
    out = _run(installed, tmp_path, "new-case", "my-first-case")
    assert out.returncode == 2
    assert "TRIAGE_COURSE_DIR" in out.stderr and "Traceback" not in out.stderr
    assert not list(installed.parent.rglob("my-first-case.yaml"))


def test_the_installed_package_serves_the_course_from_any_folder(installed, tmp_path):
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV"))}
    env["TRIAGE_COURSE_DIR"] = None
    with serve(tmp_path, notebooks=None, env=env, cwd=cwd, python=str(installed / "python"),
               args=["--pool_size=0"]) as server:
        status, home = fetch(server.url + "/")
        assert status == 200, home[:500]
        assert "Educational use only" in home
        for name in NOTEBOOKS:
            assert f"/voila/render/{name}" in home
        status, page = fetch(server.url + "/voila/render/04_triage_explorer.ipynb")
        assert status == 200, page[-2000:]
        assert "application/vnd.jupyter.widget-view+json" in page
        assert "There was an error when executing cell" not in page
        assert "from triage.ui import" not in page, "voila.json's strip_sources applies"
        status, _ = fetch(server.url + "/voila/files/voila.json")
        assert status in (403, 404)
