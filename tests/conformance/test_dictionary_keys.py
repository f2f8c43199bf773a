"""Dictionary keys the server cannot use: the status a device gives, the key named in ``last_call.reason``,
on both platforms and through every SecItem call; never a Python exception.

Sources: keychain/securityd/SecDbQuery.c ``query_applier()`` (a string key of length 4 is an attribute;
length 2 and more picks a family by its first letter; shorter is errSecItemInvalidKey "invalid length"; a
CFNumber key goes to ``query_add_attribute()``; any other type is errSecItemInvalidKeyType),
``query_update_applier()`` (attributesToUpdate: a key that is not a string is errSecItemInvalidKeyType),
keychain/securityd/SecItemDb.c ``SecDbAttrWithKey()`` (a key that is not a string is never an
attribute: errSecNoSuchAttr), base/SecBasePriv.h (errSecItemInvalidKey and errSecItemInvalidKeyType are
both errSecParam), OSX/sec/Security/SecItemConstants.c (kSecAttrSharingGroupNone is the empty string).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from keychainsim import Keychain
from keychainsim.constants import *

from ._support import genp

NOT_STRING_OR_NUMBER = [None, b"labl", True, False, ("labl",), datetime(2025, 1, 1, tzinfo=UTC)]
NUMBERS = [0, 1, -7, 2**80, 1.5, float("nan")]
TOO_SHORT = ["", "m", "r", "v", kSecAttrSharingGroupNone]


def every_call(kc: Keychain, key, value="x"):
    """(call name, status) for the key in an add, a query, an update query, and a delete."""
    base = genp(account="alice", service="svc")
    yield "SecItemAdd", kc.SecItemAdd({**base, key: value})[0]
    yield "SecItemCopyMatching", kc.SecItemCopyMatching({**base, key: value})[0]
    yield "SecItemUpdate", kc.SecItemUpdate({**base, key: value}, {kSecAttrLabel: "new"})
    yield "SecItemDelete", kc.SecItemDelete({**base, key: value})


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", ["ios", "macos"])
@pytest.mark.parametrize("key", NOT_STRING_OR_NUMBER, ids=repr)
def test_a_key_neither_string_nor_number_is_param(platform, key):
    """SecDbQuery.c query_applier(): "key %@ neither string nor number" → errSecItemInvalidKeyType = -50."""
    kc = Keychain(platform=platform)
    assert kc.SecItemAdd(genp())[0] == errSecSuccess
    for call, status in every_call(kc, key):
        assert status == errSecParam, call
        assert kc.last_call.call == call and repr(key) in kc.last_call.reason, call
        assert kc.last_call.key == repr(key)
    assert len(kc.all_items()) == 1


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", ["ios", "macos"])
@pytest.mark.parametrize("key", NUMBERS, ids=repr)
def test_a_number_key_is_no_such_attribute(platform, key):
    """SecDbQuery.c query_applier(): numeric keys go to query_add_attribute(); SecItemDb.c SecDbAttrWithKey()
    finds no attribute for a key that is not a string → errSecNoSuchAttr (-25303)."""
    kc = Keychain(platform=platform)
    for call, status in every_call(kc, key):
        assert status == errSecNoSuchAttr, call
        assert repr(key) in kc.last_call.reason


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", ["ios", "macos"])
@pytest.mark.parametrize("key", TOO_SHORT, ids=repr)
def test_a_key_shorter_than_two_characters_is_param(platform, key):
    """SecDbQuery.c query_applier(): a string key that is not 4 long needs key_len > 1, else "key %@ invalid
    length" → errSecItemInvalidKey = -50. kSecAttrSharingGroupNone is "" (SecItemConstants.c), so passing it
    as a key is this case."""
    kc = Keychain(platform=platform)
    for call, status in every_call(kc, key):
        assert status == errSecParam, call
        assert f"{key!r} has an invalid length" in kc.last_call.reason
        assert kc.last_call.key == key


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", ["ios", "macos"])
@pytest.mark.parametrize("key", [None, b"labl", 1, True], ids=repr)
def test_a_bad_key_in_attributes_to_update_is_param(platform, key):
    """SecDbQuery.c query_update_applier(): "unknown key type" for any key that is not a string, numbers
    included (unlike the query) → -50; the item is left as it was."""
    kc = Keychain(platform=platform)
    assert kc.SecItemAdd(genp(**{kSecAttrLabel: "old"}))[0] == errSecSuccess
    status = kc.SecItemUpdate(genp(), {key: "x"})
    assert status == errSecParam
    assert repr(key) in kc.last_call.reason
    status, found = kc.SecItemCopyMatching({**genp(), kSecReturnAttributes: True})
    assert status == errSecSuccess and found[kSecAttrLabel] == "old"


@pytest.mark.apple_source
def test_the_class_is_judged_before_a_bad_key():
    """SecDbQuery.c query_create_with_limit(): the class is resolved before query_applier() sees any key, so
    an unknown class wins over a bad key (errSecNoSuchClass, not errSecParam)."""
    kc = Keychain()
    status, _ = kc.SecItemCopyMatching({kSecClass: "nope", None: 1})
    assert status == errSecNoSuchClass


@pytest.mark.apple_source
@pytest.mark.parametrize("platform", ["ios", "macos"])
def test_a_bad_key_in_key_generation_parameters_fails_the_store_not_python(platform):
    """SecKeyCreateRandomKey stores the private key through SecItemAdd (keys reference §A); a None key in its
    kSecPrivateKeyAttrs reaches query_applier() and the add fails with -50, reported as the CFError."""
    kc = Keychain(platform=platform)
    key, error = kc.SecKeyCreateRandomKey(
        {
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, None: "x"},
        }
    )
    assert key is None and error is not None and error.code == errSecParam
    assert "None" in kc.last_call.reason
    assert [i for i in kc.all_items() if i.item_class == "keys"] == []


@pytest.mark.model
@pytest.mark.parametrize("argument", [None, [("class", "genp")], "class=genp", 42])
def test_only_a_non_mapping_argument_raises_type_error(argument):
    """Python misuse (not a dictionary at all) is the one case that raises, naming the argument."""
    kc = Keychain()
    with pytest.raises(TypeError, match="must be a dict"):
        kc.SecItemCopyMatching(argument)
