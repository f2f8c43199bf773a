"""Secure Enclave keys end to end, through a real Keychain on both platforms.

Sources: OSX/sec/Security/SecItem.m (SecItemAttributesPrepare, SecTokenItemAdd, SecTokenCopyUpdatedObjectID,
SecTokenItemValueCreate, SecItemResultCopyPrepared), OSX/sec/Security/SecCTKKey.m
(SecCTKKeyCopyAttributeDictionary, kSecCTKKeyDescriptor), OSX/sec/Security/SecKey.m
(SecKeyCopyExternalRepresentation), OSX/libsecurity_keychain/lib/SecItem.cpp (SecItemCategorizeQuery),
OSX/libsecurity_keychain/lib/SecKey.cpp (_SecKeyCreateRandomKey). Keys reference §A.6.
"""

from __future__ import annotations

import pytest

from keychainsim import (
    SecCertificateCreateWithData,
    SecIdentityCopyPrivateKey,
    SecKeyCopyAttributes,
    SecKeyCopyExternalRepresentation,
    SecKeyCopyPublicKey,
    SecKeyCreateSignature,
    SecKeyVerifySignature,
)
from keychainsim.constants import *
from keychainsim.crypto.ca import TestCA
from keychainsim.crypto.csr import create_csr
from keychainsim.model import der_plist

TAG = b"com.example.se-key"
ALGORITHM = kSecKeyAlgorithmECDSASignatureMessageX962SHA256
PLATFORMS = ["ios", "macos"]


def se_params(**private: object) -> dict:
    return {
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
        kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: TAG, **private},
    }


def create(kc, **private: object):
    key, error = kc.SecKeyCreateRandomKey(se_params(**private))
    assert error is None, (error, kc.last_call)
    return key


