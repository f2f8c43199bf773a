"""Identities in a dump: certificate <-> private key pairs joined on cert pkhh = key klbl, and the halves
left unpaired with the items that share their hash but do not pair."""

from __future__ import annotations

import pytest

from keychainsim.constants import *
from keychainsim.probe import Dump, dump

from ._keychains import APP, HASH_A, HASH_B, OTHER, SHARED, add, certificate, keychain, private_key


def identity_count(kc) -> int:
    status, result = kc.SecItemCopyMatching(
        {
            kSecClass: kSecClassIdentity,
            kSecMatchLimit: kSecMatchLimitAll,
            kSecReturnAttributes: True,
            kSecAttrSynchronizable: kSecAttrSynchronizableAny,
        }
    )
    return 0 if status == errSecItemNotFound else len(result)


@pytest.mark.apple_docs
def test_private_key_and_certificate_with_equal_hashes_form_one_identity():
    """Quinn, DevForums 723516 ("Digital Identities Aren't Real") and 70959: an identity is not stored; it
    is a certificate and the private key whose kSecAttrApplicationLabel equals the certificate's
    kSecAttrPublicKeyHash."""
    kc = keychain()
    add(kc, {**private_key(HASH_A), kSecAttrApplicationTag: "k"})
    add(kc, {**certificate(HASH_A), kSecAttrLabel: "device"})
    add(kc, certificate(HASH_B, serial=b"2"))
    dumped = Dump.of(kc)
    (pair,) = dumped.pairs
    assert (pair.key.rowid, pair.certificate.rowid, pair.hash, pair.visible) == (1, 2, HASH_A, True)
    assert [(u.kind, u.item.rowid) for u in dumped.unpaired] == [("certificate", 3)]
    assert len(dumped.pairs) == identity_count(kc)


@pytest.mark.model
def test_unpaired_private_key_and_certificate_with_no_near_miss():
    kc = keychain()
    add(kc, private_key(HASH_A))
    add(kc, certificate(HASH_B))
    dumped = Dump.of(kc)
    assert dumped.pairs == ()
    assert [(u.kind, u.item.rowid, u.hash, u.near) for u in dumped.unpaired] == [
        ("private_key", 1, HASH_A, ()),
        ("certificate", 2, HASH_B, ()),
    ]


@pytest.mark.model
def test_public_key_with_the_certificate_hash_is_a_near_miss():
    kc = keychain()
    add(kc, {**private_key(HASH_A), kSecAttrIsPrivate: 0, kSecAttrKeyClass: kSecAttrKeyClassPublic})
    add(kc, certificate(HASH_A))
    dumped = Dump.of(kc)
    assert dumped.pairs == () and identity_count(kc) == 0
    (unpaired,) = dumped.unpaired  # a public key is not an unpaired *private* key
    assert unpaired.kind == "certificate"
    assert [(n.item.rowid, n.why) for n in unpaired.near] == [
        (1, "key row 1 is a public key (kcls 0) with priv 0 (kSecAttrIsPrivate), and the join requires priv = 1")
    ]


@pytest.mark.model
def test_private_key_class_without_priv_does_not_pair():
    """The join tests priv = 1, not kcls (engine reference §H): a raw add with kcls 1 alone never pairs."""
    kc = keychain()
    add(kc, {k: v for k, v in private_key(HASH_A).items() if k != kSecAttrIsPrivate})
    add(kc, certificate(HASH_A))
    dumped = Dump.of(kc)
    assert dumped.pairs == () and identity_count(kc) == 0
    assert [(u.kind, [n.why for n in u.near]) for u in dumped.unpaired] == [
        ("private_key", ["key row 1 has priv None (kSecAttrIsPrivate), and the join requires priv = 1"]),
        ("certificate", ["key row 1 has priv None (kSecAttrIsPrivate), and the join requires priv = 1"]),
    ]


@pytest.mark.model
def test_macos_halves_in_different_keychains_never_pair():
    kc = keychain("macos")
    add(kc, {**private_key(HASH_A), kSecUseDataProtectionKeychain: True})
    add(kc, {**certificate(HASH_A), kSecUseDataProtectionKeychain: False})
    dumped = Dump.of(kc)
    assert dumped.pairs == ()
    why = "the certificate is in the file-based keychain, the key in the data protection keychain"
    assert [(u.kind, u.item.keychain, [n.why for n in u.near]) for u in dumped.unpaired] == [
        ("private_key", "dp", [why]),
        ("certificate", "file", [why]),
    ]


@pytest.mark.model
def test_pair_with_a_half_in_a_group_the_app_lacks_is_drawn_but_hidden():
    kc = keychain(groups=[APP, SHARED])
    add(kc, {**certificate(HASH_A), kSecAttrAccessGroup: SHARED})
    add(kc.with_entitlements([OTHER]), private_key(HASH_A))
    dumped = Dump.of(kc)
    (pair,) = dumped.pairs
    assert not pair.visible and pair.certificate.visible and not pair.key.visible
    assert identity_count(kc) == 0 and identity_count(kc.with_entitlements([OTHER, SHARED])) == 1
    text = " ".join(dump(kc).split())
    assert (
        "identity: certificate row 1 ↔ private key row 2 · dp · hidden from this app (key row 2: access_group)" in text
    )


@pytest.mark.apple_source
def test_a_public_key_that_joins_is_called_a_public_key():
    """SecItemDb.c s3dl_create_select_sql: the identity join tests keys.priv = 1, not kcls, so a public key
    stored with priv = 1 (as every key stored through a SecKeyRef is) pairs with the certificate. The dump
    draws that pair, and names the key a public key, never a private one."""
    kc = keychain()
    add(kc, private_key(HASH_A, **{kSecAttrKeyClass: kSecAttrKeyClassPublic}))
    add(kc, certificate(HASH_A))
    add(kc, private_key(HASH_B, **{kSecAttrKeyClass: kSecAttrKeyClassPublic}))
    dumped = Dump.of(kc)
    (pair,) = dumped.pairs
    assert pair.key.rowid == 1 and pair.key_is_public and identity_count(kc) == 1
    assert [(u.kind, u.item.rowid) for u in dumped.unpaired] == [("public_key", 3)]
    text = str(dump(kc))
    assert "public key row 1" in text and "unpaired public key row 3" in text
    assert "private key row" not in text
    assert "identity.key_is_public" in text
    document = dumped.to_dict()["identities"]
    assert [p["key_is_public"] for p in document["pairs"]] == [True]
    assert [u["kind"] for u in document["unpaired"]] == ["public_key"]
