"""Apple's DER property lists, the encoding the keychain uses for its own small blobs.

``OSX/utilities/der_plist.c`` and friends (``der_dictionary.c``, ``der_string.c``, ``der_data.c``,
``der_number.c``, ``der_boolean.c``) encode a CFPropertyList as DER: a dictionary is a SET of
SEQUENCE { key, value } pairs in the byte order of their encodings (``CFDataCompareDERData``), a string a
UTF8String, data an OCTET STRING, a number an INTEGER, a boolean a BOOLEAN whose content is 1 or 0. The
token item's data field (``SecTokenItemValueCreate()``) is such a dictionary; only the types it uses are
here. Anything else raises :class:`ValueError` naming what was found.
"""

from __future__ import annotations

from typing import Any

BOOLEAN, INTEGER, OCTET_STRING, UTF8_STRING, SEQUENCE, SET = 0x01, 0x02, 0x04, 0x0C, 0x30, 0x31

Plist = dict[str, Any] | str | bytes | int | bool


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def encode(value: Plist) -> bytes:
    """The DER encoding of ``value`` (a dict of str keys, str, bytes, int or bool, nested freely)."""
    if isinstance(value, bool):
        return _tlv(BOOLEAN, b"\x01" if value else b"\x00")
    if isinstance(value, int):
        return _tlv(INTEGER, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))
    if isinstance(value, bytes | bytearray):
        return _tlv(OCTET_STRING, bytes(value))
    if isinstance(value, str):
        return _tlv(UTF8_STRING, value.encode("utf-8"))
    if isinstance(value, dict):
        pairs = sorted(_tlv(SEQUENCE, encode(k) + encode(v)) for k, v in value.items())
        return _tlv(SET, b"".join(pairs))
    raise ValueError(f"a DER property list cannot hold a {type(value).__name__}")


def _read(data: bytes, at: int) -> tuple[int, bytes, int]:
    """(tag, content, position after) of the element at ``at``."""
    if at + 2 > len(data):
        raise ValueError("DER property list: truncated element")
    tag, first = data[at], data[at + 1]
    at += 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or at + count > len(data):
            raise ValueError("DER property list: bad length")
        length = int.from_bytes(data[at : at + count], "big")
        at += count
    else:
        length = first
    if at + length > len(data):
        raise ValueError("DER property list: element longer than its data")
    return tag, data[at : at + length], at + length


def _decode_one(tag: int, content: bytes) -> Plist:
    if tag == BOOLEAN:
        return content != b"\x00"
    if tag == INTEGER:
        return int.from_bytes(content, "big", signed=True)
    if tag == OCTET_STRING:
        return content
    if tag == UTF8_STRING:
        return content.decode("utf-8")
    if tag == SET:
        out: dict[str, Any] = {}
        at = 0
        while at < len(content):
            pair_tag, pair, at = _read(content, at)
            if pair_tag != SEQUENCE:
                raise ValueError(f"DER property list: a dictionary entry has tag {pair_tag:#04x}, not SEQUENCE")
            key_tag, key, middle = _read(pair, 0)
            value_tag, value, end = _read(pair, middle)
            if end != len(pair):
                raise ValueError("DER property list: a dictionary entry holds more than a key and a value")
            name = _decode_one(key_tag, key)
            if not isinstance(name, str):
                raise ValueError("DER property list: a dictionary key is not a string")
            out[name] = _decode_one(value_tag, value)
        return out
    raise ValueError(f"DER property list: tag {tag:#04x} is not one keychainsim reads")


def decode(data: bytes) -> Plist:
    """The value ``data`` encodes; :class:`ValueError` for anything else, trailing bytes included
    (``SecTokenItemValueCopy()``: "trailing garbage at end of token data field")."""
    tag, content, end = _read(bytes(data), 0)
    if end != len(data):
        raise ValueError("DER property list: trailing garbage after the value")
    return _decode_one(tag, content)
