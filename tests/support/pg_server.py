"""A real PostgreSQL server for tests and benchmarks: initdb + pg_ctl in a temporary folder.

The server listens on a free loopback port and keeps its Unix socket in the same temporary folder;
it trusts local connections (test data only). PostgreSQL refuses to run as root, so as root the
server runs as the unprivileged ``postgres`` user that Debian's package creates (``TRIAGE_PG_USER``
chooses another). Binaries: ``$TRIAGE_PG_BINDIR``, else the newest ``/usr/lib/postgresql/*/bin``,
else ``initdb`` on ``PATH``. Without them the ``pg_server`` fixture fails (never skips), saying how
to install them (``.ci/run`` does it).

The session fixture starts one server per test session (per pytest-xdist worker); ``pg_url`` gives
each test a database on it without a class store in it.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from support.ports import free_port

INSTALL_HINT = ("install Debian's PostgreSQL server (apt-get install postgresql; `.ci/run` does this) "
                "or set TRIAGE_PG_BINDIR to the folder holding initdb and pg_ctl")


class PgUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the server would not start."""


def find_bindir() -> Path:
    """The folder with initdb and pg_ctl; :class:`PgUnavailable` when there is none."""
    candidates: list[Path] = []
    if os.environ.get("TRIAGE_PG_BINDIR"):
        candidates.append(Path(os.environ["TRIAGE_PG_BINDIR"]))

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.name))

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    looked = ", ".join(str(c) for c in candidates) or "/usr/lib/postgresql/*/bin and PATH"
    raise PgUnavailable(f"PostgreSQL server binaries (initdb, pg_ctl) not found (looked in: {looked}); {INSTALL_HINT}")


class PgServer:
    """One running PostgreSQL server; :meth:`create_database` gives an empty database's URL."""

    USER = "triage"

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.bindir = find_bindir()
        self.settings = {"fsync": "off", "shared_buffers": "16MB", "max_connections": "150", **(settings or {})}
        self.base = Path(tempfile.mkdtemp(prefix="triage-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = 0
        self._ids = itertools.count(1)
        self._run_as: tuple[int, int] | None = None
        if os.geteuid() == 0:
            name = os.environ.get("TRIAGE_PG_USER", "postgres")
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                shutil.rmtree(self.base, ignore_errors=True)
                raise PgUnavailable(f"running as root, and PostgreSQL refuses root: user {name!r} to run it as does "
                                    f"not exist; {INSTALL_HINT} (its package creates 'postgres'), or set "
                                    "TRIAGE_PG_USER") from None
            self._run_as = (entry.pw_uid, entry.pw_gid)
            os.chown(self.base, *self._run_as)

    def _pg(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        user, group = self._run_as or (None, None)
        proc = subprocess.run([str(self.bindir / args[0]), *args[1:]], cwd=self.base, env=env, user=user,
                              group=group, extra_groups=None if user is None else [], capture_output=True,
                              text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PgUnavailable(f"{args[0]} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}\n{log}")
        return proc

    def start(self) -> PgServer:
        self._pg("initdb", "-D", str(self.data), "-U", self.USER, "--auth=trust", "--encoding=UTF8",
                 "--locale=C", "--no-sync", "--no-instructions")
        options = " ".join(f"-c {k}={v}" for k, v in self.settings.items())
        for attempt in range(3):
            self.port = free_port()
            try:
                self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "90", "-o",
                         f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 {options}", "start")
                return self
            except PgUnavailable:
                if attempt == 2:
                    raise
        return self  # pragma: no cover

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._ids)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL server for this test session (this xdist worker); fails if none can run."""
    server = None
    try:
        server = PgServer()
        server.start()
    except PgUnavailable as exc:
        if server is not None:
            server.stop()
        pytest.fail(f"PostgreSQL is needed for the store tests: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    """The URL of a database without a class store in it: one database per session, emptied before each
    test (dropping the store's schema takes milliseconds; creating a database most of a second)."""
    import psycopg

    if not hasattr(pg_server, "store_url"):
        pg_server.store_url = pg_server.create_database("store")
    with psycopg.connect(pg_server.store_url, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '60s'")
        conn.execute("DROP SCHEMA IF EXISTS triage CASCADE")
    return pg_server.store_url
