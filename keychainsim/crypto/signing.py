"""SecKeyCreateSignature / SecKeyVerifySignature / SecKeyIsAlgorithmSupported for RSA and ECDSA.

Reference: keys-certs-identities.md §F. Apple sources: ``OSX/sec/Security/SecKeyAdaptors.m`` (the
algorithm strings and the adaptor chain: message → digest → raw), ``SecKey.m —
SecKeyRunAlgorithmAndCopyResult`` (an algorithm no adaptor of this key handles is -50
"algorithm not supported by the key"), ``SecECKey.m`` and ``SecRSAKey.c``.

What the adaptors do, and this module reproduces:

* "message" algorithms hash the input, then run the "digest" algorithm.
* ECDSA "digest-X962:SHAx" and "digest-RFC4754:SHAx" require an input of exactly the hash size
  (-50 "bad digest size"); "digest-X962" and "digest-RFC4754"/"RFC4754" take any digest, which
  ECDSA truncates to the order's bit length.
* X9.62 signatures are DER ``SEQUENCE {r, s}``; RFC 4754 ones are ``r‖s``, each padded to the
  coordinate size; an RFC 4754 signature of the wrong length fails verification (-67808).
* RSA PKCS#1 v1.5 builds the DigestInfo around whatever digest it is given; PSS uses MGF1 with the
  same hash and a salt as long as the hash, and needs a modulus of at least 2·8·hLen+9 bits (-50).
* RSA verification is a raw public-key operation followed by a comparison, so an RSA *private* key
  "supports" verify (si-40-seckey ``testsupportedalgos``) but never verifies a signature (-67808);
  an EC private key does not support verify at all (-50).
* A signature that does not match is ``(False, CFError -67808)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    NoDigestInfo,
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)

from keychainsim.constants import (
    kSecKeyOperationTypeDecrypt,
    kSecKeyOperationTypeEncrypt,
    kSecKeyOperationTypeKeyExchange,
    kSecKeyOperationTypeSign,
    kSecKeyOperationTypeVerify,
)
from keychainsim.crypto import der
from keychainsim.crypto.encryption import supports_encryption
from keychainsim.crypto.keyexchange import supports_key_exchange
from keychainsim.crypto.keys import SecKey
from keychainsim.errors import NotModeledError
from keychainsim.status import CFError, OSStatus

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "MD5": hashes.MD5,
    "SHA1": hashes.SHA1,
    "SHA224": hashes.SHA224,
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}

# DigestInfo AlgorithmIdentifier OIDs for EMSA-PKCS1-v1_5 (RFC 8017 §9.2 note 1).
_DIGEST_OIDS = {
    "MD5": "1.2.840.113549.2.5",
    "SHA1": "1.3.14.3.2.26",
    "SHA224": "2.16.840.1.101.3.4.2.4",
    "SHA256": "2.16.840.1.101.3.4.2.1",
    "SHA384": "2.16.840.1.101.3.4.2.2",
    "SHA512": "2.16.840.1.101.3.4.2.3",
}


@dataclass(frozen=True)
class SignatureAlgorithm:
    """One parsed ``algid:sign:...`` string.

    ``family`` is "RSA" or "ECDSA"; ``scheme`` one of "raw", "pkcs1", "pss", "x962", "rfc4754";
    ``input`` "message" (hash first), "digest" (exactly one hash long) or "any" (a raw digest);
    ``hash`` the hash name, None for raw forms.
    """

    name: str
    family: str
    scheme: str
    input: str
    hash: str | None

    def hash_algorithm(self) -> hashes.HashAlgorithm:
        assert self.hash is not None
        return _HASHES[self.hash]()


def _table() -> dict[str, SignatureAlgorithm]:
    table: dict[str, SignatureAlgorithm] = {}

    def add(name: str, family: str, scheme: str, kind: str, hash_name: str | None) -> None:
        table[name] = SignatureAlgorithm(name, family, scheme, kind, hash_name)

    add("algid:sign:RSA:raw", "RSA", "raw", "any", None)
    add("algid:sign:RSA:digest-PKCS1v15", "RSA", "pkcs1", "any", None)
    for h in ("MD5", "SHA1", "SHA224", "SHA256", "SHA384", "SHA512"):
        add(f"algid:sign:RSA:digest-PKCS1v15:{h}", "RSA", "pkcs1", "digest", h)
        add(f"algid:sign:RSA:message-PKCS1v15:{h}", "RSA", "pkcs1", "message", h)
    for h, salt in (("SHA1", 20), ("SHA224", 24), ("SHA256", 32), ("SHA384", 48), ("SHA512", 64)):
        add(f"algid:sign:RSA:digest-PSS:{h}:{h}:{salt}", "RSA", "pss", "digest", h)
        add(f"algid:sign:RSA:message-PSS:{h}:{h}:{salt}", "RSA", "pss", "message", h)
    add("algid:sign:ECDSA:RFC4754", "ECDSA", "rfc4754", "any", None)
    add("algid:sign:ECDSA:digest-RFC4754", "ECDSA", "rfc4754", "any", None)
    add("algid:sign:ECDSA:digest-X962", "ECDSA", "x962", "any", None)
    for h in ("SHA1", "SHA224", "SHA256", "SHA384", "SHA512"):
        for scheme, label in (("x962", "X962"), ("rfc4754", "RFC4754")):
            add(f"algid:sign:ECDSA:digest-{label}:{h}", "ECDSA", scheme, "digest", h)
            add(f"algid:sign:ECDSA:message-{label}:{h}", "ECDSA", scheme, "message", h)
    return table


ALGORITHMS: dict[str, SignatureAlgorithm] = _table()
"""Every RSA/ECDSA signature algorithm string Apple defines, parsed."""


class _Failure(Exception):
    def __init__(self, status: OSStatus, description: str) -> None:
        super().__init__(description)
        self.error = CFError.from_status(status, description)


def _not_supported(algorithm: str, key: SecKey) -> _Failure:
    return _Failure(OSStatus.errSecParam, f"{algorithm}: algorithm not supported by the key {key!r}")


def _family(key: SecKey) -> str:
    return "RSA" if isinstance(key.public_key_object(), rsa.RSAPublicKey) else "ECDSA"


def _pss_fits(key: SecKey, spec: SignatureAlgorithm) -> bool:
    hlen = spec.hash_algorithm().digest_size
    return key.key_size_in_bits >= 2 * 8 * hlen + 9


def SecKeyIsAlgorithmSupported(key: SecKey, operation: int, algorithm: str) -> bool:
    """Whether ``key`` can run ``algorithm`` for ``operation``, without running it.

    Encrypt and decrypt follow :mod:`keychainsim.crypto.encryption` (RSA only), key exchange
    :mod:`keychainsim.crypto.keyexchange` (EC private keys only).

    Raises:
        NotModeledError: for an operation that is not a SecKeyOperationType, and for ECIES /
            RSA-AES-GCM encryption algorithms.
    """
    if not isinstance(key, SecKey):
        raise TypeError(f"key: expected a SecKey, got {type(key).__name__}")
    if operation in (kSecKeyOperationTypeEncrypt, kSecKeyOperationTypeDecrypt):
        return supports_encryption(key, operation == kSecKeyOperationTypeEncrypt, algorithm)
    if operation == kSecKeyOperationTypeKeyExchange:
        return supports_key_exchange(key, algorithm)
    if operation not in (kSecKeyOperationTypeSign, kSecKeyOperationTypeVerify):
        raise NotModeledError(str(operation), "SecKeyIsAlgorithmSupported", "not a SecKeyOperationType (0 to 4)")
    spec = ALGORITHMS.get(algorithm)
    if spec is None or spec.family != _family(key):
        return False
    if operation == kSecKeyOperationTypeSign:
        return key.is_private and (spec.scheme != "pss" or _pss_fits(key, spec))
    return not key.is_private or spec.family == "RSA"


def SecKeyCreateSignature(key: SecKey, algorithm: str, data: bytes) -> tuple[bytes | None, CFError | None]:
    """Sign ``data`` with a private key; ``(signature, None)`` or ``(None, CFError)``.

    -50 when the key cannot run the algorithm (public key, wrong family, PSS on a too-small modulus)
    or the digest has the wrong size (si-40-seckey / si-41-sececkey ``testsignverify``).
    """
    if not isinstance(key, SecKey):
        raise TypeError(f"key: expected a SecKey, got {type(key).__name__}")
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"data: expected bytes, got {type(data).__name__}")
    try:
        spec = ALGORITHMS.get(algorithm)
        if spec is None or spec.family != _family(key) or not key.is_private:
            raise _not_supported(algorithm, key)
        digest = _digest_input(spec, bytes(data), algorithm)
        if spec.family == "RSA":
            return _rsa_sign(key, spec, digest, algorithm), None
        return _ecdsa_sign(key, spec, digest), None
    except _Failure as failure:
        return None, failure.error


def SecKeyVerifySignature(
    key: SecKey, algorithm: str, signed_data: bytes, signature: bytes
) -> tuple[bool, CFError | None]:
    """Verify ``signature`` over ``signed_data``; ``(True, None)`` or ``(False, CFError)``.

    -67808 errSecVerifyFailed when the signature does not match; -50 when the key cannot run the
    algorithm (EC private key, wrong family) or an exact-size digest has the wrong size.
    """
    if not isinstance(key, SecKey):
        raise TypeError(f"key: expected a SecKey, got {type(key).__name__}")
    for name, value in (("signed_data", signed_data), ("signature", signature)):
        if not isinstance(value, bytes | bytearray):
            raise TypeError(f"{name}: expected bytes, got {type(value).__name__}")
    try:
        spec = ALGORITHMS.get(algorithm)
        if spec is None or spec.family != _family(key):
            raise _not_supported(algorithm, key)
        if spec.family == "ECDSA" and key.is_private:
            raise _not_supported(algorithm, key)
        digest = _digest_input(spec, bytes(signed_data), algorithm)
        if spec.family == "RSA":
            ok = not key.is_private and _rsa_verify(key, spec, digest, bytes(signature))
            if not ok:
                raise _Failure(OSStatus.errSecVerifyFailed, "RSA signature verification failed, no match")
        else:
            _ecdsa_verify(key, spec, digest, bytes(signature))
        return True, None
    except _Failure as failure:
        return False, failure.error


# --- shared -----------------------------------------------------------------------------------------


def _digest_input(spec: SignatureAlgorithm, data: bytes, algorithm: str) -> bytes:
    """Hash a message, or check a digest's size where the algorithm fixes it."""
    if spec.input == "message":
        h = hashes.Hash(spec.hash_algorithm())
        h.update(data)
        return h.finalize()
    if spec.input == "digest" and spec.family == "ECDSA" and len(data) != spec.hash_algorithm().digest_size:
        raise _Failure(OSStatus.errSecParam, f"bad digest size for signing with algorithm {algorithm}")
    return data


