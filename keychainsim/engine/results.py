"""What a caller gets back: the result shapes of SecItemCopyMatching and SecItemAdd (§E.6, §D.5, §H.4).

The server returns raw rows and the client library reshapes them (``SecItem.m:
SecItemResultCopyPrepared()``); the shape depends only on which kSecReturn keys the caller set.
"""

from __future__ import annotations

from typing import Any

from keychainsim.model import token_items
from keychainsim.model.access_control import VALID_PROTECTIONS, SecAccessControl
from keychainsim.model.item import FILE, Item
from keychainsim.model.keychain_item import SecKeychainItem
from keychainsim.schema import CLASSES

STRIPPED_FROM_ATTRIBUTES = ("persistref", "UUID", "clip", "v_Data")
"""Never in a returned attribute dictionary (``SecItemDb.c: handle_result()``; KeychainAPITests
``testSecItemCopyMatchingDoesNotReturnPersistRefs``)."""


def _returned(flag: str) -> dict[str, frozenset[str]]:
    return {
        name: frozenset(a.key for a in schema.attributes if flag in a.flags and a.key not in STRIPPED_FROM_ATTRIBUTES)
        for name, schema in CLASSES.items()
    }


RETURNED_BY_COPY = _returned("R")
"""Per class, the attributes a CopyMatching attribute dictionary may hold (R flag, §C.7)."""
RETURNED_BY_ADD = _returned("A")
"""Per class, the attributes SecItemAdd's attribute dictionary may hold (A-flag mask, §D.5)."""


_PLAIN_ACCESS_CONTROL = {p: SecAccessControl(p) for p in VALID_PROTECTIONS}
"""The access control a protection class alone stands for (immutable, so one per class)."""


def attributes_for_copy(item: Item) -> dict[str, Any]:
    """§C.7: every R-flagged attribute the item has, plus ``accc`` synthesized from its protection."""
    out = item.project(RETURNED_BY_COPY[item.item_class])
    if "accc" not in out and item.keychain == "dp":
        protection = item.get("pdmn", "ak")
        out["accc"] = _PLAIN_ACCESS_CONTROL.get(protection) or SecAccessControl(protection)
    return out


def attributes_for_add(item: Item) -> dict[str, Any]:
    """§D.5: SecItemAdd's attribute dictionary uses the A-flag mask, so ``tomb`` and ``musr`` are missing
    and ``accc`` appears only when the caller passed one (inferred from ``SecDbItemCopyResult()``)."""
    return item.project(RETURNED_BY_ADD[item.item_class])


def item_data(item: Item) -> bytes | None:
    """What a caller gets as the item's kSecValueData: its data, or for a token item the data its data
    field carries, if any (``SecItemResultCopyPrepared()`` parses a token item's data field)."""
    data = item.get("v_Data")
    if data is not None and item.get("tkid") is not None:  # token_items.is_token_item, without the view
        value = token_items.value_copy(data)
        if value is not None:
            return value.data
    return data


def with_token_access_control(attributes: dict[str, Any], item: Item) -> dict[str, Any]:
    """A token item reports the token's access control, kept in its data field, as kSecAttrAccessControl
    (``SecItemResultCopyPrepared()``); any other item's attributes are returned as they are."""
    if item.get("tkid") is not None:  # token_items.is_token_item, without the view
        value = token_items.value_copy(item.get("v_Data"))
        if value is not None and value.access_control is not None:
            attributes["accc"] = value.access_control
    return attributes


def persistent_ref(item_class: str, item: Item) -> bytes:
    """§L.1: four class bytes and the 16-byte UUID; the 12-byte rowid form for a row without a UUID."""
    if len(item.persistref) == 16:
        return item_class.encode() + item.persistref
    return item_class.encode() + item.rowid.to_bytes(8, "big")


