"""The server's limit on the size of a dictionary (QUERY_KEY_LIMIT, 128 query slots).

Source: keychain/securityd/SecDbQuery.c query_create: the slots are the class's attribute count
(SecDbClassAttrCount over the class's ``attrs`` in keychain/securityd/SecItemSchema.c, storage columns
included: genp 38, inet 48, cert 33, keys 51; an identity declares none and counts cert + keys, 84) plus
each dictionary key that is not one of those attributes; more than 128 is errSecItemIllegalQuery, which
base/SecBasePriv.h defines as errSecParam. query_create_with_limit runs it after the class lookup and
before query_parse; s3dl_query_update runs it on attributesToUpdate too. The keys used to fill the
dictionary are of the ``f`` family, which query_applier ignores.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._support import add_ok


def _ignored(count: int) -> dict[str, bool]:
    return {f"fPadding{i}": True for i in range(count)}


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("item_class", "room"),
    [
        (kSecClassGenericPassword, 89),  # 128 - 38 - kSecClass
        (kSecClassInternetPassword, 79),  # 128 - 48 - 1
        (kSecClassCertificate, 94),  # 128 - 33 - 1
        (kSecClassKey, 76),  # 128 - 51 - 1
        (kSecClassIdentity, 43),  # 128 - (33 + 51) - 1
    ],
)
def test_the_class_decides_how_many_other_keys_fit(keychain, item_class, room):
    """SecDbQuery.c query_create: a query of the class with ``room`` keys beside kSecClass reaches the search
    (nothing stored: errSecItemNotFound); one more is errSecParam."""
    query = {kSecClass: item_class}
    assert keychain.SecItemCopyMatching({**query, **_ignored(room)}) == (errSecItemNotFound, None)
    assert keychain.SecItemCopyMatching({**query, **_ignored(room + 1)}) == (errSecParam, None)


@pytest.mark.apple_source
def test_attributes_of_the_class_and_value_data_take_no_extra_slot(keychain):
    """SecDbQuery.c query_create: a key naming one of the class's attributes (kSecValueData, "v_Data", is one)
    is subtracted, so an add with five attributes and the value still fits 89 other keys and stores the item;
    with 90 it is errSecParam and nothing is stored."""
    item = {
        kSecClass: kSecClassGenericPassword,
        kSecAttrService: "svc",
        kSecAttrAccount: "alice",
        kSecAttrLabel: "label",
        kSecAttrDescription: "description",
        kSecAttrComment: "comment",
        kSecValueData: b"secret",
    }
    assert keychain.SecItemAdd({**item, **_ignored(90)})[0] == errSecParam
    assert keychain.SecItemCopyMatching({kSecClass: kSecClassGenericPassword}) == (errSecItemNotFound, None)
    add_ok(keychain, {**item, **_ignored(89)})
    status, data = keychain.SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecReturnData: True})
    assert status == errSecSuccess and data == b"secret"


@pytest.mark.apple_source
def test_the_limit_is_checked_before_any_key_is_parsed(keychain):
    """SecDbQuery.c query_create_with_limit: the count precedes query_parse, so an attribute of another class
    (kSecAttrApplicationTag on a generic password, errSecNoSuchAttr when parsed) is one more non-attribute
    key, and at the limit the call is errSecParam instead."""
    query = {kSecClass: kSecClassGenericPassword, kSecAttrApplicationTag: b"tag"}
    assert keychain.SecItemCopyMatching({**query, **_ignored(88)})[0] == errSecNoSuchAttr
    assert keychain.SecItemCopyMatching({**query, **_ignored(89)})[0] == errSecParam


@pytest.mark.apple_source
def test_attributes_to_update_have_their_own_count(keychain):
    """SecItemDb.c s3dl_query_update: query_create(q->q_class, ..., attributesToUpdate) counts the update's
    dictionary alone (no kSecClass in it): 38 + 90 = 128 slots fit, and then the unknown key is
    errSecNoSuchAttr (query_update_applier); 91 are errSecParam. The item is unchanged either way."""
    add_ok(keychain, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "alice", kSecAttrLabel: "before"})
    query = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "alice"}
    assert keychain.SecItemUpdate(query, {kSecAttrLabel: "after", **_ignored(90)}) == errSecNoSuchAttr
    assert keychain.SecItemUpdate(query, {kSecAttrLabel: "after", **_ignored(91)}) == errSecParam
    status, attrs = keychain.SecItemCopyMatching({**query, kSecReturnAttributes: True})
    assert status == errSecSuccess and attrs[kSecAttrLabel] == "before"
