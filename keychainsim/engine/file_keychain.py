"""The macOS file-based keychain: the legacy implementation behind ``SecItem.cpp``'s ``*_osx`` calls.

It is a second engine beside the data protection one, with its own semantics (reference §M.4): no access
groups, no protection classes and no sync column; its own uniqueness (``Schema.m4``, ``KeySchema.m4``);
a label that defaults to the service, server or account (``ItemImpl::addWithCopyInfo()``); a reference
as the default result of a search; and update and delete that act on the first match unless the caller
asks for all (``SecItemUpdate_osx()``, ``SecItemDelete_osx()`` run a CopyMatching with the caller's limit).

Dictionaries reach it already translated by the shim (``SecItemCopyTranslatedAttributes()``): the
data-protection-only keys are gone. Identities are the same join as on the data protection side, over this
keychain's certificates and private keys.
"""

from __future__ import annotations

from typing import Any

from keychainsim.engine import observe
from keychainsim.engine.add import AddOutcome
from keychainsim.engine.context import Clock, item_digest, new_persistent_uuid
from keychainsim.engine.database import Database
from keychainsim.engine.delete import remove
from keychainsim.engine.identity import IdentityResultRow, check_identity_query, join
from keychainsim.engine.results import ResultRow, element
from keychainsim.engine.update import apply as update_apply
from keychainsim.engine.update import parse_changes
from keychainsim.model.item import FILE, Item
from keychainsim.model.match import Matcher, Scope
from keychainsim.model.query import Query, parse
from keychainsim.model.reject import Reject
from keychainsim.schema import CLASSES, Default
from keychainsim.status import OSStatus

NOT_STORED = ("pdmn", "accc", "agrp", "sync", "tomb", "musr", "nleg")
"""Columns the file-based keychain does not have: whatever reaches it under these names is dropped."""


def add(db: Database, dictionary: dict[str, Any], clock: Clock) -> tuple[OSStatus, Any]:
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
    query = parse(dictionary, "add", key_limit=False)
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
    for key in NOT_STORED:
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
    return OSStatus.errSecSuccess, file_element(ResultRow(item, "macos"), query.returns, for_add=True)


def file_element(row: ResultRow, returns: frozenset[str], for_add: bool = False) -> Any:
    """The per-item result as ``SecItem.cpp: AddItemResults()`` builds it, for an add and a search alike.

    One result type gives that value itself. Several give one dictionary holding exactly the requested
    types: the ref, the persistent ref, the data, and the attributes merged in only when asked for. The
    data protection keychain differs (§E.6): its client asks for attributes whenever data is wanted, so
    data with a persistent ref carries attributes there and not here.
    """
    if returns == frozenset({"attributes"}):
        return _attributes(row)
    if len(returns) <= 1:
        return element(row, returns, for_add)
    out: dict[str, Any] = {}
    if "ref" in returns and (ref := row.ref()) is not None:
        out["v_Ref"] = ref
    if "persistent_ref" in returns:
        out["v_PersistentRef"] = row.persistent_ref()
    if "data" in returns and (data := row.data()) is not None:
        out["v_Data"] = data
    if "attributes" in returns:
        out.update(_attributes(row))
    return out


class FileIdentityRow(IdentityResultRow):
    """An identity found in the file-based keychain: ``AddItemResults()`` is handed the identity and its
    certificate as the item, so the identity's data is the certificate's (``SecCertificateCopyData``) and
    its attributes are the certificate's (:func:`_attributes`)."""

    def data(self) -> bytes | None:
        return self.row.certificate.get("v_Data")


BOOLEAN = "boolean"
"""A UInt32 flag the dictionary gives as a CFBoolean (kBooleanRepresentation)."""
CONSTANT = "constant"
"""A UInt32 the dictionary gives as the CFString constant naming it: a key's class (kSecKeyKeyClass, e.g.
kSecAttrKeyClassPrivate "1") and algorithm (kSecKeyKeyType, e.g. kSecAttrKeyTypeEC "73")."""

RESULT_ATTRIBUTES: dict[str, dict[str, str | None]] = {
    # gGenericPasswordAttributes (_CreateAttributesDictionaryFromGenericPasswordItem)
    "genp": {
        "cdat": None, "mdat": None, "desc": None, "icmt": None, "crtr": None, "type": None, "labl": None,
        "invi": BOOLEAN, "nega": BOOLEAN, "acct": None, "svce": None, "gena": None,
    },
    # the attr[] list of _CreateAttributesDictionaryFromInternetPasswordItem
    "inet": {
        "srvr": None, "sdmn": None, "acct": None, "path": None, "port": None, "ptcl": None, "atyp": None,
        "icmt": None, "desc": None, "labl": None, "cdat": None, "mdat": None, "crtr": None, "type": None,
        "invi": BOOLEAN, "nega": BOOLEAN,
    },
    # gCertificateAttributes (_CreateAttributesDictionaryFromCertificateItem)
    "cert": {
        "labl": None, "subj": None, "issr": None, "slnr": None, "pkhh": None, "skid": None, "ctyp": None,
        "cenc": None,
    },
    # gKeyAttributes, the entries not commented out (_CreateAttributesDictionaryFromKeyItem)
    "keys": {
        "kcls": CONSTANT, "labl": None, "perm": BOOLEAN, "klbl": None, "atag": None, "type": CONSTANT,
        "bsiz": None, "esiz": None, "encr": BOOLEAN, "decr": BOOLEAN, "drve": BOOLEAN, "sign": BOOLEAN,
        "vrfy": BOOLEAN, "wrap": BOOLEAN, "unwp": BOOLEAN,
    },
}  # fmt: skip
"""What a file-based keychain item's attribute dictionary holds, per class, and how a value is given
(``OSX/libsecurity_keychain/lib/SecItem.cpp``, the tables and functions named above): only these
attributes, whatever else the record has (no creation date for a key or a certificate, no
kSecAttrIsPrivate, kSecAttrIsSensitive ...), each with the item's kSecClass (pitfall C54)."""

