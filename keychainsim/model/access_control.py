"""SecAccessControl: a protection class plus access-control flags (kSecAttrAccessControl).

Reference secitem-engine.md §K.1/§K.3: the protection it carries becomes the item's ``pdmn``; flags
(user presence, biometry, ...) are constraints that require authentication to use the item.
"""

from __future__ import annotations

from dataclasses import dataclass

# SecAccessControlCreateFlags bit values (keychain/headers/SecAccessControl.h).
kSecAccessControlUserPresence = 1 << 0
kSecAccessControlBiometryAny = 1 << 1
kSecAccessControlBiometryCurrentSet = 1 << 3
kSecAccessControlDevicePasscode = 1 << 4
kSecAccessControlWatch = 1 << 5
kSecAccessControlOr = 1 << 14
kSecAccessControlAnd = 1 << 15
kSecAccessControlPrivateKeyUsage = 1 << 30
kSecAccessControlApplicationPassword = 1 << 31

VALID_PROTECTIONS = ("ak", "ck", "dk", "aku", "cku", "dku", "akpu", "f")
"""``SecAccessControl.m: SecAccessControlSetProtection()`` accepts these and nothing else (§K.1)."""


@dataclass(frozen=True)
class SecAccessControl:
    """An access-control object as ``SecAccessControlCreateWithFlags`` returns it."""

    protection: str
    flags: int = 0

    @property
    def has_constraints(self) -> bool:
        """True when using the item needs authentication (any flag other than private-key usage)."""
        return bool(self.flags & ~kSecAccessControlPrivateKeyUsage)

    def conflicts_with(self, protection: object) -> bool:
        """Whether a kSecAttrAccessible given beside this access control makes the dictionary -50.

        ``SecDbQuery.c: query_add_attribute()`` turns kSecAttrAccessible into an access control holding only
        that protection, and ``query_set_access_control()`` refuses a second access control that is not
        CFEqual to the first (errSecItemIllegalQuery, which is errSecParam). ``SecAccessControl.m``
        compares the whole dictionary, so the two agree only when this access control is the same
        protection and nothing else: any flag adds ACL entries (or the password requirement) that the
        protection-only one lacks. The same class twice with no flags is accepted (Security-61901)."""
        return protection != self.protection or self.flags != 0

    def to_data(self) -> bytes:
        """``SecAccessControlCopyData()``: a DER dictionary holding the protection under "prot", as Apple's
        does. The constraint flags go under "flags", a key of keychainsim's own: Apple stores per-operation
        constraints (``kAKSKeyAcl``) that keychainsim does not model, so the blob is not a device's."""
        from keychainsim.model import der_plist

        value: dict[str, object] = {"prot": self.protection}
        if self.flags:
            value["flags"] = self.flags
        return der_plist.encode(value)  # type: ignore[arg-type]

    @classmethod
    def from_data(cls, data: bytes) -> SecAccessControl | None:
        """``SecAccessControlCreateFromData()`` for what :meth:`to_data` writes; None for anything else."""
        from keychainsim.model import der_plist

        try:
            value = der_plist.decode(data)
        except ValueError:
            return None
        if not isinstance(value, dict) or value.get("prot") not in VALID_PROTECTIONS:
            return None
        flags = value.get("flags", 0)
        return cls(value["prot"], flags) if isinstance(flags, int) else None


def SecAccessControlCreateWithFlags(
    allocator: object, protection: str, flags: int
) -> tuple[SecAccessControl | None, object]:
    """``(access control, error)``; an unknown protection gives None and a -50 CFError."""
    from keychainsim.status import CFError, OSStatus

    if protection not in VALID_PROTECTIONS:
        return None, CFError.from_status(OSStatus.errSecParam, f"invalid protection {protection!r}")
    return SecAccessControl(protection, int(flags)), None
