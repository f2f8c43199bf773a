"""A small DER reader and writer, for the places where Apple works on bytes rather than on parsed objects.

Apple's certificate code (libDER, ``OSX/sec/Security/SecCertificate.c``) hashes, normalizes and copies
certificate fields *as encoded*: ``pkhh`` is SHA-1 over the subjectPublicKey BIT STRING exactly as the
certificate spells it, ``issr``/``subj`` are the name bytes with only PrintableStrings rewritten, ``slnr``
is the INTEGER content with its leading zero. A parsed ``cryptography`` object has already thrown those
bytes away, so these few helpers walk the encoding itself. The same helpers build the DER that
``csr.py`` signs and read the PFX structure that ``pkcs12.py`` has to verify before decrypting.

Only what DER needs: single-octet tags and definite lengths. Anything else raises :class:`DERError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# Universal tags, as first identifier octets.
BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
UTF8_STRING = 0x0C
PRINTABLE_STRING = 0x13
T61_STRING = 0x14
VIDEOTEX_STRING = 0x15
IA5_STRING = 0x16
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18
VISIBLE_STRING = 0x1A
GENERAL_STRING = 0x1B
UNIVERSAL_STRING = 0x1C
BMP_STRING = 0x1E
SEQUENCE = 0x30
SET = 0x31


class DERError(ValueError):
    """The bytes are not the DER structure the caller expected (offset and what was wrong)."""


@dataclass(frozen=True)
class Element:
    """One decoded TLV: its tag octet, the header (tag + length octets) and the content bytes."""

    tag: int
    header: bytes
    content: bytes

    @property
    def encoded(self) -> bytes:
        """The element exactly as it was encoded (header then content)."""
        return self.header + self.content

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    def children(self) -> list[Element]:
        """The elements inside a constructed element's content, in order."""
        return list(iter_elements(self.content))


def read_element(data: bytes, offset: int = 0) -> tuple[Element, int]:
    """Decode the element starting at ``offset``; return it and the offset just after it."""
    if offset + 2 > len(data):
        raise DERError(f"truncated header at offset {offset}")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DERError(f"multi-octet tag at offset {offset} is not supported")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise DERError(f"indefinite length at offset {offset} is not DER")
    else:
        count = first & 0x7F
        if count > 8 or pos + count > len(data):
            raise DERError(f"bad length-of-length at offset {offset}")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise DERError(f"element at offset {offset} runs past the end ({length} bytes announced)")
    return Element(tag, bytes(data[offset:pos]), bytes(data[pos:end])), end


def read_single(data: bytes, expected_tag: int | None = None) -> Element:
    """Decode ``data`` as exactly one element (no trailing bytes), optionally checking its tag."""
    element, end = read_element(data)
    if end != len(data):
        raise DERError(f"{len(data) - end} trailing bytes after the element")
    if expected_tag is not None and element.tag != expected_tag:
        raise DERError(f"expected tag 0x{expected_tag:02x}, found 0x{element.tag:02x}")
    return element


def iter_elements(content: bytes) -> Iterator[Element]:
    """Each element of a constructed element's content, in order."""
    offset = 0
    while offset < len(content):
        element, offset = read_element(content, offset)
        yield element


def expect(element: Element, tag: int, what: str) -> Element:
    """Return ``element`` if it carries ``tag``; otherwise raise a DERError naming ``what``."""
    if element.tag != tag:
        raise DERError(f"{what}: expected tag 0x{tag:02x}, found 0x{element.tag:02x}")
    return element


def decode_oid(content: bytes) -> str:
    """Dotted-decimal form of an OBJECT IDENTIFIER's content octets."""
    if not content:
        raise DERError("empty OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for octet in content:
        value = (value << 7) | (octet & 0x7F)
        if not octet & 0x80:
            arcs.append(value)
            value = 0
    if content[-1] & 0x80:
        raise DERError("truncated OBJECT IDENTIFIER")
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


def decode_unsigned(content: bytes) -> int:
    """An INTEGER's content read as a non-negative number (Apple's serials and RSA fields are)."""
    return int.from_bytes(content, "big")


# --- encoding -------------------------------------------------------------------------------------


def encode_length(length: int) -> bytes:
    """Minimal DER length octets (libDER's DEREncodeLength)."""
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, content: bytes) -> bytes:
    """Tag, minimal length, content."""
    return bytes([tag]) + encode_length(len(content)) + content


def sequence(*parts: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(parts))


def set_of(*parts: bytes) -> bytes:
    """A SET OF, with its members sorted as DER requires."""
    return tlv(SET, b"".join(sorted(parts)))


def integer(value: int) -> bytes:
    """A minimal two's-complement INTEGER."""
    if value == 0:
        return tlv(INTEGER, b"\x00")
    length = (value.bit_length() + 8) // 8 if value > 0 else ((~value).bit_length() + 8) // 8
    return tlv(INTEGER, value.to_bytes(length, "big", signed=True))


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    if len(arcs) < 2:
        raise ValueError(f"OID {dotted!r} needs at least two arcs")
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OID, bytes(body))


def null() -> bytes:
    return b"\x05\x00"


def boolean(value: bool) -> bytes:
    return tlv(BOOLEAN, b"\xff" if value else b"\x00")


def octet_string(value: bytes) -> bytes:
    return tlv(OCTET_STRING, value)


def bit_string(value: bytes, unused_bits: int = 0) -> bytes:
    return tlv(BIT_STRING, bytes([unused_bits]) + value)


def context(number: int, content: bytes, constructed: bool = True) -> bytes:
    """A context-specific ``[number]`` element (IMPLICIT when the caller passes content octets)."""
    return tlv((0xA0 if constructed else 0x80) | number, content)
