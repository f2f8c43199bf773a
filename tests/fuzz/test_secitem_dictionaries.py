"""Random dictionaries thrown at the SecItem calls and SecKeyCreateRandomKey on both platforms: a status (or
``(key, error)``) always comes back, never a Python exception.

Keys are Apple's raw constant values, random text (empty and one-character included) and keys of other CF
types (NSNull, CFData, CFNumber, CFBoolean, CFArray); values are every CF type, NaN and infinities, numbers
past 64 bits, megabyte strings and data, nesting hundreds deep, and refs: keys, certificates, identities,
access controls, policies and whatever earlier calls in the same example returned. The one exception
allowed is :class:`~keychainsim.errors.NotModeledError`, which keychainsim raises for keys Apple defines
and the model does not handle (documented in the README and docs/coverage.md; exit 3 on the command line).

The example count and seed come from the Hypothesis profile (``tests/conftest.py``; docs/testing.md
describes the longer release run).
"""

from __future__ import annotations

import math
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keychainsim import Keychain, OSStatus
from keychainsim.constants import *
from keychainsim.constants import VALUE_OF
from keychainsim.errors import NotModeledError

MATERIAL = Path(__file__).resolve().parents[2] / "fixtures" / "material"
CONSTANTS = sorted(set(VALUE_OF.values()))
CLASSES = [kSecClassGenericPassword, kSecClassInternetPassword, kSecClassCertificate, kSecClassKey, kSecClassIdentity]
HUGE_TEXT = "é" * 1_000_000
HUGE_DATA = bytes(range(256)) * 4096


def refs() -> list[Any]:
    """One of each Sec* object a dictionary may carry, built once."""
    from keychainsim import (
        SecAccessControlCreateWithFlags,
        SecCertificateCreateWithData,
        SecIdentityCreate,
        SecKeyCopyPublicKey,
        SecKeyCreateWithData,
        SecPolicyCreateBasicX509,
        SecPolicyCreateSSL,
    )

    certificate = SecCertificateCreateWithData((MATERIAL / "device-cert.der").read_bytes())
    key, error = SecKeyCreateWithData(
        (MATERIAL / "device-key.x963").read_bytes(),
        {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeyClass: kSecAttrKeyClassPrivate},
    )
    assert certificate is not None and key is not None, error
    access, _ = SecAccessControlCreateWithFlags(
        None, kSecAttrAccessibleWhenUnlocked, 1
    )  # kSecAccessControlUserPresence
    return [
        certificate,
        key,
        SecKeyCopyPublicKey(key),
        SecIdentityCreate(certificate, key),
        access,
        SecPolicyCreateBasicX509(),
        SecPolicyCreateSSL(True, "example.com"),
    ]


REFS = refs()


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = [value] if level % 2 else {kSecAttrLabel: value}
    return value


odd_keys = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["", "m", "r", "v_", kSecAttrSharingGroupNone]),
    st.none(),
    st.binary(max_size=5),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.tuples(st.text(max_size=3)),
)
keys = st.integers(0, 9).flatmap(lambda n: st.sampled_from(CONSTANTS) if n < 8 else odd_keys)
"""Mostly Apple's raw keys, so a dictionary often gets past the first check and reaches deeper rules."""

plausible = st.one_of(
    st.sampled_from(CONSTANTS),
    st.text(max_size=12),
    st.binary(max_size=40),
    st.booleans(),
    st.integers(min_value=-2, max_value=600),
    st.sampled_from(REFS),
)
odd = st.one_of(
    st.none(),
    st.integers(min_value=-(2**130), max_value=2**130),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(timezones=st.just(UTC)),  # a naive datetime is Python misuse (TypeError), not a CF value
    st.sampled_from([HUGE_TEXT, HUGE_DATA]),
    st.integers(min_value=50, max_value=600).map(nested),
)
scalars = st.integers(0, 9).flatmap(lambda n: plausible if n < 7 else odd)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=8,
)


def bases() -> list[dict[str, Any]]:
    """Dictionaries a device accepts, for the random entries to be added to."""
    certificate, key, _, identity, access, policy, _ = REFS
    return [
        {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "alice", kSecAttrService: "svc", kSecValueData: b"pw"},
        {kSecClass: kSecClassInternetPassword, kSecAttrServer: "example.com", kSecAttrAccount: "bob"},
        {kSecClass: kSecClassKey, kSecValueRef: key, kSecAttrApplicationTag: b"tag"},
        {kSecClass: kSecClassCertificate, kSecValueRef: certificate, kSecAttrLabel: "device"},
        {kSecValueRef: identity, kSecAttrAccessControl: access},
        {kSecClass: kSecClassIdentity, kSecMatchLimit: kSecMatchLimitAll, kSecReturnRef: True, kSecMatchPolicy: policy},
        {kSecClass: kSecClassGenericPassword, kSecMatchLimit: kSecMatchLimitAll, kSecReturnAttributes: True},
    ]


