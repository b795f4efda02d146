"""The static site in a real browser: Chromium + Playwright against the built folder, served by a
plain file server on 127.0.0.1 (Python runs in the page, through Pyodide; there is no kernel server).

Every host but 127.0.0.1 is unresolvable in this Chromium, and every request is recorded, so a page
that needed the internet would both fail and be reported.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from support import viewport_checks as vc
from support.browser_support import ARGS, axe_source, chromium_path
from support.static_site import OFFLINE_ARGS, PAGE_REVALIDATE, STATIC_HOST_CACHE, built_site, serve

from tools.static_site.build import KERNEL_JS, ROOT, STAMP
from triage.content.course import student_apps

pytestmark = pytest.mark.browser
APPS = [a.stem for a in student_apps()]
# Pyodide starts in the page: downloading and compiling the runtime, then the kernel, then the notebook.
RENDER_TIMEOUT = 180_000
ERRORS = '[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error'


@pytest.fixture(scope="module")
def site():
    report = built_site()
    with serve(report.out) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=ARGS + OFFLINE_ARGS, headless=True)
        yield b
        b.close()


class Recorder:
    """Every request of a browser context (pages, workers, the service worker); others than 127.0.0.1 fail.
    ``block=False`` only records them (Playwright's routing turns the HTTP cache off; OFFLINE_ARGS still
    make every other host unresolvable)."""

    def __init__(self, context: BrowserContext, block: bool = True) -> None:
        self.external: list[str] = []
        self.drive_lookups: set[str] = set()  # the kernel's file-system calls on the drive's top folder, by id
        self.files: list[str] = []  # the file name of every request, in order
        context.on("request", self._seen)
        if block:
            context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), self._block)

    def _seen(self, request) -> None:
        self.files.append(urlparse(request.url).path.rsplit("/", 1)[-1])
        if urlparse(request.url).path == "/api/drive" and request.post_data:  # seen from worker and service worker
            call = json.loads(request.post_data).get("data", {})
            if call.get("method") == "getattr" and call.get("path") == "":
                self.drive_lookups.add(call.get("requestId", ""))
        host = urlparse(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host != "127.0.0.1":
            self.external.append(request.url)

    def _block(self, route) -> None:
        if route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()


@pytest.fixture(scope="module")
def profile(browser):
    """One browser profile for the module: its HTTP cache and its saved answers are shared, as a student's are."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    recorder = Recorder(context)
    yield context, recorder
    context.close()


def code_cells(stem: str) -> int:
    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    return sum(1 for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip())


def open_app(page: Page, site: str, stem: str) -> None:
    """Open a student app and wait until every code cell has its output (each one shows an app or prints)."""
    page.goto(f"{site}/voici/render/{stem}.html", wait_until="load")
    outputs = page.locator(".jp-OutputArea-output")
    expected = code_cells(stem)
    try:
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-OutputArea-output').length >= n", arg=expected,
            timeout=RENDER_TIMEOUT)
    except Exception:  # the assertion below says what is missing
        pass
    assert outputs.count() >= expected, f"{stem}: {outputs.count()} of {expected} code cells produced output"
    if stem != "00_start_here":  # the only notebook without a widget app
        expect(page.locator(".triage-notice").first).to_be_visible(timeout=RENDER_TIMEOUT)


def kernel_workers(page: Page) -> list[list]:
    """Each of the page's kernel workers: [the first word of its name, whether it was started early and used]."""
    return [w.evaluate("[self.name.split(' ')[0], self.triagePrestart || null]") for w in page.workers
            if KERNEL_JS in w.url]


def kernel_worker_urls(page: Page) -> list[str]:
    return [urlparse(w.url)._replace(netloc="").geturl() for w in page.workers if KERNEL_JS in w.url]


