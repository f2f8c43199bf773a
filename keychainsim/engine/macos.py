"""macOS: the file-based and the data protection keychains side by side, behind the SecItem shim.

``OSX/libsecurity_keychain/lib/SecItem.cpp`` decides per call which implementation(s) to use
(``SecItemCategorizeQuery()``), rewrites the dictionary for each (``SecItemCopyTranslatedAttributes()``)
and merges results (``SecItemMergeResults()``); reference secitem-engine.md §M, TN3137. The file-based
keychain has no access groups, no protection classes and no sync, its own uniqueness (§M.4), and its
update and delete act on the first match unless the caller asks for all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keychainsim.engine import copy as dp_copy
from keychainsim.engine import observe
from keychainsim.engine.add import AddOutcome
from keychainsim.engine.add import add as dp_add
from keychainsim.engine.client import prepare as client_prepare
from keychainsim.engine.client import ref_kind
from keychainsim.engine.context import Caller, item_digest, new_persistent_uuid
from keychainsim.engine.database import Database
from keychainsim.engine.delete import prepare as delete_prepare
from keychainsim.engine.delete import remove
from keychainsim.engine.results import ResultRow, element, shape
from keychainsim.engine.update import apply as update_apply
from keychainsim.engine.update import prepare as update_prepare
from keychainsim.model.item import DP, FILE, Item
from keychainsim.model.match import Matcher, Scope
from keychainsim.model.query import MACOS_FILE_ONLY_MATCH_KEYS, PersistentRef, parse
from keychainsim.model.reject import Reject
from keychainsim.model.values import truthy
from keychainsim.schema import CLASSES, Default
from keychainsim.status import OSStatus

if TYPE_CHECKING:
    from keychainsim.keychain import Keychain

FILE_STRIPPED = ("pdmn", "accc", "agrp", "sync", "tomb", "musr", "nleg")
"""Keys the shim removes before a file-based call: the file keychain silently drops the access group
and the protection (§M.3), which is how items get "lost"."""

FILE_ONLY_KEYS = (*MACOS_FILE_ONLY_MATCH_KEYS, "m_ItemList", "m_SearchList", "u_ItemList", "u_Keychain")
FILE_ONLY_ATTRIBUTES = ("acls", "prf", "salt", "rounds")


def targets(dictionary: dict[str, Any]) -> tuple[str, ...]:
    """``SecItemCategorizeQuery()`` (§M.2): which implementations a call goes to, DP first."""
    if "nleg" in dictionary:
        return (DP,) if truthy(dictionary["nleg"]) else (FILE,)
    if "ggrp" in dictionary:
        return (DP,)
    allowed = {DP, FILE}
    ref = dictionary.get("v_Ref")
    if ref_kind(ref) == "key":
        allowed.discard(FILE)
    if "tkid" in dictionary or "accc" in dictionary:
        allowed.discard(FILE)
    if dictionary.get("agrp") == "com.apple.token":
        allowed.discard(FILE)
    if "sync" in dictionary and dictionary["sync"] != "syna" and truthy(dictionary["sync"]):
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
        raise Reject(OSStatus.errSecParam, "the dictionary asks for both keychains and neither (§M.2)")
    return tuple(t for t in (DP, FILE) if t in allowed)


def _for_dp(dictionary: dict[str, Any], op: str) -> dict[str, Any]:
    """``SecItemCopyTranslatedAttributes()`` for the DP half (§M.3): kSecAttrModificationDate always goes;
    an add loses its match keys; a query loses kSecValueData and kSecAttrAccess, and kSecAttrSynchronizable
    when a persistent ref is given; a delete loses match and return keys."""
    out = {k: v for k, v in dictionary.items() if k not in ("nleg", "mdat")}
    if op == "copy":
        dropped = ("v_Data", "acls", "sync") if "v_PersistentRef" in out else ("v_Data", "acls")
        out = {k: v for k, v in out.items() if k not in dropped}
    if op == "add":
        out = {k: v for k, v in out.items() if not _prefixed(k, "m_")}
    if op == "delete":
        out = {k: v for k, v in out.items() if not _prefixed(k, "m_", "r_")}
    return out


def _prefixed(key: Any, *prefixes: str) -> bool:
    """Whether ``key`` is a string key of one of these families; a key of another type (NSNull, CFData,
    CFNumber) is left in place for the server's parser, which refuses it with the status a device gives."""
    return isinstance(key, str) and key.startswith(prefixes)


def _for_file(dictionary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in dictionary.items() if k not in FILE_STRIPPED}


FILE_CALLER = Caller(("",))
"""The file-based keychain has no access groups: every item is in one unnamed group."""


