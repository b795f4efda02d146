"""Joining from phones: the classroom address (from the interfaces, no network traffic), the terminal's QR code
decoded back (Debian's zbarimg, package zbar-tools), the presenter's start screen, and a busy PORT.
The launcher and the QR code in a real page: tests/browser/test_browser_join.py."""

from __future__ import annotations

import socket
from collections import namedtuple

import pytest
from support.class_fixtures import ANA, context, staged_case
from support.qr import qr_block, terminal_qr_to_pbm, zbar

from triage.errors import TriageError
from triage.serve.app import reach_note, startup_message
from triage.serve.join import check_port_free, classroom, join_lines, lan_addresses, qr_text
from triage.store.memory import MemoryStore
from triage.ui import Presenter
from triage.ui.instructor.join import join_html

Addr = namedtuple("Addr", "family address netmask broadcast ptp")
Stat = namedtuple("Stat", "isup")


# -- the address --------------------------------------------------------------------------------------------

def test_the_lan_address_comes_from_the_interfaces_that_phones_can_reach():
    addrs = {
        "lo": [Addr(socket.AF_INET, "127.0.0.1", None, None, None)],
        "docker0": [Addr(socket.AF_INET, "172.17.0.1", None, None, None)],
        "tun0": [Addr(socket.AF_INET, "10.8.0.2", None, None, None)],
        "eth1": [Addr(socket.AF_INET, "169.254.10.20", None, None, None)],
        "wlan0": [Addr(socket.AF_INET6, "fe80::1", None, None, None), Addr(socket.AF_INET, "192.168.1.23", None,
                                                                            None, None)],
        "eth2": [Addr(socket.AF_INET, "10.20.0.5", None, None, None)],
        "down0": [Addr(socket.AF_INET, "192.168.9.9", None, None, None)],
    }
    stats = {name: Stat(name != "down0") for name in addrs}
    # loopback, the container bridge, the link-local and the down interface are left out; the VPN comes last
    assert lan_addresses(addrs, stats) == ["192.168.1.23", "10.20.0.5", "10.8.0.2"]
    assert lan_addresses({"lo": addrs["lo"]}, {"lo": Stat(True)}) == []


def test_the_classroom_address_follows_host_and_port():
    lan = ["192.168.1.23", "10.20.0.5"]
    room = classroom("0.0.0.0", 8870, "/", lan)
    assert room.urls == ("http://192.168.1.23:8870/", "http://10.20.0.5:8870/") and room.url == room.urls[0]
    assert classroom("192.168.1.23", 8866, "/triage/", lan).urls == ("http://192.168.1.23:8866/triage/",)
    for local in ("127.0.0.1", "localhost", "::1"):
        assert classroom(local, 8866, "/", lan).local_only
    assert classroom("0.0.0.0", 8866, "/", []).urls == ()


def test_a_busy_port_is_refused_naming_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(TriageError, match=rf"PORT: port {port} is in use by another program; choose another"):
            check_port_free("127.0.0.1", port)
    check_port_free("127.0.0.1", port)  # closed again: free


def test_the_terminal_qr_code_reads_back_as_the_address(tmp_path):
    url = "http://192.168.1.23:8870/"
    lines = qr_text(url).rstrip("\n").splitlines()
    assert zbar(terminal_qr_to_pbm(lines, tmp_path / "qr.pbm")) == url


def test_the_start_up_message_says_where_students_join():
    room = classroom("0.0.0.0", 8870, "/", ["192.168.1.23", "10.20.0.5"])
    text = startup_message("http://127.0.0.1:8870/", "k7pm-w3xd-qa9f", "kept in /c/instructor-key: the same",
                           "BIO-101", ["x"], room=room)
    assert "Students join at:   http://192.168.1.23:8870/" in text and "also: http://10.20.0.5:8870/" in text
    assert len(qr_block(text)) > 10
    # the block for the room (address, QR code, class code) comes first; the instructor's, apart, never holds
    # the key itself (the terminal with the QR code may be on the projector)
    room_part, _, own_part = text.partition("For you only")
    assert "Students join at" in room_part and "BIO-101" in room_part and "Instructor key" not in room_part
    assert "Instructor key:     not printed here" in own_part and "k7pm-w3xd-qa9f" not in text
    assert join_lines(classroom("127.0.0.1", 8866)) == []  # the note under the address says it (reach_note)
    local = startup_message("http://127.0.0.1:8866/", "k", "s", None, ["x"], reach_note("127.0.0.1"),
                            classroom("127.0.0.1", 8866))
    assert "only this computer can open it" in local and "make app HOST=0.0.0.0" in local
    assert "Students join at" not in local


