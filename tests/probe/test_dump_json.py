"""dump(kc, format="json"): the versioned document of FORMAT.md, and dump -> load -> dump identity."""

from __future__ import annotations

import json

import pytest

from keychainsim import Keychain, SecAccessControlCreateWithFlags
from keychainsim.constants import *
from keychainsim.probe import dump, load_dump

from ._keychains import APP, HASH_A, HASH_B, OTHER, add, certificate, keychain, private_key


def varied_ios_keychain() -> Keychain:
    """Every value type, every visibility cause an iOS keychain can show, and an identity."""
    kc = keychain()
    access, _ = SecAccessControlCreateWithFlags(None, kSecAttrAccessibleAfterFirstUnlock, 1)
    add(
        kc,
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrAccount: "bob",
            kSecAttrService: b"svc",
            kSecAttrGeneric: b"\x00\xffbinary",
            kSecAttrLabel: " spaced ",
            kSecValueData: b"hunter2",
        },
    )
    add(
        kc,
        {
            kSecClass: kSecClassInternetPassword,
            kSecAttrServer: "example.com",
            kSecAttrProtocol: kSecAttrProtocolHTTPS,
            kSecAttrPort: 443,
            kSecAttrAccount: "ann",
            kSecValueData: b"pw",
        },
    )
    add(kc, {**certificate(HASH_A), kSecAttrLabel: "device", kSecValueData: b"\x30\x03\x02\x01\x01"})
    add(
        kc,
        {
            **private_key(HASH_A),
            kSecAttrApplicationTag: "com.example.key",
            kSecAttrAccessControl: access,
            kSecValueData: b"private key bytes",
        },
    )
    add(kc, {**private_key(HASH_B), kSecAttrApplicationTag: b"tag", kSecAttrSynchronizable: True})
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "gone", kSecAttrSynchronizable: True})
    assert (
        kc.SecItemDelete(
            {
                kSecClass: kSecClassGenericPassword,
                kSecAttrAccount: "gone",
                kSecAttrSynchronizable: kSecAttrSynchronizableAny,
            }
        )
        == errSecSuccess
    )
    add(kc.with_entitlements([OTHER]), {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "theirs"})
    kc.lock()
    return kc


def macos_keychain() -> Keychain:
    kc = keychain("macos")
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "file-item", kSecValueData: b"pw"})
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "dp-item", kSecUseDataProtectionKeychain: True})
    add(kc, {**certificate(HASH_A), kSecUseDataProtectionKeychain: False})
    add(kc, {**private_key(HASH_A), kSecUseDataProtectionKeychain: True})
    return kc


@pytest.mark.model
@pytest.mark.parametrize("build", [varied_ios_keychain, macos_keychain])
@pytest.mark.parametrize("secrets", [False, True])
def test_dump_load_dump_is_identical(build, secrets):
    first = dump(build(), format="json", secrets=secrets)
    second = dump(load_dump(first), format="json", secrets=secrets)
    assert second == first


@pytest.mark.model
def test_loaded_keychain_holds_exactly_the_items():
    kc = varied_ios_keychain()
    loaded = load_dump(dump(kc, format="json", secrets=True))
    assert [(i.rowid, i.item_class, i.keychain, dict(i.attrs)) for i in loaded.all_items()] == [
        (i.rowid, i.item_class, i.keychain, dict(i.attrs)) for i in kc.all_items()
    ]
    assert loaded.is_locked and loaded.access_groups == kc.access_groups and loaded.platform == "ios"


@pytest.mark.model
def test_loaded_keychain_answers_queries_like_the_original():
    kc = varied_ios_keychain()
    kc.unlock()
    loaded = load_dump(dump(kc, format="json", secrets=True))
    query = {kSecClass: kSecClassIdentity, kSecAttrLabel: "device", kSecReturnAttributes: True}
    assert loaded.SecItemCopyMatching(query)[0] == kc.SecItemCopyMatching(query)[0] == errSecSuccess
    password = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob", kSecReturnData: True}
    assert loaded.SecItemCopyMatching(password) == (errSecSuccess, b"hunter2")
    # a new item does not reuse a loaded row id
    add(loaded, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "new"})
    assert max(i.rowid for i in loaded.all_items()) == max(i.rowid for i in kc.all_items()) + 1


