"""RC2-CBC decryption (RFC 2268) with any effective key length, for legacy PKCS#12 files.

``openssl pkcs12 -export -legacy`` (and every PKCS#12 file made before OpenSSL 3) encrypts the
certificate safe with ``pbeWithSHAAnd40BitRC2-CBC``: a 40-bit RC2 key. ``cryptography`` only offers
128-bit RC2, and Apple's importer accepts both (keys-certs-identities.md §I.3 [R:
OSX/sec/Security/p12import.c — pkcsOidInfos]), so the key schedule is done here. Speed is irrelevant
(certificate safes are a few kilobytes); correctness is checked against RFC 2268 §5's vectors.
"""

from __future__ import annotations

# RFC 2268 §2: PITABLE, a permutation of 0..255 derived from the digits of pi.
_PITABLE = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad"
)
_MASK = 0xFFFF


def expand_key(key: bytes, effective_bits: int) -> list[int]:
    """The 64 16-bit subkeys K[0..63] (RFC 2268 §2)."""
    if not 1 <= len(key) <= 128 or not 1 <= effective_bits <= 1024:
        raise ValueError("RC2 key must be 1..128 bytes with 1..1024 effective bits")
    t = len(key)
    t8 = (effective_bits + 7) // 8
    tm = 0xFF >> (8 * t8 - effective_bits)
    buf = bytearray(128)
    buf[:t] = key
    for i in range(t, 128):
        buf[i] = _PITABLE[(buf[i - 1] + buf[i - t]) & 0xFF]
    buf[128 - t8] = _PITABLE[buf[128 - t8] & tm]
    for i in range(127 - t8, -1, -1):
        buf[i] = _PITABLE[buf[i + 1] ^ buf[i + t8]]
    return [buf[2 * i] | (buf[2 * i + 1] << 8) for i in range(64)]


def _ror(value: int, shift: int) -> int:
    return ((value >> shift) | (value << (16 - shift))) & _MASK


def decrypt_block(subkeys: list[int], block: bytes) -> bytes:
    """Decrypt one 8-byte block (RFC 2268 §4): r-mix×5, r-mash, r-mix×6, r-mash, r-mix×5."""
    r = [block[2 * i] | (block[2 * i + 1] << 8) for i in range(4)]
    j = 63
    for rounds, mash_after in ((5, True), (6, True), (5, False)):
        for _ in range(rounds):
            for i in (3, 2, 1, 0):
                r[i] = _ror(r[i], (1, 2, 3, 5)[i])
                r[i] = (r[i] - subkeys[j] - (r[i - 1] & r[i - 2]) - ((~r[i - 1]) & r[i - 3])) & _MASK
                j -= 1
        if mash_after:
            for i in (3, 2, 1, 0):
                r[i] = (r[i] - subkeys[r[i - 1] & 63]) & _MASK
    return b"".join(bytes((w & 0xFF, w >> 8)) for w in r)


def cbc_decrypt(key: bytes, effective_bits: int, iv: bytes, data: bytes) -> bytes:
    """RC2-CBC decryption without removing padding; ``data`` must be whole 8-byte blocks."""
    if len(data) % 8 or len(iv) != 8:
        raise ValueError("RC2-CBC needs whole 8-byte blocks and an 8-byte IV")
    subkeys = expand_key(key, effective_bits)
    out = bytearray()
    previous = iv
    for offset in range(0, len(data), 8):
        block = data[offset : offset + 8]
        plain = decrypt_block(subkeys, block)
        out += bytes(a ^ b for a, b in zip(plain, previous, strict=True))
        previous = block
    return bytes(out)
