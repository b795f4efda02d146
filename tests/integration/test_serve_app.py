"""The launcher (``python -m triage serve``): what it prints, what reaches the kernels, what it refuses."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from support.voila_server import ROOT, fetch, kernel_id_of, page_kernel_id, serve, widget_notebook

from triage.serve.app import (
    instructor_key,
    new_instructor_key,
    prepare_environment,
    reach_note,
    startup_message,
)

KEY = re.compile(r"^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$")


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        time.sleep(0.3)
    return value


def banner(server) -> str:
    """The server's log once the start-up message is in it (else empty)."""
    text = server.log_text()
    return text if "Stop with Ctrl+C" in text else ""


def kernel_environment(server, kernel_id: str) -> dict[str, str]:
    process = next(p for p in server.kernel_processes() if kernel_id_of(p) == kernel_id)
    return process.environ()


@pytest.mark.server
def test_the_launcher_prints_address_key_and_class_code_and_gives_them_to_the_kernels(tmp_path):
    folder = tmp_path / "apps"
    widget_notebook(folder)
    env = {"TRIAGE_INSTRUCTOR_KEY": None, "TRIAGE_CLASS_CODE": "BIO-101"}
    with serve(tmp_path, notebooks=folder, env=env, args=["--pool_size=1"]) as server:
        log = wait_for(lambda: banner(server), 60, "the banner")
        assert f"Open in a browser:  {server.url}/" in log
        # the key is not printed (the terminal may be projected): the banner says where it is kept
        kept = tmp_path / "instructor-key"  # beside the class store (TRIAGE_CLASS_DB)
        assert re.search(rf"Instructor key:\s+not printed here.*\(kept in\s+{re.escape(str(kept))}:"
                         r"\s+the\s+same\s+at\s+every\s+start", log, re.S)
        key = kept.read_text().strip()
        assert KEY.match(key), key
        assert key not in log and kept.stat().st_mode & 0o777 == 0o600
        # make key (python -m triage class key) prints it, for a window the room cannot see
        out = subprocess.run([sys.executable, "-m", "triage", "class", "key", "--db", str(tmp_path / "class.db")],
                             capture_output=True, text=True, timeout=120, check=True)
        assert out.stdout.strip() == key
        assert "(only this computer can open it; make app HOST=0.0.0.0" in log
        assert re.search(r"Class code:\s+BIO-101\s", log)
        assert re.search(r"Kernels:\s+at most \d+ at once", log)
        assert "a typed name is not a login" in log
        status, page = fetch(f"{server.url}/voila/render/tiny.ipynb")
        assert status == 200
        environ = kernel_environment(server, page_kernel_id(page))
        assert environ["TRIAGE_INSTRUCTOR_KEY"] == key
        assert environ["TRIAGE_CLASS_CODE"] == "BIO-101"
        # the notebooks are unsigned; Voila trusts every output itself, so no trust check, no warning
        assert "not trusted" not in server.log_text()


@pytest.mark.server
def test_an_instructor_key_from_the_environment_is_kept(tmp_path):
    folder = tmp_path / "apps"
    widget_notebook(folder)
    env = {"TRIAGE_INSTRUCTOR_KEY": "Our-Own-Key-42"}
    with serve(tmp_path, notebooks=folder, env=env, args=["--pool_size=1"]) as server:
        log = wait_for(lambda: banner(server), 60, "the banner")
        assert re.search(r"Instructor key:     not printed here.*\(from TRIAGE_INSTRUCTOR_KEY\)", log, re.S)
        assert "Our-Own-Key-42" not in log
        assert not (tmp_path / "instructor-key").exists()
        assert "Class code:         none" in log
        status, page = fetch(f"{server.url}/voila/render/tiny.ipynb")
        assert status == 200
        environ = kernel_environment(server, page_kernel_id(page))
        assert environ["TRIAGE_INSTRUCTOR_KEY"] == "Our-Own-Key-42"
        assert "TRIAGE_CLASS_CODE" not in environ


def test_a_bad_class_code_is_refused_in_plain_words():
    out = subprocess.run([sys.executable, "-m", "triage", "serve", "--class_code=not a code!"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "class code is 1 to 32 letters, digits or hyphens" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_cli_lists_serve():
    out = subprocess.run([sys.executable, "-m", "triage", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "serve" in out.stdout


def test_the_start_up_message_says_everything_an_instructor_needs():
    text = startup_message("http://127.0.0.1:8866/", "abcd-efgh-jkmn", "made for this run", "BIO-101",
                           ["at most 300 at once", "freed after 45 s"])
    assert "http://127.0.0.1:8866/" in text and "abcd-efgh-jkmn" in text and "BIO-101" in text
    assert "at most 300 at once" in text and "freed after 45 s" in text
    assert "educational use only" in text and "not a login" in text
    assert "none: anyone" in startup_message("u", "k", "s", None, ["x"])
    # a key kept in the class's folder is printed only on request (--show-key), apart from the room's block
    kept = "kept in /c/instructor-key: the same at every start of this class"
    hidden = startup_message("http://127.0.0.1:8866/", "abcd-efgh-jkmn", kept, "BIO-101", ["x"])
    assert "abcd-efgh-jkmn" not in hidden and "/c/instructor-key" in hidden and "make key" in hidden
    shown = startup_message("http://127.0.0.1:8866/", "abcd-efgh-jkmn", kept, "BIO-101", ["x"], show_key=True)
    assert re.search(r"Instructor key:\s+abcd-efgh-jkmn\s+\(do not project it", shown)


def test_the_instructor_key_is_kept_in_the_class_folder_and_the_same_at_the_next_start(tmp_path):
    env = {"TRIAGE_CLASS_DB": str(tmp_path / "bio101" / "class.db")}
    key, source = instructor_key(env)
    assert KEY.match(key) and str(tmp_path / "bio101" / "instructor-key") in source
    assert instructor_key(env)[0] == key  # a restart of the same class
    assert instructor_key({"TRIAGE_CLASS_DB": str(tmp_path / "chem" / "class.db")})[0] != key  # another class
    assert instructor_key({**env, "TRIAGE_INSTRUCTOR_KEY": " mine "}) == ("mine", "from TRIAGE_INSTRUCTOR_KEY")


def test_a_class_folder_that_cannot_be_written_gets_a_key_for_this_run_and_says_why(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    key, source = instructor_key({"TRIAGE_CLASS_DB": str(blocker / "class.db")})
    assert KEY.match(key) and "made for this run" in source and "cannot be" in source and "a-file" in source


def test_the_banner_says_a_loopback_address_is_for_this_computer_only():
    assert "only this computer" in reach_note("127.0.0.1")
    assert reach_note("0.0.0.0") is None


def test_instructor_keys_are_random_and_easy_to_type():
    keys = {new_instructor_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(KEY.match(k) for k in keys)
    assert not set("".join(keys)) & set("01ilo")


def test_the_template_folder_is_put_on_jupyter_path_once():
    environ = {"JUPYTER_PATH": "/elsewhere"}
    prepare_environment(environ)
    prepare_environment(environ)
    assert environ["JUPYTER_PATH"].split(":") == [str(ROOT / "share" / "jupyter"), "/elsewhere"]
