"""The shape of a schema row: attribute kinds, flags and add-time defaults.

The flag letters are those of the comment block at the top of ``keychain/securityd/SecItemSchema.c``
(reference secitem-engine.md §C.1), reduced to the ones the model acts on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    """How a value of the attribute is coerced and compared (``SecDbItem.c`` copy* converters, §C.6)."""

    BLOB = "Blob"
    DATA = "Data"
    STRING = "String"
    ACCESS = "Access"
    NUMBER = "Number"
    SYNC = "Sync"
    TOMB = "Tomb"
    DATE = "Date"
    CREATION_DATE = "CreationDate"
    MODIFICATION_DATE = "ModificationDate"
    UUID = "UUID"
    SHA1 = "SHA1"
    ACCESS_CONTROL = "AccessControl"

    @property
    def is_date(self) -> bool:
        return self in (Kind.DATE, Kind.CREATION_DATE, Kind.MODIFICATION_DATE)

    @property
    def is_numeric(self) -> bool:
        return self in (Kind.NUMBER, Kind.SYNC, Kind.TOMB)


class Default(Enum):
    """What SecItemAdd stores when the caller leaves the attribute out (§C.4 "Default on add")."""

    NONE = "left unset (SQL NULL): never matches any query value"
    EMPTY_STRING = 'empty string ""'
    EMPTY_DATA = "empty data"
    ZERO = "number 0"
    DATE_ZERO = "date 0 (2001-01-01T00:00:00Z)"
    NOW = "now (a caller value is overwritten)"
    CALLER_GROUP = "the caller's default access group (the first of its list)"
    CLASS_PROTECTION = "the class default protection (cert: dk, others: ak)"
    CALLER_MUSR = "the caller's multi-user id (empty data for an ordinary app)"
    NEW_UUID = "a new random 16-byte UUID"
    SHA1_OF_ITEM = "SHA-1 over the item's attributes (computed)"


@dataclass(frozen=True)
class Attr:
    """One attribute of an item class.

    ``flags`` letters: P primary key (uniqueness), I indexed column, S the column stores SHA-1 of the
    value (matching is on the value's bytes), D secret data (returned only with kSecReturnData),
    R returned by SecItemCopyMatching with kSecReturnAttributes, A returned by SecItemAdd with
    kSecReturnAttributes.
    """

    key: str
    kind: Kind
    flags: str
    default: Default
    hashed: bool = field(init=False, repr=False, compare=False)
    """Flag S, kept as a field: every match key (each index entry, each query term) asks for it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "hashed", "S" in self.flags)

    @property
    def pk(self) -> bool:
        return "P" in self.flags

    @property
    def indexed(self) -> bool:
        return "I" in self.flags

    @property
    def secret(self) -> bool:
        return "D" in self.flags

    @property
    def in_copy_result(self) -> bool:
        return "R" in self.flags

    @property
    def in_add_result(self) -> bool:
        return "A" in self.flags


@dataclass(frozen=True)
class ItemClass:
    """A stored item class: its attributes in declaration order and its uniqueness tuple."""

    name: str
    source: str
    attributes: tuple[Attr, ...]
    by_key: dict[str, Attr] = field(init=False, repr=False, compare=False)
    primary_key: tuple[str, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {a.key: a for a in self.attributes})
        object.__setattr__(self, "primary_key", tuple(a.key for a in self.attributes if a.pk))

    def __contains__(self, key: object) -> bool:
        return key in self.by_key

    def attr(self, key: str) -> Attr | None:
        return self.by_key.get(key)
