"""Value coercion (reference §C.6) and uniqueness (§C.3, §D.4).

Sources: keychain/securityd/SecDbItem.c copyBlob/copyData/copyNumber/copyString (the converters used
both on write and in SecDbQuery.c query_add_attribute_with_desc, which also hashes S-flag columns),
keychain/securityd/SecItemSchema.c (P flags → the UNIQUE constraint built in SecItemDb.c
SecDbAppendCreateTableWithClass), secdxctests/KeychainAPITests.m testServerUsingDataType, and Quinn's
"SecItem: Pitfalls and Best Practices" (https://developer.apple.com/forums/thread/724013, "Queries and
Uniqueness Constraints") plus the errSecDuplicateItem page
(https://developer.apple.com/documentation/security/errsecduplicateitem).
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import SHARED_GROUP, add_ok, genp

# --- coercion -------------------------------------------------------------------------------------


@pytest.mark.inferred
def test_string_and_data_account_are_the_same_account(keychain):
    """§C.6/§C.3 (inferred from the SHA-1 hashing of Blob columns): "bob" and b"bob" hash to the same
    column value, so a data query finds a string-added item and a data add collides with it."""
    add_ok(keychain, genp("bob", "svc"))
    status, attrs = keychain.SecItemCopyMatching(genp(b"bob", "svc", **{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrAccount] == "bob" and isinstance(attrs[kSecAttrAccount], str)
    assert keychain.SecItemAdd(genp(b"bob", "svc"))[0] == errSecDuplicateItem


@pytest.mark.inferred
def test_data_added_account_is_returned_as_data(keychain):
    """§C.6 (inferred): the stored type is the caller's — an account added as data comes back as
    bytes, and a string query still finds it."""
    add_ok(keychain, genp(b"carol", "svc"))
    status, attrs = keychain.SecItemCopyMatching(genp("carol", "svc", **{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrAccount] == b"carol" and isinstance(attrs[kSecAttrAccount], bytes)


@pytest.mark.apple_test
def test_server_given_as_data_comes_back_as_data(keychain):
    """KeychainAPITests.m testServerUsingDataType: an inet with kSecAttrServer given as NSData adds
    fine; found by label with kSecReturnAttributes, its server is returned as that same NSData."""
    add_ok(keychain, {kSecClass: kSecClassInternetPassword, kSecAttrLabel: "testentry", kSecAttrServer: b"string"})
    status, attrs = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassInternetPassword, kSecAttrLabel: "testentry", kSecReturnAttributes: True}
    )
    assert status == errSecSuccess
    assert isinstance(attrs, dict)
    assert attrs[kSecAttrServer] == b"string" and isinstance(attrs[kSecAttrServer], bytes)


@pytest.mark.apple_source
def test_number_given_as_decimal_string_is_a_number(keychain):
    """SecDbItem.c copyNumber: a string that round-trips through an integer ("80") becomes the number
    80 — so a query with the number finds it, it collides with a number-80 add, and it is returned as
    an int."""
    add_ok(keychain, {kSecClass: kSecClassInternetPassword, kSecAttrServer: "h", kSecAttrPort: "80"})
    status, attrs = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassInternetPassword, kSecAttrPort: 80, kSecReturnAttributes: True}
    )
    assert status == errSecSuccess
    assert attrs[kSecAttrPort] == 80 and type(attrs[kSecAttrPort]) is int
    status, _ = keychain.SecItemAdd({kSecClass: kSecClassInternetPassword, kSecAttrServer: "h", kSecAttrPort: 80})
    assert status == errSecDuplicateItem


@pytest.mark.apple_source
def test_non_decimal_string_in_number_column_stays_string(keychain):
    """SecDbItem.c copyNumber: "0x50" and "080" do not round-trip through an integer, so they stay
    strings and never equal the number 80."""
    add_ok(keychain, {kSecClass: kSecClassInternetPassword, kSecAttrServer: "h", kSecAttrPort: "080"})
    status, _ = keychain.SecItemCopyMatching({kSecClass: kSecClassInternetPassword, kSecAttrPort: 80})
    assert status == errSecItemNotFound
    status, attrs = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassInternetPassword, kSecAttrPort: "080", kSecReturnAttributes: True}
    )
    assert status == errSecSuccess
    assert attrs[kSecAttrPort] == "080"


@pytest.mark.apple_source
def test_boolean_in_number_column_becomes_number(keychain):
    """SecDbItem.c copyNumber: a CFBoolean becomes the number 0/1; returned as a plain number, never a
    boolean (reference §C.6/§C.7)."""
    add_ok(keychain, genp(**{kSecAttrIsInvisible: True}))
    status, attrs = keychain.SecItemCopyMatching(genp(**{kSecAttrIsInvisible: 1, kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrIsInvisible] == 1 and type(attrs[kSecAttrIsInvisible]) is int


@pytest.mark.apple_source
@pytest.mark.parametrize("key", [kSecAttrAccount, kSecAttrService, kSecAttrLabel, kSecAttrGeneric, kSecAttrComment])
@pytest.mark.parametrize("flag", [True, False])
def test_boolean_in_blob_attribute_is_param_error(keychain, key, flag):
    """SecDbItem.c copyBlob accepts CFData, CFString and CFNumber only: a CFBoolean for a Blob attribute
    → errSecItemInvalidValue (-50), in an add and in a query."""
    assert keychain.SecItemAdd(genp(**{key: flag}))[0] == errSecParam
    add_ok(keychain, genp("someone", "svc"))
    status, result = keychain.SecItemCopyMatching({kSecClass: kSecClassGenericPassword, key: flag})
    assert status == errSecParam and result is None


@pytest.mark.apple_source
def test_number_in_string_attribute_is_param_error(keychain):
    """SecDbItem.c copyString accepts CFString, CFData (UTF-8) and CFUUID only: a number for
    kSecAttrAccessGroup (String kind) → -50."""
    add_ok(keychain, genp())
    status, _ = keychain.SecItemCopyMatching(genp(**{kSecAttrAccessGroup: 5}))
    assert status == errSecParam


@pytest.mark.apple_source
def test_string_for_date_attribute_is_param_error(keychain):
    """SecDbItem.c copyDate accepts only CFDate: a string creation date → -50."""
    add_ok(keychain, genp())
    status, _ = keychain.SecItemCopyMatching(genp(**{kSecAttrCreationDate: "2020-01-01"}))
    assert status == errSecParam


@pytest.mark.inferred
def test_number_account_matches_its_four_little_endian_bytes(keychain):
    """§C.6 (inferred from SecDbItem.c copyData used for hashing): a CFNumber in a hashed Blob column is
    hashed as its 4-byte SInt32 in host (little-endian) order, so account 7 equals b"\\x07\\0\\0\\0"."""
    add_ok(keychain, genp(7, "svc"))
    status, attrs = keychain.SecItemCopyMatching(genp(b"\x07\x00\x00\x00", "svc", **{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrAccount] == 7


@pytest.mark.apple_source
def test_text_match_is_case_sensitive_and_exact(keychain):
    """SecDbQuery.c / SecItemDb.c: matching is SQL equality on SHA-1 of the bytes — no case folding,
    no prefix matching (kSecMatchCaseInsensitive is not honoured by the DP engine, §E.3)."""
    add_ok(keychain, genp("Alice", "svc"))
    for acct in ("alice", "Alic", "Alice "):
        assert keychain.SecItemCopyMatching(genp(acct, "svc"))[0] == errSecItemNotFound


@pytest.mark.inferred
def test_unset_attribute_never_matches_empty_value(keychain):
    """§C.6 (inferred from SQL NULL semantics): kSecAttrLabel has no default, so an unlabeled item is
    not found by kSecAttrLabel "" nor kSecAttrIsInvisible false; a PK attribute with the "" default
    (kSecAttrAccount) is found by ""."""
    add_ok(keychain, genp(None, "svc"))
    assert keychain.SecItemCopyMatching(genp(None, "svc", **{kSecAttrLabel: ""}))[0] == errSecItemNotFound
    assert keychain.SecItemCopyMatching(genp(None, "svc", **{kSecAttrIsInvisible: False}))[0] == errSecItemNotFound
    assert keychain.SecItemCopyMatching(genp("", "svc"))[0] == errSecSuccess


@pytest.mark.inferred
def test_accessibility_is_a_match_term(keychain):
    """§E.3 (inferred: pdmn is a plain column): a query naming another accessibility than the item's
    does not find it."""
    add_ok(keychain, genp(**{kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock}))
    assert (
        keychain.SecItemCopyMatching(genp(**{kSecAttrAccessible: kSecAttrAccessibleWhenUnlocked}))[0]
        == errSecItemNotFound
    )
    assert (
        keychain.SecItemCopyMatching(genp(**{kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock}))[0]
        == errSecSuccess
    )


# --- uniqueness -----------------------------------------------------------------------------------


@pytest.mark.apple_docs
@pytest.mark.parametrize(
    ("key", "first", "second"),
    [
        (kSecAttrGeneric, b"g1", b"g2"),
        (kSecAttrLabel, "l1", "l2"),
        (kSecAttrComment, "c1", "c2"),
        (kSecAttrDescription, "d1", "d2"),
        (kSecValueData, b"p1", b"p2"),
        (kSecAttrAccessible, kSecAttrAccessibleWhenUnlocked, kSecAttrAccessibleAfterFirstUnlock),
    ],
)
def test_non_key_attributes_do_not_make_items_distinct(keychain, key, first, second):
    """errSecDuplicateItem doc page (genp uniqueness = account, service, access group, sync, …) and
    Quinn's Pitfalls post: two adds differing only in generic, label, comment, description, data or
    accessibility collide → errSecDuplicateItem (§C.3)."""
    add_ok(keychain, genp(**{key: first}))
    status, result = keychain.SecItemAdd(genp(**{key: second}))
    assert status == errSecDuplicateItem and result is None


@pytest.mark.apple_docs
def test_quinn_pitfall_query_misses_then_add_collides(keychain):
    """Quinn, "SecItem: Pitfalls and Best Practices", Queries and Uniqueness Constraints: a query that
    includes kSecAttrGeneric finds nothing (-25300) because the stored item has another generic value,
    yet adding with that query's attributes fails with errSecDuplicateItem."""
    add_ok(keychain, genp("mrgumby", "com.example.svc", **{kSecAttrGeneric: b"version1", kSecValueData: b"pw"}))
    query = genp("mrgumby", "com.example.svc", **{kSecAttrGeneric: b"version2"})
    assert keychain.SecItemCopyMatching(query | {kSecReturnData: True})[0] == errSecItemNotFound
    assert keychain.SecItemAdd(query | {kSecValueData: b"pw2"})[0] == errSecDuplicateItem


