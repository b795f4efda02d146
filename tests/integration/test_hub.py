"""The suite on a real JupyterHub: login, lean student servers, isolation, and the class-store service.

One hub (deploy/jupyterhub_config.py with nginx in front, the pinned configurable-http-proxy, the
class-store service and the idle culler) is started for this module; students (ana, ben, zed, an e-mail
address, a numeric id) and an instructor (teacher) log in. zed and teacher have the JupyterLab option
(code in their kernels, tests/support/hub_contract_config.py): what code can reach is tested through them;
everyone else's kernels refuse code. All tests here are module-level functions so that pytest-xdist's
loadscope keeps them on one worker with one hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import hashlib
import http.client
import json
import os
import re
import secrets
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import psutil
import pytest
import requests
import yaml
from jupyterhub.services.auth import HubAuth
from playwright.sync_api import expect
from support.hub_support import (
    free_port,
    kernel_exchange,
    kernel_message,
    page_widget_states,
    run_in_kernel,
    running_hub,
    start_hub,
    stop_hub,
)
from support.store_contract import ANA, BEN, StoreContract
from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPServerConnectionDelegate
from tornado.web import Application

from triage.cli.hub import main as hub_cli
from triage.content.cases import cases_dir
from triage.content.course import course
from triage.errors import AccessDeniedError
from triage.hubservice.accounts import AccountBook
from triage.hubservice.service import make_app
from triage.store import open_store
from triage.store.hub import HubStore
from triage.store.identity import Learner
from triage.ui.context import AppContext
from triage.ui.poll import ClassPanel, PollWatcher

pytestmark = [pytest.mark.server]
EMAIL, NUMERIC = "li.wei@uni.example", "20231234"
STUDENTS, INSTRUCTORS = ["ana", "ben", "zed", EMAIL, NUMERIC], ["teacher"]
EXPLORER = "04_triage_explorer.ipynb"
FILL_DELAY = 600  # seconds before a used warm kernel is replaced, long here so a wait for it would show
RENDER_TIMEOUT = 180_000
CONTRACT_TOKEN = secrets.token_hex(32)
CONTRACT_PORT = free_port()


class ContractService(HTTPServerConnectionDelegate):
    """The contract's class-store service port, listening for the whole module so that the hub finds it at
    start (an external service that does not answer makes the hub wait ~30 s at every start); each check
    plugs in its own fresh app, and between checks every request gets 404."""

    def __init__(self) -> None:
        self.app: Application = Application([])

    def start_request(self, server_conn, request_conn):
        return self.app.start_request(server_conn, request_conn)


@pytest.fixture(scope="module")
def service_loop():
    """An event loop in a thread of this process for the contract's class-store service (the same Tornado app
    as the hub-managed one; a fresh app and store per check instead of a fresh process, which cost ~1 CPU-s)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def contract_service(service_loop):
    service = ContractService()

    async def listen() -> HTTPServer:
        server = HTTPServer(service)
        server.listen(CONTRACT_PORT, "127.0.0.1")
        return server

    server = asyncio.run_coroutine_threadsafe(listen(), service_loop).result(timeout=60)
    yield service
    service_loop.call_soon_threadsafe(server.stop)


@pytest.fixture(scope="module")
def hub(contract_service):
    extra = {"TRIAGE_CONTRACT_PORT": str(CONTRACT_PORT), "TRIAGE_CONTRACT_TOKEN": CONTRACT_TOKEN,
             "TRIAGE_HUB_FILL_DELAY": str(FILL_DELAY)}
    config = Path(__file__).resolve().parents[1] / "support" / "hub_contract_config.py"
    with running_hub(STUDENTS, INSTRUCTORS, extra_env=extra, config=config) as h:
        yield h


@pytest.fixture(scope="module")
def tokens(hub):
    """Each person's own hub token (inheriting their permissions), asked for with their own login; the four
    servers start side by side."""
    names = ["ana", "ben", "zed", *INSTRUCTORS]
    with ThreadPoolExecutor(len(names)) as pool:
        return dict(zip(names, pool.map(hub.token, names), strict=True))


def store_for(hub, token: str) -> HubStore:
    return HubStore(hub.store_url, token)


def hub_learner(name: str) -> Learner:
    return Learner(f"hub:{name}", name, "hub")


# --- login, landing, sources, isolation of servers -----------------------------------------------------

