"""Persistence for the keychain: a plain state snapshot, the changes to it, and the file store that keeps them.

The engine owns the in-memory model; a store only loads :class:`KeychainState` snapshots and appends
:class:`Change` records (style-anchors §E, "tinydb — safe usage", rule 1). :class:`FileStore` is the one
implementation that touches disk: a tinydb document followed by a journal of changes, appended with
fdatasync and compacted by atomic replacement, under a sidecar lock.
"""

from __future__ import annotations

from keychainsim.store.file import ABSENT, FileStore, Position, StoreSession
from keychainsim.store.location import STORE_ENV, default_store_path
from keychainsim.store.lock import LockWait
from keychainsim.store.state import (
    READABLE_SCHEMAS,
    SCHEMA_VERSION,
    VALUE_TYPES,
    Change,
    DeviceState,
    KeychainState,
    StoredItem,
)

__all__ = [
    "ABSENT",
    "READABLE_SCHEMAS",
    "SCHEMA_VERSION",
    "STORE_ENV",
    "VALUE_TYPES",
    "Change",
    "DeviceState",
    "FileStore",
    "KeychainState",
    "LockWait",
    "Position",
    "StoreSession",
    "StoredItem",
    "default_store_path",
]
