"""Data protection: default protection classes and when each class key is available (§K)."""

from __future__ import annotations

from collections.abc import Callable

from keychainsim.model.item import FILE, Item
from keychainsim.model.reject import Reject
from keychainsim.status import OSStatus
from keychainsim.store.state import DeviceState

AVAILABLE_WHEN: dict[str, tuple[str, Callable[[DeviceState], bool]]] = {
    "ak": ("the device is unlocked", lambda d: d.unlocked),
    "aku": ("the device is unlocked", lambda d: d.unlocked),
    "akpu": ("the device is unlocked and has a passcode", lambda d: d.unlocked and d.passcode_set),
    "ck": ("the device has been unlocked once since it started", lambda d: d.unlocked_since_boot),
    "cku": ("the device has been unlocked once since it started", lambda d: d.unlocked_since_boot),
    "dk": ("always", lambda d: True),
    "dku": ("always", lambda d: True),
    "f": ("until the device restarts", lambda d: True),
}
"""Protection class -> (when readable, test). Source: reference secitem-engine.md §K.2 (AKS classes A, C,
D; ``SecDbKeychainMetadataKeyStore.m`` drops class A metadata keys on lock, so even attribute-only reads
of ``ak`` items fail while locked); tests secd-01-items.m, secd-81-item-acl.m."""


def default_protection(item_class: str, access_group: str | None) -> str:
    """``SecDbQuery.c: query_infer_keyclass()`` (§K.1): certificates are ``dk``, everything else ``ak``,
    and the push service's group ``com.apple.apsd`` gets ``dku``."""
    if access_group == "com.apple.apsd":
        return "dku"
    return "dk" if item_class == "cert" else "ak"


def available(protection: str | None, device: DeviceState) -> bool:
    """Whether an item of this protection class can be decrypted now."""
    rule = AVAILABLE_WHEN.get(protection or "ak")
    return True if rule is None else rule[1](device)


def item_available(item: Item, device: DeviceState) -> bool:
    """Whether a stored row can be decrypted now.

    Rows of the macOS file-based keychain have no protection class and are not behind the device lock
    that gates the class keys: that keychain has its own lock, kept by securityd per keychain file
    (``securityd/src/kcdatabase.cpp``: ``KeychainDatabase::makeUnlocked()`` asks for the keychain's
    password when its master key is absent; ``KeychainDbCommon`` locks on its idle timeout or on sleep;
    ``OSX/libsecurity_keychain/lib/Keychains.cpp: KeychainImpl::status()`` reads ``isLocked()`` of that
    database). keychainsim does not model that lock, so a file-based row is always available.
    """
    return item.keychain == FILE or available(item.get("pdmn"), device)


def every_class_available(device: DeviceState) -> bool:
    """Whether every protection class can be decrypted now (unlocked, unlocked since boot, a passcode
    set): then no row needs :func:`available` asked (the usual state, and the one the read path skips)."""
    return device.unlocked and device.unlocked_since_boot and device.passcode_set


def requirement(protection: str | None) -> str:
    """A person's words for when the class is readable, for messages."""
    rule = AVAILABLE_WHEN.get(protection or "ak")
    return rule[0] if rule else "always"


def require_item(item: Item, device: DeviceState, doing: str) -> None:
    """:func:`require` for a stored row (a file-based keychain row needs no class key: :func:`item_available`)."""
    if not item_available(item, device):
        require(item.get("pdmn"), device, doing)


def require(protection: str | None, device: DeviceState, doing: str) -> None:
    """Stop the call with errSecInteractionNotAllowed when the class key for ``protection`` is unavailable:
    encrypting (add), decrypting (read, update) and re-encrypting (a tombstone) all need it (§K.2)."""
    if not available(protection, device):
        raise Reject(
            OSStatus.errSecInteractionNotAllowed,
            f"{doing} needs protection class {protection!r}, available only when {requirement(protection)}",
            key="pdmn",
        )
