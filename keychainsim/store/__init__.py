"""Persistence for the keychain: a plain state snapshot and the file store that keeps it.

The engine owns the in-memory model; a store only loads and saves :class:`KeychainState` snapshots
(style-anchors §E, "tinydb — safe usage", rule 1). :class:`FileStore` is the one implementation that
touches disk: a JSON file in tinydb's layout, written atomically under a sidecar lock.
"""

from __future__ import annotations

from keychainsim.store.file import FileSignature, FileStore, StoreSession
from keychainsim.store.location import STORE_ENV, default_store_path
from keychainsim.store.state import SCHEMA_VERSION, VALUE_TYPES, DeviceState, KeychainState, StoredItem

__all__ = [
    "SCHEMA_VERSION",
    "STORE_ENV",
    "VALUE_TYPES",
    "DeviceState",
    "FileSignature",
    "FileStore",
    "KeychainState",
    "StoreSession",
    "StoredItem",
    "default_store_path",
]
