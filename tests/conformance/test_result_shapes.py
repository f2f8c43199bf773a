"""Match limits and the shape of what SecItemCopyMatching / SecItemAdd return.

Sources: si-78-query-attrs.c, si-80-empty-data.c, si-05-add.c (case 1b), secd-82-persistent-ref.m,
secdxctests/KeychainAPITests.m (testGenpReturnRef, testInetReturnRef), and Apple's code:
keychain/securityd/SecItemServer.c SecServerItemCopyMatchingWithCustomDb (default limit 1),
SecDbQuery.c query_add_match (limit values), SecItemDb.c handle_result, OSX/sec/Security/SecItem.m
SecItemCopyMatching / SecItemResultCopyPrepared / SecItemResultProcess. Reference §E.5, §E.6, §D.5.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import APP_GROUP, GENP_ATTRIBUTE_KEYS, add_ok, assert_plain_attribute_dict, genp

SAFARI_DATA = b"bplist00-like credit card blob \x00\x01\x02"
SVCE = "SafariCreditCardEntries-test"


def _two_items(kc):
    add_ok(kc, genp("first", "svc", **{kSecValueData: b"one"}))
    add_ok(kc, genp("second", "svc", **{kSecValueData: b"two"}))
    return {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc"}


# --- limits ---------------------------------------------------------------------------------------


@pytest.mark.apple_source
def test_default_limit_is_one_single_object_not_list(keychain):
    """SecItemServer.c SecServerItemCopyMatchingWithCustomDb passes limit 1 to query_create_with_limit
    (and SecItem.h documents kSecMatchLimitOne as the default): two matches, no kSecMatchLimit → one
    attribute dictionary, not an array."""
    q = _two_items(keychain) | {kSecReturnAttributes: True}
    status, result = keychain.SecItemCopyMatching(q)
    assert status == errSecSuccess
    assert isinstance(result, dict)
    assert result[kSecAttrAccount] in ("first", "second")


@pytest.mark.apple_source
def test_limit_one_string_and_number_one_give_single_object(keychain):
    """SecDbQuery.c query_add_match: kSecMatchLimitOne and a CFNumber 1 both set q_limit = 1 → a single
    object."""
    q = _two_items(keychain) | {kSecReturnData: True}
    for limit in (kSecMatchLimitOne, 1):
        status, result = keychain.SecItemCopyMatching(q | {kSecMatchLimit: limit})
        assert status == errSecSuccess
        assert isinstance(result, bytes) and result in (b"one", b"two")


@pytest.mark.apple_source
def test_limit_all_returns_every_match_as_list_in_insertion_order(keychain):
    """query_add_match: kSecMatchLimitAll = unlimited → an array of every match; the simulator returns
    rows in rowid (insertion) order (§E.7)."""
    q = _two_items(keychain) | {kSecReturnData: True, kSecMatchLimit: kSecMatchLimitAll}
    status, result = keychain.SecItemCopyMatching(q)
    assert status == errSecSuccess
    assert result == [b"one", b"two"]


@pytest.mark.apple_source
def test_numeric_limit_n_returns_list_capped_at_n(keychain):
    """query_add_match: a CFNumber n is the SQL LIMIT; any n ≠ 1 gives an array (§E.5)."""
    for account in ("a", "b", "c"):
        add_ok(keychain, genp(account, "svc"))
    q = {kSecClass: kSecClassGenericPassword, kSecReturnAttributes: True}
    status, result = keychain.SecItemCopyMatching(q | {kSecMatchLimit: 2})
    assert status == errSecSuccess
    assert isinstance(result, list) and len(result) == 2
    status, result = keychain.SecItemCopyMatching(q | {kSecMatchLimit: 5})
    assert status == errSecSuccess
    assert isinstance(result, list) and len(result) == 3


@pytest.mark.apple_test
def test_si78_limit_all_with_one_match_is_a_one_element_list(keychain):
    """si-78-query-attrs.c: LimitAll + ReturnData with a single match → 'return 1-sized array of
    results' whose row is the data."""
    add_ok(keychain, genp("3B1ED3EC-test", SVCE, **{kSecValueData: SAFARI_DATA}))
    status, result = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: SVCE,
            kSecMatchLimit: kSecMatchLimitAll,
            kSecReturnData: True,
        }
    )
    assert status == errSecSuccess
    assert isinstance(result, list) and len(result) == 1
    assert result[0] == SAFARI_DATA and isinstance(result[0], bytes)


