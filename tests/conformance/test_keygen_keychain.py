"""SecKeyCreateRandomKey through a real Keychain: the twins of tests/crypto/test_keygen.py's recorder tests.

tests/crypto/test_keygen.py checks the parameter rules with a recording stand-in for SecItemAdd; these
run the same rules through the keychain's own add, so what the rules store is what a query then finds.
Sources: OSX/sec/Security/SecKey.m (SecKeyCreateRandomKey, merge_params, getBoolForKey, add_key),
OSX/sec/Security/SecCTKKey.m (SecCTKKeyCreateRandomKey); keys reference §A.1-§A.6.
"""

from __future__ import annotations

import pytest

from keychainsim import SecKeyCopyAttributes, SecKeyCopyPublicKey
from keychainsim.constants import *

EC = {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}
OTHER_GROUP = "Z9Y8X7W6V5.com.example.not-entitled"


def keys_in(kc) -> list[tuple[int, bytes]]:
    """(kcls, klbl) of every stored key, in row order."""
    return [(i.get("kcls"), i.get("klbl")) for i in kc.all_items() if i.item_class == "keys"]


def label_of(key) -> bytes:
    return SecKeyCopyAttributes(key)[kSecAttrApplicationLabel]


@pytest.mark.apple_source
def test_default_is_ephemeral(keychain):
    """SecKey.m SecKeyCreateRandomKey: software keys default to kSecAttrIsPermanent false, so nothing is
    stored and a lookup by the key's label finds nothing (§A.3)."""
    key, error = keychain.SecKeyCreateRandomKey(dict(EC))
    assert error is None and key.is_private
    assert keychain.all_items() == []
    query = {kSecClass: kSecClassKey, kSecAttrApplicationLabel: label_of(key)}
    assert keychain.SecItemCopyMatching(query)[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_top_level_permanent_stores_public_then_private(keychain):
    """SecKey.m SecKeyCreateRandomKey, add_key: top-level perm=true reaches both per-key dictionaries; the
    public key is added first; the label reaches both rows; both are found by the application label."""
    key, error = keychain.SecKeyCreateRandomKey({**EC, kSecAttrIsPermanent: True, kSecAttrLabel: "enroll"})
    assert error is None
    label = label_of(key)
    assert keys_in(keychain) == [(0, label), (1, label)]
    assert {i.get("labl") for i in keychain.all_items()} == {"enroll"}
    status, found = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassKey,
            kSecAttrApplicationLabel: label,
            kSecMatchLimit: kSecMatchLimitAll,
            kSecReturnRef: True,
        }
    )
    assert status == errSecSuccess and found == [SecKeyCopyPublicKey(key), key]


@pytest.mark.apple_source
def test_permanent_as_a_number_is_ignored(keychain):
    """SecKey.m getBoolForKey: kSecAttrIsPermanent 1 (a CFNumber) is not a boolean; the default applies."""
    key, error = keychain.SecKeyCreateRandomKey({**EC, kSecAttrIsPermanent: 1})
    assert key is not None and error is None and keychain.all_items() == []


@pytest.mark.apple_source
def test_only_private_permanent_via_sub_dictionary(keychain):
    """§A.1-A.3: kSecPrivateKeyAttrs {perm: true} stores the private key alone."""
    key, _ = keychain.SecKeyCreateRandomKey({**EC, kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True}})
    assert keys_in(keychain) == [(1, label_of(key))]


@pytest.mark.apple_source
def test_a_failed_public_add_fails_the_call_before_the_private_add(keychain):
    """SecKey.m SecKeyCreateRandomKey: the public add runs first; its failure (here -34018: an access group
    the app is not entitled to) is the call's CFError and the private key is never added."""
    key, error = keychain.SecKeyCreateRandomKey(
        {**EC, kSecAttrIsPermanent: True, kSecPublicKeyAttrs: {kSecAttrAccessGroup: OTHER_GROUP}}
    )
    assert key is None and error.code == errSecMissingEntitlement
    assert keychain.all_items() == []


@pytest.mark.inferred
def test_a_failed_private_add_keeps_the_public_key(keychain):
    """§A.3 (inferred): the public key added before a failing private add stays in the keychain; the call
    fails with the private add's status."""
    key, error = keychain.SecKeyCreateRandomKey(
        {**EC, kSecAttrIsPermanent: True, kSecPrivateKeyAttrs: {kSecAttrAccessGroup: OTHER_GROUP}}
    )
    assert key is None and error.code == errSecMissingEntitlement
    assert [kcls for kcls, _ in keys_in(keychain)] == [0]


@pytest.mark.apple_source
def test_an_enclave_private_key_is_permanent_by_default_with_the_sub_dictionary_tag(keychain):
    """SecKey.m: the private add defaults to permanent when kSecAttrTokenID is present; the keychain add
    uses merge_params (sub-dictionary wins), while the token itself gets top-level-wins attributes
    (SecCTKKey.m SecCTKKeyCreateRandomKey, §A.6)."""
    key, error = keychain.SecKeyCreateRandomKey(
        {
            **EC,
            kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
            kSecAttrApplicationTag: b"top",
            kSecPrivateKeyAttrs: {kSecAttrApplicationTag: b"sub"},
        }
    )
    assert error is None and key.is_secure_enclave
    (row,) = keychain.all_items()
    assert row.get("atag") == b"sub" and row.get("tkid") == kSecAttrTokenIDSecureEnclave


@pytest.mark.apple_source
def test_an_enclave_public_key_is_stored_as_a_software_key(keychain):
    """SecKey.m SecKeyCreateRandomKey: a permanent public half of an enclave key is an ordinary EC public
    key added without kSecAttrTokenID; the private half, made non-permanent, is not stored."""
    key, error = keychain.SecKeyCreateRandomKey(
        {
            **EC,
            kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
            kSecPublicKeyAttrs: {kSecAttrIsPermanent: True},
            kSecPrivateKeyAttrs: {kSecAttrIsPermanent: False},
        }
    )
    assert error is None
    (row,) = keychain.all_items()
    assert row.get("kcls") == 0 and row.get("tkid") is None and row.get("klbl") == label_of(key)
