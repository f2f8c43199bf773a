"""Findings for a replayed call, drawn from what the engine did (:mod:`keychainsim.explain.replay`).

- a search that found nothing (a CopyMatching, or the rows an update or delete looks for): the near misses
  of the one matcher, read with the query the engine compiled for that keychain;
- an add or update that collided: the existing row and the uniqueness attributes both share;
- a refusal (the call's own, or one a composite call absorbed): the engine's reason, under the code of
  its mechanism;
- a success whose identity cannot sign: ``identity.key_is_public``; a key query that returned the public
  half of a pair whose private half it matches too: ``query.returns_public_key``.

The status and the matches are the replay's, so an explanation cannot disagree with its call.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from keychainsim.engine import copy as dp_copy
from keychainsim.engine.database import Database
from keychainsim.engine.identity import join
from keychainsim.engine.observe import Collision, Search
from keychainsim.engine.update import KEPT_BECAUSE
from keychainsim.explain import identity_causes, query_causes
from keychainsim.explain.evidence import attr_name, show
from keychainsim.explain.findings import Finding
from keychainsim.explain.replay import Replay, replay
from keychainsim.explain.report import KEYCHAIN_NAMES, NearMiss, Report, row_label
from keychainsim.model.item import DP, FILE
from keychainsim.model.match import ACCESS_GROUP, PERSISTENT_REF, SYNC, Matcher, Scope
from keychainsim.model.reject import Reject
from keychainsim.schema import CLASSES
from keychainsim.shim.macos import FILE_STRIPPED
from keychainsim.status import OSStatus


def explain_call(
    kc: Any,
    call: str,
    query: dict[str, Any],
    attributes_to_update: dict[str, Any] | None,
    history_codes: frozenset[str] | set[str] = frozenset(),
) -> Report:
    """The report for ``call`` with ``query`` (and, for SecItemUpdate, the attributes to update);
    ``history_codes`` are the trace.* findings the history gives, so that a message need not guess at a
    cause the history shows."""
    played = replay(kc, call, query, attributes_to_update)
    report = Report(call, query, played.status, matches=played.returned_rows(), reason=_reason(played))
    if played.status == OSStatus.errSecSuccess:
        if call == "SecItemCopyMatching":
            report.findings.extend(identity_causes.public_key_identities(report.matches))
            report.findings.extend(query_causes.public_key_returned(played.db, query, report.matches))
        noop = next((o.silent_noop for o in played.seen.adds if o.silent_noop), None)
        if call == "SecItemAdd" and noop:
            report.reason = noop
        return report
    report.findings.extend(_failure_findings(kc, played, report, history_codes))
    return report


def _reason(played: Replay) -> str:
    """The engine's own words for the failure: the refusal that ended the call, else one a part of it
    absorbed with the same status."""
    if played.refused is not None:
        return played.refused.reason
    for refusal in played.seen.refusals:
        if refusal.reject.status == played.status:
            return refusal.reject.reason
    return ""


def _failure_findings(
    kc: Any, played: Replay, report: Report, history_codes: frozenset[str] | set[str]
) -> list[Finding]:
    status = played.status
    findings: list[Finding] = []
    kept = [row for s in played.searches if s.op == "update" for row in s.rows]  # a failed update's kept rows
    if status == OSStatus.errSecDuplicateItem and played.seen.collisions:
        findings.extend(_collision(played.db, c, kept) for c in _distinct(played.seen.collisions))
    elif status in (OSStatus.errSecItemNotFound, OSStatus.errSecInteractionNotAllowed) and played.searches:
        for search in played.searches:
            if search.done and search.rows and status == OSStatus.errSecItemNotFound:
                continue  # this part found its rows; another part failed
            near = _near_misses(played.db, search, kc.clock)
            report.near_misses.extend(near)
            findings.extend(_search_findings(kc, played, search, near, history_codes))
        if kept and findings:
            first = findings[0]
            findings[0] = dataclasses.replace(
                first,
                message=f"{first.message} {_kept_sentence(kept)}",
                evidence={**first.evidence, "updated_all_the_same": [row_label(r) for r in kept]},
            )
    findings.extend(_refusal_findings(played, covered=bool(findings)))
    if not findings:
        findings.append(_unexplained(played))
    return _unique(findings)


def _distinct(collisions: list[Collision]) -> list[Collision]:
    seen: set[tuple[str, int]] = set()
    out = []
    for collision in collisions:
        key = (collision.existing.keychain, collision.existing.rowid)
        if key not in seen:
            seen.add(key)
            out.append(collision)
    return out


def _unique(findings: list[Finding]) -> list[Finding]:
    """The same finding reached from two searches (both macOS keychains, both identity halves) once."""
    out: list[Finding] = []
    for finding in findings:
        if all((f.code, f.message) != (finding.code, finding.message) for f in out):
            out.append(finding)
    return out


# -- searches that found nothing -----------------------------------------------------------------------

NEAR_MISS_ROWS = 12
"""How many neighbouring rows explain judges: the closest ones carry the finding; a thousand distant rows
that share only a service name would add cost and nothing to read."""


def _near_misses(db: Database, search: Search, clock: Any) -> list[NearMiss]:
    """Rows of the queried class near the search, each with what it fails: SQL terms, then kSecMatch filters."""
    parsed, matcher, keychain = search.query, search.matcher, search.keychain
    if parsed.item_class == "idnt":
        rows: list[Any] = list(join(db, keychain))
    else:
        rows = db.neighbours(keychain, parsed.item_class, matcher.terms, NEAR_MISS_ROWS)
        ref = parsed.persistent_ref
        if ref is not None and ref.uuid is not None:
            hit = db.by_ref(ref.uuid)
            rows = [hit] if hit is not None and hit.keychain == keychain else []
    context = dp_copy.filter_context(db, parsed, matcher, keychain, clock)
    return [NearMiss(row, tuple(matcher.misses(row) or matcher.filter_misses(row, context))) for row in rows]


def _search_findings(
    kc: Any, played: Replay, search: Search, near: list[NearMiss], history_codes: frozenset[str] | set[str]
) -> list[Finding]:
    db, parsed, matcher = played.db, search.query, search.matcher
    failing = [n for n in near if n.misses]
    passing = [n for n in near if not n.misses]
    lock = query_causes.locked(passing, db.device)
    if lock is not None:
        return [lock]
    stale = _stale_reference(db, search)
    if stale is not None:
        return [stale]
    cut = query_causes.limit_before_filter(db, parsed, matcher, search.keychain)
    if cut is not None:
        return [cut]
    skipped = query_causes.skipped_for_user(parsed, passing)
    if skipped is not None:
        return [skipped]
    caller_groups = list(kc.caller.access_groups)
    searched = {s.keychain for s in played.searches}
    unsearched = [k for k in (DP, FILE) if k not in searched] if kc.platform == "macos" else []
    findings: list[Finding] = []
    if parsed.item_class == "idnt":
        other = next(iter(k for k in (DP, FILE) if k != search.keychain)) if kc.platform == "macos" else None
        findings.extend(
            identity_causes.diagnose(
                db,
                matcher,
                search.keychain,
                other,
                failing,
                caller_groups,
                other_searched=other in searched,
                history_codes=history_codes,
            )
        )
    else:
        empty = query_causes.class_empty(parsed.item_class, db)
        if empty is not None:
            return [empty]
        if not _has_live(db, search.keychain, parsed.item_class):
            # Items of the class exist, but in the other keychain implementation: said once, by that search
            # when it ran, else here.
            return [_only_elsewhere(db, parsed, search.keychain)] if unsearched else []
        findings.extend(query_causes.from_near_misses(failing, caller_groups, _searched_groups(matcher)))
    if parsed.item_class != "idnt" and unsearched:
        other = _other_keychain(db, parsed, search.keychain)
        if other is not None:
            findings.insert(0, other)
    if not findings and parsed.limit == 0:
        findings.append(
            Finding(
                "query.attribute_mismatch",
                "kSecMatchLimit is 0, so the query can return nothing; use kSecMatchLimitOne or kSecMatchLimitAll.",
                evidence={"m_Limit": 0},
            )
        )
    return findings


def _searched_groups(matcher: Matcher) -> list[str] | None:
    groups = matcher.scope.groups
    return None if groups is None else list(groups)


def _stale_reference(db: Database, search: Search) -> Finding | None:
    """A kSecValuePersistentRef that names no stored row: the item it stood for is gone."""
    ref = search.query.persistent_ref
    if ref is None:
        return None
    if ref.uuid is not None:
        if db.by_ref(ref.uuid) is not None:
            return None
        shown = ref.uuid.hex()
    else:
        if any(item.rowid == ref.rowid for item in db.all_items()):
            return None
        shown = f"row {ref.rowid}"
    return Finding(
        "query.stale_persistent_ref",
        f"the persistent reference ({shown}) names no item in the keychain: the item it was returned for has "
        "been deleted (a persistent reference does not survive a delete; adding the item again gives it a new "
        "one), or the reference comes from another keychain or device. Look the item up by its attributes and "
        "keep the new reference.",
        evidence={"persistent_ref": ref.uuid if ref.uuid is not None else ref.rowid, "keychain": search.keychain},
    )


def _has_live(db: Database, keychain: str, item_class: str) -> bool:
    return any(not item.is_tombstone for item in db.table(keychain, item_class).values())


def _only_elsewhere(db: Database, parsed: Any, searched: str) -> Finding:
    """macOS: the searched keychain holds no item of the class; the other one does."""
    other = FILE if searched == DP else DP
    match = _other_keychain(db, parsed, searched)
    if match is not None:
        return match
    count = sum(1 for item in db.table(other, parsed.item_class).values() if not item.is_tombstone)
    return Finding(
        "query.attribute_mismatch",
        f"the {KEYCHAIN_NAMES[searched]} keychain, the only one this call searched, holds no {parsed.item_class} "
        f"item; the {KEYCHAIN_NAMES[other]} keychain holds {count}, none of which the query's attributes match "
        "either.",
        items=tuple(i for i in db.table(other, parsed.item_class).values() if not i.is_tombstone)[:5],
        evidence={"searched": searched, "other_keychain": other, "other_items": count},
    )


def _other_keychain(db: Database, parsed: Any, searched: str) -> Finding | None:
    """macOS: does the query match in the implementation it did not search? Groups and sync do not exist
    in the file-based keychain, so only attribute terms count there."""
    other = FILE if searched == DP else DP
    probe = Matcher(parsed, Scope(groups=None))
    absent = FILE_STRIPPED if other == FILE else ()
    for item in db.table(other, parsed.item_class).values():
        misses = [
            m for m in probe.misses(item) if m.kind not in (ACCESS_GROUP, SYNC, PERSISTENT_REF) and m.key not in absent
        ]
        if not misses and not item.is_tombstone:
            return Finding(
                "platform.other_keychain",
                f"{row_label(item)} matches, but it lives in the {KEYCHAIN_NAMES[other]} keychain and this call "
                f"searched only the {KEYCHAIN_NAMES[searched]} one; use kSecUseDataProtectionKeychain: true in "
                "every call, the add included.",
                items=(item,),
                evidence={"item_keychain": other, "searched": searched},
            )
    return None


# -- collisions ----------------------------------------------------------------------------------------


def _kept_sentence(kept: list[Any]) -> str:
    """What a failed update changed all the same (see :data:`KEPT_BECAUSE`)."""
    rows = ", ".join(row_label(r) for r in kept)
    return f"The other matching row(s) {rows} were updated all the same: {KEPT_BECAUSE[kept[0].keychain]}."


def _collision(db: Database, collision: Collision, kept: list[Any] | None = None) -> Finding:
    """add.duplicate / update.duplicate: the uniqueness tuple both rows share, split into what the caller
    gave and what defaulted (an add), or the row the changed one would duplicate (an update) and the
    other matching rows the update changed all the same (``kept``, see :data:`KEPT_BECAUSE`)."""
    existing = db.get(collision.existing.keychain, collision.existing.item_class, collision.existing.rowid)
    existing = existing or collision.existing
    schema = CLASSES[existing.item_class]
    pk = schema.primary_key
    pk_text = ", ".join(f"{attr_name(k)}={show(k, existing.get(k))}" for k in pk if existing.get(k) is not None)
    where = "" if existing.keychain == DP else " (file-based keychain)"
    evidence: dict[str, Any] = {
        "existing": row_label(existing),
        "uniqueness": list(pk),
        "values": {k: existing.get(k) for k in pk},
        "keychain": existing.keychain,
    }
    if collision.op == "update":
        new = collision.new
        changed = row_label(new) if new is not None else "a matching row"
        message = (
            f"the update would give {changed} the uniqueness attributes of {row_label(existing)}{where}: "
            f"{existing.item_class} items are unique on ({', '.join(pk)}), and after the change both would have "
            f"{pk_text}. Change another uniqueness attribute too, narrow the query to one item, or delete "
            f"{row_label(existing)} first."
        )
        evidence["updated"] = changed
        if kept:
            message += f" {_kept_sentence(kept)}"
            evidence["updated_all_the_same"] = [row_label(r) for r in kept]
        return Finding("update.duplicate", message, items=(existing,), evidence=evidence)
    query = collision.query
    given = (set(query.attrs) | ({"sync"} if query.sync is not None else set())) if query else set()
    stated = [k for k in pk if k in given]
    implied = [k for k in pk if k not in given]
    differing = sorted(
        k
        for k in (query.attrs if query else {})
        if k not in pk and existing.get(k) != query.attrs[k] and k not in ("cdat", "mdat")
    )
    message = (
        f"the add collides with {row_label(existing)}{where}: {existing.item_class} items are unique on "
        f"({', '.join(pk)}), and both have {pk_text}"
    )
    if implied:
        message += f"; {', '.join(implied)} came from defaults the dictionary did not state"
    if differing:
        message += (
            f"; {', '.join(attr_name(k) for k in differing)} differ but are not part of uniqueness, "
            "so a query on them misses while the add still collides"
        )
    message += ". Update the existing item with SecItemUpdate, or delete it first."
    evidence.update({"stated": stated, "defaulted": implied, "not_unique_but_different": differing})
    return Finding("add.duplicate", message, items=(existing,), evidence=evidence)


# -- refusals ------------------------------------------------------------------------------------------


def _refusal_findings(played: Replay, covered: bool) -> list[Finding]:
    """The refusal that ended the call (unless the searches already said why), and each refusal a part of
    a composite call absorbed: the half of a macOS call that never ran, the half of an identity refused."""
    findings = []
    if played.refused is not None and not covered:
        findings.append(refusal_finding(played.refused, played.call))
    parts: dict[tuple[int, str], list[Any]] = {}
    for refusal in played.seen.refusals:
        if refusal.reject.status in (OSStatus.errSecDuplicateItem, OSStatus.errSecItemNotFound):
            continue  # a half already stored or absent: the collisions and searches tell it
        parts.setdefault((int(refusal.reject.status), refusal.reject.reason), []).append(refusal)
    for refusals in parts.values():
        part = refusal_finding(refusals[0].reject, played.call)
        halves = [KEYCHAIN_NAMES[r.keychain] for r in refusals if r.keychain]
        if len(halves) == 2:
            where = "both keychains' halves were"
        elif halves:
            where = f"the {halves[0]} keychain's half was"
        else:
            where = "a part of the call was"
        findings.append(Finding(part.code, f"{where} refused: {part.message}", evidence=part.evidence))
    return findings


AUTHENTICATION_KEYS = ("accc", "u_AuthUI")
"""Keys the engine names when a read stopped at the user: the item's access control (the simulated user
cancelled or failed the prompt) or kSecUseAuthenticationUIFail (no prompt allowed)."""


def refusal_finding(refused: Reject, call: str = "") -> Finding:
    """A refusal, under the code of its mechanism, in the engine's own words."""
    if refused.status == OSStatus.errSecMissingEntitlement:
        return Finding(
            "access.missing_entitlement",
            f"{refused.reason}; add the group to the app's keychain-access-groups entitlement or drop "
            "kSecAttrAccessGroup from the call.",
            evidence={"key": refused.key},
        )
    if refused.key in AUTHENTICATION_KEYS:
        return Finding(
            "access.authentication_required",
            f"{refused.reason} ({refused.status.name}): the item is protected by an access control with constraints "
            "(user presence, biometry), so reading its data or a reference to it needs the user. Ask for its "
            "attributes alone (no prompt), or let the prompt show.",
            evidence={"status": int(refused.status), "key": refused.key},
        )
    if refused.status == OSStatus.errSecInteractionNotAllowed and call == "SecItemAdd":
        return Finding(
            "lock.add_unavailable",
            f"{refused.reason}: the device's lock state makes the new item's protection class unavailable; add it "
            "while unlocked, or with kSecAttrAccessibleAfterFirstUnlock once the device has been unlocked since "
            "it started.",
            evidence={"status": int(refused.status), "key": refused.key},
        )
    return Finding(
        "query.rejected",
        f"{refused.reason} ({refused.status.name}).",
        evidence={"key": refused.key, "status": int(refused.status)},
    )


def _unexplained(played: Replay) -> Finding:
    """The last resort: say what happened, in the engine's words, and that no finer cause is known."""
    what = {
        "SecItemCopyMatching": "the search",
        "SecItemAdd": "the add",
        "SecItemUpdate": "the update",
        "SecItemDelete": "the delete",
    }[played.call]
    reason = _reason(played)
    parts = ", ".join(f"{s.op} in the {KEYCHAIN_NAMES.get(s.keychain, s.keychain)} keychain" for s in played.searches)
    return Finding(
        "call.failed",
        f"{what} returned {played.status}"
        + (f": {reason}" if reason else "")
        + (f" (the engine ran: {parts})" if parts else "")
        + "; explain knows no finer cause for it.",
        evidence={"status": int(played.status), "reason": reason},
    )
