"""The in-memory tables: items by row id, the uniqueness index and per-attribute indexes.

Apple's keychain is SQLite with a UNIQUE constraint per class and indexes on the I-flagged columns
(§C.1, §C.3). This is the same shape in memory: a lookup by an indexed attribute touches only the rows
with that value, and the matcher then decides on those rows alone. Row order is insertion (rowid) order,
the order a full-table scan returns (§E.7).

An index maps a column's match key to the rows holding it. Most values of an indexed column belong to one
row (an account, a persistent reference, a digest), so a value maps to that row's id itself, and only a
value shared by several rows maps to a set of ids: a set per row would cost more than the row.

A database read from a store (:meth:`Database.from_state`) builds each index on its first use instead of
up front: a process that opens a store of 10,000 items to answer one query reads every row, but its query
reads one or two columns. An index built late holds exactly what one kept up to date from the first row on
would hold (buckets are filed by row id, whatever the order they are met in), and from then on ``put`` and
``remove`` keep it in step.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left
from collections.abc import Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass, field

from keychainsim.model.item import Item
from keychainsim.model.values import kind_default, match_key
from keychainsim.schema import CLASSES
from keychainsim.store.state import DeviceState, KeychainState, StoredItem

TableKey = tuple[str, str]  # (keychain, item class)
Bucket = int | list[int]
"""The rows holding one value of an indexed column: a row id, or the ascending list of them when several
share it (kept in order, as an SQLite index is, so a lookup never sorts and the first rows come first)."""

INDEXED_EXTRA = ("labl",)
"""Indexed here although not I-flagged in Apple's schema: kSecAttrLabel is how apps find certificates and
identities, and the identity join narrows by it."""

UNIQUENESS_PROBES: dict[str, tuple[str, ...]] = {
    "genp": ("acct", "svce"),
    "inet": ("acct", "srvr"),
    "cert": ("slnr", "issr"),
    "keys": ("klbl", "atag"),
}
"""Per class, indexed columns that are part of the uniqueness tuple in both keychain implementations
(``schema.primary_key`` and ``FILE_PRIMARY_KEYS``): a row with the same tuple has the same value in each,
so the smallest of their buckets holds every row an add could collide with. Their indexes file a row
without the column under the column's default, as the uniqueness check compares it (§C.3)."""

INDEXED_KEYS: dict[str, tuple[str, ...]] = {
    name: tuple(a.key for a in schema.attributes if a.indexed or a.key in INDEXED_EXTRA)
    for name, schema in CLASSES.items()
}
"""Per class, the columns the database keeps an index on."""


def bucket_rows(bucket: Bucket | None) -> Collection[int]:
    """The row ids of an index bucket (none for a value no row holds)."""
    if bucket is None:
        return ()
    if type(bucket) is int:
        return (bucket,)
    return bucket  # type: ignore[return-value]


def _index_entries(item: Item) -> list[tuple[str, Hashable]]:
    """(column, match key) for every index the item belongs in: the indexed columns it has, and each
    uniqueness probe column it lacks under that column's default."""
    item_class = item.item_class
    entries = item.keys_of(INDEXED_KEYS[item_class])
    for column in item.lacks(UNIQUENESS_PROBES[item_class]):
        entries.append((column, _probe_key(item, column)))
    return entries


def _probe_key(item: Item, column: str) -> Hashable:
    """The match key a uniqueness probe column files ``item`` under: its value, else the default."""
    value = item.key_of(column)
    if value is None:
        attr = CLASSES[item.item_class].by_key[column]
        value = match_key(attr, kind_default(attr.kind))
    return value


class _Unbuilt(dict):  # type: ignore[type-arg]
    """The marker of an index not built yet (see the module docstring); never holds anything."""

    def __setitem__(self, key: object, value: object) -> None:
        raise TypeError("an unbuilt index is built by Database._build, never written")


UNBUILT: dict[Hashable, Bucket] = _Unbuilt()
"""Stands, in ``Database.index``, for an index that is built on its first use."""

_UNSET = object()


def _add(bucket_map: dict[Hashable, Bucket], value: Hashable, rowid: int) -> None:
    bucket = bucket_map.get(value)
    if bucket is None:
        bucket_map[value] = rowid
    elif type(bucket) is int:
        if bucket != rowid:
            bucket_map[value] = [bucket, rowid] if bucket < rowid else [rowid, bucket]
    elif rowid > bucket[-1]:  # type: ignore[index]
        bucket.append(rowid)  # type: ignore[union-attr]  # a new row: the usual case
    else:
        position = bisect_left(bucket, rowid)  # type: ignore[arg-type]
        if position == len(bucket) or bucket[position] != rowid:  # type: ignore[index,arg-type]
            bucket.insert(position, rowid)  # type: ignore[union-attr]


def _discard(bucket_map: dict[Hashable, Bucket], value: Hashable, rowid: int) -> None:
    bucket = bucket_map.get(value)
    if bucket is None:
        return
    if type(bucket) is int:
        if bucket == rowid:
            del bucket_map[value]
        return
    position = bisect_left(bucket, rowid)  # type: ignore[arg-type]
    if position < len(bucket) and bucket[position] == rowid:  # type: ignore[index,arg-type]
        del bucket[position]  # type: ignore[union-attr]
    if len(bucket) == 1:  # type: ignore[arg-type]
        bucket_map[value] = bucket[0]  # type: ignore[index]


