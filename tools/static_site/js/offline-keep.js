  // tools.static_site.offline: once the page is ready and the browser idle, keep a copy of the page and of
  // the files it loaded (and its Python worker loads), for the service worker to answer with when the
  // network fails; one copy per build, the previous build's copies dropped
  (() => {
    if (!self.isSecureContext || typeof caches === "undefined" || !self.performance ||
        !performance.getEntriesByType) return;
    const name = PREFIX + BUILD;
    const page = new URL(location.href);
    page.hash = "";
    const kept = (url) => url.origin === location.origin && !/\/api\/(drive|stdin)/.test(url.pathname);
    const keep = async () => {
      if (REGISTER && navigator.serviceWorker) {  // the apps' service worker, as the apps register it
        try {
          if (!(await navigator.serviceWorker.getRegistration())) await navigator.serviceWorker.register(REGISTER);
        } catch (e) {
          console.warn("triage: no service worker, so this page cannot open offline", e);
        }
      }
      const urls = new Set([page.href, ...ALSO.map((path) => new URL(path, location.href).href)]);
      for (const entry of performance.getEntriesByType("resource")) {
        const url = new URL(entry.name);
        url.hash = "";
        if (kept(url)) urls.add(url.href);
      }
      const cache = await caches.open(name);
      for (const url of urls) {
        if (await cache.match(url)) continue;
        try {  // the copy the page just used, from the browser's HTTP cache where it is there
          const response = await fetch(url, { cache: "force-cache", credentials: "same-origin" });
          if (response.status === 200) await cache.put(url, response);
        } catch (e) {
          return;  // the network is gone: the next visit keeps the rest
        }
      }
      for (const old of await caches.keys()) {
        if (old.startsWith(PREFIX) && old !== name) await caches.delete(old);
      }
      document.documentElement.dataset.triageKept = BUILD;
    };
    const idle = (run) => (self.requestIdleCallback ? requestIdleCallback(run, { timeout: 10000 }) : setTimeout(run, 0));
    const later = () => setTimeout(() => idle(() => keep().catch((e) => console.warn("triage: not kept", e))),
      DELAY_MS);
    // ready: the app's first widget is on the page (or a minute has passed); the home page at once
    const ready = (tries) => !WAIT || document.querySelector(".jupyter-widgets") || tries >= 120
      ? later() : setTimeout(() => ready(tries + 1), 500);
    if (document.readyState === "complete") ready(0); else addEventListener("load", () => ready(0), { once: true });
  })();