# --- RSA --------------------------------------------------------------------------------------------


def _emsa_pkcs1(spec: SignatureAlgorithm, digest: bytes, k: int) -> bytes:
    """EMSA-PKCS1-v1_5 block ``00 01 FF.. 00 T``; -50 when it does not fit the modulus."""
    t = digest
    if spec.hash is not None:
        algorithm = der.sequence(der.oid(_DIGEST_OIDS[spec.hash]), der.null())
        t = der.sequence(algorithm, der.octet_string(digest))
    if len(t) + 11 > k:
        raise _Failure(OSStatus.errSecParam, "RSAsign wrong input data length")
    return b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


def _rsa_sign(key: SecKey, spec: SignatureAlgorithm, digest: bytes, algorithm: str) -> bytes:
    private = key.cryptography_key()
    assert isinstance(private, rsa.RSAPrivateKey)
    k = key.block_size
    if spec.scheme == "raw":
        value = int.from_bytes(digest, "big")
        numbers = private.private_numbers()
        if len(digest) > k or value >= numbers.public_numbers.n:
            raise _Failure(OSStatus.errSecParam, "RSA raw signing input is not smaller than the modulus")
        return pow(value, numbers.d, numbers.public_numbers.n).to_bytes(k, "big")
    if spec.scheme == "pkcs1":
        block = _emsa_pkcs1(spec, digest, k)
        return private.sign(block[block.index(b"\x00", 2) + 1 :], padding.PKCS1v15(), NoDigestInfo())
    if not _pss_fits(key, spec):
        raise _Failure(
            OSStatus.errSecParam, f"algorithm {algorithm} incompatible with {key.key_size_in_bits}bit RSA key"
        )
    h = spec.hash_algorithm()
    if len(digest) != h.digest_size:
        raise _Failure(OSStatus.errSecParam, "RSASSA-PSS incompatible algorithm for key size")
    return private.sign(digest, padding.PSS(padding.MGF1(h), h.digest_size), Prehashed(h))


