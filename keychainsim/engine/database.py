"""The in-memory tables: items by row id, the uniqueness index and per-attribute indexes.

Apple's keychain is SQLite with a UNIQUE constraint per class and indexes on the I-flagged columns
(§C.1, §C.3). This is the same shape in memory: a lookup by an indexed attribute touches only the rows
with that value, and the matcher then decides on those rows alone. Row order is insertion (rowid) order,
the order a full-table scan returns (§E.7).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field

from keychainsim.model.item import Item
from keychainsim.store.state import DeviceState, KeychainState, StoredItem

TableKey = tuple[str, str]  # (keychain, item class)

INDEXED_EXTRA = ("agrp",)
"""Indexed here although not I-flagged in Apple's schema: every query filters on the access group."""


@dataclass
class Database:
    """Every item of every class in both keychain implementations, with the device state."""

    rows: dict[TableKey, dict[int, Item]] = field(default_factory=dict)
    unique: dict[TableKey, dict[tuple[Hashable, ...], int]] = field(default_factory=dict)
    index: dict[tuple[str, str, str], dict[Hashable, set[int]]] = field(default_factory=dict)
    by_persistref: dict[bytes, tuple[TableKey, int]] = field(default_factory=dict)
    next_rowid: int = 1
    device: DeviceState = field(default_factory=DeviceState)
    clock_ms: int = 0
    changes: int = 0
    """Mutation counter: a store saves only when it moved."""

    # -- reading ---------------------------------------------------------------------------------

    def table(self, keychain: str, item_class: str) -> dict[int, Item]:
        return self.rows.get((keychain, item_class), {})

    def all_items(self) -> Iterator[Item]:
        """Every row of every table, each table in rowid order."""
        for table in self.rows.values():
            yield from table.values()

    def get(self, keychain: str, item_class: str, rowid: int) -> Item | None:
        return self.table(keychain, item_class).get(rowid)

    def find_unique(self, item: Item) -> Item | None:
        """The row holding ``item``'s uniqueness tuple, if any (it may be a tombstone)."""
        rowid = self.unique.get((item.keychain, item.item_class), {}).get(item.unique_key())
        return None if rowid is None else self.get(item.keychain, item.item_class, rowid)

    def by_ref(self, uuid: bytes) -> Item | None:
        hit = self.by_persistref.get(uuid)
        return None if hit is None else self.rows[hit[0]].get(hit[1])

    def candidates(self, keychain: str, item_class: str, terms: Iterable[tuple[str, Hashable]]) -> Iterable[Item]:
        """Rows that can satisfy ``terms``: the smallest index bucket among indexed terms, else all rows.

        Pruning by an index only removes rows whose value for that attribute differs, which the matcher
        would reject anyway; the verdict stays the matcher's.
        """
        table = self.table(keychain, item_class)
        best: set[int] | None = None
        for key, wanted in terms:
            bucket = self.index.get((keychain, item_class, key))
            if bucket is None:
                continue
            rowids = bucket.get(wanted, set())
            if best is None or len(rowids) < len(best):
                best = rowids
                if not best:
                    break
        if best is None:
            return list(table.values())
        if len(best) == 1:
            return [table[r] for r in best]
        return [table[r] for r in sorted(best)]

    def neighbours(
        self, keychain: str, item_class: str, terms: Iterable[tuple[str, Hashable]], limit: int | None = None
    ) -> list[Item]:
        """Rows sharing indexed values with ``terms``, those sharing the most first (then in rowid order);
        every row when no term is indexed; at most ``limit`` rows.

        These are the near misses worth explaining: a row that differs from the query in every indexed
        attribute is not the item the caller was looking for, and the rows that share the most values
        (those excluded only by an implicit predicate share them all) are the ones to show first.
        """
        table = self.table(keychain, item_class)
        shared: dict[int, int] = {}
        indexed = False
        for key, wanted in terms:
            bucket = self.index.get((keychain, item_class, key))
            if bucket is None or key in INDEXED_EXTRA:  # a whole access group is no neighbourhood
                continue
            indexed = True
            for rowid in bucket.get(wanted, ()):
                shared[rowid] = shared.get(rowid, 0) + 1
        if not indexed or not shared:
            rows = list(table.values())
            return rows if limit is None else rows[:limit]
        ranked = sorted(shared, key=lambda r: (-shared[r], r))
        return [table[r] for r in (ranked if limit is None else ranked[:limit])]

    def has_live(self, item_class: str) -> bool:
        """Whether any keychain holds a non-tombstone item of the class."""
        return any(
            not item.is_tombstone
            for (_, cls), table in self.rows.items()
            if cls == item_class
            for item in table.values()
        )

    # -- writing ---------------------------------------------------------------------------------

    def new_rowid(self) -> int:
        rowid = self.next_rowid
        self.next_rowid += 1
        return rowid

    def put(self, item: Item) -> None:
        """Insert or replace the row ``item.rowid``; keeps every index in step."""
        tkey = (item.keychain, item.item_class)
        table = self.rows.setdefault(tkey, {})
        old = table.get(item.rowid)
        if old is not None:
            self._unindex(old)
        table[item.rowid] = item
        self._index(item)
        self.changes += 1
        self.next_rowid = max(self.next_rowid, item.rowid + 1)

    def remove(self, item: Item) -> None:
        table = self.rows.get((item.keychain, item.item_class), {})
        old = table.pop(item.rowid, None)
        if old is not None:
            self._unindex(old)
            self.changes += 1

    def _indexed_keys(self, item: Item) -> Iterator[str]:
        for attr in item.schema.attributes:
            if (attr.indexed or attr.key in INDEXED_EXTRA) and attr.key in item.attrs:
                yield attr.key

    def _index(self, item: Item) -> None:
        tkey = (item.keychain, item.item_class)
        self.unique.setdefault(tkey, {})[item.unique_key()] = item.rowid
        for key in self._indexed_keys(item):
            bucket = self.index.setdefault((item.keychain, item.item_class, key), {})
            bucket.setdefault(item.key_of(key), set()).add(item.rowid)
        if item.persistref:
            self.by_persistref[item.persistref] = (tkey, item.rowid)

    def _unindex(self, item: Item) -> None:
        tkey = (item.keychain, item.item_class)
        unique = self.unique.get(tkey, {})
        if unique.get(item.unique_key()) == item.rowid:
            del unique[item.unique_key()]
        for key in self._indexed_keys(item):
            bucket = self.index.get((item.keychain, item.item_class, key), {})
            rowids = bucket.get(item.key_of(key))
            if rowids is not None:
                rowids.discard(item.rowid)
                if not rowids:
                    del bucket[item.key_of(key)]
        if item.persistref and self.by_persistref.get(item.persistref) == (tkey, item.rowid):
            del self.by_persistref[item.persistref]

    def copy(self) -> Database:
        """A copy whose tables can change without touching this one (for all-or-nothing updates)."""
        return Database.from_state(self.to_state())

    # -- snapshot for the stores -----------------------------------------------------------------

    def to_state(self) -> KeychainState:
        items = [
            StoredItem(item.keychain, item.item_class, item.rowid, dict(item.attrs))
            for item in sorted(self.all_items(), key=lambda i: i.rowid)
        ]
        device = DeviceState(self.device.unlocked, self.device.unlocked_since_boot, self.device.passcode_set)
        return KeychainState(items=items, next_rowid=self.next_rowid, device=device, clock_ms=self.clock_ms)

    @classmethod
    def from_state(cls, state: KeychainState) -> Database:
        db = cls(next_rowid=state.next_rowid, clock_ms=state.clock_ms)
        db.device = DeviceState(state.device.unlocked, state.device.unlocked_since_boot, state.device.passcode_set)
        for stored in state.items:
            db.put(Item(stored.rowid, stored.item_class, stored.keychain, stored.attrs))
        db.next_rowid = max(db.next_rowid, state.next_rowid)
        return db