def test_two_students_log_in_through_the_form_and_land_on_the_apps_offline(hub, browser, tokens):
    """Chromium, logged in with the form (a cookie, not a token): each lands on the landing page, whose progress
    request succeeds (completion marks and "Your record"), opens the explorer (with a way to log out), and
    nothing leaves 127.0.0.1; closing the tab shuts its kernel down."""
    done_app = "01_hip_and_back.ipynb"
    store_for(hub, tokens["ana"]).mark_done(hub_learner("ana"), done_app)
    for name in ("ana", "ben"):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        hosts: set[str] = set()
        # every host, or the scheme of a local URL (blob: the widgets' own scripts, data:)
        context.on("request", lambda req, hosts=hosts: hosts.add(urlparse(req.url).hostname
                                                                  or urlparse(req.url).scheme))
        page = context.new_page()
        page.set_default_timeout(RENDER_TIMEOUT)
        page.goto(f"{hub.url}/hub/login")
        expect(page.locator("body")).to_contain_text("Educational use only")
        page.fill("#username_input", name)
        page.fill("#password_input", hub.people[name])
        with page.expect_response(lambda r: r.url.split("?")[0].endswith("/triage/api/progress")) as progress:
            page.click("#login_submit")
            page.wait_for_url(f"**/user/{name}/voila/tree**", timeout=RENDER_TIMEOUT)
        assert progress.value.status == 200, (name, progress.value.status, progress.value.text()[:200])
        expect(page.locator("#record-summary")).to_contain_text("Your record")
        mark = page.locator(f"li[data-notebook='{done_app}'] .done")
        if name == "ana":
            expect(mark).to_be_visible()
        else:
            expect(mark).to_be_hidden()
        expect(page.locator("#logout")).to_have_attribute("href", "/hub/logout")
        expect(page.locator("body")).not_to_contain_text("instructor key")
        expect(page.locator(f"a[href*='{EXPLORER}']").first).to_be_visible()
        page.goto(f"{hub.url}/user/{name}/voila/render/{EXPLORER}")
        expect(page.locator(".triage-notice").first).to_be_visible(timeout=RENDER_TIMEOUT)
        expect(page.locator(".triage-who a[href='/hub/logout']")).to_be_visible()
        page.get_by_role("checkbox", name="New loss of bowel or bladder control").check()
        expect(page.locator(".triage-verdict")).to_contain_text("Urgency: EMERGENCY")
        # the page's connection check reaches its kernel through the hub's proxy (a failure would show a notice)
        with page.expect_response(lambda r: "no_track_activity" in r.url, timeout=15_000) as check:
            pass
        assert check.value.status == 200 and f"/user/{name}/api/kernels/" in check.value.url
        assert page.evaluate("document.documentElement.dataset.triageConnection") == "ok"
        expect(page.locator(".triage-connection")).to_have_count(0)
        kernel_id = page.evaluate(
            "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        token = hub.token(name)
        kernel_url = f"{hub.url}/user/{name}/api/kernels/{kernel_id}"
        auth = {"Authorization": f"token {token}"}
        assert requests.get(kernel_url, headers=auth, timeout=60).status_code == 200
        if name == "ben":  # log out from the app: the hub's login page, and the apps ask for a login again
            page.locator(".triage-who a[href='/hub/logout']").click()
            page.wait_for_url("**/hub/**", timeout=RENDER_TIMEOUT)
            page.goto(f"{hub.url}/user/{name}/voila/tree")
            expect(page.locator("#username_input")).to_be_visible()
        page.close(run_before_unload=True)
        deadline = time.monotonic() + 60
        while requests.get(kernel_url, headers=auth, timeout=60).status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert requests.get(kernel_url, headers=auth, timeout=60).status_code == 404, "closed tab's kernel still runs"
        context.close()
        assert "127.0.0.1" in hosts and hosts <= {"127.0.0.1", "blob", "data"}, f"requests left: {sorted(hosts)}"


def _whoami(hub, s: requests.Session) -> requests.Response:
    xsrf = s.cookies.get("_xsrf", path="/hub/") or ""
    return s.get(f"{hub.api}/user", headers={"X-XSRFToken": xsrf}, timeout=60)


def test_wrong_or_another_students_password_is_refused(hub):
    assert _whoami(hub, hub.login("ana", hub.people["ben"])).status_code in (401, 403)
    assert _whoami(hub, hub.login("nobody", "anything")).status_code in (401, 403)
    assert _whoami(hub, hub.login("ana")).json()["name"] == "ana"


@pytest.mark.parametrize("path,status", [
    ("lab", 404), ("tree", 404), ("terminals/1", 404), ("api/terminals", 404),
    (f"api/contents/{EXPLORER}", 403), (f"files/{EXPLORER}", 403), (f"view/{EXPLORER}", 403),
    (f"nbconvert/script/{EXPLORER}", 403), (f"voila/files/{EXPLORER}", 403), ("api/contents", 403),
])
def test_sources_and_terminals_are_not_reachable_by_the_student(hub, path, status):
    s = hub.session("ana")
    r = s.get(f"{hub.url}/user/ana/{path}", timeout=120, allow_redirects=False)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    assert "cell_type" not in r.text and "triage.ui" not in r.text


def test_a_student_is_refused_on_another_students_server(hub):
    hub.session("ben")  # ben's server runs
    s = hub.session("ana")
    r = s.get(f"{hub.url}/user/ben/voila/tree", timeout=120)
    assert r.status_code == 403, (r.status_code, r.url)
    assert "04_triage_explorer" not in r.text


# --- the class-store service ------------------------------------------------------------------------

def test_a_student_reads_and_writes_only_their_own_records(hub, tokens):
    ana = store_for(hub, tokens["ana"])
    ana.record_answer(hub_learner("ana"), "case-a", "where", ["gp"], True)
    assert ana.learner_record(hub_learner("ana")).case_answers("case-a")["where"].chosen == ("gp",)
    with pytest.raises(AccessDeniedError):
        ana.learner_record(hub_learner("ben"))
    with pytest.raises(AccessDeniedError):
        ana.record_answer(hub_learner("ben"), "case-a", "where", ["ed"], False)
    ana.mark_present(hub_learner("ana"))
    for call in (ana.class_answers, ana.sessions, lambda: ana.new_session("x"),
                 lambda: ana.open_poll("case-a", "where", ["gp", "ed"]), ana.class_record,
                 lambda: ana.class_record(1), lambda: ana.set_poll_timer(1, 30),
                 lambda: ana.mark_present(hub_learner("ben")),
                 lambda: ana.poll_answer(1, hub_learner("ben"))):
        with pytest.raises(AccessDeniedError):
            call()
    # the raw HTTP status for another's record
    r = requests.get(f"{hub.store_url}api/learners/hub%3Aben/record",
                     headers={"Authorization": f"token {tokens['ana']}"}, timeout=60)
    assert r.status_code == 403
    assert requests.get(f"{hub.store_url}api/me", timeout=60).status_code == 401
    assert requests.get(f"{hub.store_url}api/me", headers={"Authorization": "token not-a-token"},
                        timeout=60).status_code == 403


def test_the_instructor_reads_the_class_report_and_runs_a_poll(hub, tokens):
    store_for(hub, tokens["ben"]).record_answer(hub_learner("ben"), "case-r", "where", ["gp"], False)
    store_for(hub, tokens["ben"]).record_answer(hub_learner("ben"), "case-r", "where", ["ed"], False)
    teacher = store_for(hub, tokens["teacher"])
    rows = [(r.learner_key, r.case_id, r.chosen, r.first_chosen, r.attempts) for r in teacher.class_answers()]
    assert ("hub:ben", "case-r", ("ed",), ("gp",), 2) in rows  # the first answer of a retried question too
    assert teacher.learner_record(hub_learner("ben")).case_answers("case-r")["where"].chosen == ("ed",)
    csv_text = requests.get(f"{hub.store_url}api/answers?format=csv",
                            headers={"Authorization": f"token {tokens['teacher']}"}, timeout=60).text
    assert csv_text.splitlines()[0].startswith("session_id,learner_key,display_name")
    assert csv_text.splitlines()[0].endswith(",at,first_chosen,first_correct,first_at,attempts")
    [ben_line] = [line for line in csv_text.splitlines()
                  if line.startswith(f"{teacher.current_session().id},hub:ben,ben,case-r")]
    assert ben_line.split(",")[5:7] == ["ed", "0"] and ben_line.split(",")[8:10] == ["gp", "0"]
    assert ben_line.endswith(",2")
    poll = teacher.open_poll("case-r", "where", ["gp", "ed"])
    ana = store_for(hub, tokens["ana"])
    assert ana.current_poll() == poll
    ana.answer_poll(poll.id, hub_learner("ana"), ["gp"])
    with pytest.raises(AccessDeniedError):
        ana.answer_poll(poll.id, hub_learner("ben"), ["ed"])
    with pytest.raises(AccessDeniedError):
        ana.poll_tally(poll.id)
    assert dict(teacher.poll_tally(poll.id).counts) == {"gp": 1, "ed": 0}
    assert teacher.set_poll_timer(poll.id, 45).ends_at == ana.current_poll().ends_at  # students see the countdown
    teacher.close_poll(poll.id)
    record = teacher.class_record()
    assert [(a.learner_key, a.chosen) for a in record.poll_answers if a.poll_id == poll.id] == [("hub:ana", ("gp",))]
    assert ("hub:ben", "case-r") in [(r.learner_key, r.case_id) for r in record.answers]


def test_the_class_report_csv_through_the_service_holds_case_poll_and_drill_answers(hub, tokens, capsys, monkeypatch):
    """python -m triage class report --csv on the hub: the instructor's token, the service's URL; every kind of
    answer with the option chosen, and a student who answered only a poll."""
    import csv
    import io

    from triage.cli import main

    teacher = store_for(hub, tokens["teacher"])
    session = teacher.new_session("CSV through the service")
    store_for(hub, tokens["ana"]).record_answer(hub_learner("ana"), "early-sciatica-tingling", "where", ["pcp"], True)
    poll = teacher.open_poll("early-sciatica-tingling", "tingling", ["nerve", "foot"])
    store_for(hub, tokens["zed"]).answer_poll(poll.id, hub_learner("zed"), ["foot"])
    teacher.close_poll(poll.id)
    store_for(hub, tokens["ben"]).record_drill(hub_learner("ben"), "d-bladder", "urgent", False)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", tokens["teacher"])
    assert main(["class", "report", "--csv", "--session", str(session.id), "--db", hub.store_url]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["learner"], r["activity"], r["chosen"][:3], r["question_id"], r["chosen_ids"], r["correct"])
            for r in rows] == [
        ("hub:ana", "case", "A. ", "where", "pcp", "yes"),
        ("hub:ben", "drill", "B. ", "", "urgent", "no"),
        ("hub:zed", "poll", "B. ", "tingling", "foot", "no")]
    assert {r["session"] for r in rows} == {str(session.id)} and rows[2]["poll"] == "1"
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", tokens["ana"])  # a student's token reads nothing of the class
    assert main(["class", "report", "--csv", "--db", hub.store_url]) == 2
    assert "only the class's instructors" in capsys.readouterr().err