@pytest.mark.model
def test_document_header_and_sorted_deterministic_text():
    kc = varied_ios_keychain()
    text = dump(kc, format="json")
    document = json.loads(text)
    assert document["format"] == "keychainsim-dump"
    assert document["version"] == 1
    assert document["platform"] == "ios"
    assert document["access_groups"] == [APP, "A1B2C3D4E5.com.example.shared"]
    assert document["device"] == {"passcode_set": True, "unlocked": False, "unlocked_since_boot": True}
    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert text == dump(kc, format="json")
    assert [i["rowid"] for i in document["items"]] == sorted(i["rowid"] for i in document["items"])


@pytest.mark.model
def test_values_carry_type_raw_key_and_constant_names():
    document = json.loads(dump(varied_ios_keychain(), format="json"))
    by_account = {i["attributes"].get("acct", {}).get("value"): i for i in document["items"]}
    bob = by_account["bob"]["attributes"]
    assert bob["acct"] == {"name": "kSecAttrAccount", "type": "string", "value": "bob"}
    assert bob["svce"] == {"name": "kSecAttrService", "type": "data", "value": "737663", "text": "svc"}
    assert bob["gena"] == {"name": "kSecAttrGeneric", "type": "data", "value": "00ff62696e617279"}
    assert bob["labl"]["value"] == " spaced "
    assert bob["cdat"] == {"name": "kSecAttrCreationDate", "type": "date", "value": "2025-01-31T10:00:00.000000Z"}
    assert bob["pdmn"]["value_name"] == "kSecAttrAccessibleWhenUnlocked"
    assert bob["musr"] == {"name": "kSecAttrMultiUser", "type": "data", "value": ""}
    assert bob["persistref"]["name"] == "kSecAttrPersistentReference"
    assert len(bytes.fromhex(bob["persistref"]["value"])) == 16
    inet = by_account["ann"]["attributes"]
    assert inet["ptcl"] == {
        "name": "kSecAttrProtocol",
        "type": "string",
        "value": "htps",
        "value_name": "kSecAttrProtocolHTTPS",
    }
    assert inet["port"] == {"name": "kSecAttrPort", "type": "number", "value": 443}
    keys = [i["attributes"] for i in document["items"] if i["class"] == "keys"]
    assert keys[0]["type"] == {
        "name": "kSecAttrKeyType",
        "type": "number",
        "value": 73,
        "value_name": "kSecAttrKeyTypeECSECPrimeRandom",
    }
    assert keys[0]["kcls"]["value_name"] == "kSecAttrKeyClassPrivate"
    assert keys[0]["klbl"] == {"name": "kSecAttrApplicationLabel", "type": "data", "value": HASH_A.hex()}
    assert keys[0]["accc"] == {
        "name": "kSecAttrAccessControl",
        "type": "access_control",
        "value": {"flags": 1, "protection": "ck"},
        "value_name": "kSecAttrAccessibleAfterFirstUnlock",
    }
    assert keys[0]["atag"]["type"] == "string" and keys[1]["atag"]["type"] == "data"


@pytest.mark.model
def test_secrets_are_withheld_unless_asked_but_certificate_der_is_kept():
    kc = varied_ios_keychain()
    plain = dump(kc, format="json")
    assert b"hunter2".hex() not in plain and b"private key bytes".hex() not in plain
    cert = next(i for i in json.loads(plain)["items"] if i["class"] == "cert")
    assert cert["attributes"]["v_Data"]["value"] == "3003020101"
    full = dump(kc, format="json", secrets=True)
    assert b"hunter2".hex() in full


@pytest.mark.model
def test_identities_and_visibility_are_in_the_document():
    document = json.loads(dump(varied_ios_keychain(), format="json"))
    rows = {(i["class"], i["attributes"].get("acct", {}).get("value")): i for i in document["items"]}
    assert [h["code"] for h in rows[("genp", "theirs")]["hidden_because"]] == ["access_group", "locked"]
    assert [h["code"] for h in rows[("genp", "gone")]["hidden_because"]] == ["tombstone", "synchronizable", "locked"]
    assert rows[("genp", "bob")]["visible"] is False
    cert = rows[("cert", None)]
    assert cert["visible"] is True and cert["hidden_because"] == []
    (pair,) = document["identities"]["pairs"]
    # the key is protected AfterFirstUnlock (ck) and the certificate Always (dk): readable while locked
    assert pair["certificate"] == cert["rowid"] and pair["hash"] == HASH_A.hex() and pair["visible"] is True
    (unpaired,) = document["identities"]["unpaired"]
    assert unpaired["kind"] == "private_key" and unpaired["hash"] == HASH_B.hex()
