"""SecKeyCreateRandomKey's parameter rules, through create_random_key with a recording add (§A)."""

from __future__ import annotations

import pytest

from keychainsim.constants import *
from keychainsim.crypto import SecKeyCopyPublicKey, create_random_key
from keychainsim.crypto.keygen import merge_params
from keychainsim.errors import NotModeledError


class Recorder:
    """Stands in for the keychain's SecItemAdd: records each add, answers with scripted statuses."""

    def __init__(self, *statuses: int) -> None:
        self.items: list[dict[str, object]] = []
        self.statuses = list(statuses)

    def __call__(self, item: dict[str, object]) -> int:
        self.items.append(item)
        return self.statuses.pop(0) if self.statuses else 0


@pytest.mark.apple_source
def test_merge_sub_dictionary_wins_and_top_level_only_keys_removed() -> None:
    """SecKey.m — merge_params: sub-dictionary first, top level fills the gaps, type/size/sub-dicts
    removed (§A.1.2)."""
    params = {
        kSecAttrKeyType: "73", kSecAttrKeySizeInBits: 256, kSecAttrLabel: "top", kSecAttrApplicationTag: b"t",
        kSecPrivateKeyAttrs: {kSecAttrLabel: "private", kSecAttrIsPermanent: True},
        kSecPublicKeyAttrs: {kSecAttrKeySizeInBits: 4096},
    }
    private = merge_params(params, kSecPrivateKeyAttrs)
    public = merge_params(params, kSecPublicKeyAttrs)
    assert private == {kSecAttrLabel: "private", kSecAttrIsPermanent: True, kSecAttrApplicationTag: b"t"}
    assert public == {kSecAttrLabel: "top", kSecAttrApplicationTag: b"t"}


@pytest.mark.apple_source
def test_default_is_ephemeral() -> None:
    """SecKey.m — SecKeyCreateRandomKey: software keys default to kSecAttrIsPermanent false (§A.3)."""
    add = Recorder()
    key, error = create_random_key({kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}, add)
    assert error is None and key is not None and key.is_private and add.items == []


@pytest.mark.apple_source
def test_top_level_permanent_stores_public_then_private() -> None:
    """SecKey.m — SecKeyCreateRandomKey, add_key: top-level perm=true flows into both per-key
    dictionaries; the public key is added first; each add carries kSecValueRef (§A.3)."""
    add = Recorder()
    key, error = create_random_key(
        {kSecAttrKeyType: "73", kSecAttrKeySizeInBits: "256", kSecAttrIsPermanent: True,
         kSecAttrLabel: "enroll", "applepay": True},
        add,
    )
    assert error is None
    assert [item[kSecValueRef].is_private for item in add.items] == [False, True]
    assert add.items[0][kSecValueRef] == SecKeyCopyPublicKey(key)
    assert add.items[1][kSecValueRef] == key
    for item in add.items:
        assert item[kSecAttrLabel] == "enroll" and item[kSecAttrIsPermanent] is True
        assert kSecAttrKeyType not in item and kSecAttrKeySizeInBits not in item and "applepay" not in item


@pytest.mark.apple_source
def test_permanent_must_be_a_boolean() -> None:
    """SecKey.m — getBoolForKey: a number 1 is "not bool" and the default (false) applies (§A.1.4)."""
    add = Recorder()
    key, error = create_random_key({kSecAttrKeyType: "73", kSecAttrKeySizeInBits: 256, kSecAttrIsPermanent: 1}, add)
    assert key is not None and error is None and add.items == []


@pytest.mark.apple_source
def test_only_private_permanent_via_sub_dictionary() -> None:
    """§A.1–A.3: kSecPrivateKeyAttrs {perm: true} stores only the private key."""
    add = Recorder()
    key, _ = create_random_key(
        {kSecAttrKeyType: "42", kSecAttrKeySizeInBits: 1024, kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True}}, add
    )
    assert len(add.items) == 1 and add.items[0][kSecValueRef] == key


@pytest.mark.apple_source
@pytest.mark.parametrize(("key_type", "size"), [("42", 511), ("42", 8193), ("42", None), ("73", 255), ("73", 512)])
def test_bad_sizes_are_minus_50(key_type: str, size: int | None) -> None:
    """SecRSAKey.c / SecECKey.m key init: out-of-range sizes end as CFError -50 "failed to generate key"
    (not -25311; §A.5)."""
    params: dict[str, object] = {kSecAttrKeyType: key_type}
    if size is not None:
        params[kSecAttrKeySizeInBits] = size
    key, error = create_random_key(params, Recorder())
    assert key is None and error is not None and error.code == -50 and error.domain == "NSOSStatusErrorDomain"


