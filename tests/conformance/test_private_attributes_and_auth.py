"""Private attributes, passcode-bound items and authentication-protected items."""

from __future__ import annotations

import pytest

from keychainsim.constants import *
from keychainsim.errors import NotModeledError
from keychainsim.model.access_control import SecAccessControlCreateWithFlags, kSecAccessControlUserPresence

GENP = {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc", kSecAttrAccount: "acct"}


@pytest.mark.apple_source
@pytest.mark.parametrize("key", ["sysb", "pcss", "binn", "vwht"])
def test_private_attributes_need_entitlements(keychain, key):
    """OSX/sec/ipc/server.c (XPC gate) and SecItemSchema.c notes (reference §D.1 step 2, §C.4): apps lack the
    private entitlements, so adding one of these attributes is errSecMissingEntitlement and stores nothing."""
    value = 1 if key in ("sysb", "pcss") else b"x" if key == "binn" else "view"
    status, _ = keychain.SecItemAdd({**GENP, key: value})
    assert status == errSecMissingEntitlement
    assert keychain.SecItemCopyMatching(GENP)[0] == errSecItemNotFound


@pytest.mark.apple_test
def test_akpu_needs_a_passcode_and_dies_with_it(keychain):
    """secd-81-item-acl.m: "cannot add item with akpu without passcode" (-25291); an akpu item is destroyed
    when the passcode is removed, and is not found afterwards."""
    keychain.set_passcode(False)
    assert keychain.SecItemAdd({**GENP, kSecAttrAccessible: kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly})[0] == (
        errSecNotAvailable
    )
    keychain.set_passcode(True)
    assert keychain.SecItemAdd({**GENP, kSecAttrAccessible: kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly})[0] == 0
    assert keychain.SecItemCopyMatching(GENP)[0] == errSecSuccess
    keychain.set_passcode(False)
    assert keychain.SecItemCopyMatching(GENP)[0] == errSecItemNotFound


@pytest.mark.apple_test
def test_authentication_ui_skip_and_fail(keychain):
    """secd-81-item-acl-stress.m: an item whose access control requires user presence is skipped by a query
    with kSecUseAuthenticationUISkip (-25300) and refused with kSecUseAuthenticationUIFail (-25308)."""
    access, error = SecAccessControlCreateWithFlags(None, kSecAttrAccessibleWhenUnlocked, kSecAccessControlUserPresence)
    assert error is None
    assert keychain.SecItemAdd({**GENP, kSecAttrAccessControl: access, kSecValueData: b"pw"})[0] == 0
    query = {**GENP, kSecReturnData: True}
    assert keychain.SecItemCopyMatching({**query, kSecUseAuthenticationUI: kSecUseAuthenticationUISkip})[0] == (
        errSecItemNotFound
    )
    assert keychain.SecItemCopyMatching({**query, kSecUseAuthenticationUI: kSecUseAuthenticationUIFail})[0] == (
        errSecInteractionNotAllowed
    )


@pytest.mark.apple_source
def test_access_control_with_constraints_cannot_be_synchronizable(keychain):
    """SecItem.m SecItemAuthDoQuery (secd-81-item-acl-stress.m "add sync"): constraints + sync -> -50."""
    access, _ = SecAccessControlCreateWithFlags(None, kSecAttrAccessibleWhenUnlocked, kSecAccessControlUserPresence)
    status, _ = keychain.SecItemAdd({**GENP, kSecAttrAccessControl: access, kSecAttrSynchronizable: True})
    assert status == errSecParam


@pytest.mark.apple_source
def test_accessible_beside_access_control_is_refused_only_when_they_differ(keychain):
    """SecDbQuery.c query_add_attribute() / query_set_access_control(): kSecAttrAccessible becomes an access
    control of that protection alone, and a second access control that is not CFEqual to it is
    errSecItemIllegalQuery (= errSecParam, SecBasePriv.h). SecAccessControl.m compares the whole dictionary:
    the same class with no flags is accepted; another class, or the same class with user presence, is -50
    (in an add and in attributesToUpdate alike)."""
    plain, _ = SecAccessControlCreateWithFlags(None, kSecAttrAccessibleWhenUnlocked, 0)
    presence, _ = SecAccessControlCreateWithFlags(None, kSecAttrAccessibleWhenUnlocked, kSecAccessControlUserPresence)
    same = {**GENP, kSecAttrAccessible: kSecAttrAccessibleWhenUnlocked, kSecAttrAccessControl: plain}
    assert keychain.SecItemAdd(same)[0] == errSecSuccess
    other = {**GENP, kSecAttrAccount: "b", kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock}
    assert keychain.SecItemAdd({**other, kSecAttrAccessControl: plain})[0] == errSecParam
    constrained = {**GENP, kSecAttrAccount: "c", kSecAttrAccessible: kSecAttrAccessibleWhenUnlocked}
    assert keychain.SecItemAdd({**constrained, kSecAttrAccessControl: presence})[0] == errSecParam
    assert len(keychain.all_items()) == 1
    changes = {kSecAttrAccessible: kSecAttrAccessibleWhenUnlocked, kSecAttrAccessControl: presence}
    assert keychain.SecItemUpdate(GENP, changes) == errSecParam
    assert keychain.SecItemUpdate(GENP, {**changes, kSecAttrAccessControl: plain}) == errSecSuccess


@pytest.mark.apple_source
def test_synchronizable_with_this_device_only_class_is_stored(keychain):
    """SecItemServer.c SecServerItemAddWithCustomDb() and queryHasValidAttributes() have no test of the
    protection class against kSecAttrSynchronizable; the only client check (SecItem.m SecItemAuthDoQuery)
    is access control with constraints. A synchronizable …ThisDeviceOnly item is stored."""
    attrs = {**GENP, kSecAttrSynchronizable: True, kSecAttrAccessible: kSecAttrAccessibleWhenUnlockedThisDeviceOnly}
    assert keychain.SecItemAdd({**attrs, kSecValueData: b"pw"})[0] == errSecSuccess
    status, found = keychain.SecItemCopyMatching({**GENP, kSecAttrSynchronizable: True, kSecReturnAttributes: True})
    assert status == errSecSuccess
    assert (found[kSecAttrSynchronizable], found[kSecAttrAccessible]) == (
        1,
        kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
    )


@pytest.mark.model
def test_tombstone_spi_is_not_modelled(keychain):
    """kSecUseTombstones is SPI the model does not handle: it raises instead of being ignored."""
    with pytest.raises(NotModeledError, match="u_Tomb"):
        keychain.SecItemCopyMatching({**GENP, "u_Tomb": True})


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("response", "status"), [("approve", errSecSuccess), ("cancel", errSecUserCanceled), ("fail", errSecAuthFailed)]
)
def test_the_users_answer_to_the_prompt(make_keychain, response, status):
    """SecItem.m osstatus_for_localauthentication_error (reference §K.3): reading the data of an item that
    requires user presence prompts; a cancelled prompt is -128, a failed one -25293. Attributes alone need
    no prompt: only the secret part is guarded by the access control."""
    from keychainsim import Keychain

    keychain = Keychain(user_response=response)
    access, _ = SecAccessControlCreateWithFlags(None, kSecAttrAccessibleWhenUnlocked, kSecAccessControlUserPresence)
    assert keychain.SecItemAdd({**GENP, kSecAttrAccessControl: access, kSecValueData: b"pw"})[0] == 0
    assert keychain.SecItemCopyMatching({**GENP, kSecReturnData: True})[0] == status
    assert keychain.SecItemCopyMatching({**GENP, kSecReturnAttributes: True})[0] == errSecSuccess
