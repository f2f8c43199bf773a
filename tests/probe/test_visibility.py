"""Each item says whether the calling app can see it, and every reason it cannot.

The reasons are the implicit filters of SecItemCopyMatching (pitfalls catalog R3, R4, R12; engine
reference §K.2). Each test also asks the engine, so a dump that disagreed with a query would fail here.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *
from keychainsim.probe import Dump

from ._keychains import APP, OTHER, add, keychain


def reasons(kc, account):
    dumped = Dump.of(kc)
    (entry,) = [i for i in dumped.items if i.attrs.get("acct") == account]
    return [h.code for h in entry.hidden], [h.message for h in entry.hidden]


def found(kc, account, **extra):
    status, _ = kc.SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecAttrAccount: account, **extra})
    return status


@pytest.mark.model
def test_visible_item_has_no_reasons_and_is_found():
    kc = keychain()
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "mine"})
    assert reasons(kc, "mine") == ([], [])
    assert found(kc, "mine") == errSecSuccess


@pytest.mark.model
def test_access_group_of_another_app():
    kc = keychain()
    add(kc.with_entitlements([OTHER]), {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "theirs"})
    codes, messages = reasons(kc, "theirs")
    assert codes == ["access_group"]
    assert messages == [
        f'access group "{OTHER}" is not one of this app\'s groups ("{APP}", "A1B2C3D4E5.com.example.shared")'
    ]
    assert found(kc, "theirs") == errSecItemNotFound
    # the same item seen by the app that owns the group, or by a holder of the "*" entitlement
    assert reasons(kc.with_entitlements([OTHER]), "theirs") == ([], [])
    assert reasons(kc.with_entitlements(["*"]), "theirs") == ([], [])


@pytest.mark.model
def test_synchronizable_needs_synchronizable_any():
    kc = keychain()
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "synced", kSecAttrSynchronizable: True})
    codes, messages = reasons(kc, "synced")
    assert codes == ["synchronizable"]
    assert "kSecAttrSynchronizableAny" in messages[0]
    assert found(kc, "synced") == errSecItemNotFound
    assert found(kc, "synced", **{kSecAttrSynchronizable: kSecAttrSynchronizableAny}) == errSecSuccess


@pytest.mark.model
def test_tombstone_of_a_deleted_synchronizable_item():
    kc = keychain()
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "gone", kSecAttrSynchronizable: True})
    kc.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrSynchronizable: kSecAttrSynchronizableAny})
    codes, messages = reasons(kc, "gone")
    assert codes == ["tombstone", "synchronizable"]
    assert messages[0] == "a tombstone (tomb = 1): the record of a deleted synchronizable item, never returned"
    assert found(kc, "gone", **{kSecAttrSynchronizable: kSecAttrSynchronizableAny}) == errSecItemNotFound


@pytest.mark.model
def test_locked_device_hides_when_unlocked_items_only():
    kc = keychain()
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a"})
    add(
        kc,
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrAccount: "c",
            kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock,
        },
    )
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "d", kSecAttrAccessible: kSecAttrAccessibleAlways})
    kc.lock()
    codes, messages = reasons(kc, "a")
    assert codes == ["locked"]
    assert messages == [
        "protection class ak (kSecAttrAccessibleWhenUnlocked) is readable only when the device is unlocked; the "
        "device is locked (unlocked once since restart), passcode set, so a query that reaches it fails with "
        "errSecInteractionNotAllowed (-25308)"
    ]
    assert found(kc, "a") == errSecInteractionNotAllowed
    assert reasons(kc, "c")[0] == [] and found(kc, "c") == errSecSuccess
    kc.restart()
    assert reasons(kc, "c")[0] == ["locked"] and found(kc, "c") == errSecInteractionNotAllowed
    assert reasons(kc, "d")[0] == [] and found(kc, "d") == errSecSuccess
    kc.unlock()
    assert reasons(kc, "a")[0] == reasons(kc, "c")[0] == []


@pytest.mark.model
def test_macos_file_based_item_lives_in_the_other_keychain():
    kc = keychain("macos")
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "legacy"})
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "modern", kSecUseDataProtectionKeychain: True})
    codes, messages = reasons(kc, "legacy")
    assert codes == ["other_keychain"]
    assert messages[0].startswith("lives in the macOS file-based keychain")
    assert found(kc, "legacy", **{kSecUseDataProtectionKeychain: True}) == errSecItemNotFound
    assert found(kc, "legacy") == errSecSuccess  # a call without the flag searches both
    assert reasons(kc, "modern") == ([], [])


@pytest.mark.model
def test_every_reason_is_listed_not_just_the_first():
    kc = keychain()
    add(
        kc.with_entitlements([OTHER]),
        {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "all", kSecAttrSynchronizable: True},
    )
    kc.lock()
    assert reasons(kc, "all")[0] == ["synchronizable", "access_group", "locked"]


@pytest.mark.model
def test_visible_items_are_exactly_what_a_class_query_returns():
    kc = keychain()
    other = kc.with_entitlements([OTHER, APP])
    for n in range(6):
        extra = {kSecAttrSynchronizable: True} if n % 3 == 0 else {}
        add(
            other if n % 2 else kc,
            {
                kSecClass: kSecClassGenericPassword,
                kSecAttrAccount: f"n{n}",
                **extra,
                **({kSecAttrAccessGroup: OTHER} if n % 2 else {}),
            },
        )
    query = {kSecClass: kSecClassGenericPassword, kSecMatchLimit: kSecMatchLimitAll, kSecReturnAttributes: True}
    for view in (kc, other):
        status, results = view.SecItemCopyMatching(query)
        assert status == errSecSuccess
        returned = sorted(r[kSecAttrAccount] for r in results)
        visible = sorted(i.attrs["acct"] for i in Dump.of(view).items if i.visible)
        assert returned == visible
