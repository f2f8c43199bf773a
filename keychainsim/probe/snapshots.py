"""Snapshots of a keychain's items and the difference between two of them.

DTS's advice for a failing identity lookup is to dump after each step and compare; a :class:`Diff` is
that comparison done exactly: items added, removed, and each changed attribute with its old and new
value. Values are compared with their types (``"73"`` and ``73``, ``"tag"`` and ``b"tag"`` differ),
because a change of type is precisely the change that makes a later query miss.

Snapshots hold the engine's :class:`~keychainsim.model.item.Item` values themselves: items are immutable
(an update builds a new Item), so taking a snapshot copies nothing and an unchanged item is the very
same object in two snapshots, which makes diffing a long trace cheap.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from keychainsim.model.item import Item

if TYPE_CHECKING:
    from keychainsim.keychain import Keychain

ItemKey = tuple[str, str, int]
"""(keychain, class, rowid): how an item is known across snapshots."""


def key_of(item: Item) -> ItemKey:
    return (item.keychain, item.item_class, item.rowid)


@dataclass(frozen=True)
class Snapshot:
    """Every stored item at one moment, in row order, looked up by (keychain, class, rowid)."""

    items: tuple[Item, ...]
    _index: Mapping[ItemKey, Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", MappingProxyType({key_of(i): i for i in self.items}))

    @classmethod
    def of(cls, kc: Keychain) -> Snapshot:
        return cls(tuple(kc.all_items()))

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def get(self, key: ItemKey) -> Item | None:
        return self._index.get(key)

    def keys(self) -> tuple[ItemKey, ...]:
        return tuple(self._index)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: items with typed attributes; secrets as length and fingerprint only."""
        from keychainsim.probe.document import item_document

        return {"items": [item_document(i, "summarise") for i in self.items]}

    def __rich_repr__(self) -> Any:
        yield "items", len(self.items)


def snapshot(kc: Keychain) -> Snapshot:
    """An immutable snapshot of every item of ``kc`` (both macOS keychains, tombstones included)."""
    return Snapshot.of(kc)


def same_value(a: Any, b: Any) -> bool:
    """Equal value and equal type: ``1 == True`` and ``"x"`` vs ``b"x"`` are changes in a keychain."""
    return type(a) is type(b) and a == b


@dataclass(frozen=True)
class Change:
    """An item present in both snapshots whose attributes differ."""

    before: Item
    after: Item
    attributes: Mapping[str, tuple[Any, Any]]
    """attribute -> (old, new); None stands for "not set"."""

    @property
    def key(self) -> ItemKey:
        return key_of(self.after)


@dataclass(frozen=True, eq=False)
class Diff:
    """What changed from one snapshot to the next."""

    added: tuple[Item, ...] = ()
    removed: tuple[Item, ...] = ()
    changed: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, values typed as in a dump; secrets as length and fingerprint only."""
        from keychainsim.probe.document import item_document
        from keychainsim.probe.values import encode_secret, encode_value, is_secret

        def encode(item: Item, key: str, value: Any) -> Any:
            if value is None:
                return None
            if is_secret(item.item_class, key):
                return encode_secret(item.item_class, key, value)
            return encode_value(item.item_class, key, value)

        return {
            "added": [item_document(i, "summarise") for i in self.added],
            "changed": [
                {
                    "attributes": {
                        k: {"new": encode(c.after, k, new), "old": encode(c.before, k, old)}
                        for k, (old, new) in c.attributes.items()
                    },
                    "class": c.after.item_class,
                    "keychain": c.after.keychain,
                    "rowid": c.after.rowid,
                }
                for c in self.changed
            ],
            "removed": [item_document(i, "summarise") for i in self.removed],
        }

    def __eq__(self, other: object) -> bool:
        """Equal when the same items were added, removed and changed (a readable Diff equals its data)."""
        if not isinstance(other, Diff):
            return NotImplemented
        return (self.added, self.removed, self.changed) == (other.added, other.removed, other.changed)

    __hash__ = None  # type: ignore[assignment]


def diff(a: Snapshot, b: Snapshot) -> Diff:
    """Items added, removed and changed from ``a`` to ``b`` (each list in row order)."""
    if a is b:
        return Diff()
    added = tuple(i for i in b.items if key_of(i) not in a)
    removed = tuple(i for i in a.items if key_of(i) not in b)
    changed: list[Change] = []
    for after in b.items:
        before = a.get(key_of(after))
        if before is None or before is after:
            continue
        attributes = {
            k: (before.attrs.get(k), after.attrs.get(k))
            for k in _ordered_union(before.attrs, after.attrs)
            if not same_value(before.attrs.get(k), after.attrs.get(k))
        }
        if attributes:
            changed.append(Change(before, after, MappingProxyType(attributes)))
    return Diff(added, removed, tuple(changed))


def _ordered_union(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Keys of ``a`` in their order, then keys only ``b`` has: stable, so rendering is deterministic."""
    return [*a, *(k for k in b if k not in a)]
