"""Fixtures for the crypto tests: generated keys cached per session so RSA generation stays cheap."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from keychainsim.crypto.keys import CURVES_BY_SIZE, SecKey

KeyFactory = Callable[[str, int], SecKey]


@pytest.fixture(scope="session")
def make_key() -> KeyFactory:
    """``make_key("RSA", 2048)`` / ``make_key("EC", 256)``: a private SecKey, generated once per session."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from keychainsim.crypto.keygen import generate_rsa_private_key

    cache: dict[tuple[str, int], SecKey] = {}

    def factory(kind: str, bits: int) -> SecKey:
        if (kind, bits) not in cache:
            raw = generate_rsa_private_key(bits) if kind == "RSA" else ec.generate_private_key(CURVES_BY_SIZE[bits])
            cache[kind, bits] = SecKey._from_cryptography(raw)
        return cache[kind, bits]

    return factory
