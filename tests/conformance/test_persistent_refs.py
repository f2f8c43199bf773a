"""Persistent references (reference §L).

Sources: OSX/sec/Security/Regressions/secitem/si-43-persistent.c, secdxctests/KeychainAPITests.m
(testSecItemAddAndCopyMatchingWithUUIDPersistentRefs, testSecItemCopyMatchingDoesNotReturnPersistRefs),
OSX/sec/Security/SecItem.m _SecItemCreateUUIDBasedPersistentRef / _SecItemParsePersistentRef,
keychain/securityd/SecDbQuery.c query_get_class / query_set_class, SecItemDb.c s3dl_copy_matching.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import add_ok, genp, spamcop_inet, without

ZUIGT = {
    kSecClass: kSecClassInternetPassword,
    kSecAttrServer: "zuigt.nl",
    kSecAttrAccount: "frtnbf",
    kSecAttrPort: 80,
    kSecAttrProtocol: "http",
    kSecAttrAuthenticationType: "dflt",
    kSecValueData: b"test",
}


def _add_with_pref(kc, attrs):
    status, pref = kc.SecItemAdd(attrs | {kSecReturnPersistentRef: True})
    assert status == errSecSuccess
    return pref


@pytest.mark.apple_test
def test_si43_find_by_persistent_ref_gives_same_attributes(keychain):
    """si-43-persistent.c: 'add internet password' with kSecReturnPersistentRef → 'got back persistent
    ref'; 'find internet password by attr' and 'find internet password by persistent ref' (only
    kSecValuePersistentRef + kSecReturnAttributes, no class) → 'same item (attributes)'."""
    pref = _add_with_pref(keychain, ZUIGT)
    assert isinstance(pref, bytes)
    query = without(ZUIGT, kSecValueData) | {kSecReturnAttributes: True}
    status, by_attrs = keychain.SecItemCopyMatching(query)
    assert status == errSecSuccess
    status, by_ref = keychain.SecItemCopyMatching({kSecReturnAttributes: True, kSecValuePersistentRef: pref})
    assert status == errSecSuccess
    assert by_ref == by_attrs


@pytest.mark.apple_test
def test_si43_deleted_item_not_found_by_attributes_or_ref(keychain):
    """si-43-persistent.c: 'delete internet password' (query with kSecReturnAttributes) → 0; "don't find
    internet password by attributes" and "... by persistent ref anymore" → non-zero status, no results."""
    pref = _add_with_pref(keychain, ZUIGT)
    query = without(ZUIGT, kSecValueData) | {kSecReturnAttributes: True}
    assert keychain.SecItemDelete(query) == errSecSuccess
    status, result = keychain.SecItemCopyMatching(query)
    assert status == errSecItemNotFound and result is None
    status, result = keychain.SecItemCopyMatching({kSecReturnAttributes: True, kSecValuePersistentRef: pref})
    assert status == errSecItemNotFound and result is None


@pytest.mark.apple_test
def test_si43_update_and_delete_by_ref_leave_other_item_alone(keychain):
    """si-43-persistent.c: two items (second with account "johndoe"); 'update via persitant ref' sets
    server "zuigt.com" on the first only ('verify attribute was modified by update', 'verify second
    items attribute was not modified'); 'delete via persitant ref' removes the first only ("don't find
    deleted internet password by persistent ref" → -25300, 'find non deleted internet password' → 0)."""
    pref1 = _add_with_pref(keychain, ZUIGT)
    pref2 = _add_with_pref(keychain, ZUIGT | {kSecAttrAccount: "johndoe"})
    assert isinstance(pref1, bytes) and pref1 != pref2
    query3 = {kSecValuePersistentRef: pref1}
    assert keychain.SecItemUpdate(query3, {kSecAttrServer: "zuigt.com"}) == errSecSuccess
    status, attrs = keychain.SecItemCopyMatching(query3 | {kSecReturnAttributes: True})
    assert status == errSecSuccess and attrs[kSecAttrServer] == "zuigt.com"
    query4 = {kSecValuePersistentRef: pref2, kSecReturnAttributes: True}
    status, attrs = keychain.SecItemCopyMatching(query4)
    assert status == errSecSuccess and attrs[kSecAttrServer] == "zuigt.nl"
    assert keychain.SecItemDelete(query3) == errSecSuccess
    status, result = keychain.SecItemCopyMatching(query3)
    assert status == errSecItemNotFound and result is None
    assert keychain.SecItemCopyMatching(query4)[0] == errSecSuccess
    assert keychain.SecItemDelete(query4) == errSecSuccess