def file_add(db: Database, dictionary: dict[str, Any], clock: Any) -> tuple[OSStatus, Any]:
    """An add to the file-based keychain (§M.4)."""
    outcome = AddOutcome()
    outcome.keychain = FILE
    observe.adding(outcome)
    if dictionary.get("class") == "idnt":
        raise Reject(OSStatus.errSecParam, "the file-based keychain cannot add the identity class", key="class")
    data = dictionary.get("v_Data")
    if isinstance(data, str):
        dictionary = {**dictionary, "v_Data": data.encode("utf-8")}
    if "svce" in dictionary and not isinstance(dictionary["svce"], str):
        raise Reject(OSStatus.errSecParam, "the file-based keychain wants kSecAttrService as a string", key="svce")
    if dictionary.get("port") == "":
        raise Reject(OSStatus.errSecParam, 'kSecAttrPort "" is refused by the file-based keychain', key="port")
    query = parse(dictionary, "add")
    outcome.query = query
    attrs = dict(query.attrs)
    if "labl" not in attrs:
        # ItemImpl::addWithCopyInfo(): the label defaults to the service, the server, else the account.
        for key in ("svce", "srvr", "addr", "acct"):
            if key in attrs:
                attrs["labl"] = attrs[key]
                break
    now = clock()
    attrs["cdat"] = now
    attrs["mdat"] = now
    for attr in CLASSES[query.item_class].attributes:
        if attr.default is Default.EMPTY_STRING:
            attrs.setdefault(attr.key, "")
        elif attr.default is Default.ZERO and attr.key in CLASSES[query.item_class].primary_key:
            attrs.setdefault(attr.key, 0)
    for key in FILE_STRIPPED:
        attrs.pop(key, None)
    if query.data is not None:
        attrs["v_Data"] = query.data
    attrs["persistref"] = new_persistent_uuid()
    attrs["sha1"] = item_digest(attrs)
    item = Item(db.new_rowid(), query.item_class, FILE, attrs)
    existing = db.find_unique(item)
    if existing is not None:
        outcome.colliding = existing
        observe.collided("add", FILE, existing, item, query)
        raise Reject(
            OSStatus.errSecDuplicateItem, f"the file-based keychain already has this item (row {existing.rowid})"
        )
    db.put(item)
    outcome.stored = item
    return OSStatus.errSecSuccess, element(ResultRow(item, "macos"), query.returns, for_add=True)


def add(kc: Keychain, db: Database, attributes: dict[str, Any]) -> tuple[OSStatus, Any]:
    """Add prefers the file-based keychain whenever it is allowed (§M.3)."""
    where = targets(attributes)
    prepared = client_prepare(attributes, "add")
    if FILE in where:
        return file_add(db, _for_file(prepared), kc.clock)
    return dp_add(db, kc.caller, _for_dp(prepared, "add"), kc.clock)


def _file_query(dictionary: dict[str, Any], op: str) -> tuple[Any, Matcher]:
    query = parse(_for_file(dictionary), op)
    query.sync = "any"  # no sync column in the file-based keychain
    return query, Matcher(query, Scope(groups=None))


def file_copy(db: Database, dictionary: dict[str, Any]) -> tuple[OSStatus, Any]:
    query, matcher = _file_query(dictionary, "copy")
    if "data" in query.returns and query.limit is None and query.item_class in ("genp", "inet"):
        raise Reject(
            OSStatus.errSecParam,
            "the file-based keychain refuses kSecReturnData with kSecMatchLimitAll for passwords",
            key="r_Data",
        )
    seen = observe.search("copy", FILE, query, matcher)
    rows = [r for r in db.candidates(FILE, query.item_class, matcher.terms) if not matcher.misses(r)]
    rows = [r for r in rows if not matcher.filter_misses(r)]
    if query.limit is not None:
        rows = rows[: query.limit]
    if not rows:
        observe.found(seen, rows)
        return OSStatus.errSecItemNotFound, None
    # The file-based keychain returns a reference when no return key is given (§M.4).
    returns = query.returns if query.return_keys_present else frozenset({"ref"})
    result = shape([ResultRow(r, "macos") for r in rows], returns, query.limit == 1)
    observe.found(seen, rows, result)
    return OSStatus.errSecSuccess, result


def copy(kc: Keychain, db: Database, query: dict[str, Any]) -> tuple[OSStatus, Any]:
    """CopyMatching runs on every allowed keychain and merges (``SecItemMergeResults()``, §M.3)."""
    where = targets(query)
    prepared = client_prepare(query, "copy")
    if "m_Issuers" in query and query.get("class") == "cert" and FILE in where:
        # si-68-secmatchissuer.c, macOS branch: not allowed with certificates ("performance is bad").
        raise Reject(OSStatus.errSecParam, "kSecMatchIssuers cannot be used with kSecClassCertificate on macOS")
    outcomes: dict[str, tuple[OSStatus, Any]] = {}
    for target in where:
        try:
            if target == DP:
                outcomes[DP] = dp_copy.copy_matching(db, kc.caller, _for_dp(prepared, "copy"), DP, "macos", kc.clock)
            else:
                outcomes[FILE] = file_copy(db, prepared)
        except Reject as refused:
            if len(where) == 1:
                raise
            observe.absorbed(refused, target)
            outcomes[target] = (refused.status, None)
    if len(outcomes) == 1:
        return next(iter(outcomes.values()))
    dp_status, dp_result = outcomes[DP]
    file_status, file_result = outcomes[FILE]
    if dp_status == OSStatus.errSecSuccess and file_status == OSStatus.errSecSuccess:
        if isinstance(dp_result, list) and isinstance(file_result, list):
            return OSStatus.errSecSuccess, dp_result + file_result
        return OSStatus.errSecSuccess, dp_result
    if dp_status == OSStatus.errSecSuccess:
        return dp_status, dp_result
    return file_status, file_result


