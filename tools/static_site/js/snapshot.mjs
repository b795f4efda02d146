import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [runtime, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, "utf8"));
UNPACK_JS
try {
const { loadPyodide } = await import(pathToFileURL(runtime + "/pyodide.mjs").href);
// 1. An ordinary start, as a page does it: which modules do the kernel and the apps import?
const plain = await loadPyodide({ indexURL: runtime + "/", packages: config.packages, env: config.env });
await plain.runPythonAsync(config.discover);
const modules = plain.globals.get("triage_modules").toJs();
const loadedPackages = { ...plain.loadedPackages };
// 2. The snapshot: the same files, those modules imported (JSON text is a Python literal here).
const py = await loadPyodide({ indexURL: runtime + "/", env: config.env, _makeSnapshot: true });
triageUnpack(py.FS, readFileSync(config.pack));
py.runPython(config.prepare.replace("MODULES", JSON.stringify(modules)));
const failed = py.runPython("'\\n'.join(triage_failed)");
if (failed) throw new Error("modules that did not import:\n" + failed);
py.runPython("del triage_failed, importlib, sys");  // leave __main__ as a page's Python has it
writeFileSync(config.memory, py.makeMemorySnapshot());
writeFileSync(config.result, JSON.stringify({ loadedPackages }));
} catch (e) {  // Pyodide's own report of an uncaught error prints a line of its minified code
  console.error("SNAPSHOT-ERROR " + String(e && e.message || e).split("\n").slice(-15).join("\n"));
  process.exit(3);
}