@pytest.mark.apple_test
def test_si78_limit_all_persistent_ref_only_rows_are_data(keychain):
    """si-78-query-attrs.c: LimitAll + ReturnPersistentRef → 1-sized array whose row is CFData."""
    add_ok(keychain, genp("3B1ED3EC-test", SVCE, **{kSecValueData: SAFARI_DATA}))
    status, result = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: SVCE,
            kSecMatchLimit: kSecMatchLimitAll,
            kSecReturnPersistentRef: True,
        }
    )
    assert status == errSecSuccess
    assert isinstance(result, list) and len(result) == 1
    assert isinstance(result[0], bytes) and len(result[0]) == 20


@pytest.mark.apple_test
def test_si78_data_and_persistent_ref_give_dictionary(keychain):
    """si-78-query-attrs.c (rdar 16461008, 'empty dictionaries when kSecReturnAttributes is not true'):
    LimitAll + ReturnData + ReturnPersistentRef → array of one dictionary holding a valid v_PersistentRef
    and the correct v_Data. (Whether other keys ride along is not asserted: see
    test_data_and_persistent_ref_dictionary_also_carries_attributes.)"""
    add_ok(keychain, genp("3B1ED3EC-test", SVCE, **{kSecValueData: SAFARI_DATA}))
    status, result = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: SVCE,
            kSecMatchLimit: kSecMatchLimitAll,
            kSecReturnData: True,
            kSecReturnPersistentRef: True,
        }
    )
    assert status == errSecSuccess
    assert isinstance(result, list) and len(result) == 1
    row = result[0]
    assert isinstance(row, dict)
    assert isinstance(row[kSecValuePersistentRef], bytes)
    assert row[kSecValueData] == SAFARI_DATA


@pytest.mark.apple_source
def test_data_and_persistent_ref_dictionary_also_carries_attributes(keychain):
    """OSX/sec/Security/SecItem.m SecItemCopyMatching adds kSecReturnAttributes to the server query when
    data is requested without attributes; SecItemDb.c handle_result then keeps the attributes in the
    row, and SecItemResultCopyPrepared builds the D+P output as a mutable copy of that row, only
    setting v_Data/v_PersistentRef. So a Data+PersistentRef dictionary also holds the item's attributes
    (reference §E.6, corrected). kSecAttrAccessControl stays the serialized data of the row: it becomes a
    SecAccessControl only when kSecReturnAttributes or kSecReturnRef is asked (SecItemResultCopyPrepared,
    `if (wants_ref || wants_attributes)`), as the Data+Attributes form of the same item shows."""
    add_ok(keychain, genp("acct-dp", "svc-dp", **{kSecValueData: b"x"}))
    status, row = keychain.SecItemCopyMatching(
        genp("acct-dp", "svc-dp", **{kSecReturnData: True, kSecReturnPersistentRef: True})
    )
    assert status == errSecSuccess
    assert isinstance(row, dict)
    assert row[kSecValueData] == b"x"
    assert isinstance(row[kSecValuePersistentRef], bytes)
    assert row[kSecAttrAccount] == "acct-dp" and row[kSecAttrService] == "svc-dp"
    assert isinstance(row[kSecAttrAccessControl], bytes)
    status, with_attributes = keychain.SecItemCopyMatching(
        genp("acct-dp", "svc-dp", **{kSecReturnData: True, kSecReturnAttributes: True})
    )
    assert not isinstance(with_attributes[kSecAttrAccessControl], bytes)
    assert with_attributes[kSecAttrAccessControl].to_data() == row[kSecAttrAccessControl]


