"""Access groups (reference §I).

Sources: OSX/sec/Security/Regressions/secitem/si-15-delete-access-group.m,
secdxctests/KeychainEntitlementsTest.m (the parts that apply to an ordinary app:
testValidEntitlementsAppID, testEntitlementsAssociatedAppID, testDisallowTokenGroupWrite,
testEntitlementForExplicitAccessGroupLacking, testEntitlementForImplicitAccessGroupLacking),
keychain/securityd/SecItemServer.c (SecServerItemAdd/CopyMatching/Update/DeleteWithCustomDb,
SecServerAccessGroupsAllows), keychain/headers/SecItem.h (kSecAttrAccessGroup: the first group is the
default).

`kc.with_entitlements(access_groups=[...])` stands for the same device seen by an app whose final
access-group list (§I.1) is the one given; the item store is shared.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import APP_GROUP, OTHER_APP_GROUP, SHARED_GROUP, add_ok, genp

MY_GROUP = "com.apple.test.myaccessgroup"
APP_ID = "com.apple.test-app-identifier"


@pytest.fixture
def two_group_kc(make_keychain):
    return make_keychain(access_groups=[APP_GROUP, SHARED_GROUP])


@pytest.mark.apple_docs
def test_default_group_is_first_of_list(two_group_kc):
    """SecItem.h (kSecAttrAccessGroup) and SecItemServer.c (client->accessGroups[0]): an add without
    kSecAttrAccessGroup lands in the first group of the caller's list."""
    status, attrs = two_group_kc.SecItemAdd(genp(**{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrAccessGroup] == APP_GROUP
    status, attrs = two_group_kc.SecItemCopyMatching(genp(**{kSecReturnAttributes: True}))
    assert status == errSecSuccess and attrs[kSecAttrAccessGroup] == APP_GROUP


@pytest.mark.apple_test
def test_entitlements_associated_app_id_default_group(keychain):
    """KeychainEntitlementsTest.m testEntitlementsAssociatedAppID: before the add the query finds nothing
    (-25300); the add succeeds; the returned kSecAttrAccessGroup is the first group of the list (there:
    the associated application identifier); delete → 0."""
    other = keychain.with_entitlements(access_groups=["com.apple.test-associated-app-identifier", APP_ID])
    params = {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "label"}
    assert other.SecItemCopyMatching(params)[0] == errSecItemNotFound
    assert other.SecItemAdd(params)[0] == errSecSuccess
    status, attrs = other.SecItemCopyMatching(params | {kSecReturnAttributes: True})
    assert status == errSecSuccess
    assert attrs[kSecAttrAccessGroup] == "com.apple.test-associated-app-identifier"
    assert other.SecItemDelete(params | {kSecReturnAttributes: True}) == errSecSuccess


@pytest.mark.apple_test
def test_valid_app_id_explicit_group(keychain):
    """KeychainEntitlementsTest.m testValidEntitlementsAppID: with the app identifier as the only
    group, an explicit kSecAttrAccessGroup naming it → find -25300, add 0, delete 0."""
    app = keychain.with_entitlements(access_groups=[APP_ID])
    params = {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "label", kSecAttrAccessGroup: APP_ID}
    assert app.SecItemCopyMatching(params)[0] == errSecItemNotFound
    assert app.SecItemAdd(params)[0] == errSecSuccess
    assert app.SecItemDelete(params) == errSecSuccess


@pytest.mark.apple_test
def test_explicit_group_not_entitled_is_missing_entitlement(keychain):
    """KeychainEntitlementsTest.m testEntitlementForExplicitAccessGroupLacking (first half): a caller whose
    only group is its app identifier names MY_GROUP explicitly → add, find, update and delete all
    return errSecMissingEntitlement (-34018), although no such item exists."""
    app = keychain.with_entitlements(access_groups=[APP_ID])
    query = {
        kSecClass: kSecClassGenericPassword,
        kSecAttrAccount: "TestAccount",
        kSecAttrLabel: "TestLabel",
        kSecAttrAccessGroup: MY_GROUP,
    }
    status, result = app.SecItemAdd(query | {kSecValueData: b"passwd"})
    assert status == errSecMissingEntitlement and result is None
    status, result = app.SecItemCopyMatching(query)
    assert status == errSecMissingEntitlement and result is None
    assert app.SecItemUpdate(query, {kSecAttrLabel: "NewLabel"}) == errSecMissingEntitlement
    assert app.SecItemDelete(query) == errSecMissingEntitlement


@pytest.mark.apple_test
def test_explicit_group_lacking_after_item_exists(keychain):
    """KeychainEntitlementsTest.m testEntitlementForExplicitAccessGroupLacking (second half): an app
    entitled to MY_GROUP adds the item (0) and finds it (0); without the entitlement the explicit-group
    find → -34018; an update with no group in the query but MY_OTHER group in attributesToUpdate →
    -34018; entitled again, the delete → 0."""
    entitled = keychain.with_entitlements(access_groups=[APP_ID, MY_GROUP])
    query = {
        kSecClass: kSecClassGenericPassword,
        kSecAttrAccount: "TestAccount",
        kSecAttrLabel: "TestLabel",
        kSecAttrAccessGroup: MY_GROUP,
    }
    assert entitled.SecItemAdd(query | {kSecValueData: b"secret"})[0] == errSecSuccess
    assert entitled.SecItemCopyMatching(query)[0] == errSecSuccess
    lacking = keychain.with_entitlements(access_groups=[APP_ID])
    assert lacking.SecItemCopyMatching(query)[0] == errSecMissingEntitlement
    no_group_query = {k: v for k, v in query.items() if k != kSecAttrAccessGroup}
    update = {kSecAttrLabel: "NewLabel", kSecAttrAccessGroup: "com.apple.test.myotheraccessgroup"}
    assert lacking.SecItemUpdate(no_group_query, update) == errSecMissingEntitlement
    assert entitled.SecItemDelete(query) == errSecSuccess


@pytest.mark.apple_test
def test_implicit_group_lacking_is_not_found(keychain):
    """KeychainEntitlementsTest.m testEntitlementForImplicitAccessGroupLacking: an item in MY_GROUP is
    invisible to an app without that group: find, update and delete with no explicit group → -25300;
    entitled again, the update (label → NewLabel) → 0, a find by the new label → 0, delete → 0."""
    entitled = keychain.with_entitlements(access_groups=[APP_ID, MY_GROUP])
    query = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "TestAccount", kSecAttrLabel: "TestLabel"}
    assert entitled.SecItemAdd(query | {kSecAttrAccessGroup: MY_GROUP, kSecValueData: b"passwd"})[0] == errSecSuccess
    lacking = keychain.with_entitlements(access_groups=[APP_ID])
    status, result = lacking.SecItemCopyMatching(query)
    assert status == errSecItemNotFound and result is None
    assert lacking.SecItemUpdate(query, {kSecAttrLabel: "NewLabel"}) == errSecItemNotFound
    assert lacking.SecItemDelete(query) == errSecItemNotFound
    assert entitled.SecItemUpdate(query, {kSecAttrLabel: "NewLabel"}) == errSecSuccess
    relabelled = query | {kSecAttrLabel: "NewLabel"}
    assert entitled.SecItemCopyMatching(relabelled)[0] == errSecSuccess
    assert entitled.SecItemDelete(relabelled) == errSecSuccess


@pytest.mark.apple_test
def test_token_group_is_read_only(keychain):
    """KeychainEntitlementsTest.m testDisallowTokenGroupWrite / si-82-token-ag.c: with com.apple.token
    in the list, an explicit kSecAttrAccessGroupToken find → -25300 (tokens enabled, no token items),
    while add and delete → errSecMissingEntitlement."""
    app = keychain.with_entitlements(access_groups=[kSecAttrAccessGroupToken])
    params = {
        kSecClass: kSecClassGenericPassword,
        kSecAttrLabel: "label",
        kSecAttrAccessGroup: kSecAttrAccessGroupToken,
    }
    assert app.SecItemCopyMatching(params)[0] == errSecItemNotFound
    assert app.SecItemAdd(params)[0] == errSecMissingEntitlement
    assert app.SecItemDelete(params) == errSecMissingEntitlement


@pytest.mark.apple_test
def test_no_entitlements_cannot_write(keychain):
    """KeychainEntitlementsTest.m testNoEntitlements (iOS branch): an app with no access groups at all
    → find -34018, add -34018, delete -34018."""
    app = keychain.with_entitlements(access_groups=[])
    params = {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "label"}
    assert app.SecItemCopyMatching(params)[0] == errSecMissingEntitlement
    assert app.SecItemAdd(params)[0] == errSecMissingEntitlement
    assert app.SecItemDelete(params) == errSecMissingEntitlement


@pytest.mark.apple_test
def test_si15_items_in_two_groups(make_keychain):
    """si-15-delete-access-group.m: two genps with only a label each, in group 1 and group 2 (both
    adds → 0, no collision although account/service default to "" in both); a label query without a
    group finds each (0). Removing group 1's items (there via SPI SecItemDeleteAllWithAccessGroups,
    here via SecItemDelete with an explicit group) → the first query -25300, the second still 0; then
    group 2 the same way → both -25300."""
    g1, g2 = "123456.test.group", "123456.test.group2"
    kc = make_keychain(access_groups=[g1, g2])
    query = {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "keychain label"}
    query2 = {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "keychain label2"}
    assert kc.SecItemAdd(query | {kSecAttrAccessGroup: g1})[0] == errSecSuccess
    assert kc.SecItemCopyMatching(query)[0] == errSecSuccess
    assert kc.SecItemAdd(query2 | {kSecAttrAccessGroup: g2})[0] == errSecSuccess
    assert kc.SecItemCopyMatching(query)[0] == errSecSuccess
    assert kc.SecItemCopyMatching(query2)[0] == errSecSuccess
    assert kc.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrAccessGroup: g1}) == errSecSuccess
    assert kc.SecItemCopyMatching(query)[0] == errSecItemNotFound
    assert kc.SecItemCopyMatching(query2)[0] == errSecSuccess
    assert kc.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrAccessGroup: g2}) == errSecSuccess
    assert kc.SecItemCopyMatching(query)[0] == errSecItemNotFound
    assert kc.SecItemCopyMatching(query2)[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_explicit_group_restricts_search_to_that_group(two_group_kc):
    """SecItemServer.c SecServerItemCopyMatchingWithCustomDb: an entitled explicit kSecAttrAccessGroup
    replaces the group list by that one group — an item in the other group is not found (-25300)."""
    add_ok(two_group_kc, genp())
    status, _ = two_group_kc.SecItemCopyMatching(genp(**{kSecAttrAccessGroup: SHARED_GROUP}))
    assert status == errSecItemNotFound
    assert two_group_kc.SecItemCopyMatching(genp(**{kSecAttrAccessGroup: APP_GROUP}))[0] == errSecSuccess


@pytest.mark.apple_source
def test_query_without_group_searches_all_caller_groups(two_group_kc):
    """SecDbQuery / SecItemServer.c (agrp IN caller groups, §E.2): one item per group, a LimitAll query
    without a group returns both."""
    add_ok(two_group_kc, genp())
    add_ok(two_group_kc, genp(**{kSecAttrAccessGroup: SHARED_GROUP}))
    status, rows = two_group_kc.SecItemCopyMatching(
        genp(**{kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitAll})
    )
    assert status == errSecSuccess
    assert [r[kSecAttrAccessGroup] for r in rows] == [APP_GROUP, SHARED_GROUP]


@pytest.mark.apple_source
def test_another_app_sees_only_shared_group(two_group_kc):
    """SecServerAccessGroupsAllows (plain string equality, §I.2): another app on the same device,
    entitled to the shared group only, finds the shared item and not the private one; with a group
    list naming neither, it finds nothing (-25300)."""
    add_ok(two_group_kc, genp("private"))
    add_ok(two_group_kc, genp("shared", **{kSecAttrAccessGroup: SHARED_GROUP}))
    other = two_group_kc.with_entitlements(access_groups=["Z9Y8X7W6V5.com.example.other", SHARED_GROUP])
    assert other.SecItemCopyMatching(genp("shared"))[0] == errSecSuccess
    assert other.SecItemCopyMatching(genp("private"))[0] == errSecItemNotFound
    stranger = two_group_kc.with_entitlements(access_groups=[OTHER_APP_GROUP])
    assert stranger.SecItemCopyMatching(genp("shared"))[0] == errSecItemNotFound
    assert (
        stranger.SecItemCopyMatching(genp("shared", **{kSecAttrAccessGroup: SHARED_GROUP}))[0]
        == errSecMissingEntitlement
    )


@pytest.mark.apple_source
def test_other_app_add_lands_in_its_own_default_group(keychain):
    """SecItemServer.c (default agrp = client->accessGroups[0]): the same account/service added by two
    apps lands in two groups and does not collide; each app sees its own."""
    add_ok(keychain, genp())
    other = keychain.with_entitlements(access_groups=[OTHER_APP_GROUP])
    status, attrs = other.SecItemAdd(genp(**{kSecReturnAttributes: True}))
    assert status == errSecSuccess and attrs[kSecAttrAccessGroup] == OTHER_APP_GROUP
    status, attrs = keychain.SecItemCopyMatching(genp(**{kSecReturnAttributes: True}))
    assert status == errSecSuccess and attrs[kSecAttrAccessGroup] == APP_GROUP


@pytest.mark.apple_source
def test_update_can_move_item_to_other_entitled_group(two_group_kc):
    """§F.2 (SecItemServer.c checks the new group is writable, then the update applies): kSecAttrAccessGroup
    in attributesToUpdate moves the item; an explicit find in the old group → -25300."""
    add_ok(two_group_kc, genp())
    assert two_group_kc.SecItemUpdate(genp(), {kSecAttrAccessGroup: SHARED_GROUP}) == errSecSuccess
    assert two_group_kc.SecItemCopyMatching(genp(**{kSecAttrAccessGroup: APP_GROUP}))[0] == errSecItemNotFound
    assert two_group_kc.SecItemCopyMatching(genp(**{kSecAttrAccessGroup: SHARED_GROUP}))[0] == errSecSuccess
