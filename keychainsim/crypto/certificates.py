"""SecCertificate: an X.509 certificate parsed by Apple's rules, with the attributes the keychain stores.

Reference: keys-certs-identities.md §D (``pkhh``), §G (creation, accessors, subject summary,
normalized names, stored attributes) and secitem-engine.md §D.3. Apple source:
``OSX/sec/Security/SecCertificate.c — SecCertificateParse, SecCertificateCreateWithData,
SecCertificateCopyAttributeDictionary, SecCertificateCopySubjectSummary, obtainSummaryFromX501Name,
SecCertificateCopyCommonName, SecCertificateCopySerialNumberData, _SecCertificateCopyKey_onqueue``.

The certificate is read from its bytes, as libDER does, not through ``cryptography``: Apple keeps
fields *as encoded* (the serial's leading zero, the public key's BIT STRING, names byte for byte),
accepts what a stricter parser might refuse (negative serials, trailing bytes after the first
certificate) and refuses what it might accept (an explicit version 0).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from keychainsim.constants import (
    kSecAttrCertificateEncoding,
    kSecAttrCertificateType,
    kSecAttrIssuer,
    kSecAttrPublicKeyHash,
    kSecAttrSerialNumber,
    kSecAttrSubject,
    kSecAttrSubjectKeyID,
    kSecClass,
    kSecClassCertificate,
    kSecValueData,
)
from keychainsim.crypto import der
from keychainsim.crypto.hashes import public_key_hash
from keychainsim.crypto.keys import SecKey, _rsa_public_from_data
from keychainsim.crypto.names import (
    OID_COMMON_NAME,
    OID_DESCRIPTION,
    OID_EMAIL_ADDRESS,
    OID_ORGANIZATION,
    OID_ORGANIZATIONAL_UNIT,
    NameAttribute,
    as_sequence,
    name_attributes,
    normalize_name_content,
)
from keychainsim.errors import NotModeledError
from keychainsim.status import CFError, OSStatus

CSSM_CERT_ENCODING_DER = 3
MAX_EXTENSIONS = 10000
"""libDER bound on the extension count (``SecCertificateParse``: fewer than a fixed maximum)."""

OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
OID_ED25519 = "1.3.101.112"
OID_ED448 = "1.3.101.113"
OID_SUBJECT_KEY_IDENTIFIER = "2.5.29.14"
OID_SUBJECT_ALT_NAME = "2.5.29.17"

# Named curves SecECPublicKeyInit accepts, including the historic mis-encoded P-384/P-521 OIDs
# ("OID_CERTICOM is wrong", SecECKey.m — ccec_cp_for_oid).
_NAMED_CURVES: dict[str, ec.EllipticCurve] = {
    "1.2.840.10045.3.1.1": ec.SECP192R1(),
    "1.3.132.0.33": ec.SECP224R1(),
    "1.2.840.10045.3.1.7": ec.SECP256R1(),
    "1.3.132.0.34": ec.SECP384R1(),
    "1.3.132.0.35": ec.SECP521R1(),
}
_MISENCODED_CURVE_OIDS = {b"\x2b\x84\x00\x22": ec.SECP384R1(), b"\x2b\x84\x00\x23": ec.SECP521R1()}


@dataclass(frozen=True)
class Extension:
    """One certificate extension as encoded: OID, critical flag, extnValue octets."""

    oid: str
    critical: bool
    value: bytes


@dataclass(frozen=True, eq=False, repr=False)
class SecCertificate:
    """An immutable SecCertificateRef. Equal when the DER is equal (``SecCertificateEqual``).

    Build with :func:`SecCertificateCreateWithData`.
    """

    der: bytes
    version: int
    serial_number: bytes
    issuer_content: bytes
    subject_content: bytes
    normalized_issuer: bytes | None
    normalized_subject: bytes | None
    public_key_algorithm: str
    public_key_parameters: der.Element | None
    public_key_bytes: bytes
    not_before: datetime
    not_after: datetime
    extensions: tuple[Extension, ...]
    subject_key_id: bytes | None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecCertificate):
            return NotImplemented
        return self.der == other.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        summary = SecCertificateCopySubjectSummary(self)
        return f"<SecCertificate {summary!r} serial={self.serial_number.hex()} pkhh={self.public_key_hash.hex()}>"

    def __rich_repr__(self) -> Any:
        yield "subject", SecCertificateCopySubjectSummary(self)
        yield "serial", self.serial_number.hex()
        yield "pkhh", self.public_key_hash.hex()

    @property
    def public_key_hash(self) -> bytes:
        """``pkhh``: SHA-1 of the subjectPublicKey BIT STRING contents, as encoded (§D.1)."""
        return public_key_hash(self.public_key_bytes)

    def extension(self, oid: str) -> Extension | None:
        """The first extension with this OID, if any."""
        return next((e for e in self.extensions if e.oid == oid), None)

    def cryptography_certificate(self) -> x509.Certificate:
        """The certificate as a ``cryptography`` object (for tooling; raises if cryptography refuses it)."""
        return x509.load_der_x509_certificate(self.der)

    # --- engine interplay -------------------------------------------------------------------------

    def _keychain_attributes(self, for_query: bool) -> dict[str, object]:
        """What this ref contributes to ``SecItemAdd``/a query via ``kSecValueRef`` (§G.5; secitem §D.3).

        ``SecCertificateCopyAttributeDictionary``: class, ctyp (version + 1), cenc (3 = DER), subj
        (when the subject normalizes), issr, slnr (INTEGER content, leading zero kept), skid (only with
        the extension), pkhh, v_Data. No label: ``SecItemAdd`` infers it from
        :func:`subject_summary`. The same dictionary serves adds and queries (``for_query`` is
        accepted for symmetry with :meth:`SecKey._keychain_attributes`).
        """
        attrs: dict[str, object] = {
            kSecClass: kSecClassCertificate,
            kSecAttrCertificateType: self.version + 1,
            kSecAttrCertificateEncoding: CSSM_CERT_ENCODING_DER,
        }
        if self.normalized_subject is not None:
            attrs[kSecAttrSubject] = self.normalized_subject
        if self.normalized_issuer is not None:
            attrs[kSecAttrIssuer] = self.normalized_issuer
        attrs[kSecAttrSerialNumber] = self.serial_number
        if self.subject_key_id is not None:
            attrs[kSecAttrSubjectKeyID] = self.subject_key_id
        attrs[kSecAttrPublicKeyHash] = self.public_key_hash
        attrs[kSecValueData] = self.der
        return attrs

    @classmethod
    def _from_keychain(cls, attrs: Mapping[str, object]) -> SecCertificate | None:
        """``SecCertificateCreateFromAttributeDictionary``: the certificate in the row's ``v_Data``."""
        data = attrs.get(kSecValueData)
        return SecCertificateCreateWithData(data) if isinstance(data, bytes | bytearray) else None


