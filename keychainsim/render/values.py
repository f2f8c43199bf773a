"""How one attribute value reads in a dump, a diff or a trace (text forms; JSON is the probe's).

Rules (pitfalls catalog §1.3): data as lower-case hex when it is a hash, an identifier or DER, in full
up to 32 bytes and otherwise as its length with the first and last 8 bytes; other data as text when it is
printable UTF-8, marked ``data`` so that a tag stored as data is told apart from the same tag stored as a
string (they match the same query but are different values); strings quoted so that leading or trailing
spaces show; dates in ISO-8601; numbers and strings followed by the constant that names them.
Secret data is never shown: only its length and a fingerprint.

A value longer than :data:`LONG_VALUE` (characters of text, bytes of data) is shortened to its start,
its length and a SHA-1 fingerprint, so one huge attribute cannot make a dump unreadable or slow (the
text layout wraps every line it prints). The JSON dump keeps every value whole.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from keychainsim.model.access_control import SecAccessControl
from keychainsim.probe.names import HASH_ATTRIBUTES, value_name
from keychainsim.probe.values import SECRET_KEYS, fingerprint, iso_date, text_of

FULL_HEX_BYTES = 32
"""Data up to this length is shown in full; longer data is elided in the middle."""

LONG_VALUE = 256
"""Text longer than this many characters, or data longer than this many bytes, is shortened."""

LONG_SHOWN = 48
"""How many characters of a shortened text value are shown."""

_FLAG_NAMES = (
    (1 << 0, "UserPresence"),
    (1 << 1, "BiometryAny"),
    (1 << 3, "BiometryCurrentSet"),
    (1 << 4, "DevicePasscode"),
    (1 << 5, "Watch"),
    (1 << 14, "Or"),
    (1 << 15, "And"),
    (1 << 30, "PrivateKeyUsage"),
    (1 << 31, "ApplicationPassword"),
)
"""SecAccessControlCreateFlags bits (``keychainsim.model.access_control``, from SecAccessControl.h)."""

_COMMON_KEYS = ("agrp", "sync", "musr", "vwht", "tkid", "ggrp")
_LEAD_KEYS = ("labl", "pdmn", "agrp", "sync")


def quoted(text: str) -> str:
    """A string in double quotes with escapes, so spaces and control characters are visible (what
    ``json.dumps(text, ensure_ascii=False)`` writes, without building an encoder per string)."""
    return encode_basestring(text)


def hex_data(data: bytes) -> str:
    """Lower-case hex, elided in the middle past :data:`FULL_HEX_BYTES`."""
    if not data:
        return "<empty data>"
    if len(data) <= FULL_HEX_BYTES:
        return data.hex()
    return f"<{len(data)} bytes: {data[:8].hex()}…{data[-8:].hex()}>"


def long_text(text: str) -> str:
    """A long string: its first characters, its length and its fingerprint (one pass, no full copy)."""
    return f"{quoted(text[:LONG_SHOWN])}… <{len(text)} characters, sha1 {fingerprint(text)}>"


def long_data(data: bytes, as_text: bool = True) -> str:
    """Long data: its start (as text when the start is printable UTF-8), its length and its fingerprint.

    Only the start is decoded: deciding whether all of a 100 MB value is text would cost a copy of it.
    """
    head = _text_start(data) if as_text else None
    if head is not None:
        return f"data {quoted(head)}… <{len(data)} bytes, sha1 {fingerprint(data)}>"
    return f"<{len(data)} bytes: {data[:8].hex()}…{data[-8:].hex()}, sha1 {fingerprint(data)}>"


def _text_start(data: bytes) -> str | None:
    """The first :data:`LONG_SHOWN` characters when the data starts as printable UTF-8, else None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        start = decoder.decode(data[: LONG_SHOWN * 4], final=False)[:LONG_SHOWN]
    except UnicodeDecodeError:
        return None
    return start if start and start.isprintable() else None


