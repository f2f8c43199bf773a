"""The persistent store: one file (a tinydb document plus a journal), shared safely by processes and threads.

The engine keeps its own copy of the state and asks the store for what changed, under one lock::

    with store.locked(create=False) as session:     # a reader creates nothing
        changes = session.refresh(seen)             # records other writers appended since `seen`
        if changes is None:                         # first use, or the file was replaced: read it all
            state = session.load()
        ...                                         # operate on the in-memory model
        session.append(change)                      # one journal record, fdatasync-ed: O(1)
        seen = session.position

The lock (:mod:`keychainsim.store.lock`) is held from before the read until after the write, so two
writers can never both build on the same version (style-anchors §E, "tinydb — safe usage", rules 1
and 4). A :class:`Position` says how far a reader got: the open file it read (kept open, so its inode
cannot be reused by the next file while we compare) and the end of the last record it applied. Another
writer's append shows as a longer file, of which only the new tail is read and checked; a compaction
shows as another inode at the path, and means one full read.

On-disk format and compatibility (see :mod:`keychainsim.store.layout` for the bytes and
:mod:`keychainsim.store.codec` for the documents): schema 3 is a tinydb document that keeps the items a
column at a time, followed by a journal of changes by rowid. Schema 2 files (the document keyed by
rowid, one item per document, and the same journal) are read as they are, their journal appended to, and
written as schema 3 by the next compaction or save. Schema 1 files (keychainsim before the journal: items
keyed by position, indented, no journal) are read as they are and rewritten as schema 3 by the first
write. A keychainsim that reads only schemas 1 and 2 refuses a schema 3 file naming both versions; a
file from a newer keychainsim (schema 4 and up) is refused the same way here, and never written.

Crash guarantees: an acknowledged change is in a record that was fdatasync-ed before the call returned;
a crash mid-append leaves one torn record at the end, which every reader ignores and the next writer
cuts off; a crash mid-compaction leaves the previous file whole (plus a temporary file the next
compaction removes). A file that cannot be read completely (corrupt, foreign, newer, or an item the
model cannot use) is never written, not even by a caller that never read it.

Paths: the store path may be a symlink; the real file is read, written and replaced (the symlink stays),
and the lock is taken beside the real file, so every path to one store shares its items and its lock.
A reader never creates anything: no directory, no lock file, no store. The directory a writer creates is
0700, the lock file and the store 0600, whatever the umask.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import NamedTuple

from keychainsim import __version__
from keychainsim.errors import StorageError
from keychainsim.store import storage
from keychainsim.store.codec import (
    ColumnsCheck,
    ItemCheck,
    StoreMeta,
    change_from_patch,
    change_to_patch,
    meta_from_document,
    patch_document,
    state_after,
    state_from_document,
    state_to_document,
)
from keychainsim.store.layout import frame, parse_journal, parse_snapshot, serialize_snapshot, trailing_data
from keychainsim.store.lock import (
    HeldByProcess,
    HeldByThread,
    HeldInThisThread,
    LockWait,
    file_in_the_way,
    path_lock,
)
from keychainsim.store.state import SCHEMA_VERSION, Change, KeychainState

_CHECK_BYTES = 32
COMPACT_MIN_BYTES = 64 * 1024
"""A journal shorter than this is never compacted (small stores would otherwise rewrite too often)."""
COMPACT_RATIO = 4
"""Compact when the journal outgrows a quarter of the snapshot: reading the store then costs at most
about 1.25 times reading a snapshot alone, and the O(n) rewrite happens once per O(n) appends, so each
write stays O(1) on average."""

_epochs = itertools.count(1)

_SNIFF_BYTES = 64
_STORE_HEAD = re.compile(rb'\s*\{\s*"_meta"\s*:')
"""How every store written by keychainsim begins (schema 1 indented, schema 2 compact): its ``_meta``
table sorts first."""


class Position(NamedTuple):
    """How far a reader of the store got; compare with ``==``.

    ``epoch`` names the open file the reader read (0: there was no file), ``offset`` the end of the last
    journal record applied, ``mtime_ns`` the file's modification time then, and ``check`` the bytes just
    before ``offset``, which must still be there for the file to continue from this position.
    """

    epoch: int
    offset: int
    mtime_ns: int
    check: bytes


ABSENT = Position(0, 0, 0, b"")
"""The position of a reader that found no store file."""


class StoreSession:
    """What may be done with the file while its lock is held; see :meth:`FileStore.locked`.

    A session writes only to a file it has read completely (:meth:`load` or :meth:`refresh`) or, for
    :meth:`save`, one that decodes completely right now: a corrupt file, or one from a newer
    keychainsim, is therefore never overwritten, even by a caller that never loaded it.
    """

    def __init__(self, store: FileStore) -> None:
        self._store = store
        self._open = True
        self._load_failed = False
        self.position: Position | None = None
        """Where this session stands after :meth:`load`, :meth:`refresh`, :meth:`append` or :meth:`save`."""
        self._read_locked = False
        """Whether :attr:`position` was reached holding the file lock (else a write checks it first)."""

    @property
    def path(self) -> str:
        """The store's path as given (for messages); see :attr:`FileStore.file` for the real file."""
        return self._store.path

    def load(self) -> KeychainState:
        """The state in the file (snapshot and journal), or an empty state if there is no file yet.

        Raises:
            StorageError: the file is unreadable, not JSON, not a keychainsim store, written by a newer
                keychainsim, has a malformed item or journal record (named), or an item the store's
                ``check`` refuses. The file is left untouched, and this session will not write it.
        """
        self._check_open()
        self._read_locked = self._store._lock.file_locked
        try:
            return self._store._load(self)
        except StorageError:
            self._load_failed = True
            raise

    def refresh(self, since: Position) -> list[Change] | None:
        """What other writers appended after ``since``, or None when the file does not continue from it
        (another file at the path, a file rewritten in place, or ``since`` from another store object):
        then :meth:`load` reads it all.

        Raises:
            StorageError: a new record is malformed or refused by ``check``; nothing is written after.
        """
        self._check_open()
        self._read_locked = self._store._lock.file_locked
        try:
            return self._store._refresh(self, since)
        except StorageError:
            self._load_failed = True
            raise

    def append(self, change: Change) -> None:
        """Make ``change`` durable: one journal record, fdatasync-ed before this returns.

        The session must have read the file (:meth:`load` or :meth:`refresh`); the state in memory is
        that state plus ``change``. The first write to a schema 1 file, or to no file, writes a whole
        snapshot instead; a long journal is compacted afterwards.

        Raises:
            TypeError: a value in ``change`` cannot be stored (nothing is written).
            StorageError: the file could not be read in this session, changed since (possible only for
                a reader that held no file lock), or cannot be written.
        """
        self._check_writable()
        if self.position is None:
            raise RuntimeError("StoreSession.append() needs a load() or refresh() first, in the same session")
        self._store._append(self, change)

    def save(self, state: KeychainState) -> None:
        """Atomically replace the file with ``state`` (a new snapshot, an empty journal).

        The state is serialized before the file is touched, so a value that cannot be stored changes
        nothing.

        Raises:
            TypeError: a value in ``state`` cannot be stored (the message names the item and attribute).
            StorageError: the file could not be loaded in this session, or it is not a keychainsim store,
                is corrupt or is from a newer keychainsim (it is never overwritten), or the write failed.
        """
        self._check_writable()
        self._store._save(self, state)

    def _check_writable(self) -> None:
        self._check_open()
        if self._load_failed:
            raise StorageError(
                self.path,
                "refusing to write: the file could not be read in this session, and writing would replace it",
                "fix or move the file first",
            )

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError(
                f"store session for {self.path} used after its lock was released; "
                "use it only inside `with store.locked()`"
            )

    def _close(self) -> None:
        self._open = False