def test_code_in_a_students_kernel_reaches_only_their_own_records(hub, tokens):
    """A student with the JupyterLab option runs code in their own kernel: the class store answers only for
    them, neither the database nor another student's home can be read from the file system, and no other
    user's processes are visible (their /proc hides them)."""
    store_for(hub, tokens["ben"]).record_answer(hub_learner("ben"), "case-k", "where", ["pt"], True)
    db = hub.state / "store"
    code = f"""
import os
from jupyterhub.services.auth import HubAuth
from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPServerConnectionDelegate
from tornado.web import Application

from triage.errors import AccessDeniedError
from triage.hubservice.service import make_app
from triage.store.identity import Learner
from triage.store import open_store
from triage.store import open_store
store = open_store()
print("backend", type(store).__name__, os.environ.get("JUPYTERHUB_USER"))
me = Learner("hub:zed", "zed", "hub")
store.record_answer(me, "case-k", "where", ["gp"], False)
print("own", store.learner_record(me).case_answers("case-k")["where"].chosen)
for what, call in [("ben", lambda: store.learner_record(Learner("hub:ben", "ben", "hub"))),
                   ("class", store.class_answers)]:
    try:
        call()
        print(what, "READ")
    except AccessDeniedError:
        print(what, "denied")
for path in [{str(db)!r}, {str(hub.state / 'homes' / 'ben')!r}, {str(hub.state / 'accounts.json')!r}]:
    try:
        os.listdir(path) if os.path.isdir(path) else open(path).read()
        print("fs", path, "READ")
    except PermissionError:
        print("fs", path, "denied")
pids = [p for p in os.listdir("/proc") if p.isdigit()]
owners = {{os.stat(f"/proc/{{p}}").st_uid for p in pids if os.path.exists(f"/proc/{{p}}")}}
print("processes", len(pids), "owners", sorted(owners), "me", os.getuid())
"""
    assert os.geteuid() == 0, "students' servers run as their own user ids only under a root hub (as in CI)"
    hub.session("ben")  # another student's server and kernels run meanwhile
    out = run_in_kernel(hub, "zed", tokens["zed"], code)
    assert "backend HubStore zed" in out, out
    assert "own ('gp',)" in out, out
    assert "ben denied" in out and "class denied" in out, out
    assert out.count(" denied\n") == 5 and "READ" not in out, out
    seen = re.search(r"processes (\d+) owners \[([\d, ]*)\] me (\d+)", out)
    assert seen and int(seen[1]) >= 2, out  # its server and this kernel
    assert seen[2] == seen[3], f"zed's kernel sees other users' processes: {out}"


