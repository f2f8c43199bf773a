"""Everything a device's keychain holds, as one value: for probes that show it and tools that restore it.

A dump must show exactly what the engine would see and pair (the identity join is the engine's own), and
a loaded dump must hold exactly the rows it describes: row ids, dates and digests as given, which
SecItemAdd would not keep. Both go through this module, behind the facade's ``export_contents()`` and
``restore_contents()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from keychainsim.engine.database import Database
from keychainsim.engine.identity import join
from keychainsim.model.item import DP, FILE, Item
from keychainsim.store.state import DeviceState


@dataclass(frozen=True)
class DeviceContents:
    """Every stored item of both keychains (tombstones included, row order), the device's lock state, and
    the (certificate, private key) pairs the engine's identity join forms in each keychain."""

    items: tuple[Item, ...]
    device: DeviceState
    identities: tuple[tuple[Item, Item], ...] = ()


def export(db: Database) -> DeviceContents:
    items = tuple(sorted(db.all_items(), key=lambda i: i.rowid))
    state = db.device
    device = DeviceState(state.unlocked, state.unlocked_since_boot, state.passcode_set)
    pairs = tuple((row.certificate, row.key) for keychain in (DP, FILE) for row in join(db, keychain))
    return DeviceContents(items, device, pairs)


def restore(db: Database, contents: DeviceContents) -> None:
    """Put the rows back exactly as given and set the lock state (the identities follow from the rows)."""
    device = contents.device
    db.device = DeviceState(device.unlocked, device.unlocked_since_boot, device.passcode_set)
    for item in contents.items:
        db.put(item)
    db.changes += 1