def _rsa_verify(key: SecKey, spec: SignatureAlgorithm, digest: bytes, signature: bytes) -> bool:
    public = key.public_key_object()
    assert isinstance(public, rsa.RSAPublicKey)
    numbers = public.public_numbers()
    k = key.block_size
    value = int.from_bytes(signature, "big")
    if value >= numbers.n:
        return False
    if spec.scheme == "pss":
        h = spec.hash_algorithm()
        if len(digest) != h.digest_size:
            return False
        try:
            public.verify(value.to_bytes(k, "big"), digest, padding.PSS(padding.MGF1(h), h.digest_size), Prehashed(h))
        except InvalidSignature:
            return False
        return True
    decrypted = pow(value, numbers.e, numbers.n).to_bytes(k, "big")
    if spec.scheme == "raw":
        return decrypted.lstrip(b"\x00") == digest
    try:
        return decrypted == _emsa_pkcs1(spec, digest, k)
    except _Failure:
        return False


# --- ECDSA ------------------------------------------------------------------------------------------

_PREHASH_BY_SIZE = {
    20: hashes.SHA1,
    28: hashes.SHA224,
    32: hashes.SHA256,
    48: hashes.SHA384,
    64: hashes.SHA512,
}


def _ecdsa_prehashed(curve: ec.EllipticCurve, digest: bytes) -> tuple[bytes, hashes.HashAlgorithm]:
    """Re-express an arbitrary-length digest as one of a size ``cryptography`` accepts.

    ECDSA uses the leftmost ``bitlen(n)`` bits of the digest (X9.62 / SEC1 §4.1.3 step 5). Encoding
    that same integer in a hash-sized buffer gives the identical signature equation.
    """
    size = len(digest)
    if size in _PREHASH_BY_SIZE:
        return digest, _PREHASH_BY_SIZE[size]()
    nbits = curve.key_size
    value = int.from_bytes(digest, "big")
    if 8 * size > nbits:
        value >>= 8 * size - nbits
    for hash_size, hash_type in sorted(_PREHASH_BY_SIZE.items()):
        bits = 8 * hash_size
        if bits >= nbits:
            return (value << (bits - nbits)).to_bytes(hash_size, "big"), hash_type()
        if value.bit_length() <= bits:
            return value.to_bytes(hash_size, "big"), hash_type()
    raise NotModeledError("digest-X962", "SecKeyCreateSignature", f"a {size}-byte raw digest on {curve.name}")


def _ecdsa_sign(key: SecKey, spec: SignatureAlgorithm, digest: bytes) -> bytes:
    private = key.cryptography_key()
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    prehashed, hash_type = _ecdsa_prehashed(private.curve, digest)
    signature = private.sign(prehashed, ec.ECDSA(Prehashed(hash_type)))
    if spec.scheme == "x962":
        return signature
    r, s = decode_dss_signature(signature)
    size = key.block_size
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _ecdsa_verify(key: SecKey, spec: SignatureAlgorithm, digest: bytes, signature: bytes) -> None:
    public = key.public_key_object()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    if spec.scheme == "rfc4754":
        size = key.block_size
        if len(signature) != 2 * size:
            raise _Failure(OSStatus.errSecVerifyFailed, "Wrong ECDSA RFC4754 signature")
        signature = encode_dss_signature(
            int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        )
    prehashed, hash_type = _ecdsa_prehashed(public.curve, digest)
    try:
        public.verify(signature, prehashed, ec.ECDSA(Prehashed(hash_type)))
    except (InvalidSignature, ValueError):
        raise _Failure(OSStatus.errSecVerifyFailed, "EC signature verification failed, no match") from None
