"""Add / find / update / delete of passwords, ported from Apple's secitem regression tests.

Sources: OSX/sec/Security/Regressions/secitem/si-00-find-nothing.c, si-10-find-internet.c,
si-11-update-data.c, si-80-empty-data.c and keychain/SecurityUnitTests/SecItemTests.m
(apple-oss-distributions/Security, tag Security-61901.0.87.0.1). Reference: secitem-engine.md §D–§G.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import (
    APP_GROUP,
    INET_ATTRIBUTE_KEYS,
    PASSWORD,
    add_ok,
    assert_plain_attribute_dict,
    genp,
    spamcop_inet,
    without,
)

# --- si-00-find-nothing.c -------------------------------------------------------------------------


@pytest.mark.apple_test
def test_si00_find_nothing_in_empty_keychain(keychain):
    """si-00-find-nothing.c: 'find nothing' → errSecItemNotFound; 'results still NULL?'."""
    status, result = keychain.SecItemCopyMatching({kSecClass: kSecClassInternetPassword})
    assert status == errSecItemNotFound
    assert result is None


@pytest.mark.apple_test
@pytest.mark.parametrize(
    "cls", [kSecClassGenericPassword, kSecClassInternetPassword, kSecClassCertificate, kSecClassKey, kSecClassIdentity]
)
def test_si00_every_class_is_empty_at_start(keychain, cls):
    """si-00-find-nothing.c generalised to every class: an empty keychain finds nothing (-25300,
    result None), whatever the class."""
    status, result = keychain.SecItemCopyMatching({kSecClass: cls, kSecReturnAttributes: True})
    assert status == errSecItemNotFound
    assert result is None


# --- si-10-find-internet.c ------------------------------------------------------------------------


@pytest.mark.apple_test
def test_si10_add_internet_password_then_duplicate(keychain):
    """si-10-find-internet.c: 'add internet password' → 0 with no result; 'add internet password
    again' → errSecDuplicateItem (-25299)."""
    status, result = keychain.SecItemAdd(spamcop_inet())
    assert status == errSecSuccess
    assert result is None
    status, result = keychain.SecItemAdd(spamcop_inet())
    assert status == errSecDuplicateItem
    assert result is None


@pytest.mark.apple_test
def test_si10_find_by_all_attributes_except_data(keychain):
    """si-10-find-internet.c: 'find internet password' with every add attribute but the data → 0; no
    return key so no result."""
    add_ok(keychain, spamcop_inet())
    status, result = keychain.SecItemCopyMatching(without(spamcop_inet(), kSecValueData))
    assert status == errSecSuccess
    assert result is None


@pytest.mark.apple_test
def test_si10_return_attributes_limit_one_is_a_dict(keychain):
    """si-10-find-internet.c: 'find internet password, return attributes' with kSecMatchLimitOne → one
    attribute dictionary; its protocol stays the string "http", its port the number 80 (§C.6), and the
    unset PK members carry their defaults (§C.4: sdmn/path "")."""
    add_ok(keychain, spamcop_inet())
    q = without(spamcop_inet(), kSecValueData) | {kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitOne}
    status, attrs = keychain.SecItemCopyMatching(q)
    assert status == errSecSuccess
    assert_plain_attribute_dict(attrs, INET_ATTRIBUTE_KEYS)
    assert attrs[kSecAttrServer] == "members.spamcop.net"
    assert attrs[kSecAttrAccount] == "smith"
    assert attrs[kSecAttrProtocol] == "http" and isinstance(attrs[kSecAttrProtocol], str)
    assert attrs[kSecAttrPort] == 80 and type(attrs[kSecAttrPort]) is int
    assert attrs[kSecAttrAuthenticationType] == "dflt"
    assert attrs[kSecAttrSecurityDomain] == ""
    assert attrs[kSecAttrPath] == ""
    assert attrs[kSecAttrAccessGroup] == APP_GROUP
    assert attrs[kSecAttrAccessible] == kSecAttrAccessibleWhenUnlocked
    assert attrs[kSecAttrSynchronizable] == 0


@pytest.mark.apple_test
def test_si10_find_using_returned_attributes_minus_sha1(keychain):
    """si-10-find-internet.c: 'find internet password using returned attributes': the returned
    attribute dictionary, without kSecAttrSHA1, plus class and kSecReturnData, finds the item again;
    'retrieved data correctly' → the data is b"test"."""
    add_ok(keychain, spamcop_inet())
    q = without(spamcop_inet(), kSecValueData) | {kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitOne}
    status, attrs = keychain.SecItemCopyMatching(q)
    assert status == errSecSuccess
    query2 = dict(attrs)
    query2.pop(kSecAttrSHA1, None)
    query2[kSecClass] = kSecClassInternetPassword
    query2[kSecReturnData] = True
    status, data = keychain.SecItemCopyMatching(query2)
    assert status == errSecSuccess
    assert data == PASSWORD and isinstance(data, bytes)


