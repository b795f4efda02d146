// The class panel's browser side (triage/ui/poll_notice.py): makes an open poll impossible to miss on a
// served page, and never lets the page claim an answer the kernel has not confirmed.
//
// - While a poll is open and this student has not answered, a bar fixed to the bottom of the screen
//   names the poll and takes the student to it (it hides while the panel itself is in view), and the
//   tab's title starts with "Poll open".
// - A choice or a press of "Send my answer" is noted at once in the page ("Sending..." or "not sent
//   yet"), and the kernel's own words replace the note when the kernel has handled it (``seq`` counts
//   the sends it handled); the kernel's "Sent" is the only confirmation, given after the class store
//   accepted the answer.
// - The choice is kept in the tab's sessionStorage until the kernel confirms it, so a page reloaded
//   after the server came back hands it to the new kernel (and sends it, when Send had been pressed).
const TITLE_MARK = "Poll open: answer now · ";
const DRAFT = "triage-poll-draft:";

function served() {
  return !!document.getElementById("rendered_cells"); // a Voila page (not JupyterLab)
}

function offline() {
  return (document.documentElement.dataset.triageConnection || "ok") !== "ok";
}

function render({ model, el }) {
  el.classList.add("triage-poll-notice");
  let bar = null;
  let panelInView = false;
  let observer = null;
  let watched = null;
  let statusObserver = null;
  let pending = null; // "send" (Send pressed) or "change" (a new choice) until the kernel answers

  const panel = () => el.closest(".triage-poll-panel");
  const waiting = () => model.get("state") === "open";
  const live = () => waiting() || model.get("state") === "sent"; // the poll takes answers
  const key = () => DRAFT + model.get("poll_id");

  function inputs() {
    const p = panel();
    return p ? [...p.querySelectorAll(".triage-poll-options input[type=radio], .triage-poll-options input[type=checkbox]")] : [];
  }
  function chosen() {
    const ids = model.get("options");
    return inputs().map((input, i) => (input.checked ? ids[i] : null)).filter((id) => id !== null);
  }
  function readDraft() {
    try {
      return JSON.parse(sessionStorage.getItem(key()) || "null");
    } catch (e) {
      return null;
    }
  }
  function saveDraft(send) {
    const ids = chosen();
    try {
      if (ids.length) sessionStorage.setItem(key(), JSON.stringify({ chosen: ids, send: send }));
    } catch (e) { /* storage full or blocked: the choice stays on the page */ }
  }
  function dropDraft() {
    try { sessionStorage.removeItem(key()); } catch (e) { /* nothing kept */ }
  }

  // -- the note under the panel while the kernel has not answered -------------------------------
  function note() {
    const p = panel();
    if (!p) return;
    let n = p.querySelector(".triage-poll-pending");
    if (!pending) {
      if (n) n.remove();
      p.classList.remove("triage-poll-unconfirmed");
      return;
    }
    if (!n) {
      n = document.createElement("p");
      n.className = "triage-poll-pending";
      n.setAttribute("role", "status");
      const status = p.querySelector(".triage-poll-status");
      (status || p).before(n);
    }
    p.classList.add("triage-poll-unconfirmed");
    if (offline()) {
      n.textContent = "Not sent: this page cannot reach the class server. Your choice is kept here and is " +
        "sent when the connection is back.";
    } else if (pending === "send") {
      n.textContent = "Sending your answer…";
    } else {
      n.textContent = "Your new choice is not sent yet: press “Send my answer”.";
    }
  }
  function settle() {
    pending = null;
    note();
  }

  function onInput(event) {
    if (!event.target.closest(".triage-poll-options")) return;
    if (pending !== "send") pending = "change";
    saveDraft(false);
    note();
  }
  function onClick(event) {
    if (!event.target.closest(".triage-poll-send")) return;
    if (!chosen().length) return; // the kernel says "Choose an answer first"
    pending = "send";
    saveDraft(true);
    note();
  }

  function watchPanel() {
    const p = panel();
    if (!p || p === watched) return;
    watched = p;
    p.addEventListener("change", onInput, true);
    p.addEventListener("click", onClick, true);
    const status = p.querySelector(".triage-poll-status");
    if (status) {
      // any words from the kernel replace the page's own note
      statusObserver = new MutationObserver(() => { if (pending === "change") settle(); });
      statusObserver.observe(status, { childList: true, subtree: true, characterData: true });
    }
    const body = p.querySelector(".triage-poll-body") || p;
    if ("IntersectionObserver" in window) {
      observer = new IntersectionObserver((entries) => {
        panelInView = entries.some((e) => e.isIntersecting && e.intersectionRatio >= 0.5);
        draw();
      }, { threshold: [0, 0.5, 1] });
      observer.observe(body);
    }
  }

  // -- the bar and the title ---------------------------------------------------------------------
  function goToPanel() {
    const p = panel();
    if (!p) return;
    const body = p.querySelector(".triage-poll-body") || p;
    body.scrollIntoView({ block: "start" });
    const first = p.querySelector(".triage-poll-options input:not([disabled])");
    if (first) first.focus({ preventScroll: true });
  }
  function draw() {
    if (!served()) return;
    const show = waiting();
    const title = document.title.startsWith(TITLE_MARK) ? document.title.slice(TITLE_MARK.length) : document.title;
    document.title = show ? TITLE_MARK + title : title;
    if (show && !bar) {
      bar = document.createElement("div");
      bar.className = "triage-poll-beacon";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "triage-poll-beacon-button";
      button.innerHTML = "<strong>Class poll open:</strong> <span class='triage-poll-beacon-prompt'></span> " +
        "<span class='triage-poll-beacon-go'>Answer now</span>";
      button.addEventListener("click", goToPanel);
      bar.appendChild(button);
      document.body.appendChild(bar);
    }
    if (bar) {
      bar.querySelector(".triage-poll-beacon-prompt").textContent = model.get("prompt");
      bar.hidden = !show || panelInView;
    }
  }

  // -- an answer kept from before a reload -------------------------------------------------------
  function restore() {
    if (!live() || offline()) return;
    const draft = readDraft();
    if (!draft || !Array.isArray(draft.chosen) || !draft.chosen.length) return;
    const answered = model.get("answered");
    if (JSON.stringify([...draft.chosen].sort()) === JSON.stringify([...answered].sort())) return;
    model.send({ draft: draft.chosen, send: !!draft.send });
  }

  function onState() {
    watchPanel();
    const answered = model.get("answered");
    const draft = readDraft();
    if (draft && answered.length && JSON.stringify([...draft.chosen].sort()) === JSON.stringify([...answered].sort())) {
      dropDraft(); // the store has exactly this answer
    }
    if (!live()) dropDraft(); // the poll closed (or there is none): nothing more can be sent
    draw();
  }
  function onSeq() {
    settle();
    onState();
  }
  function onConnection() {
    note();
    if (!offline()) restore();
  }

  model.on("change:state", () => { onState(); restore(); });
  model.on("change:poll_id", onState);
  model.on("change:prompt", draw);
  model.on("change:answered", onState);
  model.on("change:seq", onSeq);
  window.addEventListener("triage-connection", onConnection);
  // the element joins the page after render(): wait for it
  let tries = 0;
  const attach = () => {
    if (!panel()) { if (++tries < 200) requestAnimationFrame(attach); return; }
    onState();
    restore();
  };
  requestAnimationFrame(attach);
  return () => {
    window.removeEventListener("triage-connection", onConnection);
    if (observer) observer.disconnect();
    if (statusObserver) statusObserver.disconnect();
    if (watched) {
      watched.removeEventListener("change", onInput, true);
      watched.removeEventListener("click", onClick, true);
    }
    if (bar) bar.remove();
    if (document.title.startsWith(TITLE_MARK)) document.title = document.title.slice(TITLE_MARK.length);
  };
}
export default { render };
