"""Each student's server as a local process running as that student's own numeric user.

JupyterHub's ``SimpleLocalProcessSpawner`` runs every student's server (and kernels) as the hub's own
user, so any student's code can read every other student's files and the class database. Its
``LocalProcessSpawner`` isolates students but needs a system account per student. This spawner sits
between: when the hub runs as root, each server runs as the numeric user id the class list assigned
(no ``/etc/passwd`` entry needed, no supplementary groups) with a private home (mode 0700) under
``homes_dir``, in a ``/proc`` of its own that shows only that user's processes (``hidepid=2``).
Without root it cannot switch users: it then warns that students are not isolated.

Code execution is closed by default (the student server accepts only widget and kernel-info messages);
``code_access`` opens JupyterLab and code for everyone or for instructors, ``code_users`` for named people.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Enum, List, Unicode, default

from .accounts import Account, AccountBook

CODE_ENV = "TRIAGE_STUDENT_CODE"  # "1": the student server runs JupyterLab and lets kernels run code


def can_isolate() -> bool:
    """True when this process may switch to other user ids (root)."""
    return os.geteuid() == 0


def private_proc() -> str | None:
    """In the calling process (before exec): a mount namespace of its own with a fresh ``/proc`` mounted
    ``hidepid=2``, so that the user it becomes sees only its own processes. None when done, else why not."""
    libc = ctypes.CDLL(None, use_errno=True)
    clone_newns, ms_rec, ms_private = 0x00020000, 0x4000, 1 << 18
    if libc.unshare(clone_newns) != 0:
        return f"unshare(CLONE_NEWNS) failed: {os.strerror(ctypes.get_errno())}"
    if libc.mount(b"none", b"/", None, ms_rec | ms_private, None) != 0:  # nothing we mount leaks out
        return f"making / private failed: {os.strerror(ctypes.get_errno())}"
    if libc.mount(b"proc", b"/proc", b"proc", 0, b"hidepid=2") != 0:
        return f"mounting /proc with hidepid=2 failed: {os.strerror(ctypes.get_errno())}"
    return None


class ClassSpawner(LocalProcessSpawner):
    """A student's server as their own uid, home ``<homes_dir>/<folder>`` (kept across servers and hub restarts)."""

    accounts_file = Unicode(config=True, help="The class list that assigns each account its numeric user id.")
    homes_dir = Unicode(config=True, help="Folder of the students' homes (one private folder per student).")
    isolate = Bool(config=True, help="Run each server as the student's own uid (needs root).")
    hide_processes = Bool(True, config=True,
                          help="Give each server a /proc that shows only its own user's processes (needs root).")
    code_access = Enum(["none", "instructors", "everyone"], "none", config=True,
                       help="Who gets JupyterLab and kernels that run code (default: nobody; apps only).")
    code_users = List(Unicode(), config=True, help="Named users who also get JupyterLab and code.")
    apps_dir = Unicode(config=True, help="The course's notebooks (copied into the home of users with code).")

    @default("isolate")
    def _isolate_when_root(self) -> bool:
        return can_isolate()

    # --- who ---------------------------------------------------------------------------------------------
    def _account(self) -> Account:
        account = AccountBook(self.accounts_file).get(self.user.name)
        if account is None:
            raise RuntimeError(f"{self.user.name} is not on the class list {self.accounts_file}")
        return account

    def _folder(self) -> str:
        """The person's folder name (also while their server stops after they were taken off the list)."""
        book = AccountBook(self.accounts_file)
        entry = book.get(self.user.name) or book.get_removed(self.user.name)
        if entry is None:
            raise RuntimeError(f"{self.user.name} is not on the class list {self.accounts_file}")
        return entry.slug

    @property
    def home_dir(self) -> str:
        return str(Path(self.homes_dir) / self._folder())

    @property
    def runtime_dir(self) -> str:
        """Kernels' connection files and IPC sockets: short (Unix socket paths stop at 107 bytes), private, and
        distinct for each hub on the machine (a short hash of its homes folder). Removed when the server stops."""
        hub = hashlib.sha256(str(Path(self.homes_dir).resolve()).encode()).hexdigest()[:8]
        return str(Path(tempfile.gettempdir()) / f"triage-rt-{hub}-{self._folder()}")

    def _ids(self) -> tuple[int, int]:
        uid = self._account().uid
        return uid, uid

    @property
    def runs_code(self) -> bool:
        """May this user's kernels run code (JupyterLab)? Per ``code_access`` and ``code_users``."""
        if self.user.name in self.code_users or self.code_access == "everyone":
            return True
        return self.code_access == "instructors" and self._account().is_instructor

    # --- the home ----------------------------------------------------------------------------------------
    def _prepare_home(self) -> None:
        owner = self._ids()[0] if self.isolate else os.getuid()
        runtime = Path(self.runtime_dir)
        if os.path.lexists(runtime):  # left by a server that did not stop cleanly, or not ours: never reused
            shutil.rmtree(runtime) if stat.S_ISDIR(os.lstat(runtime).st_mode) else runtime.unlink()
        home = Path(self.home_dir)
        if home.exists() and self.isolate and home.stat().st_uid not in (owner, 0):
            raise RuntimeError(f"{home} belongs to user id {home.stat().st_uid}, not to {self.user.name}'s id {owner}: "
                               "refusing to hand one person's files to another (see `accounts list`)")
        for folder in (home, runtime):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.isolate:
                os.chown(folder, owner, owner)
            os.chmod(folder, 0o700)
        if self.runs_code and self.apps_dir:
            self._copy_apps(home, owner)

    def _copy_apps(self, home: Path, owner: int) -> None:
        """The course's notebooks into the home of a user with code (missing ones only: edits are kept)."""
        for notebook in sorted(Path(self.apps_dir).glob("*.ipynb")):
            target = home / notebook.name
            if not target.exists():
                shutil.copyfile(notebook, target)
                if self.isolate:
                    os.chown(target, owner, owner)
                os.chmod(target, 0o600)

    def make_preexec_fn(self, name):
        home = self.home_dir
        ids = self._ids() if self.isolate else None
        hide = self.hide_processes and self.isolate

        def preexec() -> None:  # runs in the child between fork and exec
            if hide:
                problem = private_proc()
                if problem:
                    os.write(2, f"[triage] {name}'s processes stay visible to other users: {problem}\n".encode())
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

    def get_env(self):
        env = super().get_env()
        if self.runs_code:  # JupyterLab in their home, where a copy of the apps is
            env[CODE_ENV] = "1"
            env["JUPYTERHUB_ROOT_DIR"] = self.home_dir
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

    async def stop(self, now=False):
        await super().stop(now=now)
        try:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
        except RuntimeError:  # purged from the class list: its folder name is unknown
            self.log.warning("%s's runtime folder could not be found to remove", self.user.name)


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
