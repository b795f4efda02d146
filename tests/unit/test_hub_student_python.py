"""The interpreter the students' servers run (as other user ids, under a root hub): one they can reach, or a
plain stop naming the folder they cannot read, before any student's server fails to start."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from triage.hubservice import spawner


@pytest.fixture
def open_dir():
    """A folder other users can search (pytest's own tmp_path sits in a private folder)."""
    folder = Path(tempfile.mkdtemp(prefix="triage-open-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_a_venv_inside_a_closed_folder_is_not_handed_to_the_students(open_dir, monkeypatch):
    """A clone under /root: .venv/bin/python is a link to Debian's /usr/bin/python3.11, which others can run,
    but they cannot follow the link through /root (mode 0700)."""
    system = Path("/usr/bin") / f"python{sys.version_info.major}.{sys.version_info.minor}"
    if not system.exists():
        pytest.fail(f"this test needs the system's {system} (Debian's python3)")
    closed = open_dir / "root"
    (closed / "venv" / "bin").mkdir(parents=True)
    closed.chmod(0o700)
    link = closed / "venv" / "bin" / "python"
    link.symlink_to(system)
    packages = open_dir / "site-packages"
    packages.mkdir()
    monkeypatch.setattr(sys, "executable", str(link))
    chosen = spawner.student_python(open_dir / "state", site_packages=packages)
    assert chosen != str(link)
    assert Path(chosen).is_relative_to(open_dir / "state")


def test_packages_in_a_closed_folder_stop_the_hub_saying_what_to_do(open_dir):
    closed = open_dir / "root"
    (closed / "site-packages").mkdir(parents=True)
    closed.chmod(0o700)
    with pytest.raises(RuntimeError) as err:
        spawner.student_python(open_dir / "state", site_packages=closed / "site-packages")
    message = str(err.value)
    assert str(closed / "site-packages") in message and "/srv/triage" in message and "chmod o+x" in message


def test_an_open_folder_passes(open_dir):
    spawner.check_project_readable(open_dir)  # raises when wrongly judged closed
