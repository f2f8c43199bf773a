"""The store's JSON layout: a :class:`KeychainState` as a tinydb document, and back.

JSON has no bytes, no dates and no way to tell ``1`` from ``True`` once a value has passed through
a careless tool, so every value that plain JSON would blur carries an explicit one-key tag object::

    {"$bytes": "00ff"}                                   bytes, lower-case hex
    {"$date": "2026-01-01T00:00:00.123456+00:00"}        an instant, always written in UTC
    {"$accc": {"flags": 1, "protection": "ak"}}          SecAccessControl
    {"$int": "-1ffffffffffffffff"}                       an int outside signed 64 bits, hex
    {"$float": "nan"}                                    nan, inf, -inf (strict JSON has none)
    {"$dict": {"$bytes": ...}}                           a dict whose own keys start with "$"

Ints outside signed 64 bits are tagged because CFNumber stops there, most JSON readers lose
precision past 2**53, and Python refuses to print ints of more than 4300 decimal digits.

The document is what tinydb keeps in a file: tables of documents keyed by decimal ids. Table
``_meta`` sorts first (the leading underscore follows tinydb's own ``_default``) so that the save
counter sits in the first bytes of the file. Schema 3 keeps the items of a snapshot a column at a time,
one ``columns`` document per *kind* (items in one keychain, of one class, with the same attribute keys),
rows in rowid order::

    {"_meta": {"1": {"generation": 7, "keychainsim": "0.1.0", "schema": 3}},
     "columns": {"1": {"attrs": ["acct", "cdat", "v_Data", ...], "item_class": "genp", "keychain": "dp",
                       "rowids": [1, 2, ...],
                       "values": [["a", "b", ...],                              one list per attribute
                                  {"$date": ["2026-01-01T00:00:00.000000+00:00", ...]},
                                  {"$bytes": ["00ff", ...]}, ...]}},
     "state": {"1": {"clock_ms": 0, "device": {...}, "next_rowid": 3}}}

A column whose values all have one tagged type (bytes, or dates) is that tag over the list of bodies;
any other column is the list of its values, each encoded as above. Why columns: opening a store parses
and decodes every item, and a column holds one JSON string per value where an item document holds an
object per item and a tag object per value: a 10,000-item store parses about five times faster, and its
values decode with one C-level call per column.

Schemas 1 and 2 (still read) keep one ``items`` document per item, keyed by position (1) or by rowid (2)::

    "items": {"1": {"attrs": {...}, "item_class": "genp", "keychain": "dp", "rowid": 1}, ...}

A journal record (:mod:`keychainsim.store.layout`) is, in every schema, a patch of ``items`` documents
by rowid (``null`` for a deleted one) and the state row: one change costs one small record. Reading a
schema 3 file decodes its columns and then applies each record's changes by rowid (a record may replace
or delete an item of the snapshot); reading a schema 2 file applies the patches to its document first.

Decoding is strict: an unknown table, field or tag is an error rather than something to skip,
because the next save would silently drop whatever was skipped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from operator import attrgetter, eq, itemgetter
from typing import Any

from keychainsim import __version__
from keychainsim.errors import StorageError
from keychainsim.model.access_control import SecAccessControl
from keychainsim.store.layout import apply_patch
from keychainsim.store.state import READABLE_SCHEMAS, SCHEMA_VERSION, Change, DeviceState, KeychainState, StoredItem

META_TABLE = "_meta"
ITEMS_TABLE = "items"
COLUMNS_TABLE = "columns"
STATE_TABLE = "state"
TABLES = (META_TABLE, ITEMS_TABLE, STATE_TABLE)
"""The tables of a schema 1 or 2 document."""
COLUMN_TABLES = (META_TABLE, COLUMNS_TABLE, STATE_TABLE)
"""The tables of a schema 3 document."""

TAGS = frozenset({"$accc", "$bytes", "$date", "$dict", "$float", "$int"})

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_ITEM_FIELDS = frozenset({"attrs", "item_class", "keychain", "rowid"})
_KIND_FIELDS = frozenset({"attrs", "item_class", "keychain", "rowids", "values"})
_COLUMN_TAGS = {bytes: "$bytes", datetime: "$date"}
"""The types whose column is written as one tag over the list of bodies."""
_STATE_FIELDS = frozenset({"clock_ms", "device", "next_rowid"})
_DEVICE_FIELDS = frozenset({"passcode_set", "unlocked", "unlocked_since_boot"})
_META_FIELDS = frozenset({"generation", "keychainsim", "schema"})

_FIX_MALFORMED = "fix the named field by hand, restore a backup, or move the file away to start an empty store"
_FIX_NOT_OURS = "point the store at a keychainsim store file, or move this file away"
_FIX_NEWER = "upgrade keychainsim, or use another store file with this version"


@dataclass(frozen=True)
class StoreMeta:
    """The ``_meta`` row: who wrote the file and how many saves it has seen."""

    schema: int
    keychainsim: str
    generation: int


# -- values -----------------------------------------------------------------------------------------


class _Located(Exception):
    """Raised deep inside a nested value; each caller on the way out appends where it sits.

    Building a location string for every value would cost more than decoding it; this way only a
    failure pays for its message.
    """

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.trail: list[str] = []


class _Unencodable(_Located):
    """A Python value with no JSON form here."""


class _Malformed(_Located):
    """A JSON value that :func:`value_to_json` would never have written."""


def value_to_json(value: Any) -> Any:
    """The tagged JSON form of an attribute value.

    Raises:
        TypeError: the value (or something nested in it) is not one of
            :data:`~keychainsim.store.state.VALUE_TYPES`, a dict key is not a str, or a datetime is naive.
    """
    try:
        return _encode(value)
    except _Unencodable as error:
        raise TypeError(f"cannot store value{_trail(error)}: {error.problem}") from None


def value_from_json(data: Any) -> Any:
    """The attribute value a tagged JSON form stands for.

    Raises:
        ValueError: ``data`` is not something :func:`value_to_json` writes (message names where).
    """
    try:
        return _decode(data)
    except _Malformed as error:
        raise ValueError(f"value{_trail(error)}: {error.problem}") from None


def _trail(error: _Located) -> str:
    return "".join(reversed(error.trail))


def _encode(value: Any) -> Any:
    kind = type(value)
    if value is None or kind is str or kind is bool:
        return value
    if kind is int:
        return value if _INT64_MIN <= value <= _INT64_MAX else {"$int": format(value, "x")}
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is bytes:
        return {"$bytes": value.hex()}
    if kind is list:
        return _encode_list(value)
    if kind is dict:
        return _encode_dict(value)
    if kind is SecAccessControl:
        if type(value.protection) is not str or type(value.flags) is not int:
            raise _Unencodable("SecAccessControl needs a str protection and int flags")
        return {"$accc": {"flags": value.flags, "protection": value.protection}}
    if isinstance(value, datetime):
        return {"$date": _encode_date(value)}
    # Subclasses (IntEnum, StrEnum, ...) are stored as their base value: CF has no enums.
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return _encode(int(value))
    if isinstance(value, float):
        return _encode(float(value))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    raise _Unencodable(f"{kind.__name__} is not a keychain value type (see store.state.VALUE_TYPES)")


def _encode_date(value: datetime) -> str:
    if value.utcoffset() is None:
        raise _Unencodable("naive datetime: a keychain date is an instant, give it a tzinfo")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise _Unencodable(f"{value.isoformat()} cannot be expressed in UTC") from None
    return utc.isoformat(timespec="microseconds")


def _encode_list(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    index = 0
    try:
        for index, item in enumerate(values):  # noqa: B007 - index is read by the handler
            out.append(_encode(item))
    except _Unencodable as error:
        error.trail.append(f"[{index}]")
        raise
    return out


def _encode_dict(values: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    escape = False
    for key, item in values.items():
        if type(key) is not str:
            raise _Unencodable(f"dict key {key!r} is a {type(key).__name__}, not a str")
        try:
            out[key] = _encode(item)
        except _Unencodable as error:
            error.trail.append(f"[{key!r}]")
            raise
        escape = escape or key.startswith("$")
    return {"$dict": out} if escape else out


def _decode(data: Any) -> Any:
    kind = type(data)
    if data is None or kind is str or kind is int or kind is float or kind is bool:
        return data
    if kind is list:
        out: list[Any] = []
        index = 0
        try:
            for index, item in enumerate(data):  # noqa: B007 - index is read by the handler
                out.append(_decode(item))
        except _Malformed as error:
            error.trail.append(f"[{index}]")
            raise
        return out
    if kind is dict:
        for key in data:
            if key.startswith("$"):
                return _decode_tagged(data)
        return _decode_plain_dict(data)
    raise _Malformed(f"{kind.__name__} is not a JSON value")  # pragma: no cover - json.loads makes none


def _decode_plain_dict(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in data.items():
        try:
            out[key] = _decode(item)
        except _Malformed as error:
            error.trail.append(f"[{key!r}]")
            raise
    return out


def _decode_tagged(data: dict[str, Any]) -> Any:
    if len(data) != 1:
        keys = ", ".join(sorted(data))
        raise _Malformed(f"object with keys {keys}: a key starting with '$' must be a tag alone in its object")
    ((tag, body),) = data.items()
    try:
        if tag == "$bytes":
            return bytes.fromhex(_expect(body, str, tag))
        if tag == "$date":
            return _decode_date(_expect(body, str, tag))
        if tag == "$accc":
            return _decode_access_control(_expect(body, dict, tag))
        if tag == "$int":
            return int(_expect(body, str, tag), 16)
        if tag == "$float":
            text = _expect(body, str, tag)
            if text not in _NON_FINITE:
                raise _Malformed(f"$float {text!r} is not one of nan, inf, -inf")
            return _NON_FINITE[text]
        if tag == "$dict":
            return _decode_plain_dict(_expect(body, dict, tag))
    except ValueError as error:
        raise _Malformed(f"{tag} {body!r}: {error}") from None
    raise _Malformed(f"unknown tag {tag!r} (known: {', '.join(sorted(TAGS))})")


def _expect(body: Any, kind: type, tag: str) -> Any:
    if type(body) is not kind:
        raise _Malformed(f"{tag} holds a {_json_type(body)}, expected a {_JSON_NAMES[kind]}")
    return body


def _decode_date(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is UTC:
        return value
    if value.utcoffset() is None:
        raise _Malformed(f"$date {text!r} has no UTC offset")
    return value.astimezone(UTC)


def _decode_access_control(body: dict[str, Any]) -> SecAccessControl:
    if set(body) != {"flags", "protection"}:
        raise _Malformed(f"$accc has keys {sorted(body)}, expected ['flags', 'protection']")
    protection, flags = body["protection"], body["flags"]
    if type(protection) is not str or type(flags) is not int:
        raise _Malformed("$accc needs a string protection and integer flags")
    return SecAccessControl(protection, flags)


_JSON_NAMES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _json_type(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


# -- the document -----------------------------------------------------------------------------------

ItemCheck = Callable[[StoredItem], "str | None"]
"""A check the caller adds to decoding: what makes an item unusable (named in the error), or None."""

ColumnsCheck = Callable[[str, str, tuple[str, ...], list[list[Any]]], bool]
"""The same check over many items at once: given a keychain, a class, attribute keys and, per key, the
values of every item with exactly those keys, whether the :data:`ItemCheck` passes them all. A store open
uses it to check a column at a time; when it says no, the items are checked one by one for the message."""


def state_to_document(state: KeychainState, *, generation: int, version: str) -> dict[str, dict[str, Any]]:
    """The schema 3 tinydb document for ``state``, stamped with the save counter and the writer's version:
    the items a column at a time (module docstring), kinds in the order of their first rowid.

    Raises:
        TypeError: a field or attribute value cannot be stored; names the item and the attribute.
    """
    kinds: dict[tuple[str, str, tuple[str, ...]], list[StoredItem]] = {}
    seen: set[int] = set()
    for position, item in enumerate(state.items):
        _check_item(item, f"items[{position}]")
        if item.rowid in seen:
            raise TypeError(f"cannot store items[{position}]: rowid {item.rowid} is used by another item")
        seen.add(item.rowid)
    for item in sorted(state.items, key=_item_rowid):
        # Keys in name order, as a schema 2 item document's sorted keys read back: the same state always
        # gives the same bytes, whatever order its attributes were set in.
        kinds.setdefault((item.keychain, item.item_class, tuple(sorted(item.attrs))), []).append(item)
    columns: dict[str, Any] = {}
    try:
        for number, ((keychain, item_class, keys), same) in enumerate(kinds.items(), start=1):
            every = [item.attrs for item in same]
            columns[str(number)] = {
                "attrs": list(keys),
                "item_class": item_class,
                "keychain": keychain,
                "rowids": [item.rowid for item in same],
                "values": [_encode_column(list(map(itemgetter(key), every))) for key in keys],
            }
    except _Unencodable:
        for position, item in enumerate(state.items):
            item_to_document(item, f"items[{position}]")  # raises, naming the first item that fails
        raise  # pragma: no cover - a column fails only where some item does
    return {
        META_TABLE: {"1": {"generation": generation, "keychainsim": version, "schema": SCHEMA_VERSION}},
        COLUMNS_TABLE: columns,
        STATE_TABLE: {"1": _state_row(state.next_rowid, state.device, state.clock_ms)},
    }


def _encode_column(column: list[Any]) -> Any:
    """One attribute's values for the items of a kind: one tag over the bodies when they all have a
    tagged type (see :data:`_COLUMN_TAGS`), else the list of values each encoded on its own.

    Raises:
        _Unencodable: some value cannot be stored (the caller names the item).
    """
    kinds = set(map(type, column))
    if kinds == {bytes}:
        return {"$bytes": list(map(bytes.hex, column))}
    if kinds == {datetime}:
        return {"$date": list(map(_encode_date, column))}
    if kinds <= _STANDING:
        return column
    return list(map(_encode, column))


_STANDING = frozenset({str, bool, type(None)})
"""Types whose values are their own JSON form, whatever they hold (an int may be too large, a float not
finite: those go through :func:`_encode`)."""


def _check_item(item: Any, where: str) -> None:
    """Refuse, naming ``where``, an item whose fields have the wrong types or whose keys are not strings."""
    _require(item, StoredItem, where)
    _require(item.keychain, str, f"{where}.keychain")
    _require(item.item_class, str, f"{where}.item_class")
    _require(item.rowid, int, f"{where}.rowid")
    _require(item.attrs, dict, f"{where}.attrs")
    if item.rowid < 1:
        raise TypeError(f"cannot store {where}: rowid {item.rowid} is not positive")
    for key in item.attrs:
        if type(key) is not str:
            raise TypeError(f"cannot store {where} (rowid {item.rowid}): attribute key {key!r} is not a str")


def item_to_document(item: StoredItem, where: str) -> dict[str, Any]:
    """One item's document in a journal record (its attributes tagged as the module docstring says).

    Raises:
        TypeError: a field or attribute value cannot be stored; names the item and the attribute.
    """
    _check_item(item, where)
    attrs: dict[str, Any] = {}
    for key, value in item.attrs.items():
        try:
            attrs[key] = _encode(value)
        except _Unencodable as error:
            raise TypeError(
                f"cannot store {where} (rowid {item.rowid}, {item.item_class}) attribute "
                f"{key!r}{_trail(error)}: {error.problem}"
            ) from None
    return {"attrs": attrs, "item_class": item.item_class, "keychain": item.keychain, "rowid": item.rowid}


def _state_row(next_rowid: int, device: DeviceState, clock_ms: int) -> dict[str, Any]:
    _require(device, DeviceState, "device")
    for name in sorted(_DEVICE_FIELDS):
        _require(getattr(device, name), bool, f"device.{name}")
    _require(next_rowid, int, "next_rowid")
    _require(clock_ms, int, "clock_ms")
    return {
        "clock_ms": clock_ms,
        "device": {name: getattr(device, name) for name in sorted(_DEVICE_FIELDS)},
        "next_rowid": next_rowid,
    }


def change_to_patch(change: Change) -> dict[str, dict[str, Any]]:
    """The journal patch for ``change``: changed item documents by rowid (null when deleted), the state row.

    Raises:
        TypeError: as :func:`item_to_document`, or an item's rowid is not the one it is filed under.
    """
    items: dict[str, Any] = {}
    for rowid, item in change.items.items():
        where = f"changed item {rowid}"
        if item is not None and item.rowid != rowid:
            raise TypeError(f"cannot store {where}: it holds rowid {item.rowid}")
        items[str(rowid)] = None if item is None else item_to_document(item, where)
    return {ITEMS_TABLE: items, STATE_TABLE: {"1": _state_row(change.next_rowid, change.device, change.clock_ms)}}


def _require(value: Any, kind: type, where: str) -> None:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"cannot store {where}: {type(value).__name__} {value!r} is not a {kind.__name__}")


def meta_from_document(document: Any, path: str) -> StoreMeta:
    """The ``_meta`` row of a document read from ``path``.

    Raises:
        StorageError: the document is not a keychainsim store, or a newer keychainsim wrote it.
    """
    if type(document) is not dict:
        raise StorageError(path, f"not a keychainsim store: the top level is a {_json_type(document)}", _FIX_NOT_OURS)
    if META_TABLE not in document:
        found = ", ".join(sorted(map(str, document))) or "none"
        raise StorageError(
            path, f"not a keychainsim store: no {META_TABLE} table (tables found: {found})", _FIX_NOT_OURS
        )
    row = _single_row(document[META_TABLE], META_TABLE, path)
    # The schema number comes first: a newer layout may have changed everything else.
    schema, version = row.get("schema"), row.get("keychainsim")
    if type(schema) is not int or schema < 1:
        raise _broken(path, f"{META_TABLE}.schema is {schema!r}, not a positive integer")
    if schema > SCHEMA_VERSION:
        raise StorageError(
            path,
            f"written by a newer keychainsim ({version}): store schema {schema}, "
            f"this version ({__version__}) reads schemas {READABLE_SCHEMAS[0]} to {SCHEMA_VERSION}",
            _FIX_NEWER,
        )
    _check_fields(row, _META_FIELDS, META_TABLE, path)
    generation = row["generation"]
    if type(version) is not str:
        raise _broken(path, f"{META_TABLE}.keychainsim is {version!r}, not a string")
    if type(generation) is not int or generation < 1:
        raise _broken(path, f"{META_TABLE}.generation is {generation!r}, not a positive integer")
    return StoreMeta(schema, version, generation)


def state_from_document(
    document: Any, path: str, check: ItemCheck | None = None, check_columns: ColumnsCheck | None = None
) -> KeychainState:
    """The state a document read from ``path`` holds.

    Args:
        check: also refuse an item this returns a problem for (the model's fit, for the engine).
        check_columns: ``check`` over many items at once (see :data:`ColumnsCheck`), to make opening a
            large store faster; the answer is the same with or without it.

    Raises:
        StorageError: naming the table, item and field that is wrong, if the document is not exactly
            what :func:`state_to_document` writes (schema 1 documents are read too), or a newer
            keychainsim wrote it.
    """
    meta = meta_from_document(document, path)
    unknown = set(document) - set(COLUMN_TABLES if meta.schema >= 3 else TABLES)
    if unknown:
        raise StorageError(
            path, f"unknown tables {sorted(unknown)} (a save would drop them)", "move those tables elsewhere"
        )
    if meta.schema >= 3:
        items = _decode_columns(document.get(COLUMNS_TABLE, {}), path, check, check_columns)
    else:
        table = document.get(ITEMS_TABLE, {})
        items = _decode_common_items(table, path, check, check_columns) if meta.schema >= 2 else None
        if items is None:
            items = _decode_items(table, path, keyed_by_rowid=meta.schema >= 2, check=check)
    if STATE_TABLE not in document:
        raise _broken(path, f"the {STATE_TABLE} table is missing")
    next_rowid, device, clock_ms = _decode_state_row(_single_row(document[STATE_TABLE], STATE_TABLE, path), path)
    return KeychainState(items=items, next_rowid=next_rowid, device=device, clock_ms=clock_ms)


def _decode_state_row(row: dict[str, Any], path: str) -> tuple[int, DeviceState, int]:
    _check_fields(row, _STATE_FIELDS, STATE_TABLE, path)
    for name in ("next_rowid", "clock_ms"):
        if type(row[name]) is not int:
            raise _broken(path, f"{STATE_TABLE}.{name} is {row[name]!r}, not an integer")
    device = row["device"]
    if type(device) is not dict:
        raise _broken(path, f"{STATE_TABLE}.device is a {_json_type(device)}, not an object")
    _check_fields(device, _DEVICE_FIELDS, f"{STATE_TABLE}.device", path)
    for name in sorted(_DEVICE_FIELDS):
        if type(device[name]) is not bool:
            raise _broken(path, f"{STATE_TABLE}.device.{name} is {device[name]!r}, not true or false")
    return row["next_rowid"], DeviceState(**{name: device[name] for name in _DEVICE_FIELDS}), row["clock_ms"]


def _decode_columns(
    table: Any, path: str, check: ItemCheck | None, check_columns: ColumnsCheck | None
) -> list[StoredItem]:
    """The items of a schema 3 ``columns`` table, in rowid order.

    Raises:
        StorageError: a document, a column or a value is not what :func:`state_to_document` writes, a
            rowid is used twice, or ``check`` refuses an item; the message names the document, the
            attribute and the rowid.
    """
    if type(table) is not dict:
        raise _broken(path, f"the {COLUMNS_TABLE} table is a {_json_type(table)}, not an object")
    items: list[StoredItem] = []
    for doc_id, doc in table.items():
        _doc_id(doc_id, COLUMNS_TABLE, path)
        items += _decode_kind_document(doc_id, doc, path, check, check_columns)
    rowids = list(map(_item_rowid, items))
    if len(set(rowids)) != len(rowids):
        twice = min(rowid for rowid, count in Counter(rowids).items() if count > 1)
        raise _broken(path, f"{COLUMNS_TABLE}: rowid {twice} is used by more than one item")
    items.sort(key=_item_rowid)
    return items


def _decode_kind_document(
    doc_id: str, doc: Any, path: str, check: ItemCheck | None, check_columns: ColumnsCheck | None
) -> list[StoredItem]:
    """The items of one ``columns`` document: its fields checked, each column decoded in one pass."""
    where = f"{COLUMNS_TABLE} document {doc_id}"
    if type(doc) is not dict:
        raise _broken(path, f"{where} is a {_json_type(doc)}, not an object")
    _check_fields(doc, _KIND_FIELDS, where, path)
    keychain, item_class, keys, rowids, values = (
        doc["keychain"], doc["item_class"], doc["attrs"], doc["rowids"], doc["values"]
    )  # fmt: skip
    for name, field_value in (("keychain", keychain), ("item_class", item_class)):
        if type(field_value) is not str:
            raise _broken(path, f"{where}: {name} {field_value!r} is not a string")
    if type(keys) is not list or set(map(type, keys)) - {str} or len(set(keys)) != len(keys):
        raise _broken(path, f"{where}: attrs is not a list of distinct attribute names")
    if type(rowids) is not list or set(map(type, rowids)) - {int} or any(rowid < 1 for rowid in rowids):
        raise _broken(path, f"{where}: rowids is not a list of positive integers")
    if type(values) is not list or len(values) != len(keys):
        raise _broken(path, f"{where}: values is not a list of {len(keys)} columns, one per attribute")
    columns = [
        _decode_column_of(values[position], where, f"{item_class} attribute {key!r}", rowids, path)
        for position, key in enumerate(keys)
    ]
    rows = zip(*columns, strict=True) if columns else repeat((), len(rowids))
    # Every row has a value per key (the columns' lengths are checked); C-level maps build the dicts.
    attrs = map(dict, map(zip, repeat(keys), rows))
    items = list(map(StoredItem, repeat(keychain), repeat(item_class), rowids, attrs))
    if check is None or (check_columns is not None and check_columns(keychain, item_class, tuple(keys), columns)):
        return items
    for item in items:
        problem = check(item)
        if problem is not None:
            raise StorageError(
                path,
                f"{where} (rowid {item.rowid}), {item_class}: {problem}",
                "no SecItem call stores such an item: fix or delete it by hand, or restore a backup",
            )
    return items


def _decode_column_of(column: Any, where: str, what: str, rowids: list[int], path: str) -> list[Any]:
    """One column, a value per row of ``rowids``: a tag over the list of its bodies, or a list of encoded
    values. ``where`` names the document and ``what`` the attribute in messages."""
    count = len(rowids)
    if type(column) is list:
        if len(column) != count:
            raise _broken(path, f"{where}, {what}: {len(column)} values for {count} rows")
        if set(map(type, column)) <= _PLAIN:
            return column
        return [_decode_cell(value, where, what, rowid, path) for value, rowid in zip(column, rowids, strict=True)]
    if type(column) is not dict or len(column) != 1 or not set(column) <= set(_COLUMN_TAGS.values()):
        raise _broken(path, f"{where}, {what}: a column is a list of values, or $bytes or $date over a list")
    ((tag, bodies),) = column.items()
    if type(bodies) is not list or len(bodies) != count or set(map(type, bodies)) - {str}:
        raise _broken(path, f"{where}, {what}: {tag} holds no list of {count} strings")
    decoded = _decode_bodies(tag, bodies)
    if decoded is not None:
        return decoded
    # Value by value: the one that does not decode is named, a date in another offset moves to UTC.
    return [_decode_cell({tag: body}, where, what, rowid, path) for body, rowid in zip(bodies, rowids, strict=True)]


def _decode_cell(value: Any, where: str, what: str, rowid: int, path: str) -> Any:
    try:
        return _decode(value)
    except _Malformed as error:
        raise _broken(path, f"{where} (rowid {rowid}), {what}{_trail(error)}: {error.problem}") from None


def _decode_items(table: Any, path: str, *, keyed_by_rowid: bool, check: ItemCheck | None) -> list[StoredItem]:
    if type(table) is not dict:
        raise _broken(path, f"the {ITEMS_TABLE} table is a {_json_type(table)}, not an object")
    rows: list[tuple[int, StoredItem]] = []
    seen: set[int] = set()
    for doc_id, doc in table.items():
        number = _doc_id(doc_id, ITEMS_TABLE, path)
        item = decode_item(doc_id, doc, path, check)
        if keyed_by_rowid and item.rowid != number:
            raise _broken(path, f"{ITEMS_TABLE} document {doc_id} holds rowid {item.rowid}")
        if item.rowid in seen:
            raise _broken(path, f"{ITEMS_TABLE} document {doc_id}: rowid {item.rowid} is used by another item")
        seen.add(item.rowid)
        rows.append((item.rowid, item))
    rows.sort(key=lambda row: row[0])
    return [item for _, item in rows]


_PLAIN = frozenset({str, int, float, bool, type(None)})
"""JSON's own values, which stand for themselves in ``attrs``."""
_rowid, _keychain, _item_class, _attrs = (itemgetter(name) for name in ("rowid", "keychain", "item_class", "attrs"))
_tzinfo = attrgetter("tzinfo")
_item_rowid = attrgetter("rowid")


def _decode_common_items(
    table: Any, path: str, check: ItemCheck | None, check_columns: ColumnsCheck | None
) -> list[StoredItem] | None:
    """The items of a schema 2 ``items`` table, decoded a column at a time; None when the table is not
    exactly what keychainsim writes, and :func:`_decode_items` must decode it item by item and name the
    first problem (in table order).

    Items with the same keychain, class and attribute keys (a store holds a handful of such kinds) are
    decoded together: each attribute's values for all of them at once, by C-level ``map`` calls, instead
    of value by value, and checked the same way by ``check_columns``. A kind with a value the columns do
    not take (a tag other than ``$bytes`` and ``$date`` in UTC, a nested value, one that fails the check)
    is decoded item by item; any problem there gives None. Both ways accept exactly the same tables and
    give the same items.
    """
    if type(table) is not dict:
        return None
    docs = list(table.values())
    if (
        set(map(type, docs)) - {dict}
        or not all(map(eq, map(dict.keys, docs), repeat(_ITEM_FIELDS)))
        or set(map(type, rowids := list(map(_rowid, docs)))) - {int}
        or list(map(str, rowids)) != list(table)  # each under its own rowid: positive, canonical, unique
        or any(rowid < 1 for rowid in rowids)
        or set(map(type, map(_keychain, docs))) - {str}
        or set(map(type, map(_item_class, docs))) - {str}
        or set(map(type, map(_attrs, docs))) - {dict}
    ):
        return None
    kinds: dict[tuple[str, str, tuple[str, ...]], list[dict[str, Any]]] = {}
    for doc in docs:
        kind = (doc["keychain"], doc["item_class"], tuple(doc["attrs"]))
        same = kinds.get(kind)
        if same is None:
            kinds[kind] = [doc]
        else:
            same.append(doc)
    items: list[StoredItem] = []
    for (keychain, item_class, keys), same in kinds.items():
        decoded = _decode_kind(keychain, item_class, keys, same, check, check_columns)
        if decoded is None:
            try:
                decoded = [decode_item(str(doc["rowid"]), doc, path, check) for doc in same]
            except StorageError:
                return None
        items += decoded
    items.sort(key=_item_rowid)
    return items


def _decode_kind(
    keychain: str,
    item_class: str,
    keys: tuple[str, ...],
    docs: list[dict[str, Any]],
    check: ItemCheck | None,
    check_columns: ColumnsCheck | None,
) -> list[StoredItem] | None:
    """The items of ``docs``, all in ``keychain``, of ``item_class``, with attributes ``keys``, decoded and
    checked a column at a time; None if a column holds what :func:`_decode_column` does not take or the
    check refuses some item."""
    every = [dict(attrs) for attrs in map(_attrs, docs)]  # the document itself is left as it was
    columns = []
    for key in keys:
        column = list(map(itemgetter(key), every))
        decoded = _decode_column(column)
        if decoded is None:
            return None
        if decoded is not column:
            for attrs, value in zip(every, decoded, strict=True):
                attrs[key] = value
        columns.append(decoded)
    if check_columns is not None and not check_columns(keychain, item_class, keys, columns):
        return None
    rowids = map(_rowid, docs)
    items = [StoredItem(keychain, item_class, rowid, attrs) for rowid, attrs in zip(rowids, every, strict=True)]
    if check_columns is None and check is not None and any(problem is not None for problem in map(check, items)):
        return None
    return items


def _decode_column(column: list[Any]) -> list[Any] | None:
    """One attribute's values for many items, decoded: JSON's own values as they are (the same list), or
    all ``$bytes``, or all ``$date`` in UTC; None for anything else (see :func:`_decode_common_items`)."""
    kinds = set(map(type, column))
    if kinds <= _PLAIN:
        return column
    if kinds != {dict} or set(map(len, column)) != {1}:
        return None
    tag = "$bytes" if "$bytes" in column[0] else "$date"
    try:
        bodies = list(map(itemgetter(tag), column))
    except KeyError:
        return None
    return _decode_bodies(tag, bodies) if set(map(type, bodies)) == {str} else None


def _decode_bodies(tag: str, bodies: list[str]) -> list[Any] | None:
    """The values of a column's ``$bytes`` or ``$date`` bodies (all strings), each kind decoded in one
    C-level pass; None when a body does not decode or a date is not in UTC, for the caller to go value by
    value (schema 3 columns, :func:`_decode_column_of`, and schema 2 kinds, :func:`_decode_column`)."""
    try:
        if tag == "$bytes":
            return list(map(bytes.fromhex, bodies))
        dates = list(map(datetime.fromisoformat, bodies))
    except ValueError:
        return None
    return dates if set(map(_tzinfo, dates)) <= {UTC} else None


def decode_item(doc_id: str, doc: Any, path: str, check: ItemCheck | None = None) -> StoredItem:
    """The item in one ``items`` document (``doc_id`` is only for messages).

    Raises:
        StorageError: the document is malformed, or ``check`` finds a problem; the message names it.
    """
    # Messages are built only on failure: a store open decodes tens of thousands of these.
    if type(doc) is not dict:
        raise _broken(path, f"{ITEMS_TABLE} document {doc_id} is a {_json_type(doc)}, not an object")
    if doc.keys() != _ITEM_FIELDS:
        _check_fields(doc, _ITEM_FIELDS, f"{ITEMS_TABLE} document {doc_id}", path)
    keychain, item_class, rowid, attrs = doc["keychain"], doc["item_class"], doc["rowid"], doc["attrs"]
    if type(rowid) is not int or rowid < 1:
        raise _broken(path, f"{ITEMS_TABLE} document {doc_id}: rowid {rowid!r} is not a positive integer")
    if type(keychain) is not str or type(item_class) is not str:
        name, text = ("keychain", keychain) if type(keychain) is not str else ("item_class", item_class)
        raise _broken(path, f"{_where(doc_id, rowid)}: {name} {text!r} is not a string")
    if type(attrs) is not dict:
        raise _broken(path, f"{_where(doc_id, rowid)}: attrs is a {_json_type(attrs)}, not an object")
    values: dict[str, Any] = {}
    for key, data in attrs.items():
        kind = type(data)
        if kind is not dict and kind is not list:
            values[key] = data  # str, int, float, bool, None: JSON's own
            continue
        if kind is dict and len(data) == 1:
            # The two tags every item has, decoded inline: a store open decodes tens of thousands.
            body = data.get("$bytes")
            if type(body) is str:
                try:
                    values[key] = bytes.fromhex(body)
                    continue
                except ValueError:
                    pass  # _decode says what is wrong
            body = data.get("$date")
            if type(body) is str:
                try:
                    date = datetime.fromisoformat(body)
                except ValueError:
                    pass
                else:
                    if date.tzinfo is UTC:  # as written; any other offset goes the long way
                        values[key] = date
                        continue
        try:
            values[key] = _decode(data)
        except _Malformed as error:
            where = _where(doc_id, rowid)
            raise _broken(path, f"{where}, {item_class} attribute {key!r}{_trail(error)}: {error.problem}") from None
    item = StoredItem(keychain, item_class, rowid, values)
    if check is not None:
        problem = check(item)
        if problem is not None:
            raise StorageError(
                path,
                f"{_where(doc_id, rowid)}, {item_class}: {problem}",
                "no SecItem call stores such an item: fix or delete it by hand, or restore a backup",
            )
    return item


def _where(doc_id: str, rowid: int) -> str:
    return f"{ITEMS_TABLE} document {doc_id} (rowid {rowid})"


def patch_document(document: dict[str, Any], patch: Any, path: str, where: str) -> None:
    """Apply one journal patch to a document in place, after checking it names only patchable tables.

    Raises:
        StorageError: the patch is not tables of documents by id, or names a table a patch never holds.
    """
    if type(patch) is not dict or not set(patch) <= {ITEMS_TABLE, STATE_TABLE}:
        raise _broken(path, f"{where} is not a patch of the {ITEMS_TABLE} and {STATE_TABLE} tables")
    apply_patch(document, patch, path, where)


def change_from_patch(patch: Any, path: str, where: str, check: ItemCheck | None = None) -> Change:
    """The change one journal patch records, decoded as strictly as a whole document.

    Raises:
        StorageError: the patch or one of its items is malformed (or fails ``check``).
    """
    if type(patch) is not dict or set(patch) != {ITEMS_TABLE, STATE_TABLE}:
        raise _broken(path, f"{where} is not a patch of the {ITEMS_TABLE} and {STATE_TABLE} tables")
    docs = patch[ITEMS_TABLE]
    if type(docs) is not dict:
        raise _broken(path, f"{where}: the {ITEMS_TABLE} table is a {_json_type(docs)}, not an object")
    items: dict[int, StoredItem | None] = {}
    for doc_id, doc in docs.items():
        rowid = _doc_id(doc_id, ITEMS_TABLE, path)
        if doc is None:
            items[rowid] = None
            continue
        item = decode_item(doc_id, doc, path, check)
        if item.rowid != rowid:
            raise _broken(path, f"{where}: {ITEMS_TABLE} document {doc_id} holds rowid {item.rowid}")
        items[rowid] = item
    next_rowid, device, clock_ms = _decode_state_row(_single_row(patch[STATE_TABLE], STATE_TABLE, path), path)
    return Change(items, next_rowid, device, clock_ms)


def state_after(state: KeychainState, changes: Iterable[Change]) -> KeychainState:
    """``state`` with ``changes`` applied in order: each replaces or deletes items by rowid (in any
    keychain or class, as a patch replaces a document by id) and sets the counters and device state."""
    by_rowid: dict[int, StoredItem] | None = None
    next_rowid, device, clock_ms = state.next_rowid, state.device, state.clock_ms
    for change in changes:
        if by_rowid is None:
            by_rowid = {item.rowid: item for item in state.items}
        for rowid, item in change.items.items():
            if item is None:
                by_rowid.pop(rowid, None)
            else:
                by_rowid[rowid] = item
        next_rowid, device, clock_ms = change.next_rowid, change.device, change.clock_ms
    if by_rowid is None:
        return state
    return KeychainState(sorted(by_rowid.values(), key=_item_rowid), next_rowid, device, clock_ms)


def _broken(path: str, problem: str) -> StorageError:
    """A file in our layout with something wrong inside: the message says which table, item, field."""
    return StorageError(path, problem, _FIX_MALFORMED)


def _single_row(table: Any, name: str, path: str) -> dict[str, Any]:
    if type(table) is not dict or set(table) != {"1"} or type(table["1"]) is not dict:
        raise _broken(path, f"the {name} table must hold exactly one document, with id 1")
    return table["1"]


def _check_fields(row: dict[str, Any], expected: frozenset[str], where: str, path: str) -> None:
    if row.keys() != expected:
        missing = sorted(expected - row.keys())
        extra = sorted(row.keys() - expected)
        parts = ([f"missing {missing}"] if missing else []) + ([f"unknown {extra}"] if extra else [])
        raise _broken(path, f"{where}: {'; '.join(parts)} fields")


def _doc_id(doc_id: str, table: str, path: str) -> int:
    if not (doc_id.isascii() and doc_id.isdigit()) or doc_id.startswith("0"):
        raise _broken(path, f"{table} has document id {doc_id!r}, not a positive integer")
    return int(doc_id)
