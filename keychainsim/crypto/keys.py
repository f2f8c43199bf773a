"""SecKey: an RSA or EC key as Apple's Security framework presents it, backed by ``cryptography``.

Reference: keys-certs-identities.md §A.4 (attribute dictionary), §A.6 (Secure Enclave keys), §C
(application label), §E (external representations, ``SecKeyCreateWithData``, ``SecKeyCopyAttributes``)
and secitem-engine.md §D.3 (what a ``kSecValueRef`` key contributes to an add or a query).
Apple sources: ``OSX/sec/Security/SecKey.m``, ``SecRSAKey.c``, ``SecECKey.m``, ``SecCTKKey.m``.

Calling convention (api-contract.md): functions that fill a ``CFErrorRef *`` return
``(value, error)`` with ``error`` a :class:`~keychainsim.status.CFError` or None.
Signing and verification live in :mod:`keychainsim.crypto.signing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from keychainsim.constants import kSecAttrAccessControl as _ACCC
from keychainsim.constants import (
    kSecAttrApplicationLabel,
    kSecAttrCanDecrypt,
    kSecAttrCanDerive,
    kSecAttrCanEncrypt,
    kSecAttrCanSign,
    kSecAttrCanSignRecover,
    kSecAttrCanUnwrap,
    kSecAttrCanVerify,
    kSecAttrCanVerifyRecover,
    kSecAttrCanWrap,
    kSecAttrEffectiveKeySize,
    kSecAttrIsExtractable,
    kSecAttrIsModifiable,
    kSecAttrIsPermanent,
    kSecAttrIsPrivate,
    kSecAttrIsSensitive,
    kSecAttrKeyClass,
    kSecAttrKeyClassPrivate,
    kSecAttrKeyClassPublic,
    kSecAttrKeySizeInBits,
    kSecAttrKeyType,
    kSecAttrKeyTypeEC,
    kSecAttrKeyTypeRSA,
    kSecAttrTokenID,
    kSecAttrTokenIDSecureEnclave,
    kSecAttrTokenOID,
    kSecAttrWasAlwaysSensitive,
    kSecAttrWasNeverExtractable,
    kSecClass,
    kSecClassKey,
    kSecValueData,
)
from keychainsim.crypto import der, secure_enclave
from keychainsim.crypto.hashes import canonical_public_bytes, public_key_hash
from keychainsim.errors import NotModeledError
from keychainsim.status import CFError, OSStatus

CURVES_BY_SIZE: dict[int, ec.EllipticCurve] = {
    192: ec.SECP192R1(),
    224: ec.SECP224R1(),
    256: ec.SECP256R1(),
    384: ec.SECP384R1(),
    521: ec.SECP521R1(),
}
"""EC sizes ``SecKeyCreateRandomKey`` accepts, with their curves (§A.2: ``ccec_get_cp`` by size)."""

_KEY_TYPE_NAMES = {kSecAttrKeyTypeRSA: "RSA", kSecAttrKeyTypeEC: "EC"}

# Key types Apple defines for SecKeyCreateWithData that keychainsim does not model (SecKey.m switch).
_UNMODELLED_KEY_TYPES = {105, 106, 107, 108, 109, 110, 111}
# Types Apple routes to the EC decoder: ECSECPrimeRandomPKA, SE attestation types, DSA (a quirk), EC.
_EC_DECODER_TYPES = {2147483678, 2147483679, 2147483680, 43, 73}

_CAPABILITY_KEYS = (
    kSecAttrCanEncrypt,
    kSecAttrCanDecrypt,
    kSecAttrCanDerive,
    kSecAttrCanSign,
    kSecAttrCanVerify,
    kSecAttrCanSignRecover,
    kSecAttrCanVerifyRecover,
    kSecAttrCanWrap,
    kSecAttrCanUnwrap,
)


def _coordinate_size(curve: ec.EllipticCurve) -> int:
    return (curve.key_size + 7) // 8


@dataclass(frozen=True, eq=False, repr=False)
class SecKey:
    """An immutable SecKeyRef: a public key, a software private key, or a Secure Enclave private key.

    Equality is Apple's ``SecKeyEqual``: same key class (public/private, software/token) and same
    key material; two refs to one key are equal, whatever keychain row they came from. The row a key
    was read from (see :meth:`_from_keychain`) is kept in :attr:`keychain_row` for probes only.

    Build keys with :func:`SecKeyCreateWithData`, ``Keychain.SecKeyCreateRandomKey`` or
    :func:`SecKeyCopyPublicKey`; the constructor is internal.
    """

    _public: rsa.RSAPublicKey | ec.EllipticCurvePublicKey
    _private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None
    _token_id: str | None = None
    _token_object_id: bytes | None = None
    _access_control: object | None = None
    _row: Mapping[str, object] | None = field(default=None, compare=False)
    _cdsa: bool = field(default=False, compare=False)
    """The key lives in the macOS file-based keychain's CDSA implementation (``SecKeyIsCDSAKey``): made by
    SecKeyCreateRandomKey for that keychain, or read from it. The SecItem shim sends such a ref only to
    the file-based keychain and any other key only to the data protection one (``SecItemCategorizeQuery``)."""

    # --- construction -----------------------------------------------------------------------------

    @classmethod
    def _from_cryptography(cls, key: Any) -> SecKey:
        """Wrap a ``cryptography`` RSA/EC private or public key as a software SecKey."""
        if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            return cls(_public=key.public_key(), _private=key)
        if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            return cls(_public=key)
        raise TypeError(f"key: expected an RSA or EC key, got {type(key).__name__}")

    @classmethod
    def _secure_enclave(
        cls,
        private_key: ec.EllipticCurvePrivateKey,
        access_control: object | None = None,
        object_id: bytes | None = None,
    ) -> SecKey:
        """A Secure Enclave private key: P-256 only (§A.6), private material sealed in ``toid``."""
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError("the Secure Enclave holds only P-256 keys")
        return cls(
            _public=private_key.public_key(),
            _private=private_key,
            _token_id=kSecAttrTokenIDSecureEnclave,
            _token_object_id=object_id if object_id is not None else secure_enclave.seal(private_key),
            _access_control=access_control,
        )

    def _with_row(self, row: Mapping[str, object], cdsa: bool = False) -> SecKey:
        return SecKey(
            _public=self._public,
            _private=self._private,
            _token_id=self._token_id,
            _token_object_id=self._token_object_id,
            _access_control=self._access_control,
            _row=MappingProxyType(dict(row)),
            _cdsa=cdsa,
        )

    def _as_cdsa(self) -> SecKey:
        """The same key as the file-based keychain's implementation holds it."""
        return replace(self, _cdsa=True)

    # --- what the key is --------------------------------------------------------------------------

    @property
    def is_private(self) -> bool:
        return self._private is not None

    @property
    def key_class(self) -> str:
        """``kSecAttrKeyClassPrivate`` ("1") or ``kSecAttrKeyClassPublic`` ("0")."""
        return kSecAttrKeyClassPrivate if self.is_private else kSecAttrKeyClassPublic

    @property
    def key_type(self) -> str:
        """``kSecAttrKeyTypeRSA`` ("42") or ``kSecAttrKeyTypeECSECPrimeRandom`` ("73")."""
        return kSecAttrKeyTypeRSA if isinstance(self._public, rsa.RSAPublicKey) else kSecAttrKeyTypeEC

    @property
    def key_size_in_bits(self) -> int:
        """``bsiz``: modulus bit length for RSA (``cczp_bitlen``), curve size for EC."""
        if isinstance(self._public, rsa.RSAPublicKey):
            return self._public.public_numbers().n.bit_length()
        return self._public.curve.key_size

    @property
    def block_size(self) -> int:
        """``SecKeyGetBlockSize``: modulus bytes for RSA, coordinate bytes for EC."""
        return (self.key_size_in_bits + 7) // 8

    @property
    def token_id(self) -> str | None:
        """``kSecAttrTokenID`` of a token key (``com.apple.setoken``), None for software keys."""
        return self._token_id

    @property
    def is_secure_enclave(self) -> bool:
        return self._token_id == kSecAttrTokenIDSecureEnclave

    @property
    def keychain_row(self) -> Mapping[str, object] | None:
        """The stored attributes this ref was rebuilt from, when it came out of a keychain."""
        return self._row

    @property
    def application_label(self) -> bytes:
        """``klbl``: SHA-1 of the canonical public-key bytes (§C.1)."""
        return public_key_hash(self)

    def public_bytes_for_hash(self) -> bytes:
        """The public bytes Apple hashes for ``klbl`` (``SecKeyCopyPublicBytes``)."""
        return canonical_public_bytes(self._public)

    def cryptography_key(self) -> Any:
        """The underlying ``cryptography`` object (the private key when there is one).

        For a Secure Enclave key this reaches into the simulated enclave: use it for tests and tooling,
        never to model what an app can do with the key.
        """
        return self._private if self._private is not None else self._public

    def public_key_object(self) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
        """The public half as a ``cryptography`` object."""
        return self._public

    # --- equality and display ---------------------------------------------------------------------

    def _identity(self) -> tuple[object, ...]:
        if self._token_id is not None:
            return ("token", self._token_id, self.public_bytes_for_hash())
        material = _export(self) if self._private is not None else self.public_bytes_for_hash()
        return ("software", self.key_class, self.key_type, material)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecKey):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        kind = "private" if self.is_private else "public"
        where = " Secure Enclave" if self.is_secure_enclave else ""
        name = _KEY_TYPE_NAMES[self.key_type]
        return f"<SecKey {name} {self.key_size_in_bits}-bit {kind}{where} klbl={self.application_label.hex()}>"

    def __rich_repr__(self) -> Any:
        yield "type", _KEY_TYPE_NAMES[self.key_type]
        yield "bits", self.key_size_in_bits
        yield "class", "private" if self.is_private else "public"
        if self._token_id:
            yield "tkid", self._token_id
        yield "klbl", self.application_label.hex()

    # --- engine interplay -------------------------------------------------------------------------

    def _keychain_attributes(self, for_query: bool) -> dict[str, object]:
        """What this ref contributes to ``SecItemAdd``/a query through ``kSecValueRef``.

        secitem-engine.md §D.3 and keys reference §A.4: the ``SecKeyCopyAttributes`` dictionary, with
        ``kcls``/``type`` as numbers (the stored Number kind); for a query the ``Can*`` flags and
        ``perm`` are removed first [R: OSX/sec/Security/SecItem.m —
        AttributeCreateFilteredOutSecAttrs]. The engine merges these under the caller's attributes
        (caller wins) and coerces booleans to 0/1 itself.
        """
        attrs = SecKeyCopyAttributes(self)
        attrs[kSecAttrKeyClass] = int(attrs[kSecAttrKeyClass])  # type: ignore[call-overload]
        attrs[kSecAttrKeyType] = int(attrs[kSecAttrKeyType])  # type: ignore[call-overload]
        if for_query:
            for name in (*_CAPABILITY_KEYS, kSecAttrIsPermanent):
                attrs.pop(name, None)
        return attrs

    @classmethod
    def _from_keychain(cls, attrs: Mapping[str, object], cdsa: bool = False) -> SecKey | None:
        """Rebuild the ref a stored key row stands for, as ``SecKeyCreateFromAttributeDictionary`` does.

        That is ``SecKeyCreateWithData(row[v_Data], row)`` [R: OSX/sec/Security/SecKey.m —
        SecKeyCreateFromAttributeDictionary]: ``kcls`` and ``type`` from the row select the decoder, a
        row with ``tkid`` is a token key found by its ``toid``. A row whose data does not decode (added
        by ``kSecValueData`` with garbage, or a ``kcls`` that contradicts the data) yields None.
        The row is kept on the key (:attr:`keychain_row`); ``SecKeyCopyAttributes`` of a software key
        is still computed from the key, as on a device. ``cdsa``: the row is the file-based keychain's.
        """
        key, _error = SecKeyCreateWithData(attrs.get(kSecValueData), attrs)  # type: ignore[arg-type]
        return key._with_row(attrs, cdsa) if key is not None else None


