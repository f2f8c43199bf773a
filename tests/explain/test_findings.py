"""Every finding code comes from a scenario that causes it, and goes away when the cause is fixed.

Each case builds a broken keychain and a query, asserts the status SecItemCopyMatching gives and the
finding code explain reports (with its evidence), then applies the fix and asserts the code is gone.
The rules behind each cause are cited; the finding codes themselves are keychainsim's (api-contract.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.explain import explain

GENP = {kSecClass: kSecClassGenericPassword, kSecAttrService: "api.example.com", kSecAttrAccount: "alice"}


@dataclass
class Case:
    code: str
    setup: Callable[[Keychain], Keychain]
    query: dict
    fix: Callable[[Keychain], Keychain]
    status: int = errSecItemNotFound


def _add(kc: Keychain, extra: dict | None = None) -> Keychain:
    assert kc.SecItemAdd({**GENP, kSecValueData: b"pw", **(extra or {})})[0] == 0
    return kc


def _other_app(kc: Keychain) -> Keychain:
    _add(kc)
    return kc.with_entitlements(["Z9Y8X7W6V5.com.example.other"])


def _shared(kc: Keychain) -> Keychain:
    shared = kc.with_entitlements(["Z9Y8X7W6V5.com.example.other", "A1B2C3D4E5.com.example.app"])
    return shared


def _locked(kc: Keychain) -> Keychain:
    _add(kc)
    kc.lock()
    return kc


def _unlocked(kc: Keychain) -> Keychain:
    _add(kc)
    kc.lock()
    kc.unlock()
    return kc


CASES = [
    Case("class.empty", lambda kc: kc, {kSecClass: kSecClassGenericPassword}, _add),
    Case(
        "query.attribute_mismatch",
        lambda kc: _add(kc, {kSecAttrGeneric: b"v1"}),
        {**GENP, kSecAttrGeneric: b"v2"},
        lambda kc: _add(kc, {kSecAttrGeneric: b"v2"}),
    ),
    Case(
        "query.value_type_mismatch",
        _add,
        {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "alice".encode("utf-16-le")},
        lambda kc: _add(kc, {kSecAttrAccount: "alice".encode("utf-16-le")}),
    ),
    Case(
        "query.synchronizable_excluded",
        lambda kc: _add(kc, {kSecAttrSynchronizable: True}),
        GENP,
        _add,
    ),
    Case("access.group_not_visible", _other_app, GENP, lambda kc: _shared(_add(kc))),
    Case(
        "access.missing_entitlement",
        _add,
        {**GENP, kSecAttrAccessGroup: "Z9Y8X7W6V5.com.example.other"},
        lambda kc: _add(kc.with_entitlements(["Z9Y8X7W6V5.com.example.other"])),
        status=errSecMissingEntitlement,
    ),
    Case("lock.item_unavailable", _locked, GENP, _unlocked, status=errSecInteractionNotAllowed),
    Case(
        "query.rejected",
        _add,
        {kSecClass: kSecClassGenericPassword, kSecReturnData: 1},
        _add,
        status=errSecParam,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
@pytest.mark.model
def test_finding_appears_and_disappears_when_fixed(case: Case) -> None:
    """The finding names the cause of the status; the fixed keychain answers the same query with success."""
    broken = case.setup(Keychain())
    assert broken.SecItemCopyMatching(case.query)[0] == case.status
    report = explain(broken, case.query)
    assert report.status == case.status
    assert case.code in report.codes, str(report)
    finding = next(f for f in report.findings if f.code == case.code)
    assert finding.message and finding.message[0].isalnum()
    fixed = case.fix(Keychain())
    query = case.query if case.code != "query.rejected" else {**case.query, kSecReturnData: True}
    assert fixed.SecItemCopyMatching(query)[0] == errSecSuccess
    after = explain(fixed, query)
    assert after.status == errSecSuccess and case.code not in after.codes


@pytest.mark.model
def test_attribute_mismatch_evidence_names_wanted_and_found() -> None:
    """The evidence carries, per near miss, each excluding attribute with the wanted and found values."""
    kc = _add(Keychain(), {kSecAttrGeneric: b"v1"})
    report = explain(kc, {**GENP, kSecAttrGeneric: b"v2"})
    finding = next(f for f in report.findings if f.code == "query.attribute_mismatch")
    (row_evidence,) = finding.evidence.values()
    assert row_evidence == {"gena": {"wanted": b"v2", "found": b"v1"}}
    assert [n.row.rowid for n in report.near_misses] == [1]


@pytest.mark.apple_source
def test_limit_before_host_filter_names_the_row_the_limit_cut_off() -> None:
    """SecItemDb.c s3dl_create_select_sql / s3dl_query_row: the default limit of one is applied by the SQL
    before kSecMatchHostOrSubdomainOfHost, so the first row (another server) is dropped and the search ends
    with -25300. explain says so, naming the kept row and the later row that passes; with kSecMatchLimitAll
    the same query succeeds and the finding is gone. When no row passes the filter, the finding is an
    ordinary near miss instead."""
    kc = Keychain()
    for server in ("mirror.example.org", "api.example.com"):
        assert (
            kc.SecItemAdd({kSecClass: kSecClassInternetPassword, kSecAttrServer: server, kSecAttrAccount: "a"})[0] == 0
        )
    query = {kSecClass: kSecClassInternetPassword, kSecMatchHostOrSubdomainOfHost: "example.com"}
    report = explain(kc, query)
    assert report.status == errSecItemNotFound and report.codes == ["query.limit_before_filter"]
    (finding,) = report.findings
    assert finding.evidence == {
        "limit": 1,
        "filters": ["m_HostOrSubdomainOfHost"],
        "kept": ["inet#1"],
        "passing": "inet#2",
    }
    assert [i.rowid for i in finding.items] == [1, 2]
    everything = explain(kc, {**query, kSecMatchLimit: kSecMatchLimitAll})
    assert everything.status == errSecSuccess and not everything.findings
    elsewhere = explain(kc, {**query, kSecMatchHostOrSubdomainOfHost: "example.net"})
    assert elsewhere.status == errSecItemNotFound and elsewhere.codes == ["query.attribute_mismatch"]


@pytest.mark.apple_source
def test_skipped_rows_are_named_whether_or_not_the_limit_cut_a_later_one() -> None:
    """SecItemDb.c s3dl_query: kSecUseAuthenticationUISkip leaves out a fetched row whose access control needs
    the user. With only that row, explain says the item needs the user (access.authentication_required);
    with a plain row after it, the default limit of one stopped the fetch at the skipped row
    (query.limit_before_filter, naming both rows)."""
    from keychainsim import SecAccessControlCreateWithFlags
    from keychainsim.model.access_control import kSecAccessControlUserPresence

    presence = SecAccessControlCreateWithFlags(None, kSecAttrAccessibleWhenUnlocked, kSecAccessControlUserPresence)[0]
    kc = Keychain()
    guarded = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "guarded", kSecValueData: b"x"}
    assert kc.SecItemAdd({**guarded, kSecAttrAccessControl: presence})[0] == errSecSuccess
    query = {
        kSecClass: kSecClassGenericPassword,
        kSecReturnData: True,
        kSecUseAuthenticationUI: kSecUseAuthenticationUISkip,
    }
    alone = explain(kc, query)
    assert alone.status == errSecItemNotFound and alone.codes == ["access.authentication_required"]
    assert alone.findings[0].evidence == {"key": "u_AuthUI", "skipped": ["genp#1"]}
    assert kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "plain", kSecValueData: b"y"})[0] == 0
    cut = explain(kc, query)
    assert cut.status == errSecItemNotFound and cut.codes == ["query.limit_before_filter"]
    assert cut.findings[0].evidence == {"limit": 1, "filters": ["u_AuthUI"], "kept": ["genp#1"], "passing": "genp#2"}


@pytest.mark.apple_docs
def test_duplicate_add_names_existing_item_and_unmentioned_uniqueness_attributes() -> None:
    """Quinn, "SecItem: Pitfalls and Best Practices" (Queries and Uniqueness Constraints): a query with
    kSecAttrGeneric misses, then the add collides, because kSecAttrGeneric is not part of a generic
    password's uniqueness. explain of the add names the existing row and the attributes that collide."""
    kc = _add(Keychain(), {kSecAttrGeneric: b"v1"})
    attempt = {**GENP, kSecAttrGeneric: b"v2", kSecValueData: b"new"}
    assert kc.SecItemCopyMatching({**GENP, kSecAttrGeneric: b"v2"})[0] == errSecItemNotFound
    assert kc.SecItemAdd(attempt)[0] == errSecDuplicateItem
    report = explain(kc, attempt)
    assert report.status == errSecDuplicateItem
    (finding,) = report.findings
    assert finding.code == "add.duplicate"
    assert finding.items[0].rowid == 1
    assert finding.evidence["uniqueness"] == ["acct", "svce", "agrp", "sync", "vwht", "tkid", "musr", "ggrp"]
    assert finding.evidence["stated"] == ["acct", "svce"]
    assert "agrp" in finding.evidence["defaulted"] and "sync" in finding.evidence["defaulted"]
    assert finding.evidence["not_unique_but_different"] == ["gena"]
    fresh = Keychain()
    assert explain(fresh, attempt, call="SecItemAdd").status == errSecSuccess
    assert fresh.all_items() == []  # explain replays the add on a copy: nothing is stored


@pytest.mark.apple_source
def test_macos_item_in_the_other_keychain() -> None:
    """SecItem.cpp SecItemCategorizeQuery (reference §M.2, §M.5 case 1): an add without
    kSecUseDataProtectionKeychain lands in the file-based keychain; a query with the flag searches only
    the data protection keychain and misses it."""
    kc = Keychain(platform="macos")
    _add(kc)
    query = {**GENP, kSecUseDataProtectionKeychain: True}
    report = explain(kc, query)
    assert report.status == errSecItemNotFound
    assert report.codes[0] == "platform.other_keychain"
    assert report.findings[0].items[0].keychain == "file"
    fixed = Keychain(platform="macos")
    _add(fixed, {kSecUseDataProtectionKeychain: True})
    assert explain(fixed, query).status == errSecSuccess
