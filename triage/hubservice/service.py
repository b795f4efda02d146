"""The class store as a JupyterHub service: every request is identified by the hub, then checked.

Runs as a hub-managed service (``python -m triage.hubservice serve``), under the hub's user, with the
database (``open_store(location)``: a SQLite file on one machine, PostgreSQL across machines) where
students' servers cannot read it. Callers send their own hub token (``Authorization: token ...``);
the service asks the hub whose it is (JupyterHub's ``HubAuth``) and then:

- a student reads and writes only their own records (``learners/hub:<their name>/...``), says their
  app is open (``present``) and answers the open poll; any other learner's URL is 403;
- only tokens holding :data:`INSTRUCTOR_SCOPE` (granted to the ``instructors`` group) read the class:
  the class answers and the class record (polls with who chose what, drill), poll tallies and
  sessions, and open, close, reveal and time polls;
- tokens without ``access:services!service=<this service>`` are refused;
- on a hub with a class list (``$TRIAGE_HUB_ACCOUNTS``), anyone no longer on it is refused at once,
  whatever the hub's answer about their token said a moment ago (answers are cached for
  :data:`HUB_CACHE_SECONDS`).

Students read live polls through ``GET api/polls/live``: the open poll, or what became of the one they
last saw (closed, revealed), never a tally. With ``wait=N`` the request is held until that changes or N
seconds pass (a long poll), so an idle class costs one request per student every N seconds and a poll
reaches everyone the moment it opens, closes, is timed or is revealed.

Only token authentication is accepted (no cookies), so a web page cannot make a student's browser
call the service (no CSRF). Store calls run one at a time on one worker thread.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from jupyterhub.services.auth import HubAuth
from tornado import web
from tornado.httpserver import HTTPServer

from ..errors import AccessDeniedError, PollClosedError, Problem, StoreError, StoreUnavailableError, TriageError
from ..outputs.class_report import spreadsheet_safe
from ..store import ClassStore, Poll, open_store
from ..store.hub import (
    class_record_to_json,
    poll_to_json,
    record_to_json,
    row_to_json,
    session_to_json,
    tally_to_json,
)
from ..store.identity import Learner, check_display_name

INSTRUCTOR_SCOPE = "custom:triage:instructor"
HUB_CACHE_SECONDS = 10  # how long the hub's word about a token is kept (JupyterHub's default: 300)
LIVE_WAIT_MAX = 30.0  # longest hold of a live-poll request
LIVE_RECHECK = 5.0  # while holding, re-read the store this often (changes made by another process)
log = logging.getLogger("triage.hubservice")


class ClassList:
    """Who is on the class list now (re-read when the file changes); None path: no class list (OAuth, LTI)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._names: frozenset[str] = frozenset()

    def allows(self, name: str) -> bool:
        if not self.path:
            return True
        try:
            info = os.stat(self.path)
        except OSError:
            return False
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp != self._stamp:
            from .accounts import AccountBook, AccountError

            try:
                self._names = frozenset(a.name for a in AccountBook(self.path).accounts())
            except AccountError as exc:
                log.error("class list unreadable: %s", exc)
                return False
            self._stamp = stamp
        return name in self._names


class PollChanges:
    """Wakes held live-poll requests when this service opens, closes or reveals a poll."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def changed(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass


def poll_version(poll: Poll | None) -> str:
    """What a student's panel shows of a poll, as one string: changes exactly when the panel must redraw."""
    if poll is None:
        return "none"
    state = f"{poll.id}:{'open' if poll.is_open else 'closed'}:{'revealed' if poll.revealed else 'hidden'}"
    return state + (f":ends-{poll.ends_at:.3f}" if poll.ends_at is not None else "")


@dataclass(frozen=True)
class Caller:
    """Who sent a request, as the hub says."""

    name: str
    instructor: bool

    @property
    def key(self) -> str:
        return f"hub:{self.name}"

    def learner(self, display_name: object = None) -> Learner:
        """The caller as a learner; a display name is kept only when it is the hub name in other letter case."""
        shown = self.name
        if isinstance(display_name, str):
            try:
                candidate = check_display_name(display_name)
            except TriageError:
                candidate = ""
            if candidate.casefold() == self.name.casefold():
                shown = candidate
        return Learner(self.key, shown, "hub")


class BadRequest(TriageError):
    """A request body the service cannot use (the message names the field)."""


