"""A database read from a store builds each index on its first use; the answers are the ones eager indexes give.

``Database.from_state`` (every store open) leaves the indexes unbuilt, and a lookup builds the column it
needs from the rows. These tests compare that with a database whose indexes were kept from the first row
on: the index contents themselves, after reads, writes and removals in any mix of built and unbuilt
columns, and the answers of real SecItem calls through a store file opened by a fresh keychain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.engine.database import INDEXED_KEYS, UNBUILT, Database
from keychainsim.model.item import Item

pytestmark = pytest.mark.model


def _items() -> list[Item]:
    """Rows that exercise every kind of bucket: shared and unique values, a row lacking a uniqueness probe
    column (filed under the default), a value as text and as data in a hashed column, both keychains, rows
    met out of row id order."""
    rows = [Item(i, "genp", "dp", {"acct": f"acct-{i}", "svce": f"svc-{i % 3}", "labl": "same"}) for i in range(1, 9)]
    rows += [
        Item(20, "genp", "dp", {"svce": "svc-0"}),  # no account: filed under the empty account
        Item(21, "genp", "dp", {"acct": "", "svce": "svc-9"}),
        Item(15, "genp", "dp", {"acct": b"bob", "svce": "svc-1"}),  # before 20 and 21 by rowid, after them here
        Item(22, "genp", "file", {"acct": "acct-1", "svce": "svc-1"}),
        Item(23, "keys", "dp", {"klbl": b"\x01" * 20, "atag": b"tag"}),
        Item(24, "cert", "dp", {"labl": "client", "issr": b"issuer", "slnr": b"\x01"}),
        Item(25, "cert", "dp", {"labl": "client", "issr": b"issuer", "slnr": b"\x02"}),
    ]
    for position, item in enumerate(rows):
        item_ref = (position + 1).to_bytes(16, "big")
        rows[position] = Item(item.rowid, item.item_class, item.keychain, {**item.attrs, "persistref": item_ref})
    return rows


def _rows(db: Database) -> dict[Any, list[str]]:
    """Each table's rows, in row id order, as text (items compare by identity)."""
    return {tkey: [repr(table[rowid]) for rowid in sorted(table)] for tkey, table in db.rows.items()}


def _eager(items: list[Item]) -> Database:
    db = Database()
    for item in items:
        db.put(item)
    return db


def _lazy(items: list[Item]) -> Database:
    return Database.from_state(_eager(items).to_state())


def _build_all(db: Database) -> dict[Any, Any]:
    """Every index of ``db``, each built now if it was not yet."""
    for (keychain, item_class), columns in db.index.items():
        for column in INDEXED_KEYS[item_class]:
            if columns[column] is UNBUILT:
                db.lookup(keychain, item_class, column, "never a stored value")
    return db.index


def test_a_database_read_from_a_store_builds_no_index_until_a_lookup_needs_one():
    db = _lazy(_items())
    assert all(bucket_map is UNBUILT for columns in db.index.values() for bucket_map in columns.values())
    assert [item.rowid for item in db.lookup("dp", "genp", "svce", "svc-1") or []] == [1, 4, 7, 15]
    columns = db.index[("dp", "genp")]
    assert columns["svce"] is not UNBUILT
    assert columns["acct"] is UNBUILT and columns["persistref"] is UNBUILT


def test_indexes_built_on_first_use_equal_indexes_kept_from_the_first_row():
    items = _items()
    eager, lazy = _eager(items), _lazy(items)
    assert _rows(lazy) == _rows(eager) and lazy.next_rowid == eager.next_rowid
    built = _build_all(lazy)
    assert built == eager.index
    # the shapes the lookups rely on: a single row as its id, shared rows as an ascending list
    genp = built[("dp", "genp")]
    assert genp["svce"]["svc-0"] == [3, 6, 20]
    assert genp["acct"][""] == [20, 21]  # the row without an account is filed under the default
    assert genp["acct"]["bob"] == 15  # data that is UTF-8 text is keyed as that text (hashed column)
    assert built[("dp", "cert")]["labl"]["client"] == [24, 25]


