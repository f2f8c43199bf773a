"""Where a keychain's items live between calls: in memory, or in a store file shared by processes.

Every SecItem call is one transaction. With a file store, the store's lock is held from reading to
writing so that two processes never lose each other's updates (style-anchors §E, tinydb rule 4). The
in-memory :class:`Database` is kept between calls and brought up to date from the journal records other
writers appended since (only that tail is read); a call that changed something appends one record with
the rows it touched, so a durable write costs the same whatever the number of items.

Threads: one Backend (one :class:`~keychainsim.Keychain` and every view of it from ``with_entitlements``)
may be shared by threads. Nesting is counted per thread, and the store's lock (or, in memory, this
object's lock) makes the other threads wait for the outermost transaction to end, so no thread ever
works on a half-changed database or skips a save. Two Backends on one store in one thread are another
matter: a call through the second inside the first's open transaction is refused at once with a
StorageError (:mod:`keychainsim.store.lock`), since it could only wait forever or write beneath it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from keychainsim.engine.database import Database
from keychainsim.model.item import Item
from keychainsim.model.stored import KEYCHAINS, columns_fit, misfit
from keychainsim.schema import CLASSES
from keychainsim.store.lock import LockWait
from keychainsim.store.state import Change, DeviceState, StoredItem


class Backend:
    """One device's keychain storage, shared by every :class:`~keychainsim.Keychain` view of it."""

    def __init__(
        self,
        store: str | Path | None = None,
        lock_timeout: float = 10.0,
        on_lock_wait: Callable[[LockWait], None] | None = None,
    ) -> None:
        self._db: Database | None = Database() if store is None else None
        self._store: Any = None
        self._position: Any = None
        self._local = threading.local()
        self._memory_lock = threading.RLock()
        self._in_memory = _Held(self._memory_lock, self._db)  # reusable: the lock is re-entrant
        if store is not None:
            from keychainsim.store.file import FileStore

            self._store = FileStore(
                Path(store), lock_timeout=lock_timeout, check=_fits, check_columns=columns_fit, on_wait=on_lock_wait
            )

    @property
    def in_memory(self) -> tuple[threading.RLock, Database] | None:
        """For an in-memory keychain, its lock and database (a call holds the one to use the other): the
        per-call path takes them directly instead of entering :meth:`transaction`; None with a store."""
        return None if self._store is not None else (self._memory_lock, self._db)  # type: ignore[return-value]

    @property
    def path(self) -> Path | None:
        return None if self._store is None else Path(self._store.path)

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Database]:
        """The database for one call, current and held for the duration (see :meth:`_file_transaction`).

        Args:
            write: the call may change the store. A reader (``write=False``) creates nothing on disk (no
                directory, lock file or store) and can read a store in a read-only directory; should it
                change something after all, it takes the lock then and writes only if nobody else did.
        """
        if self._store is None:
            return self._in_memory
        return self._file_transaction(write)

    def reading(self) -> AbstractContextManager[Database]:
        """:meth:`transaction` for a call that only reads."""
        return self.transaction(write=False)

    def create(self) -> int:
        """Make sure the store file exists (an empty store if it did not); the number of items in it."""
        with self._file_transaction(True) as db:
            held = self._local.session
            if held.position is not None and held.position.epoch == 0:
                held.append(Change({}, db.next_rowid, _device(db.device), db.clock_ms))
                self._position = held.position
            return sum(1 for _ in db.all_items())

    def reset(self, *, force: bool = False) -> str | None:
        """Replace the store with an empty keychain; an unreadable store only with ``force``, and then the
        replaced file is kept beside it: its path is returned (None otherwise)."""
        if self._store is None:
            with self._memory_lock:
                self._db = Database()
                self._in_memory = _Held(self._memory_lock, self._db)
            return None
        if not force:
            self._store.refuse_foreign_file()
        with self._store.locked() as _:
            self._db = self._position = None
            return self._store.reset(force=force)

    @contextmanager
    def _file_transaction(self, write: bool) -> Iterator[Database]:
        """The database, current and locked for the duration; its changes appended afterwards.

        Nested transactions (in the same thread) share the outer one, so ``with kc.transaction(): ...``
        batches many calls into one lock, one read and one write.
        """
        local = self._local
        depth = getattr(local, "depth", 0)
        if depth:
            local.depth = depth + 1
            try:
                assert self._db is not None
                yield self._db
            finally:
                local.depth = depth
            return
        self._store.refuse_foreign_file()
        with self._store.locked(create=write) as session:
            local.depth, local.session = 1, session
            try:
                db = self._current(session)
                db.touched = set()
                before = db.changes
                try:
                    yield db
                    if db.changes != before:
                        session.append(self._change(db))
                        self._position = session.position
                except BaseException:
                    if db.changes != before:
                        self._db = self._position = None  # never keep a half-changed or unsaved copy
                    raise
                finally:
                    db.touched = None
            finally:
                local.depth, local.session = 0, None

    def _current(self, session: Any) -> Database:
        """The database as the file now has it: the tail other writers appended, or a full read."""
        try:
            if self._db is not None and self._position is not None:
                changes = session.refresh(self._position)
                if changes is not None:
                    for change in changes:
                        _apply(self._db, change)
                    self._position = session.position
                    return self._db
            self._db = self._position = None
            with _collector_paused():
                self._db = Database.from_state(session.load())
            self._position = session.position
            return self._db
        except BaseException:
            self._db = self._position = None
            raise

    @staticmethod
    def _change(db: Database) -> Change:
        """The journal record for what this transaction did: every row it put or removed, and the state."""
        assert db.touched is not None
        items: dict[int, StoredItem | None] = {}
        for (keychain, item_class), rowid in sorted(db.touched, key=lambda touched: touched[1]):
            item = db.get(keychain, item_class, rowid)
            if item is not None:
                items[rowid] = StoredItem(item.keychain, item.item_class, item.rowid, dict(item.attrs))
            else:
                items.setdefault(rowid, None)
        return Change(items, db.next_rowid, _device(db.device), db.clock_ms)


