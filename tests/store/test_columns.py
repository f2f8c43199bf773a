"""Schema 3: a snapshot keeps its items a column at a time, journal records still change items by rowid.

The column layout must hold exactly what the item documents of schema 2 held (the same state back, the
same problems named), journal records written after it must replace and delete its items, and a schema 2
file must be read as it is and written as schema 3 by its next snapshot, with nothing lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from keychainsim import Keychain
from keychainsim.backend import _fits
from keychainsim.constants import *
from keychainsim.errors import StorageError
from keychainsim.model.stored import columns_fit
from keychainsim.store import file
from keychainsim.store.codec import state_from_document, state_to_document
from keychainsim.store.file import FileStore
from keychainsim.store.layout import frame, serialize_snapshot
from keychainsim.store.state import Change, KeychainState, StoredItem

from ._values import canonical_state, isolate, sample_state, schema2_document, set_cell, states

pytestmark = pytest.mark.model

PATH = "/tmp/keychain.json"


def _columns(state: KeychainState) -> dict[str, Any]:
    """The schema 3 document for ``state``, through the file's bytes."""
    return json.loads(serialize_snapshot(state_to_document(state, generation=1, version="test")))


@given(states)
@settings(max_examples=200)
def test_columns_and_item_documents_hold_the_same_state(state: KeychainState) -> None:
    from_columns = state_from_document(_columns(state), PATH)
    assert canonical_state(from_columns) == canonical_state(state_from_document(schema2_document(state), PATH))
    assert canonical_state(from_columns) == canonical_state(state)


# -- malformed column documents ---------------------------------------------------------------------------


