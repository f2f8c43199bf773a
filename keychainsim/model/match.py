"""The one matcher: for a row and a query, every constraint the row fails.

The engine keeps rows with no failed constraint; ``explain`` reports the others as near misses, so an
explanation can never disagree with the result it explains (architecture principle 1). Constraints are
the caller's attribute terms (exact equality, §E.3), the implicit predicates the engine adds (§E.2:
``sync = 0``, ``tomb = 0``, access groups, the persistent-ref row) and the post-SQL filters of the
kSecMatch keys (§E.4), which Apple applies after the row is decrypted and which therefore come second.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from keychainsim.model.item import Item
from keychainsim.model.query import Query, attribute_for
from keychainsim.model.values import match_key

# Kinds of failed constraint; explain maps them to finding codes.
ATTRIBUTE = "attribute"
SYNC = "sync"
TOMBSTONE = "tombstone"
ACCESS_GROUP = "access_group"
PERSISTENT_REF = "persistent_ref"
FILTER = "filter"


class Row(Protocol):
    """What the matcher reads: an :class:`Item`, or an identity's certificate + key pair."""

    def term_item(self, key: str) -> Item: ...

    @property
    def group_items(self) -> Sequence[Item]: ...

    @property
    def state_item(self) -> Item: ...

    @property
    def ref_item(self) -> Item: ...


class Miss(NamedTuple):
    """One failed constraint: which, what the query wanted and what the row holds (None: unset).

    A named tuple: explain builds one per failed constraint of every neighbouring row."""

    kind: str
    key: str | None
    wanted: Any
    found: Any
    on: str = ""
    """Which item of the row was compared (the class name: ``cert`` or ``keys`` for identities)."""


@dataclass(frozen=True)
class Scope:
    """The implicit context of a call: the access groups searched (None: all, the ``"*"`` entitlement)."""

    groups: tuple[str, ...] | None
    musr: bytes = b""
    anchors: tuple[bytes, ...] = ()
    """The device's trusted anchors (DER), for kSecMatchTrustedOnly."""
    user_response: str = "approve"
    """How the simulated user answers an authentication prompt: approve, cancel or fail."""


class Matcher:
    """A query compiled once and applied to many rows."""

    def __init__(self, query: Query, scope: Scope) -> None:
        self.query = query
        self.scope = scope
        self.terms: list[tuple[str, Hashable]] = []
        for key, value in query.attrs.items():
            attr = attribute_for(query.item_class, key)
            assert attr is not None  # parse() rejected unknown attributes
            if attr.kind.value == "AccessControl":
                continue  # validated and used for protection, but no WHERE term (§E.3)
            self.terms.append((key, match_key(attr, value)))
        ref = query.persistent_ref
        self.ref = ref
        # The implicit sync = 0 is not added when a persistent ref is given (§E.2, §J.2).
        if query.sync == "any" or (query.sync is None and ref is not None):
            self.sync_wanted: Any = None
        else:
            self.sync_wanted = 0 if query.sync is None else query.sync
        self.tomb_wanted = None if query.tomb_given else 0

    def rebound(self, query: Query, terms: list[tuple[str, Hashable]]) -> Matcher:
        """This matcher for ``query``, a query of the same shape whose terms are ``terms`` (the same keys,
        in the same order, keyed as ``__init__`` keys them): the implicit predicates are the shape's."""
        clone = object.__new__(Matcher)  # everything else shared: a compiled matcher is never changed
        clone.__dict__ = fields = self.__dict__.copy()
        fields["query"], fields["terms"] = query, terms
        return clone

    def hits(self, row: Row) -> bool:
        """Whether the row fails no constraint before decryption: ``not self.misses(row)``, decided without
        listing the failures. The engine asks this of every candidate row (a scan asks it of every row of
        a table), so a stored item is checked in place and stops at its first failed constraint; identity
        rows and persistent-ref queries go through :meth:`misses`."""
        if type(row) is not Item or self.ref is not None:
            return not self.misses(row)
        if not row.has_keys(self.terms):
            return False
        if self.sync_wanted is not None and row.get("sync", 0) != self.sync_wanted:
            return False
        if self.tomb_wanted is not None and row.get("tomb", 0) != self.tomb_wanted:
            return False
        groups = self.scope.groups
        return groups is None or row.get("agrp") in groups

    def misses(self, row: Row) -> list[Miss]:
        """Every constraint the row fails before decryption (the SQL WHERE clause)."""
        out: list[Miss] = []
        wanted_values = self.query.attrs
        single = row if type(row) is Item else None  # a stored item answers every term itself
        for key, wanted in self.terms:
            item = single or row.term_item(key)
            if not item.key_is(key, wanted):
                out.append(Miss(ATTRIBUTE, key, wanted_values[key], item.get(key), item.item_class))
        state = single or row.state_item
        if self.sync_wanted is not None and state.get("sync", 0) != self.sync_wanted:
            out.append(Miss(SYNC, "sync", self.sync_wanted, state.get("sync", 0), state.item_class))
        if self.tomb_wanted is not None and state.get("tomb", 0) != self.tomb_wanted:
            out.append(Miss(TOMBSTONE, "tomb", 0, state.get("tomb", 0), state.item_class))
        groups = self.scope.groups
        if groups is not None:
            # An explicit kSecAttrAccessGroup is both a term and the searched group: report it once, as
            # the term, for the item the term was compared on.
            term_item = (single or row.term_item("agrp")) if "agrp" in wanted_values else None
            for item in (single,) if single is not None else row.group_items:
                if item.get("agrp") in groups:
                    continue
                if item is term_item and any(m.key == "agrp" for m in out):
                    continue
                out.append(Miss(ACCESS_GROUP, "agrp", list(groups), item.get("agrp"), item.item_class))
        ref = self.ref
        if ref is not None:
            target = row.ref_item
            if ref.uuid is not None and target.persistref != ref.uuid:
                out.append(Miss(PERSISTENT_REF, "v_PersistentRef", ref.uuid, target.persistref, target.item_class))
            if ref.rowid is not None and target.rowid != ref.rowid:
                out.append(Miss(PERSISTENT_REF, "v_PersistentRef", ref.rowid, target.rowid, target.item_class))
        return out

    def visible(self, item: Item) -> bool:
        """Whether the item is in a group this call searches (the implicit ``agrp IN (...)``)."""
        groups = self.scope.groups
        return groups is None or item.get("agrp") in groups

    def term_misses(self, item: Item, keys: Collection[str]) -> list[Miss]:
        """The caller's terms named in ``keys``, compared on one item alone: how explain asks whether an
        identity's certificate (or its key) fits the terms of that side, by the same comparison."""
        return [
            Miss(ATTRIBUTE, key, self.query.attrs[key], item.get(key), item.item_class)
            for key, wanted in self.terms
            if key in keys and not item.key_is(key, wanted)
        ]

    def filter_misses(self, row: Row, context: FilterContext | None = None) -> list[Miss]:
        """The post-SQL kSecMatch filters (§E.4), applied to rows that survived decryption.

        ``context`` carries what the filters need from the database (see :class:`FilterContext`).
        """
        context = context or FilterContext()
        match = self.query.match
        if not match:
            return []
        out: list[Miss] = []
        issuers = match.get("m_Issuers")
        if issuers is not None:
            issuer = row.term_item("issr").get("issr")
            if not _issued_by(issuer, issuers, context.parents, ISSUER_DEPTH):
                out.append(Miss(FILTER, "m_Issuers", issuers, issuer, "cert"))
        host = match.get("m_HostOrSubdomainOfHost")
        if host is not None:
            server = row.term_item("srvr").get("srvr")
            if not (isinstance(server, str) and (server == host or server.endswith("." + host))):
                out.append(Miss(FILTER, "m_HostOrSubdomainOfHost", host, server, "inet"))
        if self.query.item_class in ("cert", "idnt"):
            out.extend(_certificate_filter_misses(row, match))
            der = row.term_item("issr").get("v_Data", b"")
            for key, check in (("m_Policy", context.policy), ("m_TrustedOnly", context.trust)):
                if check is not None:
                    passed, why = check(der)
                    if not passed:
                        out.append(Miss(FILTER, key, match[key], why, "cert"))
        return out