@pytest.mark.apple_source
def test_omitted_account_and_service_default_to_empty_and_collide(keychain):
    """SecItemDb.c query_pre_add (E flag → "") and SecItemSchema.c P flags: two genps with no account
    and no service share the key ("", "") → the second add is errSecDuplicateItem even with another
    label."""
    add_ok(keychain, {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "one"})
    status, _ = keychain.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrLabel: "two"})
    assert status == errSecDuplicateItem


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("key", "first", "second"),
    [(kSecAttrAccount, "a1", "a2"), (kSecAttrService, "s1", "s2")],
)
def test_genp_key_members_make_items_distinct(keychain, key, first, second):
    """SecItemSchema.c genp P flags: account and service are key members → no collision."""
    add_ok(keychain, genp(**{key: first}))
    assert keychain.SecItemAdd(genp(**{key: second}))[0] == errSecSuccess


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("key", "first", "second"),
    [
        (kSecAttrPort, 80, 443),
        (kSecAttrProtocol, kSecAttrProtocolHTTP, kSecAttrProtocolHTTPS),
        (kSecAttrPath, "/a", "/b"),
        (kSecAttrSecurityDomain, "d1", "d2"),
        (kSecAttrAuthenticationType, kSecAttrAuthenticationTypeDefault, kSecAttrAuthenticationTypeHTMLForm),
        (kSecAttrServer, "a.example", "b.example"),
    ],
)
def test_inet_key_members_make_items_distinct(keychain, key, first, second):
    """SecItemSchema.c inet P flags (acct, sdmn, srvr, ptcl, atyp, port, path, agrp, sync, …): items
    that differ in one of them coexist; the same value again collides."""
    base = {kSecClass: kSecClassInternetPassword, kSecAttrAccount: "u", kSecAttrServer: "h.example"}
    add_ok(keychain, base | {key: first})
    assert keychain.SecItemAdd(base | {key: second})[0] == errSecSuccess
    assert keychain.SecItemAdd(base | {key: first})[0] == errSecDuplicateItem


