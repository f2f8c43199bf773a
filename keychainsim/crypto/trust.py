"""Trust evaluation with the Basic X.509 policy, for kSecMatchTrustedOnly.

``SecItemServer.c: _FilterWithTrust()`` evaluates each candidate certificate with
``SecPolicyCreateBasicX509()`` and keeps it when the result is Proceed or Unspecified: the certificate
must chain, through certificates the trust engine can find, to a trusted anchor, every certificate
valid now and every issuer a CA whose signature verifies. A device's anchors are its root store and the
user's trust settings; a simulated device has neither of Apple's, so its anchors are the ones the
keychain is given (``Keychain(trust_anchors=[...])``), empty by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature

MAX_DEPTH = 10


@lru_cache(maxsize=2048)
def _load(der: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def _valid_on(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return cert.version is x509.Version.v1  # a v1 certificate has no extensions and may issue


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def evaluate_basic_x509(
    leaf_der: bytes, intermediates: Iterable[bytes], anchors: Iterable[bytes], when: datetime
) -> tuple[bool, str]:
    """Whether ``leaf_der`` chains to one of ``anchors`` through ``intermediates``, valid at ``when``.

    Returns ``(trusted, reason)``; the reason says what failed, for explain.
    """
    leaf = _load(leaf_der)
    if leaf is None:
        return False, "the certificate data does not parse"
    anchor_set = {der for der in anchors}
    anchor_certs = [c for der in anchor_set if (c := _load(der)) is not None]
    pool = [c for der in set(intermediates) if der not in anchor_set and (c := _load(der)) is not None]
    if not _valid_on(leaf, when):
        return False, "the certificate is not valid at the evaluation date"
    if leaf_der in anchor_set:
        return True, "the certificate is itself a trusted anchor"

    def walk(cert: x509.Certificate, depth: int, seen: frozenset[bytes]) -> bool:
        if depth > MAX_DEPTH:
            return False
        for anchor in anchor_certs:
            if _issued_by(cert, anchor) and _valid_on(anchor, when):
                return True
        for issuer in pool:
            der = issuer.tbs_certificate_bytes
            if der in seen or not _issued_by(cert, issuer):
                continue
            if _is_ca(issuer) and _valid_on(issuer, when) and walk(issuer, depth + 1, seen | {der}):
                return True
        return False

    if walk(leaf, 0, frozenset({leaf.tbs_certificate_bytes})):
        return True, "chains to a trusted anchor"
    if not anchor_set:
        return False, "the simulated device trusts no anchor (Keychain(trust_anchors=[...]))"
    return False, "no chain to a trusted anchor through the certificates the keychain holds"
