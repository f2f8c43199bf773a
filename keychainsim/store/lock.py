"""The store's lock: one holder at a time across processes and across the threads of one process.

Between processes the lock is an exclusive ``flock(2)`` on the sidecar file ``<store>.lock`` (not on the
store itself, whose inode changes with every compaction). ``flock`` belongs to an open file description,
so on its own it would serve threads badly: two threads sharing one descriptor would both "hold" it, and
two descriptors in one process (two Keychain objects on one store) would block each other until the
timeout and then blame another process. So each process keeps one :class:`PathLock` per lock file, and
that object decides between its own threads first:

- a thread that already holds it may enter again through the same owner (nested transactions);
- the same thread entering through another owner (a second Keychain on the same store, inside the first
  one's transaction) is refused at once with :class:`HeldInThisThread`: waiting could never succeed;
- other threads wait their turn, and say so if the wait times out (:class:`HeldByThread`);
- only then is the file lock taken (:class:`HeldByProcess` when another process keeps it).

The lock file is opened without creating it unless the caller may write: a read of a store whose lock
file does not exist, or cannot be opened (a read-only directory), goes ahead without the file lock. That
is safe because the store's writers only append whole records and replace the file by rename: a reader
sees a consistent prefix (see :mod:`keychainsim.store.layout`). Such a holder can take the file lock
later with :meth:`PathLock.lock_file` before it writes.

After ``fork()`` the child starts with no locks: what the parent held stays the parent's.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
import weakref
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

LOCK_FILE_MODE = 0o600
HELD_BY_PROCESS = "another process"
HELD_BY_THREAD = "another thread of this process"
DIRECTORY_MODE = 0o700
_READ_ONLY_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS)


class LockError(Exception):
    """The lock could not be taken; the subclass says who holds it."""


class HeldInThisThread(LockError):
    """This thread holds the lock through another owner, so waiting for it would never end."""


class HeldByThread(LockError):
    """Another thread of this process kept the lock for the whole timeout."""


class HeldByProcess(LockError):
    """Another process kept the file lock for the whole timeout."""


@dataclass(frozen=True)
class LockWait:
    """What a waiting hook is told when a call must wait for the store's lock (a command line says so;
    the store itself shows nothing)."""

    path: str
    """The store, as its user named it."""
    holder: str
    """``"another process"`` or ``"another thread of this process"``."""
    timeout: float
    """How long the caller waits in all before giving up."""


WaitHook = Callable[[str], None]
"""Called at most once per acquisition, with who holds the lock, when the lock is not free at once."""


class PathLock:
    """The lock on one lock file, shared by every owner in this process (see the module docstring).

    Use :func:`path_lock` to get the one instance for a path. ``owner`` is any object standing for one
    user of the store (a :class:`~keychainsim.store.FileStore`); re-entry is allowed to the same owner only.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._condition = threading.Condition(threading.Lock())
        self._thread: int | None = None
        self._owner: object | None = None
        self._depth = 0
        # Touched only by the thread that holds the lock.
        self._fd: int | None = None
        self._file_locked = False

    @property
    def file_locked(self) -> bool:
        """Whether the holder also holds the file lock (False: a lock-free read, see the module docstring)."""
        return self._file_locked

    def held_by_me(self, owner: object) -> bool:
        return self._thread == threading.get_ident() and self._owner is owner

    def acquire(self, owner: object, timeout: float, *, create: bool, waiting: WaitHook | None = None) -> None:
        """Take the lock for ``owner`` in this thread, waiting at most ``timeout`` seconds in all.

        Args:
            create: create the lock file (and its directory) when missing, as a writer must; a reader
                passes False and then holds no file lock when there is no lock file to take.
            waiting: told once who holds the lock, if it is not free at once (before the wait starts).

        Raises:
            HeldInThisThread, HeldByThread, HeldByProcess: see the module docstring.
            OSError: the lock file exists but cannot be opened, or cannot be created when ``create``.
        """
        me = threading.get_ident()
        deadline = time.monotonic() + timeout
        with self._condition:
            if self._thread == me:
                if self._owner is not owner:
                    raise HeldInThisThread(self.path)
                self._depth += 1
                nested = True
            else:
                if self._thread is not None and waiting is not None:
                    waiting(HELD_BY_THREAD)
                    waiting = None
                while self._thread is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise HeldByThread(self.path)
                    self._condition.wait(remaining)
                self._thread, self._owner, self._depth = me, owner, 1
                nested = False
        if nested and (self._file_locked or not create):
            return
        try:
            self.lock_file(deadline, create=create, waiting=waiting)
        except BaseException:
            self.release(owner)
            raise

    def release(self, owner: object) -> None:
        """Leave one level; the last one releases the file lock and lets the next thread in."""
        with self._condition:
            if self._thread != threading.get_ident() or self._owner is not owner:
                raise RuntimeError(f"lock {self.path} released by a thread or owner that does not hold it")
            self._depth -= 1
            if self._depth:
                return
            if self._file_locked:
                assert self._fd is not None
                self._file_locked = False
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._thread = self._owner = None
            self._condition.notify()

    def lock_file(self, deadline: float, *, create: bool, waiting: WaitHook | None = None) -> None:
        """Take the file lock too (the caller holds this lock), polling until ``deadline``.

        Without ``create``, a missing or unopenable lock file leaves the holder without a file lock.
        ``waiting`` is told once if another process holds it.
        """
        if self._file_locked:
            return
        while True:
            fd = self._open(create)
            if fd is None:
                return
            delay = 0.0005
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if waiting is not None:
                        waiting(HELD_BY_PROCESS)
                        waiting = None
                    if time.monotonic() >= deadline:
                        raise HeldByProcess(self.path) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.02)
            if self._still_linked(fd):
                self._file_locked = True
                return
            # Someone removed or replaced the lock file while we waited: the lock we hold guards an
            # inode nobody else will ever lock. Start again on the file now at the path.
            fcntl.flock(fd, fcntl.LOCK_UN)
            self._close()

    def _open(self, create: bool) -> int | None:
        if self._fd is not None:
            return self._fd
        flags = os.O_RDWR | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
        for mode_flags in (flags, flags & ~os.O_RDWR | os.O_RDONLY):
            try:
                self._fd = os.open(self.path, mode_flags)
                return self._fd
            except FileNotFoundError:
                break
            except OSError as error:
                if error.errno not in _READ_ONLY_ERRORS:
                    raise
        else:
            return None  # exists but cannot be opened even for reading: a reader goes on without it
        if not create:
            return None
        make_private_directory(os.path.dirname(self.path))
        try:
            fd = os.open(self.path, flags | os.O_CREAT | os.O_EXCL, LOCK_FILE_MODE)
        except FileExistsError:
            fd = os.open(self.path, flags)
        else:
            os.fchmod(fd, LOCK_FILE_MODE)  # the umask may have taken bits away, never added any
        self._fd = fd
        return fd

    def _still_linked(self, fd: int) -> bool:
        try:
            at_path = os.stat(self.path)
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (at_path.st_dev, at_path.st_ino) == (mine.st_dev, mine.st_ino)

    def __del__(self) -> None:
        fd = self._fd
        if fd is not None:
            try:  # noqa: SIM105 - at interpreter exit, module globals such as suppress may be gone
                os.close(fd)
            except Exception:
                pass

    def _forget(self) -> None:
        """Start over as if never taken; closing our copy of the descriptor leaves another holder's flock."""
        self._condition = threading.Condition(threading.Lock())
        self._thread = self._owner = None
        self._depth = 0
        self._file_locked = False
        self._close()

    def _close(self) -> None:
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None


