"""Joining from phones: the classroom address of ``make app`` and its QR code.

``make app HOST=0.0.0.0`` serves on every network interface; the address students type (or scan) is
this machine's address on the room's network, read from the interfaces (:mod:`psutil`), without
sending anything on the network. With the default ``HOST=127.0.0.1`` only this machine can open the
apps, and the start-up message says how to let phones in.

The launcher gives the address to the kernels as ``$TRIAGE_CLASS_URL`` (the presenter's start screen
shows it with a QR code) and prints it with a QR code drawn in text for the terminal. QR codes come
from :mod:`segno` (pure Python; nothing is fetched).
"""

from __future__ import annotations

import errno
import io
import ipaddress
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import Problem, TriageError

ENV_URL = "TRIAGE_CLASS_URL"
ALL_INTERFACES = ("", "0.0.0.0", "::", "[::]", "*")  # noqa: S104 - names for "every interface", compared only
# interfaces no phone in the room reaches (containers, virtual machines' bridges)
HIDDEN_PREFIXES = ("docker", "br-", "veth", "virbr", "vboxnet", "vmnet", "lxcbr", "lxdbr", "cni", "flannel", "podman")
# tunnels (VPNs): reachable by other devices only by chance; listed after the others
TUNNEL_PREFIXES = ("tun", "tap", "wg", "utun", "tailscale", "zt", "ppp", "ipsec")


@dataclass(frozen=True)
class Classroom:
    """Where the apps can be opened from other devices: ``urls`` (the first one is the QR code's), or none
    when the server listens on this machine only."""

    urls: tuple[str, ...]
    local_only: bool

    @property
    def url(self) -> str | None:
        return self.urls[0] if self.urls else None


def lan_addresses(addrs: Mapping[str, Sequence[Any]] | None = None,
                  stats: Mapping[str, Any] | None = None) -> list[str]:
    """This machine's IPv4 addresses that other devices on the network can reach, best first: interfaces
    that are up, not loopback, link-local or a container bridge; private (room network) addresses before
    public ones, tunnels last. ``addrs`` and ``stats`` are :func:`psutil.net_if_addrs` and
    :func:`psutil.net_if_stats` (read when not given)."""
    if addrs is None or stats is None:
        import psutil

        addrs = psutil.net_if_addrs() if addrs is None else addrs
        stats = psutil.net_if_stats() if stats is None else stats
    found: list[tuple[int, int, str]] = []
    for order, (name, entries) in enumerate(addrs.items()):
        state = stats.get(name)
        if (state is not None and not state.isup) or name.lower().startswith(HIDDEN_PREFIXES):
            continue
        tunnel = name.lower().startswith(TUNNEL_PREFIXES)
        for entry in entries:
            if entry.family != socket.AF_INET:
                continue
            try:
                ip = ipaddress.IPv4Address(entry.address)
            except ValueError:
                continue
            if ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
                continue
            rank = 2 if tunnel else (0 if ip.is_private else 1)
            found.append((rank, order, str(ip)))
    return list(dict.fromkeys(address for _, _, address in sorted(found)))


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def classroom(host: str, port: int, base_url: str = "/", addresses: Sequence[str] | None = None) -> Classroom:
    """The classroom address(es) of a server listening on ``host``:``port`` under ``base_url``."""
    base = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    if _is_loopback(host):
        return Classroom((), local_only=True)
    if host in ALL_INTERFACES:
        hosts = list(addresses) if addresses is not None else lan_addresses()
    else:
        hosts = [host]
    return Classroom(tuple(f"http://{h}:{port}{base}" for h in hosts), local_only=False)


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`~triage.errors.TriageError` naming ``PORT`` when another program listens on ``port``
    (the server would otherwise move to another port, away from the address it prints)."""
    bind = "" if host in ALL_INTERFACES else host.strip("[]")
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: a closed port is free
        try:
            probe.bind((bind, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                why = "is in use by another program" if exc.errno == errno.EADDRINUSE else "is not open to this user"
                message = f"port {port} {why}; choose another, e.g. make app PORT={port + 4}"
                raise TriageError(Problem("PORT", message)) from None
            raise TriageError(Problem("HOST", f"this machine cannot serve on {host or 'all interfaces'} "
                                              f"({exc.strerror or exc})")) from None


def qr_text(url: str) -> str:
    """A QR code of ``url`` drawn with block characters for a terminal (light on dark: the blocks are the
    light modules, as a terminal with a dark background shows them)."""
    import segno

    out = io.StringIO()
    segno.make(url, error="m", micro=False).terminal(out=out, compact=True, border=2)
    return out.getvalue()


def join_lines(room: Classroom) -> list[str]:
    """The start-up message's lines about joining from other devices (after "Open in a browser"); none for
    a server on this machine only (the line under the address says so: ``triage.serve.app.reach_note``)."""
    if room.local_only:
        return []
    if not room.urls:
        return ["  Students join at:   no network address found on this machine (is it on the room's",
                "                      Wi-Fi or network?); students cannot join from other devices yet"]
    lines = [f"  Students join at:   {room.urls[0]}  (phones and laptops on the same network; scan the",
             "                      code below or on the presenter's start screen)"]
    lines += [f"                      also: {url}" for url in room.urls[1:]]
    return [*lines, "", *("  " + line for line in qr_text(room.urls[0]).rstrip("\n").splitlines()), ""]
