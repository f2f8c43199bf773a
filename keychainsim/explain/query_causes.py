"""Findings for password, certificate and key queries: from the near misses of the one matcher."""

from __future__ import annotations

from keychainsim.engine import copy as dp_copy
from keychainsim.engine.database import Database
from keychainsim.engine.protection import item_available, requirement
from keychainsim.explain.evidence import attr_name, loosely_equal, show
from keychainsim.explain.findings import Finding
from keychainsim.explain.report import NearMiss, Row, row_label
from keychainsim.model.item import DP, Item
from keychainsim.model.match import ACCESS_GROUP, ATTRIBUTE, FILTER, SYNC, TOMBSTONE, Matcher
from keychainsim.model.query import Query
from keychainsim.store.state import DeviceState

MAX_LISTED = 5


def class_empty(item_class: str, db: Database) -> Finding | None:
    if db.has_live(item_class):
        return None
    return Finding(
        "class.empty",
        f"There is no {item_class} item in the keychain at all: the item was never added, its add failed, "
        "or it was deleted.",
        evidence={"class": item_class},
    )


def from_near_misses(
    near: list[NearMiss], caller_groups: list[str], searched_groups: list[str] | None = None
) -> list[Finding]:
    """Classify rows by what alone excludes them; attribute near misses are listed fewest-failures first.

    A row outside the searched groups is "not visible" only when its group is not one of the app's:
    a group the app holds was left out of the search by the call itself (the token group, which an
    update or delete may not touch)."""
    findings: list[Finding] = []
    only = {kind: [n for n in near if n.kinds == {kind}] for kind in (ACCESS_GROUP, SYNC)}
    # Only a synchronizable item hidden by the default (or explicit) sync=0 is "excluded"; a local item
    # missed by a sync=true query is an ordinary attribute mismatch.
    only[SYNC] = [n for n in only[SYNC] if all(m.found == 1 for m in n.misses)]
    held = [n for n in only[ACCESS_GROUP] if all(m.found in caller_groups for m in n.misses)]
    only[ACCESS_GROUP] = [n for n in only[ACCESS_GROUP] if n not in held]
    if held:
        groups = sorted({str(m.found) for n in held for m in n.misses})
        findings.append(
            Finding(
                "query.attribute_mismatch",
                f"{len(held)} matching item(s) live in access group(s) {', '.join(groups)}, which this app holds, "
                f"but this call covers only {', '.join(searched_groups or [])}: the token group "
                "(kSecAttrAccessGroupToken) can be read but never written.",
                items=tuple(n.row for n in held if isinstance(n.row, Item)),
                evidence={"item_groups": groups, "searched_groups": searched_groups, "caller_groups": caller_groups},
            )
        )
    if only[ACCESS_GROUP]:
        rows = only[ACCESS_GROUP]
        groups = sorted({str(m.found) for n in rows for m in n.misses})
        findings.append(
            Finding(
                "access.group_not_visible",
                f"{len(rows)} matching item(s) live in access group(s) {', '.join(groups)}, which this app is not "
                f"entitled to (its groups: {', '.join(caller_groups)}); add the group to keychain-access-groups "
                "or store the item in a shared group.",
                items=tuple(n.row for n in rows if isinstance(n.row, Item)),
                evidence={"item_groups": groups, "caller_groups": caller_groups},
            )
        )
    if only[SYNC]:
        rows = only[SYNC]
        findings.append(
            Finding(
                "query.synchronizable_excluded",
                f"{len(rows)} matching item(s) are synchronizable (sync=1), and a query without "
                "kSecAttrSynchronizable only sees sync=0 items; add kSecAttrSynchronizable: "
                "kSecAttrSynchronizableAny (or true) to the query.",
                items=tuple(n.row for n in rows if isinstance(n.row, Item)),
                evidence={"wanted_sync": 0, "found_sync": [m.found for n in rows for m in n.misses]},
            )
        )
    # Only a row failing nothing but attribute terms, each the same text in another form, "would match".
    typed = [
        (n, m)
        for n in near
        if n.kinds == {ATTRIBUTE} and all(loosely_equal(x.wanted, x.found) for x in n.misses)
        for m in n.misses
    ]
    if typed:
        n, m = typed[0]
        findings.append(
            Finding(
                "query.value_type_mismatch",
                f"{row_label(n.row)} has {attr_name(m.key)} = {show(m.key, m.found)}, the same text as the query's "
                f"{show(m.key, m.wanted)} in another type or encoding; the keychain compares the exact bytes, "
                "so pass the value exactly as it was stored.",
                items=tuple(x.row for x, _ in typed if isinstance(x.row, Item)),
                evidence={"attribute": m.key, "wanted": m.wanted, "found": m.found},
            )
        )
    explained = {id(n) for rows in (held, *only.values()) for n in rows}
    # Every other near miss (attribute terms, filters, a local item missed by sync=true, or several implicit
    # predicates at once such as another app's group *and* sync=1) is listed with all it fails.
    attribute_rows = sorted(
        (n for n in near if n.misses and id(n) not in explained and n.kinds != {TOMBSTONE}),
        key=lambda n: len(n.misses),
    )
    if attribute_rows:
        listed = attribute_rows[:MAX_LISTED]
        closest = listed[0]
        more = f" ({len(attribute_rows) - len(listed)} more not listed)" if len(attribute_rows) > len(listed) else ""
        findings.append(
            Finding(
                "query.attribute_mismatch",
                "Items of the class exist but the query excludes them; "
                f"closest: {row_label(closest.row)}: {closest.describe()}{more}. Query only by the attributes "
                "you stored, with the same values.",
                items=tuple(n.row for n in listed if isinstance(n.row, Item)),
                evidence={
                    row_label(n.row): {
                        m.key: {"wanted": m.wanted, "found": m.found}
                        for m in n.misses
                        if m.kind in (ATTRIBUTE, FILTER, SYNC)
                    }
                    for n in listed
                },
            )
        )
    return findings


