"""Creation/modification dates (reference §D.1 h, §F.1 i–j, §E.3) and the silent no-op adds of §D.6.

Sources: keychain/securityd/SecItemDb.c query_pre_add (force_date: cdat and mdat overwritten with one
"now"), query_pre_update, SecDbItem.c SecDbItemMakeYounger (new mdat > old mdat); SecItemDb.c
s3dl_query_add (`return errSecItemMatchUnsupported;` from a bool function) for the no-ops.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keychainsim.constants import *

from ._support import add_ok, assert_aware_datetime, genp

LONG_AGO = datetime(2001, 1, 1, tzinfo=UTC)


def _attrs(kc, q=None):
    status, attrs = kc.SecItemCopyMatching((q or genp()) | {kSecReturnAttributes: True})
    assert status == errSecSuccess
    return attrs


@pytest.mark.apple_source
def test_add_sets_cdat_equal_mdat_and_overwrites_caller_dates(keychain):
    """SecItemDb.c query_pre_add(force_date=true): cdat and mdat are set to the same 'now', overwriting
    caller-supplied kSecAttrCreationDate / kSecAttrModificationDate."""
    before = datetime.now(UTC) - timedelta(seconds=5)
    add_ok(keychain, genp(**{kSecAttrCreationDate: LONG_AGO, kSecAttrModificationDate: LONG_AGO}))
    attrs = _attrs(keychain)
    assert_aware_datetime(attrs[kSecAttrCreationDate])
    assert attrs[kSecAttrCreationDate] == attrs[kSecAttrModificationDate]
    assert attrs[kSecAttrCreationDate] != LONG_AGO
    assert attrs[kSecAttrCreationDate] >= before


@pytest.mark.apple_source
def test_update_bumps_mdat_and_keeps_cdat(keychain):
    """SecItemDb.c query_pre_update + SecDbItem.c SecDbItemMakeYounger (§F.1 i–j): an update sets mdat
    to now, at least the old mdat + 1 ms; cdat is unchanged."""
    add_ok(keychain, genp())
    old = _attrs(keychain)
    assert keychain.SecItemUpdate(genp(), {kSecAttrLabel: "x"}) == errSecSuccess
    new = _attrs(keychain)
    assert new[kSecAttrCreationDate] == old[kSecAttrCreationDate]
    assert new[kSecAttrModificationDate] >= old[kSecAttrModificationDate] + timedelta(milliseconds=1)


@pytest.mark.apple_source
def test_caller_mdat_in_update_is_overridden(keychain):
    """query_pre_update forces mdat (§F.1 i): a kSecAttrModificationDate in attributesToUpdate does not
    stick."""
    add_ok(keychain, genp())
    old = _attrs(keychain)
    assert keychain.SecItemUpdate(genp(), {kSecAttrModificationDate: LONG_AGO}) == errSecSuccess
    new = _attrs(keychain)
    assert new[kSecAttrModificationDate] != LONG_AGO
    assert new[kSecAttrModificationDate] > old[kSecAttrModificationDate]


@pytest.mark.apple_source
def test_caller_may_set_cdat_in_update(keychain):
    """§F.2: kSecAttrCreationDate is an ordinary attribute in attributesToUpdate (only mdat is forced)."""
    add_ok(keychain, genp())
    assert keychain.SecItemUpdate(genp(), {kSecAttrCreationDate: LONG_AGO}) == errSecSuccess
    assert _attrs(keychain)[kSecAttrCreationDate] == LONG_AGO


@pytest.mark.apple_source
def test_dates_match_exactly_and_stale_mdat_misses(keychain):
    """§E.3 (dates compare as exact doubles): a query with the item's current mdat finds it; after an
    update the old mdat no longer matches (the iOS side of 'lost items' M.5 item 4)."""
    add_ok(keychain, genp())
    mdat = _attrs(keychain)[kSecAttrModificationDate]
    assert keychain.SecItemCopyMatching(genp(**{kSecAttrModificationDate: mdat}))[0] == errSecSuccess
    assert keychain.SecItemUpdate(genp(), {kSecAttrLabel: "x"}) == errSecSuccess
    assert keychain.SecItemCopyMatching(genp(**{kSecAttrModificationDate: mdat}))[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_readd_after_delete_gets_new_cdat(keychain):
    """query_pre_add: a new add always gets a new creation date, not the deleted item's."""
    add_ok(keychain, genp())
    first = _attrs(keychain)[kSecAttrCreationDate]
    assert keychain.SecItemDelete(genp()) == errSecSuccess
    add_ok(keychain, genp())
    assert _attrs(keychain)[kSecAttrCreationDate] >= first


# --- §D.6 silent no-ops ----------------------------------------------------------------------------


@pytest.mark.inferred
@pytest.mark.parametrize(
    ("key", "value"),
    [(kSecMatchLimit, kSecMatchLimitOne), (kSecMatchLimit, kSecMatchLimitAll), (kSecMatchCaseInsensitive, True)],
)
def test_match_key_in_ios_add_is_silent_success_storing_nothing(keychain, key, value):
    """§D.6 (inferred from SecItemDb.c s3dl_query_add returning errSecItemMatchUnsupported from a bool
    function): a kSecMatch* key in an iOS add → errSecSuccess, no result, and nothing is stored."""
    status, result = keychain.SecItemAdd(genp(**{key: value, kSecValueData: b"pw", kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert result is None
    assert keychain.SecItemCopyMatching(genp())[0] == errSecItemNotFound
    assert list(keychain.all_items()) == []


@pytest.mark.inferred
def test_use_item_list_in_ios_add_is_silent_success_storing_nothing(keychain):
    """§D.6 (inferred, same pattern with errSecUseItemListUnsupported): kSecUseItemList in an add → 0,
    nothing stored."""
    status, result = keychain.SecItemAdd(genp(**{kSecUseItemList: [], kSecValueData: b"pw"}))
    assert status == errSecSuccess and result is None
    assert keychain.SecItemCopyMatching(genp())[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_identity_class_add_without_ref_is_internal_error_storing_nothing(keychain):
    """SecItemServer.c SecServerItemAddWithCustomDb() gives every add a persistent-ref UUID
    (SecKeychainIsStaticPersistentRefsEnabled() is on by default, keychain/ot/Affordance_OTConstants.m);
    SecItemDb.c s3dl_query_add() then calls SecDbItemSetPersistentRef(), and SecDbItem.c
    SecDbClassAttrWithKind() finds no UUID column in the empty identity class (SecItemSchema.c
    v_identity_class): errSecInternal, nothing inserted. A match key is checked first and still wins."""
    status, result = keychain.SecItemAdd({kSecClass: kSecClassIdentity, kSecAttrLabel: "x"})
    assert status == errSecInternal and result is None
    assert list(keychain.all_items()) == []
    assert keychain.SecItemCopyMatching({kSecClass: kSecClassIdentity})[0] == errSecItemNotFound
    with_match = {kSecClass: kSecClassIdentity, kSecAttrLabel: "x", kSecMatchLimit: kSecMatchLimitOne}
    assert keychain.SecItemAdd(with_match) == (errSecSuccess, None)
    assert list(keychain.all_items()) == []