@pytest.fixture(scope="module")
def loaded(site, profile):
    """Each student app loaded once (each load starts Python in the browser) and kept for the module."""
    context, recorder = profile
    pages: dict[str, Page] = {}

    def get(stem: str) -> tuple[Page, Recorder]:
        if stem not in pages:
            pages[stem] = page = context.new_page()
            page.set_default_timeout(RENDER_TIMEOUT)
            before = len(recorder.drive_lookups)
            open_app(page, site, stem)
            page.drive_lookups = len(recorder.drive_lookups) - before  # while this app started
        return pages[stem], recorder

    yield get
    for page in pages.values():
        page.close()


@pytest.fixture(params=APPS)
def app_page(request, loaded):
    """A student app as loaded; the tests taking it only read it."""
    return loaded(request.param)


def test_every_student_app_renders_with_no_cell_error(app_page):
    page, recorder = app_page
    errors = page.locator(ERRORS)
    assert errors.count() == 0, errors.all_inner_texts()[:3]
    assert recorder.external == []


def test_no_student_app_shows_a_knowledge_base_id(app_page):
    page, _ = app_page
    vc.open_disclosures(page)
    assert vc.raw_ids(page) == []


def test_axe_finds_no_serious_or_critical_violations(app_page):
    page, _ = app_page
    bad = vc.axe_problems(page)  # WCAG 2.0-2.2 A and AA rules
    assert bad == [], "\n".join(bad)


