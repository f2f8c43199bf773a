"""The seed enrollment flow, as test helpers: a key, a certificate issued for it, the identity query.

Certificates are issued with ``cryptography`` for the simulated key, as any real CA would; nothing here
is a claim about Apple's behaviour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from keychainsim.constants import *
from keychainsim.crypto import (
    SecCertificateCreateWithData,
    SecKeyCopyExternalRepresentation,
    SecKeyCopyPublicKey,
)

TAG = b"com.example.enrollment.key"
LABEL = "com.example.client-identity"
START = datetime(2026, 1, 1, tzinfo=UTC)


def _name(cn: str, org: str = "keychainsim tests") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def issue(
    public_x963: bytes,
    *,
    subject: str = "device-1",
    issuer: x509.Name | None = None,
    issuer_key: ec.EllipticCurvePrivateKey | None = None,
    serial: int = 4242,
) -> bytes:
    """A DER certificate for an uncompressed P-256 point, signed by ``issuer_key`` (a fresh CA by default)."""
    ca_key = issuer_key or ec.generate_private_key(ec.SECP256R1())
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_x963)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer or _name("Test Issuing CA"))
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=365))
        .sign(ca_key, hashes.SHA256())
    )
    return cert.public_bytes(Encoding.DER)


def key_params(**private_extra: object) -> dict:
    return {
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: TAG, **private_extra},
    }


def public_point(key) -> bytes:
    data, error = SecKeyCopyExternalRepresentation(SecKeyCopyPublicKey(key))
    assert error is None
    return data


IDENTITY_QUERY = {
    kSecClass: kSecClassIdentity,
    kSecAttrLabel: LABEL,
    kSecReturnRef: True,
    kSecMatchLimit: kSecMatchLimitOne,
}


def enroll(kc, *, params=None, cert_for=None, label_on="cert", cert_extra=None):
    """Run the seed flow; returns (private key, certificate ref, add status)."""
    key, error = kc.SecKeyCreateRandomKey(params or key_params())
    assert error is None
    certificate = SecCertificateCreateWithData(issue(public_point(cert_for or key)))
    add = {kSecClass: kSecClassCertificate, kSecValueRef: certificate, **(cert_extra or {})}
    if label_on == "cert":
        add[kSecAttrLabel] = LABEL
    status, _ = kc.SecItemAdd(add)
    if label_on == "key":
        assert kc.SecItemUpdate({kSecClass: kSecClassKey, kSecAttrApplicationTag: TAG}, {kSecAttrLabel: LABEL}) == 0
    return key, certificate, status
