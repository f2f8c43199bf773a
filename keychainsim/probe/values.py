"""Attribute values in the dump format: one typed JSON object per value, and back.

A keychain value's CF type matters (a tag stored as a string and the same tag stored as data match the
same query but are different values; ``73`` and ``"73"`` are different values in a number column), so
every value carries its type instead of being guessed from its JSON form. The same encoding is written by
the device-side probe (``probes/device/KeychainDump.swift``); ``keychainsim/probe/FORMAT.md`` documents it.

    {"type": "string", "value": "bob"}
    {"type": "data", "value": "0a1b"}                       lower-case hex
    {"type": "number", "value": 256}                        integer or float
    {"type": "boolean", "value": true}
    {"type": "date", "value": "2025-01-31T10:00:00.000000Z"}  ISO-8601, UTC
    {"type": "access_control", "value": {"protection": "ak", "flags": 0}}

Derived fields (``name``, ``value_name``, ``text``, ``length``, ``description``) help a person reading the
file and are ignored when a dump is loaded.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from typing import Any

from keychainsim.model.access_control import SecAccessControl
from keychainsim.probe.jsontext import Encoded, dumps, encode_basestring
from keychainsim.probe.names import HASH_ATTRIBUTES, attribute_name, value_name

VALUE_TYPES = ("string", "data", "number", "boolean", "date", "access_control")
"""Every ``type`` a dump value may have."""

DERIVED_FIELDS = frozenset({"name", "value_name", "text", "length", "description"})
"""Fields of an attribute entry that are written for readers and ignored on load."""


class BadValue(Exception):
    """A dump value that cannot be decoded; the loader turns it into an InputError with its location."""


def iso_date(value: datetime) -> str:
    """An instant as ISO-8601 in UTC with microseconds and a ``Z``: fixed width, so dumps diff cleanly."""
    if value.tzinfo is not UTC:  # stored dates are UTC already: no conversion for them
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


def is_secret(item_class: str, key: str) -> bool:
    """Whether a value is secret data (schema flag D) that dumps withhold unless asked.

    A certificate's data is its DER, public by nature and what identity diagnosis needs, so it is kept.
    """
    from keychainsim.schema import CLASSES

    schema = CLASSES.get(item_class)
    attr = schema.by_key.get(key) if schema is not None else None
    if attr is None or not attr.secret:
        return False
    return not (item_class == "cert" and key == "v_Data")


def _secret_keys() -> dict[str, frozenset[str]]:
    from keychainsim.schema import CLASSES

    return {
        name: frozenset(a.key for a in schema.attributes if is_secret(name, a.key)) for name, schema in CLASSES.items()
    }


def text_of(data: bytes) -> str | None:
    """The data as text when it is non-empty printable UTF-8, else None."""
    if not data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None


_HASH_CHUNK = 1 << 20
"""Text is hashed a slice at a time, so a long string is never encoded into one second copy."""


def fingerprint(data: bytes | str) -> str:
    """A short SHA-1 prefix: enough to tell two values apart, never the value itself.

    Text is hashed as its UTF-8 bytes (lone surrogates passed through), one slice at a time.
    """
    digest = hashlib.sha1()
    if isinstance(data, str):
        for start in range(0, len(data), _HASH_CHUNK):
            digest.update(data[start : start + _HASH_CHUNK].encode("utf-8", "surrogatepass"))
    else:
        digest.update(data)
    return digest.hexdigest()[:8]


def encode_value(item_class: str | None, key: str, value: Any) -> dict[str, Any]:
    """The typed JSON object for an attribute value, with its derived reader fields.

    Raises:
        TypeError: the value has no dump type (lists and dicts are never stored as attributes).
    """
    type_name, encoded, text = _typed(key, value)
    out: dict[str, Any] = {"type": type_name, "value": encoded}
    if text is not None:
        out["text"] = text
    name = attribute_name(item_class, key)
    if name is not None:
        out["name"] = name
    named = _value_name(item_class, key, value)
    if named is not None:
        out["value_name"] = named
    return out


def value_text(item_class: str | None, key: str, value: Any, pad: str) -> str:
    """``dumps(encode_value(item_class, key, value), pad)``, written directly: a dump writes hundreds of
    thousands of these, and building each dictionary only to encode it again cost a fifth of the dump.
    The fields come in sorted order (name, text, type, value, value_name), as ``dumps`` writes them.

    Raises:
        TypeError: the value has no dump type.
    """
    type_name, encoded, text = _typed(key, value)
    inner = pad + "  "
    name = attribute_name(item_class, key)
    fields = [] if name is None else [f'"name": {encode_basestring(name)}']
    if text is not None:
        fields.append(f'"text": {encode_basestring(text)}')
    fields.append(f'"type": "{type_name}"')
    if type(encoded) is str:
        fields.append(f'"value": {encode_basestring(encoded)}')
    else:
        fields.append(f'"value": {dumps(encoded, inner)}')
    named = _value_name(item_class, key, value)
    if named is not None:
        fields.append(f'"value_name": {encode_basestring(named)}')
    return "{\n" + inner + (",\n" + inner).join(fields) + "\n" + pad + "}"


def _typed(key: str, value: Any) -> tuple[str, Any, str | None]:
    """A value's dump ``type``, its JSON ``value`` and, for data that reads as text, that ``text``."""
    if isinstance(value, bool):
        return "boolean", value, None
    if isinstance(value, int):
        return "number", value, None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{key}: {value!r} has no JSON form")
        return "number", value, None
    if isinstance(value, str):
        return "string", value, None
    if isinstance(value, bytes):
        return "data", value.hex(), None if key in HASH_ATTRIBUTES else text_of(value)
    if isinstance(value, datetime):
        return "date", iso_date(value), None
    if isinstance(value, SecAccessControl):
        return "access_control", {"flags": value.flags, "protection": value.protection}, None
    raise TypeError(f"{key}: a {type(value).__name__} value has no dump type")