# --- module functions -------------------------------------------------------------------------------


def SecKeyCopyPublicKey(key: SecKey) -> SecKey | None:
    """The public key of ``key`` (itself for a public key); for an SE key, a software EC public key.

    [R: SecKey.m — SecKeyCopyPublicKey; SecCTKKey.m — SecCTKKeyCopyPublicOctets] (§A.6).
    """
    _check_key(key)
    return SecKey(_public=key._public)


def SecKeyCopyExternalRepresentation(key: SecKey) -> tuple[bytes | None, CFError | None]:
    """Apple's export format (§E.1): PKCS#1 DER for RSA, ``04‖X‖Y`` / ``04‖X‖Y‖K`` for EC.

    A Secure Enclave private key has no export routine: ``(None, CFError -4)``
    [R: SecKey.m — SecKeyCopyExternalRepresentation; SecCTKKey.m — kSecCTKKeyDescriptor].
    """
    _check_key(key)
    if key._token_id is not None:
        return None, CFError.from_status(OSStatus.errSecUnimplemented, f"export not implemented for key {key!r}")
    return _export(key), None


def SecKeyCopyAttributes(key: SecKey) -> dict[str, object]:
    """The key's attribute dictionary (§A.4 table; §A.6 for Secure Enclave keys).

    Software keys: ``perm`` and ``priv`` are always true; ``kcls``/``type`` are the strings "0"/"1" and
    "42"/"73" as in si-40-seckey/si-41-sececkey ``testcopyattributes``; RSA keys cannot derive, RSA
    public keys "can decrypt"; ``v_Data`` is the external representation (private material for a
    private key). [R: SecKey.m — SecKeyCopyAttributeDictionaryWithLocalKey; SecRSAKey.c —
    SecRSAPublicKeyCopyAttributeDictionary, SecRSAPrivateKeyCopyAttributeDictionary; SecECKey.m —
    SecECPublicKeyCopyAttributeDictionary]
    """
    _check_key(key)
    if key._token_id is not None:
        return _token_attributes(key)
    private = key.is_private
    rsa_key = key.key_type == kSecAttrKeyTypeRSA
    size = key.key_size_in_bits
    attrs: dict[str, object] = {
        kSecClass: kSecClassKey,
        kSecAttrKeyClass: key.key_class,
        kSecAttrApplicationLabel: key.application_label,
        kSecAttrIsPermanent: True,
        kSecAttrIsPrivate: True,
        kSecAttrIsModifiable: True,
        kSecAttrKeyType: key.key_type,
        kSecAttrKeySizeInBits: size,
        kSecAttrEffectiveKeySize: size,
        kSecAttrIsSensitive: False,
        kSecAttrWasAlwaysSensitive: False,
        kSecAttrIsExtractable: True,
        kSecAttrWasNeverExtractable: False,
        kSecAttrCanEncrypt: not private,
        kSecAttrCanDecrypt: private or rsa_key,
        kSecAttrCanDerive: private and not rsa_key,
        kSecAttrCanSign: private,
        kSecAttrCanVerify: not private,
        kSecAttrCanSignRecover: False,
        kSecAttrCanVerifyRecover: False,
        kSecAttrCanWrap: not private,
        kSecAttrCanUnwrap: private,
        kSecValueData: _export(key),
    }
    return attrs


