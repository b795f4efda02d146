"""The launcher: standalone Voilà with the suite's configuration and the classroom pieces.

``python -m triage serve [voila options] [notebooks/ | one.ipynb]`` (``make app``, ``make present``):

- serves the course folder (:mod:`triage.content.course_folder`: ``--course DIR`` or ``$TRIAGE_COURSE_DIR``,
  else the checkout or the installed package's copy): its ``notebooks/``, its ``voila.json`` and the
  offline ``triage`` template in its ``share/jupyter``, wherever the server is started from;
- puts an instructor key into the kernels' environment (``TRIAGE_INSTRUCTOR_KEY``, else the key kept in
  the class's data folder, made on the first start: :func:`instructor_key`) and the class code if the
  instructor set one (``TRIAGE_CLASS_CODE`` or ``--class_code``);
- lays :class:`~triage.serve.kernels.ClassroomKernelManager` over Voilà's kernel manager (ceiling,
  reaping of unclaimed kernels, healthy pools) and answers "server is full" with a plain 503 page;
- serves the progress endpoint and the landing page's data, and reads notebooks without the
  notebook-trust check (:mod:`triage.serve.contents`);
- finds the classroom address other devices reach (``HOST=0.0.0.0``; :mod:`triage.serve.join`),
  gives it to the kernels (``$TRIAGE_CLASS_URL``, for the presenter's start screen) and prints it with
  a QR code;
- prints, when it starts, a block for the room (where students join, its QR code, the class code) and,
  apart from it, the instructor's (the local address, where the instructor key is kept): the key itself
  is printed only with ``--show-key`` or when it is kept nowhere else, so a terminal shown on the
  projector does not give it away (``python -m triage class key`` prints it).
"""

from __future__ import annotations

import os
import secrets
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import voila.app as voila_app
from jupyter_core.paths import jupyter_config_path
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import IOLoop
from traitlets import Bool, Unicode, default
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from ..content import course_folder
from ..errors import CourseFolderError, Problem, TriageError
from ..store import ENV_LOCATION, default_path
from ..store.identity import check_class_code
from .contents import ServedNotebooksManager
from .handlers import SETTINGS_KEY, ClassroomVoilaHandler, ServeSettings, progress_handlers
from .join import ENV_URL, Classroom, check_port_free, classroom, join_lines
from .kernels import ClassroomKernelManager, classroom_kernel_manager_factory, kernel_summary
from .landing import install_landing

KEY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read aloud and type


KEY_FILE = "instructor-key"


def new_instructor_key() -> str:
    """A random key like ``k7pm-w3xd-qa9f`` (about 60 bits)."""
    return "-".join("".join(secrets.choice(KEY_ALPHABET) for _ in range(4)) for _ in range(3))


def class_data_folder(environ: Mapping[str, str]) -> Path:
    """The class's data folder: where its SQLite class store is (``TRIAGE_CLASS_DB``, else the default
    store), or the default data folder when the store is a server (a ``postgresql://`` URL)."""
    location = environ.get(ENV_LOCATION, "")
    if location and "://" not in location:
        return Path(location).expanduser().resolve().parent
    return default_path().parent


def instructor_key(environ: Mapping[str, str]) -> tuple[str, str]:
    """The instructor key and, for the banner, where it comes from.

    ``TRIAGE_INSTRUCTOR_KEY`` when set; else the key in ``instructor-key`` in the class's data folder
    (:func:`class_data_folder`), made on the first start and kept (owner-only) so that every restart of
    one class has the same key and a projector tab keeps working; a folder that cannot be written gets a
    key for this run only, and the banner says why.
    """
    given = environ.get("TRIAGE_INSTRUCTOR_KEY", "").strip()
    if given:
        return given, "from TRIAGE_INSTRUCTOR_KEY"
    path = class_data_folder(environ) / KEY_FILE
    same = ("the same at every start of this class; TRIAGE_INSTRUCTOR_KEY overrides it, deleting the file "
            "makes a new one")
    try:
        kept = path.read_text(encoding="utf-8").strip()
        if kept:
            return kept, f"kept in {path}: {same}"
    except FileNotFoundError:
        pass
    except OSError as exc:
        return new_instructor_key(), f"made for this run: {path} cannot be read ({exc.strerror})"
    key = new_instructor_key()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(key + "\n")
    except OSError as exc:
        return key, f"made for this run: {path} cannot be written ({exc.strerror})"
    return key, f"kept in {path}: {same}"


