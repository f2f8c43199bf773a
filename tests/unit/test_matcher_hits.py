"""``Matcher.hits`` is the engine's per-row test and ``Matcher.misses`` is what explain reports: for every
row and query they must agree (a row is a hit exactly when it has no miss), or an explanation would
contradict the result it explains (architecture principle 1).

Rows are real stored items (added through a Keychain, tombstones and other groups' items written the way
a restored device dump writes them); queries are compiled by the engine's own ``prepare``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.engine.context import Caller
from keychainsim.engine.copy import prepare
from keychainsim.model.item import Item
from keychainsim.model.reject import Reject

pytestmark = pytest.mark.model

APP = "A1B2C3D4E5.com.example.app"
OTHER = "A1B2C3D4E5.com.example.other"


def stored_rows() -> list[Item]:
    """Passwords that differ from each other in one constraint at a time: the account (text, data with
    the same bytes, unset), the service, the label, sync, the tombstone flag and the access group."""
    kc = Keychain(access_groups=[APP, OTHER])
    for attrs in (
        {kSecAttrAccount: "alice", kSecAttrService: "svc"},
        {kSecAttrAccount: b"alice", kSecAttrService: "svc2"},
        {kSecAttrAccount: "bob", kSecAttrService: "svc", kSecAttrLabel: "L"},
        {kSecAttrService: "svc", kSecAttrLabel: "L"},
        {kSecAttrAccount: "alice", kSecAttrService: "svc", kSecAttrSynchronizable: True},
        {kSecAttrAccount: "alice", kSecAttrService: "svc", kSecAttrAccessGroup: OTHER},
    ):
        status, _ = kc.SecItemAdd({kSecClass: kSecClassGenericPassword, **attrs})
        assert status == errSecSuccess, (attrs, kc.last_call)
    rows = kc.all_items()
    tombstone = rows[0].with_attrs({**dict(rows[0].items()), "tomb": 1, "acct": "carol"})
    return [*rows, tombstone]


ROWS = stored_rows()

terms = st.fixed_dictionaries(
    {},
    optional={
        kSecAttrAccount: st.sampled_from(["alice", b"alice", "bob", "carol"]),
        kSecAttrService: st.sampled_from(["svc", "svc2"]),
        kSecAttrLabel: st.just("L"),
        kSecAttrAccessGroup: st.sampled_from([APP, OTHER]),
        kSecAttrSynchronizable: st.sampled_from([True, False, kSecAttrSynchronizableAny]),
        kSecAttrTombstone: st.sampled_from([0, 1]),
    },
)
callers = st.sampled_from([Caller((APP,)), Caller((APP, OTHER)), Caller(("*",))])


@given(terms=terms, caller=callers)
def test_a_row_is_a_hit_exactly_when_the_matcher_lists_no_miss(terms: dict[str, Any], caller: Caller) -> None:
    try:
        _, matcher = prepare(caller, {kSecClass: kSecClassGenericPassword, **terms})
    except Reject:
        return  # a group the caller is not entitled to: refused before any row is read
    for row in ROWS:
        assert matcher.hits(row) == (not matcher.misses(row)), (terms, caller.access_groups, row, matcher.misses(row))


def test_each_failed_constraint_alone_makes_a_row_a_miss() -> None:
    """The same query against rows that differ in one constraint each. The first two are hits: the account
    is a hashed column, compared by its bytes, so the text ``"alice"`` matches the data ``b"alice"`` (see
    ``values.match_key``); each other row fails exactly the constraint it was made to fail."""
    _, matcher = prepare(Caller((APP,)), {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "alice"})
    verdicts = [matcher.hits(row) for row in ROWS]
    assert verdicts == [True, True, False, False, False, False, False]
    assert [(m.kind, m.key) for m in matcher.misses(ROWS[2])] == [("attribute", "acct")]
    assert [(m.kind, m.key) for m in matcher.misses(ROWS[3])] == [("attribute", "acct")]
    assert [m.kind for m in matcher.misses(ROWS[4])] == ["sync"]
    assert [m.kind for m in matcher.misses(ROWS[5])] == ["access_group"]
    assert {m.kind for m in matcher.misses(ROWS[6])} == {"attribute", "tombstone"}