@pytest.mark.apple_source
def test_persistent_ref_is_class_plus_16_byte_uuid(keychain):
    """SecItem.m _SecItemCreateUUIDBasedPersistentRef (§L.1): 4 ASCII class bytes + the item's 16-byte
    UUID = 20 bytes; genp refs start with b"genp", inet refs with b"inet"; every item gets its own."""
    p1 = _add_with_pref(keychain, genp("a"))
    p2 = _add_with_pref(keychain, genp("b"))
    p3 = _add_with_pref(keychain, spamcop_inet())
    for p, prefix in ((p1, b"genp"), (p2, b"genp"), (p3, b"inet")):
        assert isinstance(p, bytes) and len(p) == 20 and p[:4] == prefix
    assert len({p1[4:], p2[4:], p3[4:]}) == 3


@pytest.mark.apple_test
def test_uuid_ref_from_find_matches_ref_lookup(keychain):
    """KeychainAPITests.m testSecItemAddAndCopyMatchingWithUUIDPersistentRefs: add with
    kSecReturnAttributes → a dictionary; find with Attributes + PersistentRef → a dictionary holding a
    genp class+UUID ref and no raw persistref; a lookup by that ref with LimitOne → a dictionary, again
    without persistref."""
    status, attrs = keychain.SecItemAdd(
        genp(
            "TestUUIDPersistentRefAccount",
            "TestUUIDPersistentRefService",
            **{kSecValueData: b"uuid", kSecReturnAttributes: True},
        )
    )
    assert status == errSecSuccess and isinstance(attrs, dict)
    status, row = keychain.SecItemCopyMatching(
        genp(
            "TestUUIDPersistentRefAccount",
            "TestUUIDPersistentRefService",
            **{kSecReturnAttributes: True, kSecReturnPersistentRef: True},
        )
    )
    assert status == errSecSuccess and isinstance(row, dict)
    assert "persistref" not in row
    pref = row[kSecValuePersistentRef]
    assert pref[:4] == b"genp" and len(pref) == 20
    status, found = keychain.SecItemCopyMatching(
        {kSecValuePersistentRef: pref, kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitOne}
    )
    assert status == errSecSuccess and isinstance(found, dict)
    assert "persistref" not in found
    assert found[kSecAttrAccount] == "TestUUIDPersistentRefAccount"


@pytest.mark.apple_test
def test_persistref_never_returned_as_attribute(keychain):
    """KeychainAPITests.m testSecItemCopyMatchingDoesNotReturnPersistRefs: add with Attributes +
    PersistentRef → dictionary with v_PersistentRef; a find by that ref with Attributes → no
    "persistref" key."""
    status, row = keychain.SecItemAdd(
        genp(
            "TestUUIDPersistentRefAccount",
            "TestUUIDPersistentRefService",
            **{kSecValueData: b"uuid", kSecReturnAttributes: True, kSecReturnPersistentRef: True},
        )
    )
    assert status == errSecSuccess and isinstance(row, dict)
    pref = row[kSecValuePersistentRef]
    assert isinstance(pref, bytes)
    assert "persistref" not in row
    status, found = keychain.SecItemCopyMatching(
        {kSecValuePersistentRef: pref, kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitOne}
    )
    assert status == errSecSuccess and isinstance(found, dict)
    assert "persistref" not in found


@pytest.mark.apple_source
def test_persistent_ref_survives_update(keychain):
    """SecDbItem.c SecDbItemCopyWithUpdates copies persistref (§L.2): after a primary-key-changing
    update the old ref still finds the item, now under its new account."""
    pref = _add_with_pref(keychain, genp("old"))
    assert keychain.SecItemUpdate(genp("old"), {kSecAttrAccount: "new"}) == errSecSuccess
    status, attrs = keychain.SecItemCopyMatching({kSecValuePersistentRef: pref, kSecReturnAttributes: True})
    assert status == errSecSuccess and attrs[kSecAttrAccount] == "new"
    status, again = keychain.SecItemCopyMatching(genp("new", **{kSecReturnPersistentRef: True}))
    assert status == errSecSuccess and again == pref


@pytest.mark.apple_source
def test_readd_after_delete_gets_new_ref(keychain):
    """SecItemServer.c SecServerItemAddWithCustomDb assigns a fresh random UUID on every add (§L.2): a
    deleted and re-added item has a different persistent ref; the old ref finds nothing."""
    p1 = _add_with_pref(keychain, genp())
    assert keychain.SecItemDelete(genp()) == errSecSuccess
    p2 = _add_with_pref(keychain, genp())
    assert p1 != p2
    assert keychain.SecItemCopyMatching({kSecValuePersistentRef: p1})[0] == errSecItemNotFound
    assert keychain.SecItemCopyMatching({kSecValuePersistentRef: p2})[0] == errSecSuccess


