"""A tinydb :class:`~tinydb.storages.Storage` that never leaves a half-written or stale file behind.

tinydb's own ``JSONStorage`` keeps one handle open and rewrites the file in place (seek, write,
truncate): a crash mid-write leaves a torn file, and a second process keeps reading through its old
handle. Here every :meth:`read` opens the file afresh, and every :meth:`write` serializes completely
first, writes a temporary file beside the target, fsyncs it, renames it over the target and fsyncs the
directory, so a reader sees the old file or the new one and never a mix (style-anchors §E, "tinydb —
safe usage", rule 3). Nothing here locks: the caller holds the sidecar lock for the whole
read-modify-write.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from contextlib import suppress
from typing import Any

from tinydb.storages import Storage

from keychainsim.errors import StorageError

_FIX_NOT_JSON = "restore the file from a backup, or move it away to start with an empty store"


def serialize(document: dict[str, Any]) -> bytes:
    """The exact bytes written for ``document``: sorted keys, indent 2, ASCII, strict JSON.

    ASCII escapes keep any Python str writable (even a lone surrogate), and ``allow_nan=False`` keeps
    the file readable by strict JSON parsers; the codec tags what would need either.
    """
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")


class AtomicJSONStorage(Storage):
    """tinydb storage over one JSON file, replaced atomically on every write.

    ``read`` returns None when the file does not exist (tinydb's "empty storage"), and raises
    :class:`StorageError` for a file that exists but is empty, unreadable or not a JSON object: such a
    file may be the only copy of someone's items, so it is reported, never treated as empty.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def read(self) -> dict[str, Any] | None:
        """The whole document, parsed from a fresh open of the file."""
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StorageError(self.path, f"cannot read the file: {error.strerror}", "check its permissions") from None
        return parse(raw, self.path)

    def write(self, data: dict[str, Any]) -> None:
        """Replace the file with ``data``: all of it or, after a crash at any point, none of it."""
        self.write_bytes(serialize(data))

    def write_bytes(self, payload: bytes) -> None:
        """Atomically replace the file's content with ``payload``.

        The temporary file is created 0600 (the store holds secrets) and named ``.<name>.<hex>.tmp``
        beside the target; one left by a process killed before its rename is removed by
        :meth:`remove_orphans`.
        """
        directory, name = os.path.split(self.path)
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                with suppress(OSError):
                    os.unlink(temporary)
                raise
            _fsync_directory(directory)
        except OSError as error:
            raise StorageError(
                self.path,
                f"cannot write the file: {error.strerror}",
                "check the directory's permissions and free space",
            ) from None

    def remove_orphans(self) -> list[str]:
        """Delete temporary files a killed writer left beside the target; returns their paths.

        Only safe while holding the store's lock: then no other writer can be between its temporary
        write and its rename.
        """
        directory, name = os.path.split(self.path)
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


def parse(raw: bytes, path: str) -> dict[str, Any]:
    """The JSON object in ``raw``, or a :class:`StorageError` saying why it is not one."""
    if not raw.strip():
        raise StorageError(path, "the file is empty, not a keychainsim store", _FIX_NOT_JSON)
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as error:
        raise StorageError(path, f"not a text file ({error.reason} at byte {error.start})", _FIX_NOT_JSON) from None
    except json.JSONDecodeError as error:
        raise StorageError(
            path, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}", _FIX_NOT_JSON
        ) from None
    except (ValueError, RecursionError) as error:
        raise StorageError(path, f"not valid JSON: {error}", _FIX_NOT_JSON) from None
    if type(data) is not dict:
        raise StorageError(
            path,
            f"not a keychainsim store: the top level is a {type(data).__name__}, not an object of tables",
            _FIX_NOT_JSON,
        )
    return data


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable; without it a power cut can bring back the old file."""
    if os.name != "posix":  # pragma: no cover - Windows cannot open a directory
        return
    fd = os.open(directory or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
