"""SecItemUpdate on the data protection keychain, in the server's order of checks (§F)."""

from __future__ import annotations

from typing import Any

from keychainsim.engine import entitlements, observe
from keychainsim.engine.add import ACCESS_CONFLICT
from keychainsim.engine.context import Caller, Clock, bumped, item_digest, new_persistent_uuid
from keychainsim.engine.copy import rows_for
from keychainsim.engine.database import Database
from keychainsim.engine.protection import require_item
from keychainsim.model.access_control import VALID_PROTECTIONS, SecAccessControl
from keychainsim.model.item import DP, FILE, Item
from keychainsim.model.match import Matcher, Scope
from keychainsim.model.query import Query, attribute_for, check_key_limit, parse
from keychainsim.model.reject import Reject
from keychainsim.model.values import coerce
from keychainsim.status import OSStatus

IGNORED_IN_UPDATE = ("nleg", "musr", "persistref")
"""Keys attributesToUpdate may carry without effect: the DP flag, the multi-user id and the persistent
reference (``query_update_applier()``, §F.1 h, §L.3)."""


def parse_changes(item_class: str, changes: dict[str, Any]) -> dict[str, Any]:
    """attributesToUpdate: only attributes of the class and kSecValueData; anything else is -25303."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if not isinstance(key, str):
            # query_update_applier(): any key that is not a CFString (numbers too) is errSecParam.
            raise Reject(OSStatus.errSecParam, f"attributesToUpdate key {key!r} is not a string", key=repr(key))
        if key in IGNORED_IN_UPDATE:
            continue
        if key == "v_Data":
            if not isinstance(value, bytes | bytearray):
                raise Reject(OSStatus.errSecParam, f"kSecValueData must be data, got {type(value).__name__}", key=key)
            out[key] = bytes(value)
            continue
        attr = attribute_for(item_class, key) if len(key) == 4 else None
        if attr is None:
            raise Reject(
                OSStatus.errSecNoSuchAttr,
                f"{key!r} in attributesToUpdate is not an attribute of class {item_class!r}",
                key=key,
            )
        if key == "sync" and value == "syna":
            raise Reject(OSStatus.errSecParam, "kSecAttrSynchronizableAny is not a value to store", key=key)
        out[key] = coerce(attr, value)
    if "pdmn" in out and out["pdmn"] not in VALID_PROTECTIONS:
        raise Reject(OSStatus.errSecParam, f"kSecAttrAccessible {out['pdmn']!r} is not a protection class", key="pdmn")
    access = out.get("accc")
    if isinstance(access, SecAccessControl):
        if "pdmn" in out and access.conflicts_with(out["pdmn"]):
            raise Reject(OSStatus.errSecParam, f"in attributesToUpdate, {ACCESS_CONFLICT}", key="pdmn")
        out["pdmn"] = access.protection
    return out


def prepare(
    caller: Caller, query_dict: dict[str, Any], changes: dict[str, Any], platform: str
) -> tuple[Query, Matcher, dict[str, Any]]:
    if "clip" in query_dict or "clip" in changes:
        raise Reject(OSStatus.errSecParam, "kSecAttrAppClipItem ('clip') may not be passed", key="clip")
    if "ggrp" in changes:
        raise Reject(OSStatus.errSecParam, "kSecAttrSharingGroup cannot be changed by an update", key="ggrp")
    caller.writable_scope(None)
    caller.writable_scope(query_dict.get("agrp"))  # checked before the query is parsed (§F.1 c)
    query = parse(query_dict, "update")
    entitlements.check_read(query_dict)
    groups = caller.writable_scope(query.explicit_group)
    if "u_ItemList" in query.use:
        raise Reject(OSStatus.errSecParam, "kSecUseItemList is not supported by SecItemUpdate", key="u_ItemList")
    if query.returns and platform == "ios":
        raise Reject(
            OSStatus.errSecParam,
            "kSecReturn keys are not allowed in a SecItemUpdate query",
            key=sorted(query.returns)[0],
        )
    if "agrp" in changes:
        caller.writable_scope(changes["agrp"])
    if query.match_keys:
        raise Reject(
            OSStatus.errSecParam,
            f"{query.match_keys[0]} is not allowed in a SecItemUpdate query (updates always act on every match)",
            key=query.match_keys[0],
        )
    ref = query.persistent_ref
    if ref is not None and ref.rowid is not None and query.attrs:
        raise Reject(OSStatus.errSecParam, "a rowid persistent reference cannot be combined with attributes")
    entitlements.check_write({k: v for k, v in changes.items() if k != "ggrp"}, "attributesToUpdate")
    check_key_limit(query.item_class, changes, "attributesToUpdate")  # s3dl_query_update(): query_create()
    parsed = parse_changes(query.item_class, changes)
    return query, Matcher(query, Scope(groups=groups, musr=caller.musr)), parsed


def update(
    db: Database,
    caller: Caller,
    query_dict: dict[str, Any],
    changes: dict[str, Any],
    clock: Clock,
    platform: str = "ios",
    keychain: str = DP,
) -> OSStatus:
    query, matcher, parsed = prepare(caller, query_dict, changes, platform)
    return apply(db, query, matcher, parsed, clock, keychain)


def matching(db: Database, query: Query, matcher: Matcher, keychain: str, limit: int | None = None) -> list[Item]:
    """The live rows an update or delete acts on: every match, or the first ``limit`` (the macOS
    file-based keychain's default of one)."""
    rows = [r for r in rows_for(db, query, matcher, keychain) if not r.is_tombstone and matcher.hits(r)]
    return rows if limit is None else rows[:limit]


def apply(
    db: Database,
    query: Query,
    matcher: Matcher,
    parsed: dict[str, Any],
    clock: Clock,
    keychain: str,
    limit: int | None = None,
) -> OSStatus:
    """Update every match (or the first ``limit``), row by row in scan order: a row fails when its class
    key is unavailable (errSecInteractionNotAllowed) or when it would collide with a row as the earlier ones
    left them (errSecDuplicateItem); what is kept when a row fails is the keychain's rule (:func:`_keeps`)."""
    seen = observe.search("update", keychain, query, matcher)
    targets = matching(db, query, matcher, keychain, limit)
    observe.found(seen, targets)
    if not targets:
        return OSStatus.errSecItemNotFound
    now = clock()
    done: list[tuple[Item, Item]] = []
    failures: list[Reject] = []
    taken: dict[tuple[Any, ...], Item] = {}  # the uniqueness tuples the rows updated so far now hold
    moved: set[int] = set()  # the rows updated so far: their old tuples are free
    for item in targets:
        try:
            # SecDbItemCopyWithUpdates() decrypts the row: an unavailable class key fails this row only.
            require_item(item, db.device, f"updating {item.item_class} row {item.rowid}")
        except Reject as locked:
            failures.append(locked)
            continue
        new = item.with_attrs(_changed(item, parsed, now))
        key = new.unique_key()
        clash = taken.get(key)
        if clash is None:
            existing = db.find_unique(new)
            if existing is not None and existing.rowid not in moved and existing.rowid != item.rowid:
                clash = None if existing.is_tombstone else existing
        if clash is not None:
            observe.collided("update", keychain, clash, new)
            failures.append(
                Reject(
                    OSStatus.errSecDuplicateItem,
                    f"the update would give row {item.rowid} the uniqueness attributes of row {clash.rowid}",
                )
            )
            continue
        taken[key] = new
        moved.add(item.rowid)
        done.append((item, new))
    failure = None
    if failures:
        failure = failures[0] if keychain == DP else failures[-1]
        last_failed = not done or done[-1][0] is not targets[-1]
        if not _keeps(keychain, last_failed, done):
            observe.found(seen, [])  # nothing changed
            raise failure
    for old, new in done:
        _replace(db, old, new, clock)
    if failure is None:
        return OSStatus.errSecSuccess
    observe.found(seen, [old for old, _ in done])  # the rows it changed
    kept = ", ".join(f"row {old.rowid}" for old, _ in done)
    refused = Reject(
        failure.status, f"{failure.reason}; {kept} updated all the same: {KEPT_BECAUSE[keychain]}", key=failure.key
    )
    observe.partly_done(refused)
    return refused.status


KEPT_BECAUSE: dict[str, str] = {
    DP: "the server commits unless the last matching row fails, and reports the first row's error",
    FILE: "the file-based keychain updates each item on its own",
}
"""Why rows that updated are kept beside one that failed (see :func:`_keeps`)."""


def _keeps(keychain: str, last_failed: bool, done: list[tuple[Item, Item]]) -> bool:
    """Are the rows that updated kept when another failed?

    Data protection keychain (``SecItemDb.c s3dl_query_update()``): the transaction is committed unless the
    LAST matched row failed; the first row's error stays in the reply, so the caller gets it either way.
    File-based keychain (``SecItem.cpp SecItemUpdate_osx()``): each item is modified on its own, nothing is
    rolled back, and the status is the last failure's (``_UpdateAggregateStatus()``).
    """
    if not done:
        return False
    return keychain != DP or not last_failed


def _changed(item: Item, parsed: dict[str, Any], now: Any) -> dict[str, Any]:
    """The attributes of ``item`` after the update: the changes, a younger mdat, a new digest."""
    attrs = dict(item.attrs)
    attrs.update(parsed)
    if "sync" in parsed and parsed["sync"] == "syna":
        attrs["sync"] = item.get("sync", 0)
    attrs["mdat"] = bumped(now, item.get("mdat"))
    if "accc" not in parsed and "pdmn" in parsed:
        attrs.pop("accc", None)
    attrs["sha1"] = item_digest(attrs)
    return attrs


def _replace(db: Database, old: Item, new: Item, clock: Clock) -> None:
    existing = db.find_unique(new)
    if existing is not None and existing.rowid != new.rowid and existing.is_tombstone:
        db.remove(existing)  # §J.4: updating into a tombstone's key overwrites the tombstone
    pk_changed = old.unique_key() != new.unique_key()
    db.put(new)
    if pk_changed and old.get("sync") == 1 and old.keychain == DP:
        # §F.5: a key-changing update of a synchronizable item leaves a tombstone for the old key.
        db.put(make_tombstone(old, db.new_rowid(), clock, new_persistent_uuid()))


def make_tombstone(item: Item, rowid: int, clock: Clock, persistref: bytes | None = None) -> Item:
    """§J.4 (``SecDbItemCopyTombstone()``): primary-key attributes, cdat, pdmn and the authenticated
    attributes are kept, tomb=1, mdat bumped; data and other metadata are dropped."""
    schema = item.schema
    keep = set(schema.primary_key) | {"cdat", "pdmn", "agrp", "sync", "musr", "UUID", "persistref"}
    attrs = {k: v for k, v in item.attrs.items() if k in keep}
    attrs["tomb"] = 1
    attrs["mdat"] = bumped(clock(), item.get("mdat"))
    if persistref is not None:
        attrs["persistref"] = persistref
    attrs["sha1"] = item_digest(attrs)
    return Item(rowid, item.item_class, item.keychain, attrs)
