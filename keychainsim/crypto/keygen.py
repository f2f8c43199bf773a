"""SecKeyCreateRandomKey's parameter rules: what is generated, what is stored, in which order.

Reference: keys-certs-identities.md §A.1–A.6; Apple source ``OSX/sec/Security/SecKey.m —
SecKeyCreateRandomKey, merge_params, getBoolForKey, add_key``, ``SecRSAKey.c —
SecRSAKeyGeneratePair``, ``SecECKey.m — SecECKeyGeneratePair``, ``SecCTKKey.m —
SecCTKKeyCreateRandomKey``.

The engine's ``Keychain.SecKeyCreateRandomKey(parameters)`` calls :func:`create_random_key` with its
own ``SecItemAdd``; this module owns the parameter semantics and never touches a store.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from math import gcd

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from keychainsim.constants import (
    kSecAttrAccessControl,
    kSecAttrIsPermanent,
    kSecAttrKeySizeInBits,
    kSecAttrKeyType,
    kSecAttrKeyTypeEC,
    kSecAttrKeyTypeRSA,
    kSecAttrTokenID,
    kSecAttrTokenIDSecureEnclave,
    kSecPrivateKeyAttrs,
    kSecPublicKeyAttrs,
    kSecValueRef,
)
from keychainsim.crypto.keys import CURVES_BY_SIZE, SecKey, SecKeyCopyAttributes, SecKeyCopyPublicKey
from keychainsim.errors import NotModeledError
from keychainsim.status import CFError, OSStatus

MIN_RSA_BITS = 512
MAX_RSA_BITS = 8192
"""``SecRSAPrivateKeyInit`` bounds (``kMaximumRSAKeyBits``); §A.2."""

DEFAULT_BITS = {kSecAttrKeyTypeEC: 256, kSecAttrKeyTypeRSA: 2048}
"""Sizes a tool offers when the user names none: P-256, and the RSA size Apple's own samples use."""


def size_problem(key_type: str, bits: int) -> str | None:
    """Why ``SecKeyCreateRandomKey`` would refuse ``bits`` for ``key_type`` with -50 (§A.2), in words a
    command-line user can act on; None when the size is generated."""
    if key_type == kSecAttrKeyTypeEC and bits not in CURVES_BY_SIZE:
        return f"an EC key is {', '.join(str(b) for b in CURVES_BY_SIZE)} bits, not {bits}"
    if key_type == kSecAttrKeyTypeRSA and not MIN_RSA_BITS <= bits <= MAX_RSA_BITS:
        return f"an RSA key is {MIN_RSA_BITS} to {MAX_RSA_BITS} bits, not {bits}"
    return None


_KEY_ONLY_FLAGS = ("applepay", "osbound", "sealedhashesbound")
"""kSecKeyApplePayEnabled, kSecKeyOSBound, kSecKeySealedHashesBound: removed by ``add_key``."""

AddFunction = Callable[[dict[str, object]], int]


def merge_params(parameters: Mapping[str, object], sub_key: str) -> dict[str, object]:
    """The per-key dictionary (``merge_params``): sub-dictionary first, then every top-level entry it
    does not already have (sub-dictionary values win), minus the top-level-only keys (§A.1)."""
    sub = parameters.get(sub_key)
    merged: dict[str, object] = dict(sub) if isinstance(sub, Mapping) else {}
    for name, value in parameters.items():
        merged.setdefault(name, value)
    for name in (kSecPublicKeyAttrs, kSecPrivateKeyAttrs, kSecAttrKeyType, kSecAttrKeySizeInBits):
        merged.pop(name, None)
    return merged


def get_bool(attributes: Mapping[str, object], name: str, default: bool) -> bool:
    """``getBoolForKey``: only a real boolean counts; ``1`` or ``"true"`` is logged and ignored (§A.1.4)."""
    value = attributes.get(name)
    return value if isinstance(value, bool) else default