def update(kc: Keychain, db: Database, query: dict[str, Any], changes: dict[str, Any]) -> OSStatus:
    """With the DP flag: DP only. Otherwise both, merged, and a change of kSecAttrSynchronizable moves
    items between the implementations (``SecItemChangeSynchronizability()``, §M.3)."""
    where = targets(query)
    prepared_query = client_prepare(query, "update")
    prepared_changes = client_prepare(changes, "update_attributes")
    statuses: dict[str, OSStatus] = {}
    if "sync" in changes and "nleg" not in query:
        return _move_synchronizability(kc, db, prepared_query, prepared_changes)
    for target in where:
        try:
            if target == DP:
                dp_query = {k: v for k, v in _for_dp(prepared_query, "update").items() if not _prefixed(k, "r_")}
                q, matcher, parsed = update_prepare(kc.caller, dp_query, prepared_changes, "macos")
                statuses[DP] = update_apply(db, q, matcher, parsed, kc.clock, DP)
            else:
                q, matcher = _file_query(prepared_query, "update")
                parsed = {k: v for k, v in prepared_changes.items() if k not in FILE_STRIPPED}
                from keychainsim.engine.update import parse_changes

                limit = None if q.limit_given and q.limit is None else 1
                statuses[FILE] = update_apply(
                    db, q, matcher, parse_changes(q.item_class, parsed), kc.clock, FILE, limit
                )
        except Reject as refused:
            if len(where) == 1:
                raise
            observe.absorbed(refused, target)
            statuses[target] = refused.status
    return _merge_statuses(statuses)


def _merge_statuses(statuses: dict[str, OSStatus]) -> OSStatus:
    if any(s == OSStatus.errSecSuccess for s in statuses.values()):
        return OSStatus.errSecSuccess
    if FILE in statuses:
        return statuses[FILE]
    return next(iter(statuses.values()))


def _move_synchronizability(kc: Keychain, db: Database, query: dict[str, Any], changes: dict[str, Any]) -> OSStatus:
    """Setting sync to false copies matching DP items into the file keychain and deletes them from DP;
    setting it to true does the reverse (§M.3, M.5 item 3)."""
    to_sync = truthy(changes["sync"])
    rest = {k: v for k, v in changes.items() if k != "sync"}
    if to_sync:
        q, matcher = _file_query(query, "update")
        rows = [r for r in db.candidates(FILE, q.item_class, matcher.terms) if not matcher.misses(r)]
        if not rows:
            return OSStatus.errSecItemNotFound
        for row in rows:
            attrs = {k: v for k, v in row.attrs.items() if k not in ("cdat", "mdat", "persistref", "sha1")}
            attrs.update(rest)
            dp_add(db, kc.caller, {"class": row.item_class, **attrs, "sync": True}, kc.clock)
            db.remove(row)
        return OSStatus.errSecSuccess
    dp_query = {**_for_dp(query, "update"), "sync": query.get("sync", True)}
    q, matcher = dp_copy.prepare(kc.caller, {k: v for k, v in dp_query.items() if not _prefixed(k, "r_")})
    rows = [r for r in db.candidates(DP, q.item_class, matcher.terms) if not matcher.misses(r)]
    if not rows:
        return OSStatus.errSecItemNotFound
    for row in rows:
        attrs = {k: v for k, v in row.attrs.items() if k not in (*FILE_STRIPPED, "cdat", "mdat", "persistref", "sha1")}
        attrs.update({k: v for k, v in rest.items() if k not in FILE_STRIPPED})
        file_add(db, {"class": row.item_class, **attrs}, kc.clock)
        db.remove(row)
    return OSStatus.errSecSuccess


def delete(kc: Keychain, db: Database, query: dict[str, Any]) -> OSStatus:
    """Both keychains; the DP half has match and return keys stripped, so it removes every match, while
    the file half removes the first match unless kSecMatchLimitAll is given (§M.3, §M.4)."""
    where = targets(query)
    prepared = client_prepare(query, "delete")
    statuses: dict[str, OSStatus] = {}
    for target in where:
        try:
            if target == DP:
                q, matcher = delete_prepare(kc.caller, _for_dp(prepared, "delete"), "macos")
                statuses[DP] = remove(db, q, matcher, kc.clock, DP)
            else:
                q, matcher = _file_query(prepared, "delete")
                limit = None if q.limit_given and q.limit is None else 1
                statuses[FILE] = remove(db, q, matcher, kc.clock, FILE, limit)
        except Reject as refused:
            if len(where) == 1:
                raise
            observe.absorbed(refused, target)
            statuses[target] = refused.status
    return _merge_statuses(statuses)