# --- parsing ----------------------------------------------------------------------------------------


def _parse_time(element: der.Element) -> datetime:
    text = element.content.decode("ascii")
    if element.tag == der.UTC_TIME:
        if not text.endswith("Z") or len(text) not in (11, 13):
            raise der.DERError(f"bad UTCTime {text!r}")
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif element.tag == der.GENERALIZED_TIME:
        if not text.endswith("Z"):
            raise der.DERError(f"bad GeneralizedTime {text!r}")
        text = text.split(".")[0].rstrip("Z") + "Z"
    else:
        raise der.DERError("validity time is neither UTCTime nor GeneralizedTime")
    fmt = "%Y%m%d%H%M%SZ" if len(text) == 15 else "%Y%m%d%H%MZ"
    try:
        return datetime.strptime(text, fmt).replace(tzinfo=UTC)
    except ValueError as exc:
        raise der.DERError(str(exc)) from None


def _parse_extensions(wrapper: der.Element) -> tuple[tuple[Extension, ...], bytes | None]:
    outer = der.read_single(wrapper.content, der.SEQUENCE)
    extensions: list[Extension] = []
    skid: bytes | None = None
    for item in outer.children():
        parts = der.expect(item, der.SEQUENCE, "Extension").children()
        if len(parts) not in (2, 3) or parts[0].tag != der.OID or parts[-1].tag != der.OCTET_STRING:
            raise der.DERError("malformed Extension")
        critical = False
        if len(parts) == 3:
            flag = der.expect(parts[1], der.BOOLEAN, "critical")
            if len(flag.content) != 1 or flag.content not in (b"\x00", b"\xff"):
                raise der.DERError("bad BOOLEAN")
            critical = flag.content == b"\xff"
        extension = Extension(der.decode_oid(parts[0].content), critical, parts[-1].content)
        if extension.oid == OID_SUBJECT_KEY_IDENTIFIER:
            try:
                skid = der.read_element(extension.value)[0]
                skid = der.expect(skid, der.OCTET_STRING, "SubjectKeyIdentifier").content
            except der.DERError:
                if critical:
                    raise
                skid = None
        extensions.append(extension)
    if not extensions or len(extensions) >= MAX_EXTENSIONS:
        raise der.DERError("Extensions must hold 1..MAX entries")
    return tuple(extensions), skid


