"""A protocol-level Voila client: does on the wire what a browser does to bring an app up, minus rendering.

One session: GET the rendered page, GET every static asset the page needs (six at a time, as a browser
does per host, no cache), open the kernel websocket, send ``kernel_info_request``, open the
``jupyter.widget.control`` comm and ``request_states`` (what ipywidgets 8's manager does), and stop the
clock when ``update_states`` arrives: from then on only the client's own rendering is left. The page's
``beforeunload`` shutdown call is sent at the end, as a closing tab does.

This separates what the server must do per student from what each student's own browser does, so
many sessions can be simulated without 30 Chromium renderers competing for the server's cores.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import common  # noqa: F401  (puts tests/ on the path)
from support.kernel_frames import decode_frame
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

AsyncHTTPClient.configure(None, max_clients=400)
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]+)"')
PARALLEL_PER_SESSION = 6


def _message(msg_type: str, content: dict[str, Any], session: str, metadata: dict[str, Any] | None = None) -> str:
    return json.dumps({
        "header": {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session, "msg_type": msg_type,
                   "version": "5.3", "date": datetime.now(UTC).isoformat()},
        "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": "shell", "buffers": [],
    })



async def session(base: str, app: str, assets: list[str], timeout: float = 120) -> dict[str, float]:
    """One simulated student; returns the phase times in ms (``ready`` is the total)."""
    client = AsyncHTTPClient()
    t0 = time.perf_counter()
    page = await client.fetch(f"{base}/voila/render/{app}", request_timeout=timeout)
    t_page = time.perf_counter()
    cookies = "; ".join(c.split(";", 1)[0] for c in page.headers.get_list("Set-Cookie"))
    match = KERNEL_ID.search(page.body.decode())
    if not match:
        body = page.body.decode(errors="replace")
        raise RuntimeError(f"no kernelId in the rendered page (HTTP {page.code}, {len(body)} bytes, "
                           f"ends {body[-300:]!r})")
    kernel_id = match.group(1)

    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in assets:
        queue.put_nowait(path)

    async def worker() -> None:
        while not queue.empty():
            path = queue.get_nowait()
            await client.fetch(HTTPRequest(f"{base}{path}", headers={"Cookie": cookies}, request_timeout=timeout))

    await asyncio.gather(*(worker() for _ in range(PARALLEL_PER_SESSION)))
    t_assets = time.perf_counter()

    sid = uuid.uuid4().hex
    ws = await websocket_connect(HTTPRequest(
        f"{base.replace('http', 'ws', 1)}/api/kernels/{kernel_id}/channels?session_id={sid}",
        headers={"Cookie": cookies}, request_timeout=timeout))
    try:
        await ws.write_message(_message("kernel_info_request", {}, sid))
        comm_id = uuid.uuid4().hex
        await ws.write_message(_message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                                                      "data": {}}, sid, {"version": "1.0.0"}))
        await ws.write_message(_message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}},
                                        sid))
        deadline = time.perf_counter() + timeout
        states = None
        while states is None:
            frame = await asyncio.wait_for(ws.read_message(), max(0.1, deadline - time.perf_counter()))
            if frame is None:
                raise RuntimeError("kernel websocket closed before the widget states arrived")
            msg = decode_frame(frame)
            data = msg.get("content", {}).get("data", {})
            if msg.get("msg_type") == "comm_msg" and isinstance(data, dict) and data.get("method") == "update_states":
                states = data.get("states", {})
        t_ready = time.perf_counter()
    finally:
        ws.close()
    # the page's beforeunload call; tornado's XSRF check wants the same token as cookie and header
    token = uuid.uuid4().hex
    closed = await client.fetch(HTTPRequest(
        f"{base}/voila/api/shutdown/{kernel_id}", method="POST", body="",
        headers={"Cookie": f"{cookies}; _xsrf={token}", "X-XSRFToken": token}), raise_error=False)
    if closed.code != 204:
        raise RuntimeError(f"kernel shutdown answered HTTP {closed.code}")
    if not states:
        raise RuntimeError("the kernel sent no widget states")
    return {"page": (t_page - t0) * 1000, "assets": (t_assets - t_page) * 1000,
            "widgets": (t_ready - t_assets) * 1000, "ready": (t_ready - t0) * 1000, "models": len(states)}


async def many(base: str, app: str, assets: list[str], n: int) -> list[dict[str, float] | str]:
    """``n`` simultaneous sessions; an error is returned as its message, not raised."""
    async def guarded() -> dict[str, float] | str:
        try:
            return await session(base, app, assets)
        except Exception as exc:  # a benchmark counts errors, it does not stop on them
            return repr(exc)[:200]
    return await asyncio.gather(*(guarded() for _ in range(n)))
