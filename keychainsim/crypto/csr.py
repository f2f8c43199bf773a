"""A PKCS#10 certificate signing request built the way an iOS app builds one with swift-certificates.

Reference: keys-certs-identities.md §J.2 [X: apple/swift-certificates — SecKeyWrapper.swift,
CertificatePrivateKey.swift, CSR/CertificateSigningRequest.swift]: the private key must be a private
SecKey (EC P-256/384/521 or RSA); the public key comes from ``SecKeyCopyPublicKey`` →
``SecKeyCopyExternalRepresentation`` re-wrapped as a SubjectPublicKeyInfo (so SHA-1 of the CSR's
subjectPublicKey BIT STRING equals the device key's ``klbl``); the DER CertificationRequestInfo is
signed *through* ``SecKeyCreateSignature`` with ``ecdsaSignatureMessageX962SHA256/384/512`` (P-256 /
P-384 / P-521 defaults) or ``rsaSignatureMessagePKCS1v15SHA256`` (RSA default). Secure Enclave keys
sign the same way: nothing here needs the private scalar.

The request carries the subject and an extensionRequest attribute (basic constraints CA:FALSE and key
usage digitalSignature by default, optionally a subjectAltName and extended key usages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from keychainsim.constants import (
    kSecKeyAlgorithmECDSASignatureMessageX962SHA256,
    kSecKeyAlgorithmECDSASignatureMessageX962SHA384,
    kSecKeyAlgorithmECDSASignatureMessageX962SHA512,
    kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA1,
    kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA256,
    kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA384,
    kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA512,
)
from keychainsim.crypto import der
from keychainsim.crypto.keys import SecKey, SecKeyCopyExternalRepresentation, SecKeyCopyPublicKey
from keychainsim.crypto.signing import SecKeyCreateSignature

OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14"
OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_CURVE_OIDS = {256: "1.2.840.10045.3.1.7", 384: "1.3.132.0.34", 521: "1.3.132.0.35"}

SIGNATURE_ALGORITHMS: dict[str, tuple[str, str, bool]] = {
    # name: (X.509 signature OID, SecKeyAlgorithm, AlgorithmIdentifier has NULL parameters)
    "ecdsaWithSHA256": ("1.2.840.10045.4.3.2", kSecKeyAlgorithmECDSASignatureMessageX962SHA256, False),
    "ecdsaWithSHA384": ("1.2.840.10045.4.3.3", kSecKeyAlgorithmECDSASignatureMessageX962SHA384, False),
    "ecdsaWithSHA512": ("1.2.840.10045.4.3.4", kSecKeyAlgorithmECDSASignatureMessageX962SHA512, False),
    "sha1WithRSAEncryption": ("1.2.840.113549.1.1.5", kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA1, True),
    "sha256WithRSAEncryption": ("1.2.840.113549.1.1.11", kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA256, True),
    "sha384WithRSAEncryption": ("1.2.840.113549.1.1.12", kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA384, True),
    "sha512WithRSAEncryption": ("1.2.840.113549.1.1.13", kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA512, True),
}
"""The signature algorithms swift-certificates maps onto SecKey algorithms (PSS is not offered)."""

_SUBJECT_KEYS = {
    "CN": NameOID.COMMON_NAME,
    "C": NameOID.COUNTRY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "L": NameOID.LOCALITY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "EMAIL": NameOID.EMAIL_ADDRESS,
}


class CSRError(ValueError):
    """The key or the arguments cannot make a CSR (swift-certificates' ``unsupportedPrivateKey`` etc.)."""


def default_signature_algorithm(key: SecKey) -> str:
    """swift-certificates' default: P-256→ecdsaWithSHA256, P-384→SHA384, P-521→SHA512, RSA→sha256."""
    if key.key_type == "42":
        return "sha256WithRSAEncryption"
    defaults = {256: "ecdsaWithSHA256", 384: "ecdsaWithSHA384", 521: "ecdsaWithSHA512"}
    if key.key_size_in_bits not in defaults:
        raise CSRError(f"unsupportedPrivateKey: EC keys of {key.key_size_in_bits} bits cannot go into a CSR")
    return defaults[key.key_size_in_bits]


def _subject(subject: x509.Name | Mapping[str, str]) -> bytes:
    if isinstance(subject, x509.Name):
        return subject.public_bytes()
    if not isinstance(subject, Mapping):
        raise TypeError(f"subject: expected an x509.Name or a dict, got {type(subject).__name__}")
    attributes = []
    for short, value in subject.items():
        oid = _SUBJECT_KEYS.get(short.upper())
        if oid is None:
            raise CSRError(f"subject: unknown attribute {short!r} (use one of {', '.join(_SUBJECT_KEYS)})")
        attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes).public_bytes()


