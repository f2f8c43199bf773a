"""The persistent store: one JSON file in tinydb's layout, shared safely by many processes.

The engine keeps its own copy of the state and asks the store only three things, under one lock::

    with store.locked() as session:
        if session.signature() != seen:   # cheap: stat plus the first bytes of the file
            state = session.load()        # full parse and strict decode
        ...                               # operate on the in-memory model
        session.save(state)               # atomic replace
        seen = session.signature()

The lock is a sidecar ``<file>.lock`` held from before the read until after the write, so two
processes can never both read the same version and then both write (style-anchors §E, "tinydb — safe
usage", rules 1 and 4). Each save stamps an incrementing ``generation`` into the file's first bytes,
because inode, mtime and size alone can repeat: ext4 reuses a just-freed inode for the next temporary
file, so two saves of equal size within one timestamp tick can look identical.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import filelock

from keychainsim import __version__
from keychainsim.errors import StorageError
from keychainsim.store.codec import meta_from_document, state_from_document, state_to_document
from keychainsim.store.state import KeychainState
from keychainsim.store.storage import AtomicJSONStorage

_HEADER_BYTES = 256
# What serialize() writes first for the _meta table (sorted keys, indent 2). A file that does not start
# this way is still accepted; it only costs a full read where a header peek would have done.
_HEADER = re.compile(
    rb'\{\n  "_meta": \{\n    "1": \{\n      "generation": ([1-9][0-9]{0,18}),\n'
    rb'      "keychainsim": "[^"\\\n]*",\n      "schema": ([1-9][0-9]{0,8})\n    \}\n  \}'
)


class FileSignature(NamedTuple):
    """Identifies one version of the store file; compare with ``==``.

    ``generation`` is the save counter from the file's header; a file keychainsim did not format
    (edited by hand, re-indented by a tool) has none, and ``digest`` (BLAKE2b of the content) stands in.
    """

    inode: int
    mtime_ns: int
    size: int
    generation: int | None
    digest: str | None


def _signature(path: str) -> FileSignature | None:
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            head = handle.read(_HEADER_BYTES)
            match = _HEADER.match(head)
            digest = None if match else hashlib.blake2b(head + handle.read()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StorageError(path, f"cannot read the file: {error.strerror}", "check its permissions") from None
    generation = int(match.group(1)) if match else None
    return FileSignature(stat.st_ino, stat.st_mtime_ns, stat.st_size, generation, digest)


class StoreSession:
    """What may be done with the file while its lock is held; see :meth:`FileStore.locked`.

    :meth:`save` replaces only a file it knows to be a good store: one this :class:`FileStore` loaded or
    saved itself (same signature), or one that decodes completely right now. A corrupt file, or one
    from a newer keychainsim, is therefore never overwritten, even by a caller that never loaded it.
    """

    def __init__(self, store: FileStore) -> None:
        self._store = store
        self._storage = store._storage
        self._open = True
        self._load_failed = False

    @property
    def path(self) -> str:
        """The store file's path."""
        return self._store.path

    def signature(self) -> FileSignature | None:
        """The current file's :class:`FileSignature`, or None while the file does not exist.

        Cheap for a file keychainsim wrote: one ``fstat`` and a read of its first bytes.
        """
        self._check_open()
        return _signature(self.path)

    def load(self) -> KeychainState:
        """The state in the file, or an empty state if there is no file yet.

        Raises:
            StorageError: the file is unreadable, not JSON, not a keychainsim store, written by a newer
                keychainsim, or has a malformed item (named by id, rowid and attribute). The file is left
                untouched, and this session's :meth:`save` will refuse to replace it.
        """
        self._check_open()
        try:
            before = _signature(self.path)
            document = self._storage.read()
            state = KeychainState() if document is None else state_from_document(document, self.path)
        except StorageError:
            self._load_failed = True
            raise
        if before is not None and _signature(self.path) == before:
            self._store._vouched = before
        return state

    def save(self, state: KeychainState) -> None:
        """Atomically replace the file with ``state``; a reader sees the old state or the new one.

        The state is serialized before the file is touched, so a value that cannot be stored changes
        nothing.

        Raises:
            TypeError: a value in ``state`` cannot be stored (the message names the item and attribute).
            StorageError: the file could not be loaded in this session, or it is not a keychainsim store,
                is corrupt or is from a newer keychainsim (it is never overwritten), or the write failed.
        """
        self._check_open()
        if self._load_failed:
            raise StorageError(
                self.path,
                "refusing to save: the file could not be loaded in this session, and saving would replace it",
                "fix or move the file first",
            )
        self._write(state, self._replaceable_generation() + 1)

    def _write(self, state: KeychainState, generation: int) -> None:
        document = state_to_document(state, generation=generation, version=__version__)
        self._storage.write(document)
        self._store._vouched = _signature(self.path)
        self._storage.remove_orphans()

    def _replaceable_generation(self) -> int:
        """The save counter of the file about to be replaced (0 if none).

        Raises:
            StorageError: the file must not be replaced (see the class docstring).
        """
        current = _signature(self.path)
        if current is None:
            return 0
        if current == self._store._vouched and current.generation is not None:
            return current.generation
        # Unknown to this store, or in foreign formatting: decode it all; that raises if it is bad.
        document = self._storage.read()
        if document is None:
            return 0
        state_from_document(document, self.path)
        return meta_from_document(document, self.path).generation

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError(
                f"store session for {self.path} used after its lock was released; "
                "use it only inside `with store.locked()`"
            )

    def _close(self) -> None:
        self._open = False


