"""Whether the calling app can see an item, and if not, every reason why.

These are the implicit filters a SecItemCopyMatching applies that the caller never wrote down
(style-anchors rule 10; pitfalls catalog R3, R4, R12, §K.2 of the engine reference). The checks are the
engine's own: the one matcher's implicit predicates for a query naming only the class (sync = 0,
tomb = 0, the caller's groups) and the protection table, so a dump cannot disagree with what a query
returns. A hidden item lists all of its reasons, not the first: fixing one must not reveal
another surprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from keychainsim.engine.context import ALL_GROUPS
from keychainsim.engine.protection import available, requirement
from keychainsim.model import match
from keychainsim.model.item import FILE, Item
from keychainsim.model.match import Matcher, Scope
from keychainsim.model.query import Query
from keychainsim.probe.names import value_name

ACCESS_GROUP = "access_group"
SYNCHRONIZABLE = "synchronizable"
TOMBSTONE = "tombstone"
LOCKED = "locked"
OTHER_KEYCHAIN = "other_keychain"

REASON_CODES = (ACCESS_GROUP, SYNCHRONIZABLE, TOMBSTONE, LOCKED, OTHER_KEYCHAIN)
"""Every code a :class:`Hidden` reason may carry (stable: written into JSON dumps)."""


@dataclass(frozen=True)
class Hidden:
    """One reason the calling app does not get an item back from a query of its class."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    def __rich_repr__(self) -> Any:
        yield "code", self.code
        yield "message", self.message


@dataclass(frozen=True)
class Device:
    """The device's lock state as a dump records it (a frozen copy of the engine's DeviceState)."""

    unlocked: bool = True
    unlocked_since_boot: bool = True
    passcode_set: bool = True

    def describe(self) -> str:
        if self.unlocked:
            state = "unlocked"
        elif self.unlocked_since_boot:
            state = "locked (unlocked once since restart)"
        else:
            state = "locked, not unlocked since restart"
        return f"{state}, {'passcode set' if self.passcode_set else 'no passcode'}"

    def to_dict(self) -> dict[str, bool]:
        return {
            "passcode_set": self.passcode_set,
            "unlocked": self.unlocked,
            "unlocked_since_boot": self.unlocked_since_boot,
        }


@lru_cache(maxsize=64)
def _plain_query(item_class: str, access_groups: tuple[str, ...]) -> Matcher:
    """The matcher of ``{kSecClass: item_class}`` for this caller: nothing but the implicit predicates."""
    groups = None if ALL_GROUPS in access_groups else access_groups
    return Matcher(Query(op="copy", item_class=item_class, source={}), Scope(groups=groups))


def hidden_reasons(item: Item, access_groups: tuple[str, ...], device: Device, platform: str) -> tuple[Hidden, ...]:
    """Why a plain query of the item's class by this caller would not return ``item`` (empty: visible).

    On macOS the reference is the data protection keychain, the one TN3137 recommends and the only one
    in which identities with data-protection keys form: a file-based item is reported as living in the
    other keychain (a call without kSecUseDataProtectionKeychain still finds it there).
    """
    if item.keychain == FILE:
        return (
            Hidden(
                OTHER_KEYCHAIN,
                "lives in the macOS file-based keychain: calls with kSecUseDataProtectionKeychain = true "
                "(or attributes that route there) do not see it, and it never pairs with a data protection "
                "item into an identity",
            ),
        )
    out: list[Hidden] = []
    failed = {miss.kind for miss in _plain_query(item.item_class, access_groups).misses(item)}
    if match.TOMBSTONE in failed:
        out.append(
            Hidden(TOMBSTONE, "a tombstone (tomb = 1): the record of a deleted synchronizable item, never returned")
        )
    if match.SYNC in failed:
        out.append(
            Hidden(
                SYNCHRONIZABLE,
                "synchronizable (sync = 1): returned only when the query sets kSecAttrSynchronizable to "
                "kSecAttrSynchronizableAny or true",
            )
        )
    group = item.get("agrp")
    if match.ACCESS_GROUP in failed:
        shown = ", ".join(f'"{g}"' for g in access_groups) or "none"
        out.append(Hidden(ACCESS_GROUP, f'access group "{group}" is not one of this app\'s groups ({shown})'))
    protection = item.get("pdmn")
    if not available(protection, device):  # type: ignore[arg-type]
        name = value_name(item.item_class, "pdmn", protection)
        label = f"{protection} ({name})" if name else str(protection)
        out.append(
            Hidden(
                LOCKED,
                f"protection class {label} is readable only when {requirement(protection)}; the device is "
                f"{device.describe()}, so a query that reaches it fails with errSecInteractionNotAllowed (-25308)",
            )
        )
    return tuple(out)
