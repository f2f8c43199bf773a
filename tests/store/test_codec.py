"""The store's JSON layout: every value type survives exactly, and a broken document says where."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keychainsim.errors import StorageError
from keychainsim.model.access_control import SecAccessControl
from keychainsim.store.codec import (
    meta_from_document,
    state_from_document,
    state_to_document,
    value_from_json,
    value_to_json,
)
from keychainsim.store.layout import parse_snapshot, serialize_snapshot
from keychainsim.store.state import SCHEMA_VERSION, KeychainState, StoredItem

from ._values import canonical, canonical_state, sample_state, schema2_document, states, values

pytestmark = pytest.mark.model

PATH = "/tmp/keychain.json"


def short_id(value: Any) -> str:
    """A test id; repr() of a 5000-digit int raises, and of a long one is unreadable."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**64:
        return f"int-{value.bit_length()}-bits"
    return repr(value)[:40]


def through_file_bytes(state: KeychainState) -> KeychainState:
    """The full path a state takes on disk, minus the disk: document, bytes, parse, decode."""
    raw = serialize_snapshot(state_to_document(state, generation=1, version="test"))
    return state_from_document(parse_snapshot(raw, PATH).document, PATH)


# -- round trips ---------------------------------------------------------------------------------------


@given(values)
@settings(max_examples=300)
def test_every_value_round_trips_exactly(value: Any) -> None:
    encoded = json.loads(json.dumps(value_to_json(value), allow_nan=False))
    assert canonical(value_from_json(encoded)) == canonical(value)


@given(states)
def test_every_state_round_trips_through_the_file_format(state: KeychainState) -> None:
    assert canonical_state(through_file_bytes(state)) == canonical_state(state)


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        1,
        0,
        "1",
        b"1",
        b"",
        "",
        1.0,
        -0.0,
        2**63 - 1,
        -(2**63),
        2**63,
        -(2**63) - 1,
        10**5000,
        -(10**5000),
        math.inf,
        -math.inf,
        "\ud800 lone surrogate",
        "caf\u00e9 \U0001f511",
        {"$bytes": "00ff"},
        {"$dict": {"$bytes": 1}},
        {"$": None, "plain": [True, 1]},
        [[], {}, [{}]],
        datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),
        SecAccessControl("akpu", 1 << 30 | 1),
    ],
    ids=short_id,
)
def test_values_that_plain_json_would_blur_stay_distinct(value: Any) -> None:
    encoded = json.loads(json.dumps(value_to_json(value), allow_nan=False))
    assert canonical(value_from_json(encoded)) == canonical(value)


def test_nan_round_trips() -> None:
    assert math.isnan(value_from_json(json.loads(json.dumps(value_to_json(math.nan), allow_nan=False))))


def test_tags_are_written_as_documented() -> None:
    assert value_to_json(b"\x00\xff") == {"$bytes": "00ff"}
    assert value_to_json(datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)) == {
        "$date": "2026-01-01T00:00:00.123456+00:00"
    }
    assert value_to_json(SecAccessControl("ak", 3)) == {"$accc": {"flags": 3, "protection": "ak"}}
    assert value_to_json({"$bytes": "00"}) == {"$dict": {"$bytes": "00"}}
    assert value_to_json({"plain": b""}) == {"plain": {"$bytes": ""}}
    assert value_to_json(-(2**64)) == {"$int": "-10000000000000000"}


@given(
    st.datetimes(
        min_value=datetime(2, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.builds(timezone, st.timedeltas(timedelta(hours=-23), timedelta(hours=23))),
    )
)
def test_a_date_in_any_offset_comes_back_as_the_same_instant_in_utc(value: datetime) -> None:
    decoded = value_from_json(value_to_json(value))
    assert decoded == value
    assert decoded.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 1, 1),
        (1, 2),
        {1: "int key"},
        {"set": {1}},
        bytearray(b"x"),
        object(),
        [1, [2, {"deep": datetime(2026, 1, 1)}]],
    ],
    ids=repr,
)
def test_values_no_keychain_type_maps_to_are_refused(value: Any) -> None:
    with pytest.raises(TypeError, match="cannot store"):
        value_to_json(value)


def test_a_refused_value_names_its_item_and_attribute() -> None:
    state = KeychainState(items=[StoredItem("dp", "genp", 42, {"acct": "a", "gena": [1, {"k": (1,)}]})])
    with pytest.raises(TypeError) as caught:
        state_to_document(state, generation=1, version="test")
    message = str(caught.value)
    assert "rowid 42" in message and "'gena'[1]['k']" in message and "tuple" in message


def test_subclasses_of_value_types_are_stored_as_the_base_value() -> None:
    from enum import IntEnum, StrEnum

    class Number(IntEnum):
        ONE = 1

    class Word(StrEnum):
        HELLO = "hello"

    assert canonical(value_from_json(value_to_json([Number.ONE, Word.HELLO]))) == canonical([1, "hello"])


# -- the document and determinism ------------------------------------------------------------------------