SKIPPED_WHEN_EMPTY = frozenset({"inet", "keys"})
"""Classes whose dictionary leaves out an attribute of length 0: the internet password's copies only
``length > 0`` values, the key's skips a value with no length and no data. The generic password's and
the certificate's skip only an attribute with no value at all (``data == NULL``)."""


def _attributes(row: ResultRow) -> dict[str, Any]:
    """``SecItem.cpp: AddItemResults()`` with kSecReturnAttributes: the dictionary
    ``_CreateAttributesDictionaryFromItem()`` makes for the item (see :data:`RESULT_ATTRIBUTES`). For an
    identity the item is its certificate (the identity search hands back the certificate beside the
    identity), so an identity's dictionary is its certificate's, kSecClass kSecClassCertificate."""
    item = row.row.certificate if isinstance(row, IdentityResultRow) else row.item
    wanted = RESULT_ATTRIBUTES[item.item_class]
    skip_empty = item.item_class in SKIPPED_WHEN_EMPTY
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key not in wanted or value is None or (skip_empty and value in ("", b"")):
            continue
        shown = wanted[key]
        if shown == BOOLEAN:
            value = bool(value)
        elif shown == CONSTANT and isinstance(value, int):
            value = str(value)
        out[key] = value
    out["class"] = item.item_class
    return out


def compile_query(dictionary: dict[str, Any], op: str) -> tuple[Query, Matcher]:
    """Parse a translated dictionary for ``op`` and build its matcher: every item is in one unnamed group
    and there is no sync column, so neither narrows the search."""
    query = parse(dictionary, op, key_limit=False)
    query.sync = "any"
    if query.item_class == "idnt":
        check_identity_query(query.attrs)
    return query, Matcher(query, Scope(groups=None))


def _limit(query: Query) -> int | None:
    """Update and delete act on one item unless the caller passed kSecMatchLimitAll (§M.4)."""
    return None if query.limit_given and query.limit is None else 1


def matching(db: Database, query: Query, matcher: Matcher) -> list[Any]:
    """The rows (or certificate/key pairs, for identities) the query matches, in row order."""
    if query.item_class == "idnt":
        rows: list[Any] = list(join(db, FILE))
    else:
        rows = list(db.candidates(FILE, query.item_class, matcher.terms))
    return [r for r in rows if matcher.hits(r) and not matcher.filter_misses(r)]


def copy_matching(db: Database, dictionary: dict[str, Any]) -> tuple[OSStatus, Any]:
    query, matcher = compile_query(dictionary, "copy")
    if "data" in query.returns and query.limit is None and query.item_class in ("genp", "inet"):
        raise Reject(
            OSStatus.errSecParam,
            "the file-based keychain refuses kSecReturnData with kSecMatchLimitAll for passwords",
            key="r_Data",
        )
    seen = observe.search("copy", FILE, query, matcher)
    rows = matching(db, query, matcher)
    if query.limit is not None:
        rows = rows[: query.limit]
    if not rows:
        observe.found(seen, rows)
        return OSStatus.errSecItemNotFound, None
    # The file-based keychain returns a reference when no return key is given (§M.4).
    returns = query.returns if query.return_keys_present else frozenset({"ref"})
    results = [FileIdentityRow(r) if query.item_class == "idnt" else ResultRow(r, "macos") for r in rows]
    elements = [file_element(r, returns) for r in results]
    result = elements[0] if query.limit == 1 else [e for e in elements if e is not None]
    observe.found(seen, rows, result)
    return OSStatus.errSecSuccess, result


def update(db: Database, dictionary: dict[str, Any], changes: dict[str, Any], clock: Clock) -> OSStatus:
    query, matcher = compile_query(dictionary, "update")
    kept = {k: v for k, v in changes.items() if k not in NOT_STORED}
    return update_apply(db, query, matcher, parse_changes(query.item_class, kept), clock, FILE, _limit(query))


def delete(db: Database, dictionary: dict[str, Any], clock: Clock) -> OSStatus:
    query, matcher = compile_query(dictionary, "delete")
    return remove(db, query, matcher, clock, FILE, _limit(query))