BASES = bases()


@st.composite
def dictionaries(draw: Any, pool: list[Any]) -> dict[Any, Any]:
    """A dictionary that is often nearly right (a device would take its base) and then wrong somewhere."""
    out: dict[Any, Any] = dict(draw(st.sampled_from(BASES))) if draw(st.booleans()) else {}
    if not out and draw(st.integers(0, 9)):
        out[kSecClass] = draw(st.sampled_from(CLASSES) | values)
    for key, value in draw(st.dictionaries(keys, values, max_size=4)).items():
        out[key] = value
    if pool and draw(st.booleans()):
        out[draw(st.sampled_from([kSecValueRef, kSecValuePersistentRef, kSecValueData, kSecAttrLabel]))] = draw(
            st.sampled_from(pool)
        )
    return out


def key_parameters(draw: Any, pool: list[Any]) -> dict[Any, Any]:
    """SecKeyCreateRandomKey's parameters; RSA sizes are kept at 1024 bits or less so an example stays quick
    (the size rules themselves are tested in tests/crypto/test_keygen.py)."""
    parameters = draw(dictionaries(pool))
    parameters[kSecAttrKeyType] = draw(
        st.sampled_from([kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeyTypeRSA, 73])
        | values
    )
    parameters[kSecAttrKeySizeInBits] = draw(st.sampled_from([256, 384, 521, 512, 1024, 0, -1, 2**70, "256"]) | values)
    for sub in (kSecPrivateKeyAttrs, kSecPublicKeyAttrs):
        if draw(st.booleans()):
            attributes = draw(st.dictionaries(keys, values, max_size=3) | values)
            if isinstance(attributes, dict) and draw(st.booleans()):
                attributes[kSecAttrIsPermanent] = True
            parameters[sub] = attributes
    if parameters[kSecAttrKeyType] == kSecAttrKeyTypeRSA:
        from keychainsim.crypto.keygen import get_int_value

        size = parameters[kSecAttrKeySizeInBits]
        if isinstance(size, int | float | str | bool) and not (isinstance(size, float) and math.isnan(size)):
            if get_int_value(size) > 1024:
                parameters[kSecAttrKeySizeInBits] = 1024
        else:
            parameters[kSecAttrKeySizeInBits] = 1024
    return parameters


def remember(pool: list[Any], result: Any) -> None:
    """Keep what a call returned, and its parts, for later calls of the same example to pass back in."""
    if result is None:
        return
    pool.append(result)
    if isinstance(result, dict):
        pool.extend(list(result.values())[:4])
    elif isinstance(result, list):
        for element in result[:3]:
            remember(pool, element)


CALLS = ("SecItemAdd", "SecItemCopyMatching", "SecItemUpdate", "SecItemDelete", "SecKeyCreateRandomKey")


@pytest.mark.model
@pytest.mark.parametrize("platform", ["ios", "macos"])
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_status_always_comes_back(platform: str, data: Any) -> None:
    kc = Keychain(platform=platform)
    pool: list[Any] = list(REFS)
    for _ in range(data.draw(st.integers(1, 5), label="calls")):
        call = data.draw(st.sampled_from(CALLS), label="call")
        try:
            if call == "SecKeyCreateRandomKey":
                key, error = kc.SecKeyCreateRandomKey(key_parameters(data.draw, pool))
                assert error is None or isinstance(error.code, int)
                assert key is None or error is None
                remember(pool, key)
                continue
            query = data.draw(dictionaries(pool), label="dictionary")
            if call == "SecItemUpdate":
                status = kc.SecItemUpdate(query, data.draw(dictionaries(pool), label="changes"))
                result = None
            elif call == "SecItemDelete":
                status, result = kc.SecItemDelete(query), None
            else:
                status, result = getattr(kc, call)(query)
        except NotModeledError:
            continue
        assert isinstance(status, OSStatus)
        assert kc.last_call is not None and kc.last_call.call == call and kc.last_call.status == status
        if status == errSecParam and kc.last_call.reason == "":
            pytest.fail(f"{call} gave errSecParam without a reason: {query!r:.300}")
        remember(pool, result)
