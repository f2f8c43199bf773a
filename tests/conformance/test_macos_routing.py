"""macOS: the file-based keychain and the data-protection keychain side by side (reference §M).

Sources: OSX/libsecurity_keychain/regressions/si-34-one-true-keychain.c,
OSX/libsecurity_keychain/lib/SecItem.cpp (SecItemCategorizeQuery, SecItemCopyTranslatedAttributes,
SecItemMergeResults, SecItemUpdate_osx / SecItemDelete_osx, _CreateSecItemParamsFromDictionary),
OSX/libsecurity_keychain/lib/Item.cpp ItemImpl::addWithCopyInfo (label auto-fill),
OSX/libsecurity_cdsa_utilities/lib/Schema.m4 (file-based uniqueness), keychain/SecurityUnitTests/SecItemTests.m
testBadPort, secdxctests/KeychainAPITests.m testReturnValuesInSecItemUpdate (macOS branch), TN3137
(https://developer.apple.com/documentation/technotes/tn3137-on-mac-keychains).
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import SHARED_GROUP, add_ok, genp, without

DP = {kSecUseDataProtectionKeychain: True}


@pytest.fixture
def mac(make_keychain):
    return make_keychain(platform="macos")


def _si34_query():
    return {
        kSecClass: kSecClassInternetPassword,
        kSecAttrServer: "members.spamcop.net",
        kSecAttrAccount: "smith",
        kSecAttrPort: 80,
        kSecAttrProtocol: kSecAttrProtocolHTTP,
        kSecAttrAuthenticationType: kSecAttrAuthenticationTypeDefault,
    }


@pytest.mark.apple_test
def test_si34_file_item_routing(mac):
    """si-34-one-true-keychain.c, first half: a plain add goes to the OS X keychain; it is found by the
    plain query and by SynchronizableAny, not by a kSecUseDataProtectionKeychain query nor a sync=true
    query (-25300). Updating it works with the plain and the SynchronizableAny query, not the DP one
    (-25300); deleting with the DP query → -25300, with SynchronizableAny → 0."""
    query = _si34_query()
    no_legacy = query | DP
    sync_any = query | {kSecAttrSynchronizable: kSecAttrSynchronizableAny}
    sync = query | {kSecAttrSynchronizable: True}
    assert mac.SecItemAdd(query | {kSecValueData: b"test"})[0] == errSecSuccess
    assert mac.SecItemCopyMatching(query)[0] == errSecSuccess
    assert mac.SecItemCopyMatching(no_legacy)[0] == errSecItemNotFound
    assert mac.SecItemCopyMatching(sync_any)[0] == errSecSuccess
    assert mac.SecItemCopyMatching(sync)[0] == errSecItemNotFound
    to_update = {kSecValueData: b"test"}
    assert mac.SecItemUpdate(query, to_update) == errSecSuccess
    assert mac.SecItemUpdate(no_legacy, to_update) == errSecItemNotFound
    assert mac.SecItemUpdate(sync_any, to_update) == errSecSuccess
    assert mac.SecItemDelete(no_legacy) == errSecItemNotFound
    assert mac.SecItemDelete(sync_any) == errSecSuccess
    assert mac.SecItemCopyMatching(query)[0] == errSecItemNotFound


@pytest.mark.apple_test
def test_si34_data_protection_item_routing(mac):
    """si-34-one-true-keychain.c, second half: an add with kSecUseDataProtectionKeychain goes to the iOS
    keychain; it is found by the plain query, the DP query and SynchronizableAny, not by sync=true;
    updates through the plain, DP and SynchronizableAny queries succeed; the DP delete → 0."""
    query = _si34_query()
    no_legacy = query | DP
    sync_any = query | {kSecAttrSynchronizable: kSecAttrSynchronizableAny}
    sync = query | {kSecAttrSynchronizable: True}
    assert mac.SecItemAdd(no_legacy | {kSecValueData: b"test"})[0] == errSecSuccess
    assert mac.SecItemCopyMatching(query)[0] == errSecSuccess
    assert mac.SecItemCopyMatching(no_legacy)[0] == errSecSuccess
    assert mac.SecItemCopyMatching(sync_any)[0] == errSecSuccess
    assert mac.SecItemCopyMatching(sync)[0] == errSecItemNotFound
    to_update = {kSecValueData: b"test2"}
    assert mac.SecItemUpdate(query, to_update) == errSecSuccess
    assert mac.SecItemUpdate(no_legacy, to_update) == errSecSuccess
    assert mac.SecItemUpdate(sync_any, to_update) == errSecSuccess
    assert mac.SecItemDelete(no_legacy) == errSecSuccess
    assert mac.SecItemCopyMatching(query)[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_sync_true_add_goes_to_data_protection(mac):
    """SecItem.cpp SecItemCategorizeQuery: a truthy kSecAttrSynchronizable routes to DP only, so a
    kSecUseDataProtectionKeychain = false (file-only) query misses the item (§M.5 item 2) while a
    sync=true query finds it."""
    add_ok(mac, genp(**{kSecAttrSynchronizable: True}))
    assert mac.SecItemCopyMatching(genp(**{kSecAttrSynchronizable: True}))[0] == errSecSuccess
    assert (
        mac.SecItemCopyMatching(
            genp(**{kSecUseDataProtectionKeychain: False, kSecAttrSynchronizable: kSecAttrSynchronizableAny})
        )[0]
        == errSecItemNotFound
    )


@pytest.mark.apple_source
def test_file_delete_removes_only_first_match(mac):
    """SecItem.cpp SecItemDelete_osx runs a copy-matching with the default limit 1 (§M.4; Quinn's Pitfalls
    post warns the file-based keychain behaves as limit one): two file items share a service → one
    delete removes one of them, a second delete the other, a third → -25300."""
    add_ok(mac, genp("a", "svc"))
    add_ok(mac, genp("b", "svc"))
    q = {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc"}
    assert mac.SecItemDelete(q) == errSecSuccess
    status, rows = mac.SecItemCopyMatching(q | {kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitAll})
    assert status == errSecSuccess and len(rows) == 1
    assert mac.SecItemDelete(q) == errSecSuccess
    assert mac.SecItemDelete(q) == errSecItemNotFound


@pytest.mark.apple_source
def test_file_update_changes_only_first_match(mac):
    """SecItem.cpp SecItemUpdate_osx (§M.4): without kSecMatchLimitAll only the first file item is
    updated."""
    add_ok(mac, genp("a", "svc"))
    add_ok(mac, genp("b", "svc"))
    q = {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc"}
    assert mac.SecItemUpdate(q, {kSecAttrComment: "touched"}) == errSecSuccess
    status, rows = mac.SecItemCopyMatching(
        q | {kSecAttrComment: "touched", kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitAll}
    )
    assert status == errSecSuccess and len(rows) == 1


@pytest.mark.apple_source
def test_dp_delete_on_mac_removes_all_matches(mac):
    """SecItem.cpp (§M.3): the DP half of a delete runs the DP engine, which removes every match."""
    add_ok(mac, genp("a", "svc", **DP))
    add_ok(mac, genp("b", "svc", **DP))
    q = {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc"} | DP
    assert mac.SecItemDelete(q) == errSecSuccess
    assert mac.SecItemCopyMatching(q)[0] == errSecItemNotFound


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("attrs", "label"),
    [
        (genp("acct", "the-service"), "the-service"),
        ({kSecClass: kSecClassInternetPassword, kSecAttrAccount: "acct", kSecAttrServer: "the.server"}, "the.server"),
    ],
    ids=["genp-service", "inet-server"],
)
def test_file_keychain_fills_label(mac, attrs, label):
    """Item.cpp ItemImpl::addWithCopyInfo (§M.4): a file-based item added without a label gets one —
    the service (genp) or the server (inet)."""
    add_ok(mac, attrs)
    status, found = mac.SecItemCopyMatching(attrs | {kSecReturnAttributes: True})
    assert status == errSecSuccess
    assert found[kSecAttrLabel] == label


@pytest.mark.apple_source
def test_dp_keychain_does_not_fill_label(mac):
    """§M.4: the DP keychain has no label auto-fill — a DP genp without a label has no labl."""
    add_ok(mac, genp("acct", "the-service", **DP))
    status, found = mac.SecItemCopyMatching(genp("acct", "the-service", **DP, **{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert kSecAttrLabel not in found


@pytest.mark.apple_source
def test_file_uniqueness_ignores_access_group(make_keychain):
    """Schema.m4 (genp unique on account + service) and SecItemCopyTranslatedAttributes (the file
    dictionary loses kSecAttrAccessGroup): two file adds differing only in access group collide."""
    mac = make_keychain(platform="macos", access_groups=["A1B2C3D4E5.com.example.app", SHARED_GROUP])
    add_ok(mac, genp())
    assert mac.SecItemAdd(genp(**{kSecAttrAccessGroup: SHARED_GROUP}))[0] == errSecDuplicateItem


@pytest.mark.apple_source
def test_same_item_in_both_keychains_does_not_collide(mac):
    """§M.3: a file add and a DP add of the same account/service go to different implementations and
    both succeed; a plain LimitAll query merges both results."""
    add_ok(mac, genp())
    assert mac.SecItemAdd(genp(**DP))[0] == errSecSuccess
    status, rows = mac.SecItemCopyMatching(genp(**{kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitAll}))
    assert status == errSecSuccess and len(rows) == 2


@pytest.mark.apple_test
def test_bad_port_rejected_by_file_keychain(mac):
    """SecItemTests.m testBadPort (macOS branch): kSecAttrPort = "" on an internet password without the
    DP flag → errSecParam."""
    status, _ = mac.SecItemAdd(
        {
            kSecClass: kSecClassInternetPassword,
            kSecValueData: b"password",
            kSecAttrAccount: "SecItemTests testBadPort Account",
            kSecAttrPort: "",
        }
    )
    assert status == errSecParam


def _dp_update_with_return_key(mac, key):
    status, result = mac.SecItemAdd(
        genp("TestAccount", "TestService", **DP, **{kSecValueData: b"password", kSecReturnAttributes: True})
    )
    assert status == errSecSuccess and result is not None
    query = genp("TestAccount", "TestService", **DP)
    assert mac.SecItemUpdate(query, {kSecValueData: b"otherpassword"}) == errSecSuccess
    assert mac.SecItemUpdate(query | {key: True}, {kSecValueData: b"return-key"}) == errSecSuccess
    status, data = mac.SecItemCopyMatching(query | {kSecReturnData: True})
    assert status == errSecSuccess and data == b"return-key"


@pytest.mark.apple_test
def test_return_attributes_in_dp_update_is_fine_on_macos(mac):
    """KeychainAPITests.m testReturnValuesInSecItemUpdate (macOS branch): an update whose DP query carries
    kSecReturnAttributes succeeds (the shim strips return keys, §M.3)."""
    _dp_update_with_return_key(mac, kSecReturnAttributes)


@pytest.mark.apple_source
@pytest.mark.parametrize("key", [kSecReturnData, kSecReturnRef, kSecReturnPersistentRef])
def test_other_return_keys_in_dp_update_are_fine_on_macos(mac, key):
    """SecItem.cpp SecItemUpdate (DP half: return keys stripped, §M.3). Apple's macOS branch of
    testReturnValuesInSecItemUpdate means to test these too but, through a copy-paste slip, adds
    kSecReturnData/Ref/PersistentRef to the *attributes* query dictionary and then updates with plain
    copies, so only the source supports these three cases."""
    _dp_update_with_return_key(mac, key)


@pytest.mark.apple_source
def test_file_keychain_rejects_return_data_with_limit_all(mac):
    """SecItem.cpp _CreateSecItemParamsFromDictionary (errSecReturnDataUnsupported) and Apple's
    SecItemCopyMatching documentation: kSecReturnData + kSecMatchLimitAll on file-based passwords → -50."""
    add_ok(mac, genp(**{kSecValueData: b"pw", kSecUseDataProtectionKeychain: False}))
    status, result = mac.SecItemCopyMatching(
        genp(**{kSecUseDataProtectionKeychain: False, kSecReturnData: True, kSecMatchLimit: kSecMatchLimitAll})
    )
    assert status == errSecParam and result is None


@pytest.mark.apple_source
def test_dp_keychain_allows_return_data_with_limit_all_on_macos(mac):
    """§E.5: the restriction is the file keychain's; a DP query with Data + LimitAll works (si-78)."""
    add_ok(mac, genp(**{kSecValueData: b"pw"}, **DP))
    status, result = mac.SecItemCopyMatching(genp(**DP, **{kSecReturnData: True, kSecMatchLimit: kSecMatchLimitAll}))
    assert status == errSecSuccess and result == [b"pw"]


@pytest.mark.apple_source
def test_dp_delete_with_match_limit_is_fine_on_macos(mac):
    """SecItem.cpp (§M.3): the shim strips match keys from the DP half of a delete, so kSecMatchLimit is
    harmless on macOS (unlike iOS, -50)."""
    add_ok(mac, genp(**DP))
    assert mac.SecItemDelete(genp(**DP, **{kSecMatchLimit: kSecMatchLimitOne})) == errSecSuccess
    assert mac.SecItemCopyMatching(genp(**DP))[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_ios_platform_has_no_file_keychain(keychain):
    """TN3137 / §0.2: iOS has only the DP keychain — the DP flag changes nothing, a plain add is found by
    a DP query."""
    add_ok(keychain, genp())
    assert keychain.SecItemCopyMatching(genp(**DP))[0] == errSecSuccess
    assert keychain.SecItemCopyMatching(without(genp(**DP), kSecAttrAccount))[0] == errSecSuccess
