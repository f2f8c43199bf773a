"""Synchronizable items and tombstones (reference §J, §E.2).

Sources: OSX/sec/Security/Regressions/secitem/si-72-syncableitems.c, secd-82-persistent-ref.m,
si-05-add.c case 8, keychain/headers/SecItem.h (kSecAttrSynchronizable doc comment),
keychain/securityd/SecDbQuery.c query_create_with_limit / query_add_attribute_with_desc,
SecDbItem.c SecDbItemInsert / SecDbItemCopyTombstone, SecItemDb.c s3dl_should_make_tombstone.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import add_ok, genp

ACCOUNT = "Test Account 6F1F3B1E-0000-4000-8000-000000000000"
SERVICE = "Test Service"


def _si72_add(kc):
    status, attrs = kc.SecItemAdd(
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrLabel: "Test Synchronizable Item",
            kSecAttrComment: "Test Comment",
            kSecAttrAccount: ACCOUNT,
            kSecAttrService: SERVICE,
            kSecAttrSynchronizable: True,
            kSecValueData: b"Test\x00",
            kSecReturnAttributes: True,
        }
    )
    assert status == errSecSuccess
    return attrs


@pytest.mark.apple_test
def test_si72_add_sync_true_and_find_with_true_and_any(keychain):
    """si-72-syncableitems.c: 'SecItemAdd sync=true' → 0; 'SecItemCopyMatching sync=true' and
    'SecItemCopyMatching sync=any' (account + service + ReturnAttributes) → 0."""
    attrs = _si72_add(keychain)
    assert isinstance(attrs, dict)
    assert attrs[kSecAttrSynchronizable] == 1
    base = {
        kSecClass: kSecClassGenericPassword,
        kSecAttrAccount: ACCOUNT,
        kSecAttrService: SERVICE,
        kSecReturnAttributes: True,
    }
    for sync in (True, kSecAttrSynchronizableAny):
        status, found = keychain.SecItemCopyMatching(base | {kSecAttrSynchronizable: sync})
        assert status == errSecSuccess
        assert found[kSecAttrSynchronizable] == 1 and type(found[kSecAttrSynchronizable]) is int


@pytest.mark.apple_test
def test_si72_update_and_delete_with_sync_true(keychain):
    """si-72-syncableitems.c: 'SecItemUpdate sync=true' (comment) → 0; 'SecItemCopyMatching
    post-update' with the new comment → 0; 'SecItemDelete sync=true' with that query → 0."""
    _si72_add(keychain)
    query = {
        kSecClass: kSecClassGenericPassword,
        kSecAttrAccount: ACCOUNT,
        kSecAttrService: SERVICE,
        kSecAttrSynchronizable: True,
    }
    assert keychain.SecItemUpdate(query, {kSecAttrComment: "Updated Comment"}) == errSecSuccess
    q2 = query | {kSecAttrComment: "Updated Comment"}
    assert keychain.SecItemCopyMatching(q2)[0] == errSecSuccess
    assert keychain.SecItemDelete(q2) == errSecSuccess
    assert (
        keychain.SecItemCopyMatching(query | {kSecAttrSynchronizable: kSecAttrSynchronizableAny})[0]
        == errSecItemNotFound
    )


@pytest.mark.apple_docs
def test_sync_item_invisible_without_sync_in_query(keychain):
    """SecItem.h, kSecAttrSynchronizable: a query without the key (or with false) returns only
    non-synchronizable items (§J.2, §E.8 item 3); the same holds for update and delete."""
    _si72_add(keychain)
    plain = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: ACCOUNT, kSecAttrService: SERVICE}
    status, result = keychain.SecItemCopyMatching(plain | {kSecReturnAttributes: True})
    assert status == errSecItemNotFound and result is None
    assert keychain.SecItemCopyMatching(plain | {kSecAttrSynchronizable: False})[0] == errSecItemNotFound
    assert keychain.SecItemUpdate(plain, {kSecAttrLabel: "x"}) == errSecItemNotFound
    assert keychain.SecItemDelete(plain) == errSecItemNotFound
    assert keychain.SecItemCopyMatching(plain | {kSecAttrSynchronizable: True})[0] == errSecSuccess


@pytest.mark.apple_docs
def test_local_item_invisible_to_sync_true_query(keychain):
    """SecItem.h, kSecAttrSynchronizable: true restricts results to synchronizable items, so a local item
    is not found; SynchronizableAny finds it."""
    add_ok(keychain, genp())
    assert keychain.SecItemCopyMatching(genp(**{kSecAttrSynchronizable: True}))[0] == errSecItemNotFound
    assert keychain.SecItemCopyMatching(genp(**{kSecAttrSynchronizable: kSecAttrSynchronizableAny}))[0] == errSecSuccess