@pytest.fixture(scope="module")
def first_visit(browser, site):
    """A new profile's first page, the case player: the site's service worker, which carries the drive where
    answers are kept, does not control it yet, so the kernel starts its worker when it asks (no early start,
    see PRESTART_JS)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    recorder = Recorder(context)
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT)
    open_app(page, site, "05_case_studies")
    page.drive_lookups = len(recorder.drive_lookups)
    yield page, recorder
    context.close()


def test_python_in_the_page_does_not_search_the_drive_for_installed_packages(first_visit):
    """The kernel works in the drive (the browser's contents); a look there is a round trip through the page.
    Installed packages must be found first (the build's CWD_LAST): 94 looks per start without it, 25 with
    (the explorer). A page started early imports the kernel before the drive is there and looks in it less."""
    page, _ = first_visit
    assert kernel_workers(page) == [["", None]]
    assert 0 < page.drive_lookups <= 40, page.drive_lookups


@pytest.fixture
def page(site, profile):
    context, recorder = profile
    p = context.new_page()
    p.set_default_timeout(RENDER_TIMEOUT)
    yield p
    p.close()
    assert recorder.external == []


def test_explorer_red_flag_gives_the_emergency_disposition(loaded):
    page, recorder = loaded("04_triage_explorer")  # runs after the read-only tests above
    verdict = page.locator(".triage-verdict")
    expect(verdict).to_contain_text("Urgency: ROUTINE")
    page.get_by_role("checkbox", name="New loss of bowel or bladder control").check()
    expect(verdict).to_contain_text("Urgency: EMERGENCY")
    expect(verdict).to_contain_text("Emergency department")
    assert recorder.external == []


def test_case_player_answer_shows_feedback_and_survives_a_reload(loaded, site):
    page, recorder = loaded("05_case_studies")
    question = page.locator(".triage-question").first
    question.get_by_role("radio").first.check()
    question.get_by_role("button", name="Check answer").click()
    feedback = question.locator(".triage-feedback")
    expect(feedback).to_contain_text(re.compile("Correct|Not quite"))
    verdict = feedback.inner_text().strip().splitlines()[0]  # "Correct." or "Not quite."
    expect(page.locator(".triage-score")).to_contain_text("1 answered")

    open_app(page, site, "05_case_studies")  # load the page again: a new Python in the browser
    expect(page.locator(".triage-score")).to_contain_text("1 answered")
    expect(page.locator(".triage-question").first.locator(".triage-feedback")).to_contain_text(verdict)
    assert recorder.external == []


def test_answers_given_on_a_first_visit_are_kept(first_visit, site):
    page, recorder = first_visit
    question = page.locator(".triage-question").first
    question.get_by_role("radio").first.check()
    question.get_by_role("button", name="Check answer").click()
    expect(question.locator(".triage-feedback")).to_contain_text(re.compile("Correct|Not quite"))
    expect(page.locator(".triage-score")).to_contain_text("1 answered")  # saved
    open_app(page, site, "05_case_studies")  # now under the service worker: started early
    assert kernel_workers(page) == [["triage-prestart", "used"]]
    expect(page.locator(".triage-score")).to_contain_text("1 answered")
    assert recorder.external == []


def test_the_landing_page_links_every_student_app(page, site):
    page.goto(f"{site}/", wait_until="load")
    links = page.locator("ul.apps a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        f"voici/render/{stem}.html" for stem in APPS]
    assert vc.raw_ids(page) == []
    page.add_script_tag(content=axe_source())
    result = page.evaluate("async () => await axe.run(document)")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []


def test_app_pages_restore_python_from_the_snapshot_and_fetch_no_wheel(browser, site):
    """The app pages start Python from the build's memory snapshot (tools.static_site.snapshot): a new
    profile fetches the snapshot and its pack of files, and not one wheel; the next visit takes both
    from the origin's Cache Storage and fetches neither."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    recorder = Recorder(context)
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT)
    open_app(page, site, "04_triage_explorer")
    expect(page.locator(".triage-verdict")).to_contain_text("Urgency: ROUTINE")
    first = list(recorder.files)
    first_kernel = kernel_workers(page)
    first_url = kernel_worker_urls(page)
    answered: list[tuple[str, bool]] = []  # (path, answered by the service worker), on the next visit
    context.on("response", lambda r: answered.append((urlparse(r.url).path, r.from_service_worker)))
    page.wait_for_function("async () => (await (await caches.open('triage-snapshot')).keys()).length === 2")
    open_app(page, site, "04_triage_explorer")
    expect(page.locator(".triage-verdict")).to_contain_text("Urgency: ROUTINE")
    again = recorder.files[len(first):]
    again_kernel = kernel_workers(page)
    again_url = kernel_worker_urls(page)
    context.close()
    # a first visit: the kernel starts its worker (the site's service worker does not control the page yet);
    # the next: the page started it before its scripts asked (PRESTART_JS), and the kernel took it
    assert first_kernel == [["", None]] and again_kernel == [["triage-prestart", "used"]]
    assert again_url == first_url and "?v=" in first_url[0]  # one script in the cache, as the kernel names it
    # the service worker answers the drive, the page (raced with the network, for when it fails) and the
    # kernel's worker's runtime files; the page's scripts go to the browser (direct_service_worker)
    assert [p for p, sw in answered if sw and "/api/" not in p and not p.startswith("/static/pyodide/")
            and p != "/voici/render/04_triage_explorer.html"] == []
    assert [p for p, sw in answered if sw and p.endswith("/api/drive")]
    assert [f for f in first if f.startswith("snapshot-") and f.endswith(".bin.gz")]
    assert [f for f in first if f.startswith("site-") and f.endswith(".bin.gz")]
    assert [f for f in first if f.endswith(".whl")] == []
    assert [f for f in again if f.endswith(".bin.gz")] == [] and "pyodide.asm.wasm" in again
    assert recorder.external == []


# Chromium keeps no compiled code for a smaller script.
CODE_CACHE_MIN_BYTES = 1024


def compiled(page: Page, load) -> dict[str, bool]:
    """Each script V8 compiled on ``page`` while ``load()`` ran: its URL, and whether its compiled code came
    from the browser's code cache (from a Chromium trace)."""
    cdp = page.context.new_cdp_session(page)
    events: list[dict] = []
    done: list[bool] = []
    cdp.on("Tracing.dataCollected", lambda p: events.extend(p["value"]))
    cdp.on("Tracing.tracingComplete", lambda p: done.append(True))
    cdp.send("Tracing.start", {"categories": "devtools.timeline,v8", "transferMode": "ReportEvents"})
    load()
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(100)
    cdp.detach()
    scripts: dict[str, bool] = {}
    for e in events:
        data = (e.get("args") or {}).get("data") or {}
        if e.get("name") == "v8.compile" and data.get("url", "").startswith("http"):
            scripts[urlparse(data["url"]).path] = data.get("consumedCacheSize", 0) > 0 and not data.get("cacheRejected")
    return scripts


def test_a_first_visit_leaves_its_compiled_scripts_to_the_next(browser, tmp_path):
    """Chromium keeps a script's compiled code only once it has run it twice, so a second visit used to
    compile voici's scripts again and write the cache while the app started. The app pages run those
    scripts a second time when the first visit is ready (tools.static_site.codecache): the next visit
    compiles them from the cache. A profile on disk, as a student's is (a private one keeps no code),
    and a server that says how long files stay fresh, as static hosts do (and as the benchmark serves)."""
    out = built_site().out
    with serve(out, cache_control=STATIC_HOST_CACHE) as site:
        context = browser.browser_type.launch_persistent_context(
            str(tmp_path), executable_path=chromium_path(), args=ARGS + OFFLINE_ARGS, headless=True,
            viewport={"width": 1280, "height": 900})
        recorder = Recorder(context, block=False)  # the HTTP cache on: the code cache lives in it
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(RENDER_TIMEOUT)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        first = compiled(page, lambda: open_app(page, site, "04_triage_explorer"))
        key = "triage-code-cache /voici/render/04_triage_explorer.html"
        try:  # the app ready, two seconds, then a quiet moment
            page.wait_for_function("key => localStorage.getItem(key) !== null", arg=key, timeout=60_000)
        except PlaywrightTimeoutError:
            pass  # asserted below
        warmed = page.evaluate("key => localStorage.getItem(key)", key)
        page.wait_for_timeout(200)
        frames_left = page.locator("iframe").count()
        page.goto("about:blank")
        second = compiled(page, lambda: open_app(page, site, "04_triage_explorer"))
        context.close()
    chunks = sorted(p for p in first if p.startswith("/voici/build/") and not p.endswith("/voici.js")
                    and (out / p.lstrip("/")).stat().st_size >= CODE_CACHE_MIN_BYTES)
    assert len(chunks) >= 50, sorted(first)
    assert [p for p in chunks if first[p]] == []  # a new profile has no compiled code
    build = json.loads((out / STAMP).read_text(encoding="utf-8"))["inputs"][:16]
    assert warmed == build, "the first visit did not run its scripts again within a minute"
    assert frames_left == 0  # the hidden frame is gone once its scripts ran
    assert [p for p in chunks if not second.get(p)] == []
    assert errors == [] and recorder.external == []


def test_the_lab_runs_a_notebook_with_its_widgets(page, site, profile):
    """Students who want to read the code open the notebooks in JupyterLab, in the same browser."""
    _, recorder = profile
    before = len(recorder.files)
    page.goto(f"{site}/lab/index.html?path=04_triage_explorer.ipynb", wait_until="load")
    expect(page.get_by_text("Python (Pyodide) | Idle").first).to_be_visible(timeout=RENDER_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    expect(page.locator(".triage-verdict")).to_contain_text("Urgency: ROUTINE", timeout=RENDER_TIMEOUT)
    errors = page.locator(ERRORS)
    assert errors.count() == 0, errors.all_inner_texts()[:3]
    # the lab's kernel has jedi, for Tab completion (the apps' kernels leave it out)
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type("import jedi; jedi.__version__")
    page.keyboard.press("Shift+Enter")
    cell = page.locator(".jp-Notebook .jp-CodeCell", has_text="jedi.__version__")
    expect(cell.locator(".jp-OutputArea-output")).to_have_text(
        re.compile(r"'\d+\.\d+\.\d+'"), timeout=RENDER_TIMEOUT)
    # the lab starts Python the ordinary way (other packages, another environment): no snapshot
    lab_files = recorder.files[before:]
    assert [w.evaluate("self.name") for w in page.workers if KERNEL_JS in w.url] == [""]  # nor an early start
    assert [f for f in lab_files if f.startswith("jedi-")] and not [f for f in lab_files if f.startswith("snapshot-")]


# -- where the apps cannot start, and where answers are kept -----------------------------------------------

LAN_NAME = "triage-lan.test"  # a name for another computer's address, mapped to 127.0.0.1: nothing leaves loopback


@pytest.fixture(scope="module")
def lan_browser(browser):
    """A Chromium that resolves LAN_NAME to 127.0.0.1 (and nothing else but 127.0.0.1): the site as a
    student would open it over plain http from another computer, without any traffic leaving loopback."""
    rules = f"--host-resolver-rules=MAP {LAN_NAME} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
    b = browser.browser_type.launch(executable_path=chromium_path(), args=[*ARGS, rules], headless=True)
    yield b
    b.close()


def problem_box(page: Page):
    box = page.locator(".triage-static-problem[role=alert]")
    expect(box).to_be_visible(timeout=15_000)  # said at once, not after a long spin
    return box


@pytest.mark.parametrize("where", ["voici/render/04_triage_explorer.html", ""], ids=["app", "home"])
def test_over_plain_http_to_another_computer_the_page_says_what_to_do(lan_browser, site, where):
    port = urlparse(site).port
    context = lan_browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"http://{LAN_NAME}:{port}/{where}", wait_until="load")
    box = problem_box(page)
    expect(box).to_contain_text("need a secure address")
    expect(box).to_contain_text("https://")
    expect(box).to_contain_text(f"http://localhost:{port}/")
    lab = box.get_by_role("link", name="JupyterLab in your browser")
    assert lab.get_attribute("href") == ("../../" if where else "") + "lab/index.html"
    in_view = page.evaluate("() => { const r = document.querySelector('.triage-static-problem')"
                            ".getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && "
                            "r.right <= innerWidth; }")
    assert in_view, "the message must be on the phone's screen, not below it"
    context.close()


@pytest.mark.parametrize("where", ["voici/render/04_triage_explorer.html", "index.html"], ids=["app", "home"])
def test_opened_from_a_file_the_page_says_how_to_serve_the_folder(browser, site, where):
    report = built_site()
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto((report.out / where).as_uri(), wait_until="load")
    box = problem_box(page)
    expect(box).to_contain_text("file://")
    expect(box).to_contain_text("python3 -m http.server --bind 127.0.0.1")
    expect(box).to_contain_text("http://127.0.0.1:8000/")
    context.close()


def test_a_secure_page_shows_no_problem_note(loaded):
    page, _ = loaded("04_triage_explorer")
    assert page.locator(".triage-static-problem").count() == 0


def test_drill_answers_save_without_errors_and_the_lab_finds_them(page, site, profile):
    """The app pages and the lab keep the drive in one browser database: a drill answer given in an app page
    is there when the same notebook runs in the lab. Saving puts no error in the console (JupyterLite asked
    the site for a listing of the answers' folder, a 404, on the pages' saves)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    open_app(page, site, "03_red_flags")
    progress = page.locator(".triage-progress")
    start = int(re.search(r"Scenario (\d+) of", progress.inner_text())[1])
    for _ in range(3):
        page.locator(".triage-answer-routine").click()
        expect(page.locator(".triage-feedback")).to_contain_text(re.compile("Right|Not quite"))
        page.locator(".triage-next").click()
    expect(progress).to_contain_text(f"Scenario {start + 3} of")
    page.wait_for_timeout(1500)  # the last save's requests
    assert problems == []
    # the site's link to the lab, then the drill's notebook opened by name (File, Open from Path), whatever the
    # lab brings back of the profile's earlier layout (the explorer, from the lab test above; the file browser
    # folded away or not)
    page.goto(f"{site}/lab/index.html", wait_until="load")
    page.get_by_role("menuitem", name="File", exact=True).click(timeout=RENDER_TIMEOUT)
    page.get_by_role("menuitem", name=re.compile("^Open from Path")).click()
    page.locator(".jp-Dialog input").fill("03_red_flags.ipynb")
    page.locator(".jp-Dialog input").press("Enter")
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab").filter(has_text="03_red_flags.ipynb")
    expect(tab.first).to_have_class(re.compile("lm-mod-current"), timeout=RENDER_TIMEOUT)
    expect(page.get_by_text("Python (Pyodide) | Idle").first).to_be_visible(timeout=RENDER_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    expect(page.locator(".triage-progress")).to_contain_text(f"Scenario {start + 3} of", timeout=RENDER_TIMEOUT)


# -- when the network drops ------------------------------------------------------------------------------------


def offline_kept(page: Page) -> None:
    """Wait until the page has kept its offline copy (tools.static_site.offline); a page that keeps none is
    caught by the reload that follows."""
    try:
        page.wait_for_function("() => document.documentElement.dataset.triageKept", timeout=60_000)
    except PlaywrightTimeoutError:
        pass


def load_error(page: Page, url: str) -> str | None:
    """Open ``url``; the browser's error (its "no internet" page), or None when the page came."""
    try:
        page.goto(url, wait_until="load")
    except PlaywrightError as e:
        return str(e).splitlines()[0]
    return None


def drill_answer(page: Page, progress_before: int) -> None:
    page.locator(".triage-answer-routine").click()
    expect(page.locator(".triage-feedback")).to_contain_text(re.compile("Right|Not quite"))
    page.locator(".triage-next").click()
    expect(page.locator(".triage-progress")).to_contain_text(f"Scenario {progress_before + 1} of")


@pytest.fixture(scope="module")
def host_site():
    """The site as a web host serves it: files fresh for 10 minutes (GitHub Pages), pages checked again on
    every visit (so a page never comes from the browser's HTTP cache without the network)."""
    with serve(built_site().out, cache_control=STATIC_HOST_CACHE, page_cache_control=PAGE_REVALIDATE) as url:
        yield url


def test_a_student_who_loses_the_network_reloads_the_app_and_the_home_page_and_keeps_answering(browser, host_site):
    """A phone on a train: the home page and the red-flag drill opened once online, one answer; then the
    network drops. Reloading the drill and opening the home page both work, the answer is still there, and a
    new answer is kept; back online, the drill still has both. (A page that was open kept working offline
    before too; a reload showed the browser's "no internet" page.)"""
    site = host_site
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    recorder = Recorder(context, block=False)  # the HTTP cache on: Chromium takes the app's scripts from it
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT)
    drill = f"{site}/voici/render/03_red_flags.html"
    page.goto(f"{site}/", wait_until="load")
    offline_kept(page)
    open_app(page, site, "03_red_flags")
    progress = page.locator(".triage-progress")
    start = int(re.search(r"Scenario (\d+) of", progress.inner_text())[1])
    drill_answer(page, start)
    offline_kept(page)

    context.set_offline(True)
    assert load_error(page, drill) is None
    expect(progress).to_contain_text(f"Scenario {start + 1} of", timeout=RENDER_TIMEOUT)  # the answer before
    assert page.locator(ERRORS).count() == 0
    drill_answer(page, start + 1)
    page.wait_for_timeout(1500)  # the save's requests (to the drive, in this browser)
    assert load_error(page, f"{site}/") is None
    links = page.locator("ul.apps a")
    assert links.count() == len(APPS)
    links.nth(APPS.index("03_red_flags")).click()  # from the home page to the drill, still offline
    expect(progress).to_contain_text(f"Scenario {start + 2} of", timeout=RENDER_TIMEOUT)  # the offline answer

    context.set_offline(False)
    open_app(page, site, "03_red_flags")
    expect(progress).to_contain_text(f"Scenario {start + 2} of")
    drill_answer(page, start + 2)
    context.close()
    assert recorder.external == []
