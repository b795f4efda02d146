"""The wheel carries the course: the build copies the checkout's top-level course folder (``notebooks/``,
``case_studies/``, ``voila.json``, the ``triage`` Voilà template in ``share/jupyter``) into the package as
``triage/_course/``, where :mod:`triage.course_folder` finds it when no checkout is there. Everything
else about the package is in pyproject.toml.

Where those folders are absent (a build of the package alone, as the static site's browser wheel is
made), the wheel holds no course. Editable installs read the checkout directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# the same parts as triage.course_folder.PARTS (tests/test_wheel.py checks the wheel holds each)
PARTS = ("notebooks", "case_studies", "voila.json", "share/jupyter/voila/templates/triage")
SKIP = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc", ".*")


class BuildPyWithCourse(build_py):
    """``build_py`` that also copies the course folder into ``<build>/triage/_course``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "triage" / "_course"
        shutil.rmtree(target, ignore_errors=True)  # a build folder left from an earlier build keeps no old file
        for part in PARTS:
            source = HERE / part
            if not source.exists():
                continue
            dest = target / part
            if source.is_dir():
                shutil.copytree(source, dest, ignore=SKIP, dirs_exist_ok=True)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest)


setup(cmdclass={"build_py": BuildPyWithCourse})
