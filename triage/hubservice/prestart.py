"""Start every student's server before class, through the hub's REST API, a few at a time."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote

from ..errors import Problem, TriageError


class HubApiError(TriageError):
    """The hub refused or did not answer a REST call (the message names the call)."""


@dataclass(frozen=True)
class Started:
    """One student's server after :func:`prestart`: ready, or the reason it is not."""

    name: str
    ready: bool
    seconds: float
    problem: str = ""


class HubApi:
    """The few REST calls prestart needs, with a token holding ``admin:users`` and ``servers``."""

    def __init__(self, api_url: str, token: str, timeout: float = 30.0) -> None:
        self.api_url = api_url.rstrip("/") + "/"
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api_url + path, data=data, method=method)  # noqa: S310 - http(s) URL
        request.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - the hub's URL
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except (urllib.error.URLError, OSError) as exc:
            raise HubApiError(Problem("hub", f"{method} {path}: no answer ({getattr(exc, 'reason', exc)})",
                                      self.api_url)) from None

    def ensure_users(self, names: Sequence[str]) -> None:
        status, users = self.call("GET", "users?limit=10000")
        if status != 200 or not isinstance(users, list):
            raise HubApiError(Problem("hub", f"GET users answered {status}", self.api_url))
        missing = sorted(set(names) - {u["name"] for u in users})
        if missing:
            status, _ = self.call("POST", "users", {"usernames": missing})
            if status not in (200, 201):
                raise HubApiError(Problem("hub", f"creating {len(missing)} users answered {status}", self.api_url))

    def server_ready(self, name: str) -> bool:
        status, user = self.call("GET", f"users/{quote(name)}")
        if status != 200 or not isinstance(user, dict):
            return False
        server = (user.get("servers") or {}).get("")
        return bool(server and server.get("ready"))

    def start(self, name: str, wait: float = 300.0, poll: float = 1.0) -> Started:
        t0 = time.monotonic()
        status, _ = self.call("POST", f"users/{quote(name)}/server")
        if status not in (201, 202, 400):  # 400: already running
            return Started(name, False, time.monotonic() - t0, f"hub answered {status}")
        while time.monotonic() - t0 < wait:
            if self.server_ready(name):
                return Started(name, True, time.monotonic() - t0)
            time.sleep(poll)
        return Started(name, False, time.monotonic() - t0, f"not ready after {wait:.0f} s")


def prestart(api: HubApi, names: Sequence[str], parallel: int = 4,
             report: Callable[[Started], None] | None = None) -> list[Started]:
    """Start the servers of ``names`` (creating missing hub users), ``parallel`` at a time; wait for each."""
    api.ensure_users(names)
    results: list[Started] = []
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        for result in pool.map(api.start, names):
            results.append(result)
            if report:
                report(result)
    return results
