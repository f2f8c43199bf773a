"""kSecMatchLimit is applied by the database query before the email and host filters.

Source: keychain/securityd/SecItemDb.c s3dl_create_select_sql (appends ``LIMIT n`` unless the query has
kSecMatchIssuers, kSecMatchPolicy, kSecMatchValidOnDate, kSecMatchTrustedOnly or a token object ID) and
s3dl_query_row (SecServerMatch_Item drops a fetched row that fails kSecMatchEmailAddressIfPresent or
kSecMatchHostOrSubdomainOfHost; only kept rows count towards the limit, but the SQL fetched no more).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from keychainsim.constants import *

from ._certs import load_crypto, make_certificate_der
from ._support import add_ok

HOST_QUERY = {
    kSecClass: kSecClassInternetPassword,
    kSecMatchHostOrSubdomainOfHost: "example.com",
    kSecReturnAttributes: True,
}


def _two_servers(keychain) -> None:
    """The first row fails the host filter, the second passes it."""
    for server in ("mirror.example.org", "api.example.com"):
        add_ok(
            keychain,
            {kSecClass: kSecClassInternetPassword, kSecAttrServer: server, kSecAttrAccount: "a", kSecValueData: b"x"},
        )


@pytest.mark.apple_source
def test_host_filter_sees_only_the_rows_the_limit_kept(keychain):
    """SecItemDb.c s3dl_create_select_sql / s3dl_query_row: with the default limit of one (and with
    kSecMatchLimitOne) the SQL returns the first row only, the host filter drops it, and the call gives
    errSecItemNotFound although the second item's server is a subdomain of the host; a limit of two or
    kSecMatchLimitAll lets the SQL return both, and the filter keeps the second."""
    _two_servers(keychain)
    assert keychain.SecItemCopyMatching(HOST_QUERY) == (errSecItemNotFound, None)
    assert keychain.SecItemCopyMatching({**HOST_QUERY, kSecMatchLimit: kSecMatchLimitOne}) == (errSecItemNotFound, None)
    for limit in (2, kSecMatchLimitAll):
        status, result = keychain.SecItemCopyMatching({**HOST_QUERY, kSecMatchLimit: limit})
        assert status == errSecSuccess
        assert [r[kSecAttrServer] for r in result] == ["api.example.com"]


@pytest.mark.apple_source
def test_host_filter_finds_a_first_row_that_passes(keychain):
    """SecItemDb.c s3dl_query_row: the limit cuts rows after the first, so when the first row passes the
    host filter the default-limit lookup returns it (as a dictionary, limit one)."""
    add_ok(keychain, {kSecClass: kSecClassInternetPassword, kSecAttrServer: "api.example.com", kSecAttrAccount: "a"})
    add_ok(keychain, {kSecClass: kSecClassInternetPassword, kSecAttrServer: "mirror.example.org", kSecAttrAccount: "a"})
    status, result = keychain.SecItemCopyMatching(HOST_QUERY)
    assert status == errSecSuccess and result[kSecAttrServer] == "api.example.com"


@pytest.mark.apple_source
def test_trusted_only_false_lifts_the_limit_for_a_host_filter(keychain):
    """SecItemDb.c s3dl_create_select_sql: LIMIT is left out whenever q_match_trusted_only is set, whatever
    its value and class (SecServerMatch_Item evaluates trust for certificates and identities only), so an
    internet-password host lookup with kSecMatchTrustedOnly false reaches the second row."""
    _two_servers(keychain)
    status, result = keychain.SecItemCopyMatching({**HOST_QUERY, kSecMatchTrustedOnly: False})
    assert status == errSecSuccess and result[kSecAttrServer] == "api.example.com"


@pytest.mark.apple_source
def test_email_filter_sees_only_the_rows_the_limit_kept(keychain):
    """SecItemDb.c s3dl_create_select_sql / SecItemServer.c _FilterWithEmailAddress: a certificate without
    the address stored first hides one with it from a default-limit lookup (errSecItemNotFound);
    kSecMatchLimitAll finds the second, and kSecMatchValidOnDate (a filter that lifts the LIMIT) finds it
    with the default limit too."""
    crypto = load_crypto()
    for der in (
        make_certificate_der(common_name="no email", serial=1),
        make_certificate_der(email="someone@example.com"),
    ):
        assert keychain.SecItemAdd({kSecValueRef: crypto.SecCertificateCreateWithData(der)})[0] == errSecSuccess
    query = {kSecClass: kSecClassCertificate, kSecMatchEmailAddressIfPresent: "someone@example.com"}
    attributes = {**query, kSecReturnAttributes: True}
    assert keychain.SecItemCopyMatching(attributes) == (errSecItemNotFound, None)
    status, result = keychain.SecItemCopyMatching({**attributes, kSecMatchLimit: kSecMatchLimitAll})
    assert status == errSecSuccess and len(result) == 1 and result[0][kSecAttrLabel] == "keychainsim test leaf"
    on = datetime(2016, 6, 1, tzinfo=UTC)  # inside both certificates' validity
    status, result = keychain.SecItemCopyMatching({**attributes, kSecMatchValidOnDate: on})
    assert status == errSecSuccess and result[kSecAttrLabel] == "keychainsim test leaf"


def _user_presence() -> Any:
    from keychainsim import SecAccessControlCreateWithFlags
    from keychainsim.model.access_control import kSecAccessControlUserPresence

    return SecAccessControlCreateWithFlags(None, kSecAttrAccessibleWhenUnlocked, kSecAccessControlUserPresence)[0]


@pytest.mark.apple_source
def test_skip_drops_rows_the_limit_already_cut(keychain):
    """SecItemDb.c s3dl_query_row / s3dl_query: under kSecUseAuthenticationUISkip a fetched row whose access
    control needs the user fails to decode with errSecAuthNeeded, which s3dl_query clears and moves on from;
    the SQL's LIMIT (s3dl_create_select_sql) had already cut the rows. A protected item stored first hides a
    plain one from a default-limit data read (errSecItemNotFound); kSecMatchLimitAll returns the plain one's
    data only; stored the other way round, the plain item comes first and is returned."""
    protected = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "guarded", kSecValueData: b"hidden"}
    add_ok(keychain, {**protected, kSecAttrAccessControl: _user_presence()})
    add_ok(keychain, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "plain", kSecValueData: b"open"})
    query = {
        kSecClass: kSecClassGenericPassword,
        kSecReturnData: True,
        kSecUseAuthenticationUI: kSecUseAuthenticationUISkip,
    }
    assert keychain.SecItemCopyMatching(query) == (errSecItemNotFound, None)
    assert keychain.SecItemCopyMatching({**query, kSecMatchLimit: kSecMatchLimitAll}) == (errSecSuccess, [b"open"])
    # attributes alone need no user: nothing is dropped, and the first row is returned
    status, attrs = keychain.SecItemCopyMatching({**query, kSecReturnData: False, kSecReturnAttributes: True})
    assert status == errSecSuccess and attrs[kSecAttrAccount] == "guarded"


@pytest.mark.apple_source
def test_skip_with_the_plain_item_first_returns_it(keychain):
    """SecItemDb.c s3dl_query_row: the first row the SQL returns needs no user, so LIMIT 1 keeps it and the
    data read under kSecUseAuthenticationUISkip returns it."""
    add_ok(keychain, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "plain", kSecValueData: b"open"})
    add_ok(
        keychain,
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrAccount: "guarded",
            kSecValueData: b"hidden",
            kSecAttrAccessControl: _user_presence(),
        },
    )
    query = {
        kSecClass: kSecClassGenericPassword,
        kSecReturnData: True,
        kSecUseAuthenticationUI: kSecUseAuthenticationUISkip,
    }
    assert keychain.SecItemCopyMatching(query) == (errSecSuccess, b"open")
