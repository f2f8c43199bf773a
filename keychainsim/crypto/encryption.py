"""SecKeyCreateEncryptedData / SecKeyCreateDecryptedData / SecKeyGetBlockSize / SecRandomCopyBytes (RSA).

Apple sources: ``OSX/sec/Security/SecKeyAdaptors.m`` (the ``algid:encrypt:RSA:*`` strings and
``SecKeyRSACopyEncryptedWithPadding`` / ``SecKeyRSACopyDecryptedWithPadding``), ``SecRSAKey.c``
(which raw operation each key class performs) and ``SecKey.m — SecKeyRunAlgorithmAndCopyResult``.

What those adaptors do, and this module reproduces:

* Encryption pads (PKCS#1 v1.5 EME, or OAEP with MGF1 over the same hash and an empty label), then
  runs the raw RSA operation of the key. An RSA *public* key performs the raw public operation for
  both encrypt and decrypt (``SecRSAKey.c`` public ``copyOperationResult``), an RSA *private* key only
  for decrypt. So a private key cannot encrypt (-50 "algorithm not supported by the key"), while a
  public key "supports" decrypt but its result never unpads (-50 "RSAdecrypt wrong input").
* The modulus must hold the padding: at least 11 bytes for PKCS#1, ``2·hLen+2`` for OAEP; a smaller
  key does not support the algorithm (-50).
* A plaintext too long for the padding is -50 "RSAencrypt wrong input size"; a ciphertext that does
  not unpad (tampered, wrong key) is -50 "RSAdecrypt wrong input".
* Every error is an ``NSOSStatusErrorDomain`` CFError with code errSecParam (-50).

ECIES (``eciesEncryption*``) and the RSA OAEP+AES-GCM hybrids are not modelled: passing one raises
:class:`NotModeledError` rather than pretending.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from keychainsim.crypto.keys import SecKey
from keychainsim.errors import NotModeledError
from keychainsim.status import CFError, OSStatus

ENCRYPTION_HASHES: dict[str, type[hashes.HashAlgorithm] | None] = {
    "algid:encrypt:RSA:PKCS1": None,
    "algid:encrypt:RSA:OAEP:SHA1": hashes.SHA1,
    "algid:encrypt:RSA:OAEP:SHA224": hashes.SHA224,
    "algid:encrypt:RSA:OAEP:SHA256": hashes.SHA256,
    "algid:encrypt:RSA:OAEP:SHA384": hashes.SHA384,
    "algid:encrypt:RSA:OAEP:SHA512": hashes.SHA512,
}
"""Every modelled encryption algorithm string → the OAEP hash (None: PKCS#1 v1.5), from SecKeyAdaptors.m."""

_NOT_MODELLED_PREFIXES = ("algid:encrypt:ECIES:", "algid:encrypt:RSA:raw", "algid:encrypt:RSA:OAEP:SHA")


def _is_rsa(key: SecKey) -> bool:
    return isinstance(key.public_key_object(), rsa.RSAPublicKey)


def _check_modelled(algorithm: str, function: str) -> None:
    if algorithm not in ENCRYPTION_HASHES and algorithm.startswith(_NOT_MODELLED_PREFIXES):
        raise NotModeledError(algorithm, function, "only RSA PKCS#1 and OAEP (SHA1..SHA512) encryption are modelled")


def _padding(algorithm: str) -> padding.AsymmetricPadding:
    hash_type = ENCRYPTION_HASHES[algorithm]
    if hash_type is None:
        return padding.PKCS1v15()
    return padding.OAEP(mgf=padding.MGF1(hash_type()), algorithm=hash_type(), label=None)


def _minimum_block(algorithm: str) -> int:
    """Smallest modulus in bytes that holds the padding (SecKeyRSACopyEncryptedWithPadding's minSize)."""
    hash_type = ENCRYPTION_HASHES[algorithm]
    return 11 if hash_type is None else 2 * hash_type().digest_size + 2


def supports_encryption(key: SecKey, operation_is_encrypt: bool, algorithm: str) -> bool:
    """SecKeyIsAlgorithmSupported for encrypt (True) or decrypt (False); see the module docstring."""
    _check_modelled(algorithm, "SecKeyIsAlgorithmSupported")
    if algorithm not in ENCRYPTION_HASHES or not _is_rsa(key) or key.block_size < _minimum_block(algorithm):
        return False
    return not (operation_is_encrypt and key.is_private)


def _unsupported(algorithm: str, key: SecKey) -> CFError:
    return CFError.from_status(OSStatus.errSecParam, f"{algorithm}: algorithm not supported by the key {key!r}")


def _check_args(key: object, algorithm: object, data: object, name: str) -> None:
    if not isinstance(key, SecKey):
        raise TypeError(f"key: expected a SecKey, got {type(key).__name__}")
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm: expected a SecKeyAlgorithm string, got {type(algorithm).__name__}")
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"{name}: expected bytes, got {type(data).__name__}")