@dataclass
class Database:
    """Every item of every class in both keychain implementations, with the device state."""

    rows: dict[TableKey, dict[int, Item]] = field(default_factory=dict)
    index: dict[TableKey, dict[str, dict[Hashable, Bucket]]] = field(default_factory=dict)
    """Per table, per indexed column (every one of ``INDEXED_KEYS``, empty until a row holds it), the
    rows by match key; :data:`UNBUILT` for one not built yet (see the module docstring)."""
    next_rowid: int = 1
    device: DeviceState = field(default_factory=DeviceState)
    clock_ms: int = 0
    changes: int = 0
    """Mutation counter: a store saves only when it moved."""
    examined: int = 0
    """Rows handed to the matcher by index lookups and scans: how tests see that a lookup used an index
    (a full scan of N rows adds N, an index probe adds the rows sharing the value)."""
    touched: set[tuple[TableKey, int]] | None = None
    """Rows put or removed while a file store tracks them (its transaction journals just those)."""

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
        item_class = item.item_class
        tkey = (item.keychain, item_class)
        table = self.rows.get(tkey)
        if not table:
            return None
        smallest: Collection[int] | None = None
        for column in UNIQUENESS_PROBES[item_class]:
            rows = bucket_rows(self._bucket_map(tkey, column).get(_probe_key(item, column)))
            if smallest is None or len(rows) < len(smallest):
                smallest = rows
        key = item.unique_key()
        for rowid in smallest or ():
            row = table[rowid]
            if row.unique_key() == key:
                return row
        return None

    def by_ref(self, uuid: bytes) -> Item | None:
        """The row whose persistent reference is ``uuid``, through each table's persistref index."""
        for tkey in self.index:
            for rowid in bucket_rows(self._bucket_map(tkey, "persistref").get(uuid)):
                self.examined += 1
                return self.rows[tkey][rowid]
        return None

    def lookup(self, keychain: str, item_class: str, key: str, wanted: Hashable) -> list[Item] | None:
        """The rows whose indexed column ``key`` has match key ``wanted``, in rowid order; None when the
        column has no index here (the caller then scans)."""
        if key not in INDEXED_KEYS.get(item_class, ()):
            return None
        tkey = (keychain, item_class)
        if tkey not in self.index:
            return []
        rowids = bucket_rows(self._bucket_map(tkey, key).get(wanted))
        table = self.rows[(keychain, item_class)]
        self.examined += len(rowids)
        return [table[r] for r in rowids]

    def candidates(self, keychain: str, item_class: str, terms: Iterable[tuple[str, Hashable]]) -> list[Item]:
        """Rows that can satisfy ``terms``: the smallest index bucket among indexed terms, else all rows.

        Pruning by an index only removes rows whose value for that attribute differs, which the matcher
        would reject anyway; the verdict stays the matcher's.
        """
        narrowed = self.narrowed(keychain, item_class, terms)
        if narrowed is not None:
            return narrowed
        table = self.rows.get((keychain, item_class), {})
        self.examined += len(table)
        return list(table.values())

    def narrowed(self, keychain: str, item_class: str, terms: Iterable[tuple[str, Hashable]]) -> list[Item] | None:
        """The rows of the smallest index bucket among the indexed ``terms``, in rowid order; None when no
        term names an indexed column (only a scan can answer then)."""
        tkey = (keychain, item_class)
        table = self.rows.get(tkey)
        if not table:
            return []
        columns = self.index[tkey]
        best: list[int] | None = None
        for key, wanted in terms:
            bucket_map = columns.get(key)
            if bucket_map is None:
                continue  # no index on this column
            if bucket_map is UNBUILT:  # _bucket_map() inline: this is every lookup's path
                bucket_map = self._build(tkey, key)
            bucket = bucket_map.get(wanted)
            if bucket is None:
                return []
            if type(bucket) is int:
                self.examined += 1
                return [table[bucket]]  # type: ignore[index]
            if best is None or len(bucket) < len(best):  # type: ignore[arg-type]
                best = bucket  # type: ignore[assignment]
        if best is None:
            return None
        self.examined += len(best)
        return [table[r] for r in best]

    def neighbours(
        self, keychain: str, item_class: str, terms: Iterable[tuple[str, Hashable]], limit: int
    ) -> list[Item]:
        """At most ``limit`` rows sharing indexed values with ``terms``, those sharing the most first
        (then in rowid order); the first rows of the table when no term is indexed or none is shared.

        These are the near misses worth explaining: a row that differs from the query in every indexed
        attribute is not the item the caller was looking for, and the rows that share the most values
        (those excluded only by an implicit predicate share them all) are the ones to show first.

        The work is bounded by the index, not by the table: a row sharing two or more values lies in
        some bucket other than the largest, so only those smaller buckets are scored, value by value;
        the largest bucket, whose other rows share one value each, is read from its start (buckets are
        in rowid order) only as far as the rows it may contribute.
        """
        tkey = (keychain, item_class)
        table = self.rows.get(tkey, {})
        columns = self.index.get(tkey, {})
        wanted: list[tuple[str, Hashable]] = []
        buckets: list[Collection[int]] = []
        for key, value in terms:
            if key not in columns:
                continue
            wanted.append((key, value))
            rows = bucket_rows(self._bucket_map(tkey, key).get(value))
            if rows:
                buckets.append(rows)
        if not buckets:
            self.examined += min(limit, len(table))
            return list(itertools.islice(table.values(), limit))
        buckets.sort(key=len)
        largest = buckets.pop()
        scored: set[int] = set().union(*buckets) if buckets else set()
        self.examined += len(scored)

        def shared(rowid: int) -> int:
            item = table[rowid]
            return sum(1 for key, value in wanted if item.key_of(key) == value)

        ranked = heapq.nsmallest(limit, ((-shared(r), r) for r in scored))
        if len(ranked) < limit or ranked[-1][0] == -1:
            # rows sharing one value: the first of the largest bucket (in rowid order) can displace them
            rest = list(itertools.islice((r for r in largest if r not in scored), limit))
            self.examined += len(rest)
            ranked = heapq.nsmallest(limit, ranked + [(-1, r) for r in rest])
        return [table[r] for _, r in ranked]

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
        table = self.rows.get(tkey)
        if table is None:
            table = self.rows[tkey] = {}
            self.index[tkey] = {column: {} for column in INDEXED_KEYS[item.item_class]}
        old = table.get(item.rowid)
        if old is not None:
            self._unindex(old)
        table[item.rowid] = item
        self._index(item)
        self.changes += 1
        if item.rowid >= self.next_rowid:
            self.next_rowid = item.rowid + 1
        if self.touched is not None:
            self.touched.add((tkey, item.rowid))

    def remove(self, item: Item) -> None:
        table = self.rows.get((item.keychain, item.item_class), {})
        old = table.pop(item.rowid, None)
        if old is not None:
            self._unindex(old)
            self.changes += 1
            if self.touched is not None:
                self.touched.add(((item.keychain, item.item_class), item.rowid))

    def _index(self, item: Item) -> None:
        columns = self.index[(item.keychain, item.item_class)]
        for key, value in _index_entries(item):
            bucket_map = columns[key]
            if bucket_map is not UNBUILT:
                _add(bucket_map, value, item.rowid)

    def _unindex(self, item: Item) -> None:
        columns = self.index[(item.keychain, item.item_class)]
        for key, value in _index_entries(item):
            bucket_map = columns[key]
            if bucket_map is not UNBUILT:
                _discard(bucket_map, value, item.rowid)

    def _bucket_map(self, tkey: TableKey, column: str) -> dict[Hashable, Bucket]:
        """The index of ``column`` in table ``tkey`` (an indexed column of an existing table), built now if
        no lookup needed it before."""
        bucket_map = self.index[tkey][column]
        return self._build(tkey, column) if bucket_map is UNBUILT else bucket_map

    def _build(self, tkey: TableKey, column: str) -> dict[Hashable, Bucket]:
        """Build the index of ``column`` in table ``tkey`` from its rows, now that a lookup needs it.

        Each row is filed as :func:`_index_entries` files it (by the match key of its value, or under the
        column's default for a uniqueness probe column the row lacks), and :func:`_add` keeps every bucket
        in row id order whatever the order rows are met in: the index is the one ``put`` would have kept
        from the first row on.
        """
        attr = CLASSES[tkey[1]].by_key[column]
        default = match_key(attr, kind_default(attr.kind)) if column in UNIQUENESS_PROBES[tkey[1]] else _UNSET
        bucket_map: dict[Hashable, Bucket] = {}
        for rowid, item in self.rows[tkey].items():
            value = item.get(column, _UNSET)
            key = default if value is _UNSET else match_key(attr, value)
            if key is _UNSET:
                continue  # the row has no value here, and the column is no uniqueness probe
            if key in bucket_map:
                _add(bucket_map, key, rowid)
            else:
                bucket_map[key] = rowid
        self.index[tkey][column] = bucket_map
        return bucket_map

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
        """The database holding ``state``, its indexes left to be built on first use (module docstring):
        the same rows, counters and answers as putting each item in turn."""
        db = cls(next_rowid=state.next_rowid, clock_ms=state.clock_ms)
        db.device = DeviceState(state.device.unlocked, state.device.unlocked_since_boot, state.device.passcode_set)
        rows, index = db.rows, db.index
        for stored in state.items:
            tkey = (stored.keychain, stored.item_class)
            table = rows.get(tkey)
            if table is None:
                table = rows[tkey] = {}
                index[tkey] = dict.fromkeys(INDEXED_KEYS[stored.item_class], UNBUILT)
            table[stored.rowid] = Item(stored.rowid, stored.item_class, stored.keychain, stored.attrs)
            if stored.rowid >= db.next_rowid:
                db.next_rowid = stored.rowid + 1
        db.changes = len(state.items)
        db.next_rowid = max(db.next_rowid, state.next_rowid)
        return db
