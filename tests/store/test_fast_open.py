"""Opening a store decodes and checks its items a column at a time; the answer is the item-by-item one.

``state_from_document`` decodes a schema 2 items table (what stores held before schema 3) kind by kind (items with the same keychain, class
and keys), each attribute for all of them at once, and falls back to the item-by-item decoder for a kind
it does not take and to it alone for a table it does not take. These tests hold the two ways to the same
items and to the same error, word for word, on valid documents, on every kind of damage and on items
the model refuses, and check that a store keychainsim writes takes the fast way.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from keychainsim import Keychain
from keychainsim.backend import _fits
from keychainsim.constants import *
from keychainsim.errors import StorageError
from keychainsim.model.stored import columns_fit
from keychainsim.store import codec
from keychainsim.store.codec import state_from_document
from keychainsim.store.file import FileStore
from keychainsim.store.layout import parse_snapshot, serialize_snapshot
from keychainsim.store.state import KeychainState

from ._values import canonical_state, schema2_document, states

pytestmark = pytest.mark.model

PATH = "/tmp/keychain.json"


def _outcome(document: Any, *, fast: bool, check: bool) -> Any:
    """The decoded state (canonical) or the error's text, with the column-wise decoder on or off."""
    checks: tuple[Any, ...] = (_fits, columns_fit) if check else ()
    with pytest.MonkeyPatch.context() as patch:
        if not fast:
            patch.setattr(codec, "_decode_common_items", lambda *args: None)
        try:
            return canonical_state(state_from_document(copy.deepcopy(document), PATH, *checks))
        except StorageError as error:
            return ("error", str(error))


def _same_both_ways(document: Any, *, check: bool) -> Any:
    fast = _outcome(document, fast=True, check=check)
    assert fast == _outcome(document, fast=False, check=check)
    return fast


@given(states)
@settings(max_examples=200)
def test_any_state_decodes_to_the_same_items_both_ways(state: KeychainState) -> None:
    document = schema2_document(state)
    assert _same_both_ways(document, check=False) == canonical_state(state)


def _store_document(tmp_path: Path) -> dict[str, Any]:
    """The schema 2 document of a store that SecItem calls wrote: several kinds of items, many of each, a
    few with values no column takes (access control)."""
    path = tmp_path / "keychain.json"
    kc = Keychain(store=path)
    with kc.transaction():
        for i in range(30):
            password = {kSecClass: kSecClassGenericPassword, kSecAttrService: f"s{i % 3}", kSecAttrAccount: f"a{i}"}
            assert kc.SecItemAdd({**password, kSecValueData: f"secret-{i}".encode()})[0] == errSecSuccess
            server = {kSecClass: kSecClassInternetPassword, kSecAttrServer: f"h{i}.example.com", kSecAttrPort: i}
            assert kc.SecItemAdd(server)[0] == errSecSuccess
        labelled = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "labelled", kSecAttrLabel: "a label"}
        assert kc.SecItemAdd(labelled)[0] == errSecSuccess
    query = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a4"}
    assert kc.SecItemUpdate(query, {kSecAttrComment: "changed"}) == errSecSuccess  # a journal record
    with FileStore(path).locked(create=False) as session:
        return schema2_document(session.load())


def test_a_store_that_secitem_calls_wrote_takes_the_column_wise_way(tmp_path: Path) -> None:
    document = _store_document(tmp_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codec, "decode_item", None)  # item by item, it would fail
        items = codec._decode_common_items(document["items"], PATH, _fits, columns_fit)
    assert items is not None and len(items) == 61
    assert [item.rowid for item in items] == sorted(int(doc_id) for doc_id in document["items"])
    state = _same_both_ways(document, check=True)
    assert isinstance(state[0][0][3][1]["cdat"][1], str)  # a date, decoded (canonical form: iso text)


def _item(document: dict[str, Any], rowid: int) -> dict[str, Any]:
    return document["items"][str(rowid)]


