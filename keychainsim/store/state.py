"""The plain data a store keeps: every item, the row counter and the device's lock state.

The engine works on an in-memory :class:`~keychainsim.engine.database.Database`; a store only saves and
loads this snapshot of it (style-anchors §E, "tinydb — safe usage", rule 1). Attribute values are the
Python forms of CF types listed in :data:`VALUE_TYPES`, and a store must give back exactly what it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from keychainsim.model.access_control import SecAccessControl

SCHEMA_VERSION = 3
"""Version of the saved layout. 1: a JSON document alone, items keyed by position (keychainsim before
the journal). 2: the document keyed by rowid, then a journal of changes (:mod:`keychainsim.store.layout`).
3: the same journal after a snapshot that keeps the items a column at a time
(:mod:`keychainsim.store.codec`). Schemas 1 and 2 are still read, and the next snapshot written (the
first write to a schema 1 file, a compaction or a save) is schema 3. A file with a larger number was
written by a newer keychainsim and is refused."""

READABLE_SCHEMAS = (1, 2, 3)

VALUE_TYPES = (type(None), bool, int, float, str, bytes, datetime, list, dict, SecAccessControl)
"""Types an attribute value may have (lists and dicts nest; dict keys are str)."""


@dataclass
class StoredItem:
    """One row: which keychain holds it (``"dp"`` data protection, ``"file"`` the macOS file-based
    keychain), its class, its row id (insertion order, as SQLite's rowid), and its attributes by raw key
    (secret data under ``"v_Data"``; the persistent UUID under ``"persistref"``)."""

    keychain: str
    item_class: str
    rowid: int
    attrs: dict[str, Any]


@dataclass
class DeviceState:
    """Lock state of the simulated device (reference secitem-engine.md §K.2).

    ``unlocked`` is the current state; ``unlocked_since_boot`` is False between a restart and the first
    unlock (class C keys unavailable); ``passcode_set`` governs kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly.
    """

    unlocked: bool = True
    unlocked_since_boot: bool = True
    passcode_set: bool = True


@dataclass
class KeychainState:
    """Everything a store persists."""

    items: list[StoredItem] = field(default_factory=list)
    next_rowid: int = 1
    device: DeviceState = field(default_factory=DeviceState)
    clock_ms: int = 0
    """Last modification time handed out, in ms since 1970, so mdat stays monotonic across processes."""


@dataclass
class Change:
    """What one transaction changed, as one journal record keeps it: the new content of each changed
    item by rowid (None for a deleted one), and the counters and device state after the change."""

    items: dict[int, StoredItem | None]
    next_rowid: int
    device: DeviceState
    clock_ms: int
