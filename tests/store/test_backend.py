"""A store-backed Keychain writes only what a call changed, and keeps its database only while it is the file's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keychainsim import Keychain
from keychainsim.backend import Backend
from keychainsim.constants import (
    kSecAttrAccount,
    kSecAttrLabel,
    kSecAttrService,
    kSecClass,
    kSecClassGenericPassword,
    kSecValueData,
)
from keychainsim.status import OSStatus
from keychainsim.store.layout import parse_journal, parse_snapshot

pytestmark = pytest.mark.model


def genp(account: str) -> dict:
    return {kSecClass: kSecClassGenericPassword, kSecAttrService: "s", kSecAttrAccount: account}


def records(path: Path) -> list[dict]:
    """The journal patches in the file, oldest first."""
    raw = path.read_bytes()
    return parse_journal(raw, parse_snapshot(raw, str(path)).end, str(path)).patches


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Keychain, Path]:
    path = tmp_path / "keychain.json"
    kc = Keychain(store=path)
    with kc.transaction():  # one transaction: one record for all 300
        for n in range(300):
            kc.SecItemAdd({**genp(f"a{n}"), kSecValueData: b"v"})
    return kc, path


def test_an_update_journals_the_one_item_it_changed(filled: tuple[Keychain, Path]) -> None:
    kc, path = filled
    before = path.read_bytes()
    assert kc.SecItemUpdate(genp("a150"), {kSecAttrLabel: "changed"}) == OSStatus.errSecSuccess
    assert path.read_bytes().startswith(before)
    last = records(path)[-1]
    ((rowid, doc),) = last["items"].items()
    assert doc["attrs"]["acct"] == "a150" and doc["attrs"]["labl"] == "changed" and rowid == str(doc["rowid"])
    assert set(last) == {"items", "state"}


def test_a_delete_journals_a_null(filled: tuple[Keychain, Path]) -> None:
    kc, path = filled
    rowid = next(item.rowid for item in kc.all_items() if item.attrs["acct"] == "a7")
    assert kc.SecItemDelete(genp("a7")) == OSStatus.errSecSuccess
    assert records(path)[-1]["items"] == {str(rowid): None}
    assert "a7" not in [item.attrs["acct"] for item in Keychain(store=path).all_items()]


def test_a_call_that_changes_nothing_writes_nothing_and_keeps_the_database(filled: tuple[Keychain, Path]) -> None:
    kc, path = filled
    before, database = path.read_bytes(), kc._backend._db
    assert kc.SecItemAdd(genp("a1"))[0] == OSStatus.errSecDuplicateItem
    assert kc.SecItemAdd({kSecClass: "nonsense"})[0] == OSStatus.errSecNoSuchClass  # refused by the engine
    assert kc.SecItemCopyMatching(genp("a2"))[0] == OSStatus.errSecSuccess
    assert path.read_bytes() == before
    assert kc._backend._db is database


def test_a_transaction_that_raises_writes_nothing_of_it(filled: tuple[Keychain, Path]) -> None:
    kc, path = filled
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="changed my mind"), kc.transaction():
        assert kc.SecItemAdd(genp("half"))[0] == OSStatus.errSecSuccess
        raise RuntimeError("changed my mind")
    assert path.read_bytes() == before
    assert "half" not in [item.attrs["acct"] for item in kc.all_items()]  # no half-changed copy kept


def test_create_makes_an_empty_store_once(tmp_path: Path) -> None:
    path = tmp_path / "keychain.json"
    assert Backend(path).create() == 0
    document = json.loads(path.read_bytes())
    assert document["columns"] == {} and document["_meta"]["1"]["generation"] == 1
    Keychain(store=path).SecItemAdd(genp("x"))
    before = path.read_bytes()
    assert Backend(path).create() == 1
    assert path.read_bytes() == before