def _field(body: dict, name: str, kind: str) -> Any:
    value = body.get(name)
    ok = {
        "str": isinstance(value, str) and 0 < len(value) <= 200,
        "strs": isinstance(value, list) and len(value) <= 50 and all(isinstance(v, str) and v for v in value),
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000,
        "label": value is None or (isinstance(value, str) and len(value) <= 200),
        "seconds": value is None or (isinstance(value, int | float) and not isinstance(value, bool)
                                     and 0 <= value <= 3600),
    }[kind]
    if not ok:
        want = {"str": "text (1 to 200 characters)", "strs": "a list of option ids", "bool": "true or false",
                "int": "a whole number from 0 to 10000", "label": "text or null",
                "seconds": "a number of seconds from 0 to 3600, or null"}[kind]
        raise BadRequest(Problem(name, f"must be {want}"))
    return value


class ApiHandler(web.RequestHandler):
    """Identifies the caller through the hub before any handler method runs."""

    caller: Caller

    def initialize(self, store: ClassStore, hub_auth: HubAuth, pool: ThreadPoolExecutor, class_list: ClassList,
                   polls: PollChanges) -> None:
        self.store = store
        self.hub_auth = hub_auth
        self.pool = pool
        self.class_list = class_list
        self.polls = polls

    def check_xsrf_cookie(self) -> None:
        """Token-only authentication: no cookies are read, so there is nothing to forge."""

    async def prepare(self) -> None:
        token = self.hub_auth.get_token(self, in_cookie=False)
        if not token:
            raise web.HTTPError(401, "send your hub token: Authorization: token <JUPYTERHUB_API_TOKEN>")
        model = await self.hub_auth.user_for_token(token, sync=False)
        if not model or model.get("kind") != "user":
            raise web.HTTPError(403, "the hub does not know this token as a user's")
        if not self.hub_auth.check_scopes(self.hub_auth.access_scopes, model):
            raise web.HTTPError(403, "this token may not use the class service")
        if not self.class_list.allows(model["name"]):
            raise web.HTTPError(403, f"{model['name']} is not on the class list")
        self.caller = Caller(model["name"], INSTRUCTOR_SCOPE in set(model.get("scopes", ())))

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise BadRequest(Problem("body", "must be JSON")) from None
        if not isinstance(data, dict):
            raise BadRequest(Problem("body", "must be a JSON object"))
        return data

    def own(self, key: str) -> None:
        """Only the learner themself may write (or, without the instructor scope, read) these records."""
        if unquote(key) != self.caller.key:
            raise AccessDeniedError(Problem("learner", f"{self.caller.name} may use only their own records"))

    def own_or_instructor(self, key: str) -> None:
        if unquote(key) != self.caller.key and not self.caller.instructor:
            raise AccessDeniedError(Problem("learner", f"{self.caller.name} may read only their own records"))

    def session_argument(self) -> int | None:
        """``?session=N`` (None: the current session); a 400 naming the field when it is not a number."""
        raw = self.get_argument("session", None)
        try:
            return None if raw is None else int(raw)
        except ValueError:
            raise BadRequest(Problem("session", "must be a session number")) from None

    def instructor(self) -> None:
        if not self.caller.instructor:
            raise AccessDeniedError(Problem("class", "only the class's instructors may do this"))

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    def reply(self, data: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        field, message, kind = "", self._reason, "HTTPError"
        if isinstance(exc, web.HTTPError) and exc.log_message:
            message = exc.log_message
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": kind, "field": field, "message": message}))

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, TriageError):
            status = 400
            if isinstance(e, AccessDeniedError):
                status = 403
            elif isinstance(e, PollClosedError):
                status = 409
            elif isinstance(e, StoreUnavailableError):
                status = 503
            elif isinstance(e, StoreError):
                status = 500
            log.warning("%s %s by %s: %s", self.request.method, self.request.path,
                        getattr(getattr(self, "caller", None), "name", "?"), e)
            self.set_status(status)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"error": type(e).__name__, "field": e.field, "message": e.problems[0].message}))
            return
        super()._handle_request_exception(e)


class Me(ApiHandler):
    async def get(self) -> None:
        self.reply({"name": self.caller.name, "key": self.caller.key, "instructor": self.caller.instructor})


class LearnerRecordHandler(ApiHandler):
    async def get(self, key: str) -> None:
        self.own_or_instructor(key)
        who = unquote(key)
        record = await self.run(self.store.learner_record, Learner(who, who.removeprefix("hub:"), "hub"))
        self.reply(record_to_json(record))


