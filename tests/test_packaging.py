"""Packaging: environment.yml (Binder) and pyproject.toml name the same runtime dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {_name(r): r.replace(" ", "") for r in data["project"]["dependencies"]}


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {_name(r): r.replace(" ", "") for r in pip if not r.startswith("-e")}


def test_environment_and_pyproject_name_the_same_runtime_dependencies():
    assert set(_environment()) == set(_pyproject())


def test_environment_and_pyproject_pin_the_same_versions():
    assert _environment() == _pyproject()


def test_widget_stack_is_pinned_exactly():
    deps = _pyproject()
    for name in ("ipywidgets", "jupyterlab-widgets", "widgetsnbextension"):
        assert "==" in deps[name], f"{name} must be pinned with == so Python and JavaScript sides match"


def test_environment_installs_the_project_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip


def test_license_is_an_spdx_string_so_installs_print_no_deprecation_warning():
    """setuptools 77+ warns on every build when `project.license` is a TOML table ({ text = ... })."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert isinstance(data["project"]["license"], str)
    assert "setuptools>=77" in data["build-system"]["requires"], "the SPDX form needs setuptools 77 or later"