def _check_bit_string(content: bytes, what: str) -> None:
    """libDER ``DERParseBitString``: an unused-bits octet of 0..7, and 0 when there are no bits."""
    if not content or content[0] > 7 or (len(content) == 1 and content[0] != 0):
        raise der.DERError(f"{what}: malformed BIT STRING")


def _parse(data: bytes) -> SecCertificate:
    outer, _end = der.read_element(data)  # bytes after the first element are ignored (§G.1)
    der.expect(outer, der.SEQUENCE, "Certificate")
    parts = outer.children()
    if len(parts) != 3:
        raise der.DERError("Certificate must be tbsCertificate, signatureAlgorithm, signature")
    tbs = der.expect(parts[0], der.SEQUENCE, "tbsCertificate").children()
    der.expect(parts[1], der.SEQUENCE, "signatureAlgorithm")
    signature = der.expect(parts[2], der.BIT_STRING, "signature")
    _check_bit_string(signature.content, "signature")
    index = 0
    version = 0
    if tbs and tbs[0].tag == 0xA0:
        number = der.read_single(tbs[0].content, der.INTEGER)
        if len(number.content) != 1 or number.content[0] not in (1, 2):
            raise der.DERError("explicit version must be v2 or v3 (an explicit v1 is rejected)")
        version = number.content[0]
        index = 1
    fields = tbs[index:]
    if len(fields) < 6:
        raise der.DERError("tbsCertificate is missing fields")
    serial = der.expect(fields[0], der.INTEGER, "serialNumber").content
    if not 1 <= len(serial) <= 37:
        raise der.DERError("serial number must be 1..37 bytes")
    der.expect(fields[1], der.SEQUENCE, "signature")
    issuer = der.expect(fields[2], der.SEQUENCE, "issuer").content
    validity = der.expect(fields[3], der.SEQUENCE, "validity").children()
    if len(validity) != 2:
        raise der.DERError("validity must hold two times")
    not_before, not_after = (_parse_time(t) for t in validity)
    subject = der.expect(fields[4], der.SEQUENCE, "subject").content
    spki = der.expect(fields[5], der.SEQUENCE, "subjectPublicKeyInfo").children()
    if len(spki) != 2:
        raise der.DERError("subjectPublicKeyInfo must be algorithm, subjectPublicKey")
    algorithm = der.expect(spki[0], der.SEQUENCE, "algorithm").children()
    if not algorithm or len(algorithm) > 2:
        raise der.DERError("malformed AlgorithmIdentifier")
    key_bits = der.expect(spki[1], der.BIT_STRING, "subjectPublicKey").content
    _check_bit_string(key_bits, "subjectPublicKey")
    extensions: tuple[Extension, ...] = ()
    skid = None
    for extra in fields[6:]:
        if extra.tag == 0xA3:
            extensions, skid = _parse_extensions(extra)
        elif extra.tag not in (0x81, 0x82, 0xA1, 0xA2):
            raise der.DERError(f"unexpected tbsCertificate field 0x{extra.tag:02x}")
    return SecCertificate(
        der=outer.encoded,
        version=version,
        serial_number=serial,
        issuer_content=issuer,
        subject_content=subject,
        normalized_issuer=normalize_name_content(issuer),
        normalized_subject=normalize_name_content(subject),
        public_key_algorithm=der.decode_oid(der.expect(algorithm[0], der.OID, "algorithm").content),
        public_key_parameters=algorithm[1] if len(algorithm) == 2 else None,
        public_key_bytes=key_bits[1:],
        not_before=not_before,
        not_after=not_after,
        extensions=extensions,
        subject_key_id=skid,
    )