def _token_attributes(key: SecKey) -> dict[str, object]:
    """``SecCTKKeyCopyAttributeDictionary``: the token's whitelisted attributes, then klbl, perm,
    tkid, toid; never ``v_Data`` [R: SecCTKKey.m].

    The values the Secure Enclave token itself reports (sensitivity, capabilities) are not in Apple's
    open source (keys reference §N.6); these are inferred from what an SE key can do: sign and
    key-exchange with the private key, nothing leaves the enclave.
    """
    attrs: dict[str, object] = {
        kSecClass: kSecClassKey,
        kSecAttrTokenID: key._token_id,
        kSecAttrKeyClass: kSecAttrKeyClassPrivate,
        kSecAttrIsPrivate: True,
        kSecAttrIsModifiable: True,
        kSecAttrKeyType: kSecAttrKeyTypeEC,
        kSecAttrKeySizeInBits: 256,
        kSecAttrEffectiveKeySize: 256,
        kSecAttrIsSensitive: True,
        kSecAttrWasAlwaysSensitive: True,
        kSecAttrIsExtractable: False,
        kSecAttrWasNeverExtractable: True,
        kSecAttrCanEncrypt: False,
        kSecAttrCanDecrypt: True,
        kSecAttrCanDerive: True,
        kSecAttrCanSign: True,
        kSecAttrCanVerify: False,
        kSecAttrCanSignRecover: False,
        kSecAttrCanVerifyRecover: False,
        kSecAttrCanWrap: False,
        kSecAttrCanUnwrap: False,
        kSecAttrApplicationLabel: key.application_label,
        kSecAttrIsPermanent: True,
        kSecAttrTokenOID: key._token_object_id,
    }
    if key._access_control is not None:
        attrs[_ACCC] = key._access_control
    return attrs


