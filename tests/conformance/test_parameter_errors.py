"""Dictionaries the engine rejects, and keys it accepts but ignores.

Sources: keychain/securityd/SecDbQuery.c (query_applier, query_add_class/match/return/use,
query_update_applier), SecItemDb.c (SecDbAttrWithKey, s3dl_query_update), SecItemServer.c
(SecServerItemUpdate/Delete/CopyMatchingWithCustomDb, queryHasValidAttributes), and the Apple tests
si-05-add.c, si-43-persistent.c, secdxctests/KeychainAPITests.m. Reference §B, §D.2, §E.1, §F, §G.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import PASSWORD, add_ok, genp

# --- class ----------------------------------------------------------------------------------------


@pytest.mark.apple_source
@pytest.mark.parametrize("call", ["add", "find", "update", "delete"])
def test_missing_class_is_param_error(keychain, call):
    """SecDbQuery.c query_get_class: no kSecClass (and no persistent ref) → errSecItemClassMissing (-50)
    in every call."""
    add_ok(keychain, genp())
    d = {kSecAttrAccount: "alice", kSecAttrService: "svc"}
    if call == "add":
        status = keychain.SecItemAdd(d | {kSecValueData: PASSWORD})[0]
    elif call == "find":
        status, result = keychain.SecItemCopyMatching(d)
        assert result is None
    elif call == "update":
        status = keychain.SecItemUpdate(d, {kSecAttrLabel: "x"})
    else:
        status = keychain.SecItemDelete(d)
    assert status == errSecParam


@pytest.mark.apple_source
@pytest.mark.parametrize("cls", ["nope", kSecClassAppleSharePassword])
@pytest.mark.parametrize("call", ["add", "find", "update", "delete"])
def test_unknown_class_is_no_such_class(keychain, cls, call):
    """SecDbQuery.c query_add_class: a kSecClass string that names no DP class (incl. the SPI "apls")
    → errSecNoSuchClass (-25306)."""
    d = {kSecClass: cls, kSecAttrAccount: "alice"}
    if call == "add":
        status = keychain.SecItemAdd(d)[0]
    elif call == "find":
        status = keychain.SecItemCopyMatching(d)[0]
    elif call == "update":
        status = keychain.SecItemUpdate(d, {kSecAttrLabel: "x"})
    else:
        status = keychain.SecItemDelete(d)
    assert status == errSecNoSuchClass


@pytest.mark.apple_source
def test_class_not_a_string_is_param_error(keychain):
    """SecDbQuery.c query_add_class: a non-string kSecClass value → -50 (reference §E.1)."""
    status, result = keychain.SecItemCopyMatching({kSecClass: 1})
    assert status == errSecParam and result is None


# --- attributes that do not belong to the class ----------------------------------------------------


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("cls", "key", "value"),
    [
        (kSecClassGenericPassword, kSecAttrServer, "example.com"),
        (kSecClassGenericPassword, kSecAttrApplicationTag, b"tag"),
        (kSecClassInternetPassword, kSecAttrService, "svc"),
        (kSecClassInternetPassword, kSecAttrGeneric, b"g"),
    ],
)
@pytest.mark.parametrize("call", ["add", "find", "update-query", "update-attrs", "delete"])
def test_attribute_of_another_class_is_no_such_attr(keychain, cls, key, value, call):
    """SecItemDb.c SecDbAttrWithKey: a 4-character key that is not an attribute of the class →
    errSecNoSuchAttr (-25303), in the query and in attributesToUpdate (si-05-add.c case 7 shows it for
    kSecAttrApplicationTag on a certificate, add and delete)."""
    add_ok(keychain, {kSecClass: cls, kSecAttrAccount: "alice"})
    base = {kSecClass: cls, kSecAttrAccount: "alice"}
    if call == "add":
        status = keychain.SecItemAdd(base | {kSecAttrLabel: "new", key: value})[0]
    elif call == "find":
        status = keychain.SecItemCopyMatching(base | {key: value})[0]
    elif call == "update-query":
        status = keychain.SecItemUpdate(base | {key: value}, {kSecAttrLabel: "x"})
    elif call == "update-attrs":
        status = keychain.SecItemUpdate(base, {key: value})
    else:
        status = keychain.SecItemDelete(base | {key: value})
    assert status == errSecNoSuchAttr


@pytest.mark.apple_source
def test_unknown_four_letter_key_is_no_such_attr(keychain):
    """SecDbQuery.c query_applier: every 4-character key is taken as an attribute; one the class lacks
    → -25303."""
    status, result = keychain.SecItemCopyMatching(genp(**{"zzzz": "x"}))
    assert status == errSecNoSuchAttr and result is None


@pytest.mark.apple_source
@pytest.mark.parametrize("key", ["persistref", "certdata", "xyzzy"])
def test_key_outside_the_known_families_is_param_error(keychain, key):
    """SecDbQuery.c query_applier: a key that is not 4 characters long and whose first letter is not
    c/m/r/u/v/f is invalid → errSecItemInvalidKey (-50). This covers kSecAttrPersistentReference
    ("persistref", 10 characters) used as a query key (reference §L.3)."""
    add_ok(keychain, genp())
    status, result = keychain.SecItemCopyMatching(genp(**{key: b"\x00" * 16}))
    assert status == errSecParam and result is None


@pytest.mark.apple_source
def test_unknown_use_key_is_param_error(keychain):
    """SecDbQuery.c query_add_use: a u… key the server does not know (kSecUseKeychain is macOS
    file-based only) → -50."""
    add_ok(keychain, genp())
    status, _ = keychain.SecItemCopyMatching(genp(**{kSecUseKeychain: "login"}))
    assert status == errSecParam


@pytest.mark.apple_source
def test_data_protection_flag_is_ignored_on_ios(keychain):
    """SecItemDb.c SecDbAttrWithKey: "nleg" (kSecUseDataProtectionKeychain) is 4 characters, reaches
    the attribute path and is special-cased to a no-op; the Apple tests pass it on every call."""
    status, _ = keychain.SecItemAdd(genp(**{kSecUseDataProtectionKeychain: True, kSecValueData: PASSWORD}))
    assert status == errSecSuccess
    status, data = keychain.SecItemCopyMatching(genp(**{kSecUseDataProtectionKeychain: True, kSecReturnData: True}))
    assert status == errSecSuccess and data == PASSWORD
    assert (
        keychain.SecItemUpdate(
            genp(**{kSecUseDataProtectionKeychain: True}), {kSecAttrLabel: "L", kSecUseDataProtectionKeychain: True}
        )
        == errSecSuccess
    )
    assert keychain.SecItemDelete(genp(**{kSecUseDataProtectionKeychain: True})) == errSecSuccess


@pytest.mark.apple_test
def test_internal_clip_attribute_rejected_everywhere(keychain):
    """KeychainAPITests.m testNotAllowedToPassInternalAttributes: "clip" (kSecAttrAppClipItem) in an
    add, a find, an update query, attributesToUpdate or a delete → errSecParam."""
    ok_query = genp(None, "AppClipTestService", **{kSecValueData: b"password"})
    bad_query = ok_query | {"clip": True}
    assert keychain.SecItemAdd(bad_query)[0] == errSecParam
    assert keychain.SecItemCopyMatching(bad_query)[0] == errSecParam
    assert keychain.SecItemUpdate(bad_query, {kSecAttrService: "DifferentService"}) == errSecParam
    assert keychain.SecItemUpdate(ok_query, {"clip": True}) == errSecParam
    assert keychain.SecItemDelete(bad_query) == errSecParam


@pytest.mark.apple_test
def test_access_control_of_wrong_type(keychain):
    """KeychainAPITests.m testBadTypeInParams: a genp with only a label adds and deletes fine; with
    kSecAttrAccessControl set to a string, SecItemAdd and SecItemDelete → errSecParam."""
    attrs = {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "testentry"}
    assert keychain.SecItemAdd(attrs)[0] == errSecSuccess
    assert keychain.SecItemDelete(attrs) == errSecSuccess
    attrs[kSecAttrAccessControl] = "string, no SecAccessControlRef!"
    assert keychain.SecItemAdd(attrs)[0] == errSecParam
    assert keychain.SecItemDelete(attrs) == errSecParam


@pytest.mark.apple_source
def test_invalid_accessibility_value_is_param_error(keychain):
    """SecAccessControl.m SecAccessControlSetProtection (reference §K.1): a kSecAttrAccessible value
    other than ak/ck/dk/aku/cku/dku/akpu (and SPI f) → -50; nothing is stored."""
    status, _ = keychain.SecItemAdd(genp(**{kSecAttrAccessible: "always-ish"}))
    assert status == errSecParam
    assert keychain.SecItemCopyMatching(genp())[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_host_or_subdomain_match_on_genp_is_unimplemented(keychain):
    """SecItemServer.c SecServerItemCopyMatchingWithCustomDb: kSecMatchHostOrSubdomainOfHost on a class
    other than inet → errSecUnsupportedOperation (-4)."""
    add_ok(keychain, genp())
    status, _ = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassGenericPassword, kSecMatchHostOrSubdomainOfHost: "example.com"}
    )
    assert status == errSecUnimplemented


@pytest.mark.apple_test
def test_host_or_subdomain_match_on_inet(keychain):
    """KeychainAPITests.m testSecItemCopyMatchingHostorSubdomain: an inet with server
    "origin.example.com" is found by kSecMatchHostOrSubdomainOfHost "example.com" and by
    "origin.example.com" (attributes dictionary with that server), not by "foobar.com" (-25300)."""
    add_ok(
        keychain,
        {
            kSecClass: kSecClassInternetPassword,
            kSecValueData: b"password",
            kSecAttrAccount: "TestAccount",
            kSecAttrServer: "origin.example.com",
        },
    )
    for host in ("example.com", "origin.example.com"):
        status, attrs = keychain.SecItemCopyMatching(
            {
                kSecClass: kSecClassInternetPassword,
                kSecMatchHostOrSubdomainOfHost: host,
                kSecReturnAttributes: True,
                kSecMatchLimit: kSecMatchLimitOne,
            }
        )
        assert status == errSecSuccess
        assert isinstance(attrs, dict) and attrs[kSecAttrServer] == "origin.example.com"
    status, result = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassInternetPassword,
            kSecMatchHostOrSubdomainOfHost: "foobar.com",
            kSecReturnAttributes: True,
            kSecMatchLimit: kSecMatchLimitOne,
        }
    )
    assert status == errSecItemNotFound and result is None


@pytest.mark.apple_source
def test_use_item_list_in_find_and_update_is_param_error(keychain):
    """SecItemServer.c: kSecUseItemList in SecItemCopyMatching or SecItemUpdate → errSecUseItemListUnsupported
    (-50)."""
    add_ok(keychain, genp())
    assert keychain.SecItemCopyMatching(genp(**{kSecUseItemList: []}))[0] == errSecParam
    assert keychain.SecItemUpdate(genp(**{kSecUseItemList: []}), {kSecAttrLabel: "x"}) == errSecParam


# --- match and return keys in update / delete (iOS) ------------------------------------------------


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("key", "value"),
    [
        (kSecMatchLimit, kSecMatchLimitOne),
        (kSecMatchLimit, kSecMatchLimitAll),
        (kSecMatchLimit, 1),
        (kSecMatchCaseInsensitive, True),
    ],
)
def test_match_keys_in_update_query_are_param_error(keychain, key, value):
    """SecItemDb.c s3dl_query_update: query_match_count(q) != 0 → errSecItemMatchUnsupported (-50) on
    iOS, even for kSecMatchLimitAll; nothing is changed."""
    add_ok(keychain, genp())
    assert keychain.SecItemUpdate(genp(**{key: value}), {kSecAttrLabel: "x"}) == errSecParam
    assert keychain.SecItemCopyMatching(genp(**{kSecAttrLabel: "x"}))[0] == errSecItemNotFound


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("key", "value"),
    [
        (kSecMatchLimit, kSecMatchLimitOne),
        (kSecMatchLimit, kSecMatchLimitAll),
        (kSecMatchLimit, 5),
        (kSecMatchCaseInsensitive, True),
    ],
)
def test_match_keys_in_delete_query_are_param_error(keychain, key, value):
    """SecItemServer.c SecServerItemDeleteWithCustomDb: a limit other than 'all' →
    errSecMatchLimitUnsupported, then any match key (incl. kSecMatchLimitAll) →
    errSecItemMatchUnsupported; both -50 on iOS. The item survives."""
    add_ok(keychain, genp())
    assert keychain.SecItemDelete(genp(**{key: value})) == errSecParam
    assert keychain.SecItemCopyMatching(genp())[0] == errSecSuccess


@pytest.mark.apple_test
@pytest.mark.parametrize("key", [kSecReturnAttributes, kSecReturnData, kSecReturnRef, kSecReturnPersistentRef])
def test_return_keys_in_update_query_are_param_error_on_ios(keychain, key):
    """KeychainAPITests.m testReturnValuesInSecItemUpdate (iOS branch): a normal update succeeds; an
    update whose query carries kSecReturnAttributes / Data / Ref / PersistentRef → errSecParam."""
    status, result = keychain.SecItemAdd(
        genp("TestAccount", "TestService", **{kSecValueData: b"password", kSecReturnAttributes: True})
    )
    assert status == errSecSuccess and result is not None
    query = genp("TestAccount", "TestService")
    assert keychain.SecItemUpdate(query, {kSecValueData: b"otherpassword"}) == errSecSuccess
    assert keychain.SecItemUpdate(query | {key: True}, {kSecValueData: b"return-key"}) == errSecParam
    status, data = keychain.SecItemCopyMatching(query | {kSecReturnData: True})
    assert status == errSecSuccess and data == b"otherpassword"


@pytest.mark.apple_test
def test_return_keys_in_delete_are_ignored(keychain):
    """si-43-persistent.c 'delete internet password' uses a query containing kSecReturnAttributes and
    succeeds (SecItemServer.c SecServerItemDeleteWithCustomDb never looks at return flags)."""
    add_ok(keychain, genp())
    q = genp(**{kSecReturnAttributes: True, kSecReturnData: True, kSecReturnPersistentRef: True})
    assert keychain.SecItemDelete(q) == errSecSuccess
    assert keychain.SecItemCopyMatching(genp())[0] == errSecItemNotFound


# --- attributesToUpdate ---------------------------------------------------------------------------


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("key", "value"),
    [
        (kSecClass, kSecClassGenericPassword),
        (kSecReturnAttributes, True),
        (kSecMatchLimit, kSecMatchLimitAll),
        (kSecUseCredentialReference, b"cred"),
        (kSecValuePersistentRef, b"genp" + b"\x00" * 16),
    ],
)
def test_non_attribute_keys_in_attributes_to_update_are_no_such_attr(keychain, key, value):
    """SecDbQuery.c query_update_applier: every key of attributesToUpdate except kSecValueData goes
    through query_add_attribute → SecDbAttrWithKey → errSecNoSuchAttr (-25303) when it is not an
    attribute of the class (secd-81-item-acl.m sees this for kSecUseCredentialReference). The item is
    unchanged."""
    add_ok(keychain, genp(**{kSecValueData: PASSWORD}))
    assert keychain.SecItemUpdate(genp(), {key: value, kSecValueData: b"new"}) == errSecNoSuchAttr
    status, data = keychain.SecItemCopyMatching(genp(**{kSecReturnData: True}))
    assert status == errSecSuccess and data == PASSWORD


@pytest.mark.apple_source
def test_musr_in_attributes_to_update_is_silently_ignored(keychain):
    """SecDbQuery.c query_update_applier: "musr" is refused with a log line and no error; the rest of
    the update applies."""
    add_ok(keychain, genp())
    assert keychain.SecItemUpdate(genp(), {kSecAttrMultiUser: b"\x01" * 16, kSecAttrLabel: "L"}) == errSecSuccess
    status, attrs = keychain.SecItemCopyMatching(genp(**{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrMultiUser] == b""
    assert attrs[kSecAttrLabel] == "L"


@pytest.mark.apple_source
def test_update_nothing_matches_is_not_found(keychain):
    """SecItemDb.c s3dl_query_update: no row updated → errSecItemNotFound (-25300)."""
    assert keychain.SecItemUpdate(genp(), {kSecAttrLabel: "x"}) == errSecItemNotFound


@pytest.mark.apple_source
def test_value_data_in_query_is_not_a_match_term(keychain):
    """SecDbQuery.c query_add_value: kSecValueData in a query is stored but never matched
    (SecItemTests.m moveGenericPassword relies on it): a query with other data still finds the item."""
    add_ok(keychain, genp(**{kSecValueData: b"real"}))
    assert keychain.SecItemCopyMatching(genp(**{kSecValueData: b"something else"}))[0] == errSecSuccess
    assert keychain.SecItemDelete(genp(**{kSecValueData: b"something else"})) == errSecSuccess


@pytest.mark.apple_source
def test_value_data_not_data_in_add_is_param_error(keychain):
    """SecDbQuery.c query_add_value / §D.2: kSecValueData must be CFData (DP keychain) → a string is
    -50 and nothing is stored."""
    status, _ = keychain.SecItemAdd(genp(**{kSecValueData: "password"}))
    assert status == errSecParam
    assert keychain.SecItemCopyMatching(genp())[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_none_value_is_param_error(keychain):
    """SecDbQuery.c query_applier: a NULL value → errSecItemInvalidValue (-50); the contract maps
    Python None to NSNull, which no attribute converter accepts for a Blob attribute (§C.6)."""
    status, _ = keychain.SecItemAdd(genp(**{kSecAttrLabel: None}))
    assert status == errSecParam