def subject_public_key_info(key: SecKey) -> bytes:
    """The SPKI a CSR carries for ``key``, built from ``SecKeyCopyExternalRepresentation`` of its public
    half (§J.1/J.2): rsaEncryption + NULL, or id-ecPublicKey + named curve; the BIT STRING holds the
    external representation unchanged."""
    public = SecKeyCopyPublicKey(key)
    data, error = SecKeyCopyExternalRepresentation(public)  # type: ignore[arg-type]
    if data is None:
        raise CSRError(f"cannot export the public key: {error}")
    if key.key_type == "42":
        algorithm = der.sequence(der.oid(OID_RSA_ENCRYPTION), der.null())
    else:
        curve = _CURVE_OIDS.get(key.key_size_in_bits)
        if curve is None:
            raise CSRError(f"unsupportedPrivateKey: EC keys of {key.key_size_in_bits} bits cannot go into a CSR")
        algorithm = der.sequence(der.oid(OID_EC_PUBLIC_KEY), der.oid(curve))
    return der.sequence(algorithm, der.bit_string(data))


def _extension(value: x509.ExtensionType, critical: bool) -> bytes:
    parts = [der.oid(value.oid.dotted_string)]
    if critical:
        parts.append(der.boolean(True))
    parts.append(der.octet_string(value.public_bytes()))
    return der.sequence(*parts)


def create_csr(
    key: SecKey,
    subject: x509.Name | Mapping[str, str],
    *,
    signature_algorithm: str | None = None,
    dns_names: Sequence[str] = (),
    email_addresses: Sequence[str] = (),
    client_auth: bool = True,
    key_usage_digital_signature: bool = True,
    extra_extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
) -> bytes:
    """A DER PKCS#10 request for ``key``, signed through :func:`SecKeyCreateSignature`.

    Args:
        key: a private SecKey (software or Secure Enclave): RSA, or EC P-256/384/521.
        subject: an ``x509.Name`` or a dict of short names (CN, C, ST, L, O, OU, EMAIL) to values.
        signature_algorithm: a key of :data:`SIGNATURE_ALGORITHMS`; swift-certificates' default if None.
        dns_names, email_addresses: a subjectAltName, when given.
        client_auth: request the clientAuth extended key usage.
        key_usage_digital_signature: request keyUsage digitalSignature (critical).
        extra_extensions: more ``(extension, critical)`` pairs for the extensionRequest.

    Raises:
        CSRError: a public key, an unsupported curve, an algorithm that does not fit the key, or a
            signing failure (with the CFError from SecKeyCreateSignature).
    """
    if not isinstance(key, SecKey):
        raise TypeError(f"key: expected a SecKey, got {type(key).__name__}")
    if not key.is_private:
        raise CSRError("unsupportedPrivateKey: a CSR needs the private key (kcls 1), not the public key")
    name = signature_algorithm or default_signature_algorithm(key)
    if name not in SIGNATURE_ALGORITHMS:
        raise CSRError(f"signature_algorithm: {name!r} is not one of {', '.join(SIGNATURE_ALGORITHMS)}")
    signature_oid, sec_algorithm, null_params = SIGNATURE_ALGORITHMS[name]
    if (key.key_type == "42") != name.endswith("RSAEncryption"):
        raise CSRError(f"signature_algorithm: {name} does not fit a {'RSA' if key.key_type == '42' else 'EC'} key")

    extensions = [_extension(x509.BasicConstraints(ca=False, path_length=None), True)]
    if key_usage_digital_signature:
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        extensions.append(_extension(usage, True))
    if client_auth:
        extensions.append(_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False))
    if dns_names or email_addresses:
        names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
        names += [x509.RFC822Name(e) for e in email_addresses]
        extensions.append(_extension(x509.SubjectAlternativeName(names), False))
    extensions += [_extension(value, critical) for value, critical in extra_extensions]
    extension_request = der.sequence(der.oid(OID_EXTENSION_REQUEST), der.set_of(der.sequence(*extensions)))
    info = der.sequence(
        der.integer(0),
        _subject(subject),
        subject_public_key_info(key),
        der.context(0, extension_request),
    )
    signature, error = SecKeyCreateSignature(key, sec_algorithm, info)
    if signature is None:
        raise CSRError(f"SecKeyCreateSignature failed: {error}")
    algorithm = (
        der.sequence(der.oid(signature_oid), der.null()) if null_params else der.sequence(der.oid(signature_oid))
    )
    return der.sequence(info, algorithm, der.bit_string(signature))
