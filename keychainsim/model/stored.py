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

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from keychainsim.model.access_control import SecAccessControl
from keychainsim.model.item import DP, FILE
from keychainsim.model.values import number_from_text
from keychainsim.schema import CLASSES
from keychainsim.schema.model import Kind

KEYCHAINS = (DP, FILE)

Shape = tuple[frozenset[type], Callable[[Sequence[Any]], bool] | None, str]
"""The Python types a kind's values have, a further test of values of those types (given a column of
them: True when every one passes; None: the type says all), and what to call the expected shape in a
message. The test takes a column because a store open checks every value of a kind at once; a single
value is a column of one."""

_DATE: Shape = (frozenset({datetime}), lambda dates: None not in map(datetime.utcoffset, dates), "a date")
_STRING: Shape = (frozenset({str}), None, "a string")
# copyNumber keeps text that is not a 32-bit decimal number as text, and stores every number as a number.
_NUMBER: Shape = (
    frozenset({int, float, str}),
    lambda numbers: all(number_from_text(value) is None for value in numbers if type(value) is str),
    "a number (or text that is not a decimal number)",
)

SHAPES: dict[Kind, Shape] = {
    Kind.BLOB: (frozenset({str, bytes, int, float}), None, "a string, data or a number"),
    Kind.DATA: (frozenset({bytes}), None, "data"),
    Kind.STRING: _STRING,
    Kind.ACCESS: _STRING,
    Kind.NUMBER: _NUMBER,
    Kind.SYNC: _NUMBER,
    Kind.TOMB: _NUMBER,
    Kind.DATE: _DATE,
    Kind.CREATION_DATE: _DATE,
    Kind.MODIFICATION_DATE: _DATE,
    Kind.UUID: (frozenset({bytes}), lambda uuids: set(map(len, uuids)) <= {0, 16}, "0 or 16 bytes of data"),
    Kind.SHA1: (frozenset({bytes}), lambda digests: set(map(len, digests)) <= {20}, "20 bytes of data"),
    Kind.ACCESS_CONTROL: (frozenset({SecAccessControl}), None, "a SecAccessControl"),
}
"""For each kind, the shape of the values ``coerce`` can produce for it."""

_BY_CLASS: dict[str, dict[str, tuple[frozenset[type], Callable[[Sequence[Any]], bool] | None]]] = {
    name: {attr.key: SHAPES[attr.kind][:2] for attr in schema.attributes} for name, schema in CLASSES.items()
}
"""Per class and attribute, the types and test of its kind's shape (a store open checks every value)."""


def misfit(keychain: str, item_class: str, attrs: Mapping[str, Any]) -> str | None:
    """What makes a stored item impossible for the engine, or None when it fits.

    The answer names the first problem: an unknown keychain or class, an attribute the class does not
    have, or a value whose type or size the attribute's kind never takes.
    """
    if keychain not in KEYCHAINS:
        return f"keychain {keychain!r} is not one of {', '.join(KEYCHAINS)}"
    shapes = _BY_CLASS.get(item_class)
    if shapes is None:
        return f"class {item_class!r} is not a stored class ({', '.join(CLASSES)})"
    for key, value in attrs.items():
        shape = shapes.get(key)
        if shape is None:
            return f"attribute {key!r} is not a {item_class} attribute"
        types, test = shape
        if type(value) not in types or (test is not None and not test((value,))):
            kind = CLASSES[item_class].by_key[key].kind
            held = f"{type(value).__name__} {_short(value)}"
            return f"attribute {key!r} ({kind.value}) holds {held}, expected {SHAPES[kind][2]}"
    return None


def columns_fit(keychain: str, item_class: str, keys: tuple[str, ...], columns: Sequence[Sequence[Any]]) -> bool:
    """Whether :func:`misfit` is None for every item of a kind at once: items in ``keychain`` of class
    ``item_class`` with exactly the attribute ``keys``, given per key the values of all of them.

    A store open checks every item it reads; items of one kind share their keys, so the keychain, the
    class and the keys are checked once, and the types and tests a column at a time, mostly in C-level
    ``map`` calls. False says only that some item misfits: :func:`misfit` then names it.
    """
    if keychain not in KEYCHAINS:
        return False
    shapes = _BY_CLASS.get(item_class)
    if shapes is None:
        return False
    for key, column in zip(keys, columns, strict=True):
        shape = shapes.get(key)
        if shape is None:
            return False
        types, test = shape
        if not set(map(type, column)) <= types or (test is not None and not test(column)):
            return False
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