@pytest.mark.apple_test
def test_si10_primary_key_changing_update_then_again_not_found(keychain):
    """si-10-find-internet.c: 'update internet password' (server changed) → 0; 'update non-exisiting
    internet password again' → errSecItemNotFound; 'delete non existing internet password' with the
    old query → errSecItemNotFound."""
    add_ok(keychain, spamcop_inet())
    query = without(spamcop_inet(), kSecValueData)
    changes = {kSecAttrServer: "www.spamcop.net"}
    assert keychain.SecItemUpdate(query, changes) == errSecSuccess
    assert keychain.SecItemUpdate(query, changes) == errSecItemNotFound
    assert keychain.SecItemDelete(query) == errSecItemNotFound
    # The changed item is still there under its new server (the test's final 'delete changed
    # internet password' uses only class + server).
    changed_item = {kSecClass: kSecClassInternetPassword, kSecAttrServer: "www.spamcop.net"}
    status, data = keychain.SecItemCopyMatching(changed_item | {kSecReturnData: True})
    assert status == errSecSuccess and data == PASSWORD
    assert keychain.SecItemDelete(changed_item) == errSecSuccess


@pytest.mark.apple_test
def test_si10_readd_original_and_delete_it(keychain):
    """si-10-find-internet.c: after the update, 'add unmodified password' → 0 (no collision with the
    moved item) and 'delete internet password' → 0."""
    add_ok(keychain, spamcop_inet())
    query = without(spamcop_inet(), kSecValueData)
    assert keychain.SecItemUpdate(query, {kSecAttrServer: "www.spamcop.net"}) == errSecSuccess
    status, _ = keychain.SecItemAdd(spamcop_inet())
    assert status == errSecSuccess
    assert keychain.SecItemDelete(query) == errSecSuccess
    assert keychain.SecItemCopyMatching(query)[0] == errSecItemNotFound


@pytest.mark.apple_test
def test_si10_update_causing_duplicate(keychain):
    """si-10-find-internet.c: with both the moved item and a re-added original present, 'update
    internet password causing dupe' → errSecDuplicateItem; both items survive unchanged (§F.4)."""
    add_ok(keychain, spamcop_inet())
    query = without(spamcop_inet(), kSecValueData)
    changes = {kSecAttrServer: "www.spamcop.net"}
    assert keychain.SecItemUpdate(query, changes) == errSecSuccess
    add_ok(keychain, spamcop_inet())
    assert keychain.SecItemUpdate(query, changes) == errSecDuplicateItem
    assert keychain.SecItemCopyMatching(query)[0] == errSecSuccess
    assert keychain.SecItemDelete(query) == errSecSuccess
    changed_item = {kSecClass: kSecClassInternetPassword, kSecAttrServer: "www.spamcop.net"}
    assert keychain.SecItemDelete(changed_item) == errSecSuccess


@pytest.mark.apple_test
def test_si10_protocol_given_as_string_matches_itself(keychain):
    """si-10-find-internet.c passes kSecAttrProtocol as CFSTR("http") (a string in an INTEGER column,
    §C.6: not a decimal integer, so kept as a string). The constant kSecAttrProtocolHTTP has the same
    value, so a query with the constant finds the item."""
    add_ok(keychain, spamcop_inet())
    status, _ = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassInternetPassword, kSecAttrProtocol: kSecAttrProtocolHTTP}
    )
    assert status == errSecSuccess
    status, _ = keychain.SecItemCopyMatching({kSecClass: kSecClassInternetPassword, kSecAttrProtocol: "htps"})
    assert status == errSecItemNotFound


# --- si-11-update-data.c --------------------------------------------------------------------------


@pytest.mark.apple_test
def test_si11_update_data(keychain):
    """si-11-update-data.c: 'update generic password' with new kSecValueData → 0 and the new data is
    what a later find returns."""
    add_ok(keychain, genp("dankeen", "iTools", **{kSecValueData: PASSWORD}))
    query = genp("dankeen", "iTools")
    assert keychain.SecItemCopyMatching(query)[0] == errSecSuccess
    new = b"different password data this time"
    assert keychain.SecItemUpdate(query, {kSecValueData: new}) == errSecSuccess
    status, data = keychain.SecItemCopyMatching(query | {kSecReturnData: True})
    assert status == errSecSuccess and data == new
    assert keychain.SecItemDelete(query) == errSecSuccess


@pytest.mark.apple_test
@pytest.mark.parametrize("bad", [None, "bogus"], ids=["NULL data", "string data"])
def test_si11_update_with_null_or_string_data_is_param_error(keychain, bad):
    """si-11-update-data.c: 'update NULL data' → errSecParam; 'update string data' → errSecParam
    (kSecValueData must be CFData, §F.1 h). The item keeps its data."""
    add_ok(keychain, genp("dankeen", "iTools", **{kSecValueData: PASSWORD}))
    query = genp("dankeen", "iTools")
    assert keychain.SecItemUpdate(query, {kSecValueData: bad}) == errSecParam
    status, data = keychain.SecItemCopyMatching(query | {kSecReturnData: True})
    assert status == errSecSuccess and data == PASSWORD


# --- SecItemTests.m -------------------------------------------------------------------------------


