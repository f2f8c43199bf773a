"""Data protection: default protection classes and when each class key is available (§K)."""

from __future__ import annotations

from collections.abc import Callable

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


def every_class_available(device: DeviceState) -> bool:
    """Whether every protection class can be decrypted now (unlocked, unlocked since boot, a passcode
    set): then no row needs :func:`available` asked (the usual state, and the one the read path skips)."""
    return device.unlocked and device.unlocked_since_boot and device.passcode_set


def requirement(protection: str | None) -> str:
    """A person's words for when the class is readable, for messages."""
    rule = AVAILABLE_WHEN.get(protection or "ak")
    return rule[0] if rule else "always"


def require(protection: str | None, device: DeviceState, doing: str) -> None:
    """Stop the call with errSecInteractionNotAllowed when the class key for ``protection`` is unavailable:
    encrypting (add), decrypting (read, update) and re-encrypting (a tombstone) all need it (§K.2)."""
    if not available(protection, device):
        raise Reject(
            OSStatus.errSecInteractionNotAllowed,
            f"{doing} needs protection class {protection!r}, available only when {requirement(protection)}",
            key="pdmn",
        )
