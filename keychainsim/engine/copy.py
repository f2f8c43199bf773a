"""SecItemCopyMatching on one keychain implementation (§E).

Order per row, as in ``SecItemDb.c: s3dl_query()``: the SQL terms (the matcher), then decryption
(a row whose class key is unavailable stops the whole query with errSecInteractionNotAllowed), then the
post-SQL kSecMatch filters. The limit counts rows that survive all three, except that a query whose only
filters are kSecMatchEmailAddressIfPresent or kSecMatchHostOrSubdomainOfHost, or that skips items needing the
user (kSecUseAuthenticationUISkip), has its limit applied by the SQL first (:func:`sql_limit_cuts`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from keychainsim.engine import entitlements, observe
from keychainsim.engine.context import Caller, Clock, system_clock
from keychainsim.engine.database import Database
from keychainsim.engine.identity import IdentityResultRow, IdentityRow, check_identity_query, join
from keychainsim.engine.protection import every_class_available, require_item
from keychainsim.engine.query_cache import QueryCache
from keychainsim.engine.results import ResultRow, shape
from keychainsim.model.item import Item
from keychainsim.model.match import FilterContext, Matcher, Scope
from keychainsim.model.query import Query, parse
from keychainsim.model.reject import Reject
from keychainsim.model.values import match_key
from keychainsim.schema import CERT
from keychainsim.status import OSStatus

CERT_ONLY_MATCH = ("m_Issuers", "m_Policy")
"""Match keys that need a certificate class: any other class gives errSecUnimplemented
(``SecServerItemCopyMatchingWithCustomDb()``, §E.4)."""


FILTERS_AFTER_LIMIT = ("m_EmailAddressIfPresent", "m_HostOrSubdomainOfHost")
"""Post-SQL filters that run on the rows the SQL's LIMIT already cut: ``SecItemDb.c
s3dl_create_select_sql()`` leaves out LIMIT only for the filters in :data:`FILTERS_BEFORE_LIMIT` (and token
object IDs), and ``s3dl_query_row()`` drops rows failing ``SecServerMatch_Item()`` after the fetch. With the
default limit of one, a first row that fails the filter hides a later row that passes it (-25300)."""

FILTERS_BEFORE_LIMIT = ("m_Issuers", "m_Policy", "m_ValidOnDate", "m_TrustedOnly")
"""Filters whose presence (any value, kSecMatchTrustedOnly false included) removes the SQL LIMIT, so that
the limit counts only rows that pass every filter (``s3dl_create_select_sql()``)."""


def sql_limit_cuts(query: Query) -> bool:
    """Does the SQL's LIMIT cut the rows before a step after the fetch can drop some of them: a filter of
    :data:`FILTERS_AFTER_LIMIT`, or kSecUseAuthenticationUISkip leaving out an item that needs the user
    (``s3dl_query_row()``: decoding it fails with errSecAuthNeeded, which ``s3dl_query()`` clears for
    q_skip_acl_items and goes on to the next row the SQL returned, if any)?"""
    match = query.match
    if query.limit is None or not (match or query.auth_ui == "skip"):
        return False  # the usual query, answered without a look at the filters
    if any(k in match for k in FILTERS_BEFORE_LIMIT):
        return False
    return any(k in match for k in FILTERS_AFTER_LIMIT) or skips_for_user(query)


def skips_for_user(query: Query) -> bool:
    """kSecUseAuthenticationUISkip with a return type that decrypts the secret part (see :func:`run`)."""
    return query.auth_ui == "skip" and not SECRET_RETURNS.isdisjoint(query.returns)


def skipped_for_user(query: Query, row: Item | IdentityRow) -> bool:
    """Does :func:`run` leave ``row`` out under kSecUseAuthenticationUISkip (its access control needs the user)?"""
    return skips_for_user(query) and _needs_auth(row)


def sql_rows(rows: Iterable[Item | IdentityRow], matcher: Matcher, limit: int) -> Iterator[Item | IdentityRow]:
    """The first ``limit`` rows the SQL selects (those its terms match): what ``LIMIT n`` lets through."""
    return itertools.islice((row for row in rows if matcher.hits(row)), limit)


def prepare(caller: Caller, dictionary: dict[str, Any]) -> tuple[Query, Matcher]:
    """Parse and validate a CopyMatching dictionary and compile its matcher (raises Reject)."""
    caller.readable_scope(None)
    query = parse(dictionary, "copy")
    entitlements.check_read(dictionary)
    groups = caller.readable_scope(query.explicit_group)
    if "u_ItemList" in query.use:
        raise Reject(OSStatus.errSecParam, "kSecUseItemList is not supported by SecItemCopyMatching", key="u_ItemList")
    for key in CERT_ONLY_MATCH:
        if key in query.match and query.item_class not in ("cert", "idnt"):
            raise Reject(OSStatus.errSecUnimplemented, f"{key} applies to certificates and identities only", key=key)
    if "m_HostOrSubdomainOfHost" in query.match and query.item_class != "inet":
        raise Reject(
            OSStatus.errSecUnimplemented,
            "kSecMatchHostOrSubdomainOfHost applies to internet passwords only",
            key="m_HostOrSubdomainOfHost",
        )
    ref = query.persistent_ref
    if ref is not None and ref.uuid is not None and (query.attrs or query.sync not in (None, "any")):
        raise Reject(
            OSStatus.errSecParam,
            "a persistent reference cannot be combined with other attributes in SecItemCopyMatching",
            key="v_PersistentRef",
        )
    if query.item_class == "idnt":
        check_identity_query(query.attrs)
    return query, Matcher(
        query, Scope(groups=groups, musr=caller.musr, anchors=caller.anchors, user_response=caller.user_response)
    )


def rows_for(db: Database, query: Query, matcher: Matcher, keychain: str) -> Iterable[Item | IdentityRow]:
    """Candidate rows in scan order: the class table (pruned by an index) or the identity join."""
    if query.item_class == "idnt":
        return join(db, keychain, matcher.terms)
    ref = query.persistent_ref
    if ref is not None and ref.uuid is not None:
        hit = db.by_ref(ref.uuid)
        return [hit] if hit is not None and hit.item_class == query.item_class and hit.keychain == keychain else []
    return db.candidates(keychain, query.item_class, matcher.terms)


def run(
    db: Database, query: Query, matcher: Matcher, keychain: str, clock: Clock = system_clock
) -> list[Item | IdentityRow]:
    """The matching rows, in order, up to the limit; raises Reject(-25308) at an undecryptable row."""
    limit = query.limit
    context = filter_context(db, query, matcher, keychain, clock) if query.match else NO_CONTEXT
    found: list[Item | IdentityRow] = []
    if limit == 0:
        return found
    device = db.device
    locked = not every_class_available(device)
    secret = not SECRET_RETURNS.isdisjoint(query.returns)
    rows = rows_for(db, query, matcher, keychain)
    if limit is not None and sql_limit_cuts(query):
        rows = sql_rows(rows, matcher, limit)
    for row in rows:
        if not matcher.hits(row):
            continue
        for item in row.group_items if locked else ():
            require_item(item, device, f"reading the matching {item.item_class} row {item.rowid}")
        if secret and _needs_auth(row):
            # Decrypting the secret part of an item with access-control constraints needs the user
            # (secd-81-item-acl-stress.m): Skip leaves such items out, Fail gives -25308; otherwise the
            # simulated user answers the prompt as Keychain(user_response=...) says.
            if query.auth_ui == "skip":
                continue
            if query.auth_ui == "fail":
                raise Reject(
                    OSStatus.errSecInteractionNotAllowed,
                    "a matching item needs user authentication and kSecUseAuthenticationUIFail forbids the prompt",
                    key="u_AuthUI",
                )
            answer = PROMPT_ANSWERS[matcher.scope.user_response]
            if answer is not None:
                raise Reject(answer[0], answer[1], key="accc")
        if query.match and matcher.filter_misses(row, context):
            continue
        found.append(row)
        if limit is not None and len(found) >= limit:
            break
    return found


def issuer_parents(db: Database, matcher: Matcher, keychain: str) -> Callable[[bytes], list[bytes]]:
    """The issuers of the certificates with a given subject that a plain certificate query of this caller
    finds (same groups, sync = 0, no tombstones), for the kSecMatchIssuers walk."""
    subj = CERT.by_key["subj"]

    def parents(subject: bytes) -> list[bytes]:
        rows = db.candidates(keychain, "cert", [("subj", match_key(subj, subject))])
        groups = matcher.scope.groups
        return [
            r.get("issr")
            for r in rows
            if not r.is_tombstone
            and r.get("sync", 0) == 0
            and (groups is None or r.get("agrp") in groups)
            and r.get("subj") == subject
        ]

    return parents


def filter_context(
    db: Database, query: Query, matcher: Matcher, keychain: str, clock: Clock = system_clock
) -> FilterContext:
    """What the kSecMatch post-filters need from the database: the issuer walk and the trust checks
    (``_FilterWithTrust()``: Basic X.509 now; ``_FilterWithPolicy()``: the given policy at
    kSecMatchValidOnDate, else now), with the certificates this caller can read as intermediates."""
    match = query.match
    if not ("m_Issuers" in match or match.get("m_TrustedOnly") is True or "m_Policy" in match):
        return NO_CONTEXT
    parents = issuer_parents(db, matcher, keychain) if "m_Issuers" in match else None
    pool = readable_certificates(db, keychain, matcher.scope.groups)
    anchors, now = matcher.scope.anchors, clock()
    trust = policy = None
    if match.get("m_TrustedOnly") is True:
        from keychainsim.crypto.trust import evaluate_basic_x509

        trust = functools.partial(_basic, evaluate_basic_x509, pool, anchors, now)
    if "m_Policy" in match:
        from keychainsim.crypto.policy import evaluate

        when = match.get("m_ValidOnDate") or now
        policy = functools.partial(_with_policy, evaluate, match["m_Policy"], pool, anchors, when)
    return FilterContext(parents, trust, policy)


NO_CONTEXT = FilterContext()


def readable_certificates(db: Database, keychain: str, groups: tuple[str, ...] | None) -> list[bytes]:
    """The DER of every certificate in ``keychain`` a caller with ``groups`` (None: all) can read: the
    intermediates trust evaluation may use, as trustd's keychain certificate source finds them."""
    return [
        r.get("v_Data", b"")
        for r in db.table(keychain, "cert").values()
        if not r.is_tombstone and (groups is None or r.get("agrp") in groups)
    ]


