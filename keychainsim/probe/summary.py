"""Short, safe descriptions of a traced call's arguments and result.

A trace is meant to be pasted into an issue or kept as a CI artefact, so it shows what a developer
needs to see (constant names instead of raw keys, the hashes that decide identity pairing, lengths and
fingerprints of data) and never key material or passwords: data is summarised as its length and a SHA-1
prefix, except the hash attributes (``klbl``, ``pkhh``, ...) that are identifiers, not secrets. Objects
describe themselves through ``__rich_repr__`` (style-anchors rule 5), which for keys yields their type,
size and ``klbl`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from keychainsim.model.access_control import SecAccessControl
from keychainsim.probe.names import HASH_ATTRIBUTES, attribute_name, value_name
from keychainsim.probe.values import fingerprint, iso_date, text_of

MAX_ITEMS = 8
"""List elements shown before the rest is counted."""
MAX_TEXT = 80
"""Characters of a string shown before it is cut."""

KEY_PARAMETER_CALLS = frozenset({"SecKeyCreateRandomKey", "SecKeyCreateWithData", "SecKeyGeneratePair"})
"""Calls whose parameter dictionaries describe keys although they carry no kSecClass."""


@dataclass(frozen=True)
class Field:
    """One dictionary entry: the raw key, its constant name (None: Apple has none), the summarised value."""

    key: str
    name: str | None
    value: Summary


@dataclass(frozen=True)
class Fields:
    """A summarised dictionary, entries in the caller's order."""

    entries: tuple[Field, ...]

    def text(self) -> str:
        return "{" + ", ".join(f"{f.name or f.key}: {f.value.text()}" for f in self.entries) + "}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.entries:
            entry: dict[str, Any] = {"value": f.value.to_json()}
            if f.name is not None:
                entry["name"] = f.name
            out[f.key] = entry
        return out


@dataclass(frozen=True)
class Scalar:
    """Anything that is not a dictionary, already as text."""

    value: str

    def text(self) -> str:
        return self.value

    def to_json(self) -> str:
        return self.value


Summary = Fields | Scalar


def summarise(value: Any, item_class: str | None = None, key: str | None = None) -> Summary:
    """The safe summary of an argument or result (``key``/``item_class``: the attribute it is the value of)."""
    if isinstance(value, Mapping):
        return _fields(value, item_class)
    return Scalar(_scalar(value, item_class, key))


RESULT_KEYS = ("acct", "svce", "srvr", "labl", "atag", "klbl", "pkhh", "kcls", "agrp", "sync")
"""The attributes a result summary shows first: the ones a person recognises an item by."""
RESULT_FIELDS = 4
"""Attributes of one result dictionary shown before the rest is counted."""


def summarise_result_dictionary(mapping: Mapping[Any, Any]) -> str:
    """A returned attribute dictionary on one line: its recognisable attributes, then a count of the rest."""
    keys = [k for k in RESULT_KEYS if k in mapping]
    keys += [k for k in ("v_Data", "v_Ref", "v_PersistentRef") if k in mapping]
    shown = keys[:RESULT_FIELDS]
    fields = _fields(
        {k: mapping[k] for k in shown}, mapping.get("class") if isinstance(mapping.get("class"), str) else None
    )
    rest = len(mapping) - len(shown)
    text = fields.text()
    return text[:-1] + f", +{rest} more}}" if rest else text


def summarise_arguments(call: str, args: tuple[Any, ...]) -> tuple[Summary, ...]:
    hint = "keys" if call in KEY_PARAMETER_CALLS else None
    return tuple(summarise(a, hint) for a in args)


def _fields(mapping: Mapping[Any, Any], item_class: str | None) -> Fields:
    cls = mapping.get("class") if isinstance(mapping.get("class"), str) else item_class
    entries = []
    for key, value in mapping.items():
        raw = str(key)
        entries.append(Field(raw, attribute_name(cls, raw), summarise(value, cls, raw)))
    return Fields(tuple(entries))


def _scalar(value: Any, item_class: str | None, key: str | None) -> str:
    if value is None:
        return "NSNull"
    if isinstance(value, Enum) and isinstance(value, int):  # OSStatus
        return f"{value.name} ({int(value)})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        named = value_name(item_class, key, value) if key is not None else None
        if named is not None:
            return named
        if isinstance(value, str):
            return _quoted(value)
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _data(bytes(value), key)
    if isinstance(value, datetime):
        return iso_date(value)
    if isinstance(value, SecAccessControl):
        return f"SecAccessControl({value.protection}, flags 0x{value.flags:x})"
    if isinstance(value, list | tuple):
        shown = [summarise(v, item_class).text() for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            shown.append(f"… {len(value) - MAX_ITEMS} more")
        return "[" + ", ".join(shown) + "]"
    if type(value).__name__ == "CFError":
        return f"CFError({value.domain} {value.code}: {value.description})"
    rich_repr = getattr(value, "__rich_repr__", None)
    if callable(rich_repr):
        parts = []
        for part in rich_repr():
            if isinstance(part, tuple) and len(part) >= 2:
                parts.append(f"{part[0]}={_object_part(part[0], part[1])}")
            else:
                parts.append(_object_part(None, part))
        return f"{type(value).__name__}({', '.join(parts)})"
    return f"<{type(value).__name__}>"


def _object_part(name: Any, value: Any) -> str:
    if isinstance(value, str):
        return value if name in HASH_ATTRIBUTES else _quoted(value)
    return summarise(value).text()


def _data(data: bytes, key: str | None) -> str:
    """Hash attributes in hex (identifiers, not secrets); everything else as length and fingerprint."""
    if key in HASH_ATTRIBUTES:
        if not data:
            return "<empty data>"
        return data.hex() if len(data) <= 32 else f"<{len(data)} bytes: {data[:8].hex()}…{data[-8:].hex()}>"
    if key not in (None, "v_Data") and (text := text_of(data)) is not None:
        return f"data {_quoted(text)}"
    hint = ""
    if data.lstrip().startswith(b"-----BEGIN"):
        hint = ", PEM text"
    elif data[:1] == b"\x30":
        hint = ", DER"
    return f"<{len(data)} bytes, sha1 {fingerprint(data)}{hint}>"


def _quoted(text: str) -> str:
    import json

    shown = text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
    return json.dumps(shown, ensure_ascii=False)
