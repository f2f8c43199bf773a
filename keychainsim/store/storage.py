"""The store file on disk: durable appends, atomic replacement, and a tinydb :class:`Storage` over both.

tinydb's own ``JSONStorage`` keeps one handle open and rewrites the file in place (seek, write,
truncate): a crash mid-write leaves a torn file, a second process keeps reading through its old handle,
and every insert rewrites everything. Here a change is one journal record appended and ``fdatasync``-ed
(:func:`append`), and a whole new document is written beside the target, fsynced, renamed over it and
the directory fsynced (:func:`replace_file`), so a reader sees the old file or the new one and never a
mix (style-anchors §E, "tinydb — safe usage", rule 3). The byte layout is :mod:`keychainsim.store.layout`.
Nothing here locks: the caller holds the store's lock for the whole read-modify-write.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from contextlib import suppress
from typing import Any

from tinydb.storages import Storage

from keychainsim.errors import StorageError
from keychainsim.store.layout import apply_patch, parse_journal, parse_snapshot, serialize_snapshot

FILE_MODE = 0o600
"""The store holds secrets: only its owner may read it, whatever the umask."""

_FIX_WRITE = "check the directory's permissions and free space"


class JournalStorage(Storage):
    """tinydb storage over one store file: :meth:`read` gives the snapshot with the journal applied,
    :meth:`write` replaces the file with a new snapshot (an empty journal), atomically.

    ``read`` returns None when the file does not exist (tinydb's "empty storage"), and raises
    :class:`StorageError` for a file that exists but is empty, unreadable or not a JSON object: such a
    file may be the only copy of someone's items, so it is reported, never treated as empty.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def read(self) -> dict[str, Any] | None:
        """The whole document, parsed from a fresh open of the file, with every journal record applied."""
        raw = read_file(self.path)
        if raw is None:
            return None
        snapshot = parse_snapshot(raw, self.path)
        journal = parse_journal(raw, snapshot.end, self.path)
        for number, patch in enumerate(journal.patches, start=1):
            apply_patch(snapshot.document, patch, self.path, f"journal record {number}")
        return snapshot.document

    def write(self, data: dict[str, Any]) -> None:
        """Replace the file with ``data``: all of it or, after a crash at any point, none of it."""
        replace_file(self.path, serialize_snapshot(data))


def read_file(path: str) -> bytes | None:
    """The file's bytes, or None if it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StorageError(path, f"cannot read the file: {error.strerror}", "check its permissions") from None


def read_from(fd: int, offset: int) -> bytes:
    """Everything from ``offset`` to the end of the open file."""
    chunks = []
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def replace_file(path: str, payload: bytes) -> None:
    """Atomically replace the content of ``path`` (the real file, not a symlink to it) with ``payload``.

    The temporary file is created 0600 and named ``.<name>.<hex>.tmp`` beside the target; one left by a
    process killed before its rename is removed by :func:`remove_orphans`.
    """
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # the umask may have removed the owner's bits
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
        fsync_directory(directory)
    except OSError as error:
        raise StorageError(path, f"cannot write the file: {error.strerror}", _FIX_WRITE) from None


def keep_copy(path: str, shown: str) -> str:
    """Keep the file at ``path`` beside it as ``<name>.replaced-<UTC time>`` before it is replaced; the
    copy's path. A hard link where the file system allows it (the same bytes and mode, nothing copied),
    else a copy with the same mode (0600: it may hold secrets).

    Raises:
        StorageError: no copy could be made (then nothing may replace the file). ``shown`` names it.
    """
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for number in range(1000):
        backup = f"{path}.replaced-{stamp}" + (f"-{number}" if number else "")
        try:
            os.link(path, backup)
            return backup
        except FileExistsError:
            continue
        except OSError:
            try:
                with open(path, "rb") as source, open(backup, "xb") as handle:
                    os.fchmod(handle.fileno(), FILE_MODE)
                    shutil.copyfileobj(source, handle)
                return backup
            except FileExistsError:
                continue
            except OSError as error:
                raise StorageError(
                    shown, f"cannot keep a copy of the file before replacing it: {error.strerror}", _FIX_WRITE
                ) from None
    raise StorageError(shown, "cannot keep a copy of the file before replacing it: 1,000 copies already", _FIX_WRITE)


def append(fd: int, path: str, payload: bytes, offset: int, *, cut: bool) -> None:
    """Append ``payload`` at ``offset`` (the end of the valid data) and make it durable.

    ``fd`` is open with ``O_APPEND``. With ``cut``, whatever follows ``offset`` (the torn tail of a writer
    that died) is cut first. If the write or the sync fails, the file is cut back to ``offset`` as far as
    possible, and the error is raised: the change was not made.
    """
    try:
        if cut:
            os.ftruncate(fd, offset)
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        _datasync(fd)
    except OSError as error:
        with suppress(OSError):
            os.ftruncate(fd, offset)
        raise StorageError(path, f"cannot write the file: {error.strerror}", _FIX_WRITE) from None


def _datasync(fd: int) -> None:
    """Data and size on disk before the caller acknowledges (``fdatasync``, as SQLite uses on Linux)."""
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)


def remove_orphans(path: str) -> list[str]:
    """Delete temporary files a killed writer left beside ``path``; returns their paths.

    Only safe while holding the store's lock: then no other writer can be between its temporary
    write and its rename.
    """
    directory, name = os.path.split(path)
    pattern = re.compile(re.escape(f".{name}.") + r"[0-9a-f]{16}\.tmp")
    removed: list[str] = []
    try:
        entries = list(os.scandir(directory or "."))
    except OSError:
        return removed
    for entry in entries:
        if pattern.fullmatch(entry.name):
            with suppress(OSError):
                os.unlink(entry.path)
                removed.append(entry.path)
    return removed


def fsync_directory(directory: str) -> None:
    """Make a rename or a new file itself durable; without it a power cut can bring back the old file."""
    if os.name != "posix":  # pragma: no cover - Windows cannot open a directory
        return
    fd = os.open(directory or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