def by_tag(**extra: object) -> dict:
    return {kSecClass: kSecClassKey, kSecAttrApplicationTag: TAG, kSecAttrKeyClass: kSecAttrKeyClassPrivate, **extra}


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_object_id_moves_into_the_item_data(make_keychain, platform):
    """SecItem.m SecTokenItemAdd/SecTokenCopyUpdatedObjectID: kSecAttrTokenOID leaves the attributes and
    goes, with the access control, into kSecValueData (SecTokenItemValueCreate: a DER dictionary {oid, ac});
    kSecAttrAccessible is forced to kSecAttrAccessibleAlwaysPrivate; kSecAttrTokenID stays an attribute.
    On macOS the token ID rules out the file-based keychain (SecItem.cpp SecItemCategorizeQuery)."""
    kc = make_keychain(platform=platform)
    key = create(kc)
    (row,) = kc.all_items()
    assert (row.item_class, row.keychain) == ("keys", "dp")
    assert row.get("tkid") == kSecAttrTokenIDSecureEnclave and "toid" not in row.attrs
    assert row.get("pdmn") == kSecAttrAccessibleAlwaysPrivate and row.get("atag") == TAG
    assert row.get("kcls") == 1 and row.get("klbl") == SecKeyCopyAttributes(key)[kSecAttrApplicationLabel]
    value = der_plist.decode(row.get("v_Data"))
    assert value == {"oid": SecKeyCopyAttributes(key)[kSecAttrTokenOID]}
    scalar = key.cryptography_key().private_numbers().private_value.to_bytes(32, "big")
    assert scalar not in row.get("v_Data")


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", PLATFORMS)
def test_found_by_tag_as_a_secure_enclave_ref_that_exports_nothing(make_keychain, platform):
    """SecItemResultCopyPrepared rebuilds the ref from the data field's object ID (SecTokenItemValueCopy,
    SecTokenItemCreateFromAttributes); the token key class has no copyExternalRepresentation
    (SecCTKKey.m kSecCTKKeyDescriptor), so SecKeyCopyExternalRepresentation fails with -4
    (SecKey.m), and SecKeyCopyAttributes carries the token ID and object ID but no kSecValueData."""
    kc = make_keychain(platform=platform)
    key = create(kc)
    status, ref = kc.SecItemCopyMatching(by_tag(**{kSecReturnRef: True}))
    assert status == errSecSuccess and ref == key and ref.is_secure_enclave and ref.is_private
    data, error = SecKeyCopyExternalRepresentation(ref)
    assert data is None and error.code == errSecUnimplemented
    attributes = SecKeyCopyAttributes(ref)
    assert attributes[kSecAttrTokenID] == kSecAttrTokenIDSecureEnclave and kSecValueData not in attributes
    assert attributes[kSecAttrTokenOID] == SecKeyCopyAttributes(key)[kSecAttrTokenOID]


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_stored_key_signs_and_its_public_key_verifies(make_keychain, platform):
    """The ref found in the keychain is the enclave key: its signature verifies with SecKeyCopyPublicKey
    of the key SecKeyCreateRandomKey returned (SecCTKKey.m SecCTKKeyCopyOperationResult)."""
    kc = make_keychain(platform=platform)
    key = create(kc)
    ref = kc.SecItemCopyMatching(by_tag(**{kSecReturnRef: True}))[1]
    signature, error = SecKeyCreateSignature(ref, ALGORITHM, b"challenge")
    assert error is None
    assert SecKeyVerifySignature(SecKeyCopyPublicKey(key), ALGORITHM, b"challenge", signature) == (True, None)
    assert SecKeyVerifySignature(SecKeyCopyPublicKey(key), ALGORITHM, b"other", signature)[0] is False


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_enclave_identity_round_trip(make_keychain, platform):
    """CSR signed by the enclave key, a certificate from the test CA, SecItemAdd of the certificate, then an
    identity lookup by the certificate's label: the identity's private key is the enclave key and signs.
    On macOS the certificate must go to the data protection keychain too (kSecUseDataProtectionKeychain),
    since the key can live nowhere else (SecItemCategorizeQuery)."""
    kc = make_keychain(platform=platform)
    key = create(kc)
    issued = TestCA().issue(create_csr(key, {"CN": "enclave client"}))
    cert = SecCertificateCreateWithData(issued.der)
    add = {kSecClass: kSecClassCertificate, kSecValueRef: cert, kSecAttrLabel: "enclave"}
    if platform == "macos":
        add[kSecUseDataProtectionKeychain] = True
    assert kc.SecItemAdd(add)[0] == errSecSuccess
    status, identity = kc.SecItemCopyMatching(
        {kSecClass: kSecClassIdentity, kSecAttrLabel: "enclave", kSecReturnRef: True}
    )
    assert status == errSecSuccess
    private = SecIdentityCopyPrivateKey(identity)[1]
    assert private == key and private.is_secure_enclave
    signature, _ = SecKeyCreateSignature(private, ALGORITHM, b"tls")
    assert SecKeyVerifySignature(SecKeyCopyPublicKey(key), ALGORITHM, b"tls", signature)[0] is True


