"""The two analyses: a CopyMatching query (near misses, then findings) and a colliding SecItemAdd."""

from __future__ import annotations

from typing import Any

from keychainsim.engine import copy as dp_copy
from keychainsim.engine import macos
from keychainsim.engine.add import AddOutcome, add
from keychainsim.engine.client import prepare as client_prepare
from keychainsim.engine.database import Database
from keychainsim.engine.identity import join
from keychainsim.explain import identity_causes, query_causes
from keychainsim.explain.evidence import attr_name, show
from keychainsim.explain.findings import Finding
from keychainsim.explain.report import NearMiss, Report, row_label
from keychainsim.model.item import DP, FILE, Item
from keychainsim.model.match import ACCESS_GROUP, SYNC, Matcher, Scope
from keychainsim.model.reject import Reject
from keychainsim.schema import CLASSES
from keychainsim.status import OSStatus


def _refused(call: str, query: dict[str, Any], refused: Reject) -> Report:
    if refused.status == OSStatus.errSecMissingEntitlement:
        finding = Finding(
            "access.missing_entitlement",
            f"{refused.reason}; add the group to the app's keychain-access-groups entitlement or drop "
            "kSecAttrAccessGroup from the call.",
            evidence={"key": refused.key},
        )
    else:
        finding = Finding(
            "query.rejected",
            f"{refused.reason} ({refused.status.name}).",
            evidence={"key": refused.key, "status": int(refused.status)},
        )
    return Report(call, query, refused.status, findings=[finding], reason=refused.reason)


def explain_copy(kc: Any, query: dict[str, Any]) -> Report:
    call = "SecItemCopyMatching"
    with kc._backend.reading() as db:
        reason = ""
        try:
            try:
                status, _ = kc._copy(db, query)
            except Reject as refused:
                if refused.status != OSStatus.errSecInteractionNotAllowed:
                    raise
                status, reason = refused.status, refused.reason  # still explained from the rows below
            prepared = client_prepare(query, "copy")
            keychains = macos.targets(prepared) if kc.platform == "macos" else (DP,)
            compiled = {
                k: dp_copy.compiled(kc.caller, macos._for_dp(prepared, "copy"))
                if k == DP
                else macos._file_query(prepared, "copy")
                for k in keychains
            }
        except Reject as refused:
            return _refused(call, query, refused)
        keychain = keychains[0]
        parsed, matcher = compiled[keychain]
        matches = [row for k, (p, m) in compiled.items() for row in _matches(db, p, m, k, kc.clock)]
        report = Report(call, query, OSStatus(status), matches=matches, reason=reason)
        if status == OSStatus.errSecSuccess:
            report.findings.extend(identity_causes.public_key_identities(matches))
            return report
        near = [n for k, (p, m) in compiled.items() for n in _near_misses(db, p, m, k, kc.clock)]
        report.near_misses = near
        report.findings.extend(_findings(kc, db, parsed, matcher, keychain, near))
        return report


def _matches(db: Database, parsed: Any, matcher: Matcher, keychain: str, clock: Any) -> list[Any]:
    try:
        return list(dp_copy.run(db, parsed, matcher, keychain, clock))
    except Reject:
        return []


NEAR_MISS_ROWS = 12
"""How many neighbouring rows explain judges: the closest ones carry the finding; a thousand distant rows
that share only a service name would add cost and nothing to read."""


def _near_misses(db: Database, parsed: Any, matcher: Matcher, keychain: str, clock: Any) -> list[NearMiss]:
    """Every row of the queried class with what it fails: SQL terms first, then the kSecMatch filters."""
    if parsed.item_class == "idnt":
        rows = join(db, keychain)
    else:
        rows = db.neighbours(keychain, parsed.item_class, matcher.terms, NEAR_MISS_ROWS)
    context = dp_copy.filter_context(db, parsed, matcher, keychain, clock)
    out = []
    for row in rows:
        misses = matcher.misses(row) or matcher.filter_misses(row, context)
        out.append(NearMiss(row, tuple(misses)))
    return out