class _Held:
    """The in-memory database held under the backend's lock (a class, not a generator: it is on every call)."""

    __slots__ = ("_db", "_lock")

    def __init__(self, lock: threading.RLock, db: Database | None) -> None:
        self._lock, self._db = lock, db

    def __enter__(self) -> Database:
        self._lock.acquire()
        assert self._db is not None
        return self._db

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def _apply(db: Database, change: Change) -> None:
    """Bring ``db`` up to date with one journal record another writer appended."""
    for rowid, stored in change.items.items():
        for keychain in KEYCHAINS:
            for item_class in CLASSES:
                old = db.get(keychain, item_class, rowid)
                if old is not None:
                    db.remove(old)
        if stored is not None:
            db.put(Item(stored.rowid, stored.item_class, stored.keychain, stored.attrs))
    db.next_rowid = change.next_rowid
    db.clock_ms = change.clock_ms
    db.device = _device(change.device)


def _device(device: DeviceState) -> DeviceState:
    return DeviceState(device.unlocked, device.unlocked_since_boot, device.passcode_set)


def _fits(stored: StoredItem) -> str | None:
    """The model's verdict on an item read from the store (see :mod:`keychainsim.model.stored`)."""
    return misfit(stored.keychain, stored.item_class, stored.attrs)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a store is read whole.

    A full read makes a few hundred thousand objects (the parsed JSON, then the items decoded from it), and
    the collector, triggered by allocations alone, would scan the growing heap again and again while they
    are made: over a hundred passes, older generations included, on a 10,000-item store. None of these
    objects can be part of a reference cycle (JSON values, and items made of them), so there is nothing for
    it to find; it runs again, as configured, as soon as the read is done (and stays off if it was off).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
