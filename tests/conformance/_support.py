"""Helpers shared by the conformance tests: item dictionaries and shape checks.

Nothing here encodes a rule of its own; every expectation lives in a test that cites its source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from keychainsim.constants import *

APP_GROUP = "A1B2C3D4E5.com.example.app"
"""The contract's default (first) access group."""
SHARED_GROUP = "A1B2C3D4E5.com.example.shared"
OTHER_APP_GROUP = "Z9Y8X7W6V5.com.example.other"

PASSWORD = b"test"

# Keys a returned attribute dictionary of a plain, single-user, non-token genp item holds
# (reference §C.7, built from the A/C/U flags of SecItemSchema.c); `accc` is synthesized and may appear.
GENP_ATTRIBUTE_KEYS = frozenset({"acct", "svce", "agrp", "cdat", "mdat", "pdmn", "sync", "tomb", "musr", "sha1"})
INET_ATTRIBUTE_KEYS = frozenset(
    {
        "acct",
        "sdmn",
        "srvr",
        "ptcl",
        "atyp",
        "port",
        "path",
        "agrp",
        "cdat",
        "mdat",
        "pdmn",
        "sync",
        "tomb",
        "musr",
        "sha1",
    }
)


def genp(account: Any = "alice", service: Any = "svc", **extra: Any) -> dict[str, Any]:
    """A generic-password add dictionary; pass ``account=None``/``service=None`` to leave one out."""
    d: dict[str, Any] = {kSecClass: kSecClassGenericPassword}
    if account is not None:
        d[kSecAttrAccount] = account
    if service is not None:
        d[kSecAttrService] = service
    d.update(extra)
    return d


def spamcop_inet(**extra: Any) -> dict[str, Any]:
    """The internet password of si-10-find-internet.c / secd-01-items.m (server, account, port 80,
    protocol "http", authentication type "dflt", data "test")."""
    d: dict[str, Any] = {
        kSecClass: kSecClassInternetPassword,
        kSecAttrServer: "members.spamcop.net",
        kSecAttrAccount: "smith",
        kSecAttrPort: 80,
        kSecAttrProtocol: "http",
        kSecAttrAuthenticationType: "dflt",
        kSecValueData: PASSWORD,
    }
    d.update(extra)
    return d


def without(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    """A copy of ``d`` without ``keys``."""
    return {k: v for k, v in d.items() if k not in keys}


def add_ok(kc: Any, attrs: dict[str, Any]) -> Any:
    """SecItemAdd that must succeed; returns the result."""
    status, result = kc.SecItemAdd(attrs)
    assert status == errSecSuccess, f"setup add failed: {status!s} for {attrs!r}"
    return result


def find(kc: Any, query: dict[str, Any]) -> tuple[Any, Any]:
    """SecItemCopyMatching, returned as (status, result)."""
    return kc.SecItemCopyMatching(query)


def find_all_attrs(kc: Any, cls: str = kSecClassGenericPassword, **extra: Any) -> list[dict[str, Any]]:
    """Every item of ``cls`` the caller sees (any sync state), as attribute dictionaries; [] when none."""
    q = {
        kSecClass: cls,
        kSecAttrSynchronizable: kSecAttrSynchronizableAny,
        kSecReturnAttributes: True,
        kSecMatchLimit: kSecMatchLimitAll,
    }
    q.update(extra)
    status, result = kc.SecItemCopyMatching(q)
    if status == errSecItemNotFound:
        return []
    assert status == errSecSuccess, f"listing failed: {status!s}"
    assert isinstance(result, list)
    return result


def assert_aware_datetime(value: Any) -> None:
    assert isinstance(value, datetime), f"expected a datetime, got {type(value).__name__}"
    assert value.tzinfo is not None and value.utcoffset() is not None, "dates are timezone-aware"


def assert_plain_attribute_dict(attrs: Any, expected_keys: frozenset[str]) -> None:
    """The common shape of a kSecReturnAttributes-only dictionary (reference §C.7; si-05-add.c case 5):
    a dict with exactly the expected attribute keys (plus the synthesized `accc`), no class, no value
    keys, no persistref/UUID, `tomb == 0`, `musr == b""`, a 20-byte `sha1` and aware dates."""
    assert isinstance(attrs, dict), f"expected a dict, got {type(attrs).__name__}"
    assert set(attrs) - {kSecAttrAccessControl} == set(expected_keys), sorted(attrs)
    for absent in (kSecClass, kSecValueData, kSecValueRef, kSecValuePersistentRef, "persistref", "UUID"):
        assert absent not in attrs
    assert attrs[kSecAttrTombstone] == 0 and type(attrs[kSecAttrTombstone]) is int
    assert attrs[kSecAttrMultiUser] == b""
    assert isinstance(attrs[kSecAttrSHA1], bytes) and len(attrs[kSecAttrSHA1]) == 20
    assert_aware_datetime(attrs[kSecAttrCreationDate])
    assert_aware_datetime(attrs[kSecAttrModificationDate])