DROP_FIXES = {
    "m_HostOrSubdomainOfHost": "name the server with kSecAttrServer instead of the filter",
    "m_EmailAddressIfPresent": "name the certificate by an attribute (kSecAttrLabel, its serial number) instead of "
    "the filter",
    "u_AuthUI": "let the prompt show instead of kSecUseAuthenticationUISkip",
}
"""The way round each step that drops rows after the SQL's LIMIT (:func:`keychainsim.engine.copy.sql_limit_cuts`)."""

SKIPPED = "its access control needs the user, and kSecUseAuthenticationUISkip leaves it out"


def limit_before_filter(db: Database, query: Query, matcher: Matcher, keychain: str) -> Finding | None:
    """A search that found nothing because the SQL's LIMIT cut the rows before a step that drops rows after
    the fetch (``SecItemDb.c s3dl_create_select_sql()``, ``s3dl_query_row()``): the email or host filter, or
    kSecUseAuthenticationUISkip. Every row the limit kept was dropped, and a row the limit cut off would have
    been returned. None when that is not what happened."""
    if keychain != DP or query.limit is None or not dp_copy.sql_limit_cuts(query):
        return None
    limit = query.limit
    kept: list[tuple[Row, str]] = []
    for row in dp_copy.rows_for(db, query, matcher, keychain):
        if matcher.misses(row):
            continue
        why = _dropped(query, matcher, row)
        if len(kept) < limit:
            if why is None:
                return None  # a kept row is returned: the search failed for another reason
            kept.append((row, why))
        elif why is None:
            return _cut_off(query, kept, row)
    return None


def _dropped(query: Query, matcher: Matcher, row: Row) -> str | None:
    """Why the engine drops a row the SQL returned (None: it keeps it), in the engine's order."""
    if dp_copy.skipped_for_user(query, row):
        return SKIPPED
    misses = matcher.filter_misses(row)
    return NearMiss(row, tuple(misses)).describe() if misses else None


def _cut_off(query: Query, kept: list[tuple[Row, str]], passing: Row) -> Finding:
    keys = [k for k in dp_copy.FILTERS_AFTER_LIMIT if k in query.match]
    if dp_copy.skips_for_user(query):
        keys.append("u_AuthUI")
    steps = " and ".join(
        "kSecUseAuthenticationUISkip" if k == "u_AuthUI" else f"the {attr_name(k)} filter" for k in keys
    )
    limit = query.limit
    if limit == 1:
        how = "kSecMatchLimitOne" + ("" if query.limit_given else ", SecItemCopyMatching's default,")
    else:
        how = f"kSecMatchLimit {limit}"
    fixes = "; or ".join(DROP_FIXES[k] for k in keys)
    return Finding(
        "query.limit_before_filter",
        f"{row_label(passing)} would be returned, but the search never reached it: {how} is applied by the database "
        f"query before {steps} drops rows, and it dropped the row(s) the limit kept "
        f"({'; '.join(f'{row_label(row)}: {why}' for row, why in kept)}). Ask with kSecMatchLimitAll and pick from "
        f"the results, or {fixes}.",
        items=tuple(r for r in (*(row for row, _ in kept), passing) if isinstance(r, Item)),
        evidence={
            "limit": limit,
            "filters": keys,
            "kept": [row_label(row) for row, _ in kept],
            "passing": row_label(passing),
        },
    )