# -- the presenter's start screen ---------------------------------------------------------------------------

def test_the_presenter_opens_on_the_join_screen_and_makes_way_for_the_lesson(monkeypatch):
    monkeypatch.setenv("TRIAGE_CLASS_URL", "http://192.168.1.23:8870/")
    app = Presenter(cases=[staged_case()], context=context(ANA, MemoryStore(), mode="voila", params={"key": "x"},
                                                           key="x"), keyboard=False)
    assert app.unlocked and "http://192.168.1.23:8870/" in app.join.value and "<svg" in app.join.value
    assert "QR code of http://192.168.1.23:8870/" in app.join.value  # the image's text alternative
    app.on_key("j")
    assert app.join.value == "" and app.join_button.description == "Show how to join (J)"
    app.on_key("j")
    app.on_key("n")  # the lesson starts
    assert app.join.value == "" and app.stage == 1
    monkeypatch.delenv("TRIAGE_CLASS_URL")
    local = Presenter(cases=[staged_case()], context=context(ANA, MemoryStore(), mode="voila",
                                                             params={"key": "x"}, key="x"), keyboard=False)
    assert "make app HOST=0.0.0.0" in local.join.value and "<svg" not in local.join.value
    lab = Presenter(cases=[staged_case()], context=context(ANA, MemoryStore(), mode="lab"), keyboard=False)
    assert lab.join.value == "" and lab.join_button.layout.display == "none"


def test_the_start_screen_shrinks_to_one_line_once_the_options_are_shown(monkeypatch):
    """Before the lesson starts the room reads the first question with the start screen still up: once O
    shows the options it is one line (address and code, no QR code), so the story, the question and its
    options fit the projector; hiding the options brings the full start screen back; J's own choice wins."""
    monkeypatch.setenv("TRIAGE_CLASS_URL", "http://192.168.1.23:8870/")
    monkeypatch.setenv("TRIAGE_CLASS_CODE", "bio-101")
    app = Presenter(cases=[staged_case()], context=context(ANA, MemoryStore(), mode="voila", params={"key": "x"},
                                                           key="x"), keyboard=False)
    assert "<svg" in app.join.value and "triage-join-compact" not in app.join.value
    app.on_key("o")
    assert "triage-join-compact" in app.join.value and "<svg" not in app.join.value
    assert "http://192.168.1.23:8870/" in app.join.value and "bio-101" in app.join.value
    app.on_key("o")
    assert "<svg" in app.join.value and "triage-join-compact" not in app.join.value
    app.on_key("o")
    app.on_key("j")  # hidden by hand
    assert app.join.value == ""
    app.on_key("j")  # asked for by hand, for latecomers: the full start screen, with the options up
    assert "<svg" in app.join.value and "triage-join-compact" not in app.join.value
    monkeypatch.delenv("TRIAGE_CLASS_URL")
    line = join_html(None, None, compact=True)
    assert "make app HOST=0.0.0.0" in line and "triage-join-compact" in line


def test_the_start_screen_escapes_the_address():
    assert "<b>" not in join_html("http://x/<b>")




def test_the_start_screen_shows_the_class_code_students_must_type(monkeypatch):
    """With `make app CLASS=bio-101` a student cannot join without the code: the room sees it beside the QR."""
    monkeypatch.setenv("TRIAGE_CLASS_URL", "http://192.168.1.23:8870/")
    monkeypatch.setenv("TRIAGE_CLASS_CODE", "bio-101")
    app = Presenter(cases=[staged_case()], context=context(ANA, MemoryStore(), mode="voila", params={"key": "x"},
                                                           key="x"), keyboard=False)
    assert "class code <strong class='triage-join-code'>bio-101</strong>" in app.join.value
    monkeypatch.delenv("TRIAGE_CLASS_CODE")
    assert "class code" not in join_html("http://192.168.1.23:8870/")
