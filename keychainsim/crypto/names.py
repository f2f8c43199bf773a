"""X.501 names the way Apple stores and shows them: normalized ``subj``/``issr`` bytes and readable values.

Reference: keys-certs-identities.md §G.4 (normalization), §G.3 (string values for the subject
summary). Apple source: ``OSX/sec/Security/SecCertificate.c — createNormalizedX501Name,
SecDistinguishedNameCopyNormalizedContent, copyDERThingContentDescription``.

Normalization rewrites only PrintableString values: ASCII a–z upper-cased, leading and trailing
blanks (space, tab) dropped, runs of blanks collapsed to one space. Other string types are copied
unchanged. Length octets are re-encoded (minimally) only where a length actually changed; everything
else is copied byte for byte, as Apple's in-place rewrite does. The stored form is the *content* of
the Name SEQUENCE, without its outer header.
"""

from __future__ import annotations

from dataclasses import dataclass

from keychainsim.crypto import der

OID_COMMON_NAME = "2.5.4.3"
OID_ORGANIZATION = "2.5.4.10"
OID_ORGANIZATIONAL_UNIT = "2.5.4.11"
OID_DESCRIPTION = "2.5.4.13"
OID_EMAIL_ADDRESS = "1.2.840.113549.1.9.1"


@dataclass(frozen=True)
class NameAttribute:
    """One AttributeTypeAndValue of a Name, in encoding order: its OID, the value's tag and content."""

    oid: str
    tag: int
    value: bytes

    def text(self) -> str | None:
        """The value as Apple's ``copyDERThingContentDescription`` reads a string type, else None."""
        return value_text(self.tag, self.value)


def _normalize_printable(value: bytes) -> bytes:
    out = bytearray()
    last_blank = False
    for ch in value:
        if ch in (0x20, 0x09):
            if not last_blank and out:
                out.append(0x20)
            last_blank = True
            continue
        last_blank = False
        out.append(ch - 0x20 if 0x61 <= ch <= 0x7A else ch)
    if last_blank and out and out[-1] == 0x20:
        out.pop()
    return bytes(out)


def _normalize_atv(atv: der.Element) -> bytes:
    if atv.tag != der.SEQUENCE:
        raise der.DERError("AttributeTypeAndValue is not a SEQUENCE")
    parts = atv.children()
    if len(parts) != 2 or parts[0].tag != der.OID or not parts[0].content:
        raise der.DERError("AttributeTypeAndValue must be an OID and one value")
    kind, value = parts
    if value.tag != der.PRINTABLE_STRING:
        return atv.encoded
    normalized = _normalize_printable(value.content)
    if len(normalized) == len(value.content):
        return atv.header + kind.encoded + value.header + normalized
    return der.tlv(der.SEQUENCE, kind.encoded + der.tlv(der.PRINTABLE_STRING, normalized))


def normalize_name_content(content: bytes) -> bytes | None:
    """Apple's normalized form of a Name's content (the RDN sequence without the outer header).

    Returns None where ``createNormalizedX501Name`` fails: an RDN that is not a non-empty SET, an
    attribute that is not an (OID, value) SEQUENCE, undecodable DER.
    """
    try:
        out = bytearray()
        for rdn in der.iter_elements(content):
            if rdn.tag != der.SET or not rdn.content:
                return None
            body = b"".join(_normalize_atv(atv) for atv in der.iter_elements(rdn.content))
            out += rdn.header + body if len(body) == len(rdn.content) else der.tlv(der.SET, body)
        return bytes(out)
    except der.DERError:
        return None


def normalize_issuer(der_name: bytes) -> bytes | None:
    """Normalize a full DER Name (``SEQUENCE { RDN... }``) into the stored ``issr`` form.

    ``SecItemAttributesPrepare`` does this to a ``kSecAttrIssuer`` query value that is a whole DER
    Name [R: OSX/sec/Security/SecItem.m; SecCertificate.c — SecDistinguishedNameCopyNormalizedContent]
    (secitem-engine.md §D.1 d). Returns None when the input is not a DER SEQUENCE that normalizes;
    the engine then keeps the caller's value as given.
    """
    if not isinstance(der_name, bytes | bytearray):
        return None
    try:
        element, _end = der.read_element(bytes(der_name))
    except der.DERError:
        return None
    if element.tag != der.SEQUENCE:
        return None
    return normalize_name_content(element.content)


def as_sequence(content: bytes) -> bytes:
    """Wrap name content in a SEQUENCE header (``SecCertificateCopyNormalizedIssuerSequence``)."""
    return der.tlv(der.SEQUENCE, content)


def name_attributes(content: bytes) -> list[NameAttribute]:
    """Every attribute of a Name's content in encoding order (RDN by RDN)."""
    attributes: list[NameAttribute] = []
    for rdn in der.iter_elements(content):
        for atv in der.iter_elements(rdn.content):
            parts = atv.children()
            if len(parts) < 2 or parts[0].tag != der.OID:
                raise der.DERError("malformed AttributeTypeAndValue")
            attributes.append(NameAttribute(der.decode_oid(parts[0].content), parts[1].tag, parts[1].content))
    return attributes


_ENCODINGS = {
    der.PRINTABLE_STRING: "ascii",
    der.IA5_STRING: "ascii",
    der.UTF8_STRING: "utf-8",
    der.GENERAL_STRING: "utf-8",
    der.UNIVERSAL_STRING: "utf-8",  # Apple decodes UniversalString as UTF-8 (sic)
    der.T61_STRING: "latin-1",
    der.VIDEOTEX_STRING: "latin-1",
    der.VISIBLE_STRING: "latin-1",
    der.BMP_STRING: "utf-16-be",
}


def value_text(tag: int, content: bytes) -> str | None:
    """A string-typed value as text, with Apple's per-type encodings; None for non-string types or
    bytes that do not decode."""
    encoding = _ENCODINGS.get(tag)
    if encoding is None:
        return None
    try:
        return content.decode(encoding)
    except UnicodeDecodeError:
        return None
