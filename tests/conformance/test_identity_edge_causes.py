"""More of the mechanical causes of "certificate + key do not form an identity" (keys reference §K),
each with its fixed twin, and the identity calls that complete issue 3's surface."""

from __future__ import annotations

import pytest

from keychainsim.constants import *

pytest.importorskip("keychainsim.crypto")

from keychainsim.crypto import (
    SecCertificateCreateWithData,
    SecIdentityCopyCertificate,
    SecIdentityCopyPrivateKey,
    SecKeyCopyExternalRepresentation,
    der,
)
from tests.conformance._enrollment import IDENTITY_QUERY, LABEL, enroll, issue, key_params, public_point


def compress_point(certificate_der: bytes) -> bytes:
    """The same certificate with its EC public key written as a compressed point (02/03 || X).

    The signature no longer verifies, which SecCertificateCreateWithData does not check; the point is
    the same key in another encoding.
    """
    cert = der.read_single(certificate_der, der.SEQUENCE)
    tbs, algorithm, signature = cert.children()
    parts = []
    for child in tbs.children():
        inner = child.children() if child.tag == der.SEQUENCE else []
        if len(inner) == 2 and inner[1].tag == der.BIT_STRING and inner[1].content[1:2] == b"\x04":
            point = inner[1].content[1:]
            x, y = point[1:33], point[33:]
            prefix = b"\x03" if y[-1] & 1 else b"\x02"
            child_bytes = der.sequence(inner[0].encoded, der.tlv(der.BIT_STRING, b"\x00" + prefix + x))
            parts.append(child_bytes)
        else:
            parts.append(child.encoded)
    new_tbs = der.tlv(tbs.tag, b"".join(parts))
    return der.sequence(new_tbs, algorithm.encoded, signature.encoded)


@pytest.mark.inferred
def test_private_key_added_as_data_never_joins(make_keychain):
    """Keys reference §K.2 (inferred from SecItemDb.c: nothing derives klbl or priv from kSecValueData): a
    private key added as raw data without kSecAttrApplicationLabel and kSecAttrIsPrivate has empty klbl
    and no priv, so no identity forms; added through kSecValueRef it does."""
    kc = make_keychain()
    key, _ = kc.SecKeyCreateRandomKey({kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256})
    data, _ = SecKeyCopyExternalRepresentation(key)
    certificate = SecCertificateCreateWithData(issue(public_point(key)))
    assert kc.SecItemAdd({kSecValueRef: certificate, kSecAttrLabel: LABEL})[0] == errSecSuccess
    as_data = {
        kSecClass: kSecClassKey,
        kSecAttrKeyClass: kSecAttrKeyClassPrivate,
        kSecAttrKeyType: "73",
        kSecValueData: data,
    }
    assert kc.SecItemAdd(as_data)[0] == errSecSuccess
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound
    assert kc.SecItemAdd({kSecValueRef: key})[0] == errSecSuccess
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecSuccess


@pytest.mark.apple_source
def test_compressed_point_in_certificate_changes_pkhh(make_keychain):
    """Keys reference §K.6 / §D.1: pkhh hashes the certificate's key bytes as encoded, klbl the key's
    canonical uncompressed point; the same key written compressed in the certificate never joins."""
    kc = make_keychain()
    key, _ = kc.SecKeyCreateRandomKey(key_params())
    der_uncompressed = issue(public_point(key))
    compressed = SecCertificateCreateWithData(compress_point(der_uncompressed))
    assert compressed is not None
    assert kc.SecItemAdd({kSecValueRef: compressed, kSecAttrLabel: LABEL})[0] == errSecSuccess
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound
    fixed = make_keychain()
    enroll(fixed)
    assert fixed.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecSuccess


@pytest.mark.apple_docs
def test_certificate_from_an_earlier_attempt_keeps_its_old_label(make_keychain):
    """errSecDuplicateItem documentation (certificates are unique on type, issuer and serial) and pitfalls
    catalog S8: re-adding the same certificate returns -25299 and the new label is never applied, so the
    lookup by the new label misses."""
    kc = make_keychain()
    key, _ = kc.SecKeyCreateRandomKey(key_params())
    der_bytes = issue(public_point(key))
    first = SecCertificateCreateWithData(der_bytes)
    assert kc.SecItemAdd({kSecValueRef: first})[0] == errSecSuccess  # label inferred from the subject
    again = SecCertificateCreateWithData(der_bytes)
    assert kc.SecItemAdd({kSecValueRef: again, kSecAttrLabel: LABEL})[0] == errSecDuplicateItem
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound
    assert kc.SecItemUpdate({kSecClass: kSecClassCertificate}, {kSecAttrLabel: LABEL}) == errSecSuccess
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecSuccess


@pytest.mark.apple_test
def test_locked_device_gives_interaction_not_allowed(make_keychain):
    """secd-01-items.m and reference §K.2: the key defaults to kSecAttrAccessibleWhenUnlocked, so while
    the device is locked the identity query stops with -25308 (the certificate, dk, alone is readable)."""
    kc = make_keychain()
    enroll(kc)
    kc.lock()
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecInteractionNotAllowed
    assert kc.SecItemCopyMatching({kSecClass: kSecClassCertificate, kSecAttrLabel: LABEL})[0] == errSecSuccess
    kc.unlock()
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecSuccess


@pytest.mark.apple_test
def test_identity_persistent_ref_finds_and_deletes_the_identity(make_keychain):
    """si-42-identity.m "find persistent ref for identity" / "delete identity by persistent ref": the
    persistent ref of an identity names the identity class and the certificate's UUID (reference §H.4)."""
    kc = make_keychain()
    _, certificate, _ = enroll(kc)
    status, ref = kc.SecItemCopyMatching({**IDENTITY_QUERY, kSecReturnRef: False, kSecReturnPersistentRef: True})
    assert status == errSecSuccess and ref[:4] == b"idnt" and len(ref) == 20
    status, cert_ref = kc.SecItemCopyMatching({kSecClass: kSecClassCertificate, kSecReturnPersistentRef: True})
    assert ref[4:] == cert_ref[4:]
    status, identity = kc.SecItemCopyMatching({kSecValuePersistentRef: ref, kSecReturnRef: True})
    assert status == errSecSuccess and SecIdentityCopyCertificate(identity)[1] == certificate
    assert kc.SecItemDelete({kSecValuePersistentRef: ref}) == errSecSuccess
    assert kc.SecItemCopyMatching({kSecClass: kSecClassCertificate})[0] == errSecItemNotFound
    assert kc.SecItemCopyMatching({kSecClass: kSecClassKey})[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_identity_create_with_certificate_finds_the_private_key(make_keychain):
    """SecIdentity.c SecIdentityCreateWithCertificate (macOS API; keys reference §H.1): the private key whose
    kSecAttrApplicationLabel equals the certificate's public-key hash, in the keychains the app can read."""
    kc = make_keychain(platform="macos")
    key, _ = kc.SecKeyCreateRandomKey({**key_params(), kSecUseDataProtectionKeychain: True})
    certificate = SecCertificateCreateWithData(issue(public_point(key)))
    status, identity = kc.SecIdentityCreateWithCertificate(certificate)
    assert status == errSecSuccess
    assert SecIdentityCopyPrivateKey(identity)[1] == key
    ephemeral, _ = kc.SecKeyCreateRandomKey(
        {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}
    )
    stranger = SecCertificateCreateWithData(issue(public_point(ephemeral)))
    assert kc.SecIdentityCreateWithCertificate(stranger) == (errSecItemNotFound, None)