@pytest.mark.inferred
def test_limit_zero_finds_nothing(keychain):
    """§E.5/§E.8 item 8 (inferred): kSecMatchLimit = CFNumber 0 becomes SQL LIMIT 0 → -25300 even
    though an item matches."""
    add_ok(keychain, genp())
    status, result = keychain.SecItemCopyMatching(genp(**{kSecMatchLimit: 0, kSecReturnAttributes: True}))
    assert status == errSecItemNotFound
    assert result is None


@pytest.mark.inferred
def test_limit_minus_one_means_all(keychain):
    """§A.17 (inferred): kSecMatchUnlimited is kCFNotFound = -1, so a CFNumber -1 limit means 'all'."""
    q = _two_items(keychain) | {kSecReturnData: True, kSecMatchLimit: -1}
    status, result = keychain.SecItemCopyMatching(q)
    assert status == errSecSuccess
    assert result == [b"one", b"two"]


@pytest.mark.apple_source
def test_unknown_limit_string_is_param_error(keychain):
    """SecDbQuery.c query_add_match: a kSecMatchLimit value that is neither a CFNumber nor
    kSecMatchLimitOne/All → errSecItemInvalidValue (-50)."""
    add_ok(keychain, genp())
    status, result = keychain.SecItemCopyMatching(genp(**{kSecMatchLimit: "m_LimitTwo"}))
    assert status == errSecParam
    assert result is None


# --- return-key combinations ----------------------------------------------------------------------


@pytest.mark.apple_source
def test_no_return_keys_success_and_no_result(keychain):
    """SecItemDb.c handle_result: q_return_type == 0 → kCFNull, which the client turns into no result:
    status 0, result None (si-15-delete-access-group.m finds items this way with a NULL result)."""
    add_ok(keychain, genp())
    status, result = keychain.SecItemCopyMatching(genp())
    assert status == errSecSuccess
    assert result is None


@pytest.mark.inferred
def test_no_return_keys_with_limit_all_gives_empty_list(keychain):
    """§E.6 (inferred from SecItemResultProcess): each row prepares to NULL and NULL elements are left
    out of the array, so LimitAll without return keys → status 0 and an empty list."""
    add_ok(keychain, genp())
    status, result = keychain.SecItemCopyMatching(genp(**{kSecMatchLimit: kSecMatchLimitAll}))
    assert status == errSecSuccess
    assert result == []


@pytest.mark.apple_test
def test_return_data_only_is_bytes(keychain):
    """si-10-find-internet.c 'retrieved data correctly' / si-78: kSecReturnData alone → the CFData."""
    add_ok(keychain, genp(**{kSecValueData: b"secret"}))
    status, result = keychain.SecItemCopyMatching(genp(**{kSecReturnData: True}))
    assert status == errSecSuccess
    assert result == b"secret" and isinstance(result, bytes)


@pytest.mark.inferred
def test_return_data_only_for_item_without_data_is_none(keychain):
    """§E.6 (inferred from SecItemResultCopyPrepared): the item has no v_Data, so the data-only
    result is NULL while the status is 0."""
    add_ok(keychain, genp())
    status, result = keychain.SecItemCopyMatching(genp(**{kSecReturnData: True}))
    assert status == errSecSuccess
    assert result is None


