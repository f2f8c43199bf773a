"""Add/find/update/delete invariants for generic passwords, checked against a small reference model.

The model is a dict keyed by the genp uniqueness tuple of reference §C.3 restricted to what an
ordinary app can vary — (account, service, access group, sync) — and implements the implicit query
predicates of §E.2 (sync = 0 unless kSecAttrSynchronizable is given, SynchronizableAny = no predicate,
agrp IN caller groups, explicit group = that group), exact-equality matching (§E.3), duplicate
detection (§D.4), all-matches update/delete with -25300 when nothing matches (§F.1 k, §G.1 g) and
-25299 on a primary-key collision (§F.4). Sources: SecItemSchema.c (P flags), SecDbQuery.c
query_create_with_limit, SecItemDb.c s3dl_query_add / s3dl_query_update / s3dl_query_delete.

A key-changing update that matches several items follows s3dl_query_update() (SecItemDb.c): the rows
are updated one by one in scan order (row id order here), each checked against the table as the earlier
rows left it, so a row may collide with an earlier row's new key or with a matched row not updated yet;
every row overwrites the result, so the transaction commits unless the LAST row failed, and the first
row's error (-25299) is the status either way (SecDbItemUpdate() keeps the first error, and
securityd_message_no_error() in client.c turns it into the status).

Values are plain strings (no str/bytes mixing) and updates never change kSecAttrSynchronizable.
Tombstones are invisible to every public query, so the model can ignore them.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from keychainsim.constants import *

APP = "A1B2C3D4E5.com.example.app"
SHARED = "A1B2C3D4E5.com.example.shared"
GROUPS = (APP, SHARED)

accounts = st.sampled_from(["", "alice", "bob"])
services = st.sampled_from(["", "svc", "other"])
labels = st.sampled_from(["L1", "L2"])
add_groups = st.sampled_from([None, APP, SHARED])
add_syncs = st.sampled_from([None, False, True])
query_syncs = st.sampled_from([None, False, True, kSecAttrSynchronizableAny])
maybe_account = st.one_of(st.none(), accounts)
maybe_service = st.one_of(st.none(), services)
maybe_group = st.one_of(st.none(), st.sampled_from(GROUPS))

Key = tuple[str, str, str, int]  # (acct, svce, agrp, sync)


class GenpModel(RuleBasedStateMachine):
    """Drives a fresh keychain and the reference model with the same operations."""

    def __init__(self) -> None:
        super().__init__()
        from keychainsim import Keychain

        self.kc = Keychain(access_groups=list(GROUPS))
        self.items: dict[Key, dict[str, Any]] = {}
        self.rowids: dict[Key, int] = {}  # the row each item lives in: an update keeps it
        self.next_rowid = 1

    # -- model helpers ----------------------------------------------------------------------------

    @staticmethod
    def _query(acct: str | None, svce: str | None, group: str | None, sync: Any) -> dict[str, Any]:
        q: dict[str, Any] = {kSecClass: kSecClassGenericPassword}
        if acct is not None:
            q[kSecAttrAccount] = acct
        if svce is not None:
            q[kSecAttrService] = svce
        if group is not None:
            q[kSecAttrAccessGroup] = group
        if sync is not None:
            q[kSecAttrSynchronizable] = sync
        return q

    def _matches(self, acct: str | None, svce: str | None, group: str | None, sync: Any) -> list[Key]:
        wanted_sync = {None: {0}, False: {0}, True: {1}, kSecAttrSynchronizableAny: {0, 1}}[sync]
        return [
            k
            for k in self.items
            if (acct is None or k[0] == acct)
            and (svce is None or k[1] == svce)
            and (group is None or k[2] == group)
            and k[3] in wanted_sync
        ]

    # -- rules ------------------------------------------------------------------------------------

    @rule(acct=accounts, svce=services, group=add_groups, sync=add_syncs, label=labels)
    def add(self, acct: str, svce: str, group: str | None, sync: bool | None, label: str) -> None:
        attrs = self._query(acct, svce, group, sync) | {kSecAttrLabel: label, kSecValueData: b"pw"}
        key: Key = (acct, svce, group or APP, 1 if sync else 0)
        status, result = self.kc.SecItemAdd(attrs)
        if key in self.items:
            assert status == errSecDuplicateItem, (attrs, status)
        else:
            assert status == errSecSuccess, (attrs, status)
            self.items[key] = {kSecAttrLabel: label}
            self.rowids[key] = self.next_rowid
            self.next_rowid += 1
        assert result is None

    @rule(acct=maybe_account, svce=maybe_service, group=maybe_group, sync=query_syncs)
    def find(self, acct: str | None, svce: str | None, group: str | None, sync: Any) -> None:
        q = self._query(acct, svce, group, sync) | {kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitAll}
        expected = sorted(self._matches(acct, svce, group, sync))
        status, result = self.kc.SecItemCopyMatching(q)
        if not expected:
            assert status == errSecItemNotFound and result is None, (q, status, result)
            return
        assert status == errSecSuccess, (q, status)
        assert isinstance(result, list)
        found = sorted(
            (r[kSecAttrAccount], r[kSecAttrService], r[kSecAttrAccessGroup], r[kSecAttrSynchronizable]) for r in result
        )
        assert found == expected, q

    @rule(acct=maybe_account, svce=maybe_service, group=maybe_group, sync=query_syncs, label=labels)
    def update_label(self, acct: str | None, svce: str | None, group: str | None, sync: Any, label: str) -> None:
        matched = self._matches(acct, svce, group, sync)
        status = self.kc.SecItemUpdate(self._query(acct, svce, group, sync), {kSecAttrLabel: label})
        if not matched:
            assert status == errSecItemNotFound
            return
        assert status == errSecSuccess
        for k in matched:
            self.items[k][kSecAttrLabel] = label

    @rule(
        acct=maybe_account,
        svce=maybe_service,
        group=maybe_group,
        sync=query_syncs,
        new_acct=maybe_account,
        new_svce=maybe_service,
        new_group=maybe_group,
    )
    def update_key(
        self,
        acct: str | None,
        svce: str | None,
        group: str | None,
        sync: Any,
        new_acct: str | None,
        new_svce: str | None,
        new_group: str | None,
    ) -> None:
        changes: dict[str, Any] = {}
        if new_acct is not None:
            changes[kSecAttrAccount] = new_acct
        if new_svce is not None:
            changes[kSecAttrService] = new_svce
        if new_group is not None:
            changes[kSecAttrAccessGroup] = new_group
        matched = sorted(self._matches(acct, svce, group, sync), key=self.rowids.__getitem__)
        if not changes:
            return
        status = self.kc.SecItemUpdate(self._query(acct, svce, group, sync), changes)
        if not matched:
            assert status == errSecItemNotFound
            return
        moved: dict[Key, Key] = {}  # old key -> new key, for the rows updated so far
        taken: set[Key] = set()  # the keys those rows now hold
        failed = last_failed = False
        for old in matched:
            new: Key = (
                new_acct if new_acct is not None else old[0],
                new_svce if new_svce is not None else old[1],
                new_group if new_group is not None else old[2],
                old[3],
            )
            held_by_other = new != old and new in self.items and new not in moved
            last_failed = new in taken or held_by_other
            if last_failed:
                failed = True
                continue
            moved[old] = new
            taken.add(new)
        if failed:
            assert status == errSecDuplicateItem, (matched, changes, status)
        else:
            assert status == errSecSuccess, (matched, changes, status)
        if last_failed:
            return  # the transaction rolled back: nothing changed
        kept = {old: (self.items.pop(old), self.rowids.pop(old)) for old in moved}
        for old, new in moved.items():
            self.items[new], self.rowids[new] = kept[old]

    @rule(acct=maybe_account, svce=maybe_service, group=maybe_group, sync=query_syncs)
    def delete(self, acct: str | None, svce: str | None, group: str | None, sync: Any) -> None:
        matched = self._matches(acct, svce, group, sync)
        status = self.kc.SecItemDelete(self._query(acct, svce, group, sync))
        if not matched:
            assert status == errSecItemNotFound
            return
        assert status == errSecSuccess
        for k in matched:
            del self.items[k], self.rowids[k]

    # -- invariant --------------------------------------------------------------------------------

    @invariant()
    def everything_visible_agrees(self) -> None:
        status, result = self.kc.SecItemCopyMatching(
            {
                kSecClass: kSecClassGenericPassword,
                kSecAttrSynchronizable: kSecAttrSynchronizableAny,
                kSecReturnAttributes: True,
                kSecMatchLimit: kSecMatchLimitAll,
            }
        )
        if not self.items:
            assert status == errSecItemNotFound and result is None
            return
        assert status == errSecSuccess
        found = sorted(
            (
                r[kSecAttrAccount],
                r[kSecAttrService],
                r[kSecAttrAccessGroup],
                r[kSecAttrSynchronizable],
                r[kSecAttrLabel],
            )
            for r in result
        )
        expected = sorted((*k, v[kSecAttrLabel]) for k, v in self.items.items())
        assert found == expected


GenpModel.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestGenpInvariants = GenpModel.TestCase
TestGenpInvariants.pytestmark = [pytest.mark.apple_source]


@pytest.mark.apple_source
def test_the_reference_model_runs_a_partial_commit_like_the_keychain() -> None:
    """The steps the generated runs rarely reach, driven through the same rules and invariant: two matched
    rows, the first colliding with a row the query does not match, the last free. SecItemDb.c
    s3dl_query_update(): the last row succeeded, so the transaction commits that row, and the first row's
    errSecDuplicateItem is the status."""
    machine = GenpModel()
    machine.add("alice", "svc", None, None, "L1")
    machine.add("bob", "svc", None, None, "L2")
    machine.add("alice", "other", None, None, "L1")
    machine.update_key(None, "svc", None, None, None, "other", None)
    machine.everything_visible_agrees()
    assert set(machine.items) == {("alice", "svc", APP, 0), ("bob", "other", APP, 0), ("alice", "other", APP, 0)}
    machine.update_key("alice", None, None, None, None, "svc", None)  # both alice rows to svc: the last collides
    machine.everything_visible_agrees()
    assert ("alice", "other", APP, 0) in machine.items  # rolled back