@pytest.mark.apple_source
def test_inet_label_is_not_a_key_member(keychain):
    """SecItemSchema.c: inet labl is not P → same key, other label collides."""
    base = {kSecClass: kSecClassInternetPassword, kSecAttrAccount: "u", kSecAttrServer: "h.example"}
    add_ok(keychain, base | {kSecAttrLabel: "one"})
    assert keychain.SecItemAdd(base | {kSecAttrLabel: "two"})[0] == errSecDuplicateItem


@pytest.mark.apple_source
def test_synchronizable_is_a_key_member(keychain):
    """SecItemSchema.c: sync is P, so a synchronizable and a local item with the same account and
    service coexist (§C.3, §J.3); a SynchronizableAny query with LimitAll sees both."""
    add_ok(keychain, genp())
    assert keychain.SecItemAdd(genp(**{kSecAttrSynchronizable: True}))[0] == errSecSuccess
    status, rows = keychain.SecItemCopyMatching(
        genp(
            **{
                kSecAttrSynchronizable: kSecAttrSynchronizableAny,
                kSecReturnAttributes: True,
                kSecMatchLimit: kSecMatchLimitAll,
            }
        )
    )
    assert status == errSecSuccess
    assert sorted(r[kSecAttrSynchronizable] for r in rows) == [0, 1]