def test_items_come_back_in_rowid_order_past_nine_items() -> None:
    # Document ids sort as strings in a JSON object ("1", "10", "11", "2", ...); order must not follow that.
    state = sample_state()
    assert [item.rowid for item in through_file_bytes(state).items] == sorted(item.rowid for item in state.items)


def test_same_state_gives_identical_bytes() -> None:
    first = serialize_snapshot(state_to_document(sample_state(), generation=5, version="0.1.0"))
    second = serialize_snapshot(state_to_document(sample_state(), generation=5, version="0.1.0"))
    assert first == second
    reordered = sample_state()
    reordered.items[0].attrs = dict(reversed(list(reordered.items[0].attrs.items())))
    reordered.items.reverse()
    assert serialize_snapshot(state_to_document(reordered, generation=5, version="0.1.0")) == first


def test_the_document_is_in_tinydb_layout_a_column_at_a_time_with_meta_first() -> None:
    document = state_to_document(sample_state(), generation=9, version="0.1.0")
    assert sorted(document) == ["_meta", "columns", "state"]
    assert document["_meta"] == {"1": {"generation": 9, "keychainsim": "0.1.0", "schema": SCHEMA_VERSION}}
    # One document per kind (keychain, class, attribute names), kinds in the order of their first rowid,
    # names sorted, rows in rowid order; a column of bytes is one $bytes tag over its bodies.
    kinds = [(doc["keychain"], doc["item_class"], doc["attrs"], doc["rowids"]) for doc in document["columns"].values()]
    assert list(document["columns"]) == ["1", "2", "3"]
    assert kinds == [
        ("file", "keys", ["accc", "klbl"], [3]),
        ("dp", "genp", ["acct", "sync", "v_Data"], [7]),
        ("dp", "genp", ["acct"], [100 + n for n in range(11)]),
    ]
    assert document["columns"]["2"]["values"] == [["bob"], [0], {"$bytes": ["736563726574"]}]
    assert document["columns"]["1"]["values"][0] == [{"$accc": {"flags": 1, "protection": "ak"}}]
    assert document["columns"]["3"]["values"] == [[f"n{n}" for n in range(11)]]
    raw = serialize_snapshot(document)
    assert raw.startswith(b'{"_meta":{\n"1":{"generation":9,"keychainsim":"0.1.0","schema":3}\n},\n"columns":{\n"1":')
    assert json.loads(raw) == document


def test_a_column_of_dates_is_one_tag_and_a_mixed_column_tags_each_value() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=UTC)
    state = KeychainState(
        items=[
            StoredItem("dp", "genp", 1, {"acct": "a", "cdat": when}),
            StoredItem("dp", "genp", 2, {"acct": b"\x00", "cdat": when + timedelta(seconds=1)}),
        ]
    )
    (kind,) = state_to_document(state, generation=1, version="t")["columns"].values()
    assert kind["values"] == [
        ["a", {"$bytes": "00"}],
        {"$date": ["2026-01-02T03:04:05.000600+00:00", "2026-01-02T03:04:06.000600+00:00"]},
    ]
    assert canonical_state(through_file_bytes(state)) == canonical_state(state)


def test_a_schema_2_document_keyed_by_rowid_is_still_read() -> None:
    document = schema2_document(sample_state())
    assert sorted(document["items"], key=int)[:3] == ["3", "7", "100"]
    assert canonical_state(state_from_document(document, PATH)) == canonical_state(sample_state())


def test_a_schema_1_document_keyed_by_position_is_still_read() -> None:
    # What keychainsim wrote before the journal: ids 1, 2, 3 in item order, whatever the rowids.
    document = schema2_document(sample_state(), generation=4, version="0.0.9")
    document["_meta"]["1"]["schema"] = 1
    document["items"] = {str(n): doc for n, doc in enumerate(document["items"].values(), start=1)}
    state = state_from_document(document, PATH)
    assert canonical_state(state) == canonical_state(sample_state())
    assert [item.rowid for item in state.items] == sorted(item.rowid for item in sample_state().items)


def test_two_items_with_one_rowid_are_refused() -> None:
    document = schema2_document(sample_state(), generation=4, version="0.0.9")
    document["_meta"]["1"]["schema"] = 1
    document["items"] = {"1": document["items"]["7"], "2": dict(document["items"]["3"], rowid=7)}
    with pytest.raises(StorageError, match=r"items document 2: rowid 7 is used by another item"):
        state_from_document(document, PATH)
    duplicate = sample_state()
    duplicate.items[1].rowid = 7
    with pytest.raises(TypeError, match=r"rowid 7 is used by another item"):
        state_to_document(duplicate, generation=1, version="x")
    columns = json.loads(serialize_snapshot(state_to_document(sample_state(), generation=1, version="x")))
    columns["columns"]["3"]["rowids"][4] = 7
    with pytest.raises(StorageError, match=r"columns: rowid 7 is used by more than one item"):
        state_from_document(columns, PATH)


# -- malformed documents --------------------------------------------------------------------------------


def good_document() -> dict[str, Any]:
    """A schema 2 document: the item documents journal records hold are decoded by the same code."""
    return schema2_document(sample_state())


def set_attr(key: str, value: Any) -> Any:
    def mutate(document: dict[str, Any]) -> None:
        document["items"]["7"]["attrs"][key] = value

    return mutate