def SecKeyCreateWithData(data: bytes | None, attributes: Mapping[str, object]) -> tuple[SecKey | None, CFError | None]:
    """Rebuild a key from its external representation (keys reference §E.2).

    ``kSecAttrKeyType`` and ``kSecAttrKeyClass`` are required, each a number or a decimal string that
    round-trips exactly; every other attribute (size, permanence) is ignored. Accepted data: the
    formats of §E.1, plus an X.509 SubjectPublicKeyInfo for an *RSA public* key, which current
    corecrypto's importer tries first [X: tripleCC/Laboratory — corecrypto ccrsa_import_pub.c].
    PEM text, PKCS#8, SEC1, EC SubjectPublicKeyInfo and compressed points all fail with -50
    "... key creation from data failed". Public data with class private (or the reverse) fails, as
    si-40-seckey/si-41-sececkey ``testcreatewithdata`` check.

    With ``kSecAttrTokenID`` the data is ignored and the token key named by ``kSecAttrTokenOID`` is
    returned (only the simulated Secure Enclave is modelled).

    Raises:
        NotModeledError: for key types Apple supports that keychainsim does not (Ed25519, ML-KEM...).
    """
    if not isinstance(attributes, Mapping):
        raise TypeError(f"attributes: expected a dict, got {type(attributes).__name__}")
    token_id = attributes.get(kSecAttrTokenID)
    if token_id is not None:
        return _token_key(token_id, attributes)
    if data is None:
        return None, CFError.from_status(OSStatus.errSecParam, "Failed to provide key data to SecKeyCreateWithData")
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"data: expected bytes, got {type(data).__name__}")
    data = bytes(data)
    key_type, error = _params_as_int(attributes.get(kSecAttrKeyType), "key type")
    if error:
        return None, error
    key_class, error = _params_as_int(attributes.get(kSecAttrKeyClass), "key class")
    if error:
        return None, error
    if key_class == 2:
        return None, CFError.from_status(
            OSStatus.errSecUnimplemented, f"Unsupported symmetric key type: {attributes.get(kSecAttrKeyType)}"
        )
    if key_class not in (0, 1):
        return None, CFError.from_status(
            OSStatus.errSecParam, f"Unsupported key class: {attributes.get(kSecAttrKeyClass)}"
        )
    private = key_class == 1
    kind = "private" if private else "public"
    if key_type in _UNMODELLED_KEY_TYPES:
        raise NotModeledError(str(key_type), "SecKeyCreateWithData", "only RSA (42) and EC (73) keys are modelled")
    if key_type == 42:
        key = _rsa_private_from_pkcs1(data) if private else _rsa_public_from_data(data)
        if key is None:
            return None, CFError.from_status(OSStatus.errSecParam, f"RSA {kind} key creation from data failed")
        return key, None
    if key_type in _EC_DECODER_TYPES:
        key = _ec_private_from_x963(data) if private else _ec_public_from_x963(data)
        if key is None:
            return None, CFError.from_status(OSStatus.errSecParam, f"EC {kind} key creation from data failed")
        return key, None
    return None, CFError.from_status(
        OSStatus.errSecParam, f"Unsupported {kind} key type: {attributes.get(kSecAttrKeyType)}"
    )


