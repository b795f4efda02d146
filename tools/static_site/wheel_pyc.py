"""Add byte-compiled modules to a pure-Python wheel, for the static build's Pyodide.

Pyodide loads wheels into an in-memory file system on every page load, so without bytecode every
import compiles its source again in the student's browser (IPython alone took seconds). The static
build runs this module *inside* the same Pyodide runtime (under Node), so the bytecode matches the
browser's interpreter exactly. Standard library only: it runs in CPython and in Pyodide.

- ``keep_source=False``: each ``x.py`` is replaced by ``x.pyc`` beside it (sourceless, as Pyodide's
  own distribution ships its packages; smaller).
- ``keep_source=True``: ``__pycache__/x.<tag>.pyc`` is added and the source stays, so tracebacks and
  ``??`` in the lab still show the code (used for the project's own wheel).
- :func:`compile_zip` does the same (sourceless) for the runtime's standard-library archive.

The ``.pyc`` files are hash-based and unchecked: they are never compared with a source file's time.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import marshal
import sys
import zipfile
from pathlib import Path

_UNCHECKED_HASH = 0b01
_EPOCH = (1980, 1, 1, 0, 0, 0)


def pyc_bytes(source: bytes, filename: str) -> bytes | None:
    """The ``.pyc`` content for ``source`` (None when it does not compile under this interpreter)."""
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    header = importlib.util.MAGIC_NUMBER + _UNCHECKED_HASH.to_bytes(4, "little")
    return header + importlib.util.source_hash(source) + marshal.dumps(code)


def compile_wheel(src: str | Path, dst: str | Path, keep_source: bool = False) -> int:
    """Write ``dst``: ``src`` with byte-compiled modules and a matching RECORD. Returns how many compiled."""
    tag = sys.implementation.cache_tag
    entries: dict[str, bytes] = {}
    record_name = None
    compiled = 0
    with zipfile.ZipFile(src) as wheel:
        for name in wheel.namelist():
            if name.endswith("/"):
                continue
            data = wheel.read(name)
            if name.endswith(".dist-info/RECORD"):
                record_name = name
                continue
            first = name.split("/", 1)[0]
            pyc = None
            if name.endswith(".py") and not first.endswith((".dist-info", ".data")):
                pyc = pyc_bytes(data, name)
            if pyc is None:
                entries[name] = data
                continue
            compiled += 1
            folder, _, stem = name[:-3].rpartition("/")
            prefix = f"{folder}/" if folder else ""
            if keep_source:
                entries[name] = data
                entries[f"{prefix}__pycache__/{stem}.{tag}.pyc"] = pyc
            else:
                entries[f"{prefix}{stem}.pyc"] = pyc
    if record_name is None:
        raise ValueError(f"{src}: not a wheel (no .dist-info/RECORD)")
    write_wheel(dst, entries, record_name)
    return compiled


def compile_zip(src: str | Path, dst: str | Path) -> int:
    """Write ``dst``: the zip archive ``src`` (e.g. Pyodide's standard library) with each module sourceless.

    ``zipimport`` loads ``x.pyc`` from an archive directly; Pyodide's npm package ships its standard
    library as sources only, which every page load would compile again.
    """
    compiled = 0
    with zipfile.ZipFile(src) as archive, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            data = archive.read(info.filename)
            pyc = pyc_bytes(data, info.filename) if info.filename.endswith(".py") else None
            if pyc is None:
                out.writestr(zipfile.ZipInfo(info.filename, date_time=_EPOCH), data, zipfile.ZIP_DEFLATED)
            else:
                compiled += 1
                out.writestr(zipfile.ZipInfo(info.filename[:-3] + ".pyc", date_time=_EPOCH), pyc,
                             zipfile.ZIP_DEFLATED)
    return compiled


def write_wheel(dst: str | Path, entries: dict[str, bytes], record_name: str) -> None:
    """Write a wheel holding ``entries`` plus a RECORD (``record_name``) that lists them with hashes."""
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    for name, data in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([name, f"sha256={digest}", len(data)])
    writer.writerow([record_name, "", ""])
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in [*entries.items(), (record_name, rows.getvalue().encode())]:
            out.writestr(zipfile.ZipInfo(name, date_time=_EPOCH), data, zipfile.ZIP_DEFLATED)