def skipped_for_user(query: Query, passing: list[NearMiss]) -> Finding | None:
    """A search whose every matching row needs the user while kSecUseAuthenticationUISkip leaves such rows
    out (``s3dl_query()`` clears their errSecAuthNeeded and goes on): errSecItemNotFound."""
    skipped = [n.row for n in passing if dp_copy.skipped_for_user(query, n.row)]
    if not skipped or len(skipped) < len(passing):
        return None
    return Finding(
        "access.authentication_required",
        f"{', '.join(row_label(r) for r in skipped)} match(es), but {SKIPPED}: the item's access control has "
        "constraints (user presence, biometry), so reading its data or a reference to it needs the user. Ask for "
        "its attributes alone (no prompt), or let the prompt show.",
        items=tuple(r for r in skipped if isinstance(r, Item)),
        evidence={"key": "u_AuthUI", "skipped": [row_label(r) for r in skipped]},
    )


def locked(matching: list[NearMiss], device: DeviceState) -> Finding | None:
    """A row that passed every SQL term but whose class key is unavailable: the scan stops with -25308."""
    blocked = []
    for n in matching:
        row = n.row
        items = row.group_items
        for item in items:
            if not item_available(item, device):
                blocked.append(item)
    if not blocked:
        return None
    item = blocked[0]
    state = "locked" if not device.unlocked else "unlocked"
    if not device.unlocked_since_boot:
        state = "not yet unlocked since it started"
    return Finding(
        "lock.item_unavailable",
        f"{row_label(item)} matches, but its protection {show('pdmn', item.get('pdmn'))} is readable only when "
        f"{requirement(item.get('pdmn'))}, and the device is {state}; read it while unlocked or store it with "
        "kSecAttrAccessibleAfterFirstUnlock.",
        items=tuple(blocked),
        evidence={
            "protection": item.get("pdmn"),
            "device_unlocked": device.unlocked,
            "unlocked_since_boot": device.unlocked_since_boot,
        },
    )


def tombstones(near: list[NearMiss]) -> list[Item]:
    return [n.row for n in near if n.kinds == {TOMBSTONE} and isinstance(n.row, Item)]


def public_key_returned(db: Database, query: dict[str, object], matches: list[object]) -> list[Finding]:
    """A successful key query, with no key class in it, that returned a public key while the private key
    of the same pair (same klbl) is stored too: the lookup succeeds and the signature that follows fails.

    Both halves are stored when kSecAttrIsPermanent is given at the top level of SecKeyCreateRandomKey's
    parameters (OSX/sec/Security/SecKey.m merge_params: top-level attributes go to both halves), with
    the same tag and application label; a query by tag matches both, and kSecMatchLimitOne returns the
    first row (here the public key, added first; on a device SQLite's order, unspecified).
    """
    if query.get("class") != "keys" or "kcls" in query:
        return []
    for row in matches:
        if not isinstance(row, Item) or row.item_class != "keys" or row.get("kcls") != 0:
            continue
        label = row.get("klbl")
        private = [
            k for k in db.lookup(row.keychain, "keys", "klbl", label) or () if k.get("kcls") == 1 and not k.is_tombstone
        ]
        if not private:
            continue  # a public key stored on its own (a peer's key) is what the query asked for
        return [
            Finding(
                "query.returns_public_key",
                f"{row_label(row)}, a public key (kcls=0), is what this key query returned, and "
                f"{row_label(private[0])}, the private key of the same pair (same klbl), is stored too: the query "
                "does not name kSecAttrKeyClass, so it matches both halves. Signing with a public key fails: add "
                "kSecAttrKeyClass: kSecAttrKeyClassPrivate to the query, and store only the private key "
                "(kSecAttrIsPermanent in kSecPrivateKeyAttrs, not at the top level).",
                items=(row, private[0]),
                evidence={"klbl": label, "returned_key_class": 0, "private_key": row_label(private[0])},
            )
        ]
    return []
