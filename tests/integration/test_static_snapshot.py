"""The app pages' memory snapshot (tools/static_site/snapshot.py): the pack of files, the edit of the
kernel's JavaScript and, with the built site, Python restored in Node exactly as a page restores it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from support.static_site import built_site, run_node

from tools.static_site.build import KERNEL_JS, KERNEL_PLUGIN, case_files
from tools.static_site.snapshot import (
    KERNEL_FIRST,
    PRESTART,
    UNPACK_JS,
    WORKER_JS,
    hook_main,
    hook_worker,
    make_snapshot,
    prestart_pages,
    site_pack,
)
from tools.static_site.wheel_pyc import write_wheel
from triage.errors import TriageError


# ---------------------------------------------------------------------------------------- pieces
def test_the_pack_writes_every_file_of_the_wheels_under_the_root(tmp_path):
    one, two = tmp_path / "one-1.0-py3-none-any.whl", tmp_path / "two-2.0-py3-none-any.whl"
    write_wheel(one, {"one/__init__.py": b"A = 1\n", "one/data/x.yaml": b"k: v\n"}, "one-1.0.dist-info/RECORD")
    write_wheel(two, {"two.py": "# é\n".encode()}, "two-2.0.dist-info/RECORD")
    (tmp_path / "pack.bin").write_bytes(site_pack([one, two], "/lib/site"))
    script = "import { readFileSync } from 'node:fs';\n" + UNPACK_JS + """
