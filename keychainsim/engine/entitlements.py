"""Attributes an ordinary app may not use, and the status it gets for trying.

Apps hold only keychain-access-groups (and application identifiers); the private entitlements that
unlock these attributes are Apple's own (reference secitem-engine.md §C.4 notes, §D.1 step 2 and f, §I).
"""

from __future__ import annotations

from typing import Any

from keychainsim.model.reject import Reject
from keychainsim.status import OSStatus

XPC_GATED = ("dspk", "pcss", "pcsk", "pcsi", "binn", "bini", "bin0", "bin1", "bin2", "bin3", "sysb")
"""Refused by the XPC front door without a private entitlement (``OSX/sec/ipc/server.c``, §D.1 step 2)."""

ENTITLED_ON_WRITE = ("ggrp", "vwht")
"""Sharing groups and sync view hints need private entitlements to set (§C.4 notes; shared items §I)."""


def check_write(dictionary: dict[str, Any], what: str) -> None:
    """Refuse gated attributes in an add dictionary or in attributesToUpdate with -34018."""
    for key in (*XPC_GATED, *ENTITLED_ON_WRITE):
        if key in dictionary:
            raise Reject(
                OSStatus.errSecMissingEntitlement,
                f"{key!r} in {what} needs a private entitlement that apps do not have",
                key=key,
            )


def check_read(dictionary: dict[str, Any]) -> None:
    """A query naming a sharing group needs the sharing entitlement (§I, shared items)."""
    if "ggrp" in dictionary and dictionary["ggrp"] not in ("", None):
        raise Reject(
            OSStatus.errSecMissingEntitlement,
            "kSecAttrSharingGroup needs the group-sharing entitlement, which apps do not have",
            key="ggrp",
        )