# --- helpers ----------------------------------------------------------------------------------------


def _check_key(key: object) -> None:
    if not isinstance(key, SecKey):
        raise TypeError(f"key: expected a SecKey, got {type(key).__name__}")


def _params_as_int(value: object, name: str) -> tuple[int, CFError | None]:
    """``SecKeyParamsAsInt64``: a CFNumber, or a CFString that round-trips through ``%lld``."""
    if isinstance(value, str):
        try:
            number = int(value.strip()) if value.strip() else 0
        except ValueError:
            number = 0
        if str(number) != value:
            return -1, CFError.from_status(OSStatus.errSecParam, f"Unsupported {name}: {value}")
        return number, None
    if isinstance(value, bool | int):
        return int(value), None
    if isinstance(value, float):
        return int(value), None
    return -1, CFError.from_status(OSStatus.errSecParam, f"Unsupported {name}: {value!r}")


def _export(key: SecKey) -> bytes:
    """The external representation of a software key (§E.1)."""
    private = key._private
    if private is None:
        return canonical_public_bytes(key._public)
    if isinstance(private, rsa.RSAPrivateKey):
        return private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    scalar = private.private_numbers().private_value
    return canonical_public_bytes(key._public) + scalar.to_bytes(_coordinate_size(private.curve), "big")