def _value_name(item_class: str | None, key: str, value: Any) -> str | None:
    if isinstance(value, SecAccessControl):
        return value_name(item_class, "pdmn", value.protection)
    return value_name(item_class, key, value)


class EncodedAttributes(Encoded):
    """An item's attributes as the dump writes them (``{key: encode_value(...)}``), written to JSON text
    directly.

    A keychain repeats most of its values (the access group, the protection class, a service name in every
    item of the service): ``texts``, shared by the items of one document, keeps the text of each value
    written so far and reuses it. Only values whose equality means the same text are kept: strings, data,
    numbers and dates, with their type (``True``, ``1`` and ``1.0`` are written differently).
    """

    __slots__ = ("item_class", "texts", "values")

    def __init__(self, item_class: str, values: dict[str, Any], texts: dict[tuple[Any, ...], str]) -> None:
        self.item_class = item_class
        self.values = values
        self.texts = texts

    def json_text(self, pad: str) -> str:
        if not self.values:
            return "{}"
        inner = pad + "  "
        item_class, texts = self.item_class, self.texts
        lines = []
        for key, value in sorted(self.values.items()):
            memo = (item_class, key, type(value), value, inner) if type(value) in _REUSABLE_TYPES else None
            line = texts.get(memo) if memo is not None else None
            if line is None:
                line = f"{inner}{encode_basestring(key)}: {value_text(item_class, key, value, inner)}"
                if memo is not None:
                    texts[memo] = line
            lines.append(line)
        return "{\n" + ",\n".join(lines) + "\n" + pad + "}"


_REUSABLE_TYPES = frozenset({str, bytes, int, float, bool, datetime})