def get_int_value(value: object) -> int:
    """``getIntValue``: a number, or a string read like ``CFStringGetIntValue``; anything else -1."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        text = value.lstrip()
        sign = -1 if text.startswith("-") else 1
        text = text[1:] if text[:1] in "+-" else text
        digits = len(text) - len(text.lstrip("0123456789"))
        return sign * int(text[:digits]) if digits else 0
    return -1


def create_random_key(parameters: Mapping[str, object], add: AddFunction) -> tuple[SecKey | None, CFError | None]:
    """``SecKeyCreateRandomKey``: generate a key pair and store the halves the parameters ask for.

    Args:
        parameters: the caller's dictionary (top level, ``kSecPrivateKeyAttrs``, ``kSecPublicKeyAttrs``).
        add: the keychain's ``SecItemAdd`` for one item, returning an OSStatus; called with
            ``{**per-key dictionary, kSecValueRef: key}``, public key first.

    Returns:
        ``(private key, None)`` on success. A bad size gives ``(None, CFError -50 "failed to generate
        key")`` (§A.5); a failed add gives ``(None, CFError <add status>)`` — a public key added before
        a failing private add stays stored. A missing or unknown ``kSecAttrKeyType`` gives
        ``(None, None)``: Apple writes a -50 error and then overwrites it with the NULL local error
        (``_SecKeyErrorPropagate``), so a Swift ``error!`` crashes there (§A.5, inferred from code).
        The key type is compared with ``CFEqual``: the *string* "73"/"42"; a number 73 is unknown.

    Raises:
        NotModeledError: for Ed25519/X25519/Ed448/X448/Kyber/ML-KEM/ML-DSA types and for token IDs
            other than the Secure Enclave.
    """
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters: expected a dict, got {type(parameters).__name__}")
    public_params = merge_params(parameters, kSecPublicKeyAttrs)
    private_params = merge_params(parameters, kSecPrivateKeyAttrs)
    key_type = parameters.get(kSecAttrKeyType)
    token_id = parameters.get(kSecAttrTokenID)

    public_key: SecKey | None = None
    if token_id is not None:
        private_key, error = _create_token_key(parameters, token_id)
        if private_key is None:
            return None, error
    elif key_type in (kSecAttrKeyTypeEC, kSecAttrKeyTypeRSA):
        private_key = _generate_software(key_type, get_int_value(parameters.get(kSecAttrKeySizeInBits)))
        if private_key is None:
            return None, CFError.from_status(OSStatus.errSecParam, "failed to generate key")
        public_key = SecKeyCopyPublicKey(private_key)
    elif isinstance(key_type, str) and key_type in {"105", "106", "107", "108", "109", "110", "111"}:
        raise NotModeledError(key_type, "SecKeyCreateRandomKey", "only RSA (42) and EC (73) keys are modelled")
    else:
        return None, None

    if get_bool(public_params, kSecAttrIsPermanent, False):
        public_params.pop(kSecAttrTokenID, None)
        if public_key is None:
            public_key = SecKeyCopyPublicKey(private_key)
        assert public_key is not None
        error = _add_key(public_key, public_params, add)
        if error is not None:
            return None, error
    if _permanent(private_params):
        error = _add_key(private_key, private_params, add)
        if error is not None:
            return None, error
    return private_key, None


def _permanent(private_params: Mapping[str, object]) -> bool:
    """Whether the private key goes to the keychain: kSecAttrIsPermanent as a real boolean, defaulting to
    true for token keys (the enclave key exists only as a keychain item)."""
    return get_bool(private_params, kSecAttrIsPermanent, kSecAttrTokenID in private_params)


def stores_private_key(parameters: Mapping[str, object]) -> bool:
    """Whether a successful ``SecKeyCreateRandomKey(parameters)`` stored its private key: the rule
    :func:`create_random_key` applies, for readers of a call's history (``explain``)."""
    return isinstance(parameters, Mapping) and _permanent(merge_params(parameters, kSecPrivateKeyAttrs))


def _add_key(key: SecKey, attributes: dict[str, object], add: AddFunction) -> CFError | None:
    """``add_key``: the per-key dictionary plus ``kSecValueRef``, minus SecKey-only flags, and minus the
    caller's access control when the key already carries one (token keys)."""
    item = dict(attributes)
    item[kSecValueRef] = key
    if kSecAttrAccessControl in SecKeyCopyAttributes(key):
        item.pop(kSecAttrAccessControl, None)
    for name in _KEY_ONLY_FLAGS:
        item.pop(name, None)
    status = add(item)
    if status != 0:
        try:
            status = OSStatus(status)
        except ValueError:
            return CFError(code=int(status), description=f"failed to add key to keychain: {key!r}")
        return CFError.from_status(status, f"failed to add key to keychain: {key!r}")
    return None


def _create_token_key(parameters: Mapping[str, object], token_id: object) -> tuple[SecKey | None, CFError | None]:
    """``SecCTKKeyCreateRandomKey``: the private sub-dictionary, overwritten by every top-level entry
    (top level wins here, §A.6); the Secure Enclave makes only 256-bit EC keys.

    The enclave's refusal of another type or size is not in Apple's open source; it surfaces as a
    CryptoTokenKit error mapped to -50 (errSecParam), per the CTK→OSStatus mapping of §0.3 (inferred).
    """
    if token_id != kSecAttrTokenIDSecureEnclave:
        raise NotModeledError(
            kSecAttrTokenID, "SecKeyCreateRandomKey", f"only {kSecAttrTokenIDSecureEnclave!r} is modelled"
        )
    sub = parameters.get(kSecPrivateKeyAttrs)
    token_attrs: dict[str, object] = dict(sub) if isinstance(sub, Mapping) else {}
    token_attrs.update({k: v for k, v in parameters.items() if k not in (kSecPrivateKeyAttrs, kSecPublicKeyAttrs)})
    key_type = token_attrs.get(kSecAttrKeyType)
    size = token_attrs.get(kSecAttrKeySizeInBits, 256)
    if str(key_type) != kSecAttrKeyTypeEC or get_int_value(size) != 256:
        return None, CFError.from_status(
            OSStatus.errSecParam,
            "Failed to generate keypair: the Secure Enclave supports only 256-bit EC keys",
        )
    private = ec.generate_private_key(ec.SECP256R1())
    return SecKey._secure_enclave(private, token_attrs.get(kSecAttrAccessControl)), None


def _generate_software(key_type: str, size: int) -> SecKey | None:
    if key_type == kSecAttrKeyTypeEC:
        curve = CURVES_BY_SIZE.get(size)
        return SecKey._from_cryptography(ec.generate_private_key(curve)) if curve else None
    if not MIN_RSA_BITS <= size <= MAX_RSA_BITS:
        return None
    return SecKey._from_cryptography(generate_rsa_private_key(size))


def generate_rsa_private_key(bits: int) -> rsa.RSAPrivateKey:
    """An RSA key with a modulus of exactly ``bits`` bits and e = 65537 (§A.2).

    ``cryptography`` refuses to generate keys under 1024 bits, while Apple generates 512–1023-bit keys
    (si-40-seckey uses 768); those sizes are built here from two random probable primes and loaded
    through ``RSAPrivateNumbers``. Never use them for anything but simulation.
    """
    if bits >= 1024:
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)
    e = 65537
    while True:
        p = _random_prime(bits - bits // 2, e)
        q = _random_prime(bits // 2, e)
        n = p * q
        if p != q and n.bit_length() == bits:
            break
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(e, n),
    )
    return numbers.private_key()


def _random_prime(bits: int, e: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (0b11 << (bits - 2)) | 1
        if gcd(candidate - 1, e) == 1 and _probably_prime(candidate):
            return candidate


def _probably_prime(n: int, rounds: int = 40) -> bool:
    """Miller–Rabin with random bases."""
    if n < 4:
        return n in (2, 3)
    for small in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % small == 0:
            return n == small
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True