def test_the_students_server_token_reaches_the_service_and_the_instructors_reads_the_class(hub, tokens):
    """The token JupyterHub gives each server (and its kernels) has access:services for the store, plus the
    instructor scope for members of the instructors group only."""
    code = "import os, json, urllib.request as u\n" \
           "r = u.Request(os.environ['TRIAGE_STORE_URL'] + 'api/me', " \
           "headers={'Authorization': 'token ' + os.environ['JUPYTERHUB_API_TOKEN']})\n" \
           "print(json.dumps(json.load(u.urlopen(r))))"
    hub.session("teacher")
    seen = {name: json.loads(run_in_kernel(hub, name, tokens[name], code).strip().splitlines()[-1])
            for name in ("zed", "teacher")}
    assert seen["zed"] == {"name": "zed", "key": "hub:zed", "instructor": False}
    assert seen["teacher"] == {"name": "teacher", "key": "hub:teacher", "instructor": True}


def test_the_instructor_apps_open_for_the_instructors_group_without_a_key(hub, tokens):
    """The presenter and the class view, built in each person's own hub kernel as the notebooks build them:
    open with no key for a member of the hub's instructors group (the class service says so), and closed,
    with nothing of the class read, for a student."""
    code = ("from triage.ui import ClassView, Presenter\n"
            "p, v = Presenter(keyboard=False), ClassView(live=False)\n"
            "print('mode', p.context.mode, 'key', p.context.instructor_key, 'unlocked', p.unlocked, v.unlocked)\n"
            "print('class', v.summary.value)\n"
            "print('gate', v.gate.message.value)\n")
    store_for(hub, tokens["ben"]).record_answer(hub_learner("ben"), "case-g", "where", ["gp"], True)
    hub.session("teacher")
    teacher = run_in_kernel(hub, "teacher", tokens["teacher"], code)
    assert "mode hub key None unlocked True True" in teacher, teacher
    assert "ben" in teacher.split("class ", 1)[1]  # the class view read the class through the service
    zed = run_in_kernel(hub, "zed", tokens["zed"], code)
    assert "mode hub key None unlocked False False" in zed, zed
    assert "class \n" in zed and "instructors" in zed.split("gate ", 1)[1]  # told why; nothing of the class


# --- the store contract through the hub and the service ------------------------------------------------
# The hub knows a second service, triage-contract (tests/support/hub_contract_config.py), served below by the same
# Tornado application as the hub-managed one, with a fresh store for each check of tests/support/store_contract.py.

class ThroughTheService:
    """The contract's people as real hub users, each with their own client and token; class calls go as the
    instructor. Every call is an HTTP request to a real service that asks the real hub who is calling."""

    def __init__(self, url: str, tokens: dict[str, str]) -> None:
        self.clients = {name: HubStore(url, token) for name, token in tokens.items()}
        self.teacher = self.clients["teacher"]

    def _as(self, learner: Learner) -> tuple[HubStore, Learner]:
        name = {ANA.key: "ana", BEN.key: "ben", "name:zed": "zed"}[learner.key]
        return self.clients[name], Learner(f"hub:{name}", learner.display_name, "hub")

    def record_answer(self, learner, *args):
        client, who = self._as(learner)
        return client.record_answer(who, *args)

    def set_revealed(self, learner, *args):
        client, who = self._as(learner)
        return client.set_revealed(who, *args)

    def record_drill(self, learner, *args):
        client, who = self._as(learner)
        return client.record_drill(who, *args)

    def mark_done(self, learner, *args):
        client, who = self._as(learner)
        return client.mark_done(who, *args)

    def learner_record(self, learner):
        client, who = self._as(learner)
        return client.learner_record(who)

    def answer_poll(self, poll_id, learner, chosen):
        client, who = self._as(learner)
        return client.answer_poll(poll_id, who, chosen)

    def mark_present(self, learner):
        client, who = self._as(learner)
        return client.mark_present(who)

    def poll_answer(self, poll_id, learner):
        client, who = self._as(learner)
        return client.poll_answer(poll_id, who)

    def __getattr__(self, name):  # polls, sessions, class answers: the instructor's client
        return getattr(self.teacher, name)


# On the hub the caller's identity comes from the hub, not from the Learner the app passes: the service files
# records under hub:<login> and shows the login as the name (letter case may differ), so a student cannot
# appear under another name in the instructor's view. Three contract checks pass arbitrary learners and names
# (an SQL-injection-looking name; "sam " vs "Sam"; "Ana" vs "ana"); the hub's rule is tested below instead
# (test_display_names_come_from_the_hub, test_text_round_trips_through_the_service).
HUB_IDENTITY_CHECKS = {"test_text_round_trips_exactly", "test_the_latest_display_name_is_shown",
                       "test_the_record_keeps_the_name_last_written_under_its_key"}
