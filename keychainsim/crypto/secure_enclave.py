"""The simulated Secure Enclave: where an SE key's private scalar lives, and the blob that names it.

On a device an SE private key never leaves the enclave; the keychain row keeps only the token ID
``com.apple.setoken`` (``tkid``) and an opaque, enclave-wrapped key blob as the token object ID
(``toid``), from which ``SecKeyCreateWithData(nil, {tkid, toid})`` rebuilds a usable reference
[R: OSX/sec/Security/SecCTKKey.m — SecCTKKeyCopyAttributeDictionary; OSX/shared_regressions/
si-44-seckey-aks.m — secKeySepTest] (keys-certs-identities.md §A.6).

The simulator keeps the same shape: the private key is sealed with AES-256-GCM under a key that only
this module uses, so ``toid`` is opaque bytes in a dump, ``SecKeyCopyExternalRepresentation`` has
nothing to export, and a row copied into another simulator run still works. The wrapping key is a
fixed derivation, *not a secret*: this is a simulator, and no real key material ever goes through it.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_BLOB_MAGIC = b"ksim-se1"
_WRAPPING_KEY = hashlib.sha256(b"keychainsim simulated Secure Enclave wrapping key v1").digest()


def seal(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """The ``toid`` blob for an SE private key: magic, nonce, AES-GCM(wrapping key, PKCS#8 DER)."""
    nonce = os.urandom(12)
    plain = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _BLOB_MAGIC + nonce + AESGCM(_WRAPPING_KEY).encrypt(nonce, plain, _BLOB_MAGIC)


def unseal(blob: object) -> ec.EllipticCurvePrivateKey | None:
    """The private key a ``toid`` blob names, or None when the blob is not one this enclave made."""
    if not isinstance(blob, bytes | bytearray) or not bytes(blob).startswith(_BLOB_MAGIC):
        return None
    raw = bytes(blob)[len(_BLOB_MAGIC) :]
    try:
        plain = AESGCM(_WRAPPING_KEY).decrypt(raw[:12], raw[12:], _BLOB_MAGIC)
    except (InvalidTag, ValueError):
        return None
    key = serialization.load_der_private_key(plain, password=None)
    return key if isinstance(key, ec.EllipticCurvePrivateKey) else None
