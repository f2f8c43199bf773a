"""Accessibility defaults and device lock state (reference §K).

Sources: keychain/securityd/Regressions/secd-01-items.m, keychain/securityd/SecDbQuery.c
query_infer_keyclass / query_ensure_access_control (defaults), SecDbKeychainMetadataKeyStore.m
(class A metadata keys dropped on lock), SecItemDb.c s3dl_query_row / s3dl_query (a locked row aborts
the query), Apple's kSecAttrAccessibleWhenUnlocked page
(https://developer.apple.com/documentation/security/ksecattraccessiblewhenunlocked).

Certificates default to kSecAttrAccessibleAlways; see test_refs_certificates.py for that case.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import add_ok, genp, spamcop_inet, without


@pytest.mark.apple_source
@pytest.mark.parametrize("attrs", [genp(), spamcop_inet()], ids=["genp", "inet"])
def test_default_accessibility_is_when_unlocked(keychain, attrs):
    """SecDbQuery.c query_infer_keyclass (and Apple's kSecAttrAccessibleWhenUnlocked page): an add with
    neither kSecAttrAccessible nor kSecAttrAccessControl gets pdmn "ak"."""
    status, result = keychain.SecItemAdd(attrs | {kSecReturnAttributes: True})
    assert status == errSecSuccess
    assert result[kSecAttrAccessible] == kSecAttrAccessibleWhenUnlocked


@pytest.mark.apple_source
@pytest.mark.parametrize("pdmn", ["ak", "ck", "dk", "aku", "cku", "dku"])
def test_explicit_accessibility_is_stored(keychain, pdmn):
    """SecAccessControl.m SecAccessControlSetProtection accepts these protections; the stored pdmn is
    returned as given."""
    add_ok(keychain, genp(**{kSecAttrAccessible: pdmn}))
    status, attrs = keychain.SecItemCopyMatching(genp(**{kSecReturnAttributes: True}))
    assert status == errSecSuccess and attrs[kSecAttrAccessible] == pdmn


@pytest.mark.apple_test
def test_secd01_locked_add_is_interaction_not_allowed(keychain):
    """secd-01-items.m: 'add internet password while locked' → errSecInteractionNotAllowed (-25308);
    nothing is stored (after unlocking, the same add succeeds)."""
    item = spamcop_inet(**{kSecReturnData: True})
    keychain.lock()
    status, result = keychain.SecItemAdd(item)
    assert status == errSecInteractionNotAllowed and result is None
    keychain.unlock()
    status, _ = keychain.SecItemAdd(without(item, kSecReturnData))
    assert status == errSecSuccess


@pytest.mark.apple_test
def test_secd01_locked_duplicate_add_is_interaction_not_allowed(keychain):
    """secd-01-items.m: 'add internet password again, while locked' → -25308 (not -25299: encryption
    happens before the INSERT); 'add internet password again, while unlocked' → errSecDuplicateItem."""
    item = spamcop_inet(**{kSecReturnData: True})
    assert keychain.SecItemAdd(item)[0] == errSecSuccess
    keychain.lock()
    assert keychain.SecItemAdd(item)[0] == errSecInteractionNotAllowed
    keychain.unlock()
    assert keychain.SecItemAdd(item)[0] == errSecDuplicateItem


@pytest.mark.apple_test
def test_secd01_locked_find_is_interaction_not_allowed(keychain):
    """secd-01-items.m: 'find internet password, while unlocked' → 0; locked → errSecInteractionNotAllowed.
    (The Apple query carries kSecReturnData.)"""
    item = spamcop_inet(**{kSecReturnData: True})
    add_ok(keychain, without(item, kSecReturnData))
    query = without(item, kSecValueData)
    assert keychain.SecItemCopyMatching(query)[0] == errSecSuccess
    keychain.lock()
    status, result = keychain.SecItemCopyMatching(query)
    assert status == errSecInteractionNotAllowed and result is None


@pytest.mark.apple_source
def test_locked_attribute_only_query_of_class_a_item_fails(keychain):
    """SecDbKeychainMetadataKeyStore.m _onQueueDropClassAKeys (§K.2): class A metadata keys are dropped
    on lock, so even a kSecReturnAttributes-only query of an "ak" item → -25308."""
    add_ok(keychain, genp())
    keychain.lock()
    status, result = keychain.SecItemCopyMatching(genp(**{kSecReturnAttributes: True}))
    assert status == errSecInteractionNotAllowed and result is None


@pytest.mark.inferred
def test_locked_query_matching_nothing_is_not_found(keychain):
    """§K.2 (inferred ordering): rows are decrypted as the scan reaches them, so a locked query whose
    attributes match no row still returns -25300."""
    add_ok(keychain, genp())
    keychain.lock()
    status, _ = keychain.SecItemCopyMatching(genp("nobody", "nowhere"))
    assert status == errSecItemNotFound


@pytest.mark.apple_source
def test_after_first_unlock_item_readable_while_locked(keychain):
    """§K.2 (AKS class C keys stay cached after the first unlock): a "ck" item is found and its data
    read while the device is locked."""
    add_ok(keychain, genp(**{kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock, kSecValueData: b"pw"}))
    keychain.lock()
    status, data = keychain.SecItemCopyMatching(genp(**{kSecReturnData: True}))
    assert status == errSecSuccess and data == b"pw"


@pytest.mark.apple_source
def test_after_first_unlock_add_while_locked(keychain):
    """§K.2: an add of a "ck" item while locked (but after the first unlock) succeeds — its class key
    is available."""
    keychain.lock()
    status, _ = keychain.SecItemAdd(genp(**{kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock}))
    assert status == errSecSuccess


@pytest.mark.apple_source
def test_restart_makes_after_first_unlock_items_unavailable(keychain):
    """§K.2: after a restart and before the first unlock, class C ("ck") items → -25308; after unlock
    they are readable, and stay readable after a later lock."""
    add_ok(keychain, genp(**{kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock, kSecValueData: b"pw"}))
    keychain.restart()
    status, result = keychain.SecItemCopyMatching(genp(**{kSecReturnData: True}))
    assert status == errSecInteractionNotAllowed and result is None
    keychain.unlock()
    keychain.lock()
    status, data = keychain.SecItemCopyMatching(genp(**{kSecReturnData: True}))
    assert status == errSecSuccess and data == b"pw"


@pytest.mark.apple_source
def test_restart_leaves_device_locked(keychain):
    """Contract 'restart = locked, before first unlock' and §K.2: "ak" items → -25308 right after a
    restart."""
    add_ok(keychain, genp())
    keychain.restart()
    assert keychain.SecItemCopyMatching(genp())[0] == errSecInteractionNotAllowed


@pytest.mark.apple_source
@pytest.mark.parametrize("pdmn", [kSecAttrAccessibleAlways, kSecAttrAccessibleAlwaysThisDeviceOnly])
def test_always_items_available_in_every_state(keychain, pdmn):
    """§K.2: "dk"/"dku" items are readable and addable when locked and before the first unlock."""
    add_ok(keychain, genp("a", **{kSecAttrAccessible: pdmn, kSecValueData: b"pw"}))
    keychain.lock()
    assert keychain.SecItemCopyMatching(genp("a", **{kSecReturnData: True})) == (errSecSuccess, b"pw")
    keychain.restart()
    assert keychain.SecItemCopyMatching(genp("a", **{kSecReturnData: True})) == (errSecSuccess, b"pw")
    assert keychain.SecItemAdd(genp("b", **{kSecAttrAccessible: pdmn}))[0] == errSecSuccess


@pytest.mark.apple_source
def test_locked_update_of_class_a_item(keychain):
    """§K.2: an update needs to decrypt the item → -25308 while locked; the item is unchanged."""
    add_ok(keychain, genp(**{kSecValueData: b"pw"}))
    keychain.lock()
    assert keychain.SecItemUpdate(genp(), {kSecValueData: b"new"}) == errSecInteractionNotAllowed
    keychain.unlock()
    assert keychain.SecItemCopyMatching(genp(**{kSecReturnData: True})) == (errSecSuccess, b"pw")


@pytest.mark.apple_source
def test_locked_scan_aborts_on_first_unavailable_row(keychain):
    """SecItemDb.c s3dl_query: errSecInteractionNotAllowed from one row stops the whole query — a
    LimitAll query that matches a "ck" item and an "ak" item while locked → -25308, not a partial list."""
    add_ok(keychain, genp("a", **{kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock}))
    add_ok(keychain, genp("b"))
    keychain.lock()
    status, result = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: "svc",
            kSecReturnAttributes: True,
            kSecMatchLimit: kSecMatchLimitAll,
        }
    )
    assert status == errSecInteractionNotAllowed and result is None


@pytest.mark.apple_source
def test_update_can_change_accessibility(keychain):
    """§F.2: kSecAttrAccessible in attributesToUpdate re-protects the item — after changing ak → ck the
    item is readable while locked."""
    add_ok(keychain, genp(**{kSecValueData: b"pw"}))
    assert keychain.SecItemUpdate(genp(), {kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock}) == errSecSuccess
    keychain.lock()
    assert keychain.SecItemCopyMatching(genp(**{kSecReturnData: True})) == (errSecSuccess, b"pw")
