"""macOS: the file-based and the data protection keychains side by side, behind the SecItem shim.

``OSX/libsecurity_keychain/lib/SecItem.cpp`` decides per call which implementation(s) to use
(``SecItemCategorizeQuery()``), rewrites the dictionary for each (``SecItemCopyTranslatedAttributes()``)
and merges results (``SecItemMergeResults()``); reference secitem-engine.md §M (corrected), TN3137. The
file-based implementation itself is :mod:`keychainsim.engine.file_keychain`; the data protection one is
the ordinary engine, reached through the client library's preparation (:mod:`keychainsim.shim.client`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from keychainsim.engine import copy as dp_copy
from keychainsim.engine import file_keychain, observe
from keychainsim.engine.add import add as dp_add
from keychainsim.engine.delete import prepare as delete_prepare
from keychainsim.engine.delete import remove
from keychainsim.engine.update import apply as update_apply
from keychainsim.engine.update import prepare as update_prepare
from keychainsim.errors import NotModeledError
from keychainsim.model.item import DP, FILE
from keychainsim.model.query import MACOS_FILE_ONLY_MATCH_KEYS, PersistentRef
from keychainsim.model.reject import Reject
from keychainsim.model.values import truthy
from keychainsim.shim.client import is_cdsa_key, ref_kind
from keychainsim.shim.client import prepare as client_prepare
from keychainsim.shim.context import CallContext
from keychainsim.status import OSStatus

FILE_STRIPPED = ("pdmn", "accc", "agrp", "sync", "tomb", "musr", "nleg")
"""Keys the shim removes before a file-based call: the file keychain silently drops the access group
and the protection (§M.3), which is how items get "lost"."""

FILE_ONLY_KEYS = (*MACOS_FILE_ONLY_MATCH_KEYS, "m_ItemList", "m_SearchList", "u_ItemList", "u_Keychain")
FILE_ONLY_ATTRIBUTES = ("acls", "prf", "salt", "rounds")

DP_FLAG = "nleg"
"""kSecUseDataProtectionKeychain (and the deprecated kSecAttrNoLegacy, the same raw key)."""
SHARING_GROUP = "ggrp"
SYSTEM_KEYCHAIN_ALWAYS = "u_SystemKeychainAlways"


def read_number(value: Any) -> int:
    """``readNumber()`` in SecItem.cpp: a number, a boolean, or a string that prints back as the same
    integer; anything else counts as 0 (so kSecAttrSynchronizableAny is not "true")."""
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            return 0
        return number if str(number) == value else 0
    return 0


def targets(dictionary: dict[str, Any]) -> tuple[str, ...]:
    """``SecItemCategorizeQuery()`` (§M.2): which implementations a call goes to, DP first.

    The data protection flag decides alone. kSecAttrSharingGroup forces the data protection keychain and
    is errSecParam (-50) beside an explicit false flag; kSecUseSystemKeychainAlways (true) would do the same
    for the system keychain, which keychainsim does not model. A key ref goes to the file-based keychain
    if it is a CDSA key and to the data protection keychain otherwise.
    """
    flag_given = DP_FLAG in dictionary
    if SHARING_GROUP in dictionary:
        if flag_given and not read_number(dictionary[DP_FLAG]):
            raise Reject(
                OSStatus.errSecParam,
                "kSecAttrSharingGroup needs the data protection keychain, and kSecUseDataProtectionKeychain is false",
                key=SHARING_GROUP,
            )
        return (DP,)
    if SYSTEM_KEYCHAIN_ALWAYS in dictionary and read_number(dictionary[SYSTEM_KEYCHAIN_ALWAYS]):
        if flag_given and not read_number(dictionary[DP_FLAG]):
            raise Reject(
                OSStatus.errSecParam,
                "kSecUseSystemKeychainAlways needs the data protection keychain, and "
                "kSecUseDataProtectionKeychain is false",
                key=SYSTEM_KEYCHAIN_ALWAYS,
            )
        raise NotModeledError(
            SYSTEM_KEYCHAIN_ALWAYS, hint="there is no system keychain here, and searching the app's own would be untrue"
        )
    if flag_given:
        return (DP,) if read_number(dictionary[DP_FLAG]) else (FILE,)
    allowed = {DP, FILE}
    ref = dictionary.get("v_Ref")
    if ref_kind(ref) == "key":
        allowed.discard(DP if is_cdsa_key(ref) else FILE)
    if "tkid" in dictionary or "accc" in dictionary:
        allowed.discard(FILE)
    if dictionary.get("agrp") == "com.apple.token":
        allowed.discard(FILE)
    if "sync" in dictionary and read_number(dictionary["sync"]):
        allowed.discard(FILE)
    if "v_PersistentRef" in dictionary:
        try:
            PersistentRef.parse(dictionary["v_PersistentRef"])
            allowed.discard(FILE)
        except Reject:
            allowed.discard(DP)
    if any(k in dictionary for k in (*FILE_ONLY_KEYS, *FILE_ONLY_ATTRIBUTES)):
        allowed.discard(DP)
    if "class" not in dictionary and "v_PersistentRef" not in dictionary and "v_Ref" not in dictionary:
        allowed.discard(DP)
    if not allowed:
        raise Reject(
            OSStatus.errSecParam, "the dictionary asks for both keychains and for neither (SecItemCategorizeQuery)"
        )
    return tuple(t for t in (DP, FILE) if t in allowed)


def for_dp(dictionary: dict[str, Any], op: str) -> dict[str, Any]:
    """``SecItemCopyTranslatedAttributes()`` for the DP half (§M.3): kSecAttrModificationDate always goes;
    an add loses its match keys; a query loses kSecValueData and kSecAttrAccess, and kSecAttrSynchronizable
    when a persistent ref is given; a delete loses match and return keys; an update loses return keys."""
    out = {k: v for k, v in dictionary.items() if k not in (DP_FLAG, "mdat")}
    if op == "copy":
        dropped = ("v_Data", "acls", "sync") if "v_PersistentRef" in out else ("v_Data", "acls")
        out = {k: v for k, v in out.items() if k not in dropped}
    if op == "add":
        out = {k: v for k, v in out.items() if not _prefixed(k, "m_")}
    if op == "update":
        out = {k: v for k, v in out.items() if not _prefixed(k, "r_")}
    if op == "delete":
        out = {k: v for k, v in out.items() if not _prefixed(k, "m_", "r_")}
    return out


def _prefixed(key: Any, *prefixes: str) -> bool:
    """Whether ``key`` is a string key of one of these families; a key of another type (NSNull, CFData,
    CFNumber) is left in place for the server's parser, which refuses it with the status a device gives."""
    return isinstance(key, str) and key.startswith(prefixes)