class FileStore:
    """A keychain state kept in one JSON file (tinydb's layout), safe to share between processes.

    Args:
        path: the store file; its directory is created on first use.
        lock_timeout: seconds to wait for another process holding the lock before giving up.
    """

    def __init__(self, path: str | os.PathLike[str], lock_timeout: float = 10.0) -> None:
        self.path: str = os.path.abspath(os.fspath(path))
        self.lock_path: str = self.path + ".lock"
        self.lock_timeout = lock_timeout
        self._storage = AtomicJSONStorage(self.path)
        # Not on the data file itself: every save replaces its inode, and a lock on the old inode
        # would protect nothing.
        self._lock = filelock.FileLock(self.lock_path, timeout=lock_timeout)
        self._vouched: FileSignature | None = None
        """The signature of the file as this store last loaded or saved it: known good to replace."""

    def __repr__(self) -> str:
        return f"FileStore({self.path!r}, lock_timeout={self.lock_timeout!r})"

    def exists(self) -> bool:
        """Whether the store file exists (it may still be unreadable; :meth:`StoreSession.load` says)."""
        return os.path.exists(self.path)

    @contextmanager
    def locked(self) -> Iterator[StoreSession]:
        """Hold the store's lock for one read-modify-write and yield the session that does it.

        Re-entrant within one thread for the same :class:`FileStore`.

        Raises:
            StorageError: another process (or another FileStore in this one) held the lock for longer
                than ``lock_timeout``, or the lock file cannot be created.
        """
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self._lock.acquire()
        except filelock.Timeout:
            raise StorageError(
                self.path,
                f"locked by another process: {self.lock_path} stayed locked for {self.lock_timeout:g} s",
                "wait for the other keychainsim process to finish, or raise the lock timeout",
            ) from None
        except OSError as error:
            raise StorageError(
                self.path,
                f"cannot lock {self.lock_path}: {error.strerror}",
                "check the directory's permissions",
            ) from None
        session = StoreSession(self)
        try:
            yield session
        finally:
            session._close()
            self._lock.release()

    def reset(self, *, force: bool = False) -> None:
        """Replace the store with an empty state.

        Raises:
            StorageError: the existing file cannot be loaded (corrupt, not ours, newer) and ``force`` is
                False; with ``force`` such a file is replaced too.
        """
        with self.locked() as session:
            try:
                session.load()
            except StorageError:
                if not force:
                    raise
                session._write(KeychainState(), 1)
            else:
                session.save(KeychainState())
