  // tools.static_site.build: the app pages need a secure context and a service worker (Python in the
  // page keeps the student's answers on JupyterLite's drive through it). Opened from file:// or over plain
  // http:// to another computer's address, they would spin on "Running ..." for ever: say so on the page,
  // and what to do instead. On the home page the same words sit above the list of apps.
  (() => {
    const local = ["localhost", "127.0.0.1", "[::1]"].includes(location.hostname) ||
      location.hostname.endsWith(".localhost");
    const port = location.port ? ":" + location.port : "";
    const here = location.pathname.replace(/\/voici\/render\/[^/]*$/, "/").replace(/[^/]*$/, "");
    let problem = null;
    if (location.protocol === "file:") {
      problem = "These apps cannot run from a file opened in the browser (the address starts with file://). " +
        "Serve the folder with a web server on this computer, for example " +
        "<code>python3 -m http.server --bind 127.0.0.1 --directory FOLDER 8000</code> " +
        "(FOLDER: the folder that holds this site), then open <strong>http://127.0.0.1:8000/</strong>.";
    } else if (!self.isSecureContext) {
      problem = "These apps need a secure address, and <strong>" + location.host + "</strong> over plain " +
        "http:// is not one: the browser keeps what the apps need to save your answers (a service worker) " +
        "for https:// addresses and for the computer's own address. Open the site over " +
        "<strong>https://</strong>, or, on the computer that serves the folder, at " +
        "<strong>http://localhost" + port + here + "</strong>. " +
        "The <a href=\"" + (HOME ? "" : "../../") + "lab/index.html\">JupyterLab in your browser</a> " +
        "works over plain http (it cannot keep your answers there).";
    } else if (!("serviceWorker" in navigator)) {
      problem = "This browser does not let these apps keep your answers here (no service worker: a private " +
        "window, or a setting that blocks them). Open the page in a normal window of Chrome, Edge, Firefox " +
        "or Safari.";
    }
    const show = (html, kind) => {
      const box = document.createElement("div");
      box.className = "triage-static-problem";
      box.setAttribute("role", "alert");
      box.dataset.kind = kind;
      const title = { slow: "Still starting", offline: "Offline" }[kind] || "These apps cannot start here";
      box.innerHTML = "<p><strong>" + title +
        ".</strong> " + html + "</p>";
      box.style.cssText = "position:" + (HOME ? "static" : "fixed") + ";top:0;left:0;right:0;z-index:10000;" +
        "margin:0 auto;max-width:46rem;padding:.8rem 1rem;background:#fff;color:#1a1a1a;" +
        "border:3px solid #7a1010;border-radius:4px;font:1rem/1.5 system-ui,sans-serif;";
      const place = () => {
        const main = HOME && document.querySelector("main");
        if (main) main.insertBefore(box, main.firstChild); else document.body.prepend(box);
      };
      if (document.body) place(); else document.addEventListener("DOMContentLoaded", place);
      return box;
    };
    if (problem) {
      show(problem, "insecure");
      return;
    }
    if (HOME) return;
    // Anything else that keeps an app from starting (a blocked download, a broken browser cache): after a
    // while without an app on the page, say what the student can try; the note goes once the app shows.
    const started = Date.now();
    const ready = () => document.querySelector(".triage-app, .jp-OutputArea-output");
    let box = null;
    const timer = setInterval(() => {
      if (ready()) {
        clearInterval(timer);
        if (box) box.remove();
      } else if (!box && Date.now() - started > SLOW_MS && navigator.onLine === false) {
        box = show("This app cannot start without the network: this browser no longer has all of its " +
          "files. Your answers are kept here; reload the page when you are back online.", "offline");
      } else if (!box && Date.now() - started > SLOW_MS) {
        box = show("This app has not started after " + Math.round(SLOW_MS / 1000) + " seconds. Give a " +
          "slow device a little longer; if nothing changes, reload the page. If it still does not start, " +
          "the browser may be blocking what the apps need: try a normal (not private) window, or another " +
          "browser.", "slow");
      }
    }, 1000);
  })();
