"""SecIdentity: creation with the OS 26 pair check, accessors, rebuild from rows (§H.1)."""

from __future__ import annotations

import pytest

from keychainsim.constants import *
from keychainsim.crypto import (
    SecCertificateCreateWithData,
    SecIdentityCopyCertificate,
    SecIdentityCopyPrivateKey,
    SecIdentityCreate,
    SecKeyCopyPublicKey,
    SecKeyCreateWithData,
)
from keychainsim.crypto.identity import SecIdentity
from keychainsim.crypto.keys import SecKey

from .apple_vectors import SI_42, apple_bytes
from .test_certificates import CN, make_cert


@pytest.mark.apple_test
def test_si42_identity_pairs_and_mismatch_returns_none(make_key) -> None:
    """si-42-identity.m: `_c1` + `_k1` form an identity; `test_no_identity_for_mismatch_keys`:
    SecIdentityCreate with another key returns NULL (Security-61901, SecIdentity.c — SecIdentityCreate)."""
    cert = SecCertificateCreateWithData(apple_bytes(SI_42, "_c1"))
    key, _ = SecKeyCreateWithData(apple_bytes(SI_42, "_k1"), {kSecAttrKeyType: "42", kSecAttrKeyClass: "1"})
    identity = SecIdentityCreate(cert, key)
    assert isinstance(identity, SecIdentity)
    assert SecIdentityCopyCertificate(identity) == (0, cert)
    assert SecIdentityCopyPrivateKey(identity) == (0, key)
    assert SecIdentityCreate(cert, make_key("RSA", 2048)) is None
    assert SecIdentityCreate(cert, make_key("EC", 256)) is None


@pytest.mark.inferred
def test_public_key_passes_the_pair_check(make_key) -> None:
    """§H.1 (inferred): the OS 26 check compares public halves, so a public key is accepted too."""
    key = make_key("EC", 256)
    cert = SecCertificateCreateWithData(make_cert([CN("pub")], key=key.cryptography_key()))
    assert SecIdentityCreate(cert, SecKeyCopyPublicKey(key)) is not None


@pytest.mark.apple_source
def test_from_keychain_rows(make_key) -> None:
    """SecItem.m — SecItemCreateFromAttributeDictionary (identity): certificate from certdata, key from
    its row, then SecIdentityCreate; a key row that does not decode or does not pair gives nothing."""
    key = make_key("EC", 256)
    cert_der = make_cert([CN("row")], key=key.cryptography_key())
    row = {**key._keychain_attributes(False), kSecAttrLabel: "key label"}
    identity = SecIdentity._from_keychain(cert_der, row)
    assert identity is not None and identity.private_key == key
    assert identity == SecIdentityCreate(SecCertificateCreateWithData(cert_der), key)
    other = make_key("EC", 384)._keychain_attributes(False)
    assert SecIdentity._from_keychain(cert_der, other) is None
    assert SecIdentity._from_keychain(b"not a cert", row) is None


@pytest.mark.apple_docs
def test_secure_enclave_identity() -> None:
    """https://developer.apple.com/forums/thread/723516: an SE private key and a certificate for its
    public key form an identity."""
    from cryptography.hazmat.primitives.asymmetric import ec

    raw = ec.generate_private_key(ec.SECP256R1())
    key = SecKey._secure_enclave(raw)
    cert_der = make_cert([CN("se")], key=raw)
    identity = SecIdentity._from_keychain(cert_der, key._keychain_attributes(False))
    assert identity is not None and identity.private_key.is_secure_enclave
