"""What drawing the shared HTML fragments with Jinja2 costs (triage/outputs/fragments.py; decision 0022):
importing MarkupSafe and Jinja2 and compiling the fragments' template, in a kernel's Python and in the
static site's Pyodide (an ordinary start, as the lab and a page without its memory snapshot start; the app
pages have it done in the snapshot), and what the two wheels add to the static site.

Each run is a new process that first imports what an app kernel imports anyway (ipywidgets, the knowledge
base, the glossary), then times the three steps: CPU milliseconds and resident memory in the kernel's
Python, wall milliseconds inside Pyodide (Node, the runtime the site ships). Results go to
benchmarks/results.json (section "fragments").

Run: .venv/bin/python benchmarks/bench_fragments.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, save, summary
from support.static_site import built_site

STEPS = ("markupsafe", "jinja2", "fragments")
# The same steps in both Pythons; {clock} is the clock each can measure.
STEP_CODE = """
import json, os, time
def rss():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # Pyodide
        return 0.0
import ipywidgets, yaml
from triage.domain.knowledge import knowledge; knowledge()
from triage.content.glossary import glossary; glossary()
out = {{}}
for step, name in (("markupsafe", "markupsafe"), ("jinja2", "jinja2"), ("fragments", "triage.outputs.fragments")):
    r0, t0 = rss(), {clock}()
    __import__(name)
    out[step] = {{"ms": ({clock}() - t0) * 1000, "rss_mb": rss() - r0}}
"""
NODE = """
import { pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
const [runtime, code] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(runtime + "pyodide.mjs").href);
const py = await loadPyodide({ indexURL: runtime, lockFileURL: runtime + "pyodide-lock.json", stdout: () => {} });
await py.loadPackage(["triage"], { messageCallback: () => {} });
console.log("RESULT " + py.runPython(readFileSync(code, "utf8")));
"""


def kernel_run() -> dict:
    code = STEP_CODE.format(clock="time.process_time") + "print(json.dumps(out))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout)


def pyodide_run(runtime: Path, tmp: Path) -> dict:
    script, code = tmp / "run.mjs", tmp / "steps.py"
    script.write_text(NODE, encoding="utf-8")
    code.write_text(STEP_CODE.format(clock="time.perf_counter") + "json.dumps(out)\n", encoding="utf-8")
    done = subprocess.run([shutil.which("node") or "node", str(script), f"{runtime}/", str(code)],
                          capture_output=True, text=True, check=True, timeout=300)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    site = built_site().out
    runtime = site / "static" / "pyodide"
    kernel = [kernel_run() for _ in range(args.runs)]
    with tempfile.TemporaryDirectory() as tmp:
        browser = [pyodide_run(runtime, Path(tmp)) for _ in range(args.runs)]
    wheels = {name: next(runtime.glob(f"{name}-*.whl")).stat().st_size for name in ("jinja2", "markupsafe")}
    result = {
        "runs": args.runs,
        "kernel_cpu_ms": {s: summary([r[s]["ms"] for r in kernel]) for s in STEPS},
        "kernel_rss_mb": {s: summary([r[s]["rss_mb"] for r in kernel]) for s in STEPS},
        "kernel_total_cpu_ms": summary([sum(r[s]["ms"] for s in STEPS) for r in kernel]),
        "kernel_total_rss_mb": summary([sum(r[s]["rss_mb"] for s in STEPS) for r in kernel]),
        "pyodide_ms": {s: summary([r[s]["ms"] for r in browser]) for s in STEPS},
        "pyodide_total_ms": summary([sum(r[s]["ms"] for s in STEPS) for r in browser]),
        "static_wheel_bytes": wheels,
        "static_snapshot_gz_bytes": sum(p.stat().st_size for p in runtime.glob("snapshot-*.bin.gz")),
        "static_pack_gz_bytes": sum(p.stat().st_size for p in runtime.glob("site-*.bin.gz")),
    }
    save("fragments", result)
    print(json.dumps({k: v for k, v in result.items() if "total" in k or "bytes" in k}, indent=1))


if __name__ == "__main__":
    main()
