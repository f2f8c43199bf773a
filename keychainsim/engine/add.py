"""SecItemAdd on the data protection keychain, in the server's order of checks (§D.1, §D.2, §D.4)."""

from __future__ import annotations

from typing import Any

from keychainsim.engine import entitlements, observe
from keychainsim.engine.context import Caller, Clock, item_digest, new_persistent_uuid
from keychainsim.engine.database import Database
from keychainsim.engine.protection import default_protection, require
from keychainsim.engine.results import ResultRow, element
from keychainsim.model.access_control import VALID_PROTECTIONS, SecAccessControl
from keychainsim.model.item import DP, Item
from keychainsim.model.query import Query, parse
from keychainsim.model.reject import Reject
from keychainsim.model.values import CF_EPOCH, truthy
from keychainsim.schema import CLASSES, Default
from keychainsim.status import OSStatus

_FILLED_DEFAULTS = {
    Default.EMPTY_STRING: "",
    Default.EMPTY_DATA: b"",
    Default.ZERO: 0,
    Default.DATE_ZERO: CF_EPOCH,
}


IDENTITY_CLASS_ADD = (
    "kSecClass is kSecClassIdentity without a SecIdentity kSecValueRef: the server builds an item of the "
    "identity class, which has no columns, and cannot give it the persistent reference every new item gets"
)
"""Why an identity-class add without a ref fails with errSecInternal at Security-61901 (engine reference
§D.6 is wrong here). ``SecServerItemAddWithCustomDb()`` (SecItemServer.c) gives every add a persistent-ref
UUID because ``SecKeychainIsStaticPersistentRefsEnabled()`` (keychain/ot/Affordance_OTConstants.m) is on by
default; ``s3dl_query_add()`` (SecItemDb.c) then calls ``SecDbItemSetPersistentRef()``, whose
``SecDbClassAttrWithKind()`` (SecDbItem.c) finds no UUID attribute in the empty ``v_identity_class``
(SecItemSchema.c) and sets errSecInternal; the musr setter that follows returns false, so nothing is
inserted and the call fails with that error. The match-key and kSecUseItemList checks come first in
``s3dl_query_add()``, so those still succeed silently. Before the static persistent refs (Security-59754,
iOS 14) the same add was a silent success; keychainsim models the current OS."""


ACCESS_CONFLICT = (
    "kSecAttrAccessible and kSecAttrAccessControl conflict: the server makes an access control of the "
    "protection class alone and refuses one that differs from it (another class, or any flags); put the "
    "protection class inside the access control only"
)


class AddOutcome:
    """What an add did, for the trace and for ``explain`` of a duplicate."""

    def __init__(self) -> None:
        self.keychain: str | None = None
        self.stored: Item | None = None
        self.colliding: Item | None = None
        self.silent_noop: str | None = None
        self.query: Query | None = None