def _kind(number: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda document: document["columns"][number]


def _set(number: str, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda document: _kind(number)(document).__setitem__(field, value)


def _column(number: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        kind = document["columns"][number]
        kind["values"][kind["attrs"].index(key)] = value

    return mutate


def _cell(rowid: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda document: set_cell(isolate(document, rowid), key, value)


# In the sample, document 1 holds the file keychain's key (rowid 3), 2 the password with data (rowid 7),
# 3 the eleven passwords with only an account (rowids 100-110).
MALFORMED: dict[str, tuple[Callable[[dict[str, Any]], None], list[str]]] = {
    "a document a list": (lambda d: d["columns"].__setitem__("2", []), ["columns document 2 is a array"]),
    "missing field": (lambda d: _kind("2")(d).pop("rowids"), ["columns document 2", "missing ['rowids']"]),
    "extra field": (_set("2", "colour", "red"), ["columns document 2", "unknown ['colour']"]),
    "class not text": (_set("2", "item_class", 7), ["columns document 2: item_class 7 is not a string"]),
    "attrs twice": (_set("3", "attrs", ["acct", "acct"]), ["columns document 3: attrs is not a list of distinct"]),
    "rowid zero": (_set("3", "rowids", [0, *range(101, 111)]), ["columns document 3: rowids is not a list"]),
    "rowid a bool": (_set("2", "rowids", [True]), ["columns document 2: rowids is not a list"]),
    "a column short": (_column("3", "acct", ["n0"]), ["columns document 3, genp attribute 'acct': 1 values for 11"]),
    "a column missing": (_set("2", "values", [["bob"]]), ["columns document 2: values is not a list of 3 columns"]),
    "unknown column tag": (_column("2", "v_Data", {"$blob": ["00"]}), ["'v_Data'", "$bytes or $date over a list"]),
    "tag over a string": (_column("2", "v_Data", {"$bytes": "00"}), ["'v_Data'", "$bytes holds no list of 1"]),
    "bad hex": (_column("2", "v_Data", {"$bytes": ["zz"]}), ["columns document 2 (rowid 7), genp attribute 'v_Data'"]),
    "naive date": (
        _cell(7, "cdat", {"$date": "2026-01-01T00:00:00"}),
        ["columns document 4 (rowid 7), genp attribute 'cdat'", "no UTC offset"],
    ),
    "unknown value tag": (_cell(104, "acct", {"$blob": "00"}), ["(rowid 104), genp attribute 'acct'", "'$blob'"]),
    "a rowid twice": (_set("2", "rowids", [100]), ["columns: rowid 100 is used by more than one item"]),
    "an items table": (lambda d: d.__setitem__("items", {}), ["unknown tables ['items']"]),
    "columns a list": (lambda d: d.__setitem__("columns", []), ["the columns table is a array"]),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_columns_document_names_what_is_wrong(name: str) -> None:
    mutate, expected = MALFORMED[name]
    document = _columns(sample_state())
    mutate(document)
    with pytest.raises(StorageError) as caught:
        state_from_document(document, PATH)
    for fragment in expected:
        assert fragment in caught.value.problem, caught.value.problem
    assert caught.value.fix


def test_uncommon_valid_columns_decode_to_the_same_values() -> None:
    document = _columns(sample_state())
    _column("2", "v_Data", [{"$bytes": "736563726574"}])(document)  # each value tagged on its own
    _cell(104, "mdat", {"$date": "2026-01-01T02:00:00+02:00"})(document)
    state = state_from_document(document, PATH)
    by_rowid = {item.rowid: item for item in state.items}
    assert by_rowid[7].attrs["v_Data"] == b"secret"
    assert by_rowid[104].attrs["mdat"] == datetime(2026, 1, 1, tzinfo=UTC)
    assert by_rowid[104].attrs["mdat"].tzinfo is UTC
    assert [item.rowid for item in state.items] == sorted(by_rowid)


MISFITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "short sha1": _cell(5, "sha1", {"$bytes": "00ff00"}),
    "date as text": _cell(5, "cdat", "yesterday"),
    "bool sync": _cell(5, "sync", True),
    "sync as text that is a number": _cell(5, "sync", "1"),
    "unknown class": lambda d: isolate(d, 5).__setitem__("item_class", "xyzz"),
    "a whole column of short digests": lambda d: _column("1", "sha1", {"$bytes": ["00"] * 10})(d),
}


@pytest.mark.parametrize("name", sorted(MISFITS))
def test_an_item_the_model_refuses_is_named_the_same_with_or_without_column_checks(tmp_path: Path, name: str) -> None:
    kc = Keychain(store=tmp_path / "keychain.json")
    for i in range(10):
        item = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: f"a{i}", kSecValueData: b"s"}
        assert kc.SecItemAdd(item)[0] == errSecSuccess
    with FileStore(tmp_path / "keychain.json").locked(create=False) as session:
        document = _columns(session.load())
    MISFITS[name](document)
    messages = []
    for columns in (columns_fit, None):
        with pytest.raises(StorageError) as caught:
            state_from_document(document, PATH, _fits, columns)
        messages.append(caught.value.problem)
    assert messages[0] == messages[1]
    assert "(rowid " in messages[0] and "genp" in messages[0]


# -- journal records after a column snapshot, and schema 2 files ---------------------------------------------


def _save(store: FileStore, state: KeychainState) -> None:
    with store.locked() as session:
        session.save(state)


def _append(store: FileStore, items: dict[int, StoredItem | None]) -> None:
    with store.locked() as session:
        state = session.load()
        session.append(Change(items, state.next_rowid + 1, state.device, state.clock_ms + 1))


def test_journal_records_replace_and_delete_items_of_a_column_snapshot(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "keychain.json")
    _save(store, sample_state())
    _append(store, {7: None, 104: StoredItem("dp", "genp", 104, {"acct": "changed", "labl": "new"})})
    _append(store, {3: StoredItem("dp", "inet", 3, {"srvr": "moved to another class"}), 200: None})
    raw = Path(store.path).read_bytes()
    assert raw.count(b"\nJ") == 2 and json.loads(raw[: raw.index(b"\nJ")])["_meta"]["1"]["schema"] == 3
    with FileStore(store.path).locked(create=False) as session:  # a fresh reader of the file
        state = session.load()
    expected = {item.rowid: item for item in sample_state().items}
    del expected[7]
    expected[104] = StoredItem("dp", "genp", 104, {"acct": "changed", "labl": "new"})
    expected[3] = StoredItem("dp", "inet", 3, {"srvr": "moved to another class"})
    assert canonical_state(state) == canonical_state(
        KeychainState(sorted(expected.values(), key=lambda item: item.rowid), 114, sample_state().device, state.clock_ms)
    )
    assert state.clock_ms == sample_state().clock_ms + 2


def test_a_schema_2_file_with_a_journal_is_read_and_its_next_snapshot_is_schema_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keychain.json"
    old = serialize_snapshot(schema2_document(sample_state(), generation=4))
    replaced = StoredItem("dp", "genp", 101, {"acct": "renamed"})
    record = {"items": {"7": None, "101": json.loads(json.dumps({"attrs": {"acct": "renamed"}, "item_class": "genp",
                                                                  "keychain": "dp", "rowid": 101}))},
              "state": {"1": {"clock_ms": 5, "device": {"passcode_set": True, "unlocked": True,
                                                       "unlocked_since_boot": True}, "next_rowid": 112}}}  # fmt: skip
    path.write_bytes(old + frame(record))
    expected = {item.rowid: item for item in sample_state().items if item.rowid != 7} | {101: replaced}
    store = FileStore(path)
    with store.locked() as session:
        state = session.load()
    assert canonical_state(state) == canonical_state(
        KeychainState(sorted(expected.values(), key=lambda item: item.rowid), 112, state.device, 5)
    )
    assert path.read_bytes() == old + frame(record)  # reading writes nothing
    monkeypatch.setattr(file, "COMPACT_MIN_BYTES", 0)
    monkeypatch.setattr(file, "COMPACT_RATIO", 10**9)  # the next append compacts
    _append(store, {300: StoredItem("dp", "genp", 300, {"acct": "after"})})
    migrated = json.loads(path.read_bytes())  # one snapshot, no journal
    assert migrated["_meta"]["1"]["schema"] == 3 and migrated["_meta"]["1"]["generation"] == 5
    assert sorted(migrated) == ["_meta", "columns", "state"]
    with FileStore(path).locked(create=False) as session:
        again = session.load()
    expected[300] = StoredItem("dp", "genp", 300, {"acct": "after"})
    assert canonical_state(again) == canonical_state(
        KeychainState(sorted(expected.values(), key=lambda item: item.rowid), 113, state.device, 6)
    )


def test_a_keychain_on_a_column_store_gives_the_same_answers_after_reopening(tmp_path: Path) -> None:
    """Through SecItem calls: items added in one transaction (the first snapshot), then updated and deleted
    (journal records after it), read back by a new Keychain on the same file."""
    path = tmp_path / "keychain.json"
    kc = Keychain(store=path)
    passwords = [
        {kSecClass: kSecClassGenericPassword, kSecAttrService: f"s{i % 4}", kSecAttrAccount: f"a{i}", kSecValueData: b"s"}
        for i in range(40)
    ]
    with kc.transaction():
        assert {kc.SecItemAdd(password)[0] for password in passwords} == {errSecSuccess}
    assert json.loads(path.read_bytes())["_meta"]["1"]["schema"] == 3
    assert kc.SecItemUpdate({kSecClass: kSecClassGenericPassword, kSecAttrService: "s1"}, {kSecAttrLabel: "one"}) == 0
    assert kc.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a2"}) == errSecSuccess
    query = {kSecClass: kSecClassGenericPassword, kSecMatchLimit: kSecMatchLimitAll, kSecReturnAttributes: True}
    status, before = kc.SecItemCopyMatching({**query, kSecReturnData: True})
    assert status == errSecSuccess and len(before) == 39
    status, after = Keychain(store=path).SecItemCopyMatching({**query, kSecReturnData: True})
    assert status == errSecSuccess and after == before
    labelled = [row[kSecAttrAccount] for row in after if row.get(kSecAttrLabel) == "one"]
    assert labelled == [f"a{i}" for i in range(1, 40, 4)]
