"""Each student's server as a local process running as that student's own numeric user.

JupyterHub's ``SimpleLocalProcessSpawner`` runs every student's server (and kernels) as the hub's own
user, so any student's code can read every other student's files and the class database. Its
``LocalProcessSpawner`` isolates students but needs a system account per student. This spawner sits
between: when the hub runs as root, each server runs as the numeric user id the class list assigned
(no ``/etc/passwd`` entry needed, no supplementary groups) with a private home (mode 0700) under
``homes_dir``. Without root it cannot switch users: it then warns that students are not isolated.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Unicode, default

from .accounts import AccountBook


def can_isolate() -> bool:
    """True when this process may switch to other user ids (root)."""
    return os.geteuid() == 0


class ClassSpawner(LocalProcessSpawner):
    """A student's server as their own uid, home ``<homes_dir>/<name>`` (kept across servers and hub restarts)."""

    accounts_file = Unicode(config=True, help="The class list that assigns each account its numeric user id.")
    homes_dir = Unicode(config=True, help="Folder of the students' homes (one private folder per student).")
    isolate = Bool(config=True, help="Run each server as the student's own uid (needs root).")

    @default("isolate")
    def _isolate_when_root(self) -> bool:
        return can_isolate()

    @property
    def home_dir(self) -> str:
        return str(Path(self.homes_dir) / self.user.name)

    @property
    def runtime_dir(self) -> str:
        """Kernels' connection files and IPC sockets: short (Unix socket paths stop at 107 bytes), private, and
        distinct for each hub on the machine (a short hash of its homes folder)."""
        hub = hashlib.sha256(str(Path(self.homes_dir).resolve()).encode()).hexdigest()[:8]
        return str(Path(tempfile.gettempdir()) / f"triage-rt-{hub}-{self.user.name}")

    def _ids(self) -> tuple[int, int]:
        account = AccountBook(self.accounts_file).get(self.user.name)
        if account is None:
            raise RuntimeError(f"{self.user.name} is not on the class list {self.accounts_file}")
        return account.uid, account.uid

    def _prepare_home(self) -> None:
        runtime = Path(self.runtime_dir)
        info = os.lstat(runtime) if os.path.lexists(runtime) else None
        owner = self._ids()[0] if self.isolate else os.getuid()
        if info is not None and (not stat.S_ISDIR(info.st_mode) or info.st_uid != owner):
            # not ours (a file, a link, another user's folder): never reuse it
            shutil.rmtree(runtime) if stat.S_ISDIR(info.st_mode) else runtime.unlink()
        for folder in (Path(self.home_dir), runtime):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.isolate:
                os.chown(folder, *self._ids())
            os.chmod(folder, 0o700)

    def make_preexec_fn(self, name):
        home = self.home_dir
        ids = self._ids() if self.isolate else None

        def preexec() -> None:  # runs in the child between fork and exec
            if ids is not None:
                uid, gid = ids
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
            os.chdir(home)

        return preexec

    def user_env(self, env):
        env["USER"] = self.user.name
        env["HOME"] = self.home_dir
        env["SHELL"] = "/bin/sh"
        env["JUPYTER_RUNTIME_DIR"] = self.runtime_dir
        return env

    async def move_certs(self, paths):
        """Internal TLS is not used on one machine."""
        return paths

    async def start(self):
        if not self.isolate:
            self.log.warning("%s's server runs as the hub's user: students are NOT isolated from each other "
                             "(start the hub as root for per-student user ids)", self.user.name)
        self._prepare_home()
        return await super().start()


def _reachable_by_others(path: Path) -> bool:
    """True when users other than the owner can reach and run ``path``: every folder on the way searchable,
    both on the path as written (a link in a closed folder cannot be followed) and on the link's target."""
    written = Path(os.path.abspath(path))
    target = path.resolve()
    return all(os.stat(p).st_mode & 0o001 for p in {written, *written.parents, target, *target.parents})


UNREADABLE_PROJECT = ("the students' user ids cannot read {path}: a folder on the way is closed to other users "
                      "(as /root is). Put the checkout and its .venv where other users can read them, "
                      "e.g. git clone ... /srv/triage, or open the folders on the way to others (chmod o+x)")


def check_project_readable(*paths: Path) -> None:
    """Raise ``RuntimeError`` with what to do when a student's server could not read the project."""
    for path in paths:
        if not _reachable_by_others(path):
            raise RuntimeError(UNREADABLE_PROJECT.format(path=path))


def student_python(state: Path, site_packages: Path | None = None) -> str:
    """An interpreter the students' user ids can run, with this project's packages.

    Normally the hub's own (``sys.executable``). When that interpreter lives where other users cannot
    reach it (a Python under ``/root``, as on the development machines), a small environment is made
    once in ``<state>/student-python`` from the system's ``python3`` of the same version, pointing at
    the project's installed packages (no copy, no download).
    """
    import site
    import subprocess
    import sys

    own = Path(sys.executable)
    packages = site_packages or Path(site.getsitepackages()[0])
    check_project_readable(packages, Path(__file__).resolve().parents[1])  # the installed and the project's code
    if _reachable_by_others(own):
        return str(own)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = Path("/usr/bin") / version
    if not (system.exists() and _reachable_by_others(system)):
        raise RuntimeError(f"{own} cannot be run by the students' user ids and there is no {system}: "
                           "install the project with a Python outside /root (e.g. /usr/bin/python3 -m venv)")
    env_dir = state / "student-python"
    python = env_dir / "bin" / "python"
    link = env_dir / "lib" / version / "site-packages" / "triage-project.pth"
    line = f"import site; site.addsitedir({str(packages)!r})\n"
    if not python.exists():
        subprocess.run([str(system), "-m", "venv", "--without-pip", str(env_dir)], check=True)  # noqa: S603
    if not link.exists() or link.read_text(encoding="utf-8") != line:
        link.write_text(line, encoding="utf-8")
    return str(python)
