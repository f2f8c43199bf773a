"""SecKeychainItem: the macOS handle to a stored password (or other item) of either keychain.

On macOS ``kSecReturnRef`` gives a password a ``SecKeychainItemRef`` (KeychainAPITests
``testGenpReturnRef``, macOS branch), and a file-based CopyMatching without any return key returns one
by default (reference secitem-engine.md §M.4). It is an opaque handle: keychainsim keeps which row it
names, so it can be compared and shown, but does not model the legacy SecKeychainItem* API around it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SecKeychainItem:
    """Opaque handle to one stored row: its class, keychain implementation and persistent UUID."""

    item_class: str
    keychain: str
    persistent_uuid: bytes

    def __repr__(self) -> str:
        return f"<SecKeychainItem {self.item_class} in the {self.keychain} keychain {self.persistent_uuid.hex()[:8]}>"
