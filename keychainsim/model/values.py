"""How attribute values are coerced on the way in and compared when matching.

Apple's engine converts every attribute value by the attribute's kind, both when storing an item and
when building a query (``SecDbItem.c: copyString/copyData/copyBlob/copyNumber/copyDate/copyUUID/copySHA1``,
``SecDbQuery.c: query_add_attribute_with_desc()``); reference secitem-engine.md §C.6. A value the
converter rejects fails the whole call with errSecParam. Hashed columns (flag S) hold SHA-1 of the value's
bytes, so ``"bob"`` and ``b"bob"`` are one account for matching and for uniqueness, while the stored value
keeps the type the caller gave.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Any

from keychainsim.model.access_control import SecAccessControl
from keychainsim.model.reject import Reject
from keychainsim.schema.model import Attr, Kind
from keychainsim.status import OSStatus

CF_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
"""CFAbsoluteTime 0: the date a missing kSecAttrStartDate / kSecAttrEndDate compares as (§C.4)."""

_DECIMAL = re.compile(r"-?[0-9]+")
_INT32 = (-(2**31), 2**31 - 1)


def _type_name(value: object) -> str:
    if value is None:
        return "NSNull (None)"
    return type(value).__name__


def _bad(attr: Attr, value: object, why: str) -> Reject:
    return Reject(
        OSStatus.errSecParam,
        f"{attr.key}: a {_type_name(value)} value is not accepted for a {attr.kind.value} attribute ({why})",
        key=attr.key,
    )


def number_from_text(text: str) -> int | None:
    """The number a decimal string stands for, when it round-trips through a 32-bit CFNumber.

    ``copyNumber()`` turns ``"80"`` into 80 but keeps ``"htps"``, ``""`` and strings beyond SInt32 (such as
    kSecAttrKeyTypeAES ``"2147483649"``) as text (§C.6, the last case inferred).
    """
    if not _DECIMAL.fullmatch(text):
        return None
    number = int(text)
    if str(number) != text or not _INT32[0] <= number <= _INT32[1]:
        return None
    return number


_KEPT_AS_IS: dict[type, tuple[Kind, ...]] = {
    str: (Kind.BLOB, Kind.STRING, Kind.ACCESS),
    bytes: (Kind.BLOB, Kind.DATA),
    int: (Kind.BLOB, Kind.NUMBER, Kind.SYNC, Kind.TOMB),
    float: (Kind.BLOB, Kind.NUMBER, Kind.SYNC, Kind.TOMB),
}
"""The common cases below, decided by one lookup: values of these exact types that ``coerce`` keeps as
they are for these kinds (the checks below agree; this only skips them)."""


def coerce(attr: Attr, value: Any) -> Any:
    """The value the engine stores or compares for ``attr``; raises :class:`Reject` (-50) as Apple does."""
    kind = attr.kind
    kept = _KEPT_AS_IS.get(type(value))
    if kept is not None and kind in kept:
        return value
    if isinstance(value, bytearray | memoryview):
        value = bytes(value)
    if kind is Kind.BLOB:
        if isinstance(value, bool):
            raise _bad(attr, value, "booleans are rejected by copyBlob")
        if isinstance(value, str | bytes | int | float):
            return value
        raise _bad(attr, value, "expected a string, data or a number")
    if kind is Kind.DATA:
        if isinstance(value, bool):
            raise _bad(attr, value, "booleans are rejected by copyData")
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, bytes):
            return value
        if isinstance(value, int):
            return int_bytes(value)
        raise _bad(attr, value, "expected data or a string")
    if kind.is_numeric:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int | float):
            return value
        if isinstance(value, str):
            number = number_from_text(value)
            return value if number is None else number
        raise _bad(attr, value, "expected a number, a boolean or a decimal string")
    if kind in (Kind.STRING, Kind.ACCESS):
        if isinstance(value, str):
            return value
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                raise _bad(attr, value, "data that is not UTF-8 cannot become a string") from None
        if isinstance(value, uuid.UUID):
            return str(value).upper()
        raise _bad(attr, value, "expected a string")
    if kind.is_date:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise TypeError(
                    f"{attr.key}: give a timezone-aware datetime (CFDate is an absolute time), got {value!r}"
                )
            return value.astimezone(UTC)
        raise _bad(attr, value, "expected a date")
    if kind is Kind.UUID:
        if value is None:
            return b""
        if isinstance(value, uuid.UUID):
            return value.bytes
        if isinstance(value, bytes) and len(value) in (0, 16):
            return value
        raise _bad(attr, value, "expected 0 or 16 bytes")
    if kind is Kind.SHA1:
        if isinstance(value, bytes) and len(value) == 20:
            return value
        raise _bad(attr, value, "expected 20 bytes")
    if kind is Kind.ACCESS_CONTROL:
        if isinstance(value, SecAccessControl):
            return value
        raise _bad(attr, value, "expected a SecAccessControl")
    raise AssertionError(f"unhandled kind {kind}")


def int_bytes(number: int) -> bytes:
    """A CFNumber's bytes as copyData sees them: a 4-byte little-endian SInt32 (Apple hardware is
    little-endian); wider numbers as 8 bytes (inferred)."""
    if _INT32[0] <= number <= _INT32[1]:
        return struct.pack("<i", number)
    return struct.pack("<q", number)


def value_bytes(value: Any) -> bytes:
    """The bytes a hashed column digests for a stored value (§C.6: UTF-8, raw data, 4 LE bytes)."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        return int_bytes(int(value))
    if isinstance(value, int):
        return int_bytes(value)
    if isinstance(value, float):
        return struct.pack("<d", value)
    raise TypeError(f"no byte form for {value!r}")


