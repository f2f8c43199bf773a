"""SecIdentity: a certificate paired with the private key for its public key.

Reference: keys-certs-identities.md §H.1, secitem-engine.md §H. Apple source:
``OSX/sec/Security/SecIdentity.c — SecIdentityCreate, SecIdentityCopyCertificate,
SecIdentityCopyPrivateKey``. In the keychain an identity is never stored: the engine joins a
certificate row with a key row on ``pkhh == klbl`` and builds the object with :meth:`SecIdentity._from_keychain`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from keychainsim.crypto.certificates import SecCertificate, SecCertificateCopyKey, SecCertificateCreateWithData
from keychainsim.crypto.keys import SecKey, SecKeyCopyPublicKey
from keychainsim.status import OSStatus


@dataclass(frozen=True, repr=False)
class SecIdentity:
    """An immutable SecIdentityRef. Equal when certificate and key are equal (``SecIdentityEqual``).

    Build with :func:`SecIdentityCreate` (which checks the pair) or, from keychain rows, with
    :meth:`_from_keychain`.
    """

    certificate: SecCertificate
    private_key: SecKey

    def __post_init__(self) -> None:
        if not isinstance(self.certificate, SecCertificate):
            raise TypeError(f"certificate: expected a SecCertificate, got {type(self.certificate).__name__}")
        if not isinstance(self.private_key, SecKey):
            raise TypeError(f"private_key: expected a SecKey, got {type(self.private_key).__name__}")

    def __repr__(self) -> str:
        return f"<SecIdentity certificate={self.certificate!r} key={self.private_key!r}>"

    def __rich_repr__(self) -> Any:
        yield "certificate", self.certificate
        yield "private_key", self.private_key

    @classmethod
    def _from_keychain(cls, cert_der: bytes, key_attrs: Mapping[str, object], cdsa: bool = False) -> SecIdentity | None:
        """The identity a joined (certificate, key) row pair stands for, or None.

        As ``SecItemCreateFromAttributeDictionary`` does for class ``idnt``: the certificate from its
        DER, the key from its row, then :func:`SecIdentityCreate` — which on OS 26 returns NULL when
        the key is not really the certificate's (secitem-engine.md §H.3 step 4, inferred). ``cdsa``: the
        rows are the macOS file-based keychain's.
        """
        certificate = SecCertificateCreateWithData(cert_der)
        key = SecKey._from_keychain(key_attrs, cdsa)
        if certificate is None or key is None:
            return None
        return SecIdentityCreate(certificate, key)


def keys_pair(certificate: SecCertificate, key: SecKey) -> bool:
    """OS 26's check: the key's public half exports to the same bytes as the certificate's key.

    A *public* key passes too (the check compares public halves only; §H.1, inferred).
    """
    certificate_key = SecCertificateCopyKey(certificate)
    public = SecKeyCopyPublicKey(key)
    return certificate_key is not None and public is not None and certificate_key == public


def SecIdentityCreate(certificate: SecCertificate, private_key: SecKey) -> SecIdentity | None:
    """An identity, or None when the key is not the certificate's (Security-61901 / OS 26 behaviour).

    [R: SecIdentity.c — SecIdentityCreate; si-42-identity.m — test_no_identity_for_mismatch_keys]
    Earlier systems did no check at all (§H.1).
    """
    if not isinstance(certificate, SecCertificate) or not isinstance(private_key, SecKey):
        return None
    if not keys_pair(certificate, private_key):
        return None
    return SecIdentity(certificate, private_key)


def SecIdentityCopyCertificate(identity: SecIdentity) -> tuple[OSStatus, SecCertificate]:
    """``(errSecSuccess, certificate)``: always succeeds (§H.1)."""
    if not isinstance(identity, SecIdentity):
        raise TypeError(f"identity: expected a SecIdentity, got {type(identity).__name__}")
    return OSStatus.errSecSuccess, identity.certificate


def SecIdentityCopyPrivateKey(identity: SecIdentity) -> tuple[OSStatus, SecKey]:
    """``(errSecSuccess, private key)``: always succeeds (§H.1)."""
    if not isinstance(identity, SecIdentity):
        raise TypeError(f"identity: expected a SecIdentity, got {type(identity).__name__}")
    return OSStatus.errSecSuccess, identity.private_key