def short_hash(data: Any) -> str:
    """A hash for a one-line mention (trees, diffs): the first and last 4 bytes."""
    if not isinstance(data, bytes):
        return display_scalar(None, "", data)
    if len(data) <= 8:
        return data.hex() or "<empty data>"
    return f"{data[:4].hex()}…{data[-4:].hex()}"


def access_control_text(value: SecAccessControl) -> str:
    flags = [name for bit, name in _FLAG_NAMES if value.flags & bit]
    named = value_name(None, "pdmn", value.protection)
    protection = f"{value.protection} ({named})" if named else value.protection
    return f"SecAccessControl({protection}, flags 0x{value.flags:x}{': ' + ' '.join(flags) if flags else ''})"


def display_value(item_class: str, key: str, value: Any) -> str:
    """The text of attribute ``key`` of an item of ``item_class``."""
    if isinstance(value, bytes) and key in SECRET_KEYS.get(item_class, ()):
        return f"<secret: {len(value)} bytes, sha1 {fingerprint(value)}>"
    if item_class == "cert" and key == "v_Data" and isinstance(value, bytes):
        return f"<certificate DER: {len(value)} bytes, sha1 {fingerprint(value)}>"
    return display_scalar(item_class, key, value)


def display_scalar(item_class: str | None, key: str, value: Any) -> str:
    if value is None:
        return "<not set>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        if len(value) > LONG_VALUE:
            return long_data(value, as_text=key not in HASH_ATTRIBUTES)
        if key in HASH_ATTRIBUTES:
            return hex_data(value)
        text = text_of(value)
        return f"data {quoted(text)}" if text is not None else hex_data(value)
    if isinstance(value, datetime):
        return iso_date(value)
    if isinstance(value, SecAccessControl):
        return access_control_text(value)
    if isinstance(value, str) and len(value) > LONG_VALUE:
        return long_text(value)
    if isinstance(value, int | float | str):
        shown = quoted(value) if isinstance(value, str) else str(value)
        named = value_name(item_class, key, value)
        return f"{shown} ({named})" if named else shown
    return repr(value)


def ordered_keys(item_class: str, attrs: Mapping[str, Any]) -> tuple[str, ...]:
    """Catalog §1.3 order: the class's own uniqueness attributes, then labl, pdmn, agrp, sync, then the
    rest in schema order, then anything the schema does not know (sorted)."""
    return _ordered(item_class, tuple(attrs))


@lru_cache(maxsize=256)
def _ordered(item_class: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`ordered_keys` for one set of keys (items added alike share it, so it is worked out once)."""
    from keychainsim.schema import CLASSES

    schema = CLASSES.get(item_class)
    if schema is None:
        return tuple(sorted(keys))
    lead = [k for k in schema.primary_key if k not in _COMMON_KEYS]
    order = [*lead, *_LEAD_KEYS, *(a.key for a in schema.attributes)]
    present = set(keys)
    seen: set[str] = set()
    out = []
    for key in order:
        if key in present and key not in seen:
            seen.add(key)
            out.append(key)
    out.extend(sorted(k for k in keys if k not in seen))
    return tuple(out)


IDENTIFYING: dict[str, tuple[str, ...]] = {
    "genp": ("acct", "svce", "labl", "agrp"),
    "inet": ("srvr", "acct", "ptcl", "port", "labl", "agrp"),
    "cert": ("labl", "pkhh", "agrp"),
    "keys": ("kcls", "klbl", "atag", "labl", "agrp"),
}
"""The attributes that let a person recognise an item in a one-line mention (diffs, traces)."""


def one_line(item_class: str, attrs: Mapping[str, Any]) -> str:
    """``acct "bob", svce "svc", …``: an item recognisable on one line, plus sync/tomb when set."""
    keys = [k for k in IDENTIFYING.get(item_class, ()) if k in attrs]
    keys += [k for k in ("sync", "tomb") if attrs.get(k) not in (None, 0)]
    parts = []
    for key in keys:
        value = attrs[key]
        shown = short_hash(value) if key in ("klbl", "pkhh") else display_value(item_class, key, value)
        parts.append(f"{key} {shown}")
    return ", ".join(parts)