def for_file(dictionary: dict[str, Any]) -> dict[str, Any]:
    """The file-based half's dictionary: the data-protection-only keys removed (§M.3)."""
    return {k: v for k, v in dictionary.items() if k not in FILE_STRIPPED}


def add(ctx: CallContext, attributes: dict[str, Any]) -> tuple[OSStatus, Any]:
    """Add prefers the file-based keychain whenever it is allowed (§M.3)."""
    where = targets(attributes)
    prepared = client_prepare(attributes, "add")
    if FILE in where:
        return file_keychain.add(ctx.db, for_file(prepared), ctx.clock)
    return dp_add(ctx.db, ctx.caller, for_dp(prepared, "add"), ctx.clock)


def copy(ctx: CallContext, query: dict[str, Any]) -> tuple[OSStatus, Any]:
    """CopyMatching runs on every allowed keychain, DP first, and merges (``SecItemMergeResults()``, §M.3)."""
    where = targets(query)
    prepared = client_prepare(query, "copy")
    if "m_Issuers" in query and query.get("class") == "cert" and FILE in where:
        # si-68-secmatchissuer.c, macOS branch: not allowed with certificates ("performance is bad").
        raise Reject(OSStatus.errSecParam, "kSecMatchIssuers cannot be used with kSecClassCertificate on macOS")

    def on(target: str) -> tuple[OSStatus, Any]:
        if target == DP:
            return dp_copy.copy_matching(ctx.db, ctx.caller, for_dp(prepared, "copy"), DP, "macos", ctx.clock)
        return file_keychain.copy_matching(ctx.db, for_file(prepared))

    outcomes = _on_each(where, on, lambda refused: (refused.status, None))
    if len(outcomes) == 1:
        return next(iter(outcomes.values()))
    return merge(outcomes[DP], outcomes[FILE])


def merge(dp: tuple[OSStatus, Any], file: tuple[OSStatus, Any]) -> tuple[OSStatus, Any]:
    """``SecItemMergeResults()`` (SecItem.cpp), after both halves ran: a failed data protection half, a
    missing entitlement included, gives the file half's outcome; a failed file half, the data protection
    half's; two successes give two arrays concatenated (data protection first, no limit re-applied) or,
    for single results, the data protection one unless it is NULL (no return keys: the data protection
    half returns nothing and the file half its default reference, so the caller gets the file item)."""
    dp_status, dp_result = dp
    file_status, file_result = file
    if dp_status != OSStatus.errSecSuccess:
        return file_status, file_result
    if file_status != OSStatus.errSecSuccess:
        return dp_status, dp_result
    if isinstance(dp_result, list) and isinstance(file_result, list):
        return OSStatus.errSecSuccess, dp_result + file_result
    return OSStatus.errSecSuccess, dp_result if dp_result is not None else file_result