# --- public functions -------------------------------------------------------------------------------


def SecCertificateCreateWithData(data: bytes | None) -> SecCertificate | None:
    """A certificate from DER, or None — with no reason given, as on a device (§G.1).

    PEM, base64, PKCS#7, PKCS#12, empty or garbage input gives None. Bytes after the first DER
    element are tolerated and dropped: ``SecCertificateCopyData`` returns the first certificate only.
    An explicit version 0, a serial outside 1..37 bytes, an undecodable validity date or an empty
    Extensions list also give None.
    """
    if data is None:
        return None
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data: expected bytes, got {type(data).__name__}")
    try:
        return _parse(bytes(data))
    except (der.DERError, UnicodeDecodeError, ValueError):
        return None


def _check(certificate: object) -> SecCertificate:
    if not isinstance(certificate, SecCertificate):
        raise TypeError(f"certificate: expected a SecCertificate, got {type(certificate).__name__}")
    return certificate


def SecCertificateCopyData(certificate: SecCertificate) -> bytes:
    """The certificate's DER (the first element of what was passed in)."""
    return _check(certificate).der


def SecCertificateCopySerialNumberData(certificate: SecCertificate | None) -> tuple[bytes | None, CFError | None]:
    """The serial INTEGER's content bytes, leading ``00`` kept (§G.2); NULL cert → CFError -26275."""
    if certificate is None:
        return None, CFError.from_status(OSStatus.errSecDecode)
    return _check(certificate).serial_number, None


def SecCertificateCopyNormalizedIssuerSequence(certificate: SecCertificate) -> bytes | None:
    """The normalized issuer wrapped in a SEQUENCE header (§G.2)."""
    content = _check(certificate).normalized_issuer
    return as_sequence(content) if content is not None else None


def SecCertificateCopyNormalizedSubjectSequence(certificate: SecCertificate) -> bytes | None:
    """The normalized subject wrapped in a SEQUENCE header (§G.2)."""
    content = _check(certificate).normalized_subject
    return as_sequence(content) if content is not None else None


def SecCertificateCopyNotValidBeforeDate(certificate: SecCertificate) -> datetime:
    return _check(certificate).not_before


def SecCertificateCopyNotValidAfterDate(certificate: SecCertificate) -> datetime:
    return _check(certificate).not_after


def SecCertificateCopyKey(certificate: SecCertificate) -> SecKey | None:
    """The certificate's public key as a SecKey, or None when Apple could not build one (§G.2, §D.3).

    RSA: the BIT STRING must hold a minimal PKCS#1 RSAPublicKey (non-minimal or negative INTEGERs →
    None). EC: the parameters must name P-192/224/256/384/521 (explicit curve parameters → None); the
    point may be compressed — the key then exports uncompressed, so its ``klbl`` differs from the
    certificate's ``pkhh``.

    Raises:
        NotModeledError: for Ed25519/Ed448 certificates, which Apple supports and keychainsim does not.
    """
    cert = _check(certificate)
    if cert.public_key_algorithm == OID_RSA_ENCRYPTION:
        return _rsa_public_from_data(cert.public_key_bytes) if cert.public_key_bytes[:1] == b"\x30" else None
    if cert.public_key_algorithm == OID_EC_PUBLIC_KEY:
        params = cert.public_key_parameters
        if params is None or params.tag != der.OID:
            return None
        curve = _NAMED_CURVES.get(der.decode_oid(params.content)) or _MISENCODED_CURVE_OIDS.get(params.content)
        if curve is None:
            return None
        try:
            return SecKey._from_cryptography(ec.EllipticCurvePublicKey.from_encoded_point(curve, cert.public_key_bytes))
        except ValueError:
            return None
    if cert.public_key_algorithm in (OID_ED25519, OID_ED448):
        raise NotModeledError(cert.public_key_algorithm, "SecCertificateCopyKey", "EdDSA keys are not modelled")
    return None


def _attributes(cert: SecCertificate) -> list[NameAttribute]:
    try:
        return name_attributes(cert.subject_content)
    except der.DERError:
        return []


