// The instructor gate's browser side (triage/ui/gate.py): hands the kernel the instructor key this tab
// kept (the page took it from the address, or it was typed and accepted), so a reload opens the
// instructor view again without the key ever returning to the address bar.
const KEY = "triage-instructor-key";

function render({ model, el }) {
  el.classList.add("triage-gate-carrier");
  let kept = null;
  try { kept = sessionStorage.getItem(KEY); } catch (e) { kept = null; }
  if (kept) model.send({ key: kept });
  const onMessage = (msg) => {
    try {
      if (msg && msg.forget) sessionStorage.removeItem(KEY);
      if (msg && typeof msg.remember === "string") sessionStorage.setItem(KEY, msg.remember);
    } catch (e) { /* no storage: the key is asked for after a reload */ }
  };
  model.on("msg:custom", onMessage);
  return () => model.off("msg:custom", onMessage);
}
export default { render };