@pytest.mark.apple_source
def test_persistent_ref_with_conflicting_class_is_no_such_class(keychain):
    """SecDbQuery.c query_set_class: a genp persistent ref in a query whose kSecClass is inet →
    errSecNoSuchClass (-25306) (reference §E.1, §L.3)."""
    pref = _add_with_pref(keychain, genp())
    status, result = keychain.SecItemCopyMatching({kSecClass: kSecClassInternetPassword, kSecValuePersistentRef: pref})
    assert status == errSecNoSuchClass and result is None


@pytest.mark.apple_source
def test_persistent_ref_with_matching_class_is_fine(keychain):
    """SecDbQuery.c query_set_class: the same class in kSecClass and in the ref is accepted."""
    pref = _add_with_pref(keychain, genp(**{kSecValueData: b"pw"}))
    status, data = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassGenericPassword, kSecValuePersistentRef: pref, kSecReturnData: True}
    )
    assert status == errSecSuccess and data == b"pw"


@pytest.mark.apple_source
def test_uuid_ref_plus_attribute_in_find_is_param_error(keychain):
    """SecItemDb.c s3dl_copy_matching ('both persistent ref and other attributes can't be searched',
    §E.9): a UUID persistent ref combined with a WHERE-producing attribute → -50."""
    pref = _add_with_pref(keychain, genp())
    status, result = keychain.SecItemCopyMatching({kSecValuePersistentRef: pref, kSecAttrAccount: "alice"})
    assert status == errSecParam and result is None


@pytest.mark.apple_source
def test_unparsable_persistent_ref_is_param_error(keychain):
    """SecItem.m _SecItemParsePersistentRef: data that is neither a 12-byte legacy, a 20-byte UUID nor a
    token ref, or names an unknown class, cannot be parsed → -50 (reference §L.1)."""
    add_ok(keychain, genp())
    for bad in (b"junk", b"xxxx" + b"\x00" * 16):
        status, result = keychain.SecItemCopyMatching({kSecValuePersistentRef: bad})
        assert status == errSecParam and result is None


@pytest.mark.apple_source
def test_persistent_ref_lookup_finds_synchronizable_item(keychain):
    """SecDbQuery.c query_create_with_limit: the implicit sync = 0 predicate is not added when a
    persistent ref is given (§J.2, §L.3), so a synchronizable item is found by its ref alone."""
    pref = _add_with_pref(keychain, genp(**{kSecAttrSynchronizable: True}))
    status, attrs = keychain.SecItemCopyMatching({kSecValuePersistentRef: pref, kSecReturnAttributes: True})
    assert status == errSecSuccess
    assert attrs[kSecAttrSynchronizable] == 1


@pytest.mark.apple_source
def test_legacy_rowid_ref_in_add_is_persistent_ref_unsupported(keychain):
    """SecItemServer.c SecServerItemAddWithCustomDb: a 12-byte (rowid) kSecValuePersistentRef sets q_row_id
    and the add fails with errSecValuePersistentRefUnsupported, which base/SecBasePriv.h defines as
    errSecParam (-50). Nothing is stored. The check follows the explicit access-group check (a group the
    caller lacks is errSecMissingEntitlement first) and precedes s3dl_query_add, whose silent success for a
    match key it therefore beats."""
    assert OSStatus.errSecValuePersistentRefUnsupported is OSStatus.errSecParam
    legacy = b"genp" + (1).to_bytes(8, "big")
    assert keychain.SecItemAdd(genp("a", **{kSecValuePersistentRef: legacy})) == (errSecParam, None)
    with_match_key = genp("a", **{kSecValuePersistentRef: legacy, kSecMatchCaseInsensitive: True})
    assert keychain.SecItemAdd(with_match_key) == (errSecParam, None)
    # the control: without the reference the match key makes the add a silent success (nothing stored)
    assert keychain.SecItemAdd(genp("a", **{kSecMatchCaseInsensitive: True})) == (errSecSuccess, None)
    foreign = genp("a", **{kSecValuePersistentRef: legacy, kSecAttrAccessGroup: "Z9Y8X7W6V5.com.example.other"})
    assert keychain.SecItemAdd(foreign)[0] == errSecMissingEntitlement
    assert keychain.SecItemCopyMatching(genp("a"))[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_persistent_ref_given_to_add_is_ignored(keychain):
    """SecItemServer.c SecServerItemAddWithCustomDb: a UUID-based (20-byte) kSecValuePersistentRef sets no
    q_row_id, so the add goes on, and the server then sets the new item's persistref and q_uuid_pref to a
    fresh SecServerUUIDDataCreate() value: the caller's reference is replaced and the new item gets its own."""
    pref = _add_with_pref(keychain, genp("a"))
    status, new_pref = keychain.SecItemAdd(genp("b", **{kSecValuePersistentRef: pref, kSecReturnPersistentRef: True}))
    assert status == errSecSuccess
    assert new_pref != pref