def _rsa_public_from_data(data: bytes) -> SecKey | None:
    """PKCS#1 RSAPublicKey, or an SPKI wrapping one (corecrypto tries SPKI first)."""
    try:
        outer = der.read_single(data, der.SEQUENCE)
        fields = outer.children()
        if len(fields) == 2 and fields[0].tag == der.SEQUENCE and fields[1].tag == der.BIT_STRING:
            algorithm = fields[0].children()
            if not algorithm or der.decode_oid(der.expect(algorithm[0], der.OID, "algorithm").content) != (
                "1.2.840.113549.1.1.1"
            ):
                return None
            bits = fields[1].content
            if not bits or bits[0] != 0:
                return None
            fields = der.read_single(bits[1:], der.SEQUENCE).children()
        if len(fields) != 2 or any(f.tag != der.INTEGER for f in fields):
            return None
        if not all(_minimal_unsigned(f.content) for f in fields):
            return None
        n, e = (der.decode_unsigned(f.content) for f in fields)
        if n.bit_length() > 8192:
            return None
        return SecKey._from_cryptography(rsa.RSAPublicNumbers(e, n).public_key())
    except (der.DERError, ValueError):
        return None


def _rsa_private_from_pkcs1(data: bytes) -> SecKey | None:
    """PKCS#1 RSAPrivateKey only (version 0, nine minimal non-negative INTEGERs)."""
    try:
        fields = der.read_single(data, der.SEQUENCE).children()
        if len(fields) != 9 or any(f.tag != der.INTEGER for f in fields):
            return None
        if fields[0].content != b"\x00" or not all(_minimal_unsigned(f.content) for f in fields[1:]):
            return None
        n, e, d, p, q, dp, dq, qinv = (der.decode_unsigned(f.content) for f in fields[1:])
        numbers = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qinv, rsa.RSAPublicNumbers(e, n))
        return SecKey._from_cryptography(numbers.private_key(unsafe_skip_rsa_key_validation=False))
    except (der.DERError, ValueError, TypeError):
        return None


def _minimal_unsigned(content: bytes) -> bool:
    """corecrypto decodes RSA INTEGERs as unsigned and minimal (§D.3)."""
    if not content or content[0] & 0x80:
        return False
    return not (len(content) > 1 and content[0] == 0 and not content[1] & 0x80)


def _curve_for_public_length(length: int) -> ec.EllipticCurve | None:
    for curve in CURVES_BY_SIZE.values():
        if length == 1 + 2 * _coordinate_size(curve):
            return curve
    return None


def _ec_public_from_x963(data: bytes) -> SecKey | None:
    """``04‖X‖Y``; the length selects the curve (49/57/65/97/133 bytes)."""
    curve = _curve_for_public_length(len(data))
    if curve is None or data[:1] != b"\x04":
        return None
    try:
        return SecKey._from_cryptography(ec.EllipticCurvePublicKey.from_encoded_point(curve, data))
    except ValueError:
        return None


def _ec_private_from_x963(data: bytes) -> SecKey | None:
    """``04‖X‖Y‖K``. Apple does not check that K·G is the stated point (§E.2, inferred): the key's
    public half — and so its klbl — follows X,Y, while signatures are made with K."""
    for curve in CURVES_BY_SIZE.values():
        size = _coordinate_size(curve)
        if len(data) == 1 + 3 * size:
            break
    else:
        return None
    public = _ec_public_from_x963(data[: 1 + 2 * size])
    if public is None:
        return None
    try:
        private = ec.derive_private_key(int.from_bytes(data[1 + 2 * size :], "big"), curve)
    except ValueError:
        return None
    return SecKey(_public=public._public, _private=private)


def _token_key(token_id: object, attributes: Mapping[str, object]) -> tuple[SecKey | None, CFError | None]:
    if token_id != kSecAttrTokenIDSecureEnclave:
        raise NotModeledError(
            kSecAttrTokenID, "SecKeyCreateWithData", f"only {kSecAttrTokenIDSecureEnclave!r} is modelled"
        )
    private = secure_enclave.unseal(attributes.get(kSecAttrTokenOID))
    if private is None:
        # CryptoTokenKit "object not found" maps to -25300 (keys reference §0.3); inferred here.
        return None, CFError.from_status(OSStatus.errSecItemNotFound, "token object not found")
    blob = attributes.get(kSecAttrTokenOID)
    return SecKey._secure_enclave(private, attributes.get(_ACCC), bytes(blob)), None  # type: ignore[arg-type]