def update(ctx: CallContext, query: dict[str, Any], changes: dict[str, Any]) -> OSStatus:
    """With the DP flag: DP only. Otherwise both, merged, and a change of kSecAttrSynchronizable moves
    items between the implementations (``SecItemChangeSynchronizability()``, §M.3)."""
    where = targets(query)
    prepared_query = client_prepare(query, "update")
    prepared_changes = client_prepare(changes, "update_attributes")
    if "sync" in changes and DP_FLAG not in query:
        return _move_synchronizability(ctx, prepared_query, prepared_changes)

    def on(target: str) -> OSStatus:
        if target == DP:
            q, matcher, parsed = update_prepare(ctx.caller, for_dp(prepared_query, "update"), prepared_changes, "macos")
            return update_apply(ctx.db, q, matcher, parsed, ctx.clock, DP)
        return file_keychain.update(ctx.db, for_file(prepared_query), prepared_changes, ctx.clock)

    return _merge_statuses(_on_each(where, on, _status_of))


T = TypeVar("T")


def _on_each(where: tuple[str, ...], call: Callable[[str], T], refused_as: Callable[[Reject], T]) -> dict[str, T]:
    """``call`` on each keychain of ``where``, in order, as SecItem.cpp runs a call on both. With one
    keychain its refusal is the call's; with two, a refusal is that keychain's outcome (``refused_as``)
    and is noted for the caller's record (:func:`observe.absorbed`), and the other keychain still runs."""
    outcomes: dict[str, T] = {}
    for target in where:
        try:
            outcomes[target] = call(target)
        except Reject as refused:
            if len(where) == 1:
                raise
            observe.absorbed(refused, target)
            outcomes[target] = refused_as(refused)
    return outcomes


def _status_of(refused: Reject) -> OSStatus:
    return refused.status


def _merge_statuses(statuses: dict[str, OSStatus]) -> OSStatus:
    if any(s == OSStatus.errSecSuccess for s in statuses.values()):
        return OSStatus.errSecSuccess
    if FILE in statuses:
        return statuses[FILE]
    return next(iter(statuses.values()))


def _move_synchronizability(ctx: CallContext, query: dict[str, Any], changes: dict[str, Any]) -> OSStatus:
    """Setting sync to false copies matching DP items into the file keychain and deletes them from DP;
    setting it to true does the reverse (§M.3, M.5 item 3)."""
    db = ctx.db
    to_sync = truthy(changes["sync"])
    rest = {k: v for k, v in changes.items() if k != "sync"}
    if to_sync:
        q, matcher = file_keychain.compile_query(for_file(query), "update")
        rows = file_keychain.matching(db, q, matcher)
        if not rows:
            return OSStatus.errSecItemNotFound
        for row in rows:
            attrs = {k: v for k, v in row.attrs.items() if k not in ("cdat", "mdat", "persistref", "sha1")}
            attrs.update(rest)
            dp_add(db, ctx.caller, {"class": row.item_class, **attrs, "sync": True}, ctx.clock)
            db.remove(row)
        return OSStatus.errSecSuccess
    dp_query = {**for_dp(query, "update"), "sync": query.get("sync", True)}
    q, matcher = dp_copy.prepare(ctx.caller, dp_query)
    rows = [r for r in db.candidates(DP, q.item_class, matcher.terms) if matcher.hits(r)]
    if not rows:
        return OSStatus.errSecItemNotFound
    for row in rows:
        attrs = {k: v for k, v in row.attrs.items() if k not in (*FILE_STRIPPED, "cdat", "mdat", "persistref", "sha1")}
        attrs.update({k: v for k, v in rest.items() if k not in FILE_STRIPPED})
        file_keychain.add(db, {"class": row.item_class, **attrs}, ctx.clock)
        db.remove(row)
    return OSStatus.errSecSuccess


def delete(ctx: CallContext, query: dict[str, Any]) -> OSStatus:
    """Both keychains; the DP half has match and return keys stripped, so it removes every match, while
    the file half removes the first match unless kSecMatchLimitAll is given (§M.3, §M.4)."""
    where = targets(query)
    prepared = client_prepare(query, "delete")

    def on(target: str) -> OSStatus:
        if target == DP:
            q, matcher = delete_prepare(ctx.caller, for_dp(prepared, "delete"), "macos")
            return remove(ctx.db, q, matcher, ctx.clock, DP)
        return file_keychain.delete(ctx.db, for_file(prepared), ctx.clock)

    return _merge_statuses(_on_each(where, on, _status_of))
