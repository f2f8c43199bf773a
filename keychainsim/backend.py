"""Where a keychain's items live between calls: in memory, or in a store file shared by processes.

Every SecItem call is one transaction: with a file store, the file's lock is held from reading to
writing so that two processes never lose each other's updates (style-anchors §E, tinydb rule 4). The
in-memory copy is reused only while the file is unchanged since this process last read or wrote it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from keychainsim.engine.database import Database


class Backend:
    """One device's keychain storage, shared by every :class:`~keychainsim.Keychain` view of it."""

    def __init__(self, store: str | Path | None = None, lock_timeout: float = 10.0) -> None:
        self._db: Database | None = Database() if store is None else None
        self._in_memory = nullcontext(self._db)  # reusable: it only hands out the database
        self._store: Any = None
        self._signature: Any = None
        self._depth = 0
        self._session: Any = None
        if store is not None:
            from keychainsim.store.file import FileStore

            self._store = FileStore(Path(store), lock_timeout=lock_timeout)

    @property
    def path(self) -> Path | None:
        return None if self._store is None else Path(self._store.path)

    def transaction(self) -> AbstractContextManager[Database]:
        """The database for one call (see :meth:`_file_transaction`); in memory, the database itself."""
        if self._store is None:
            return self._in_memory
        return self._file_transaction()

    @contextmanager
    def _file_transaction(self) -> Iterator[Database]:
        """The database, current and locked for the duration; saved afterwards if it changed.

        Nested transactions share the outer one, so ``with kc.transaction(): ...`` batches many calls
        into one lock, one read and one write.
        """
        if self._depth:
            self._depth += 1
            try:
                assert self._db is not None
                yield self._db
            finally:
                self._depth -= 1
            return
        with self._store.locked() as session:
            self._depth = 1
            try:
                signature = session.signature()
                if self._db is None or signature is None or signature != self._signature:
                    self._db = Database.from_state(session.load())
                db = self._db
                before = db.changes
                try:
                    yield db
                except BaseException:
                    self._db = None  # never keep a half-changed copy
                    raise
                if db.changes != before or signature is None:
                    session.save(db.to_state())
                self._signature = session.signature()
            finally:
                self._depth = 0