def prepare_environment(environ: dict[str, str] | os._Environ = os.environ) -> None:
    """Let Voilà find the course's offline ``triage`` template (``JUPYTER_PATH``)."""
    parts = [p for p in environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    share = [str(p) for p in course_folder.jupyter_paths()]
    environ["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys([*share, *parts]))
    if not environ["JUPYTER_PATH"]:
        del environ["JUPYTER_PATH"]


def take_course_option(argv: Sequence[str], environ: dict[str, str] | os._Environ = os.environ) -> list[str]:
    """Remove ``--course DIR`` (or ``--course=DIR``) from ``argv`` and put it in ``$TRIAGE_COURSE_DIR``, so
    that the server and the kernels it starts read the same course folder."""
    rest: list[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--course" or arg.startswith("--course="):
            value = arg.partition("=")[2] if "=" in arg else (args.pop(0) if args else "")
            if not value:
                raise CourseFolderError(Problem("--course", "needs a folder: --course DIR"))
            environ[course_folder.ENV] = str(Path(value).expanduser().resolve())
            course_folder.configured_folder(environ)  # a clear error now, not when a page opens
        else:
            rest.append(arg)
    return rest


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def reach_note(ip: str) -> str | None:
    """Who can open the address: a server on the loopback address is not reachable from students' devices."""
    if ip in LOOPBACK or ip.startswith("127."):
        return "only this computer can open it; make app HOST=0.0.0.0 lets students' devices join"
    return None


def _wrapped(text: str) -> list[str]:
    return [f"                      {line}" for line in textwrap.wrap(text, 76, break_on_hyphens=False,
                                                                     break_long_words=False)]


def key_lines(key: str, key_source: str, show_key: bool = False) -> list[str]:
    """The banner's lines about the instructor key: where it is; the key itself only with ``show_key`` or
    when it is kept nowhere else (made for this run), with a warning not to project it."""
    kept = not key_source.startswith("made for this run")
    if kept and not show_key:
        return ["  Instructor key:     not printed here, so that a terminal on the projector does not show it",
                *_wrapped(f"({key_source})"),
                *_wrapped("print it with `make key` (python -m triage class key) in a window the room "
                          "cannot see; the presenter and the class view ask for it")]
    return [f"  Instructor key:     {key}   (do not project it: it opens every student's answers)",
            *_wrapped(f"({key_source})"),
            *_wrapped("the presenter and the class view ask for it; the page takes it out of the address bar "
                      "at once")]


def startup_message(url: str, key: str, key_source: str, class_code: str | None, kernels: Iterable[str],
                    reach: str | None = None, room: Classroom | None = None, show_key: bool = False) -> str:
    """The plain start-up message for the instructor's terminal: a block for the room (where students join,
    given ``room``, its QR code, the class code), then the instructor's, apart (:func:`key_lines`)."""
    if class_code:
        code = f"{class_code}  (students type it on the home page)"
    else:
        code = "none: anyone who can open the address can join (--class_code=... or make app CLASS=... sets one)"
    kernel_lines = list(kernels)
    joining = join_lines(room) if room is not None else []
    lines = [
        "",
        "Back & hip pain triage: the apps are being served (educational use only)",
        "",
        *(["  For the room (this part may be shown on the projector):", *joining] if joining else []),
        f"  Class code:         {code}",
        "",
        "  For you only (keep this part off the projector):",
        f"  Open in a browser:  {url}",
        *([f"                      ({reach})"] if reach else []),
        *key_lines(key, key_source, show_key),
        f"  Kernels:            {kernel_lines[0] if kernel_lines else ''}",
        *(f"                      {line}" for line in kernel_lines[1:]),
        "  Names:              students type a name on the home page; a typed name is not a login",
        "                      (anyone can type any name); use JupyterHub when you need real logins",
        "",
        "Stop with Ctrl+C.",
        "",
    ]
    return "\n".join(lines)


class TriageVoila(Voila):
    """Standalone Voilà for a class (see the module docstring)."""

    description = Unicode("python -m triage serve [--course DIR] [OPTIONS] [notebooks/ | NOTEBOOK.ipynb]\n\n"
                          "Serve the triage apps for a class (standalone Voila with the suite's settings).\n"
                          "--course DIR serves the course folder DIR (notebooks/, case_studies/, voila.json) "
                          "instead of the installed one; so does TRIAGE_COURSE_DIR.")
    class_code = Unicode(
        None, allow_none=True, config=True,
        help="Class code students must type on the home page (default: $TRIAGE_CLASS_CODE; none: anyone may join).",
    )
    show_key = Bool(False, config=True,
                    help="Print the instructor key in the start-up message (keep that terminal off the projector).")
    flags: ClassVar[dict[str, Any]] = {
        **Voila.flags,
        "show-key": ({"TriageVoila": {"show_key": True}}, "Print the instructor key when the server starts."),
    }
    aliases: ClassVar[dict[str, str]] = {
        **Voila.aliases,
        "class_code": "TriageVoila.class_code",
        "max_kernels": "ClassroomKernelManager.max_kernels",
        "unclaimed_timeout": "ClassroomKernelManager.unclaimed_timeout",
        "fill_delay": "VoilaKernelManager.fill_delay",
    }
    # Voilà makes its pooled kernel manager at run time; the one made here only lets --help describe
    # the fill_delay alias (traitlets looks its class up by name, and failed with a KeyError without it).
    classes: ClassVar[list[type]] = [*Voila.classes, ClassroomKernelManager,
                                     voila_app.voila_kernel_manager_factory(AsyncMappingKernelManager, True, 1)]

    instructor_key: str = ""
    instructor_key_source: str = ""
    room: Classroom | None = None

    @default("config_file_paths")
    def _config_file_paths_default(self) -> list[str]:
        """A ``voila.json`` in the current folder first (it overrides), then the course's, then Jupyter's."""
        paths = [os.getcwd(), *(str(p) for p in course_folder.config_dirs()), *jupyter_config_path()]
        return list(dict.fromkeys(paths))

    @default("class_code")
    def _default_class_code(self) -> str | None:
        return os.environ.get("TRIAGE_CLASS_CODE") or None

    def initialize(self, argv: Sequence[str] | None = None) -> None:
        super().initialize(argv)
        if not self.extra_args and not self.notebook_path and "root_dir" not in self.config.Voila:
            notebooks = course_folder.notebooks_dir()
            if notebooks is not None:
                self.root_dir = str(notebooks)
        self.class_code = check_class_code(self.class_code) if self.class_code else None
        self.instructor_key, self.instructor_key_source = instructor_key(os.environ)
        # kernels copy the server's environment when they start (preheated ones too)
        os.environ["TRIAGE_INSTRUCTOR_KEY"] = self.instructor_key
        if self.class_code:
            os.environ["TRIAGE_CLASS_CODE"] = self.class_code
        else:
            os.environ.pop("TRIAGE_CLASS_CODE", None)
        # the printed and QR addresses must be where the server listens: a busy port is an error, not another port
        self.port_retries = 0
        check_port_free(self.ip, self.port)
        self.room = classroom(self.ip, self.port, self.base_url)
        if self.room.url:
            os.environ[ENV_URL] = self.room.url
        else:
            os.environ.pop(ENV_URL, None)

    def init_settings(self) -> dict[str, Any]:
        voila_factory = voila_app.voila_kernel_manager_factory
        voila_app.voila_kernel_manager_factory = classroom_kernel_manager_factory(voila_factory)
        try:
            settings = super().init_settings()
        finally:
            voila_app.voila_kernel_manager_factory = voila_factory
        if not isinstance(self.kernel_manager, ClassroomKernelManager):
            raise RuntimeError("voila.app no longer builds its kernel manager with voila_kernel_manager_factory; "
                               "update triage.serve.app for this Voila version")
        self.contents_manager = ServedNotebooksManager(parent=self)
        settings["contents_manager"] = self.contents_manager
        settings[SETTINGS_KEY] = ServeSettings(mode="typed", class_code=self.class_code)
        install_landing(settings["voila_jinja2_env"].globals, "typed", bool(self.class_code))
        return settings

    def init_handlers(self) -> list:
        routes = [
            (route[0], ClassroomVoilaHandler, *route[2:]) if route[1] is TornadoVoilaHandler else route
            for route in super().init_handlers()
        ]
        return [*progress_handlers(self.server_url), *routes]

    def start(self) -> None:
        IOLoop.current().add_callback(self.announce)
        super().start()

    @property
    def local_url(self) -> str:
        """The address to open on this machine (Voila shows the host name for 0.0.0.0)."""
        if self.custom_display_url:
            return self.display_url
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0") else self.ip  # noqa: S104 - compared, not bound
        return self._url(host)

    def announce(self) -> None:
        """Print the address, where students join, the instructor key and class code (once the server listens)."""
        print(startup_message(self.local_url, self.instructor_key, self.instructor_key_source, self.class_code,
                              kernel_summary(self.kernel_manager), reach_note(self.ip), self.room,
                              show_key=self.show_key), flush=True)


def build_app(argv: Sequence[str] | None = None) -> TriageVoila:
    """A configured, not yet started launcher (tests use this to check what reaches Voilà)."""
    args = take_course_option(sys.argv[1:] if argv is None else argv)
    prepare_environment()
    app = TriageVoila.instance()
    app.initialize(args)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until Ctrl+C; 2 with a plain message for bad options."""
    try:
        app = build_app(argv)
    except (TriageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app.start()
    return 0