def test_writes_keep_built_indexes_in_step_and_leave_unbuilt_ones_to_their_first_use():
    items = _items()
    eager, lazy = _eager(items), _lazy(items)
    lazy.lookup("dp", "genp", "acct", "acct-1")  # acct built, svce and the rest not
    for db in (eager, lazy):
        db.remove(db.get("dp", "genp", 4))
        db.put(Item(3, "genp", "dp", {"acct": "acct-3", "svce": "svc-2", "persistref": b"\x09" * 16}))
        changed = db.get("dp", "genp", 2)
        assert changed is not None
        db.remove(changed)  # as a journal record from another writer is applied: the row moves to the end
        db.put(Item(2, "genp", "dp", {**changed.attrs, "svce": "svc-0"}))
        db.put(Item(30, "genp", "dp", {"acct": "acct-30", "svce": "svc-1", "persistref": b"\x0a" * 16}))
        db.put(Item(31, "inet", "dp", {"acct": "a", "srvr": "example.com", "persistref": b"\x0b" * 16}))
    assert lazy.index[("dp", "genp")]["svce"] is UNBUILT
    assert lazy.index[("dp", "inet")]["srvr"] is not UNBUILT  # a table a write creates is indexed as it fills
    assert list(lazy.rows[("dp", "genp")])[-3:] == [21, 2, 30]  # met out of row id order by the build
    assert _build_all(lazy) == eager.index
    assert lazy.index[("dp", "genp")]["svce"]["svc-0"] == [2, 6, 20]
    found = [[repr(item) for item in db.narrowed("dp", "genp", [("svce", "svc-1")]) or []] for db in (lazy, eager)]
    assert found[0] == found[1] and len(found[0]) == 4  # rows 1, 7, 15, 30


def _fill(kc: Keychain) -> None:
    with kc.transaction():
        for i in range(40):
            item = {kSecClass: kSecClassGenericPassword, kSecAttrService: f"svc-{i % 4}", kSecValueData: b"s"}
            if i != 7:  # one password added without an account (stored with the empty one)
                item[kSecAttrAccount] = f"acct-{i}"
            assert kc.SecItemAdd(item)[0] == errSecSuccess
        server = {kSecClass: kSecClassInternetPassword, kSecAttrServer: "example.com", kSecAttrAccount: "a"}
        assert kc.SecItemAdd(server)[0] == errSecSuccess


def _calls(kc: Keychain) -> list[Any]:
    """What a fresh keychain answers: lookups by each indexed column, by persistent reference, a
    collision found through the uniqueness index, then an update and a delete and the lookups after."""
    genp = {kSecClass: kSecClassGenericPassword}
    every = {kSecMatchLimit: kSecMatchLimitAll, kSecReturnAttributes: True}
    answers: list[Any] = []

    def accounts(query: dict[str, Any]) -> Any:
        status, result = kc.SecItemCopyMatching(query)
        return status, sorted(row.get(kSecAttrAccount, "") for row in result) if status == 0 else None

    answers.append(accounts({**genp, **every, kSecAttrService: "svc-3"}))
    answers.append(accounts({**genp, **every, kSecAttrAccount: "acct-5"}))
    answers.append(accounts({**genp, **every, kSecAttrAccount: "no such account"}))
    status, ref = kc.SecItemCopyMatching({**genp, kSecAttrAccount: "acct-9", kSecReturnPersistentRef: True})
    answers.append(status)
    answers.append(accounts({kSecValuePersistentRef: ref, **every}))
    answers.append(kc.SecItemAdd({**genp, kSecAttrService: "svc-3", kSecAttrAccount: ""})[0])  # collides with it
    answers.append(kc.SecItemAdd({**genp, kSecAttrService: "svc-1", kSecAttrAccount: "acct-5"})[0])
    answers.append(kc.SecItemUpdate({**genp, kSecAttrAccount: "acct-6"}, {kSecAttrService: "svc-3"}))
    answers.append(kc.SecItemDelete({**genp, kSecAttrAccount: "acct-11"}))
    answers.append(accounts({**genp, **every, kSecAttrService: "svc-3"}))
    answers.append(accounts({kSecClass: kSecClassInternetPassword, **every, kSecAttrServer: "example.com"}))
    return answers


def test_a_fresh_keychain_on_a_store_file_answers_as_one_that_indexed_every_row(tmp_path: Path):
    store = tmp_path / "keychain.json"
    _fill(Keychain(store=store))
    memory = Keychain()
    _fill(memory)
    from_file = _calls(Keychain(store=store))  # a new Backend: reads the file, indexes nothing up front
    assert from_file == _calls(memory)
    assert from_file[0] == (0, ["", "acct-11", "acct-15", "acct-19", "acct-23", "acct-27", "acct-3", "acct-31",
                                "acct-35", "acct-39"])  # fmt: skip
    assert from_file[5:9] == [errSecDuplicateItem, errSecDuplicateItem, errSecSuccess, errSecSuccess]
    # and what the calls changed is in the file, for the next keychain to read
    assert _calls(Keychain(store=store))[9] == from_file[9]