def add(
    db: Database, caller: Caller, dictionary: dict[str, Any], clock: Clock, outcome: AddOutcome | None = None
) -> tuple[OSStatus, Any]:
    """Add one item; raises :class:`Reject` with Apple's status for a refused dictionary."""
    outcome = outcome or AddOutcome()
    outcome.keychain = DP
    observe.adding(outcome)
    entitlements.check_write({k: v for k, v in dictionary.items() if k not in ("ggrp", "vwht")}, "an add")
    if "clip" in dictionary:
        raise Reject(OSStatus.errSecParam, "kSecAttrAppClipItem ('clip') may not be passed", key="clip")
    if "ggrp" in dictionary and truthy(dictionary.get("sync")):
        raise Reject(OSStatus.errSecParam, "a shared (ggrp) item cannot be synchronizable", key="ggrp")
    caller.writable_scope(None)
    query = parse(dictionary, "add")
    entitlements.check_write(dictionary, "an add")  # the shared-item checks come after parsing (§D.1 f)
    outcome.query = query
    group = caller.writable_scope(query.explicit_group)
    agrp = group[0] if group and query.explicit_group is not None else caller.default_group

    ref = query.persistent_ref
    if ref is not None and ref.uuid is None:
        # SecServerItemAddWithCustomDb(): q_row_id set -> errSecValuePersistentRefUnsupported, which
        # SecBasePriv.h defines as errSecParam (-50; -34013 is only a comment there). It comes after the
        # access-group checks and before s3dl_query_add(), so it beats a match key's silent success.
        raise Reject(
            OSStatus.errSecValuePersistentRefUnsupported,
            "a legacy (rowid) persistent reference cannot be used in an add",
            key="v_PersistentRef",
        )
    if query.match_keys or "u_ItemList" in query.use:
        # §D.6: s3dl_query_add() returns a non-zero status from a bool function: success, nothing stored.
        keys = [*query.match_keys, *(k for k in query.use if k == "u_ItemList")]
        outcome.silent_noop = f"{', '.join(keys)} in an add makes the server store nothing and report success"
        return OSStatus.errSecSuccess, None
    if query.item_class == "idnt":
        raise Reject(OSStatus.errSecInternal, IDENTITY_CLASS_ADD, key="class")

    attrs = build_attributes(query, caller, agrp, clock)
    if attrs["pdmn"] == "akpu" and not db.device.passcode_set:
        # secd-81-item-acl.m "cannot add item with akpu without passcode"
        raise Reject(
            OSStatus.errSecNotAvailable,
            "kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly needs a device passcode, and none is set",
            key="pdmn",
        )
    require(attrs["pdmn"], db.device, "encrypting the new item")
    item = Item(db.new_rowid(), query.item_class, DP, attrs)
    existing = db.find_unique(item)
    if existing is not None:
        if not existing.is_tombstone:
            outcome.colliding = existing
            observe.collided("add", DP, existing, item, query)
            raise Reject(
                OSStatus.errSecDuplicateItem,
                f"an item with the same uniqueness attributes already exists (row {existing.rowid})",
            )
        # §J.4: a live item silently replaces a tombstone, keeping its rowid, UUID and persistent ref.
        replaced = dict(attrs)
        replaced["persistref"] = existing.persistref
        if "UUID" in existing.attrs:
            replaced["UUID"] = existing.attrs["UUID"]
        db.remove(existing)
        item = Item(existing.rowid, query.item_class, DP, replaced)
    db.put(item)
    outcome.stored = item
    return OSStatus.errSecSuccess, element(ResultRow(item), query.returns, for_add=True)


def build_attributes(query: Query, caller: Caller, agrp: str, clock: Clock) -> dict[str, Any]:
    """The row an add stores: caller attributes, then the server's implicit values and defaults."""
    schema = CLASSES[query.item_class]
    attrs = dict(query.attrs)
    attrs["agrp"] = agrp
    attrs["sync"] = 1 if query.sync == 1 else (query.sync if isinstance(query.sync, str) and query.sync != "any" else 0)
    attrs["musr"] = caller.musr
    access_control = attrs.get("accc")
    if isinstance(access_control, SecAccessControl):
        if "pdmn" in attrs and access_control.conflicts_with(attrs["pdmn"]):
            raise Reject(OSStatus.errSecParam, ACCESS_CONFLICT, key="pdmn")
        attrs["pdmn"] = access_control.protection
    attrs.setdefault("pdmn", default_protection(query.item_class, agrp))
    if attrs["pdmn"] not in VALID_PROTECTIONS:
        raise Reject(
            OSStatus.errSecParam, f"kSecAttrAccessible {attrs['pdmn']!r} is not a protection class", key="pdmn"
        )
    now = clock()
    attrs["cdat"] = now
    attrs["mdat"] = now
    for attr in schema.attributes:
        filled = _FILLED_DEFAULTS.get(attr.default)
        if filled is not None and attr.key not in attrs:
            attrs[attr.key] = filled
    attrs.pop("clip", None)
    if query.data is not None:
        attrs["v_Data"] = query.data
    attrs["persistref"] = new_persistent_uuid()
    attrs["sha1"] = item_digest(attrs)
    return attrs
