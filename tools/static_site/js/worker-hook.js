;(() => {  // tools.static_site.snapshot: start Python from the build's memory snapshot
  UNPACK_JS
  const CACHE = "triage-snapshot";
  // A file's bytes, unzipped: from this origin's Cache Storage after the first visit (no unzipping, and
  // no trip through the site's service worker), else fetched, unzipped and kept there (other files
  // removed: their names carry the hash of an older build).
  const bytes = async (url, keep) => {
    const cache = typeof caches === "undefined" ? null : await caches.open(CACHE).catch(() => null);
    const kept = cache && await cache.match(url);
    if (kept) return kept.arrayBuffer();
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url} answered ${r.status}`);
    const raw = await new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    if (cache) {
      cache.put(url, new Response(raw)).then(async () => {
        for (const old of await cache.keys()) if (!keep.includes(old.url)) await cache.delete(old);
      }).catch((e) => console.warn("triage snapshot: not kept for the next visit", e));
    }
    return raw;
  };
  let early = null;  // {key, pyodide}: Python started before the kernel asked
  // Options as text with sorted keys and without functions: equal when they would start the same Python.
  const same = (options) => JSON.stringify(options, (key, value) => value && typeof value === "object" &&
    !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort()) : value);
  // Called instead of loadPyodide(options). A Python the page started early with the same options is
  // handed over. Without a snapshot in the options, or a browser without DecompressionStream, or when
  // the restore fails, Python starts the ordinary way.
  self.triageLoad = async (loadPyodide, options) => {
    const mine = early;
    early = null;  // handed over once; a restarted kernel starts afresh
    if (mine && mine.key === same(options)) {
      try {
        const pyodide = await mine.pyodide;
        if (options.stdout) pyodide.setStdout({ batched: options.stdout });
        if (options.stderr) pyodide.setStderr({ batched: options.stderr });
        self.triagePrestart = "used";
        return pyodide;
      } catch (e) {
        console.warn("triage prestart: failed, Python starts again", e);
      }
    } else if (mine) {
      console.warn("triage prestart: the kernel's settings differ from the page's; Python starts again");
    }
    const { triageSnapshot: snapshot, ...plain } = options;
    if (!snapshot || typeof DecompressionStream === "undefined") return loadPyodide(plain);
    try {
      const base = new URL(options.indexURL, self.location.href);
      const memory = new URL(snapshot.memory, base).href, files = new URL(snapshot.files, base).href;
      const pack = bytes(files, [memory, files]), saved = bytes(memory, [memory, files]);
      for (const p of [pack, saved]) p.catch(() => null);  // a failure is handled below, not "unhandled"
      const { packages, ...rest } = plain;
      const pyodide = await loadPyodide({ ...rest, _loadSnapshot: saved });
      triageUnpack(pyodide.FS, await pack);
      Object.assign(pyodide.loadedPackages, snapshot.loadedPackages);
      pyodide.runPython("import random; random.seed()");
      return pyodide;
    } catch (e) {
      console.warn("triage snapshot: not usable, Python starts the ordinary way", e);
      if (typeof caches !== "undefined") await caches.delete(CACHE).catch(() => null);
      return loadPyodide(plain);
    }
  };
  // Started by an app page before it asks for a kernel (see prestart_script): the worker's name carries the
  // page's kernel settings; Python is restored and the kernel's modules imported while the page loads.
  if (typeof self.name === "string" && self.name.startsWith("PRESTART")) {
    try {
      const { pyodideUrl, options } = JSON.parse(self.name.slice("PRESTART".length));
      importScripts(pyodideUrl);
      const start = { indexURL: pyodideUrl.slice(0, pyodideUrl.lastIndexOf("/") + 1), ...options };
      early = { key: same(start), pyodide: self.triageLoad(self.loadPyodide, start).then(async (pyodide) => {
        // what the kernel imports first; an error here shows when the kernel imports them itself
        await pyodide.runPythonAsync(KERNEL_FIRST).catch(
          (e) => console.warn("triage prestart: the kernel's modules will be imported later", e));
        return pyodide;
      }) };
      early.pyodide.catch(() => null);  // handled when the kernel asks for it
    } catch (e) {
      console.warn("triage prestart: not started early", e);
    }
  }
})();
