"""The class list and the hub's login over it: each person's own password, nobody else's."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest

from triage.cli.hub import main
from triage.hubservice.accounts import FIRST_UID, AccountBook, AccountError, check_password, hash_password
from triage.hubservice.auth import ClassListAuthenticator


@pytest.fixture
def book(tmp_path):
    return AccountBook(tmp_path / "accounts.json")


def test_each_person_logs_in_only_with_their_own_password(book):
    ana = book.add("ana")
    ben = book.add("ben")
    assert book.verify("ana", ana).name == "ana"
    assert book.verify("ana", ben) is None
    assert book.verify("ben", ana) is None
    assert book.verify("ana", "") is None
    assert book.verify("nobody", ana) is None
    assert book.verify("ANA ", ana).name == "ana"  # names are lower-case; spacing typed around them is ignored


def test_the_file_holds_salted_hashes_only_and_is_private(book):
    password = book.add("ana", password="correct horse battery")
    book.add("ben", password="correct horse battery")
    raw = book.path.read_text()
    assert "correct horse" not in raw
    hashes = [e["hash"] for e in json.loads(raw)["accounts"].values()]
    assert hashes[0] != hashes[1] and all(h.startswith("scrypt$") for h in hashes)
    assert book.path.stat().st_mode & 0o777 == 0o600
    assert password == "correct horse battery"


def test_hash_check():
    stored = hash_password("pw-1")
    assert check_password("pw-1", stored)
    assert not check_password("pw-2", stored)
    assert not check_password("pw-1", "md5$whatever")
    assert not check_password("pw-1", "scrypt$broken")


def test_accounts_get_distinct_user_ids_and_roles(book):
    book.add("ana")
    book.add("teacher", "instructor")
    book.add("ben")
    accounts = {a.name: a for a in book.accounts()}
    assert len({a.uid for a in accounts.values()}) == 3
    assert min(a.uid for a in accounts.values()) >= FIRST_UID
    assert accounts["teacher"].is_instructor and not accounts["ana"].is_instructor


@pytest.mark.parametrize("name", ["", "Ana Smith", "-ana", "a/b", "x" * 65, "<script>", "ana lima@uni"])
def test_unusable_names_are_refused_with_the_field(book, name):
    with pytest.raises(AccountError) as err:
        book.add(name)
    assert err.value.field == "name"


def test_duplicates_unknown_names_and_bad_roles(book):
    book.add("ana")
    with pytest.raises(AccountError, match="already has an account"):
        book.add("ana")
    with pytest.raises(AccountError, match="no account named bob"):
        book.set_password("bob")
    with pytest.raises(AccountError, match="unknown role"):
        book.add("cy", "wizard")  # type: ignore[arg-type]


def test_new_password_replaces_the_old_one_and_removal_ends_login(book):
    old = book.add("ana")
    new = book.set_password("ana")
    assert new != old and book.verify("ana", old) is None and book.verify("ana", new)
    book.remove("ana")
    assert book.verify("ana", new) is None


def test_a_damaged_class_list_is_reported_with_its_path(book):
    book.path.write_text("{not json")
    with pytest.raises(AccountError) as err:
        book.accounts()
    assert str(book.path) in str(err.value)


def test_the_hub_authenticator_uses_the_class_list(book):
    ana = book.add("ana")
    ben = book.add("ben")
    auth = ClassListAuthenticator(accounts_file=str(book.path))
    login = asyncio.run(auth.authenticate(None, {"username": "ana", "password": ana}))
    assert login == {"name": "ana", "admin": False, "groups": []}
    assert asyncio.run(auth.authenticate(None, {"username": "ana", "password": ben})) is None
    assert asyncio.run(auth.authenticate(None, {"username": "ana", "password": ""})) is None
    assert auth.check_allowed("ana") and not auth.check_allowed("mallory")
    assert auth.any_allow_config  # JupyterHub would otherwise warn that nobody can log in


def test_cli_imports_a_roster_and_prints_each_password_once(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,role\nana\nben,student\nteacher,instructor\n")
    target = tmp_path / "accounts.json"
    assert main(["accounts", "import", str(roster), "--file", str(target)]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["name", "password", "status"]
    assert [(r[0], r[2]) for r in rows[1:]] == [("ana", "created"), ("ben", "created"), ("teacher", "created")]
    book = AccountBook(target)
    assert all(book.verify(name, password) for name, password, _ in rows[1:])
    assert [a.name for a in book.accounts() if a.is_instructor] == ["teacher"]
    assert main(["accounts", "add", "ana", "--file", str(target)]) == 2
    assert "already has an account" in capsys.readouterr().err


def test_the_hub_commands_are_the_same_through_triage_hub_and_the_module(tmp_path, capsys):
    """`triage hub ...` (the one command line) and `python -m triage.hubservice ...` (the hub's configuration
    and the Makefile) run the same commands on the same class list."""
    from triage.cli import main as triage_main

    target = tmp_path / "accounts.json"
    assert triage_main(["hub", "accounts", "add", "ana", "--file", str(target)]) == 0
    capsys.readouterr()
    done = subprocess.run([sys.executable, "-m", "triage.hubservice", "accounts", "list", "--file", str(target)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "ana" in done.stdout, done.stderr
    assert triage_main(["hub", "accounts", "add", "ana", "--file", str(target)]) == 2
    assert "already has an account" in capsys.readouterr().err


# --- identities are never reused ------------------------------------------------------------------------

def test_a_new_account_never_gets_a_removed_accounts_user_id(book):
    book.add("ana")
    book.add("carol")
    carol = book.get("carol").uid
    book.remove("carol")
    book.add("dan")
    assert book.get("dan").uid > carol
    assert book.get_removed("carol").uid == carol
    book.purge("carol")
    book.add("erin")  # even after carol is forgotten, her id stays retired
    assert book.get("erin").uid > book.get("dan").uid > carol


def test_an_id_owning_a_home_is_skipped_even_if_the_list_forgot_it(tmp_path):
    """A class list written before the high-water mark existed: the owner of a home folder is not reused."""
    homes = tmp_path / "homes"
    (homes / "carol").mkdir(parents=True)
    os.chown(homes / "carol", FIRST_UID + 7, FIRST_UID + 7)
    book = AccountBook(tmp_path / "accounts.json", homes=homes)
    book.add("dan")
    assert book.get("dan").uid == FIRST_UID + 8


def test_a_removed_name_cannot_be_added_again_until_restored_or_purged(book):
    password = book.add("carol")
    book.remove("carol")
    assert book.verify("carol", password) is None
    with pytest.raises(AccountError, match="was removed"):
        book.add("carol")
    uid = book.get_removed("carol").uid
    new = book.restore("carol")
    assert book.get("carol").uid == uid and book.verify("carol", new)
    book.remove("carol")
    book.purge("carol")
    book.add("carol")  # a new person with the same name: a new id
    assert book.get("carol").uid != uid


# --- roster import: idempotent and all-or-nothing --------------------------------------------------------

def test_importing_the_same_roster_twice_changes_nothing_and_keeps_passwords(book):
    rows = [(1, ["ana"]), (2, ["ben", "student"]), (3, ["teacher", "instructor"])]
    first = book.import_roster(rows, "roster.csv")
    assert {c.action for c in first} == {"created"}
    passwords = {c.name: c.password for c in first}
    again = book.import_roster(rows, "roster.csv")
    assert [(c.name, c.action, c.password) for c in again] == [
        ("ana", "unchanged", ""), ("ben", "unchanged", ""), ("teacher", "unchanged", "")]
    assert all(book.verify(n, p) for n, p in passwords.items())
    changed = book.import_roster([(1, ["ana", "instructor"]), (2, ["cy"])], "roster.csv")
    assert [(c.name, c.action) for c in changed] == [("ana", "updated"), ("cy", "created")]
    assert book.get("ana").is_instructor and book.verify("ana", passwords["ana"])


def test_a_roster_with_bad_rows_imports_nothing_and_names_every_bad_row(book):
    book.add("ana")
    before = book.path.read_bytes()
    rows = [(1, ["ben"]), (2, ["Not A Name"]), (3, ["cy", "wizard"]), (4, ["ben"]), (5, ["dee"])]
    with pytest.raises(AccountError) as err:
        book.import_roster(rows, "roster.csv")
    text = str(err.value)
    assert "roster.csv:2: name:" in text and "roster.csv:3: role:" in text and "roster.csv:4: name:" in text
    assert book.path.read_bytes() == before
    assert [a.name for a in book.accounts()] == ["ana"]


def test_cli_import_of_a_bad_roster_exits_2_and_changes_nothing(tmp_path, capsys):
    target = tmp_path / "accounts.json"
    roster = tmp_path / "roster.csv"
    roster.write_text("ana\nben\n")
    assert main(["accounts", "import", str(roster), "--file", str(target)]) == 0
    capsys.readouterr()
    roster.write_text("ana\ncy\nbad name\n")
    before = target.read_bytes()
    assert main(["accounts", "import", str(roster), "--file", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"{roster}:3: name:" in err and "Traceback" not in err
    assert target.read_bytes() == before


# --- names: e-mail addresses and numeric ids ----------------------------------------------------------------

@pytest.mark.parametrize("name,folder", [
    ("ana.lima@uni.example", None), ("20231234", "20231234"), ("x+tag@uni.example", None), ("ana", "ana")])
def test_email_addresses_and_numeric_ids_are_names_with_a_safe_folder(book, name, folder):
    password = book.add(name.upper() if "@" in name else name)
    account = book.verify(name, password)
    assert account is not None and account.name == name
    slug = account.slug
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,31}", slug), slug
    if folder is not None:
        assert slug == folder
    else:
        assert "@" not in slug and "+" not in slug
    other = book.add("ana.lima@uni.other") if name == "ana.lima@uni.example" else None
    if other:
        assert book.get("ana.lima@uni.other").slug != slug


def test_the_hub_authenticator_gives_groups_and_admin_from_the_class_list(book):
    teacher = book.add("teacher", "instructor")
    admin = book.add("it-admin", "admin")
    auth = ClassListAuthenticator(accounts_file=str(book.path))
    assert auth.manage_groups is True
    login = asyncio.run(auth.authenticate(None, {"username": "teacher", "password": teacher}))
    assert login == {"name": "teacher", "admin": False, "groups": ["instructors"]}
    login = asyncio.run(auth.authenticate(None, {"username": "it-admin", "password": admin}))
    assert login == {"name": "it-admin", "admin": True, "groups": []}


def test_backup_copies_the_class_list_and_a_consistent_class_database(tmp_path, monkeypatch, capsys):
    from triage.store import open_store
    from triage.store.identity import Learner

    state = tmp_path / "state"
    AccountBook(state / "accounts.json").add("ana")
    (state / "store").mkdir(parents=True)
    store = open_store(str(state / "store" / "class.db"))
    store.record_answer(Learner("hub:ana", "ana", "hub"), "case-b", "where", ["gp"], True)
    monkeypatch.setenv("TRIAGE_HUB_STATE", str(state))
    monkeypatch.delenv("TRIAGE_CLASS_DB", raising=False)
    target = tmp_path / "backup-1"
    assert main(["backup", str(target)]) == 0  # while the store is open, as it is while the hub runs
    store.close()
    assert "class database" in capsys.readouterr().out
    assert (target / "accounts.json").read_bytes() == (state / "accounts.json").read_bytes()
    copy = open_store(str(target / "class.db"))
    assert copy.learner_record(Learner("hub:ana", "ana", "hub")).case_answers("case-b")["where"].chosen == ("gp",)
    copy.close()
    assert target.stat().st_mode & 0o777 == 0o700
    assert main(["backup", str(target)]) == 2  # never over an earlier backup