@pytest.mark.apple_source
@pytest.mark.parametrize("value", [1, "1"])
def test_sync_given_as_number_or_decimal_string(keychain, value):
    """SecDbItem.c copyNumber (Sync kind): CFNumber 1 and the string "1" both mean synchronizable."""
    add_ok(keychain, genp(**{kSecAttrSynchronizable: value}))
    assert keychain.SecItemCopyMatching(genp(**{kSecAttrSynchronizable: True}))[0] == errSecSuccess


@pytest.mark.inferred
def test_add_with_sync_any_makes_local_item(keychain):
    """§D.2 (inferred): kSecAttrSynchronizableAny as the value in an add is 'not specified' → the item
    is non-synchronizable (sync 0)."""
    add_ok(keychain, genp(**{kSecAttrSynchronizable: kSecAttrSynchronizableAny}))
    status, attrs = keychain.SecItemCopyMatching(genp(**{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrSynchronizable] == 0


@pytest.mark.apple_source
def test_deleted_sync_item_leaves_invisible_tombstone(keychain):
    """SecItemDb.c s3dl_should_make_tombstone / SecDbItem.c SecDbItemCopyTombstone (§J.4): deleting a
    synchronizable item leaves a tombstone (tomb = 1) that no public query sees (implicit tomb = 0), not
    even with SynchronizableAny, and a second delete or an update finds nothing."""
    add_ok(keychain, genp(**{kSecAttrSynchronizable: True}))
    assert keychain.SecItemDelete(genp(**{kSecAttrSynchronizable: True})) == errSecSuccess
    for sync in (True, kSecAttrSynchronizableAny):
        assert keychain.SecItemCopyMatching(genp(**{kSecAttrSynchronizable: sync}))[0] == errSecItemNotFound
    assert keychain.SecItemDelete(genp(**{kSecAttrSynchronizable: True})) == errSecItemNotFound
    assert keychain.SecItemUpdate(genp(**{kSecAttrSynchronizable: True}), {kSecAttrLabel: "x"}) == errSecItemNotFound


@pytest.mark.apple_source
def test_readd_over_tombstone_succeeds(keychain):
    """SecDbItem.c SecDbItemInsert (§J.4, §D.1 i): a tombstone occupies the primary key but is silently
    replaced by a live add with the same key → 0 (not -25299); the new item is visible."""
    add_ok(keychain, genp(**{kSecAttrSynchronizable: True, kSecValueData: b"one"}))
    assert keychain.SecItemDelete(genp(**{kSecAttrSynchronizable: True})) == errSecSuccess
    status, _ = keychain.SecItemAdd(genp(**{kSecAttrSynchronizable: True, kSecValueData: b"two"}))
    assert status == errSecSuccess
    status, data = keychain.SecItemCopyMatching(genp(**{kSecAttrSynchronizable: True, kSecReturnData: True}))
    assert status == errSecSuccess and data == b"two"


@pytest.mark.apple_source
def test_deleted_local_item_leaves_no_tombstone(keychain):
    """SecItemDb.c s3dl_should_make_tombstone: non-synchronizable items are deleted outright — the probe
    view all_items() no longer holds them."""
    add_ok(keychain, genp())
    assert keychain.SecItemDelete(genp()) == errSecSuccess
    assert list(keychain.all_items()) == []


@pytest.mark.apple_test
def test_si05_sync_attribute_on_add_and_delete_dictionary(keychain):
    """si-05-add.c case 8 ('add certificate with synchronizable attribute works', then delete with the
    same dictionary → 0), shown on a password: an add dictionary carrying kSecAttrSynchronizable = true
    doubles as its delete query."""
    d = genp(**{kSecAttrSynchronizable: True, kSecValueData: b"pw"})
    assert keychain.SecItemAdd(d)[0] == errSecSuccess
    assert keychain.SecItemDelete(d) == errSecSuccess


@pytest.mark.inferred
def test_update_can_make_item_synchronizable(keychain):
    """§F.5 (inferred): changing sync 0 → 1 is allowed and is a primary-key change — afterwards a plain
    query misses and a sync=true query finds the item."""
    add_ok(keychain, genp())
    assert keychain.SecItemUpdate(genp(), {kSecAttrSynchronizable: True}) == errSecSuccess
    assert keychain.SecItemCopyMatching(genp())[0] == errSecItemNotFound
    assert keychain.SecItemCopyMatching(genp(**{kSecAttrSynchronizable: True}))[0] == errSecSuccess
