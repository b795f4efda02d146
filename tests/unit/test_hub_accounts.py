"""The class list and the hub's login over it: each person's own password, nobody else's."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest

from triage.hubservice.__main__ import main
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


@pytest.mark.parametrize("name", ["", "Ana Smith", "1ana", "a/b", "x" * 33, "<script>"])
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
        book.add("cy", "admin")  # type: ignore[arg-type]


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
    assert login == {"name": "ana", "admin": False}
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
    assert rows[0] == ["name", "password"] and [r[0] for r in rows[1:]] == ["ana", "ben", "teacher"]
    book = AccountBook(target)
    assert all(book.verify(name, password) for name, password in rows[1:])
    assert [a.name for a in book.accounts() if a.is_instructor] == ["teacher"]
    assert main(["accounts", "add", "ana", "--file", str(target)]) == 2
    assert "already has an account" in capsys.readouterr().err