def _findings(
    kc: Any, db: Database, parsed: Any, matcher: Matcher, keychain: str, near: list[NearMiss]
) -> list[Finding]:
    failing = [n for n in near if n.misses]
    passing = [n for n in near if not n.misses]
    findings: list[Finding] = []
    lock = query_causes.locked(passing, db.device)
    if lock is not None:
        return [lock]
    if parsed.item_class == "idnt":
        findings.extend(identity_causes.diagnose(db, matcher, kc.platform, failing))
    else:
        empty = query_causes.class_empty(parsed.item_class, db)
        if empty is not None:
            return [empty]
        findings.extend(query_causes.from_near_misses(failing, list(kc.caller.access_groups)))
    if kc.platform == "macos" and parsed.item_class != "idnt":
        other = _other_keychain(db, parsed, keychain)
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


def _other_keychain(db: Database, parsed: Any, searched: str) -> Finding | None:
    """macOS: does the query match in the implementation it did not search? Groups and sync do not exist
    in the file-based keychain, so only attribute terms count there."""
    other = FILE if searched == DP else DP
    probe = Matcher(parsed, Scope(groups=None))
    for item in db.table(other, parsed.item_class).values():
        misses = [m for m in probe.misses(item) if m.kind not in (ACCESS_GROUP, SYNC)]
        if not misses:
            name = {DP: "data protection", FILE: "file-based"}
            return Finding(
                "platform.other_keychain",
                f"{row_label(item)} matches, but it lives in the {name[other]} keychain and this query searched "
                f"only the {name[searched]} one; use kSecUseDataProtectionKeychain: true in every call, the add "
                "included.",
                items=(item,),
                evidence={"item_keychain": other, "searched": searched},
            )
    return None


def explain_add(kc: Any, attributes: dict[str, Any]) -> Report:
    """Replay the add on a copy of the data: a -25299 names the row it collides with and why."""
    call = "SecItemAdd"
    with kc._backend.reading() as db:
        scratch = db.copy()
        outcome = AddOutcome()
        try:
            if kc.platform == "macos" and FILE in macos.targets(attributes):
                status, _ = macos.file_add(scratch, macos._for_file(client_prepare(attributes, "add")), kc.clock)
            else:
                status, _ = add(scratch, kc.caller, client_prepare(attributes, "add"), kc.clock, outcome)
        except Reject as refused:
            if refused.status != OSStatus.errSecDuplicateItem or outcome.colliding is None:
                return _refused(call, attributes, refused)
            existing = db.get(outcome.colliding.keychain, outcome.colliding.item_class, outcome.colliding.rowid)
            return Report(
                call,
                attributes,
                OSStatus.errSecDuplicateItem,
                findings=[_duplicate(attributes, outcome, existing or outcome.colliding)],
                reason=refused.reason,
            )
        report = Report(call, attributes, OSStatus(status))
        if outcome.silent_noop:
            report.reason = outcome.silent_noop
        return report


def _duplicate(attributes: dict[str, Any], outcome: AddOutcome, existing: Item) -> Finding:
    """add.duplicate: the uniqueness tuple, split into what the caller gave and what defaulted."""
    schema = CLASSES[existing.item_class]
    query = outcome.query
    given = set(query.attrs) | ({"sync"} if query.sync is not None else set()) if query else set()
    pk = schema.primary_key
    stated = [k for k in pk if k in given]
    implied = [k for k in pk if k not in given]
    differing = sorted(
        k
        for k in (query.attrs if query else {})
        if k not in pk and existing.get(k) != query.attrs[k] and k not in ("cdat", "mdat")
    )
    pk_text = ", ".join(f"{attr_name(k)}={show(k, existing.get(k))}" for k in pk if existing.get(k) is not None)
    message = (
        f"the add collides with {row_label(existing)}: {existing.item_class} items are unique on "
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
    return Finding(
        "add.duplicate",
        message,
        items=(existing,),
        evidence={
            "existing": row_label(existing),
            "uniqueness": list(pk),
            "stated": stated,
            "defaulted": implied,
            "not_unique_but_different": differing,
            "values": {k: existing.get(k) for k in pk},
        },
    )
