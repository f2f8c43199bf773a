"""Parsing a SecItem dictionary into a query, with the statuses Apple gives for bad dictionaries.

Follows ``keychain/securityd/SecDbQuery.c: query_create(), query_applier()`` as the reference describes
it (secitem-engine.md §E.1): a key of exactly four characters is an item attribute; otherwise the first
character picks the family (``c`` class, ``m`` match, ``r`` return, ``u`` use, ``v`` value, ``f``
ignored) and anything else is errSecParam. Values are coerced by :mod:`keychainsim.model.values`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from keychainsim.errors import NotModeledError
from keychainsim.model.access_control import SecAccessControl
from keychainsim.model.keychain_item import SecKeychainItem
from keychainsim.model.reject import Reject
from keychainsim.model.values import coerce
from keychainsim.schema import CLASSES, IDNT_ATTRIBUTES, Attr
from keychainsim.status import OSStatus

STORED_CLASSES = ("genp", "inet", "cert", "keys")
ALL_CLASSES = (*STORED_CLASSES, "idnt")
KNOWN_BUT_REJECTED_CLASSES = ("apls",)

RETURN_KEYS = {
    "r_Data": "data",
    "r_Attributes": "attributes",
    "r_Ref": "ref",
    "r_PersistentRef": "persistent_ref",
}

AUTH_UI = {"u_AuthUIA": "allow", "u_AuthUIF": "fail", "u_AuthUIS": "skip"}

CLIENT_STRIPPED_USE_KEYS = ("u_OpPrompt", "u_CallerName", "u_NoAuthUI", "u_TokenRawItems")
"""Removed by the client library before the server sees the dictionary (``SecItemAuthCopyParams()``)."""

MACOS_FILE_ONLY_MATCH_KEYS = (
    "m_SubjectStartsWith",
    "m_SubjectEndsWith",
    "m_SubjectWholeString",
    "m_DiacriticInsensitive",
    "m_WidthInsensitive",
)


QUERY_KEY_LIMIT = 128
"""``QUERY_KEY_LIMIT`` in ``SecDbQuery.c`` (a securityd build; only a NO_SERVER build allows 31 more)."""

STORAGE_COLUMNS = ("rowid", "data", "v_pk", "u_Tomb")
"""Attributes every stored class of schema v12.11 declares (``SecItemSchema.c``) that the schema tables leave
out because no dictionary stores them: ``SecDbClassAttrCount()`` counts them all the same, and a dictionary
key with one of these names is one of the class's attributes for the key count."""


def key_count(item_class: str, dictionary: dict[Any, Any]) -> int:
    """The query slots ``SecDbQuery.c query_create()`` sizes for ``dictionary``: the class's attribute count
    (``SecDbClassAttrCount()``) plus each dictionary key that is not one of those attributes (kSecClass,
    kSecReturn*, kSecMatch*, kSecUse*, another class's attribute, any other key). An identity declares no
    attributes, so it counts the certificate's and the key's, plus every key of the dictionary."""
    if item_class == "idnt":
        return _declared(CLASSES["cert"]) + _declared(CLASSES["keys"]) + len(dictionary)
    schema = CLASSES[item_class]
    others = sum(1 for key in dictionary if not (key in schema.by_key or key in STORAGE_COLUMNS))
    return _declared(schema) + others


def _declared(schema: Any) -> int:
    return len(schema.attributes) + len(STORAGE_COLUMNS)


def check_key_limit(item_class: str, dictionary: dict[Any, Any], what: str = "the dictionary") -> None:
    """``query_create()``: more than :data:`QUERY_KEY_LIMIT` slots (:func:`key_count`) is
    errSecItemIllegalQuery, which ``SecBasePriv.h`` defines as errSecParam. The server checks this once it
    knows the class and before it parses a single key, so the limit wins over a bad key or value."""
    count = key_count(item_class, dictionary)
    if count > QUERY_KEY_LIMIT:
        raise Reject(
            OSStatus.errSecParam,
            f"{what} is too big for a {item_class} query: the class's attributes plus its other keys make {count} "
            f"query slots, more than the server's {QUERY_KEY_LIMIT}",
        )


