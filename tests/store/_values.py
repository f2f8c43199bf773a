"""Shared by the store tests: Hypothesis strategies for every value type, and an exact comparison."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from keychainsim.model.access_control import SecAccessControl
from keychainsim.store.codec import TAGS, _state_row, item_to_document
from keychainsim.store.layout import serialize_snapshot
from keychainsim.store.state import DeviceState, KeychainState, StoredItem

utc_dates = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))
access_controls = st.builds(
    SecAccessControl,
    protection=st.sampled_from(["ak", "ck", "dk", "aku", "cku", "dku", "akpu", "f"]) | st.text(),
    flags=st.integers(min_value=0, max_value=2**32 - 1),
)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | utc_dates
    | access_controls
)
# Keys that look like our tags (and near misses) must not be mistaken for them.
dict_keys = st.text() | st.sampled_from(sorted(TAGS)) | st.sampled_from(["$", "$x", "$$bytes", "bytes", "$DATE"])
values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(dict_keys, children, max_size=4),
    max_leaves=25,
)
items = st.builds(
    StoredItem,
    keychain=st.sampled_from(["dp", "file"]) | st.text(),
    item_class=st.sampled_from(["genp", "inet", "cert", "keys"]),
    rowid=st.integers(min_value=1, max_value=2**63 - 1),
    attrs=st.dictionaries(st.text(), values, max_size=6),
)
states = st.builds(
    KeychainState,
    items=st.lists(items, max_size=6, unique_by=lambda item: item.rowid),
    next_rowid=st.integers(),
    device=st.builds(DeviceState, st.booleans(), st.booleans(), st.booleans()),
    clock_ms=st.integers(),
)


def canonical(value: Any) -> Any:
    """A form in which True != 1, b"a" != "a", 0.0 != -0.0 and nan == nan, unlike with ``==``."""
    if isinstance(value, dict):
        return ("dict", {key: canonical(item) for key, item in value.items()})
    if isinstance(value, list):
        return ("list", [canonical(item) for item in value])
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, datetime):
        return ("date", value.isoformat(), value.tzinfo)
    return (type(value).__name__, value)


def canonical_state(state: KeychainState) -> Any:
    """``canonical`` for a state; items in rowid order, the order a store gives them back in."""
    return (
        [
            (i.keychain, i.item_class, canonical(i.rowid), canonical(i.attrs))
            for i in sorted(state.items, key=lambda item: item.rowid)
        ],
        canonical(state.next_rowid),
        state.device,
        canonical(state.clock_ms),
    )


def sample_state() -> KeychainState:
    """Both keychains, tagged values, a locked device, and more than nine items (ids sort as text)."""
    return KeychainState(
        items=[
            StoredItem("dp", "genp", 7, {"acct": "bob", "v_Data": b"secret", "sync": 0}),
            StoredItem("file", "keys", 3, {"klbl": b"\x01" * 20, "accc": SecAccessControl("ak", 1)}),
        ]
        + [StoredItem("dp", "genp", 100 + n, {"acct": f"n{n}"}) for n in range(11)],
        next_rowid=112,
        device=DeviceState(unlocked=False, unlocked_since_boot=True, passcode_set=True),
        clock_ms=1_767_225_600_000,
    )


def schema2_document(state: KeychainState, generation: int = 1, version: str = "0.1.0") -> dict[str, Any]:
    """The document of a schema 2 store for ``state``: one ``items`` document per item, keyed by rowid, as
    keychainsim wrote snapshots before schema 3 and as every journal record still holds its items. Through
    the file's bytes and back, so its values are what a reader parses."""
    document = {
        "_meta": {"1": {"generation": generation, "keychainsim": version, "schema": 2}},
        "items": {str(item.rowid): item_to_document(item, f"items[{n}]") for n, item in enumerate(state.items)},
        "state": {"1": _state_row(state.next_rowid, state.device, state.clock_ms)},
    }
    return json.loads(serialize_snapshot(document))


def isolate(document: dict[str, Any], rowid: int) -> dict[str, Any]:
    """Move item ``rowid`` of a schema 3 document into a ``columns`` document of its own, each of its
    values encoded on its own (a one-row list per attribute), and return that document for editing."""
    for doc in document["columns"].values():
        if rowid not in doc["rowids"]:
            continue
        row = doc["rowids"].index(rowid)
        doc["rowids"].pop(row)
        cells = []
        for column in doc["values"]:
            if isinstance(column, dict):
                ((tag, bodies),) = column.items()
                cells.append([{tag: bodies.pop(row)}])
            else:
                cells.append([column.pop(row)])
        alone = {**doc, "attrs": list(doc["attrs"]), "rowids": [rowid], "values": cells}
        document["columns"][str(max(map(int, document["columns"])) + 1)] = alone
        return alone
    raise KeyError(rowid)


def set_cell(doc: dict[str, Any], key: str, value: Any) -> None:
    """Give the one item of an :func:`isolate` d document the encoded ``value`` for attribute ``key``."""
    if key in doc["attrs"]:
        doc["values"][doc["attrs"].index(key)] = [value]
    else:
        doc["attrs"].append(key)
        doc["values"].append([value])
