"""A stored keychain item: one row of one class table, in one keychain implementation."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from keychainsim.model.values import kind_default, match_key
from keychainsim.schema import CLASSES, ItemClass

DP = "dp"
"""The data protection keychain: the only one on iOS, opt-in on macOS (TN3137)."""
FILE = "file"
"""The macOS file-based keychain, reached through the SecItem shim (reference secitem-engine.md §M)."""

FILE_PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "genp": ("acct", "svce"),
    "inet": ("acct", "sdmn", "srvr", "ptcl", "atyp", "port", "path"),
    "cert": ("ctyp", "issr", "slnr"),
    "keys": ("klbl", "atag", "crtr", "type", "bsiz", "esiz", "sdat", "edat"),
}
"""Uniqueness in the macOS file-based keychain: no access group, no sync (§M.4, from
``OSX/libsecurity_cdsa_utilities/lib/Schema.m4`` and ``KeySchema.m4``)."""


@dataclass(frozen=True, eq=False)
class Item:
    """An item as stored: coerced attribute values by raw key, including ``v_Data`` and ``persistref``.

    Items are values: an update builds a new Item with the same rowid. Unset attributes are absent
    (SQL NULL), which is not the same as an empty value.
    """

    rowid: int
    item_class: str
    keychain: str
    attrs: Mapping[str, Any]
    _keys: dict[str, Hashable] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.attrs, MappingProxyType):
            object.__setattr__(self, "attrs", MappingProxyType(dict(self.attrs)))

    @property
    def schema(self) -> ItemClass:
        return CLASSES[self.item_class]

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def key_of(self, key: str) -> Hashable | None:
        """The match key of attribute ``key`` (None when unset), cached: the matcher asks often."""
        cached = self._keys.get(key)
        if cached is None and key in self.attrs:
            attr = self.schema.by_key[key]
            cached = match_key(attr, self.attrs[key])
            self._keys[key] = cached
        return cached

    @property
    def is_tombstone(self) -> bool:
        return bool(self.attrs.get("tomb", 0))

    @property
    def persistref(self) -> bytes:
        return self.attrs.get("persistref", b"")

    def unique_key(self) -> tuple[Hashable, ...]:
        """The uniqueness tuple, with missing members replaced by their kind's default (§C.3)."""
        schema = self.schema
        names = schema.primary_key if self.keychain == DP else FILE_PRIMARY_KEYS[self.item_class]
        out = []
        for name in names:
            attr = schema.by_key[name]
            value = self.attrs.get(name)
            out.append(match_key(attr, kind_default(attr.kind) if value is None else value))
        return tuple(out)

    # The matcher's Row protocol: a stored item answers every question about itself.
    def term_item(self, key: str) -> Item:
        return self

    @property
    def group_items(self) -> tuple[Item, ...]:
        return (self,)

    @property
    def state_item(self) -> Item:
        return self

    @property
    def ref_item(self) -> Item:
        return self

    def with_attrs(self, attrs: Mapping[str, Any]) -> Item:
        return Item(self.rowid, self.item_class, self.keychain, attrs)