class FileStore:
    """A keychain state kept in one file (tinydb's layout plus a journal), safe to share between processes
    and threads (see the module docstring).

    Args:
        path: the store file (a symlink is followed); a writer creates its directory on first use.
        lock_timeout: seconds to wait for another holder of the lock before giving up.
        check: what else makes a stored item unreadable (the engine passes the model's fit); an item it
            refuses makes the store refuse to load, as a malformed one does.
        check_columns: ``check`` over many items at once (:data:`~keychainsim.store.codec.ColumnsCheck`),
            which makes opening a large store faster; it must agree with ``check``.
        on_wait: told (once per call) when the lock is held by another process or thread and the call
            waits for it, so that a command line can say why it is not answering yet.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        lock_timeout: float = 10.0,
        check: ItemCheck | None = None,
        check_columns: ColumnsCheck | None = None,
        on_wait: Callable[[LockWait], None] | None = None,
    ) -> None:
        self.path: str = os.path.abspath(os.fspath(path))
        self.file: str = os.path.realpath(self.path)
        """The real file behind :attr:`path` (resolved once, here): what is read, written and locked."""
        self.lock_path: str = self.file + ".lock"
        self.lock_timeout = lock_timeout
        self.check = check
        self.check_columns = check_columns
        self.on_wait = on_wait
        self._lock = path_lock(self.lock_path)
        # The open store file: kept between sessions so that its inode cannot be reused while we hold
        # positions in it. Touched only while the lock is held.
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None
        self._epoch = 0
        self._writable = False
        self._schema = SCHEMA_VERSION
        self._generation = 0
        self._snapshot_end = 0
        self._vouched: Position | None = None
        """The position at which this store last read or wrote the whole file: known good to replace."""
        self._known_store = False
        """Whether the file was seen to be a store: see :meth:`refuse_foreign_file`."""

    def __repr__(self) -> str:
        return f"FileStore({self.path!r}, lock_timeout={self.lock_timeout!r})"

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            try:  # noqa: SIM105 - at interpreter exit, module globals such as suppress may be gone
                os.close(fd)
            except Exception:
                pass

    def exists(self) -> bool:
        """Whether the store file exists (it may still be unreadable; :meth:`StoreSession.load` says)."""
        return os.path.exists(self.file)

    @contextmanager
    def locked(self, *, create: bool = True) -> Iterator[StoreSession]:
        """Hold the store's lock for one read-modify-write and yield the session that does it.

        Re-entrant within one thread for the same :class:`FileStore`; other threads wait their turn.

        Args:
            create: create the directory and lock file if missing, as a writer must. A reader passes
                False: it creates nothing, and where there is no lock file to take (a new store, a
                read-only directory) it reads without one, which the file's layout makes safe; it takes
                the file lock before writing, if it ever writes.

        Raises:
            StorageError: another process or thread held the lock for longer than ``lock_timeout``,
                another FileStore (another Keychain) on this store holds it in this very thread, or the
                lock file cannot be created.
        """
        try:
            self._lock.acquire(self, self.lock_timeout, create=create, waiting=self._waiting())
        except (HeldInThisThread, HeldByThread, HeldByProcess, OSError) as error:
            raise self._lock_error(error) from None
        session = StoreSession(self)
        try:
            yield session
        finally:
            session._close()
            self._lock.release(self)

    def reset(self, *, force: bool = False) -> str | None:
        """Replace the store with an empty state.

        Returns:
            Where the replaced file was kept when ``force`` replaced an unreadable one (it may be
            someone's only copy of their items, or a newer keychainsim's store), else None.

        Raises:
            StorageError: the existing file cannot be loaded (corrupt, not ours, newer, or an item
                ``check`` refuses) and ``force`` is False; with ``force`` such a file is replaced too.
        """
        with self.locked() as session:
            try:
                session.load()
            except StorageError:
                if not force:
                    raise
                backup = storage.keep_copy(self.file, self.path)
                self._write_snapshot(session, KeychainState(), generation=1)
                return backup
            session.save(KeychainState())
            return None

    def refuse_foreign_file(self) -> None:
        """Refuse a file that is no keychainsim store, before taking (or creating) its lock.

        ``--store README.md`` must say what the file is at once, not first wait for a lock or leave a
        ``README.md.lock`` beside it; the engine's backend calls this before its first transaction. The
        first bytes tell a store (its ``_meta`` table comes first); anything else is read in full
        without the lock (safe: see :mod:`keychainsim.store.layout`) for the precise reason, and a file
        that reads as a store after all is used as one. Once the file was seen to be a store this
        costs nothing.

        Raises:
            StorageError: the file is not a keychainsim store (empty, not JSON, another document), or
                a path above it is a regular file.
        """
        if self._known_store:
            return
        self._check_directories()
        try:
            with open(self.file, "rb") as handle:
                head = handle.read(_SNIFF_BYTES)
        except FileNotFoundError:
            return
        except OSError:
            return  # unreadable or not a regular file: _current() names the problem under the lock
        if _STORE_HEAD.match(head) is None:
            # A throwaway store object: this one's open file is touched only under the lock.
            probe = FileStore(
                self.path, lock_timeout=self.lock_timeout, check=self.check, check_columns=self.check_columns
            )
            probe._load(StoreSession(probe))
            probe._close_file()
        self._known_store = True

    def _check_directories(self) -> None:
        """A regular file where the store's directory should be makes every open fail with ENOTDIR;
        say which file is in the way instead."""
        blocker = file_in_the_way(self.file)
        if blocker is not None:
            raise _under_a_file(self.path, blocker)

    # -- what the sessions do ------------------------------------------------------------------------

    def _load(self, session: StoreSession) -> KeychainState:
        status = self._current()
        if status is None:
            session.position = self._vouched = ABSENT
            return KeychainState()
        raw = self._read_all()
        state, meta, snapshot_end, journal_end = self._decode(raw)
        self._schema, self._generation, self._snapshot_end = meta.schema, meta.generation, snapshot_end
        mtime = os.fstat(self._fd).st_mtime_ns if self._fd is not None else 0
        session.position = self._vouched = self._position_at(journal_end, mtime, raw[:journal_end])
        return state

    def _decode(self, raw: bytes) -> tuple[KeychainState, StoreMeta, int, int]:
        """The state the whole file holds, its ``_meta`` row, and where its snapshot and journal end.

        A schema 3 snapshot is decoded a column at a time and each journal record's changes are applied
        to it by rowid; older snapshots are item documents, which the records patch before decoding.
        """
        snapshot = parse_snapshot(raw, self.path)
        meta = meta_from_document(snapshot.document, self.path)
        if meta.schema >= 2:
            journal = parse_journal(raw, snapshot.end, self.path)
        elif snapshot.end < len(raw):
            raise trailing_data(raw, snapshot.end, self.path)
        else:
            journal = parse_journal(raw, len(raw), self.path)
        if meta.schema >= 3:
            state = state_from_document(snapshot.document, self.path, self.check, self.check_columns)
            changes = [
                change_from_patch(patch, self.path, f"journal record {number}", self.check)
                for number, patch in enumerate(journal.patches, start=1)
            ]
            return state_after(state, changes), meta, snapshot.end, journal.end
        for number, patch in enumerate(journal.patches, start=1):
            patch_document(snapshot.document, patch, self.path, f"journal record {number}")
        state = state_from_document(snapshot.document, self.path, self.check, self.check_columns)
        return state, meta, snapshot.end, journal.end

    def _refresh(self, session: StoreSession, since: Position) -> list[Change] | None:
        status = self._current()
        if status is None:
            if since.epoch == 0:
                session.position = ABSENT
                return []
            return None
        if since.epoch != self._epoch or since.epoch == 0:
            return None
        size, mtime = status.st_size, status.st_mtime_ns
        if size == since.offset:
            if mtime != since.mtime_ns:
                return None  # rewritten in place at the same size, or touched: read it all to be sure
            session.position = since
            return []
        if size < since.offset or self._schema < 2:
            return None
        assert self._fd is not None
        start = since.offset - len(since.check)
        tail = storage.read_from(self._fd, start)
        if not tail.startswith(since.check):
            return None
        journal = parse_journal(tail, len(since.check), self.path, base=start)
        changes = [change_from_patch(patch, self.path, "a journal record", self.check) for patch in journal.patches]
        session.position = self._vouched = self._position_at(journal.end, mtime, tail[: journal.end - start])
        return changes

    def _append(self, session: StoreSession, change: Change) -> None:
        patch = change_to_patch(change)  # a value that cannot be stored fails here, before any write
        position = self._writer_position(session)
        if position.epoch == 0:
            state = KeychainState(
                [item for item in change.items.values() if item is not None],
                change.next_rowid,
                change.device,
                change.clock_ms,
            )
            self._write_snapshot(session, state, generation=1)
            return
        if self._schema < 2:
            self._rewrite(session, change)  # the first write to a schema 1 file migrates it
            return
        assert self._fd is not None
        if not self._writable:
            raise StorageError(
                self.path, "cannot write the file: it is read-only to this user", "check its permissions"
            )
        record = frame(patch)
        torn_tail = os.fstat(self._fd).st_size != position.offset
        storage.append(self._fd, self.path, record, position.offset, cut=torn_tail)
        end = position.offset + len(record)
        mtime = os.fstat(self._fd).st_mtime_ns
        session.position = self._vouched = Position(self._epoch, end, mtime, (position.check + record)[-_CHECK_BYTES:])
        session._read_locked = True
        if end - self._snapshot_end > max(COMPACT_MIN_BYTES, self._snapshot_end // COMPACT_RATIO):
            self._compact(session)

    def _save(self, session: StoreSession, state: KeychainState) -> None:
        document = state_to_document(state, generation=1, version=__version__)  # fails before any write
        self._ensure_file_lock()
        generation = self._replaceable_generation() + 1
        document["_meta"]["1"]["generation"] = generation
        self._replace(session, document)

    # -- writing ---------------------------------------------------------------------------------------

    def _writer_position(self, session: StoreSession) -> Position:
        """The session's position, once the file lock is held and the file still continues from it."""
        assert session.position is not None
        if session._read_locked:
            return session.position
        self._ensure_file_lock()
        # Read without the file lock: a writer may have come in between. Continue only from the same file.
        changes = self._refresh(session, session.position)
        if changes is None or changes:
            session._load_failed = True
            raise StorageError(
                self.path,
                "changed by another process while this call read it without a lock: nothing was written",
                "run the call again",
            )
        session._read_locked = True
        return session.position

    def _ensure_file_lock(self) -> None:
        try:
            self._lock.lock_file(time.monotonic() + self.lock_timeout, create=True, waiting=self._waiting())
        except (HeldByProcess, OSError) as error:
            raise self._lock_error(error) from None

    def _write_snapshot(self, session: StoreSession, state: KeychainState, *, generation: int) -> None:
        self._ensure_file_lock()
        self._replace(session, state_to_document(state, generation=generation, version=__version__))

    def _rewrite(self, session: StoreSession, change: Change | None) -> None:
        """A new snapshot in the current schema: the whole file as read, plus ``change``, generation + 1."""
        state = self._decode(self._read_all())[0]
        if change is not None:
            state = state_after(state, [change])
        self._replace(session, state_to_document(state, generation=self._generation + 1, version=__version__))

    def _compact(self, session: StoreSession) -> None:
        """Fold the journal into a new snapshot. The change is already durable in the journal, so a
        failure here (a full disk) only leaves the journal longer: it is not the caller's failure."""
        with suppress(StorageError):
            self._rewrite(session, None)

    def _replace(self, session: StoreSession, document: dict) -> None:
        payload = serialize_snapshot(document)
        storage.replace_file(self.file, payload)
        storage.remove_orphans(self.file)
        self._close_file()
        status = self._current()
        assert status is not None
        meta = document["_meta"]["1"]
        self._schema, self._generation, self._snapshot_end = meta["schema"], meta["generation"], len(payload)
        session.position = self._vouched = self._position_at(len(payload), status.st_mtime_ns, payload)
        session._read_locked = True

    def _replaceable_generation(self) -> int:
        """The save counter of the file about to be replaced (0 if none).

        Raises:
            StorageError: the file must not be replaced (see :class:`StoreSession`).
        """
        status = self._current()
        if status is None:
            return 0
        vouched = self._vouched
        if (
            vouched is not None
            and vouched.epoch == self._epoch
            and vouched.offset == status.st_size
            and vouched.mtime_ns == status.st_mtime_ns
        ):
            return self._generation
        # Unknown to this store: decode it all; that raises if it is bad.
        probe = StoreSession(self)
        self._load(probe)
        return self._generation

    # -- the open file ---------------------------------------------------------------------------------

    def _current(self) -> os.stat_result | None:
        """Status of the file now at the path, keeping it open; None if there is none."""
        try:
            at_path = os.stat(self.file)
        except FileNotFoundError:
            self._close_file()
            return None
        except OSError as error:
            raise StorageError(self.path, f"cannot read the file: {error.strerror}", "check its permissions") from None
        if not stat.S_ISREG(at_path.st_mode):
            raise StorageError(self.path, "cannot read the file: it is not a regular file", "move it away")
        if self._fd is not None and (at_path.st_dev, at_path.st_ino) == self._identity:
            return at_path
        self._close_file()
        try:
            try:
                fd = os.open(self.file, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
                writable = True
            except OSError as error:
                if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                    raise
                fd = os.open(self.file, os.O_RDONLY | os.O_CLOEXEC)
                writable = False
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StorageError(self.path, f"cannot read the file: {error.strerror}", "check its permissions") from None
        opened = os.fstat(fd)
        self._fd, self._writable = fd, writable
        self._identity = (opened.st_dev, opened.st_ino)
        self._epoch = next(_epochs)
        return opened

    def _read_all(self) -> bytes:
        assert self._fd is not None
        try:
            return storage.read_from(self._fd, 0)
        except OSError as error:
            raise StorageError(self.path, f"cannot read the file: {error.strerror}", "check its permissions") from None

    def _position_at(self, offset: int, mtime_ns: int, before: bytes) -> Position:
        return Position(self._epoch, offset, mtime_ns, bytes(before[-_CHECK_BYTES:]))

    def _close_file(self) -> None:
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
        self._fd, self._identity, self._epoch = None, None, 0

    def _waiting(self) -> Callable[[str], None] | None:
        on_wait = self.on_wait
        if on_wait is None:
            return None
        return lambda holder: on_wait(LockWait(self.path, holder, self.lock_timeout))

    def _lock_error(self, error: BaseException) -> StorageError:
        timeout = f"{self.lock_timeout:g} s"
        if isinstance(error, HeldInThisThread):
            return StorageError(
                self.path,
                "already locked in this thread by another Keychain (or FileStore) on the same store, "
                "whose transaction is still open: waiting for it would never end",
                "make the call through the Keychain that holds the transaction (kc.with_entitlements() "
                "shares it), or finish that transaction first",
            )
        if isinstance(error, HeldByThread):
            return StorageError(
                self.path,
                f"locked by another thread of this process, still held after {timeout}",
                "let that thread finish its transaction, or raise the lock timeout",
            )
        if isinstance(error, HeldByProcess):
            return StorageError(
                self.path,
                f"locked by another process: {self.lock_path} stayed locked for {timeout}",
                "wait for the other keychainsim process to finish, or raise the lock timeout",
            )
        assert isinstance(error, OSError)
        blocker = file_in_the_way(self.file)
        if blocker is not None:
            return _under_a_file(self.path, blocker)
        return StorageError(
            self.path, f"cannot lock {self.lock_path}: {error.strerror}", "check the directory's permissions"
        )


def _under_a_file(path: str, blocker: str) -> StorageError:
    return StorageError(
        path,
        f"{blocker} is a regular file, not a directory: no store can be kept under it",
        "choose a store path in a directory",
    )
