"""Chain building and the Basic X.509 trust decision: one chain builder for kSecMatchTrustedOnly,
kSecMatchPolicy and SecTrust.

``SecItemServer.c: _FilterWithTrust()`` evaluates each candidate certificate with
``SecPolicyCreateBasicX509()`` and keeps it when the result is Proceed or Unspecified: the certificate
must chain, through certificates the trust engine can find, to a trusted anchor, every certificate
valid at the date and every issuer a CA whose signature verifies. A device's anchors are its root store
and the user's trust settings; a simulated device has neither of Apple's, so its anchors are the ones the
keychain is given (``Keychain(trust_anchors=[...])``), empty by default.

:func:`build_chain` is what trustd's path builder (``trust/trustd/SecPathBuilder.c``) is to
``SecTrustEvaluateWithError``: it returns the chain it settled on, leaf first, anchored or not, so a
caller can both decide trust and report which certificate failed which check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


def is_self_signed(der: bytes) -> bool:
    """Whether the certificate names itself as issuer and its own key verifies its signature: an
    unanchored chain that ends at one ends at an untrusted root (AnchorTrusted), one that ends anywhere
    else is missing an intermediate (``SecPolicyServer.c: SecPolicyCheckBasicCertificateProcessing``)."""
    cert = _load(der)
    return cert is not None and _issued_by(cert, cert)


@dataclass(frozen=True)
class Chain:
    """The chain the builder settled on: DER certificates leaf first, and whether its last one is a trusted
    anchor. Unanchored, it is the longest path the builder could find."""

    ders: tuple[bytes, ...]
    anchored: bool

    def all_valid_on(self, when: datetime) -> bool:
        return all((c := _load(der)) is not None and _valid_on(c, when) for der in self.ders)


def build_chain(leaf_der: bytes, others: Iterable[bytes], anchors: Iterable[bytes], when: datetime) -> Chain:
    """The best chain from ``leaf_der`` through ``others`` (CA certificates whose signatures verify) to one
    of ``anchors``.

    Among the paths found, an anchored path wins over an unanchored one, a path whose certificates are all
    valid at ``when`` over one with an expired member, and then the shorter anchored path (the longer
    unanchored one: it got further). That is the preference trustd's path builder applies when it picks the
    best path to report (``SecPathBuilder.c``: anchored, then valid, paths are accepted first).
    """
    anchor_set = dict.fromkeys(anchors)
    if leaf_der in anchor_set:
        return Chain((leaf_der,), True)
    leaf = _load(leaf_der)
    if leaf is None:
        return Chain((leaf_der,), False)
    anchor_certs = [(der, c) for der in anchor_set if (c := _load(der)) is not None]
    pool = [(der, c) for der in dict.fromkeys(others) if der not in anchor_set and (c := _load(der)) is not None]
    found: list[Chain] = []

    def walk(path: tuple[bytes, ...], cert: x509.Certificate) -> None:
        extended = False
        for der, anchor in anchor_certs:
            if _issued_by(cert, anchor):
                found.append(Chain((*path, der), True))
                extended = True
        if len(path) <= MAX_DEPTH:
            for der, issuer in pool:
                if der not in path and _is_ca(issuer) and _issued_by(cert, issuer):
                    walk((*path, der), issuer)
                    extended = True
        if not extended:
            found.append(Chain(path, False))

    walk((leaf_der,), leaf)

    def preference(chain: Chain) -> tuple[bool, bool, int]:
        length = len(chain.ders)
        return chain.anchored, chain.all_valid_on(when), -length if chain.anchored else length

    return max(found, key=preference)


def evaluate_basic_x509(
    leaf_der: bytes, intermediates: Iterable[bytes], anchors: Iterable[bytes], when: datetime
) -> tuple[bool, str]:
    """Whether ``leaf_der`` chains to one of ``anchors`` through ``intermediates``, valid at ``when``.

    Returns ``(trusted, reason)``; the reason says what failed, for explain.
    """
    leaf = _load(leaf_der)
    if leaf is None:
        return False, "the certificate data does not parse"
    if not _valid_on(leaf, when):
        return False, "the certificate is not valid at the evaluation date"
    anchors = tuple(anchors)
    chain = build_chain(leaf_der, intermediates, anchors, when)
    if chain.anchored and chain.all_valid_on(when):
        if len(chain.ders) == 1:
            return True, "the certificate is itself a trusted anchor"
        return True, "chains to a trusted anchor"
    if not anchors:
        return False, "the simulated device trusts no anchor (Keychain(trust_anchors=[...]))"
    if chain.anchored:
        return False, "its chain to a trusted anchor has a certificate not valid at the evaluation date"
    return False, "no chain to a trusted anchor through the certificates the keychain holds"
