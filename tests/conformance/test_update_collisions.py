"""A SecItemUpdate that matches several rows, some of which fail: they would collide on a uniqueness
constraint, or their class key is unavailable on a locked device.

Sources: keychain/securityd/SecItemDb.c s3dl_query_update (rows updated one by one in scan order; each
row's outcome overwrites ``result``, and ``*commit = false`` only when the last row failed; the outer
kc_transaction in SecItemServer.c SecServerItemUpdateWithCustomDb commits exactly when s3dl_query_update
returns true), SecDbItem.c SecDbItemUpdate (the first row's constraint error stays in ``*error``),
OSX/sec/ipc/server.c (the error goes into the reply whatever the result) and OSX/sec/ipc/client.c
securityd_message_no_error (a reply carrying an error is a failure). On macOS's file-based keychain:
OSX/libsecurity_keychain/lib/SecItem.cpp SecItemUpdate_osx and _UpdateAggregateStatus.
"""

from __future__ import annotations

import pytest

from keychainsim import Keychain
from keychainsim.constants import *

from ._support import add_ok

ROWS = {
    "X": ("a", "s", "L"),  # matches the query; moving it to service s2 collides with Z
    "Y": ("b", "s", "L"),  # matches the query; moves freely
    "Z": ("a", "s2", "M"),  # does not match the query
}
QUERY = {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "L"}


def _store(kc: Keychain, order: str, **extra) -> Keychain:
    for name in order:
        account, service, label = ROWS[name]
        add_ok(
            kc,
            {
                kSecClass: kSecClassGenericPassword,
                kSecAttrAccount: account,
                kSecAttrService: service,
                kSecAttrLabel: label,
                **extra,
            },
        )
    return kc


def _pairs(kc: Keychain) -> list[tuple[str, str, str | None]]:
    return sorted((i.get("acct"), i.get("svce"), i.get("labl")) for i in kc.all_items() if not i.is_tombstone)


@pytest.mark.apple_source
def test_earlier_row_collides_later_rows_are_committed(keychain):
    """SecItemDb.c s3dl_query_update: X (first) collides with Z and is left as it was, Y (last) updates, so
    the transaction commits Y's change, while the reply carries X's errSecDuplicateItem."""
    _store(keychain, "XYZ")
    assert keychain.SecItemUpdate(QUERY, {kSecAttrService: "s2"}) == errSecDuplicateItem
    assert _pairs(keychain) == [("a", "s", "L"), ("a", "s2", "M"), ("b", "s2", "L")]


@pytest.mark.apple_source
def test_committed_rows_of_a_failed_update_reach_the_store(tmp_path):
    """SecItemDb.c s3dl_query_update on a store-backed keychain: the change the server committed beside the
    errSecDuplicateItem is written to the store, and a keychain opened afterwards sees it."""
    path = tmp_path / "keychain.json"
    kc = _store(Keychain(store=path), "XYZ")
    assert kc.SecItemUpdate(QUERY, {kSecAttrService: "s2"}) == errSecDuplicateItem
    assert _pairs(Keychain(store=path)) == [("a", "s", "L"), ("a", "s2", "M"), ("b", "s2", "L")]


@pytest.mark.apple_source
def test_last_row_collides_every_row_is_rolled_back(keychain):
    """SecItemDb.c s3dl_query_update: Y (first) updates, X (last) collides with Z, so *commit is false and
    s3dl_query_update returns false: kc_transaction rolls Y's change back too (errSecDuplicateItem)."""
    _store(keychain, "YXZ")
    assert keychain.SecItemUpdate(QUERY, {kSecAttrService: "s2"}) == errSecDuplicateItem
    assert _pairs(keychain) == [("a", "s", "L"), ("a", "s2", "M"), ("b", "s", "L")]


@pytest.mark.apple_source
def test_row_collides_with_a_matching_row_not_yet_updated(keychain):
    """SecItemDb.c s3dl_query_update / SecDbItemUpdate: each row's UPDATE meets the table as the earlier rows
    left it. Changing every account to "b": the "a" row (first) collides with the "b" row, which is then
    updated in place (its label changes) and, as the last row, commits: errSecDuplicateItem with the "b"
    row relabelled. In the other order the "a" row comes last, collides with the updated "b" row, and the
    whole update is rolled back."""
    for order, relabelled in (("XY", [("a", "s", "L"), ("b", "s", "N")]), ("YX", [("a", "s", "L"), ("b", "s", "L")])):
        kc = _store(Keychain(), order)
        status = kc.SecItemUpdate(QUERY, {kSecAttrAccount: "b", kSecAttrLabel: "N"})
        assert status == errSecDuplicateItem, order
        assert _pairs(kc) == relabelled, order


@pytest.mark.apple_source
def test_file_based_keychain_keeps_every_row_that_updated():
    """SecItem.cpp SecItemUpdate_osx: the file-based keychain updates each matched item on its own with
    nothing rolled back, and _UpdateAggregateStatus returns the failure: in either order Y moves to s2, X
    stays, and the call gives errSecDuplicateItem (the status the macOS client returns from the file-based
    keychain's half)."""
    for order in ("XYZ", "YXZ"):
        kc = _store(Keychain(platform="macos"), order)
        status = kc.SecItemUpdate({**QUERY, kSecMatchLimit: kSecMatchLimitAll}, {kSecAttrService: "s2"})
        assert status == errSecDuplicateItem, order
        assert _pairs(kc) == [("a", "s", "L"), ("a", "s2", "M"), ("b", "s2", "L")], order


@pytest.mark.apple_source
def test_a_locked_row_fails_alone_unless_it_is_the_last():
    """SecItemDb.c s3dl_query_update: SecDbItemCopyWithUpdates decrypts each row, so on a locked device a
    kSecAttrAccessibleWhenUnlocked row fails (errSecInteractionNotAllowed) while an
    kSecAttrAccessibleAfterFirstUnlock row updates. Locked row first: the last row succeeds, its change is
    committed and the reply carries the first row's -25308. Locked row last: everything is rolled back."""
    for order, relabelled in (("locked first", ["L", "N"]), ("locked last", ["L", "L"])):
        kc = Keychain()
        protections = [kSecAttrAccessibleWhenUnlocked, kSecAttrAccessibleAfterFirstUnlock]
        accounts = ["when-unlocked", "after-first-unlock"]
        if order == "locked last":
            protections.reverse()
            accounts.reverse()
        for account, protection in zip(accounts, protections, strict=True):
            add_ok(
                kc,
                {
                    kSecClass: kSecClassGenericPassword,
                    kSecAttrAccount: account,
                    kSecAttrLabel: "L",
                    kSecAttrAccessible: protection,
                },
            )
        kc.lock()
        status = kc.SecItemUpdate(QUERY, {kSecAttrLabel: "N"})
        assert status == errSecInteractionNotAllowed, order
        labels = {i.get("acct"): i.get("labl") for i in kc.all_items()}
        assert [labels["when-unlocked"], labels["after-first-unlock"]] == relabelled, order
