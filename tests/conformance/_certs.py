"""Certificates for the certificate/key/identity conformance tests, built with `cryptography`.

Apple's tests embed fixed certificates; we build our own instead (fixed names, serials and validity
dates; fresh keys per run). Nothing here is a claim about Apple's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

# Validity of secd-83-item-match-*.m's test certificates: valid on 2016-04-07 16:00 GMT, not on
# 2016-04-06 16:00 nor 2017-04-08 16:00.
NOT_BEFORE = datetime(2016, 4, 7, 6, 36, 53, tzinfo=UTC)
NOT_AFTER = datetime(2017, 4, 7, 6, 36, 53, tzinfo=UTC)


@dataclass
class Crypto:
    """The contract's module-level key/certificate functions (api-contract.md), looked up once."""

    SecCertificateCreateWithData: Any
    SecCertificateCopyData: Any
    SecCertificateCopySubjectSummary: Any
    SecKeyCopyPublicKey: Any
    SecKeyCopyExternalRepresentation: Any
    SecIdentityCreate: Any
    SecIdentityCopyCertificate: Any
    SecIdentityCopyPrivateKey: Any
    SecKeyCreateWithData: Any


def load_crypto() -> Crypto:
    """The crypto API (from keychainsim.crypto, else the top-level re-exports the contract names), or a
    skip when keychainsim.crypto is not importable yet."""
    try:
        import keychainsim
        import keychainsim.crypto as crypto_module
    except ImportError as exc:
        pytest.skip(f"keychainsim.crypto is not importable yet (needed for certificate/key refs): {exc}")
    found: dict[str, Any] = {}
    for name in Crypto.__dataclass_fields__:
        value = getattr(crypto_module, name, None) or getattr(keychainsim, name, None)
        if value is None:
            pytest.skip(f"keychainsim.crypto does not provide {name} yet (needed for certificate/key refs)")
        found[name] = value
    return Crypto(**found)


def make_ec_private_key_x963() -> bytes:
    """A fresh P-256 private key in Apple's external representation (04 || X || Y || K, X9.63)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return point + private.private_numbers().private_value.to_bytes(32, "big")


def make_certificate_der(
    *,
    common_name: str = "keychainsim test leaf",
    serial: int = 0x254B8A85,
    public_key_x962: bytes | None = None,
    email: str | None = None,
    not_before: datetime = NOT_BEFORE,
    not_after: datetime = NOT_AFTER,
) -> bytes:
    """A DER certificate for ``common_name``, issued by a throwaway CA.

    ``public_key_x962`` (an uncompressed P-256 point, as SecKeyCopyExternalRepresentation gives it)
    becomes the subject key, so the certificate pairs with that SecKey; otherwise a fresh key is used.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca_key = ec.generate_private_key(ec.SECP256R1())
    if public_key_x962 is None:
        subject_public = ec.generate_private_key(ec.SECP256R1()).public_key()
    else:
        subject_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key_x962)
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.COUNTRY_NAME, "CZ")]
    if email is not None:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "keychainsim test CA")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(issuer)
        .public_key(subject_public)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if email is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    from cryptography.hazmat.primitives.serialization import Encoding

    return builder.sign(ca_key, hashes.SHA256()).public_bytes(Encoding.DER)
