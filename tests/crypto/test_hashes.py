"""klbl and pkhh: one hash, computed as Apple computes it (keys-certs-identities.md §C, §D)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from keychainsim.constants import kSecAttrApplicationLabel, kSecAttrPublicKeyHash
from keychainsim.crypto import (
    SecCertificateCreateWithData,
    SecKeyCopyAttributes,
    SecKeyCopyPublicKey,
    SecKeyCreateWithData,
    public_key_hash,
)
from keychainsim.crypto.keys import SecKey

from .apple_vectors import SI_42, apple_bytes

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _self_signed(key: SecKey) -> bytes:
    private = key.cryptography_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hash check")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(7)
        .not_valid_before(datetime(2024, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2034, 1, 1, tzinfo=UTC))
        .sign(private, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.mark.apple_source
@pytest.mark.parametrize(("kind", "bits"), [("RSA", 1024), ("RSA", 2048), ("RSA", 3072), ("RSA", 4096),
                                            ("EC", 256), ("EC", 384), ("EC", 521)])
def test_klbl_of_key_equals_pkhh_of_its_certificate(make_key, kind: str, bits: int) -> None:
    """SecKey.m — SecKeyCopyAttributeDictionaryWithLocalKey (klbl) and SecCertificate.c —
    SecCertificateCopyPublicKeySHA1Digest (pkhh) agree for canonically encoded keys (§C.1, §D.1)."""
    key = make_key(kind, bits)
    certificate = SecCertificateCreateWithData(_self_signed(key))
    assert certificate is not None
    klbl = SecKeyCopyAttributes(key)[kSecAttrApplicationLabel]
    pkhh = certificate._keychain_attributes(False)[kSecAttrPublicKeyHash]
    assert klbl == pkhh
    assert SecKeyCopyAttributes(SecKeyCopyPublicKey(key))[kSecAttrApplicationLabel] == klbl
    assert klbl == x509.SubjectKeyIdentifier.from_public_key(key.public_key_object()).digest
    assert len(klbl) == 20
    spki = key.public_key_object().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert klbl != hashlib.sha1(spki).digest()


@pytest.mark.apple_test
def test_si42_identity_key_digest() -> None:
    """OSX/sec/Security/Regressions/secitem/si-42-identity.m: `_k1_digest` is the hash of `_k1` and of
    the public key in `_c1` (§D.2 RSA-2048 vector 46E08A05…)."""
    certificate = SecCertificateCreateWithData(apple_bytes(SI_42, "_c1"))
    key, error = SecKeyCreateWithData(apple_bytes(SI_42, "_k1"), {"type": "42", "kcls": "1"})
    assert certificate is not None and key is not None and error is None
    expected = apple_bytes(SI_42, "_k1_digest")
    assert expected == bytes.fromhex("46E08A05634D173FCAA4AAB65ADACFBA84227C23")
    assert public_key_hash(key) == expected
    assert certificate.public_key_hash == expected
    assert len(certificate.public_key_bytes) == 270


@pytest.mark.apple_source
def test_synthetic_p256_vectors_uncompressed_compressed_and_spki() -> None:
    """§D.2 synthetic P-256 vector: klbl hashes the 65-byte point; a certificate encoding the same key
    compressed gets another pkhh; the SPKI hash is a third value (SecCertificate.c / SecECKey.m)."""
    scalar = int.from_bytes(hashlib.sha256(b"keychainsim-demo-p256").digest(), "big") % P256_ORDER
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    key = SecKey._from_cryptography(private)
    assert public_key_hash(key).hex().upper() == "0BD15AA7AEFA86940735D69BC2BC716DAEEE059F"
    compressed = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    assert public_key_hash(compressed).hex().upper() == "A11B67AEAD73CF173B2EEEEBCC5116A43F1BD72A"
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert spki.startswith(bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200"))
    assert hashlib.sha1(spki).hexdigest().upper() == "B3C7467A454FC2E74DCA8AAA5E962D7A686B42A0"


@pytest.mark.model
def test_public_key_hash_rejects_other_types() -> None:
    """Our API: a wrong argument type is a TypeError naming the argument (style-anchors rule 4)."""
    with pytest.raises(TypeError, match="public_key"):
        public_key_hash("not a key")  # type: ignore[arg-type]