@dataclass(frozen=True)
class PersistentRef:
    """A parsed ``kSecValuePersistentRef`` (§L.1): class plus UUID (20-byte form) or rowid (12-byte form)."""

    item_class: str
    uuid: bytes | None = None
    rowid: int | None = None

    @classmethod
    def parse(cls, data: Any) -> PersistentRef:
        if not isinstance(data, bytes):
            raise Reject(OSStatus.errSecParam, "kSecValuePersistentRef must be data", key="v_PersistentRef")
        if data.startswith(b"tkpr"):
            raise NotModeledError("v_PersistentRef", hint="token persistent references (tkpr) are not modelled")
        item_class = data[:4].decode("ascii", "replace")
        if item_class not in (*ALL_CLASSES, "apls"):
            raise Reject(
                OSStatus.errSecParam,
                f"kSecValuePersistentRef names class {item_class!r}, not one of genp/inet/cert/keys/idnt",
                key="v_PersistentRef",
            )
        if len(data) == 20:
            return cls(item_class, uuid=data[4:])
        if len(data) == 12:
            return cls(item_class, rowid=int.from_bytes(data[4:], "big"))
        raise Reject(
            OSStatus.errSecParam,
            f"kSecValuePersistentRef of {len(data)} bytes is neither the 20-byte UUID form nor the 12-byte rowid form",
            key="v_PersistentRef",
        )

    def to_bytes(self) -> bytes:
        if self.uuid is not None:
            return self.item_class.encode() + self.uuid
        assert self.rowid is not None
        return self.item_class.encode() + self.rowid.to_bytes(8, "big")


@dataclass
class Query:
    """A parsed dictionary. ``attrs`` are the caller's attribute terms, coerced; implicit predicates
    (sync, tombstone, groups) are kept apart so that explain can tell them from what the caller wrote."""

    op: str
    item_class: str
    source: dict[str, Any]
    attrs: dict[str, Any] = field(default_factory=dict)
    sync: Any = None  # None: not given; 0 / 1; "any"
    tomb_given: bool = False
    match: dict[str, Any] = field(default_factory=dict)
    limit: int | None = 1
    limit_given: bool = False
    returns: frozenset[str] = frozenset()
    return_keys_present: bool = False
    data: bytes | None = None
    data_given: bool = False
    persistent_ref: PersistentRef | None = None
    use: dict[str, Any] = field(default_factory=dict)
    dp_flag: bool | None = None
    auth_ui: str | None = None
    ignored: list[str] = field(default_factory=list)

    def with_attrs(self, attrs: dict[str, Any], source: dict[str, Any]) -> Query:
        """This query with other attribute values under the same keys (how a compiled query of the same
        shape is reused); everything else is shared, as a parsed query is never changed."""
        clone = object.__new__(Query)  # dataclasses.replace() would run __init__, costlier than a lookup
        clone.__dict__ = fields = self.__dict__.copy()
        fields["attrs"], fields["source"] = attrs, source
        return clone

    @property
    def explicit_group(self) -> str | None:
        return self.attrs.get("agrp")

    @property
    def unlimited(self) -> bool:
        return self.limit is None

    @property
    def match_keys(self) -> list[str]:
        """Every kSecMatch key the caller gave, kSecMatchLimit included."""
        return (["m_Limit"] if self.limit_given else []) + list(self.match)


def attribute_for(item_class: str, key: str) -> Attr | None:
    if item_class == "idnt":
        return IDNT_ATTRIBUTES.get(key)
    schema = CLASSES.get(item_class)
    return schema.by_key.get(key) if schema else None


def resolve_class(dictionary: dict[str, Any]) -> str:
    """The class of a dictionary: kSecClass, else the prefix of a persistent ref (§E.1)."""
    given = dictionary.get("class")
    ref_class = None
    if "v_PersistentRef" in dictionary:
        ref_class = PersistentRef.parse(dictionary["v_PersistentRef"]).item_class
    if given is None and "class" not in dictionary:
        if ref_class is None:
            raise Reject(OSStatus.errSecParam, "the dictionary has no kSecClass", key="class")
        given = ref_class
    if not isinstance(given, str):
        raise Reject(OSStatus.errSecParam, f"kSecClass must be a string, got {given!r}", key="class")
    if given not in ALL_CLASSES:
        raise Reject(OSStatus.errSecNoSuchClass, f"kSecClass {given!r} is not a keychain item class", key="class")
    if ref_class is not None and ref_class != given:
        raise Reject(
            OSStatus.errSecNoSuchClass,
            f"kSecClass {given!r} disagrees with the persistent reference's class {ref_class!r}",
            key="class",
        )
    return given


def _parse_limit(value: Any) -> int | None:
    if value == "m_LimitOne" or (isinstance(value, int) and not isinstance(value, bool) and value == 1):
        return 1
    if value == "m_LimitAll":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        # -1 is kCFNotFound, the engine's "unlimited" (§A.17, inferred for other negatives too).
        return None if value < 0 else value
    raise Reject(
        OSStatus.errSecParam,
        f"kSecMatchLimit must be kSecMatchLimitOne, kSecMatchLimitAll or a number, got {value!r}",
        key="m_Limit",
    )