def set_in(*path_and_value: Any) -> Any:
    *path, value = path_and_value

    def mutate(document: dict[str, Any]) -> None:
        target = document
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def delete_in(*path: str) -> Any:
    def mutate(document: dict[str, Any]) -> None:
        target = document
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


MALFORMED = {
    "bad hex": (set_attr("v_Data", {"$bytes": "zz"}), ["rowid 7", "'v_Data'", "$bytes"]),
    "bytes not a string": (set_attr("v_Data", {"$bytes": 12}), ["rowid 7", "'v_Data'", "integer"]),
    "unknown tag": (set_attr("acct", {"$blob": "00"}), ["rowid 7", "'acct'", "unknown tag '$blob'"]),
    "tag with company": (set_attr("acct", {"$bytes": "00", "x": 1}), ["'acct'", "alone"]),
    "nested bad date": (set_attr("gena", [1, {"d": {"$date": "yesterday"}}]), ["'gena'[1]['d']", "$date"]),
    "naive date": (set_attr("cdat", {"$date": "2026-01-01T00:00:00"}), ["'cdat'", "no UTC offset"]),
    "access control keys": (set_attr("accc", {"$accc": {"protection": "ak"}}), ["'accc'", "flags"]),
    "access control bool flags": (
        set_attr("accc", {"$accc": {"protection": "ak", "flags": True}}),
        ["'accc'", "integer flags"],
    ),
    "bad float tag": (set_attr("x", {"$float": "1.5"}), ["'x'", "nan, inf, -inf"]),
    "item missing field": (delete_in("items", "3", "item_class"), ["items document 3", "missing ['item_class']"]),
    "item extra field": (set_in("items", "3", "colour", "red"), ["items document 3", "unknown ['colour']"]),
    "rowid a string": (set_in("items", "7", "rowid", "7"), ["items document 7", "rowid '7'"]),
    "rowid a bool": (set_in("items", "7", "rowid", True), ["items document 7", "rowid True"]),
    "rowid zero": (set_in("items", "7", "rowid", 0), ["items document 7", "rowid 0"]),
    "rowid not the id": (set_in("items", "7", "rowid", 8), ["items document 7 holds rowid 8"]),
    "attrs a list": (set_in("items", "7", "attrs", []), ["rowid 7", "attrs is a array"]),
    "doc id not a number": (set_in("items", "x1", {}), ["document id 'x1'"]),
    "doc id zero-padded": (set_in("items", "01", {}), ["document id '01'"]),
    "items a list": (set_in("items", []), ["items table"]),
    "unknown table": (set_in("_default", {}), ["unknown tables ['_default']"]),
    "missing state": (delete_in("state"), ["state table is missing"]),
    "two state rows": (set_in("state", "2", {}), ["state table must hold exactly one document"]),
    "device flag an int": (set_in("state", "1", "device", "unlocked", 1), ["state.device.unlocked"]),
    "next_rowid a float": (set_in("state", "1", "next_rowid", 2.0), ["state.next_rowid"]),
    "no meta": (delete_in("_meta"), ["not a keychainsim store", "no _meta table"]),
    "schema a string": (set_in("_meta", "1", "schema", "1"), ["_meta.schema"]),
    "generation zero": (set_in("_meta", "1", "generation", 0), ["_meta.generation"]),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_document_names_what_is_wrong(name: str) -> None:
    mutate, expected = MALFORMED[name]
    document = good_document()
    mutate(document)
    with pytest.raises(StorageError) as caught:
        state_from_document(document, PATH)
    error = caught.value
    assert error.path == PATH and error.fix
    for fragment in expected:
        assert fragment in error.problem
    assert str(error).startswith(f"keychain store {PATH}: ")


def test_a_newer_schema_is_refused_with_both_versions() -> None:
    document = good_document()
    # A newer layout may change anything else; the schema number alone must decide.
    document["_meta"]["1"] = {"schema": SCHEMA_VERSION + 1, "keychainsim": "9.0.0", "new_field": 1}
    document["items"] = "reorganized"
    with pytest.raises(StorageError) as caught:
        state_from_document(document, PATH)
    problem = caught.value.problem
    assert f"schema {SCHEMA_VERSION + 1}" in problem and f"reads schemas 1 to {SCHEMA_VERSION}" in problem
    assert "9.0.0" in problem and "upgrade" in caught.value.fix


@pytest.mark.parametrize("document", [[], "text", None, 3], ids=repr)
def test_a_document_that_is_not_an_object_of_tables_is_refused(document: Any) -> None:
    with pytest.raises(StorageError, match="not a keychainsim store"):
        meta_from_document(document, PATH)


@pytest.mark.parametrize(
    "raw, problem",
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b'{"_meta": ', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not"),
        (b"[1, 2]", "top level is a list"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
    ids=["empty", "blank", "truncated", "binary", "list", "too deep"],
)
def test_unparsable_bytes_are_refused(raw: bytes, problem: str) -> None:
    with pytest.raises(StorageError) as caught:
        parse_snapshot(raw, PATH)
    assert problem in caught.value.problem and caught.value.fix