class LearnerWrite(ApiHandler):
    async def post(self, key: str, what: str) -> None:
        self.own(key)
        body = self.body()
        learner = self.caller.learner(body.get("display_name"))
        if what == "answers":
            args = (learner, _field(body, "case_id", "str"), _field(body, "question_id", "str"),
                    _field(body, "chosen", "strs"), _field(body, "correct", "bool"))
            await self.run(self.store.record_answer, *args)
        elif what == "revealed":
            await self.run(self.store.set_revealed, learner, _field(body, "case_id", "str"),
                           _field(body, "stages", "int"))
        elif what == "drill":
            await self.run(self.store.record_drill, learner, _field(body, "scenario_id", "str"),
                           _field(body, "chosen", "str"), _field(body, "correct", "bool"))
        elif what == "present":
            await self.run(self.store.mark_present, learner)
        else:  # done
            await self.run(self.store.mark_done, learner, _field(body, "app", "str"))
        self.reply({"ok": True})


class PollAnswer(ApiHandler):
    async def get(self, key: str, poll_id: str) -> None:
        self.own_or_instructor(key)
        who = unquote(key)
        chosen = await self.run(self.store.poll_answer, int(poll_id), Learner(who, who.removeprefix("hub:"), "hub"))
        self.reply({"chosen": list(chosen) if chosen is not None else None})

    async def post(self, key: str, poll_id: str) -> None:
        self.own(key)
        body = self.body()
        await self.run(self.store.answer_poll, int(poll_id), self.caller.learner(body.get("display_name")),
                       _field(body, "chosen", "strs"))
        self.reply({"ok": True})


class CurrentPoll(ApiHandler):
    async def get(self) -> None:
        self.reply(poll_to_json(await self.run(self.store.current_poll)))


class LivePoll(ApiHandler):
    """``GET api/polls/live?last=ID&seen=VERSION&wait=SECONDS``: what a student's panel shows, for anyone.

    The open poll; else poll ``last`` as it is now (closed, perhaps revealed); else nothing. Never a
    tally or anyone's answer. With ``wait``, held until the answer's version differs from ``seen``."""

    def _read(self, last: int | None) -> Poll | None:
        current = self.store.current_poll()
        if current is None and last is not None:
            try:
                current = self.store.poll_tally(last).poll
            except StoreError:
                current = None  # no such poll (a new class database): nothing to show
        return current

    async def get(self) -> None:
        last = self._number("last")
        seen = self.get_argument("seen", None)
        wait = min(float(self._number("wait") or 0), LIVE_WAIT_MAX)
        deadline = asyncio.get_running_loop().time() + wait
        poll = await self.run(self._read, last)
        while seen is not None and poll_version(poll) == seen:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 or self.request.connection.stream.closed():
                break
            await self.polls.wait(min(left, LIVE_RECHECK))
            poll = await self.run(self._read, last)
        self.reply({"poll": poll_to_json(poll), "version": poll_version(poll)})

    def _number(self, name: str) -> int | None:
        raw = self.get_argument(name, None)
        if raw is None or raw == "":
            return None
        if not raw.isdigit() or len(raw) > 9:
            raise BadRequest(Problem(name, "must be a whole number"))
        return int(raw)


class Polls(ApiHandler):
    async def post(self) -> None:
        self.instructor()
        body = self.body()
        poll = await self.run(self.store.open_poll, _field(body, "case_id", "str"), _field(body, "question_id", "str"),
                              _field(body, "options", "strs"))
        self.polls.changed()
        self.reply(poll_to_json(poll))


class PollAction(ApiHandler):
    async def post(self, poll_id: str, action: str) -> None:
        self.instructor()
        if action == "timer":
            seconds = _field(self.body(), "seconds", "seconds")
            poll = await self.run(self.store.set_poll_timer, int(poll_id), seconds)
            self.polls.changed()
            self.reply(poll_to_json(poll))
            return
        fn = self.store.close_poll if action == "close" else self.store.reveal_poll
        poll = await self.run(fn, int(poll_id))
        self.polls.changed()
        self.reply(poll_to_json(poll))


class PollTallyHandler(ApiHandler):
    async def get(self, poll_id: str) -> None:
        self.instructor()
        self.reply(tally_to_json(await self.run(self.store.poll_tally, int(poll_id))))


class CurrentSession(ApiHandler):
    async def get(self) -> None:
        self.reply(session_to_json(await self.run(self.store.current_session)))


