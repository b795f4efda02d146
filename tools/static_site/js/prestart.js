  // tools.static_site.snapshot: start Python while the page loads; the kernel takes this worker
  (() => {
    if (self.crossOriginIsolated || typeof Worker === "undefined" || !navigator.serviceWorker ||
        !navigator.serviceWorker.controller) return;
    try {
      const url = (path) => new URL(path, location.href).href;
      const settings = { pyodideUrl: url(PYODIDE_URL), options: OPTIONS };
      const worker = new Worker(url(WORKER_URL), { name: PREFIX + JSON.stringify(settings) });
      const unused = setTimeout(() => { self.triageTakeWorker = null; worker.terminate(); }, 120000);
      self.triageTakeWorker = () => { self.triageTakeWorker = null; clearTimeout(unused); return worker; };
    } catch (e) {
      console.warn("triage prestart: Python starts when the kernel asks", e);
    }
  })();
