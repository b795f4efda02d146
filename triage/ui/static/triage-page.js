// Every served app page (the Voila template "triage", standalone or on JupyterHub), outside the apps:
//
// 1. The instructor key: a `?key=` in the address is read once, kept in this tab's sessionStorage for
//    the tab's life (the instructor gate asks for it after a reload) and removed from the address bar,
//    so it is not projected. The server has already handed it to the page's kernel.
// 2. The connection: the page checks every 2 s (while it is visible) that the server still has its
//    kernel, and watches the kernel's websocket. Within 5 s of losing the server a notice says so; the
//    page reconnects by itself when the server answers again, and reloads itself (into the same
//    address) when the server came back without its kernel (it was restarted), choosing again on the new
//    page what the student had chosen in a case's questions but not checked. Behind JupyterHub a server
//    that is gone answers otherwise: 424 (or 503 with JSON, older hubs) "server not running", or a
//    redirect to the hub's login; the page takes these as "restarted" too, reloads, and the hub starts
//    the student's server again (c.JupyterHub.implicit_spawn_seconds). While the server cannot be reached
//    the checks slow down (1 s doubling to 8 s, spread), so a class of hundreds does not hammer a
//    restarting hub. State for the apps:
//    `document.documentElement.dataset.triageConnection` ("ok", "lost", "restarted") and a
//    `triage-connection` event on window. While the notice shows, `--triage-connection-space` on the root
//    is its height: the apps' sticky parts (triage.css) stop below it, so it never covers their controls,
//    and a page that scrolls as a whole moves down by that much (what was on screen stays in view; a
//    poll or a question the page scrolls to lands below it). On a phone the notice is one short line: the
//    rest of its words are on demand ("Details", which also holds "Try again now") and always in the
//    alert that screen readers announce.
(function () {
  "use strict";
  var KEY = "triage-instructor-key";
  try {
    var url = new URL(window.location.href);
    if (url.searchParams.has("key")) {
      sessionStorage.setItem(KEY, url.searchParams.get("key") || "");
      url.searchParams.delete("key");
      window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    }
  } catch (e) { /* no storage: the key stays only with the kernel that read it */ }

  var PING_EVERY = 2000;      // ms between checks while all is well
  var PING_LOST_EVERY = 1000; // ms before the first check after the server could not be reached ...
  var PING_LOST_MAX = 8000;   // ... doubling up to this, with a random spread so pages do not ask together
  var lostChecks = 0;
  var PING_TIMEOUT = 2500;    // ms before a check counts as failed (lost Wi-Fi drops packets silently)
  var RELOADS = "triage-auto-reloads";
  var root = document.documentElement;
  var state = "ok";
  var timer = null;
  var inFlight = false;
  var notice = null;
  var hideTimer = null;

  function config() {
    var el = document.getElementById("jupyter-config-data");
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }
  function kernel() {
    var app = window.jupyterapp;
    return app && app.widgetManager && app.widgetManager.kernel ? app.widgetManager.kernel : null;
  }

  // ``title``: the short line a phone shows; ``more``: the rest, shown beside it on a wider screen and on
  // demand on a phone (screen readers always get both: the alert holds the whole text).
  function show(title, more, button, tone) {
    if (!notice) {
      notice = document.createElement("div");
      notice.className = "triage-connection";
      notice.setAttribute("role", "alert");
      var p = document.createElement("p");
      p.className = "triage-connection-text";
      var head = document.createElement("span");
      head.className = "triage-connection-title";
      var rest = document.createElement("span");
      rest.className = "triage-connection-more";
      rest.id = "triage-connection-more";
      p.appendChild(head);
      p.appendChild(document.createTextNode(" "));
      p.appendChild(rest);
      var details = document.createElement("button");
      details.type = "button";
      details.className = "triage-connection-details";
      details.textContent = "Details";
      details.setAttribute("aria-expanded", "false");
      details.setAttribute("aria-controls", rest.id);
      details.addEventListener("click", function () {
        var open = !notice.classList.contains("triage-connection-open");
        notice.classList.toggle("triage-connection-open", open);
        details.setAttribute("aria-expanded", String(open));
        details.textContent = open ? "Less" : "Details";
      });
      var b = document.createElement("button");
      b.type = "button";
      b.className = "triage-connection-button";
      b.addEventListener("click", function () {
        if (state === "restarted") { reload(true); } else { check(); }
      });
      notice.appendChild(p);
      notice.appendChild(details);
      notice.appendChild(b);
      document.body.appendChild(notice);
      // the apps' sticky parts (the presenter's controls) stop below the notice, not under it
      if (typeof ResizeObserver === "function") new ResizeObserver(makeRoom).observe(notice);
    }
    clearTimeout(hideTimer);
    notice.hidden = false;
    notice.dataset.tone = tone;
    notice.dataset.more = more ? "yes" : "no";
    // on a phone "Try again now" waits under Details (the page reconnects by itself); "Reload this page" never
    notice.dataset.tuck = more && button && state === "lost" ? "yes" : "no";
    notice.querySelector(".triage-connection-title").textContent = title;
    notice.querySelector(".triage-connection-more").textContent = more || "";
    var btn = notice.querySelector(".triage-connection-button");
    btn.hidden = !button;
    btn.textContent = button || "";
    makeRoom();
  }
  function hide(after) {
    if (!notice) return;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { notice.hidden = true; makeRoom(); }, after);
  }
  function makeRoom() {
    var space = notice && !notice.hidden ? notice.offsetHeight : 0;
    root.style.setProperty("--triage-connection-space", space + "px");
  }
  function setState(next) {
    if (next === state) return;
    var was = state;
    state = next;
    root.dataset.triageConnection = next;
    window.dispatchEvent(new CustomEvent("triage-connection", { detail: { state: next, was: was } }));
  }

  function lost() {
    setState(state === "restarted" ? "restarted" : "lost");
    if (state === "lost") {
      // an app that keeps nothing for later says what it does instead (data-triage-offline-note)
      var own = document.querySelector("[data-triage-offline-note]");
      show("No connection to the class server.", (own ? own.getAttribute("data-triage-offline-note") :
           "What you choose stays on this page and is sent when the connection is back") +
           "; the page reconnects by itself.", "Try again now", "lost");
    }
  }
  function reload(now) {
    // at most 3 automatic reloads in 2 minutes, so a server that keeps losing kernels cannot loop the page
    var times = [];
    try { times = JSON.parse(sessionStorage.getItem(RELOADS) || "[]"); } catch (e) { times = []; }
    var recent = times.filter(function (t) { return Date.now() - t < 120000; });
    if (!now && recent.length >= 3) {
      show("This page could not reopen itself.", "The class server was restarted; reload this page to carry on " +
           "where you were.", "Reload this page", "lost");
      return;
    }
    recent.push(Date.now());
    try { sessionStorage.setItem(RELOADS, JSON.stringify(recent)); } catch (e) { /* no storage */ }
    window.location.reload();
  }
  // Choices made in a case's questions but not yet checked live only in this page: kept through the
  // automatic reload (by the question's words and the options' order) and chosen again on the new page
  // for questions the class store has no answer to (all of their options unticked there).
  var UNSENT = "triage-unsent:" + window.location.pathname + window.location.search;
  function keepUnsent() {
    var kept = [];
    document.querySelectorAll(".triage-question").forEach(function (q) {
      var prompt = q.querySelector(".triage-question-prompt");
      var picked = [];
      q.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input, i) {
        if (input.checked) picked.push(i);
      });
      if (prompt && picked.length) kept.push({ prompt: prompt.textContent.trim(), picked: picked });
    });
    try { sessionStorage.setItem(UNSENT, JSON.stringify(kept)); } catch (e) { /* nothing kept */ }
  }
  function giveBackUnsent() {
    var kept;
    try { kept = JSON.parse(sessionStorage.getItem(UNSENT) || "[]"); } catch (e) { kept = []; }
    if (!kept.length) return;
    var tries = 0;
    var look = setInterval(function () {
      kept = kept.filter(function (entry) {
        var q = Array.prototype.find.call(document.querySelectorAll(".triage-question"), function (el) {
          var prompt = el.querySelector(".triage-question-prompt");
          return prompt && prompt.textContent.trim() === entry.prompt;
        });
        if (!q) return true;
        var inputs = q.querySelectorAll("input[type=radio], input[type=checkbox]");
        var answered = Array.prototype.some.call(inputs, function (input) { return input.checked; });
        if (!answered) entry.picked.forEach(function (i) { if (inputs[i] && !inputs[i].disabled) inputs[i].click(); });
        return false;
      });
      if (!kept.length || ++tries > 120) {
        clearInterval(look);
        try { sessionStorage.removeItem(UNSENT); } catch (e) { /* nothing kept */ }
      }
    }, 500);
  }
  // Where the student was reading: the first question or heading on screen, by its words. The reopened page
  // brings it back into view once it is drawn (a phone would otherwise start at the top, screens away),
  // unless the student scrolls, taps or types first.
  var PLACE = "triage-place:" + window.location.pathname + window.location.search;
  var MARKS = ".triage-question-prompt, .triage-app h2, .triage-app h3, .triage-app h4, .triage-app p, " +
              "#rendered_cells h1, #rendered_cells h2";
  function markText(el) { return el.textContent.trim().slice(0, 200); }
  function keepPlace() {
    // the mark nearest the middle of the screen (where one reads; a sticky header sits at the top) whose
    // words appear once on the page, so the new page finds it again
    var marks = Array.prototype.slice.call(document.querySelectorAll(MARKS));
    var counts = {};
    marks.forEach(function (el) { var t = markText(el); counts[t] = (counts[t] || 0) + 1; });
    var best = null, middle = window.innerHeight / 2;
    marks.forEach(function (el) {
      var box = el.getBoundingClientRect(), text = markText(el);
      if (!text || counts[text] > 1 || box.height === 0 || box.top < 0 || box.bottom > window.innerHeight) return;
      var off = Math.abs(box.top + box.height / 2 - middle);
      if (!best || off < best.off) best = { text: text, top: box.top, off: off };
    });
    try {
      if (best) sessionStorage.setItem(PLACE, JSON.stringify(best));
    } catch (e) { /* no storage: the page opens at the top */ }
  }
  function giveBackPlace() {
    var kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(PLACE) || "null"); sessionStorage.removeItem(PLACE); } catch (e) { return; }
    if (!kept || typeof kept.text !== "string") return;
    var moved = false, tries = 0, placed = 0;
    var stop = function () { moved = true; };
    ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (name) {
      window.addEventListener(name, stop, { once: true, passive: true, capture: true });
    });
    var look = setInterval(function () {
      if (moved || ++tries > 120 || placed > 4) { clearInterval(look); return; }
      var found = Array.prototype.filter.call(document.querySelectorAll(MARKS), function (m) {
        return markText(m) === kept.text;
      });
      if (found.length !== 1) return;
      var top = found[0].getBoundingClientRect().top;
      // at the height it had on the screen (a later widget may push it down again: looked at a few times more)
      if (Math.abs(top - kept.top) > 40) scrollerOf(found[0]).scrollBy(0, top - kept.top);
      placed++;
    }, 500);
  }
  function scrollerOf(el) {
    for (var box = el.parentElement; box; box = box.parentElement) {
      if (/(auto|scroll)/.test(getComputedStyle(box).overflowY) && box.scrollHeight > box.clientHeight) return box;
    }
    return document.scrollingElement || document.documentElement;
  }
  function gone(why) {
    // the server answers but no longer has this page's kernel: it was restarted (or the kernel ended);
    // or the page's apps did not draw (``why`` says which): keep what is unsent and open the page again
    keepUnsent();
    keepPlace();
    setState("restarted");
    show(why || "The class server was restarted: this page opens again where you were…", "", "Reload this page",
         "lost");
    window.dispatchEvent(new CustomEvent("triage-before-reload"));
    setTimeout(function () { reload(false); }, 300);
  }
  // A page whose apps failed to draw (the widget manager's "Error displaying widget", e.g. a model the
  // kernel had not sent yet when a page reopened under load) reopens itself as after a restart, within
  // the same limit of automatic reloads; a student's unsent choices and queued poll answers go with it.
  function drawFailed() {
    return Array.prototype.some.call(document.querySelectorAll(".jp-OutputArea-output"), function (out) {
      return /Error displaying widget/.test(out.textContent || "") && !out.querySelector(".triage-app");
    });
  }
  function watchDrawing() {
    var looks = 0;
    var look = setInterval(function () {
      if (drawFailed()) {
        clearInterval(look);
        gone("This page did not finish drawing its apps: it opens again where you were…");
      } else if (++looks > 240) {
        clearInterval(look); // two minutes: the page drew, or failed in a way a reload would not mend
      }
    }, 500);
  }
  function back() {
    var k = kernel();
    if (state !== "lost") return;
    var done = function () {
      setState("ok");
      show("Connected to the class server again.", "", null, "ok");
      hide(3000);
    };
    if (k && k.connectionStatus !== "connected" && typeof k.reconnect === "function") {
      k.reconnect().then(done, function () { schedule(PING_LOST_EVERY); });
    } else {
      done();
    }
  }

  function check() {
    var cfg = config();
    if (!cfg || !cfg.kernelId || inFlight || state === "restarted") return;
    inFlight = true;
    var ctl = typeof AbortController === "function" ? new AbortController() : null;
    var limit = setTimeout(function () { if (ctl) ctl.abort(); }, PING_TIMEOUT);
    var base = cfg.baseUrl || "/";
    var headers = { Accept: "application/json" };
    // a Jupyter server behind JupyterHub checks the XSRF token on every cookie-authenticated API call, as
    // the widget manager's own requests send it
    var xsrf = document.cookie.match("\\b_xsrf=([^;]*)\\b");
    if (xsrf) headers["X-XSRFToken"] = decodeURIComponent(xsrf[1]);
    fetch(base + "api/kernels/" + encodeURIComponent(cfg.kernelId) + "?no_track_activity=1", {
      cache: "no-store", credentials: "same-origin", headers: headers,
      signal: ctl ? ctl.signal : undefined
    }).then(function (r) {
      if (r.status === 404 || r.status === 424) { gone(); return null; } // 424: the hub says "not running"
      if (r.redirected && !sameServer(r.url, base)) { gone(); return null; } // e.g. to the hub's sign-in page
      var json = /json/.test(r.headers.get("Content-Type") || "");
      if (r.status === 503 && json) { gone(); return null; } // an older hub's "not running"
      if (!r.ok || !json) { lost(); return null; } // a proxy's or nginx's error page: the server is unreachable
      return r.json().then(function (body) {
        if (body && body.id === cfg.kernelId) { back(); } else { lost(); }
      }, lost);
    }, lost).then(function () {
      clearTimeout(limit);
      inFlight = false;
      schedule();
    });
  }
  function sameServer(address, base) {
    try { return new URL(address).pathname.indexOf(new URL(base, window.location.href).pathname) === 0; }
    catch (e) { return false; }
  }
  function schedule(delay) {
    clearTimeout(timer);
    if (document.hidden || state === "restarted") return;
    if (!delay && state !== "ok") {
      delay = Math.min(PING_LOST_EVERY * Math.pow(2, lostChecks), PING_LOST_MAX) * (0.75 + Math.random() / 2);
      lostChecks += 1;
    } else if (state === "ok") {
      lostChecks = 0;
    }
    timer = setTimeout(check, delay || PING_EVERY);
  }

  var watched = null;
  function watchKernel() {
    var k = kernel();
    if (!k || k === watched) return;
    watched = k;
    k.connectionStatusChanged.connect(function (_, status) {
      if (status !== "connected") { clearTimeout(timer); check(); } else if (state === "lost") { check(); }
    });
    k.statusChanged.connect(function (_, status) {
      if (status === "dead") { clearTimeout(timer); check(); }
    });
  }

  function start() {
    if (!config()) return; // not an app page
    root.dataset.triageConnection = state;
    giveBackUnsent();
    giveBackPlace();
    watchDrawing();
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { clearTimeout(timer); check(); }
    });
    window.addEventListener("offline", function () { lost(); });
    window.addEventListener("online", function () { clearTimeout(timer); check(); });
    var tries = 0;
    var find = setInterval(function () {
      watchKernel();
      if (watched || ++tries > 240) clearInterval(find);
    }, 250);
    schedule(PING_EVERY);
  }
  if (document.readyState === "complete") { start(); } else { window.addEventListener("load", start); }
})();