def SecKeyCreateEncryptedData(key: SecKey, algorithm: str, plaintext: bytes) -> tuple[bytes | None, CFError | None]:
    """Encrypt ``plaintext`` with an RSA public key; ``(ciphertext, None)`` or ``(None, CFError -50)``.

    The ciphertext is exactly ``SecKeyGetBlockSize(key)`` bytes. Raises NotModeledError for ECIES.
    """
    _check_args(key, algorithm, plaintext, "plaintext")
    _check_modelled(algorithm, "SecKeyCreateEncryptedData")
    if not supports_encryption(key, True, algorithm):
        return None, _unsupported(algorithm, key)
    public = key.public_key_object()
    assert isinstance(public, rsa.RSAPublicKey)
    try:
        return public.encrypt(bytes(plaintext), _padding(algorithm)), None
    except ValueError:
        return None, CFError.from_status(OSStatus.errSecParam, "RSAencrypt wrong input size")


def SecKeyCreateDecryptedData(key: SecKey, algorithm: str, ciphertext: bytes) -> tuple[bytes | None, CFError | None]:
    """Decrypt ``ciphertext`` with an RSA private key; ``(plaintext, None)`` or ``(None, CFError -50)``.

    A public key runs the raw public operation (SecRSAKey.c), whose output never unpads: -50.
    """
    _check_args(key, algorithm, ciphertext, "ciphertext")
    _check_modelled(algorithm, "SecKeyCreateDecryptedData")
    if not supports_encryption(key, False, algorithm):
        return None, _unsupported(algorithm, key)
    wrong_input = CFError.from_status(OSStatus.errSecParam, "RSAdecrypt wrong input")
    data = bytes(ciphertext)
    if not key.is_private:
        return None, wrong_input
    private = key.cryptography_key()
    assert isinstance(private, rsa.RSAPrivateKey)
    if len(data) > key.block_size or int.from_bytes(data, "big") >= private.public_key().public_numbers().n:
        return None, CFError.from_status(OSStatus.errSecParam, "rsa_priv_crypt failed")
    try:
        return private.decrypt(data.rjust(key.block_size, b"\x00"), _padding(algorithm)), None
    except ValueError:
        return None, wrong_input


def SecKeyGetBlockSize(key: SecKey) -> int:
    """Modulus bytes for RSA (``ccrsa_block_size``), coordinate bytes for EC (``ccec_ctx_size``)."""
    if not isinstance(key, SecKey):
        raise TypeError(f"key: expected a SecKey, got {type(key).__name__}")
    return key.block_size


def SecRandomCopyBytes(rnd: object, count: int) -> tuple[int, bytes]:
    """``(0, count random bytes)`` from the OS CSPRNG; pass kSecRandomDefault (None) as ``rnd``.

    Any other ``rnd`` also means the default generator, as on a device: SecRandom.h says "If rnd is
    unrecognized or unsupported, kSecRandomDefault is used", SecRandom.c ignores it, and
    si-50-secrandom.c expects success for a made-up one. Swift's form writes into a buffer and returns
    the status; Python returns the bytes beside it.
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"count: expected a non-negative int, got {count!r}")
    return 0, os.urandom(count)
