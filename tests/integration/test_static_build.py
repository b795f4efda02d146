"""The static build (`make static`): its pieces on small inputs, then the real folder it made."""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import sys
import types
import zipfile
from pathlib import Path

import pytest
from support.static_site import built_site, run_node

from tools.static_site.build import (
    KERNEL_INSTALLS,
    KERNEL_JS,
    KERNEL_PLUGIN,
    LAZY_EMBED,
    ROOT,
    WIDGET_TARGETS,
    WheelInfo,
    browser_depends,
    cache_root,
    direct_service_worker,
    external_requests,
    inputs_digest,
    patched_wheel,
    placeholder_wheel,
    preloaded_wheels,
    read_pins,
    toolchain,
    wheel_info,
)
from tools.static_site.wheel_pyc import compile_wheel, compile_zip, write_wheel
from triage.content.course import course, student_apps
from triage.domain import sources
from triage.errors import KnowledgeError, TriageError

# ---------------------------------------------------------------------------------------- pieces


def test_pins_must_name_one_version(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("# comment\nIPython==9.0.2  # why\nprompt_toolkit==3.0.50\n")
    assert read_pins(good) == {"ipython": "9.0.2", "prompt-toolkit": "3.0.50"}
    bad = tmp_path / "bad.txt"
    bad.write_text("ipython>=9\n")
    with pytest.raises(TriageError, match="name==version"):
        read_pins(bad)


def test_external_requests_finds_what_a_browser_would_fetch(tmp_path):
    (tmp_path / "page.html").write_text(
        '<link rel="stylesheet" href="https://cdn.example.org/fa.css">'
        '<script src="//unpkg.com/x.js"></script><img src="local.png">'
        '<a href="https://www.nice.org.uk/guidance/ng59">a link the student may follow</a>'
        '<style>@import "https://fonts.example.com/f.css";</style>'
    )
    (tmp_path / "theme.css").write_text('.x { background: url("https://cdn.example.org/i.png") } .y { url(local.png) }')
    (tmp_path / "jupyter-lite.json").write_text(json.dumps(
        {"jupyter-config-data": {"pyodideUrl": "https://cdn.jsdelivr.net/pyodide/v0.29.0/full/pyodide.js"}}))
    (tmp_path / "bundle.js").write_text('const DEFAULT = "https://cdn.jsdelivr.net/pyodide/";  // overridden')
    found = external_requests(tmp_path)
    assert sorted(f.split(": ", 1)[0] for f in found) == ["jupyter-lite.json", "page.html", "page.html",
                                                          "page.html", "theme.css"]
    assert not any("nice.org.uk" in f or "bundle.js" in f for f in found)


def test_browser_depends_applies_pyodide_markers_and_refuses_unknown_requirements():
    info = WheelInfo("ipython", "9.0.2", Path("ipython-9.0.2-py3-none-any.whl"), ("IPython",), (
        "decorator", "pexpect>4.3; sys_platform != 'win32' and sys_platform != 'emscripten'",
        "typing_extensions>=4.6; python_version < '3.12'", "colorama; sys_platform == 'win32'",
        "pytest; extra == 'test'", "Stack_Data"))
    assert browser_depends(info, {"decorator", "stack-data"}) == ["decorator", "stack-data"]
    with pytest.raises(TriageError, match="requires Stack_Data"):
        browser_depends(info, {"decorator"})


def test_placeholder_wheel_installs_no_module(tmp_path):
    wheel = placeholder_wheel(tmp_path, "sqlite3", "0.0.0", "placeholder")
    info = wheel_info(wheel)
    assert (info.name, info.version, info.imports) == ("sqlite3", "0.0.0", ())
    assert all(n.startswith("sqlite3-0.0.0.dist-info/") for n in zipfile.ZipFile(wheel).namelist())


def _wheel(tmp_path: Path) -> Path:
    src = tmp_path / "demo-1.0-py3-none-any.whl"
    write_wheel(src, {"demo/__init__.py": b"VALUE = 41 + 1\n", "demo/broken_py2.py": b"print 'old'\n",
                      "demo/data.txt": b"text", "demo-1.0.dist-info/METADATA": b"Name: demo\nVersion: 1.0\n"},
                "demo-1.0.dist-info/RECORD")
    return src


@pytest.mark.parametrize("keep_source", [False, True])
def test_compiled_wheels_import_from_bytecode(tmp_path, keep_source, monkeypatch):
    src = _wheel(tmp_path)
    dst = tmp_path / "out" / src.name
    dst.parent.mkdir()
    assert compile_wheel(src, dst, keep_source=keep_source) == 1  # broken_py2 stays as it is
    site = tmp_path / "site"
    with zipfile.ZipFile(dst) as z:
        names = set(z.namelist())
        z.extractall(site)
        record = z.read("demo-1.0.dist-info/RECORD").decode()
    tag = sys.implementation.cache_tag
    assert "demo/broken_py2.py" in names and "demo/data.txt" in names
    if keep_source:
        assert {"demo/__init__.py", f"demo/__pycache__/__init__.{tag}.pyc"} <= names
    else:
        assert "demo/__init__.pyc" in names and "demo/__init__.py" not in names
    for line in record.splitlines()[:-1]:
        name, digest, size = line.split(",")
        data = (site / name).read_bytes()
        assert int(size) == len(data) and digest.startswith("sha256=")
    monkeypatch.syspath_prepend(str(site))
    module = importlib.import_module("demo")
    assert module.VALUE == 42
    assert module.__spec__.cached.endswith(".pyc") and Path(module.__spec__.cached).exists()
    sys.modules.pop("demo", None)


def _ipython_like(tmp_path: Path, init: bytes) -> Path:
    """A wheel named like IPython's whose package is ``lazydemo`` (so importing it here is harmless)."""
    src = tmp_path / "ipython-9.0.2-py3-none-any.whl"
    write_wheel(src, {"IPython/__init__.py": init,
                      "ipython-9.0.2.dist-info/METADATA": b"Name: ipython\nVersion: 9.0.2\n"},
                "ipython-9.0.2.dist-info/RECORD")
    return src


def test_ipython_in_the_browser_imports_its_terminal_shell_only_for_embed(tmp_path, monkeypatch):
    init = b"import sys\n" + LAZY_EMBED[0] + b"VERSION = 9\n"
    out = tmp_path / "out"
    out.mkdir()
    patched = patched_wheel(_ipython_like(tmp_path, init), out)
    assert patched.parent == out
    site = tmp_path / "site"
    (site / "lazydemo" / "terminal").mkdir(parents=True)
    (site / "lazydemo" / "__init__.py").write_bytes(zipfile.ZipFile(patched).read("IPython/__init__.py"))
    (site / "lazydemo" / "terminal" / "__init__.py").write_text("")
    (site / "lazydemo" / "terminal" / "embed.py").write_text("def embed():\n    return 'shell'\n")
    monkeypatch.syspath_prepend(str(site))
    try:
        module = importlib.import_module("lazydemo")
        assert module.VERSION == 9 and "lazydemo.terminal.embed" not in sys.modules
        assert module.embed() == "shell" and "lazydemo.terminal.embed" in sys.modules
        with pytest.raises(AttributeError, match="no attribute 'missing'"):
            module.missing  # noqa: B018
    finally:
        for name in [n for n in sys.modules if n.startswith("lazydemo")]:
            sys.modules.pop(name)


def test_the_kernel_registers_the_widget_targets_of_an_ipywidgets_imported_before_it(tmp_path):
    """On the app pages ipywidgets is imported before the kernel (memory snapshot); the kernel's __init__
    then registers its comm targets. Where ipywidgets is not imported yet, it does nothing."""
    src = tmp_path / "pyodide_kernel-0.7.0-py3-none-any.whl"
    write_wheel(src, {"pyodide_kernel/__init__.py": b"stderr_stream = 'stream'\n" + WIDGET_TARGETS[0]},
                "pyodide_kernel-0.7.0.dist-info/RECORD")
    (tmp_path / "out").mkdir()
    code = zipfile.ZipFile(patched_wheel(src, tmp_path / "out")).read("pyodide_kernel/__init__.py")
    calls = []
    widgets = types.SimpleNamespace(_handle_ipython=lambda: calls.append("registered"))
    for modules, expected in (({}, []), ({"ipywidgets": widgets}, ["registered"])):
        fake_sys = types.SimpleNamespace(modules=modules, stderr=None)
        exec(compile(code, "pyodide_kernel/__init__.py", "exec"), {"sys": fake_sys})  # as the kernel runs it
        assert fake_sys.stderr == "stream" and calls == expected


def test_preloaded_wheels_follow_dependencies_through_the_lock(tmp_path):
    lock = {"packages": {
        "app": {"file_name": "app-1-py3-none-any.whl", "depends": ["lib-a"]},
        "lib-a": {"file_name": "lib_a-1-py3-none-any.whl", "depends": ["lib-b"]},
        "lib-b": {"file_name": "lib_b-1-py3-none-any.whl", "depends": []},
        "unused": {"file_name": "unused-1-py3-none-any.whl", "depends": []},
    }}
    assert [p.name for p in preloaded_wheels(lock, ["app"], tmp_path)] == [
        "app-1-py3-none-any.whl", "lib_a-1-py3-none-any.whl", "lib_b-1-py3-none-any.whl"]
    assert preloaded_wheels(lock, ["lib_b"], tmp_path) == [tmp_path / "lib_b-1-py3-none-any.whl"]
    with pytest.raises(TriageError, match="'missing' is preloaded but not in the lock file"):
        preloaded_wheels(lock, ["app", "missing"], tmp_path)


def test_a_wheel_patch_that_no_longer_matches_fails_the_build(tmp_path):
    with pytest.raises(TriageError, match=r"IPython/__init__.py no longer has the line"):
        patched_wheel(_ipython_like(tmp_path, b"from .terminal.embed import embed as _e\n"), tmp_path)
    other = _wheel(tmp_path)
    assert patched_wheel(other, tmp_path / "unused") == other  # no patch for it: the wheel itself


def test_a_compiled_archive_imports_without_sources(tmp_path, monkeypatch):
    src, dst = tmp_path / "lib.zip", tmp_path / "lib-compiled.zip"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("zlibdemo/__init__.py", "ANSWER = 6 * 7\n")
        z.writestr("zlibdemo/notes.txt", "kept")
    assert compile_zip(src, dst) == 1
    assert sorted(zipfile.ZipFile(dst).namelist()) == ["zlibdemo/__init__.pyc", "zlibdemo/notes.txt"]
    monkeypatch.syspath_prepend(str(dst))
    module = importlib.import_module("zlibdemo")
    assert module.ANSWER == 42 and module.__file__.endswith(".pyc")
    sys.modules.pop("zlibdemo", None)


def test_the_inputs_digest_follows_cases_notebooks_and_code_but_not_caches(tmp_path):
    for rel in ("pyproject.toml", "README.md", "requirements/static-npm.txt", "triage/domain/engine.py",
                "case_studies/a.yaml", "notebooks/04_triage_explorer.ipynb", "tools/static_site/js/prestart.js"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    before = inputs_digest(tmp_path)
    (tmp_path / "triage" / "__pycache__").mkdir()
    (tmp_path / "triage" / "__pycache__" / "engine.pyc").write_text("cache")
    (tmp_path / "case_studies" / "README.md").write_text("not a case")
    (tmp_path / "README.md").write_text("edited")
    assert inputs_digest(tmp_path) == before
    for rel in ("case_studies/a.yaml", "notebooks/04_triage_explorer.ipynb", "triage/domain/engine.py",
                "requirements/static-npm.txt", "tools/static_site/js/prestart.js"):  # the build's scripts write pages
        (tmp_path / rel).write_text(rel + " changed")
        assert inputs_digest(tmp_path) != before, rel
        before = inputs_digest(tmp_path)


# ------------------------------------------------------------------------------------- the folder


@pytest.fixture(scope="module")
def site():
    report = built_site()
    return report.out


SERVICE_WORKER_NODE = """
import { readFileSync } from "node:fs";
import vm from "node:vm";
const [script] = process.argv.slice(2);
const on = {};  // the service worker's global scope, as far as its code reaches
let online = true;
const fetched = [];
const kept = new Map([["triage-offline-old", new Map([["http://127.0.0.1/build/voici.js", "old copy"]])],
                      ["triage-offline-new", new Map([["http://127.0.0.1/build/voici.js", "kept copy"],
                                                      ["http://127.0.0.1/index.html", "kept home"]])]]);
Object.assign(globalThis, {
  self: { addEventListener: (name, handler) => { on[name] = handler; }, skipWaiting() {},
          clients: { claim: async () => {} } },
  location: { href: "http://127.0.0.1/service-worker.js?enableCache=false", origin: "http://127.0.0.1" },
  BroadcastChannel: class { postMessage() {} addEventListener() {} removeEventListener() {} },
  fetch: async (request) => {
    fetched.push(request.url);
    if (!online) throw new TypeError("Failed to fetch");
    return "network";
  },
  caches: {
    open: async (name) => ({ addAll: async () => {}, match: async (url) => kept.get(name)?.get(url) }),
    keys: async () => [...kept.keys(), "triage-snapshot"],
  },
});
vm.runInThisContext(readFileSync(script, "utf8"));
const routes = [], waits = [];
on.install({ addRoutes: async (rules) => { routes.push(rules); }, waitUntil: (p) => waits.push(p) });
on.activate({ waitUntil: (p) => waits.push(p) });
await Promise.all(waits);
const answered = { online: {}, offline: {} };
const requests = [["/build/voici.js", "GET", "no-cors"], ["/static/pyodide/pyodide.asm.wasm", "GET", "cors"],
                  ["/", "GET", "navigate"], ["/api/drive", "POST", "cors"]];
for (const state of ["online", "offline"]) {
  online = state === "online";
  for (const [path, method, mode] of requests) {
    const request = { url: "http://127.0.0.1" + path, method, mode,
                      json: async () => ({ browsingContextId: "b", requestId: "r" }) };
    let answer = null;  // a promise given to respondWith at once, or nothing (the browser fetches itself)
    on.fetch({ request, respondWith: (p) => { answer = p; }, waitUntil() {} });
    answered[state][path] = answer === null ? "browser" : path === "/api/drive" ? "page" :
      await answer.then((r) => r, (e) => "failed: " + e.message);
  }
}
console.log("RESULT " + JSON.stringify({ routes, answered, fetched: fetched.length }));
process.exit(0);
"""


def service_worker_run(path: Path, tmp_path: Path) -> dict:
    return run_node(SERVICE_WORKER_NODE, str(path), tmp_path=tmp_path)


def test_the_service_worker_races_the_network_and_answers_from_kept_copies_when_it_fails(tmp_path, site):
    venv = toolchain(cache_root(), [])  # JupyterLite's own service worker, as the build copies it
    original = next((venv / "lib").glob("python*/site-packages/voici_core/static/build/service-worker.js"))
    out = tmp_path / "site"
    for name in ("service-worker.js", "build/service-worker.js"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(original.read_bytes())
    before = service_worker_run(original, tmp_path)
    assert before["routes"] == []  # it fetched every file again itself, and had nothing when that failed
    assert before["answered"]["offline"]["/build/voici.js"] == "failed: Failed to fetch"
    assert direct_service_worker(out) == [out / "service-worker.js", out / "build/service-worker.js"]
    after = service_worker_run(out / "build/service-worker.js", tmp_path)
    # Chromium: pages race the network and the fetch handler, files go to the network, the drive to the handler;
    # what reaches the handler (the kernel's worker's files; every file elsewhere) is answered as below
    assert after["routes"] == [[{"condition": {"requestMode": "navigate"}, "source": "race-network-and-fetch-handler"},
                                {"condition": {"not": {"urlPattern": {"pathname": "*/api/*"}}}, "source": "network"}]]
    assert after["answered"]["online"] == {"/build/voici.js": "network", "/static/pyodide/pyodide.asm.wasm": "network",
                                           "/": "network", "/api/drive": "page"}
    # offline: the newest build's kept copy; a folder's address finds its index.html; the drive still works
    assert after["answered"]["offline"] == {"/build/voici.js": "kept copy",
                                            "/static/pyodide/pyodide.asm.wasm": "failed: Failed to fetch",
                                            "/": "kept home", "/api/drive": "page"}
    assert (site / "service-worker.js").read_text(encoding="utf-8") == (out / "service-worker.js").read_text(
        encoding="utf-8")  # what the built site ships


def test_a_service_worker_that_changed_fails_the_build_naming_it(tmp_path):
    (tmp_path / "build").mkdir()
    for name in ("service-worker.js", "build/service-worker.js"):
        (tmp_path / name).write_text("function onInstall(e){}", encoding="utf-8")  # no fetch fallback to edit
    with pytest.raises(TriageError, match=r"service worker changed \(install handler found 1 times, fetch fallback "
                                          r"0 times\)") as caught:
        direct_service_worker(tmp_path)
    assert caught.value.problems[0].file == "service-worker.js"


def test_every_student_app_is_a_page_and_no_instructor_app_is(site):
    pages = {p.stem for p in (site / "voici" / "render").glob("*.html")}
    assert pages == {a.stem for a in student_apps()}
    instructor = [a for a in course() if a.audience == "instructor"]
    assert instructor, "the course map has an instructor app to leave out"
    for app in instructor:
        assert not list(site.rglob(f"{app.stem}*")), f"{app.notebook} is in the static build"


def test_the_landing_page_lists_the_student_apps_in_course_order(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(voici/render/[^"]+)"', page)
    assert links == [f"voici/render/{a.stem}.html" for a in student_apps()]
    assert all((site / link).exists() for link in links)
    assert "Educational use only" in page and 'href="lab/index.html"' in page
    assert (site / "lab" / "index.html").exists()


def test_the_lock_lists_exactly_the_wheels_beside_it(site):
    pyodide = site / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text(encoding="utf-8"))
    files = {p.name for p in pyodide.glob("*.whl")}
    assert {p["file_name"] for p in lock["packages"].values()} == files
    for entry in lock["packages"].values():
        assert hashlib.sha256((pyodide / entry["file_name"]).read_bytes()).hexdigest() == entry["sha256"]
        assert set(entry["depends"]) <= set(lock["packages"]), entry["name"]
    assert lock["packages"]["triage"]["depends"] == ["ipywidgets", "jinja2", "pyyaml", "widgetsnbextension"]
    assert lock["packages"]["jinja2"]["depends"] == ["markupsafe"]


def test_the_runtime_and_wheels_ship_bytecode(site):
    """Every page load starts a new Python: modules must not be compiled from source in the browser."""
    pyodide = site / "static" / "pyodide"
    stdlib = zipfile.ZipFile(pyodide / "python_stdlib.zip").namelist()
    assert sum(n.endswith(".pyc") for n in stdlib) > 400
    assert not [n for n in stdlib if n.endswith(".py")]
    with zipfile.ZipFile(next(pyodide.glob("ipython-*.whl"))) as z:
        assert "IPython/__init__.pyc" in z.namelist() and "IPython/__init__.py" not in z.namelist()
    with zipfile.ZipFile(next(pyodide.glob("triage-*.whl"))) as z:
        names = z.namelist()
    assert "triage/domain/engine.py" in names and any(n.startswith("triage/domain/__pycache__/engine.") for n in names)


def test_the_browser_gets_only_the_parts_of_the_package_that_run_there(site):
    """The server, the hub, the command line, the PDF handouts and the PostgreSQL backend stay out of the
    browser's wheel; the apps and what they import are in it."""
    with zipfile.ZipFile(next((site / "static" / "pyodide").glob("triage-*.whl"))) as z:
        modules = {n for n in z.namelist() if n.endswith(".py")}
    server_only = ("triage/serve/", "triage/hubservice/", "triage/cli/", "triage/__main__.py",
                   "triage/outputs/handouts/",
                   "triage/store/postgres.py")
    assert [m for m in modules if m.startswith(server_only)] == []
    assert {"triage/ui/student/explorer.py", "triage/content/cases/load.py", "triage/store/jsonfile.py"} <= modules


def test_the_project_wheel_carries_the_repository_case_files(site):
    wheel = next((site / "static" / "pyodide").glob("triage-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        shipped = {n.rsplit("/", 1)[1]: z.read(n) for n in z.namelist() if n.startswith("triage/case_studies/")}
    cases = {p.name: p.read_bytes() for p in (ROOT / "case_studies").glob("*.yaml") if not p.name.startswith("_")}
    assert shipped == cases


def test_the_project_wheel_carries_its_data_files_already_parsed(site):
    """The browser's PyYAML is pure Python: every YAML file in the wheel is in precomputed.json, as the
    data CPython's reader gives for its text."""
    wheel = next((site / "static" / "pyodide").glob("triage-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        texts = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".yaml")}
        table = json.loads(z.read("triage/precomputed.json"))
    assert len(texts) > 40 and table["format"] == sources.PRECOMPUTED_FORMAT
    assert set(table["documents"]) == {sources.text_key(t) for t in texts.values()}
    for name, text in texts.items():
        expected = sources.parse_text(text, name, KnowledgeError).data
        assert json.loads(table["documents"][sources.text_key(text)]) == expected, name


def kernel_settings(config: Path) -> dict:
    """The Pyodide kernel's settings in a ``jupyter-lite.json``."""
    data = json.loads(config.read_text(encoding="utf-8"))
    return data["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]


def test_only_the_lab_loads_jedi(site):
    """The apps never complete code, so their kernels skip jedi (IPython imports it if present); the lab,
    where Tab completes, preloads it. The kernel's own install list must not bring it back."""
    def packages(config: Path) -> list[str]:
        return kernel_settings(config)["loadPyodideOptions"]["packages"]

    assert "jedi" not in packages(site / "jupyter-lite.json") and "ipython" in packages(site / "jupyter-lite.json")
    assert "jedi" in packages(site / "lab" / "jupyter-lite.json")
    for page in (site / "voici" / "render").glob("*.html"):
        assert '"jedi"' not in page.read_text(encoding="utf-8"), page.name
    lock = json.loads((site / "static" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert "jedi" in lock["packages"] and not [n for n, p in lock["packages"].items() if "jedi" in p["depends"]]
    kernel_js = "".join(p.read_text(encoding="utf-8") for p in (site / KERNEL_JS).glob("*.js"))
    old, new = KERNEL_INSTALLS
    assert old not in kernel_js and new in kernel_js


def test_the_site_points_the_kernel_at_its_own_pyodide_and_store(site):
    kernel = kernel_settings(site / "jupyter-lite.json")
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert kernel["disablePyPIFallback"] is True
    env = kernel["loadPyodideOptions"]["env"]
    assert env["TRIAGE_STATIC_STORE"].startswith("/drive/")
    assert "TRIAGE_STATIC_LAB" not in env
    lab_kernel = kernel_settings(site / "lab" / "jupyter-lite.json")
    assert lab_kernel["loadPyodideOptions"]["env"]["TRIAGE_STATIC_LAB"] == "1"
    assert lab_kernel["pyodideUrl"] == "../static/pyodide/pyodide.js"


def test_nothing_in_the_folder_sends_the_browser_elsewhere(site):
    assert external_requests(site) == []


def test_an_unchanged_checkout_is_not_rebuilt(site):
    again = built_site.__wrapped__(site)
    assert again.skipped and again.out == site


def test_links_between_pages_point_at_pages_that_exist(site):
    """Markdown links to other notebooks become links to their pages; none may point at a missing page
    (an instructor app, which the static build leaves out, or a renamed notebook)."""
    broken = []
    for page in sorted((site / "voici" / "render").glob("*.html")):
        for href in re.findall(r'<a\s[^>]*href="([^"#?]+)[^"]*"', page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:|^//", href):
                continue
            if not (page.parent / href).resolve().exists():
                broken.append(f"{page.name}: {href}")
    assert broken == []