def _attr(rowid: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda document: _item(document, rowid)["attrs"].__setitem__(key, value)


def _field(rowid: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda document: _item(document, rowid).__setitem__(key, value)


def _move(rowid: int, doc_id: str) -> Callable[[dict[str, Any]], None]:
    return lambda document: document["items"].__setitem__(doc_id, document["items"].pop(str(rowid)))


DAMAGE: dict[str, Callable[[dict[str, Any]], None]] = {
    "bad hex": _attr(5, "v_Data", {"$bytes": "zz"}),
    "odd hex": _attr(5, "sha1", {"$bytes": "abc"}),
    "bytes body a number": _attr(5, "v_Data", {"$bytes": 12}),
    "bytes beside a date": _attr(5, "cdat", {"$bytes": "00"}),
    "tag with company": _attr(5, "v_Data", {"$bytes": "00", "x": 1}),
    "unknown tag": _attr(5, "acct", {"$blob": "00"}),
    "naive date": _attr(5, "mdat", {"$date": "2026-01-01T00:00:00"}),
    "date not a date": _attr(5, "mdat", {"$date": "yesterday"}),
    "nested value": _attr(5, "gena", [1, {"d": {"$date": "yesterday"}}]),
    "missing field": lambda document: _item(document, 5).pop("keychain"),
    "extra field": _field(5, "colour", "red"),
    "rowid a string": _field(5, "rowid", "5"),
    "rowid a bool": _field(1, "rowid", True),
    "rowid zero": _field(5, "rowid", 0),
    "rowid not its id": _field(5, "rowid", 6),
    "negative rowid under its id": lambda document: document["items"].__setitem__(
        "-1", {**_item(document, 5), "rowid": -1}
    ),
    "zero-padded id": _move(5, "05"),
    "id not a number": _move(5, "x5"),
    "keychain not text": _field(5, "keychain", ["dp"]),
    "class not text": _field(5, "item_class", 7),
    "attrs a list": _field(5, "attrs", []),
    "item a list": lambda document: document["items"].__setitem__("5", []),
    "items a list": lambda document: document.__setitem__("items", []),
    # what the model refuses (the check), in a kind with others that fit and on its own
    "unknown class": _field(5, "item_class", "xyzz"),
    "unknown keychain": _field(5, "keychain", "cloud"),
    "unknown attribute": _attr(5, "zzzz", "hello"),
    "short sha1": _attr(5, "sha1", {"$bytes": "00ff00"}),
    "date as text": _attr(5, "cdat", "yesterday"),
    "bool sync": _attr(5, "sync", True),
    "data as text": _attr(5, "v_Data", "secret"),
    "sync as text that is a number": _attr(5, "sync", "1"),
    # two problems: the first in table order is the one named
    "two damaged items": lambda document: (
        _attr(40, "v_Data", "secret")(document),
        _attr(3, "sha1", {"$bytes": "00"})(document),
    ),
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damage_is_named_the_same_both_ways(tmp_path: Path, name: str) -> None:
    document = _store_document(tmp_path)
    DAMAGE[name](document)
    for check in (True, False):
        outcome = _same_both_ways(document, check=check)
        if check:
            assert outcome[0] == "error", outcome
    if name == "two damaged items":
        assert "rowid 3)" in _outcome(document, fast=True, check=True)[1]


VALID_BUT_UNCOMMON: dict[str, Callable[[dict[str, Any]], None]] = {
    "a date in another offset": _attr(5, "mdat", {"$date": "2026-01-01T02:00:00+02:00"}),
    "access control": _attr(5, "accc", {"$accc": {"flags": 1, "protection": "ak"}}),
    "a number as text": _attr(5, "sync", "abc"),
    "hex with spaces": _attr(5, "v_Data", {"$bytes": "00 ff"}),
    "attributes in another order": lambda document: _item(document, 5).__setitem__(
        "attrs", dict(reversed(_item(document, 5)["attrs"].items()))
    ),
    "an item without attributes": _field(5, "attrs", {}),
}


@pytest.mark.parametrize("name", sorted(VALID_BUT_UNCOMMON))
def test_uncommon_valid_values_decode_the_same_both_ways(tmp_path: Path, name: str) -> None:
    document = _store_document(tmp_path)
    VALID_BUT_UNCOMMON[name](document)
    state = _same_both_ways(document, check=True)
    assert state[0] != "error", state
    rows = {row[2][1]: row for row in state[0]}
    assert len(rows) == 61 and rows[5][0] == "dp"


def test_decoding_leaves_the_document_as_it_was(tmp_path: Path) -> None:
    document = _store_document(tmp_path)
    before = copy.deepcopy(document)
    state_from_document(document, PATH, _fits, columns_fit)
    assert document == before


def test_a_damaged_store_file_is_refused_naming_the_item(tmp_path: Path) -> None:
    """Through a real file and a keychain: a short SHA-1 among 60 good items is named, as before."""
    path = tmp_path / "keychain.json"
    document = _store_document(tmp_path)
    _attr(17, "sha1", {"$bytes": "00ff00"})(document)
    path.write_bytes(serialize_snapshot(document))
    parse_snapshot(path.read_bytes(), str(path))  # still valid JSON: only the item is wrong
    status_error = None
    try:
        Keychain(store=path).SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a1"})
    except StorageError as error:
        status_error = error
    assert status_error is not None
    assert "items document 17 (rowid 17)" in status_error.problem
    assert "attribute 'sha1' (SHA1) holds bytes b'\\x00\\xff\\x00', expected 20 bytes" in status_error.problem