class ResultRow:
    """One matched row, able to give each part of a result: attributes, data, ref, persistent ref."""

    __slots__ = ("item", "platform")

    def __init__(self, item: Item, platform: str = "ios") -> None:
        self.item = item
        self.platform = platform

    @property
    def item_class(self) -> str:
        return self.item.item_class

    def attributes(self, for_add: bool = False, with_secret_parts: bool = False) -> dict[str, Any]:
        out = attributes_for_add(self.item) if for_add else attributes_for_copy(self.item)
        return with_token_access_control(out, self.item)

    def data(self) -> bytes | None:
        return item_data(self.item)

    def persistent_ref(self) -> bytes:
        return persistent_ref(self.item_class, self.item)

    def ref(self) -> Any:
        """SecCertificate / SecKey for cert / keys rows; for passwords None on iOS (no ref type, §E.6) and a
        SecKeychainItem handle on macOS (KeychainAPITests ``testGenpReturnRef``, macOS branch)."""
        if self.platform == "macos" and self.item_class in ("genp", "inet"):
            return SecKeychainItem(self.item_class, self.item.keychain, self.item.persistref)
        if self.item_class == "cert":
            from keychainsim.crypto import SecCertificate

            return SecCertificate._from_keychain(self.item.attrs)
        if self.item_class == "keys":
            from keychainsim.crypto import SecKey

            return SecKey._from_keychain(token_items.ref_attributes(self.item.attrs), self.item.keychain == FILE)
        return None

    def raw_extras(self, returns: frozenset[str]) -> dict[str, Any]:
        """Raw keys a Ref-carrying dictionary keeps (§E.6 last row, inferred from ``handle_result()``)."""
        extras: dict[str, Any] = {}
        if "UUID" in self.item.attrs:
            extras["UUID"] = self.item.attrs["UUID"]
        if "attributes" not in returns and self.item.persistref:
            extras["persistref"] = self.item.persistref
        return extras


ONLY_ATTRIBUTES = frozenset({"attributes"})
ONLY_DATA = frozenset({"data"})
ONLY_PERSISTENT_REF = frozenset({"persistent_ref"})
ONLY_REF = frozenset({"ref"})


def element(row: ResultRow, returns: frozenset[str], for_add: bool = False) -> Any:
    """The per-item result for the caller's return flags (§E.6 table; §D.5 for SecItemAdd, both corrected).

    ``SecItem.m: SecItemResultCopyPrepared()`` builds every dictionary result as a copy of the raw server
    row. In SecItemCopyMatching, data with a persistent ref therefore carries the attributes too: the
    client asks the server for attributes whenever data is wanted without them (``SecItemCopyMatching``),
    and ``kSecAttrAccessControl`` stays the serialized data the row holds, since it becomes a
    SecAccessControl only when attributes or a ref are asked for. SecItemAdd adds no such flag, and the
    server's add result (``SecItemDb.c: SecDbItemCopyResult()``) holds attributes only for kSecReturnAttributes
    or kSecReturnRef: data with a persistent ref gives exactly ``{v_Data, v_PersistentRef}``.
    """
    if not returns:
        return None
    if returns == ONLY_ATTRIBUTES:
        return row.attributes(for_add=for_add)
    if returns == ONLY_DATA:
        data = row.data()
        return (data if data is not None else b"") if for_add else data
    if returns == ONLY_PERSISTENT_REF:
        return row.persistent_ref()
    if returns == ONLY_REF:
        return row.ref()
    if "ref" in returns:
        out: dict[str, Any] = {"class": row.item_class}
        out.update(row.attributes(for_add=for_add, with_secret_parts=True))
        ref = row.ref()
        if ref is not None:
            out["v_Ref"] = ref
        # SecItemResultCopyPrepared() keeps the decrypted data when a ref was asked for, and drops it
        # only after building a ref the caller did not want data with: a password (no ref type on
        # iOS) keeps its v_Data.
        if row.data() is not None and ("data" in returns or ref is None):
            out["v_Data"] = row.data()
        if "persistent_ref" in returns:
            out["v_PersistentRef"] = row.persistent_ref()
        if not for_add:
            out.update(row.raw_extras(returns))
        return out
    if "attributes" in returns:
        out = row.attributes(for_add=for_add, with_secret_parts="data" in returns)
    elif for_add:
        out = {}
    else:
        out = row.attributes(with_secret_parts=True)
        access = out.get("accc")
        if isinstance(access, SecAccessControl):
            out["accc"] = access.to_data()
    if "data" in returns and row.data() is not None:
        out["v_Data"] = row.data()
    if "persistent_ref" in returns:
        out["v_PersistentRef"] = row.persistent_ref()
    return out


def shape(rows: list[ResultRow], returns: frozenset[str], single: bool) -> Any:
    """A single element for limit one, else an array without the elements that came out None."""
    if single:
        return element(rows[0], returns) if rows else None
    elements = [element(r, returns) for r in rows]
    return [e for e in elements if e is not None]