class Sessions(ApiHandler):
    async def get(self) -> None:
        self.instructor()
        self.reply([session_to_json(s) for s in await self.run(self.store.sessions)])

    async def post(self) -> None:
        self.instructor()
        label = _field(self.body(), "label", "label")
        self.reply(session_to_json(await self.run(self.store.new_session, label)))


CSV_COLUMNS = ("session_id", "learner_key", "display_name", "case_id", "question_id", "chosen", "correct", "at",
               "first_chosen", "first_correct", "first_at", "attempts")


class Answers(ApiHandler):
    """The class report: latest answer per student and question in one session, with the first answer and how
    many times it was checked (JSON, or CSV with ?format=csv)."""

    async def get(self) -> None:
        self.instructor()
        session = self.session_argument()
        rows = await self.run(self.store.class_answers, session)
        if self.get_argument("format", "json") == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for r in rows:
                writer.writerow([r.session_id, spreadsheet_safe(r.learner_key), spreadsheet_safe(r.display_name),
                                 r.case_id, r.question_id,
                                 " ".join(r.chosen), int(r.correct), f"{r.at:.3f}",
                                 " ".join(r.first_chosen or r.chosen), int(r.right_first_time),
                                 f"{r.first_at or r.at:.3f}", r.attempts])
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(out.getvalue())
            return
        self.reply([row_to_json(r) for r in rows])


class ClassRecordHandler(ApiHandler):
    """Everything the class did in one session (case answers, polls with who chose what, drill), for results."""

    async def get(self) -> None:
        self.instructor()
        session = self.session_argument()
        self.reply(class_record_to_json(await self.run(self.store.class_record, session)))


class Health(web.RequestHandler):
    """Unauthenticated liveness check: says nothing about the class."""

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"service": "triage-store", "ok": True}))


def make_app(store: ClassStore, prefix: str, hub_auth: HubAuth | None = None,
             accounts_file: str | None = None) -> web.Application:
    """The service's Tornado application under ``prefix`` (JupyterHub's ``/services/<name>/``); with
    ``accounts_file``, callers must also be on that class list."""
    hub_auth = hub_auth or HubAuth(cache_max_age=HUB_CACHE_SECONDS)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="triage-store")
    deps = {"store": store, "hub_auth": hub_auth, "pool": pool, "class_list": ClassList(accounts_file),
            "polls": PollChanges()}
    p = prefix.rstrip("/") + "/"
    learner = r"api/learners/([^/]+)"
    routes: list[tuple[str, type[web.RequestHandler], dict]] = [
        (p, Health, {}),
        (p + "api/me", Me, deps),
        (p + learner + "/record", LearnerRecordHandler, deps),
        (p + learner + "/(answers|revealed|drill|done|present)", LearnerWrite, deps),
        (p + learner + r"/polls/(\d+)", PollAnswer, deps),
        (p + "api/polls/current", CurrentPoll, deps),
        (p + "api/polls/live", LivePoll, deps),
        (p + "api/polls", Polls, deps),
        (p + r"api/polls/(\d+)/(close|reveal|timer)", PollAction, deps),
        (p + r"api/polls/(\d+)/tally", PollTallyHandler, deps),
        (p + "api/sessions/current", CurrentSession, deps),
        (p + "api/sessions", Sessions, deps),
        (p + "api/answers", Answers, deps),
        (p + "api/record", ClassRecordHandler, deps),
    ]
    return web.Application(routes, triage_pool=pool)


async def serve(location: str | None = None, ip: str | None = None) -> None:
    """Run the service where JupyterHub says (``$JUPYTERHUB_SERVICE_URL``, ``$JUPYTERHUB_SERVICE_PREFIX``).

    It listens on the URL's port, at ``ip`` when given (``0.0.0.0`` on Kubernetes, where the URL's host is
    the hub Service's name, which is no address of the pod), else at the URL's host."""
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/triage-store/")
    store = open_store(location)
    app = make_app(store, prefix, accounts_file=os.environ.get("TRIAGE_HUB_ACCOUNTS") or None)
    server = HTTPServer(app, xheaders=True)
    address = ip or url.hostname or "127.0.0.1"
    server.listen(url.port or 80, address)
    log.info("triage-store: class store %s, serving %s on %s:%s", store.location, prefix, address, url.port or 80)
    try:
        await asyncio.Event().wait()
    finally:
        server.stop()
        store.close()
