"""Who is calling: the caller's access groups and what it may read and write (§I)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from keychainsim.model.reject import Reject
from keychainsim.status import OSStatus

TOKEN_GROUP = "com.apple.token"
"""kSecAttrAccessGroupToken: readable when entitled, never writable (§I.3)."""
ALL_GROUPS = "*"
"""The wildcard group daemons hold: every group (§I.1)."""

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Caller:
    """An app's view of the keychain: its access-group list in entitlement order (§I.1)."""

    access_groups: tuple[str, ...]
    musr: bytes = b""
    anchors: tuple[bytes, ...] = ()
    """DER of the certificates the simulated device trusts as anchors (kSecMatchTrustedOnly)."""
    user_response: str = "approve"
    """How the simulated user answers authentication prompts: approve, cancel or fail."""

    def __post_init__(self) -> None:
        # Compiled queries are cached per caller, so the caller is hashed on every call: once is enough.
        object.__setattr__(self, "_hash", hash((self.access_groups, self.musr, self.anchors, self.user_response)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined,no-any-return]

    @property
    def writable(self) -> tuple[str, ...]:
        """Groups an add, update or delete may touch: the list without the token group (§I.2)."""
        return tuple(g for g in self.access_groups if g != TOKEN_GROUP)

    @property
    def default_group(self) -> str:
        """Where an add goes when the caller names no group: the first of the full list (§I.2)."""
        return self.access_groups[0]

    def readable_scope(self, explicit: Any) -> tuple[str, ...] | None:
        """Groups a search covers (None: all), after checking an explicit group (-34018 when not entitled)."""
        if not self.access_groups:
            raise Reject(
                OSStatus.errSecMissingEntitlement, "the caller has no keychain access group at all", key="agrp"
            )
        return self._scope(explicit, self.access_groups)

    def writable_scope(self, explicit: Any) -> tuple[str, ...] | None:
        if not self.writable:
            raise Reject(
                OSStatus.errSecMissingEntitlement,
                "the caller has no writable keychain access group (the token group is read-only)",
                key="agrp",
            )
        return self._scope(explicit, self.writable)

    def _scope(self, explicit: Any, groups: tuple[str, ...]) -> tuple[str, ...] | None:
        if explicit is not None:
            name = explicit.decode("utf-8", "replace") if isinstance(explicit, bytes) else explicit
            if ALL_GROUPS not in groups and name not in groups:
                raise Reject(
                    OSStatus.errSecMissingEntitlement,
                    f"kSecAttrAccessGroup {name!r} is not one of the caller's groups {list(groups)}",
                    key="agrp",
                )
            return (name,)
        return None if ALL_GROUPS in groups else groups


def new_persistent_uuid() -> bytes:
    """A fresh 16-byte UUID for an item's persistent reference (``SecServerUUIDDataCreate()``, §L.2)."""
    return uuid.uuid4().bytes


def bumped(now: datetime, previous: Any) -> datetime:
    """The new modification date: now, but at least 1 ms after the previous one (§F.1 j)."""
    if isinstance(previous, datetime) and now < previous + timedelta(milliseconds=1):
        return previous + timedelta(milliseconds=1)
    return now


def item_digest(attrs: dict[str, Any]) -> bytes:
    """The item's ``sha1``: SHA-1 over its attributes and data.

    Apple digests the DER encoding of the H-flagged attributes; keychainsim digests a canonical text
    form of the same kind of content, so the value changes when the item changes, as on a device, but
    its bytes differ from a device's.
    """
    parts = []
    for key in sorted(attrs):
        if key in ("sha1", "cdat", "mdat", "persistref", "UUID", "accc", "tomb", "clip"):
            continue
        value = attrs[key]
        parts.append(f"{key}={type(value).__name__}:{value.hex() if isinstance(value, bytes) else value!r}")
    return hashlib.sha1("\n".join(parts).encode("utf-8")).digest()