def make_private_directory(directory: str) -> None:
    """Create ``directory`` (and missing parents) if needed; the directory itself is made 0700.

    Parents are created as ``os.makedirs`` would (the umask decides); a directory that already exists is
    left exactly as it is.
    """
    if not directory or os.path.isdir(directory):
        return
    parent = os.path.dirname(directory)
    if parent and parent != directory:
        os.makedirs(parent, exist_ok=True)
    try:
        os.mkdir(directory, DIRECTORY_MODE)
    except FileExistsError:
        return
    os.chmod(directory, DIRECTORY_MODE)  # whatever the umask


def file_in_the_way(path: str) -> str | None:
    """The nearest existing ancestor directory of ``path`` when it is not a directory (a regular file,
    say), else None: nothing can be created under it, and every open below it fails with ENOTDIR."""
    parent = os.path.dirname(path)
    while parent and parent != os.path.dirname(parent):
        if os.path.lexists(parent):
            return None if os.path.isdir(parent) else parent
        parent = os.path.dirname(parent)
    return None


_registry: weakref.WeakValueDictionary[str, PathLock] = weakref.WeakValueDictionary()
"""Weak, so that a lock (and its open lock file) lives only as long as some store object uses it."""
_registry_guard = threading.Lock()


def path_lock(path: str) -> PathLock:
    """The process's one :class:`PathLock` for the lock file at ``path`` (already a real path); keep a
    reference for as long as you use it."""
    with _registry_guard:
        lock = _registry.get(path)
        if lock is None:
            lock = _registry[path] = PathLock(path)
        return lock


def _forget_after_fork() -> None:
    """In a forked child: drop the parent's locks without releasing them (they stay the parent's)."""
    global _registry_guard
    _registry_guard = threading.Lock()
    for lock in list(_registry.values()):
        lock._forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
