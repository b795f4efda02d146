  // tools.static_site.codecache: when the app is ready, run the scripts it loaded once more, in a hidden
  // frame, so the browser keeps their compiled code for the next visit
  (() => {
    const key = "triage-code-cache " + location.pathname;
    try {
      if (localStorage.getItem(key) === BUILD) return;
    } catch (e) {
      return;
    }
    if (typeof requestIdleCallback !== "function" || !performance.getEntriesByType) return;
    const skip = new Set(SKIP.map((src) => new URL(src, location.href).href));
    const warm = () => {
      const urls = [...new Set(performance.getEntriesByType("resource")
        .filter((e) => e.initiatorType === "script" && new URL(e.name).origin === location.origin)
        .map((e) => e.name).filter((url) => !skip.has(url)))];
      if (!urls.length) return;
      const frame = document.createElement("iframe");
      frame.className = "triage-code-cache";
      frame.title = "Scripts loaded again for the next visit (nothing to see)";
      frame.hidden = true;
      frame.tabIndex = -1;
      frame.setAttribute("aria-hidden", "true");
      frame.setAttribute("sandbox", "allow-scripts allow-same-origin");
      frame.addEventListener("load", () => {
        frame.remove();
        try { localStorage.setItem(key, BUILD); } catch (e) { /* next visit warms again */ }
      }, { once: true });
      const tag = (url) => "<script src=\"" + url.replace(/&/g, "&amp;").replace(/"/g, "&quot;") + "\"><" +
        "/script>";
      frame.srcdoc = urls.map(tag).join("");
      document.body.append(frame);
    };
    // ready: the app's first widget is on the page (or a minute has passed), then wait for a quiet moment
    const ready = (tries) => document.querySelector(".jupyter-widgets") || tries >= 120
      ? setTimeout(() => requestIdleCallback(warm, { timeout: 10000 }), DELAY_MS)
      : setTimeout(() => ready(tries + 1), 500);
    addEventListener("load", () => ready(0), { once: true });
  })();
