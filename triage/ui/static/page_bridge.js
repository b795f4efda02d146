// The app frame's browser side (triage/ui/page_bridge.py), once per page:
// - the tab's title: the course's title for the app on a served page (not the notebook's file name);
// - "visible": sent when the student comes back to this tab or window, so the apps read the class
//   store again (another tab of the same student may have answered since);
// - small per-student state kept in this browser (localStorage under `store_key`: the explorer's
//   ticks; sessionStorage, for this tab only, when the kernel says `tab`: the case player's open case),
//   handed to the kernel when the page opens and saved when the kernel sends it.
const POLL_MARK = "Poll open: answer now · "; // poll_notice.js puts it in front of the title

function served() {
  return !!document.getElementById("rendered_cells"); // a Voila page (not JupyterLab)
}

function render({ model, el }) {
  el.classList.add("triage-page-bridge");
  const setTitle = () => {
    const title = model.get("title");
    if (!title || !served()) return;
    document.title = (document.title.startsWith(POLL_MARK) ? POLL_MARK : "") + title;
  };
  const read = (storage, key) => {
    try {
      const kept = JSON.parse(storage.getItem(key) || "null");
      return kept && typeof kept === "object" ? kept : {};
    } catch (e) { return {}; }
  };
  const restore = () => {
    const key = model.get("store_key");
    if (!key) return;
    const kept = Object.assign(read(localStorage, key), read(sessionStorage, key));
    if (Object.keys(kept).length) model.send({ restore: kept });
  };
  let last = 0;
  const visible = () => {
    if (document.hidden || Date.now() - last < 2000) return;
    last = Date.now();
    model.send({ visible: true });
  };
  const onMessage = (msg) => {
    const key = model.get("store_key");
    if (!key || !msg || typeof msg.save !== "object") return;
    try {
      const storage = msg.tab ? sessionStorage : localStorage;
      storage.setItem(key, JSON.stringify(Object.assign(read(storage, key), msg.save)));
    } catch (e) { /* storage full or blocked: nothing kept */ }
  };
  model.on("change:title", setTitle);
  model.on("change:store_key", restore);
  model.on("msg:custom", onMessage);
  document.addEventListener("visibilitychange", visible);
  window.addEventListener("focus", visible);
  setTitle();
  restore();
  return () => {
    model.off("change:title", setTitle);
    model.off("change:store_key", restore);
    model.off("msg:custom", onMessage);
    document.removeEventListener("visibilitychange", visible);
    window.removeEventListener("focus", visible);
  };
}
export default { render };
