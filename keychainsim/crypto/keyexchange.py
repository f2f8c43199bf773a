"""SecKeyCopyKeyExchangeResult: ECDH key agreement, raw or through the ANSI X9.63 KDF.

Apple sources: ``OSX/sec/Security/SecKey.m — SecKeyCopyKeyExchangeResult`` (the peer's public key goes
in as its external representation), ``SecECKey.m — SecECPrivateKeyCopyOperationResult`` (the raw
ECDH), ``SecKeyAdaptors.m — SecKeyECDHCopyX963Result`` (the KDF variants) and ``SecKey.m —
SecKeyRunAlgorithmAndCopyResult`` (an algorithm no adaptor of the key handles). Regression tests:
``si-41-sececkey.c`` / ``kc-41-sececkey.m`` ``testkeyexchange``.

What that code does, and this module reproduces, in this order:

1. ``SecKeyCopyExternalRepresentation(publicKey)``; its error is the call's error (a Secure Enclave
   private key passed as the peer's key cannot be exported: -4).
2. Only an EC *private* key performs key exchange (``SecECPublicKeyCopyOperationResult`` answers
   verify only; RSA keys have no ECDH operation): anything else is -50 "<algorithm>: algorithm not
   supported by the key <key>", naming the algorithm the caller asked for.
3. The curve comes from the length of the peer's ``04‖X‖Y`` (``getCPForPublicSize``); a length no
   curve has, or a point not on that curve, is -50 "ECpriv sharedsecret: bad public key". A peer on a
   different curve from the private key fails inside ``ccecdh_compute_shared_secret`` (its "sanity
   check the prime" returns CCERR_INTERNAL, -1): errSecDecode (-26275) "ECpriv failed to compute shared
   secret (err -1)".
4. Standard and Cofactor give the raw shared secret (the X coordinate, one coordinate long); NIST
   curves have cofactor 1, so both give the same bytes. They ignore ``parameters``.
5. The X963 variants then need ``kSecKeyKeyExchangeParameterRequestedSize`` as a number (a string or
   a missing value is -50 "kSecKeyKeyExchangeParameterRequestedSize is missing") and accept
   ``kSecKeyKeyExchangeParameterSharedInfo`` as data only (-50 "ECDHKeyExchange wrong sharedInfo type
   (must be CFData/NSData)"); the result is X9.63 KDF(hash, shared secret, shared info) of the
   requested size.

corecrypto is not in Security's source: the curve check is read from a published copy of
``ccec/src/ccecdh_compute_shared_secret.c``. The "bad public key" message of a point that does not
import ends in corecrypto's "(err N)" on a device; the model leaves that number out. A requested size
below 1 or above 1 MiB raises :class:`NotModeledError`: ``ccansikdf_x963`` does not guard a zero
length (its last round's copy size wraps), and a negative CFIndex is undefined there.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

from keychainsim.constants import kSecKeyKeyExchangeParameterRequestedSize, kSecKeyKeyExchangeParameterSharedInfo
from keychainsim.crypto.keys import SecKey, SecKeyCopyExternalRepresentation
from keychainsim.errors import NotModeledError
from keychainsim.status import CFError, OSStatus

KEY_EXCHANGE_KDF_HASHES: dict[str, type[hashes.HashAlgorithm] | None] = {
    "algid:keyexchange:ECDH": None,
    "algid:keyexchange:ECDHC": None,
    **{
        f"algid:keyexchange:{variant}:KDFX963:{name}": hash_type
        for variant in ("ECDH", "ECDHC")
        for name, hash_type in (
            ("SHA1", hashes.SHA1),
            ("SHA224", hashes.SHA224),
            ("SHA256", hashes.SHA256),
            ("SHA384", hashes.SHA384),
            ("SHA512", hashes.SHA512),
        )
    },
}
"""Every key-exchange algorithm string → the X9.63 KDF hash (None: the raw shared secret), SecKeyAdaptors.m."""

_CURVE_FOR_PUBLIC_SIZE: dict[int, ec.EllipticCurve] = {
    49: ec.SECP192R1(),
    57: ec.SECP224R1(),
    65: ec.SECP256R1(),
    97: ec.SECP384R1(),
    133: ec.SECP521R1(),
}
"""``getCPForPublicSize``: the length of an uncompressed ``04‖X‖Y`` point → its NIST curve."""

_LARGEST_REQUESTED_SIZE = 1 << 20


def supports_key_exchange(key: SecKey, algorithm: str) -> bool:
    """SecKeyIsAlgorithmSupported for kSecKeyOperationTypeKeyExchange: an EC private key and an ECDH algorithm."""
    return (
        algorithm in KEY_EXCHANGE_KDF_HASHES
        and key.is_private
        and isinstance(key.public_key_object(), ec.EllipticCurvePublicKey)
    )


def _param_error(description: str) -> tuple[None, CFError]:
    return None, CFError.from_status(OSStatus.errSecParam, description)


def _raw_shared_secret(private_key: SecKey, peer: bytes) -> tuple[bytes | None, CFError | None]:
    """SecECPrivateKeyCopyOperationResult's ECDH: the peer's curve from its length, then the X coordinate."""
    curve = _CURVE_FOR_PUBLIC_SIZE.get(len(peer))
    if curve is None:
        return _param_error("ECpriv sharedsecret: bad public key")
    try:
        peer_key = ec.EllipticCurvePublicKey.from_encoded_point(curve, peer)
    except ValueError:
        return _param_error("ECpriv sharedsecret: bad public key")
    private = private_key.cryptography_key()
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    if private.curve.name != curve.name:
        return None, CFError.from_status(OSStatus.errSecDecode, "ECpriv failed to compute shared secret (err -1)")
    return private.exchange(ec.ECDH(), peer_key), None


def _requested_size(parameters: Mapping[str, object]) -> int | None:
    """The requested size when it is a CFNumber that converts to CFIndex exactly (bools are CFBoolean)."""
    value = parameters.get(kSecKeyKeyExchangeParameterRequestedSize)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    size = int(value)
    if not 1 <= size <= _LARGEST_REQUESTED_SIZE:
        raise NotModeledError(
            kSecKeyKeyExchangeParameterRequestedSize,
            "SecKeyCopyKeyExchangeResult",
            f"a requested size of {size} bytes: the model derives 1 to {_LARGEST_REQUESTED_SIZE} bytes",
        )
    return size


def SecKeyCopyKeyExchangeResult(
    private_key: SecKey, algorithm: str, public_key: SecKey, parameters: Mapping[str, object]
) -> tuple[bytes | None, CFError | None]:
    """ECDH between ``private_key`` and the peer's ``public_key``; ``(result, None)`` or ``(None, CFError)``.

    See the module docstring for the steps and their errors. ``parameters`` is the CFDictionary of
    SecKeyKeyExchangeParameter keys (``{}`` for the raw variants, which ignore it).
    """
    if not isinstance(private_key, SecKey):
        raise TypeError(f"privateKey: expected a SecKey, got {type(private_key).__name__}")
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm: expected a SecKeyAlgorithm string, got {type(algorithm).__name__}")
    if not isinstance(public_key, SecKey):
        raise TypeError(f"publicKey: expected a SecKey, got {type(public_key).__name__}")
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters: expected a dictionary, got {type(parameters).__name__}")
    peer, error = SecKeyCopyExternalRepresentation(public_key)
    if error is not None:
        return None, error
    assert peer is not None
    if not supports_key_exchange(private_key, algorithm):
        return _param_error(f"{algorithm}: algorithm not supported by the key {private_key!r}")
    secret, error = _raw_shared_secret(private_key, peer)
    hash_type = KEY_EXCHANGE_KDF_HASHES[algorithm]
    if secret is None or hash_type is None:
        return secret, error
    size = _requested_size(parameters)
    if size is None:
        return _param_error("kSecKeyKeyExchangeParameterRequestedSize is missing")
    shared_info = parameters.get(kSecKeyKeyExchangeParameterSharedInfo)
    if shared_info is not None and not isinstance(shared_info, bytes | bytearray):
        return _param_error("ECDHKeyExchange wrong sharedInfo type (must be CFData/NSData)")
    kdf = X963KDF(algorithm=hash_type(), length=size, sharedinfo=bytes(shared_info) if shared_info else None)
    return kdf.derive(secret), None
