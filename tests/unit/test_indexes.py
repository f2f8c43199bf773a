"""The engine answers through its indexes, as SQLite does: how many rows a call hands to the matcher.

``Database.examined`` counts the rows an index lookup or a scan hands to the matcher. A lookup that scans
would count every row of the table; one that uses an index counts the rows sharing the value. These tests
fix that behaviour (speed itself is measured by ``benchmarks/performance.py``), and that the indexes stay
right as rows are added, changed and removed.
"""

from __future__ import annotations

from typing import Any

import pytest

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.engine.database import INDEXED_KEYS, UNIQUENESS_PROBES, Database
from keychainsim.explain import explain
from keychainsim.model.item import FILE_PRIMARY_KEYS
from keychainsim.schema import CLASSES

pytestmark = pytest.mark.model


def database(kc: Keychain) -> Database:
    with kc._backend.transaction() as db:
        return db


def examined(kc: Keychain, call: Any) -> int:
    db = database(kc)
    before = db.examined
    call()
    return db.examined - before


def passwords(n: int) -> Keychain:
    kc = Keychain()
    with kc.transaction():
        for i in range(n):
            status, _ = kc.SecItemAdd(
                {kSecClass: kSecClassGenericPassword, kSecAttrService: f"svc-{i % 10}", kSecAttrAccount: f"acct-{i}"}
            )
            assert status == errSecSuccess
    return kc


def identities(n: int) -> Keychain:
    """n private keys and n certificates; certificate i carries key i's hash and the label client-i."""
    kc = Keychain()
    with kc.transaction():
        for i in range(n):
            label = i.to_bytes(20, "big")
            key = {
                kSecClass: kSecClassKey,
                kSecAttrApplicationLabel: label,
                kSecAttrIsPrivate: True,
                kSecAttrKeyClass: kSecAttrKeyClassPrivate,
                kSecAttrApplicationTag: f"tag-{i}".encode(),
            }
            assert kc.SecItemAdd(key)[0] == errSecSuccess
            cert = {
                kSecClass: kSecClassCertificate,
                kSecAttrLabel: f"client-{i}",
                kSecAttrPublicKeyHash: label,
                kSecAttrIssuer: b"issuer",
                kSecAttrSerialNumber: i.to_bytes(4, "big"),
            }
            assert kc.SecItemAdd(cert)[0] == errSecSuccess
    return kc


def identity(**terms: Any) -> dict[str, Any]:
    return {kSecClass: kSecClassIdentity, kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitAll, **terms}


def test_a_password_by_account_hands_one_row_to_the_matcher():
    kc = passwords(300)
    query = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "acct-123", kSecReturnAttributes: True}
    found: list[Any] = []
    assert examined(kc, lambda: found.append(kc.SecItemCopyMatching(query))) == 1
    assert found[0][0] == errSecSuccess and found[0][1]["acct"] == "acct-123"


def test_a_query_without_an_indexed_term_scans_the_table():
    kc = passwords(300)
    query = {kSecClass: kSecClassGenericPassword, kSecAttrGeneric: b"nowhere"}
    assert examined(kc, lambda: kc.SecItemCopyMatching(query)) == 300


@pytest.mark.parametrize("n", [20, 400])
def test_identity_by_label_examines_the_same_few_rows_at_any_size(n):
    kc = identities(n)
    found: list[Any] = []
    rows = examined(kc, lambda: found.append(kc.SecItemCopyMatching(identity(**{kSecAttrLabel: "client-7"}))))
    assert rows == 2  # the certificate by its label, the key by klbl = pkhh
    status, result = found[0]
    assert status == errSecSuccess and [r["labl"] for r in result] == ["client-7"]
    assert result[0]["klbl"] == (7).to_bytes(20, "big")


def test_identity_by_an_unknown_label_examines_no_row():
    kc = identities(200)
    found: list[Any] = []
    rows = examined(kc, lambda: found.append(kc.SecItemCopyMatching(identity(**{kSecAttrLabel: "absent"}))))
    assert rows == 0 and found[0][0] == errSecItemNotFound


def test_identity_by_key_side_terms_joins_from_the_key():
    kc = identities(200)
    found: list[Any] = []
    query = identity(**{kSecAttrApplicationTag: b"tag-42"})
    assert examined(kc, lambda: found.append(kc.SecItemCopyMatching(query))) == 2
    assert [r["labl"] for r in found[0][1]] == ["client-42"]