def _basic(evaluate: Any, pool: list[bytes], anchors: tuple[bytes, ...], when: datetime, der: bytes) -> Any:
    return evaluate(der, pool, anchors, when)


def _with_policy(
    evaluate: Any, policy: Any, pool: list[bytes], anchors: tuple[bytes, ...], when: datetime, der: bytes
) -> Any:
    return evaluate(policy, der, pool, anchors, when)


SECRET_RETURNS = frozenset({"data", "ref"})
"""Return types that decrypt an item's secret part, the part its access control guards
(``SecDbKeychainItem.m``: the metadata key alone serves an attributes-only read)."""

PROMPT_ANSWERS: dict[str, tuple[OSStatus, str] | None] = {
    "approve": None,
    "cancel": (OSStatus.errSecUserCanceled, "the user cancelled the authentication prompt"),
    "fail": (OSStatus.errSecAuthFailed, "the user failed the authentication prompt"),
}
"""How the simulated user answers a LocalAuthentication prompt (reference §K.3: cancel -128, failure -25293)."""


def _needs_auth(row: Item | IdentityRow) -> bool:
    for item in row.group_items:
        access = item.get("accc")
        if access is not None and access.has_constraints:
            return True
    return False


def result_row(row: Item | IdentityRow, platform: str) -> ResultRow:
    return ResultRow(row, platform) if type(row) is Item else IdentityResultRow(row)  # type: ignore[arg-type]


_CACHE = QueryCache(prepare)


def compiled(caller: Caller, dictionary: dict[str, Any]) -> tuple[Query, Matcher]:
    """``prepare`` of a client-prepared dictionary (:mod:`keychainsim.shim.client`), reused for
    dictionaries of the same shape (see :mod:`keychainsim.engine.query_cache`)."""
    return _CACHE.get(caller, dictionary)


def copy_matching(
    db: Database, caller: Caller, dictionary: dict[str, Any], keychain: str, platform: str, clock: Clock = system_clock
) -> tuple[OSStatus, Any]:
    """SecItemCopyMatching of a dictionary the client library has prepared (:mod:`keychainsim.shim.client`)."""
    query, matcher = _CACHE.get(caller, dictionary)
    seen = observe.search("copy", keychain, query, matcher)
    rows = run(db, query, matcher, keychain, clock)
    if not rows:
        if seen is not None:
            observe.found(seen, rows)
        return OSStatus.errSecItemNotFound, None
    result = shape([result_row(r, platform) for r in rows], query.returns, query.limit == 1)
    if seen is not None:
        observe.found(seen, rows, result)
    return OSStatus.errSecSuccess, result
