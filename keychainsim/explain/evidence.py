"""How evidence values are named and shown in findings: constant names, hex for hashes, text for text."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any

from keychainsim.constants import name_of

HASH_KEYS = ("klbl", "pkhh", "skid", "sha1", "musr", "persistref")


def show(key: str | None, value: Any) -> str:
    """A value as a person compares it: hashes in hex, text quoted, unset as 'unset'."""
    if value is None:
        return "unset"
    if isinstance(value, bytes):
        if key in HASH_KEYS or not value:
            return value.hex() if value else 'b""'
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
        return repr(text) if text.isprintable() else value.hex()
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


def attr_name(key: str | None) -> str:
    return name_of(key) if key else "?"


def jsonable(value: Any) -> Any:
    """Evidence as JSON: bytes as hex, dates ISO, anything else by its repr."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def loosely_equal(wanted: Any, found: Any) -> bool:
    """Whether two values are the same text or number in another type or encoding.

    The engine compares exactly (§C.6): ``b"caf\\xc3\\xa9"`` and the UTF-16 bytes of "café" differ, and so
    do NFC and NFD forms and a number against text in a column that does not coerce. A developer reads
    them as the same value, which is the near miss worth naming.
    """
    if wanted == found:
        return False
    try:
        return bool(_readings(wanted) & _readings(found))
    except TypeError:  # an unhashable value reads as no text
        return False


@lru_cache(maxsize=4096)
def _readings(value: Any) -> frozenset[str]:
    """Every text a value can be read as: numbers in decimal, strings NFC-normalized, data in each common
    Unicode encoding that decodes it."""
    if isinstance(value, bool):
        return frozenset({str(int(value))})
    if isinstance(value, int | float):
        return frozenset({str(value)})
    if isinstance(value, str):
        return frozenset({unicodedata.normalize("NFC", value)})
    if isinstance(value, bytes):
        out = set()
        for encoding in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
            try:
                out.add(unicodedata.normalize("NFC", value.decode(encoding)))
            except UnicodeDecodeError:
                continue
        return frozenset(out)
    return frozenset()
