
// tools.static_site.offline: the network answers first, as before; when it fails (the classroom's Wi-Fi
// dropped, a train), the copy a page kept answers (docs/developer/decisions/0023).
const TRIAGE_KEPT = "triage-offline-";
// Only requests the static routes leave to the fetch handler come here: in Chromium the pages themselves
// (navigations: their race) and the kernel's worker's files; in other browsers every file.
function triageKeeps(request, url) {
  return request.method === "GET" && url.origin === location.origin && !shouldBroadcast(url);
}
function triageOffline(request) {
  return fetch(request).catch(async (failed) => {
    const kept = await triageKept(request).catch(() => null);
    if (kept) return kept;
    throw failed;
  });
}
async function triageKept(request) {
  const url = new URL(request.url);
  url.hash = "";
  const tries = [url.href];
  if (request.mode === "navigate") {  // a folder's address shows its index.html; a query changes no file
    url.search = "";
    if (url.pathname.endsWith("/")) url.pathname += "index.html";
    tries.push(url.href);
  }
  const names = (await caches.keys()).filter((name) => name.startsWith(TRIAGE_KEPT)).reverse();
  for (const name of names) {
    const cache = await caches.open(name);
    for (const key of tries) {
      const found = await cache.match(key, { ignoreVary: true });
      if (found) return found;
    }
  }
  return null;
}