def _parse_match(query: Query, key: str, value: Any) -> None:
    if key == "m_Limit":
        query.limit = _parse_limit(value)
        query.limit_given = True
        return
    if key == "m_Issuers":
        if not isinstance(value, list | tuple):
            raise Reject(OSStatus.errSecParam, "kSecMatchIssuers must be an array of DER names", key=key)
        # SecDbQuery.c query_add_match(): each data entry is normalized; entries that do not normalize
        # are dropped, and with none left the key is ignored (§E.4).
        from keychainsim.crypto.names import normalize_issuer

        issuers = [n for v in value if isinstance(v, bytes) and (n := normalize_issuer(v)) is not None]
        if issuers:
            query.match[key] = issuers
        else:
            query.ignored.append(key)
    elif key == "m_ValidOnDate":
        if value is not None and not isinstance(value, datetime):
            raise Reject(OSStatus.errSecParam, "kSecMatchValidOnDate must be a date or NSNull", key=key)
        query.match[key] = value
    elif key == "m_TrustedOnly":
        if not isinstance(value, bool):
            raise Reject(OSStatus.errSecParam, "kSecMatchTrustedOnly must be a boolean", key=key)
        query.match[key] = value
    elif key == "m_Policy":
        if type(value).__name__ != "SecPolicy":  # SecItemAttributesPrepare(): must be a SecPolicyRef
            raise Reject(OSStatus.errSecParam, "kSecMatchPolicy must be a SecPolicy", key=key)
        query.match[key] = value
    elif key in ("m_EmailAddressIfPresent", "m_HostOrSubdomainOfHost"):
        if not isinstance(value, str):
            raise Reject(OSStatus.errSecParam, f"{key} must be a string", key=key)
        query.match[key] = value
    else:
        # Parsed as a match term and consumed by nothing (§E.4); it still counts as a match key for
        # SecItemUpdate / SecItemDelete / SecItemAdd.
        query.match[key] = value
        query.ignored.append(key)


def _parse_use(query: Query, key: str, value: Any) -> None:
    if key == "u_AuthUI":
        mode = AUTH_UI.get(value) if isinstance(value, str) else None
        if mode is None:
            raise Reject(OSStatus.errSecParam, f"kSecUseAuthenticationUI value {value!r} is not recognised", key=key)
        query.auth_ui = mode
        return
    if key in CLIENT_STRIPPED_USE_KEYS:
        return
    if key == "u_ItemList":
        query.use[key] = value
        return
    if key == "u_Tomb":
        raise NotModeledError(key, hint="kSecUseTombstones (SPI) is not modelled")
    if key in ("u_AuthCtx", "u_CredRef"):
        raise NotModeledError(key, hint="LocalAuthentication contexts are not modelled")
    if key in ("u_SystemKeychainAlways", "u_SystemKeychain", "u_SyncBubbleKeychain", "u_UserIndependentKeychain"):
        raise NotModeledError(key, hint="system, sync-bubble and user-independent keychains are not modelled")
    raise Reject(OSStatus.errSecParam, f"{key} is not a kSecUse key the keychain server accepts", key=key)


def parse(dictionary: dict[str, Any], op: str, *, key_limit: bool = True) -> Query:
    """Parse ``dictionary`` for ``op`` (``add``, ``copy``, ``update``, ``delete``); raises Reject.

    ``key_limit``: apply the data protection server's :data:`QUERY_KEY_LIMIT` (the macOS file-based
    keychain has none)."""
    item_class = resolve_class(dictionary)
    if key_limit:
        check_key_limit(item_class, dictionary)
    query = Query(op=op, item_class=item_class, source=dictionary, limit=1 if op == "copy" else None)
    for key, value in dictionary.items():
        if not isinstance(key, str):
            _refuse_key_type(key)
        if len(key) == 4:
            _parse_attribute(query, key, value)
            continue
        if key == "class":
            continue
        if len(key) <= 1:
            # query_applier(): a key that is not 4 long must have a family letter *and* a name.
            raise Reject(OSStatus.errSecParam, f"dictionary key {key!r} has an invalid length", key=key)
        family = key[0]
        if family == "c":
            raise Reject(OSStatus.errSecParam, f"{key!r} is not a class key", key=key)
        if family == "m":
            _parse_match(query, key, value)
        elif family == "r":
            if key not in RETURN_KEYS:
                raise Reject(OSStatus.errSecParam, f"{key!r} is not a kSecReturn key", key=key)
            if not isinstance(value, bool):
                raise Reject(
                    OSStatus.errSecParam, f"{key} must be a boolean (a number is rejected), got {value!r}", key=key
                )
            query.return_keys_present = True
            if value:
                query.returns = query.returns | {RETURN_KEYS[key]}
        elif family == "u":
            _parse_use(query, key, value)
        elif key == "v_Data":
            if not isinstance(value, bytes | bytearray):
                raise Reject(OSStatus.errSecParam, f"kSecValueData must be data, got {type(value).__name__}", key=key)
            query.data = bytes(value)
            query.data_given = True
        elif key == "v_PersistentRef":
            query.persistent_ref = PersistentRef.parse(value)
        elif key == "v_Ref":
            raise Reject(OSStatus.errSecParam, f"kSecValueRef of type {type(value).__name__} is not supported", key=key)
        elif family == "f":
            continue
        else:
            raise Reject(OSStatus.errSecParam, f"{key!r} is not a key the keychain accepts", key=key)
    return query


