"""SecItemDelete on the data protection keychain (§G): every match, never "just one"."""

from __future__ import annotations

from typing import Any

from keychainsim.engine import entitlements, observe
from keychainsim.engine.context import Caller, Clock
from keychainsim.engine.database import Database
from keychainsim.engine.protection import require
from keychainsim.engine.update import make_tombstone, matching
from keychainsim.model.item import DP, Item
from keychainsim.model.match import Matcher, Scope
from keychainsim.model.query import Query, parse
from keychainsim.model.reject import Reject
from keychainsim.status import OSStatus


def prepare(caller: Caller, dictionary: dict[str, Any], platform: str) -> tuple[Query, Matcher]:
    if "clip" in dictionary:
        raise Reject(OSStatus.errSecParam, "kSecAttrAppClipItem ('clip') may not be passed", key="clip")
    caller.writable_scope(None)
    caller.writable_scope(dictionary.get("agrp"))
    query = parse(dictionary, "delete")
    entitlements.check_read(dictionary)
    groups = caller.writable_scope(query.explicit_group)
    if "u_ItemList" in query.use:
        raise Reject(OSStatus.errSecParam, "kSecUseItemList is not supported by SecItemDelete", key="u_ItemList")
    if platform == "ios":
        if query.limit_given and query.limit is not None:
            raise Reject(
                OSStatus.errSecParam,
                "kSecMatchLimit other than kSecMatchLimitAll is not allowed in SecItemDelete",
                key="m_Limit",
            )
        if query.match or query.limit_given:
            key = next(iter(query.match), "m_Limit")
            raise Reject(
                OSStatus.errSecParam,
                f"{key} is not allowed in SecItemDelete (a delete always removes every match)",
                key=key,
            )
    ref = query.persistent_ref
    if ref is not None and ref.rowid is not None and query.attrs:
        raise Reject(OSStatus.errSecParam, "a rowid persistent reference cannot be combined with attributes")
    return query, Matcher(query, Scope(groups=groups, musr=caller.musr))


def delete(db: Database, caller: Caller, dictionary: dict[str, Any], clock: Clock, platform: str = "ios") -> OSStatus:
    query, matcher = prepare(caller, dictionary, platform)
    return remove(db, query, matcher, clock, DP)


def remove(
    db: Database, query: Query, matcher: Matcher, clock: Clock, keychain: str, limit: int | None = None
) -> OSStatus:
    seen = observe.search("delete", keychain, query, matcher)
    targets = matching(db, query, matcher, keychain, limit)
    observe.found(seen, targets)
    if not targets:
        return OSStatus.errSecItemNotFound
    for item in targets:
        # Open question Q.2 of the reference: a plain row is deleted by rowid without decrypting it, but
        # a synchronizable row's tombstone needs its decrypted attributes (inferred).
        if item.get("sync") == 1:
            require(item.get("pdmn"), db.device, f"turning synchronizable row {item.rowid} into a tombstone")
    for item in targets:
        delete_row(db, item, clock)
    return OSStatus.errSecSuccess


def delete_row(db: Database, item: Item, clock: Clock) -> None:
    """§J.4: a synchronizable row becomes a tombstone in place; any other row goes."""
    if item.get("sync") == 1 and item.keychain == DP:
        db.put(make_tombstone(item, item.rowid, clock))
    else:
        db.remove(item)