const files = {}, folders = [];
const FS = { mkdirTree: (p) => folders.push(p), writeFile: (p, b) => { files[p] = Buffer.from(b).toString("utf8"); } };
triageUnpack(FS, readFileSync(process.argv[2]));
console.log("RESULT " + JSON.stringify({ files, folders }));
"""
    result = run_node(script, str(tmp_path / "pack.bin"), tmp_path=tmp_path)
    assert result["files"]["/lib/site/one/__init__.py"] == "A = 1\n"
    assert result["files"]["/lib/site/one/data/x.yaml"] == "k: v\n"
    assert result["files"]["/lib/site/two.py"] == "# é\n"
    assert "/lib/site/one-1.0.dist-info/RECORD" in result["files"]
    assert sorted(result["folders"]) == ["/lib/site", "/lib/site/one", "/lib/site/one-1.0.dist-info",
                                         "/lib/site/one/data", "/lib/site/two-2.0.dist-info"]


# Two Pyodide starts as the minifier leaves them (other variable names in each build of the worker).
MINIFIED = ('async initRuntime(e){let t,{pyodideUrl:n,indexUrl:s}=e;t=self.loadPyodide,this._pyodide=await t('
            '{indexURL:s,stdout:e=>{},...e.loadPyodideOptions}),this._pyodide._api.on_fatal=async e=>{}}')
MINIFIED_2 = MINIFIED.replace("let t,", "let r,").replace("t=self", "r=self").replace("await t(", "await r(").replace(
    "...e.loadPyodideOptions", "...o.loadPyodideOptions")


def test_every_pyodide_start_in_the_kernel_goes_through_the_snapshot_hook(tmp_path):
    (tmp_path / "a.js").write_text(MINIFIED + ";" + MINIFIED_2, encoding="utf-8")
    (tmp_path / "b.js").write_text("unrelated()", encoding="utf-8")
    assert hook_worker(tmp_path) == [tmp_path / "a.js"]
    text = (tmp_path / "a.js").read_text(encoding="utf-8")
    assert text.endswith(WORKER_JS)
    assert ("this._pyodide=await self.triageLoad(t,{indexURL:s,stdout:e=>{},...e.loadPyodideOptions}),"
            "this._pyodide._api.on_fatal=") in text
    assert "this._pyodide=await self.triageLoad(r,{indexURL:s,stdout:e=>{},...o.loadPyodideOptions})" in text
    assert (tmp_path / "b.js").read_text(encoding="utf-8") == "unrelated()"


def test_a_kernel_whose_start_changed_fails_the_build_naming_the_folder(tmp_path):
    (tmp_path / "a.js").write_text(MINIFIED.replace("_api.on_fatal", "_api.onFatal"), encoding="utf-8")
    with pytest.raises(TriageError, match=r"no Pyodide start in .* matches WORKER_START"):
        hook_worker(tmp_path)


# Where the page creates the kernel's worker, as the minifier leaves it (chunk 620 when cross-origin isolated).
MAIN = ('initWorker(e){return crossOriginIsolated?new Worker(new URL(n.p+n.u(620),n.b),{type:void 0}):'
        'new Worker(new URL(n.p+n.u(352),n.b),{type:void 0})}initRemote(e){}')


def test_the_kernel_takes_the_worker_an_app_page_started_early(tmp_path):
    minified = MAIN.replace("initWorker(e)", "initWorker(r)").replace("n.", "o.")  # other names, another build
    (tmp_path / "872.abc.js").write_text(minified, encoding="utf-8")
    for name in ("352.def.js", "352.def.js.LICENSE.txt", "620.aaa.js"):
        (tmp_path / name).write_text("worker()", encoding="utf-8")
    assert hook_main(tmp_path) == tmp_path / "352.def.js"  # the worker a page that is not isolated gets
    text = (tmp_path / "872.abc.js").read_text(encoding="utf-8")
    assert text.startswith("initWorker(r){const triageWorker=self.triageTakeWorker&&self.triageTakeWorker();"
                           "if(triageWorker)return triageWorker;return crossOriginIsolated?new Worker(")
    assert text.endswith(minified[minified.index("return crossOriginIsolated"):])


def test_a_kernel_that_creates_its_worker_otherwise_fails_the_build_naming_the_folder(tmp_path):
    (tmp_path / "872.abc.js").write_text(MAIN.replace("crossOriginIsolated?", "isolated?"), encoding="utf-8")
    with pytest.raises(TriageError, match=r"no single kernel worker in .* matches MAIN_START"):
        hook_main(tmp_path)
    (tmp_path / "872.abc.js").write_text(MAIN, encoding="utf-8")  # matched, but no such script
    with pytest.raises(TriageError, match=r"chunks \['352'\], scripts \[\]"):
        hook_main(tmp_path)


def test_the_early_start_goes_first_in_the_head_after_the_charset(tmp_path):
    site = tmp_path / "site"
    worker = site / "ext" / "352.def.js"
    page = site / "voici" / "render" / "app.html"
    page.parent.mkdir(parents=True)
    page.write_text('<!DOCTYPE html>\n<html><head><meta charset="utf-8" />\n<title>x</title></head></html>',
                    encoding="utf-8")
    options = {"env": {"X": "</script><script>alert(1)</script>"}, "packages": ["triage"]}
    prestart_pages(site, [page], worker, {"pyodideUrl": "./static/pyodide/pyodide.js", "loadPyodideOptions": options})
    text = page.read_text(encoding="utf-8")
    assert text.startswith('<!DOCTYPE html>\n<html><head><meta charset="utf-8" />\n<script>')
    assert text.endswith("</script>\n<title>x</title></head></html>")
    assert text.count("</script>") == 1  # the settings cannot end the script early
    assert 'url("../../static/pyodide/pyodide.js")' in text and 'url("../../ext/352.def.js?v=def")' in text
    assert '"triage-prestart "' in text and PRESTART == "triage-prestart "
    (tmp_path / "bad.html").write_text("<html><body></body></html>", encoding="utf-8")
    with pytest.raises(TriageError, match=r"bad\.html has no <head>"):
        prestart_pages(tmp_path, [tmp_path / "bad.html"], worker, {"pyodideUrl": "./p.js", "loadPyodideOptions": {}})


def test_a_snapshot_that_cannot_be_made_fails_the_build_with_node_s_reason(tmp_path):
    with pytest.raises(TriageError, match=r"snapshot failed \(node exit 3\):\nCannot find module .*/pyodide\.mjs"):
        make_snapshot(tmp_path, [], [], {}, "/lib/site")  # no runtime in the folder
    assert list(tmp_path.iterdir()) == []  # nothing half-written


# ------------------------------------------------------------------------------------ the built site
@pytest.fixture(scope="module")
def site() -> Path:
    return built_site().out


def test_the_app_pages_start_from_the_snapshot_and_the_lab_does_not(site):
    options = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))[
        "jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]["loadPyodideOptions"]
    snapshot = options["triageSnapshot"]
    pyodide = site / "static" / "pyodide"
    memory = gzip.decompress((pyodide / snapshot["memory"]).read_bytes())
    assert memory[:4] == (1886286592).to_bytes(4, "little") and len(memory) > 10_000_000  # Pyodide's magic
    files = gzip.decompress((pyodide / snapshot["files"]).read_bytes())
    head = json.loads(files[4:4 + int.from_bytes(files[:4], "little")])
    assert "triage/__init__.py" in {path for path, _ in head["files"]}
    assert {"triage", "ipywidgets", "ipython"} <= set(snapshot["loadedPackages"])
    lab = json.loads((site / "lab" / "jupyter-lite.json").read_text(encoding="utf-8"))
    assert "triageSnapshot" not in lab["jupyter-config-data"]["litePluginSettings"][KERNEL_PLUGIN]["loadPyodideOptions"]
    hooked = [p for p in (site / KERNEL_JS).glob("*.js") if p.read_text(encoding="utf-8").endswith(WORKER_JS)]
    assert hooked, "no kernel script carries the snapshot hooks"


# The kernel's worker as far as the hook can tell, in Node: the built site's settings and runtime, and
# its files fetched as a page fetches them from its server (Node's fetch reads no file: URLs).
WORKER_PRELUDE = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [site, hook, plugin, ...more] = process.argv.slice(2);
globalThis.self = globalThis;
globalThis.location = { href: pathToFileURL(site + "/extensions/worker.js").href };
const fetchUrl = globalThis.fetch;
globalThis.fetch = async (url) => {
  const u = new URL(url);
  if (u.protocol !== "file:") return fetchUrl(url);
  try { return new Response(readFileSync(u)); } catch { return new Response("", { status: 404 }); }
};
const settings = JSON.parse(readFileSync(site + "/jupyter-lite.json", "utf8"))["jupyter-config-data"]
  .litePluginSettings[plugin].loadPyodideOptions;
const runtime = site + "/static/pyodide/";
const { loadPyodide } = await import(pathToFileURL(runtime + "pyodide.mjs").href);
"""
RESTORE_JS = WORKER_PRELUDE + """
const [checks, memory] = more;
await import(pathToFileURL(hook).href);
if (memory) settings.triageSnapshot.memory = memory;
const rounds = [];
let py;
for (const round of [1, 2]) {  // two pages restoring the same memory
  py = await self.triageLoad(loadPyodide, { indexURL: runtime, ...settings });
  rounds.push(JSON.parse(py.runPython(readFileSync(checks, "utf8"))));
}
await py.runPythonAsync(KERNEL_FIRST);  // what the worker runs next
const TARGETS = "import comm, json; json.dumps(sorted(comm.get_comm_manager().targets))";
const targets = JSON.parse(py.runPython(TARGETS));
py.runPython("import ipywidgets");  // what the notebook runs first
const notebook = JSON.parse(py.runPython(TARGETS));
console.log("RESULT " + JSON.stringify({ rounds, targets, notebook, loaded: Object.keys(py.loadedPackages) }));
""".replace("KERNEL_FIRST", json.dumps(KERNEL_FIRST))
CHECKS = """
import importlib, importlib.metadata, json, os, random, sys, time
lazy = "pygments.lexers.javascript"  # not imported by the snapshot: read from the files written after it
was_imported = lazy in sys.modules
importlib.import_module(lazy)
json.dumps({
    "restored": [m for m in ("IPython", "ipywidgets", "traitlets", "triage.ui",
                             "micropip._vendored.packaging.src.packaging.specifiers") if m in sys.modules],
    "after": [m for m in ("piplite", "micropip", "pyodide_kernel", "ipykernel") if m in sys.modules],
    "lazy_was_imported": was_imported,
    "ipywidgets": importlib.metadata.version("ipywidgets"),
    "cases": sorted(os.listdir(os.environ["TRIAGE_CASES_DIR"])),
    "path_last": sys.path[-1],
    "random": random.random(),
    "zone": [time.timezone, time.localtime().tm_gmtoff],
})
"""


