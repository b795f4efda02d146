# JupyterHub for a class on one machine: `make hub` (README "The apps on JupyterHub").
#
# Everything listens on 127.0.0.1 unless TRIAGE_HUB_IP says otherwise (put TLS in front for a real
# class: docs/admin/jupyterhub.md). Settings come from the environment so that `make hub`, a systemd
# unit and the tests use the same file:
#   TRIAGE_HUB_STATE      folder for everything the hub keeps (default .hub/, git-ignored)
#   TRIAGE_HUB_IP / TRIAGE_HUB_PORT            public address (127.0.0.1:8000): nginx, or the proxy without it
#   TRIAGE_HUB_NGINX      "0": no nginx in front (default: Debian's nginx when installed)
#   TRIAGE_PROXY_PORT / TRIAGE_HUB_API_PORT / TRIAGE_PROXY_API_PORT / TRIAGE_STORE_PORT
#                         internal ports on 127.0.0.1 (8002 behind nginx, 8081, 8001, 10101)
#   TRIAGE_CLASS_DB       the class store: a SQLite path (default <state>/store/class.db) or postgresql://...
#   TRIAGE_HUB_PREHEAT    apps that keep one warm kernel in each student's server ("none" for none)
#   TRIAGE_HUB_FILL_DELAY seconds before a used warm kernel is replaced (default 120: after the rush)
#   TRIAGE_CULL_TIMEOUT   seconds of inactivity before a student's server is stopped (default 3600)
#   TRIAGE_HUB_CODE       who gets JupyterLab and kernels that run code: none (default), instructors, everyone
#   TRIAGE_COURSE_DIR     a course folder of one's own (`triage course --copy DIR`): its notebooks, case studies,
#                         voila.json and template go to every student's server (readable by every user)
# The hub writes its API address into <state>/hub/api-url, so `make hub-prestart` and `accounts remove`
# need only the state folder.
# ruff: noqa: F821  (`c` and `get_config` are provided by JupyterHub when it loads this file)

import os
import secrets
import sys
from pathlib import Path

from triage.content import course_folder
from triage.errors import CourseFolderError
from triage.hubservice.admin import ADMIN_TOKEN_FILE, API_URL_FILE
from triage.hubservice.nginx import nginx_binary
from triage.hubservice.nginx import service as nginx_service
from triage.hubservice.nginx import write_config as write_nginx_config
from triage.hubservice.service import INSTRUCTOR_SCOPE
from triage.hubservice.spawner import can_isolate, student_python

c = get_config()

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
STATE = Path(os.environ.get("TRIAGE_HUB_STATE", ROOT / ".hub")).resolve()
IP = os.environ.get("TRIAGE_HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("TRIAGE_HUB_PORT", "8000"))
HUB_API_PORT = int(os.environ.get("TRIAGE_HUB_API_PORT", "8081"))
PROXY_API_PORT = int(os.environ.get("TRIAGE_PROXY_API_PORT", "8001"))
PROXY_PORT = int(os.environ.get("TRIAGE_PROXY_PORT", "8002"))
NGINX = nginx_binary() if os.environ.get("TRIAGE_HUB_NGINX", "1") != "0" else None
STORE_PORT = int(os.environ.get("TRIAGE_STORE_PORT", "10101"))
PREHEAT = [n for n in os.environ.get("TRIAGE_HUB_PREHEAT", "04_triage_explorer.ipynb").split(",")
           if n.strip() and n.strip() != "none"]
FILL_DELAY = os.environ.get("TRIAGE_HUB_FILL_DELAY", "120")
CULL_TIMEOUT = int(os.environ.get("TRIAGE_CULL_TIMEOUT", "3600"))
CODE = os.environ.get("TRIAGE_HUB_CODE", "none")
STORE_SERVICE = "triage-store"
try:  # a course folder of one's own: checked here, so a wrong one stops the hub rather than being ignored
    COURSE = course_folder.configured_folder()
except CourseFolderError as exc:
    sys.exit(f"jupyterhub_config: {exc}")
NOTEBOOKS = course_folder.notebooks_dir() or ROOT / "notebooks"

# --- the state folder: private to the hub's user, except that students pass through to their homes
HUB_DIR, STORE_DIR, HOMES = STATE / "hub", STATE / "store", STATE / "homes"
for folder, mode in ((STATE, 0o711), (HUB_DIR, 0o700), (STORE_DIR, 0o700), (HOMES, 0o711)):
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(mode)
ACCOUNTS = STATE / "accounts.json"
STORE_DB = os.environ.get("TRIAGE_CLASS_DB") or str(STORE_DIR / "class.db")
ADMIN_TOKEN = STATE / ADMIN_TOKEN_FILE  # the command line's token (prestart, accounts remove); root only
if not ADMIN_TOKEN.exists():
    ADMIN_TOKEN.touch(mode=0o600)
    ADMIN_TOKEN.write_text(secrets.token_hex(32), encoding="utf-8")
(STATE / API_URL_FILE).write_text(f"http://127.0.0.1:{HUB_API_PORT}/hub/api\n", encoding="utf-8")

# --- in front: nginx on the public address (a shared cache of the static files every page loads), the
# proxy behind it on 127.0.0.1; without nginx the proxy takes the public address itself
if NGINX:
    c.JupyterHub.bind_url = f"http://127.0.0.1:{PROXY_PORT}"
    NGINX_CONF = write_nginx_config(STATE, IP, PORT, PROXY_PORT)
else:
    c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
    if os.environ.get("TRIAGE_HUB_NGINX", "1") != "0":
        print("jupyterhub_config: nginx not found (apt-get install nginx): the proxy serves every student's "
              "static files itself (TRIAGE_HUB_NGINX=0 silences this)", file=sys.stderr)
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{HUB_API_PORT}"
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_DIR / "jupyterhub.pid")
# a student's page whose server is gone (a hub restart stops every server; the culler) reloads itself and
# lands on the hub's "Server not running" page: start the server again at once rather than wait for a tap
c.JupyterHub.implicit_spawn_seconds = 1
c.JupyterHub.template_vars = {
    "announcement_login": "Educational use only: these apps teach; they never diagnose. "
                          "Log in with the name and password your instructor gave you.",
}

