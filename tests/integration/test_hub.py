"""The suite on a real JupyterHub: login, lean student servers, isolation, and the class-store service.

One hub (deploy/jupyterhub_config.py, the pinned configurable-http-proxy, the class-store service and
the idle culler) is started for this module; two students (ana, ben) and an instructor (teacher) log
in. All tests here are module-level functions so that pytest-xdist's loadscope keeps them on one
worker with one hub.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from jupyterhub.services.auth import HubAuth
from playwright.sync_api import expect
from support.hub_support import free_port, run_in_kernel, running_hub, start_hub, stop_hub
from support.store_contract import ANA, BEN, StoreContract
from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPServerConnectionDelegate
from tornado.web import Application

from triage.errors import AccessDeniedError
from triage.hubservice.service import make_app
from triage.store import open_store
from triage.store.hub import HubStore
from triage.store.identity import Learner

pytestmark = [pytest.mark.server]
STUDENTS, INSTRUCTORS = ["ana", "ben", "zed"], ["teacher"]
EXPLORER = "04_triage_explorer.ipynb"
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
    extra = {"TRIAGE_CONTRACT_PORT": str(CONTRACT_PORT), "TRIAGE_CONTRACT_TOKEN": CONTRACT_TOKEN}
    config = Path(__file__).resolve().parents[1] / "support" / "hub_contract_config.py"
    with running_hub(STUDENTS, INSTRUCTORS, extra_env=extra, config=config) as h:
        yield h


@pytest.fixture(scope="module")
def tokens(hub):
    """Each person's own hub token (inheriting their permissions), asked for with their own login; the four
    servers start side by side."""
    names = [*STUDENTS, *INSTRUCTORS]
    with ThreadPoolExecutor(len(names)) as pool:
        return dict(zip(names, pool.map(hub.token, names), strict=True))


def store_for(hub, token: str) -> HubStore:
    return HubStore(hub.store_url, token)


def hub_learner(name: str) -> Learner:
    return Learner(f"hub:{name}", name, "hub")


# --- login, landing, sources, isolation of servers -----------------------------------------------------

def test_two_students_log_in_through_the_form_and_land_on_the_apps_offline(hub, browser):
    """Chromium: the real login form; each lands on the landing page, opens the explorer; nothing leaves 127.0.0.1;
    closing the tab shuts its kernel down."""
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
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{name}/voila/tree**", timeout=RENDER_TIMEOUT)
        expect(page.locator(f"a[href*='{EXPLORER}']").first).to_be_visible()
        page.goto(f"{hub.url}/user/{name}/voila/render/{EXPLORER}")
        expect(page.locator(".triage-notice").first).to_be_visible(timeout=RENDER_TIMEOUT)
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
    store_for(hub, tokens["ben"]).record_answer(hub_learner("ben"), "case-r", "where", ["ed"], False)
    teacher = store_for(hub, tokens["teacher"])
    rows = [(r.learner_key, r.case_id, r.chosen) for r in teacher.class_answers()]
    assert ("hub:ben", "case-r", ("ed",)) in rows
    assert teacher.learner_record(hub_learner("ben")).case_answers("case-r")["where"].chosen == ("ed",)
    csv_text = requests.get(f"{hub.store_url}api/answers?format=csv",
                            headers={"Authorization": f"token {tokens['teacher']}"}, timeout=60).text
    assert csv_text.splitlines()[0].startswith("session_id,learner_key,display_name")
    assert any(line.startswith(f"{teacher.current_session().id},hub:ben,ben,case-r") for line in csv_text.splitlines())
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
    """A student runs code in their own kernel: the class store answers only for them, and neither the
    database nor another student's home can be read from the file system."""
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
me = Learner("hub:ana", "ana", "hub")
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
"""
    assert os.geteuid() == 0, "students' servers run as their own user ids only under a root hub (as in CI)"
    out = run_in_kernel(hub, "ana", tokens["ana"], code)
    assert "backend HubStore ana" in out, out
    assert "own ('gp',)" in out, out
    assert "ben denied" in out and "class denied" in out, out
    assert out.count(" denied\n") == 5 and "READ" not in out, out


def test_the_students_server_token_reaches_the_service_and_the_instructors_reads_the_class(hub, tokens):
    """The token JupyterHub gives each server (and its kernels) has access:services for the store, plus the
    instructor scope for members of the instructors group only."""
    code = "import os, json, urllib.request as u\n" \
           "r = u.Request(os.environ['TRIAGE_STORE_URL'] + 'api/me', " \
           "headers={'Authorization': 'token ' + os.environ['JUPYTERHUB_API_TOKEN']})\n" \
           "print(json.dumps(json.load(u.urlopen(r))))"
    hub.session("teacher")
    seen = {name: json.loads(run_in_kernel(hub, name, tokens[name], code).strip().splitlines()[-1])
            for name in ("ana", "teacher")}
    assert seen["ana"] == {"name": "ana", "key": "hub:ana", "instructor": False}
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
    ana = run_in_kernel(hub, "ana", tokens["ana"], code)
    assert "mode hub key None unlocked False False" in ana, ana
    assert "class \n" in ana and "instructors" in ana.split("gate ", 1)[1]  # told why; nothing of the class


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


# --- persistence (last: restarts the hub) --------------------------------------------------------------

def test_answers_persist_across_a_hub_and_service_restart(hub, tokens):
    store_for(hub, tokens["ana"]).record_answer(hub_learner("ana"), "case-p", "where", ["physio"], True)
    stop_hub(hub)
    restarted = start_hub(hub.state, hub.people, hub.ports, config=hub.config,
                          extra_env={k: v for k, v in hub.env.items() if k.startswith("TRIAGE_CONTRACT")})
    hub.proc = restarted.proc
    record = store_for(hub, tokens["ana"]).learner_record(hub_learner("ana"))  # tokens live in the hub's database
    assert record.case_answers("case-p")["where"].chosen == ("physio",)
