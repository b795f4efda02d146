import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [runtime, jobsPath, modulePath] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(runtime + "/pyodide.mjs").href);
const py = await loadPyodide({ indexURL: runtime + "/" });
py.FS.mkdirTree("/host");
py.FS.mount(py.FS.filesystems.NODEFS, { root: "/" }, "/host");
py.runPython(readFileSync(modulePath, "utf8"));
const compileWheel = py.globals.get("compile_wheel");
const compileZip = py.globals.get("compile_zip");
for (const job of JSON.parse(readFileSync(jobsPath, "utf8"))) {
  if (job.zip) compileZip("/host" + job.src, "/host" + job.dst);
  else compileWheel("/host" + job.src, "/host" + job.dst, job.keep_source);
}