def restore(site: Path, tmp_path: Path, memory: str = "") -> dict:
    """Start Python twice as the app pages' worker does (its hook, its settings), then the kernel."""
    hook, checks = tmp_path / "hook.mjs", tmp_path / "checks.py"
    hook.write_text(WORKER_JS, encoding="utf-8")
    checks.write_text(CHECKS, encoding="utf-8")
    return run_node(RESTORE_JS, str(site), str(hook), KERNEL_PLUGIN, str(checks), memory, tmp_path=tmp_path,
                    tz="Asia/Kolkata")  # UTC+05:30 all year


def test_a_restored_page_has_its_modules_its_files_its_own_random_numbers_and_a_kernel(site, tmp_path):
    result = restore(site, tmp_path)
    one, two = result["rounds"]
    assert one["restored"] == ["IPython", "ipywidgets", "traitlets", "triage.ui",
                               "micropip._vendored.packaging.src.packaging.specifiers"]
    assert one["after"] == []  # these reach into JavaScript: imported after the restore
    assert one["lazy_was_imported"] is False
    lock = json.loads((site / "static" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert one["ipywidgets"] == lock["packages"]["ipywidgets"]["version"]
    assert one["cases"] == sorted(p.name for p in case_files())
    assert one["path_last"] == ""  # the drive is searched last
    assert one["random"] != two["random"]  # the same memory, reseeded per page
    assert one["zone"] == [0, 19800]  # time.timezone as the build had it (UTC); local time the student's
    assert {"jupyter.widget", "jupyter.widget.control"} <= set(result["targets"])  # once the kernel is up
    assert result["notebook"] == result["targets"]
    assert "triage" in result["loaded"]  # so the kernel does not fetch and unpack it again


def test_without_a_usable_snapshot_python_starts_the_ordinary_way(site, tmp_path):
    """A snapshot that cannot be fetched (a partial upload, say) costs time, not the page."""
    result = restore(site, tmp_path, memory="snapshot-missing.bin.gz")
    one, two = result["rounds"]
    assert one["restored"] == [] and one["lazy_was_imported"] is False  # nothing imported beforehand
    assert one["cases"] == sorted(p.name for p in case_files())  # the wheels were loaded instead
    assert one["random"] != two["random"]
    assert result["targets"] == []  # ipywidgets registers them itself when the notebook imports it
    assert one["zone"] == [-19800, 19800]
    assert {"jupyter.widget", "jupyter.widget.control"} <= set(result["notebook"])


PRESTART_NODE = WORKER_PRELUDE + """
const [prefix, extra] = more;  // a worker that an app page started early, named as the page names it
const imported = [];
globalThis.importScripts = (url) => { imported.push(url); globalThis.loadPyodide = loadPyodide; };
globalThis.name = prefix + JSON.stringify({ pyodideUrl: runtime + "pyodide.js", options: settings });
await import(pathToFileURL(hook).href);  // the worker's script: Python starts here
const out = [];
const options = { indexURL: runtime, stdout: (s) => out.push(s), stderr: (s) => out.push("E " + s), ...settings };
Object.assign(options.env, JSON.parse(extra));
const py = await self.triageLoad(loadPyodide, options);  // what the kernel calls, later
const handed = py.runPython("import sys; sorted(m for m in ('piplite', 'pyodide_kernel') if m in sys.modules)").toJs();
py.runPython("import os; print('cases', len(os.listdir(os.environ['TRIAGE_CASES_DIR'])), file=sys.__stdout__)");
console.log("RESULT " + JSON.stringify({ prestart: self.triagePrestart || null, imported, handed, out }));
process.exit(0);  // a Python left unused may still be starting
"""


def prestart(site: Path, tmp_path: Path, extra: dict) -> dict:
    hook = tmp_path / "hook.mjs"
    hook.write_text(WORKER_JS, encoding="utf-8")
    return run_node(PRESTART_NODE, str(site), str(hook), KERNEL_PLUGIN, PRESTART, json.dumps(extra),
                    tmp_path=tmp_path)


def test_a_python_started_early_is_handed_to_the_kernel_with_its_modules_and_its_output(site, tmp_path):
    result = prestart(site, tmp_path, {})
    runtime = str(site / "static" / "pyodide")
    assert result["prestart"] == "used" and result["imported"] == [runtime + "/pyodide.js"]
    assert result["handed"] == ["piplite", "pyodide_kernel"]  # imported while the page loaded
    assert result["out"] == [f"cases {len(case_files())}"]  # through the kernel's output handlers


def test_a_python_started_with_other_settings_is_not_used(site, tmp_path):
    result = prestart(site, tmp_path, {"TRIAGE_EXTRA": "1"})  # the kernel's settings differ from the page's
    assert result["prestart"] is None
    assert result["handed"] == []  # a fresh Python: the kernel imports its modules itself
    assert result["out"] == [f"cases {len(case_files())}"]
