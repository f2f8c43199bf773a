"""Whether an item read from a store fits the model: a known class, and values the schema allows.

A store file can hold what no SecItem call would have stored (a hand edit, a newer or buggy writer, a
tool that rewrote it). The engine must never meet such an item: an unknown class has no schema, and a
value of the wrong shape breaks matching and hashing far from its cause. So every item is checked as
it is read, and a misfit is a store problem naming the item, never a crash on some later call.

The allowed shapes are exactly the values :func:`keychainsim.model.values.coerce` produces for each
attribute kind (``SecDbItem.c`` copy* converters, reference secitem-engine.md §C.6): what the engine
stores is always a fixed point of that conversion.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from keychainsim.model.access_control import SecAccessControl
from keychainsim.model.item import DP, FILE
from keychainsim.model.values import number_from_text
from keychainsim.schema import CLASSES
from keychainsim.schema.model import Kind

KEYCHAINS = (DP, FILE)


def _blob(value: Any) -> str | None:
    kind = type(value)
    return None if kind is str or kind is bytes or kind is int or kind is float else "a string, data or a number"


def _data(value: Any) -> str | None:
    return None if type(value) is bytes else "data"


def _number(value: Any) -> str | None:
    kind = type(value)
    if kind is int or kind is float:
        return None
    if kind is str and number_from_text(value) is None:
        return None  # copyNumber keeps text that is not a 32-bit decimal number as text
    return "a number (or text that is not a decimal number)"


def _string(value: Any) -> str | None:
    return None if type(value) is str else "a string"


def _date(value: Any) -> str | None:
    return None if type(value) is datetime and value.utcoffset() is not None else "a date"


def _uuid(value: Any) -> str | None:
    return None if type(value) is bytes and len(value) in (0, 16) else "0 or 16 bytes of data"


def _sha1(value: Any) -> str | None:
    return None if type(value) is bytes and len(value) == 20 else "20 bytes of data"


def _access_control(value: Any) -> str | None:
    return None if type(value) is SecAccessControl else "a SecAccessControl"


_BY_KIND: dict[Kind, Callable[[Any], str | None]] = {
    Kind.BLOB: _blob,
    Kind.DATA: _data,
    Kind.STRING: _string,
    Kind.ACCESS: _string,
    Kind.NUMBER: _number,
    Kind.SYNC: _number,
    Kind.TOMB: _number,
    Kind.DATE: _date,
    Kind.CREATION_DATE: _date,
    Kind.MODIFICATION_DATE: _date,
    Kind.UUID: _uuid,
    Kind.SHA1: _sha1,
    Kind.ACCESS_CONTROL: _access_control,
}
"""For each kind, a check returning None for a value ``coerce`` could have produced, else what was expected."""

_CHECKS: dict[str, dict[str, tuple[Kind, Callable[[Any], str | None]]]] = {
    name: {attr.key: (attr.kind, _BY_KIND[attr.kind]) for attr in schema.attributes} for name, schema in CLASSES.items()
}


def misfit(keychain: str, item_class: str, attrs: Mapping[str, Any]) -> str | None:
    """What makes a stored item impossible for the engine, or None when it fits.

    The answer names the first problem: an unknown keychain or class, an attribute the class does not
    have, or a value whose type or size the attribute's kind never takes.
    """
    if keychain not in KEYCHAINS:
        return f"keychain {keychain!r} is not one of {', '.join(KEYCHAINS)}"
    checks = _CHECKS.get(item_class)
    if checks is None:
        return f"class {item_class!r} is not a stored class ({', '.join(CLASSES)})"
    for key, value in attrs.items():
        entry = checks.get(key)
        if entry is None:
            return f"attribute {key!r} is not a {item_class} attribute"
        expected = entry[1](value)
        if expected is not None:
            return (
                f"attribute {key!r} ({entry[0].value}) holds {type(value).__name__} {_short(value)}, "
                f"expected {expected}"
            )
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
