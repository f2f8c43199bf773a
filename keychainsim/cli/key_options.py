"""The key type and size options of ``keygen`` and ``enroll``, checked before any call.

A size SecKeyCreateRandomKey cannot generate is refused there with an opaque -50 ("failed to generate
key"); on the command line it is a usage error naming the sizes that work, and the size defaults to
one that suits the type (256 for EC, 2048 for RSA) rather than to the EC default for both.
"""

from __future__ import annotations

from keychainsim.cli.state import choice, usage_error

KEY_TYPES = ("ec", "rsa")


def key_type_and_bits(type_option: str, key_type: str, bits: int | None) -> tuple[str, int]:
    """The raw kSecAttrKeyType ("73" or "42") and the size in bits; a usage error (exit 2) otherwise."""
    from keychainsim.constants import kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeyTypeRSA
    from keychainsim.crypto.keygen import DEFAULT_BITS, size_problem

    raw = kSecAttrKeyTypeECSECPrimeRandom if choice(type_option, key_type, KEY_TYPES) == "ec" else kSecAttrKeyTypeRSA
    size = DEFAULT_BITS[raw] if bits is None else bits
    problem = size_problem(raw, size)
    if problem is not None:
        usage_error(f"--bits: {problem}")
    return raw, size
