function triageUnpack(FS, buffer) {
  const bytes = new Uint8Array(buffer);
  const size = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + size)));
  const made = new Set();
  let at = 4 + size;
  for (const [path, length] of head.files) {
    const full = head.root + "/" + path;
    const folder = full.slice(0, full.lastIndexOf("/"));
    if (!made.has(folder)) { FS.mkdirTree(folder); made.add(folder); }
    FS.writeFile(full, bytes.subarray(at, at + length), { canOwn: true });
    at += length;
  }
  return head;
}