def test_identity_without_indexed_terms_pairs_every_key_in_key_order():
    kc = Keychain()
    # certificates first, keys afterwards in reverse order: results follow the keys' row order
    for i in range(3):
        kc.SecItemAdd(
            {
                kSecClass: kSecClassCertificate,
                kSecAttrLabel: f"c{i}",
                kSecAttrPublicKeyHash: bytes([i]) * 20,
                kSecAttrSerialNumber: bytes([i]),
            }
        )
    for i in reversed(range(3)):
        kc.SecItemAdd(
            {kSecClass: kSecClassKey, kSecAttrApplicationLabel: bytes([i]) * 20, kSecAttrKeyClass: kSecAttrKeyClassPrivate,
             kSecAttrIsPrivate: True}
        )  # fmt: skip
    status, result = kc.SecItemCopyMatching(identity())
    assert status == errSecSuccess and [r["labl"] for r in result] == ["c2", "c1", "c0"]


def test_explain_on_a_near_miss_reads_a_bounded_neighbourhood():
    kc = passwords(2000)  # 200 items share each service
    query = {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc-3", kSecAttrAccount: "acct-13",
             kSecAttrGeneric: b"not stored"}  # fmt: skip
    report: list[Any] = []
    rows = examined(kc, lambda: report.append(explain(kc, query)))
    assert rows < 40  # the query twice (1 row each), the account's row, the first rows of the service
    near = report[0].near_misses
    assert len(near) == 12
    assert near[0].row.get("acct") == "acct-13"  # shares account and service: first
    others = [n.row.rowid for n in near[1:]]
    assert others == sorted(others) and all(n.row.get("svce") == "svc-3" for n in near)


def test_indexes_follow_updates_and_deletes():
    kc = passwords(30)
    renamed = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "acct-3"}
    assert kc.SecItemUpdate(renamed, {kSecAttrAccount: "renamed"}) == errSecSuccess
    assert kc.SecItemCopyMatching(renamed)[0] == errSecItemNotFound
    assert kc.SecItemCopyMatching({**renamed, kSecAttrAccount: "renamed"})[0] == errSecSuccess
    # a value shared by two rows, then by one: both lookups stay right
    same = {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc-1", kSecMatchLimit: kSecMatchLimitAll,
            kSecReturnAttributes: True}  # fmt: skip
    before = sorted(r["acct"] for r in kc.SecItemCopyMatching(same)[1])
    assert before == ["acct-1", "acct-11", "acct-21"]
    assert kc.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "acct-11"}) == errSecSuccess
    assert kc.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "acct-21"}) == errSecSuccess
    assert [r["acct"] for r in kc.SecItemCopyMatching(same)[1]] == ["acct-1"]
    assert kc.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "acct-1"}) == errSecSuccess
    assert kc.SecItemCopyMatching(same)[0] == errSecItemNotFound


def test_a_missing_uniqueness_attribute_collides_with_its_default():
    """§C.3: a missing primary-key member takes its default in the uniqueness check, so an item without an
    account and one with the empty account collide; the index that finds collisions files the first under
    the default too."""
    kc = Keychain()
    assert kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrService: "s"})[0] == errSecSuccess
    status, _ = kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrService: "s", kSecAttrAccount: ""})
    assert status == errSecDuplicateItem
    # and "bob" as text and as data are one account (hashed column): they collide too
    assert kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob"})[0] == errSecSuccess
    assert kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: b"bob"})[0] == errSecDuplicateItem


def test_uniqueness_probes_are_indexed_members_of_both_uniqueness_tuples():
    for item_class, probes in UNIQUENESS_PROBES.items():
        assert set(probes) <= set(CLASSES[item_class].primary_key)
        assert set(probes) <= set(FILE_PRIMARY_KEYS[item_class])
        assert set(probes) <= set(INDEXED_KEYS[item_class])


def test_the_read_path_skips_protection_checks_only_when_every_class_is_readable():
    from keychainsim.engine.protection import AVAILABLE_WHEN, available, every_class_available
    from keychainsim.store.state import DeviceState

    for unlocked in (False, True):
        for since_boot in (False, True):
            for passcode in (False, True):
                device = DeviceState(unlocked, since_boot, passcode)
                if every_class_available(device):
                    assert all(available(p, device) for p in AVAILABLE_WHEN)
                else:
                    assert not all(available(p, device) for p in AVAILABLE_WHEN)


def test_values_a_compiled_query_takes_as_they_are_are_what_coerce_and_match_key_give():
    from keychainsim.model.values import coerce, match_key, self_keyed_types

    samples = {str: "bob", bytes: b"\x00bob", int: 7, float: 2.5}
    for schema in CLASSES.values():
        for attr in schema.attributes:
            for kind in self_keyed_types(attr):
                value = samples[kind]
                assert coerce(attr, value) is value, (schema.name, attr.key, kind)
                assert match_key(attr, value) is value, (schema.name, attr.key, kind)
