"""The store file's bytes: a tinydb document (the snapshot), then a journal of changes, one per line.

::

    {"_meta":{
    "1":{"generation":3,"keychainsim":"0.1.0","schema":3}
    },
    "columns":{
    "1":{"attrs":["acct",...],"item_class":"genp","keychain":"dp","rowids":[1,...,7],"values":[[...],...]}
    },
    "state":{
    "1":{"clock_ms":0,"device":{...},"next_rowid":8}
    }}
    J183:5c0e1f9a:{"items":{"8":{...}},"state":{"1":{...}}}
    J96:0b7a4c21:{"items":{"7":null},"state":{"1":{...}}}

The snapshot is JSON in tinydb's layout (tables of documents keyed by id), written one document per
line, and with the save counter (``generation``) in its first bytes. What the documents mean is
:mod:`keychainsim.store.codec`'s business: since schema 3 the items are kept a column at a time (schema 2
kept one ``items`` document per item), and journal records name items by rowid either way.

Each transaction that changes something appends one **journal record**: ``J``, the payload's length in
bytes, ``:``, the payload's CRC-32 in hex, ``:``, the payload, a newline. The payload is a *patch* in
the same layout: for each table, the new content of each changed document, or ``null``
for a deleted one. Reading the store is reading the snapshot and applying the patches in order (for a
schema 3 snapshot, to the items it decodes: :class:`keychainsim.store.storage.JournalStorage`, which
applies them to the document as tinydb sees it, shows such a file's journalled items in an ``items``
table beside its ``columns``).

Why this shape (the store's durability contract):

- an append writes a few hundred bytes and one ``fdatasync``, whatever the number of items: a durable
  write costs the same at 100 items and at 10,000;
- a record is acknowledged only after its ``fdatasync``, so a crash can leave at most one incomplete
  record, and only at the end of the file. Its length, newline or checksum then disagree, and it is
  ignored as never acknowledged (the next writer truncates it before appending). A damaged record with a
  valid record after it is not a crash but corruption, and the store is refused;
- the journal is folded into a new snapshot now and then (compaction), written beside the file and
  renamed over it, so the old file stays whole until the new one is;
- a reader that takes no lock (a read-only directory) still sees a consistent store: a prefix of the
  journal (an append in progress looks like a torn record) or the whole of a renamed file.

Nothing here does I/O: :mod:`keychainsim.store.storage` reads and writes the bytes, and
:mod:`keychainsim.store.codec` gives the documents their meaning.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from keychainsim.errors import StorageError

FIX_NOT_JSON = "restore the file from a backup, or move it away to start with an empty store"
FIX_DAMAGED = "restore the file from a backup; the records before the damaged one are intact"

_RECORD_MARK = b"J"
_MAX_LENGTH_DIGITS = 12
_WHITESPACE = b" \t\r\n"
_decoder = json.JSONDecoder()


def dumps(value: Any) -> str:
    """One JSON value as the store writes it: sorted keys, ASCII escapes, strict (no NaN), compact (no
    spaces: a tenth less to parse when a store is opened).

    ASCII escapes keep any Python str writable (even a lone surrogate) and make characters and bytes the
    same count; ``allow_nan=False`` keeps the file readable by strict JSON parsers (the codec tags what
    would need either).
    """
    return json.dumps(value, sort_keys=True, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def serialize_snapshot(document: dict[str, dict[str, Any]]) -> bytes:
    """The snapshot's bytes: tables in name order, one document per line in id order (ids numeric)."""
    tables = []
    for name in sorted(document):
        docs = document[name]
        lines = [f"{dumps(doc_id)}:{dumps(docs[doc_id])}" for doc_id in sorted(docs, key=_id_order)]
        body = "\n" + ",\n".join(lines) + "\n" if lines else ""
        tables.append(f"{dumps(name)}:{{{body}}}")
    return ("{" + ",\n".join(tables) + "}\n").encode("ascii")


def _id_order(doc_id: str) -> tuple[int, int | str]:
    return (0, int(doc_id)) if doc_id.isascii() and doc_id.isdigit() else (1, doc_id)


def frame(patch: dict[str, dict[str, Any]]) -> bytes:
    """One journal record for ``patch`` (a table -> document id -> document or None mapping)."""
    payload = dumps(patch).encode("ascii")
    return b"J%d:%08x:%s\n" % (len(payload), zlib.crc32(payload), payload)


@dataclass
class Snapshot:
    """The document at the start of a file, and where the bytes after it begin."""

    document: dict[str, Any]
    end: int
    """Offset of the first byte after the document and the whitespace that follows it."""


