"""explain never disagrees with SecItemCopyMatching: same status, same matched items (architecture
principle 1, checked over random keychains and queries)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.explain import explain

GROUPS = ["A1B2C3D4E5.com.example.app", "A1B2C3D4E5.com.example.shared", "Z9Y8X7W6V5.com.example.other"]

items = st.lists(
    st.fixed_dictionaries(
        {
            kSecAttrAccount: st.sampled_from(["alice", "bob", b"alice", ""]),
            kSecAttrService: st.sampled_from(["s1", "s2"]),
            kSecAttrAccessGroup: st.sampled_from(GROUPS),
            kSecAttrSynchronizable: st.booleans(),
            kSecAttrGeneric: st.sampled_from([b"g1", b"g2"]),
            kSecAttrAccessible: st.sampled_from([kSecAttrAccessibleWhenUnlocked, kSecAttrAccessibleAfterFirstUnlock]),
        }
    ),
    max_size=8,
)

queries = st.fixed_dictionaries(
    {kSecClass: st.sampled_from([kSecClassGenericPassword, kSecClassInternetPassword])},
    optional={
        kSecAttrAccount: st.sampled_from(["alice", "bob", b"bob", "carol"]),
        kSecAttrService: st.sampled_from(["s1", "s2"]),
        kSecAttrAccessGroup: st.sampled_from(GROUPS),
        kSecAttrSynchronizable: st.sampled_from([True, False, kSecAttrSynchronizableAny]),
        kSecAttrGeneric: st.sampled_from([b"g1", b"g2"]),
        kSecMatchLimit: st.sampled_from([kSecMatchLimitOne, kSecMatchLimitAll, 2, 0]),
    },
)


@pytest.mark.model
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=items, query=queries, caller=st.sampled_from([GROUPS[:1], GROUPS[:2], GROUPS[2:]]), state=st.integers(0, 2))
def test_explain_status_and_matches_equal_copy_matching(items, query, caller, state):
    owner = Keychain(access_groups=GROUPS)
    for attrs in items:
        owner.SecItemAdd({kSecClass: kSecClassGenericPassword, **attrs})
    if state >= 1:
        owner.lock()
    if state == 2:
        owner.restart()
    kc = owner.with_entitlements(caller)
    asked = {**query, kSecReturnPersistentRef: True}
    status, result = kc.SecItemCopyMatching(asked)
    report = explain(kc, asked)
    assert report.status == status
    if status != errSecSuccess:
        assert report.matches == [] or status == errSecInteractionNotAllowed
        return
    refs = result if isinstance(result, list) else [result]
    assert [b"genp" + row.persistref for row in report.matches] == refs
