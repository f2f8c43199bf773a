"""The few engine internals a probe reads or restores, in one place.

The public Keychain facade exposes ``all_items()`` and ``is_locked``; a dump also needs the whole device
state, the identity join (computed by the engine's own :func:`~keychainsim.engine.identity.join`, so a
dump draws exactly the pairs a query would form) and, to load a dump, a way to put rows back verbatim.
Until the facade offers these, this module reaches through ``Keychain._backend``; nothing else in the
probe package touches a private name of the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from keychainsim.engine.identity import join
from keychainsim.model.item import DP, FILE, Item
from keychainsim.probe.visibility import Device
from keychainsim.store.state import DeviceState

if TYPE_CHECKING:
    from keychainsim.keychain import Keychain


@dataclass(frozen=True)
class EngineView:
    """Everything a dump reads, taken in one store transaction so the parts agree with each other."""

    items: tuple[Item, ...]
    device: Device
    pairs: tuple[tuple[Item, Item], ...]
    """(certificate, private key) rows the engine's identity join forms, per keychain implementation."""


def read(kc: Keychain) -> EngineView:
    """Items (rowid order), device state and identity pairs of ``kc``'s store, in one transaction."""
    with kc._backend.reading() as db:
        items = tuple(sorted(db.all_items(), key=lambda i: i.rowid))
        state = db.device
        device = Device(state.unlocked, state.unlocked_since_boot, state.passcode_set)
        pairs = tuple((row.certificate, row.key) for keychain in (DP, FILE) for row in join(db, keychain))
    return EngineView(items, device, pairs)


def restore(kc: Keychain, items: Iterable[Item], device: Device) -> None:
    """Put rows into ``kc``'s store exactly as given (row ids, dates, digests untouched) and set the device.

    SecItemAdd would apply defaults, new dates and new persistent refs; a loaded dump must hold the
    items it describes, nothing more or less.
    """
    with kc._backend.transaction() as db:
        db.device = DeviceState(device.unlocked, device.unlocked_since_boot, device.passcode_set)
        for item in items:
            db.put(item)
        db.changes += 1