@pytest.mark.apple_source
def test_on_macos_a_certificate_added_without_the_flag_does_not_pair_with_the_enclave_key(make_keychain):
    """SecItem.cpp SecItemCategorizeQuery: the certificate (no token ID, no flag) goes to the file-based
    keychain, the key (a token ID) only to the data protection keychain; identities are joined inside one
    keychain, so the lookup finds nothing, and finds the key and the certificate each on its own."""
    kc = make_keychain(platform="macos")
    key = create(kc)
    cert = SecCertificateCreateWithData(TestCA().issue(create_csr(key, {"CN": "split"})).der)
    assert kc.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueRef: cert, kSecAttrLabel: "split"})[0] == 0
    assert sorted(i.keychain for i in kc.all_items()) == ["dp", "file"]
    assert kc.SecItemCopyMatching({kSecClass: kSecClassIdentity, kSecAttrLabel: "split"})[0] == errSecItemNotFound
    assert kc.SecItemCopyMatching(by_tag())[0] == errSecSuccess


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_top_level_non_permanent_enclave_key_is_not_stored(make_keychain, platform):
    """SecKey.m SecKeyCreateRandomKey: the private key of a token is permanent unless kSecAttrIsPermanent is
    false, and top-level entries win for the token (SecCTKKey.m SecCTKKeyCreateRandomKey) but the keychain
    add uses merge_params, where the private sub-dictionary wins: perm false in the sub-dictionary keeps it
    out of the keychain (keys reference §A.6)."""
    kc = make_keychain(platform=platform)
    key, error = kc.SecKeyCreateRandomKey(se_params(**{kSecAttrIsPermanent: False}))
    assert error is None and key.is_secure_enclave
    assert kc.all_items() == []
    assert kc.SecItemCopyMatching(by_tag())[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_macos_queries_for_the_key_find_it_only_in_the_data_protection_keychain(make_keychain):
    """SecItem.cpp SecItemCategorizeQuery: a plain query searches both keychains and finds the key (it
    lives in the data protection one); a query forced to the file-based keychain does not."""
    kc = make_keychain(platform="macos")
    create(kc)
    assert kc.SecItemCopyMatching(by_tag())[0] == errSecSuccess
    assert kc.SecItemCopyMatching(by_tag(**{kSecAttrTokenID: kSecAttrTokenIDSecureEnclave}))[0] == errSecSuccess
    assert kc.SecItemCopyMatching(by_tag(**{kSecUseDataProtectionKeychain: False}))[0] == errSecItemNotFound


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", PLATFORMS)
def test_attributes_of_an_enclave_key_report_the_token(make_keychain, platform):
    """SecItemResultCopyPrepared for a token item: the attributes keep kSecAttrTokenID, never carry the
    data field as kSecValueData, and the returned dictionary's ref (R+A) is the enclave key."""
    kc = make_keychain(platform=platform)
    key = create(kc)
    status, row = kc.SecItemCopyMatching(by_tag(**{kSecReturnAttributes: True, kSecReturnRef: True}))
    assert status == errSecSuccess
    assert row[kSecAttrTokenID] == kSecAttrTokenIDSecureEnclave and kSecAttrTokenOID not in row
    assert row[kSecValueRef] == key and kSecValueData not in row
    assert row[kSecAttrAccessible] == kSecAttrAccessibleAlwaysPrivate


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_access_control_travels_in_the_data_field(make_keychain, platform):
    """SecItem.m SecTokenCopyUpdatedObjectID: the token object's access control goes into the data field
    ("ac") and kSecAttrAccessControl leaves the attributes; SecItemResultCopyPrepared reports it again as
    kSecAttrAccessControl of the returned attributes and of the rebuilt ref (SecCTKKeyCopyAttributeDictionary
    exports kSecAttrAccessControl)."""
    from keychainsim import SecAccessControlCreateWithFlags
    from keychainsim.model.access_control import kSecAccessControlPrivateKeyUsage

    access, _ = SecAccessControlCreateWithFlags(
        None, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, kSecAccessControlPrivateKeyUsage
    )
    kc = make_keychain(platform=platform)
    key, error = kc.SecKeyCreateRandomKey(se_params(**{kSecAttrAccessControl: access}))
    assert error is None and SecKeyCopyAttributes(key)[kSecAttrAccessControl] == access
    (row,) = kc.all_items()
    assert "accc" not in row.attrs and row.get("pdmn") == kSecAttrAccessibleAlwaysPrivate
    assert set(der_plist.decode(row.get("v_Data"))) == {"oid", "ac"}
    status, found = kc.SecItemCopyMatching(by_tag(**{kSecReturnAttributes: True, kSecReturnRef: True}))
    assert status == errSecSuccess
    assert found[kSecAttrAccessControl] == access
    assert SecKeyCopyAttributes(found[kSecValueRef])[kSecAttrAccessControl] == access