def parse_snapshot(raw: bytes, path: str) -> Snapshot:
    """The JSON object at the start of ``raw``.

    Raises:
        StorageError: the bytes are empty, not text, not JSON, or not a JSON object.
    """
    if not raw.strip():
        raise StorageError(path, "the file is empty, not a keychainsim store", FIX_NOT_JSON)
    try:
        text = raw.decode("ascii") if raw.isascii() else raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StorageError(path, f"not a text file ({error.reason} at byte {error.start})", FIX_NOT_JSON) from None
    start = len(text) - len(text.lstrip())
    try:
        document, end = _decoder.raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise StorageError(
            path, f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}", FIX_NOT_JSON
        ) from None
    except (ValueError, RecursionError) as error:
        raise StorageError(path, f"not valid JSON: {error}", FIX_NOT_JSON) from None
    if type(document) is not dict:
        raise StorageError(
            path,
            f"not a keychainsim store: the top level is a {type(document).__name__}, not an object of tables",
            FIX_NOT_JSON,
        )
    if not raw.isascii():
        end = len(text[:end].encode("utf-8"))
    while end < len(raw) and raw[end] in _WHITESPACE:
        end += 1
    return Snapshot(document, end)


def trailing_data(raw: bytes, start: int, path: str) -> StorageError:
    """The error for bytes after the document in a file whose layout has no journal."""
    line = raw.count(b"\n", 0, start) + 1
    return StorageError(path, f"not valid JSON: extra data after the document, at line {line}", FIX_NOT_JSON)


@dataclass
class Journal:
    """The valid records found from some offset on, and what followed them."""

    patches: list[dict[str, Any]] = field(default_factory=list)
    end: int = 0
    """Offset just after the last valid record (the start offset when there is none)."""
    torn: bool = False
    """Bytes follow ``end`` that are no valid record: the tail of a write that never completed."""


def parse_journal(raw: bytes, start: int, path: str, base: int = 0) -> Journal:
    """The records in ``raw[start:]``; offsets in the answer and in errors are ``base`` + index.

    Raises:
        StorageError: a record is damaged and a valid one follows it, or a record with a good checksum
            does not hold a JSON object (neither can come from a crash).
    """
    journal = Journal(end=base + start)
    position, size = start, len(raw)
    while position < size:
        parsed = _record_at(raw, position)
        if parsed is None:
            if _valid_record_after(raw, position):
                raise StorageError(
                    path,
                    f"journal record at byte {base + position} is damaged, and valid records follow it",
                    FIX_DAMAGED,
                )
            journal.torn = True
            break
        payload, position = parsed
        try:
            patch = json.loads(payload)
        except (ValueError, RecursionError) as error:
            raise StorageError(
                path, f"journal record ending at byte {base + position} is not JSON: {error}", FIX_DAMAGED
            ) from None
        if type(patch) is not dict:
            raise StorageError(
                path, f"journal record ending at byte {base + position} is not a JSON object", FIX_DAMAGED
            )
        journal.patches.append(patch)
        journal.end = base + position
    return journal


def _record_at(raw: bytes, position: int) -> tuple[bytes, int] | None:
    """``(payload, end)`` of the record starting at ``position``, or None if there is no whole valid one."""
    if raw[position : position + 1] != _RECORD_MARK:
        return None
    colon = raw.find(b":", position + 1, position + 2 + _MAX_LENGTH_DIGITS)
    digits = raw[position + 1 : colon]
    if colon < 0 or not digits.isdigit() or not digits.isascii():
        return None
    length = int(digits)
    crc_text = raw[colon + 1 : colon + 9]
    payload_start = colon + 10
    end = payload_start + length + 1
    if end > len(raw) or raw[colon + 9 : colon + 10] != b":" or raw[end - 1 : end] != b"\n":
        return None
    try:
        crc = int(crc_text, 16)
    except ValueError:
        return None
    payload = raw[payload_start : end - 1]
    if zlib.crc32(payload) != crc:
        return None
    return payload, end


def _valid_record_after(raw: bytes, position: int) -> bool:
    """Whether a whole, valid record starts anywhere after ``position`` (at the start of a line)."""
    search = raw.find(b"\n" + _RECORD_MARK, position)
    while search >= 0:
        if _record_at(raw, search + 1) is not None:
            return True
        search = raw.find(b"\n" + _RECORD_MARK, search + 1)
    return False


def apply_patch(document: dict[str, Any], patch: Any, path: str, where: str) -> None:
    """Apply one journal patch to a document in place: for each table, set or (for None) delete documents.

    Raises:
        StorageError: the patch or the document is not tables of documents by id.
    """
    if type(patch) is not dict:
        raise StorageError(path, f"{where} is a {type(patch).__name__}, not a patch of tables", FIX_DAMAGED)
    for table, docs in patch.items():
        target = document.setdefault(table, {})
        if type(docs) is not dict or type(target) is not dict:
            raise StorageError(path, f"{where}: the {table!r} table is not an object of documents", FIX_DAMAGED)
        for doc_id, doc in docs.items():
            if doc is None:
                target.pop(doc_id, None)
            else:
                target[doc_id] = doc
