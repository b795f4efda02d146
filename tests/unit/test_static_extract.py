"""The static build unpacks the Pyodide tarball on Debian 12's python3 (3.11.2), whose tarfile has no
extraction filters (they came in 3.11.4): the same checks are made by hand there."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from tools.static_site import build


def _tarball(path: Path, entries: dict[str, bytes], link: str | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo(link)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
    return path


@pytest.fixture
def old_python(monkeypatch):
    """tarfile as Python 3.11.2 has it: no data_filter, and extractall takes no filter argument."""
    trusted = {"filter": "fully_trusted"} if hasattr(tarfile, "data_filter") else {}  # (on 3.11.2 already)
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    original = tarfile.TarFile.extractall

    def extractall(self, path=".", members=None, *, numeric_owner=False, **kwargs):
        if kwargs:
            raise TypeError(f"TarFile.extractall() got an unexpected keyword argument {next(iter(kwargs))!r}")
        return original(self, path, members, numeric_owner=numeric_owner, **trusted)

    monkeypatch.setattr(tarfile.TarFile, "extractall", extractall)


@pytest.mark.parametrize("python", ["old", "new"])
def test_the_runtime_tarball_unpacks_on_old_and_new_pythons(tmp_path, request, python):
    if python == "old":
        request.getfixturevalue("old_python")
    tarball = _tarball(tmp_path / "p.tgz", {"package/pyodide.js": b"// js", "package/lib/a.txt": b"a"})
    with tarfile.open(tarball) as tar:
        build.extract(tar, tmp_path / "out")
    assert (tmp_path / "out" / "package" / "lib" / "a.txt").read_bytes() == b"a"


@pytest.mark.parametrize("bad", [{"entries": {"../escape.txt": b"x"}}, {"entries": {}, "link": "package/passwd"}])
def test_on_an_old_python_an_entry_outside_the_folder_or_a_link_is_refused(tmp_path, old_python, bad):
    tarball = _tarball(tmp_path / "bad.tgz", bad["entries"], bad.get("link"))
    with tarfile.open(tarball) as tar, pytest.raises(build.StaticBuildError) as err:
        build.extract(tar, tmp_path / "out")
    assert "unexpected entry" in str(err.value)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "out").exists()