@pytest.mark.apple_source
@pytest.mark.parametrize("size", [512, 768, 2056])
def test_unusual_rsa_sizes_generate(size: int) -> None:
    """si-40-seckey.c `testkeygen(768)`, `testkeygen(2056)`: any size in 512…8192 is accepted (§A.2)."""
    key, error = create_random_key({kSecAttrKeyType: "42", kSecAttrKeySizeInBits: size}, Recorder())
    assert error is None and key.key_size_in_bits == size


@pytest.mark.inferred
@pytest.mark.parametrize("key_type", [None, 73, "99"])
def test_missing_or_unknown_type_gives_no_error_object(key_type: object) -> None:
    """SecKey.m — SecKeyCreateRandomKey + _SecKeyErrorPropagate: the -50 written for a bad type is
    overwritten by a NULL error; CFEqual means a number 73 is not the string "73" (§A.5, inferred)."""
    params = {kSecAttrKeySizeInBits: 256} if key_type is None else {kSecAttrKeyType: key_type, kSecAttrKeySizeInBits: 256}
    assert create_random_key(params, Recorder()) == (None, None)


@pytest.mark.apple_source
def test_failed_public_add_stops_before_private() -> None:
    """SecKey.m — SecKeyCreateRandomKey: a failing public add fails the call with the add's status and
    the private key is never added (§A.3, §A.5)."""
    add = Recorder(-25299)
    key, error = create_random_key({kSecAttrKeyType: "73", kSecAttrKeySizeInBits: 256, kSecAttrIsPermanent: True}, add)
    assert key is None and error.code == -25299 and len(add.items) == 1


@pytest.mark.inferred
def test_failed_private_add_keeps_public() -> None:
    """§A.3 (inferred): the public key added before a failing private add stays; the call fails."""
    add = Recorder(0, -34018)
    key, error = create_random_key({kSecAttrKeyType: "73", kSecAttrKeySizeInBits: 256, kSecAttrIsPermanent: True}, add)
    assert key is None and error.code == -34018 and len(add.items) == 2


@pytest.mark.apple_source
def test_secure_enclave_key_defaults_permanent_and_top_level_wins() -> None:
    """SecKey.m — private add defaults to permanent when kSecAttrTokenID is present; SecCTKKey.m —
    SecCTKKeyCreateRandomKey lets top-level entries overwrite the private sub-dictionary (§A.6)."""
    add = Recorder()
    key, error = create_random_key(
        {kSecAttrKeyType: "73", kSecAttrKeySizeInBits: 256, kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
         kSecAttrApplicationTag: b"top", kSecPrivateKeyAttrs: {kSecAttrApplicationTag: b"sub"}},
        add,
    )
    assert error is None and key.is_secure_enclave
    assert len(add.items) == 1 and add.items[0][kSecValueRef] == key
    assert add.items[0][kSecAttrTokenID] == kSecAttrTokenIDSecureEnclave
    assert add.items[0][kSecAttrApplicationTag] == b"sub"  # the keychain add uses merge_params (sub wins)

    add = Recorder()
    key, error = create_random_key(
        {kSecAttrKeyType: "73", kSecAttrKeySizeInBits: 256, kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
         kSecPublicKeyAttrs: {kSecAttrIsPermanent: True}, kSecPrivateKeyAttrs: {kSecAttrIsPermanent: False}},
        add,
    )
    assert error is None and len(add.items) == 1
    assert not add.items[0][kSecValueRef].is_private and kSecAttrTokenID not in add.items[0]


@pytest.mark.apple_docs
@pytest.mark.parametrize(("key_type", "size"), [("42", 2048), ("73", 384)])
def test_secure_enclave_only_p256(key_type: str, size: int) -> None:
    """https://developer.apple.com/documentation/security/ksecattrtokenidsecureenclave: only 256-bit EC
    keys (the status, -50, is inferred from the CTK→OSStatus mapping)."""
    key, error = create_random_key(
        {kSecAttrKeyType: key_type, kSecAttrKeySizeInBits: size, kSecAttrTokenID: kSecAttrTokenIDSecureEnclave},
        Recorder(),
    )
    assert key is None and error.code == -50


@pytest.mark.model
def test_unmodelled_types_raise() -> None:
    """Rule 9: a key type Apple supports but keychainsim does not raises NotModeledError."""
    with pytest.raises(NotModeledError):
        create_random_key({kSecAttrKeyType: "105", kSecAttrKeySizeInBits: 256}, Recorder())
