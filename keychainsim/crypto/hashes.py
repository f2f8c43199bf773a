"""The public-key hash behind ``klbl`` and ``pkhh``: the one function that pairs keys and certificates.

keys-certs-identities.md §C.1 and §D.1: a key's application label (``kSecAttrApplicationLabel``,
``klbl``) is SHA-1 of Apple's canonical public-key bytes — DER PKCS#1 ``RSAPublicKey`` for RSA, the
X9.63 uncompressed point ``04‖X‖Y`` for EC [R: OSX/sec/Security/SecKey.m —
SecKeyCopyAttributeDictionaryWithLocalKey]. A certificate's ``kSecAttrPublicKeyHash`` (``pkhh``) is
SHA-1 of the subjectPublicKey BIT STRING contents *as the certificate encodes them* [R:
OSX/sec/Security/SecCertificate.c — SecCertificateCopyPublicKeySHA1Digest]. For a canonically
encoded certificate the two coincide, which is how ``SecItemCopyMatching(kSecClassIdentity)`` pairs a
certificate with its private key; for a compressed EC point or a non-minimal RSA INTEGER they do not
(§D.3). Hence one function with two inputs: a key (hash its canonical bytes) or the bytes themselves
(hash them verbatim). Never SHA-256, never the whole SubjectPublicKeyInfo (style-anchors rule 11).
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


class HashableKey(Protocol):
    """What a :class:`~keychainsim.crypto.keys.SecKey` offers this module (named structurally, so that the
    keys module can use the hash without the two importing each other)."""

    def public_bytes_for_hash(self) -> bytes: ...


PublicKeyLike = (
    HashableKey | rsa.RSAPublicKey | rsa.RSAPrivateKey | ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey | bytes
)


def canonical_public_bytes(public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> bytes:
    """Apple's public-key bytes: minimal DER PKCS#1 (RSA) or the uncompressed X9.63 point (EC).

    These are also what ``SecKeyCopyExternalRepresentation`` returns for a public key (§E.1).
    """
    if isinstance(public_key, rsa.RSAPublicKey):
        return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    raise TypeError(f"public_key: expected an RSA or EC key, got {type(public_key).__name__}")


def public_key_hash(public_key: PublicKeyLike) -> bytes:
    """SHA-1 of a public key's bytes: the 20-byte ``klbl`` of a key and ``pkhh`` of a certificate.

    Args:
        public_key: a :class:`~keychainsim.crypto.keys.SecKey` (public or private: both halves of a
            pair hash the same), a ``cryptography`` RSA/EC key, or ``bytes`` — the encoded public key
            exactly as a certificate's BIT STRING carries it, hashed verbatim.

    Raises:
        TypeError: for any other kind of key.
    """
    if isinstance(public_key, bytes | bytearray | memoryview):
        return hashlib.sha1(bytes(public_key)).digest()
    if isinstance(public_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        public_key = public_key.public_key()
    if isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return hashlib.sha1(canonical_public_bytes(public_key)).digest()
    public_bytes = getattr(public_key, "public_bytes_for_hash", None)
    if callable(public_bytes):
        return hashlib.sha1(public_bytes()).digest()
    raise TypeError(f"public_key: expected a SecKey, an RSA/EC key or bytes, got {type(public_key).__name__}")
