"""Packaging: environment.yml (Binder) and pyproject.toml name the same runtime dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict[str, str]:
    """The runtime dependencies plus the `serve` extra: what Binder's environment must install."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["serve"]
    return {_name(r): r.replace(" ", "") for r in reqs}


def _core() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {_name(r): r.replace(" ", "") for r in data["project"]["dependencies"]}


def _pins(path: Path) -> dict[str, str]:
    lines = [ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    return {_name(ln): ln.split("==", 1)[1] for ln in lines if ln}


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


def test_notebook_7_is_pinned_with_the_widget_stack_in_both_files():
    """Students who start in Notebook 7 (/tree) get it from `make install` and from Binder alike, and it loads
    the same jupyterlab_widgets extension as JupyterLab."""
    pins = _pyproject()
    assert pins["notebook"].startswith("notebook==7.")
    assert _environment()["notebook"] == pins["notebook"]


def test_environment_installs_the_project_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip


def test_license_is_an_spdx_string_so_installs_print_no_deprecation_warning():
    """setuptools 77+ warns on every build when `project.license` is a TOML table ({ text = ... })."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert isinstance(data["project"]["license"], str)
    assert "setuptools>=77" in data["build-system"]["requires"], "the SPDX form needs setuptools 77 or later"


def test_core_dependencies_run_in_the_browser():
    """The static build installs the package in Pyodide: no server stack among the core dependencies."""
    assert set(_core()) == {"pyyaml", "jinja2", "ipywidgets", "jupyterlab-widgets", "widgetsnbextension"}
    browser = _pins(ROOT / "requirements" / "static-browser.txt")
    assert {"pyyaml", "jinja2", "markupsafe", "ipywidgets"} <= set(browser)  # and jinja2's one dependency


def test_static_build_pins_the_same_widget_stack():
    """The browser's ipywidgets and the toolchain's widget manager equal the project's pins."""
    core = _core()
    browser = _pins(ROOT / "requirements" / "static-browser.txt")
    toolchain = _pins(ROOT / "requirements" / "static-toolchain.txt")
    assert core["ipywidgets"] == f"ipywidgets=={browser['ipywidgets']}"
    assert core["jupyterlab-widgets"] == f"jupyterlab_widgets=={toolchain['jupyterlab-widgets']}"


def test_a_server_start_does_not_build_the_rfc3987_parsers():
    """jsonschema 4.24+ imports rfc3987-syntax, which compiles about 30 Lark parsers on import (0.7 s of CPU at
    every Jupyter, Voila and hub single-user server start); the serve extra keeps jsonschema below it."""
    import subprocess
    import sys

    code = "import sys, jupyter_server.serverapp, jsonschema; print('rfc3987_syntax' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", "a server start imports rfc3987_syntax (jsonschema 4.24 or later)"
