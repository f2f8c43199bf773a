"""macOS item references for passwords (SecKeychainItemRef)."""

from __future__ import annotations

import pytest

from keychainsim.constants import *
from keychainsim.errors import NotModeledError
from keychainsim.model.keychain_item import SecKeychainItem

GENP = {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc", kSecAttrAccount: "acct"}


@pytest.mark.apple_test
def test_genp_return_ref_is_an_item_ref_on_macos_and_null_on_ios(make_keychain):
    """KeychainAPITests.m testGenpReturnRef: iOS has no ref type for passwords (NULL result, status 0);
    macOS returns a SecKeychainItemRef."""
    ios = make_keychain()
    assert ios.SecItemAdd({**GENP, kSecValueData: b"pw"})[0] == errSecSuccess
    assert ios.SecItemCopyMatching({**GENP, kSecReturnRef: True}) == (errSecSuccess, None)
    mac = make_keychain(platform="macos")
    assert mac.SecItemAdd({**GENP, kSecValueData: b"pw", kSecUseDataProtectionKeychain: True})[0] == errSecSuccess
    status, ref = mac.SecItemCopyMatching({**GENP, kSecReturnRef: True, kSecUseDataProtectionKeychain: True})
    assert status == errSecSuccess and isinstance(ref, SecKeychainItem)
    assert (ref.item_class, ref.keychain) == ("genp", "dp")


@pytest.mark.apple_source
def test_file_based_copy_without_return_keys_returns_a_reference(make_keychain):
    """SecItem.cpp (reference §M.4): the file-based keychain returns a SecKeychainItemRef when no return key
    is given; the data protection keychain returns nothing."""
    mac = make_keychain(platform="macos")
    assert mac.SecItemAdd({**GENP, kSecValueData: b"pw"})[0] == errSecSuccess
    status, ref = mac.SecItemCopyMatching(GENP)
    assert status == errSecSuccess and isinstance(ref, SecKeychainItem) and ref.keychain == "file"
    with pytest.raises(NotModeledError, match="SecKeychainItemRef"):
        mac.SecItemDelete({kSecValueRef: ref})


@pytest.mark.apple_source
def test_persistent_ref_with_sync_is_param_error_on_ios_but_translated_on_macos(make_keychain):
    """SecItemServer.c s3dl_copy_matching (reference §E.9): a UUID persistent ref with any WHERE attribute,
    even kSecAttrSynchronizable true, is -50 on iOS; the macOS shim drops kSecAttrSynchronizable from a DP
    query that carries a persistent ref (SecItem.cpp SecItemCopyTranslatedAttributes, §M.3)."""
    for platform, expected in (("ios", errSecParam), ("macos", errSecSuccess)):
        kc = make_keychain(platform=platform)
        add = {**GENP, kSecAttrSynchronizable: True, kSecReturnPersistentRef: True}
        status, ref = kc.SecItemAdd(add)
        assert status == errSecSuccess
        query = {kSecValuePersistentRef: ref, kSecAttrSynchronizable: True, kSecReturnAttributes: True}
        assert kc.SecItemCopyMatching(query)[0] == expected, platform