@pytest.mark.apple_test
def test_secitemtests_add_two_generic_passwords(keychain):
    """SecItemTests.m testAddTwoGenericPassword: two accounts, one service → both adds succeed and
    return attribute dictionaries (kSecReturnAttributes)."""
    for account in ("delete-me", "delete-me2s"):
        status, attrs = keychain.SecItemAdd(
            genp(
                account,
                "delete-me",
                **{
                    kSecValueData: b"password",
                    kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock,
                    kSecReturnAttributes: True,
                },
            )
        )
        assert status == errSecSuccess
        assert isinstance(attrs, dict)
        assert attrs[kSecAttrAccount] == account
        assert attrs[kSecAttrAccessible] == kSecAttrAccessibleAfterFirstUnlock


@pytest.mark.apple_test
def test_secitemtests_colliding_then_move(keychain):
    """SecItemTests.m testAddCollidingGenericPassword / testMoveGenericPassword: second add →
    errSecDuplicateItem; an update whose query also carries kSecValueData and kSecAttrAccessible moves
    account+service → 0; the same move again → errSecItemNotFound."""
    add_attrs = genp(
        "delete-me",
        "delete-me",
        **{
            kSecValueData: b"password",
            kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock,
            kSecReturnAttributes: True,
        },
    )
    assert keychain.SecItemAdd(add_attrs)[0] == errSecSuccess
    status, result = keychain.SecItemAdd(add_attrs)
    assert status == errSecDuplicateItem and result is None
    update_query = genp(
        "delete-me", "delete-me", **{kSecValueData: b"password", kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock}
    )
    new = {kSecAttrAccount: "delete-me2", kSecAttrService: "delete-me2"}
    assert keychain.SecItemUpdate(update_query, new) == errSecSuccess
    assert keychain.SecItemUpdate(update_query, new) == errSecItemNotFound
    assert keychain.SecItemCopyMatching(genp("delete-me2", "delete-me2"))[0] == errSecSuccess


@pytest.mark.apple_test
def test_secitemtests_bad_port_accepted_on_ios(keychain):
    """SecItemTests.m testBadPort: kSecAttrPort = "" on an internet password → 0 on iOS ("Allow
    embedded OSes to work as before")."""
    status, _ = keychain.SecItemAdd(
        {
            kSecClass: kSecClassInternetPassword,
            kSecValueData: b"password",
            kSecAttrAccount: "SecItemTests testBadPort Account",
            kSecAttrPort: "",
        }
    )
    assert status == errSecSuccess


# --- si-80-empty-data.c ---------------------------------------------------------------------------


@pytest.mark.apple_test
def test_si80_item_without_data(keychain):
    """si-80-empty-data.c: a genp added without kSecValueData; LimitAll + Data + Attributes → a 1-sized
    array whose row is a dictionary with no v_Data, and svce/acct returned."""
    add_ok(keychain, genp("empty-data-account-test", "empty-data-svce-test"))
    status, result = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: "empty-data-svce-test",
            kSecMatchLimit: kSecMatchLimitAll,
            kSecReturnData: True,
            kSecReturnAttributes: True,
        }
    )
    assert status == errSecSuccess
    assert isinstance(result, list) and len(result) == 1
    row = result[0]
    assert isinstance(row, dict)
    assert kSecValueData not in row
    assert row[kSecAttrService] == "empty-data-svce-test"
    assert row[kSecAttrAccount] == "empty-data-account-test"
    assert (
        keychain.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrService: "empty-data-svce-test"})
        == errSecSuccess
    )


# --- delete ---------------------------------------------------------------------------------------


@pytest.mark.apple_source
def test_delete_removes_every_match(keychain):
    """SecItemServer.c SecServerItemDeleteWithCustomDb → s3dl_query_delete (§G.1 f): a DP delete acts on
    all matching items (there is no limit); afterwards a find and a second delete give -25300."""
    for account in ("a", "b", "c"):
        add_ok(keychain, genp(account, "svc"))
    add_ok(keychain, genp("a", "other"))
    assert keychain.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrService: "svc"}) == errSecSuccess
    status, _ = keychain.SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecAttrService: "svc"})
    assert status == errSecItemNotFound
    assert keychain.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrService: "svc"}) == errSecItemNotFound
    assert keychain.SecItemCopyMatching(genp("a", "other"))[0] == errSecSuccess


@pytest.mark.apple_source
def test_update_changes_every_match(keychain):
    """SecItemDb.c s3dl_query_update (§F.1 j): every matching item is updated, not just the first."""
    for account in ("a", "b"):
        add_ok(keychain, genp(account, "svc"))
    assert (
        keychain.SecItemUpdate({kSecClass: kSecClassGenericPassword, kSecAttrService: "svc"}, {kSecAttrLabel: "L"})
        == errSecSuccess
    )
    status, rows = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrLabel: "L",
            kSecReturnAttributes: True,
            kSecMatchLimit: kSecMatchLimitAll,
        }
    )
    assert status == errSecSuccess
    assert sorted(r[kSecAttrAccount] for r in rows) == ["a", "b"]