@pytest.mark.apple_test
def test_return_attributes_only_shape(keychain):
    """si-05-add.c case 5 ('result is a dict', 'result has no data / no ref / no persistent ref') and
    si-78's dump: an attributes-only dictionary of a genp added with only a service holds acct "" (the
    default), svce, agrp (the first group), cdat, mdat, pdmn "ak", sync 0, tomb 0, musr b"", a 20-byte
    sha1 — and no class, v_Data, v_PersistentRef, persistref or UUID (§C.7)."""
    add_ok(keychain, genp(None, "S", **{kSecValueData: b"pw"}))
    status, attrs = keychain.SecItemCopyMatching(genp(None, "S", **{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert_plain_attribute_dict(attrs, GENP_ATTRIBUTE_KEYS)
    assert attrs[kSecAttrAccount] == "" and isinstance(attrs[kSecAttrAccount], str)
    assert attrs[kSecAttrService] == "S"
    assert attrs[kSecAttrAccessGroup] == APP_GROUP
    assert attrs[kSecAttrAccessible] == kSecAttrAccessibleWhenUnlocked
    assert attrs[kSecAttrSynchronizable] == 0 and type(attrs[kSecAttrSynchronizable]) is int


@pytest.mark.apple_test
def test_si80_data_and_attributes_includes_data(keychain):
    """si-80-empty-data.c (the positive half): Data + Attributes → the attribute dictionary plus v_Data
    when the item has data."""
    add_ok(keychain, genp(**{kSecValueData: b"pw"}))
    status, row = keychain.SecItemCopyMatching(genp(**{kSecReturnData: True, kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert isinstance(row, dict)
    assert row[kSecValueData] == b"pw"
    assert_plain_attribute_dict({k: v for k, v in row.items() if k != kSecValueData}, GENP_ATTRIBUTE_KEYS)


@pytest.mark.apple_test
def test_secd82_attributes_and_persistent_ref(keychain):
    """secd-82-persistent-ref.m: an `dk` genp with label/description; query with SynchronizableAny +
    Attributes + PersistentRef + LimitAll → array of 1 whose dictionary carries v_PersistentRef."""
    add_ok(
        keychain,
        genp(
            "TestAccount",
            "TestService",
            **{
                kSecAttrAccessible: kSecAttrAccessibleAlwaysPrivate,
                kSecAttrLabel: "TestLabel",
                kSecAttrDescription: "TestDescription",
                kSecValueData: b"\x00\x01\x02",
            },
        ),
    )
    status, result = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrSynchronizable: kSecAttrSynchronizableAny,
            kSecAttrAccount: "TestAccount",
            kSecReturnAttributes: True,
            kSecReturnPersistentRef: True,
            kSecMatchLimit: kSecMatchLimitAll,
        }
    )
    assert status == errSecSuccess
    assert isinstance(result, list) and len(result) == 1
    row = result[0]
    assert isinstance(row[kSecValuePersistentRef], bytes)
    assert row[kSecAttrLabel] == "TestLabel"
    assert row[kSecAttrAccessible] == kSecAttrAccessibleAlways
    assert kSecValueData not in row


@pytest.mark.apple_test
@pytest.mark.parametrize("cls", [kSecClassGenericPassword, kSecClassInternetPassword])
def test_return_ref_for_password_is_none_on_ios(keychain, cls):
    """KeychainAPITests.m testGenpReturnRef / testInetReturnRef (iOS branch): kSecReturnRef on a
    password → SecItemAdd 0 with nil result, SecItemCopyMatching 0 with nil result, and a delete whose
    query still holds kSecReturnRef → 0."""
    attrs = {kSecClass: cls, kSecValueData: b"password", kSecAttrAccount: "TestAccount", kSecReturnRef: True}
    attrs |= (
        {kSecAttrService: "TestService"} if cls == kSecClassGenericPassword else {kSecAttrServer: "www.example.com"}
    )
    status, result = keychain.SecItemAdd(attrs)
    assert status == errSecSuccess and result is None
    query = {k: v for k, v in attrs.items() if k != kSecValueData}
    status, result = keychain.SecItemCopyMatching(query)
    assert status == errSecSuccess and result is None
    assert keychain.SecItemDelete(query) == errSecSuccess
    assert keychain.SecItemCopyMatching(query)[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_return_ref_and_attributes_for_password_has_class_and_no_ref(keychain):
    """SecItemDb.c handle_result sets `class` in the row when a Ref is requested; for a password no ref
    can be built on iOS (SecItemResultCopyPrepared only sets v_Ref when one exists) → a dictionary with
    class "genp", the attributes, and no v_Ref."""
    add_ok(keychain, genp())
    status, row = keychain.SecItemCopyMatching(genp(**{kSecReturnRef: True, kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert isinstance(row, dict)
    assert row[kSecClass] == kSecClassGenericPassword
    assert kSecValueRef not in row
    assert row[kSecAttrAccount] == "alice"


@pytest.mark.apple_source
def test_attributes_and_persistent_ref_dict(keychain):
    """SecItemDb.c handle_result / SecItemResultCopyPrepared: Attributes + PersistentRef → the attribute
    dictionary plus a 20-byte v_PersistentRef, no v_Data."""
    add_ok(keychain, genp(**{kSecValueData: b"pw"}))
    status, row = keychain.SecItemCopyMatching(genp(**{kSecReturnAttributes: True, kSecReturnPersistentRef: True}))
    assert status == errSecSuccess
    assert kSecValueData not in row
    pref = row.pop(kSecValuePersistentRef)
    assert isinstance(pref, bytes) and len(pref) == 20 and pref[:4] == b"genp"
    assert_plain_attribute_dict(row, GENP_ATTRIBUTE_KEYS)


@pytest.mark.apple_source
def test_all_four_return_keys_on_password(keychain):
    """SecItemResultCopyPrepared with Data+Attributes+Ref+PersistentRef on a genp: one dictionary with
    class, attributes, v_Data and v_PersistentRef (no v_Ref: passwords have no ref on iOS)."""
    add_ok(keychain, genp(**{kSecValueData: b"pw"}))
    status, row = keychain.SecItemCopyMatching(
        genp(**{kSecReturnAttributes: True, kSecReturnPersistentRef: True, kSecReturnData: True, kSecReturnRef: True})
    )
    assert status == errSecSuccess
    assert isinstance(row, dict)
    assert row[kSecClass] == kSecClassGenericPassword
    assert row[kSecValueData] == b"pw"
    assert isinstance(row[kSecValuePersistentRef], bytes)
    assert kSecValueRef not in row


@pytest.mark.apple_source
def test_return_value_not_boolean_is_param_error(keychain):
    """SecDbQuery.c query_add_return: the value of a kSecReturn* key must be a CFBoolean → -50 for a
    string (reference §E.1)."""
    add_ok(keychain, genp())
    status, result = keychain.SecItemCopyMatching(genp(**{kSecReturnData: "yes"}))
    assert status == errSecParam
    assert result is None


# --- SecItemAdd results ---------------------------------------------------------------------------


@pytest.mark.apple_test
def test_add_without_return_keys_returns_nothing(keychain):
    """si-05-add.c case 1b ('add certificate dont ask for return type' → 'nothing returned'), applied to
    a password: SecItemAdd with no kSecReturn* key → (0, None)."""
    status, result = keychain.SecItemAdd(genp(**{kSecValueData: b"pw"}))
    assert status == errSecSuccess
    assert result is None


@pytest.mark.apple_test
def test_add_return_attributes_is_dict(keychain):
    """KeychainAPITests.m testReturnValuesInSecItemUpdate / testSecItemAddAndCopyMatchingWithUUIDPersistentRefs:
    SecItemAdd with kSecReturnAttributes → a dictionary; it has the added account and service, no
    v_Data and no persistref (§D.5)."""
    status, attrs = keychain.SecItemAdd(
        genp("TestAccount", "TestService", **{kSecValueData: b"password", kSecReturnAttributes: True})
    )
    assert status == errSecSuccess
    assert isinstance(attrs, dict)
    assert attrs[kSecAttrAccount] == "TestAccount"
    assert attrs[kSecAttrService] == "TestService"
    assert kSecValueData not in attrs
    assert "persistref" not in attrs and kSecValuePersistentRef not in attrs


@pytest.mark.apple_source
def test_add_return_data_is_bytes(keychain):
    """SecItemDb.c SecDbItemCopyResult (si-05-add.c case 4 for certificates): SecItemAdd with
    kSecReturnData only → the item's data."""
    status, result = keychain.SecItemAdd(genp(**{kSecValueData: b"pw", kSecReturnData: True}))
    assert status == errSecSuccess
    assert result == b"pw"


@pytest.mark.apple_source
def test_add_data_and_persistent_ref_returns_exactly_those_two_keys(keychain):
    """SecItemDb.c SecDbItemCopyResult: for any return mask other than data-only or persistent-ref-only the
    server builds a dictionary holding A-flag attributes only if kSecReturnAttributes or kSecReturnRef is
    set, D-flag values (v_Data) if data or a ref is asked, and v_PersistentRef; OSX/sec/Security/SecItem.m
    SecItemAdd adds no kSecReturnAttributes (unlike SecItemCopyMatching), and SecItemResultCopyPrepared
    copies that dictionary. So the add returns exactly {v_Data, v_PersistentRef} (reference §D.5,
    corrected), and the persistent ref finds the item."""
    status, result = keychain.SecItemAdd(
        genp(**{kSecValueData: b"pw", kSecReturnData: True, kSecReturnPersistentRef: True})
    )
    assert status == errSecSuccess
    assert set(result) == {kSecValueData, kSecValuePersistentRef}
    assert result[kSecValueData] == b"pw"
    found = keychain.SecItemCopyMatching({kSecValuePersistentRef: result[kSecValuePersistentRef], kSecReturnData: True})
    assert found == (errSecSuccess, b"pw")


@pytest.mark.apple_source
def test_add_data_and_persistent_ref_of_an_item_without_data_is_the_ref_alone(keychain):
    """SecDbItemCopyResult skips a value that is absent, and SecItemResultCopyPrepared removes v_Data when
    there is none: an item added without kSecValueData returns only {v_PersistentRef}."""
    status, result = keychain.SecItemAdd(genp(**{kSecReturnData: True, kSecReturnPersistentRef: True}))
    assert status == errSecSuccess
    assert set(result) == {kSecValuePersistentRef}


@pytest.mark.apple_test
def test_add_return_persistent_ref_is_bytes(keychain):
    """si-43-persistent.c 'got back persistent ref' / si-05-add.c case 2: SecItemAdd with
    kSecReturnPersistentRef only → CFData (20 bytes: class + UUID, §L.1)."""
    status, pref = keychain.SecItemAdd(genp(**{kSecValueData: b"pw", kSecReturnPersistentRef: True}))
    assert status == errSecSuccess
    assert isinstance(pref, bytes) and len(pref) == 20 and pref[:4] == b"genp"


@pytest.mark.apple_source
def test_return_ref_and_attributes_for_password_carries_data(keychain):
    """SecDbKeychainItem.m s3dl_item_from_data decrypts the secret part when a Ref is requested
    (`decryptSecretData` for kSecReturnRefMask); SecItemDb.c handle_result's Ref branch only adds `class`;
    SecItem.m SecItemResultCopyPrepared copies v_Data into the output when `wants_data || wants_ref`
    and removes it again only after a ref was actually built (`else if (ref != NULL) … if (!wants_data)
    remove v_Data`). A password has no ref on iOS, so Ref + Attributes returns v_Data although data
    was not requested (reference §E.6, corrected; read in Apple's code, not exercised by an Apple test)."""
    add_ok(keychain, genp(**{kSecValueData: b"pw"}))
    status, row = keychain.SecItemCopyMatching(genp(**{kSecReturnRef: True, kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert isinstance(row, dict)
    assert kSecValueRef not in row
    assert row[kSecValueData] == b"pw"


@pytest.mark.inferred
def test_add_return_attributes_uses_the_a_flag_mask(keychain):
    """§C.1/§C.7 (inferred from SecItemDb.c SecDbItemCopyResult, which copies only A-flagged attributes,
    and SecItemSchema.c, where "tomb" and "musr" carry no A flag): the SecItemAdd attribute dictionary
    has acct, svce, agrp, pdmn, sync, sha1, cdat, mdat — but not tomb and not musr, which a later
    SecItemCopyMatching does return."""
    status, attrs = keychain.SecItemAdd(genp(**{kSecValueData: b"pw", kSecReturnAttributes: True}))
    assert status == errSecSuccess
    for present in (
        kSecAttrAccount,
        kSecAttrService,
        kSecAttrAccessGroup,
        kSecAttrAccessible,
        kSecAttrSynchronizable,
        kSecAttrSHA1,
        kSecAttrCreationDate,
        kSecAttrModificationDate,
    ):
        assert present in attrs, present
    assert kSecAttrTombstone not in attrs
    assert kSecAttrMultiUser not in attrs
    status, found = keychain.SecItemCopyMatching(genp(**{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert found[kSecAttrTombstone] == 0 and found[kSecAttrMultiUser] == b""
