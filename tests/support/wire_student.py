"""A student's app page at the protocol level: what a browser sends and receives, minus the drawing.

:class:`WireStudent` fetches an app page (``?student=NAME``), opens its kernel's websocket, asks for the
widget states as ipywidgets' manager does, and then follows every widget the kernel opens or updates.
It answers a live poll the way a student's clicks do (the option's ``index``, then a click on "Send my
answer"), and hands a kept choice back to a reloaded page as ``poll_notice.js`` does. A thread reads
the websocket; the caller waits for conditions on the widgets (:meth:`WireStudent.wait_for`).

Used by the class rehearsal (``tests/browser/test_class_rehearsal.py``) for the students beyond the ones in
Chromium, and by ``benchmarks/bench_live_class.py`` for a class of 30.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from support.kernel_frames import decode_frame

KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]+)"')
T = TypeVar("T")



class WireStudent:
    """One student's page of ``app`` on the server at ``base`` (see the module docstring)."""

    def __init__(self, base: str, app: str, name: str, timeout: float = 120) -> None:
        self.base, self.app, self.name, self.timeout = base, app, name, timeout
        self.models: dict[str, dict[str, Any]] = {}  # model id -> state (with "_model_name")
        self.closed = threading.Event()
        self.kernel_id = ""
        self._cond = threading.Condition()
        self._socket: Any = None
        self._stack = ExitStack()
        self._session = uuid.uuid4().hex
        self._reader: threading.Thread | None = None

    # -- the page ---------------------------------------------------------------------------------
    def open(self) -> WireStudent:
        """Fetch the page and bring its widgets up; returns once the widget states have arrived."""
        self.models.clear()
        self.closed.clear()
        url = f"{self.base}/voila/render/{self.app}?student={quote(self.name)}"
        with urllib.request.urlopen(url, timeout=self.timeout) as response:
            page = response.read().decode("utf-8", "replace")
        match = KERNEL_ID.search(page)
        if not match:
            raise RuntimeError(f"no kernel id in the page of {self.app} for {self.name}")
        self.kernel_id = match.group(1)
        ws_base = self.base.replace("http", "ws", 1)
        ws_url = f"{ws_base}/api/kernels/{self.kernel_id}/channels?session_id={self._session}"
        self._stack = ExitStack()
        self._socket = self._stack.enter_context(connect(ws_url, open_timeout=self.timeout, max_size=None))
        self._reader = threading.Thread(target=self._read, name=f"wire-{self.name}", daemon=True)
        self._reader.start()
        control = uuid.uuid4().hex
        self._send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
                   {"version": "1.0.0"})
        self._send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        self.wait_for(lambda: self.models or None, "the widget states")
        return self

    def close(self) -> None:
        self._stack.close()
        self.closed.set()

    def _send(self, msg_type: str, content: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
        self._socket.send(json.dumps({
            "header": {"msg_id": uuid.uuid4().hex, "username": self.name, "session": self._session,
                       "msg_type": msg_type, "version": "5.3", "date": datetime.now(UTC).isoformat()},
            "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": "shell", "buffers": [],
        }))

    def _read(self) -> None:
        try:
            while True:
                msg = decode_frame(self._socket.recv())
                self._apply(msg)
        except (ConnectionClosed, OSError, ValueError):
            pass
        finally:
            self.closed.set()
            with self._cond:
                self._cond.notify_all()

    def _apply(self, msg: dict[str, Any]) -> None:
        kind, content = msg.get("msg_type"), msg.get("content", {})
        data = content.get("data", {}) if isinstance(content, dict) else {}
        with self._cond:
            if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
                self.models[content["comm_id"]] = dict(data.get("state", {}))
            elif kind == "comm_msg" and isinstance(data, dict):
                method = data.get("method")
                if method == "update_states":
                    for model_id, model in data.get("states", {}).items():
                        self.models[model_id] = {**model.get("state", {}), "_model_name": model.get("model_name")}
                elif method in ("update", "echo_update") and content.get("comm_id") in self.models:
                    self.models[content["comm_id"]].update(data.get("state", {}))
            elif kind == "comm_close":
                self.models.pop(content.get("comm_id"), None)
            else:
                return
            self._cond.notify_all()

    def wait_for(self, condition: Callable[[], T | None], what: str, timeout: float | None = None) -> T:
        """Wait until ``condition()`` (called with the widgets as they are) gives something truthy."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        with self._cond:
            while True:
                value = condition()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0 or (self.closed.is_set() and not value):
                    limit = timeout if timeout is not None else self.timeout
                    state = "the connection closed" if self.closed.is_set() else f"not within {limit} s"
                    raise TimeoutError(f"{self.name} ({self.app}): {what}: {state}")
                self._cond.wait(min(left, 0.5))

    # -- the widgets ------------------------------------------------------------------------------
    def find(self, test: Callable[[dict[str, Any]], bool]) -> list[tuple[str, dict[str, Any]]]:
        return [(model_id, state) for model_id, state in list(self.models.items()) if test(state)]

    def _classed(self, css: str) -> list[tuple[str, dict[str, Any]]]:
        return self.find(lambda s: css in s.get("_dom_classes", ()))

    def notice(self) -> dict[str, Any] | None:
        """The poll notice's state (``state``: "", "open", "sent", "closed"; ``answered``)."""
        found = self._classed("triage-poll-notice")
        return found[0][1] if found else None

    def notice_id(self) -> str | None:
        found = self._classed("triage-poll-notice")
        return found[0][0] if found else None

    def poll_state(self) -> str:
        notice = self.notice()
        return notice.get("state", "") if notice else ""

    def status(self) -> str:
        """The text of the class panel's status line."""
        found = self._classed("triage-poll-status")
        return re.sub(r"<[^>]+>", "", found[0][1].get("value", "")) if found else ""

    def answer(self, index: int) -> None:
        """Choose option ``index`` of the open (single-choice) poll and press "Send my answer"."""
        def controls() -> tuple[str, str] | None:
            boxes = self._classed("triage-poll-options")
            if not boxes or not boxes[0][1].get("children"):
                return None
            radio = boxes[0][1]["children"][0].removeprefix("IPY_MODEL_")
            send = self.find(lambda s: s.get("description") == "Send my answer")
            return (radio, send[0][0]) if radio in self.models and send else None

        radio, send = self.wait_for(controls, "the poll's options")
        self._send("comm_msg", {"comm_id": radio, "data": {"method": "update", "state": {"index": index},
                                                            "buffer_paths": []}})
        self._send("comm_msg", {"comm_id": send, "data": {"method": "custom", "content": {"event": "click"}}})

    def hand_back(self, chosen: list[str], send: bool = True) -> None:
        """What a reloaded page's ``poll_notice.js`` does with a choice it kept: give it to the kernel."""
        notice = self.wait_for(self.notice_id, "the poll notice")
        self._send("comm_msg", {"comm_id": notice, "data": {"method": "custom",
                                                             "content": {"draft": chosen, "send": send}}})