ParentLookup = Callable[[bytes], list[bytes]]
TrustCheck = Callable[[bytes], tuple[bool, str]]


@dataclass(frozen=True)
class FilterContext:
    """What the kSecMatch post-filters need from the database, built by the engine per query.

    ``parents(subject)`` lists the issuers of the visible certificates with that subject (the
    kSecMatchIssuers walk); ``trust(der)`` and ``policy(der)`` evaluate a certificate for
    kSecMatchTrustedOnly and kSecMatchPolicy, as ``(passes, reason)``.
    """

    parents: ParentLookup | None = None
    trust: TrustCheck | None = None
    policy: TrustCheck | None = None


ISSUER_DEPTH = 10
"""``SecServerMatch_Item()`` walks at most ten certificates up (``items_matching_issuer_parent``)."""


def _issued_by(issuer: Any, wanted: list[bytes], parents: ParentLookup | None, depth: int) -> bool:
    """``items_matching_issuer_parent()``: the issuer is listed, or a stored certificate whose subject is
    this issuer was itself issued (recursively) by a listed issuer. Self-issued certificates stop the walk."""
    if issuer in wanted:
        return True
    if parents is None or not isinstance(issuer, bytes):
        return False
    for parent_issuer in parents(issuer):
        if parent_issuer == issuer:
            continue
        if depth > 0:
            depth -= 1
            if _issued_by(parent_issuer, wanted, parents, depth):
                return True
    return False


def _certificate_filter_misses(row: Row, match: dict[str, Any]) -> list[Miss]:
    cert_item = row.term_item("issr")  # the certificate, for a certificate row and an identity alike
    checks = [k for k in ("m_ValidOnDate", "m_EmailAddressIfPresent") if k in match]
    if not checks:
        return []
    from keychainsim.model.certfacts import CertificateFacts

    facts = CertificateFacts.of(cert_item.get("v_Data"))
    out: list[Miss] = []
    if "m_ValidOnDate" in match:
        when = match["m_ValidOnDate"] or datetime.now(UTC)
        if facts is None or not facts.valid_on(when):
            out.append(Miss(FILTER, "m_ValidOnDate", when, facts.validity if facts else None, "cert"))
    if "m_EmailAddressIfPresent" in match:
        wanted = match["m_EmailAddressIfPresent"]
        emails = facts.emails if facts else ()
        if wanted.lower() not in (e.lower() for e in emails):
            out.append(Miss(FILTER, "m_EmailAddressIfPresent", wanted, list(emails), "cert"))
    return out