def match_key(attr: Attr, value: Any) -> Hashable:
    """What equality compares for ``attr``: two values match exactly when their match keys are equal.

    Hashed columns compare the bytes (equal bytes, equal SHA-1): the key is those bytes, as text when
    they are UTF-8, so that a string, the usual case, is its own key. Other columns compare with SQLite
    equality, where a number never equals text and text never equals data: Python's equality between
    ``str``, ``bytes``, numbers and dates says the same, so a value is its own key there (a boolean is
    the number it stands for). The key is most often the stored object itself, which keeps the indexes
    small and lets the matcher compare stored values directly.
    """
    if attr.hashed:
        if type(value) is str:
            return value
        data = value_bytes(value)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data
    kind = type(value)
    if kind is str or kind is bytes or kind is int or kind is float or kind is datetime:
        return value
    if kind is bool:
        return int(value)
    if isinstance(value, str | bytes | int | float | datetime):
        return value
    return ("other", repr(value))


def self_keyed_types(attr: Attr) -> frozenset[type]:
    """Value types that ``coerce`` keeps as they are for ``attr`` and that are their own match key there:
    for such a value, ``coerce(attr, v) is v`` and ``match_key(attr, v) is v`` (a string in a string or
    blob column, hashed or not; data and numbers only where the column is not hashed). A compiled query
    of a known shape uses this to skip both calls for its most common values."""
    kept = {t for t, kinds in _KEPT_AS_IS.items() if attr.kind in kinds}
    return frozenset(kept & ({str} if attr.hashed else {str, bytes, int, float}))


def kind_default(kind: Kind) -> Any:
    """The value a missing primary-key member takes in the uniqueness check (``SecDbAttrCopyDefaultValue``)."""
    if kind in (Kind.BLOB, Kind.STRING, Kind.ACCESS):
        return ""
    if kind in (Kind.DATA, Kind.UUID, Kind.SHA1):
        return b""
    if kind.is_numeric:
        return 0
    if kind.is_date:
        return CF_EPOCH
    return None


def truthy(value: Any) -> bool:
    """CFBoolean-ish truth as the macOS shim reads it (``true``, non-zero numbers, ``"1"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        number = number_from_text(value)
        return bool(number) if number is not None else value.lower() in ("true", "yes")
    return False