def _refuse_key_type(key: Any) -> None:
    """``query_applier()`` for a key that is not a CFString: a CFNumber is looked up as an attribute and is
    never found (``SecDbAttrWithKey()``: errSecNoSuchAttr); any other type is errSecItemInvalidKeyType,
    which ``SecBasePriv.h`` defines as errSecParam."""
    if isinstance(key, int | float) and not isinstance(key, bool):
        raise Reject(OSStatus.errSecNoSuchAttr, f"dictionary key {key!r} is a number, not an attribute", key=repr(key))
    raise Reject(
        OSStatus.errSecParam,
        f"dictionary key {key!r} ({_cf_name(key)}) is neither a string nor a number",
        key=repr(key),
    )


def _cf_name(value: Any) -> str:
    """The CF type a Python key stands for, for messages (api-contract: CF types map to Python)."""
    names = {bool: "CFBoolean", type(None): "NSNull", bytes: "CFData", datetime: "CFDate", tuple: "CFArray"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _parse_attribute(query: Query, key: str, value: Any) -> None:
    if key == "nleg":
        query.dp_flag = bool(value) if isinstance(value, bool | int) else None
        return
    if key == "clip":
        raise Reject(OSStatus.errSecParam, "kSecAttrAppClipItem ('clip') is internal and may not be passed", key=key)
    if key == "dspk":
        raise Reject(OSStatus.errSecMissingEntitlement, "'dspk' needs a private entitlement", key=key)
    attr = attribute_for(query.item_class, key)
    if attr is None:
        raise Reject(
            OSStatus.errSecNoSuchAttr,
            f"{key!r} is not an attribute of class {query.item_class!r}",
            key=key,
        )
    if key == "sync":
        if value == "syna":
            query.sync = "any"
            return
        query.sync = coerce(attr, value)
        return
    if key == "tomb":
        query.tomb_given = True
    query.attrs[key] = coerce(attr, value)


CF_TYPES: tuple[type, ...] = (
    type(None),
    bool,
    int,
    float,
    str,
    bytes,
    bytearray,
    memoryview,
    datetime,
    uuid.UUID,
    list,
    tuple,
    dict,
    SecAccessControl,
    SecKeychainItem,
)


_EXACT_CF_TYPES = frozenset(CF_TYPES)


def plain_dictionary(value: Any) -> bool:
    """Whether ``value`` is a dict whose values all have exactly a CF counterpart type (the common case,
    decided without a Python loop; anything else goes through :func:`check_python_types`)."""
    return type(value) is dict and _EXACT_CF_TYPES.issuperset(map(type, value.values()))


def check_python_types(dictionary: Any, what: str, ref_types: tuple[type, ...] = ()) -> None:
    """Python-level misuse: raise TypeError naming the key when a value has no CF counterpart."""
    if not isinstance(dictionary, dict):
        raise TypeError(f"{what} must be a dict, got {type(dictionary).__name__}")
    if _EXACT_CF_TYPES.issuperset(map(type, dictionary.values())):
        return
    allowed = CF_TYPES + ref_types
    for key, value in dictionary.items():
        if type(value) not in _EXACT_CF_TYPES and not isinstance(value, allowed):
            raise TypeError(
                f"{what}[{key!r}]: a {type(value).__name__} has no CF counterpart "
                "(use str, bytes, int, bool, float, datetime, list, dict, None or a Sec* object)"
            )
