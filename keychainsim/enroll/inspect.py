"""What the keychain does not check but mTLS will: CA-ness, issuer links, validity, extended key usage.

The keychain forms an identity from any certificate whose public key hash matches a private key; a TLS
server then refuses it for reasons the keychain never looks at. These checks read the certificates with
``cryptography`` (tooling, not a model of an Apple call) so that enrollment can warn before the
handshake fails.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

ANY_EXTENDED_KEY_USAGE = x509.ObjectIdentifier("2.5.29.37.0")


def load(der: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def is_ca(certificate: x509.Certificate) -> bool:
    """basicConstraints cA=TRUE."""
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def subject_text(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def issuer_present(leaf: x509.Certificate, others: list[x509.Certificate]) -> bool:
    """True when the leaf is self-issued or one of ``others`` has the leaf's issuer as its subject."""
    if leaf.issuer == leaf.subject:
        return True
    return any(o.subject == leaf.issuer for o in others)


def validity_problem(certificate: x509.Certificate, now: datetime | None = None) -> str | None:
    """ "expired on ..." / "not valid before ..." or None."""
    now = now or datetime.now(UTC)
    if now > certificate.not_valid_after_utc:
        return f"expired on {certificate.not_valid_after_utc.isoformat()} (now {now.isoformat(timespec='seconds')})"
    if now < certificate.not_valid_before_utc:
        return f"not valid before {certificate.not_valid_before_utc.isoformat()}"
    return None


def extended_key_usages(certificate: x509.Certificate) -> list[str] | None:
    """The EKU names, or None when the certificate has no EKU extension (any usage allowed)."""
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    return [getattr(u, "_name", None) or u.dotted_string for u in usages]


def allows_client_auth(certificate: x509.Certificate) -> bool:
    try:
        usages = list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return True
    return ExtendedKeyUsageOID.CLIENT_AUTH in usages or ANY_EXTENDED_KEY_USAGE in usages
