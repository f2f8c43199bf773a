"""Small fixed keychains for the probe tests, built with raw SecItemAdd dictionaries (no cryptography).

Dates come from a fixed clock so that rendered text is stable; persistent references are random UUIDs
and are normalised by :func:`normalise` where a test compares text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from keychainsim import Keychain
from keychainsim.constants import *

APP = "A1B2C3D4E5.com.example.app"
SHARED = "A1B2C3D4E5.com.example.shared"
OTHER = "Z9Y8X7W6V5.com.example.other"

HASH_A = b"\x01" * 20
HASH_B = b"\x02" * 20
HASH_C = b"\x03" * 20


def fixed_clock() -> Any:
    """A clock at 2025-01-31T10:00:00Z that advances one second per reading."""
    moments = iter(datetime(2025, 1, 31, 10, 0, tzinfo=UTC) + timedelta(seconds=n) for n in range(10**6))
    return lambda: next(moments)


def keychain(platform: str = "ios", groups: list[str] | None = None) -> Keychain:
    return Keychain(platform=platform, access_groups=groups or [APP, SHARED], clock=fixed_clock())


def private_key(label: bytes = HASH_A, **extra: Any) -> dict[str, Any]:
    """A keys item as a private key: klbl set, priv = 1, kcls = private."""
    return {
        kSecClass: kSecClassKey,
        kSecAttrApplicationLabel: label,
        kSecAttrIsPrivate: 1,
        kSecAttrKeyClass: kSecAttrKeyClassPrivate,
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        **extra,
    }


def certificate(pkhh: bytes = HASH_A, serial: bytes = b"1", **extra: Any) -> dict[str, Any]:
    """A cert item: its public-key hash, an issuer and a serial (the uniqueness attributes)."""
    return {
        kSecClass: kSecClassCertificate,
        kSecAttrPublicKeyHash: pkhh,
        kSecAttrIssuer: b"i",
        kSecAttrSerialNumber: serial,
        **extra,
    }


def add(kc: Keychain, attributes: dict[str, Any]) -> None:
    status, _ = kc.SecItemAdd(attributes)
    assert status == errSecSuccess, (status, kc.last_call)


_PERSISTREF = re.compile(r"(persistref +kSecAttrPersistentReference +)[0-9a-f]{32}")
_SHA1 = re.compile(r"(sha1 +kSecAttrSHA1 +(?:- )?|sha1 = \{length = 20, bytes = 0x|^ +\+ )[0-9a-f]{40}", re.MULTILINE)


def normalise(text: str) -> str:
    """Replace persistent references (random UUIDs) and item digests (the engine's own hash of an item's
    attributes, which a rendering test should not pin) by placeholders."""
    return _SHA1.sub(r"\1<sha1>", _PERSISTREF.sub(r"\1<uuid>", text))