CONTRACT_CHECKS = sorted(n for n in dir(StoreContract) if n.startswith("test_") and n not in HUB_IDENTITY_CHECKS)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("check", CONTRACT_CHECKS)
def test_store_contract_through_the_hub_service(hub, tokens, tmp_path, request, contract_service, backend, check):
    location = str(tmp_path / "class.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(location)
    prefix = "/services/triage-contract/"
    hub_auth = HubAuth(api_token=CONTRACT_TOKEN, api_url=hub.api, cache_max_age=0,
                       access_scopes={"access:services!service=triage-contract"})
    app = contract_service.app = make_app(store, prefix, hub_auth)
    try:
        getattr(StoreContract(), check)(ThroughTheService(f"http://127.0.0.1:{CONTRACT_PORT}{prefix}", tokens))
    finally:
        contract_service.app = Application([])
        app.settings["triage_pool"].shutdown(wait=True)
        store.close()


def test_display_names_come_from_the_hub(hub, tokens):
    ana = store_for(hub, tokens["ana"])
    ana.record_answer(Learner("hub:ana", "ANA", "hub"), "case-n", "q1", ["gp"], True)
    ana.record_answer(Learner("hub:ana", "Ben", "hub"), "case-n", "q2", ["gp"], True)
    rows = [r for r in store_for(hub, tokens["teacher"]).class_answers() if r.case_id == "case-n"]
    assert [(r.question_id, r.learner_key, r.display_name) for r in rows] == [
        ("q1", "hub:ana", "ana"), ("q2", "hub:ana", "ana")]  # the latest name; never another student's


def test_text_round_trips_through_the_service(hub, tokens):
    ana = store_for(hub, tokens["ana"])
    ana.record_answer(hub_learner("ana"), "case-ü <b>", "wo?'; DROP TABLE answers; --", ["ärztin", "%s", "?"], True)
    answer = ana.learner_record(hub_learner("ana")).case_answers("case-ü <b>")["wo?'; DROP TABLE answers; --"]
    assert answer.chosen == ("%s", "?", "ärztin")


# --- no code on a student's server; nothing of the answer keys before they are revealed ------------------

def _kernel_ws(hub, name: str, token: str) -> tuple[str, dict[str, str], str]:
    """A fresh kernel on ``name``'s server (as a page's script could ask for one): its websocket URL and headers."""
    base = f"{hub.url}/user/{name}"
    headers = {"Authorization": f"token {token}"}
    r = requests.post(f"{base}/api/kernels", json={"name": "python3"}, headers=headers, timeout=120)
    r.raise_for_status()
    kernel_id = r.json()["id"]
    return base.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels", headers, kernel_id


def test_a_raw_execute_request_to_a_students_kernel_does_not_run(hub, tokens):
    """What a student could send by hand over their kernel's websocket: code. It must not run (the kernel
    still answers what Voila's pages need: kernel info, widget messages)."""
    marker = hub.state / "homes" / "ana" / f"ran-{uuid.uuid4().hex}"
    ws_url, headers, kernel_id = _kernel_ws(hub, "ana", tokens["ana"])
    sid = uuid.uuid4().hex
    execute = kernel_message("execute_request", {
        "code": f"open({str(marker)!r}, 'w').write('x'); print('RAN')", "silent": False, "store_history": False,
        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}, sid)
    info = kernel_message("kernel_info_request", {}, sid)
    try:
        got = kernel_exchange(ws_url, headers, [execute, info], until="kernel_info_reply", linger=5.0)
    finally:
        requests.delete(f"{hub.url}/user/ana/api/kernels/{kernel_id}", headers=headers, timeout=60)
    kinds = [m["header"]["msg_type"] for m in got]
    assert "kernel_info_reply" in kinds, kinds
    replies = [m for m in got if m.get("parent_header", {}).get("msg_id") == execute["header"]["msg_id"]]
    assert replies == [], f"the kernel answered the execute_request: {[m['header']['msg_type'] for m in replies]}"
    assert not marker.exists(), "code sent over the websocket ran in the student's kernel"


def _answer_key_texts() -> list[str]:
    """What a case reveals only after a student answers: each option's feedback (from the case files)."""
    texts = []
    for path in sorted(cases_dir().glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for question in data.get("questions", []):
            texts += [o["feedback"] for o in question.get("options", []) if len(o.get("feedback", "")) > 30]
    return texts


def test_nothing_a_student_opens_shows_an_answer_key_before_it_is_revealed(hub):
    """Every app, opened as a student's browser opens it (page, then every widget's state): no option's
    feedback from any case, no drill verdict. Code is closed, so this is all a student's pages can read."""
    s = hub.session("ben")
    keys = _answer_key_texts()
    assert len(keys) > 100
    for app in course():
        html, states = page_widget_states(hub, s, "ben", app.notebook)
        assert states or "widget-view+json" not in html, f"{app.notebook}: no widget state"
        text = html + json.dumps(states, ensure_ascii=False)
        shown = [k for k in keys if k in text or json.dumps(k, ensure_ascii=False)[1:-1] in text]
        assert shown == [], f"{app.notebook} shows answer feedback before any answer: {shown[:2]}"
        feedback = [st["state"].get("value") for st in states.values()
                    if "triage-feedback" in st["state"].get("_dom_classes", [])]
        assert all(not v for v in feedback), f"{app.notebook}: a verdict before any answer: {feedback}"


# --- warm kernels ------------------------------------------------------------------------------------------

def test_a_second_open_of_the_explorer_is_not_kept_waiting_for_the_refill(hub):
    """The first open takes the warm kernel; a reload or a second tab right after must start a kernel of its
    own, not wait for the replacement (which waits FILL_DELAY seconds before it even starts)."""
    s = hub.session("ben")
    url = f"{hub.url}/user/ben/voila/render/{EXPLORER}"
    first = s.get(url, timeout=300)
    assert first.status_code == 200 and '"kernelId"' in first.text
    t0 = time.monotonic()
    try:
        second = s.get(url, timeout=FILL_DELAY * 0.5)
    except requests.Timeout:
        pytest.fail(f"the second open waited more than {FILL_DELAY * 0.5:.0f} s: it waits for the refill")
    took = time.monotonic() - t0
    assert second.status_code == 200 and '"kernelId"' in second.text, second.status_code
    ids = [re.search(r'"kernelId":\s*"([0-9a-f-]+)"', r.text)[1] for r in (first, second)]
    assert ids[0] != ids[1]
    assert took < FILL_DELAY * 0.5, took


def _poll_requests(hub) -> int:
    return len(re.findall(r"GET /services/triage-store/api/polls", hub.log.read_text(errors="replace")))


def test_warm_kernels_nobody_uses_do_not_read_the_poll(hub):
    """Prestarted servers keep a warm explorer kernel each; with no page open, none of them asks the class
    service about polls. Once a browser opens the page, its panel does."""
    hub.session("zed")
    hub.session(EMAIL)
    time.sleep(5)  # warm kernels have run the explorer by now (the servers were ready)
    before = _poll_requests(hub)
    time.sleep(12)
    assert _poll_requests(hub) == before, "warm kernels nobody uses read the poll"
    page_widget_states(hub, hub.session(EMAIL), EMAIL, EXPLORER)  # a browser opens it: the panel reads once
    deadline = time.monotonic() + 60
    while _poll_requests(hub) == before and time.monotonic() < deadline:
        time.sleep(1)
    assert _poll_requests(hub) > before, "the open page's class panel never read the poll"


# --- live polls: what a student reads ------------------------------------------------------------------------

def test_a_students_panel_shows_the_revealed_answer_after_the_poll_closes_with_no_error(hub, tokens):
    """The student app's class panel reads the student-scoped live poll through the real service: open, then
    closed and revealed (the right option shown, no error); and a new poll reaches a waiting panel at once."""
    case_id, question_id = "gardener-saddle-numbness", "where"
    teacher = store_for(hub, tokens["teacher"])
    ana_store = store_for(hub, tokens["ana"])
    context = AppContext(hub_learner("ana"), ana_store, "hub")
    panel = ClassPanel(context, live=False)
    poll = teacher.open_poll(case_id, question_id, ["wait", "ed", "chiro"])
    panel.refresh()
    assert panel.poll is not None and panel.poll.id == poll.id and panel.question is not None
    panel.choice.value = "ed"
    panel.on_send()
    assert "Sent" in panel.status.value, panel.status.value
    teacher.close_poll(poll.id)
    panel.refresh()
    assert "The poll has closed" in panel.status.value and "cannot be read" not in panel.status.value
    teacher.reveal_poll(poll.id)
    panel.refresh()
    status = panel.status.value
    assert "The answer" in status and "Go to the emergency department now" in status, status
    assert "cannot be read" not in status and "instructors" not in status, status

    # pushed: a watcher waiting on the service hears of the next poll long before its wait is over
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    seen: list = []
    _, version = ana_store.live_poll(poll.id)
    watcher = PollWatcher(ana_store.live_poll, lambda: poll.id, seen.append, seen.append, loop, version, wait=25)
    watcher.start()
    try:
        time.sleep(1)
        opened = teacher.open_poll(case_id, question_id, ["wait", "ed", "chiro"])
        t0 = time.monotonic()
        while not seen and time.monotonic() - t0 < 20:
            time.sleep(0.1)
        assert seen and getattr(seen[0], "id", None) == opened.id, seen
        assert time.monotonic() - t0 < 10 and watcher.requests <= 3
        teacher.set_poll_timer(opened.id, 60)  # a countdown reaches the waiting panel too
        t0 = time.monotonic()
        while len(seen) < 2 and time.monotonic() - t0 < 20:
            time.sleep(0.1)
        assert len(seen) == 2 and seen[1].ends_at is not None and time.monotonic() - t0 < 10, seen
    finally:
        watcher.stop()
        teacher.close_poll(opened.id)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
    panel.close()


# --- accounts while the hub runs ------------------------------------------------------------------------------

def _cli(hub, monkeypatch, *args: str) -> int:
    """The administrator's command, with the environment `make hub` gives it (the hub's state folder)."""
    monkeypatch.setenv("TRIAGE_HUB_STATE", str(hub.state))
    monkeypatch.delenv("TRIAGE_HUB_API", raising=False)
    monkeypatch.delenv("TRIAGE_CLASS_DB", raising=False)  # the hub's store: <state>/store/class.db
    return hub_cli(["accounts", *args])


def _new_password(capsys) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1].split(",", 1)[1]


def _login_token(hub, name: str) -> str:
    """A token for ``name`` after logging in with the form; their server need not run."""
    s = hub.login(name)
    xsrf = s.cookies.get("_xsrf", path="/hub/") or ""
    r = s.post(f"{hub.api}/users/{name}/tokens", json={"note": "tests", "expires_in": 3600},
               headers={"X-XSRFToken": xsrf}, timeout=60)
    r.raise_for_status()
    return r.json()["token"]


def _wait_for(check, timeout: float = 120, pause: float = 2.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(pause)


def test_a_removed_student_loses_server_tokens_and_the_store_at_once_and_their_id_is_never_reused(
        hub, monkeypatch, capsys):
    assert _cli(hub, monkeypatch, "add", "carol") == 0
    hub.people["carol"] = _new_password(capsys)
    token = hub.token("carol")  # carol logs in; her server runs
    book = AccountBook(hub.state / "accounts.json")
    carol_uid = book.get("carol").uid
    carol_home = hub.state / "homes" / "carol"
    store = store_for(hub, token)
    assert store.me().name == "carol"
    store.record_answer(hub_learner("carol"), "case-x", "where", ["gp"], True)
    auth = {"Authorization": f"token {token}"}
    assert requests.get(f"{hub.url}/user/carol/api/status", headers=auth, timeout=60).status_code == 200
    tag = hashlib.sha256(str((hub.state / "homes").resolve()).encode()).hexdigest()[:8]
    runtime = Path(tempfile.gettempdir()) / f"triage-rt-{tag}-carol"
    assert runtime.exists()

    assert _cli(hub, monkeypatch, "remove", "carol") == 0, capsys.readouterr()
    with pytest.raises(AccessDeniedError):
        store.me()
    assert requests.get(f"{hub.api}/user", headers=auth, timeout=60).status_code in (401, 403)
    assert requests.get(f"{hub.url}/user/carol/api/status", headers=auth, timeout=60,
                        allow_redirects=False).status_code != 200
    def carols_processes() -> list:
        return [p for p in psutil.process_iter(["environ"])
                if (p.info.get("environ") or {}).get("JUPYTERHUB_USER") == "carol"]

    # her server is stopped before `remove` returns; its kernels notice their parent is gone a moment later
    assert _wait_for(lambda: not carols_processes(), timeout=60, pause=0.5), "carol's server still runs"
    assert not runtime.exists(), "the stopped server's runtime folder was left behind"
    assert carol_home.exists() and carol_home.stat().st_uid == carol_uid  # kept for the instructor's export
    rows = [r for r in store_for(hub, tokens_teacher(hub)).class_answers() if r.learner_key == "hub:carol"]
    assert rows, "carol's answers must stay until purged"

    assert _cli(hub, monkeypatch, "add", "carol") == 2  # the name is not handed to someone new silently
    assert _cli(hub, monkeypatch, "add", "dan") == 0
    dan_uid = AccountBook(hub.state / "accounts.json").get("dan").uid
    assert dan_uid > carol_uid
    # what dan's processes could do with carol's home: nothing (a child process with dan's ids tries)
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(dan_uid)
            os.setuid(dan_uid)
            os.listdir(carol_home)
            os._exit(1)
        except PermissionError:
            os._exit(0)
        except BaseException:
            os._exit(2)
    assert os.waitpid(pid, 0)[1] == 0, "dan's user id can read carol's home"

    assert _cli(hub, monkeypatch, "purge", "carol") == 0, capsys.readouterr()
    assert not carol_home.exists()
    assert not [r for r in store_for(hub, tokens_teacher(hub)).class_answers() if r.learner_key == "hub:carol"]


def tokens_teacher(hub) -> str:
    return hub.token("teacher")


def _process_tokens(name: str) -> list[tuple[str, str]]:
    """(kind, API token) for each of ``name``'s processes: ``server`` is the single-user server (what its
    class view uses), ``kernel`` one of its kernels, which keeps the token it started with and may outlive
    a stopped server for a moment on a loaded machine."""
    found = []
    for proc in psutil.process_iter(["environ", "cmdline"]):
        env = proc.info.get("environ") or {}
        if env.get("JUPYTERHUB_USER") == name and env.get("JUPYTERHUB_API_TOKEN"):
            kernel = any("ipykernel" in part for part in proc.info.get("cmdline") or ())
            found.append(("kernel" if kernel else "server", env["JUPYTERHUB_API_TOKEN"]))
    return found


def _server_token(name: str) -> str | None:
    """The API token ``name``'s running server was started with."""
    return next((token for kind, token in _process_tokens(name) if kind == "server"), None)


def test_an_instructor_added_or_promoted_while_the_hub_runs_gets_the_role_without_a_restart(
        hub, tokens, monkeypatch, capsys):
    assert _cli(hub, monkeypatch, "add", "tara", "--role", "instructor") == 0
    hub.people["tara"] = _new_password(capsys)
    assert store_for(hub, _login_token(hub, "tara")).me().instructor is True
    # ben's server runs, started while he was a student: what his class view asks with is its token
    hub.session("ben")
    before = _server_token("ben")
    assert before and store_for(hub, before).me().instructor is False
    assert _cli(hub, monkeypatch, "role", "ben", "instructor") == 0
    assert "server was stopped" in capsys.readouterr().out
    hub.sessions.pop("ben", None)
    assert _wait_for(lambda: before not in {t for _, t in _process_tokens("ben")}, timeout=60, pause=0.5), \
        "ben's old server or its kernels still run"
    hub.session("ben")  # he reloads: a new server, started with his new role
    after = _server_token("ben")
    assert after and store_for(hub, after).me().instructor is True
    assert _cli(hub, monkeypatch, "role", "ben", "student") == 0
    ben = store_for(hub, tokens["ben"])
    assert _wait_for(lambda: not ben.me().instructor, timeout=150), "ben's demotion did not reach the hub"
    with pytest.raises(AccessDeniedError):
        ben.class_answers()


def test_email_addresses_and_numeric_ids_log_in_and_get_their_own_server(hub):
    s = hub.session(EMAIL)
    r = s.get(f"{hub.url}/user/{EMAIL}/voila/tree", timeout=120)
    assert r.status_code == 200 and EMAIL in r.text
    folder = AccountBook(hub.state / "accounts.json").get(EMAIL).slug
    assert "@" not in folder and (hub.state / "homes" / folder).is_dir()
    numeric = hub.login(NUMERIC)
    xsrf = numeric.cookies.get("_xsrf", path="/hub/") or ""
    assert numeric.get(f"{hub.api}/user", headers={"X-XSRFToken": xsrf}, timeout=60).json()["name"] == NUMERIC


def test_the_course_admin_has_the_hubs_admin_page_and_students_do_not(hub, monkeypatch, capsys):
    assert _cli(hub, monkeypatch, "add", "it-admin", "--role", "admin") == 0
    hub.people["it-admin"] = _new_password(capsys)
    admin = hub.login("it-admin")
    assert admin.get(f"{hub.url}/hub/admin", timeout=60).status_code == 200
    # the admin page's "Add Users" (the same API call): refused, and the answer says how accounts are made
    xsrf = admin.cookies.get("_xsrf", path="/hub/") or ""
    added = admin.post(f"{hub.api}/users", json={"usernames": ["newkid"], "admin": False},
                       headers={"X-XSRFToken": xsrf}, timeout=60)
    assert added.status_code == 400, added.text
    assert "accounts add newkid" in added.json()["message"], added.text
    student = hub.login("ana")
    assert student.get(f"{hub.url}/hub/admin", timeout=60).status_code == 403


# --- nginx in front ---------------------------------------------------------------------------------------------

def test_static_files_come_from_nginxs_shared_cache_and_nothing_private_is_cached(hub):
    ana, ben = hub.session("ana"), hub.session("ben")
    asset = "voila/static/voila.js"
    first = ana.get(f"{hub.url}/user/ana/{asset}", timeout=60)
    assert first.status_code == 200 and first.headers.get("X-Cache-Status") in ("MISS", "HIT")
    other = ben.get(f"{hub.url}/user/ben/{asset}", timeout=60)  # ben's first request for it
    assert other.status_code == 200 and other.headers.get("X-Cache-Status") == "HIT"
    assert other.content == first.content and "Set-Cookie" not in other.headers
    hub_css = [ana.get(f"{hub.url}/hub/static/css/style.min.css", timeout=60) for _ in range(2)]
    assert [r.headers.get("X-Cache-Status") for r in hub_css][1] == "HIT"
    private = [f"{hub.url}/user/ana/voila/render/{EXPLORER}", f"{hub.url}/user/ana/voila/tree",
               f"{hub.url}/user/ana/triage/api/progress", f"{hub.url}/hub/api/user", f"{hub.url}/hub/home"]
    xsrf = ana.cookies.get("_xsrf", path="/user/ana/") or ""
    for url in private:
        for _ in range(2):
            r = ana.get(url, timeout=300, headers={"X-XSRFToken": xsrf})
            assert "X-Cache-Status" not in r.headers, url
    # addresses that nginx, once it has decoded and normalised them, takes for a static file but that are not
    # one as sent (the server would see another route): refused; and nothing else odd gets cached
    host, port = urlparse(hub.url).hostname, urlparse(hub.url).port
    for trick in ("api/..%2Fvoila/static/voila.js", "api/../voila/static/voila.js", "voila/static/x%2e%2e/voila.js",
                  "voila/templates/triage/x/%2e%2e/static/index.css"):
        conn = http.client.HTTPConnection(host, port, timeout=60)  # sent exactly as written (no normalising)
        conn.request("GET", f"/user/ana/{trick}")
        assert conn.getresponse().status == 404, trick
        conn.close()
    for trick in ("voila/static/..%2F..%2Fapi%2Fstatus", "voila/static/..%2F..%2Ftriage%2Fapi%2Fprogress"):
        for _ in range(2):
            r = ana.get(f"{hub.url}/user/ana/{trick}", timeout=60, headers={"X-XSRFToken": xsrf})
            assert not r.headers.get("X-Cache-Status"), (trick, r.status_code)
    page = ana.get(f"{hub.url}/user/ana/voila/render/{EXPLORER}", timeout=300).text
    kernel_id = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page)[1]
    cached = b"".join(f.read_bytes() for f in (hub.state / "nginx" / "cache").rglob("*") if f.is_file())
    secrets_seen = [kernel_id, hub.admin_token(), *(c.value for c in ana.cookies)]
    for secret in secrets_seen:  # this student's kernel, cookies (login, session, xsrf) and the admin token
        assert secret.encode() not in cached, secret


def test_a_stopped_server_leaves_no_runtime_folder(hub):
    tag = hashlib.sha256(str((hub.state / "homes").resolve()).encode()).hexdigest()[:8]
    hub.session(NUMERIC)
    folder = Path(tempfile.gettempdir()) / f"triage-rt-{tag}-{NUMERIC}"
    assert folder.exists()
    r = requests.delete(f"{hub.hub_api_direct()}/users/{NUMERIC}/server",
                        headers={"Authorization": f"token {hub.admin_token()}"}, timeout=120)
    assert r.status_code in (202, 204)
    assert _wait_for(lambda: not folder.exists(), timeout=120, pause=1), glob.glob(str(folder))
    hub.sessions.pop(NUMERIC, None)


# --- persistence (last: restarts the hub) --------------------------------------------------------------

def test_after_a_hub_restart_answers_are_kept_and_a_students_open_page_reopens_itself(hub, tokens, browser):
    """A student on a phone has Red flags open when the administrator restarts the hub as `make hub`'s Ctrl-C
    does (every student's server stops with it): the answers in the class store are still there afterwards
    (her token lives in the hub's database); the page says the connection is lost, and once the hub answers
    again ("server not running", 424) it reopens itself at the same address, the hub starts the student's
    server again and the app draws with a working connection; the student never sees an internal address or a
    raw server error, and the page does not keep asking a hub that has said the server is gone."""
    store_for(hub, tokens["ana"]).record_answer(hub_learner("ana"), "case-p", "where", ["physio"], True)
    app = "03_red_flags.ipynb"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT)
    checks: list[int] = []
    page.on("response", lambda r: checks.append(r.status) if "no_track_activity" in r.url else None)
    seen: list[str] = []
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", "ana")
    page.fill("#password_input", hub.people["ana"])
    page.click("#login_submit")
    page.wait_for_url("**/user/ana/voila/tree**", timeout=RENDER_TIMEOUT)
    page.goto(f"{hub.url}/user/ana/voila/render/{app}")
    expect(page.locator(".triage-app").first).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(page.locator("html")).to_have_attribute("data-triage-connection", "ok")

    stop_hub(hub)
    expect(page.locator(".triage-connection")).to_contain_text("No connection", timeout=30_000)
    seen.append(page.inner_text("body"))
    restarted = start_hub(hub.state, hub.people, hub.ports, config=hub.config,
                          extra_env={k: v for k, v in hub.env.items()
                                     if k.startswith("TRIAGE_CONTRACT") or k == "TRIAGE_HUB_FILL_DELAY"})
    hub.proc = restarted.proc
    answered_gone = len(checks)

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # the page may be between two documents
            if (urlparse(page.url).path == f"/user/ana/voila/render/{app}"  # the hub may add ?redirects=1
                    and page.locator(".triage-app").first.is_visible()
                    and page.evaluate("document.documentElement.dataset.triageConnection") == "ok"):
                break
            seen.append(page.inner_text("body"))
        time.sleep(1)
    else:
        pytest.fail(f"the page did not reopen by itself: {page.url}\n{page.inner_text('body')[:600]}\n"
                    f"checks answered: {checks}")
    assert 424 not in checks[answered_gone + 3:], f"the page kept asking after the hub said 'not running': {checks}"
    seen.append(page.inner_text("body"))
    for text in seen:
        assert "127.0.0.1" not in text and "Internal Server Error" not in text, text[:600]
    context.close()
    record = store_for(hub, tokens["ana"]).learner_record(hub_learner("ana"))
    assert record.case_answers("case-p")["where"].chosen == ("physio",)