@pytest.mark.apple_source
def test_access_group_is_a_key_member(make_keychain):
    """SecItemSchema.c: agrp is P — the same account/service may exist once per access group."""
    kc = make_keychain(access_groups=["A1B2C3D4E5.com.example.app", SHARED_GROUP])
    add_ok(kc, genp())
    assert kc.SecItemAdd(genp(**{kSecAttrAccessGroup: SHARED_GROUP}))[0] == errSecSuccess
    assert kc.SecItemAdd(genp(**{kSecAttrAccessGroup: SHARED_GROUP}))[0] == errSecDuplicateItem


@pytest.mark.inferred
def test_update_of_two_items_to_the_same_key_collides_and_changes_nothing(keychain):
    """§F.4 (inferred from the exclusive transaction in s3dl_query_update): two matched items updated to
    one new account collide with each other → errSecDuplicateItem, and both keep their old accounts."""
    add_ok(keychain, genp("a", "svc"))
    add_ok(keychain, genp("b", "svc"))
    status = keychain.SecItemUpdate(
        {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc"}, {kSecAttrAccount: "same"}
    )
    assert status == errSecDuplicateItem
    assert keychain.SecItemCopyMatching(genp("a", "svc"))[0] == errSecSuccess
    assert keychain.SecItemCopyMatching(genp("b", "svc"))[0] == errSecSuccess
    assert keychain.SecItemCopyMatching(genp("same", "svc"))[0] == errSecItemNotFound
