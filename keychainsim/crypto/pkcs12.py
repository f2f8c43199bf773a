"""SecPKCS12Import, decoded the way Apple's own parser decodes it (pure: no keychain).

Reference: keys-certs-identities.md §I. Apple sources: ``OSX/sec/Security/p12import.c — p12decode,
p12VerifyMac, p12Decrypt, safeContentsParse, shroudedKeyBagParse, certBagParse, emit_item``,
``OSX/sec/Security/p12pbegen.c — p12_pbe_gen`` and ``OSX/sec/Security/SecImportExport.c —
SecPKCS12Import, collect_certs, build_trust_chains``.

Order of checks, as in ``p12decode``: the PFX must decode and carry a password MAC (else -26275
errSecDecode); the MAC is verified *before* anything is decrypted, so a wrong or missing passphrase is
always -25293 errSecAuthFailed — which is why this module verifies the MAC itself (RFC 7292 App. B
key derivation) instead of asking a library that only says "could not load". An unsupported MAC
digest also lands on -25293 (``p12VerifyMac`` fails → ``p12_passwordErr``). Then the safes are
decrypted (PKCS#12 PBE with 3DES, RC2-40/128, RC4; PBES2 hard-wired to PBKDF2-HMAC-SHA256 +
AES-256-CBC), bags are grouped by localKeyID, else friendlyName, and each group with a key and a
certificate becomes an identity through ``SecIdentityCreate``; any failure there is -26275.

Result dictionaries carry ``kSecImportItemIdentity`` and ``kSecImportItemCertChain``. Not modelled:
``kSecImportItemTrust`` — a SecTrust object needs trust evaluation keychainsim does not have, so the
key is left out rather than faked; the chain is built from the certificates in the file only (no
system anchors or intermediates). On ``platform="macos"`` without ``kSecImportToMemoryOnly`` or
``kSecUseDataProtectionKeychain`` (the legacy file-keychain import path) ``kSecImportItemLabel`` and
``kSecImportItemKeyID`` are added, and certificates not in any chain come back in one extra
dictionary holding only ``chain`` (§I.2). Adding to a keychain is the engine's job.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from keychainsim.constants import (
    kSecImportExportPassphrase,
    kSecImportItemCertChain,
    kSecImportItemIdentity,
    kSecImportItemKeyID,
    kSecImportItemLabel,
    kSecImportToMemoryOnly,
    kSecUseDataProtectionKeychain,
)
from keychainsim.crypto import der, rc2
from keychainsim.crypto.certificates import SecCertificate, SecCertificateCreateWithData, subject_summary
from keychainsim.crypto.identity import SecIdentityCreate
from keychainsim.crypto.keys import CURVES_BY_SIZE, SecKey, SecKeyCreateWithData
from keychainsim.status import OSStatus

OID_DATA = "1.2.840.113549.1.7.1"
OID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
OID_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
OID_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
OID_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
OID_X509_CERTIFICATE = "1.2.840.113549.1.9.22.1"
OID_SDSI_CERTIFICATE = "1.2.840.113549.1.9.22.2"
OID_FRIENDLY_NAME = "1.2.840.113549.1.9.20"
OID_LOCAL_KEY_ID = "1.2.840.113549.1.9.21"
OID_PBES2 = "1.2.840.113549.1.5.13"
OID_RSA = "1.2.840.113549.1.1.1"
OID_EC = "1.2.840.10045.2.1"
_KNOWN_BAGS = {
    OID_KEY_BAG,
    OID_SHROUDED_KEY_BAG,
    OID_CERT_BAG,
    "1.2.840.113549.1.12.10.1.4",  # crlBag
    "1.2.840.113549.1.12.10.1.5",  # secretBag
    "1.2.840.113549.1.12.10.1.6",  # safeContentsBag
}

# MAC digests p12VerifyMac supports: OID → (hashlib name, block size).
_MAC_DIGESTS = {
    "1.3.14.3.2.26": ("sha1", 64),
    "2.16.840.1.101.3.4.2.4": ("sha224", 64),
    "2.16.840.1.101.3.4.2.1": ("sha256", 64),
    "2.16.840.1.101.3.4.2.2": ("sha384", 128),
    "2.16.840.1.101.3.4.2.3": ("sha512", 128),
}

# PKCS#12 PBE algorithms (p12import.c — pkcsOidInfos): OID → (cipher, key bytes, effective bits).
_PKCS12_PBE = {
    "1.2.840.113549.1.12.1.1": ("rc4", 16, 128),
    "1.2.840.113549.1.12.1.2": ("rc4", 5, 40),
    "1.2.840.113549.1.12.1.3": ("3des", 24, 192),
    "1.2.840.113549.1.12.1.5": ("rc2", 16, 128),
    "1.2.840.113549.1.12.1.6": ("rc2", 5, 40),
}

_ID_KEY, _ID_IV, _ID_MAC = 1, 2, 3


class _Decode(Exception):
    """p12_decodeErr: → errSecDecode."""


class _Password(Exception):
    """p12_passwordErr: → errSecAuthFailed."""


def pkcs12_kdf(
    passphrase: str,
    salt: bytes,
    iterations: int,
    purpose: int,
    length: int,
    hash_name: str = "sha1",
    block_size: int = 64,
    empty_means_no_password: bool = False,
) -> bytes:
    """RFC 7292 Appendix B.2 key derivation, as ``p12_pbe_gen`` does it.

    The passphrase is UTF-16BE with a two-byte zero terminator; on macOS an *empty* passphrase is
    taken as no password at all (zero bytes), on iOS as just the terminator [R: p12pbegen.c].
    """
    password = passphrase.encode("utf-16-be") + b"\x00\x00"
    if empty_means_no_password and not passphrase:
        password = b""

    def fill(data: bytes) -> bytes:
        if not data:
            return b""
        size = block_size * ((len(data) + block_size - 1) // block_size)
        return (data * (size // len(data) + 1))[:size]

    diversifier = bytes([purpose]) * block_size
    i_block = bytearray(fill(salt) + fill(password))
    out = b""
    while len(out) < length:
        a = hashlib.new(hash_name, diversifier + bytes(i_block)).digest()
        for _ in range(iterations - 1):
            a = hashlib.new(hash_name, a).digest()
        out += a
        if len(out) >= length:
            break
        b = int.from_bytes(fill(a), "big")
        for start in range(0, len(i_block), block_size):
            chunk = int.from_bytes(i_block[start : start + block_size], "big")
            i_block[start : start + block_size] = ((chunk + b + 1) % (1 << (8 * block_size))).to_bytes(
                block_size, "big"
            )
    return out[:length]


@dataclass
class _Context:
    passphrase: str
    macos: bool
    items: dict[object, dict[str, object]] = field(default_factory=dict)


def _read(data: bytes, tag: int, what: str) -> der.Element:
    try:
        return der.read_single(data, tag)
    except der.DERError as exc:
        raise _Decode(f"{what}: {exc}") from None


def _children(element: der.Element, what: str) -> list[der.Element]:
    try:
        return element.children()
    except der.DERError as exc:
        raise _Decode(f"{what}: {exc}") from None


def _oid(element: der.Element, what: str) -> str:
    if element.tag != der.OID:
        raise _Decode(f"{what}: expected an OID")
    return der.decode_oid(element.content)


def _int(element: der.Element, what: str) -> int:
    if element.tag != der.INTEGER or not element.content:
        raise _Decode(f"{what}: expected an INTEGER")
    return der.decode_unsigned(element.content)


def _content_info(element: der.Element) -> tuple[str, der.Element | None]:
    parts = _children(element, "ContentInfo")
    if not parts or element.tag != der.SEQUENCE:
        raise _Decode("ContentInfo")
    content = None
    if len(parts) > 1:
        if parts[1].tag != 0xA0:
            raise _Decode("ContentInfo content must be [0] EXPLICIT")
        inner = _children(parts[1], "ContentInfo [0]")
        if len(inner) != 1:
            raise _Decode("ContentInfo [0] must hold one element")
        content = inner[0]
    return _oid(parts[0], "contentType"), content


def _verify_mac(context: _Context, mac_data: der.Element, auth_safe_octets: bytes) -> None:
    parts = _children(mac_data, "MacData")
    if len(parts) < 2:
        raise _Decode("MacData")
    digest_info = _children(parts[0], "DigestInfo")
    if len(digest_info) != 2 or digest_info[1].tag != der.OCTET_STRING:
        raise _Decode("DigestInfo")
    algorithm = _children(digest_info[0], "digestAlgorithm")
    if not algorithm:
        raise _Decode("digestAlgorithm")
    digest = _MAC_DIGESTS.get(_oid(algorithm[0], "digestAlgorithm"))
    if digest is None:
        raise _Password("unsupported MAC digest")
    salt = parts[1].content
    iterations = _int(parts[2], "iterations") if len(parts) > 2 else 1
    hash_name, block = digest
    size = hashlib.new(hash_name).digest_size
    key = pkcs12_kdf(context.passphrase, salt, iterations or 1, _ID_MAC, size, hash_name, block, context.macos)
    expected = hmac.new(key, auth_safe_octets, hash_name).digest()
    if not hmac.compare_digest(expected, digest_info[1].content):
        raise _Password("MAC verification failed")


def _unpad(plain: bytes, block: int) -> bytes:
    pad = plain[-1] if plain else 0
    if not 1 <= pad <= block or plain[-pad:] != bytes([pad]) * pad:
        raise _Decode("bad padding (wrong key or corrupt data)")
    return plain[:-pad]


def _decrypt(context: _Context, algorithm: der.Element, ciphertext: bytes) -> bytes:
    parts = _children(algorithm, "AlgorithmIdentifier")
    if not parts:
        raise _Decode("AlgorithmIdentifier")
    oid = _oid(parts[0], "encryption algorithm")
    params = _children(parts[1], "PBE parameters") if len(parts) > 1 else []
    if oid == OID_PBES2:
        return _decrypt_pbes2(context, params, ciphertext)
    spec = _PKCS12_PBE.get(oid)
    if spec is None or len(params) != 2:
        raise _Decode(f"unsupported encryption {oid}")
    cipher, key_len, effective = spec
    salt, iterations = params[0].content, _int(params[1], "iterations")
    key = pkcs12_kdf(context.passphrase, salt, iterations, _ID_KEY, key_len, empty_means_no_password=context.macos)
    if cipher == "rc4":
        decryptor = Cipher(ARC4(key), mode=None).decryptor()
        return decryptor.update(ciphertext) + decryptor.finalize()
    iv = pkcs12_kdf(context.passphrase, salt, iterations, _ID_IV, 8, empty_means_no_password=context.macos)
    if len(ciphertext) % 8 or not ciphertext:
        raise _Decode("ciphertext is not whole blocks")
    if cipher == "3des":
        decryptor = Cipher(TripleDES(key), modes.CBC(iv)).decryptor()
        plain = decryptor.update(ciphertext) + decryptor.finalize()
    else:
        plain = rc2.cbc_decrypt(key, effective, iv, ciphertext)
    return _unpad(plain, 8)


def _decrypt_pbes2(context: _Context, params: list[der.Element], ciphertext: bytes) -> bytes:
    """PBES2 as Apple implements it: PBKDF2-HMAC-SHA256 and AES-256-CBC, whatever the file declares."""
    if len(params) != 2:
        raise _Decode("PBES2 parameters")
    kdf = _children(params[0], "keyDerivationFunc")
    kdf_params = _children(kdf[1], "PBKDF2 parameters") if len(kdf) > 1 else []
    scheme = _children(params[1], "encryptionScheme")
    if len(kdf_params) < 2 or len(scheme) < 2 or scheme[1].tag != der.OCTET_STRING:
        raise _Decode("PBES2 parameters")
    salt, iterations, iv = kdf_params[0].content, _int(kdf_params[1], "iterations"), scheme[1].content
    key = hashlib.pbkdf2_hmac("sha256", context.passphrase.encode("utf-8"), salt, iterations, 32)
    if len(iv) != 16 or len(ciphertext) % 16 or not ciphertext:
        raise _Decode("AES-CBC parameters")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return _unpad(decryptor.update(ciphertext) + decryptor.finalize(), 16)


def _emit(context: _Context, attributes: der.Element | None, kind: str, value: object) -> None:
    """``emit_item``: group by localKeyID, else friendlyName, else the value itself; later wins."""
    key_id = label = None
    if attributes is not None:
        for attribute in _children(attributes, "bagAttributes"):
            parts = _children(attribute, "Attribute")
            if len(parts) != 2:
                raise _Decode("Attribute")
            values = _children(parts[1], "Attribute values")
            oid = _oid(parts[0], "attribute type")
            if oid == OID_LOCAL_KEY_ID and values:
                key_id = values[0].content
            elif oid == OID_FRIENDLY_NAME and values:
                label = values[0].content.decode("utf-16-be", "replace")
    group: object = key_id if key_id is not None else label if label is not None else (kind, id(value))
    item = context.items.setdefault(group, {})
    if key_id is not None:
        item.setdefault("keyid", key_id)
    if label is not None:
        item.setdefault("label", label)
    item[kind] = value


def _private_key(algorithm_oid: str, key_octets: bytes) -> SecKey | None:
    """The PKCS#8 inner key: PKCS#1 RSAPrivateKey, or SEC1 ECPrivateKey whose curve comes from its own
    parameters or, absent those, from the scalar's length (SecECKey.m — SecECPrivateKeyInit)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if algorithm_oid == OID_RSA:
        key, _error = SecKeyCreateWithData(key_octets, {"type": 42, "kcls": 1})
        return key
    try:
        fields = der.read_single(key_octets, der.SEQUENCE).children()
        scalar = fields[1].content
        curve = None
        for extra in fields[2:]:
            if extra.tag == 0xA0:
                named = der.decode_oid(der.read_single(extra.content, der.OID).content)
                curve = {
                    "1.2.840.10045.3.1.1": 192,
                    "1.3.132.0.33": 224,
                    "1.2.840.10045.3.1.7": 256,
                    "1.3.132.0.34": 384,
                    "1.3.132.0.35": 521,
                }.get(named)
                if curve is None:
                    return None
        if curve is None:
            curve = next((bits for bits in CURVES_BY_SIZE if (bits + 7) // 8 == len(scalar)), None)
        if curve is None:
            return None
        private = ec.derive_private_key(int.from_bytes(scalar, "big"), CURVES_BY_SIZE[curve])
    except (der.DERError, IndexError, ValueError):
        return None
    point = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    blob = point + private.private_numbers().private_value.to_bytes((curve + 7) // 8, "big")
    key, _error = SecKeyCreateWithData(blob, {"type": 73, "kcls": 1})
    return key


def _safe_contents(context: _Context, data: bytes) -> None:
    for bag in _children(_read(data, der.SEQUENCE, "SafeContents"), "SafeContents"):
        parts = _children(bag, "SafeBag")
        if len(parts) < 2 or parts[1].tag != 0xA0:
            raise _Decode("SafeBag")
        bag_id = _oid(parts[0], "bagId")
        value = _children(parts[1], "bagValue")
        attributes = parts[2] if len(parts) > 2 else None
        if not value:
            raise _Decode("empty bagValue")
        if bag_id == OID_SHROUDED_KEY_BAG:
            info = _children(value[0], "EncryptedPrivateKeyInfo")
            if len(info) != 2:
                raise _Decode("EncryptedPrivateKeyInfo")
            plain = _decrypt(context, info[0], info[1].content)
            pki = _children(_read(plain, der.SEQUENCE, "PrivateKeyInfo"), "PrivateKeyInfo")
            if len(pki) < 3 or pki[2].tag != der.OCTET_STRING:
                raise _Decode("PrivateKeyInfo")
            algorithm = _oid(_children(pki[1], "privateKeyAlgorithm")[0], "privateKeyAlgorithm")
            if algorithm not in (OID_RSA, OID_EC):
                raise _Decode(f"unsupported private key algorithm {algorithm}")
            _emit(context, attributes, "algid", algorithm)
            _emit(context, attributes, "key", pki[2].content)
        elif bag_id == OID_CERT_BAG:
            cert_bag = _children(value[0], "CertBag")
            if len(cert_bag) != 2 or cert_bag[1].tag != 0xA0:
                raise _Decode("CertBag")
            cert_type = _oid(cert_bag[0], "certId")
            if cert_type == OID_X509_CERTIFICATE:
                _emit(context, attributes, "cert", _children(cert_bag[1], "certValue")[0].content)
            elif cert_type != OID_SDSI_CERTIFICATE:
                raise _Decode("unknown certificate type")
        elif bag_id not in _KNOWN_BAGS:
            raise _Decode(f"unknown bag type {bag_id}")


def _decode(context: _Context, data: bytes) -> None:
    try:
        pfx = _children(_read(data, der.SEQUENCE, "PFX"), "PFX")
    except _Decode:
        raise
    if len(pfx) < 2 or _int(pfx[0], "version") != 3:
        raise _Decode("PFX version")
    content_type, content = _content_info(pfx[1])
    if content_type != OID_DATA or content is None or content.tag != der.OCTET_STRING:
        raise _Decode("only password-integrity (data) PFX files are supported")
    if len(pfx) < 3:
        raise _Decode("no MAC: public-key integrity and MAC-less files are not supported")
    _verify_mac(context, pfx[2], content.content)
    for info in _children(_read(content.content, der.SEQUENCE, "AuthenticatedSafe"), "AuthenticatedSafe"):
        kind, inner = _content_info(info)
        if kind == OID_DATA:
            if inner is None or inner.tag != der.OCTET_STRING:
                raise _Decode("data ContentInfo")
            _safe_contents(context, inner.content)
        elif kind == OID_ENCRYPTED_DATA:
            if inner is None:
                raise _Decode("EncryptedData")
            encrypted = _children(inner, "EncryptedData")
            if len(encrypted) < 2:
                raise _Decode("EncryptedData")
            eci = _children(encrypted[1], "EncryptedContentInfo")
            if len(eci) < 3 or eci[2].tag != 0x80:
                raise _Decode("EncryptedContentInfo")
            _safe_contents(context, _decrypt(context, eci[1], eci[2].content))


def _chain(leaf: SecCertificate, pool: list[SecCertificate]) -> list[SecCertificate]:
    """Leaf first, then issuers found in the file by normalized name, up to a self-issued one."""
    chain = [leaf]
    current = leaf
    while current.normalized_issuer != current.normalized_subject:
        issuer = next((c for c in pool if c.normalized_subject == current.normalized_issuer and c not in chain), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return chain


def SecPKCS12Import(
    data: bytes, options: Mapping[str, object] | None = None, *, platform: str = "ios"
) -> tuple[OSStatus, list[dict[str, object]]]:
    """Decode a PKCS#12 file into identities: ``(status, items)``.

    Args:
        data: the PKCS#12 bytes (DER).
        options: ``kSecImportExportPassphrase`` (a str; absent means the empty string),
            ``kSecImportToMemoryOnly``, ``kSecUseDataProtectionKeychain``.
        platform: "ios" or "macos" — the empty-passphrase encoding, the label/keyid keys and the
            certificates-without-key dictionary differ (§I.2, p12pbegen.c).

    Returns:
        ``(errSecSuccess, [ {identity, chain, ...}, ... ])``; ``(errSecAuthFailed, [])`` for a wrong or
        missing passphrase; ``(errSecDecode, [])`` for anything malformed or unsupported.
    """
    if platform not in ("ios", "macos"):
        raise ValueError(f"platform: expected 'ios' or 'macos', got {platform!r}")
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"data: expected bytes, got {type(data).__name__}")
    options = dict(options or {})
    passphrase = options.get(kSecImportExportPassphrase, "")
    if passphrase is None:
        passphrase = ""
    if not isinstance(passphrase, str):
        raise TypeError(f"{kSecImportExportPassphrase}: expected str, got {type(passphrase).__name__}")
    context = _Context(passphrase=passphrase, macos=platform == "macos")
    try:
        _decode(context, bytes(data))
    except _Password:
        return OSStatus.errSecAuthFailed, []
    except (_Decode, der.DERError, ValueError, IndexError):
        return OSStatus.errSecDecode, []

    pool: list[SecCertificate] = []
    for item in context.items.values():
        if "key" not in item and "cert" in item:
            cert = SecCertificateCreateWithData(item["cert"])  # type: ignore[arg-type]
            if cert is None:
                return OSStatus.errSecDecode, []
            pool.append(cert)
    results: list[dict[str, object]] = []
    legacy_macos = (
        context.macos and not options.get(kSecImportToMemoryOnly) and not options.get(kSecUseDataProtectionKeychain)
    )
    for item in context.items.values():
        if "key" not in item or "cert" not in item:
            continue
        key = _private_key(str(item.get("algid")), item["key"])  # type: ignore[arg-type]
        cert = SecCertificateCreateWithData(item["cert"])  # type: ignore[arg-type]
        identity = SecIdentityCreate(cert, key) if cert is not None and key is not None else None
        if identity is None:
            return OSStatus.errSecDecode, []
        entry: dict[str, object] = {
            kSecImportItemIdentity: identity,
            kSecImportItemCertChain: _chain(identity.certificate, pool),
        }
        if legacy_macos:
            entry[kSecImportItemLabel] = subject_summary(identity.certificate)
            entry[kSecImportItemKeyID] = identity.certificate.public_key_hash
        results.append(entry)
    if context.macos:
        in_chains = {c for entry in results for c in entry[kSecImportItemCertChain]}  # type: ignore[attr-defined]
        loose = [c for c in pool if c not in in_chains]
        if loose:
            results.append({kSecImportItemCertChain: loose})
    return OSStatus.errSecSuccess, results
