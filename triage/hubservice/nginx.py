"""Debian's nginx in front of the hub: a shared cache for the static files every student's page loads.

Every student's page fetches the same Voilà and widget JavaScript (about 90 files, 5 MB) from their own
server; through nginx, the first student's copy serves everyone (the cache key leaves out
``/user/<name>/``), so a class arriving together costs the servers and the hub's proxy one copy per file.
Nothing else is cached: pages, APIs, kernels and websockets, the class store and logins pass straight
through. ``make hub`` runs nginx as a hub-managed service, so it starts and stops with the hub; the
hub's proxy then listens on an internal port (``TRIAGE_PROXY_PORT``) and nginx on the public one.
"""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf.j2"
WORKER_USERS = ("www-data", "nobody")


def nginx_binary() -> str | None:
    """Debian's nginx (``apt-get install nginx``), or None."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _worker_user() -> tuple[str, int, int] | None:
    """The unprivileged user nginx's workers run as when it is started by root."""
    if os.geteuid() != 0:
        return None
    for name in WORKER_USERS:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return name, entry.pw_uid, entry.pw_gid
    return None


def write_config(state: Path, listen_ip: str, listen_port: int, proxy_port: int, workers: int | str = "auto",
                 template: Path = TEMPLATE) -> Path:
    """Render ``template`` into ``<state>/nginx/nginx.conf`` with an empty cache; returns the file."""
    base = state / "nginx"
    run, cache, logs = base / "run", base / "cache", base / "logs"
    shutil.rmtree(cache, ignore_errors=True)  # a new hub start (perhaps a new version): no old files served
    worker = _worker_user()
    for folder in (base, run, cache, logs):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755 if folder == base else 0o700)
        if worker is not None and folder != base:
            os.chown(folder, worker[1], worker[2])
    host = f"[{listen_ip}]" if ":" in listen_ip else listen_ip
    env = Environment(loader=FileSystemLoader(str(template.parent)), undefined=StrictUndefined,  # noqa: S701
                      keep_trailing_newline=True)
    text = env.get_template(template.name).render(
        user=worker[0] if worker else None, workers=workers, run=run, cache=cache, logs=logs,
        listen=f"{host}:{listen_port}", proxy_port=proxy_port)
    conf = base / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def service(conf: Path, binary: str) -> dict:
    """The hub-managed service that runs nginx in the foreground (started and stopped with the hub)."""
    return {"name": "nginx", "command": [binary, "-c", str(conf), "-g", "daemon off;"], "display": False}