class EncodedItem(Encoded):
    """One item of a dump as the dump writes it, ``{"attributes": ..., "class": ..., "hidden_because": ...,
    "keychain": ..., "rowid": ..., "visible": ...}`` (keys in that sorted order), written to JSON text in
    one piece: a dump of 10,000 items would otherwise walk as many small dictionaries key by key."""

    __slots__ = ("attributes", "hidden_because", "item_class", "keychain", "rowid", "visible")

    def __init__(
        self,
        attributes: EncodedAttributes,
        item_class: str,
        hidden_because: list[dict[str, Any]],
        keychain: str,
        rowid: int,
        visible: bool,
    ) -> None:
        self.attributes = attributes
        self.item_class = item_class
        self.hidden_because = hidden_because
        self.keychain = keychain
        self.rowid = rowid
        self.visible = visible

    def json_text(self, pad: str) -> str:
        inner = pad + "  "
        return (
            f'{{\n{inner}"attributes": {self.attributes.json_text(inner)},\n'
            f'{inner}"class": {encode_basestring(self.item_class)},\n'
            f'{inner}"hidden_because": {dumps(self.hidden_because, inner)},\n'
            f'{inner}"keychain": {encode_basestring(self.keychain)},\n'
            f'{inner}"rowid": {int.__repr__(self.rowid)},\n'
            f'{inner}"visible": {"true" if self.visible else "false"}\n{pad}}}'
        )


def encode_secret(item_class: str | None, key: str, value: Any) -> dict[str, Any]:
    """A withheld secret: its length and a fingerprint, so a change is visible but the bytes are not."""
    data = value if isinstance(value, bytes) else str(value).encode("utf-8")
    out: dict[str, Any] = {"type": "secret", "length": len(data), "sha1_prefix": fingerprint(data)}
    name = attribute_name(item_class, key)
    if name is not None:
        out["name"] = name
    return out


def decode_value(entry: Any) -> Any:
    """The Python value a typed JSON object stands for.

    Raises:
        BadValue: naming what is wrong (unknown type, wrong JSON type, bad hex, bad date).
    """
    if not isinstance(entry, dict):
        raise BadValue(f"expected an object with 'type' and 'value', got {_json_type(entry)}")
    unknown = set(entry) - {"type", "value"} - DERIVED_FIELDS
    if unknown:
        raise BadValue(f"unknown fields {sorted(unknown)} (known: type, value, {', '.join(sorted(DERIVED_FIELDS))})")
    kind = entry.get("type")
    if "value" not in entry:
        raise BadValue("missing 'value'")
    value = entry["value"]
    if kind == "string":
        return _expect(value, str, kind)
    if kind == "data":
        text = _expect(value, str, kind)
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise BadValue(f"data {text[:40]!r} is not hex") from None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadValue(f"number holds {_json_type(value)}")
        return value
    if kind == "boolean":
        return _expect(value, bool, kind)
    if kind == "date":
        text = _expect(value, str, kind)
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise BadValue(f"date {text!r} is not ISO-8601") from None
        if when.utcoffset() is None:
            raise BadValue(f"date {text!r} has no UTC offset")
        return when.astimezone(UTC)
    if kind == "access_control":
        body = _expect(value, dict, kind)
        protection, flags = body.get("protection"), body.get("flags", 0)
        if set(body) - {"protection", "flags"} or not isinstance(protection, str):
            raise BadValue("access_control needs {'protection': string, 'flags': integer}")
        if isinstance(flags, bool) or not isinstance(flags, int):
            raise BadValue("access_control flags must be an integer")
        return SecAccessControl(protection, flags)
    if kind == "secret":
        raise BadValue("the secret was withheld when this was written; it cannot be loaded")
    if kind == "unsupported":
        raise BadValue(
            f"the device probe could not encode this value ({entry.get('description', 'no description')}); "
            "remove the attribute to load the rest"
        )
    raise BadValue(f"unknown type {kind!r} (known: {', '.join(VALUE_TYPES)})")


_JSON_NAMES: dict[type, str] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _json_type(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _expect(value: Any, kind: type, type_name: str) -> Any:
    if type(value) is not kind:
        raise BadValue(f"{type_name} holds {_json_type(value)}, expected {_JSON_NAMES[kind]}")
    return value


SECRET_KEYS: dict[str, frozenset[str]] = _secret_keys()
"""Per class, the attributes :func:`is_secret` withholds (the same answer, looked up once)."""
