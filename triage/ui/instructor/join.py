"""How students join a class served with ``make app``: the classroom address and its QR code, for the
presenter's start screen.

The launcher (:mod:`triage.serve.join`) puts the address other devices reach in ``$TRIAGE_CLASS_URL``
when it serves on the room's network (``make app HOST=0.0.0.0``). The QR code is an SVG drawn in the
page from :mod:`segno` (pure Python): nothing is fetched, so it works offline.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..common import esc

ENV_URL = "TRIAGE_CLASS_URL"


def class_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The classroom address the launcher found, or None (local only, JupyterLab, a hub)."""
    url = (environ if environ is not None else os.environ).get(ENV_URL, "").strip()
    return url if url.startswith(("http://", "https://")) else None


def qr_svg(url: str, title: str) -> str:
    """The QR code of ``url`` as inline SVG that scales with its box (black on white, a quiet zone of 4)."""
    import segno

    return segno.make(url, error="m", micro=False).svg_inline(
        omitsize=True, border=4, dark="#000", light="#fff", svgclass="triage-qr", title=title)


def class_code(environ: Mapping[str, str] | None = None) -> str | None:
    """The class code students type on the home page (``TRIAGE_CLASS_CODE``, ``make app CLASS=...``), or None."""
    code = (environ if environ is not None else os.environ).get("TRIAGE_CLASS_CODE", "").strip()
    return code or None


def join_html(url: str | None, code: str | None = None, compact: bool = False) -> str:
    """The presenter's start screen: where students open the apps (with a QR code) and the class code they
    type, or, when the server listens on this machine only, how to let students' devices in. ``compact``:
    one line above the case (the address and the code, no QR code), once the question's options are shown,
    so the story, the question and its options fit the screen with it."""
    if compact:
        if url is None:
            line = ("<strong>Joining from phones:</strong> only this computer can open the apps; start the "
                    "server with <code>make app HOST=0.0.0.0</code> to let them in.")
        else:
            line = (f"<strong>Join the class:</strong> <span class='triage-join-url'>{esc(url)}</span>"
                    + (f" &middot; class code <strong class='triage-join-code'>{esc(code)}</strong>" if code else ""))
        return f"<div class='triage-join-panel triage-join-compact'><p>{line}</p></div>"
    if url is None:
        return ("<div class='triage-join-panel'><h2>Joining from phones</h2>"
                "<p>Only this computer can open the apps: the server listens on this machine only. To let "
                "students' phones and laptops on the same network join, stop it and start it with "
                "<code>make app HOST=0.0.0.0</code>; the address and a QR code then appear here.</p></div>")
    return ("<div class='triage-join-panel'><h2>Join the class</h2>"
            f"<div class='triage-join-grid'><div class='triage-qr-box'>{qr_svg(url, 'QR code of ' + url)}</div>"
            "<div><p>On a phone or laptop on the same network (Wi-Fi), scan the code or open:</p>"
            f"<p class='triage-join-url'><strong>{esc(url)}</strong></p>"
            + (f"<p>Then type your name and the class code <strong class='triage-join-code'>{esc(code)}</strong> "
               "on the home page, and open the app the class is using.</p>" if code else
               "<p>Then type your name on the home page and open the app the class is using.</p>")
            + "</div></div></div>")