# --- the proxy: configurable-http-proxy pinned in deploy/package.json (make hub installs it)
c.ConfigurableHTTPProxy.command = [str(DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "proxy.pid")

# --- login: each person's own password from the class list (python -m triage.hubservice accounts); the
# list also gives the groups (instructors) and the admin flag, re-read at every login and at least every
# 30 s of use, so role changes need no restart; people taken off the list are deleted from the hub
c.JupyterHub.authenticator_class = "triage.hubservice.auth.ClassListAuthenticator"
c.ClassListAuthenticator.accounts_file = str(ACCOUNTS)
c.Authenticator.auth_refresh_age = 30

# --- student servers: lean (Voilà only), own uid and home, the suite's Voilà settings, offline
c.JupyterHub.spawner_class = "triage.hubservice.spawner.ClassSpawner"
c.ClassSpawner.accounts_file = str(ACCOUNTS)
c.ClassSpawner.homes_dir = str(HOMES)
c.ClassSpawner.code_access = CODE
c.ClassSpawner.apps_dir = str(NOTEBOOKS)
STUDENT_PYTHON = student_python(STATE) if can_isolate() else sys.executable
c.Spawner.cmd = [STUDENT_PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.args = [f"--config={DEPLOY / 'student_server_config.py'}"]
c.Spawner.notebook_dir = str(NOTEBOOKS)
c.Spawner.default_url = "/voila/tree"
c.Spawner.disable_user_config = True  # a student's own ~/.jupyter cannot turn JupyterLab or terminals back on
c.Spawner.environment = {
    # the offline `triage` template first, then the project environment's Voilà templates and widget code
    "JUPYTER_PATH": os.pathsep.join([*map(str, course_folder.jupyter_paths() or [ROOT / "share" / "jupyter"]),
                                     str(Path(sys.prefix) / "share" / "jupyter")]),
    "TRIAGE_STORE_URL": f"http://127.0.0.1:{STORE_PORT}/services/{STORE_SERVICE}/",
    "TRIAGE_HUB_PREHEAT": ",".join(PREHEAT),
    "TRIAGE_HUB_FILL_DELAY": FILL_DELAY,
    "PYTHONUNBUFFERED": "1",
    "PATH": os.pathsep.join([str(Path(STUDENT_PYTHON).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
}
if COURSE is not None:  # the servers and their kernels read the same course (cases, voila.json)
    c.Spawner.environment[course_folder.ENV] = str(COURSE.root)
# the server's (and its kernels') token: reach the class service; instructors' also reads the class
c.Spawner.server_token_scopes = [
    "users:activity!user", "access:servers!server", f"access:services!service={STORE_SERVICE}", INSTRUCTOR_SCOPE,
]
c.Spawner.interrupt_timeout = 3  # a Jupyter server often ignores the first SIGINT; SIGTERM follows sooner
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
if not can_isolate():
    print("jupyterhub_config: not running as root, so every student's server runs as this user and students are "
          "NOT isolated from each other's files; run `make hub` as root for a class.", file=sys.stderr)

# --- roles: every user may call the class service; the instructors group reads the class
c.JupyterHub.custom_scopes = {
    INSTRUCTOR_SCOPE: {"description": "Read the class's answers, poll tallies and sessions; run polls."},
}
c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", f"access:services!service={STORE_SERVICE}"]},
    {"name": "triage-instructor", "groups": ["instructors"],
     "scopes": [INSTRUCTOR_SCOPE, f"access:services!service={STORE_SERVICE}"]},
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    {"name": "triage-admin", "services": ["triage-admin"],
     "scopes": ["list:users", "admin:users", "admin:servers"]},
]

# --- services: the class store, the idle culler, nginx, and the token the command line uses
c.JupyterHub.services = [
    {
        "name": STORE_SERVICE,
        "url": f"http://127.0.0.1:{STORE_PORT}",
        "command": [sys.executable, "-m", "triage.hubservice", "serve"],
        "environment": {"TRIAGE_CLASS_DB": STORE_DB, "TRIAGE_HUB_ACCOUNTS": str(ACCOUNTS), "PYTHONUNBUFFERED": "1"},
        "cwd": str(STORE_DIR),
        "display": False,
    },
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "triage.hubservice", "culler", f"--timeout={CULL_TIMEOUT}",
                    f"--cull-every={max(60, CULL_TIMEOUT // 10)}", "--concurrency=4"],
    },
    {"name": "triage-admin", "api_token": ADMIN_TOKEN.read_text(encoding="utf-8").strip()},
]
if NGINX:
    c.JupyterHub.services.append(nginx_service(NGINX_CONF, NGINX))

# --- site additions (another authenticator, more services, resource limits): a config file of your own
if os.environ.get("TRIAGE_HUB_EXTRA_CONFIG"):
    load_subconfig(os.environ["TRIAGE_HUB_EXTRA_CONFIG"])