def _attribute_text(attribute: NameAttribute) -> str:
    text = attribute.text()
    return text if text is not None else attribute.value.hex(" ").upper()


def SecCertificateCopyCommonName(certificate: SecCertificate | None) -> tuple[OSStatus, str | None]:
    """The **last** commonName of the subject, in encoding order (§G.2).

    ``(errSecInternal, None)`` when the subject has no CN; ``(errSecParam, None)`` for no certificate.
    """
    if certificate is None:
        return OSStatus.errSecParam, None
    names = [_attribute_text(a) for a in _attributes(_check(certificate)) if a.oid == OID_COMMON_NAME]
    if not names:
        return OSStatus.errSecInternal, None
    return OSStatus.errSecSuccess, names[-1]


def _general_names(cert: SecCertificate) -> list[tuple[int, bytes]]:
    extension = cert.extension(OID_SUBJECT_ALT_NAME)
    if extension is None:
        return []
    try:
        names = der.read_single(extension.value, der.SEQUENCE).children()
    except der.DERError:
        return []
    return [(name.tag & 0x1F, name.content) for name in names]


def SecCertificateCopyEmailAddresses(certificate: SecCertificate) -> tuple[OSStatus, list[str]]:
    """RFC 822 names: subjectAltName rfc822Name entries, then subject emailAddress values (§G.2)."""
    cert = _check(certificate)
    emails = [value.decode("ascii", "replace") for kind, value in _general_names(cert) if kind == 1]
    emails += [_attribute_text(a) for a in _attributes(cert) if a.oid == OID_EMAIL_ADDRESS]
    return OSStatus.errSecSuccess, emails


def _dns_names(cert: SecCertificate) -> list[str]:
    """``SecCertificateCopyDNSNames`` as the summary uses it: SAN dNSName (and iPAddress) entries."""
    names: list[str] = []
    for kind, value in _general_names(cert):
        if kind == 2:
            names.append(value.decode("ascii", "replace"))
        elif kind == 7 and len(value) in (4, 16):
            names.append(str(ipaddress.ip_address(value)))
    return names


_RANKS = {OID_COMMON_NAME: 4, OID_ORGANIZATIONAL_UNIT: 3, OID_ORGANIZATION: 2}


def SecCertificateCopySubjectSummary(certificate: SecCertificate | None) -> str | None:
    """The human-readable summary Apple uses as a certificate's default label (§G.3).

    The best-ranked subject attribute wins (CN > OU > O > any other); several values of that rank are
    joined "later, earlier"; a ``description`` attribute is appended to a CN as "CN (description)". When
    no CN exists, the first email address (SAN, then subject) or else the first SAN DNS name replaces
    whatever O/OU/other value was found. [R: SecCertificate.c — obtainSummaryFromX501Name,
    SecCertificateCopySubjectSummary; SecFrameworkStrings.h — "%@, %@", "%@ (%@)"]
    """
    if certificate is None:
        return None
    cert = _check(certificate)
    try:
        attributes = name_attributes(cert.subject_content)
    except der.DERError:
        return None
    best_rank = 0
    summary: str | None = None
    description: str | None = None
    for attribute in attributes:
        rank = _RANKS.get(attribute.oid, 1)
        text = _attribute_text(attribute)
        if attribute.oid == OID_DESCRIPTION:
            description = text if description is None else f"{text}, {description}"
        if rank < best_rank:
            continue
        summary = f"{text}, {summary}" if rank == best_rank and summary is not None else text
        best_rank = rank
    if description is not None and best_rank == _RANKS[OID_COMMON_NAME]:
        summary = f"{summary} ({description})"
    if best_rank != _RANKS[OID_COMMON_NAME]:
        _status, emails = SecCertificateCopyEmailAddresses(cert)
        names = emails or _dns_names(cert)
        if names:
            summary = names[0]
    return summary


def subject_summary(certificate: SecCertificate) -> str | None:
    """The label ``SecItemAdd`` infers for a certificate ref added without ``kSecAttrLabel``
    (``infer_cert_label``, secitem-engine.md §D.1 b): its subject summary."""
    return SecCertificateCopySubjectSummary(certificate)
