"""Kernel messages on a websocket, as the protocol-level clients of the tests and benchmarks read them."""

from __future__ import annotations

import json
import struct
from typing import Any


def decode_frame(frame: str | bytes) -> dict[str, Any]:
    """A kernel message from a websocket frame (JSON text, or jupyter_server's legacy binary framing)."""
    if isinstance(frame, str):
        return json.loads(frame)
    nbufs = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack(f"!{nbufs}I", frame[4:4 + 4 * nbufs])
    end = offsets[1] if nbufs > 1 else len(frame)
    return json.loads(frame[offsets[0]:end].decode())
